"""The referral pages: the list with its filters and the overdue worklist, and one
referral's page with its dates and the forms of the lifecycle steps it may take next.

The practice's answers (accepted, declined), the intake and the clinician's
confirmation are recorded here by OHT staff and care connectors; the rules of which
step may follow which live in `attachment.referrals`, whose errors the page shows as
the form's error (409). Another OHT's referral is a 404, and every page that shows one
is audited."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from attachment import referrals as lifecycle
from attachment.choices import ReferralStatus
from attachment.forms import (
    ReferralCloseForm,
    ReferralDeclineForm,
    ReferralFilterForm,
    ReferralIntakeForm,
    ReferralStepForm,
)
from attachment.models import Referral
from clinicians.models import PracticeLocation
from oht_portal.audit import audit_record, audit_record_patients
from oht_portal.choices import AuditAction
from oht_portal.scoping import may_see_patients
from oht_portal.services import ApplicationError

PAGE_SIZE = 50


def _referrals(user) -> QuerySet[Referral]:
    return lifecycle.referral_list(user=user).select_related("location__clinician", "proposal")


@never_cache
@login_required
@require_GET
def referral_index(request):
    if not may_see_patients(request.user):
        raise PermissionDenied
    referrals = _referrals(request.user)
    overdue = lifecycle.referrals_overdue(user=request.user)
    locations = PracticeLocation.objects.filter(
        pk__in=referrals.order_by().values("location")
    ).order_by("practice_name", "pk")
    filters = ReferralFilterForm(request.GET or None, locations=locations)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"]:
            referrals = referrals.filter(status=data["status"])
        if data["location"]:
            referrals = referrals.filter(location_id=data["location"])
        if data["overdue"]:
            referrals = referrals.filter(pk__in=overdue.order_by().values("pk"))
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    overdue_ids = set(
        overdue.filter(pk__in=[referral.pk for referral in shown]).values_list("pk", flat=True)
    )
    for referral in shown:
        referral.is_overdue = referral.pk in overdue_ids
    audit_record_patients(
        actor=request.user,
        action=AuditAction.LIST,
        patients=[referral.patient for referral in shown],
        request=request,
        detail={"referrals": True, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "attachment/referrals/referral_list.html",
        {
            "filters": filters,
            "page": page,
            "referrals": shown,
            "overdue_count": overdue.count(),
            "query": query.urlencode(),
        },
    )


@dataclass(frozen=True)
class Step:
    """One lifecycle step a person records on the referral page."""

    key: str
    to: str
    title: str
    button: str
    form_class: type[forms.Form]
    done: str


STEPS = (
    Step(
        "accept",
        ReferralStatus.ACCEPTED,
        gettext_lazy("Accepted by the practice"),
        gettext_lazy("Record the acceptance"),
        ReferralStepForm,
        gettext_lazy("The practice's acceptance is recorded."),
    ),
    Step(
        "decline",
        ReferralStatus.DECLINED,
        gettext_lazy("Declined by the practice"),
        gettext_lazy("Record the decline"),
        ReferralDeclineForm,
        gettext_lazy(
            "The decline is recorded: the place is free again and the patient back in the pool."
        ),
    ),
    Step(
        "intake",
        ReferralStatus.INTAKE_BOOKED,
        gettext_lazy("Intake booked"),
        gettext_lazy("Record the intake"),
        ReferralIntakeForm,
        gettext_lazy("The intake appointment is recorded."),
    ),
    Step(
        "attach",
        ReferralStatus.ATTACHED,
        gettext_lazy("Attachment confirmed by the clinician"),
        gettext_lazy("Record the attachment"),
        ReferralStepForm,
        gettext_lazy("The attachment is recorded."),
    ),
    Step(
        "close",
        ReferralStatus.CLOSED,
        gettext_lazy("Close"),
        gettext_lazy("Close the referral"),
        ReferralCloseForm,
        gettext_lazy("The referral is closed."),
    ),
)
STEPS_BY_KEY = {step.key: step for step in STEPS}


def _record(step: Step, referral: Referral, data: dict, *, actor, request) -> Referral:
    """Call the lifecycle service of `step` with the form's cleaned data."""
    common = {"referral": referral, "actor": actor, "request": request}
    if step.key == "accept":
        return lifecycle.referral_accept(**common)
    if step.key == "decline":
        return lifecycle.referral_decline(
            reason=data["reason"], note=data["note"].strip(), **common
        )
    if step.key == "intake":
        return lifecycle.referral_book_intake(
            intake_on=data["intake_on"],
            history_updated=data["history_updated"],
            screening_done=data["screening_done"],
            **common,
        )
    if step.key == "attach":
        return lifecycle.referral_attach(**common)
    return lifecycle.referral_close(reason=data["reason"], note=data["note"].strip(), **common)


def _dates(referral: Referral) -> list[dict]:
    """The referral's timeline: each date it has, oldest first, with its details."""
    entries = [{"label": _("Referred"), "when": referral.referred_at, "details": []}]
    if referral.accepted_at:
        entries.append({"label": _("Accepted by the practice"), "when": referral.accepted_at})
    if referral.declined_at:
        entries.append(
            {
                "label": _("Declined by the practice"),
                "when": referral.declined_at,
                "details": [referral.get_decline_reason_display()],
            }
        )
    if referral.intake_on:
        checklist = [
            _("history updated") if referral.intake_history_updated else _("history not updated"),
            _("baseline screening done")
            if referral.intake_screening_done
            else _("baseline screening not done"),
        ]
        entries.append(
            {"label": _("Intake appointment"), "day": referral.intake_on, "details": checklist}
        )
    if referral.attached_at:
        entries.append({"label": _("Attached"), "when": referral.attached_at})
    if referral.closed_at:
        entries.append(
            {
                "label": _("Closed"),
                "when": referral.closed_at,
                "details": [referral.get_closed_reason_display()],
            }
        )
    return entries


def _render_page(request, referral: Referral, *, bound: dict | None = None, status: int = 200):
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        request=request,
        obj=referral,
        patient=referral.patient,
    )
    bound = bound or {}
    allowed = lifecycle.TRANSITIONS[ReferralStatus(referral.status)]
    steps = [
        {"step": step, "form": bound.get(step.key) or step.form_class(prefix=step.key)}
        for step in STEPS
        if step.to in allowed or step.key in bound
    ]
    return render(
        request,
        "attachment/referrals/referral_detail.html",
        {"referral": referral, "dates": _dates(referral), "steps": steps},
        status=status,
    )


@never_cache
@login_required
@require_GET
def referral_detail(request, pk: int):
    return _render_page(request, lifecycle.referral_get(user=request.user, pk=pk, request=request))


@login_required
@require_POST
def referral_step(request, pk: int, step: str):
    """One lifecycle step. A step the referral may not take now is refused by the
    service and shown as the form's error (409); an invalid form is a 400."""
    if step not in STEPS_BY_KEY:
        raise Http404
    referral = lifecycle.referral_get(user=request.user, pk=pk, request=request)
    chosen = STEPS_BY_KEY[step]
    form = chosen.form_class(request.POST, prefix=chosen.key)
    status = 400
    if form.is_valid():
        try:
            _record(chosen, referral, form.cleaned_data, actor=request.user, request=request)
        except ApplicationError as error:
            form.add_error(None, str(error))
            status = getattr(error, "status_code", 400)
        else:
            messages.success(request, str(chosen.done))
            return redirect("attachment:referral_detail", pk=referral.pk)
    referral.refresh_from_db()
    return _render_page(request, referral, bound={chosen.key: form}, status=status)


urlpatterns = [
    path("referrals/", referral_index, name="referral_list"),
    path("referrals/<int:pk>/", referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/<slug:step>/", referral_step, name="referral_step"),
]
