"""The HCC waitlist patients an OHT works to attach."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attachment.choices import (
    OPEN_REFERRAL_STATUSES,
    AttemptStatus,
    Channel,
    ClosedReason,
    DeclineReason,
    HCCStatus,
    MatchingRunStatus,
    NextStep,
    OutreachState,
    PreferredContact,
    ProposalStatus,
    ReferralStatus,
    Source,
    VerificationResult,
    VerificationState,
)
from oht_portal.models import OHT


class PatientQuerySet(models.QuerySet):
    def in_cohort(self):
        """The January 1, 2025 cohort: registered with HCC on or before the cohort date."""
        return self.filter(registration_date__lte=settings.HCC_COHORT_DATE)

    def on_hcc_list(self):
        return self.filter(on_hcc_list=True)


class Patient(models.Model):
    """A person registered with Health Care Connect and synced to an OHT.

    The HCC columns belong to the province and are only changed by an `hcc_waitlist`
    extract; the OHT's own work (verification, referrals, notes) lives in other models
    so that an import can never overwrite it. This is personal health information:
    read it only through `attachment.selectors`, which scope and audit."""

    hcc_id = models.CharField(_("HCC id"), max_length=13, unique=True)
    oht = models.ForeignKey(
        OHT, on_delete=models.PROTECT, related_name="patients", verbose_name=_("OHT")
    )
    registration_date = models.DateField(_("HCC registration date"), db_index=True)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    health_card_number = models.CharField(
        _("health card number"), max_length=12, blank=True, db_index=True
    )
    postal_code = models.CharField(_("postal code"), max_length=6)
    fsa = models.CharField(_("FSA"), max_length=3, db_index=True)
    phone = models.CharField(_("phone"), max_length=10, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    preferred_contact = models.CharField(
        _("preferred contact"), max_length=5, choices=PreferredContact.choices, blank=True
    )
    preferred_language = models.CharField(_("preferred language"), max_length=2, blank=True)
    complex_vulnerable = models.BooleanField(_("complex vulnerable"))
    status = models.CharField(
        _("HCC status"), max_length=8, choices=HCCStatus.choices, db_index=True
    )
    status_date = models.DateField(_("status date"), null=True, blank=True)
    last_verified = models.DateField(_("last verified by a care connector"), null=True, blank=True)
    # Reconciliation: a patient missing from a newer full extract is kept, marked off.
    on_hcc_list = models.BooleanField(_("on the HCC list"), default=True, db_index=True)
    left_hcc_list_on = models.DateField(_("left the HCC list on"), null=True, blank=True)
    # The OHT's own work, kept up to date by attachment.services in the same transaction
    # as the attempt or result that changes it. Database defaults, so that an extract's
    # bulk INSERT (which names only the province's columns) gives new patients a start.
    outreach_state = models.CharField(
        _("outreach"),
        max_length=12,
        choices=OutreachState.choices,
        default=OutreachState.NOT_STARTED,
        db_default=OutreachState.NOT_STARTED,
        db_index=True,
    )
    verification_state = models.CharField(
        _("verification"),
        max_length=20,
        choices=VerificationState.choices,
        default=VerificationState.UNVERIFIED,
        db_default=VerificationState.UNVERIFIED,
        db_index=True,
    )
    next_step = models.CharField(
        _("next step"),
        max_length=10,
        choices=NextStep.choices,
        default=NextStep.OUTREACH,
        db_default=NextStep.OUTREACH,
        db_index=True,
    )
    last_contacted_at = models.DateTimeField(_("last contact attempt"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("waitlisted patient")
        verbose_name_plural = _("waitlisted patients")
        ordering = ["registration_date", "hcc_id"]
        indexes = [
            models.Index(fields=["oht", "registration_date"]),
            models.Index(fields=["oht", "fsa"]),
            models.Index(fields=["family_name", "given_name"]),
        ]

    def __str__(self) -> str:
        # The HCC id, never the name: this string ends up in admin messages and logs.
        return self.hcc_id

    @property
    def in_cohort(self) -> bool:
        return self.registration_date <= settings.HCC_COHORT_DATE

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class WaitlistSnapshot(models.Model):
    """One OHT's part of one imported `hcc_waitlist` extract. The newest extract date per
    OHT guards against a late, older file rolling the list back."""

    oht = models.ForeignKey(
        OHT, on_delete=models.CASCADE, related_name="waitlist_snapshots", verbose_name=_("OHT")
    )
    extract_date = models.DateField(_("extract date"))
    import_run = models.ForeignKey(
        "oht_portal.ImportRun",
        on_delete=models.PROTECT,
        related_name="waitlist_snapshots",
        verbose_name=_("import run"),
    )
    rows = models.PositiveIntegerField(_("patients in the extract"))
    left_list = models.PositiveIntegerField(_("no longer on the list"), default=0)

    class Meta:
        verbose_name = _("waitlist extract")
        verbose_name_plural = _("waitlist extracts")
        ordering = ["oht", "-extract_date", "-id"]
        indexes = [models.Index(fields=["oht", "extract_date"])]

    def __str__(self) -> str:
        return f"{self.oht.code} {self.extract_date}"


class PatientExtractEvent(models.Model):
    """What an extract did to a patient: joined the list, changed (which HCC fields),
    left the list, or came back. The patient's timeline is made of these, and they are
    the audit record of which patients each import touched: append-only, like the audit
    trail (a trigger refuses UPDATE and DELETE on PostgreSQL)."""

    class Change(models.TextChoices):
        JOINED = "joined", _("Joined the HCC list")
        UPDATED = "updated", _("HCC details changed")
        LEFT = "left", _("No longer on the HCC list")
        RETURNED = "returned", _("Back on the HCC list")

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="extract_events", verbose_name=_("patient")
    )
    import_run = models.ForeignKey(
        "oht_portal.ImportRun",
        on_delete=models.PROTECT,
        related_name="patient_events",
        verbose_name=_("import run"),
    )
    extract_date = models.DateField(_("extract date"))
    change = models.CharField(_("change"), max_length=10, choices=Change.choices)
    fields = models.JSONField(_("fields changed"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("extract change")
        verbose_name_plural = _("extract changes")
        ordering = ["patient", "extract_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_change_display()} ({self.extract_date})"


class LocalContact(models.Model):
    """Contact details the OHT corrected locally (a patient gave a new number on the
    phone). They win over the HCC values for outreach, and no extract touches them."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="local_contact", verbose_name=_("patient")
    )
    phone = models.CharField(_("phone"), max_length=10, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    mailing_address = models.TextField(_("mailing address"), blank=True)
    preferred_contact = models.CharField(
        _("preferred contact"), max_length=5, choices=PreferredContact.choices, blank=True
    )
    preferred_language = models.CharField(_("preferred language"), max_length=2, blank=True)
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("local contact correction")
        verbose_name_plural = _("local contact corrections")

    def __str__(self) -> str:
        return f"{self.patient} (local contact)"


class OutreachCampaign(models.Model):
    """Step 1 run on a filtered set of patients: a letter, an e-mail and a text each,
    as their contact details and preferences allow. One attempt per patient and channel
    per campaign, so running it again never sends twice."""

    oht = models.ForeignKey(
        OHT, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("OHT")
    )
    name = models.CharField(_("name"), max_length=200)
    channels = models.JSONField(_("channels"), default=list)
    filter_query = models.TextField(_("filters used to choose the patients"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    launched_at = models.DateTimeField(_("launched"), null=True, blank=True)
    patient_count = models.PositiveIntegerField(_("patients"), default=0)

    class Meta:
        verbose_name = _("outreach campaign")
        verbose_name_plural = _("outreach campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class OutreachAttempt(models.Model):
    """One letter, e-mail, text or call to a patient, with what came of it."""

    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        related_name="outreach_attempts",
        verbose_name=_("patient"),
    )
    campaign = models.ForeignKey(
        OutreachCampaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attempts",
        verbose_name=_("campaign"),
    )
    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=AttemptStatus.choices)
    note = models.TextField(_("note"), blank=True)
    attempted_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)

    class Meta:
        verbose_name = _("outreach attempt")
        verbose_name_plural = _("outreach attempts")
        ordering = ["-attempted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "patient", "channel"],
                condition=models.Q(campaign__isnull=False),
                name="one_attempt_per_campaign_patient_channel",
            )
        ]
        indexes = [models.Index(fields=["patient", "attempted_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.get_status_display()}"


class Verification(models.Model):
    """A verification result: does the patient still need a family doctor or NP, and
    with what updated needs. The latest one sets the patient's state and next step."""

    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        related_name="verifications",
        verbose_name=_("patient"),
    )
    result = models.CharField(_("result"), max_length=20, choices=VerificationResult.choices)
    needs_language = models.CharField(_("language of care needed"), max_length=2, blank=True)
    needs_paediatric = models.BooleanField(_("needs paediatric care"), null=True, blank=True)
    needs_mobility = models.BooleanField(_("has mobility needs"), null=True, blank=True)
    complex_needs_note = models.TextField(_("complex needs"), blank=True)
    recorded_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)

    class Meta:
        verbose_name = _("verification result")
        verbose_name_plural = _("verification results")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return self.get_result_display()


class Referral(models.Model):
    """A patient referred to one practice location: the step that uses capacity.

    In flight (`referred`) it holds a slot of the location's current declaration;
    once accepted it has used one. A declined referral gives the slot back. A patient
    has one open referral at most, enforced by a partial unique index."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("patient")
    )
    location = models.ForeignKey(
        "clinicians.PracticeLocation",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("practice location"),
    )
    status = models.CharField(
        _("status"),
        max_length=13,
        choices=ReferralStatus.choices,
        default=ReferralStatus.REFERRED,
        db_index=True,
    )
    referred_at = models.DateTimeField(_("referred"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    decline_reason = models.CharField(
        _("reason declined"), max_length=13, choices=DeclineReason.choices, blank=True
    )
    intake_on = models.DateField(_("intake appointment"), null=True, blank=True)
    intake_history_updated = models.BooleanField(_("history updated"), default=False)
    intake_screening_done = models.BooleanField(_("baseline screening done"), default=False)
    attached_at = models.DateTimeField(_("attached"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_reason = models.CharField(
        _("reason closed"), max_length=16, choices=ClosedReason.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    proposal = models.OneToOneField(
        "Proposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referral",
        verbose_name=_("proposal"),
    )
    # The client's key for a creating API call, so a retried call creates nothing twice.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, null=True, blank=True, unique=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status__in=OPEN_REFERRAL_STATUSES),
                name="referral_one_open_per_patient",
            )
        ]
        indexes = [models.Index(fields=["location", "status"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()} · {self.location}"


class MatchingRun(models.Model):
    """One optimal assignment of an OHT's waiting patients to its open capacity (and its
    partners'), run as a Celery job. It produces proposals for people to review; it
    never refers anyone by itself."""

    oht = models.ForeignKey(
        OHT, on_delete=models.CASCADE, related_name="matching_runs", verbose_name=_("OHT")
    )
    include_partners = models.BooleanField(_("with partner OHTs"), default=False)
    status = models.CharField(
        _("status"),
        max_length=7,
        choices=MatchingRunStatus.choices,
        default=MatchingRunStatus.QUEUED,
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Totals of the optimal assignment and of a first-come greedy pass on the same
    # candidates: patients, cohort, complex vulnerable, language-concordant, median km.
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    greedy_totals = models.JSONField(_("greedy totals"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.oht.code} {self.created_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class Proposal(models.Model):
    """One patient–location pair the optimal assignment chose, with why, and the
    runner-up locations. A person confirms it (it becomes a referral) or rejects it."""

    run = models.ForeignKey(
        MatchingRun, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("run")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("patient")
    )
    location = models.ForeignKey(
        "clinicians.PracticeLocation",
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("practice location"),
    )
    score = models.FloatField(_("score"))
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)
    # Reason codes with their values, worded on display in the reader's language.
    reasons = models.JSONField(_("reasons"), default=list)
    # Runner-up locations: [{"location": id, "score": float, "reasons": [...]}].
    alternatives = models.JSONField(_("alternatives"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PROPOSED,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["run", "-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "patient"], name="proposal_one_per_patient")
        ]
        # A patient's undecided proposal is what a new run supersedes and the patient
        # page shows; decided ones are history. (A plain index on status, with its
        # LIKE twin on PostgreSQL, cost every province-sized run's COPY two indexes.)
        indexes = [
            models.Index(
                fields=["patient"],
                condition=models.Q(status="proposed"),
                name="proposal_undecided_patient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} → {self.location_id} ({self.score:.1f})"
