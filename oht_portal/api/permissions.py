from rest_framework.permissions import BasePermission


class IsPortalUser(BasePermission):
    """An active, signed-in person; what they may see is decided by scoping."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)
