"""One error shape for every error the API answers — validation, 401, 403, 404, 405,
409, 412, 415, 422, 429, a broken rule — `{code, message, fields}`, with the message in
the caller's language, and the same shape documented in the schema for every error
response."""

import pytest
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.test import APIClient

from attachment.models import OutreachAttempt
from oht_portal.api.exceptions import api_exception_handler, field_errors
from oht_portal.choices import ApiTokenScope
from oht_portal.services import ApplicationError
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    for field, errors in body["fields"].items():
        assert errors and all(set(error) == {"code", "message"} for error in errors), field
    return body


def test_field_errors_name_each_field_with_a_code_and_a_message(carol, world):
    response = api_client(carol).post(
        f"/api/v1/patients/{world.patient_a.pk}/outreach-attempts/",
        {"channel": "pigeon", "attempted_at": "yesterday"},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"channel", "status", "attempted_at"}
    assert body["fields"]["status"] == [{"code": "required", "message": "This field is required."}]
    assert body["fields"]["channel"][0]["code"] == "invalid_choice"


def test_a_bad_filter_or_ordering_is_a_400_naming_it(carol, world):
    client = api_client(carol)
    body = assert_error(client.get("/api/v1/patients/", {"status": "bogus"}), 400, "invalid")
    assert list(body["fields"]) == ["status"]
    for url in [
        "/api/v1/patients/",
        "/api/v1/referrals/",
        "/api/v1/proposals/",
        "/api/v1/ohts/",
        "/api/v1/clinicians/",
        "/api/v1/teams/",
        "/api/v1/locations/",
        "/api/v1/interim-supports/",
        "/api/v1/support-offers/",
        "/api/v1/import-runs/",
    ]:
        body = assert_error(client.get(url, {"ordering": "password"}), 400, "invalid")
        assert list(body["fields"]) == ["ordering"], url


def test_nested_field_errors_are_dotted():
    detail = {
        "supports": {0: [ErrorDetail("Not a number.", code="invalid")]},
        "figures": {"max_age": [ErrorDetail("Too old.", code="max_value")]},
        "note": [ErrorDetail("Too long.", code="max_length")],
    }
    assert field_errors(detail) == {
        "supports.0": [{"code": "invalid", "message": "Not a number."}],
        "figures.max_age": [{"code": "max_value", "message": "Too old."}],
        "note": [{"code": "max_length", "message": "Too long."}],
    }
    response = api_exception_handler(ValidationError("Just no."), {})
    assert response.data == {"code": "invalid", "message": "Just no.", "fields": {}}


def test_a_list_field_error_names_the_item(carol, world):
    response = api_client(carol).post(
        "/api/v1/support-offers/",
        {"patient": world.patient_a.pk, "supports": ["x"], "language": "en"},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["supports.0"]


def test_a_broken_rule_is_a_400_with_its_code(carol, world):
    response = api_client(carol).post(
        f"/api/v1/patients/{world.patient_a.pk}/verifications/",
        {"result": "declined", "complex_needs_note": "Needs a ramp."},
        format="json",
    )
    body = assert_error(response, 400, "rule_broken")
    assert "Needs a ramp" not in body["message"]
    teapot = ApplicationError("Short and stout.")
    teapot.status_code, teapot.code = 418, "teapot"
    assert api_exception_handler(teapot, {}).data == {
        "code": "teapot",
        "message": "Short and stout.",
        "fields": {},
    }


def test_anonymous_and_bad_tokens_are_401s_with_the_shape(world):
    anonymous = APIClient().get("/api/v1/patients/")
    assert_error(anonymous, 401, "not_authenticated")
    assert anonymous["WWW-Authenticate"]
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(bad.get("/api/v1/patients/"), 401, "authentication_failed")


def test_forbidden_is_a_403_with_the_shape(peter, carol, world):
    assert_error(api_client(peter).get("/api/v1/patients/"), 403, "permission_denied")
    read_only = api_client(carol, scope=ApiTokenScope.READ_ONLY)
    response = read_only.post(
        f"/api/v1/patients/{world.patient_a.pk}/outreach-attempts/",
        {"channel": "phone", "status": "reached"},
        format="json",
    )
    assert_error(response, 403, "read_only_token")
    assert not OutreachAttempt.objects.filter(channel="phone").exists()


def test_not_found_says_nothing_about_the_record(carol, world):
    body = assert_error(
        api_client(carol).get(f"/api/v1/patients/{world.patient_b.pk}/"), 404, "not_found"
    )
    assert body["message"] == "Not found."
    import_run = api_client(carol).get("/api/v1/import-runs/999999/")
    assert "ImportRun" not in assert_error(import_run, 404, "not_found")["message"]


def test_method_media_type_conflict_and_reuse_errors_have_the_shape(carol, world):
    client = api_client(carol)
    patient_url = f"/api/v1/patients/{world.patient_a.pk}/"
    assert_error(client.put(patient_url, {}, format="json"), 405, "method_not_allowed")
    assert_error(
        client.post(f"{patient_url}verifications/", "result=x", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    body = {"patient": world.patient_a2.pk, "location": world.location_a.pk}
    second = client.post("/api/v1/referrals/", body, format="json")
    assert_error(second, 409, "open_referral_exists")
    first = {"patient": world.patient_a.pk, "location": world.location_a.pk}
    client.post("/api/v1/referrals/", first, format="json", HTTP_IDEMPOTENCY_KEY="k")
    reused = client.post(
        "/api/v1/referrals/",
        {**first, "patient": world.patient_a2.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert_error(reused, 422, "idempotency_key_reused")


def test_too_many_requests_is_a_429_with_retry_after(settings, carol, world):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_read": "2/min", "api_write": "2/min"},
    }
    client = api_client(carol)
    for _ in range(2):
        assert client.get("/api/v1/ohts/").status_code == 200
    response = client.get("/api/v1/ohts/")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_messages_follow_the_callers_language(carol, world):
    client = api_client(carol)
    url = f"/api/v1/patients/{world.patient_a.pk}/verifications/"
    english = client.post(url, {}, format="json").json()
    french = client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert english["fields"]["result"][0]["message"] == "This field is required."
    assert french["fields"]["result"] == [
        {"code": "required", "message": "Ce champ est obligatoire."}
    ]
    missing = client.get(
        f"/api/v1/patients/{world.patient_b.pk}/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9"
    )
    assert assert_error(missing, 404, "not_found")["message"] == "Non trouvé."
    anonymous = APIClient().get("/api/v1/referrals/", HTTP_ACCEPT_LANGUAGE="fr")
    assert assert_error(anonymous, 401, "not_authenticated")["message"] == (
        "Informations d'authentification non fournies."
    )


def test_every_error_response_in_the_schema_is_the_error_shape():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "fields"}
    checked = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    contents = response["content"].values()
                    assert contents, (method, path, code)
                    for content in contents:
                        assert content["schema"] == {"$ref": "#/components/schemas/Error"}
                    checked += 1
            assert {"401", "403", "404", "429"} <= set(operation["responses"]), (method, path)
            if method in {"post", "put", "patch", "delete"}:
                assert {"400", "409"} <= set(operation["responses"]), (method, path)
    assert checked > 100


def test_an_unknown_api_path_answers_in_the_error_shape(client):
    response = client.get("/api/v1/no-such-resource/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "not_found"
    assert body["fields"] == {}
    assert body["message"] == "Non trouvé."


def test_an_unknown_page_still_gets_the_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/fhir/?oht=%00", "/api/v1/ohts/%00/"])
def test_a_nul_byte_is_refused_with_a_400_in_the_error_shape(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["code"] == "null_characters_not_allowed"


def test_a_nul_byte_in_a_page_query_is_refused(client):
    response = client.get("/patients/?q=a%00b")
    assert response.status_code == 400
