"""Writes of the cross-cutting data, each with its rule and its audit row."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken
from knox.settings import knox_settings

from oht_portal.audit import audit_record
from oht_portal.choices import AlertResolution, ApiTokenScope, AuditAction


class ApplicationError(Exception):
    """A business rule said no; views and the API turn it into a clear 400/409."""


def max_token_days() -> int:
    """The longest a token may last (DJANGO_API_TOKEN_MAX_DAYS)."""
    return settings.API_TOKEN_MAX_DAYS


@transaction.atomic
def api_token_create(
    *,
    user,
    days: int,
    scope: str = ApiTokenScope.READ_WRITE,
    label: str = "",
    created_by=None,
    oht=None,
    request=None,
) -> tuple[AuthToken, str]:
    """A hashed, expiring API token and its history row. The clear token is returned
    once and never stored. `created_by` is the OHT administrator who made it for
    `user` (a care connector of `oht`); by default people make their own."""
    created_by = created_by or user
    limit = max_token_days()
    if not 1 <= days <= limit:
        raise ApplicationError(_("A token lasts between 1 and %(days)d days.") % {"days": limit})
    if scope not in ApiTokenScope.values:
        raise ApplicationError(_("A token is either read-only or read-write."))
    label = label.strip()
    if len(label) > 100:
        raise ApplicationError(_("A token's label has at most 100 characters."))
    most = knox_settings.TOKEN_LIMIT_PER_USER
    if most and AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).count() >= most:
        raise ApplicationError(
            _("A person has at most %(count)d active tokens: revoke one first.") % {"count": most}
        )
    from oht_portal.models import ApiTokenGrant

    instance, token = AuthToken.objects.create(user=user, expiry=timedelta(days=days))
    grant = ApiTokenGrant.objects.create(
        token=instance,
        token_key=instance.token_key,
        user=user,
        user_email=user.email,
        label=label,
        scope=scope,
        created_at=instance.created,
        expires_at=instance.expiry,
        created_by=created_by,
        oht=oht,
    )
    audit_record(
        actor=created_by,
        action=AuditAction.CREATE,
        request=request,
        obj=grant,
        oht_code=oht.code if oht is not None else "",
        detail={
            "object": "api_token",
            "token_key": instance.token_key,
            "user_id": user.pk,
            "scope": scope,
            "days": days,
        },
    )
    return instance, token


@transaction.atomic
def api_token_revoke(*, actor, grant, oht=None, request=None) -> bool:
    """End a live token now: knox's row goes (the token stops working at once), the
    history row records who revoked it. False when it had already ended."""
    from oht_portal.models import ApiTokenGrant

    grant = ApiTokenGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.token_id is None or grant.revoked_at is not None:
        return False
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    AuthToken.objects.filter(pk=grant.token_id).delete()
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        request=request,
        obj=grant,
        oht_code=oht.code if oht is not None else "",
        detail={"object": "api_token", "token_key": grant.token_key, "user_id": grant.user_id},
    )
    return True


@transaction.atomic
def api_read_alert_close(*, actor, alert, revoke_token: bool, oht=None, request=None) -> bool:
    """A privacy lead closes an unusual-read alert, revoking the token that read (when
    it still works) or dismissing the alert as expected. False when already closed."""
    from oht_portal.models import ApiReadAlert, ApiTokenGrant

    alert = ApiReadAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.closed_at is not None:
        return False
    revoked = False
    if revoke_token and alert.token_key:
        grants = ApiTokenGrant.objects.filter(
            token_key=alert.token_key, user_id=alert.user_id, token__isnull=False
        )
        for grant in grants:
            revoked = (
                api_token_revoke(actor=actor, grant=grant, oht=oht, request=request) or revoked
            )
    alert.closed_at = timezone.now()
    alert.closed_by = actor
    alert.resolution = AlertResolution.TOKEN_REVOKED if revoke_token else AlertResolution.DISMISSED
    alert.save(update_fields=["closed_at", "closed_by", "resolution"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        request=request,
        obj=alert,
        oht_code=oht.code if oht is not None else "",
        detail={
            "object": "api_read_alert",
            "resolution": alert.resolution,
            "token_revoked": revoked,
            "user_id": alert.user_id,
        },
    )
    return True
