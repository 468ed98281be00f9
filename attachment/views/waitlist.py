"""The waitlist page: every patient the person may see, filtered and sorted."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from attachment.selectors import patient_list
from oht_portal.audit import audit_record_patients
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


urlpatterns = [path("", patient_index, name="patient_list")]
