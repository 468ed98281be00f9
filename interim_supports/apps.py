from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterimSupportsConfig(AppConfig):
    """The directory of interim supports for patients who are still waiting."""

    name = "interim_supports"
    verbose_name = _("Interim supports")
