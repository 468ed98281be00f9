"""Writing the audit trail. Call these inside the transaction of the change they
record, so a change and its audit row commit or roll back together."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from oht_portal.scoping import roles_of


def client_ip(request) -> str | None:
    """The caller's address; X-Forwarded-For is trusted only behind our own proxy."""
    if request is None:
        return None
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _actor_fields(actor) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_email": "", "actor_roles": ""}
    return {
        "actor_id": actor.pk,
        "actor_email": actor.email,
        "actor_roles": ",".join(roles_of(actor))[:200],
    }


def _request_fields(request) -> dict:
    if request is None:
        return {"path": "", "ip_address": None}
    return {"path": request.path[:300], "ip_address": client_ip(request)}


# Reads of health information: each patient record returned counts towards the
# per-token hourly total behind the unusual-read alert (writes do not).
READ_ACTIONS = frozenset(
    {AuditAction.VIEW, AuditAction.LIST, AuditAction.SEARCH, AuditAction.EXPORT}
)


def _count_api_reads(request, actor, count: int) -> None:
    if request is None or count <= 0:
        return
    from oht_portal.api.read_alerts import patient_reads_count

    patient_reads_count(request=request, actor=actor, count=count)


def audit_record(
    *,
    actor,
    action: AuditAction,
    request=None,
    obj=None,
    patient=None,
    oht_code: str = "",
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    detail: dict | None = None,
) -> AuditEvent:
    """Record one action. `detail` must hold no health information (ids, counts, filters)."""
    if patient is not None:
        oht_code = oht_code or patient.oht.code
    target = obj if obj is not None else patient
    event = AuditEvent.objects.create(
        **_actor_fields(actor),
        **_request_fields(request),
        action=action,
        oht_code=oht_code,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        patient_id=patient.pk if patient is not None else None,
        outcome=outcome,
        detail=detail or {},
    )
    if patient is not None and action in READ_ACTIONS and outcome == AuditOutcome.SUCCESS:
        _count_api_reads(request, actor, 1)
    return event


@transaction.atomic
def audit_record_patients(
    *,
    actor,
    action: AuditAction,
    patients: Iterable,
    request=None,
    detail: dict | None = None,
) -> int:
    """One audit row per patient whose information was shown or exported."""
    base = {**_actor_fields(actor), **_request_fields(request)}
    rows = [
        AuditEvent(
            **base,
            action=action,
            oht_code=patient.oht.code,
            object_type=patient._meta.label_lower,
            object_id=str(patient.pk),
            patient_id=patient.pk,
            detail=detail or {},
        )
        for patient in patients
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    if action in READ_ACTIONS:
        _count_api_reads(request, actor, len(rows))
    return len(rows)
