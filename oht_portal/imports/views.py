"""Pages of the extract pipeline: upload, the list of runs, one run and its issues."""

import csv
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from oht_portal.exports import formula_safe
from oht_portal.imports.forms import ExtractUploadForm
from oht_portal.imports.pipeline import import_run_create
from oht_portal.imports.selectors import import_run_get, import_run_list, may_upload_extracts
from oht_portal.models import ImportRun
from oht_portal.tasks import import_run_task, progress_key


@login_required
@require_http_methods(["GET", "POST"])
def import_run_index(request):
    can_upload = may_upload_extracts(request.user)
    form = ExtractUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.EXTRACT_MAX_BYTES:
                form.add_error(
                    "file",
                    _("The file is over the limit of %(limit)s bytes.")
                    % {"limit": f"{settings.EXTRACT_MAX_BYTES:,}"},
                )
            else:
                run = _queue_upload(request, form.cleaned_data)
                return redirect("import_run_detail", pk=run.pk)
    page = Paginator(import_run_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "oht_portal/imports/run_list.html",
        {"form": form, "page": page, "can_upload": can_upload},
    )


def _queue_upload(request, data) -> ImportRun:
    upload = data["file"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        run = import_run_create(
            path=path,
            file_name=upload.name,
            trigger=ImportRun.Trigger.UPLOAD,
            user=request.user,
            kind=data["kind"],
            extract_date=data["extract_date"],
            force=data["force"],
        )
    transaction.on_commit(lambda: import_run_task.delay(run.pk))
    return run


@login_required
@require_GET
def import_run_detail(request, pk: int):
    run = import_run_get(user=request.user, pk=pk)
    context = {
        "run": run,
        "progress": cache.get(progress_key(run.pk)),
        "issues": run.issues.all()[:200],
    }
    if request.htmx:
        return render(request, "oht_portal/imports/partials/run_status.html", context)
    return render(request, "oht_portal/imports/run_detail.html", context)


@login_required
@require_GET
def import_run_issues_csv(request, pk: int):
    """Every rejection and warning of a run, for the data team to fix the source file."""
    run = import_run_get(user=request.user, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-run-{run.pk}-issues.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("line"), _("column"), _("severity"), _("reason")])
    for issue in run.issues.all().iterator(chunk_size=5000):
        writer.writerow(
            [
                issue.line or "",
                formula_safe(issue.column),
                issue.get_severity_display(),
                formula_safe(issue.reason),
            ]
        )
    return response
