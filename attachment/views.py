"""Pages of the waitlist workspace."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from attachment.selectors import patient_get, patient_list
from oht_portal.audit import audit_record, audit_record_patients
from oht_portal.choices import AuditAction

PAGE_SIZE = 50


@login_required
@require_GET
def patient_index(request):
    search = request.GET.get("q", "")
    paginator = Paginator(patient_list(user=request.user, search=search), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    audit_record_patients(
        actor=request.user,
        action=AuditAction.SEARCH if search else AuditAction.LIST,
        patients=page.object_list,
        request=request,
        detail={"page": page.number},
    )
    return render(request, "attachment/patient_list.html", {"page": page, "search": search})


@login_required
@require_GET
def patient_detail(request, pk: int):
    patient = patient_get(user=request.user, pk=pk, request=request)
    audit_record(actor=request.user, action=AuditAction.VIEW, request=request, patient=patient)
    return render(request, "attachment/patient_detail.html", {"patient": patient})
