"""Choices shared across the portal: roles, regions and audit vocabulary."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does for an OHT; one person may hold several roles in several OHTs."""

    OHT_STAFF = "oht_staff", _("OHT staff")
    PCN_LEAD = "pcn_lead", _("PCN clinical lead")
    CARE_CONNECTOR = "care_connector", _("Care connector")
    PRIVACY_LEAD = "privacy_lead", _("OHT privacy lead")
    OHT_ADMIN = "oht_admin", _("OHT administrator")


# Roles whose work needs patient-level health information (minimum necessary: PCN
# leads plan with aggregates and clinician data; privacy leads read the audit trail).
PATIENT_DATA_ROLES = frozenset({Role.OHT_STAFF, Role.CARE_CONNECTOR})
AUDIT_ROLES = frozenset({Role.PRIVACY_LEAD})
# Roles that keep the clinician directory and capacity up to date and message
# clinicians. Everyone with a role in an OHT may read its directory (no PHI in it).
DIRECTORY_EDIT_ROLES = frozenset({Role.OHT_STAFF, Role.PCN_LEAD})
# OHT administrators manage the API tokens of their OHTs' care connectors (no PHI).
TOKEN_ADMIN_ROLES = frozenset({Role.OHT_ADMIN})


class RegionCode(models.TextChoices):
    """The six Ontario Health regions, spelled as the provincial extracts spell them."""

    CENTRAL = "Central", _("Central")
    EAST = "East", _("East")
    NORTH_EAST = "North East", _("North East")
    NORTH_WEST = "North West", _("North West")
    TORONTO = "Toronto", _("Toronto")
    WEST = "West", _("West")


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    IMPORT = "import", _("Imported")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    AUDIT_QUERY = "audit_query", _("Queried the audit trail")
    ALERT = "alert", _("Raised an alert")


class ApiTokenScope(models.TextChoices):
    """What an API token may do; the browser session is not limited by it."""

    READ_ONLY = "read_only", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class ApiTokenStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class AlertResolution(models.TextChoices):
    TOKEN_REVOKED = "token_revoked", _("Token revoked")
    DISMISSED = "dismissed", _("Dismissed as expected")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    DENIED = "denied", _("Denied")
    ERROR = "error", _("Error")
