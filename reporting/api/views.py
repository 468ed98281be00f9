"""The quarterly metrics API for care connectors and regional users: the snapshots of
the caller's OHTs (aggregates only, small cells suppressed) and their roll-up.

Read-only: the figures change only through a build (reporting.services). Scoped by
`reporting.selectors.snapshots_for`, so another OHT's snapshot is a 404 and a roll-up
adds up only the caller's OHTs. Each call writes one audit row (no patient in it)."""

from django.utils.translation import gettext as _
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from attachment.choices import Source
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from reporting.api.filters import QuarterlyMetricsFilter
from reporting.api.serializers import (
    QuarterlyMetricsDetailSerializer,
    QuarterlyMetricsSerializer,
    RollupSerializer,
)
from reporting.models import QuarterSnapshot
from reporting.quarters import quarter_label
from reporting.selectors import rollup, snapshot_figures, snapshots_for
from reporting.services import HEADLINE_FIELDS

SNAPSHOT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _audit(request, action_name: str, detail: dict, oht_code: str = "") -> None:
    audit_record(
        actor=request.user,
        action=action_name,
        request=request,
        oht_code=oht_code,
        detail={"source": Source.API, "object": "quarterly_metrics", **detail},
    )


@extend_schema_view(
    list=extend_schema(
        summary="Quarterly metrics",
        description="One row per OHT and fiscal quarter (April start), for the caller's "
        "OHTs, newest first. Counts of 1 to `small_cell_max` people are null and named "
        "in `suppressed`. Filters: `oht` (code), `region`, `fiscal_year`, `quarter`.",
    ),
    retrieve=extend_schema(
        summary="One OHT's quarter, with its breakdowns",
        description="The headline figures and the breakdowns by FSA, language, "
        "complexity, rurality, decline, closure and removal reasons, month, and the "
        "reconciliation with the provincial FSA summary; suppressed like the list. "
        "404 outside your OHTs.",
        parameters=[SNAPSHOT_ID],
    ),
)
class QuarterlyMetricsViewSet(viewsets.ReadOnlyModelViewSet):
    """Quarterly snapshots of the caller's OHTs (every OHT for a site admin)."""

    queryset = QuarterSnapshot.objects.none()  # for the schema; get_queryset scopes
    filterset_class = QuarterlyMetricsFilter
    ordering_fields = ["fiscal_year", "quarter", "oht__code", "as_of"]
    ordering = ["-fiscal_year", "-quarter", "oht__code"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return snapshots_for(self.request.user).select_related("oht__region")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return QuarterlyMetricsDetailSerializer
        if self.action == "rollup":
            return RollupSerializer
        return QuarterlyMetricsSerializer

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        filters = sorted(
            name for name in QuarterlyMetricsFilter.base_filters if request.GET.get(name)
        )
        _audit(request, AuditAction.LIST, {"filters": filters})
        return response

    def retrieve(self, request, *args, **kwargs):
        snapshot = self.get_object()
        serializer = self.get_serializer(
            snapshot,
            context={**self.get_serializer_context(), "figures": snapshot_figures(snapshot)},
        )
        _audit(
            request,
            AuditAction.VIEW,
            {"fiscal_year": snapshot.fiscal_year, "quarter": snapshot.quarter},
            oht_code=snapshot.oht.code,
        )
        return Response(serializer.data)

    @extend_schema(
        summary="Roll-up of one quarter",
        description="The caller's OHTs (narrowed by `oht` or `region`) added up for one "
        "quarter: counts and capacity summed, medians null. `fiscal_year` and `quarter` "
        "are required. 404 when none of those OHTs has figures for the quarter.",
        parameters=[
            OpenApiParameter("fiscal_year", OpenApiTypes.INT, required=True),
            OpenApiParameter("quarter", OpenApiTypes.INT, required=True, enum=[1, 2, 3, 4]),
        ],
        responses={
            200: RollupSerializer,
            400: OpenApiResponse(description="`fiscal_year` or `quarter` missing or wrong."),
            404: OpenApiResponse(description="No figures for that quarter in your OHTs."),
        },
    )
    @action(detail=False, pagination_class=None)
    def rollup(self, request):
        missing = {
            name: [_("This filter is required for a roll-up.")]
            for name in ("fiscal_year", "quarter")
            if not request.query_params.get(name)
        }
        if missing:
            raise ValidationError(missing)
        filterset = QuarterlyMetricsFilter(
            request.query_params, queryset=self.get_queryset(), request=request
        )
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        snapshots = list(filterset.qs)
        summed = rollup(snapshots)
        if summed is None:
            raise NotFound(_("None of your OHTs has figures for this quarter."))
        data = {
            "ohts": sorted(snapshot.oht.code for snapshot in snapshots),
            "fiscal_year": summed.fiscal_year,
            "quarter": summed.quarter,
            "quarter_label": quarter_label(summed.fiscal_year, summed.quarter),
            "period_start": summed.period_start,
            "period_end": summed.period_end,
            "as_of": summed.as_of,
            "figures": summed.figures,
            **{name: summed.headline.get(name) for name in HEADLINE_FIELDS},
        }
        _audit(
            request,
            AuditAction.VIEW,
            {"rollup": data["ohts"], "fiscal_year": summed.fiscal_year, "quarter": summed.quarter},
        )
        return Response(self.get_serializer(data).data)
