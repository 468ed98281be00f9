"""ETags and If-Match: every GET of a resource the API lets a caller change carries an
ETag; every write on it honours If-Match — a stale tag is a 412 in the error shape and
nothing is written, the current tag (or `*`) goes through, no If-Match goes through."""

from datetime import timedelta

import pytest
from django.utils import timezone

from attachment.choices import Source
from attachment.models import LocalContact, OutreachAttempt, Referral, Verification
from attachment.referrals import proposal_reject, referral_accept
from attachment.services import local_contact_update, outreach_attempt_record
from clinicians.choices import DeclarationChannel
from clinicians.models import CapacityDeclaration
from clinicians.services import capacity_verify
from oht_portal.api.etags import if_match_allows
from tests.api.conftest import api_client, declare

pytestmark = pytest.mark.django_db


def test_if_match_compares_strongly():
    assert if_match_allows('"abc"', '"abc"')
    assert if_match_allows('"x", "abc"', '"abc"')
    assert if_match_allows("*", '"abc"')
    assert not if_match_allows('W/"abc"', '"abc"')  # a weak tag never matches for a write
    assert not if_match_allows('"abd"', '"abc"')
    assert not if_match_allows("abc", '"abc"')  # malformed: unquoted


@pytest.mark.parametrize(
    "template",
    [
        "/api/v1/patients/{patient}/",
        "/api/v1/patients/{patient}/local-contact/",
        "/api/v1/proposals/{proposal}/",
        "/api/v1/referrals/{referral}/",
        "/api/v1/locations/{location}/",
    ],
)
def test_every_changeable_resource_answers_with_a_strong_etag(alice, world, template):
    url = template.format(
        patient=world.patient_a.pk,
        proposal=world.proposal_a.pk,
        referral=world.referral_a.pk,
        location=world.location_a.pk,
    )
    client = api_client(alice)
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200
    tag = first["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 10
    assert second["ETag"] == tag  # stable while nothing changes


def test_the_contact_corrections_share_the_patients_etag(carol, world):
    client = api_client(carol)
    patient_tag = client.get(f"/api/v1/patients/{world.patient_a.pk}/")["ETag"]
    contact_tag = client.get(f"/api/v1/patients/{world.patient_a.pk}/local-contact/")["ETag"]
    assert patient_tag == contact_tag


# Each write: where it goes, what it sends, where its tag is read, and a change made
# meanwhile by someone else (through the services, as a page would), after which the
# tag read before is stale.
def _attempt(world):
    outreach_attempt_record(
        patient=world.patient_a, channel="email", status="sent", actor=None, source=Source.PORTAL
    )


def _contact(world):
    local_contact_update(patient=world.patient_a, actor=None, phone="4165550000")


WRITES = {
    "outreach attempt": (
        "post",
        "/api/v1/patients/{patient}/outreach-attempts/",
        {"channel": "phone", "status": "reached"},
        "/api/v1/patients/{patient}/",
        _attempt,
    ),
    "verification": (
        "post",
        "/api/v1/patients/{patient}/verifications/",
        {"result": "still_needs_care"},
        "/api/v1/patients/{patient}/",
        _contact,
    ),
    "contact correction": (
        "patch",
        "/api/v1/patients/{patient}/local-contact/",
        {"email": "chloe@example.org"},
        "/api/v1/patients/{patient}/local-contact/",
        _contact,
    ),
    "confirm": (
        "post",
        "/api/v1/proposals/{proposal}/confirm/",
        {},
        "/api/v1/proposals/{proposal}/",
        lambda world: proposal_reject(proposal=world.proposal_a),
    ),
    "reject": (
        "post",
        "/api/v1/proposals/{proposal}/reject/",
        {"note": "moved away"},
        "/api/v1/proposals/{proposal}/",
        lambda world: proposal_reject(proposal=world.proposal_a),
    ),
    "transition": (
        "post",
        "/api/v1/referrals/{referral}/transition/",
        {"to": "closed", "reason": "unreachable"},
        "/api/v1/referrals/{referral}/",
        lambda world: referral_accept(referral=world.referral_a),
    ),
    "declaration": (
        "post",
        "/api/v1/locations/{location}/declarations/",
        {"accepting_status": "newpt", "new_patients": 9},
        "/api/v1/locations/{location}/",
        lambda world: declare(world.location_a, 3),
    ),
    "confirm capacity": (
        "post",
        "/api/v1/locations/{location}/declarations/current/verify/",
        {},
        "/api/v1/locations/{location}/",
        lambda world: capacity_verify(
            declaration=CapacityDeclaration.objects.filter(location=world.location_a).latest("pk"),
            channel=DeclarationChannel.STAFF,
        ),
    ),
}


def _fill(template: str, world) -> str:
    return template.format(
        patient=world.patient_a.pk,
        proposal=world.proposal_a.pk,
        referral=world.referral_a.pk,
        location=world.location_a.pk,
    )


def _footprint(world) -> tuple:
    """Everything the writes above could change."""
    world.proposal_a.refresh_from_db()
    local = LocalContact.objects.filter(patient=world.patient_a).first()
    return (
        OutreachAttempt.objects.count(),
        Verification.objects.count(),
        local.email if local else None,
        world.proposal_a.status,
        Referral.objects.count(),
        Referral.objects.get(pk=world.referral_a.pk).status,
        CapacityDeclaration.objects.count(),
        CapacityDeclaration.objects.filter(location=world.location_a).latest("pk").verified_at,
    )


@pytest.mark.parametrize("write", WRITES)
def test_a_stale_etag_is_a_412_and_nothing_is_written(alice, world, write):
    method, url, body, tag_url, change = WRITES[write]
    client = api_client(alice)
    stale = client.get(_fill(tag_url, world))["ETag"]
    change(world)
    before = _footprint(world)
    response = getattr(client, method)(_fill(url, world), body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412, response.content
    assert response.json() == {
        "code": "precondition_failed",
        "message": response.json()["message"],
        "fields": {},
    }
    assert _footprint(world) == before


@pytest.mark.parametrize("write", WRITES)
def test_the_current_etag_lets_the_write_through(alice, world, write):
    method, url, body, tag_url, _change = WRITES[write]
    client = api_client(alice)
    current = client.get(_fill(tag_url, world))["ETag"]
    before = _footprint(world)
    response = getattr(client, method)(
        _fill(url, world), body, format="json", HTTP_IF_MATCH=current
    )
    assert response.status_code in {200, 201}, response.content
    assert _footprint(world) != before
    fresh = client.get(_fill(tag_url, world))["ETag"]
    assert fresh != current  # the write made a new version
    if "ETag" in response:  # an answer that is the resource itself carries its new tag
        assert response["ETag"] == fresh


@pytest.mark.parametrize("write", WRITES)
def test_without_if_match_the_write_goes_through(alice, world, write):
    method, url, body, _tag_url, change = WRITES[write]
    if write not in {"confirm", "reject"}:  # those two could not be decided twice
        change(world)
    before = _footprint(world)
    response = getattr(api_client(alice), method)(_fill(url, world), body, format="json")
    assert response.status_code in {200, 201}, response.content
    assert _footprint(world) != before


def test_a_star_matches_any_current_version(carol, world):
    referral_accept(referral=world.referral_a)
    response = api_client(carol).post(
        f"/api/v1/referrals/{world.referral_a.pk}/transition/",
        {"to": "closed", "reason": "unreachable"},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 200


def test_the_precondition_is_checked_before_the_lifecycle_rule(carol, world):
    """A stale tag on an already decided proposal says 412 (re-read), not 409."""
    client = api_client(carol)
    stale = client.get(f"/api/v1/proposals/{world.proposal_a.pk}/")["ETag"]
    proposal_reject(proposal=world.proposal_a)
    stale_answer = client.post(
        f"/api/v1/proposals/{world.proposal_a.pk}/confirm/", HTTP_IF_MATCH=stale
    )
    fresh = client.get(f"/api/v1/proposals/{world.proposal_a.pk}/")["ETag"]
    fresh_answer = client.post(
        f"/api/v1/proposals/{world.proposal_a.pk}/confirm/", HTTP_IF_MATCH=fresh
    )
    assert (stale_answer.status_code, fresh_answer.status_code) == (412, 409)
    assert fresh_answer.json()["code"] == "illegal_transition"


def test_a_refused_write_keeps_the_etag(carol, world):
    """A write that a rule refused changed nothing: the tag read before still holds."""
    client = api_client(carol)
    url = f"/api/v1/patients/{world.patient_a.pk}/"
    tag = client.get(url)["ETag"]
    future = (timezone.now() + timedelta(days=1)).isoformat()
    refused = client.post(
        f"{url}outreach-attempts/",
        {"channel": "phone", "status": "reached", "attempted_at": future},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert refused.status_code == 400
    assert client.get(url)["ETag"] == tag


def test_the_schema_documents_etags_and_if_match():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path, method in [
        ("/api/v1/patients/{id}/outreach-attempts/", "post"),
        ("/api/v1/patients/{id}/verifications/", "post"),
        ("/api/v1/patients/{id}/local-contact/", "patch"),
        ("/api/v1/proposals/{id}/confirm/", "post"),
        ("/api/v1/proposals/{id}/reject/", "post"),
        ("/api/v1/referrals/{id}/transition/", "post"),
        ("/api/v1/locations/{id}/declarations/", "post"),
        ("/api/v1/locations/{id}/declarations/current/verify/", "post"),
    ]:
        operation = paths[path][method]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert "If-Match" in names, path
        assert "412" in operation["responses"], path
    for path in [
        "/api/v1/patients/{id}/",
        "/api/v1/proposals/{id}/",
        "/api/v1/referrals/{id}/",
        "/api/v1/locations/{id}/",
    ]:
        assert "ETag" in paths[path]["get"]["responses"]["200"]["headers"], path
    assert "If-Match" not in str(paths["/api/v1/patients/{id}/outreach-attempts/"]["get"])
