"""The dashboard page: scoped to the person's OHTs, roll-ups that add up only those,
the projection's what-if, the rebuild button, the printed summary."""

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from oht_portal.choices import AuditAction, Role
from oht_portal.models import AuditEvent, Membership
from reporting.models import MetricsRun
from tests.conftest import make_user
from tests.reporting.snapshots import FIGURES, make_snapshot

pytestmark = pytest.mark.django_db

URL = reverse("reporting:dashboard")
DECEMBER = date(2025, 12, 15)  # in 2025-26 Q3 (October to December 2025)
NOON = datetime(2025, 12, 15, 12, tzinfo=ZoneInfo("America/Toronto"))


@pytest.fixture
def figures(oht_a, oht_b, oht_c):
    """Q2 and Q3 of 2025-26 for OHT A (Q3 still running on Dec 15), Q3 for B and C."""
    make_snapshot(oht_a, 2025, 2, cohort_waiting=340, waiting=880)
    make_snapshot(oht_a, 2025, 3, as_of=DECEMBER, figures=FIGURES)
    make_snapshot(oht_b, 2025, 3, as_of=DECEMBER, waiting=5000, cohort_waiting=1000)
    make_snapshot(oht_c, 2025, 3, as_of=DECEMBER, waiting=100, cohort_waiting=20)


def get(client, **params):
    with time_machine.travel(NOON):
        return client.get(URL, params)


def chart(response, name: str) -> dict:
    body = response.content.decode()
    pattern = rf'<script id="chart-{name}-data" type="application/json">(.*?)</script>'
    match = re.search(pattern, body)
    assert match, f"no JSON for chart {name}"
    return json.loads(match.group(1))


def test_it_opens_on_the_first_oht_and_the_current_quarter(client_for, alice, figures):
    response = get(client_for(alice))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.scope.value == "OHT101"
    assert (board.fiscal_year, board.quarter) == (2025, 3)
    assert board.current.get("cohort_waiting") == 300
    body = response.content.decode()
    assert 'id="card-cohort"' in body and 'id="card-referred"' in body


def test_another_ohts_dashboard_is_a_404(client_for, alice, figures):
    assert get(client_for(alice), scope="OHT102").status_code == 404


def test_a_rollup_is_a_404_for_someone_with_one_oht(client_for, alice, figures):
    assert get(client_for(alice), scope="all").status_code == 404
    assert get(client_for(alice), scope="region:Toronto").status_code == 404


def test_a_region_without_any_of_ones_ohts_is_a_404(client_for, carol, figures):
    assert get(client_for(carol), scope="region:East").status_code == 404


def test_someone_without_an_oht_is_refused(client_for, figures):
    assert get(client_for(make_user("nobody@example.org"))).status_code == 403


def test_every_role_of_the_oht_sees_its_aggregates(client_for, peter, paula, figures):
    for user in (peter, paula):
        assert get(client_for(user)).status_code == 200


def test_the_rollup_adds_up_only_ones_own_ohts(client_for, carol, figures):
    response = get(client_for(carol), scope="all")
    assert response.status_code == 200
    current = response.context["board"].current
    # A (900) and C (100), never B (5000).
    assert current.get("waiting") == 1000
    assert current.get("cohort_waiting") == 320
    assert current.built == 2
    # Medians cannot be added up.
    assert current.get("wait_median_days") is None


def test_a_region_rollup_adds_up_ones_ohts_in_that_region(client_for, carol, figures):
    response = get(client_for(carol), scope="region:North East")
    assert response.context["board"].current.get("waiting") == 100


def test_the_province_rollup_of_a_site_admin_has_every_oht(client_for, root, figures):
    response = get(client_for(root), scope="all")
    assert response.context["board"].current.get("waiting") == 900 + 5000 + 100


def test_the_menu_offers_rollups_to_someone_with_several_ohts(client_for, carol, figures):
    body = get(client_for(carol)).content.decode()
    assert 'value="all"' in body
    assert 'value="region:Toronto"' in body and 'value="region:North East"' in body
    assert 'value="OHT102"' not in body and 'value="region:East"' not in body


def test_an_earlier_quarter_can_be_chosen(client_for, alice, figures):
    response = get(client_for(alice), quarter="2025-Q2")
    board = response.context["board"]
    assert board.current.get("cohort_waiting") == 340
    assert [entry.code for entry in board.trend] == ["2025-Q2"]


def test_a_quarter_not_built_yet_says_so(client_for, alice, figures):
    response = get(client_for(alice), quarter="2024-Q4")
    assert response.status_code == 200
    assert response.context["board"].current is None
    assert "No figures have been built for this quarter yet." in response.content.decode()


def test_a_malformed_quarter_is_a_400(client_for, alice, figures):
    response = get(client_for(alice), quarter="2025-Q7")
    assert response.status_code == 400
    assert "Choose a quarter" in response.content.decode()


def test_the_what_if_brings_the_cohort_forward(client_for, alice, figures):
    # Net 36 attached in each of Q2 (92 days) and Q3 to Dec 15 (76 days): 72 in 168 days,
    # 13.04 a month. The cohort of 300 takes 23.0 months: by Nov 30, 2027.
    pace = get(client_for(alice)).context["board"].projection
    scenario = pace["scenarios"][0]
    assert scenario.key == "pace"
    assert scenario.attach_per_month == pytest.approx(72 / (168 / 30.436875))
    assert scenario.cohort.clears_by == date(2027, 11, 30)
    assert not scenario.cohort.on_track
    # 100 more a month: 113.04, 2.65 months, by Mar 31, 2026: on track for spring 2026.
    faster = get(client_for(alice), extra=100).context["board"].projection["scenarios"][0]
    assert faster.attach_per_month == pytest.approx(scenario.attach_per_month + 100)
    assert faster.cohort.clears_by == date(2026, 3, 31)
    assert faster.cohort.on_track


def test_the_capacity_scenario_uses_the_places_declared(client_for, alice, figures):
    # 90 places a 90-day declaration: 30.44 a month.
    board = get(client_for(alice)).context["board"]
    capacity = board.projection["scenarios"][1]
    assert capacity.key == "capacity"
    assert capacity.attach_per_month == pytest.approx(
        90 / (settings.CAPACITY_VALID_DAYS / 30.436875)
    )


def test_a_bad_what_if_is_a_400_with_a_message(client_for, alice, figures):
    response = get(client_for(alice), extra="-3")
    assert response.status_code == 400
    assert 'id="extra-errors"' in response.content.decode()
    assert response.context["board"].extra == 0


def test_each_chart_has_its_data_and_a_table_with_the_same_figures(client_for, alice, figures):
    response = get(client_for(alice))
    cohort = chart(response, "cohort")
    assert cohort["labels"] == ["2025-26 Q2", "2025-26 Q3"]
    assert cohort["datasets"][0]["data"] == [340, 300]
    body = response.content.decode()
    for name in ("cohort", "referred", "burn-cohort", "burn-list", "language", "outcomes"):
        assert f'data-chart="chart-{name}-data"' in body
    assert body.count('<details class="chart-table">') >= 6
    table = body.split('id="chart-cohort"')[1].split("</figure>")[0]
    assert '<td class="number">340</td>' in table
    # No inline script: the CSP allows scripts from the portal's own files only.
    assert "<script>" not in body
    assert re.search(r"reporting/vendor/chart\.umd\.min(\.[0-9a-f]+)?\.js", body)


def test_referral_outcomes_show_the_declines_by_reason(client_for, alice, carol, figures):
    response = get(client_for(alice))
    outcomes = chart(response, "outcomes")
    assert outcomes["labels"][2] == "Declined by a practice"
    assert outcomes["datasets"][0]["data"][2] == 8
    reasons = chart(response, "decline-reason")
    assert reasons["title"] == "Why practices declined referrals"
    declined = dict(zip(reasons["labels"], reasons["datasets"][0]["data"], strict=True))
    assert declined == {
        "Too complex for the practice": 6,
        "Lives too far": 2,
        "No capacity after all": 0,
    }
    # The tables under the charts repeat the figures.
    body = response.content.decode()
    table = body.split('id="chart-outcomes"')[1].split("</figure>")[0]
    assert '<th scope="row">Declined by a practice</th>' in table
    assert '<td class="number">8</td>' in table
    table = body.split('id="chart-decline-reason"')[1].split("</figure>")[0]
    assert re.search(r'>Lives too far</th>\s*<td class="number">2</td>', table)
    rows = {row["label"]: row["count"] for row in response.context["board"].outcomes_table.rows}
    assert rows["Declined by a practice"] == 8 and rows["Too complex for the practice"] == 6
    # A roll-up adds up the declines of the person's OHTs: A and C, 8 each.
    assert get(client_for(carol), scope="all").context["board"].current.get("declined") == 16


def test_the_burn_down_starts_with_the_cohort_and_aims_at_the_target(client_for, alice, figures):
    burn = chart(get(client_for(alice)), "burn-cohort")
    actual, target = burn["datasets"][0]["data"], burn["datasets"][1]["data"]
    assert burn["labels"][0] == "Jan 2025"
    assert actual[0] == 400 and target[0] == 400
    # Sep 30, 2025 (Q2) and Dec 15, 2025 (Q3 so far) are the cohort still waiting.
    assert 340 in actual and actual[burn["labels"].index("Dec. 15, 2025")] == 300
    assert target[burn["labels"].index("Mar 2026")] == 0


def test_the_whole_list_burn_down_starts_at_the_first_quarter_built(client_for, alice, figures):
    burn = chart(get(client_for(alice)), "burn-list")
    actual, target = burn["datasets"][0]["data"], burn["datasets"][1]["data"]
    # Q2 ended Sep 30, 2025 with 880 waiting; Dec 15: 900; zero by Mar 31, 2029.
    assert burn["labels"][:3] == ["Sep 2025", "Dec. 15, 2025", "Dec 2025"]
    assert actual[:3] == [880, 900, None]
    assert target[0] == 880 and target[burn["labels"].index("Mar 2029")] == 0


def test_the_fsa_table_and_heat_view(client_for, alice, figures):
    response = get(client_for(alice))
    tiles = {tile["fsa"]: tile for tile in response.context["board"].heat}
    assert tiles["M4C"]["level"] == 5 and tiles["M4E"]["level"] == 1
    assert tiles["K0A"]["rural"]
    body = response.content.decode()
    assert 'class="heat-tile heat-5"' in body
    assert 'id="fsa-table"' in body


def test_reconciliation_differences_are_flagged(client_for, alice, figures):
    board = get(client_for(alice)).context["board"]
    assert [row["key"] for row in board.flagged] == ["M4C"]


def test_the_page_speaks_french(client_for, alice, oht_a):
    make_snapshot(oht_a, 2025, 3, as_of=DECEMBER, waiting=12345)
    client = client_for(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    body = get(client).content.decode()
    assert '<html lang="fr">' in body
    assert "12\xa0345" in body and "12,345" not in body
    assert "15 décembre 2025" in body


def test_a_page_view_is_audited(client_for, carol, figures):
    get(client_for(carol), scope="all")
    event = AuditEvent.objects.get(action=AuditAction.VIEW, actor_id=carol.pk)
    assert event.detail["view"] == "dashboard"
    assert event.detail["ohts"] == ["OHT101", "OHT103"]


def test_the_page_costs_a_few_queries(client_for, root, figures, django_assert_max_num_queries):
    client = client_for(root)
    with django_assert_max_num_queries(20):
        get(client, scope="all")


def test_the_nav_links_to_the_dashboard(client_for, peter, figures):
    assert URL in client_for(peter).get(reverse("home")).content.decode()


# --- Rebuild -----------------------------------------------------------------------


def test_staff_see_the_rebuild_button_and_others_do_not(client_for, alice, peter, figures):
    assert 'id="rebuild-form"' in get(client_for(alice)).content.decode()
    assert 'id="rebuild-form"' not in get(client_for(peter)).content.decode()


def test_an_oht_admin_may_rebuild(client_for, oht_a, figures):
    admin = make_user("admin@example.org")
    Membership.objects.create(user=admin, oht=oht_a, role=Role.OHT_ADMIN)
    assert 'id="rebuild-form"' in get(client_for(admin)).content.decode()


def test_rebuild_queues_a_build_of_the_quarter(client_for, alice, oht_a, figures):
    before = MetricsRun.objects.filter(oht=oht_a, fiscal_year=2025, quarter=3).count()
    with time_machine.travel(NOON):
        response = client_for(alice).post(
            reverse("reporting:rebuild"), {"scope": "OHT101", "quarter": "2025-Q3"}
        )
    assert response.status_code == 302
    assert "scope=OHT101" in response["Location"] and "quarter=2025-Q3" in response["Location"]
    runs = MetricsRun.objects.filter(oht=oht_a, fiscal_year=2025, quarter=3)
    assert runs.count() == before + 1
    assert runs.filter(trigger=MetricsRun.Trigger.ON_DEMAND, requested_by=alice).exists()


def test_a_pcn_lead_may_not_rebuild(client_for, peter, figures):
    with time_machine.travel(NOON):
        response = client_for(peter).post(
            reverse("reporting:rebuild"), {"scope": "OHT101", "quarter": "2025-Q3"}
        )
    assert response.status_code == 403
    assert not MetricsRun.objects.filter(trigger=MetricsRun.Trigger.ON_DEMAND).exists()


def test_nobody_rebuilds_another_ohts_quarter(client_for, bob, figures):
    with time_machine.travel(NOON):
        response = client_for(bob).post(
            reverse("reporting:rebuild"), {"scope": "OHT101", "quarter": "2025-Q3"}
        )
    assert response.status_code == 404
    assert not MetricsRun.objects.filter(trigger=MetricsRun.Trigger.ON_DEMAND).exists()


def test_a_quarter_not_started_is_refused_with_a_message(client_for, alice, figures):
    with time_machine.travel(NOON):
        response = client_for(alice).post(
            reverse("reporting:rebuild"), {"scope": "OHT101", "quarter": "2026-Q1"}, follow=True
        )
    assert "has not started yet" in response.content.decode()
    assert not MetricsRun.objects.filter(trigger=MetricsRun.Trigger.ON_DEMAND).exists()


# --- The printed summary ------------------------------------------------------------


def test_the_printed_summary_hides_small_cells(client_for, alice, figures):
    with time_machine.travel(NOON):
        response = client_for(alice).get(reverse("reporting:print"), {"quarter": "2025-Q3"})
    assert response.status_code == 200
    body = response.content.decode()
    fsa = body.split('id="summary-fsa"')[1].split("</table>")[0]
    # M4E has 3 waiting: "<6", and its median wait is hidden with it.
    m4e = fsa.split("M4E")[1].split("</tr>")[0]
    assert "&lt;6" in m4e and ">3<" not in m4e and ">95<" not in m4e and ">x<" in m4e
    # Returned (4) is hidden, and so is net attachment (40 - 4), which would reveal it.
    outcomes = body.split('id="summary-outcomes"')[1].split("</table>")[0]
    assert ">36<" not in outcomes and ">4<" not in outcomes
    # 8 declined is shown; 2 declined because the patient lives too far is not.
    declined = outcomes.split("Declined by a practice")[1].split("</tr>")[0]
    assert '<td class="number">8</td>' in declined
    far = outcomes.split("Lives too far")[1].split("</tr>")[0]
    assert "&lt;6" in far and ">2<" not in far
    assert 'data-figure="cohort_waiting">300<' in body


def test_the_printed_summary_is_audited_as_an_export(client_for, alice, figures):
    with time_machine.travel(NOON):
        client_for(alice).get(reverse("reporting:print"), {"quarter": "2025-Q3"})
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, actor_id=alice.pk)
    assert event.detail["format"] == "print"


def test_the_printed_summary_of_another_oht_is_a_404(client_for, alice, figures):
    with time_machine.travel(NOON):
        response = client_for(alice).get(reverse("reporting:print"), {"scope": "OHT102"})
    assert response.status_code == 404


def test_an_oht_with_no_figures_at_all_still_opens(client_for, alice, oht_a):
    response = get(client_for(alice))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.current is None and board.trend == [] and board.charts == {}
    assert "No figures have been built for this quarter yet." in response.content.decode()


def test_no_attachments_means_never_at_this_pace(client_for, alice, oht_a):
    make_snapshot(oht_a, 2025, 3, as_of=DECEMBER, attached=0, returned=0, capacity_declared=0)
    response = get(client_for(alice))
    pace, capacity = response.context["board"].projection["scenarios"]
    assert pace.cohort.never and capacity.cohort.never
    table = response.content.decode().split('id="projection-table"')[1].split("</table>")[0]
    assert table.count("Never at this rate") == 4
