"""Filters of the cross-cutting API lists. Like every list of the API, each has an
`ordering` with an explicit allowlist: an unknown value is a 400, never ignored."""

import django_filters
from django.utils.translation import gettext_lazy as _

from oht_portal.choices import RegionCode
from oht_portal.models import OHT, ImportRun


class OHTFilter(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(field_name="region__code", choices=RegionCode.choices)
    fsa = django_filters.CharFilter(field_name="served_fsas__fsa", lookup_expr="iexact")
    ordering = django_filters.OrderingFilter(fields=["code", "name_en"], label=_("Sort by"))

    class Meta:
        model = OHT
        fields = ["region", "fsa"]


class ImportRunFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=ImportRun.Status.choices, label=_("Status"))
    oht = django_filters.CharFilter(
        field_name="ohts__code", lookup_expr="iexact", distinct=True, label=_("OHT")
    )
    ordering = django_filters.OrderingFilter(
        fields=["queued_at", "finished_at", "extract_date", "id"], label=_("Sort by")
    )

    class Meta:
        model = ImportRun
        fields = ["kind", "status", "oht"]
