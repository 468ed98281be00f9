"""Writes of the cross-cutting data, each with its rule and its audit row."""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from knox.models import AuthToken

from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction


class ApplicationError(Exception):
    """A business rule said no; views and the API turn it into a clear 400/409."""


MAX_TOKEN_DAYS = 90


@transaction.atomic
def api_token_create(*, user, days: int, request=None) -> tuple[AuthToken, str]:
    """A hashed, expiring API token. The clear token is returned once and never stored."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ApplicationError(
            _("A token lasts between 1 and %(days)d days.") % {"days": MAX_TOKEN_DAYS}
        )
    instance, token = AuthToken.objects.create(user=user, expiry=timedelta(days=days))
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        request=request,
        detail={"object": "api_token", "token_key": instance.token_key, "days": days},
    )
    return instance, token


@transaction.atomic
def api_token_revoke(*, user, token_key: str, request=None) -> bool:
    """Revoke one of the user's own tokens; True when one was revoked."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    if deleted:
        audit_record(
            actor=user,
            action=AuditAction.DELETE,
            request=request,
            detail={"token_key": token_key, "object": "api_token"},
        )
    return bool(deleted)
