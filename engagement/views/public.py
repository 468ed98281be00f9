"""What a clinician reaches from an engagement e-mail, with no account: the open pixel,
tracked links and the survey. Tracking URLs carry the recipient's random token; an
unknown one is a 404 and records nothing. The survey URL is the recipient's signed,
expiring clinician link (clinicians.links): a refused link gets a bilingual 403."""

import base64

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from clinicians.choices import LinkPurpose
from clinicians.forms import CapacityForm
from clinicians.links import LinkRefused, link_resolve, link_use_record
from clinicians.models import ClinicianLinkUse
from engagement.choices import QuestionKind
from engagement.forms import SurveyForm
from engagement.models import Resource
from engagement.selectors import recipient_for_link
from engagement.services import (
    AnswerInput,
    recipient_click,
    recipient_open,
    survey_answer,
    survey_locations,
)
from oht_portal.services import ApplicationError

# The smallest transparent GIF: 1×1 pixel.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
LANGUAGES = ("en", "fr")


@never_cache
@require_GET
def open_pixel(request, token):
    recipient_open(token=token, request=request)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
@require_GET
def click(request, token, link_id: int):
    """Redirect to the stored address of one of the message's own links (no open
    redirect: nothing in the request says where to go)."""
    return HttpResponseRedirect(recipient_click(token=token, link_id=link_id, request=request))


def _capacity_forms(request, questions, recipient) -> dict:
    """Per capacity question, one CapacityForm per practice location of the clinician
    in the OHT, starting from the location's current declaration."""
    locations = list(survey_locations(recipient).select_related("current_declaration"))
    return {
        question.pk: [
            (
                location,
                CapacityForm(
                    request.POST or None,
                    prefix=f"q{question.pk}-l{location.pk}",
                    declaration=location.current_declaration,
                ),
            )
            for location in locations
        ]
        for question in questions
        if question.kind == QuestionKind.CAPACITY
    }


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, clinician_id: int, token: str):
    """The survey in the recipient's language (or the one chosen with ?lang=), answered
    once: afterwards the link shows the thanks page."""
    try:
        link = link_resolve(
            clinician_id=clinician_id, token=token, purpose=LinkPurpose.SURVEY, request=request
        )
    except LinkRefused as refused:
        return render(
            request, "engagement/public/refused.html", {"reason": refused.reason}, status=403
        )
    recipient = recipient_for_link(link)
    language = request.GET.get("lang")
    language = language if language in LANGUAGES else recipient.language
    message = recipient.message
    context = {"message": message, "recipient": recipient, "language": language}
    with translation.override(language):
        if request.method == "GET":
            link_use_record(link=link, action=ClinicianLinkUse.Action.OPENED, request=request)
            recipient_open(token=recipient.token, request=request)
        if recipient.answered_at is not None:
            return render(request, "engagement/public/thanks.html", context)
        questions = list(message.questions.all())
        form = SurveyForm(
            request.POST or None,
            questions=questions,
            language=language,
            initial={"respondent": recipient.clinician.full_name},
        )
        capacity = _capacity_forms(request, questions, recipient)
        capacity_valid = all(f.is_valid() for forms in capacity.values() for _loc, f in forms)
        if request.method == "POST" and form.is_valid() and capacity_valid:
            answers = form.answers() + [
                AnswerInput(question=question, location=location, figures=f.figures())
                for question in questions
                for location, f in capacity.get(question.pk, [])
            ]
            try:
                survey_answer(
                    recipient=recipient,
                    answers=answers,
                    declared_by_name=form.cleaned_data["respondent"],
                    request=request,
                )
            except ApplicationError:
                pass  # answered meanwhile (another tab): the first answer stands
            recipient.refresh_from_db(fields=["answered_at"])
            return render(request, "engagement/public/thanks.html", context)
        return render(
            request,
            "engagement/public/survey.html",
            {
                **context,
                "form": form,
                "items": [
                    {
                        "question": question,
                        "text": question.text_in(language),
                        "field": form[name] if (name := f"q{question.pk}") in form.fields else None,
                        "capacity": capacity.get(question.pk, []),
                    }
                    for question in questions
                ],
                "subject": message.subject_in(language),
                "body": message.body_in(language),
            },
            status=400 if request.method == "POST" else 200,
        )


@require_GET
def resource_file(request, key):
    """A file of the resource library, for anyone with its unguessable address (the
    e-mails link to it through their tracked links). Inactive resources are gone."""
    resource = get_object_or_404(Resource, key=key, active=True)
    if not resource.file:
        raise Http404
    return FileResponse(resource.file.open("rb"), filename=resource.file.name.rsplit("/", 1)[-1])
