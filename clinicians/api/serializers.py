"""Serializers of the directory API. Output is read-only: report fields change only
through the import, local attributes and capacity only through `clinicians.services`.
The one input, a capacity declaration, is checked by `CapacityForm`, the same rules as
the staff page and the clinician's link."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinicians.capacity import CapacityState
from clinicians.choices import AcceptingStatus
from clinicians.filters import CAPACITY_STATES
from clinicians.forms import CapacityForm
from clinicians.models import Clinician, PracticeLocation, PrimaryCareTeam


def _codes(text: str) -> list[str]:
    return [code for code in text.split(";") if code]


class ClinicianBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clinician
        fields = [
            "id",
            "registration_body",
            "registration_number",
            "clinician_type",
            "given_name",
            "family_name",
        ]
        read_only_fields = fields


class TeamBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrimaryCareTeam
        fields = ["id", "name", "team_type"]
        read_only_fields = fields


class CapacitySerializer(serializers.Serializer):
    """The current declaration and what is left of it. Expects a location annotated
    by `clinicians.capacity.with_capacity`."""

    state = serializers.ChoiceField(
        source="capacity_state", choices=CAPACITY_STATES, read_only=True
    )
    accepting_status = serializers.ChoiceField(
        source="current_declaration.accepting_status",
        choices=AcceptingStatus.choices,
        read_only=True,
    )
    declared = serializers.IntegerField(source="current_declaration.new_patients", read_only=True)
    in_flight = serializers.IntegerField(read_only=True, help_text="Referrals awaiting an answer.")
    accepted_since = serializers.IntegerField(
        read_only=True, help_text="Referrals accepted since the declaration."
    )
    remaining = serializers.SerializerMethodField(
        help_text="Places matching may offer: declared − in flight − accepted since, "
        "0 unless the state is open."
    )
    min_age = serializers.IntegerField(
        source="current_declaration.min_age", read_only=True, allow_null=True
    )
    max_age = serializers.IntegerField(
        source="current_declaration.max_age", read_only=True, allow_null=True
    )
    languages = serializers.SerializerMethodField(
        help_text="Languages required (ISO 639-1); empty means the practice's languages."
    )
    takes_complex = serializers.BooleanField(
        source="current_declaration.takes_complex", read_only=True
    )
    batch_size = serializers.IntegerField(
        source="current_declaration.batch_size", read_only=True, allow_null=True
    )
    declared_at = serializers.DateTimeField(
        source="current_declaration.declared_at", read_only=True
    )
    verified_at = serializers.DateTimeField(
        source="current_declaration.verified_at", read_only=True
    )
    expires_on = serializers.DateField(source="current_declaration.expires_on", read_only=True)
    stale = serializers.SerializerMethodField(help_text="Past its expiry: not offered.")

    def get_remaining(self, location: PracticeLocation) -> int:
        return location.remaining if location.capacity_state == CapacityState.OPEN else 0

    def get_languages(self, location: PracticeLocation) -> list[str]:
        return _codes(location.current_declaration.languages)

    def get_stale(self, location: PracticeLocation) -> bool:
        return location.capacity_state == CapacityState.STALE


class LocationSerializer(serializers.ModelSerializer):
    """A practice location as care connectors need it. Expects the clinician, OHT,
    team and current declaration selected with it (`clinicians.selectors.location_list`)."""

    oht = serializers.CharField(source="oht.code", read_only=True)
    clinician = ClinicianBriefSerializer(read_only=True)
    team = TeamBriefSerializer(read_only=True, allow_null=True)
    fsas_served = serializers.SerializerMethodField(
        help_text="Every FSA the practice serves, its own first."
    )
    languages = serializers.SerializerMethodField(
        help_text="Languages of care (ISO 639-1): the report's, the OHT's and the clinician's."
    )
    paediatrics = serializers.BooleanField(
        source="clinician.paediatrics", read_only=True, allow_null=True
    )
    french_language_services = serializers.BooleanField(
        source="clinician.french_language_services", read_only=True, allow_null=True
    )
    capacity = serializers.SerializerMethodField()

    class Meta:
        model = PracticeLocation
        fields = [
            "id",
            "oht",
            "clinician",
            "practice_name",
            "address",
            "city",
            "postal_code",
            "fsa",
            "fsas_served",
            "languages",
            "phone",
            "team",
            "paediatrics",
            "french_language_services",
            "serves_remote",
            "virtual_care",
            "wheelchair_accessible",
            "pcn_member",
            "ereferral_status",
            "digital_readiness",
            "capacity",
        ]
        read_only_fields = fields

    def get_fsas_served(self, location: PracticeLocation) -> list[str]:
        return location.fsa_codes()

    def get_languages(self, location: PracticeLocation) -> list[str]:
        return location.language_codes()

    @extend_schema_field(CapacitySerializer(allow_null=True))
    def get_capacity(self, location: PracticeLocation) -> dict | None:
        if location.current_declaration is None:
            return None
        return CapacitySerializer(location).data


class ClinicianSerializer(serializers.ModelSerializer):
    """A clinician and the ids of their locations in the caller's OHTs. Expects
    `visible_locations` prefetched (never another OHT's ids)."""

    languages = serializers.SerializerMethodField(help_text="ISO 639-1 codes from the report.")
    locations = serializers.SerializerMethodField()

    class Meta:
        model = Clinician
        fields = [
            *ClinicianBriefSerializer.Meta.fields,
            "languages",
            "paediatrics",
            "french_language_services",
            "on_latest_report",
            "locations",
        ]
        read_only_fields = fields

    def get_languages(self, clinician: Clinician) -> list[str]:
        return _codes(clinician.languages)

    def get_locations(self, clinician: Clinician) -> list[int]:
        return [location.pk for location in clinician.visible_locations]


class TeamSerializer(serializers.ModelSerializer):
    """A primary care team and its locations. Expects `locations` prefetched."""

    oht = serializers.CharField(source="oht.code", read_only=True)
    locations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PrimaryCareTeam
        fields = [
            "id",
            "oht",
            "name",
            "team_type",
            "email",
            "phone",
            "pcn_member",
            "recruitment_status",
            "locations",
        ]
        read_only_fields = fields


class CapacityDeclarationInputSerializer(serializers.Serializer):
    """What a practice said about taking new patients. The fields describe the body;
    `CapacityForm` applies the rules (valid language codes, no places when not
    accepting, ages in order) so the API refuses exactly what the pages refuse."""

    accepting_status = serializers.ChoiceField(choices=AcceptingStatus.choices)
    new_patients = serializers.IntegerField(min_value=0, max_value=5000)
    min_age = serializers.IntegerField(
        min_value=0, max_value=120, required=False, allow_null=True, default=None
    )
    max_age = serializers.IntegerField(
        min_value=0, max_value=120, required=False, allow_null=True, default=None
    )
    languages = serializers.ListField(
        child=serializers.CharField(max_length=3),
        required=False,
        default=list,
        help_text="ISO 639-1 codes required; empty for the practice's languages.",
    )
    takes_complex = serializers.BooleanField(required=False, default=True)
    batch_size = serializers.IntegerField(
        min_value=1, max_value=500, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    declared_by_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="The clinician or clinic manager who gave the figures.",
    )

    def validate(self, attrs):
        form = CapacityForm(data={**attrs, "languages": ";".join(attrs["languages"])})
        if not form.is_valid():
            raise serializers.ValidationError(
                {field: list(messages) for field, messages in form.errors.items()}
            )
        return {"figures": form.figures(), "declared_by_name": attrs["declared_by_name"]}
