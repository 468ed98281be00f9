"""The dashboard's figures as tables: one shape for the page's screen-reader tables,
the printed summary and the CSV/XLSX exports, so the numbers are the same everywhere.

A table knows each column's suppression rule (reporting.suppression): the page shows
exact figures, anything that leaves the portal calls `Table.suppressed_rows()`.
Labels are worked out when a table is made, in the language active then."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.formats import date_format, get_format, number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from attachment.choices import ClosedReason, DeclineReason, HCCStatus, VerificationResult
from reporting.services import HEADLINE_FIELDS
from reporting.suppression import COUNT, DIFFERENCE, STATISTIC, TEXT, Rule, suppress_row

# Figures of patients, in the order tables show them. Capacity figures count places,
# not people, so they are not suppressed (see docs/reporting.md).
METRIC_RULES: dict[str, Rule] = {
    "cohort_size": Rule(COUNT),
    "cohort_waiting": Rule(COUNT),
    "waiting": Rule(COUNT),
    "complex_vulnerable": Rule(COUNT),
    "new_registrants": Rule(COUNT),
    "removals": Rule(COUNT),
    "referred": Rule(COUNT),
    "accepted": Rule(COUNT),
    "declined": Rule(COUNT),
    "attached": Rule(COUNT),
    "returned": Rule(COUNT),
    "net_attachment": Rule(DIFFERENCE, operands=("attached", "returned")),
    "closed": Rule(COUNT),
    "wait_median_days": Rule(STATISTIC, base="waiting"),
    "wait_p90_days": Rule(STATISTIC, base="waiting"),
    "imported_active": Rule(COUNT),
    "portal_active": Rule(COUNT),
    "difference": Rule(DIFFERENCE, operands=("imported_active", "portal_active")),
    "capacity_declared": Rule(TEXT),
    "capacity_remaining": Rule(TEXT),
    "capacity_stale": Rule(TEXT),
}
# The snapshot's headline figures, in the order the summary table shows them.
HEADLINE_METRICS = list(HEADLINE_FIELDS)
STATISTICS = frozenset(name for name, rule in METRIC_RULES.items() if rule.kind == STATISTIC)
EQUITY_DIMENSIONS = ["language", "complexity", "rurality"]
OUTCOME_METRICS = [
    "referred",
    "accepted",
    "declined",
    "attached",
    "returned",
    "net_attachment",
    "closed",
]
# Breakdowns of the outcomes table and charts by reason: (dimension, metric).
REASON_BREAKDOWNS = [
    ("decline_reason", "declined"),
    ("close_reason", "closed"),
    ("removal_reason", "removals"),
]


class Formatter:
    """Cells as text in the active language: grouped numbers ("1,234" / "1 234"), "–"
    for no figure, suppressed marks as they are. The language's separators are looked
    up once, not once per cell (a province's tables have tens of thousands)."""

    def __init__(self):
        self.thousand = get_format("THOUSAND_SEPARATOR")
        self.fast = get_format("NUMBER_GROUPING") == 3
        self.yes, self.no = _("Yes"), _("No")

    def __call__(self, value) -> str:
        if value is None:
            return "–"
        if isinstance(value, bool):
            return self.yes if value else self.no
        if isinstance(value, int) and self.fast:
            return f"{value:,}".replace(",", self.thousand)
        if isinstance(value, int | float):
            return number_format(value, force_grouping=True)
        if hasattr(value, "isoformat"):
            return date_format(value)
        return str(value)


def display_value(value) -> str:
    return Formatter()(value)


def display_rows(rows: list[dict]) -> list[dict]:
    shown = Formatter()
    return [{name: shown(value) for name, value in row.items()} for row in rows]


def metric_label(name: str) -> str:
    labels = {
        "cohort_size": _("Waitlisted on %(date)s (cohort)")
        % {"date": date_format(settings.HCC_COHORT_DATE)},
        "cohort_waiting": _("Cohort still waiting"),
        "waiting": _("Waiting"),
        "complex_vulnerable": _("Complex vulnerable waiting"),
        "new_registrants": _("New registrants"),
        "removals": _("Removed from the list"),
        "referred": _("Referred"),
        "accepted": _("Accepted by a practice"),
        "declined": _("Declined by a practice"),
        "attached": _("Attached"),
        "returned": _("Returned after attachment"),
        "net_attachment": _("Net attachment"),
        "closed": _("Referrals closed"),
        "wait_median_days": _("Median wait (days)"),
        "wait_p90_days": _("90th percentile wait (days)"),
        "imported_active": _("Active in the provincial summary"),
        "portal_active": _("Active in the portal"),
        "difference": _("Difference"),
        "capacity_declared": _("Places declared"),
        "capacity_remaining": _("Places remaining"),
        "capacity_stale": _("Declarations out of date"),
    }
    return labels.get(name, name.replace("_", " "))


def dimension_label(dimension: str) -> str:
    labels = {
        "fsa": _("FSA"),
        "language": _("Preferred language"),
        "complexity": _("Complexity"),
        "rurality": _("Rural or urban FSA"),
        "decline_reason": _("Why practices declined referrals"),
        "close_reason": _("Why referrals closed"),
        "removal_reason": _("Why patients left the list"),
        "month": _("Month"),
        "reconciliation": _("Reconciliation"),
    }
    return labels.get(dimension, dimension)


def _language_name(code: str) -> str:
    if not code:
        return _("Not stated")
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def key_label(dimension: str, key: str) -> str:
    """A breakdown's row label in the active language (the key itself when unknown)."""
    if dimension == "language":
        return _language_name(key)
    if dimension == "complexity":
        return {"complex_vulnerable": _("Complex vulnerable"), "other": _("Other patients")}.get(
            key, key
        )
    if dimension == "rurality":
        return {"rural": _("Rural FSAs"), "urban": _("Urban FSAs")}.get(key, key)
    if dimension == "decline_reason":
        labels = {value: str(label) for value, label in DeclineReason.choices}
        return labels.get(key, key or _("Not stated"))
    if dimension in {"close_reason", "removal_reason"}:
        labels = {}
        for choices in (HCCStatus, VerificationResult, DeclineReason, ClosedReason):
            labels.update({value: str(label) for value, label in choices.choices})
        # reporting.aggregates.REMOVAL_REASONS
        labels.update(
            {
                "attached_in_portal": _("Attached through the portal"),
                "hcc_attached": _("Attached, as recorded in HCC"),
                "hcc_closed": _("Closed in HCC"),
                "left_hcc_list": _("Left the HCC list"),
            }
        )
        return labels.get(key, key or _("Not stated"))
    return key


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    rule: Rule = field(default_factory=lambda: Rule(TEXT))


@dataclass
class Table:
    """Rows are dicts keyed by column key; label columns have a TEXT rule. A table
    whose rows hold different figures in one column says how with `row_rules`."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    row_rules: Callable[[dict], dict[str, Rule]] | None = None

    @property
    def rules(self) -> dict[str, Rule]:
        return {column.key: column.rule for column in self.columns}

    def suppressed_rows(self) -> list[dict]:
        rules = self.rules
        if self.row_rules is None:
            return [suppress_row(row, rules) for row in self.rows]
        return [suppress_row(row, {**rules, **self.row_rules(row)}) for row in self.rows]

    def cells(self, *, suppressed: bool) -> list[list]:
        """Rows as lists in column order (what a file or a screen table shows)."""
        rows = self.suppressed_rows() if suppressed else self.rows
        return [[row.get(column.key) for column in self.columns] for row in rows]

    @staticmethod
    def _display(rows: list[list]) -> list[list[dict]]:
        """Cells as text in the active language (formatted here, not by template
        filters: a province's FSA table has thousands of cells), marked number or not."""
        shown = Formatter()
        return [
            [
                {
                    "text": shown(value),
                    "number": isinstance(value, int | float) and not isinstance(value, bool),
                    "empty": value is None or value == "",
                }
                for value in row
            ]
            for row in rows
        ]

    @property
    def body_html(self) -> str:
        """The page's <tbody> rows, exact figures, built here rather than by the
        template engine: a province roll-up's FSA table has tens of thousands of cells,
        and rendering each through template tags took most of the page's time."""
        parts = []
        for row in self._display(self.cells(suppressed=False)):
            cells = [f'<th scope="row">{escape(row[0]["text"])}</th>'] if row else []
            for cell in row[1:]:
                css = ' class="number"' if cell["number"] or cell["empty"] else ""
                cells.append(f"<td{css}>{escape(cell['text'])}</td>")
            parts.append(f"<tr>{''.join(cells)}</tr>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every cell is escaped above

    @property
    def headers(self) -> list[str]:
        return [column.label for column in self.columns]


def metric_columns(names) -> list[Column]:
    return [Column(name, metric_label(name), METRIC_RULES.get(name, Rule(COUNT))) for name in names]


def ordered_metrics(present) -> list[str]:
    """Known metrics in table order, then any others the build wrote, alphabetically."""
    present = set(present)
    known = [name for name in METRIC_RULES if name in present]
    return known + sorted(present - set(known))


def summary_table(trend: list[dict]) -> Table:
    """The headline figures, one row a quarter (`quarter` holds its label)."""
    columns = [Column("quarter", _("Quarter")), Column("as_of", _("Figures as of"))]
    columns += metric_columns(HEADLINE_METRICS)
    return Table("summary", _("Quarterly summary"), columns, trend)


def dimension_table(dimension: str, breakdown: dict[str, dict], *, title: str = "") -> Table:
    """One breakdown (`{key: {metric: value}}`) as rows by key."""
    metrics = ordered_metrics({metric for values in breakdown.values() for metric in values})
    rows = [
        {"key": key, "label": key_label(dimension, key), **values}
        for key, values in sorted(breakdown.items())
    ]
    columns = [Column("label", dimension_label(dimension))] + metric_columns(metrics)
    return Table(dimension, title or dimension_label(dimension), columns, rows)


def fsa_table(breakdown: dict[str, dict]) -> Table:
    table = dimension_table("fsa", breakdown, title=_("Waitlist by FSA"))
    for row in table.rows:
        row["rural"] = _("Rural") if len(row["key"]) == 3 and row["key"][1] == "0" else ""
    table.columns.insert(1, Column("rural", _("Rural")))
    return table


def equity_table(figures: dict[str, dict[str, dict]]) -> Table:
    """Language, complexity and rurality breakdowns one under the other."""
    rows = []
    metrics: set[str] = set()
    for dimension in EQUITY_DIMENSIONS:
        for key, values in sorted(figures.get(dimension, {}).items()):
            metrics.update(values)
            rows.append(
                {
                    "dimension": dimension_label(dimension),
                    "label": key_label(dimension, key),
                    **values,
                }
            )
    columns = [Column("dimension", _("Breakdown")), Column("label", _("Group"))]
    columns += metric_columns(ordered_metrics(metrics))
    return Table("equity", _("Equity breakdowns"), columns, rows)


def outcomes_table(headline: dict, figures: dict[str, dict[str, dict]]) -> Table:
    """Referral outcomes of the quarter, then declines, closures and removals by reason."""
    outcome = _("Referral outcomes")
    rows = [
        {
            "group": outcome,
            "label": metric_label(name),
            "metric": name,
            "count": headline.get(name),
            # A difference row carries its operands so it is hidden with them.
            **{operand: headline.get(operand) for operand in METRIC_RULES[name].operands},
        }
        for name in OUTCOME_METRICS
    ]
    for dimension, metric in REASON_BREAKDOWNS:
        for key, values in sorted(figures.get(dimension, {}).items()):
            rows.append(
                {
                    "group": dimension_label(dimension),
                    "label": key_label(dimension, key),
                    "metric": metric,
                    "count": values.get(metric, next(iter(values.values()), None)),
                }
            )
    return Table(
        "outcomes",
        _("Referral outcomes"),
        [Column("group", _("Group")), Column("label", _("Outcome")), Column("count", _("Count"))],
        rows,
        row_rules=outcome_rules,
    )


def outcome_rules(row: dict) -> dict[str, Rule]:
    """The count of an outcomes row is suppressed as its own metric is."""
    rule = METRIC_RULES.get(row.get("metric", ""), Rule(COUNT))
    if rule.kind == DIFFERENCE:
        return {
            "count": Rule(DIFFERENCE, operands=rule.operands),
            **{operand: Rule(COUNT) for operand in rule.operands},
        }
    return {"count": rule}


def reconciliation_table(breakdown: dict[str, dict]) -> Table:
    columns = [Column("label", _("FSA"))] + metric_columns(
        ["imported_active", "portal_active", "difference"]
    )
    columns.append(Column("flag", _("To reconcile")))
    rows = []
    for key, values in sorted(breakdown.items()):
        difference = values.get("difference")
        rows.append(
            {
                "key": key,
                "label": key,
                **values,
                "flagged": bool(difference),
                "flag": _("Yes") if difference else "",
            }
        )
    return Table("reconciliation", _("Reconciliation with the provincial summary"), columns, rows)
