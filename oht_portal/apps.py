from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OhtPortalConfig(AppConfig):
    """The cross-cutting pieces: OHTs, roles and scoping, the audit trail."""

    name = "oht_portal"
    verbose_name = _("OHT portal")

    def ready(self) -> None:
        from oht_portal import signals  # noqa: F401  (connects the login audit receivers)
        from oht_portal.api import schema  # noqa: F401  (OpenAPI: the token auth scheme)
