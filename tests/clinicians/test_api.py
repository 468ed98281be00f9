"""The directory API: scoped locations with their capacity and the directory's filters,
the capacity report, clinicians and teams, and the two capacity writes staff make."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from attachment.models import Referral
from clinicians.choices import AcceptingStatus, DeclarationChannel
from clinicians.models import CapacityDeclaration, PrimaryCareTeam
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from oht_portal.services import api_token_create
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db

LOCATIONS = "/api/v1/locations/"
REPORT = "/api/v1/locations/capacity-report/"


def api_client(user) -> APIClient:
    """A client that calls as `user` with a real knox token, as a care connector would."""
    _, token = api_token_create(user=user, days=7)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def declare(location, new_patients=5, status=AcceptingStatus.ACCEPTING, **extra):
    return capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=status, new_patients=new_patients, **extra),
        channel=DeclarationChannel.STAFF,
    )


def declare_long_ago(location, new_patients=5):
    """A declaration made long enough ago to be past its expiry today."""
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        return declare(location, new_patients)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def declarations_url(location) -> str:
    return f"{LOCATIONS}{location.pk}/declarations/"


def verify_url(location) -> str:
    return f"{LOCATIONS}{location.pk}/declarations/current/verify/"


@pytest.fixture
def loc_a(oht_a):
    return make_location(oht_a, make_clinician("10001", languages="en;fr"), fsa="M4C")


@pytest.fixture
def loc_b(oht_b):
    return make_location(oht_b, make_clinician("20001"))


@pytest.fixture
def loc_c(oht_c):
    return make_location(oht_c, make_clinician("30001"))


# --- Scoping ------------------------------------------------------------------------


def test_staff_of_another_oht_see_none_of_its_locations_and_get_404(bob, loc_a, loc_b):
    client = api_client(bob)
    assert ids(client.get(LOCATIONS)) == [loc_b.pk]
    assert client.get(f"{LOCATIONS}{loc_a.pk}/").status_code == 404
    assert client.get(f"/api/v1/clinicians/{loc_a.clinician_id}/").status_code == 404
    assert client.post(declarations_url(loc_a), {"accepting_status": "newpt"}).status_code == 404
    assert client.post(verify_url(loc_a)).status_code == 404


def test_a_care_connector_sees_the_locations_of_each_of_her_ohts(carol, loc_a, loc_b, loc_c):
    client = api_client(carol)
    assert sorted(ids(client.get(LOCATIONS))) == [loc_a.pk, loc_c.pk]
    detail = client.get(f"{LOCATIONS}{loc_a.pk}/").json()
    assert detail["oht"] == "OHT101"
    assert detail["clinician"]["registration_number"] == "10001"
    assert detail["languages"] == ["en", "fr"]
    assert detail["capacity"] is None


def test_the_directory_api_refuses_anonymous_callers(loc_a):
    client = APIClient()
    assert client.get(LOCATIONS).status_code == 401
    assert client.get("/api/v1/fhir/").status_code == 401
    assert client.post(declarations_url(loc_a), {}).status_code == 401


def test_the_location_list_runs_a_fixed_number_of_queries(
    carol, oht_a, django_assert_max_num_queries
):
    team = PrimaryCareTeam.objects.create(oht=oht_a, name="East FHT", team_type="FHT")
    for number in range(5):
        declare(make_location(oht_a, make_clinician(f"1100{number}"), team=team))
    client = api_client(carol)
    # The token with its user, the count, the page: not one query per row.
    with django_assert_max_num_queries(4):
        assert len(ids(client.get(LOCATIONS))) == 5


# --- Capacity writes ----------------------------------------------------------------


def test_a_read_only_role_gets_403_on_declaring_or_confirming(carol, loc_a):
    declare(loc_a)
    client = api_client(carol)
    body = {"accepting_status": "newpt", "new_patients": 9}
    assert client.post(declarations_url(loc_a), body, format="json").status_code == 403
    assert client.post(verify_url(loc_a)).status_code == 403
    assert CapacityDeclaration.objects.count() == 1


def test_staff_declare_capacity_and_remaining_reflects_it(alice, loc_a, oht_a):
    Referral.objects.create(patient=make_patient(oht_a, "HCC1000000001"), location=loc_a)
    body = {
        "accepting_status": "newpt",
        "new_patients": 6,
        "min_age": 0,
        "max_age": 17,
        "languages": ["fr"],
        "declared_by_name": "Clinic manager",
    }
    response = api_client(alice).post(declarations_url(loc_a), body, format="json")
    assert response.status_code == 201, response.content
    capacity = response.json()["capacity"]
    assert capacity["state"] == "open"
    assert (capacity["declared"], capacity["in_flight"], capacity["remaining"]) == (6, 1, 5)
    assert capacity["languages"] == ["fr"]
    assert (capacity["min_age"], capacity["max_age"], capacity["stale"]) == (0, 17, False)
    declaration = CapacityDeclaration.objects.get()
    assert declaration.channel == DeclarationChannel.STAFF
    assert declaration.declared_by == alice
    assert declaration.declared_by_name == "Clinic manager"
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_id=str(declaration.pk), actor_email=alice.email
    ).exists()


def test_a_pcn_lead_may_declare_capacity(peter, loc_a):
    body = {"accepting_status": "nopt", "new_patients": 0}
    response = api_client(peter).post(declarations_url(loc_a), body, format="json")
    assert response.status_code == 201
    assert response.json()["capacity"]["state"] == "full"


def test_an_invalid_declaration_is_a_400_naming_each_field(alice, loc_a):
    client = api_client(alice)
    places_when_closed = {"accepting_status": "nopt", "new_patients": 3}
    response = client.post(declarations_url(loc_a), places_when_closed, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["new_patients"]
    bad = {"accepting_status": "newpt", "new_patients": 3, "languages": ["zz"], "max_age": 200}
    errors = client.post(declarations_url(loc_a), bad, format="json").json()["fields"]
    assert set(errors) == {"max_age"}  # the type checks run first
    errors = client.post(
        declarations_url(loc_a), {**bad, "max_age": 10, "min_age": 12}, format="json"
    ).json()["fields"]
    assert set(errors) == {"languages", "max_age"}
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert not CapacityDeclaration.objects.exists()


def test_confirming_a_stale_declaration_makes_it_fresh_again(alice, loc_a):
    declare_long_ago(loc_a, new_patients=4)
    client = api_client(alice)
    assert client.get(f"{LOCATIONS}{loc_a.pk}/").json()["capacity"]["stale"] is True
    response = client.post(verify_url(loc_a))
    assert response.status_code == 200
    capacity = response.json()["capacity"]
    assert (capacity["stale"], capacity["state"], capacity["remaining"]) == (False, "open", 4)
    assert CapacityDeclaration.objects.count() == 1


def test_confirming_without_any_declaration_is_a_404(alice, loc_a):
    response = api_client(alice).post(verify_url(loc_a))
    assert response.status_code == 404
    assert "declared" in response.json()["message"]


# --- Filters and the capacity report -------------------------------------------------


@pytest.fixture
def directory(oht_a):
    """Four locations of OHT A: open in M4C in French (8 places), open in M4E (2),
    stale in M4C, never declared in M4E."""
    french = make_location(oht_a, make_clinician("40001", languages="fr"), fsa="M4C")
    small = make_location(oht_a, make_clinician("40002"), fsa="M4E")
    stale = make_location(oht_a, make_clinician("40003"), fsa="M4C")
    unknown = make_location(oht_a, make_clinician("40004"), fsa="M4E")
    declare(french, 8)
    declare(small, 2)
    declare_long_ago(stale, 20)
    return {"french": french, "small": small, "stale": stale, "unknown": unknown}


def test_the_api_filters_like_the_directory_page(alice, directory):
    client = api_client(alice)
    french, small, stale = directory["french"], directory["small"], directory["stale"]
    assert sorted(ids(client.get(LOCATIONS, {"fsa": "M4C"}))) == sorted([french.pk, stale.pk])
    assert ids(client.get(LOCATIONS, {"language": "fr"})) == [french.pk]
    assert ids(client.get(LOCATIONS, {"capacity": "open"})) == [french.pk, small.pk]
    assert ids(client.get(LOCATIONS, {"min_remaining": 3})) == [french.pk]
    assert ids(client.get(LOCATIONS, {"capacity": "stale"})) == [stale.pk]


def test_a_bad_filter_value_is_a_400(alice, directory):
    response = api_client(alice).get(LOCATIONS, {"capacity": "plenty"})
    assert response.status_code == 400
    assert "capacity" in response.json()["fields"]


def test_the_capacity_report_lists_open_locations_most_places_first(alice, bob, directory, loc_b):
    declare(loc_b, 50)
    client = api_client(alice)
    assert ids(client.get(REPORT)) == [directory["french"].pk, directory["small"].pk]
    # The report's own state and order win over the caller's.
    asked = client.get(REPORT, {"capacity": "stale", "ordering": "practice_name", "fsa": "M4E"})
    assert ids(asked) == [directory["small"].pk]
    assert ids(api_client(bob).get(REPORT)) == [loc_b.pk]


# --- Clinicians and teams -------------------------------------------------------------


def test_a_clinician_shows_only_the_callers_locations(carol, bob, oht_a, oht_b):
    clinician = make_clinician("50001")
    here = make_location(oht_a, clinician)
    elsewhere = make_location(oht_b, clinician)
    listing = api_client(carol).get("/api/v1/clinicians/").json()["results"]
    assert [(row["id"], row["locations"]) for row in listing] == [(clinician.pk, [here.pk])]
    detail = api_client(bob).get(f"/api/v1/clinicians/{clinician.pk}/").json()
    assert detail["locations"] == [elsewhere.pk]


def test_teams_are_scoped_to_the_callers_ohts(carol, bob, oht_a):
    team = PrimaryCareTeam.objects.create(oht=oht_a, name="East FHT", team_type="FHT")
    location = make_location(oht_a, make_clinician("60001"), team=team)
    listing = api_client(carol).get("/api/v1/teams/").json()["results"]
    assert [(row["name"], row["oht"], row["locations"]) for row in listing] == [
        ("East FHT", "OHT101", [location.pk])
    ]
    assert api_client(bob).get("/api/v1/teams/").json()["count"] == 0
    assert api_client(bob).get(f"/api/v1/teams/{team.pk}/").status_code == 404
    assert api_client(carol).get(f"{LOCATIONS}{location.pk}/").json()["team"] == {
        "id": team.pk,
        "name": "East FHT",
        "team_type": "FHT",
    }


# --- The schema ----------------------------------------------------------------------


def test_the_schema_documents_the_directory_endpoints_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in [
        "/api/v1/locations/:",
        "/api/v1/locations/capacity-report/:",
        "/api/v1/locations/{id}/declarations/:",
        "/api/v1/locations/{id}/declarations/current/verify/:",
        "/api/v1/clinicians/:",
        "/api/v1/teams/:",
        "/api/v1/fhir/:",
    ]:
        assert path in schema
    assert "CapacityDeclarationInput" in schema
