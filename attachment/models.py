"""The HCC waitlist patients an OHT works to attach."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from attachment.choices import HCCStatus, PreferredContact
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
