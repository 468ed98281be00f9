"""Scoped reads of the cross-cutting data: the audit trail and API tokens."""

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from oht_portal.choices import AUDIT_ROLES
from oht_portal.models import AuditEvent
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


def api_tokens_of(*, user) -> QuerySet[AuthToken]:
    return AuthToken.objects.filter(user=user).order_by("-created")
