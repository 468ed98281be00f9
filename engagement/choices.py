"""Choices of clinician engagement: messages, questions, recipients and resources."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    BULLETIN = "bulletin", _("Bulletin (one-way)")
    SURVEY = "survey", _("Survey (two-way)")


class MessageStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Free text")
    CHOICE = "choice", _("One choice from a list")
    CAPACITY = "capacity", _("Capacity of each practice location")


class RecipientStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NO_EMAIL = "no_email", _("No e-mail address")


class ResourceLanguage(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")
    BOTH = "both", _("English and French")


class Audience(models.TextChoices):
    CLINICIANS = "clinicians", _("Clinicians")
    PATIENTS = "patients", _("Patients")
    STAFF = "staff", _("Clinic staff")
