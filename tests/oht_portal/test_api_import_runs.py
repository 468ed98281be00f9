"""Import runs through the API: status only (kind, status, dates, counts — never the
file's name, content, rows or issues), scoped to the caller's OHTs (anyone with a role
there, so a care connector sees when the waitlist was last refreshed), every run for a
site admin."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from oht_portal.models import ImportRun
from oht_portal.services import api_token_create

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/import-runs/"
FIELDS = {
    "id",
    "kind",
    "status",
    "trigger",
    "extract_date",
    "queued_at",
    "started_at",
    "finished_at",
    "rows_read",
    "rows_created",
    "rows_updated",
    "rows_unchanged",
    "rows_rejected",
    "warnings_count",
    "ohts",
}


def api_client(user) -> APIClient:
    _, token = api_token_create(user=user, days=7)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def make_run(ohts, *, kind="hcc_waitlist", status="succeeded", **fields) -> ImportRun:
    values = {
        "file_name": "hcc_waitlist_Tremblay_Chloe.csv",
        "sha256": "a" * 64,
        "raw_file": "/var/extracts/kept.csv",
        "trigger": ImportRun.Trigger.COMMAND,
        "extract_date": date(2025, 9, 30),
        "rows_read": 10,
        "rows_created": 7,
        "rows_updated": 1,
        "rows_unchanged": 1,
        "rows_rejected": 1,
        "error": "line 4: HCC1000000001 Tremblay has no date of birth",
        "detail": {"columns": ["hcc_id", "family_name"]},
    }
    values.update(fields)
    run = ImportRun.objects.create(kind=kind, status=status, **values)
    run.ohts.set(ohts)
    return run


@pytest.fixture
def runs(oht_a, oht_b, oht_c):
    return {
        "a_and_b": make_run([oht_a, oht_b]),
        "b": make_run([oht_b], kind="clinician_contacts", status="failed"),
        "c": make_run([oht_c], status="refused"),
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_care_connector_sees_the_runs_of_her_ohts_status_only(carol, runs):
    response = api_client(carol).get(RUNS)
    assert sorted(ids(response)) == sorted([runs["a_and_b"].pk, runs["c"].pk])
    for row in response.json()["results"]:
        assert set(row) == FIELDS
    body = response.content.decode()
    for secret in ("Tremblay", "kept.csv", "a" * 64, "family_name", "HCC1000000001"):
        assert secret not in body


def test_only_the_callers_ohts_are_named(carol, runs):
    row = api_client(carol).get(f"{RUNS}{runs['a_and_b'].pk}/").json()
    assert row["ohts"] == ["OHT101"]
    assert (row["rows_read"], row["rows_created"], row["rows_rejected"]) == (10, 7, 1)
    assert (row["kind"], row["status"], row["extract_date"]) == (
        "hcc_waitlist",
        "succeeded",
        "2025-09-30",
    )


def test_another_ohts_run_is_a_404(carol, runs):
    response = api_client(carol).get(f"{RUNS}{runs['b'].pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_every_role_of_the_oht_sees_its_runs(peter, paula, runs):
    for user in (peter, paula):
        assert ids(api_client(user).get(RUNS)) == [runs["a_and_b"].pk]


def test_a_site_admin_sees_every_run_and_every_oht(root, runs):
    client = api_client(root)
    assert sorted(ids(client.get(RUNS))) == sorted(run.pk for run in runs.values())
    assert client.get(f"{RUNS}{runs['a_and_b'].pk}/").json()["ohts"] == ["OHT101", "OHT102"]


def test_a_run_someone_started_is_theirs_even_without_an_oht(alice, runs):
    mine = make_run([], started_by=alice, kind="oht_registry")
    assert sorted(ids(api_client(alice).get(RUNS))) == sorted([runs["a_and_b"].pk, mine.pk])


def test_runs_filter_and_sort(root, runs):
    client = api_client(root)
    assert ids(client.get(RUNS, {"kind": "clinician_contacts"})) == [runs["b"].pk]
    assert ids(client.get(RUNS, {"status": "refused"})) == [runs["c"].pk]
    assert sorted(ids(client.get(RUNS, {"oht": "oht102"}))) == sorted(
        [runs["a_and_b"].pk, runs["b"].pk]
    )
    ascending = ids(client.get(RUNS, {"ordering": "id"}))
    assert ascending == sorted(ascending) and len(ascending) == 3
    assert client.get(RUNS, {"status": "exploded"}).status_code == 400


def test_runs_are_read_only_and_refuse_anonymous_callers(root, runs):
    client = api_client(root)
    run = runs["c"]
    assert client.post(RUNS, {"kind": "x"}, format="json").status_code == 405
    assert (
        client.patch(f"{RUNS}{run.pk}/", {"status": "succeeded"}, format="json").status_code == 405
    )
    run.refresh_from_db()
    assert run.status == "refused"
    assert APIClient().get(RUNS).status_code == 401
