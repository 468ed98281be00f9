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
    last_extract_date = models.DateField(_("last seen in extract of"), null=True, blank=True)
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
