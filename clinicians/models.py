"""Primary care clinicians and the places they practise, as the province reports them.

The Physician Business Contact Report (`clinician_contacts` extract) owns the columns
defined here. What an OHT records locally about a clinician (skills, PCN membership,
capacity) lives in other fields and models that the import never writes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from clinicians.choices import ClinicianType, RegistrationBody
from oht_portal.models import OHT


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
