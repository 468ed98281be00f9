"""The supports' filters: one FilterSet for the search page, the printable list and
the API. The queryset must come from interim_supports.selectors (scoped)."""

import re

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attachment.filters import ANY, AnyYesNo
from interim_supports.choices import SupportStatus, SupportType
from interim_supports.hours import service_open_at
from interim_supports.models import SupportService
from interim_supports.search import code_in_list_q, eligible_q, serves_fsa_q

_FSA = re.compile(r"[A-Z][0-9][A-Z]")
_LANGUAGE = re.compile(r"[a-z]{2}")


class SupportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Name or organization"))
    fsa = django_filters.CharFilter(method="filter_fsa", label=_("Serves FSA"))
    language = django_filters.CharFilter(method="filter_language", label=_("Language"))
    support_type = django_filters.MultipleChoiceFilter(choices=SupportType.choices, label=_("Type"))
    age = django_filters.NumberFilter(
        method="filter_age", min_value=0, max_value=120, label=_("Patient's age")
    )
    attached = django_filters.BooleanFilter(
        method="filter_attached", label=_("Patient has a family doctor or NP"), widget=AnyYesNo
    )
    indigenous_led = django_filters.BooleanFilter(label=_("Indigenous-led"), widget=AnyYesNo)
    complex_needs = django_filters.BooleanFilter(label=_("Serves complex needs"), widget=AnyYesNo)
    walk_in = django_filters.BooleanFilter(label=_("Walk in"), widget=AnyYesNo)
    virtual = django_filters.BooleanFilter(
        method="filter_virtual", label=_("Virtual option"), widget=AnyYesNo
    )
    status = django_filters.ChoiceFilter(
        choices=SupportStatus.choices, label=_("Status"), empty_label=ANY
    )
    stale = django_filters.BooleanFilter(
        method="filter_stale", label=_("Past its review date"), widget=AnyYesNo
    )
    open_now = django_filters.BooleanFilter(
        method="filter_open_now", label=_("Open now"), widget=AnyYesNo
    )

    class Meta:
        model = SupportService
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name_en__icontains=value)
            | Q(name_fr__icontains=value)
            | Q(organization__name__icontains=value)
        )

    def filter_fsa(self, queryset, name, value):
        code = value.strip().upper()
        if not code:
            return queryset
        return queryset.filter(serves_fsa_q(code)) if _FSA.fullmatch(code) else queryset.none()

    def filter_language(self, queryset, name, value):
        code = value.strip().lower()
        if not code:
            return queryset
        if not _LANGUAGE.fullmatch(code):
            return queryset.none()
        return queryset.filter(code_in_list_q("languages", code))

    def filter_age(self, queryset, name, value):
        return queryset.filter(eligible_q(age=int(value)))

    def filter_attached(self, queryset, name, value):
        return queryset.filter(eligible_q(attached=value))

    def filter_virtual(self, queryset, name, value):
        virtual = Q(support_type=SupportType.VIRTUAL) | Q(locations__location_type="virtual")
        matching = SupportService.objects.filter(virtual).values("pk")
        return queryset.filter(pk__in=matching) if value else queryset.exclude(pk__in=matching)

    def filter_stale(self, queryset, name, value):
        today = timezone.localdate()
        # Without with_schedule's joins and prefetches: `only` cannot defer joined rows.
        bare = queryset.select_related(None).prefetch_related(None)
        dated = bare.only("pk", "last_verified_on", "review_every_days")
        stale = [s.pk for s in dated if s.is_stale(today)]
        return queryset.filter(pk__in=stale) if value else queryset.exclude(pk__in=stale)

    def filter_open_now(self, queryset, name, value):
        now = timezone.now()
        open_ids = [s.pk for s in queryset if service_open_at(s, now)]
        return queryset.filter(pk__in=open_ids) if value else queryset.exclude(pk__in=open_ids)
