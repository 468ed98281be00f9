"""What every page's navigation needs to know about the person viewing it."""

from oht_portal.choices import AUDIT_ROLES, DIRECTORY_EDIT_ROLES, PATIENT_DATA_ROLES, Role


def portal(request) -> dict:
    """Navigation flags from one query of the person's roles."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if user.is_superuser:
        return dict.fromkeys(
            [
                "nav_patients",
                "nav_imports",
                "nav_audit",
                "nav_fsa",
                "nav_directory",
                "nav_engagement",
            ],
            True,
        )
    roles = set(user.memberships.values_list("role", flat=True))
    patients = bool(roles & PATIENT_DATA_ROLES)
    return {
        "nav_patients": patients,
        "nav_imports": Role.OHT_STAFF in roles,
        "nav_audit": bool(roles & AUDIT_ROLES),
        # Aggregates by FSA are for planning: PCN clinical leads see them too.
        "nav_fsa": patients or Role.PCN_LEAD in roles,
        # Every role reads its OHTs' clinician directory and capacity (no PHI in it).
        "nav_directory": bool(roles),
        "nav_engagement": bool(roles & DIRECTORY_EDIT_ROLES),
    }
