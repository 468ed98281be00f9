"""Reads of the quarterly snapshots, scoped to the OHTs a person belongs to.

Snapshots hold aggregates only, so anyone with a role in an OHT may see its figures
(staff, PCN leads, care connectors, privacy leads, OHT administrators); site admins
see every OHT. A roll-up sums the snapshots it is given: pass it scoped snapshots,
and it can only ever add up OHTs the person may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import QuerySet

from oht_portal.models import OHT
from oht_portal.scoping import ohts_for_user
from reporting.models import MetricsRun, QuarterSnapshot, SnapshotFigure
from reporting.services import HEADLINE_FIELDS

# Figures that are not counts: a roll-up cannot add them up. A median of several OHTs
# is not any combination of their medians, so roll-ups show them as unknown (None).
STATISTICS = frozenset({"wait_median_days", "wait_p90_days"})

Figures = dict[str, dict[str, dict[str, int | None]]]


def visible_ohts(user) -> QuerySet[OHT]:
    """The OHTs whose figures `user` may see."""
    return ohts_for_user(user)


def snapshots_for(user, ohts: Iterable[OHT] | QuerySet[OHT] | None = None) -> QuerySet:
    """Snapshots of the OHTs `user` belongs to (of those in `ohts`, when given)."""
    queryset = QuarterSnapshot.objects.filter(oht__in=visible_ohts(user).values("pk"))
    if ohts is not None:
        queryset = queryset.filter(oht__in=[oht.pk for oht in ohts])
    return queryset.select_related("oht", "run").order_by("oht__code", "fiscal_year", "quarter")


def runs_for(user, ohts: Iterable[OHT] | QuerySet[OHT] | None = None) -> QuerySet:
    """Build runs of the OHTs `user` belongs to, newest first."""
    queryset = MetricsRun.objects.filter(oht__in=visible_ohts(user).values("pk"))
    if ohts is not None:
        queryset = queryset.filter(oht__in=[oht.pk for oht in ohts])
    return queryset.select_related("oht").order_by("-started_at", "-id")


def snapshot_figures(snapshot: QuarterSnapshot) -> Figures:
    """A snapshot's breakdowns as {dimension: {key: {metric: value}}}."""
    figures: Figures = defaultdict(lambda: defaultdict(dict))
    rows = SnapshotFigure.objects.filter(snapshot=snapshot).values_list(
        "dimension", "key", "metric", "value"
    )
    for dimension, key, metric, value in rows:
        figures[dimension][key][metric] = value
    return {dimension: dict(keys) for dimension, keys in figures.items()}


@dataclass
class Rollup:
    """The sum of several OHTs' snapshots of one quarter, read like a snapshot: the same
    headline attributes (medians None), `as_of` the earliest of theirs."""

    fiscal_year: int
    quarter: int
    period_start: date
    period_end: date
    as_of: date
    built_at: datetime
    oht_ids: list[int]
    headline: dict[str, int | None]
    figures: Figures = field(default_factory=dict)

    def __getattr__(self, name: str):
        headline = self.__dict__.get("headline", {})
        if name in headline:
            return headline[name]
        raise AttributeError(name)


def rollup(snapshots: Iterable[QuarterSnapshot], *, with_figures: bool = True) -> Rollup | None:
    """Add up snapshots of one quarter (a region, the province, a care connector's
    OHTs). Counts and capacity are summed; medians are None. Breakdown figures are
    summed key by key (an FSA shared by two OHTs adds up). None when there is nothing
    to add; ValueError when the snapshots are of different quarters."""
    snapshots = list(snapshots)
    if not snapshots:
        return None
    quarters = {(s.fiscal_year, s.quarter) for s in snapshots}
    if len(quarters) > 1:
        raise ValueError("a roll-up adds up snapshots of one quarter only")
    first = snapshots[0]
    headline = {
        name: None if name in STATISTICS else sum(getattr(s, name) for s in snapshots)
        for name in HEADLINE_FIELDS
    }
    figures: Figures = {}
    if with_figures:
        summed: dict = defaultdict(lambda: defaultdict(dict))
        rows = SnapshotFigure.objects.filter(snapshot__in=[s.pk for s in snapshots]).values_list(
            "dimension", "key", "metric", "value"
        )
        for dimension, key, metric, value in rows:
            cell = summed[dimension][key]
            if metric.startswith("wait_"):
                cell[metric] = None
            elif value is not None:
                cell[metric] = (cell.get(metric) or 0) + value
            else:
                cell.setdefault(metric, None)
        figures = {dimension: dict(keys) for dimension, keys in summed.items()}
    return Rollup(
        fiscal_year=first.fiscal_year,
        quarter=first.quarter,
        period_start=first.period_start,
        period_end=first.period_end,
        as_of=min(s.as_of for s in snapshots),
        built_at=min(s.built_at for s in snapshots),
        oht_ids=sorted(s.oht_id for s in snapshots),
        headline=headline,
        figures=figures,
    )


def rollup_for(
    user, fiscal_year: int, quarter: int, ohts: Iterable[OHT] | None = None
) -> Rollup | None:
    """The roll-up of one quarter over the OHTs `user` may see (of `ohts`, if given)."""
    return rollup(snapshots_for(user, ohts).filter(fiscal_year=fiscal_year, quarter=quarter))
