"""The waitlist's filters: one FilterSet drives the page, the exports and the API."""

from datetime import date

import django_filters
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attachment.choices import HCCStatus, NextStep, OutreachState, VerificationState
from attachment.models import Patient
from attachment.priority import priority_sort_key
from oht_portal.models import OHT

AGE_BANDS = [
    ("child", _("Child (0–17)")),
    ("adult", _("Adult (18–64)")),
    ("senior", _("65 and over")),
]
WAIT_BANDS = [
    ("0_6", _("Under 6 months")),
    ("6_12", _("6 to 12 months")),
    ("12_24", _("12 to 24 months")),
    ("24_plus", _("24 months or more")),
]
ORDERINGS = [
    ("priority", _("Priority")),
    ("registration_date", _("Longest waiting")),
    ("-registration_date", _("Most recent")),
    ("family_name", _("Name")),
    ("fsa", _("FSA")),
    ("hcc_id", _("HCC id")),
]


def _years_ago(today: date, years: int) -> date:
    return today - relativedelta(years=years)


def _months_ago(today: date, months: int) -> date:
    return today - relativedelta(months=months)


class WaitlistFilter(django_filters.FilterSet):
    """Filters of the waitlist. `request.user` limits the OHT choices; the queryset
    it filters must already be scoped (attachment.selectors.patient_list)."""

    q = django_filters.CharFilter(method="filter_search", label=_("Name, HCC id or health card"))
    oht = django_filters.ModelChoiceFilter(
        field_name="oht", queryset=OHT.objects.none(), to_field_name="code", label=_("OHT")
    )
    fsa = django_filters.CharFilter(method="filter_fsa", label=_("FSA"))
    cohort = django_filters.BooleanFilter(method="filter_cohort", label=_("Jan 1, 2025 cohort"))
    complex_vulnerable = django_filters.BooleanFilter(label=_("Complex vulnerable"))
    preferred_language = django_filters.CharFilter(
        lookup_expr="iexact", label=_("Preferred language")
    )
    age_band = django_filters.ChoiceFilter(
        choices=AGE_BANDS, method="filter_age_band", label=_("Age")
    )
    wait_band = django_filters.ChoiceFilter(
        choices=WAIT_BANDS, method="filter_wait_band", label=_("Time waiting")
    )
    min_months_waiting = django_filters.NumberFilter(
        method="filter_min_months", min_value=0, label=_("Waiting at least (months)")
    )
    status = django_filters.ChoiceFilter(choices=HCCStatus.choices, label=_("HCC status"))
    verification_state = django_filters.ChoiceFilter(
        choices=VerificationState.choices, label=_("Verification")
    )
    outreach_state = django_filters.ChoiceFilter(choices=OutreachState.choices, label=_("Outreach"))
    next_step = django_filters.ChoiceFilter(choices=NextStep.choices, label=_("Next step"))
    attached = django_filters.BooleanFilter(method="filter_attached", label=_("Attached"))
    on_hcc_list = django_filters.BooleanFilter(label=_("On the HCC list"))
    ordering = django_filters.ChoiceFilter(
        choices=ORDERINGS, method="filter_ordering", label=_("Sort by"), empty_label=None
    )

    class Meta:
        model = Patient
        fields: list[str] = []

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        if request is not None:
            from oht_portal.choices import PATIENT_DATA_ROLES
            from oht_portal.scoping import ohts_for_user

            self.filters["oht"].queryset = ohts_for_user(request.user, roles=PATIENT_DATA_ROLES)
        self.today = timezone.localdate()

    @property
    def qs(self):
        queryset = super().qs
        if not (self.form.is_valid() and self.form.cleaned_data.get("ordering")):
            queryset = self.filter_ordering(queryset, "ordering", "priority")
        return queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        compact = value.replace(" ", "").replace("-", "").upper()
        return queryset.filter(
            Q(hcc_id=compact)
            | Q(health_card_number=compact)
            | Q(family_name__istartswith=value)
            | Q(given_name__istartswith=value)
        )

    def filter_fsa(self, queryset, name, value):
        codes = [code.strip().upper() for code in value.replace(";", ",").split(",") if code]
        return queryset.filter(fsa__in=codes) if codes else queryset

    def filter_cohort(self, queryset, name, value):
        in_cohort = Q(registration_date__lte=settings.HCC_COHORT_DATE)
        return queryset.filter(in_cohort if value else ~in_cohort)

    def filter_age_band(self, queryset, name, value):
        eighteen, sixty_five = _years_ago(self.today, 18), _years_ago(self.today, 65)
        if value == "child":
            return queryset.filter(date_of_birth__gt=eighteen)
        if value == "senior":
            return queryset.filter(date_of_birth__lte=sixty_five)
        return queryset.filter(date_of_birth__lte=eighteen, date_of_birth__gt=sixty_five)

    def filter_wait_band(self, queryset, name, value):
        bounds = {"0_6": (0, 6), "6_12": (6, 12), "12_24": (12, 24), "24_plus": (24, None)}
        low, high = bounds[value]
        queryset = queryset.filter(registration_date__lte=_months_ago(self.today, low))
        if high is not None:
            queryset = queryset.filter(registration_date__gt=_months_ago(self.today, high))
        return queryset

    def filter_min_months(self, queryset, name, value):
        return queryset.filter(registration_date__lte=_months_ago(self.today, int(value)))

    def filter_attached(self, queryset, name, value):
        attached = Q(status=HCCStatus.ATTACHED) | Q(
            verification_state=VerificationState.FOUND_CLINICIAN
        )
        return queryset.filter(attached if value else ~attached)

    def filter_ordering(self, queryset, name, value):
        if value == "priority":
            return queryset.annotate(priority_key=priority_sort_key()).order_by(
                "-priority_key", "registration_date", "hcc_id"
            )
        return queryset.order_by(value, "hcc_id")
