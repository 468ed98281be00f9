"""The OpenAPI schema's conventions, applied to every operation in one place, so the
schema tells the truth about every response a client (or a fuzzer) can get:

- every error status an operation can answer is documented with the one `Error`
  shape of `oht_portal.api.exceptions` (401, 403, 404, 429 everywhere; 400 where there
  is input; 409 on writes; 412 where If-Match is honoured; 422 where an idempotency
  key is taken);
- `If-Match` on the writes of `ETagMixin.etag_write_actions`, and the `ETag` response
  header on its `etag_read_actions`;
- `Idempotency-Key` on the creating calls named in a view's `idempotent_actions`;
- `Retry-After` on 429;
- a read-only field whose model field may be blank is documented as such (`""` is
  among its choices; no `email`/`uri` format a blank string would break), and a time
  of day is `HH:MM[:SS]`, not JSON Schema's `time` (which wants a UTC offset).

It is the `DEFAULT_SCHEMA_CLASS` of `REST_FRAMEWORK`. (The authentication scheme is in
`oht_portal.api.schema`.)"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from oht_portal.api.idempotency import IDEMPOTENCY_KEY
from oht_portal.api.serializers import ErrorSerializer

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag you read. If the resource changed since, nothing is written and "
    "the answer is 412. Leave it out to write whatever the current version.",
)

ERRORS = {
    "400": "Invalid input: `fields` names each field that is wrong, or a rule refused the "
    "request (`code`).",
    "401": "No valid token (missing, expired or revoked) and no session.",
    "403": "Your role or your token's scope does not allow this.",
    "404": "Not found, or not in your OHTs.",
    "409": "The current state does not allow this (`code` names the rule).",
    "412": "If-Match does not match the resource's current ETag.",
    "422": "This idempotency key was used for another request.",
    "429": "Too many requests: retry after `Retry-After` seconds.",
}
HEADERS = {
    "ETag": "The version of the resource, for If-Match.",
    "Retry-After": "Seconds to wait before calling again.",
}


TIME_OF_DAY = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


def _header(description: str) -> dict:
    return {"schema": {"type": "string"}, "description": description}


def _model_field(field):
    """The model field behind a ModelSerializer field (following a dotted source), or
    None."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    parts = (field.source or "").split(".")
    try:
        for part in parts[:-1]:
            model = model._meta.get_field(part).related_model
        return model._meta.get_field(parts[-1])
    except (AttributeError, FieldDoesNotExist):
        return None


class PortalAutoSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if not isinstance(schema, dict):
            return schema
        if schema.get("format") == "time":
            schema = {**schema, "pattern": TIME_OF_DAY}
            del schema["format"]
        if self._blank_output(field) and "enum" in schema and "" not in schema["enum"]:
            schema = {**schema, "enum": [*schema["enum"], ""]}
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if self._blank_output(field) and schema.get("format") in {"email", "uri"}:
            del schema["format"]

    @staticmethod
    def _blank_output(field) -> bool:
        """A read-only field that may hold "" (DRF drops `allow_blank` from those)."""
        return field.read_only and getattr(_model_field(field), "blank", False)

    def _action(self) -> str | None:
        return getattr(self.view, "action", None)

    def _honours_if_match(self) -> bool:
        return self.method in WRITES and self._action() in getattr(
            self.view, "etag_write_actions", ()
        )

    def _takes_idempotency_key(self) -> bool:
        return self.method == "POST" and self._action() in getattr(
            self.view, "idempotent_actions", ()
        )

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._honours_if_match():
            parameters.append(IF_MATCH)
        if self._takes_idempotency_key():
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _error_codes(self, operation: dict) -> list[str]:
        codes = ["401", "403", "404", "429"]
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        if self.method in WRITES or has_query:
            codes.append("400")
        if self.method in WRITES:
            codes.append("409")
        if self._honours_if_match():
            codes.append("412")
        if self._takes_idempotency_key():
            codes.append("422")
        return codes

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        media_types = self.map_renderers("media_type")
        for code in self._error_codes(operation):
            error = self._get_response_for_code(
                OpenApiResponse(ErrorSerializer, description=ERRORS[code]), code
            )
            entry = responses.setdefault(code, {"description": ERRORS[code]})
            content = entry.setdefault("content", {})
            for media_type in media_types:
                content.setdefault(media_type, error["content"]["application/json"])
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = _header(
                HEADERS["Retry-After"]
            )
        if self._action() in getattr(self.view, "etag_read_actions", ()) and (
            self.method == "GET" or self._honours_if_match()
        ):
            for code, entry in responses.items():
                if code.startswith("2"):
                    entry.setdefault("headers", {})["ETag"] = _header(HEADERS["ETag"])
        return operation
