"""Supports for one waitlisted patient: the supports their OHT can point them to,
ranked for the patient's FSA and language and limited to their age, and the two ways
to share a chosen few (a printed list, an e-mail), each recorded as an offer on the
patient's timeline.

The patient is read only through `attachment.selectors.patient_get` (PATIENT_DATA_ROLES
of the patient's OHT; anyone else gets a 404, recorded); every rendering shows health
information, so each is audited."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from attachment.outreach.letters import message_language
from attachment.selectors import patient_get
from attachment.services import effective_contact
from attachment.timeline import language_label
from interim_supports import display, mail
from interim_supports.choices import OfferChannel, SupportStatus
from interim_supports.filters import SupportFilter
from interim_supports.forms import ShareForm
from interim_supports.search import eligible_q
from interim_supports.selectors import offer_list, supports_for_patient
from interim_supports.services import support_offer_record
from interim_supports.views.directory import rows_for, search_terms
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.services import ApplicationError


def offerable_supports(patient):
    """What this patient may be offered: their OHT's and province-wide supports that
    are not inactive and take someone of their age."""
    age = patient.age_on(timezone.localdate())
    return (
        supports_for_patient(patient)
        .filter(eligible_q(age=age))
        .exclude(status=SupportStatus.INACTIVE)
    )


def patient_language(patient) -> str:
    """The language the patient prefers (the OHT's correction over the HCC value)."""
    return effective_contact(patient)["preferred_language"]


def ranked_for_patient(patient, services) -> list:
    return display.ranked_supports(
        services, fsa=patient.fsa, language=patient_language(patient), page_language="en"
    )


def _render_page(request, patient, *, share_form: ShareForm | None = None, status: int = 200):
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        request=request,
        patient=patient,
        detail={"page": "interim_supports"},
    )
    contact = effective_contact(patient)
    language = contact["preferred_language"]
    filterset = SupportFilter(request.GET, queryset=offerable_supports(patient))
    fsa, filter_language = search_terms(filterset)
    items = display.ranked_supports(
        filterset.qs,
        fsa=fsa or patient.fsa,
        language=filter_language or language,
        page_language=get_language(),
    )
    if share_form is None:
        share_form = ShareForm(
            supports=offerable_supports(patient), initial={"language": message_language(contact)}
        )
    chosen = {str(pk) for pk in share_form["supports"].value() or []}
    context = {
        "patient": patient,
        "age": patient.age_on(timezone.localdate()),
        "language": language,
        "language_label": language_label(language),
        "email": contact["email"],
        "filter": filterset,
        "rows": rows_for(items),
        "chosen": chosen,
        "share_form": share_form,
        "query": request.GET.urlencode(),
        "own_terms": urlencode({"fsa": patient.fsa, "language": language}),
        "offers": offer_list(user=request.user, patient_id=patient.pk),
    }
    return render(request, "interim_supports/patient_supports.html", context, status=status)


@never_cache
@login_required
@require_GET
def patient_supports(request, patient_pk: int):
    patient = patient_get(user=request.user, pk=patient_pk, request=request)
    return _render_page(request, patient)


@login_required
@require_POST
def patient_supports_share(request, patient_pk: int):
    """Print or e-mail the chosen supports; either way the offer is recorded."""
    patient = patient_get(user=request.user, pk=patient_pk, request=request)
    form = ShareForm(request.POST, supports=offerable_supports(patient))
    if form.is_valid():
        data = form.cleaned_data
        services = [item.service for item in ranked_for_patient(patient, data["supports"])]
        try:
            if data["action"] == ShareForm.PRINT:
                offer = support_offer_record(
                    patient=patient,
                    services=services,
                    channel=OfferChannel.PRINTED,
                    language=data["language"],
                    actor=request.user,
                    request=request,
                )
            else:
                offer = mail.supports_email_send(
                    patient=patient,
                    services=services,
                    language=data["language"],
                    actor=request.user,
                    request=request,
                )
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            if offer.channel == OfferChannel.PRINTED:
                return redirect("interim_supports:print_offer", offer_pk=offer.pk)
            messages.success(request, _("The list was e-mailed to the patient."))
            return redirect("attachment:patient_detail", pk=patient.pk)
    return _render_page(request, patient, share_form=form, status=400)


urlpatterns = [
    path("patient/<int:patient_pk>/", patient_supports, name="patient_supports"),
    path("patient/<int:patient_pk>/share/", patient_supports_share, name="patient_supports_share"),
]
