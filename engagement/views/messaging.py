"""Messages to clinicians: write a draft, choose its clinicians with the directory's
filters, add survey questions, send, and follow the metrics and answers.

OHT staff and PCN leads of the message's OHT manage it (DIRECTORY_EDIT_ROLES); anyone
else gets a 403 here, and another OHT's message is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagement import services
from engagement.choices import MessageStatus
from engagement.forms import MessageForm, QuestionForm, SegmentPickForm
from engagement.models import Question, Resource
from engagement.selectors import (
    NOT_SEGMENT_FILTERS,
    manageable_ohts,
    message_get,
    message_list,
    message_metrics,
    segment_filter,
    segment_preview,
    segment_query_clean,
    segment_reports,
    survey_results,
)
from oht_portal.services import ApplicationError

TEXT_FIELDS = ("subject_en", "subject_fr", "body_en", "body_fr")


def require_manager(user) -> None:
    if not manageable_ohts(user).exists():
        raise PermissionDenied


def _draft_or_detail(request, message):
    """A sent message cannot be edited: send the person to its page instead."""
    if message.status != MessageStatus.DRAFT:
        messages.warning(request, _("This message is sent and can no longer be changed."))
        return redirect("engagement:message_detail", pk=message.pk)
    return None


def _resources_for(ohts):
    return Resource.objects.filter(oht__in=ohts, active=True).order_by("title_en")


@login_required
@require_GET
def message_index(request):
    require_manager(request.user)
    page = Paginator(message_list(user=request.user), 25).get_page(request.GET.get("page"))
    rows = [(message, message_metrics(message)) for message in page]
    return render(request, "engagement/message_list.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def message_new(request):
    """A draft; its clinicians are chosen next, on the segment page."""
    require_manager(request.user)
    ohts = manageable_ohts(request.user)
    form = MessageForm(request.POST or None, ohts=ohts, resources=_resources_for(ohts))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            message = services.message_create(
                oht=data["oht"],
                kind=data["kind"],
                subject_en=data["subject_en"],
                subject_fr=data["subject_fr"],
                body_en=data["body_en"],
                body_fr=data["body_fr"],
                resources=data["resources"],
                actor=request.user,
                request=request,
            )
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Draft saved. Now choose the clinicians."))
            return redirect("engagement:message_segment", pk=message.pk)
    return render(request, "engagement/message_form.html", {"form": form, "message": None})


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request, pk: int):
    require_manager(request.user)
    message = message_get(user=request.user, pk=pk)
    if response := _draft_or_detail(request, message):
        return response
    form = MessageForm(
        request.POST or None,
        instance=message,
        ohts=None,
        resources=_resources_for([message.oht]),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.message_update(
                message=message,
                changes={name: data[name] for name in TEXT_FIELDS},
                resources=data["resources"],
                actor=request.user,
                request=request,
            )
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Draft saved."))
            return redirect("engagement:message_detail", pk=message.pk)
    return render(request, "engagement/message_form.html", {"form": form, "message": message})


@login_required
@require_http_methods(["GET", "POST"])
def message_segment(request, pk: int):
    """GET shows the directory filters (from the query string, else the draft's), how
    many clinicians they reach, and a way to start from a saved report or a pasted
    directory address. POST stores the filters shown."""
    require_manager(request.user)
    message = message_get(user=request.user, pk=pk)
    if response := _draft_or_detail(request, message):
        return response
    if request.method == "POST":
        try:
            services.message_update(
                message=message,
                changes={"segment_query": request.POST.get("segment_query", "")},
                actor=request.user,
                request=request,
            )
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Clinicians saved."))
            return redirect("engagement:message_detail", pk=message.pk)
    pick = SegmentPickForm(
        request.GET if {"report", "address"} & set(request.GET) else None,
        reports=segment_reports(user=request.user).filter(oht=message.oht),
    )
    if pick.is_bound and pick.is_valid() and pick.query() is not None:
        return redirect(f"{request.path}?{segment_query_clean(pick.query())}")
    query = segment_query_clean(request.GET.urlencode() if request.GET else message.segment_query)
    filterset = segment_filter(oht=message.oht, query=query, user=request.user)
    preview = (
        segment_preview(oht=message.oht, query=query, user=request.user)
        if filterset.is_valid()
        else None
    )
    return render(
        request,
        "engagement/message_segment.html",
        {
            "message": message,
            "pick": pick,
            "filter_fields": [
                field for field in filterset.form if field.name not in NOT_SEGMENT_FILTERS
            ],
            "filter_errors": filterset.form.non_field_errors(),
            "query": query,
            "preview": preview,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def message_questions(request, pk: int):
    """The survey's questions, and a form to add one."""
    require_manager(request.user)
    message = message_get(user=request.user, pk=pk)
    if response := _draft_or_detail(request, message):
        return response
    if not message.is_survey:
        raise PermissionDenied
    form = QuestionForm(request.POST or None, instance=Question(message=message))
    if request.method == "POST" and form.is_valid():
        try:
            services.question_save(question=form.instance, actor=request.user, request=request)
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Question added."))
            return redirect("engagement:message_questions", pk=message.pk)
    return render(
        request,
        "engagement/message_questions.html",
        {"message": message, "questions": message.questions.all(), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int, question_pk: int):
    require_manager(request.user)
    message = message_get(user=request.user, pk=pk)
    if response := _draft_or_detail(request, message):
        return response
    question = get_object_or_404(message.questions, pk=question_pk)
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_save(question=form.instance, actor=request.user, request=request)
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Question saved."))
            return redirect("engagement:message_questions", pk=message.pk)
    return render(
        request,
        "engagement/question_form.html",
        {"message": message, "question": question, "form": form},
    )


@login_required
@require_POST
def question_remove(request, pk: int, question_pk: int):
    require_manager(request.user)
    message = message_get(user=request.user, pk=pk)
    question = get_object_or_404(message.questions, pk=question_pk)
    try:
        services.question_delete(question=question, actor=request.user, request=request)
    except ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Question removed."))
    return redirect("engagement:message_questions", pk=message.pk)


@login_required
@require_http_methods(["GET", "POST"])
def message_send(request, pk: int):
    """GET asks for confirmation, with how many clinicians the message reaches now;
    POST sends it (or resumes a delivery that stopped: nobody gets it twice)."""
    require_manager(request.user)
    message = message_get(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            if message.status == MessageStatus.SENDING:
                services.message_resume(message=message, actor=request.user, request=request)
                messages.success(request, _("Sending resumed: only those not sent yet get it."))
            else:
                services.message_send(message=message, actor=request.user, request=request)
                messages.success(request, _("The message is on its way."))
        except ApplicationError as error:
            messages.error(request, str(error))
            return redirect("engagement:message_send", pk=message.pk)
        return redirect("engagement:message_detail", pk=message.pk)
    if response := _draft_or_detail(request, message):
        return response
    preview, error = None, ""
    try:
        preview = segment_preview(oht=message.oht, query=message.segment_query, user=request.user)
    except ApplicationError as problem:
        error = str(problem)
    return render(
        request,
        "engagement/message_send.html",
        {
            "message": message,
            "preview": preview,
            "error": error,
            "questions": message.questions.count(),
        },
    )


@login_required
@require_GET
def message_detail(request, pk: int):
    require_manager(request.user)
    message = message_get(user=request.user, pk=pk)
    links = message.tracked_links.annotate(
        n_clicks=Count("clicks"), n_recipients=Count("clicks__recipient", distinct=True)
    )
    return render(
        request,
        "engagement/message_detail.html",
        {
            "message": message,
            "metrics": message_metrics(message),
            "links": links,
            "resources": message.resources.all(),
            "questions": message.questions.all(),
            "results": (
                survey_results(message=message, language=get_language())
                if message.is_survey and not message.is_draft
                else None
            ),
        },
    )


urlpatterns = [
    path("", message_index, name="message_list"),
    path("new/", message_new, name="message_create"),
    path("<int:pk>/", message_detail, name="message_detail"),
    path("<int:pk>/edit/", message_edit, name="message_edit"),
    path("<int:pk>/clinicians/", message_segment, name="message_segment"),
    path("<int:pk>/questions/", message_questions, name="message_questions"),
    path("<int:pk>/questions/<int:question_pk>/", question_edit, name="question_edit"),
    path(
        "<int:pk>/questions/<int:question_pk>/remove/",
        question_remove,
        name="question_remove",
    ),
    path("<int:pk>/send/", message_send, name="message_send"),
]
