from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentConfig(AppConfig):
    """HCC waitlist patients, outreach and verification, matching and referrals."""

    name = "attachment"
    verbose_name = _("Attachment")
