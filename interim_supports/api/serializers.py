"""Serializers of the interim supports API. Supports are read-only here (they change on
the directory pages, through `interim_supports.services`); the one input is an offer
of supports to a patient."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attachment.api.serializers import every_patient_role
from interim_supports.choices import Cost, LocationType, OfferChannel, SupportStatus, SupportType
from interim_supports.hours import service_open_at
from interim_supports.models import SupportHours, SupportLocation, SupportOffer, SupportService
from oht_portal.api.fields import RoleFieldsMixin


# Several models have a `status`, a `channel` or a `language`: named enum components keep
# the schema free of drf-spectacular's naming-collision warning.
@extend_schema_field(
    {"type": "string", "enum": SupportStatus.values}, component_name="SupportStatusEnum"
)
class SupportStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=SupportStatus.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": OfferChannel.values}, component_name="OfferChannelEnum"
)
class OfferChannelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=OfferChannel.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": [code for code, _name in settings.LANGUAGES]},
    component_name="PortalLanguageEnum",
)
class PortalLanguageField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=settings.LANGUAGES, **kwargs)


class SupportHoursSerializer(serializers.ModelSerializer):
    """A weekly opening period; `weekday` 0 is Monday. A closing time at or before the
    opening time runs past midnight into the next day."""

    class Meta:
        model = SupportHours
        fields = ["weekday", "opens_at", "closes_at"]
        read_only_fields = fields


class SupportLocationSerializer(serializers.ModelSerializer):
    location_type = serializers.ChoiceField(choices=LocationType.choices, read_only=True)

    class Meta:
        model = SupportLocation
        fields = [
            "hsds_id",
            "location_type",
            "name",
            "address",
            "city",
            "postal_code",
            "url",
            "accessibility",
        ]
        read_only_fields = fields


class SupportOrganizationSerializer(serializers.Serializer):
    hsds_id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)


class SupportEligibilitySerializer(serializers.Serializer):
    min_age = serializers.IntegerField(read_only=True, allow_null=True)
    max_age = serializers.IntegerField(read_only=True, allow_null=True)
    unattached_only = serializers.BooleanField(
        read_only=True, help_text="Only for people without a family doctor or NP."
    )
    complex_needs = serializers.BooleanField(read_only=True)
    indigenous_led = serializers.BooleanField(read_only=True)
    description_en = serializers.CharField(source="eligibility_en", read_only=True)
    description_fr = serializers.CharField(source="eligibility_fr", read_only=True)


class SupportAccessSerializer(serializers.Serializer):
    walk_in = serializers.BooleanField(read_only=True)
    by_appointment = serializers.BooleanField(read_only=True)
    by_phone = serializers.BooleanField(read_only=True)
    online = serializers.BooleanField(read_only=True)


class SupportCostSerializer(serializers.Serializer):
    cost = serializers.ChoiceField(choices=Cost.choices, read_only=True)
    note = serializers.CharField(source="cost_note", read_only=True)


class SupportSerializer(serializers.ModelSerializer):
    """A support as care connectors need it. Expects organization, OHT, hours and
    locations loaded with it (`interim_supports.selectors.support_list`). With a
    ranking in the context (`ranked`: pk → Ranked), `score` and `reasons` say why it
    comes where it does; `open_now` is at the request's moment (`now`)."""

    oht = serializers.CharField(source="oht.code", read_only=True)
    support_type = serializers.ChoiceField(choices=SupportType.choices, read_only=True)
    status = SupportStatusField(read_only=True)
    languages = serializers.SerializerMethodField(help_text="ISO 639-1 codes.")
    fsas_served = serializers.SerializerMethodField(
        help_text="FSAs listed; empty means the whole catchment of the support's OHT."
    )
    eligibility = SupportEligibilitySerializer(source="*", read_only=True)
    access = SupportAccessSerializer(source="*", read_only=True)
    cost = SupportCostSerializer(source="*", read_only=True)
    review_due_on = serializers.DateField(read_only=True)
    stale = serializers.SerializerMethodField(help_text="Past its review date.")
    open_now = serializers.SerializerMethodField()
    hours = SupportHoursSerializer(many=True, read_only=True)
    locations = SupportLocationSerializer(many=True, read_only=True)
    organization = SupportOrganizationSerializer(read_only=True)
    score = serializers.SerializerMethodField(
        help_text="Relevance when ranked (`patient`, or `fsa`/`language`); null otherwise."
    )
    reasons = serializers.SerializerMethodField(help_text="Why it ranks where it does.")

    class Meta:
        model = SupportService
        fields = [
            "id",
            "hsds_id",
            "oht",
            "name_en",
            "name_fr",
            "description_en",
            "description_fr",
            "support_type",
            "languages",
            "eligibility",
            "access",
            "cost",
            "fsas_served",
            "province_wide",
            "capacity_note_en",
            "capacity_note_fr",
            "phone",
            "email",
            "url",
            "status",
            "closed_on_holidays",
            "last_verified_on",
            "review_due_on",
            "stale",
            "open_now",
            "hours",
            "locations",
            "organization",
            "score",
            "reasons",
        ]
        read_only_fields = fields

    def _ranked(self, service: SupportService):
        return self.context.get("ranked", {}).get(service.pk)

    def get_languages(self, service: SupportService) -> list[str]:
        return service.language_codes()

    def get_fsas_served(self, service: SupportService) -> list[str]:
        return service.fsa_codes()

    def get_stale(self, service: SupportService) -> bool:
        return service.is_stale(self.context.get("today"))

    def get_open_now(self, service: SupportService) -> bool:
        ranked = self._ranked(service)
        if ranked is not None:
            return ranked.open_now
        return service_open_at(service, self.context.get("now"))

    def get_score(self, service: SupportService) -> int | None:
        ranked = self._ranked(service)
        return None if ranked is None else ranked.score

    def get_reasons(self, service: SupportService) -> list[str]:
        ranked = self._ranked(service)
        return [] if ranked is None else [str(reason) for reason in ranked.reasons]


class SupportOfferSerializer(RoleFieldsMixin, serializers.ModelSerializer):
    """A list of supports given to a patient. Patient data: every offer returned is
    audited as a read of its patient; every patient-data role sees all of it."""

    supports = serializers.PrimaryKeyRelatedField(source="services", many=True, read_only=True)
    channel = OfferChannelField(read_only=True)
    language = PortalLanguageField(read_only=True)
    offered_by = serializers.CharField(
        source="offered_by.get_full_name", read_only=True, allow_null=True
    )

    class Meta:
        model = SupportOffer
        fields = [
            "id",
            "patient",
            "supports",
            "channel",
            "language",
            "note",
            "offered_at",
            "offered_by",
        ]
        read_only_fields = fields
        role_fields = every_patient_role()
        oht_source = "patient.oht_id"


class SupportOfferInputSerializer(serializers.Serializer):
    """Record that supports were offered to a patient of one of your OHTs."""

    patient = serializers.IntegerField(min_value=1)
    supports = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=50,
        help_text="Ids of supports the patient's OHT can offer: its own or province-wide.",
    )
    channel = OfferChannelField(default=OfferChannel.API)
    language = PortalLanguageField(help_text="The language of the list given.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
