"""One patient's page: everything the OHT knows and has done, in one place."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from attachment.selectors import patient_get
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction


@login_required
@require_GET
def patient_detail(request, pk: int):
    patient = patient_get(user=request.user, pk=pk, request=request)
    audit_record(actor=request.user, action=AuditAction.VIEW, request=request, patient=patient)
    return render(request, "attachment/patient_detail.html", {"patient": patient})


urlpatterns = [path("<int:pk>/", patient_detail, name="patient_detail")]
