"""Small cells (1..REPORTING_SMALL_CELL_MAX people) never leave the portal as they are."""

from reporting.suppression import (
    SUPPRESSED,
    Rule,
    hidden_fields,
    is_small,
    shown_count,
    suppress_row,
    suppress_row_for_api,
    threshold,
)

RULES = {
    "waiting": Rule(),
    "referred": Rule(),
    "wait_median_days": Rule("statistic", base="waiting"),
    "imported": Rule(),
    "portal": Rule(),
    "difference": Rule("difference", operands=("imported", "portal")),
    "label": Rule("text"),
}


def test_the_threshold_defaults_to_five(settings):
    assert threshold() == 5
    settings.REPORTING_SMALL_CELL_MAX = 10
    assert threshold() == 10


def test_counts_of_one_to_five_are_shown_as_under_six():
    assert [shown_count(value) for value in (0, 1, 5, 6, 250, None)] == [
        0,
        "<6",
        "<6",
        6,
        250,
        None,
    ]


def test_the_threshold_is_a_setting(settings):
    settings.REPORTING_SMALL_CELL_MAX = 10
    assert shown_count(7) == "<11"
    assert shown_count(11) == 11


def test_zero_none_text_and_booleans_are_not_small_cells():
    assert not is_small(0)
    assert not is_small(None)
    assert not is_small("3")
    assert not is_small(True)


def test_a_statistic_of_a_small_group_is_hidden_with_it():
    row = {"waiting": 3, "wait_median_days": 120, "referred": 40}
    assert suppress_row(row, RULES) == {
        "waiting": "<6",
        "wait_median_days": SUPPRESSED,
        "referred": 40,
    }
    big = {"waiting": 6, "wait_median_days": 120}
    assert suppress_row(big, RULES)["wait_median_days"] == 120


def test_a_statistic_without_its_group_size_is_hidden():
    assert suppress_row({"wait_median_days": 120}, RULES) == {"wait_median_days": SUPPRESSED}
    assert suppress_row({"wait_median_days": None}, RULES) == {"wait_median_days": None}


def test_a_difference_is_hidden_when_one_of_its_counts_is():
    row = {"imported": 4, "portal": 0, "difference": 4}
    assert suppress_row(row, RULES) == {"imported": "<6", "portal": 0, "difference": SUPPRESSED}
    shown = {"imported": 100, "portal": 97, "difference": 3}
    assert suppress_row(shown, RULES) == shown


def test_text_and_unknown_fields_pass_unchanged():
    row = {"label": 3, "other": 2, "waiting": 0}
    assert suppress_row(row, RULES) == row
    assert hidden_fields(row, RULES) == set()


def test_the_api_gets_nulls_and_the_names_of_what_was_hidden():
    row = {"waiting": 2, "wait_median_days": 90, "referred": 12}
    shown, hidden = suppress_row_for_api(row, RULES)
    assert shown == {"waiting": None, "wait_median_days": None, "referred": 12}
    assert hidden == ["wait_median_days", "waiting"]
