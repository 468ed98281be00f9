"""Who may call the API at all, and what a token's scope lets it do."""

from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from oht_portal.choices import ApiTokenScope


class IsPortalUser(BasePermission):
    """An active, signed-in person; what they may see is decided by scoping."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class ReadOnlyToken(PermissionDenied):
    """A write was attempted with a token made for reading only."""

    default_detail = _(
        "This API token is read-only: it may not create, change or delete anything. "
        "Use a read-write token."
    )
    default_code = "read_only_token"


def token_may(method: str, token) -> bool:
    """Safe methods always; anything else only with a read-write token. A browser
    session (no token) is not limited by scopes, and a token without a grant (made
    outside the portal's token page, e.g. in knox's admin) may only read."""
    if method in SAFE_METHODS or not isinstance(token, AuthToken):
        return True
    scope = getattr(token, "_portal_scope", None)
    if scope is None:  # one query per request: the authentication and the permission share it
        from oht_portal.models import ApiTokenGrant

        grant = ApiTokenGrant.objects.filter(token=token, revoked_at__isnull=True)
        scope = token._portal_scope = grant.values_list("scope", flat=True).first() or ""
    return scope == ApiTokenScope.READ_WRITE


class TokenScope(BasePermission):
    """Refuse unsafe methods to read-only tokens (403 `read_only_token`).

    The token authentication applies the same rule, so that views which set their own
    `permission_classes` cannot drop it; this class keeps the rule visible in the
    defaults and in each view's permissions."""

    def has_permission(self, request, view) -> bool:
        if not token_may(request.method, getattr(request, "auth", None)):
            raise ReadOnlyToken()
        return True
