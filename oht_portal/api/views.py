from rest_framework import viewsets

from oht_portal.api.filters import OHTFilter
from oht_portal.api.serializers import OHTSerializer
from oht_portal.models import OHT
from oht_portal.scoping import ohts_for_user


class OHTViewSet(viewsets.ReadOnlyModelViewSet):
    """The OHTs the caller belongs to (every OHT for a site admin)."""

    serializer_class = OHTSerializer
    filterset_class = OHTFilter
    lookup_field = "code"
    ordering_fields = ["code", "name_en"]
    ordering = ["code"]
    queryset = OHT.objects.none()  # for the schema; get_queryset scopes per caller

    def get_queryset(self):
        return (
            ohts_for_user(self.request.user)
            .select_related("region", "primary_contact")
            .prefetch_related("served_fsas")
            .order_by("code")
        )
