"""The quarterly dashboard in the browser: charts drawn by the vendored library under
the CSP, OHT and quarter switched, a roll-up, the what-if, the XLSX downloaded and
read, then the same in French."""

import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from reporting.quarters import fiscal_quarter_of, previous_quarter, quarter_label
from tests.browser.test_waitlist_workflow import sign_in
from tests.reporting.snapshots import FIGURES, make_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def show(page, scope: str | None = None, quarter: str | None = None) -> None:
    if scope:
        page.locator("#dashboard-scope").select_option(scope)
    if quarter:
        page.locator("#dashboard-quarter").select_option(quarter)
    page.locator("#dashboard-choice button[type=submit]").click()
    page.wait_for_load_state("load")


def charts_drawn(page) -> None:
    """Every chart's canvas was drawn by Chart.js (the script ran under the CSP)."""
    canvases = page.locator("canvas[data-chart]")
    expect(canvases.first).to_have_attribute("data-drawn", "true")
    assert canvases.count() == page.locator("canvas[data-drawn=true]").count() >= 6


def test_the_dashboard_in_both_languages(live_server, page, carol, oht_a, oht_c, tmp_path):
    today = timezone.localdate()
    now = fiscal_quarter_of(today)
    before = previous_quarter(*now)
    make_snapshot(oht_a, *before, cohort_waiting=340, waiting=1880)
    make_snapshot(oht_a, *now, as_of=today, figures=FIGURES, waiting=1900, cohort_waiting=300)
    make_snapshot(oht_c, *now, as_of=today, waiting=1234, cohort_waiting=20)
    problems = []
    page.on(
        "console",
        lambda message: (
            message.type == "error" and problems.append(f"{message.text} @ {message.location}")
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    base = live_server.url

    sign_in(page, base, carol)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("h1")).to_contain_text("OHT101")
    expect(page.locator("h1")).to_contain_text(quarter_label(*now))
    expect(page.locator("#card-cohort .big")).to_have_text("300")
    charts_drawn(page)
    # Each chart's figures are also a table (for screen readers), one click away.
    page.locator("#chart-cohort details summary").click()
    expect(page.locator("#chart-cohort table")).to_contain_text("340")

    # Another of carol's OHTs, then the previous quarter, then the roll-up of both.
    show(page, scope="OHT103")
    expect(page.locator("h1")).to_contain_text("OHT103")
    expect(page.locator("#card-waiting .big")).to_have_text("1,234")
    show(page, scope="OHT101", quarter=f"{before[0]}-Q{before[1]}")
    expect(page.locator("h1")).to_contain_text(quarter_label(*before))
    expect(page.locator("#card-cohort .big")).to_have_text("340")
    show(page, scope="all", quarter=f"{now[0]}-Q{now[1]}")
    expect(page.locator("#card-waiting .big")).to_have_text("3,134")
    expect(page.locator("#dashboard-status")).to_contain_text("Adds up 2 of 2 OHTs.")
    charts_drawn(page)

    # What-if: 500 more slots a month clear the cohort sooner.
    show(page, scope="OHT101")
    cohort_cell = page.locator("#projection-table tr[data-scenario=pace] td").nth(1)
    at_pace = cohort_cell.inner_text()
    page.locator("#id_extra").fill("500")
    page.locator("#what-if button[type=submit]").click()
    expect(page.locator("#projection-table caption")).to_contain_text("500 more slots a month")
    assert cohort_cell.inner_text() != at_pace

    # The FSA table as XLSX: it opens, and its small cells are hidden.
    with page.expect_download() as download_info:
        page.locator(".dashboard-exports li", has_text="Waitlist by FSA").get_by_role(
            "link", name="XLSX"
        ).click()
    download = download_info.value
    assert download.suggested_filename.startswith("oht-dashboard-fsa_OHT101_")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(io.BytesIO(path.read_bytes())).active
    headers = [cell.value for cell in sheet[1]]
    rows = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["M4C"][headers.index("Waiting")] == 700
    assert rows["M4E"][headers.index("Waiting")] == "<6"

    # In French: numbers and dates follow the language, charts still drawn.
    page.get_by_role("button", name="Français").click()
    page.wait_for_selector("html[lang='fr']")
    expect(page.locator("#card-waiting .big")).to_have_text("1\u00a0900")
    charts_drawn(page)
    show(page, scope="OHT103")
    expect(page.locator("h1")).to_contain_text("OHT103")
    expect(page.locator("#card-waiting .big")).to_have_text("1\u00a0234")
    with page.expect_download() as download_info:
        page.locator(".dashboard-exports li").nth(1).get_by_role("link", name="XLSX").click()
    french = tmp_path / "fr.xlsx"
    download_info.value.save_as(french)
    assert load_workbook(french).worksheets[0].max_row >= 2

    # No console error at all: no CSP refusal (htmx's indicator styles are off), no
    # missing file (the favicon is served).
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_printed_quarterly_summary_fits_one_letter_page(
    live_server, page, carol, oht_a, language
):
    """OHT boards get one page: the summary with every figure filled in (all reasons,
    FSAs, breakdowns) printed by Chromium on letter paper."""
    today = timezone.localdate()
    now = fiscal_quarter_of(today)
    make_snapshot(oht_a, *previous_quarter(*now), cohort_waiting=340, waiting=1880)
    make_snapshot(oht_a, *now, as_of=today, figures=FIGURES, waiting=1900, cohort_waiting=300)
    sign_in(page, live_server.url, carol)
    page.goto(
        f"{live_server.url}/reporting/print/?quarter={now[0]}-Q{now[1]}",
        wait_until="load",
    )
    if language == "fr":
        page.get_by_role("button", name="Français").click()
        page.wait_for_selector("html[lang='fr']")
    page.emulate_media(media="print")
    summary = page.locator(".summary-page")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("OHT101")
    declined = {"en": "Declined by a practice", "fr": "Refusées par une pratique"}[language]
    expect(summary).to_contain_text(declined)
    pdf = page.pdf(format="Letter", print_background=False)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
