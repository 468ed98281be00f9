"""The OpenAPI 3 schema is a product too: drf-spectacular generates it with no warning
or error, in English and in French; it validates against the OpenAPI 3 JSON schema;
the served copy is the generated one; every operation asks for a token; the docs page
takes its files from the portal (the sidecar), never a CDN."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import translation
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.validation import validate_schema

METHODS = {"get", "put", "patch", "post", "delete"}


def generate(language: str = "en") -> tuple[dict, list[str]]:
    """The public schema and every warning and error the generator emitted for it."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence(), translation.override(language):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    return schema, problems


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_warnings_are_not_silenced_in_settings():
    """A schema with its warnings switched off would pass the next test unseen."""
    assert not spectacular_settings.DISABLE_ERRORS_AND_WARNINGS


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_generator_emits_no_warning_or_error(language):
    _schema, problems = generate(language)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_schema_is_valid_openapi_3(language):
    schema, _problems = generate(language)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises jsonschema.ValidationError when it is not


def test_every_operation_has_a_unique_id_and_asks_for_a_token():
    schema, _problems = generate()
    schemes = schema["components"]["securitySchemes"]
    token_schemes = {
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "apiKey" and scheme.get("name") == "Authorization"
    }
    assert token_schemes, schemes
    seen = set()
    for path, method, operation in operations(schema):
        label = f"{method.upper()} {path}"
        assert operation["operationId"] not in seen, label
        seen.add(operation["operationId"])
        security = operation.get("security", schema.get("security", []))
        assert security, f"{label} declares no security"
        assert {} not in security, f"{label} may be called anonymously"
        assert any(token_schemes & set(requirement) for requirement in security), label


def test_the_served_schema_is_the_generated_one(client_for, carol):
    served = client_for(carol).get("/api/v1/schema/", {"format": "json"})
    assert served.status_code == 200
    schema, _problems = generate()
    body = served.json()
    assert sorted(body["paths"]) == sorted(schema["paths"])
    assert body["info"]["title"] == schema["info"]["title"]


def test_the_docs_page_uses_only_the_portals_own_files(client_for, carol, settings):
    # Plain static names (no collectstatic manifest), so that each can be looked up.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    response = client_for(carol).get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert sources, html
    for source in sources:
        assert source.startswith("/"), f"{source} is not served by the portal"
        assert not source.startswith("//"), source
    static = [source for source in sources if source.startswith("/static/")]
    assert any("swagger-ui-bundle" in source for source in static), static
    for source in static:
        path = source.removeprefix("/static/").split("?")[0]
        assert finders.find(path), f"{path} is not among the static files"
