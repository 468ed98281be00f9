from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from oht_portal.api.filters import ImportRunFilter, OHTFilter
from oht_portal.api.serializers import ImportRunSerializer, OHTSerializer
from oht_portal.imports.selectors import import_run_list
from oht_portal.models import OHT, ImportRun
from oht_portal.scoping import ANY_ROLE, ohts_for_user


@extend_schema_view(
    list=extend_schema(summary="OHTs", description="Your OHTs (every OHT for a site admin)."),
    retrieve=extend_schema(
        summary="One OHT",
        parameters=[OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)],
    ),
)
class OHTViewSet(viewsets.ReadOnlyModelViewSet):
    """The OHTs the caller belongs to (every OHT for a site admin)."""

    serializer_class = OHTSerializer
    filterset_class = OHTFilter
    filter_backends = [DjangoFilterBackend]
    lookup_field = "code"
    queryset = OHT.objects.none()  # for the schema; get_queryset scopes per caller

    def get_queryset(self):
        return (
            ohts_for_user(self.request.user)
            .select_related("region", "primary_contact")
            .prefetch_related("served_fsas")
            .order_by("code")
        )


@extend_schema_view(
    list=extend_schema(
        summary="Import runs",
        description="Extract imports that covered one of your OHTs (or that you started), "
        "newest first: kind, status, dates and counts only. Filter by `kind`, `status`, "
        "`oht`.",
    ),
    retrieve=extend_schema(
        summary="One import run",
        description="Its status and counts; 404 when it covered none of your OHTs.",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    ),
)
class ImportRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Where the extract imports stand, for anyone with a role in an OHT they covered:
    a care connector sees when the waitlist was last refreshed. Status only."""

    serializer_class = ImportRunSerializer
    filterset_class = ImportRunFilter
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = r"\d+"
    queryset = ImportRun.objects.none()  # for the schema; get_queryset scopes per caller

    def get_queryset(self):
        return import_run_list(user=self.request.user, roles=ANY_ROLE)

    def get_serializer_context(self):
        user = self.request.user
        mine = None
        if user.is_authenticated and not user.is_superuser:
            mine = set(ohts_for_user(user).values_list("pk", flat=True))
        return {**super().get_serializer_context(), "oht_ids": mine}
