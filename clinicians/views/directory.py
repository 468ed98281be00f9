"""The directory list (filters, counts, saved reports, export) and one location's page
with the forms that declare, confirm and describe its capacity.

Reads go through `clinicians.selectors` (a location of another OHT is a 404); a read-only
role of the location's OHT gets a 403 on a write. Forms post to their own URL and
redirect to the page; a refused or invalid form shows the page again with the error."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attachment.views.waitlist import CountedPaginator
from clinicians import exports
from clinicians.choices import DeclarationChannel
from clinicians.filters import LocationFilter
from clinicians.forms import (
    ClinicianAttributesForm,
    LocalEntryForm,
    LocationAttributesForm,
    SavedReportForm,
    StaffCapacityForm,
    VerifyForm,
)
from clinicians.models import CapacityDeclaration, ClinicianLink, PracticeLocation
from clinicians.selectors import location_get, location_list, saved_report_list
from clinicians.services import (
    capacity_declare,
    capacity_verify,
    clinician_attributes_update,
    location_attributes_update,
    location_local_create,
)
from oht_portal.audit import audit_record
from oht_portal.choices import DIRECTORY_EDIT_ROLES, AuditAction
from oht_portal.models import OHT
from oht_portal.scoping import ohts_for_user
from oht_portal.services import ApplicationError

PAGE_SIZE = 50
CAPACITY_PREFIX, VERIFY_PREFIX = "capacity", "verify"
LOCATION_PREFIX, CLINICIAN_PREFIX = "location", "clinician"


def editable_ohts(user) -> QuerySet[OHT]:
    """The OHTs whose directory `user` may change."""
    return ohts_for_user(user, roles=DIRECTORY_EDIT_ROLES)


def may_edit(user, oht_id: int) -> bool:
    return editable_ohts(user).filter(pk=oht_id).exists()


def filter_params(params: QueryDict) -> dict[str, str]:
    """The directory's own filters in `params`, without page, format or blanks: what a
    saved report keeps and an export's audit row records."""
    return {key: params[key] for key in LocationFilter.base_filters if params.get(key, "").strip()}


def filter_query(params: QueryDict) -> str:
    query = QueryDict(mutable=True)
    query.update(filter_params(params))
    return query.urlencode()


def render_list(request, *, report_form: SavedReportForm | None = None, status: int = 200):
    """The list page for the filters in the query string (also shown, with its errors,
    when saving a report fails)."""
    filterset = LocationFilter(
        request.GET, queryset=location_list(user=request.user), request=request
    )
    counts = filterset.counts()
    paginator = CountedPaginator(filterset.qs, PAGE_SIZE, count=counts["locations"])
    page = paginator.get_page(request.GET.get("page"))
    edit_oht_ids = set(editable_ohts(request.user).values_list("pk", flat=True))
    if report_form is None and edit_oht_ids:
        report_form = SavedReportForm(ohts=editable_ohts(request.user))
    reports = list(saved_report_list(user=request.user))
    for report in reports:
        report.may_delete = report.oht_id in edit_oht_ids
    context = {
        "filter": filterset,
        "counts": counts,
        "page": page,
        "query": filter_query(request.GET),
        "reports": reports,
        "report_form": report_form,
    }
    return render(request, "clinicians/location_list.html", context, status=status)


@never_cache
@login_required
@require_GET
def location_index(request):
    return render_list(request)


def export_filtered(request, filterset: LocationFilter, columns, *, name: str, title: str):
    """The whole filtered set (every page) as CSV or XLSX, with one audit row."""
    file_format = request.GET.get("format", "csv")
    if file_format not in exports.FORMATS:
        return HttpResponseBadRequest(_("Choose CSV or XLSX."))
    if not filterset.is_valid():
        # Never export a wider set than the one asked for.
        return HttpResponseBadRequest(_("Correct the filters, then export again."))
    headers, rows = exports.location_table(columns, filterset.qs)
    chosen_oht = filterset.form.cleaned_data.get("oht")
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        request=request,
        oht_code=chosen_oht.code if chosen_oht else "",
        detail={
            "export": name,
            "format": file_format,
            "filters": filter_params(request.GET),
            "rows": len(rows),
        },
    )
    return exports.table_response(file_format, headers, rows, name=name, title=title)


@never_cache
@login_required
@require_GET
def location_export(request):
    filterset = LocationFilter(
        request.GET, queryset=location_list(user=request.user), request=request
    )
    return export_filtered(
        request,
        filterset,
        exports.LOCATION_COLUMNS,
        name="clinician_directory",
        title=_("Clinician directory"),
    )


def _render_detail(request, location: PracticeLocation, *, status: int = 200, **bound_forms):
    declaration = location.current_declaration
    editable = may_edit(request.user, location.oht_id)
    context = {
        "location": location,
        "clinician": location.clinician,
        "declaration": declaration,
        "may_edit": editable,
        "history": location.capacity_declarations.select_related("declared_by"),
        "links": ClinicianLink.objects.filter(
            clinician_id=location.clinician_id, oht_id=location.oht_id
        )
        .select_related("issued_by")
        .prefetch_related("uses"),
    }
    if editable:
        context |= {
            "capacity_form": StaffCapacityForm(prefix=CAPACITY_PREFIX, declaration=declaration),
            "verify_form": VerifyForm(
                prefix=VERIFY_PREFIX, initial={"declaration": getattr(declaration, "pk", None)}
            ),
            "location_form": LocationAttributesForm(prefix=LOCATION_PREFIX, instance=location),
            "clinician_form": ClinicianAttributesForm(
                prefix=CLINICIAN_PREFIX, instance=location.clinician
            ),
            **bound_forms,
        }
    return render(request, "clinicians/location_detail.html", context, status=status)


@never_cache
@login_required
@require_GET
def location_detail(request, pk: int):
    return _render_detail(request, location_get(user=request.user, pk=pk))


def _editable_location(request, pk: int) -> PracticeLocation:
    """404 for another OHT's location; 403 for a role that only reads this one's."""
    location = location_get(user=request.user, pk=pk)
    if not may_edit(request.user, location.oht_id):
        raise PermissionDenied
    return location


def _done(request, location: PracticeLocation, message: str):
    messages.success(request, message)
    return redirect("clinicians:location_detail", pk=location.pk)


@login_required
@require_POST
def location_declare(request, pk: int):
    location = _editable_location(request, pk)
    form = StaffCapacityForm(request.POST, prefix=CAPACITY_PREFIX)
    if form.is_valid():
        try:
            capacity_declare(
                location=location,
                figures=form.figures(),
                channel=DeclarationChannel.STAFF,
                actor=request.user,
                declared_by_name=form.cleaned_data["declared_by_name"],
                request=request,
            )
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, location, _("Capacity declared."))
    return _render_detail(request, location, status=400, capacity_form=form)


@login_required
@require_POST
def location_verify(request, pk: int):
    location = _editable_location(request, pk)
    form = VerifyForm(request.POST, prefix=VERIFY_PREFIX)
    if form.is_valid():
        declaration = (
            CapacityDeclaration.objects.select_related("location__oht")
            .filter(location=location, pk=form.cleaned_data["declaration"])
            .first()
        )
        try:
            if declaration is None:
                raise ApplicationError(_("Only the current declaration can be confirmed."))
            capacity_verify(
                declaration=declaration,
                channel=DeclarationChannel.STAFF,
                actor=request.user,
                request=request,
            )
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, location, _("Capacity confirmed unchanged."))
    return _render_detail(request, location, status=400, verify_form=form)


@login_required
@require_POST
def location_attributes_edit(request, pk: int):
    location = _editable_location(request, pk)
    location_form = LocationAttributesForm(request.POST, prefix=LOCATION_PREFIX, instance=location)
    clinician_form = ClinicianAttributesForm(
        request.POST, prefix=CLINICIAN_PREFIX, instance=location.clinician
    )
    if location_form.is_valid() and clinician_form.is_valid():
        try:
            with transaction.atomic():
                location_attributes_update(
                    location=location,
                    changes=location_form.changes(),
                    actor=request.user,
                    request=request,
                )
                clinician_attributes_update(
                    clinician=location.clinician,
                    changes=clinician_form.changes(),
                    actor=request.user,
                    request=request,
                    oht_code=location.oht.code,
                )
        except ApplicationError as error:
            location_form.add_error(None, str(error))
        else:
            return _done(request, location, _("Local attributes saved."))
    return _render_detail(
        request,
        location,
        status=400,
        location_form=location_form,
        clinician_form=clinician_form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_add(request):
    """A clinician and location the report does not list yet, for staff and PCN leads."""
    ohts = editable_ohts(request.user)
    if not ohts.exists():
        raise PermissionDenied
    form = LocalEntryForm(request.POST or None, ohts=ohts)
    if request.method == "POST" and form.is_valid():
        try:
            location = location_local_create(
                oht=form.cleaned_data["oht"],
                entry=form.entry(),
                actor=request.user,
                request=request,
            )
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Practice location added."))
            return redirect("clinicians:location_detail", pk=location.pk)
    return render(request, "clinicians/location_add.html", {"form": form})


urlpatterns = [
    path("", location_index, name="location_list"),
    path("locations/new/", location_add, name="location_add"),
    path("export/", location_export, name="location_export"),
    path("locations/<int:pk>/", location_detail, name="location_detail"),
    path("locations/<int:pk>/declare/", location_declare, name="location_declare"),
    path("locations/<int:pk>/verify/", location_verify, name="location_verify"),
    path("locations/<int:pk>/attributes/", location_attributes_edit, name="location_attributes"),
]
