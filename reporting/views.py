"""The quarterly dashboard pages: the dashboard itself, its exports (CSV, XLSX), the
printable one-page summary, and the "rebuild this quarter" button.

Anyone with a role in an OHT sees its aggregates; another OHT (or a region where the
person has none) is a 404. The page shows exact figures; the exports and the print-out
leave the portal and are small-cell suppressed (reporting.suppression). Each page view
and each export writes one audit row."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction, Role
from oht_portal.scoping import ohts_for_user
from oht_portal.services import ApplicationError
from reporting import exports
from reporting.dashboard import (
    EXPORT_TABLES,
    build_dashboard,
    dashboard_ohts,
    parse_quarter,
    resolve_scope,
    scope_options,
)
from reporting.quarters import fiscal_quarter_of
from reporting.services import request_build
from reporting.suppression import SUPPRESSED, small_label, threshold
from reporting.tables import display_rows

# Who may ask for a quarter to be rebuilt (OHT administrators, where the role exists).
REBUILD_ROLES = frozenset(
    role for role in (Role.OHT_STAFF, getattr(Role, "OHT_ADMIN", None)) if role is not None
)
MAX_EXTRA_SLOTS = 100_000
# The printed summary lists the FSAs with the most people waiting, to stay on one page.
PRINT_FSAS = 10


class WhatIfForm(forms.Form):
    """The projection's "+N slots a month"."""

    extra = forms.IntegerField(
        label=gettext_lazy("Extra slots a month"),
        min_value=0,
        max_value=MAX_EXTRA_SLOTS,
        required=False,
        help_text=gettext_lazy("Places a month on top of the pace and of the capacity declared."),
    )


def _selection(request, params):
    """(ohts, scope, fiscal year, quarter) from the query. Someone with no OHT is
    refused (403), a scope not theirs is a 404, a malformed quarter a ValueError."""
    ohts = dashboard_ohts(request.user)
    if not ohts:
        raise PermissionDenied
    scope = resolve_scope(request.user, ohts, params.get("scope", ""))
    raw_quarter = params.get("quarter", "").strip()
    if raw_quarter:
        fiscal_year, quarter = parse_quarter(raw_quarter)
    else:
        fiscal_year, quarter = fiscal_quarter_of(timezone.localdate())
    return ohts, scope, fiscal_year, quarter


def _bad_quarter():
    return HttpResponseBadRequest(_("Choose a quarter from the list (for example 2025-Q3)."))


def _audit(request, board, action, detail):
    audit_record(
        actor=request.user,
        action=action,
        request=request,
        oht_code=board.scope.oht.code if board.scope.oht else "",
        detail={
            "scope": board.scope.value,
            "ohts": [oht.code for oht in board.scope.ohts],
            "quarter": board.code,
            **detail,
        },
    )


def _export_links(query: str) -> list[dict]:
    titles = {
        "summary": _("Quarterly summary"),
        "fsa": _("Waitlist by FSA"),
        "equity": _("Equity breakdowns"),
        "outcomes": _("Referral outcomes"),
        "reconciliation": _("Reconciliation"),
    }
    return [
        {
            "title": titles[table],
            "formats": [
                (
                    file_format.upper(),
                    f"{reverse('reporting:export', args=[table, file_format])}?{query}",
                )
                for file_format in exports.FORMATS
            ],
        }
        for table in EXPORT_TABLES
    ]


def may_rebuild(user, oht) -> bool:
    if oht is None:
        return False
    return ohts_for_user(user, roles=REBUILD_ROLES).filter(pk=oht.pk).exists()


@never_cache
@login_required
@require_GET
def dashboard(request):
    """One OHT or a roll-up, one quarter; `extra` adds slots a month to the projection."""
    try:
        ohts, scope, fiscal_year, quarter = _selection(request, request.GET)
    except ValueError:
        return _bad_quarter()
    form = WhatIfForm(request.GET)
    status = 200
    if form.is_valid():
        extra = form.cleaned_data["extra"] or 0
    else:
        extra, status = 0, 400
    board = build_dashboard(
        user=request.user,
        scope=scope,
        fiscal_year=fiscal_year,
        quarter=quarter,
        extra=extra,
        today=timezone.localdate(),
    )
    _audit(request, board, AuditAction.VIEW, {"view": "dashboard"})
    query = urlencode({"scope": scope.value, "quarter": board.code})
    return render(
        request,
        "reporting/dashboard.html",
        {
            "board": board,
            "scope_options": scope_options(request.user, ohts),
            "form": form,
            "query": query,
            "exports": _export_links(query),
            "may_rebuild": may_rebuild(request.user, scope.oht),
            "small_label": small_label(),
            "small_max": threshold(),
            "print_url": f"{reverse('reporting:print')}?{query}&{urlencode({'extra': extra})}",
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def export(request, table: str, file_format: str):
    """One of the dashboard's tables as a CSV or XLSX file, small cells suppressed."""
    if table not in EXPORT_TABLES or file_format not in exports.FORMATS:
        return HttpResponseBadRequest(_("Choose one of the tables, as CSV or XLSX."))
    try:
        _ohts, scope, fiscal_year, quarter = _selection(request, request.GET)
    except ValueError:
        return _bad_quarter()
    board = build_dashboard(
        user=request.user,
        scope=scope,
        fiscal_year=fiscal_year,
        quarter=quarter,
        extra=0,
        today=timezone.localdate(),
    )
    result = board.table(table)
    _audit(
        request,
        board,
        AuditAction.EXPORT,
        {"view": f"dashboard_{table}", "format": file_format, "rows": len(result.rows)},
    )
    current = board.current
    context = exports.ExportContext(
        scope_code=scope.code,
        scope_label=scope.label,
        quarter_code=board.code,
        quarter_label=board.label,
        period_start=board.bounds[0],
        period_end=board.bounds[1],
        as_of=current.as_of if current else None,
        built_at=current.built_at if current else None,
    )
    return exports.table_response(result, context, file_format)


@never_cache
@login_required
@require_GET
def print_summary(request):
    """The one-page quarterly summary for OHT boards: it leaves the portal on paper, so
    its figures are suppressed like the exports'."""
    try:
        _ohts, scope, fiscal_year, quarter = _selection(request, request.GET)
    except ValueError:
        return _bad_quarter()
    form = WhatIfForm(request.GET)
    extra = (form.cleaned_data["extra"] or 0) if form.is_valid() else 0
    board = build_dashboard(
        user=request.user,
        scope=scope,
        fiscal_year=fiscal_year,
        quarter=quarter,
        extra=extra,
        today=timezone.localdate(),
    )
    _audit(request, board, AuditAction.EXPORT, {"view": "dashboard_print", "format": "print"})
    summary = board.summary_table.suppressed_rows()
    fsa = board.fsa_table
    by_need = sorted(
        zip(fsa.rows, fsa.suppressed_rows(), strict=True),
        key=lambda pair: (-(pair[0].get("waiting") or 0), pair[0]["key"]),
    )
    return render(
        request,
        "reporting/print_summary.html",
        {
            "board": board,
            "current": display_rows(summary[-1:])[0] if board.current else {},
            "trend": display_rows(summary[-4:]),
            "fsa_top": display_rows([shown for _exact, shown in by_need[:PRINT_FSAS]]),
            "fsa_count": len(by_need),
            "equity": display_rows(board.equity_table.suppressed_rows()),
            "outcomes": display_rows(board.outcomes_table.suppressed_rows()),
            "small_label": small_label(),
            "small_max": threshold(),
            "suppressed_mark": SUPPRESSED,
            "dashboard_url": f"{reverse('reporting:dashboard')}?{request.GET.urlencode()}",
        },
    )


@login_required
@require_POST
def rebuild(request):
    """Queue a rebuild of one OHT's quarter (reporting.services.request_build)."""
    try:
        _ohts, scope, fiscal_year, quarter = _selection(request, request.POST)
    except ValueError:
        return _bad_quarter()
    if not may_rebuild(request.user, scope.oht):
        raise PermissionDenied
    back = f"{reverse('reporting:dashboard')}?" + urlencode(
        {"scope": scope.value, "quarter": f"{fiscal_year}-Q{quarter}"}
    )
    try:
        run = request_build(scope.oht, fiscal_year, quarter, request.user)
    except ApplicationError as error:
        messages.error(request, str(error))
        return redirect(back)
    # Without a worker (laptop, tests) the build has already run when this returns.
    run.refresh_from_db()
    if run.status == run.Status.SUCCEEDED:
        messages.success(request, _("The figures of this quarter were rebuilt."))
    elif run.status == run.Status.FAILED:
        messages.error(
            request, _("The rebuild failed; the previous figures of this quarter are kept.")
        )
    else:
        messages.success(
            request, _("The figures of this quarter are being rebuilt. Reload in a minute.")
        )
    return redirect(back)
