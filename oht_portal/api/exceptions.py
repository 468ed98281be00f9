"""One JSON shape for every error the API answers, whatever raised it.

    {"code": "invalid", "message": "…", "fields": {"status": [{"code": "…", "message": "…"}]}}

`code` is stable for programs, `message` is for people, in the caller's language
(LocaleMiddleware reads Accept-Language), and `fields` names each field that was wrong
(empty when the error is not about fields). Nested fields are dotted (`supports.0`).

Services raise `ApplicationError` with a message meant for the person (no health
information) and optionally a `status_code` (409, 422) and a `code`; it becomes this
shape instead of a 500. Everything DRF raises (validation, 401, 403, 404, 405, 412, 429,
…) goes through DRF's own handler first, for its status and headers (WWW-Authenticate,
Retry-After), and is then reshaped. It is the `EXCEPTION_HANDLER` of `REST_FRAMEWORK`."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from oht_portal.services import ApplicationError

APPLICATION_ERROR_CODE = "rule_broken"
VALIDATION_ERROR_CODE = "invalid"


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def application_error_response(exc: ApplicationError) -> Response:
    """A 400 (or the error's own `status_code`) with the service's message."""
    set_rollback()
    return Response(
        error_body(getattr(exc, "code", APPLICATION_ERROR_CODE), str(exc)),
        status=getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST),
    )


def _leaf(detail) -> dict:
    return {"code": getattr(detail, "code", None) or VALIDATION_ERROR_CODE, "message": str(detail)}


def field_errors(detail, prefix: str = "") -> dict[str, list[dict]]:
    """`{field: [{code, message}]}` from DRF's nested error detail; nested serializers
    and list items become dotted names."""
    found: dict[str, list[dict]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, errors in field_errors(value, name).items():
                found.setdefault(field, []).extend(errors)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                name = f"{prefix}.{index}" if prefix else str(index)
                for field, errors in field_errors(item, name).items():
                    found.setdefault(field, []).extend(errors)
            else:
                found.setdefault(prefix, []).append(_leaf(item))
    else:
        found.setdefault(prefix, []).append(_leaf(detail))
    return found


def _body_for(exc: exceptions.APIException) -> dict:
    detail = exc.detail
    if isinstance(detail, dict):
        return error_body(
            VALIDATION_ERROR_CODE,
            _("Some fields are not valid: see `fields`."),
            field_errors(detail),
        )
    if isinstance(detail, list):
        # A ValidationError raised with a bare message (or messages): no field to name.
        first = detail[0] if detail else exc.default_detail
        return error_body(getattr(first, "code", None) or VALIDATION_ERROR_CODE, str(first))
    return error_body(getattr(detail, "code", None) or exc.default_code, str(detail))


def form_validation_error(form) -> exceptions.ValidationError:
    """A Django form's errors as a DRF ValidationError, each with its code, for the API
    calls that apply the pages' form rules."""
    return exceptions.ValidationError(
        {
            field: [
                exceptions.ErrorDetail(message, code=error.code or VALIDATION_ERROR_CODE)
                for error in errors
                for message in error.messages
            ]
            for field, errors in form.errors.as_data().items()
        }
    )


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return application_error_response(exc)
    if isinstance(exc, Http404):
        # Django's message names the model ("No Patient matches…"): say only "not found".
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is not None:
        response.data = _body_for(exc)
    return response
