"""Primary care clinicians and the places they practise, as the province reports them.

The Physician Business Contact Report (`clinician_contacts` extract) owns the columns
listed in `clinicians.importers` (CLINICIAN_FIELDS, LOCATION_FIELDS). What an OHT
records locally (skills, PCN membership, teams, capacity) lives in other fields and
models that the import never writes: the import updates only its own columns by name."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinicians.choices import (
    AcceptingStatus,
    ClinicianType,
    ContactPreference,
    DeclarationChannel,
    DigitalReadiness,
    EntrySource,
    EReferralStatus,
    LinkPurpose,
    RecruitmentStatus,
    RegistrationBody,
    TeamType,
)
from oht_portal.models import OHT

# The age from which a patient is an adult: paediatric capacity takes younger ones.
ADULT_AGE = 18


class PrimaryCareTeam(models.Model):
    """A team-based practice (FHT, CHC, NPLC, IPCT) of one OHT. Recorded locally: the
    report knows clinicians and addresses, not teams. A practice location may belong to
    one team; high-capacity teams often take referrals in batches."""

    oht = models.ForeignKey(
        OHT, on_delete=models.PROTECT, related_name="primary_care_teams", verbose_name=_("OHT")
    )
    name = models.CharField(_("name"), max_length=200)
    team_type = models.CharField(_("team type"), max_length=4, choices=TeamType.choices)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=10, blank=True)
    pcn_member = models.BooleanField(_("member of the PCN"), null=True, blank=True)
    recruitment_status = models.CharField(
        _("PCN recruitment status"), max_length=13, choices=RecruitmentStatus.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("primary care team")
        verbose_name_plural = _("primary care teams")
        ordering = ["oht", "name"]
        constraints = [
            models.UniqueConstraint(fields=["oht", "name"], name="team_unique_name_per_oht")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.team_type})"


class Clinician(models.Model):
    """A family physician or nurse practitioner, identified by their college and
    registration number.

    A clinician missing from a newer report for their OHTs is never deleted: referrals,
    capacity and history hang off them. They are marked off the latest report and
    flagged for staff to review; a clinician who reappears is back on the report, but
    the review flag stays until staff clear it."""

    registration_body = models.CharField(
        _("registration body"), max_length=4, choices=RegistrationBody.choices
    )
    # Text, not a number: the college's number is an identifier, not a quantity.
    registration_number = models.CharField(_("registration number"), max_length=7)
    clinician_type = models.CharField(
        _("clinician type"), max_length=2, choices=ClinicianType.choices, db_index=True
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    email = models.EmailField(_("business e-mail"), max_length=254, blank=True)
    languages = models.TextField(
        _("languages"),
        blank=True,
        help_text=_("ISO 639-1 codes separated by ';', as the report gives them."),
    )
    # Reconciliation with the latest report (never a deletion).
    on_latest_report = models.BooleanField(_("on the latest report"), default=True, db_index=True)
    missing_from_report_since = models.DateField(
        _("missing from the report since"), null=True, blank=True
    )
    needs_review = models.BooleanField(
        _("needs review"),
        default=False,
        db_index=True,
        help_text=_("Set when the clinician is missing from a newer report; cleared by staff."),
    )
    source = models.CharField(
        _("source"),
        max_length=6,
        choices=EntrySource.choices,
        default=EntrySource.REPORT,
        help_text=_("A local entry is not on the report (yet): the import never flags it."),
    )
    # Recorded locally; the import never writes these.
    paediatrics = models.BooleanField(_("cares for children"), null=True, blank=True)
    french_language_services = models.BooleanField(
        _("offers French-language services"), null=True, blank=True
    )
    contact_email = models.EmailField(
        _("e-mail for the OHT's messages"),
        max_length=254,
        blank=True,
        help_text=_("Used instead of the report's business e-mail when given."),
    )
    contact_preference = models.CharField(
        _("preferred way to be contacted"),
        max_length=5,
        choices=ContactPreference.choices,
        blank=True,
    )
    correspondence_language = models.CharField(
        _("language for messages"), max_length=2, choices=settings.LANGUAGES, default="en"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("clinician")
        verbose_name_plural = _("clinicians")
        ordering = ["family_name", "given_name", "registration_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_body", "registration_number"],
                name="clinician_unique_registration",
            )
        ]
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return (
            f"{self.family_name}, {self.given_name} "
            f"({self.registration_body} {self.registration_number})"
        )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def message_email(self) -> str:
        """Where the OHT's messages go: the local address first, else the report's."""
        return self.contact_email or self.email


class PracticeLocation(models.Model):
    """One place a clinician practises, attributed to one OHT.

    The report gives no id for a location: the contract identifies it by its clinician
    plus the normalised practice name (`name_key`) and postal code, so that a change of
    case, accents or punctuation in the name is an update, not a new location."""

    clinician = models.ForeignKey(
        Clinician,
        on_delete=models.CASCADE,
        related_name="locations",
        verbose_name=_("clinician"),
    )
    oht = models.ForeignKey(
        OHT,
        on_delete=models.PROTECT,
        related_name="practice_locations",
        verbose_name=_("OHT"),
    )
    practice_name = models.CharField(_("practice name"), max_length=200)
    name_key = models.CharField(
        _("practice name key"),
        max_length=255,
        help_text=_(
            "The practice name in lower case, without accents, with every run of other "
            "characters than letters and digits made one space."
        ),
    )
    address = models.CharField(_("street address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=6)
    fsa = models.CharField(_("FSA"), max_length=3, db_index=True)
    phone = models.CharField(_("phone"), max_length=10, blank=True)
    fax = models.CharField(_("fax"), max_length=10, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    languages = models.TextField(
        _("languages"),
        blank=True,
        help_text=_("ISO 639-1 codes separated by ';': the languages care is offered in."),
    )
    on_latest_report = models.BooleanField(_("on the latest report"), default=True, db_index=True)
    missing_from_report_since = models.DateField(
        _("missing from the report since"), null=True, blank=True
    )
    source = models.CharField(
        _("source"),
        max_length=6,
        choices=EntrySource.choices,
        default=EntrySource.REPORT,
        help_text=_("A local entry is not on the report (yet): the import never flags it."),
    )
    # Recorded locally; the import never writes these.
    team = models.ForeignKey(
        PrimaryCareTeam,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="locations",
        verbose_name=_("primary care team"),
    )
    languages_local = models.TextField(
        _("other languages of care"),
        blank=True,
        help_text=_("ISO 639-1 codes separated by ';', recorded by the OHT."),
    )
    fsas_served = models.TextField(
        _("other FSAs served"),
        blank=True,
        help_text=_("FSAs separated by ';' that the practice serves besides its own."),
    )
    serves_remote = models.BooleanField(
        _("willing to serve remote communities"), null=True, blank=True
    )
    virtual_care = models.BooleanField(_("offers virtual visits"), null=True, blank=True)
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), null=True, blank=True)
    accessibility_note = models.TextField(_("accessibility"), blank=True)
    digital_readiness = models.CharField(
        _("digital readiness"), max_length=9, choices=DigitalReadiness.choices, blank=True
    )
    ereferral_status = models.CharField(
        _("e-referral status"), max_length=11, choices=EReferralStatus.choices, blank=True
    )
    pcn_member = models.BooleanField(_("member of the PCN"), null=True, blank=True)
    recruitment_status = models.CharField(
        _("PCN recruitment status"), max_length=13, choices=RecruitmentStatus.choices, blank=True
    )
    # The latest declaration, kept by clinicians.services so lists filter on it in SQL.
    current_declaration = models.OneToOneField(
        "CapacityDeclaration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current capacity declaration"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("practice location")
        verbose_name_plural = _("practice locations")
        ordering = ["clinician", "practice_name", "postal_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "name_key", "postal_code"],
                name="practice_location_unique_identity",
            )
        ]
        indexes = [models.Index(fields=["oht", "on_latest_report"])]

    def __str__(self) -> str:
        return f"{self.practice_name} ({self.postal_code})"

    def language_codes(self) -> list[str]:
        """Every language care is offered in here: the report's, the OHT's additions."""
        codes = f"{self.languages};{self.languages_local};{self.clinician.languages}"
        return list(dict.fromkeys(code for code in codes.split(";") if code))

    def fsa_codes(self) -> list[str]:
        """The practice's own FSA first, then the others it serves."""
        return list(dict.fromkeys([self.fsa, *(f for f in self.fsas_served.split(";") if f)]))


class CapacityDeclaration(models.Model):
    """What a practice location said, on one date, about taking new patients.

    Declarations are history: a new statement is a new row (it becomes the location's
    `current_declaration`), and only the verification fields of a row ever change,
    when someone confirms it still holds. Remaining capacity is computed, never stored:
    the declared number minus referrals in flight and those accepted since
    `declared_at` (clinicians.capacity)."""

    location = models.ForeignKey(
        PracticeLocation,
        on_delete=models.CASCADE,
        related_name="capacity_declarations",
        verbose_name=_("practice location"),
    )
    accepting_status = models.CharField(
        _("accepting"), max_length=11, choices=AcceptingStatus.choices
    )
    new_patients = models.PositiveIntegerField(
        _("new patients it can take"), validators=[MaxValueValidator(5000)]
    )
    min_age = models.PositiveSmallIntegerField(
        _("youngest age taken"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("oldest age taken"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    languages = models.TextField(
        _("languages required"),
        blank=True,
        help_text=_("ISO 639-1 codes separated by ';'; blank means the practice's languages."),
    )
    takes_complex = models.BooleanField(_("takes complex vulnerable patients"), default=True)
    batch_size = models.PositiveSmallIntegerField(
        _("takes referrals in batches of"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(500)],
    )
    declared_at = models.DateTimeField(_("declared"), default=timezone.now, db_index=True)
    channel = models.CharField(
        _("declared through"), max_length=12, choices=DeclarationChannel.choices
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    declared_by_name = models.CharField(
        _("declared by"),
        max_length=200,
        blank=True,
        help_text=_("The clinician or clinic manager who gave the figures."),
    )
    verified_at = models.DateTimeField(_("last verified"))
    expires_on = models.DateField(_("expires on"), db_index=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("capacity declaration")
        verbose_name_plural = _("capacity declarations")
        ordering = ["-declared_at", "-id"]
        get_latest_by = "declared_at"
        constraints = [
            models.CheckConstraint(
                condition=~Q(accepting_status=AcceptingStatus.NOT_ACCEPTING) | Q(new_patients=0),
                name="declaration_not_accepting_has_no_slots",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="declaration_age_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.get_accepting_status_display()} {self.new_patients}"

    def is_stale(self, today=None) -> bool:
        """Past its expiry date: flagged, and never offered to matching."""
        return self.expires_on < (today or timezone.localdate())

    @property
    def takes_children(self) -> bool:
        return self.min_age is None or self.min_age < ADULT_AGE


class ClinicianLink(models.Model):
    """An e-mailed link that lets one clinician (or their clinic manager) act without
    an account, for one OHT's locations: confirm or update capacity, or answer a survey.

    The URL carries the clinician's id and a signature over this row's key, so it works
    only for that clinician, cannot be forged and stops at `expires_at` or when revoked.
    Every use is a ClinicianLinkUse row."""

    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="links", verbose_name=_("clinician")
    )
    oht = models.ForeignKey(
        OHT, on_delete=models.CASCADE, related_name="clinician_links", verbose_name=_("OHT")
    )
    purpose = models.CharField(_("purpose"), max_length=8, choices=LinkPurpose.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    sent_to = models.EmailField(_("sent to"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("clinician link")
        verbose_name_plural = _("clinician links")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.clinician}"


class ClinicianLinkUse(models.Model):
    """One use of a clinician link, or one refused attempt at it: append-only."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Opened")
        CONFIRMED = "confirmed", _("Confirmed capacity unchanged")
        UPDATED = "updated", _("Updated capacity or attributes")
        ANSWERED = "answered", _("Answered a survey")
        REFUSED = "refused", _("Refused")

    link = models.ForeignKey(
        ClinicianLink,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="uses",
        verbose_name=_("link"),
    )
    action = models.CharField(_("action"), max_length=9, choices=Action.choices)
    reason = models.CharField(_("reason refused"), max_length=20, blank=True)
    used_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("clinician link use")
        verbose_name_plural = _("clinician link uses")
        ordering = ["-used_at", "-id"]

    def __str__(self) -> str:
        return f"{self.used_at:%Y-%m-%d %H:%M} {self.action}"


class SavedLocationReport(models.Model):
    """A named directory filter that staff re-run ("French paediatric capacity in K1A")."""

    oht = models.ForeignKey(
        OHT, on_delete=models.CASCADE, related_name="location_reports", verbose_name=_("OHT")
    )
    name = models.CharField(_("name"), max_length=200)
    query = models.TextField(_("filters"), help_text=_("The directory's query string."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved directory report")
        verbose_name_plural = _("saved directory reports")
        ordering = ["oht", "name"]
        constraints = [
            models.UniqueConstraint(fields=["oht", "name"], name="location_report_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
