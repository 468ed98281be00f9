"""Signed, expiring links that let a clinician act without an account.

The URL holds the clinician's id and a token: this link's key signed with the
clinician's id as salt. A token copied onto another clinician's URL fails the
signature, an edited one fails it too, and the row says when it expires or was
revoked. Every use, and every refused attempt, is a ClinicianLinkUse row."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinicians.choices import LinkPurpose
from clinicians.models import Clinician, ClinicianLink, ClinicianLinkUse
from oht_portal.audit import audit_record, client_ip
from oht_portal.choices import AuditAction
from oht_portal.models import OHT

_SALT = "clinicians.link"


class LinkRefused(Exception):
    """The link cannot be used; `reason` is one of the REFUSAL_* codes."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


REFUSAL_TAMPERED = "tampered"  # bad signature, or another clinician's token
REFUSAL_UNKNOWN = "unknown"  # signed by us but no such link (deleted)
REFUSAL_EXPIRED = "expired"
REFUSAL_REVOKED = "revoked"
REFUSAL_PURPOSE = "purpose"  # a survey link opened as a capacity link, or the reverse


def _signer(clinician_id: int) -> signing.Signer:
    return signing.Signer(salt=f"{_SALT}.{clinician_id}")


def link_token(link: ClinicianLink) -> str:
    return _signer(link.clinician_id).sign(link.key.hex)


def link_path(link: ClinicianLink) -> str:
    return reverse(
        "clinician_link", kwargs={"clinician_id": link.clinician_id, "token": link_token(link)}
    )


def link_url(link: ClinicianLink) -> str:
    """The absolute address to put in an e-mail."""
    return settings.PORTAL_BASE_URL + link_path(link)


@transaction.atomic
def link_issue(
    *,
    clinician: Clinician,
    oht: OHT,
    purpose: LinkPurpose,
    issued_by=None,
    sent_to: str = "",
    days: int | None = None,
) -> ClinicianLink:
    now = timezone.now()
    return ClinicianLink.objects.create(
        clinician=clinician,
        oht=oht,
        purpose=purpose,
        issued_by=issued_by if getattr(issued_by, "is_authenticated", False) else None,
        issued_at=now,
        expires_at=now + timedelta(days=days or settings.CLINICIAN_LINK_DAYS),
        sent_to=sent_to,
    )


def link_resolve(
    *, clinician_id: int, token: str, purpose: LinkPurpose | None = None, request=None
) -> ClinicianLink:
    """The link behind a URL, or LinkRefused. A link works only for what it was issued
    for (`purpose`). A refusal is recorded (against the link when it is known), so
    repeated guessing shows in the log."""
    link = None
    try:
        key = _signer(clinician_id).unsign(token)
        link = ClinicianLink.objects.select_related("clinician", "oht").filter(key=key).first()
        if link is None or link.clinician_id != clinician_id:
            raise LinkRefused(REFUSAL_UNKNOWN)
        if purpose is not None and link.purpose != purpose:
            raise LinkRefused(REFUSAL_PURPOSE)
        if link.revoked_at is not None:
            raise LinkRefused(REFUSAL_REVOKED)
        if link.expires_at <= timezone.now():
            raise LinkRefused(REFUSAL_EXPIRED)
    except signing.BadSignature as error:
        link_use_record(
            link=None,
            action=ClinicianLinkUse.Action.REFUSED,
            request=request,
            reason=REFUSAL_TAMPERED,
        )
        raise LinkRefused(REFUSAL_TAMPERED) from error
    except LinkRefused as refused:
        link_use_record(
            link=link,
            action=ClinicianLinkUse.Action.REFUSED,
            request=request,
            reason=refused.reason,
        )
        raise
    return link


def link_use_record(
    *, link: ClinicianLink | None, action: str, request=None, reason: str = "", detail=None
) -> ClinicianLinkUse:
    return ClinicianLinkUse.objects.create(
        link=link,
        action=action,
        reason=reason,
        ip_address=client_ip(request),
        detail=detail or {},
    )


@transaction.atomic
def link_revoke(*, link: ClinicianLink, actor=None, request=None) -> bool:
    """Stop a link from working; True when it was still live."""
    if link.revoked_at is not None:
        return False
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        request=request,
        obj=link,
        oht_code=link.oht.code,
        detail={"revoked": True},
    )
    return True
