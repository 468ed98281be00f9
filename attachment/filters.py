"""The waitlist's filters: one FilterSet drives the page, the exports and the API."""

from datetime import date
from decimal import Decimal

import django_filters
from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.db.models import Count, Q
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


WAIT_BAND_MONTHS = {"0_6": (0, 6), "6_12": (6, 12), "12_24": (12, 24), "24_plus": (24, None)}


def wait_band_q(band: str, today: date) -> Q:
    """Patients who have waited `band` (a WAIT_BANDS key) on `today`: at least the low
    bound of months, under the high one. Shared by the filter and the FSA view, so a
    band means the same everywhere."""
    low, high = WAIT_BAND_MONTHS[band]
    condition = Q(registration_date__lte=_months_ago(today, low))
    if high is not None:
        condition &= Q(registration_date__gt=_months_ago(today, high))
    return condition


def in_cohort_q() -> Q:
    return Q(registration_date__lte=settings.HCC_COHORT_DATE)


# The empty choice of every drop-down: no filter on that field.
ANY = _("Any")


class AnyYesNo(forms.Select):
    """A yes/no filter whose empty choice reads "Any" (not Django's "Unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("", ANY), ("true", _("Yes")), ("false", _("No"))])

    def format_value(self, value):
        value = {True: "true", False: "false", "True": "true", "False": "false"}.get(value, value)
        return super().format_value(value)


class WaitlistFilter(django_filters.FilterSet):
    """Filters of the waitlist. `request.user` limits the OHT choices; the queryset
    it filters must already be scoped (attachment.selectors.patient_list)."""

    q = django_filters.CharFilter(method="filter_search", label=_("Name, HCC id or health card"))
    oht = django_filters.ModelChoiceFilter(
        field_name="oht",
        queryset=OHT.objects.none(),
        to_field_name="code",
        label=_("OHT"),
        empty_label=ANY,
    )
    fsa = django_filters.CharFilter(method="filter_fsa", label=_("FSA"))
    cohort = django_filters.BooleanFilter(
        method="filter_cohort", label=_("Jan 1, 2025 cohort"), widget=AnyYesNo
    )
    complex_vulnerable = django_filters.BooleanFilter(
        label=_("Complex vulnerable"), widget=AnyYesNo
    )
    preferred_language = django_filters.CharFilter(
        lookup_expr="iexact", label=_("Preferred language")
    )
    age_band = django_filters.ChoiceFilter(
        choices=AGE_BANDS, method="filter_age_band", label=_("Age"), empty_label=ANY
    )
    wait_band = django_filters.ChoiceFilter(
        choices=WAIT_BANDS, method="filter_wait_band", label=_("Time waiting"), empty_label=ANY
    )
    min_months_waiting = django_filters.NumberFilter(
        method="filter_min_months",
        min_value=0,
        max_value=1200,  # a century: past it the date arithmetic overflows
        label=_("Waiting at least (months)"),
    )
    status = django_filters.ChoiceFilter(
        choices=HCCStatus.choices, label=_("HCC status"), empty_label=ANY
    )
    verification_state = django_filters.ChoiceFilter(
        choices=VerificationState.choices, label=_("Verification"), empty_label=ANY
    )
    outreach_state = django_filters.ChoiceFilter(
        choices=OutreachState.choices, label=_("Outreach"), empty_label=ANY
    )
    next_step = django_filters.ChoiceFilter(
        choices=NextStep.choices, label=_("Next step"), empty_label=ANY
    )
    attached = django_filters.BooleanFilter(
        method="filter_attached", label=_("Attached"), widget=AnyYesNo
    )
    on_hcc_list = django_filters.BooleanFilter(label=_("On the HCC list"), widget=AnyYesNo)
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
        """The filtered patients, sorted by priority unless another order was chosen."""
        if not hasattr(self, "_sorted_qs"):
            queryset = super().qs
            if not self._cleaned().get("ordering"):
                queryset = self.filter_ordering(queryset, "ordering", "priority")
            self._sorted_qs = queryset
        return self._sorted_qs

    def _cleaned(self) -> dict:
        # Only valid fields filter; an invalid one is shown as an error, never applied.
        self.errors  # noqa: B018 - runs validation
        return getattr(self.form, "cleaned_data", {})

    def counts(self) -> dict[str, int]:
        """Counts of the filtered set for the top of the page, in one aggregate query.
        They count `oht_id`, never null, which the (oht) covering index holds with the
        columns the counts test, so PostgreSQL can answer from the index alone."""
        return self.qs.order_by().aggregate(
            total=Count("oht"),
            cohort=Count("oht", filter=in_cohort_q()),
            complex_vulnerable=Count("oht", filter=Q(complex_vulnerable=True)),
            verified=Count("oht", filter=~Q(verification_state=VerificationState.UNVERIFIED)),
            still_needs_care=Count(
                "oht", filter=Q(verification_state=VerificationState.STILL_NEEDS_CARE)
            ),
        )

    def audit_detail(self) -> dict:
        """The filters in use, for the audit trail. The search text may be a name or a
        health card number, so only the fact that a search was made is kept."""
        detail = {}
        for name, value in self._cleaned().items():
            if value in (None, "", [], ()):
                continue
            if name == "q":
                detail["search"] = True
            elif name == "oht":
                detail["oht"] = value.code
            elif isinstance(value, Decimal):
                detail[name] = int(value)
            elif isinstance(value, bool | int | str):
                detail[name] = value
            else:
                detail[name] = str(value)
        return detail

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
        codes = [code.strip().upper() for code in value.replace(";", ",").split(",")]
        codes = [code for code in codes if code]
        return queryset.filter(fsa__in=codes) if codes else queryset

    def filter_cohort(self, queryset, name, value):
        return queryset.filter(in_cohort_q() if value else ~in_cohort_q())

    def filter_age_band(self, queryset, name, value):
        eighteen, sixty_five = _years_ago(self.today, 18), _years_ago(self.today, 65)
        if value == "child":
            return queryset.filter(date_of_birth__gt=eighteen)
        if value == "senior":
            return queryset.filter(date_of_birth__lte=sixty_five)
        return queryset.filter(date_of_birth__lte=eighteen, date_of_birth__gt=sixty_five)

    def filter_wait_band(self, queryset, name, value):
        return queryset.filter(wait_band_q(value, self.today))

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
