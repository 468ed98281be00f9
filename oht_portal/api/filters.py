import django_filters

from oht_portal.choices import RegionCode
from oht_portal.models import OHT


class OHTFilter(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(field_name="region__code", choices=RegionCode.choices)
    fsa = django_filters.CharFilter(field_name="served_fsas__fsa", lookup_expr="iexact")

    class Meta:
        model = OHT
        fields = ["region", "fsa"]
