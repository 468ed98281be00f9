"""API limits: throttling per token (429 with Retry-After), capped pages, and the
unusual-read alert raised once per token and hour for the privacy leads."""

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from attachment.models import Patient
from oht_portal.api.read_alerts import _incr
from oht_portal.choices import AlertResolution, ApiTokenScope, AuditAction, Role
from oht_portal.models import ApiReadAlert, ApiTokenGrant, AuditEvent, Membership
from oht_portal.services import api_token_create
from tests.conftest import make_patient, make_user

pytestmark = pytest.mark.django_db

PATIENTS = "/api/v1/patients/"


def token_client(user, scope=ApiTokenScope.READ_WRITE) -> tuple[APIClient, str]:
    instance, token = api_token_create(user=user, days=7, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client, instance.token_key


@pytest.fixture
def rates(settings):
    """Set the read and write rates for one test."""

    def set_rates(read: str | None, write: str | None):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"api_read": read, "api_write": write},
        }

    return set_rates


def waitlist(oht, count: int, start: int = 0) -> list[Patient]:
    return [make_patient(oht, f"HCC10000009{start + n:02d}") for n in range(count)]


# --- Throttling ---------------------------------------------------------------------------


def test_a_token_over_its_read_rate_gets_429_with_retry_after(rates, carol):
    rates("3/min", "100/min")
    client, _ = token_client(carol)
    assert [client.get("/api/v1/ohts/").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/ohts/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_the_rate_is_counted_per_token(rates, carol):
    rates("2/min", "100/min")
    first, _ = token_client(carol)
    second, _ = token_client(carol)
    for _ in range(2):
        first.get("/api/v1/ohts/")
    assert first.get("/api/v1/ohts/").status_code == 429
    assert second.get("/api/v1/ohts/").status_code == 200


def test_writes_have_their_own_rate(rates, carol, patient_a):
    rates("100/min", "1/min")
    client, _ = token_client(carol)
    url = f"{PATIENTS}{patient_a.pk}/outreach-attempts/"
    body = {"channel": "phone", "status": "no_answer"}
    assert client.post(url, body, format="json").status_code == 201
    refused = client.post(url, body, format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    # Reads are counted apart, so the token still reads.
    assert client.get(url).status_code == 200


def test_a_browser_session_is_throttled_per_person(rates, client_for, carol):
    rates("2/min", "100/min")
    client = client_for(carol)
    assert [client.get("/api/v1/ohts/").status_code for _ in range(3)] == [200, 200, 429]


def test_a_rate_set_to_off_does_not_throttle(rates, carol):
    rates(None, None)
    client, _ = token_client(carol)
    assert {client.get("/api/v1/ohts/").status_code for _ in range(30)} == {200}


def test_a_malformed_rate_is_refused_at_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from oht_portal.settings import _api_rate

    monkeypatch.setenv("DJANGO_API_RATE_READ", "lots")
    with pytest.raises(ImproperlyConfigured):
        _api_rate("DJANGO_API_RATE_READ", "600/min")
    monkeypatch.setenv("DJANGO_API_RATE_READ", "60/hour")
    assert _api_rate("DJANGO_API_RATE_READ", "600/min") == "60/hour"


# --- Page-size caps --------------------------------------------------------------------------


def test_a_page_never_holds_more_than_the_cap(settings, carol, oht_a):
    settings.API_MAX_PAGE_SIZE = 2
    waitlist(oht_a, 3)
    client, _ = token_client(carol)
    body = client.get(PATIENTS, {"limit": 1000}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert "limit=2" in body["next"]
    # Only the patients returned are audited.
    assert AuditEvent.objects.filter(action=AuditAction.LIST).count() == 2


def test_the_cap_applies_to_the_oht_list_too(settings, root, oht_a, oht_b, oht_c):
    settings.API_MAX_PAGE_SIZE = 1
    client, _ = token_client(root)
    body = client.get("/api/v1/ohts/", {"limit": 50}).json()
    assert (body["count"], len(body["results"])) == (3, 1)


# --- Unusual-read alert ----------------------------------------------------------------------


def test_no_alert_below_the_threshold(settings, carol, oht_a):
    settings.API_ALERT_PATIENTS_PER_HOUR = 5
    waitlist(oht_a, 4)
    client, _ = token_client(carol)
    assert len(client.get(PATIENTS).json()["results"]) == 4
    assert not ApiReadAlert.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ALERT).exists()


def test_one_alert_when_a_token_crosses_the_threshold(settings, carol, oht_a, caplog):
    settings.API_ALERT_PATIENTS_PER_HOUR = 5
    patients = waitlist(oht_a, 3)
    client, token_key = token_client(carol)
    client.get(PATIENTS)  # 3 records
    assert not ApiReadAlert.objects.exists()
    client.get(f"{PATIENTS}{patients[0].pk}/")  # 4
    assert not ApiReadAlert.objects.exists()
    with caplog.at_level(logging.WARNING, logger="oht_portal.api.alerts"):
        client.get(PATIENTS)  # 7: crosses 5
    alert = ApiReadAlert.objects.get()
    assert (alert.user, alert.token_key, alert.patients_read, alert.threshold) == (
        carol,
        token_key,
        7,
        5,
    )
    assert alert.window_start.minute == alert.window_start.second == 0
    assert alert.is_open
    event = AuditEvent.objects.get(action=AuditAction.ALERT)
    assert (event.actor_id, event.object_id, event.patient_id) == (carol.pk, str(alert.pk), None)
    assert event.detail["patients_read"] == 7
    # The log names ids and counts, never a patient.
    logged = caplog.text
    assert "Unusual API read volume" in logged and token_key in logged
    for patient in patients:
        assert patient.hcc_id not in logged and patient.family_name not in logged
    # More reads in the same hour raise nothing more.
    client.get(PATIENTS)
    client.get(PATIENTS)
    assert ApiReadAlert.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ALERT).count() == 1


def test_each_token_is_counted_apart(settings, carol, oht_a):
    settings.API_ALERT_PATIENTS_PER_HOUR = 5
    waitlist(oht_a, 3)
    first, first_key = token_client(carol)
    second, _ = token_client(carol)
    first.get(PATIENTS)
    second.get(PATIENTS)
    assert not ApiReadAlert.objects.exists()
    first.get(PATIENTS)
    assert list(ApiReadAlert.objects.values_list("token_key", flat=True)) == [first_key]


def test_session_reads_of_the_api_are_counted_per_person(settings, client_for, carol, oht_a):
    settings.API_ALERT_PATIENTS_PER_HOUR = 4
    waitlist(oht_a, 3)
    client = client_for(carol)
    client.get(PATIENTS)
    client.get(PATIENTS)
    alert = ApiReadAlert.objects.get()
    assert (alert.user, alert.token_key, alert.patients_read) == (carol, "", 6)


def test_pages_of_the_portal_do_not_count(settings, client_for, alice, oht_a):
    settings.API_ALERT_PATIENTS_PER_HOUR = 1
    waitlist(oht_a, 3)
    response = client_for(alice).get(reverse("attachment:patient_list"))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LIST).count() == 3
    assert not ApiReadAlert.objects.exists()


def test_writes_do_not_count_as_reads(settings, carol, patient_a):
    settings.API_ALERT_PATIENTS_PER_HOUR = 1
    client, _ = token_client(carol)
    url = f"{PATIENTS}{patient_a.pk}/verifications/"
    assert client.post(url, {"result": "declined"}, format="json").status_code == 201
    assert not ApiReadAlert.objects.exists()


def test_the_hourly_count_is_atomic_across_threads():
    key = "test-atomic-count"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: _incr(key, 1), range(200)))
    assert cache.get(key) == 200


# --- The privacy leads' view of alerts -------------------------------------------------------


@pytest.fixture
def alert_for_carol(settings, carol, oht_a):
    settings.API_ALERT_PATIENTS_PER_HOUR = 2
    waitlist(oht_a, 2)
    client, token_key = token_client(carol)
    client.get(PATIENTS)
    return ApiReadAlert.objects.get(token_key=token_key), client


def test_a_privacy_lead_sees_open_alerts_about_people_of_their_oht(
    client_for, paula, alert_for_carol
):
    alert, _ = alert_for_carol
    response = client_for(paula).get(reverse("audit_log"))
    assert list(response.context["alerts"]) == [alert]
    assert alert.token_key in response.content.decode()


def test_a_privacy_lead_revokes_the_token_from_the_alert(client_for, paula, alert_for_carol):
    alert, client = alert_for_carol
    response = client_for(paula).post(
        reverse("api_read_alert_close", args=[alert.pk]), {"action": "revoke"}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/ohts/").status_code == 401
    alert.refresh_from_db()
    assert (alert.resolution, alert.closed_by) == (AlertResolution.TOKEN_REVOKED, paula)
    grant = ApiTokenGrant.objects.get(token_key=alert.token_key)
    assert grant.revoked_by == paula
    assert AuditEvent.objects.filter(
        actor_id=paula.pk, action=AuditAction.DELETE, object_id=str(grant.pk), oht_code="OHT101"
    ).exists()
    assert AuditEvent.objects.filter(
        actor_id=paula.pk, action=AuditAction.UPDATE, object_id=str(alert.pk)
    ).exists()
    assert not client_for(paula).get(reverse("audit_log")).context["alerts"]


def test_a_privacy_lead_may_dismiss_an_alert_and_the_token_keeps_working(
    client_for, paula, alert_for_carol
):
    alert, client = alert_for_carol
    client_for(paula).post(reverse("api_read_alert_close", args=[alert.pk]), {"action": "dismiss"})
    alert.refresh_from_db()
    assert alert.resolution == AlertResolution.DISMISSED
    assert client.get("/api/v1/ohts/").status_code == 200


def test_another_ohts_privacy_lead_neither_sees_nor_closes_the_alert(
    client_for, oht_b, alert_for_carol
):
    alert, client = alert_for_carol
    quentin = make_user("quentin@example.org")
    Membership.objects.create(user=quentin, oht=oht_b, role=Role.PRIVACY_LEAD)
    other = client_for(quentin)
    assert not other.get(reverse("audit_log")).context["alerts"]
    closing = other.post(reverse("api_read_alert_close", args=[alert.pk]), {"action": "revoke"})
    assert closing.status_code == 404
    assert client.get("/api/v1/ohts/").status_code == 200
    alert.refresh_from_db()
    assert alert.is_open
