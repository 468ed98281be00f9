"""API access: scoped tokens (read-only refused on writes, session unaffected), expired
and revoked tokens refused, tokens made and revoked in the web UI by their owner and by
OHT administrators for their own OHTs' care connectors, with a history that outlives
knox's row and an audit row for every change."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from attachment.models import OutreachAttempt, Referral
from oht_portal.api.permissions import TokenScope
from oht_portal.choices import ApiTokenScope, ApiTokenStatus, AuditAction, Role
from oht_portal.models import ApiTokenGrant, AuditEvent, Membership
from oht_portal.services import ApplicationError, api_token_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def attempts_url(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/outreach-attempts/"


ATTEMPT = {"channel": "phone", "status": "reached"}


@pytest.fixture
def olga(oht_a):
    """The OHT administrator of OHT A."""
    user = make_user("olga@example.org", full_name="Olga Admin")
    Membership.objects.create(user=user, oht=oht_a, role=Role.OHT_ADMIN)
    return user


@pytest.fixture
def dave(oht_b):
    """A care connector of OHT B only."""
    user = make_user("dave@example.org", full_name="Dave Connector")
    Membership.objects.create(user=user, oht=oht_b, role=Role.CARE_CONNECTOR)
    return user


# --- Scopes -----------------------------------------------------------------------------


def test_a_read_only_token_reads_but_cannot_record_an_outreach_attempt(carol, patient_a):
    _, token = api_token_create(user=carol, days=7, scope=ApiTokenScope.READ_ONLY)
    client = bearer(token)
    assert client.get(attempts_url(patient_a)).status_code == 200
    refused = client.post(attempts_url(patient_a), ATTEMPT, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "read_only_token"
    assert "read-only" in refused.json()["message"]
    assert not OutreachAttempt.objects.exists()


def test_a_read_only_token_is_refused_where_a_view_sets_its_own_permissions(carol, patient_a):
    """The referral endpoints replace the default permission classes; the scope holds
    there too, because the token authentication enforces it."""
    _, token = api_token_create(user=carol, days=7, scope=ApiTokenScope.READ_ONLY)
    client = bearer(token)
    assert client.get("/api/v1/referrals/").status_code == 200
    refused = client.post(
        "/api/v1/referrals/", {"patient": patient_a.pk, "location": 1}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "read_only_token"
    assert not Referral.objects.exists()


def test_a_read_write_token_records_the_attempt(carol, patient_a):
    _, token = api_token_create(user=carol, days=7, scope=ApiTokenScope.READ_WRITE)
    response = bearer(token).post(attempts_url(patient_a), ATTEMPT, format="json")
    assert response.status_code == 201
    assert OutreachAttempt.objects.filter(patient=patient_a).count() == 1


def test_a_browser_session_is_not_limited_by_scopes(client_for, carol, patient_a):
    response = client_for(carol).post(
        attempts_url(patient_a), ATTEMPT, content_type="application/json"
    )
    assert response.status_code == 201


def test_a_token_without_a_grant_may_only_read(carol, patient_a):
    """A token made outside the portal's pages (knox's admin) has no scope: read-only."""
    _, token = AuthToken.objects.create(user=carol, expiry=timedelta(days=1))
    client = bearer(token)
    assert client.get(attempts_url(patient_a)).status_code == 200
    assert client.post(attempts_url(patient_a), ATTEMPT, format="json").status_code == 403


def test_the_scope_permission_is_a_default_of_every_api_view():
    assert (
        "oht_portal.api.permissions.TokenScope"
        in django_settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]
    )
    assert TokenScope in api_settings.DEFAULT_PERMISSION_CLASSES


# --- Expired and revoked tokens ---------------------------------------------------------


def test_an_expired_token_is_refused_and_its_history_says_expired(carol):
    instance, token = api_token_create(user=carol, days=1)
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(minutes=1))
    ApiTokenGrant.objects.filter(token=instance).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert bearer(token).get("/api/v1/ohts/").status_code == 401
    grant = ApiTokenGrant.objects.get(token_key=instance.token_key)
    # knox deleted its row on sight; the history stays, marked expired, not revoked.
    assert not AuthToken.objects.filter(pk=instance.pk).exists()
    assert grant.token_id is None
    assert grant.status == ApiTokenStatus.EXPIRED
    assert grant.revoked_at is None


def test_a_token_revoked_in_the_ui_is_refused_and_its_history_kept(client_for, carol):
    instance, token = api_token_create(user=carol, days=7, label="sync")
    assert bearer(token).get("/api/v1/ohts/").status_code == 200
    client_for(carol).post(reverse("api_token_revoke", args=[instance.token_key]))
    assert bearer(token).get("/api/v1/ohts/").status_code == 401
    grant = ApiTokenGrant.objects.get(token_key=instance.token_key)
    assert (grant.token_id, grant.revoked_by, grant.label) == (None, carol, "sync")
    assert grant.status == ApiTokenStatus.REVOKED
    revoked = AuditEvent.objects.get(action=AuditAction.DELETE, object_id=str(grant.pk))
    assert revoked.actor_id == carol.pk
    assert revoked.detail["token_key"] == instance.token_key


def test_a_token_deleted_outside_the_portal_is_recorded_as_revoked(carol):
    instance, _token = api_token_create(user=carol, days=7)
    instance.delete()  # e.g. from knox's admin
    grant = ApiTokenGrant.objects.get(token_key=instance.token_key)
    assert grant.status == ApiTokenStatus.REVOKED
    assert grant.revoked_at is not None


# --- The owner's token page -------------------------------------------------------------


def test_a_person_creates_a_labelled_read_only_token_and_sees_it_once(client_for, carol):
    client = client_for(carol)
    created = client.post(
        reverse("api_tokens"), {"label": "Nightly sync", "scope": "read_only", "days": 14}
    )
    token = created.context["new_token"]
    assert token and token in created.content.decode()
    grant = ApiTokenGrant.objects.get(user=carol)
    assert (grant.label, grant.scope, grant.created_by) == ("Nightly sync", "read_only", carol)
    assert abs(grant.expires_at - grant.created_at - timedelta(days=14)) < timedelta(seconds=5)
    assert token not in grant.token.digest
    page = client.get(reverse("api_tokens")).content.decode()
    assert token not in page
    assert "Nightly sync" in page and grant.token_key in page
    audit = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(grant.pk))
    assert audit.actor_id == carol.pk
    assert audit.detail == {
        "object": "api_token",
        "token_key": grant.token_key,
        "user_id": carol.pk,
        "scope": "read_only",
        "days": 14,
    }
    # Read-only by default, and it works.
    assert bearer(token).get("/api/v1/ohts/").status_code == 200


def test_a_token_cannot_outlive_the_maximum_the_settings_allow(client_for, carol, settings):
    settings.API_TOKEN_MAX_DAYS = 10
    response = client_for(carol).post(reverse("api_tokens"), {"scope": "read_only", "days": 11})
    assert response.context["new_token"] is None
    assert response.context["form"].errors["days"]
    assert not ApiTokenGrant.objects.exists()
    with pytest.raises(ApplicationError):
        api_token_create(user=carol, days=11)


def test_a_person_has_a_bounded_number_of_active_tokens(carol, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    api_token_create(user=carol, days=1)
    api_token_create(user=carol, days=1)
    with pytest.raises(ApplicationError):
        api_token_create(user=carol, days=1)


def test_the_page_lists_ended_tokens_apart(client_for, carol):
    live, _ = api_token_create(user=carol, days=7, label="live one")
    ended, _ = api_token_create(user=carol, days=7, label="ended one")
    client = client_for(carol)
    client.post(reverse("api_token_revoke", args=[ended.token_key]))
    response = client.get(reverse("api_tokens"))
    assert [grant.label for grant in response.context["tokens"]] == ["live one"]
    assert [grant.label for grant in response.context["history"]] == ["ended one"]


def test_someone_cannot_revoke_another_persons_token_from_their_page(client_for, alice, carol):
    instance, token = api_token_create(user=carol, days=7)
    client_for(alice).post(reverse("api_token_revoke", args=[instance.token_key]))
    assert bearer(token).get("/api/v1/ohts/").status_code == 200
    assert ApiTokenGrant.objects.get(token_key=instance.token_key).revoked_at is None


# --- OHT administrators and their care connectors ---------------------------------------


def test_an_oht_admin_sees_the_care_connectors_of_their_oht(client_for, olga, carol, alice, dave):
    response = client_for(olga).get(reverse("api_tokens"))
    assert list(response.context["connectors"]) == [carol]
    assert reverse("connector_api_tokens", args=[carol.pk]) in response.content.decode()


def test_an_oht_admin_creates_a_token_for_their_connector(client_for, olga, carol, oht_a):
    url = reverse("connector_api_tokens", args=[carol.pk])
    response = client_for(olga).post(
        url, {"label": "EMR bridge", "scope": "read_write", "days": 30}
    )
    token = response.context["new_token"]
    assert token
    grant = ApiTokenGrant.objects.get(user=carol)
    assert (grant.created_by, grant.oht, grant.scope) == (olga, oht_a, "read_write")
    # The token acts as the connector.
    assert bearer(token).get("/api/v1/ohts/").json()["count"] == 2
    audit = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(grant.pk))
    assert (audit.actor_id, audit.oht_code, audit.detail["user_id"]) == (
        olga.pk,
        "OHT101",
        carol.pk,
    )
    # The connector sees it on their own page, and who made it.
    own = client_for(carol).get(reverse("api_tokens"))
    assert [g.pk for g in own.context["tokens"]] == [grant.pk]


def test_an_oht_admin_revokes_a_token_of_their_connector(client_for, olga, carol):
    instance, token = api_token_create(user=carol, days=7)
    response = client_for(olga).post(
        reverse("connector_api_token_revoke", args=[carol.pk, instance.token_key])
    )
    assert response.status_code == 302
    assert bearer(token).get("/api/v1/ohts/").status_code == 401
    grant = ApiTokenGrant.objects.get(token_key=instance.token_key)
    assert grant.revoked_by == olga
    audit = AuditEvent.objects.get(action=AuditAction.DELETE, object_id=str(grant.pk))
    assert (audit.actor_id, audit.oht_code) == (olga.pk, "OHT101")


def test_an_oht_admin_gets_404_for_another_ohts_connector(client_for, olga, dave):
    instance, token = api_token_create(user=dave, days=7)
    client = client_for(olga)
    assert client.get(reverse("connector_api_tokens", args=[dave.pk])).status_code == 404
    assert (
        client.post(
            reverse("connector_api_tokens", args=[dave.pk]), {"scope": "read_only", "days": 5}
        ).status_code
        == 404
    )
    revoke = reverse("connector_api_token_revoke", args=[dave.pk, instance.token_key])
    assert client.post(revoke).status_code == 404
    assert bearer(token).get("/api/v1/ohts/").status_code == 200
    assert ApiTokenGrant.objects.filter(user=dave).count() == 1


def test_an_oht_admin_gets_404_for_someone_who_is_not_a_connector(client_for, olga, alice):
    client = client_for(olga)
    assert client.get(reverse("connector_api_tokens", args=[alice.pk])).status_code == 404
    response = client.post(
        reverse("connector_api_tokens", args=[alice.pk]), {"scope": "read_only", "days": 5}
    )
    assert response.status_code == 404
    assert not ApiTokenGrant.objects.filter(user=alice).exists()


def test_someone_who_is_not_an_oht_admin_cannot_manage_connectors(client_for, alice, carol):
    instance, token = api_token_create(user=carol, days=7)
    client = client_for(alice)
    assert client.get(reverse("connector_api_tokens", args=[carol.pk])).status_code == 404
    revoke = reverse("connector_api_token_revoke", args=[carol.pk, instance.token_key])
    assert client.post(revoke).status_code == 404
    assert bearer(token).get("/api/v1/ohts/").status_code == 200
