"""Quarterly metrics as the API gives them: aggregates only, small cells suppressed.

Every count of 1 to REPORTING_SMALL_CELL_MAX people is null, and its name is listed in
`suppressed` (a null not listed there means "no figure", e.g. a median of nobody).
Medians and percentiles of such small groups, and differences that would reveal a
hidden count, are hidden the same way (reporting.suppression)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reporting.quarters import quarter_label
from reporting.services import HEADLINE_FIELDS
from reporting.suppression import suppress_row_for_api, threshold
from reporting.tables import METRIC_RULES, key_label


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The group: an FSA, a language code, `rural`, …")
    label = serializers.CharField(help_text="The group's name in the request's language.")
    figures = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Metric name → value (null when suppressed or not measurable).",
    )
    suppressed = serializers.ListField(child=serializers.CharField())


def breakdown_rows(dimension: str, breakdown: dict[str, dict]) -> list[dict]:
    rows = []
    for key, values in sorted(breakdown.items()):
        rules = {metric: METRIC_RULES.get(metric, METRIC_RULES["waiting"]) for metric in values}
        shown, hidden = suppress_row_for_api(values, rules)
        rows.append(
            {
                "key": key,
                "label": key_label(dimension, key),
                "figures": shown,
                "suppressed": hidden,
            }
        )
    return rows


class HeadlineMixin(serializers.Serializer):
    """The headline figures (docs/reporting.md defines each), suppressed; `suppressed`
    names the ones hidden. Capacity counts places, not people: never suppressed."""

    cohort_size = serializers.IntegerField(read_only=True, allow_null=True)
    cohort_waiting = serializers.IntegerField(read_only=True, allow_null=True)
    waiting = serializers.IntegerField(read_only=True, allow_null=True)
    referred = serializers.IntegerField(read_only=True, allow_null=True)
    accepted = serializers.IntegerField(read_only=True, allow_null=True)
    declined = serializers.IntegerField(read_only=True, allow_null=True)
    attached = serializers.IntegerField(read_only=True, allow_null=True)
    returned = serializers.IntegerField(read_only=True, allow_null=True)
    net_attachment = serializers.IntegerField(read_only=True, allow_null=True)
    closed = serializers.IntegerField(read_only=True, allow_null=True)
    new_registrants = serializers.IntegerField(read_only=True, allow_null=True)
    removals = serializers.IntegerField(read_only=True, allow_null=True)
    wait_median_days = serializers.IntegerField(read_only=True, allow_null=True)
    wait_p90_days = serializers.IntegerField(read_only=True, allow_null=True)
    capacity_declared = serializers.IntegerField(read_only=True, allow_null=True)
    capacity_remaining = serializers.IntegerField(read_only=True, allow_null=True)
    capacity_stale = serializers.IntegerField(read_only=True, allow_null=True)
    suppressed = serializers.SerializerMethodField()
    small_cell_max = serializers.SerializerMethodField()

    def get_suppressed(self, obj) -> list[str]:
        return []

    def get_small_cell_max(self, obj) -> int:
        return threshold()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        headline = {name: data[name] for name in HEADLINE_FIELDS}
        shown, hidden = suppress_row_for_api(
            headline, {name: METRIC_RULES[name] for name in HEADLINE_FIELDS}
        )
        data.update(shown)
        data["suppressed"] = hidden
        return data


class SnapshotIdentitySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    oht = serializers.CharField(source="oht.code", read_only=True)
    oht_name = serializers.CharField(source="oht.name", read_only=True)
    fiscal_year = serializers.IntegerField(read_only=True)
    quarter = serializers.IntegerField(read_only=True)
    quarter_label = serializers.SerializerMethodField()
    period_start = serializers.DateField(read_only=True)
    period_end = serializers.DateField(read_only=True)
    as_of = serializers.DateField(read_only=True)
    built_at = serializers.DateTimeField(read_only=True)

    def get_quarter_label(self, snapshot) -> str:
        return quarter_label(snapshot.fiscal_year, snapshot.quarter)


class QuarterlyMetricsSerializer(SnapshotIdentitySerializer, HeadlineMixin):
    """One OHT's figures for one fiscal quarter."""


class QuarterlyMetricsDetailSerializer(QuarterlyMetricsSerializer):
    """The quarter with its breakdowns (FSA, language, complexity, rurality, reasons
    for declines, closures and removals, months, reconciliation with the provincial
    summary)."""

    breakdowns = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(child=BreakdownRowSerializer(many=True)))
    def get_breakdowns(self, snapshot) -> dict:
        figures = self.context.get("figures", {})
        return {dimension: breakdown_rows(dimension, rows) for dimension, rows in figures.items()}


class RollupIdentitySerializer(serializers.Serializer):
    ohts = serializers.ListField(child=serializers.CharField(), read_only=True)
    fiscal_year = serializers.IntegerField(read_only=True)
    quarter = serializers.IntegerField(read_only=True)
    quarter_label = serializers.CharField(read_only=True)
    period_start = serializers.DateField(read_only=True)
    period_end = serializers.DateField(read_only=True)
    as_of = serializers.DateField(read_only=True)


class RollupSerializer(RollupIdentitySerializer, HeadlineMixin):
    """Several OHTs' figures of one quarter added up; medians are null (not additive)."""

    breakdowns = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(child=BreakdownRowSerializer(many=True)))
    def get_breakdowns(self, rollup) -> dict:
        return {
            dimension: breakdown_rows(dimension, rows)
            for dimension, rows in rollup["figures"].items()
        }
