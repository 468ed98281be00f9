"""Choices of the HCC waitlist, spelled as the `hcc_waitlist` extract spells them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HCCStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ATTACHED = "attached", _("Attached")
    CLOSED = "closed", _("Closed")


class PreferredContact(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    TEXT = "text", _("Text message")
    MAIL = "mail", _("Mail")
