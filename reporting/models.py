"""Provincial aggregate figures the dashboards and quarterly reports are built on."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from oht_portal.models import OHT, ImportRun


class FSASummary(models.Model):
    """The OHT data dashboard's waitlist figures for one OHT and FSA on one extract date.

    The province publishes these aggregates each quarter; they are the official count
    an OHT is measured against, so they are kept as given rather than recomputed from
    the patient-level list (which the OHT sees only in part, and which moves daily).
    They change only through an `hcc_fsa_summary` import: a later file for the same
    extract date replaces that date's figures for the OHTs it covers. No personal
    information: every field is a count."""

    extract_date = models.DateField(_("extract date"))
    oht = models.ForeignKey(
        OHT, on_delete=models.PROTECT, related_name="fsa_summaries", verbose_name=_("OHT")
    )
    fsa = models.CharField(_("FSA"), max_length=3)
    active_patients = models.PositiveIntegerField(_("active patients"))
    active_complex_vulnerable = models.PositiveIntegerField(_("active complex vulnerable patients"))
    wait_0_6m = models.PositiveIntegerField(_("waiting under 6 months"))
    wait_6_12m = models.PositiveIntegerField(_("waiting 6 to under 12 months"))
    wait_12_24m = models.PositiveIntegerField(_("waiting 12 to under 24 months"))
    wait_24m_plus = models.PositiveIntegerField(_("waiting 24 months or more"))
    import_run = models.ForeignKey(
        ImportRun,
        on_delete=models.PROTECT,
        related_name="fsa_summaries",
        verbose_name=_("import run that last wrote these figures"),
    )

    class Meta:
        verbose_name = _("FSA summary")
        verbose_name_plural = _("FSA summaries")
        ordering = ["-extract_date", "oht", "fsa"]
        constraints = [
            models.UniqueConstraint(
                fields=["extract_date", "oht", "fsa"], name="uniq_fsa_summary_date_oht_fsa"
            )
        ]
        indexes = [models.Index(fields=["oht", "extract_date"])]

    def __str__(self) -> str:
        return f"{self.fsa} · {self.extract_date}"

    @property
    def is_rural(self) -> bool:
        """Canada Post gives rural FSAs the digit 0."""
        return self.fsa[1] == "0"
