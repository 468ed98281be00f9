"""Idempotency keys on every creating call: the same key and body again returns the
first result (200) and creates nothing; the same key with another body is a 422; a key
over 100 characters is a 400; a call still running holds its key (409); without a key
every call creates."""

import pytest
from rest_framework.exceptions import APIException

from attachment.models import OutreachAttempt, Referral, Verification
from clinicians.models import CapacityDeclaration
from interim_supports.models import SupportOffer
from oht_portal.api.idempotency import IdempotencyKeyInUse, create_once
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db

# Each creating call: url, body, another body, what it creates.
CREATING = {
    "outreach attempt": (
        "/api/v1/patients/{patient}/outreach-attempts/",
        {"channel": "phone", "status": "reached"},
        {"channel": "phone", "status": "voicemail"},
        OutreachAttempt,
    ),
    "verification": (
        "/api/v1/patients/{patient}/verifications/",
        {"result": "still_needs_care"},
        {"result": "moved"},
        Verification,
    ),
    "referral": (
        "/api/v1/referrals/",
        {"patient": "{patient}", "location": "{location}"},
        {"patient": "{patient2}", "location": "{location}"},
        Referral,
    ),
    "proposal confirmation": ("/api/v1/proposals/{proposal}/confirm/", {}, None, Referral),
    "support offer": (
        "/api/v1/support-offers/",
        {"patient": "{patient}", "supports": ["{support}"], "language": "en"},
        {"patient": "{patient}", "supports": ["{support}"], "language": "fr"},
        SupportOffer,
    ),
    "capacity declaration": (
        "/api/v1/locations/{location}/declarations/",
        {"accepting_status": "newpt", "new_patients": 4},
        {"accepting_status": "newpt", "new_patients": 5},
        CapacityDeclaration,
    ),
}


def _fill(value, world):
    names = {
        "patient": world.patient_a.pk,
        "patient2": world.patient_a2.pk,
        "location": world.location_a.pk,
        "proposal": world.proposal_a.pk,
        "support": world.support_a.pk,
    }
    if isinstance(value, str):
        for name, pk in names.items():
            if value == "{" + name + "}":
                return pk
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    return value


def spec(call: str, world) -> tuple:
    url, body, other, model = CREATING[call]
    return _fill(url, world), _fill(body, world), _fill(other, world), model


@pytest.mark.parametrize("call", CREATING)
def test_the_same_key_and_body_creates_once(alice, world, call):
    url, body, _other, model = spec(call, world)
    client = api_client(alice)
    before = model.objects.count()
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-me-1")
    second = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-me-1")
    assert (first.status_code, second.status_code) == (201, 200), second.content
    assert second.json() == first.json()
    assert model.objects.count() == before + 1


@pytest.mark.parametrize("call", [name for name, spec in CREATING.items() if spec[2] is not None])
def test_the_same_key_with_another_body_is_a_422(alice, world, call):
    url, body, other, model = spec(call, world)
    client = api_client(alice)
    assert client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    count = model.objects.count()
    reused = client.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert reused.status_code == 422, reused.content
    assert reused.json()["code"] == "idempotency_key_reused"
    assert model.objects.count() == count


@pytest.mark.parametrize("call", CREATING)
def test_a_key_over_100_characters_is_a_400(alice, world, call):
    url, body, _other, model = spec(call, world)
    before = model.objects.count()
    response = api_client(alice).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert model.objects.count() == before


@pytest.mark.parametrize("call", ["outreach attempt", "verification", "support offer"])
def test_without_a_key_each_call_creates(alice, world, call):
    url, body, _other, model = spec(call, world)
    client = api_client(alice)
    before = model.objects.count()
    assert client.post(url, body, format="json").status_code == 201
    assert client.post(url, body, format="json").status_code == 201
    assert model.objects.count() == before + 2


def test_keys_belong_to_their_person(alice, world, oht_a):
    """Another person's identical key and body is their own call, not a replay."""
    from oht_portal.models import Membership
    from tests.conftest import make_user

    other = make_user("olga@example.org")
    Membership.objects.create(user=other, oht=oht_a, role="care_connector")
    url = f"/api/v1/patients/{world.patient_a.pk}/verifications/"
    body = {"result": "still_needs_care"}
    mine = api_client(alice).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    theirs = api_client(other).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


class _Request:
    def __init__(self, user, key):
        self.user, self.headers = user, {"Idempotency-Key": key}


def test_a_call_still_running_holds_its_key(alice):
    """A retry that arrives while the first call runs gets 409, not a second creation."""
    request = _Request(alice, "slow")
    created = []

    def create():
        with pytest.raises(IdempotencyKeyInUse):
            create_once(request, scope="s", target=1, payload={}, create=create, replay=None)
        created.append(object())
        return type("Row", (), {"pk": 7})()

    row, fresh = create_once(request, scope="s", target=1, payload={}, create=create, replay=None)
    assert (row.pk, fresh, len(created)) == (7, True, 1)
    replayed, fresh = create_once(
        request, scope="s", target=1, payload={}, create=None, replay=lambda pk: pk
    )
    assert (replayed, fresh) == (7, False)


def test_a_failed_call_frees_its_key(alice):
    request = _Request(alice, "fails-once")

    def fail():
        raise APIException("boom")

    with pytest.raises(APIException):
        create_once(request, scope="s", target=1, payload={}, create=fail, replay=None)
    row, fresh = create_once(
        request,
        scope="s",
        target=1,
        payload={},
        create=lambda: type("Row", (), {"pk": 3})(),
        replay=None,
    )
    assert (row.pk, fresh) == (3, True)


def test_the_schema_documents_the_key_on_every_creating_call():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in [
        "/api/v1/patients/{id}/outreach-attempts/",
        "/api/v1/patients/{id}/verifications/",
        "/api/v1/referrals/",
        "/api/v1/proposals/{id}/confirm/",
        "/api/v1/support-offers/",
        "/api/v1/locations/{id}/declarations/",
    ]:
        operation = paths[path]["post"]
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}, path
        assert "422" in operation["responses"], path
