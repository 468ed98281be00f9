"""What a schema-driven fuzzer found, kept fixed: inputs that used to be 500s are 400s
or answers, and the schema describes the blank strings, nulls and times the API really
returns, so every answer conforms to it."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from attachment.models import OutreachAttempt
from clinicians.models import CapacityDeclaration
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db


def test_the_stale_filter_of_the_supports_answers(carol, world):
    for value in ("true", "false"):
        response = api_client(carol).get("/api/v1/interim-supports/", {"stale": value})
        assert response.status_code == 200, response.content


def test_an_absurd_waiting_time_is_a_400_not_a_500(carol, world):
    response = api_client(carol).get("/api/v1/patients/", {"min_months_waiting": 3.5e16})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["min_months_waiting"]


def test_an_attempt_dated_centuries_ago_is_refused(carol, world):
    before = OutreachAttempt.objects.count()
    response = api_client(carol).post(
        f"/api/v1/patients/{world.patient_a.pk}/outreach-attempts/",
        {"channel": "text", "status": "reached", "attempted_at": "0802-03-15T21:44:05Z"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["attempted_at"][0]["code"] == "min_value"
    assert OutreachAttempt.objects.count() == before


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def test_blank_strings_the_api_returns_are_allowed_by_the_schema(components):
    assert "format" not in components["OHT"]["properties"]["custodian_contact_email"]
    assert "format" not in components["PatientDetail"]["properties"]["email"]
    assert "format" not in components["Support"]["properties"]["url"]
    contact = components["PatientDetail"]["properties"]["preferred_contact"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in contact["oneOf"]


def test_times_of_day_and_open_ended_capacity_match_the_schema(components, alice, world):
    opens = components["SupportHours"]["properties"]["opens_at"]
    assert "format" not in opens and opens["pattern"]
    capacity = components["Capacity"]["properties"]
    assert all(capacity[name]["nullable"] for name in ("min_age", "max_age", "batch_size"))
    declaration = CapacityDeclaration.objects.filter(location=world.location_a).latest("pk")
    assert declaration.min_age is None
    body = api_client(alice).get(f"/api/v1/locations/{world.location_a.pk}/").json()
    assert body["capacity"]["min_age"] is None
