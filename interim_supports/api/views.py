"""The interim supports API for care connectors: the directory with the search page's
filters (optionally ranked for a patient, or for an FSA and a language), one support,
and the supports offered to patients.

Anyone with a role in an OHT reads its supports and every province-wide one (no health
information in them). Offers are patient data: PATIENT_DATA_ROLES only (else a 403), the
patient always through `attachment.selectors.patient_get` (another OHT's patient is a
404, audited as refused), each patient shown audited, each offer recorded through
`interim_supports.services.support_offer_record` with its audit row. Recording an offer
takes an Idempotency-Key."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from attachment.api.permissions import PATIENT_PERMISSIONS
from attachment.choices import Source
from attachment.referrals import _scoped_get
from attachment.selectors import patient_get
from attachment.services import effective_contact
from interim_supports.api.filters import SupportAPIFilter, SupportOfferFilter
from interim_supports.api.serializers import (
    SupportOfferInputSerializer,
    SupportOfferSerializer,
    SupportSerializer,
)
from interim_supports.models import SupportOffer, SupportService
from interim_supports.search import rank
from interim_supports.selectors import (
    offer_list,
    support_get,
    support_list,
    supports_for_patient,
)
from interim_supports.services import support_offer_record
from oht_portal.api.idempotency import create_once
from oht_portal.audit import audit_record, audit_record_patients
from oht_portal.choices import AuditAction

SUPPORT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
PATIENT_PARAMETER = OpenApiParameter(
    "patient",
    OpenApiTypes.INT,
    description="A patient of your OHTs: only the supports their OHT can offer (its own and "
    "province-wide ones), ranked by the patient's FSA and language. Audited.",
)


def _patient_param(request):
    """The patient named by `?patient=` (scoped, 404 outside the caller's OHTs), or None."""
    raw = request.query_params.get("patient", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError({"patient": [_("Enter a whole number.")]})
    return patient_get(user=request.user, pk=int(raw), request=request)


@extend_schema_view(
    retrieve=extend_schema(summary="One interim support", parameters=[SUPPORT_ID]),
)
class SupportViewSet(viewsets.ReadOnlyModelViewSet):
    """Interim supports of the caller's OHTs and every province-wide one, with the
    search page's filters. `patient`, `fsa` or `language` rank them, best first, each
    with its `score` and `reasons`, unless `ordering` sorts them; otherwise by OHT and
    name."""

    queryset = SupportService.objects.none()  # for the schema; get_queryset scopes
    serializer_class = SupportSerializer
    filterset_class = SupportAPIFilter
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return support_list(user=self.request.user)

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "today": timezone.localdate(),
            "now": timezone.now(),
        }

    def get_object(self) -> SupportService:
        service = support_get(user=self.request.user, pk=int(self.kwargs["pk"]))
        self.check_object_permissions(self.request, service)
        return service

    @extend_schema(
        summary="Interim supports",
        description="Every filter of the search page is a query parameter (`fsa`, `language`, "
        "`support_type`, `age`, `attached`, `virtual`, `open_now`, `stale`, …). With "
        "`patient`, or with `fsa` or `language`, the list is ranked: serves the FSA, offers "
        "the language, open now, virtual for a rural FSA — unless `ordering` is given.",
        parameters=[PATIENT_PARAMETER],
    )
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        patient = _patient_param(request)
        if patient is not None:
            queryset = queryset.filter(pk__in=supports_for_patient(patient).values("pk"))
            audit_record(
                actor=request.user,
                action=AuditAction.VIEW,
                request=request,
                patient=patient,
                detail={"source": Source.API, "object": "interim_supports"},
            )
            fsa, language = patient.fsa, effective_contact(patient)["preferred_language"]
        else:
            fsa = request.query_params.get("fsa", "").strip().upper()
            language = request.query_params.get("language", "").strip().lower()
        if request.query_params.get("ordering") or (patient is None and not (fsa or language)):
            page = self.paginate_queryset(queryset)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        context = self.get_serializer_context()
        ranked = rank(queryset, fsa=fsa, language=language, moment=context["now"])
        page = self.paginate_queryset(ranked)
        context["ranked"] = {item.service.pk: item for item in page}
        services = [item.service for item in page]
        return self.get_paginated_response(
            SupportSerializer(services, many=True, context=context).data
        )


OFFER_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary="Supports offered to patients",
        description="Newest first unless `ordering` says otherwise. Each patient shown is audited.",
        parameters=[
            OpenApiParameter(
                "patient", OpenApiTypes.INT, description="Only this patient's (404 if not yours)."
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One offer of supports",
        description="Audited as a view of its patient; 404 outside your OHTs.",
        parameters=[OFFER_ID],
    ),
    create=extend_schema(
        summary="Record supports offered to a patient",
        description="The supports must be ones the patient's OHT can offer (its own or "
        "province-wide) and not inactive. Shown on the patient's timeline. 200 with the "
        "first call's offer for a replayed Idempotency-Key.",
        request=SupportOfferInputSerializer,
        responses={
            201: SupportOfferSerializer,
            200: SupportOfferSerializer,
            403: OpenApiResponse(description="Your role gives no access to patient data."),
            404: OpenApiResponse(description="No such patient in your OHTs."),
        },
    ),
)
class SupportOfferViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Lists of supports given to patients of the caller's OHTs."""

    queryset = SupportOffer.objects.none()  # for the schema; list scopes per caller
    serializer_class = SupportOfferSerializer
    permission_classes = PATIENT_PERMISSIONS
    filterset_class = SupportOfferFilter
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = r"\d+"
    idempotent_actions = frozenset({"create"})

    def get_queryset(self):
        return offer_list(user=self.request.user).select_related("patient__oht")

    def get_object(self) -> SupportOffer:
        """The offer, or 404 (audited as refused) when its patient is not the caller's."""
        request = self.request
        offer = _scoped_get(
            self.get_queryset(), int(self.kwargs["pk"]), user=request.user, request=request
        )
        self.check_object_permissions(self.request, offer)
        return offer

    def _audit_view(self, offer: SupportOffer) -> None:
        audit_record(
            actor=self.request.user,
            action=AuditAction.VIEW,
            request=self.request,
            obj=offer,
            patient=offer.patient,
            detail={"source": Source.API, "object": "support_offer"},
        )

    def list(self, request, *args, **kwargs):
        patient = _patient_param(request)
        offers = self.filter_queryset(self.get_queryset())
        if patient is not None:
            offers = offers.filter(patient_id=patient.pk)
        page = list(self.paginate_queryset(offers))
        patients = {offer.patient_id: offer.patient for offer in page}
        audit_record_patients(
            actor=request.user,
            action=AuditAction.LIST,
            patients=patients.values(),
            request=request,
            detail={
                "source": Source.API,
                "object": "support_offers",
                "offset": self.paginator.offset,
                "limit": self.paginator.limit,
            },
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        offer = self.get_object()
        self._audit_view(offer)
        return Response(self.get_serializer(offer).data)

    def create(self, request, *args, **kwargs):
        body = SupportOfferInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        patient = patient_get(user=request.user, pk=data["patient"], request=request)
        wanted = set(data["supports"])
        services = list(support_list(user=request.user).filter(pk__in=wanted))
        unknown = sorted(wanted - {service.pk for service in services})
        if unknown:
            raise ValidationError(
                {
                    "supports": [
                        _("No such support among yours: %(ids)s")
                        % {"ids": ", ".join(map(str, unknown))}
                    ]
                }
            )

        def create():
            return support_offer_record(
                patient=patient,
                services=services,
                channel=data["channel"],
                language=data["language"],
                note=data["note"],
                actor=request.user,
                request=request,
            )

        def replay(pk):
            offer = self.get_queryset().get(pk=pk)
            self._audit_view(offer)
            return offer

        offer, created = create_once(
            request,
            scope="support-offers",
            target=patient.pk,
            payload={**data, "supports": sorted(wanted)},
            create=create,
            replay=replay,
        )
        return Response(
            self.get_serializer(offer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
