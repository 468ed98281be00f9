"""Remaining capacity, computed in SQL so lists can filter and sort on it.

Remaining = the current declaration's new patients − referrals in flight at the
location − referrals accepted there since the declaration, never below zero. A
declaration past its expiry date is stale: shown, flagged, and worth nothing to
matching (`offerable`)."""

from datetime import date

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from attachment.choices import ACCEPTED_REFERRAL_STATUSES, ReferralStatus
from attachment.models import Referral
from clinicians.choices import AcceptingStatus
from clinicians.models import PracticeLocation

# Statuses under which a declaration's number means new patients may be referred.
TAKING_STATUSES = (AcceptingStatus.ACCEPTING, AcceptingStatus.EXISTING_AND_FAMILY)


class CapacityState:
    """A location's capacity at a glance, for filters and badges."""

    UNKNOWN = "unknown"  # never declared
    STALE = "stale"  # declaration expired
    FULL = "full"  # fresh, but nothing left (or not accepting)
    OPEN = "open"  # fresh, accepting, with room


def _count(queryset: QuerySet) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.order_by().values("location").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def with_capacity(locations: QuerySet[PracticeLocation], today: date | None = None):
    """Annotate `in_flight`, `accepted_since`, `remaining`, `is_stale` and
    `capacity_state` from each location's current declaration."""
    today = today or timezone.localdate()
    in_flight = _count(
        Referral.objects.filter(location=OuterRef("pk"), status=ReferralStatus.REFERRED)
    )
    accepted_since = _count(
        Referral.objects.filter(
            location=OuterRef("pk"),
            status__in=ACCEPTED_REFERRAL_STATUSES,
            accepted_at__gte=OuterRef("current_declaration__declared_at"),
        )
    )
    declared = Coalesce(F("current_declaration__new_patients"), Value(0))
    fresh = Q(current_declaration__expires_on__gte=today)
    taking = Q(current_declaration__accepting_status__in=TAKING_STATUSES)
    return (
        locations.select_related("current_declaration")
        .annotate(in_flight=in_flight, accepted_since=accepted_since)
        .annotate(
            remaining=Greatest(
                ExpressionWrapper(
                    declared - F("in_flight") - F("accepted_since"), output_field=IntegerField()
                ),
                Value(0),
            )
        )
        .annotate(
            capacity_state=Case(
                When(current_declaration__isnull=True, then=Value(CapacityState.UNKNOWN)),
                When(~fresh, then=Value(CapacityState.STALE)),
                When(taking & Q(remaining__gt=0), then=Value(CapacityState.OPEN)),
                default=Value(CapacityState.FULL),
            ),
        )
    )


def offerable(locations: QuerySet[PracticeLocation], today: date | None = None):
    """Locations matching may offer patients to: fresh, taking new patients, with room."""
    return with_capacity(locations, today).filter(capacity_state=CapacityState.OPEN)


def remaining_capacity(location: PracticeLocation, today: date | None = None) -> int:
    """One location's remaining capacity (0 when stale, undeclared or not taking)."""
    row = (
        with_capacity(PracticeLocation.objects.filter(pk=location.pk), today)
        .values("remaining", "capacity_state")
        .get()
    )
    return row["remaining"] if row["capacity_state"] == CapacityState.OPEN else 0
