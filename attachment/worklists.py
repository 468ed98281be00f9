"""The follow-up worklists of step 1: who replied and awaits verification, who has not
replied after N days and needs a call, who stayed unreachable after N calls, and who is
verified and ready to match. Every read is scoped to the user's OHTs.

The lists follow from the state `attachment.services` keeps on each patient
(outreach_state, verification_state, next_step, last_contacted_at), so recording an
attempt or a result moves the patient between lists with no extra bookkeeping."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from attachment.choices import HCCStatus, NextStep, OutreachState, VerificationState
from attachment.models import Patient
from attachment.priority import priority_sort_key
from attachment.selectors import patient_list


@dataclass(frozen=True)
class Worklist:
    key: str
    label: Promise
    description: Promise


VERIFY = "verify"
CALL = "call"
UNREACHABLE = "unreachable"
MATCH = "match"

WORKLISTS = (
    Worklist(
        VERIFY,
        _("Replied or reached, not verified"),
        _("The patient answered: record the verification result."),
    ),
    Worklist(
        CALL,
        _("Needs a call"),
        _("Contacted, with no reply after the waiting period: call the patient."),
    ),
    Worklist(
        UNREACHABLE,
        _("Unreachable"),
        _("Not reached after the maximum number of calls: record the result."),
    ),
    Worklist(
        MATCH,
        _("Ready to match"),
        _("Verified as still needing a clinician."),
    ),
)
WORKLIST_KEYS = tuple(worklist.key for worklist in WORKLISTS)


def reply_cutoff(now: datetime | None = None) -> datetime:
    """Patients last contacted before this moment have waited long enough for a reply."""
    return (now or timezone.now()) - timedelta(days=settings.OUTREACH_REPLY_DAYS)


def worklist_condition(key: str, *, now: datetime | None = None) -> Q:
    """Which patients belong to worklist `key`; the same rule feeds counts and lists."""
    if key == VERIFY:
        return Q(
            next_step=NextStep.VERIFY,
            outreach_state__in=[OutreachState.REPLIED, OutreachState.REACHED],
        )
    if key == CALL:
        return Q(
            next_step=NextStep.FOLLOW_UP,
            outreach_state=OutreachState.CONTACTED,
            last_contacted_at__lt=reply_cutoff(now),
        )
    if key == UNREACHABLE:
        return Q(next_step=NextStep.VERIFY, outreach_state=OutreachState.UNREACHABLE)
    if key == MATCH:
        return Q(verification_state=VerificationState.STILL_NEEDS_CARE)
    raise ValueError(f"Unknown worklist '{key}'.")


def is_due_for_call(patient: Patient, *, now: datetime | None = None) -> bool:
    """The CALL rule for one patient already in memory (the patient page's hint)."""
    return (
        patient.next_step == NextStep.FOLLOW_UP
        and patient.outreach_state == OutreachState.CONTACTED
        and patient.last_contacted_at is not None
        and patient.last_contacted_at < reply_cutoff(now)
    )


def _followed_up(*, user) -> QuerySet[Patient]:
    # Only patients still waiting on the HCC list: once the province attaches or closes
    # a registration, or it leaves the list, nobody needs to chase the patient.
    return patient_list(user=user).filter(on_hcc_list=True, status=HCCStatus.ACTIVE)


def worklist_counts(*, user, now: datetime | None = None) -> dict[str, int]:
    """How many of the user's patients are on each worklist, in one query."""
    now = now or timezone.now()
    return _followed_up(user=user).aggregate(
        **{key: Count("pk", filter=worklist_condition(key, now=now)) for key in WORKLIST_KEYS}
    )


def worklist_patients(*, user, key: str, now: datetime | None = None) -> QuerySet[Patient]:
    """The patients of one worklist, highest priority first (cohort, complex vulnerable,
    longest waiting), with what a caller needs at hand."""
    return (
        _followed_up(user=user)
        .filter(worklist_condition(key, now=now))
        .select_related("oht", "local_contact")
        .annotate(priority_key=priority_sort_key())
        .order_by("-priority_key", "registration_date", "hcc_id")
    )
