"""What every page's navigation needs to know about the person viewing it."""

from oht_portal.choices import AUDIT_ROLES
from oht_portal.imports.selectors import may_upload_extracts
from oht_portal.scoping import may_see_patients, ohts_for_user


def portal(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_patients": may_see_patients(user),
        "nav_imports": may_upload_extracts(user),
        "nav_audit": user.is_superuser or ohts_for_user(user, roles=AUDIT_ROLES).exists(),
    }
