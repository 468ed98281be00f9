from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """FSA summaries, the quarterly dashboard metrics and their exports."""

    name = "reporting"
    verbose_name = _("Reporting")
