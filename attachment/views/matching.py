"""The matching pages: start a run for one of the person's OHTs, follow its progress,
review its proposals next to what a first-come greedy pass would have given, and
confirm or reject them (one at a time, or a batch for a high-capacity team).

A run belongs to an OHT: another OHT's run or proposal is a 404. Proposals are
patient-level, so their reads are scoped to the patients the person may see and every
page that shows them is audited; confirming and rejecting go through
`attachment.referrals`, which audits each write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attachment import referrals
from attachment.choices import MatchingRunStatus, ProposalStatus
from attachment.forms import MatchingRunForm, ProposalFilterForm
from attachment.matching.explain import reason_labels
from attachment.matching.run import matching_run_start
from attachment.models import MatchingRun, Proposal
from clinicians.models import PracticeLocation
from oht_portal.audit import audit_record, audit_record_patients
from oht_portal.choices import PATIENT_DATA_ROLES, AuditAction
from oht_portal.scoping import may_see_patients, ohts_for_user, scope_to_user
from oht_portal.services import ApplicationError

RUNS_SHOWN = 20
PROPOSAL_PAGE_SIZE = 100
# Seconds between reloads of a page whose run is still queued or running.
REFRESH_SECONDS = 3


def _require_patient_access(user) -> None:
    if not may_see_patients(user):
        # PCN leads plan with aggregates; proposals name patients.
        raise PermissionDenied


def run_list(*, user):
    """Runs of the OHTs where `user` may see patient data, newest first."""
    return scope_to_user(MatchingRun.objects.select_related("oht", "created_by"), user)


def run_get(*, user, pk: int) -> MatchingRun:
    try:
        return run_list(user=user).get(pk=pk)
    except MatchingRun.DoesNotExist:
        raise Http404 from None


def _run_proposals(*, user, run: MatchingRun):
    """The run's proposals for patients `user` may see (a run with partner OHTs also
    proposes their patients, which stay theirs to see)."""
    return referrals.proposal_list(user=user).filter(run=run).select_related("location__clinician")


def _proposal_get(request, pk: int) -> Proposal:
    """One proposal for a patient the person may see; 404 otherwise (audited)."""
    return referrals.proposal_get(user=request.user, pk=pk, request=request)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def matching_index(request):
    """GET: the start form and the recent runs. POST: start a run (it is enqueued; the
    run's page shows its progress)."""
    _require_patient_access(request.user)
    ohts = ohts_for_user(request.user, roles=PATIENT_DATA_ROLES)
    form = MatchingRunForm(request.POST or None, ohts=ohts)
    if request.method == "POST":
        if form.is_valid():
            try:
                run = matching_run_start(
                    oht=form.cleaned_data["oht"],
                    include_partners=form.cleaned_data["include_partners"],
                    actor=request.user,
                    request=request,
                )
            except ApplicationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Matching run started."))
                return redirect("attachment:matching_run", pk=run.pk)
    runs = list(run_list(user=request.user)[:RUNS_SHOWN])
    running = any(run.status in _UNFINISHED for run in runs)
    return render(
        request,
        "attachment/matching/index.html",
        {"form": form, "runs": runs, "refresh": REFRESH_SECONDS if running else None},
        status=400 if request.method == "POST" else 200,
    )


_UNFINISHED = (MatchingRunStatus.QUEUED, MatchingRunStatus.RUNNING)

# The totals shown side by side: (key, label, how to show, higher is better).
_TOTALS = (
    ("patients", gettext_lazy("Patients matched"), "count", True),
    ("cohort", gettext_lazy("Cohort patients matched"), "count", True),
    ("complex_vulnerable", gettext_lazy("Complex vulnerable patients matched"), "count", True),
    ("language_concordant", gettext_lazy("Language-concordant matches"), "count", True),
    ("language_concordant_share", gettext_lazy("Language-concordant share"), "share", True),
    ("median_km", gettext_lazy("Median distance (km)"), "km", False),
    ("objective", gettext_lazy("Objective (priority-weighted fit)"), "number", True),
)


def _shown(value, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "share":
        return f"{float(value) * 100:.0f} %"
    if kind == "km":
        return f"{float(value):.1f}"
    if kind == "number":
        return f"{float(value):,.1f}"
    return f"{int(value):,}"


def _totals_rows(run: MatchingRun) -> list[dict]:
    """Each total of the optimal set next to the greedy pass, with the gain."""
    rows = []
    for key, label, kind, higher_is_better in _TOTALS:
        optimal, greedy = run.totals.get(key), run.greedy_totals.get(key)
        gain = "—"
        if isinstance(optimal, int | float) and isinstance(greedy, int | float):
            # Signed so that "+" always means better than the greedy pass.
            difference = optimal - greedy if higher_is_better else greedy - optimal
            sign = "+" if difference > 0 else "−" if difference < 0 else ""
            gain = sign + _shown(abs(difference), kind)
        rows.append(
            {
                "key": key,
                "label": label,
                "optimal": _shown(optimal, kind),
                "greedy": _shown(greedy, kind),
                "gain": gain,
            }
        )
    return rows


@never_cache
@login_required
@require_GET
def matching_run(request, pk: int):
    """A run: its progress while it works; when done, the totals against the greedy
    pass and the proposals to review, filtered by location and status."""
    _require_patient_access(request.user)
    run = run_get(user=request.user, pk=pk)
    proposals = _run_proposals(user=request.user, run=run)
    locations = PracticeLocation.objects.filter(
        pk__in=proposals.order_by().values("location")
    ).order_by("practice_name", "pk")
    filters = ProposalFilterForm(request.GET or None, locations=locations)
    if filters.is_valid():
        if filters.cleaned_data["location"]:
            proposals = proposals.filter(location_id=filters.cleaned_data["location"])
        if filters.cleaned_data["status"]:
            proposals = proposals.filter(status=filters.cleaned_data["status"])
    page = Paginator(proposals, PROPOSAL_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    audit_record_patients(
        actor=request.user,
        action=AuditAction.LIST,
        patients=[proposal.patient for proposal in shown],
        request=request,
        detail={"matching_run": run.pk, "page": page.number},
    )
    for proposal in shown:
        proposal.reason_labels = reason_labels(proposal.reasons)
    return render(
        request,
        "attachment/matching/run_detail.html",
        {
            "run": run,
            "totals": _totals_rows(run) if run.status == MatchingRunStatus.DONE else [],
            "filters": filters,
            "page": page,
            "proposals": shown,
            "query": request.GET.urlencode(),
            "refresh": REFRESH_SECONDS if run.status in _UNFINISHED else None,
            "proposed": ProposalStatus.PROPOSED,
        },
    )


def _run_url(run: MatchingRun, query: str) -> str:
    url = reverse("attachment:matching_run", kwargs={"pk": run.pk})
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def matching_run_decide(request, pk: int):
    """Confirm or reject the ticked proposals. A confirmed batch is all or nothing: with
    too few places left, none is referred and the page says why."""
    _require_patient_access(request.user)
    run = run_get(user=request.user, pk=pk)
    query = request.POST.get("query", "")
    ids = [value for value in request.POST.getlist("proposal") if value.isdigit()]
    action = request.POST.get("action")
    if action not in ("confirm", "reject"):
        messages.error(request, _("Choose to confirm or to reject the selected proposals."))
        return redirect(_run_url(run, query))
    chosen = list(_run_proposals(user=request.user, run=run).filter(pk__in=ids))
    if not chosen:
        messages.error(request, _("Select at least one proposal."))
        return redirect(_run_url(run, query))
    try:
        if action == "confirm":
            referrals.proposals_confirm(proposals=chosen, actor=request.user, request=request)
        else:
            with transaction.atomic():
                for proposal in chosen:
                    referrals.proposal_reject(
                        proposal=proposal, actor=request.user, request=request
                    )
    except ApplicationError as error:
        messages.error(request, _("Nothing was changed: %(error)s") % {"error": error})
    else:
        count = len(chosen)
        if action == "confirm":
            text = ngettext(
                "%(count)d proposal confirmed: the patient is referred.",
                "%(count)d proposals confirmed: the patients are referred.",
                count,
            )
        else:
            text = ngettext("%(count)d proposal rejected.", "%(count)d proposals rejected.", count)
        messages.success(request, text % {"count": count})
    return redirect(_run_url(run, query))


def _alternatives(proposal: Proposal) -> list[dict]:
    """The runner-up locations, in the order the run kept them, with their reasons."""
    ids = [item.get("location") for item in proposal.alternatives or []]
    locations = PracticeLocation.objects.select_related("clinician").in_bulk(
        [pk for pk in ids if pk is not None]
    )
    return [
        {
            "location": locations.get(item.get("location")),
            "score": item.get("score"),
            "reasons": reason_labels(item.get("reasons") or []),
        }
        for item in proposal.alternatives or []
    ]


def _render_proposal(request, proposal: Proposal, *, error: str = "", status: int = 200):
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        request=request,
        obj=proposal,
        patient=proposal.patient,
    )
    # The reverse one-to-one raises an AttributeError subclass when there is none.
    referral = getattr(proposal, "referral", None)
    return render(
        request,
        "attachment/matching/proposal_detail.html",
        {
            "proposal": proposal,
            "reasons": reason_labels(proposal.reasons),
            "alternatives": _alternatives(proposal),
            "referral": referral,
            "error": error,
            "proposed": proposal.status == ProposalStatus.PROPOSED,
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def proposal_detail(request, pk: int):
    proposal = _proposal_get(request, pk)
    return _render_proposal(request, proposal)


@login_required
@require_POST
def proposal_confirm_view(request, pk: int):
    proposal = _proposal_get(request, pk)
    try:
        referral = referrals.proposal_confirm(
            proposal=proposal, actor=request.user, request=request
        )
    except ApplicationError as error:
        proposal.refresh_from_db()
        return _render_proposal(
            request, proposal, error=str(error), status=getattr(error, "status_code", 400)
        )
    messages.success(request, _("Proposal confirmed: the patient is referred."))
    return redirect("attachment:referral_detail", pk=referral.pk)


@login_required
@require_POST
def proposal_reject_view(request, pk: int):
    proposal = _proposal_get(request, pk)
    try:
        referrals.proposal_reject(proposal=proposal, actor=request.user, request=request)
    except ApplicationError as error:
        proposal.refresh_from_db()
        return _render_proposal(
            request, proposal, error=str(error), status=getattr(error, "status_code", 400)
        )
    messages.success(request, _("Proposal rejected."))
    return redirect("attachment:matching_run", pk=proposal.run_id)


urlpatterns = [
    path("matching/", matching_index, name="matching_index"),
    path("matching/<int:pk>/", matching_run, name="matching_run"),
    path("matching/<int:pk>/decide/", matching_run_decide, name="matching_run_decide"),
    path("matching/proposals/<int:pk>/", proposal_detail, name="proposal_detail"),
    path("matching/proposals/<int:pk>/confirm/", proposal_confirm_view, name="proposal_confirm"),
    path("matching/proposals/<int:pk>/reject/", proposal_reject_view, name="proposal_reject"),
]
