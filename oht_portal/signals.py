"""Sign-ins, failed sign-ins and sign-outs go into the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction, AuditOutcome


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
