"""One patient's page: everything the OHT knows and has done, in one place, with the
forms that record a call, a verification result or a contact correction, and the
follow-up worklists that lead to it.

Every patient is fetched through `patient_get` (404 across OHTs, refusals audited);
every write goes through `attachment.services`, which audits it. Forms post back to
their own URL and redirect to the page (post/redirect/get); a refused or invalid form
re-renders the page with the error and a 400."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from attachment import services
from attachment.choices import PreferredContact, ProposalStatus
from attachment.forms import LocalContactForm, OutreachAttemptForm, VerificationForm
from attachment.priority import patient_priority
from attachment.selectors import patient_get
from attachment.services import LOCAL_CONTACT_FIELDS, effective_contact
from attachment.timeline import language_label, patient_timeline
from attachment.worklists import (
    WORKLIST_KEYS,
    WORKLISTS,
    is_due_for_call,
    worklist_counts,
    worklist_patients,
)
from interim_supports.selectors import offer_list
from oht_portal.audit import audit_record, audit_record_patients
from oht_portal.choices import AuditAction
from oht_portal.scoping import may_see_patients
from oht_portal.services import ApplicationError

WORKLIST_PAGE_SIZE = 50
CONTACT_PREFIX, ATTEMPT_PREFIX, VERIFICATION_PREFIX = "contact", "attempt", "verification"


def _contact_rows(patient) -> list[dict]:
    """HCC value, local correction and the value outreach uses, side by side."""
    local = getattr(patient, "local_contact", None)
    used = effective_contact(patient)
    rows = []
    for name, label, show in (
        ("phone", _("Phone"), str),
        ("email", _("E-mail"), str),
        ("mailing_address", _("Mailing address"), str),
        ("preferred_contact", _("Preferred contact"), _preferred_contact_label),
        ("preferred_language", _("Preferred language"), language_label),
    ):
        rows.append(
            {
                "label": label,
                "hcc": show(getattr(patient, name, "")),
                "local": show(getattr(local, name, "")) if local is not None else "",
                "used": show(used[name]),
            }
        )
    return rows


def _preferred_contact_label(value: str) -> str:
    return str(PreferredContact(value).label) if value in PreferredContact.values else value


def _contact_initial(patient) -> dict:
    local = getattr(patient, "local_contact", None)
    return {name: getattr(local, name, "") for name in LOCAL_CONTACT_FIELDS}


def _render_page(request, patient, *, status: int = 200, **bound_forms):
    """The patient page; every rendering shows health information, so each is audited."""
    audit_record(actor=request.user, action=AuditAction.VIEW, request=request, patient=patient)
    forms = {
        "contact_form": LocalContactForm(prefix=CONTACT_PREFIX, initial=_contact_initial(patient)),
        "attempt_form": OutreachAttemptForm(prefix=ATTEMPT_PREFIX),
        "verification_form": VerificationForm(prefix=VERIFICATION_PREFIX),
        **bound_forms,
    }
    local = getattr(patient, "local_contact", None)
    context = {
        "patient": patient,
        "priority": patient_priority(patient, timezone.localdate()),
        "contact_rows": _contact_rows(patient),
        "local_contact": local,
        "timeline": patient_timeline(patient=patient),
        "due_for_call": is_due_for_call(patient),
        "preferred_language_label": language_label(patient.preferred_language),
        "support_offers": offer_list(user=request.user, patient_id=patient.pk),
        **_referral_context(patient),
        **forms,
    }
    return render(request, "attachment/patient_detail.html", context, status=status)


def _referral_context(patient) -> dict:
    """The patient's referrals, newest first, and the proposal awaiting a decision."""
    return {
        "referrals": list(patient.referrals.select_related("location__clinician")),
        "current_proposal": patient.proposals.filter(status=ProposalStatus.PROPOSED)
        .select_related("location__clinician", "run")
        .order_by("-run__created_at", "-pk")
        .first(),
    }


@login_required
@require_GET
def patient_detail(request, pk: int):
    patient = patient_get(user=request.user, pk=pk, request=request)
    return _render_page(request, patient)


def _submit(request, pk: int, form_class, prefix: str, context_name: str, record, done: str):
    """The one shape of every form on the patient page: a valid form calls its service
    (`record(patient, form)`); a broken rule or an invalid form shows the page again
    with the errors (400); success redirects back with a message."""
    patient = patient_get(user=request.user, pk=pk, request=request)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            record(patient, form)
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect("attachment:patient_detail", pk=patient.pk)
    return _render_page(request, patient, status=400, **{context_name: form})


@login_required
@require_POST
def patient_contact_edit(request, pk: int):
    def record(patient, form):
        services.local_contact_update(
            patient=patient, actor=request.user, request=request, **form.cleaned_data
        )

    return _submit(
        request,
        pk,
        LocalContactForm,
        CONTACT_PREFIX,
        "contact_form",
        record,
        _("Local contact details saved."),
    )


@login_required
@require_POST
def patient_attempt_create(request, pk: int):
    def record(patient, form):
        data = form.cleaned_data
        services.outreach_attempt_record(
            patient=patient,
            channel=data["channel"],
            status=data["status"],
            note=data["note"].strip(),
            attempted_at=data["attempted_at"],
            actor=request.user,
            request=request,
        )

    return _submit(
        request,
        pk,
        OutreachAttemptForm,
        ATTEMPT_PREFIX,
        "attempt_form",
        record,
        _("Outreach attempt recorded."),
    )


@login_required
@require_POST
def patient_verification_create(request, pk: int):
    def record(patient, form):
        services.verification_record(
            patient=patient, actor=request.user, request=request, **form.service_arguments()
        )

    return _submit(
        request,
        pk,
        VerificationForm,
        VERIFICATION_PREFIX,
        "verification_form",
        record,
        _("Verification result recorded."),
    )


@login_required
@require_GET
def worklist(request):
    """The follow-up worklists of the user's OHTs: counts for all, one list at a time."""
    if not may_see_patients(request.user):
        # PCN leads plan with aggregates; patient-level lists are not theirs to see.
        raise PermissionDenied
    current = request.GET.get("list")
    if current not in WORKLIST_KEYS:
        current = WORKLIST_KEYS[0]
    now = timezone.now()
    counts = worklist_counts(user=request.user, now=now)
    paginator = Paginator(
        worklist_patients(user=request.user, key=current, now=now), WORKLIST_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "patient": patient,
            "priority": patient_priority(patient, today),
            "phone": effective_contact(patient)["phone"],
        }
        for patient in page.object_list
    ]
    audit_record_patients(
        actor=request.user,
        action=AuditAction.LIST,
        patients=[row["patient"] for row in rows],
        request=request,
        detail={"worklist": current, "page": page.number},
    )
    tabs = [
        {
            "key": item.key,
            "label": item.label,
            "count": counts[item.key],
            "current": item.key == current,
        }
        for item in WORKLISTS
    ]
    context = {
        "tabs": tabs,
        "current": next(item for item in WORKLISTS if item.key == current),
        "page": page,
        "rows": rows,
        "priority_version": settings.ATTACHMENT_PRIORITY["version"],
    }
    return render(request, "attachment/worklist.html", context)


urlpatterns = [
    path("worklist/", worklist, name="worklist"),
    path("<int:pk>/", patient_detail, name="patient_detail"),
    path("<int:pk>/contact/", patient_contact_edit, name="patient_contact_edit"),
    path("<int:pk>/attempts/", patient_attempt_create, name="patient_attempt_create"),
    path("<int:pk>/verification/", patient_verification_create, name="patient_verification_create"),
]
