"""What the directory says about capacity, at two levels: the OHT summary (open places
by FSA and by language, and how many locations' capacity is unknown or stale) for
planning, and the capacity report shared with care connectors (every location open
to referrals, with what they need to refer), each with its export."""

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from attachment.timeline import language_label
from attachment.views.waitlist import CountedPaginator
from clinicians import exports
from clinicians.capacity import CapacityState
from clinicians.filters import LocationFilter
from clinicians.selectors import location_list
from clinicians.views.directory import PAGE_SIZE, export_filtered
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.exports import formula_safe
from oht_portal.models import OHT


@dataclass
class OHTCapacity:
    """One OHT's open places (remaining places of OPEN locations) by FSA and language.

    A location counts under its own FSA only, so the FSA rows add up to the total. Its
    places count under each language it takes patients in (the declaration's, else
    the location's), so the language rows may add up to more."""

    oht: OHT
    locations: int = 0
    open_locations: int = 0
    places: int = 0
    stale: int = 0
    never_declared: int = 0
    places_by_fsa: Counter = field(default_factory=Counter)
    open_by_fsa: Counter = field(default_factory=Counter)
    places_by_language: Counter = field(default_factory=Counter)
    open_by_language: Counter = field(default_factory=Counter)

    def fsa_rows(self) -> list[tuple[str, int, int]]:
        return [
            (fsa, self.places_by_fsa[fsa], self.open_by_fsa[fsa])
            for fsa in sorted(self.places_by_fsa)
        ]

    def language_rows(self) -> list[tuple[str, int, int]]:
        codes = sorted(
            self.places_by_language, key=lambda code: (-self.places_by_language[code], code)
        )
        return [
            (code, self.places_by_language[code], self.open_by_language[code]) for code in codes
        ]


def _codes(*lists: str) -> list[str]:
    return list(dict.fromkeys(code for text in lists for code in text.split(";") if code))


def capacity_summary(*, user, today=None) -> list[OHTCapacity]:
    """The summary of each of the user's OHTs that has practice locations, from one
    pass over the scoped, capacity-annotated directory."""
    rows = list(
        location_list(user=user, today=today)
        .order_by()
        .values_list(
            "oht_id",
            "fsa",
            "languages",
            "languages_local",
            "clinician__languages",
            "current_declaration__languages",
            "remaining",
            "capacity_state",
        )
    )
    ohts = OHT.objects.in_bulk({row[0] for row in rows})
    summaries: dict[int, OHTCapacity] = {}
    for oht_id, fsa, report, local, clinician, declared, remaining, state in rows:
        summary = summaries.setdefault(oht_id, OHTCapacity(ohts[oht_id]))
        summary.locations += 1
        if state == CapacityState.STALE:
            summary.stale += 1
        elif state == CapacityState.UNKNOWN:
            summary.never_declared += 1
        elif state == CapacityState.OPEN:
            summary.open_locations += 1
            summary.places += remaining
            summary.places_by_fsa[fsa] += remaining
            summary.open_by_fsa[fsa] += 1
            # The declaration's languages when it names some, else the location's.
            for code in _codes(declared) or _codes(report, local, clinician):
                summary.places_by_language[code] += remaining
                summary.open_by_language[code] += 1
    return sorted(summaries.values(), key=lambda summary: summary.oht.code)


def _summary_table(summaries: list[OHTCapacity]) -> tuple[list[str], list[list]]:
    headers = [
        _("OHT"),
        _("Grouping"),
        _("Code"),
        _("Open places"),
        _("Locations with open places"),
        _("Stale locations"),
        _("Never-declared locations"),
    ]
    every, by_fsa, by_language = _("All"), _("FSA"), _("Language")
    rows = []
    for summary in summaries:
        code = summary.oht.code
        rows.append(
            [
                code,
                every,
                "",
                summary.places,
                summary.open_locations,
                summary.stale,
                summary.never_declared,
            ]
        )
        rows += [[code, by_fsa, fsa, places, open_] for fsa, places, open_ in summary.fsa_rows()]
        rows += [
            [code, by_language, language, places, open_]
            for language, places, open_ in summary.language_rows()
        ]
    return headers, [[formula_safe(cell) for cell in row] for row in rows]


@never_cache
@login_required
@require_GET
def summary_index(request):
    summaries = capacity_summary(user=request.user)
    for summary in summaries:
        summary.languages = [
            (language_label(code), places, open_) for code, places, open_ in summary.language_rows()
        ]
    return render(request, "clinicians/capacity_summary.html", {"summaries": summaries})


@never_cache
@login_required
@require_GET
def summary_export(request):
    headers, rows = _summary_table(capacity_summary(user=request.user))
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        request=request,
        detail={"export": "capacity_summary", "format": "csv", "filters": {}, "rows": len(rows)},
    )
    return exports.table_response(
        "csv", headers, rows, name="capacity_summary", title=_("Capacity summary")
    )


def _report_filter(request) -> LocationFilter:
    """The directory's filters over the locations open to referrals only."""
    open_locations = location_list(user=request.user).filter(capacity_state=CapacityState.OPEN)
    return LocationFilter(request.GET, queryset=open_locations, request=request)


@never_cache
@login_required
@require_GET
def report_index(request):
    filterset = _report_filter(request)
    counts = filterset.counts()
    paginator = CountedPaginator(filterset.qs, PAGE_SIZE, count=counts["locations"])
    return render(
        request,
        "clinicians/capacity_report.html",
        {
            "filter": filterset,
            "counts": counts,
            "page": paginator.get_page(request.GET.get("page")),
        },
    )


@never_cache
@login_required
@require_GET
def report_export(request):
    return export_filtered(
        request,
        _report_filter(request),
        exports.CAPACITY_REPORT_COLUMNS,
        name="capacity_report",
        title=_("Capacity report"),
    )


urlpatterns = [
    path("summary/", summary_index, name="capacity_summary"),
    path("summary/export/", summary_export, name="capacity_summary_export"),
    path("capacity-report/", report_index, name="capacity_report"),
    path("capacity-report/export/", report_export, name="capacity_report_export"),
]
