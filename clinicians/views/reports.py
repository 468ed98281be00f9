"""Saved directory filters ("reports"): staff name the list's current filters for one
of their OHTs, everyone of that OHT re-runs them from the list page, editors delete
them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinicians.forms import SavedReportForm
from clinicians.selectors import saved_report_list
from clinicians.services import saved_report_create, saved_report_delete
from clinicians.views.directory import editable_ohts, filter_query, may_edit, render_list


@login_required
@require_POST
def report_create(request):
    """Posted with the list's query string, which is what gets saved."""
    ohts = editable_ohts(request.user)
    if not ohts.exists():
        raise PermissionDenied
    form = SavedReportForm(request.POST, ohts=ohts)
    if not form.is_valid():
        return render_list(request, report_form=form, status=400)
    query = filter_query(request.GET)
    report = saved_report_create(
        oht=form.cleaned_data["oht"],
        name=form.cleaned_data["name"],
        query=query,
        actor=request.user,
        request=request,
    )
    messages.success(request, _("Report “%(name)s” saved.") % {"name": report.name})
    return redirect(f"{reverse('clinicians:location_list')}?{query}")


@login_required
@require_POST
def report_delete(request, pk: int):
    report = get_object_or_404(saved_report_list(user=request.user), pk=pk)
    if not may_edit(request.user, report.oht_id):
        raise PermissionDenied
    saved_report_delete(report=report, actor=request.user, request=request)
    messages.success(request, _("Report “%(name)s” deleted.") % {"name": report.name})
    return redirect("clinicians:location_list")


urlpatterns = [
    path("reports/new/", report_create, name="report_create"),
    path("reports/<int:pk>/delete/", report_delete, name="report_delete"),
]
