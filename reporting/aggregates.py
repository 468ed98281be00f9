"""The quarterly figures of a set of OHTs, computed in the database.

Whatever the number of OHTs and quarters, in one transaction:

1. `CREATE TEMP TABLE … AS SELECT` (the ORM's SELECT) writes a row of base facts per
   patient: FSA, language, complexity, rurality, registration date, HCC status, the
   day the patient left the HCC list or HCC gave another status than active, the day of
   the latest attachment through the portal and of the latest extract that brought the
   patient back. Per-patient subqueries run only for patients that hashed IN lists say
   have something to find. These facts do not depend on the quarter: the nightly build
   reads them once for its two quarters.
2. For each quarter, a second scratch table turns them into the patient's part in each
   figure (waiting on the as-of date, in the cohort, new, removed and why, returned,
   referred, accepted, attached in the quarter), so that the aggregates only count flags.
3. Grouped ORM aggregates over that table: one hashed GROUP BY gives every count of
   every breakdown (a few thousand groups, added up per breakdown here), and on
   PostgreSQL `percentile_cont` gives the wait percentiles, one query per breakdown.
   Referral flows by month (with declines and closures by reason), capacity and the
   provincial summary take a query each.

No Python loop runs over patients on PostgreSQL. SQLite has no `percentile_cont`, so
there the wait percentiles come from the waiting patients' registration dates (laptops
and tests), with the same interpolation.

docs/reporting.md defines every figure; the definitions live in `_base_queryset`,
`_exit_annotations`, `_fact_queryset` and `CONDITIONS`.
"""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.apps.registry import Apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.aggregates import Aggregate
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractMonth,
    ExtractYear,
    Least,
    Substr,
    TruncDate,
)
from django.db.models.lookups import Exact
from django.utils import timezone

from attachment.choices import (
    ACCEPTED_REFERRAL_STATUSES,
    ClosedReason,
    DeclineReason,
    HCCStatus,
    ReferralStatus,
)
from attachment.measures import period_bounds
from attachment.models import Patient, PatientExtractEvent, Referral
from clinicians.capacity import TAKING_STATUSES
from clinicians.models import CapacityDeclaration, PracticeLocation
from oht_portal.models import ServedFSA
from reporting.models import FSASummary, SnapshotFigure
from reporting.quarters import months_of

# Stand-ins for "no such date", so that every comparison is a plain one on every
# database: a patient who never left has left "on" FAR_FUTURE; one whose HCC status
# says they left but not when has left "on" FAR_PAST (never counted as waiting, and
# never as a removal in any quarter).
FAR_PAST = date(1900, 1, 1)
FAR_FUTURE = date(9999, 12, 31)

# Why a patient stopped waiting, in the order a tie on the same day is settled.
REMOVAL_REASONS = ("attached_in_portal", "hcc_attached", "hcc_closed", "left_hcc_list")
# The figures of each patient breakdown (fsa, language, complexity, rurality).
GROUP_METRICS = (
    "waiting",
    "cohort_size",
    "cohort_waiting",
    "complex_vulnerable",
    "new_registrants",
    "removals",
    "referred",
    "accepted",
    "attached",
    "returned",
)
MONTH_METRICS = (
    "new_registrants",
    "removals",
    *(f"removals_{reason}" for reason in REMOVAL_REASONS),
    "referred",
    "accepted",
    "attached",
    "returned",
    "declined",
    "closed",
)
BASE_TABLE = "reporting_tmp_patient_base"
FACT_TABLE = "reporting_tmp_patient_fact"
# Memory for the build's hashes and sorts (one transaction, SET LOCAL).
BUILD_WORK_MEM = "128MB"

Dimension = SnapshotFigure.Dimension

# A registry of its own: the fact tables are scratch tables of one build, not models of
# the app (no migration, no admin).
_scratch_apps = Apps()


class PatientBase(models.Model):
    """A row of the first scratch table: what the database says of one patient. Column
    names are the aliases of the SELECT that fills it (`_base_queryset`)."""

    id = models.BigIntegerField(primary_key=True)
    oht = models.BigIntegerField()
    fsa = models.CharField(max_length=3)
    language = models.CharField(max_length=2)
    complex_vulnerable = models.BooleanField()
    rural = models.BooleanField()
    registration_date = models.DateField()
    status = models.CharField(max_length=8)
    left_on = models.DateField()
    status_exit_on = models.DateField()
    attached_on = models.DateField(null=True)
    comeback_on = models.DateField(null=True)

    class Meta:
        apps = _scratch_apps
        app_label = "reporting"
        managed = False
        db_table = BASE_TABLE

    def __str__(self) -> str:
        return str(self.id)


class PatientFact(models.Model):
    """A row of the second scratch table: the same patient's part in each figure of the
    quarter (`_fact_queryset`), so that the aggregates only count flags."""

    id = models.BigIntegerField(primary_key=True)
    oht = models.BigIntegerField()
    fsa = models.CharField(max_length=3)
    language = models.CharField(max_length=2)
    complex_vulnerable = models.BooleanField()
    rural = models.BooleanField()
    registration_date = models.DateField()
    hcc_exit_on = models.DateField()
    exit_on = models.DateField()
    exit_reason = models.CharField(max_length=20)
    returned_on = models.DateField(null=True)
    is_waiting = models.BooleanField()
    is_cohort = models.BooleanField()
    is_new = models.BooleanField()
    is_removal = models.BooleanField()
    is_returned = models.BooleanField()
    in_referred = models.BooleanField()
    in_accepted = models.BooleanField()
    in_attached = models.BooleanField()

    class Meta:
        apps = _scratch_apps
        app_label = "reporting"
        managed = False
        db_table = FACT_TABLE

    def __str__(self) -> str:
        return str(self.id)


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(f) WITHIN GROUP (ORDER BY x)`: the value at
    fraction f of the ordered values, interpolated between the two nearest."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentile_cont(ordered: list[int], fraction: float) -> float | None:
    """The same interpolation as PostgreSQL's `percentile_cont`, for SQLite."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def whole_days(value: float | None) -> int | None:
    """Days rounded half up, the same on both databases."""
    return None if value is None else int(math.floor(value + 0.5))


@dataclass
class QuarterFigures:
    """One OHT's figures for one quarter, ready to be written as a snapshot."""

    oht_id: int
    period_start: date
    period_end: date
    as_of: date
    headline: dict[str, int | None] = field(default_factory=dict)
    # (dimension, key, metric) → value
    figures: dict[tuple[str, str, str], int | None] = field(default_factory=dict)
    reconciliation_date: date | None = None


# -- step 1: the fact tables ---------------------------------------------------------


def _flag(condition):
    return Case(When(condition, then=Value(True)), default=Value(False))


def _registered_by(as_of: date) -> date:
    """Patients registered by this day are in a quarter's facts: those registered by
    `as_of`, or by the cohort date, so that a quarter before it still counts the whole
    cohort."""
    return max(as_of, settings.HCC_COHORT_DATE)


def _base_queryset(oht_ids: list[int], registered_by: date):
    """One row per patient of the OHTs registered by `registered_by`: what the database
    says of them, whatever the quarter (so that one table serves several quarters)."""
    attached = Referral.objects.filter(status=ReferralStatus.ATTACHED)
    latest_attachment = (
        attached.filter(patient=OuterRef("pk"))
        .order_by("-attached_at")
        .annotate(day=TruncDate("attached_at"))
        .values("day")[:1]
    )
    back = PatientExtractEvent.Change
    # The extract events that bring a patient back (attachment.measures: `returned`).
    comebacks = PatientExtractEvent.objects.annotate(
        fields_text=Cast("fields", TextField())
    ).filter(Q(change=back.RETURNED) | Q(change=back.UPDATED, fields_text__contains='"status"'))
    latest_comeback = (
        comebacks.filter(patient=OuterRef("pk")).order_by("-extract_date").values("extract_date")
    )[:1]
    # The per-patient subqueries run only where they can find something: the IN lists
    # are hashed once.
    has_attachment = Q(pk__in=attached.values("patient_id"))
    is_back_now = Q(
        pk__in=comebacks.values("patient_id"), on_hcc_list=True, status=HCCStatus.ACTIVE
    )
    return (
        Patient.objects.filter(oht_id__in=oht_ids, registration_date__lte=registered_by)
        .order_by()
        .values(
            "id",
            "oht",
            "fsa",
            "complex_vulnerable",
            "registration_date",
            "status",
            language=F("preferred_language"),
            # Canada Post gives rural FSAs the digit 0 (attachment.geo.is_remote_fsa).
            rural=_flag(Exact(Substr("fsa", 2, 1), Value("0"))),
            left_on=Case(
                When(on_hcc_list=False, then=Coalesce("left_hcc_list_on", Value(FAR_PAST))),
                default=Value(FAR_FUTURE),
            ),
            status_exit_on=Case(
                When(status=HCCStatus.ACTIVE, then=Value(FAR_FUTURE)),
                default=Coalesce("status_date", Value(FAR_PAST)),
            ),
            attached_on=Case(When(has_attachment, then=Subquery(latest_attachment))),
            comeback_on=Case(When(is_back_now, then=Subquery(latest_comeback))),
        )
    )


def _exit_annotations():
    """When and why each patient stopped waiting, from the base facts.

    - `portal_exit`: the day of the latest attachment through the portal, unless an
      extract brought the patient back after it (attachment.measures' `returned`: a
      comeback is only recorded for patients on the list and active now).
    - `hcc_exit_on`: the day the patient left the HCC list or HCC gave them a status
      other than active, whichever came first.
    - `exit_on`: the first of the two; FAR_FUTURE while the patient still waits.
    - `returned_on`: the extract date that brought the patient back after attachment.
    """
    not_back = Q(comeback_on__isnull=True) | Q(comeback_on__lte=F("attached_on"))
    return {
        "portal_exit": Case(
            When(Q(attached_on__isnull=False) & not_back, then=F("attached_on")),
            default=Value(FAR_FUTURE),
            output_field=models.DateField(),
        ),
        "hcc_exit": Least("left_on", "status_exit_on"),
        "exit_day": Least("left_on", "status_exit_on", "portal_exit"),
        "returned_day": Case(
            When(comeback_on__gt=F("attached_on"), then=F("comeback_on")),
            output_field=models.DateField(),
        ),
    }


def _exit_reason():
    """Why the patient stopped waiting: the first of REMOVAL_REASONS on a tie."""
    portal = Q(portal_exit=F("exit_day")) & ~Q(portal_exit=FAR_FUTURE)
    by_status = Q(status_exit_on=F("exit_day"))
    return Case(
        When(portal, then=Value("attached_in_portal")),
        When(by_status & Q(status=HCCStatus.ATTACHED), then=Value("hcc_attached")),
        When(by_status, then=Value("hcc_closed")),
        default=Value("left_hcc_list"),
    )


def waiting_at(day: date, *, exit_field: str = "exit_day") -> Q:
    """Registered by `day` and had not stopped waiting by then."""
    return Q(registration_date__lte=day, **{f"{exit_field}__gt": day})


def _fact_queryset(start: date, as_of: date):
    """Each patient's part in one quarter's figures, from the base facts."""
    begin, end = period_bounds(start, as_of)

    def referral_in_quarter(stamp: str, **extra) -> Q:
        ids = Referral.objects.filter(
            **{f"{stamp}__gte": begin, f"{stamp}__lt": end}, **extra
        ).values("patient_id")
        return Q(id__in=ids)

    cohort_date = settings.HCC_COHORT_DATE
    return (
        PatientBase.objects.filter(registration_date__lte=_registered_by(as_of))
        .order_by()
        .annotate(**_exit_annotations())
        .values(
            "id",
            "oht",
            "fsa",
            "language",
            "complex_vulnerable",
            "rural",
            "registration_date",
            hcc_exit_on=F("hcc_exit"),
            exit_on=F("exit_day"),
            exit_reason=_exit_reason(),
            returned_on=F("returned_day"),
            is_waiting=_flag(waiting_at(as_of)),
            is_cohort=_flag(waiting_at(cohort_date)),
            is_new=_flag(Q(registration_date__gte=start, registration_date__lte=as_of)),
            is_removal=_flag(Q(exit_day__gte=start, exit_day__lte=as_of)),
            is_returned=_flag(Q(returned_day__gte=start, returned_day__lte=as_of)),
            in_referred=_flag(referral_in_quarter("referred_at")),
            in_accepted=_flag(referral_in_quarter("accepted_at")),
            in_attached=_flag(referral_in_quarter("attached_at", status=ReferralStatus.ATTACHED)),
        )
    )


def _create_table(name: str, queryset) -> None:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")  # noqa: S608 - a constant
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {sql}", params)
            cursor.execute(f"ANALYZE {name}")
        else:
            cursor.execute(f"CREATE TEMP TABLE {name} AS {sql}", params)


def _drop_tables(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


# -- step 2: the aggregates ------------------------------------------------------------

CONDITIONS = {
    "waiting": Q(is_waiting=True),
    "cohort_size": Q(is_cohort=True),
    "cohort_waiting": Q(is_cohort=True, is_waiting=True),
    "complex_vulnerable": Q(is_waiting=True, complex_vulnerable=True),
    "new_registrants": Q(is_new=True),
    "removals": Q(is_removal=True),
    "referred": Q(in_referred=True),
    "accepted": Q(in_accepted=True),
    "attached": Q(in_attached=True),
    "returned": Q(is_returned=True),
}


def _facts():
    return PatientFact.objects.order_by()


# dimension → (the fact column grouped on, its value → the breakdown's key). Grouping
# on plain columns (booleans, not labels) keeps the sorts cheap.
GROUPINGS = {
    "total": (None, lambda value: ""),
    Dimension.FSA: ("fsa", str),
    Dimension.LANGUAGE: ("language", str),
    Dimension.COMPLEXITY: (
        "complex_vulnerable",
        lambda value: "complex_vulnerable" if value else "other",
    ),
    Dimension.RURALITY: ("rural", lambda value: "rural" if value else "urban"),
}


def _grouped_counts(start: date, as_of: date) -> dict[str, list[dict]]:
    """Per dimension, rows of (oht, group_key, m_<metric> for each GROUP_METRICS count
    and the two wait percentiles).

    The counts come from one hashed GROUP BY over every grouping column at once (a few
    thousand groups: FSA × language × complexity), added up here into each dimension;
    on PostgreSQL the percentiles take one query per dimension, sorting only the
    waiting patients."""
    on_postgresql = connection.vendor == "postgresql"
    # Aliased: some metric names are also names of fact columns.
    counts = {f"m_{name}": Count("id", filter=condition) for name, condition in CONDITIONS.items()}
    columns = [column for column, _to_key in GROUPINGS.values() if column]
    results: dict[str, dict[tuple, dict]] = {dimension: {} for dimension in GROUPINGS}
    for row in _facts().values("oht", *columns).annotate(**counts).order_by():
        for dimension, (column, to_key) in GROUPINGS.items():
            key = to_key(row[column] if column else None)
            cell = results[dimension].setdefault(
                (row["oht"], key),
                {"oht": row["oht"], "group_key": key, **dict.fromkeys(counts, 0)},
            )
            for alias in counts:
                cell[alias] += row[alias]
    if on_postgresql:
        wait_days = Func(
            Cast(Value(as_of), models.DateField()),
            F("registration_date"),
            arg_joiner=" - ",
            template="(%(expressions)s)",
            output_field=IntegerField(),
        )
        for dimension, (column, to_key) in GROUPINGS.items():
            percentiles = (
                _facts()
                .filter(is_waiting=True)
                .values("oht", *([column] if column else []))
                .annotate(
                    m_wait_median_days=PercentileCont(wait_days, 0.5),
                    m_wait_p90_days=PercentileCont(wait_days, 0.9),
                )
                .order_by()
            )
            for row in percentiles:
                key = to_key(row[column] if column else None)
                results[dimension][(row["oht"], key)].update(
                    m_wait_median_days=row["m_wait_median_days"],
                    m_wait_p90_days=row["m_wait_p90_days"],
                )
    out = {}
    for dimension, cells in results.items():
        for cell in cells.values():
            cell.setdefault("m_wait_median_days", None)
            cell.setdefault("m_wait_p90_days", None)
        out[dimension] = list(cells.values())
    if not on_postgresql:
        _percentiles_in_python(out, as_of)
    return out


def _percentiles_in_python(results: dict[str, list[dict]], as_of: date) -> None:
    """SQLite only: the wait percentiles from the waiting patients' registration dates."""
    waits: dict[tuple[str, int, str], list[int]] = defaultdict(list)
    rows = (
        _facts()
        .filter(is_waiting=True)
        .values_list("oht", "registration_date", *(c for c, _k in GROUPINGS.values() if c))
    )
    for oht, registered, *values in rows:
        days = (as_of - registered).days
        values = iter(values)
        for dimension, (column, to_key) in GROUPINGS.items():
            key = to_key(next(values) if column else None)
            waits[(dimension, oht, key)].append(days)
    for dimension, dimension_rows in results.items():
        for row in dimension_rows:
            ordered = sorted(waits.get((dimension, row["oht"], row["group_key"]), []))
            row["m_wait_median_days"] = percentile_cont(ordered, 0.5)
            row["m_wait_p90_days"] = percentile_cont(ordered, 0.9)


def _month_key(year, month) -> str:
    # PostgreSQL's EXTRACT gives a numeric (a Decimal).
    return f"{int(year):04d}-{int(month):02d}"


def _patient_months(start: date, as_of: date) -> list[tuple[int, str, str, int]]:
    """(oht, YYYY-MM, metric, count) of the flows dated on the patient's facts."""
    out = []
    registrations = (
        _facts()
        .filter(is_new=True)
        .annotate(y=ExtractYear("registration_date"), m=ExtractMonth("registration_date"))
        .values("oht", "y", "m")
        .annotate(n=Count("id"))
    )
    out += [
        (r["oht"], _month_key(r["y"], r["m"]), "new_registrants", r["n"]) for r in registrations
    ]
    removals = (
        _facts()
        .filter(is_removal=True)
        .annotate(y=ExtractYear("exit_on"), m=ExtractMonth("exit_on"))
        .values("oht", "y", "m", "exit_reason")
        .annotate(n=Count("id"))
    )
    out += [
        (r["oht"], _month_key(r["y"], r["m"]), f"removals_{r['exit_reason']}", r["n"])
        for r in removals
    ]
    returned = (
        _facts()
        .filter(is_returned=True)
        .annotate(y=ExtractYear("returned_on"), m=ExtractMonth("returned_on"))
        .values("oht", "y", "m")
        .annotate(n=Count("id"))
    )
    out += [(r["oht"], _month_key(r["y"], r["m"]), "returned", r["n"]) for r in returned]
    return out


def _referral_months(oht_ids: list[int], start: date, as_of: date):
    """(oht, YYYY-MM, metric, count) of referral flows, and declined and closed
    referrals by (oht, YYYY-MM, reason). A patient referred in two months counts in both
    months and once in the quarter (attachment.measures); declines and closures count
    referrals, not patients. One scan of the quarter's referrals: a conditional count
    per month and figure."""
    begin, end = period_bounds(start, as_of)
    months = months_of(start, as_of)
    flows = {
        "referred": ("referred_at", Q()),
        "accepted": ("accepted_at", Q()),
        "attached": ("attached_at", Q(status=ReferralStatus.ATTACHED)),
    }
    in_quarter = Q()
    for stamp, extra in flows.values():
        in_quarter |= Q(**{f"{stamp}__gte": begin, f"{stamp}__lt": end}) & extra
    # Declined and closed referrals, each under its reason: (status, stamp, reason field,
    # the reasons). A referral without a reason still counts, under the key "".
    outcomes = {
        "d": (ReferralStatus.DECLINED, "declined_at", "decline_reason", DeclineReason.values),
        "c": (ReferralStatus.CLOSED, "closed_at", "closed_reason", ClosedReason.values),
    }
    for status, stamp, _field, _reasons in outcomes.values():
        in_quarter |= Q(status=status, **{f"{stamp}__gte": begin, f"{stamp}__lt": end})

    aggregates = {}
    keys = {}
    for index, month in enumerate(months):
        month_begin, month_end = period_bounds(month, min(months_of_end(month), as_of))
        key = _month_key(month.year, month.month)

        def within(stamp: str, b=month_begin, e=month_end) -> Q:
            return Q(**{f"{stamp}__gte": b, f"{stamp}__lt": e})

        for metric, (stamp, extra) in flows.items():
            alias = f"f{index}_{metric}"
            keys[alias] = ("f", key, metric)
            aggregates[alias] = Count("patient", distinct=True, filter=within(stamp) & extra)
        for kind, (status, stamp, reason_field, reasons) in outcomes.items():
            for reason in (*reasons, ""):
                alias = f"{kind}{index}_{reason}"
                keys[alias] = (kind, key, reason)
                aggregates[alias] = Count(
                    "pk", filter=Q(status=status, **{reason_field: reason}) & within(stamp)
                )
    rows = (
        Referral.objects.filter(in_quarter, patient__oht_id__in=oht_ids)
        .order_by()
        .values("patient__oht")
        .annotate(**aggregates)
    )
    out, declined_rows, closed_rows = [], [], []
    by_reason = {"d": declined_rows, "c": closed_rows}
    for row in rows:
        oht_id = row["patient__oht"]
        for alias, (kind, key, name) in keys.items():
            if kind == "f":
                out.append((oht_id, key, name, row[alias]))
            elif row[alias]:
                by_reason[kind].append((oht_id, key, name, row[alias]))
    return out, declined_rows, closed_rows


def months_of_end(month: date) -> date:
    """The last day of `month`'s month."""
    return date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])


def _capacity(oht_ids: list[int], as_of: date) -> dict[int, dict[str, int]]:
    """Capacity of each OHT's practice locations on `as_of` (clinicians.capacity, read
    at a date): the declaration in force is the latest made by the end of that day;
    declared = places of fresh declarations taking new patients; remaining = the same
    less referrals in flight on that day and those accepted since the declaration,
    never below zero per location; stale = locations whose declaration had expired.
    One row per location (thousands, not patients) is added up here."""
    _begin, end = period_bounds(as_of, as_of)
    in_force = CapacityDeclaration.objects.filter(
        location=OuterRef("pk"), declared_at__lt=end
    ).order_by("-declared_at", "-id")

    def of_declaration(name: str):
        return Subquery(in_force.values(name)[:1])

    open_then = Q(expires_on__gte=as_of, accepting_status__in=TAKING_STATUSES)
    accepted_since = Subquery(
        Referral.objects.filter(
            location=OuterRef("pk"),
            status__in=ACCEPTED_REFERRAL_STATUSES,
            accepted_at__gte=OuterRef("declared_at"),
            accepted_at__lt=end,
        )
        .order_by()
        .values("location")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    locations = (
        PracticeLocation.objects.filter(oht_id__in=oht_ids)
        .order_by()
        .annotate(
            new_patients=of_declaration("new_patients"),
            accepting_status=of_declaration("accepting_status"),
            expires_on=of_declaration("expires_on"),
            declared_at=of_declaration("declared_at"),
        )
        .annotate(
            # Counted only where it matters: fresh declarations taking new patients.
            accepted_since=Case(When(open_then, then=Coalesce(accepted_since, Value(0))))
        )
        .values("pk", "oht", "new_patients", "expires_on", "accepted_since")
    )
    # In flight on `as_of`: made by then, and neither accepted, declined nor closed by
    # then. While the day has not ended, that is simply the referrals still `referred`.
    in_flight = Referral.objects.filter(location__oht_id__in=oht_ids, referred_at__lt=end)
    if end > timezone.now():
        in_flight = in_flight.filter(status=ReferralStatus.REFERRED)
    else:
        for stamp in ("accepted_at", "declined_at", "closed_at"):
            in_flight = in_flight.filter(
                Q(**{f"{stamp}__isnull": True}) | Q(**{f"{stamp}__gte": end})
            )
    flying = dict(
        in_flight.order_by().values("location").annotate(n=Count("pk")).values_list("location", "n")
    )
    result = {
        oht_id: {"capacity_declared": 0, "capacity_remaining": 0, "capacity_stale": 0}
        for oht_id in oht_ids
    }
    for row in locations:
        figures = result[row["oht"]]
        if row["expires_on"] is None:
            continue
        if row["expires_on"] < as_of:
            figures["capacity_stale"] += 1
        elif row["accepted_since"] is not None:
            places = row["new_patients"]
            figures["capacity_declared"] += places
            used = flying.get(row["pk"], 0) + row["accepted_since"]
            figures["capacity_remaining"] += max(places - used, 0)
    return result


def _reconciliation(oht_ids: list[int], as_of: date):
    """Per OHT: the extract date of the latest provincial FSA summary on or before
    `as_of`, and per FSA (imported active, portal active). The portal's count is of
    patients on its copy of the HCC list with HCC status active on that date: what the
    province counts, so a difference points at the data, not at the portal's work."""
    latest = dict(
        FSASummary.objects.filter(oht_id__in=oht_ids, extract_date__lte=as_of)
        .values("oht")
        .annotate(day=Max("extract_date"))
        .values_list("oht", "day")
    )
    by_date: dict[date, list[int]] = defaultdict(list)
    for oht_id, day in latest.items():
        by_date[day].append(oht_id)
    pairs: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for day, ohts in by_date.items():
        for row in FSASummary.objects.filter(oht_id__in=ohts, extract_date=day).values(
            "oht", "fsa", "active_patients"
        ):
            pairs[row["oht"]][row["fsa"]][0] = row["active_patients"]
        portal = (
            _facts()
            .filter(oht__in=ohts, registration_date__lte=day, hcc_exit_on__gt=day)
            .values("oht", "fsa")
            .annotate(n=Count("id"))
        )
        for row in portal:
            pairs[row["oht"]][row["fsa"]][1] = row["n"]
    return latest, pairs


# -- the whole quarter -----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A quarter to compute: its first and last day, and the day its figures are true at."""

    start: date
    end: date
    as_of: date


def compute_quarter(
    *, oht_ids: list[int], period_start: date, period_end: date, as_of: date
) -> dict[int, QuarterFigures]:
    """The figures of each OHT in `oht_ids` for the quarter [period_start, period_end]
    as of `as_of`, keyed by OHT id."""
    period = Period(period_start, period_end, as_of)
    return compute_quarters(oht_ids=oht_ids, periods=[period])[period]


def compute_quarters(
    *, oht_ids: list[int], periods: list[Period]
) -> dict[Period, dict[int, QuarterFigures]]:
    """The figures of each OHT in `oht_ids` for each period, keyed by period then OHT id.
    Reads only; a fixed number of queries whatever the number of OHTs, and the patient
    facts that do not depend on the quarter are read once for all the periods. On
    PostgreSQL every read sees one snapshot of the database."""
    oht_ids = sorted(set(oht_ids))
    if not oht_ids or not periods:
        return {period: {} for period in periods}
    own_transaction = not connection.in_atomic_block
    raw = {}
    with transaction.atomic():
        _prepare_transaction(own_transaction)
        served = defaultdict(set)
        for oht_id, fsa in ServedFSA.objects.filter(oht_id__in=oht_ids).values_list("oht", "fsa"):
            served[oht_id].add(fsa)
        registered_by = max(_registered_by(period.as_of) for period in periods)
        try:
            _create_table(BASE_TABLE, _base_queryset(oht_ids, registered_by))
            for period in periods:
                _create_table(FACT_TABLE, _fact_queryset(period.start, period.as_of))
                raw[period] = {
                    "grouped": _grouped_counts(period.start, period.as_of),
                    "patient_months": _patient_months(period.start, period.as_of),
                    "reconciliation": _reconciliation(oht_ids, period.as_of),
                    "referral_months": _referral_months(oht_ids, period.start, period.as_of),
                    "capacity": _capacity(oht_ids, period.as_of),
                }
                _drop_tables(FACT_TABLE)
        finally:
            _drop_tables(BASE_TABLE, FACT_TABLE)
    return {
        period: _assemble(oht_ids, period, served, **figures) for period, figures in raw.items()
    }


def _assemble(
    oht_ids, period, served, *, grouped, patient_months, reconciliation, referral_months, capacity
) -> dict[int, QuarterFigures]:
    """The query results of one period, as one QuarterFigures per OHT."""
    period_start, as_of = period.start, period.as_of
    result = {
        pk: QuarterFigures(oht_id=pk, period_start=period_start, period_end=period.end, as_of=as_of)
        for pk in oht_ids
    }
    reconciliation_dates, reconciliation = reconciliation
    referral_months, declined_months, closed_months = referral_months
    statistics = ("wait_median_days", "wait_p90_days")
    for dimension, rows in grouped.items():
        for row in rows:
            figures = result[row["oht"]]
            values = {name: row[f"m_{name}"] for name in GROUP_METRICS}
            values.update({name: whole_days(row[f"m_{name}"]) for name in statistics})
            if dimension == "total":
                figures.headline.update(values)
                continue
            for metric, value in values.items():
                figures.figures[(dimension, row["group_key"], metric)] = value

    months = [_month_key(m.year, m.month) for m in months_of(period_start, as_of)]
    for figures in result.values():
        headline = figures.headline
        for name in (*GROUP_METRICS, "declined", "closed"):
            headline.setdefault(name, 0)
        for name in statistics:
            headline.setdefault(name, None)
        headline.update(capacity[figures.oht_id])
        # Every FSA the OHT serves has a row, with zeros when none of its patients live there.
        for fsa in served[figures.oht_id]:
            if (Dimension.FSA, fsa, "waiting") not in figures.figures:
                for metric in GROUP_METRICS:
                    figures.figures[(Dimension.FSA, fsa, metric)] = 0
                for metric in statistics:
                    figures.figures[(Dimension.FSA, fsa, metric)] = None
        for month in months:
            for metric in MONTH_METRICS:
                figures.figures[(Dimension.MONTH, month, metric)] = 0
        for reason in REMOVAL_REASONS:
            figures.figures[(Dimension.REMOVAL_REASON, reason, "removals")] = 0
        for reason in DeclineReason.values:
            figures.figures[(Dimension.DECLINE_REASON, reason, "declined")] = 0
        for reason in ClosedReason.values:
            figures.figures[(Dimension.CLOSE_REASON, reason, "closed")] = 0

    for oht_id, month, metric, n in patient_months + referral_months:
        result[oht_id].figures[(Dimension.MONTH, month, metric)] = n
        if metric.startswith("removals_"):
            reason = metric.removeprefix("removals_")
            _add(result[oht_id], Dimension.MONTH, month, "removals", n)
            _add(result[oht_id], Dimension.REMOVAL_REASON, reason, "removals", n)
    for oht_id, month, reason, n in declined_months:
        _add(result[oht_id], Dimension.MONTH, month, "declined", n)
        _add(result[oht_id], Dimension.DECLINE_REASON, reason, "declined", n)
        result[oht_id].headline["declined"] += n
    for oht_id, month, reason, n in closed_months:
        _add(result[oht_id], Dimension.MONTH, month, "closed", n)
        _add(result[oht_id], Dimension.CLOSE_REASON, reason, "closed", n)
        result[oht_id].headline["closed"] += n

    for oht_id, fsas in reconciliation.items():
        figures = result[oht_id]
        figures.reconciliation_date = reconciliation_dates[oht_id]
        for fsa, (imported, portal) in fsas.items():
            figures.figures[(Dimension.RECONCILIATION, fsa, "imported_active")] = imported
            figures.figures[(Dimension.RECONCILIATION, fsa, "portal_active")] = portal
            figures.figures[(Dimension.RECONCILIATION, fsa, "difference")] = imported - portal

    for figures in result.values():
        headline = figures.headline
        headline["net_attachment"] = headline["attached"] - headline["returned"]
        headline.pop("complex_vulnerable", None)
    return result


def _add(figures: QuarterFigures, dimension: str, key: str, metric: str, n: int) -> None:
    index = (dimension, key, metric)
    figures.figures[index] = (figures.figures.get(index) or 0) + n


def _prepare_transaction(own_transaction: bool) -> None:
    """PostgreSQL: one snapshot for every read of the build when it has a transaction of
    its own (REPEATABLE READ must be the transaction's first statement), and memory
    enough to hash and sort a province's patients."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if own_transaction:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(f"SET LOCAL work_mem = '{BUILD_WORK_MEM}'")
        # The build's queries are few and long: compiling them (JIT) cost more than it
        # saved, about 2 s a query at a million patients.
        cursor.execute("SET LOCAL jit = off")
