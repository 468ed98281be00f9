"""Rate limits per API token (per person for a browser session), reads and writes apart.

DRF's throttle keeps each caller's recent request times in the cache (Redis in a
deployment, so every web process shares the count) and answers 429 with a
`Retry-After` header. The rates are `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`
(`DJANGO_API_RATE_READ`, `DJANGO_API_RATE_WRITE`)."""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


def caller_key(request) -> str | None:
    """`token:<key>` for a knox token, `user:<id>` for a session, None for anonymous
    callers (who are refused before any throttle runs)."""
    token_key = getattr(getattr(request, "auth", None), "token_key", "")
    if token_key:
        return f"token:{token_key}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class _ApiThrottle(SimpleRateThrottle):
    safe: bool

    def get_rate(self):
        # Read per request rather than frozen at import, so that a changed setting
        # (or a test's override) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if (request.method in SAFE_METHODS) != self.safe:
            return None
        ident = caller_key(request)
        if ident is None:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiReadThrottle(_ApiThrottle):
    """GET, HEAD and OPTIONS."""

    scope = "api_read"
    safe = True


class ApiWriteThrottle(_ApiThrottle):
    """POST, PUT, PATCH and DELETE."""

    scope = "api_write"
    safe = False
