"""Outreach campaigns: step 1 of the provincial process, run on a filtered set.

A campaign is made from the waitlist's filters (`campaigns/new/?<filters>`), belongs to
one OHT and is sent by a task once the campaign is committed. The rules (which channel,
in which language, never twice) live in `attachment.outreach.campaigns`."""

from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from attachment.choices import AttemptStatus, Channel
from attachment.filters import WaitlistFilter
from attachment.models import Patient
from attachment.outreach.campaigns import (
    CAMPAIGN_CHANNELS,
    OPEN_FOR_OUTREACH,
    campaign_create,
    campaign_get,
    campaign_list,
    campaign_status_counts,
    open_for_outreach,
)
from attachment.outreach.letters import render_letter
from attachment.outreach.tasks import campaign_launch_task
from attachment.selectors import patient_list
from attachment.services import effective_contact
from oht_portal.audit import audit_record_patients
from oht_portal.choices import PATIENT_DATA_ROLES, AuditAction
from oht_portal.scoping import may_see_patients, ohts_for_user
from oht_portal.services import ApplicationError

# The statuses a campaign records, in the order the campaign page shows them.
CAMPAIGN_STATUSES = (
    AttemptStatus.QUEUED,
    AttemptStatus.SENT,
    AttemptStatus.SKIPPED,
    AttemptStatus.FAILED,
)


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Campaign name"), max_length=200)
    oht = forms.ModelChoiceField(
        label=gettext_lazy("OHT"), queryset=None, to_field_name="code", empty_label=None
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=[(channel.value, channel.label) for channel in CAMPAIGN_CHANNELS],
        widget=forms.CheckboxSelectMultiple,
        initial=[channel.value for channel in CAMPAIGN_CHANNELS],
        help_text=gettext_lazy(
            "Every patient gets each chosen channel their contact details allow; the "
            "preferred one goes first. A channel without contact details is recorded as "
            "skipped."
        ),
    )

    def __init__(self, *args, ohts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oht"].queryset = ohts


def _require_patient_access(user) -> None:
    if not may_see_patients(user):
        raise PermissionDenied


def _launch_on_commit(campaign_id: int) -> None:
    # The id only: the task reads everything else from the database.
    transaction.on_commit(partial(campaign_launch_task.delay, campaign_id))


@login_required
@require_GET
def campaign_index(request):
    _require_patient_access(request.user)
    page = Paginator(campaign_list(user=request.user), 25).get_page(request.GET.get("page"))
    for campaign in page:
        campaign.channel_labels = [Channel(channel).label for channel in campaign.channels]
    return render(request, "attachment/outreach/campaign_list.html", {"page": page})


def _matches_by_oht(patients) -> list[dict]:
    """How many patients the filters match per OHT, and how many are open for outreach
    (counts only: this page shows no patient)."""
    matched = Patient.objects.filter(pk__in=patients.order_by().values("pk"))
    return list(
        matched.values("oht__code")
        .annotate(matching=Count("id"), open=Count("id", filter=OPEN_FOR_OUTREACH))
        .order_by("oht__code")
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    """GET shows what the waitlist filters in the query string match; POST makes the
    campaign on exactly those filters and launches it once it is committed."""
    _require_patient_access(request.user)
    ohts = ohts_for_user(request.user, roles=PATIENT_DATA_ROLES)
    filterset = WaitlistFilter(
        request.GET, queryset=patient_list(user=request.user), request=request
    )
    filters_valid = filterset.is_valid()
    chosen_oht = filterset.form.cleaned_data.get("oht") if filters_valid else None
    if chosen_oht is None and len(ohts) == 1:
        chosen_oht = ohts[0]
    form = CampaignForm(
        request.POST or None, ohts=ohts, initial={"oht": chosen_oht.code if chosen_oht else None}
    )
    if request.method == "POST" and form.is_valid() and filters_valid:
        data = form.cleaned_data
        try:
            with transaction.atomic():
                campaign = campaign_create(
                    oht=data["oht"],
                    name=data["name"],
                    channels=data["channels"],
                    patients_queryset=filterset.qs,
                    filter_query=request.GET.urlencode(),
                    actor=request.user,
                    request=request,
                )
                _launch_on_commit(campaign.pk)
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The campaign is created; its letters and messages are on their way.")
            )
            return redirect("attachment:campaign_detail", pk=campaign.pk)
    return render(
        request,
        "attachment/outreach/campaign_create.html",
        {
            "filterset": filterset,
            "form": form,
            "matches": _matches_by_oht(filterset.qs) if filters_valid else None,
        },
        status=400 if request.method == "POST" else 200,
    )


def _letters_to_print(campaign):
    """The campaign's letters for patients still open for outreach (a patient found
    deceased or moved since the campaign was made must not get one)."""
    return (
        campaign.attempts.filter(channel=Channel.LETTER)
        .exclude(status=AttemptStatus.SKIPPED)
        .filter(patient__in=open_for_outreach(Patient.objects.all()))
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_detail(request, pk: int):
    """Counts per channel and status. POST launches the campaign again: only what was
    never recorded is sent (after a stopped worker, say)."""
    campaign = campaign_get(user=request.user, pk=pk)
    if request.method == "POST":
        _launch_on_commit(campaign.pk)
        messages.success(request, _("Sending resumed: only what was not sent yet goes out."))
        return redirect("attachment:campaign_detail", pk=campaign.pk)
    counts = campaign_status_counts(campaign)
    rows = [
        {
            "channel": Channel(channel).label,
            "counts": [counts[channel].get(status, 0) for status in CAMPAIGN_STATUSES],
            "total": sum(counts[channel].values()),
        }
        for channel in counts
    ]
    letters = _letters_to_print(campaign)
    return render(
        request,
        "attachment/outreach/campaign_detail.html",
        {
            "campaign": campaign,
            "statuses": [status.label for status in CAMPAIGN_STATUSES],
            "rows": rows,
            "letters": letters.count(),
            "letters_without_address": letters.filter(
                Q(patient__local_contact__isnull=True)
                | Q(patient__local_contact__mailing_address="")
            ).count(),
        },
    )


@never_cache
@login_required
@require_GET
def campaign_letters(request, pk: int):
    """Print-ready letters, one per page, each in the patient's language. Rendering a
    letter discloses the patient's name and address: one EXPORT audit row each."""
    campaign = campaign_get(user=request.user, pk=pk)
    attempts = (
        _letters_to_print(campaign)
        .select_related("patient__oht__primary_contact", "patient__local_contact")
        .order_by("patient__postal_code", "patient__hcc_id")
    )
    patients = [attempt.patient for attempt in attempts]
    letters = [render_letter(patient, effective_contact(patient)) for patient in patients]
    audit_record_patients(
        actor=request.user,
        action=AuditAction.EXPORT,
        patients=patients,
        request=request,
        detail={"campaign_id": campaign.pk, "export": "outreach_letters"},
    )
    return render(
        request,
        "attachment/outreach/campaign_letters.html",
        {"campaign": campaign, "letters": letters},
    )


urlpatterns = [
    path("campaigns/", campaign_index, name="campaign_list"),
    path("campaigns/new/", campaign_new, name="campaign_create"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/letters/", campaign_letters, name="campaign_letters"),
]
