"""The quarterly metrics API: aggregates of the caller's OHTs only, small cells
suppressed, read-only."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from oht_portal.services import api_token_create
from tests.reporting.snapshots import FIGURES, make_snapshot

pytestmark = pytest.mark.django_db

URL = "/api/v1/quarterly-metrics/"


@pytest.fixture
def figures(oht_a, oht_b, oht_c):
    make_snapshot(oht_a, 2025, 2)
    q3 = make_snapshot(oht_a, 2025, 3, as_of=date(2025, 12, 15), figures=FIGURES)
    make_snapshot(oht_b, 2025, 3, waiting=5000)
    make_snapshot(oht_c, 2025, 3, waiting=100, returned=0, referred=3, declined=3)
    return q3


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_care_connector_sees_the_quarters_of_their_ohts_only(carol, figures):
    body = api(carol).get(URL).json()
    assert body["count"] == 3
    assert sorted((row["oht"], row["quarter"]) for row in body["results"]) == [
        ("OHT101", 2),
        ("OHT101", 3),
        ("OHT103", 3),
    ]


def test_another_ohts_quarter_is_a_404(alice, oht_b, figures):
    other = oht_b.quarter_snapshots.get()
    assert api(alice).get(f"{URL}{other.pk}/").status_code == 404


def test_the_list_filters_by_oht_year_and_quarter(carol, figures):
    client = api(carol)
    rows = client.get(URL, {"oht": "OHT103"}).json()["results"]
    assert [row["oht"] for row in rows] == ["OHT103"]
    rows = client.get(URL, {"fiscal_year": 2025, "quarter": 2}).json()["results"]
    assert [(row["oht"], row["quarter"]) for row in rows] == [("OHT101", 2)]
    # Another OHT's code filters down to nothing, it never widens the scope.
    assert client.get(URL, {"oht": "OHT102"}).json()["count"] == 0
    assert client.get(URL, {"quarter": 7}).status_code == 400


def test_small_counts_are_null_and_named(alice, figures):
    row = api(alice).get(URL, {"quarter": 3}).json()["results"][0]
    assert row["returned"] is None and row["net_attachment"] is None
    assert row["suppressed"] == ["net_attachment", "returned"]
    assert row["referred"] == 60 and row["waiting"] == 900
    assert row["small_cell_max"] == 5
    assert row["quarter_label"] == "2025-26 Q3"


def test_the_detail_has_suppressed_breakdowns(alice, figures):
    body = api(alice).get(f"{URL}{figures.pk}/").json()
    fsas = {row["key"]: row for row in body["breakdowns"]["fsa"]}
    assert fsas["M4C"]["figures"]["waiting"] == 700
    assert fsas["M4E"]["figures"]["waiting"] is None
    assert fsas["M4E"]["figures"]["wait_median_days"] is None
    assert fsas["M4E"]["figures"]["cohort_waiting"] == 0
    assert fsas["M4E"]["suppressed"] == ["wait_median_days", "waiting"]
    languages = {row["key"]: row for row in body["breakdowns"]["language"]}
    assert languages["fr"]["label"] == "French"
    assert languages["fr"]["figures"] == {"waiting": 48, "referred": None}


def test_declines_are_in_the_list_and_the_detail_by_reason(carol, figures):
    client = api(carol)
    rows = {row["oht"]: row for row in client.get(URL, {"quarter": 3}).json()["results"]}
    assert rows["OHT101"]["declined"] == 8 and "declined" not in rows["OHT101"]["suppressed"]
    # 3 declined is a small cell: null, and named.
    assert rows["OHT103"]["declined"] is None and "declined" in rows["OHT103"]["suppressed"]
    body = client.get(f"{URL}{figures.pk}/").json()
    assert body["declined"] == 8
    reasons = {row["key"]: row for row in body["breakdowns"]["decline_reason"]}
    assert reasons["complexity"] == {
        "key": "complexity",
        "label": "Too complex for the practice",
        "figures": {"declined": 6},
        "suppressed": [],
    }
    assert reasons["distance"]["figures"] == {"declined": None}
    assert reasons["distance"]["suppressed"] == ["declined"]
    assert reasons["no_capacity"]["figures"] == {"declined": 0}
    rollup = client.get(f"{URL}rollup/", {"fiscal_year": 2025, "quarter": 3}).json()
    assert rollup["declined"] == 8 + 3
    assert {row["key"] for row in rollup["breakdowns"]["decline_reason"]} == {
        "complexity",
        "distance",
        "no_capacity",
    }


def test_the_rollup_adds_up_only_the_callers_ohts(carol, root, figures):
    body = api(carol).get(f"{URL}rollup/", {"fiscal_year": 2025, "quarter": 3}).json()
    assert body["ohts"] == ["OHT101", "OHT103"]
    assert body["waiting"] == 900 + 100
    assert body["wait_median_days"] is None
    # 60 + 3 referred; 4 + 0 returned is hidden.
    assert body["referred"] == 63
    assert body["returned"] is None and "returned" in body["suppressed"]
    province = api(root).get(f"{URL}rollup/", {"fiscal_year": 2025, "quarter": 3}).json()
    assert province["waiting"] == 900 + 5000 + 100


def test_the_rollup_by_region(carol, figures):
    body = (
        api(carol)
        .get(f"{URL}rollup/", {"fiscal_year": 2025, "quarter": 3, "region": "North East"})
        .json()
    )
    assert body["ohts"] == ["OHT103"]


def test_the_rollup_needs_a_quarter_and_figures(carol, alice, figures):
    assert api(carol).get(f"{URL}rollup/").status_code == 400
    assert api(alice).get(f"{URL}rollup/", {"fiscal_year": 2024, "quarter": 1}).status_code == 404


def test_the_api_is_read_only(alice, figures):
    client = api(alice)
    assert client.post(URL, {"fiscal_year": 2025}).status_code == 405
    assert client.put(f"{URL}{figures.pk}/", {}).status_code == 405
    assert client.delete(f"{URL}{figures.pk}/").status_code == 405


def test_a_token_reads_the_metrics(carol, figures):
    _instance, token = api_token_create(user=carol, days=7)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(URL).status_code == 200
    assert client.post(URL, {}).status_code in {403, 405}


def test_anonymous_callers_are_refused(figures):
    assert APIClient().get(URL).status_code == 401


def test_reads_are_audited(alice, figures):
    api(alice).get(URL, {"quarter": 3})
    api(alice).get(f"{URL}{figures.pk}/")
    events = AuditEvent.objects.filter(actor_id=alice.pk).order_by("pk")
    assert [(e.action, e.detail["object"]) for e in events] == [
        (AuditAction.LIST, "quarterly_metrics"),
        (AuditAction.VIEW, "quarterly_metrics"),
    ]
    assert events[0].detail["filters"] == ["quarter"]
    assert events[1].oht_code == "OHT101"


def test_the_list_costs_a_few_queries(root, figures, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert api(root).get(URL).status_code == 200
