"""The directory's filters: one FilterSet drives the list page, its exports, saved
reports, engagement segments and the API. The queryset it filters must come from
clinicians.selectors.location_list (scoped and annotated with capacity)."""

import re

import django_filters
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from attachment.filters import ANY, AnyYesNo
from clinicians.capacity import CapacityState
from clinicians.choices import AcceptingStatus, ClinicianType, TeamType
from clinicians.models import ADULT_AGE, PracticeLocation
from oht_portal.models import OHT

CAPACITY_STATES = [
    (CapacityState.OPEN, _("Open: accepting, with places left")),
    (CapacityState.FULL, _("Full or not accepting")),
    (CapacityState.STALE, _("Stale: past its expiry")),
    (CapacityState.UNKNOWN, _("Never declared")),
]
ORDERINGS = [
    ("-remaining", _("Most places left")),
    ("practice_name", _("Practice")),
    ("clinician__family_name", _("Clinician")),
    ("fsa", _("FSA")),
    ("current_declaration__expires_on", _("Expiring first")),
]
_LANGUAGE = re.compile(r"[a-z]{2}")
_FSA = re.compile(r"[A-Z][0-9][A-Z]")


def code_in_list_q(field: str, code: str) -> Q:
    """`code` is one of the ';'-separated codes in `field`."""
    return Q(**{f"{field}__regex": rf"(^|;){code}(;|$)"})


def language_q(code: str) -> Q:
    """Care is offered in `code` at the location (report, OHT additions or clinician)."""
    return (
        code_in_list_q("languages", code)
        | code_in_list_q("languages_local", code)
        | code_in_list_q("clinician__languages", code)
    )


def french_services_q() -> Q:
    return Q(clinician__french_language_services=True) | language_q("fr")


def paediatric_q() -> Q:
    """Cares for children, and the current declaration (if any) takes them."""
    takes_children = (
        Q(current_declaration__isnull=True)
        | Q(current_declaration__min_age__isnull=True)
        | Q(current_declaration__min_age__lt=ADULT_AGE)
    )
    return Q(clinician__paediatrics=True) & takes_children


def serves_fsa_q(fsa: str) -> Q:
    return Q(fsa=fsa) | code_in_list_q("fsas_served", fsa)


class LocationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label=_("Clinician, practice or registration number")
    )
    oht = django_filters.ModelChoiceFilter(
        field_name="oht",
        queryset=OHT.objects.none(),
        to_field_name="code",
        label=_("OHT"),
        empty_label=ANY,
    )
    fsa = django_filters.CharFilter(method="filter_fsa", label=_("FSA served"))
    language = django_filters.CharFilter(method="filter_language", label=_("Language of care"))
    french_services = django_filters.BooleanFilter(
        method="filter_french", label=_("French-language services"), widget=AnyYesNo
    )
    paediatrics = django_filters.BooleanFilter(
        method="filter_paediatrics", label=_("Paediatric care"), widget=AnyYesNo
    )
    serves_remote = django_filters.BooleanFilter(
        label=_("Serves remote communities"), widget=AnyYesNo
    )
    virtual_care = django_filters.BooleanFilter(label=_("Virtual visits"), widget=AnyYesNo)
    pcn_member = django_filters.BooleanFilter(label=_("PCN member"), widget=AnyYesNo)
    clinician_type = django_filters.ChoiceFilter(
        field_name="clinician__clinician_type",
        choices=ClinicianType.choices,
        label=_("Clinician type"),
        empty_label=ANY,
    )
    team_type = django_filters.ChoiceFilter(
        field_name="team__team_type", choices=TeamType.choices, label=_("Team"), empty_label=ANY
    )
    accepting = django_filters.ChoiceFilter(
        field_name="current_declaration__accepting_status",
        choices=AcceptingStatus.choices,
        label=_("Accepting"),
        empty_label=ANY,
    )
    capacity = django_filters.ChoiceFilter(
        field_name="capacity_state", choices=CAPACITY_STATES, label=_("Capacity"), empty_label=ANY
    )
    min_remaining = django_filters.NumberFilter(
        method="filter_min_remaining", min_value=1, label=_("Places left at least")
    )
    stale = django_filters.BooleanFilter(
        method="filter_stale", label=_("Capacity stale"), widget=AnyYesNo
    )
    on_latest_report = django_filters.BooleanFilter(
        label=_("On the latest report"), widget=AnyYesNo
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERINGS, method="filter_ordering", label=_("Sort by"), empty_label=None
    )

    class Meta:
        model = PracticeLocation
        fields: list[str] = []

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        if request is not None:
            from oht_portal.scoping import ohts_for_user

            self.filters["oht"].queryset = ohts_for_user(request.user)

    @property
    def qs(self):
        if not hasattr(self, "_sorted_qs"):
            queryset = super().qs
            if not self._cleaned().get("ordering"):
                queryset = self.filter_ordering(queryset, "ordering", "-remaining")
            self._sorted_qs = queryset
        return self._sorted_qs

    def _cleaned(self) -> dict:
        self.errors  # noqa: B018 - runs validation
        return getattr(self.form, "cleaned_data", {})

    def counts(self) -> dict[str, int]:
        """Locations, clinicians and open places of the filtered set."""
        totals = self.qs.order_by().aggregate(
            locations=Count("pk"),
            clinicians=Count("clinician", distinct=True),
            open=Count("pk", filter=Q(capacity_state=CapacityState.OPEN)),
            stale=Count("pk", filter=Q(capacity_state=CapacityState.STALE)),
        )
        places = (
            self.qs.order_by()
            .filter(capacity_state=CapacityState.OPEN)
            .aggregate(places=Sum("remaining"))["places"]
        )
        return {**totals, "places": places or 0}

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(clinician__registration_number=value)
            | Q(clinician__family_name__icontains=value)
            | Q(clinician__given_name__icontains=value)
            | Q(practice_name__icontains=value)
            | Q(team__name__icontains=value)
        )

    def filter_fsa(self, queryset, name, value):
        codes = [c.strip().upper() for c in value.replace(";", ",").split(",")]
        codes = [c for c in codes if _FSA.fullmatch(c)]
        if not codes:
            return queryset.none() if value.strip() else queryset
        condition = Q()
        for code in codes:
            condition |= serves_fsa_q(code)
        return queryset.filter(condition)

    def filter_language(self, queryset, name, value):
        code = value.strip().lower()
        if not code:
            return queryset
        if not _LANGUAGE.fullmatch(code):
            return queryset.none()
        return queryset.filter(language_q(code))

    def filter_french(self, queryset, name, value):
        return queryset.filter(french_services_q() if value else ~french_services_q())

    def filter_paediatrics(self, queryset, name, value):
        return queryset.filter(paediatric_q() if value else ~paediatric_q())

    def filter_min_remaining(self, queryset, name, value):
        return queryset.filter(capacity_state=CapacityState.OPEN, remaining__gte=int(value))

    def filter_stale(self, queryset, name, value):
        stale = Q(capacity_state=CapacityState.STALE)
        return queryset.filter(stale if value else ~stale)

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(value, "practice_name", "pk")
