"""Interim supports: what a waiting patient can use today, shaped after the Open
Referral Human Services Data Specification (HSDS v3) so the directory can be exchanged.

An organization runs services; a service is offered at locations (physical or virtual)
on a weekly schedule. Each entry belongs to the OHT that keeps it up to date. Every id
that leaves the portal is the row's `hsds_id` (a UUID, as HSDS wants), never its key."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interim_supports.choices import Cost, LocationType, OfferChannel, SupportStatus, SupportType
from oht_portal.models import OHT


class SupportOrganization(models.Model):
    """HSDS organization: who runs the service (a clinic, a pharmacy chain, 211)."""

    hsds_id = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    oht = models.ForeignKey(
        OHT, on_delete=models.PROTECT, related_name="support_organizations", verbose_name=_("OHT")
    )
    name = models.CharField(_("name"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("support organization")
        verbose_name_plural = _("support organizations")
        ordering = ["oht", "name"]
        constraints = [
            models.UniqueConstraint(fields=["oht", "name"], name="support_org_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class SupportService(models.Model):
    """HSDS service: one support a patient can use, with who may use it, how, where
    (FSAs served) and when, and when the OHT last checked it."""

    hsds_id = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    oht = models.ForeignKey(
        OHT, on_delete=models.PROTECT, related_name="support_services", verbose_name=_("OHT")
    )
    organization = models.ForeignKey(
        SupportOrganization,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("organization"),
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    description_en = models.TextField(_("description (English)"))
    description_fr = models.TextField(_("description (French)"))
    support_type = models.CharField(
        _("type"), max_length=12, choices=SupportType.choices, db_index=True
    )
    languages = models.TextField(
        _("languages offered"), help_text=_("ISO 639-1 codes separated by ';'.")
    )
    # Eligibility.
    min_age = models.PositiveSmallIntegerField(
        _("youngest age served"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("oldest age served"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    unattached_only = models.BooleanField(
        _("only for people without a family doctor or NP"), default=False
    )
    complex_needs = models.BooleanField(_("serves complex needs"), default=False)
    indigenous_led = models.BooleanField(_("Indigenous-led"), default=False)
    eligibility_en = models.TextField(_("other eligibility (English)"), blank=True)
    eligibility_fr = models.TextField(_("other eligibility (French)"), blank=True)
    # How to access it.
    walk_in = models.BooleanField(_("walk in"), default=False)
    by_appointment = models.BooleanField(_("book an appointment"), default=False)
    by_phone = models.BooleanField(_("by phone"), default=False)
    online = models.BooleanField(_("online"), default=False)
    cost = models.CharField(_("cost"), max_length=4, choices=Cost.choices, default=Cost.OHIP)
    cost_note = models.CharField(_("cost details"), max_length=200, blank=True)
    # Where.
    fsas_served = models.TextField(
        _("FSAs served"),
        blank=True,
        help_text=_("FSAs separated by ';'. Blank: every FSA of the OHT."),
    )
    province_wide = models.BooleanField(
        _("serves all of Ontario"), default=False, help_text=_("Virtual and telephone services.")
    )
    capacity_note_en = models.TextField(_("capacity notes (English)"), blank=True)
    capacity_note_fr = models.TextField(_("capacity notes (French)"), blank=True)
    phone = models.CharField(_("phone"), max_length=10, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    url = models.URLField(_("web page"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=18,
        choices=SupportStatus.choices,
        default=SupportStatus.ACTIVE,
        db_index=True,
    )
    closed_on_holidays = models.BooleanField(_("closed on statutory holidays"), default=True)
    last_verified_on = models.DateField(_("last verified"))
    review_every_days = models.PositiveSmallIntegerField(
        _("review every (days)"), default=180, validators=[MaxValueValidator(730)]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("interim support")
        verbose_name_plural = _("interim supports")
        ordering = ["oht", "name_en"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="support_age_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name_en

    @property
    def review_due_on(self):
        return self.last_verified_on + timedelta(days=self.review_every_days)

    def is_stale(self, today=None) -> bool:
        """Past its review date: flagged on the worklist until staff confirm it."""
        return self.review_due_on < (today or timezone.localdate())

    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(";") if code]

    def fsa_codes(self) -> list[str]:
        return [code for code in self.fsas_served.split(";") if code]

    def name_in(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_en

    def description_in(self, language: str) -> str:
        return self.description_fr if language == "fr" else self.description_en

    def has_virtual_option(self) -> bool:
        return self.support_type == SupportType.VIRTUAL or any(
            location.location_type == LocationType.VIRTUAL for location in self.locations.all()
        )


class SupportLocation(models.Model):
    """HSDS location (with its service_at_location link flattened in): where the
    service is offered, at an address or online."""

    hsds_id = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        SupportService,
        on_delete=models.CASCADE,
        related_name="locations",
        verbose_name=_("interim support"),
    )
    location_type = models.CharField(
        _("kind"), max_length=8, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True)
    url = models.URLField(_("web address"), max_length=500, blank=True)
    accessibility = models.CharField(_("accessibility"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("support location")
        verbose_name_plural = _("support locations")
        ordering = ["service", "pk"]

    def __str__(self) -> str:
        return self.name or self.address or self.url

    @property
    def fsa(self) -> str:
        return self.postal_code[:3]


class SupportHours(models.Model):
    """HSDS schedule, weekly: open from `opens_at` to `closes_at` on `weekday`. A
    closing time at or before the opening time runs past midnight into the next day
    (00:00 to 00:00 is the whole day)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    service = models.ForeignKey(
        SupportService,
        on_delete=models.CASCADE,
        related_name="hours",
        verbose_name=_("interim support"),
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens"))
    closes_at = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["service", "weekday", "opens_at"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    @property
    def past_midnight(self) -> bool:
        return self.closes_at <= self.opens_at


class SupportOffer(models.Model):
    """A list of supports given to a patient: by whom, when, how, and which supports.
    Personal health information (it says the patient is waiting): scoped and audited
    like the patient, and shown on the patient's timeline."""

    patient = models.ForeignKey(
        "attachment.Patient",
        on_delete=models.CASCADE,
        related_name="support_offers",
        verbose_name=_("patient"),
    )
    services = models.ManyToManyField(
        SupportService, related_name="offers", verbose_name=_("supports offered")
    )
    channel = models.CharField(_("how"), max_length=7, choices=OfferChannel.choices)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    note = models.TextField(_("note"), blank=True)
    offered_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offered by"),
    )

    class Meta:
        verbose_name = _("supports offered")
        verbose_name_plural = _("supports offered")
        ordering = ["-offered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.offered_at:%Y-%m-%d}"


class PublicSupportsPage(models.Model):
    """An OHT's choice to publish its active supports on a page anyone can open
    (no sign-in, no patient data)."""

    oht = models.OneToOneField(
        OHT, on_delete=models.CASCADE, related_name="public_supports_page", verbose_name=_("OHT")
    )
    enabled = models.BooleanField(_("published"), default=False)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    intro_fr = models.TextField(_("introduction (French)"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("public supports page")
        verbose_name_plural = _("public supports pages")

    def __str__(self) -> str:
        return str(self.oht)
