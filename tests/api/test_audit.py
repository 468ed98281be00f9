"""Audited like the pages: every patient record any endpoint returns — lists, details,
nested records, a replayed creation — writes its audit row, for that patient, that
caller and that endpoint; writes are audited by their services; a refused look at
another OHT's record is audited as denied."""

import pytest

from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db

READS = [
    "/api/v1/patients/",
    "/api/v1/patients/{patient_a}/",
    "/api/v1/patients/{patient_a}/outreach-attempts/",
    "/api/v1/patients/{patient_a}/verifications/",
    "/api/v1/patients/{patient_a}/local-contact/",
    "/api/v1/proposals/",
    "/api/v1/proposals/{proposal_a}/",
    "/api/v1/referrals/",
    "/api/v1/referrals/{referral_a}/",
    "/api/v1/support-offers/",
    "/api/v1/support-offers/{offer_a}/",
    "/api/v1/support-offers/?patient={patient_a}",
    "/api/v1/interim-supports/?patient={patient_a}",
]


def fill(template: str, world) -> str:
    return template.format(
        patient_a=world.patient_a.pk,
        referral_a=world.referral_a.pk,
        proposal_a=world.proposal_a.pk,
        offer_a=world.offer_a.pk,
    )


def patients_in(url: str, body: dict, world) -> set[int]:
    """The patients whose information the answer carries."""
    if "/interim-supports/" in url:
        return {world.patient_a.pk}  # ranked for that patient: their FSA and language
    rows = body["results"] if "count" in body else [body]
    if url == "/api/v1/patients/":
        return {row["id"] for row in rows}
    if url.startswith("/api/v1/patients/"):  # one patient's record, or its sub-lists
        return {world.patient_a.pk}
    return {row["patient"] for row in rows}


def rows_after(last: int, **filters):
    return AuditEvent.objects.filter(pk__gt=last, **filters)


def last_event() -> int:
    newest = AuditEvent.objects.order_by("-pk").first()
    return newest.pk if newest else 0


@pytest.mark.parametrize("template", READS)
def test_every_patient_returned_is_audited(carol, world, template):
    url = fill(template, world)
    client = api_client(carol)  # its token's creation is audited too: before the mark
    before = last_event()
    response = client.get(url)
    assert response.status_code == 200, response.content
    shown = patients_in(url, response.json(), world)
    assert shown
    audited = rows_after(before, actor_id=carol.pk, outcome=AuditOutcome.SUCCESS)
    assert {event.patient_id for event in audited} == shown
    assert {event.path for event in audited} == {url.split("?")[0]}
    assert {event.action for event in audited} <= {AuditAction.VIEW, AuditAction.LIST}
    assert all(event.detail.get("source", "api") == "api" for event in audited)


@pytest.mark.parametrize(
    "template",
    [
        "/api/v1/patients/{patient_b}/",
        "/api/v1/patients/{patient_b}/outreach-attempts/",
        "/api/v1/patients/{patient_b}/verifications/",
        "/api/v1/patients/{patient_b}/local-contact/",
        "/api/v1/proposals/{proposal_b}/",
        "/api/v1/referrals/{referral_b}/",
        "/api/v1/support-offers/{offer_b}/",
        "/api/v1/support-offers/?patient={patient_b}",
        "/api/v1/interim-supports/?patient={patient_b}",
    ],
)
def test_another_ohts_record_is_a_404_audited_as_denied(carol, world, template):
    url = template.format(
        patient_b=world.patient_b.pk,
        proposal_b=world.proposal_b.pk,
        referral_b=world.referral_b.pk,
        offer_b=world.offer_b.pk,
    )
    client = api_client(carol)
    before = last_event()
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    audited = rows_after(before, actor_id=carol.pk)
    assert audited.exists()
    assert all(event.outcome == AuditOutcome.DENIED for event in audited)


def test_writes_are_audited_by_their_services(carol, world):
    client = api_client(carol)
    patient = world.patient_a
    calls = [
        (
            "post",
            f"/api/v1/patients/{patient.pk}/outreach-attempts/",
            {"channel": "phone", "status": "reached"},
            AuditAction.CREATE,
        ),
        (
            "post",
            f"/api/v1/patients/{patient.pk}/verifications/",
            {"result": "still_needs_care"},
            AuditAction.CREATE,
        ),
        (
            "patch",
            f"/api/v1/patients/{patient.pk}/local-contact/",
            {"email": "chloe@example.org"},
            AuditAction.UPDATE,
        ),
        (
            "post",
            f"/api/v1/referrals/{world.referral_a.pk}/transition/",
            {"to": "accepted"},
            AuditAction.UPDATE,
        ),
        ("post", f"/api/v1/proposals/{world.proposal_a.pk}/confirm/", {}, AuditAction.CREATE),
        (
            "post",
            "/api/v1/support-offers/",
            {"patient": patient.pk, "supports": [world.support_a.pk], "language": "en"},
            AuditAction.CREATE,
        ),
    ]
    for method, url, body, action in calls:
        before = last_event()
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code in {200, 201}, (url, response.content)
        written = rows_after(before, actor_id=carol.pk, action=action)
        assert written.count() == 1, url
        assert written.get().patient_id in {patient.pk, world.patient_a2.pk}


@pytest.mark.parametrize(
    "call",
    ["referral", "attempt", "verification", "offer", "confirm"],
)
def test_a_replayed_creation_is_audited_as_a_read(carol, world, call):
    patient = world.patient_a
    url, body = {
        "referral": (
            "/api/v1/referrals/",
            {"patient": patient.pk, "location": world.location_a.pk},
        ),
        "attempt": (
            f"/api/v1/patients/{patient.pk}/outreach-attempts/",
            {"channel": "phone", "status": "reached"},
        ),
        "verification": (
            f"/api/v1/patients/{patient.pk}/verifications/",
            {"result": "moved"},
        ),
        "offer": (
            "/api/v1/support-offers/",
            {"patient": patient.pk, "supports": [world.support_a.pk], "language": "en"},
        ),
        "confirm": (f"/api/v1/proposals/{world.proposal_a.pk}/confirm/", {}),
    }[call]
    client = api_client(carol)
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201, first.content
    before = last_event()
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert again.status_code == 200
    assert again.json() == first.json()
    viewed = rows_after(before, actor_id=carol.pk)
    assert [(event.action, event.patient_id) for event in viewed] == [
        (AuditAction.VIEW, patient.pk)
    ]


def test_a_patient_list_audits_each_row_once(carol, world, django_assert_max_num_queries):
    client = api_client(carol)
    before = last_event()
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/patients/", {"ordering": "hcc_id"})
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [world.patient_a.pk, world.patient_a2.pk, world.patient_c.pk]
    listed = rows_after(before, action=AuditAction.LIST)
    assert sorted(event.patient_id for event in listed) == sorted(ids)
