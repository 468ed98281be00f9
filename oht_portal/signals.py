"""Sign-ins, failed sign-ins and sign-outs go into the audit trail; deleted API tokens
keep their history."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone
from knox.models import AuthToken

from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import ApiTokenGrant


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.LOGIN, request=request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditAction.LOGOUT, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # The password is never kept; the e-mail typed is, to spot guessing of an account.
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        request=request,
        outcome=AuditOutcome.DENIED,
        detail={"email": str(credentials.get("email") or credentials.get("username") or "")[:254]},
    )


@receiver(pre_delete, sender=AuthToken)
def keep_token_history(sender, instance, **kwargs):
    """A live token deleted outside the portal's revoke (knox's admin, a deleted user)
    is marked revoked in its history row; an expired one deleted by knox stays expired."""
    now = timezone.now()
    ApiTokenGrant.objects.filter(token_id=instance.pk, revoked_at__isnull=True).exclude(
        expires_at__lte=now
    ).update(revoked_at=now)
