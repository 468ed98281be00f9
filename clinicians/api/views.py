"""The directory API for care connectors: practice locations with their capacity (and
the capacity report, open places first), clinicians, teams, the FHIR provider
directory, and the two capacity writes staff make.

Anyone with a role in an OHT reads its directory (business contacts, no health
information); another OHT's location is a 404. Declaring or confirming capacity takes
one of DIRECTORY_EDIT_ROLES in the location's OHT, else a 403; the writes go through
`clinicians.services`, which audit them. A location carries an ETag (its own changes
and its current declaration's), which both writes honour in If-Match; a declaration
takes an Idempotency-Key."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from clinicians.api.filters import ClinicianFilter, TeamFilter
from clinicians.api.serializers import (
    CapacityDeclarationInputSerializer,
    ClinicianSerializer,
    LocationSerializer,
    TeamSerializer,
)
from clinicians.capacity import CapacityState
from clinicians.choices import DeclarationChannel
from clinicians.fhir import directory_bundle
from clinicians.filters import LocationFilter
from clinicians.models import CapacityDeclaration, Clinician, PracticeLocation, PrimaryCareTeam
from clinicians.selectors import location_get, location_list, team_list
from clinicians.services import capacity_declare, capacity_verify
from oht_portal.api.etags import ETagMixin
from oht_portal.api.idempotency import create_once
from oht_portal.choices import DIRECTORY_EDIT_ROLES
from oht_portal.scoping import ANY_ROLE, ohts_for_user, scope_to_user

LOCATION_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
NOT_EDITOR = OpenApiResponse(description="Your role in the location's OHT only reads it.")
NOT_FOUND = OpenApiResponse(description="No such location in your OHTs.")


@extend_schema_view(
    list=extend_schema(
        summary="Practice locations",
        description="Every directory filter is a query parameter (`capacity=open`, "
        "`min_remaining`, `fsa`, `language`, `french_services`, `paediatrics`, …).",
    ),
    retrieve=extend_schema(
        summary="One practice location",
        description="Its capacity now. The `ETag` guards the capacity writes.",
        parameters=[LOCATION_ID],
    ),
)
class LocationViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    """Practice locations of the caller's OHTs with their capacity, filtered and sorted
    as on the directory page (`ordering`, most places left first by default)."""

    queryset = PracticeLocation.objects.none()  # for the schema; get_queryset scopes
    serializer_class = LocationSerializer
    filterset_class = LocationFilter
    # The FilterSet's own `ordering` sorts; DRF's OrderingFilter would clash with it.
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = r"\d+"
    etag_read_actions = frozenset({"retrieve", "declarations", "verify"})
    etag_write_actions = frozenset({"declarations", "verify"})
    idempotent_actions = frozenset({"declarations"})

    def get_queryset(self):
        return location_list(user=self.request.user)

    def get_object(self) -> PracticeLocation:
        location = location_get(user=self.request.user, pk=int(self.kwargs["pk"]))
        self.check_object_permissions(self.request, location)
        return location

    def etag_version(self, location: PracticeLocation) -> tuple:
        """A new declaration and a confirmed one both change what matching may offer."""
        declaration = location.current_declaration
        verified = declaration.verified_at.isoformat() if declaration else ""
        return (location.updated_at.isoformat(), location.current_declaration_id, verified)

    def retrieve(self, request, *args, **kwargs):
        location = self.get_object()
        return self.etag_response(self.get_serializer(location).data, location)

    def _location_for_edit(self) -> PracticeLocation:
        """The location (404 outside the caller's OHTs), if the caller may change it."""
        location = self.get_object()
        editable = ohts_for_user(self.request.user, roles=DIRECTORY_EDIT_ROLES)
        if not editable.filter(pk=location.oht_id).exists():
            raise PermissionDenied(_("Your role in this OHT does not change its directory."))
        return location

    def _current(self, location: PracticeLocation, *, status: int = 200):
        """The location as it stands after a write (capacity recounted), with its ETag."""
        current = location_get(user=self.request.user, pk=location.pk)
        return self.etag_response(self.get_serializer(current).data, current, status=status)

    @extend_schema(
        summary="Capacity report",
        description="Locations accepting new patients with places left (fresh declarations "
        "only), most places first. Takes the same filters as the location list; "
        "`capacity` and `ordering` are fixed.",
        responses=LocationSerializer(many=True),
    )
    @action(detail=False, url_path="capacity-report")
    def capacity_report(self, request):
        params = request.query_params.copy()
        params["capacity"] = CapacityState.OPEN
        params["ordering"] = "-remaining"
        filterset = LocationFilter(params, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Declare capacity",
        description="A new declaration, current from now, entered by staff; referrals "
        "accepted before it no longer count against it. Returns the location (200 with "
        "it for a replayed Idempotency-Key).",
        parameters=[LOCATION_ID],
        request=CapacityDeclarationInputSerializer,
        responses={
            201: LocationSerializer,
            200: LocationSerializer,
            403: NOT_EDITOR,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def declarations(self, request, pk=None):
        location = self._location_for_edit()
        body = CapacityDeclarationInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)

        def create():
            with self.write_lock(location) as current:
                return capacity_declare(
                    location=current,
                    figures=body.validated_data["figures"],
                    channel=DeclarationChannel.STAFF,
                    actor=request.user,
                    declared_by_name=body.validated_data["declared_by_name"],
                    request=request,
                )

        _declaration, created = create_once(
            request,
            scope="declarations",
            target=location.pk,
            payload=body.validated_data,
            create=create,
            replay=lambda pk: CapacityDeclaration.objects.get(pk=pk, location=location),
        )
        return self._current(
            location, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        summary="Confirm the current capacity",
        description="The current declaration still holds: it is verified now and expires "
        "later. Its figures and its count of referrals stay as they were.",
        parameters=[LOCATION_ID],
        request=None,
        responses={200: LocationSerializer, 403: NOT_EDITOR, 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="declarations/current/verify",
        filter_backends=[],
    )
    def verify(self, request, pk=None):
        location = self._location_for_edit()
        with self.write_lock(location) as current:
            if current.current_declaration is None:
                raise NotFound(_("This location has not declared its capacity yet."))
            capacity_verify(
                declaration=current.current_declaration,
                channel=DeclarationChannel.STAFF,
                actor=request.user,
                request=request,
            )
        return self._current(location)


class ClinicianViewSet(viewsets.ReadOnlyModelViewSet):
    """Clinicians with at least one practice location in the caller's OHTs, and the ids
    of those locations (never another OHT's)."""

    queryset = Clinician.objects.none()  # for the schema; get_queryset scopes
    serializer_class = ClinicianSerializer
    filterset_class = ClinicianFilter
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        located = scope_to_user(PracticeLocation.objects.all(), self.request.user, roles=ANY_ROLE)
        visible = Prefetch(
            "locations",
            queryset=located.only("pk", "clinician_id").order_by("pk"),
            to_attr="visible_locations",
        )
        return (
            Clinician.objects.filter(pk__in=located.values("clinician_id"))
            .prefetch_related(visible)
            .order_by("family_name", "given_name", "id")
        )


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Primary care teams of the caller's OHTs and their practice locations."""

    queryset = PrimaryCareTeam.objects.none()  # for the schema; get_queryset scopes
    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        locations = PracticeLocation.objects.only("pk", "team_id").order_by("pk")
        return (
            team_list(user=self.request.user)
            .prefetch_related(Prefetch("locations", queryset=locations))
            .order_by("name", "id")
        )


class FHIRJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class FHIRDirectoryViewSet(viewsets.ViewSet):
    """The directory of the caller's OHTs as a FHIR R4 Bundle (see clinicians.fhir)."""

    renderer_classes = [FHIRJSONRenderer, JSONRenderer]

    @extend_schema(
        summary="FHIR provider directory",
        description="A FHIR R4 Bundle (type collection) of Organization (OHT and teams), "
        "Practitioner, Location and PractitionerRole resources; a fresh capacity declaration "
        "carries the Da Vinci PDex Plan Net `newpatients` extension. `oht` limits it to "
        "one of your OHTs.",
        parameters=[OpenApiParameter("oht", OpenApiTypes.STR, description="An OHT code.")],
        responses={
            (200, "application/fhir+json"): OpenApiTypes.OBJECT,
            (404, "application/fhir+json"): OpenApiResponse(description="Not one of your OHTs."),
        },
    )
    def list(self, request):
        ohts = ohts_for_user(request.user)
        code = request.query_params.get("oht", "").strip()
        if code:
            ohts = ohts.filter(code=code)
            if not ohts.exists():
                raise NotFound(_("No such OHT among yours."))
        return Response(directory_bundle(ohts=ohts))
