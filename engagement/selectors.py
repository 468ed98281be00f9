"""Reads of engagement, scoped to the OHTs where the person may message clinicians
(DIRECTORY_EDIT_ROLES: OHT staff and PCN leads). Another OHT's message is a 404."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _

from clinicians.choices import LinkPurpose
from clinicians.filters import LocationFilter
from clinicians.models import Clinician, ClinicianLink, PracticeLocation, SavedLocationReport
from clinicians.selectors import location_list, saved_report_list
from engagement.choices import MessageKind, QuestionKind, RecipientStatus
from engagement.models import Answer, Message, Recipient, Resource, TrackedLink
from oht_portal.choices import DIRECTORY_EDIT_ROLES
from oht_portal.models import OHT
from oht_portal.scoping import ohts_for_user, scope_to_user
from oht_portal.services import ApplicationError

# Directory filters that do not choose clinicians: the message's OHT decides the OHT.
NOT_SEGMENT_FILTERS = {"oht", "ordering"}


def manageable_ohts(user) -> QuerySet[OHT]:
    return ohts_for_user(user, roles=DIRECTORY_EDIT_ROLES)


def message_list(*, user) -> QuerySet[Message]:
    """Messages of the OHTs the user manages, with their metric counts."""
    messages = Message.objects.select_related("oht", "created_by")
    scoped = scope_to_user(messages, user, roles=DIRECTORY_EDIT_ROLES)
    return with_metrics(scoped).order_by("-created_at", "-id")


def message_get(*, user, pk: int) -> Message:
    try:
        return message_list(user=user).get(pk=pk)
    except Message.DoesNotExist:
        raise Http404 from None


def resource_list(*, user) -> QuerySet[Resource]:
    return scope_to_user(
        Resource.objects.select_related("oht", "created_by"), user, roles=DIRECTORY_EDIT_ROLES
    )


def resource_get(*, user, pk: int) -> Resource:
    try:
        return resource_list(user=user).get(pk=pk)
    except Resource.DoesNotExist:
        raise Http404 from None


def segment_reports(*, user) -> QuerySet[SavedLocationReport]:
    """Saved directory reports of the OHTs the user manages, to pick a segment from."""
    return saved_report_list(user=user).filter(oht__in=manageable_ohts(user))


def segment_query_clean(query: str) -> str:
    """Only the directory filters that choose clinicians, in a stable order."""
    data = QueryDict(query)
    kept = QueryDict(mutable=True)
    for key in sorted(LocationFilter.base_filters):
        if key not in NOT_SEGMENT_FILTERS and data.get(key, "") != "":
            kept.setlist(key, data.getlist(key))
    return kept.urlencode()


def segment_filter(*, oht: OHT, query: str, user) -> LocationFilter:
    """The directory filter of a segment, over the locations of `oht` that `user`
    may message. Check `is_valid()`: an invalid filter would be silently dropped."""
    locations = location_list(user=user, roles=DIRECTORY_EDIT_ROLES).filter(oht=oht)
    return LocationFilter(QueryDict(segment_query_clean(query)), queryset=locations)


def segment_clinicians(*, oht: OHT, query: str, user) -> QuerySet[Clinician]:
    """The distinct clinicians of the segment's locations, or ApplicationError naming
    the filter that is wrong."""
    filterset = segment_filter(oht=oht, query=query, user=user)
    if not filterset.is_valid():
        problems = "; ".join(
            f"{filterset.form.fields[name].label}: {' '.join(errors)}"
            for name, errors in filterset.errors.items()
        )
        raise ApplicationError(_("The clinician filters are not valid: %s") % problems)
    located = PracticeLocation.objects.filter(pk__in=filterset.qs.order_by().values("pk"))
    return Clinician.objects.filter(pk__in=located.values("clinician")).order_by(
        "family_name", "given_name", "pk"
    )


def segment_preview(*, oht: OHT, query: str, user) -> dict[str, int]:
    """How many clinicians a segment reaches now, and how many have no e-mail."""
    clinicians = segment_clinicians(oht=oht, query=query, user=user)
    counts = clinicians.aggregate(
        clinicians=Count("pk"),
        no_email=Count("pk", filter=Q(email="", contact_email="")),
    )
    return {**counts, "reachable": counts["clinicians"] - counts["no_email"]}


def with_metrics(messages: QuerySet[Message]) -> QuerySet[Message]:
    """Per message: recipients, delivered, failed, no e-mail, opened (a click counts as
    an open), clicked and answered."""
    opened = Q(recipients__opened_at__isnull=False) | Q(recipients__clicked_at__isnull=False)
    return messages.annotate(
        n_recipients=Count("recipients"),
        n_delivered=Count("recipients", filter=Q(recipients__status=RecipientStatus.SENT)),
        n_failed=Count("recipients", filter=Q(recipients__status=RecipientStatus.FAILED)),
        n_no_email=Count("recipients", filter=Q(recipients__status=RecipientStatus.NO_EMAIL)),
        n_opened=Count("recipients", filter=opened),
        n_clicked=Count("recipients", filter=Q(recipients__clicked_at__isnull=False)),
        n_answered=Count("recipients", filter=Q(recipients__answered_at__isnull=False)),
    )


@dataclass(frozen=True)
class Metrics:
    recipients: int
    delivered: int
    failed: int
    no_email: int
    opened: int
    clicked: int
    answered: int

    def _rate(self, count: int) -> float | None:
        return count / self.delivered if self.delivered else None

    @property
    def open_rate(self) -> float | None:
        return self._rate(self.opened)

    @property
    def click_rate(self) -> float | None:
        return self._rate(self.clicked)

    @property
    def answer_rate(self) -> float | None:
        return self._rate(self.answered)


def message_metrics(message: Message) -> Metrics:
    """The metrics of a message from `with_metrics`' annotations (queried if absent)."""
    if not hasattr(message, "n_recipients"):
        message = with_metrics(Message.objects.filter(pk=message.pk)).get()
    return Metrics(
        recipients=message.n_recipients,
        delivered=message.n_delivered,
        failed=message.n_failed,
        no_email=message.n_no_email,
        opened=message.n_opened,
        clicked=message.n_clicked,
        answered=message.n_answered,
    )


def survey_results(*, message: Message, language: str) -> list[dict]:
    """Per question: text answers listed, choices counted, capacity answers with their
    declarations."""
    answers = (
        Answer.objects.filter(question__message=message)
        .select_related("recipient__clinician", "location", "declaration")
        .order_by("answered_at", "id")
    )
    by_question: dict[int, list[Answer]] = {}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    results = []
    for question in message.questions.all():
        rows = by_question.get(question.pk, [])
        result = {"question": question, "text": question.text_in(language), "answers": rows}
        if question.kind == QuestionKind.CHOICE:
            counted = Counter(answer.choice for answer in rows)
            result["counts"] = [
                (option, counted.get(index, 0))
                for index, option in enumerate(question.choice_list(language))
            ]
        results.append(result)
    return results


def recipient_by_token(token) -> Recipient:
    """The recipient behind a tracking URL, or 404."""
    recipient = Recipient.objects.select_related("message__oht").filter(token=token).first()
    if recipient is None:
        raise Http404
    return recipient


def tracked_link_get(*, recipient: Recipient, link_id: int) -> TrackedLink:
    """A link of the recipient's own message, or 404: a click can never be pointed at
    another message's address."""
    link = TrackedLink.objects.filter(pk=link_id, message_id=recipient.message_id).first()
    if link is None:
        raise Http404
    return link


def recipient_for_link(link: ClinicianLink) -> Recipient:
    """The survey recipient a clinician's SURVEY link was issued for, or 404 (a
    capacity link, say, does not open a survey)."""
    recipient = (
        Recipient.objects.select_related("message__oht", "clinician")
        .filter(link=link, message__kind=MessageKind.SURVEY)
        .first()
    )
    if recipient is None or link.purpose != LinkPurpose.SURVEY:
        raise Http404
    return recipient
