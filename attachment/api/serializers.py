"""Serializers of the waitlist API. Output serializers are read-only through and
through: HCC fields, the OHT, ids and states change only through extracts and
`attachment.services`. Input serializers name the few fields a caller may send; any
other key in a request body is ignored.

Every output serializer of patient data says, in `Meta.role_fields`, which fields each
role sees (oht_portal.api.fields): OHT staff and site admins see the whole record; a
care connector sees everything but the health card number, which their work (verifying
the waitlist, contacting patients, recording matches) does not use — they identify a
patient by the HCC id of their own registry. PCN and privacy leads get no patient
endpoint at all (403)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attachment.choices import (
    AttemptStatus,
    Channel,
    HCCStatus,
    PreferredContact,
    ProposalStatus,
    ReferralStatus,
    VerificationResult,
)
from attachment.models import OutreachAttempt, Patient, Proposal, Referral, Verification
from attachment.priority import patient_priority
from attachment.services import effective_contact
from oht_portal.api.fields import ALL_FIELDS, SITE_ADMIN, RoleFieldsMixin
from oht_portal.choices import Role

RECENT = 20
EARLIEST_ATTEMPT_YEAR = 2000


def every_patient_role() -> dict:
    """The roles that see patient data, each seeing every field of the serializer."""
    return {Role.OHT_STAFF: ALL_FIELDS, Role.CARE_CONNECTOR: ALL_FIELDS, SITE_ADMIN: ALL_FIELDS}


# Patients and attempts both have a `status`, with different choices. Named enum
# components keep the schema free of drf-spectacular's naming-collision warning.
@extend_schema_field({"type": "string", "enum": HCCStatus.values}, component_name="HCCStatusEnum")
class HCCStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=HCCStatus.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": AttemptStatus.values}, component_name="AttemptStatusEnum"
)
class AttemptStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=AttemptStatus.choices, **kwargs)


class PrioritySerializer(serializers.Serializer):
    score = serializers.FloatField(read_only=True)
    version = serializers.CharField(read_only=True)
    explanation = serializers.CharField(read_only=True)


class EffectiveContactSerializer(serializers.Serializer):
    """Where to reach the patient: the OHT's local corrections win over HCC values."""

    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    mailing_address = serializers.CharField(read_only=True)
    postal_code = serializers.CharField(read_only=True)
    preferred_contact = serializers.CharField(read_only=True)
    preferred_language = serializers.CharField(read_only=True)


class OutreachAttemptSerializer(RoleFieldsMixin, serializers.ModelSerializer):
    status = AttemptStatusField(read_only=True)
    recorded_by = serializers.CharField(
        source="recorded_by.get_full_name", read_only=True, allow_null=True
    )

    class Meta:
        model = OutreachAttempt
        fields = [
            "id",
            "patient",
            "campaign",
            "channel",
            "status",
            "note",
            "attempted_at",
            "source",
            "recorded_by",
        ]
        read_only_fields = fields
        role_fields = every_patient_role()
        oht_source = "patient.oht_id"


class VerificationSerializer(RoleFieldsMixin, serializers.ModelSerializer):
    recorded_by = serializers.CharField(
        source="recorded_by.get_full_name", read_only=True, allow_null=True
    )

    class Meta:
        model = Verification
        fields = [
            "id",
            "patient",
            "result",
            "needs_language",
            "needs_paediatric",
            "needs_mobility",
            "complex_needs_note",
            "recorded_at",
            "source",
            "recorded_by",
        ]
        read_only_fields = fields
        role_fields = every_patient_role()
        oht_source = "patient.oht_id"


class PatientListSerializer(RoleFieldsMixin, serializers.ModelSerializer):
    """A waitlist row. Expects `oht` selected with the patient (no query per row)."""

    oht = serializers.CharField(source="oht.code", read_only=True)
    in_cohort = serializers.BooleanField(read_only=True)
    status = HCCStatusField(read_only=True)
    priority = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = [
            "id",
            "hcc_id",
            "oht",
            "family_name",
            "given_name",
            "date_of_birth",
            "fsa",
            "registration_date",
            "in_cohort",
            "complex_vulnerable",
            "preferred_language",
            "status",
            "on_hcc_list",
            "outreach_state",
            "verification_state",
            "next_step",
            "last_contacted_at",
            "verified_at",
            "priority",
        ]
        read_only_fields = fields
        role_fields = every_patient_role()
        oht_source = "oht_id"

    @extend_schema_field(PrioritySerializer)
    def get_priority(self, patient: Patient) -> dict:
        priority = patient_priority(patient, self.context["today"])
        return {
            "score": priority.score,
            "version": priority.version,
            "explanation": priority.explanation,
        }


class PatientDetailSerializer(PatientListSerializer):
    """Everything the API tells about one patient, with the latest attempts and results."""

    contact = serializers.SerializerMethodField()
    recent_outreach_attempts = serializers.SerializerMethodField()
    recent_verifications = serializers.SerializerMethodField()

    class Meta(PatientListSerializer.Meta):
        fields = [
            *PatientListSerializer.Meta.fields,
            "health_card_number",
            "postal_code",
            "phone",
            "email",
            "preferred_contact",
            "status_date",
            "last_verified",
            "left_hcc_list_on",
            "contact",
            "recent_outreach_attempts",
            "recent_verifications",
        ]
        read_only_fields = fields
        role_fields = {
            Role.OHT_STAFF: ALL_FIELDS,
            SITE_ADMIN: ALL_FIELDS,
            Role.CARE_CONNECTOR: [name for name in fields if name != "health_card_number"],
        }

    @extend_schema_field(EffectiveContactSerializer)
    def get_contact(self, patient: Patient) -> dict:
        return effective_contact(patient)

    @extend_schema_field(OutreachAttemptSerializer(many=True))
    def get_recent_outreach_attempts(self, patient: Patient) -> list:
        attempts = patient.outreach_attempts.select_related("recorded_by")[:RECENT]
        return OutreachAttemptSerializer(attempts, many=True, context=self.context).data

    @extend_schema_field(VerificationSerializer(many=True))
    def get_recent_verifications(self, patient: Patient) -> list:
        verifications = patient.verifications.select_related("recorded_by")[:RECENT]
        return VerificationSerializer(verifications, many=True, context=self.context).data


class OutreachAttemptInputSerializer(serializers.Serializer):
    """A letter, e-mail, text or call to record; `attempted_at` defaults to now."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    status = AttemptStatusField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    attempted_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_attempted_at(self, value):
        # HCC began in 2009; a date before 2000 is a typo (and has no sensible UTC offset).
        if value is not None and value.year < EARLIEST_ATTEMPT_YEAR:
            raise serializers.ValidationError(
                _("An attempt cannot be dated before %(year)d.") % {"year": EARLIEST_ATTEMPT_YEAR},
                code="min_value",
            )
        return value


class VerificationInputSerializer(serializers.Serializer):
    """A verification result; updated needs only when the patient still needs care."""

    result = serializers.ChoiceField(choices=VerificationResult.choices)
    needs_language = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2
    )
    needs_paediatric = serializers.BooleanField(required=False, allow_null=True, default=None)
    needs_mobility = serializers.BooleanField(required=False, allow_null=True, default=None)
    complex_needs_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=4000
    )


class LocalContactSerializer(RoleFieldsMixin, serializers.Serializer):
    """The OHT's corrections of a patient's contact details (blank: use the HCC value).
    `updated_at` is null until someone corrects something."""

    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    mailing_address = serializers.CharField(read_only=True)
    preferred_contact = serializers.CharField(read_only=True)
    preferred_language = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        fields = [
            "phone",
            "email",
            "mailing_address",
            "preferred_contact",
            "preferred_language",
            "note",
            "updated_at",
        ]
        role_fields = every_patient_role()
        oht_source = "patient.oht_id"


class LocalContactInputSerializer(serializers.Serializer):
    """The corrections to save; a field left out keeps its value, a blank one goes back
    to the HCC value. The rules are the patient page's (`LocalContactForm`)."""

    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    mailing_address = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    preferred_contact = serializers.ChoiceField(
        choices=PreferredContact.choices, required=False, allow_blank=True
    )
    preferred_language = serializers.CharField(
        required=False, allow_blank=True, max_length=2, help_text="ISO 639-1."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


# --- Proposals and referrals (attachment.api.matching) ----------------------------------


@extend_schema_field(
    {"type": "string", "enum": ReferralStatus.values}, component_name="ReferralStatusEnum"
)
class ReferralStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ReferralStatus.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": ProposalStatus.values}, component_name="ProposalStatusEnum"
)
class ProposalStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ProposalStatus.choices, **kwargs)


# The statuses a person may move a referral to (`referred` is where it starts).
REFERRAL_TARGETS = [
    (value, label) for value, label in ReferralStatus.choices if value != ReferralStatus.REFERRED
]


@extend_schema_field(
    {"type": "string", "enum": [value for value, _label in REFERRAL_TARGETS]},
    component_name="ReferralTargetEnum",
)
class ReferralTargetField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=REFERRAL_TARGETS, **kwargs)


class ReferralSerializer(RoleFieldsMixin, serializers.ModelSerializer):
    """A referral and where its lifecycle stands. Expects the patient's OHT selected."""

    oht = serializers.CharField(source="patient.oht.code", read_only=True)
    hcc_id = serializers.CharField(source="patient.hcc_id", read_only=True)
    status = ReferralStatusField(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "patient",
            "hcc_id",
            "oht",
            "location",
            "status",
            "referred_at",
            "accepted_at",
            "declined_at",
            "decline_reason",
            "intake_on",
            "intake_history_updated",
            "intake_screening_done",
            "attached_at",
            "closed_at",
            "closed_reason",
            "note",
            "proposal",
            "updated_at",
        ]
        read_only_fields = fields
        role_fields = every_patient_role()
        oht_source = "patient.oht_id"


class ProposalSerializer(RoleFieldsMixin, serializers.ModelSerializer):
    """A proposal of a matching run, its reasons (codes with values) and runner-ups."""

    oht = serializers.CharField(source="patient.oht.code", read_only=True)
    hcc_id = serializers.CharField(source="patient.hcc_id", read_only=True)
    status = ProposalStatusField(read_only=True)
    reasons = serializers.JSONField(read_only=True)
    alternatives = serializers.JSONField(read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "run",
            "patient",
            "hcc_id",
            "oht",
            "location",
            "score",
            "distance_km",
            "reasons",
            "alternatives",
            "status",
            "decided_at",
        ]
        read_only_fields = fields
        role_fields = every_patient_role()
        oht_source = "patient.oht_id"


class ReferralCreateInputSerializer(serializers.Serializer):
    """Refer a patient of your OHTs to a practice location (of the patient's OHT or
    one of its matching partners). Send an `Idempotency-Key` header to retry safely."""

    patient = serializers.IntegerField(min_value=1)
    location = serializers.IntegerField(min_value=1)


class ReferralTransitionInputSerializer(serializers.Serializer):
    """Move a referral on: `reason` is required to decline (a decline reason) or close
    (a closing reason), `intake_on` to book the intake."""

    to = ReferralTargetField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)
    intake_on = serializers.DateField(required=False, allow_null=True, default=None)
    history_updated = serializers.BooleanField(required=False, default=False)
    screening_done = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ProposalRejectInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
