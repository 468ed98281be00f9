"""The API's conventions: hashed expiring tokens, scoping, paging, a clean schema."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from oht_portal.services import api_token_create

pytestmark = pytest.mark.django_db


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_care_connector_sees_exactly_their_aligned_ohts(carol, oht_b):
    _, token = api_token_create(user=carol, days=7)
    response = bearer(token).get("/api/v1/ohts/")
    assert response.status_code == 200
    assert [oht["code"] for oht in response.json()["results"]] == ["OHT101", "OHT103"]
    assert bearer(token).get(f"/api/v1/ohts/{oht_b.code}/").status_code == 404


def test_the_api_refuses_anonymous_callers(db):
    assert APIClient().get("/api/v1/ohts/").status_code == 401


def test_tokens_are_stored_hashed(carol):
    instance, token = api_token_create(user=carol, days=7)
    assert token not in instance.digest
    assert not AuthToken.objects.filter(digest=token).exists()


def test_an_expired_token_is_refused(carol):
    instance, token = api_token_create(user=carol, days=1)
    AuthToken.objects.filter(pk=instance.pk).update(expiry=instance.created - timedelta(days=1))
    assert bearer(token).get("/api/v1/ohts/").status_code == 401


def test_a_revoked_token_is_refused(client_for, carol):
    instance, token = api_token_create(user=carol, days=7)
    client_for(carol).post(reverse("api_token_revoke", args=[instance.token_key]))
    assert bearer(token).get("/api/v1/ohts/").status_code == 401


def test_a_token_lasts_at_most_ninety_days(carol):
    from oht_portal.services import ApplicationError

    with pytest.raises(ApplicationError):
        api_token_create(user=carol, days=365)


def test_the_token_page_shows_a_new_token_once(client_for, carol):
    client = client_for(carol)
    created = client.post(reverse("api_tokens"), {"days": 30})
    token = created.context["new_token"]
    assert token and token in created.content.decode()
    assert token not in client.get(reverse("api_tokens")).content.decode()
    assert bearer(token).get("/api/v1/ohts/").status_code == 200


def test_someone_cannot_revoke_another_persons_token(client_for, alice, carol):
    instance, token = api_token_create(user=carol, days=7)
    client_for(alice).post(reverse("api_token_revoke", args=[instance.token_key]))
    assert bearer(token).get("/api/v1/ohts/").status_code == 200


def test_paging_is_capped(settings):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from oht_portal.api.pagination import CappedLimitOffsetPagination

    request = Request(APIRequestFactory().get("/api/v1/ohts/", {"limit": 100000}))
    assert CappedLimitOffsetPagination().get_limit(request) == settings.API_MAX_PAGE_SIZE


def test_the_oht_list_is_paged(client_for, root, oht_a, oht_b):
    body = client_for(root).get("/api/v1/ohts/", {"limit": 1}).json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert "offset=1" in body["next"]


def test_the_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/ohts/" in (tmp_path / "s.yml").read_text()


def test_the_api_docs_are_served_without_a_cdn(client_for, alice):
    body = client_for(alice).get("/api/v1/docs/").content.decode()
    assert "swagger" in body.lower()
    assert "cdn" not in body.lower() and "unpkg" not in body.lower()
