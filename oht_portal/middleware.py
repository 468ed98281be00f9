"""Request guards: no NUL byte reaches a query, and staff enrol in TOTP before any page
beyond sign-in and enrolment opens to them."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from oht_portal.api.exceptions import error_body

# Paths a signed-in person without MFA may still reach: signing in and out, enrolling,
# choosing a language, static assets and the operators' health check.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/health/")


def needs_mfa(user) -> bool:
    """Anyone who can reach data (site admins, admin-site users, OHT members)."""
    return user.is_superuser or user.is_staff or user.memberships.exists()


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.MFA_REQUIRED
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and needs_mfa(user)
            and not is_mfa_enabled(user)
        ):
            if request.path.startswith("/api/") or getattr(request, "htmx", False):
                return HttpResponseForbidden(
                    _("Set up two-step verification before using the portal.")
                )
            messages.warning(
                request,
                _("Set up two-step verification (an authenticator app) to continue."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class RefuseNulBytesMiddleware:
    """A NUL byte in the path or the query string is refused with a 400.

    PostgreSQL cannot store or compare text holding one, so a lookup on such a value
    raised a 500 wherever a view used the raw parameter (found by schemathesis). Form
    and serializer fields already refuse it in bodies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            message = _("Null characters are not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("null_characters_not_allowed", message), status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
