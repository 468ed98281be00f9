"""Referral and attachment measures per OHT and period, from SQL aggregates.

A referral counts for the OHT of its patient (the OHT whose waitlist the patient is on),
whichever OHT the practice belongs to. A period is a range of local days, both ends
included (`start` at 00:00 to the day after `end` at 00:00, America/Toronto).

- `referred`: distinct patients with a referral created in the period. This is the
  provincial measure "HCC patients referred to a primary care clinician, by OHT": a
  patient referred twice in a period (declined, then referred elsewhere) counts once.
- `accepted`: distinct patients whose referral the practice accepted in the period.
- `declined`: referrals declined in the period, by reason; `declined_by_location`
  the same by practice location and reason, to spot a practice that declines the
  complex or the far-away more than others do (cherry-picking).
- `attached`: distinct patients whose attachment the clinician confirmed in the period.
- `closed`: referrals closed in the period, by reason.
- `returned`: distinct patients back on the HCC waitlist after an attachment. Precisely:
  the patient has a referral in status `attached`; an `hcc_waitlist` extract dated in
  the period and strictly after the day of their latest attachment recorded them coming
  back (`returned`: back on the list after leaving it, or `updated` with the HCC status
  among the fields changed); and the patient is, as of now, on the HCC list with status
  `active`. Extract events keep which fields changed, not their values, so the last
  condition reads the patient's present state: a patient whose status changed only to
  "attached" is not counted, and a past period's figure can change if the patient leaves
  the list again. Counted in the period of the latest such extract only.
- `net_attachment` = `attached` − `returned`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from attachment.choices import HCCStatus, ReferralStatus
from attachment.models import Patient, PatientExtractEvent, Referral
from oht_portal.models import OHT


@dataclass
class ReferralMeasures:
    """One OHT's measures for one period (see the module docstring for each)."""

    oht_id: int
    start: date
    end: date
    referred: int = 0
    accepted: int = 0
    declined: dict[str, int] = field(default_factory=dict)
    declined_by_location: dict[tuple[int, str], int] = field(default_factory=dict)
    attached: int = 0
    closed: dict[str, int] = field(default_factory=dict)
    returned: int = 0

    @property
    def declined_total(self) -> int:
        return sum(self.declined.values())

    @property
    def closed_total(self) -> int:
        return sum(self.closed.values())

    @property
    def net_attachment(self) -> int:
        return self.attached - self.returned


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the portal's time zone."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def _distinct_patients(referrals: QuerySet, stamp: str, bounds) -> dict[int, int]:
    rows = (
        referrals.filter(**{f"{stamp}__gte": bounds[0], f"{stamp}__lt": bounds[1]})
        .order_by()
        .values("patient__oht")
        .annotate(n=Count("patient", distinct=True))
    )
    return {row["patient__oht"]: row["n"] for row in rows}


def _returned(oht_ids: list[int], start: date, end: date) -> dict[int, int]:
    latest_attachment = (
        Referral.objects.filter(patient=OuterRef("pk"), status=ReferralStatus.ATTACHED)
        .order_by("-attached_at")
        .annotate(day=TruncDate("attached_at"))
        .values("day")[:1]
    )
    back = PatientExtractEvent.Change
    comeback = (
        PatientExtractEvent.objects.annotate(fields_text=Cast("fields", TextField()))
        .filter(patient=OuterRef("pk"), extract_date__gt=OuterRef("attached_on"))
        .filter(Q(change=back.RETURNED) | Q(change=back.UPDATED, fields_text__contains='"status"'))
        .order_by("-extract_date")
        .values("extract_date")[:1]
    )
    rows = (
        Patient.objects.filter(oht_id__in=oht_ids, on_hcc_list=True, status=HCCStatus.ACTIVE)
        .annotate(attached_on=Subquery(latest_attachment))
        .filter(attached_on__isnull=False)
        .annotate(returned_on=Subquery(comeback))
        .filter(returned_on__gte=start, returned_on__lte=end)
        .order_by()
        .values("oht")
        .annotate(n=Count("pk"))
    )
    return {row["oht"]: row["n"] for row in rows}


def referral_measures(
    *, start: date, end: date, ohts: QuerySet[OHT] | list[OHT] | None = None
) -> dict[int, ReferralMeasures]:
    """The measures of every OHT in `ohts` (all by default) for [start, end], keyed
    by OHT id; a fixed number of queries whatever the number of OHTs."""
    if end < start:
        raise ValueError("the period ends before it starts")
    oht_ids = [oht.pk for oht in (OHT.objects.all() if ohts is None else ohts)]
    bounds = period_bounds(start, end)
    result = {pk: ReferralMeasures(oht_id=pk, start=start, end=end) for pk in oht_ids}
    referrals = Referral.objects.filter(patient__oht_id__in=oht_ids)

    for pk, n in _distinct_patients(referrals, "referred_at", bounds).items():
        result[pk].referred = n
    for pk, n in _distinct_patients(referrals, "accepted_at", bounds).items():
        result[pk].accepted = n
    attached = referrals.filter(status=ReferralStatus.ATTACHED)
    for pk, n in _distinct_patients(attached, "attached_at", bounds).items():
        result[pk].attached = n

    declined = (
        referrals.filter(
            status=ReferralStatus.DECLINED,
            declined_at__gte=bounds[0],
            declined_at__lt=bounds[1],
        )
        .order_by()
        .values("patient__oht", "location", "decline_reason")
        .annotate(n=Count("pk"))
    )
    for row in declined:
        measures = result[row["patient__oht"]]
        reason = row["decline_reason"]
        measures.declined[reason] = measures.declined.get(reason, 0) + row["n"]
        measures.declined_by_location[(row["location"], reason)] = row["n"]

    closed = (
        referrals.filter(
            status=ReferralStatus.CLOSED, closed_at__gte=bounds[0], closed_at__lt=bounds[1]
        )
        .order_by()
        .values("patient__oht", "closed_reason")
        .annotate(n=Count("pk"))
    )
    for row in closed:
        result[row["patient__oht"]].closed[row["closed_reason"]] = row["n"]

    for pk, n in _returned(oht_ids, start, end).items():
        result[pk].returned = n
    return result


def referral_measures_for_oht(*, oht: OHT, start: date, end: date) -> ReferralMeasures:
    """One OHT's measures for [start, end]."""
    return referral_measures(start=start, end=end, ohts=[oht])[oht.pk]
