"""knox token authentication that also enforces the token's scope.

Scopes are checked here, where every API view passes (no view replaces the
authentication classes), rather than only in a permission class that a view's own
`permission_classes` would silently drop."""

from knox.auth import TokenAuthentication

from oht_portal.api.permissions import ReadOnlyToken, token_may


class ScopedTokenAuthentication(TokenAuthentication):
    """knox's hashed, expiring tokens (401 when unknown, expired or revoked), then 403
    `read_only_token` for a write made with a read-only token."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and not token_may(request.method, result[1]):
            raise ReadOnlyToken()
        return result
