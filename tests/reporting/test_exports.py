"""Dashboard exports: CSV and XLSX that open, are formula-safe, hide small cells, and
are audited."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.reporting.snapshots import FIGURES, make_snapshot

pytestmark = pytest.mark.django_db

DECEMBER = date(2025, 12, 15)
NOON = datetime(2025, 12, 15, 12, tzinfo=ZoneInfo("America/Toronto"))
EVIL = '=HYPERLINK("http://x","y")'


@pytest.fixture
def figures(oht_a, oht_b, oht_c):
    make_snapshot(oht_a, 2025, 2, cohort_waiting=340)
    make_snapshot(
        oht_a,
        2025,
        3,
        as_of=DECEMBER,
        figures=[*FIGURES, ("close_reason", EVIL[:32], "closed", 9)],
    )
    make_snapshot(oht_b, 2025, 3, as_of=DECEMBER, waiting=5000)
    make_snapshot(oht_c, 2025, 3, as_of=DECEMBER, waiting=100, returned=0)


def download(client, table: str, file_format: str, **params):
    with time_machine.travel(NOON):
        return client.get(
            reverse("reporting:export", args=[table, file_format]),
            {"quarter": "2025-Q3", **params},
        )


def workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def rows_by_first_label(sheet, column: int) -> dict:
    return {row[column]: row for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_the_fsa_xlsx_opens_and_hides_small_cells(client_for, alice, figures):
    response = download(client_for(alice), "fsa", "xlsx")
    assert response.status_code == 200
    assert (
        'filename="oht-dashboard-fsa_OHT101_2025-Q3_20251215.xlsx"'
        in response["Content-Disposition"]
    )
    book = workbook(response)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["OHT or roll-up", "Dashboard quarter", "FSA", "Rural"]
    waiting = headers.index("Waiting")
    median = headers.index("Median wait (days)")
    rows = rows_by_first_label(sheet, 2)
    # Numbers stay numbers; 3 people is "<6" and their median is hidden with them.
    assert rows["M4C"][waiting] == 700 and rows["M4C"][median] == 220
    assert rows["M4E"][waiting] == "<6" and rows["M4E"][median] == "x"
    assert rows["K0A"][headers.index("Rural")] == "Rural"
    about = book.worksheets[1]
    text = " ".join(str(cell) for row in about.iter_rows(values_only=True) for cell in row)
    assert "Counts of 1 to 5 people" in text and "2025-26 Q3" in text


def test_the_threshold_is_a_setting(client_for, alice, figures, settings):
    settings.REPORTING_SMALL_CELL_MAX = 10
    rows = rows_by_first_label(workbook(download(client_for(alice), "outcomes", "xlsx")).active, 3)
    # 7 closed and 8 declined referrals: hidden under a threshold of 10.
    assert rows["Referrals closed"][4] == "<11"
    assert rows["Declined by a practice"][4] == "<11"


def test_the_outcomes_have_the_declines_by_reason_suppressed(client_for, alice, figures):
    sheet = workbook(download(client_for(alice), "outcomes", "xlsx")).active
    rows = rows_by_first_label(sheet, 3)
    assert rows["Declined by a practice"][2:] == ("Referral outcomes", "Declined by a practice", 8)
    # 6 shown; 2 (1 to 5 people) hidden; zero shown.
    why = "Why practices declined referrals"
    assert rows["Too complex for the practice"][2:] == (why, "Too complex for the practice", 6)
    assert rows["Lives too far"][4] == "<6"
    assert rows["No capacity after all"][4] == 0
    body = download(client_for(alice), "outcomes", "csv").content.decode("utf-8-sig")
    by_label = {row[3]: row for row in csv.reader(io.StringIO(body))}
    assert by_label["Lives too far"][2:] == [why, "Lives too far", "<6"]
    assert by_label["Declined by a practice"][4] == "8"
    # The quarterly summary has a column of its own.
    sheet = workbook(download(client_for(alice), "summary", "xlsx")).active
    headers = [cell.value for cell in sheet[1]]
    last = list(sheet.iter_rows(min_row=2, values_only=True))[-1]
    assert last[headers.index("Declined by a practice")] == 8


def test_exports_are_formula_safe(client_for, alice, figures):
    sheet = workbook(download(client_for(alice), "outcomes", "xlsx")).active
    labels = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert f"'{EVIL[:32]}" in labels
    assert not any(str(label).startswith("=") for label in labels)
    body = download(client_for(alice), "outcomes", "csv").content.decode("utf-8-sig")
    assert f"'{EVIL[:32]}" in [row[3] for row in csv.reader(io.StringIO(body))]


def test_the_outcomes_hide_a_net_figure_that_would_reveal_a_small_one(client_for, alice, figures):
    rows = rows_by_first_label(workbook(download(client_for(alice), "outcomes", "xlsx")).active, 3)
    assert rows["Returned after attachment"][4] == "<6"
    assert rows["Net attachment"][4] == "x"
    assert rows["Referred"][4] == 60


def test_the_csv_has_a_bom_and_the_same_suppressed_figures(client_for, alice, figures):
    response = download(client_for(alice), "fsa", "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    waiting = rows[0].index("Waiting")
    by_fsa = {row[2]: row for row in rows[1:]}
    assert by_fsa["M4E"][waiting] == "<6"
    assert by_fsa["M4C"][waiting] == "700"


def test_the_summary_has_a_row_a_quarter(client_for, alice, figures):
    sheet = workbook(download(client_for(alice), "summary", "xlsx")).active
    headers = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert headers[:3] == ["OHT or roll-up", "Dashboard quarter", "Quarter"]
    assert [row[2] for row in rows] == ["2025-26 Q2", "2025-26 Q3"]
    assert {row[1] for row in rows} == {"2025-26 Q3"}
    assert [row[headers.index("Cohort still waiting")] for row in rows] == [340, 300]


def test_the_equity_export_lists_the_three_breakdowns(client_for, alice, figures):
    sheet = workbook(download(client_for(alice), "equity", "xlsx")).active
    headers = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {row[2] for row in rows} == {"Preferred language", "Complexity", "Rural or urban FSA"}
    french = next(row for row in rows if row[3] == "French")
    assert french[headers.index("Waiting")] == 48
    assert french[headers.index("Referred")] == "<6"


def test_the_reconciliation_export_flags_differences(client_for, alice, figures):
    sheet = workbook(download(client_for(alice), "reconciliation", "xlsx")).active
    rows = rows_by_first_label(sheet, 2)
    headers = [cell.value for cell in sheet[1]]
    assert rows["M4C"][headers.index("Difference")] == 5
    assert rows["M4C"][headers.index("To reconcile")] == "Yes"
    # 3 in both: hidden, and so is their difference.
    assert rows["M4E"][headers.index("Difference")] == "x"


def test_a_rollup_export_adds_up_only_ones_own_ohts(client_for, carol, figures):
    sheet = workbook(download(client_for(carol), "summary", "xlsx", scope="all")).active
    headers = [cell.value for cell in sheet[1]]
    last = list(sheet.iter_rows(min_row=2, values_only=True))[-1]
    assert last[headers.index("Waiting")] == 900 + 100
    assert last[0] == "All your OHTs (2)"


def test_each_export_is_audited(client_for, alice, figures):
    download(client_for(alice), "fsa", "xlsx")
    download(client_for(alice), "equity", "csv")
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT, actor_id=alice.pk)
    assert sorted((e.detail["view"], e.detail["format"]) for e in events) == [
        ("dashboard_equity", "csv"),
        ("dashboard_fsa", "xlsx"),
    ]
    assert {e.oht_code for e in events} == {"OHT101"}


def test_another_ohts_export_is_a_404(client_for, alice, figures):
    assert download(client_for(alice), "fsa", "xlsx", scope="OHT102").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_unknown_table_or_format_is_a_400(client_for, alice, figures):
    assert download(client_for(alice), "patients", "xlsx").status_code == 400
    assert download(client_for(alice), "fsa", "pdf").status_code == 400


def test_the_file_follows_the_language(client_for, alice, figures):
    client = client_for(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    about = workbook(download(client, "fsa", "xlsx")).worksheets[1]
    values = [row[1] for row in about.iter_rows(values_only=True)]
    # Dates in French (Django's own catalogue); our labels follow once translated.
    assert "15 décembre 2025" in values
