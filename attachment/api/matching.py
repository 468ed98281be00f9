"""The matching API for care connectors and OHT staff: proposals (list, confirm,
reject) and referrals (create with an idempotency key, move through the lifecycle,
list with filters, overdue ones included). Proposals and referrals carry an ETag;
confirm, reject and transitions honour If-Match (oht_portal.api.etags).

Reads go through the scoped selectors of `attachment.referrals` (the patient's OHT must
be one where the caller may see patient data: 404 otherwise) and every patient shown
is audited; writes go through the lifecycle services, which audit in the same
transaction. A PCN lead, or anyone without a patient-data role, gets 403. A broken rule
answers 409 with a code (`no_capacity_left`, `open_referral_exists`,
`illegal_transition`) through the API's exception handler."""

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from attachment.api.filters import ProposalFilter, ReferralFilter
from attachment.api.permissions import PATIENT_PERMISSIONS
from attachment.api.serializers import (
    ProposalRejectInputSerializer,
    ProposalSerializer,
    ReferralCreateInputSerializer,
    ReferralSerializer,
    ReferralTransitionInputSerializer,
)
from attachment.choices import ReferralStatus, Source
from attachment.models import Proposal, Referral
from attachment.referrals import (
    proposal_confirm,
    proposal_get,
    proposal_list,
    proposal_reject,
    referral_accept,
    referral_attach,
    referral_book_intake,
    referral_close,
    referral_create_or_replay,
    referral_decline,
    referral_get,
    referral_list,
)
from attachment.selectors import patient_get
from clinicians.models import PracticeLocation
from oht_portal.api.etags import ETagMixin
from oht_portal.api.idempotency import create_once, idempotency_key
from oht_portal.audit import audit_record, audit_record_patients
from oht_portal.choices import AuditAction
from oht_portal.services import ApplicationError

OBJECT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class _AuditedReads:
    """List and detail that audit every patient they return."""

    def _audited_list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        rows = list(self.paginate_queryset(queryset))
        audit_record_patients(
            actor=request.user,
            action=AuditAction.LIST,
            patients=[row.patient for row in rows],
            request=request,
            detail={
                "source": Source.API,
                "object": self.audit_object,
                "offset": self.paginator.offset,
                "limit": self.paginator.limit,
                "filters": sorted(
                    name
                    for name in self.filterset_class.base_filters
                    if request.query_params.get(name)
                ),
            },
        )
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def _audited_view(self, request, obj):
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            request=request,
            obj=obj,
            patient=obj.patient,
            detail={"source": Source.API},
        )


class ProposalViewSet(_AuditedReads, ETagMixin, viewsets.ReadOnlyModelViewSet):
    """Proposals of matching runs for patients of the caller's OHTs. Confirm and reject
    honour If-Match with the proposal's ETag; confirm takes an Idempotency-Key."""

    queryset = Proposal.objects.none()  # for the schema; get_queryset scopes per caller
    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    filter_backends = [DjangoFilterBackend]
    permission_classes = PATIENT_PERMISSIONS
    lookup_value_regex = r"\d+"
    audit_object = "proposals"
    etag_read_actions = frozenset({"retrieve", "reject"})
    etag_write_actions = frozenset({"confirm", "reject"})
    idempotent_actions = frozenset({"confirm"})

    def get_queryset(self):
        return proposal_list(user=self.request.user).order_by("run", "-score", "id")

    def get_object(self) -> Proposal:
        if not hasattr(self, "_proposal"):
            self._proposal = proposal_get(
                user=self.request.user, pk=int(self.kwargs["pk"]), request=self.request
            )
            self.check_object_permissions(self.request, self._proposal)
        return self._proposal

    def etag_version(self, proposal: Proposal) -> tuple:
        decided = proposal.decided_at.isoformat() if proposal.decided_at else ""
        return (proposal.status, decided)

    @extend_schema(
        summary="Proposals",
        description="Filter by `run`, `status`, `oht`, `location` and `patient`; sort with "
        "`ordering`. Each patient returned is audited.",
    )
    def list(self, request, *args, **kwargs):
        return self._audited_list(request)

    @extend_schema(
        summary="One proposal",
        description="Its reasons and runner-up locations. Audited; 404 outside your OHTs.",
        parameters=[OBJECT_ID],
    )
    def retrieve(self, request, *args, **kwargs):
        proposal = self.get_object()
        self._audited_view(request, proposal)
        return self.etag_response(self.get_serializer(proposal).data, proposal)

    @extend_schema(
        summary="Confirm a proposal",
        description="The proposal becomes a referral, taking one place at the location. "
        "409 when the proposal was already decided, the location is full or the patient "
        "already has an open referral; 412 when If-Match is not the proposal's ETag.",
        parameters=[OBJECT_ID],
        request=None,
        responses={
            201: ReferralSerializer,
            200: OpenApiResponse(ReferralSerializer, description="Replayed idempotent call."),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request, pk=None):
        proposal = self.get_object()

        def create():
            with self.write_lock(proposal):
                return proposal_confirm(proposal=proposal, actor=request.user, request=request)

        def replay(referral_pk):
            referral = referral_get(user=request.user, pk=referral_pk, request=request)
            self._audited_view(request, referral)
            return referral

        referral, created = create_once(
            request,
            scope="proposal-confirm",
            target=proposal.pk,
            payload={},
            create=create,
            replay=replay,
        )
        referral = referral_list(user=request.user).get(pk=referral.pk)
        return Response(
            ReferralSerializer(referral, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Reject a proposal",
        description="Nobody is referred; 409 when the proposal was already decided, 412 when "
        "If-Match is not the proposal's ETag.",
        parameters=[OBJECT_ID],
        request=ProposalRejectInputSerializer,
        responses={200: ProposalSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reject(self, request, pk=None):
        proposal = self.get_object()
        data = ProposalRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with self.write_lock(proposal):
            proposal_reject(
                proposal=proposal,
                actor=request.user,
                note=data.validated_data["note"],
                request=request,
            )
        proposal = proposal_list(user=request.user).get(pk=proposal.pk)
        return self.etag_response(self.get_serializer(proposal).data, proposal)


class ReferralViewSet(_AuditedReads, ETagMixin, viewsets.GenericViewSet):
    """Referrals of patients of the caller's OHTs, and their lifecycle. A transition
    honours If-Match with the referral's ETag; creation takes an Idempotency-Key."""

    queryset = Referral.objects.none()  # for the schema; get_queryset scopes per caller
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    filter_backends = [DjangoFilterBackend]
    permission_classes = PATIENT_PERMISSIONS
    lookup_value_regex = r"\d+"
    audit_object = "referrals"
    etag_read_actions = frozenset({"retrieve", "transition"})
    etag_write_actions = frozenset({"transition"})
    idempotent_actions = frozenset({"create"})

    def get_queryset(self):
        return referral_list(user=self.request.user).order_by("-referred_at", "-id")

    def get_object(self) -> Referral:
        if not hasattr(self, "_referral"):
            self._referral = referral_get(
                user=self.request.user, pk=int(self.kwargs["pk"]), request=self.request
            )
            self.check_object_permissions(self.request, self._referral)
        return self._referral

    def etag_version(self, referral: Referral) -> tuple:
        return (referral.updated_at.isoformat(),)

    @extend_schema(
        summary="Referrals",
        description="Filter by `status`, `oht`, `location`, `patient`, and `overdue=true` "
        "for referrals still unanswered after the answer time in business days; sort with "
        "`ordering` (newest first by default). Each patient returned is audited.",
    )
    def list(self, request, *args, **kwargs):
        return self._audited_list(request)

    @extend_schema(
        summary="One referral",
        description="Audited; 404 outside your OHTs. The `ETag` guards its transitions.",
        parameters=[OBJECT_ID],
    )
    def retrieve(self, request, *args, **kwargs):
        referral = self.get_object()
        self._audited_view(request, referral)
        return self.etag_response(self.get_serializer(referral).data, referral)

    @extend_schema(
        summary="Refer a patient",
        description="Takes one place at the location. 404 for a patient outside your "
        "OHTs; 400 for a location outside the patient's OHT and its matching partners; "
        "409 when the location is full or the patient already has an open referral. "
        "The Idempotency-Key is kept with the referral itself.",
        request=ReferralCreateInputSerializer,
        responses={
            201: ReferralSerializer,
            200: OpenApiResponse(ReferralSerializer, description="Replayed idempotent call."),
        },
    )
    def create(self, request, *args, **kwargs):
        data = ReferralCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = idempotency_key(request)
        patient = patient_get(user=request.user, pk=data.validated_data["patient"], request=request)
        location = _referable_location(patient, data.validated_data["location"])
        referral, created = referral_create_or_replay(
            patient=patient,
            location=location,
            actor=request.user,
            idempotency_key=key,
            request=request,
        )
        referral = referral_list(user=request.user).get(pk=referral.pk)
        if not created:  # the service audited the creation; a replay is a read
            self._audited_view(request, referral)
        return Response(
            self.get_serializer(referral).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Move a referral on",
        description="referred → accepted | declined | closed; accepted → intake_booked | "
        "closed; intake_booked → attached | closed. A decline gives the place back and "
        "returns the patient to the pool. 409 for a move the lifecycle does not allow; "
        "412 when If-Match is not the referral's ETag.",
        parameters=[OBJECT_ID],
        request=ReferralTransitionInputSerializer,
        responses={200: ReferralSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, pk=None):
        referral = self.get_object()
        data = ReferralTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        common = {"referral": referral, "actor": request.user, "request": request}
        to = values["to"]
        with self.write_lock(referral):
            if to == ReferralStatus.ACCEPTED:
                referral_accept(**common)
            elif to == ReferralStatus.DECLINED:
                referral_decline(**common, reason=values["reason"], note=values["note"])
            elif to == ReferralStatus.INTAKE_BOOKED:
                referral_book_intake(
                    **common,
                    intake_on=values["intake_on"],
                    history_updated=values["history_updated"],
                    screening_done=values["screening_done"],
                )
            elif to == ReferralStatus.ATTACHED:
                referral_attach(**common)
            else:
                referral_close(**common, reason=values["reason"], note=values["note"])
        referral = referral_list(user=request.user).get(pk=referral.pk)
        return self.etag_response(self.get_serializer(referral).data, referral)


def _referable_location(patient, location_id: int) -> PracticeLocation:
    """A location of the patient's OHT or of one of its matching partners (the
    directory is not patient data: a location that does not exist is a 404)."""
    location = PracticeLocation.objects.filter(pk=location_id).first()
    if location is None:
        raise Http404
    partners = set(patient.oht.matching_partners.values_list("pk", flat=True))
    if location.oht_id != patient.oht_id and location.oht_id not in partners:
        raise ApplicationError(
            _("This practice location is outside the patient's OHT and its matching partners.")
        )
    return location
