"""The waitlist API: patients with the page's filters, and the two writes care
connectors make most (outreach attempts, verification results).

Every read goes through `attachment.selectors` (scoped to the caller's OHTs, 404
across OHTs) and is audited; every write goes through `attachment.services` with
`source=api`, which audits it in the same transaction."""

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from attachment.api.serializers import (
    ApplicationErrorSerializer,
    OutreachAttemptInputSerializer,
    OutreachAttemptSerializer,
    PatientDetailSerializer,
    PatientListSerializer,
    VerificationInputSerializer,
    VerificationSerializer,
)
from attachment.choices import Source
from attachment.filters import WaitlistFilter
from attachment.models import Patient
from attachment.selectors import patient_get, patient_list
from attachment.services import outreach_attempt_record, verification_record
from oht_portal.audit import audit_record, audit_record_patients
from oht_portal.choices import AuditAction

PATIENT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
REFUSED = OpenApiResponse(
    ApplicationErrorSerializer,
    description="Field errors ({field: [messages]}), or {code, message} when a rule refused it.",
)


class PatientViewSet(viewsets.ReadOnlyModelViewSet):
    """Waitlisted patients of the caller's OHTs, filtered and sorted as on the waitlist
    page (`ordering`, default by priority)."""

    queryset = Patient.objects.none()  # for the schema; get_queryset scopes per caller
    filterset_class = WaitlistFilter
    # The FilterSet's own `ordering` filter sorts; DRF's OrderingFilter would clash with it.
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return patient_list(user=self.request.user)

    def get_serializer_class(self):
        return PatientDetailSerializer if self.action == "retrieve" else PatientListSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_object(self) -> Patient:
        """The patient, or 404 (audited as refused) when outside the caller's OHTs."""
        if not hasattr(self, "_patient"):
            self._patient = patient_get(
                user=self.request.user, pk=int(self.kwargs["pk"]), request=self.request
            )
            self.check_object_permissions(self.request, self._patient)
        return self._patient

    def _filters_used(self) -> list[str]:
        """Names only: a search value can be a name or a health card number."""
        params = self.request.query_params
        return sorted(name for name in WaitlistFilter.base_filters if params.get(name))

    @extend_schema(
        summary="Waitlisted patients",
        description="Every waitlist filter of the page is a query parameter; `ordering` sorts "
        "(priority first by default). Each patient returned is audited.",
    )
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        patients = list(self.paginate_queryset(queryset))
        searched = bool(request.query_params.get("q", "").strip())
        audit_record_patients(
            actor=request.user,
            action=AuditAction.SEARCH if searched else AuditAction.LIST,
            patients=patients,
            request=request,
            detail={
                "source": Source.API,
                "offset": self.paginator.offset,
                "limit": self.paginator.limit,
                "filters": self._filters_used(),
            },
        )
        return self.get_paginated_response(self.get_serializer(patients, many=True).data)

    @extend_schema(
        summary="One patient",
        description="HCC fields, states, priority, the contact to use and the latest "
        "outreach attempts and verification results. Audited; 404 outside your OHTs.",
        parameters=[PATIENT_ID],
    )
    def retrieve(self, request, *args, **kwargs):
        patient = self.get_object()
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            request=request,
            patient=patient,
            detail={"source": Source.API},
        )
        return Response(self.get_serializer(patient).data)

    def _audited_page(self, patient: Patient, queryset, serializer_class, shown: str):
        page = self.paginate_queryset(queryset)
        audit_record(
            actor=self.request.user,
            action=AuditAction.VIEW,
            request=self.request,
            patient=patient,
            detail={"source": Source.API, "object": shown},
        )
        return self.get_paginated_response(serializer_class(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="A patient's outreach attempts",
        description="Newest first. Audited as a view of the patient.",
        parameters=[PATIENT_ID],
        responses=OutreachAttemptSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record an outreach attempt",
        description="A letter, e-mail, text or call and its status; the patient's outreach "
        "state and next step follow. `attempted_at` defaults to now and cannot be in the future.",
        parameters=[PATIENT_ID],
        request=OutreachAttemptInputSerializer,
        responses={201: OutreachAttemptSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["get", "post"], url_path="outreach-attempts", filter_backends=[])
    def outreach_attempts(self, request, pk=None):
        patient = self.get_object()
        if request.method == "GET":
            attempts = patient.outreach_attempts.select_related("recorded_by")
            return self._audited_page(patient, attempts, OutreachAttemptSerializer, "attempts")
        return self._record(
            patient,
            OutreachAttemptInputSerializer,
            outreach_attempt_record,
            OutreachAttemptSerializer,
        )

    @extend_schema(
        methods=["GET"],
        summary="A patient's verification results",
        description="Newest first. Audited as a view of the patient.",
        parameters=[PATIENT_ID],
        responses=VerificationSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a verification result",
        description="The result sets the patient's verification state and next step. "
        "Updated needs are accepted only with `still_needs_care`.",
        parameters=[PATIENT_ID],
        request=VerificationInputSerializer,
        responses={201: VerificationSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["get", "post"], url_path="verifications", filter_backends=[])
    def verifications(self, request, pk=None):
        patient = self.get_object()
        if request.method == "GET":
            results = patient.verifications.select_related("recorded_by")
            return self._audited_page(patient, results, VerificationSerializer, "verifications")
        return self._record(
            patient, VerificationInputSerializer, verification_record, VerificationSerializer
        )

    def _record(self, patient, input_serializer, service, output_serializer) -> Response:
        """Validate the body, call the service (a broken rule becomes a 400 through the
        API's exception handler) and answer 201 with what was recorded."""
        data = input_serializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        recorded = service(
            patient=patient,
            actor=self.request.user,
            source=Source.API,
            request=self.request,
            **data.validated_data,
        )
        return Response(output_serializer(recorded).data, status=status.HTTP_201_CREATED)
