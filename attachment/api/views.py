"""The waitlist API: patients with the page's filters and worklists, and the writes care
connectors make most (outreach attempts, verification results, contact corrections).

Every read goes through `attachment.selectors` (scoped to the caller's OHTs, 404
across OHTs) and is audited; every write goes through `attachment.services` with
`source=api`, which audits it in the same transaction. PCN and privacy leads get a 403.

A patient's ETag guards every write on the patient: an outreach attempt, a verification
result and a contact correction each honour If-Match with the tag of the patient's
last GET (412 when the patient changed since). The creating calls take an
Idempotency-Key."""

from types import SimpleNamespace

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from attachment.api.filters import OutreachAttemptFilter, PatientFilter, VerificationFilter
from attachment.api.permissions import PATIENT_PERMISSIONS
from attachment.api.serializers import (
    LocalContactInputSerializer,
    LocalContactSerializer,
    OutreachAttemptInputSerializer,
    OutreachAttemptSerializer,
    PatientDetailSerializer,
    PatientListSerializer,
    VerificationInputSerializer,
    VerificationSerializer,
)
from attachment.choices import Source
from attachment.forms import LocalContactForm
from attachment.models import LocalContact, OutreachAttempt, Patient, Verification
from attachment.selectors import patient_get, patient_list
from attachment.services import (
    LOCAL_CONTACT_FIELDS,
    local_contact_update,
    outreach_attempt_record,
    verification_record,
)
from oht_portal.api.etags import ETagMixin
from oht_portal.api.exceptions import form_validation_error
from oht_portal.api.idempotency import create_once
from oht_portal.audit import audit_record, audit_record_patients
from oht_portal.choices import AuditAction

PATIENT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class PatientViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    """Waitlisted patients of the caller's OHTs, filtered and sorted as on the waitlist
    page (`ordering`, default by priority)."""

    queryset = Patient.objects.none()  # for the schema; get_queryset scopes per caller
    filterset_class = PatientFilter
    # The FilterSet's own `ordering` filter sorts; DRF's OrderingFilter would clash with it.
    filter_backends = [DjangoFilterBackend]
    permission_classes = PATIENT_PERMISSIONS
    lookup_value_regex = r"\d+"
    etag_read_actions = frozenset({"retrieve", "local_contact"})
    etag_write_actions = frozenset({"outreach_attempts", "verifications", "local_contact"})
    idempotent_actions = frozenset({"outreach_attempts", "verifications"})

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

    def etag_version(self, patient: Patient) -> tuple:
        """Every write on a patient saves the patient (`updated_at`), except a contact
        correction, which saves its own row: both are in the version."""
        local = LocalContact.objects.filter(patient_id=patient.pk).values_list(
            "updated_at", flat=True
        )
        return (patient.updated_at.isoformat(), *(moment.isoformat() for moment in local))

    def _audit_view(self, patient: Patient, shown: str | None = None) -> None:
        detail = {"source": Source.API}
        if shown:
            detail["object"] = shown
        audit_record(
            actor=self.request.user,
            action=AuditAction.VIEW,
            request=self.request,
            patient=patient,
            detail=detail,
        )

    def _filters_used(self) -> list[str]:
        """Names only: a search value can be a name or a health card number."""
        params = self.request.query_params
        return sorted(name for name in self.filterset_class.base_filters if params.get(name))

    @extend_schema(
        summary="Waitlisted patients",
        description="Every waitlist filter of the page is a query parameter, and `worklist` "
        "gives one follow-up worklist (verify, call, unreachable, match); `ordering` sorts "
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
        "outreach attempts and verification results. The `ETag` guards every write on "
        "the patient (send it in If-Match). Audited; 404 outside your OHTs.",
        parameters=[PATIENT_ID],
    )
    def retrieve(self, request, *args, **kwargs):
        patient = self.get_object()
        self._audit_view(patient)
        return self.etag_response(self.get_serializer(patient).data, patient)

    def _audited_page(self, patient: Patient, queryset, serializer_class, shown: str):
        page = self.paginate_queryset(self.filter_queryset(queryset))
        self._audit_view(patient, shown)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(
        methods=["GET"],
        summary="A patient's outreach attempts",
        description="Newest first unless `ordering` says otherwise; filter by `channel` and "
        "`status`. Audited as a view of the patient.",
        parameters=[PATIENT_ID],
        responses=OutreachAttemptSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record an outreach attempt",
        description="A letter, e-mail, text or call and its status; the patient's outreach "
        "state and next step follow. `attempted_at` defaults to now and cannot be in the "
        "future. If-Match takes the patient's ETag.",
        parameters=[PATIENT_ID],
        request=OutreachAttemptInputSerializer,
        responses={
            201: OutreachAttemptSerializer,
            200: OutreachAttemptSerializer,
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="outreach-attempts",
        filterset_class=OutreachAttemptFilter,
        queryset=OutreachAttempt.objects.none(),  # the model, for the schema's filters
    )
    def outreach_attempts(self, request, pk=None):
        patient = self.get_object()
        if request.method == "GET":
            attempts = patient.outreach_attempts.select_related("recorded_by", "patient")
            return self._audited_page(patient, attempts, OutreachAttemptSerializer, "attempts")
        return self._record(
            patient,
            "outreach-attempts",
            OutreachAttemptInputSerializer,
            outreach_attempt_record,
            OutreachAttemptSerializer,
            patient.outreach_attempts,
        )

    @extend_schema(
        methods=["GET"],
        summary="A patient's verification results",
        description="Newest first unless `ordering` says otherwise; filter by `result`. "
        "Audited as a view of the patient.",
        parameters=[PATIENT_ID],
        responses=VerificationSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a verification result",
        description="The result sets the patient's verification state and next step. "
        "Updated needs are accepted only with `still_needs_care`. If-Match takes the "
        "patient's ETag.",
        parameters=[PATIENT_ID],
        request=VerificationInputSerializer,
        responses={201: VerificationSerializer, 200: VerificationSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="verifications",
        filterset_class=VerificationFilter,
        queryset=Verification.objects.none(),  # the model, for the schema's filters
    )
    def verifications(self, request, pk=None):
        patient = self.get_object()
        if request.method == "GET":
            results = patient.verifications.select_related("recorded_by", "patient")
            return self._audited_page(patient, results, VerificationSerializer, "verifications")
        return self._record(
            patient,
            "verifications",
            VerificationInputSerializer,
            verification_record,
            VerificationSerializer,
            patient.verifications,
        )

    def _record(self, patient, scope, input_serializer, service, output_serializer, rows):
        """Validate the body, then, under the patient's row lock and If-Match, call the
        service (a broken rule becomes a 400 through the API's exception handler) and
        answer 201 with what was recorded (200 with it again for a replayed key)."""
        data = input_serializer(data=self.request.data)
        data.is_valid(raise_exception=True)

        def create():
            with self.write_lock(patient) as current:
                return service(
                    patient=current,
                    actor=self.request.user,
                    source=Source.API,
                    request=self.request,
                    **data.validated_data,
                )

        def replay(pk):
            recorded = rows.select_related("recorded_by", "patient__oht").get(pk=pk)
            self._audit_view(patient, scope)
            return recorded

        recorded, created = create_once(
            self.request,
            scope=scope,
            target=patient.pk,
            payload=data.validated_data,
            create=create,
            replay=replay,
        )
        return Response(
            output_serializer(recorded, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _local_contact_data(self, patient: Patient) -> dict:
        local = LocalContact.objects.filter(patient_id=patient.pk).first()
        shown = local or SimpleNamespace(
            **dict.fromkeys(LOCAL_CONTACT_FIELDS, ""), updated_at=None, patient=patient
        )
        return LocalContactSerializer(shown, context=self.get_serializer_context()).data

    @extend_schema(
        methods=["GET"],
        summary="A patient's contact corrections",
        description="What the OHT corrected of the HCC contact details (blank: the HCC "
        "value holds). The `ETag` is the patient's. Audited as a view of the patient.",
        parameters=[PATIENT_ID],
        responses=LocalContactSerializer,
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Correct a patient's contact details",
        description="The fields sent change, the others keep their value; a blank field "
        "goes back to the HCC value. The patient's HCC fields never change. If-Match "
        "takes the patient's ETag; the answer carries the new one.",
        parameters=[PATIENT_ID],
        request=LocalContactInputSerializer,
        responses=LocalContactSerializer,
    )
    @action(detail=True, methods=["get", "patch"], url_path="local-contact", filter_backends=[])
    def local_contact(self, request, pk=None):
        patient = self.get_object()
        if request.method == "GET":
            self._audit_view(patient, "local_contact")
            return self.etag_response(self._local_contact_data(patient), patient)
        body = LocalContactInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with self.write_lock(patient) as current:
            local = LocalContact.objects.filter(patient_id=current.pk).first()
            kept = {name: getattr(local, name, "") for name in LOCAL_CONTACT_FIELDS}
            form = LocalContactForm(data={**kept, **body.validated_data})
            if not form.is_valid():
                raise form_validation_error(form)
            local_contact_update(
                patient=current,
                actor=request.user,
                request=request,
                **{name: form.cleaned_data[name] for name in LOCAL_CONTACT_FIELDS},
            )
        return self.etag_response(self._local_contact_data(patient), patient)
