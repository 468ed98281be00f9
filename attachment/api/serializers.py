"""Serializers of the waitlist API. Output serializers are read-only through and
through: HCC fields, the OHT, ids and states change only through extracts and
`attachment.services`. Input serializers name the few fields a caller may send; any
other key in a request body is ignored."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attachment.choices import (
    AttemptStatus,
    Channel,
    HCCStatus,
    ProposalStatus,
    ReferralStatus,
    VerificationResult,
)
from attachment.models import OutreachAttempt, Patient, Proposal, Referral, Verification
from attachment.priority import patient_priority
from attachment.services import effective_contact

RECENT = 20


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


class OutreachAttemptSerializer(serializers.ModelSerializer):
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


class VerificationSerializer(serializers.ModelSerializer):
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


class PatientListSerializer(serializers.ModelSerializer):
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

    @extend_schema_field(EffectiveContactSerializer)
    def get_contact(self, patient: Patient) -> dict:
        return effective_contact(patient)

    @extend_schema_field(OutreachAttemptSerializer(many=True))
    def get_recent_outreach_attempts(self, patient: Patient) -> list:
        attempts = patient.outreach_attempts.select_related("recorded_by")[:RECENT]
        return OutreachAttemptSerializer(attempts, many=True).data

    @extend_schema_field(VerificationSerializer(many=True))
    def get_recent_verifications(self, patient: Patient) -> list:
        verifications = patient.verifications.select_related("recorded_by")[:RECENT]
        return VerificationSerializer(verifications, many=True).data


class OutreachAttemptInputSerializer(serializers.Serializer):
    """A letter, e-mail, text or call to record; `attempted_at` defaults to now."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    status = AttemptStatusField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    attempted_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


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


class ApplicationErrorSerializer(serializers.Serializer):
    """A business rule refused the request (for example an attempt dated in the future)."""

    code = serializers.CharField()
    message = serializers.CharField()


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


class ReferralSerializer(serializers.ModelSerializer):
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


class ProposalSerializer(serializers.ModelSerializer):
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
