"""The FHIR R4 provider directory: valid resources (checked with fhir.resources' R4B
models), the Plan Net `newpatients` extension's shape, references that resolve within
the bundle, no capacity claimed from stale or missing declarations, and scoping."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from rest_framework.test import APIClient

from attachment.models import Referral
from clinicians.choices import AcceptingStatus, DeclarationChannel
from clinicians.fhir import (
    ACCEPTING_PATIENTS_SYSTEM,
    LICENCE_SYSTEMS,
    NEWPATIENTS_URL,
    REMAINING_CAPACITY_URL,
    directory_bundle,
)
from clinicians.models import PrimaryCareTeam
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.models import OHT
from oht_portal.services import api_token_create
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db


def declare(location, new_patients=5, status=AcceptingStatus.ACCEPTING, **extra):
    return capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=status, new_patients=new_patients, **extra),
        channel=DeclarationChannel.STAFF,
    )


def api_client(user) -> APIClient:
    _, token = api_token_create(user=user, days=7)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def resources(bundle: dict) -> dict[str, dict]:
    """Every resource of the bundle by its relative reference, `Type/id`."""
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}": e["resource"]
        for e in bundle.get("entry", [])
    }


def references(node) -> list[str]:
    """Every `reference` anywhere under `node`."""
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    return []


def extension(resource: dict, url: str) -> dict | None:
    return next((e for e in resource.get("extension", []) if e["url"] == url), None)


@pytest.fixture
def directory(oht_a, oht_b):
    """OHT A: an FP in a team, open with constraints and one referral in flight; an NP
    not accepting; a stale declaration; a location never declared. OHT B: one location."""
    team = PrimaryCareTeam.objects.create(
        oht=oht_a, name="East FHT", team_type="FHT", phone="4165550100"
    )
    open_ = make_location(
        oht_a,
        make_clinician("10001", languages="en;fr", paediatrics=True),
        team=team,
        phone="4165550101",
    )
    declare(open_, 6, min_age=0, max_age=17, languages="fr", batch_size=3)
    Referral.objects.create(patient=make_patient(oht_a, "HCC1000000001"), location=open_)
    closed = make_location(
        oht_a, make_clinician("20001", registration_body="CNO", clinician_type="NP")
    )
    declare(closed, 0, AcceptingStatus.NOT_ACCEPTING, min_age=18, languages="en")
    stale = make_location(oht_a, make_clinician("30001"))
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        declare(stale, 10)
    never = make_location(oht_a, make_clinician("40001"))
    other = make_location(oht_b, make_clinician("50001"))
    declare(other, 3)
    return {
        "team": team,
        "open": open_,
        "closed": closed,
        "stale": stale,
        "never": never,
        "other": other,
    }


@pytest.fixture
def bundle(directory, oht_a):
    return directory_bundle(ohts=OHT.objects.filter(pk=oht_a.pk))


def role(bundle, location) -> dict:
    return resources(bundle)[f"PractitionerRole/{location.pk}"]


def test_the_bundle_and_every_resource_validate_as_fhir_r4(bundle):
    Bundle.model_validate(bundle)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    assert bundle["type"] == "collection"
    assert sorted(set(kinds)) == ["Location", "Organization", "Practitioner", "PractitionerRole"]
    assert (kinds.count("Location"), kinds.count("PractitionerRole")) == (4, 4)
    assert kinds.count("Organization") == 2  # the OHT and its team


def test_every_reference_resolves_within_the_bundle(bundle):
    present = resources(bundle)
    found = references(bundle)
    assert len(found) > 10
    assert set(found) <= set(present)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"].endswith(f"/{resource['resourceType']}/{resource['id']}")


def test_an_open_declaration_carries_newpatients_with_its_constraints(bundle, directory):
    resource = role(bundle, directory["open"])
    newpatients = extension(resource, NEWPATIENTS_URL)
    parts = {part["url"]: part for part in newpatients["extension"]}
    assert set(parts) == {"acceptingPatients", "characteristics"}
    coding = parts["acceptingPatients"]["valueCodeableConcept"]["coding"]
    assert coding == [
        {"system": ACCEPTING_PATIENTS_SYSTEM, "code": "newpt", "display": "Accepting"}
    ]
    assert "0" in parts["characteristics"]["valueString"]
    assert "fr" in parts["characteristics"]["valueString"]
    # 6 declared, 1 referral in flight.
    assert extension(resource, REMAINING_CAPACITY_URL) == {
        "url": REMAINING_CAPACITY_URL,
        "valueInteger": 5,
    }


def test_not_accepting_has_no_characteristics_and_no_places(bundle, directory):
    resource = role(bundle, directory["closed"])
    newpatients = extension(resource, NEWPATIENTS_URL)
    assert [part["url"] for part in newpatients["extension"]] == ["acceptingPatients"]
    code = newpatients["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]
    assert code == "nopt"
    assert extension(resource, REMAINING_CAPACITY_URL)["valueInteger"] == 0


def test_stale_or_undeclared_capacity_carries_no_extension(bundle, directory):
    for name in ("stale", "never"):
        resource = role(bundle, directory[name])
        assert "extension" not in resource
        assert resource["active"] is True


def test_practitioners_locations_and_organizations_carry_the_directory(bundle, directory):
    present = resources(bundle)
    fp = present[f"Practitioner/{directory['open'].clinician_id}"]
    assert fp["identifier"][0]["system"] == LICENCE_SYSTEMS["CPSO"]
    assert fp["identifier"][0]["value"] == "10001"
    assert fp["qualification"][0]["code"]["coding"][0]["code"] == "FP"
    assert [c["coding"][0] for c in fp["communication"]] == [
        {"system": "urn:ietf:bcp:47", "code": "en"},
        {"system": "urn:ietf:bcp:47", "code": "fr"},
    ]
    np = present[f"Practitioner/{directory['closed'].clinician_id}"]
    assert np["identifier"][0]["system"] == LICENCE_SYSTEMS["CNO"]
    assert np["qualification"][0]["code"]["coding"][0]["code"] == "NP"

    location = present[f"Location/{directory['open'].pk}"]
    assert location["address"] == {
        "use": "work",
        "type": "physical",
        "line": ["1 Main St"],
        "city": "Toronto",
        "state": "ON",
        "postalCode": "M4C 1A1",
        "country": "CA",
    }
    assert location["telecom"] == [{"system": "phone", "value": "4165550101", "use": "work"}]

    team = f"Organization/team-{directory['team'].pk}"
    assert present[team]["partOf"] == {"reference": "Organization/oht-OHT101"}
    assert role(bundle, directory["open"])["organization"] == {"reference": team}
    assert role(bundle, directory["closed"])["organization"] == {
        "reference": "Organization/oht-OHT101"
    }
    specialties = [s["coding"][0]["code"] for s in role(bundle, directory["open"])["specialty"]]
    assert specialties == ["419772000", "394537008"]  # family practice, paediatrics


def test_the_fhir_endpoint_answers_fhir_json_for_the_callers_ohts(carol, bob, directory):
    response = api_client(carol).get("/api/v1/fhir/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    Bundle.model_validate(response.json())
    assert f"Location/{directory['open'].pk}" in resources(response.json())

    outsider = api_client(bob).get("/api/v1/fhir/").json()
    present = resources(outsider)
    assert set(present) >= {f"Location/{directory['other'].pk}", "Organization/oht-OHT102"}
    assert not any("OHT101" in ref for ref in present)
    assert f"Location/{directory['open'].pk}" not in present
    assert f"Practitioner/{directory['open'].clinician_id}" not in present


def test_the_fhir_endpoint_limits_to_one_of_the_callers_ohts(carol, oht_c, directory):
    client = api_client(carol)
    only_c = resources(client.get("/api/v1/fhir/", {"oht": "OHT103"}).json())
    assert set(only_c) == {"Organization/oht-OHT103"}
    assert client.get("/api/v1/fhir/", {"oht": "OHT102"}).status_code == 404


def test_the_export_command_writes_the_same_valid_bundle(tmp_path, directory, oht_a):
    target = tmp_path / "directory.json"
    call_command("export_fhir_directory", "--oht", "OHT101", "--output", str(target))
    written = json.loads(target.read_text(encoding="utf-8"))
    Bundle.model_validate(written)
    expected = directory_bundle(ohts=OHT.objects.filter(pk=oht_a.pk))
    assert resources(written) == resources(expected)
    assert f"Location/{directory['other'].pk}" not in resources(written)


def test_the_export_command_refuses_an_unknown_oht(db):
    with pytest.raises(CommandError):
        call_command("export_fhir_directory", "--oht", "OHT999")
