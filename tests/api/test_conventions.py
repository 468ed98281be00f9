"""One style across the API, checked on the schema and on live answers: plural
kebab-case resources, snake_case fields, the capped limit/offset paging and an
`ordering` allowlist on every list, ISO 8601 dates and datetimes with a UTC offset, a
401 for anonymous callers on every operation, and a 404 for another OHT's record."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db

KEBAB = re.compile(r"^[a-z]+(-[a-z]+)*$")
SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)*$")
# Lists that are not pages of rows: a FHIR Bundle, and the capacity report whose order
# is its point (most places first). The quarterly metrics (aggregates, issue 9) keep
# their own conventions and tests.
NOT_PAGED = {"/api/v1/fhir/"}
FIXED_ORDER = {"/api/v1/locations/capacity-report/"}
AGGREGATES = "/api/v1/quarterly-metrics/"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def list_operations(schema):
    """Every GET that answers a collection: a path that does not end in an id, or a
    sub-list of a record (its attempts, its verifications)."""
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None or path in NOT_PAGED or path.startswith(AGGREGATES):
            continue
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if last.startswith("{") or last == "local-contact":
            continue
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        yield path, operation, names


def test_resources_are_plural_kebab_case(schema):
    for path in schema["paths"]:
        segments = [s for s in path.removeprefix("/api/v1/").split("/") if s]
        assert segments[0].endswith("s") or segments[0] == "fhir", path
        for segment in segments:
            assert segment.startswith("{") or KEBAB.match(segment), path


def test_fields_and_parameters_are_snake_case(schema):
    for name, component in schema["components"]["schemas"].items():
        for field in component.get("properties", {}):
            assert SNAKE.match(field), (name, field)
    for path, item in schema["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    assert SNAKE.match(parameter["name"]), (path, parameter["name"])


def test_every_list_is_paged_and_has_an_ordering_allowlist(schema):
    lists = list(list_operations(schema))
    assert len(lists) >= 12
    for path, operation, names in lists:
        assert {"limit", "offset"} <= names, path
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        component = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
        assert {"count", "next", "previous", "results"} <= set(component["properties"]), path
        if path in FIXED_ORDER:
            continue
        (ordering,) = [p for p in operation["parameters"] if p["name"] == "ordering"]
        allowed = ordering["schema"].get("enum") or ordering["schema"]["items"]["enum"]
        assert allowed, path


def test_every_list_caps_its_page(settings, root, world):
    settings.API_MAX_PAGE_SIZE = 1
    client = api_client(root)
    attempts = f"/api/v1/patients/{world.patient_a.pk}/outreach-attempts/"
    client.post(attempts, {"channel": "phone", "status": "reached"}, format="json")
    for path in [
        "/api/v1/ohts/",
        "/api/v1/patients/",
        "/api/v1/proposals/",
        "/api/v1/referrals/",
        "/api/v1/locations/",
        "/api/v1/locations/capacity-report/",
        "/api/v1/clinicians/",
        "/api/v1/interim-supports/",
        "/api/v1/support-offers/",
        attempts,
    ]:
        body = client.get(path, {"limit": 1000}).json()
        assert len(body["results"]) == 1, path
        assert body["count"] >= 2 and "limit=1" in body["next"], path


DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
LOOKS_LIKE_A_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def test_dates_and_datetimes_are_iso_8601_with_an_offset(alice, world):
    client = api_client(alice)
    client.post(
        f"/api/v1/referrals/{world.referral_a.pk}/transition/", {"to": "accepted"}, format="json"
    )
    moments = dates = 0
    for path in [
        f"/api/v1/patients/{world.patient_a.pk}/",
        "/api/v1/referrals/",
        "/api/v1/proposals/",
        "/api/v1/support-offers/",
        f"/api/v1/locations/{world.location_a.pk}/",
        f"/api/v1/patients/{world.patient_a.pk}/verifications/",
    ]:
        for text in strings(client.get(path).json()):
            if LOOKS_LIKE_A_MOMENT.match(text):
                assert DATETIME.match(text), (path, text)
                moments += 1
            elif DATE.match(text):
                dates += 1
    assert moments > 5 and dates >= 3


def _sample(path: str, world) -> str:
    return (
        path.replace("{id}", str(world.patient_a.pk))
        .replace("{code}", "OHT101")
        .replace("{", "")
        .replace("}", "")
    )


def test_anonymous_callers_get_401_on_every_operation(schema, world):
    client = APIClient()
    seen = 0
    for path, item in schema["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method not in item:
                continue
            response = getattr(client, method)(_sample(path, world), {}, format="json")
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.json()["code"] == "not_authenticated", (method, path)
            seen += 1
    assert seen >= 35


@pytest.mark.parametrize(
    "template",
    [
        "/api/v1/ohts/OHT101/",
        "/api/v1/locations/{location_a}/",
        "/api/v1/clinicians/{clinician_a}/",
        "/api/v1/interim-supports/{support_a}/",
        "/api/v1/patients/{patient_a}/",
        "/api/v1/referrals/{referral_a}/",
        "/api/v1/proposals/{proposal_a}/",
        "/api/v1/support-offers/{offer_a}/",
    ],
)
def test_another_ohts_record_is_a_404_for_every_resource(bob, world, template):
    url = template.format(
        location_a=world.location_a.pk,
        clinician_a=world.location_a.clinician_id,
        support_a=world.support_a.pk,
        patient_a=world.patient_a.pk,
        referral_a=world.referral_a.pk,
        proposal_a=world.proposal_a.pk,
        offer_a=world.offer_a.pk,
    )
    response = api_client(bob).get(url)
    assert response.status_code == 404, url
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "url, denied",
    [
        ("/api/v1/patients/?worklist=call", 403),
        ("/api/v1/referrals/", 403),
        ("/api/v1/proposals/", 403),
        ("/api/v1/support-offers/", 403),
        ("/api/v1/locations/", 200),
        ("/api/v1/interim-supports/", 200),
        ("/api/v1/import-runs/", 200),
    ],
)
def test_a_pcn_lead_reads_the_directory_but_no_patient_list(peter, world, url, denied):
    assert api_client(peter).get(url).status_code == denied
