from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    """Newsletters, surveys and resources for clinicians, with per-recipient metrics."""

    name = "engagement"
    verbose_name = _("Clinician engagement")
