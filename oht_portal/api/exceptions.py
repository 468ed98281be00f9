"""The API's answer to a broken business rule: a 400 with a code and a message.

Services raise `ApplicationError` with a message meant for the person (no health
information); this turns it into `{"code": ..., "message": ...}` instead of a 500.
It is the `EXCEPTION_HANDLER` of `REST_FRAMEWORK` in settings."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from oht_portal.services import ApplicationError

APPLICATION_ERROR_CODE = "rule_broken"


def application_error_response(exc: ApplicationError) -> Response:
    """A 400 (or the error's own `status_code`) with the service's message."""
    return Response(
        {
            "code": getattr(exc, "code", APPLICATION_ERROR_CODE),
            "message": str(exc),
        },
        status=getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST),
    )


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return application_error_response(exc)
    return exception_handler(exc, context)
