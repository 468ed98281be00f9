"""What the dashboard shows for one OHT or a roll-up and one quarter, from the built
snapshots (reporting.selectors): the provincial measures and their trend, the
burn-downs to spring 2026 and 2029, the projection, and the breakdowns.

Reads only: everything comes from `snapshots_for(user, …)`, so a person only ever sees
(or adds up) the OHTs they belong to. A handful of queries whatever the size of the
waitlist: the snapshots of the scope, the breakdown rows of the chosen quarter, the
latest build. The charts (reporting.charts) and the tables (reporting.tables) are made
from the same numbers."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.conf import settings
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from oht_portal.models import OHT
from reporting import projection, tables
from reporting.charts import charts_for
from reporting.models import MetricsRun, QuarterSnapshot
from reporting.quarters import check_quarter, fiscal_quarter_of, quarter_bounds, quarter_label
from reporting.selectors import rollup, runs_for, snapshot_figures, snapshots_for, visible_ohts
from reporting.services import HEADLINE_FIELDS
from reporting.tables import Formatter

ALL = "all"
REGION_PREFIX = "region:"
HEAT_LEVELS = 5


@dataclass(frozen=True)
class Scope:
    """One OHT, or a roll-up of the person's OHTs (a region's, or all of them)."""

    value: str
    label: str
    code: str
    ohts: tuple[OHT, ...]
    oht: OHT | None = None

    @property
    def is_rollup(self) -> bool:
        return self.oht is None


def dashboard_ohts(user) -> list[OHT]:
    return list(visible_ohts(user).select_related("region").order_by("code"))


def _oht_label(oht: OHT) -> str:
    return f"{oht.code} · {oht.name}"


def scope_options(user, ohts: list[OHT]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The choices of the OHT menu, grouped: the OHTs, then roll-ups for a person with
    several (their OHTs in each region, and all their OHTs; the province for admins)."""
    groups = [(_("OHTs"), [(oht.code, _oht_label(oht)) for oht in ohts])]
    if len(ohts) > 1:
        rollups = []
        regions = sorted({oht.region for oht in ohts}, key=lambda region: region.code)
        for region in regions:
            count = sum(1 for oht in ohts if oht.region_id == region.pk)
            rollups.append((f"{REGION_PREFIX}{region.code}", _region_label(user, region, count)))
        rollups.append((ALL, _all_label(user, len(ohts))))
        groups.append((_("Roll-ups"), rollups))
    return groups


def _region_label(user, region, count: int) -> str:
    if user.is_superuser:
        return _("%(region)s region") % {"region": region.name}
    return _("%(region)s region (your %(count)s OHTs)") % {"region": region.name, "count": count}


def _all_label(user, count: int) -> str:
    if user.is_superuser:
        return _("Province (all %(count)s OHTs)") % {"count": count}
    return _("All your OHTs (%(count)s)") % {"count": count}


def resolve_scope(user, ohts: list[OHT], value: str) -> Scope:
    """The scope named by `value` among the person's OHTs; the first OHT when empty.
    Anything else (another OHT, a region where they have none) is a 404."""
    value = (value or "").strip()
    if not value:
        value = ohts[0].code
    if value == ALL and len(ohts) > 1:
        return Scope(ALL, _all_label(user, len(ohts)), "all", tuple(ohts))
    if value.startswith(REGION_PREFIX) and len(ohts) > 1:
        code = value.removeprefix(REGION_PREFIX)
        members = tuple(oht for oht in ohts if oht.region.code == code)
        if members:
            label = _region_label(user, members[0].region, len(members))
            return Scope(value, label, "region-" + code.replace(" ", "-"), members)
    for oht in ohts:
        if oht.code == value:
            return Scope(oht.code, _oht_label(oht), oht.code, (oht,), oht)
    raise Http404(_("No such OHT or roll-up among yours."))


def quarter_code(fiscal_year: int, quarter: int) -> str:
    return f"{fiscal_year}-Q{quarter}"


def parse_quarter(value: str) -> tuple[int, int]:
    """`2025-Q3` → (2025, 3); ValueError with a reason otherwise."""
    year, _sep, number = (value or "").strip().upper().partition("-Q")
    if not (year.isdigit() and number.isdigit()):
        raise ValueError(value)
    fiscal_year, quarter = int(year), int(number)
    check_quarter(fiscal_year, quarter)
    return fiscal_year, quarter


@dataclass
class QuarterFigures:
    """One quarter of the scope: a snapshot, or the roll-up of several."""

    fiscal_year: int
    quarter: int
    period_start: date
    period_end: date
    as_of: date
    built_at: object
    built: int
    headline: dict
    snapshots: list = field(default_factory=list)

    @property
    def key(self) -> tuple[int, int]:
        return (self.fiscal_year, self.quarter)

    @property
    def code(self) -> str:
        return quarter_code(self.fiscal_year, self.quarter)

    @property
    def label(self) -> str:
        return quarter_label(self.fiscal_year, self.quarter)

    def get(self, name: str):
        return self.headline.get(name)


def quarter_figures(snapshots: list[QuarterSnapshot]) -> QuarterFigures:
    if len(snapshots) == 1:
        snapshot = snapshots[0]
        headline = {name: getattr(snapshot, name) for name in HEADLINE_FIELDS}
        as_of, built_at = snapshot.as_of, snapshot.built_at
    else:
        summed = rollup(snapshots, with_figures=False)
        headline, as_of, built_at = summed.headline, summed.as_of, summed.built_at
    first = snapshots[0]
    return QuarterFigures(
        fiscal_year=first.fiscal_year,
        quarter=first.quarter,
        period_start=first.period_start,
        period_end=first.period_end,
        as_of=as_of,
        built_at=built_at,
        built=len(snapshots),
        headline=headline,
        snapshots=snapshots,
    )


def trend_rows(trend: list[QuarterFigures]) -> list[dict]:
    """The summary table's rows: a quarter's label and its headline figures."""
    return [{"quarter": entry.label, "as_of": entry.as_of, **entry.headline} for entry in trend]


@dataclass
class Dashboard:
    scope: Scope
    fiscal_year: int
    quarter: int
    extra: int
    today: date
    quarters: list[tuple[str, str]]
    trend: list[QuarterFigures]
    current: QuarterFigures | None
    figures: dict
    last_run: MetricsRun | None
    projection: dict | None = None
    charts: dict = field(default_factory=dict)

    @property
    def code(self) -> str:
        return quarter_code(self.fiscal_year, self.quarter)

    @property
    def label(self) -> str:
        return quarter_label(self.fiscal_year, self.quarter)

    @property
    def bounds(self) -> tuple[date, date]:
        return quarter_bounds(self.fiscal_year, self.quarter)

    @property
    def cohort_cleared_percent(self) -> int | None:
        """Share of the cohort no longer waiting, in whole percent."""
        if self.current is None or not self.current.get("cohort_size"):
            return None
        size = self.current.get("cohort_size")
        return round(100 * (size - self.current.get("cohort_waiting")) / size)

    @property
    def targets(self) -> dict:
        return {
            "cohort_date": settings.HCC_COHORT_DATE,
            "cohort": settings.REPORTING_COHORT_TARGET_DATE,
            "list": settings.REPORTING_ATTACHMENT_TARGET_DATE,
        }

    @property
    def missing(self) -> int:
        """OHTs of the scope with no snapshot for the quarter."""
        return len(self.scope.ohts) - (self.current.built if self.current else 0)

    # The tables: the page's screen-reader alternatives, the print-out and the exports.
    @cached_property
    def summary_table(self) -> tables.Table:
        return tables.summary_table(trend_rows(self.trend))

    @cached_property
    def fsa_table(self) -> tables.Table:
        return tables.fsa_table(self.figures.get("fsa", {}))

    @cached_property
    def equity_table(self) -> tables.Table:
        return tables.equity_table(self.figures)

    @cached_property
    def outcomes_table(self) -> tables.Table:
        return tables.outcomes_table(self.current.headline if self.current else {}, self.figures)

    @cached_property
    def reconciliation_table(self) -> tables.Table:
        return tables.reconciliation_table(self.figures.get("reconciliation", {}))

    def table(self, name: str) -> tables.Table:
        return getattr(self, f"{name}_table")

    @cached_property
    def heat(self) -> list[dict]:
        return heat_tiles(self.figures.get("fsa", {}))

    @property
    def flagged(self) -> list[dict]:
        return [row for row in self.reconciliation_table.rows if row["flagged"]]

    @property
    def months(self) -> list[dict]:
        return [
            {"label": month_label(key), **values}
            for key, values in sorted(self.figures.get("month", {}).items())
        ]


EXPORT_TABLES = ("summary", "fsa", "equity", "outcomes", "reconciliation")


def build_dashboard(
    *, user, scope: Scope, fiscal_year: int, quarter: int, extra: int, today: date
) -> Dashboard:
    snapshots = list(snapshots_for(user, scope.ohts))
    by_quarter: dict[tuple[int, int], list] = defaultdict(list)
    for snapshot in snapshots:
        by_quarter[(snapshot.fiscal_year, snapshot.quarter)].append(snapshot)
    chosen = (fiscal_year, quarter)
    # The quarter menu offers every quarter built for any of the person's OHTs, so the
    # OHT and the quarter can be changed together.
    built = snapshots_for(user).order_by().values_list("fiscal_year", "quarter").distinct()
    codes = set(built) | {fiscal_quarter_of(today), chosen}
    quarters = [(quarter_code(*key), quarter_label(*key)) for key in sorted(codes, reverse=True)]
    trend = [quarter_figures(by_quarter[key]) for key in sorted(by_quarter) if key <= chosen]
    current = trend[-1] if trend and (trend[-1].fiscal_year, trend[-1].quarter) == chosen else None
    if current is None:
        figures = {}
    elif len(current.snapshots) == 1:
        figures = snapshot_figures(current.snapshots[0])
    else:
        figures = rollup(current.snapshots).figures
    last_run = runs_for(user, scope.ohts).filter(fiscal_year=fiscal_year, quarter=quarter).first()
    board = Dashboard(
        scope=scope,
        fiscal_year=fiscal_year,
        quarter=quarter,
        extra=extra,
        today=today,
        quarters=quarters,
        trend=trend,
        current=current,
        figures=figures,
        last_run=last_run if scope.oht is not None else None,
    )
    if current is not None:
        board.projection = projection_for(trend, current, extra)
    board.charts = charts_for(board)
    return board


def projection_for(trend: list[QuarterFigures], current: QuarterFigures, extra: int) -> dict:
    """The pace over the recent quarters (the chosen one and those before it), the
    capacity declared, and when each clears the cohort and the whole list."""
    window = trend[-max(settings.REPORTING_PACE_QUARTERS, 1) :]
    months = [projection.covered_months(entry.period_start, entry.as_of) for entry in window]
    pace = projection.monthly_rate(
        (entry.get("net_attachment"), span) for entry, span in zip(window, months, strict=True)
    )
    growth = projection.monthly_rate(
        (entry.get("new_registrants") - entry.get("removals"), span)
        for entry, span in zip(window, months, strict=True)
    )
    capacity = projection.capacity_rate(
        current.get("capacity_declared"), settings.CAPACITY_VALID_DAYS
    )
    common = {
        "extra_per_month": extra,
        "growth_per_month": growth,
        "as_of": current.as_of,
        "cohort_waiting": current.get("cohort_waiting"),
        "waiting": current.get("waiting"),
        "cohort_target": settings.REPORTING_COHORT_TARGET_DATE,
        "list_target": settings.REPORTING_ATTACHMENT_TARGET_DATE,
    }
    scenarios = [
        projection.scenario(key="pace", attach_per_month=pace, **common),
        projection.scenario(key="capacity", attach_per_month=capacity, **common),
    ]
    return {
        "window": [entry.label for entry in window],
        "pace": pace,
        "growth": growth,
        "capacity": capacity,
        "scenarios": scenarios,
        "labels": {
            "pace": _("At the current pace"),
            "capacity": _("With the capacity declared"),
        },
    }


def month_label(key: str) -> str:
    try:
        year, month = (int(part) for part in key.split("-"))
        return date_format(date(year, month, 1), "M Y")
    except ValueError:
        return key


def heat_tiles(breakdown: dict[str, dict]) -> list[dict]:
    """FSAs by need (patients waiting), each in one of HEAT_LEVELS shades (0 = none)."""
    shown = Formatter()
    largest = max((values.get("waiting") or 0 for values in breakdown.values()), default=0)
    tiles = []
    for fsa, values in sorted(breakdown.items()):
        waiting = values.get("waiting") or 0
        level = 0 if not waiting else max(1, -(-waiting * HEAT_LEVELS // largest))
        complex_vulnerable = values.get("complex_vulnerable")
        tiles.append(
            {
                "fsa": fsa,
                "waiting": waiting,
                "waiting_text": shown(waiting),
                "complex_text": shown(complex_vulnerable) if complex_vulnerable else "",
                "complex_vulnerable": values.get("complex_vulnerable"),
                "cohort_waiting": values.get("cohort_waiting"),
                "level": level,
                "rural": len(fsa) == 3 and fsa[1] == "0",
            }
        )
    return tiles
