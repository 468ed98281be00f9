"""The printable list of supports: one page, plain language, in two languages side by
side (the chosen one first). Either a patient's offer, printed again as often as
needed, or a list for an FSA with no patient at all (nothing recorded).

The patient's list names the patient and nothing else about them: no HCC id, no health
card, no health information beyond the fact of the list itself."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from attachment.selectors import patient_get
from interim_supports.choices import SupportStatus
from interim_supports.display import card, list_language, other_language, ranked_supports
from interim_supports.filters import SupportFilter
from interim_supports.selectors import offer_list, support_list, supports_for_patient
from interim_supports.views.directory import search_terms
from interim_supports.views.patient import ranked_for_patient
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction

# What fits one printed page in two languages.
PRINT_LIMIT = 8


def _render(request, services, *, language: str, oht=None, **context):
    """The chosen language in the first column, the other in the second."""
    languages = (language, other_language(language))
    heads = [
        {
            "code": code,
            "oht_name": ((oht.name_fr or oht.name_en) if code == "fr" else oht.name_en)
            if oht
            else "",
        }
        for code in languages
    ]
    entries = [[card(service, code) for code in languages] for service in services]
    context |= {"heads": heads, "entries": entries}
    return render(request, "interim_supports/print_list.html", context)


@never_cache
@login_required
@require_GET
def print_offer(request, offer_pk: int):
    offer = get_object_or_404(offer_list(user=request.user), pk=offer_pk)
    patient = patient_get(user=request.user, pk=offer.patient_id, request=request)
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        request=request,
        obj=offer,
        patient=patient,
        detail={"printed_list": True},
    )
    offered = supports_for_patient(patient).filter(offers=offer)
    services = [item.service for item in ranked_for_patient(patient, offered)]
    return _render(
        request,
        services,
        language=list_language(offer.language),
        patient_name=f"{patient.given_name} {patient.family_name}",
        oht=patient.oht,
        day=offer.offered_at,
        back_patient=patient,
    )


@never_cache
@login_required
@require_GET
def print_list(request):
    """The best supports for the filters (an FSA, a language...), at most a page of
    them, or the ones named with `support=`. Records no offer: no patient is named."""
    services = support_list(user=request.user).exclude(status=SupportStatus.INACTIVE)
    chosen = [int(value) for value in request.GET.getlist("support") if value.isdigit()]
    if chosen:
        services = services.filter(pk__in=chosen)
    filterset = SupportFilter(request.GET, queryset=services)
    fsa, language = search_terms(filterset)
    shown = list_language(request.GET.get("language"), list_language(get_language()))
    items = ranked_supports(filterset.qs, fsa=fsa, language=language, page_language=shown)
    return _render(
        request,
        [item.service for item in items[:PRINT_LIMIT]],
        language=shown,
        fsa=fsa,
        more=max(len(items) - PRINT_LIMIT, 0),
        query=request.GET.urlencode(),
    )


urlpatterns = [
    path("print/", print_list, name="print_list"),
    path("print/offer/<int:offer_pk>/", print_offer, name="print_offer"),
]
