"""Scoped reads of the cross-cutting data: the audit trail and API tokens."""

from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from oht_portal.choices import AUDIT_ROLES, TOKEN_ADMIN_ROLES, Role
from oht_portal.models import OHT, ApiReadAlert, ApiTokenGrant, AuditEvent
from oht_portal.scoping import ohts_for_user


def audit_events_for(
    *,
    user,
    patient_id: int | None = None,
    actor_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit rows of the OHTs where `user` is privacy lead (all rows for a site admin)."""
    events = AuditEvent.objects.all()
    if not user.is_superuser:
        codes = list(ohts_for_user(user, roles=AUDIT_ROLES).values_list("code", flat=True))
        events = events.filter(oht_code__in=codes)
    if patient_id is not None:
        events = events.filter(patient_id=patient_id)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    tz = timezone.get_current_timezone()
    if since:
        events = events.filter(occurred_at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        events = events.filter(occurred_at__lte=datetime.combine(until, time.max, tzinfo=tz))
    return events


def api_tokens_of(*, user) -> QuerySet[ApiTokenGrant]:
    """The person's live tokens (newest first); ended ones are in `api_token_history_of`."""
    return (
        ApiTokenGrant.objects.filter(user=user, token__isnull=False, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("created_by", "oht")
        .order_by("-created_at", "-id")
    )


def api_token_history_of(*, user, limit: int = 20) -> list[ApiTokenGrant]:
    """The person's ended tokens (revoked or expired), newest first."""
    live = api_tokens_of(user=user).values("pk")
    return list(
        ApiTokenGrant.objects.filter(user=user)
        .exclude(pk__in=live)
        .select_related("created_by", "revoked_by")
        .order_by("-created_at", "-id")[:limit]
    )


def token_admin_ohts(*, user) -> QuerySet[OHT]:
    """The OHTs where `user` is an OHT administrator (every OHT for a site admin)."""
    return ohts_for_user(user, roles=TOKEN_ADMIN_ROLES)


def connectors_administered_by(*, user) -> QuerySet:
    """The care connectors of the OHTs `user` administers."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Role.CARE_CONNECTOR,
            memberships__oht__in=token_admin_ohts(user=user),
        )
        .distinct()
        .order_by("full_name", "email")
    )


def connector_get_for_admin(*, user, pk: int) -> tuple:
    """(connector, OHT) for an OHT administrator, the OHT being the first one the two
    share; 404 for anyone who is not a care connector of an OHT `user` administers."""
    connector = get_object_or_404(connectors_administered_by(user=user), pk=pk)
    oht = (
        token_admin_ohts(user=user)
        .filter(memberships__user=connector, memberships__role=Role.CARE_CONNECTOR)
        .order_by("code")
        .first()
    )
    return connector, oht


def api_read_alerts_for(*, user, open_only: bool = True) -> QuerySet[ApiReadAlert]:
    """Unusual-read alerts about people of the OHTs where `user` is privacy lead (all
    of them for a site admin)."""
    alerts = ApiReadAlert.objects.all()
    if not user.is_superuser:
        ohts = ohts_for_user(user, roles=AUDIT_ROLES)
        alerts = alerts.filter(user__memberships__oht__in=ohts).distinct()
    if open_only:
        alerts = alerts.filter(closed_at__isnull=True)
    return alerts.select_related("user", "closed_by").order_by("-created_at", "-id")
