"""The waitlist pages: every patient the person may see, filtered, sorted and counted;
the export of the filtered set; and the per-FSA planning view."""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import BoundField
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from attachment import exports
from attachment.choices import NextStep, OutreachState, VerificationState
from attachment.filters import WaitlistFilter
from attachment.fsa import FSAFigures, fsa_ohts, fsa_summary
from attachment.models import Patient
from attachment.priority import Priority, months_waited, patient_priority
from attachment.selectors import patient_list
from oht_portal.audit import audit_record, audit_record_patients
from oht_portal.choices import AuditAction
from oht_portal.scoping import may_see_patients

PAGE_SIZE = 50
# The FSA bar chart, in SVG user units: a label column, then the bars, then the value.
CHART_LABEL_WIDTH = 120
CHART_BAR_WIDTH = 420
CHART_ROW_HEIGHT = 28
CHART_BAR_HEIGHT = 18
CHART_TOP = 8


class CountedPaginator(Paginator):
    """A paginator given the count: the page's counts query has already made it, so
    the paginator does not run its own COUNT over the filtered set."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@dataclass(frozen=True)
class WaitlistRow:
    """One patient on the page, with what is worked out for today and the labels of
    their states (looked up once per page rather than per row and field)."""

    patient: Patient
    age: int
    waiting: str
    priority: Priority
    outreach: str
    verification: str
    next_step: str


@dataclass(frozen=True)
class Option:
    """One choice of a filter's drop-down."""

    value: str
    label: str
    selected: bool


def _filter_controls(form) -> list[tuple[BoundField, list[Option] | None]]:
    """Each filter with, for a drop-down, its options worked out here: rendering some
    sixty options through Django's per-option widget templates was a fifth of the
    page's time. Text and number inputs keep their widgets."""
    controls = []
    for field in form:
        widget = field.field.widget
        if not isinstance(widget, forms.Select):
            controls.append((field, None))
            continue
        chosen = form.data.get(field.html_name) or ""
        options = [
            Option(value=str(value), label=str(label), selected=str(value) == chosen)
            for value, label in widget.choices
        ]
        controls.append((field, options))
    return controls


def _waitlist_filter(request) -> WaitlistFilter:
    if not may_see_patients(request.user):
        raise PermissionDenied
    return WaitlistFilter(request.GET, queryset=patient_list(user=request.user), request=request)


@never_cache
@login_required
@require_GET
def patient_index(request):
    filterset = _waitlist_filter(request)
    filters_used = filterset.audit_detail()
    counts = filterset.counts()
    paginator = CountedPaginator(filterset.qs, PAGE_SIZE, count=counts["total"])
    page = paginator.get_page(request.GET.get("page"))
    patients = list(page.object_list)
    audit_record_patients(
        actor=request.user,
        action=AuditAction.SEARCH if filters_used.get("search") else AuditAction.LIST,
        patients=patients,
        request=request,
        detail={"page": page.number, "filters": filters_used},
    )
    today = timezone.localdate()
    labels = {
        "outreach": _labels(OutreachState),
        "verification": _labels(VerificationState),
        "next_step": _labels(NextStep),
    }
    page.object_list = [_row(patient, today, labels) for patient in patients]
    return render(
        request,
        "attachment/patient_list.html",
        {
            "filter": filterset,
            "filter_controls": _filter_controls(filterset.form),
            "counts": counts,
            "page": page,
        },
    )


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _row(patient: Patient, today: date, labels: dict[str, dict[str, str]]) -> WaitlistRow:
    months = months_waited(patient.registration_date, today)
    return WaitlistRow(
        patient=patient,
        age=patient.age_on(today),
        waiting=ngettext("%(n)d month waiting", "%(n)d months waiting", months) % {"n": months},
        priority=patient_priority(patient, today),
        outreach=labels["outreach"].get(patient.outreach_state, patient.outreach_state),
        verification=labels["verification"].get(
            patient.verification_state, patient.verification_state
        ),
        next_step=labels["next_step"].get(patient.next_step, patient.next_step),
    )


@never_cache
@login_required
@require_GET
def patient_export(request):
    """The filtered set as CSV (streamed) or XLSX, one audit row per exported patient."""
    filterset = _waitlist_filter(request)
    file_format = request.GET.get("format", "csv")
    if file_format not in exports.FORMATS:
        return HttpResponseBadRequest(_("Choose CSV or XLSX."))
    if not filterset.is_valid():
        # Never export a wider set than the one asked for.
        return HttpResponseBadRequest(_("Correct the filters, then export again."))
    detail = {"format": file_format, "filters": filterset.audit_detail()}
    if file_format == "xlsx":
        return exports.xlsx_response(
            filterset.qs, actor=request.user, request=request, detail=detail
        )
    return exports.csv_response(filterset.qs, actor=request.user, request=request, detail=detail)


@never_cache
@login_required
@require_GET
def fsa_index(request):
    """Per-FSA figures of one of the person's OHTs, as a table and a bar chart."""
    ohts = list(fsa_ohts(user=request.user))
    if not ohts:
        raise PermissionDenied
    chosen = request.GET.get("oht", "")
    oht = next((candidate for candidate in ohts if candidate.code == chosen), ohts[0])
    summary = fsa_summary(user=request.user, oht=oht, today=timezone.localdate())
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        request=request,
        oht_code=oht.code,
        detail={"view": "fsa_summary"},
    )
    return render(
        request,
        "attachment/fsa_summary.html",
        {
            "ohts": ohts,
            "oht": oht,
            "summary": summary,
            "chart": _fsa_chart(summary.rows),
            "may_see_patients": may_see_patients(request.user),
        },
    )


@dataclass(frozen=True)
class ChartBar:
    """One FSA's bar: active patients, with the cohort part drawn over it."""

    figures: FSAFigures
    y: int
    text_y: int
    active_width: int
    cohort_width: int
    value_x: int


def _fsa_chart(rows: list[FSAFigures]) -> dict:
    """Geometry of the server-drawn SVG chart (integers: no style, no script, no locale
    in the numbers)."""
    largest = max((row.active for row in rows), default=0) or 1
    bars = []
    for index, row in enumerate(rows):
        y = CHART_TOP + index * CHART_ROW_HEIGHT
        active_width = round(row.active / largest * CHART_BAR_WIDTH)
        bars.append(
            ChartBar(
                figures=row,
                y=y,
                text_y=y + CHART_BAR_HEIGHT - 4,
                active_width=active_width,
                cohort_width=round(row.cohort / largest * CHART_BAR_WIDTH),
                value_x=CHART_LABEL_WIDTH + active_width + 6,
            )
        )
    return {
        "bars": bars,
        "label_width": CHART_LABEL_WIDTH,
        "bar_height": CHART_BAR_HEIGHT,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 80,
        "height": CHART_TOP * 2 + max(len(rows), 1) * CHART_ROW_HEIGHT,
    }


urlpatterns = [
    path("", patient_index, name="patient_list"),
    path("export/", patient_export, name="patient_export"),
    path("fsa/", fsa_index, name="fsa_summary"),
]
