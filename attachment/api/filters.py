"""Filters of the waitlist and matching API. The patient list takes every filter of the
waitlist page (the same FilterSet) and the page's follow-up worklists; every list has
an `ordering` with an explicit allowlist (an unknown value is a 400)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attachment.choices import (
    AttemptStatus,
    Channel,
    HCCStatus,
    ProposalStatus,
    ReferralStatus,
    VerificationResult,
)
from attachment.filters import WaitlistFilter
from attachment.models import OutreachAttempt, Proposal, Referral, Verification
from attachment.referrals import overdue_before
from attachment.worklists import WORKLISTS, worklist_condition


class PatientFilter(WaitlistFilter):
    """The waitlist page's filters, plus `worklist`: the patients of one follow-up
    worklist of the worklist page (still active on the HCC list)."""

    worklist = django_filters.ChoiceFilter(
        choices=[(worklist.key, worklist.label) for worklist in WORKLISTS],
        method="filter_worklist",
        label=_("Worklist"),
    )

    def filter_worklist(self, queryset, name, value):
        return queryset.filter(on_hcc_list=True, status=HCCStatus.ACTIVE).filter(
            worklist_condition(value, now=timezone.now())
        )


class OutreachAttemptFilter(django_filters.FilterSet):
    """A patient's attempts, newest first unless `ordering` says otherwise."""

    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    status = django_filters.ChoiceFilter(choices=AttemptStatus.choices, label=_("Status"))
    ordering = django_filters.OrderingFilter(fields=["attempted_at", "id"], label=_("Sort by"))

    class Meta:
        model = OutreachAttempt
        fields = ["channel", "status"]


class VerificationFilter(django_filters.FilterSet):
    """A patient's verification results, newest first unless `ordering` says otherwise."""

    result = django_filters.ChoiceFilter(choices=VerificationResult.choices, label=_("Result"))
    ordering = django_filters.OrderingFilter(fields=["recorded_at", "id"], label=_("Sort by"))

    class Meta:
        model = Verification
        fields = ["result"]


class ProposalFilter(django_filters.FilterSet):
    run = django_filters.NumberFilter(field_name="run_id")
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices)
    oht = django_filters.CharFilter(field_name="patient__oht__code", lookup_expr="iexact")
    location = django_filters.NumberFilter(field_name="location_id")
    patient = django_filters.NumberFilter(field_name="patient_id")
    ordering = django_filters.OrderingFilter(
        fields=["run", "score", "distance_km", "decided_at", "id"], label=_("Sort by")
    )

    class Meta:
        model = Proposal
        fields = ["run", "status", "oht", "location", "patient"]


def overdue_before_today():
    return overdue_before(timezone.localdate())


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)
    oht = django_filters.CharFilter(field_name="patient__oht__code", lookup_expr="iexact")
    location = django_filters.NumberFilter(field_name="location_id")
    patient = django_filters.NumberFilter(field_name="patient_id")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Still referred after REFERRAL_ANSWER_BUSINESS_DAYS business days",
    )
    ordering = django_filters.OrderingFilter(
        fields=["referred_at", "updated_at", "status", "id"], label=_("Sort by")
    )

    class Meta:
        model = Referral
        fields = ["status", "oht", "location", "patient", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status=ReferralStatus.REFERRED, referred_at__lt=overdue_before_today())
        return queryset.filter(late) if value else queryset.exclude(late)
