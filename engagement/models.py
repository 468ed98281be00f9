"""Messages to clinicians: one-way bulletins and two-way surveys, sent by e-mail to a
segment of the directory and tracked per recipient (delivered, opened, clicked,
answered), with a library of resources to list in them.

A message is written as a draft, then sent: sending freezes its recipients (who the
segment matched at that moment, with the address and language they had) and its
tracked links, so the metrics always describe what went out."""

import uuid

from django.conf import settings
from django.core.validators import FileExtensionValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinicians.models import CapacityDeclaration, Clinician, ClinicianLink, PracticeLocation
from engagement.choices import (
    Audience,
    MessageKind,
    MessageStatus,
    QuestionKind,
    RecipientStatus,
    ResourceLanguage,
)
from oht_portal.models import OHT

# Only web addresses are followed from an e-mail: no ftp:, no javascript:.
web_url = URLValidator(schemes=["http", "https"])


def in_language(language: str, english: str, french: str) -> str:
    """The French text for a French reader when there is one, else the English."""
    return french if language == "fr" and french else english


RESOURCE_FILE_TYPES = ("pdf", "docx", "xlsx", "pptx", "odt", "txt", "png", "jpg", "jpeg")
RESOURCE_FILE_MAX_BYTES = 10 * 1024 * 1024


def resource_upload_path(resource, filename: str) -> str:
    """Files sit under the resource's own key, so two uploads never collide and the
    stored name reveals nothing about the OHT."""
    return f"engagement/resources/{resource.key}/{filename}"


class Resource(models.Model):
    """An education resource an OHT shares with clinicians (a guide, a webinar, a
    form): an address elsewhere, or a file kept by the portal. A file is served at an
    unguessable address (`link`) so a clinician opens it from an e-mail without an
    account; resources are education material, never patient data."""

    oht = models.ForeignKey(
        OHT, on_delete=models.CASCADE, related_name="engagement_resources", verbose_name=_("OHT")
    )
    title_en = models.CharField(_("English title"), max_length=200)
    title_fr = models.CharField(_("French title"), max_length=200)
    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    url = models.URLField(_("address"), max_length=2000, validators=[web_url], blank=True)
    file = models.FileField(
        _("file"),
        upload_to=resource_upload_path,
        blank=True,
        validators=[FileExtensionValidator(RESOURCE_FILE_TYPES)],
    )
    language = models.CharField(
        _("language of the resource"), max_length=4, choices=ResourceLanguage.choices
    )
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    description_en = models.TextField(_("English description"), blank=True)
    description_fr = models.TextField(_("French description"), blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active resources can be added to messages.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["oht", "title_en"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(file="")) | (~Q(url="") & Q(file="")),
                name="resource_address_or_file",
            )
        ]

    def __str__(self) -> str:
        return self.title_en

    def title_in(self, language: str) -> str:
        return in_language(language, self.title_en, self.title_fr)

    @property
    def link(self) -> str:
        """Where the resource opens: its address, or the portal's address of its file."""
        if self.file:
            return settings.PORTAL_BASE_URL + reverse(
                "engagement_resource_file", kwargs={"key": self.key}
            )
        return self.url


class Message(models.Model):
    """A bulletin or a survey to the clinicians a directory filter selects in one OHT.

    `segment_query` is the directory's query string (clinicians.filters.LocationFilter),
    read within the message's OHT; sending turns it into Recipient rows once and for all."""

    oht = models.ForeignKey(
        OHT, on_delete=models.PROTECT, related_name="engagement_messages", verbose_name=_("OHT")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MessageKind.choices)
    subject_en = models.CharField(_("English subject"), max_length=200)
    subject_fr = models.CharField(_("French subject"), max_length=200)
    body_en = models.TextField(
        _("English text"), help_text=_("Plain text; web addresses become tracked links.")
    )
    body_fr = models.TextField(
        _("French text"), help_text=_("Plain text; web addresses become tracked links.")
    )
    segment_query = models.TextField(
        _("clinicians"), blank=True, help_text=_("The directory's filters, as a query string.")
    )
    resources = models.ManyToManyField(
        Resource, blank=True, related_name="messages", verbose_name=_("resources")
    )
    status = models.CharField(
        _("status"),
        max_length=7,
        choices=MessageStatus.choices,
        default=MessageStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("message to clinicians")
        verbose_name_plural = _("messages to clinicians")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject_en

    @property
    def is_draft(self) -> bool:
        return self.status == MessageStatus.DRAFT

    @property
    def is_survey(self) -> bool:
        return self.kind == MessageKind.SURVEY

    def subject_in(self, language: str) -> str:
        return in_language(language, self.subject_en, self.subject_fr)

    def body_in(self, language: str) -> str:
        return in_language(language, self.body_en, self.body_fr)


class Question(models.Model):
    """One question of a survey. A capacity question asks for each of the clinician's
    practice locations in the OHT, and its answers become capacity declarations."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="questions", verbose_name=_("message")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text_en = models.TextField(_("English question"))
    text_fr = models.TextField(_("French question"))
    kind = models.CharField(_("kind of answer"), max_length=8, choices=QuestionKind.choices)
    choices_en = models.TextField(
        _("English choices"), blank=True, help_text=_("One per line, for a choice question.")
    )
    choices_fr = models.TextField(
        _("French choices"),
        blank=True,
        help_text=_("One per line, in the same order as the English ones."),
    )

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["message", "position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.text_en}"

    def text_in(self, language: str) -> str:
        return in_language(language, self.text_en, self.text_fr)

    def choice_list(self, language: str) -> list[str]:
        """The options in `language`; an answer stores the option's index in this list."""
        text = in_language(language, self.choices_en, self.choices_fr)
        return [line.strip() for line in text.splitlines() if line.strip()]


class Recipient(models.Model):
    """One clinician a sent message went to: the address and language it was sent in,
    and what they did with it. Tracking URLs carry `token`, never the clinician's id."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("message")
    )
    clinician = models.ForeignKey(
        Clinician,
        on_delete=models.CASCADE,
        related_name="engagement_receipts",
        verbose_name=_("clinician"),
    )
    email = models.EmailField(_("sent to"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    link = models.ForeignKey(
        ClinicianLink,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("survey link"),
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=RecipientStatus.choices,
        default=RecipientStatus.QUEUED,
        db_index=True,
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("first clicked"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["message", "clinician__family_name", "clinician__given_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "clinician"], name="engagement_recipient_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinician} — {self.get_status_display()}"


class TrackedLink(models.Model):
    """A web address of a sent message (in its text or its resources). E-mails point to
    the click-tracking URL of this row; the redirect goes only to `url`."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="tracked_links", verbose_name=_("message")
    )
    url = models.URLField(_("address"), max_length=2000, validators=[web_url])
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("tracked link")
        verbose_name_plural = _("tracked links")
        ordering = ["message", "position"]
        constraints = [
            models.UniqueConstraint(fields=["message", "url"], name="engagement_link_once"),
        ]

    def __str__(self) -> str:
        return self.url


class Click(models.Model):
    """One click of a tracked link by a recipient: append-only."""

    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="clicks", verbose_name=_("recipient")
    )
    tracked_link = models.ForeignKey(
        TrackedLink, on_delete=models.CASCADE, related_name="clicks", verbose_name=_("link")
    )
    clicked_at = models.DateTimeField(_("clicked"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        ordering = ["-clicked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.clicked_at:%Y-%m-%d %H:%M} {self.tracked_link}"


class Answer(models.Model):
    """A recipient's answer to one question (for a capacity question, one per practice
    location, with the declaration it made)."""

    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="answers", verbose_name=_("recipient")
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    location = models.ForeignKey(
        PracticeLocation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("practice location"),
    )
    text = models.TextField(_("answer"), blank=True)
    choice = models.PositiveSmallIntegerField(
        _("choice"), null=True, blank=True, help_text=_("Index of the option chosen.")
    )
    declaration = models.ForeignKey(
        CapacityDeclaration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("capacity declaration"),
    )
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question", "recipient", "id"]
        constraints = [
            # Two constraints, because a unique key treats NULL locations as distinct.
            models.UniqueConstraint(
                fields=["recipient", "question", "location"],
                condition=Q(location__isnull=False),
                name="engagement_answer_once_per_location",
            ),
            models.UniqueConstraint(
                fields=["recipient", "question"],
                condition=Q(location__isnull=True),
                name="engagement_answer_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question} — {self.text[:40]}"
