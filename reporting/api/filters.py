import django_filters

from oht_portal.choices import RegionCode
from reporting.models import QuarterSnapshot


class QuarterlyMetricsFilter(django_filters.FilterSet):
    """`oht` is an OHT code; `region` one of the six Ontario Health regions."""

    oht = django_filters.CharFilter(field_name="oht__code", lookup_expr="iexact")
    region = django_filters.ChoiceFilter(field_name="oht__region__code", choices=RegionCode.choices)
    fiscal_year = django_filters.NumberFilter(
        help_text="The year the fiscal year starts in (April 1): 2025 is 2025-26."
    )
    quarter = django_filters.TypedChoiceFilter(
        choices=[(number, str(number)) for number in range(1, 5)],
        coerce=int,
        help_text="1 = April-June, 2 = July-September, 3 = October-December, 4 = January-March.",
    )

    class Meta:
        model = QuarterSnapshot
        fields = ["oht", "region", "fiscal_year", "quarter"]
