"""Writes of engagement, each with its rule and its audit row.

Staff write drafts, questions and resources, then send; sending freezes the recipients
and tracked links and hands delivery to a task once committed. Recipients write opens,
clicks and survey answers through tokens in their e-mail, without an account."""

from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from clinicians.choices import DeclarationChannel, LinkPurpose
from clinicians.links import link_issue, link_use_record
from clinicians.models import ClinicianLinkUse, PracticeLocation
from clinicians.services import CapacityFigures, capacity_declare
from engagement.choices import MessageKind, MessageStatus, QuestionKind, RecipientStatus
from engagement.emails import message_urls
from engagement.models import (
    Answer,
    Click,
    Message,
    Question,
    Recipient,
    Resource,
    TrackedLink,
)
from engagement.selectors import (
    recipient_by_token,
    segment_clinicians,
    segment_query_clean,
    tracked_link_get,
)
from engagement.tasks import message_deliver
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.models import OHT
from oht_portal.services import ApplicationError

MESSAGE_FIELDS = ("subject_en", "subject_fr", "body_en", "body_fr", "segment_query")


def _require_draft(message: Message) -> None:
    if message.status != MessageStatus.DRAFT:
        raise ApplicationError(_("A message can no longer be changed once it is sent."))


def _check_resources(oht: OHT, resources) -> list[Resource]:
    resources = list(resources)
    if any(resource.oht_id != oht.pk or not resource.active for resource in resources):
        raise ApplicationError(_("A message can only list active resources of its own OHT."))
    return resources


@transaction.atomic
def message_create(
    *,
    oht: OHT,
    kind: MessageKind,
    subject_en: str,
    subject_fr: str,
    body_en: str,
    body_fr: str,
    segment_query: str = "",
    resources=(),
    actor,
    request=None,
) -> Message:
    """A draft message; nothing is sent until `message_send`."""
    resources = _check_resources(oht, resources)
    message = Message.objects.create(
        oht=oht,
        kind=kind,
        subject_en=subject_en,
        subject_fr=subject_fr,
        body_en=body_en,
        body_fr=body_fr,
        segment_query=segment_query_clean(segment_query),
        created_by=actor,
    )
    message.resources.set(resources)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        request=request,
        obj=message,
        oht_code=oht.code,
        detail={"kind": kind},
    )
    return message


@transaction.atomic
def message_update(
    *, message: Message, changes: dict, resources=None, actor, request=None
) -> Message:
    """Change a draft's texts or segment (`changes` keys from MESSAGE_FIELDS) and,
    when given, its resources."""
    _require_draft(Message.objects.select_for_update().get(pk=message.pk))
    unknown = set(changes) - set(MESSAGE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(unknown)}
        )
    if "segment_query" in changes:
        changes = {**changes, "segment_query": segment_query_clean(changes["segment_query"])}
    for name, value in changes.items():
        setattr(message, name, value)
    message.save(update_fields=list(changes))
    if resources is not None:
        message.resources.set(_check_resources(message.oht, resources))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        request=request,
        obj=message,
        oht_code=message.oht.code,
        detail={"fields": sorted(changes), "resources": resources is not None},
    )
    return message


@transaction.atomic
def question_save(*, question: Question, actor, request=None) -> Question:
    """Add or change a question of a draft survey. Choices must come in both
    languages, as many in each."""
    message = question.message
    _require_draft(Message.objects.select_for_update().get(pk=message.pk))
    if message.kind != MessageKind.SURVEY:
        raise ApplicationError(_("Only a survey has questions."))
    if question.kind == QuestionKind.CHOICE:
        english, french = question.choice_list("en"), question.choice_list("fr")
        if len(english) < 2 or len(english) != len(french):
            raise ApplicationError(
                _("Give at least two choices, as many in French as in English, one per line.")
            )
    else:
        question.choices_en = question.choices_fr = ""
    creating = question.pk is None
    if question.position is None:
        last = message.questions.aggregate(last=Max("position"))["last"]
        question.position = (last or 0) + 1
    question.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        request=request,
        obj=question,
        oht_code=message.oht.code,
        detail={"message": message.pk, "kind": question.kind},
    )
    return question


@transaction.atomic
def question_delete(*, question: Question, actor, request=None) -> None:
    message = question.message
    _require_draft(Message.objects.select_for_update().get(pk=message.pk))
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        request=request,
        obj=question,
        oht_code=message.oht.code,
        detail={"message": message.pk},
    )
    question.delete()


@transaction.atomic
def resource_save(*, resource: Resource, actor, request=None) -> Resource:
    """Add or change a library resource."""
    creating = resource.pk is None
    if creating:
        resource.created_by = actor
    resource.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        request=request,
        obj=resource,
        oht_code=resource.oht.code,
    )
    return resource


def _enqueue_delivery(message_id: int) -> None:
    # The id only: the task reads everything else from the database.
    transaction.on_commit(partial(message_deliver.delay, message_id))


@transaction.atomic
def message_send(*, message: Message, actor, request=None) -> Message:
    """Freeze the recipients — the distinct clinicians of the segment's locations in the
    message's OHT, with the address and language they have now — and the tracked links,
    then deliver once committed. A clinician without an e-mail is recorded as such.
    Each survey recipient gets their own signed, expiring survey link."""
    message = Message.objects.select_for_update().select_related("oht").get(pk=message.pk)
    _require_draft(message)
    if message.kind == MessageKind.SURVEY and not message.questions.exists():
        raise ApplicationError(_("Add at least one question before sending a survey."))
    clinicians = list(segment_clinicians(oht=message.oht, query=message.segment_query, user=actor))
    if not clinicians:
        raise ApplicationError(_("No clinician matches this message's filters."))
    TrackedLink.objects.bulk_create(
        TrackedLink(message=message, url=url, position=position)
        for position, url in enumerate(message_urls(message), start=1)
    )
    recipients = []
    for clinician in clinicians:
        email = clinician.message_email
        link = None
        if email and message.kind == MessageKind.SURVEY:
            link = link_issue(
                clinician=clinician,
                oht=message.oht,
                purpose=LinkPurpose.SURVEY,
                issued_by=actor,
                sent_to=email,
            )
        recipients.append(
            Recipient(
                message=message,
                clinician=clinician,
                email=email,
                language=clinician.correspondence_language,
                link=link,
                status=RecipientStatus.QUEUED if email else RecipientStatus.NO_EMAIL,
            )
        )
    Recipient.objects.bulk_create(recipients, batch_size=1000)
    message.status = MessageStatus.SENDING
    message.sent_at = timezone.now()
    message.recipient_count = len(recipients)
    message.save(update_fields=["status", "sent_at", "recipient_count"])
    no_email = sum(1 for r in recipients if r.status == RecipientStatus.NO_EMAIL)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        request=request,
        obj=message,
        oht_code=message.oht.code,
        detail={"sent": True, "recipients": len(recipients), "no_email": no_email},
    )
    _enqueue_delivery(message.pk)
    return message


@transaction.atomic
def message_resume(*, message: Message, actor, request=None) -> None:
    """Deliver again what is still queued (after a stopped worker or an unreachable mail
    server): nobody already sent gets it twice."""
    if message.status != MessageStatus.SENDING:
        raise ApplicationError(_("Only a message still being sent can be resumed."))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        request=request,
        obj=message,
        oht_code=message.oht.code,
        detail={"resumed": True},
    )
    _enqueue_delivery(message.pk)


@transaction.atomic
def recipient_open(*, token, request=None) -> Recipient:
    """Record the first time the recipient opened the message (later opens change
    nothing). An unknown token is a 404 and records nothing."""
    recipient = recipient_by_token(token)
    now = timezone.now()
    if Recipient.objects.filter(pk=recipient.pk, opened_at__isnull=True).update(opened_at=now):
        recipient.opened_at = now
        audit_record(
            actor=None,
            action=AuditAction.VIEW,
            request=request,
            obj=recipient,
            oht_code=recipient.message.oht.code,
            detail={"message": recipient.message_id, "event": "opened"},
        )
    return recipient


@transaction.atomic
def recipient_click(*, token, link_id: int, request=None) -> str:
    """Record a click and return where it goes: only the stored address of a link of the
    recipient's own message, never an address from the request (no open redirect). A
    click means the message was opened too."""
    recipient = recipient_by_token(token)
    link = tracked_link_get(recipient=recipient, link_id=link_id)
    now = timezone.now()
    Click.objects.create(recipient=recipient, tracked_link=link, clicked_at=now)
    Recipient.objects.filter(pk=recipient.pk, clicked_at__isnull=True).update(clicked_at=now)
    Recipient.objects.filter(pk=recipient.pk, opened_at__isnull=True).update(opened_at=now)
    audit_record(
        actor=None,
        action=AuditAction.VIEW,
        request=request,
        obj=recipient,
        oht_code=recipient.message.oht.code,
        detail={"message": recipient.message_id, "event": "clicked", "link": link.pk},
    )
    return link.url


@dataclass(frozen=True)
class AnswerInput:
    """One answer as the survey form read it: text, a choice's index, or capacity
    figures for one practice location."""

    question: Question
    text: str = ""
    choice: int | None = None
    location: PracticeLocation | None = None
    figures: CapacityFigures | None = None


def survey_locations(recipient: Recipient):
    """The practice locations a capacity question asks about: the clinician's in the
    message's OHT."""
    return PracticeLocation.objects.filter(
        clinician_id=recipient.clinician_id, oht_id=recipient.message.oht_id
    ).order_by("practice_name", "pk")


@transaction.atomic
def survey_answer(
    *, recipient: Recipient, answers: list[AnswerInput], declared_by_name: str, request=None
) -> list[Answer]:
    """Store a recipient's answers, once: a capacity answer is a new capacity declaration
    (channel survey) for that location. The use of the survey link is recorded."""
    locked = (
        Recipient.objects.select_for_update().select_related("message__oht").get(pk=recipient.pk)
    )
    if locked.answered_at is not None:
        raise ApplicationError(_("This survey has already been answered."))
    allowed_locations = set(survey_locations(locked).values_list("pk", flat=True))
    now = timezone.now()
    rows = []
    for item in answers:
        if item.question.message_id != locked.message_id:
            raise ApplicationError(_("This question is not part of the survey."))
        declaration = None
        if item.question.kind == QuestionKind.CAPACITY:
            if item.location is None or item.location.pk not in allowed_locations:
                raise ApplicationError(_("This practice location is not yours to declare."))
            declaration = capacity_declare(
                location=item.location,
                figures=item.figures,
                channel=DeclarationChannel.SURVEY,
                declared_by_name=declared_by_name,
                request=request,
            )
        rows.append(
            Answer(
                recipient=locked,
                question=item.question,
                location=item.location,
                text=item.text,
                choice=item.choice,
                declaration=declaration,
                answered_at=now,
            )
        )
    Answer.objects.bulk_create(rows)
    locked.answered_at = now
    locked.opened_at = locked.opened_at or now
    locked.save(update_fields=["answered_at", "opened_at"])
    if locked.link_id:
        link_use_record(
            link=locked.link,
            action=ClinicianLinkUse.Action.ANSWERED,
            request=request,
            detail={"message": locked.message_id},
        )
    audit_record(
        actor=None,
        action=AuditAction.CREATE,
        request=request,
        obj=locked,
        oht_code=locked.message.oht.code,
        detail={
            "message": locked.message_id,
            "answers": len(rows),
            "declarations": sum(1 for row in rows if row.declaration_id),
        },
    )
    return rows
