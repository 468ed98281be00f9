"""Provincial aggregate figures, and the quarterly metrics the portal builds from its
own data for the dashboard (see docs/reporting.md)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
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


class MetricsRun(models.Model):
    """One build of one OHT's quarterly figures: when it ran, what set it off, how many
    breakdown rows it wrote, and why it failed if it did. A failed run leaves the
    quarter's previous snapshot as it was. The error names the exception class and
    never a value (a database error can quote a row)."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly build")
        IMPORT = "import", _("After an import")
        ON_DEMAND = "on_demand", _("On demand")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    oht = models.ForeignKey(
        OHT, on_delete=models.CASCADE, related_name="metrics_runs", verbose_name=_("OHT")
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), help_text=_("The year the fiscal year starts in (April 1).")
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # A queued run's request time, replaced by the start time when a worker takes it.
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("breakdown rows written"), default=0)
    error = models.TextField(_("why the build failed"), blank=True)

    class Meta:
        verbose_name = _("metrics build")
        verbose_name_plural = _("metrics builds")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="metrics_run_quarter_1_4"
            )
        ]
        indexes = [models.Index(fields=["oht", "fiscal_year", "quarter", "status"])]

    def __str__(self) -> str:
        return f"{self.oht_id} {self.fiscal_year} Q{self.quarter} {self.get_status_display()}"

    @property
    def duration(self):
        if self.finished_at:
            return self.finished_at - self.started_at
        return None


class QuarterSnapshot(models.Model):
    """One OHT's figures for one fiscal quarter, as of one day (the quarter's last day,
    or the build day while the quarter runs). The headline figures live here; the
    breakdowns are `SnapshotFigure` rows. Exactly one per OHT and quarter: a rebuild
    replaces it in one transaction. Aggregates only, no patient in it; docs/reporting.md
    defines every figure."""

    oht = models.ForeignKey(
        OHT, on_delete=models.CASCADE, related_name="quarter_snapshots", verbose_name=_("OHT")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    run = models.ForeignKey(
        MetricsRun,
        on_delete=models.PROTECT,
        related_name="snapshots",
        verbose_name=_("build that wrote it"),
    )
    period_start = models.DateField(_("first day of the quarter"))
    period_end = models.DateField(_("last day of the quarter"))
    as_of = models.DateField(_("figures as of"))
    built_at = models.DateTimeField(_("built"))
    cohort_size = models.PositiveIntegerField(_("waitlisted on the cohort date"))
    cohort_waiting = models.PositiveIntegerField(_("cohort still waiting"))
    waiting = models.PositiveIntegerField(_("waiting"))
    referred = models.PositiveIntegerField(_("referred"))
    accepted = models.PositiveIntegerField(_("accepted by a practice"))
    declined = models.PositiveIntegerField(_("referrals declined by a practice"), default=0)
    attached = models.PositiveIntegerField(_("attached"))
    returned = models.PositiveIntegerField(_("returned after attachment"))
    net_attachment = models.IntegerField(_("net attachment"))
    closed = models.PositiveIntegerField(_("referrals closed"))
    new_registrants = models.PositiveIntegerField(_("new registrants"))
    removals = models.PositiveIntegerField(_("removed from the list"))
    wait_median_days = models.PositiveIntegerField(_("median wait (days)"), null=True, blank=True)
    wait_p90_days = models.PositiveIntegerField(
        _("90th percentile wait (days)"), null=True, blank=True
    )
    capacity_declared = models.PositiveIntegerField(_("places declared"))
    capacity_remaining = models.PositiveIntegerField(_("places remaining"))
    capacity_stale = models.PositiveIntegerField(_("locations with an expired declaration"))
    reconciliation_date = models.DateField(
        _("provincial summary compared"),
        null=True,
        blank=True,
        help_text=_("The extract date of the FSA summary the portal's counts were compared with."),
    )

    class Meta:
        verbose_name = _("quarterly snapshot")
        verbose_name_plural = _("quarterly snapshots")
        ordering = ["oht", "-fiscal_year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["oht", "fiscal_year", "quarter"], name="uniq_snapshot_oht_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="snapshot_quarter_1_4"
            ),
        ]
        indexes = [models.Index(fields=["fiscal_year", "quarter"])]

    def __str__(self) -> str:
        return f"{self.oht_id} {self.fiscal_year} Q{self.quarter}"


class SnapshotFigure(models.Model):
    """One figure of a snapshot's breakdowns, in long format: (dimension, key, metric)
    → value, e.g. (fsa, M4C, waiting) → 120. A value is null where there is nothing to
    measure (a median of nobody)."""

    class Dimension(models.TextChoices):
        FSA = "fsa", _("FSA")
        LANGUAGE = "language", _("Preferred language")
        COMPLEXITY = "complexity", _("Complex vulnerable or not")
        RURALITY = "rurality", _("Rural or urban FSA")
        CLOSE_REASON = "close_reason", _("Why referrals closed")
        DECLINE_REASON = "decline_reason", _("Why practices declined referrals")
        REMOVAL_REASON = "removal_reason", _("Why patients left the list")
        MONTH = "month", _("Month")
        RECONCILIATION = "reconciliation", _("Reconciliation with the provincial summary")

    snapshot = models.ForeignKey(
        QuarterSnapshot,
        on_delete=models.CASCADE,
        related_name="figures",
        verbose_name=_("snapshot"),
    )
    dimension = models.CharField(_("breakdown"), max_length=14, choices=Dimension.choices)
    key = models.CharField(_("group"), max_length=32, blank=True)
    metric = models.CharField(_("figure"), max_length=40)
    value = models.IntegerField(_("value"), null=True, blank=True)

    class Meta:
        verbose_name = _("snapshot figure")
        verbose_name_plural = _("snapshot figures")
        ordering = ["snapshot", "dimension", "key", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "dimension", "key", "metric"], name="uniq_snapshot_figure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key} {self.metric} = {self.value}"
