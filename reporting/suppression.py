"""Small-cell suppression for every figure that leaves the portal (exports, the printed
summary, the API): a count of 1 to `REPORTING_SMALL_CELL_MAX` people could point at
someone, so it is shown as "<N+1" (e.g. "<6"); zero is shown as zero.

Figures that are not counts but describe a small group are hidden with them:

- a statistic (median or 90th percentile of days waited) whose group counts 1..N
  people, or whose group size is not given beside it, is shown as `SUPPRESSED`
  ("x", as Statistics Canada marks it);
- a difference (imported minus portal count) is hidden when either of its counts is.

Complementary suppression (hiding a second cell so that a suppressed one cannot be
worked out from a total) is not done: totals are shown, so a single small cell in a
row with a total can be recovered by subtraction. Pages inside the portal show exact
figures; only what leaves it is suppressed."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

# The mark for a hidden statistic or difference (a count shows "<N+1" instead).
SUPPRESSED = "x"

COUNT = "count"
STATISTIC = "statistic"
DIFFERENCE = "difference"
TEXT = "text"


@dataclass(frozen=True)
class Rule:
    """How one field of a row is suppressed: as a count, as a statistic of the group
    counted in `base`, as a difference of `operands`, or not at all (text)."""

    kind: str = COUNT
    base: str = ""
    operands: tuple[str, ...] = ()


def threshold() -> int:
    """The largest count suppressed (settings.REPORTING_SMALL_CELL_MAX, 5 by default)."""
    return int(getattr(settings, "REPORTING_SMALL_CELL_MAX", 5))


def is_small(value, limit: int | None = None) -> bool:
    """A count of 1..limit people (zero, None and text are not small)."""
    limit = threshold() if limit is None else limit
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= limit


def small_label(limit: int | None = None) -> str:
    limit = threshold() if limit is None else limit
    return f"<{limit + 1}"


def shown_count(value, limit: int | None = None):
    """The count as it may leave the portal: itself, or "<N+1" when small."""
    limit = threshold() if limit is None else limit
    return small_label(limit) if is_small(value, limit) else value


def hidden_fields(row: Mapping, rules: Mapping[str, Rule], limit: int | None = None) -> set:
    """The fields of `row` that must not leave the portal as they are."""
    limit = threshold() if limit is None else limit
    hidden = set()
    for name, rule in rules.items():
        value = row.get(name)
        if rule.kind == COUNT:
            small = is_small(value, limit)
        elif rule.kind == STATISTIC:
            # A statistic whose group size is not in the row is hidden: it may be small.
            base = row.get(rule.base)
            small = value is not None and (base is None or is_small(base, limit))
        elif rule.kind == DIFFERENCE:
            small = value is not None and any(
                is_small(row.get(operand), limit) for operand in rule.operands
            )
        else:
            small = False
        if small:
            hidden.add(name)
    return hidden


def suppress_row(row: Mapping, rules: Mapping[str, Rule], limit: int | None = None) -> dict:
    """A copy of `row` fit for a file or a print-out: small counts as "<N+1", hidden
    statistics and differences as `SUPPRESSED`; fields without a rule unchanged."""
    limit = threshold() if limit is None else limit
    hidden = hidden_fields(row, rules, limit)
    shown = dict(row)
    for name in hidden:
        shown[name] = small_label(limit) if rules[name].kind == COUNT else SUPPRESSED
    return shown


def suppress_row_for_api(
    row: Mapping, rules: Mapping[str, Rule], limit: int | None = None
) -> tuple[dict, list[str]]:
    """A copy of `row` for JSON, where a field keeps one type: hidden fields become
    null and their names are listed (sorted) so a null is never mistaken for "none"."""
    hidden = hidden_fields(row, rules, limit)
    shown = dict(row)
    for name in hidden:
        shown[name] = None
    return shown, sorted(hidden)
