"""Referral measures per OHT and period, on hand-built referrals with known answers."""

from datetime import UTC, date, datetime, time

import pytest
from django.utils import timezone

from attachment.choices import ClosedReason, DeclineReason, ReferralStatus
from attachment.measures import referral_measures, referral_measures_for_oht
from attachment.models import PatientExtractEvent, Referral
from oht_portal.models import ImportRun
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db

Q3 = (date(2025, 7, 1), date(2025, 9, 30))


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def referral(patient, location, status, referred: date, **stamps) -> Referral:
    """A referral written directly with its dates: the measures read rows, and the
    lifecycle that makes them is tested in test_referrals."""
    return Referral.objects.create(
        patient=patient,
        location=location,
        status=status,
        referred_at=at(referred),
        **{name: at(day) if isinstance(day, date) else day for name, day in stamps.items()},
    )


@pytest.fixture
def places(oht_a, oht_b):
    return {
        "a1": make_location(oht_a, make_clinician("30001")),
        "a2": make_location(oht_a, make_clinician("30002"), fsa="M4E"),
        "b1": make_location(oht_b, make_clinician("30003")),
    }


def comeback(patient, day: date, change, fields=()):
    run = ImportRun.objects.first() or ImportRun.objects.create(
        kind="hcc_waitlist",
        file_name="waitlist.csv",
        sha256="0" * 64,
        trigger=ImportRun.Trigger.COMMAND,
        status=ImportRun.Status.SUCCEEDED,
    )
    return PatientExtractEvent.objects.create(
        patient=patient, import_run=run, extract_date=day, change=change, fields=list(fields)
    )


def test_counts_each_measure_for_the_period_only(oht_a, places):
    p = [make_patient(oht_a, f"HCC10000000{n:02d}") for n in range(8)]
    a1, a2 = places["a1"], places["a2"]
    # p0: declined in Q3 at a1 (complexity), then referred again to a2 in Q3 and accepted.
    referral(p[0], a1, ReferralStatus.DECLINED, date(2025, 7, 2), declined_at=date(2025, 7, 9),
             decline_reason=DeclineReason.COMPLEXITY)  # fmt: skip
    referral(p[0], a2, ReferralStatus.ACCEPTED, date(2025, 7, 10), accepted_at=date(2025, 7, 14))
    # p1: referred in Q2, accepted in Q3, attached in Q3.
    referral(p[1], a1, ReferralStatus.ATTACHED, date(2025, 6, 20),
             accepted_at=date(2025, 7, 2), attached_at=date(2025, 8, 1))  # fmt: skip
    # p2: referred and declined in Q3 at a1 (complexity).
    referral(p[2], a1, ReferralStatus.DECLINED, date(2025, 8, 4), declined_at=date(2025, 8, 5),
             decline_reason=DeclineReason.COMPLEXITY)  # fmt: skip
    # p3: declined at a2 (distance) in Q3.
    referral(p[3], a2, ReferralStatus.DECLINED, date(2025, 8, 4), declined_at=date(2025, 8, 6),
             decline_reason=DeclineReason.DISTANCE)  # fmt: skip
    # p4: closed (no-show) in Q3; p5 closed (unreachable) in Q4: outside.
    referral(p[4], a1, ReferralStatus.CLOSED, date(2025, 9, 1), closed_at=date(2025, 9, 20),
             closed_reason=ClosedReason.NO_SHOW)  # fmt: skip
    referral(p[5], a1, ReferralStatus.CLOSED, date(2025, 9, 2), closed_at=date(2025, 10, 1),
             closed_reason=ClosedReason.UNREACHABLE)  # fmt: skip
    # p6: still referred, made on the last day of Q3; p7 referred in Q4: outside.
    referral(p[6], a2, ReferralStatus.REFERRED, date(2025, 9, 30))
    referral(p[7], a2, ReferralStatus.REFERRED, date(2025, 10, 1))

    measures = referral_measures_for_oht(oht=oht_a, start=Q3[0], end=Q3[1])

    # p0 (twice, counted once), p2, p3, p4, p5, p6.
    assert measures.referred == 6
    assert measures.accepted == 2  # p0, p1
    assert measures.declined == {DeclineReason.COMPLEXITY: 2, DeclineReason.DISTANCE: 1}
    assert measures.declined_by_location == {
        (a1.pk, DeclineReason.COMPLEXITY): 2,
        (a2.pk, DeclineReason.DISTANCE): 1,
    }
    assert measures.declined_total == 3
    assert measures.attached == 1
    assert measures.closed == {ClosedReason.NO_SHOW: 1}
    assert measures.returned == 0 and measures.net_attachment == 1


def test_the_period_runs_from_midnight_to_midnight_in_toronto(oht_a, places):
    patient = make_patient(oht_a, "HCC1000000101")
    late = Referral.objects.create(
        patient=patient,
        location=places["a1"],
        status=ReferralStatus.REFERRED,
        # 23:30 in Toronto on Sept 30 is already Oct 1 in UTC.
        referred_at=at(date(2025, 9, 30), 23).replace(minute=30),
    )
    assert late.referred_at.astimezone(UTC).date() == date(2025, 10, 1)
    assert referral_measures_for_oht(oht=oht_a, start=Q3[0], end=Q3[1]).referred == 1
    oct_first = referral_measures_for_oht(oht=oht_a, start=date(2025, 10, 1), end=date(2025, 10, 1))
    assert oct_first.referred == 0


def test_a_referral_counts_for_the_patients_oht_whatever_the_practices(oht_a, oht_b, places):
    patient = make_patient(oht_a, "HCC1000000201")
    referral(patient, places["b1"], ReferralStatus.REFERRED, date(2025, 8, 1))
    by_oht = referral_measures(start=Q3[0], end=Q3[1], ohts=[oht_a, oht_b])
    assert by_oht[oht_a.pk].referred == 1
    assert by_oht[oht_b.pk].referred == 0


def test_net_attachment_subtracts_patients_back_on_the_list_after_attachment(oht_a, places):
    change = PatientExtractEvent.Change
    back = make_patient(oht_a, "HCC1000000301")  # active, came back in Q3
    referral(back, places["a1"], ReferralStatus.ATTACHED, date(2025, 6, 1),
             accepted_at=date(2025, 6, 2), attached_at=date(2025, 7, 3))  # fmt: skip
    comeback(back, date(2025, 9, 1), change.RETURNED)

    status_back = make_patient(oht_a, "HCC1000000302")  # HCC status back to active
    referral(status_back, places["a1"], ReferralStatus.ATTACHED, date(2025, 6, 1),
             accepted_at=date(2025, 6, 2), attached_at=date(2025, 7, 3))  # fmt: skip
    comeback(status_back, date(2025, 8, 1), change.UPDATED, ["status", "status_date"])

    still_attached = make_patient(oht_a, "HCC1000000303", status="attached")
    referral(still_attached, places["a1"], ReferralStatus.ATTACHED, date(2025, 6, 1),
             accepted_at=date(2025, 6, 2), attached_at=date(2025, 7, 3))  # fmt: skip
    comeback(still_attached, date(2025, 8, 1), change.UPDATED, ["status"])

    before_attachment = make_patient(oht_a, "HCC1000000304")  # the extract predates it
    referral(before_attachment, places["a1"], ReferralStatus.ATTACHED, date(2025, 6, 1),
             accepted_at=date(2025, 6, 2), attached_at=date(2025, 8, 10))  # fmt: skip
    comeback(before_attachment, date(2025, 8, 10), change.UPDATED, ["status"])

    other_field = make_patient(oht_a, "HCC1000000305")  # only the phone changed
    referral(other_field, places["a1"], ReferralStatus.ATTACHED, date(2025, 6, 1),
             accepted_at=date(2025, 6, 2), attached_at=date(2025, 7, 3))  # fmt: skip
    comeback(other_field, date(2025, 8, 1), change.UPDATED, ["phone"])

    never_attached = make_patient(oht_a, "HCC1000000306")
    referral(never_attached, places["a1"], ReferralStatus.DECLINED, date(2025, 6, 1),
             declined_at=date(2025, 6, 3), decline_reason=DeclineReason.OTHER)  # fmt: skip
    comeback(never_attached, date(2025, 8, 1), change.RETURNED)

    measures = referral_measures_for_oht(oht=oht_a, start=Q3[0], end=Q3[1])
    assert measures.attached == 5
    assert measures.returned == 2  # back, status_back
    assert measures.net_attachment == 3
    q4 = referral_measures_for_oht(oht=oht_a, start=date(2025, 10, 1), end=date(2025, 12, 31))
    assert q4.returned == 0 and q4.attached == 0


def test_an_empty_period_is_all_zero_and_a_backwards_one_is_refused(oht_a):
    measures = referral_measures_for_oht(oht=oht_a, start=Q3[0], end=Q3[1])
    assert (measures.referred, measures.accepted, measures.attached, measures.returned) == (
        0,
        0,
        0,
        0,
    )
    assert measures.declined == {} and measures.closed == {}
    with pytest.raises(ValueError):
        referral_measures(start=Q3[1], end=Q3[0])


def test_the_measures_take_a_fixed_number_of_queries(
    oht_a, oht_b, places, django_assert_max_num_queries
):
    for n in range(10):
        referral(make_patient(oht_a, f"HCC10000004{n:02d}"), places["a1"],
                 ReferralStatus.REFERRED, date(2025, 8, 1))  # fmt: skip
    with django_assert_max_num_queries(8):
        by_oht = referral_measures(start=Q3[0], end=Q3[1], ohts=[oht_a, oht_b])
    assert by_oht[oht_a.pk].referred == 10
