"""The quarterly figures on hand-built data with known answers. Each patient below is
placed to test one rule of docs/reporting.md; the comments give the arithmetic."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from attachment.choices import ClosedReason, DeclineReason, ReferralStatus
from attachment.measures import referral_measures_for_oht
from attachment.models import PatientExtractEvent, Referral
from clinicians.capacity import remaining_capacity
from clinicians.choices import AcceptingStatus
from clinicians.models import CapacityDeclaration
from oht_portal.models import ImportRun
from reporting.models import MetricsRun, QuarterSnapshot
from reporting.selectors import rollup, snapshot_figures
from reporting.services import HEADLINE_FIELDS as HEADLINE
from reporting.services import build_quarter
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 6, 30)  # the last day of fiscal 2025-26 Q1


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def referral(patient, location, status, referred: date, **stamps) -> Referral:
    """A referral written with its dates (the lifecycle is tested in attachment)."""
    return Referral.objects.create(
        patient=patient,
        location=location,
        status=status,
        referred_at=at(referred),
        **{name: at(day) if isinstance(day, date) else day for name, day in stamps.items()},
    )


def extract_event(patient, day: date, change, fields=()):
    run = ImportRun.objects.first() or ImportRun.objects.create(
        kind="hcc_waitlist",
        file_name="hcc_waitlist_OHT101.csv",
        sha256="0" * 64,
        trigger=ImportRun.Trigger.COMMAND,
        status=ImportRun.Status.SUCCEEDED,
    )
    return PatientExtractEvent.objects.create(
        patient=patient, import_run=run, extract_date=day, change=change, fields=list(fields)
    )


def declare(location, declared: date, places: int, expires: date, status=AcceptingStatus.ACCEPTING):
    declaration = CapacityDeclaration.objects.create(
        location=location,
        accepting_status=status,
        new_patients=places,
        declared_at=at(declared, 9),
        verified_at=at(declared, 9),
        expires_on=expires,
        channel="staff",
    )
    location.current_declaration = declaration
    location.save(update_fields=["current_declaration"])
    return declaration


def build(oht, fiscal_year=2025, quarter=1):
    run = build_quarter(oht, fiscal_year, quarter, MetricsRun.Trigger.ON_DEMAND)
    assert run.status == MetricsRun.Status.SUCCEEDED, run.error
    snapshot = QuarterSnapshot.objects.get(oht=oht, fiscal_year=fiscal_year, quarter=quarter)
    return snapshot, snapshot_figures(snapshot)


def pick(figures, dimension, metric):
    return {key: values[metric] for key, values in figures.get(dimension, {}).items()}


@pytest.fixture
def quarter_data(oht_a, oht_b):
    """OHT A's patients for fiscal 2025-26 Q1 (April 1 to June 30, 2025)."""
    from reporting.models import FSASummary

    l1 = make_location(oht_a, make_clinician("40001"))
    p = {}

    def patient(name, **fields):
        fields.setdefault("fsa", "M4C")
        fields.setdefault("preferred_language", "en")
        p[name] = make_patient(oht_a, f"HCC10000{len(p) + 1:05d}", **fields)
        return p[name]

    # c1: cohort, waiting throughout; referred June 10 and the referral closed (declined).
    patient("c1", registration_date=date(2024, 5, 1))
    referral(p["c1"], l1, ReferralStatus.CLOSED, date(2025, 6, 10), closed_at=date(2025, 6, 20),
             closed_reason=ClosedReason.PATIENT_DECLINED)  # fmt: skip
    # c2: registered on the cohort date itself; attached through the portal May 10 (HCC
    # still says active): no longer waiting, a removal "attached in portal" in May.
    patient("c2", registration_date=date(2025, 1, 1))
    referral(p["c2"], l1, ReferralStatus.ATTACHED, date(2025, 4, 2),
             accepted_at=date(2025, 4, 10), attached_at=date(2025, 5, 10))  # fmt: skip
    # c3: registered the day after the cohort date, in a rural FSA outside the OHT's;
    # referred April 5, the referral closed (no-show) May 1.
    patient("c3", registration_date=date(2025, 1, 2), fsa="P0M", postal_code="P0M1A1")
    referral(p["c3"], l1, ReferralStatus.CLOSED, date(2025, 4, 5), closed_at=date(2025, 5, 1),
             closed_reason=ClosedReason.NO_SHOW)  # fmt: skip
    # c4: attached elsewhere (HCC) before the cohort date: not in the cohort.
    patient("c4", registration_date=date(2024, 2, 1), status="attached",
            status_date=date(2024, 11, 15))  # fmt: skip
    # c5: cohort; HCC closed the registration June 3: a removal "closed" in June.
    patient("c5", registration_date=date(2024, 8, 1), status="closed",
            status_date=date(2025, 6, 3))  # fmt: skip
    # c6: cohort; missing from the April 30 extract: a removal "left the list" in April.
    patient("c6", registration_date=date(2024, 9, 1), on_hcc_list=False,
            left_hcc_list_on=date(2025, 4, 30))  # fmt: skip
    # c7: cohort; HCC says attached since May 20: a removal "attached (HCC)" in May.
    patient("c7", registration_date=date(2024, 10, 1), status="attached",
            status_date=date(2025, 5, 20))  # fmt: skip
    # c8: cohort; attached through the portal in Q4 of last year, back on the list with
    # the May 31 extract and active now: returned in Q1, waiting again.
    patient("c8", registration_date=date(2024, 7, 1))
    referral(p["c8"], l1, ReferralStatus.ATTACHED, date(2025, 1, 15),
             accepted_at=date(2025, 1, 20), attached_at=date(2025, 2, 10))  # fmt: skip
    extract_event(p["c8"], date(2025, 5, 31), PatientExtractEvent.Change.RETURNED)
    # c9: cohort; attached through the portal April 15; the May 31 extract changed the
    # status, to attached: not a return. Removal in April (the earlier of the two).
    patient("c9", registration_date=date(2024, 7, 1), status="attached",
            status_date=date(2025, 5, 25))  # fmt: skip
    referral(p["c9"], l1, ReferralStatus.ATTACHED, date(2025, 4, 1),
             accepted_at=date(2025, 4, 5), attached_at=date(2025, 4, 15))  # fmt: skip
    extract_event(p["c9"], date(2025, 5, 31), PatientExtractEvent.Change.UPDATED, ["status"])
    # c10: closed by HCC on a date nobody knows: never waiting, never a removal.
    patient("c10", registration_date=date(2024, 1, 1), status="closed", status_date=None)
    # c11: cohort, complex vulnerable, language not stated, waiting.
    patient("c11", registration_date=date(2023, 6, 1), complex_vulnerable=True,
            preferred_language="")  # fmt: skip
    # c12: registered on the quarter's last day, French, in M4E; referred the day before
    # the quarter ends (in flight at L1 on June 30).
    patient("c12", registration_date=date(2025, 6, 30), fsa="M4E", postal_code="M4E1A1",
            preferred_language="fr")  # fmt: skip
    referral(p["c12"], l1, ReferralStatus.REFERRED, date(2025, 6, 29))
    # A patient of OHT B, who must never count for A.
    make_patient(oht_b, "HCC2000000001", registration_date=date(2024, 1, 1), fsa="K0A",
                 postal_code="K0A1A1")  # fmt: skip

    # Capacity on June 30: L1 declared 10 places in March (a later declaration in
    # August is not in force yet); L2's declaration expired May 31 (stale); L3 is fresh
    # but not accepting; L4 declared only in July.
    declare(l1, date(2025, 3, 1), 10, date(2025, 8, 1))
    declare(l1, date(2025, 8, 1), 20, date(2025, 10, 30))
    declare(make_location(oht_a, make_clinician("40002")), date(2025, 3, 1), 5, date(2025, 5, 31))
    declare(make_location(oht_a, make_clinician("40003")), date(2025, 4, 1), 0, date(2025, 9, 1),
            status=AcceptingStatus.NOT_ACCEPTING)  # fmt: skip
    declare(make_location(oht_a, make_clinician("40004")), date(2025, 7, 15), 8, date(2025, 10, 1))

    # The provincial summary of June 30 (and a later one, after as_of, to be ignored).
    run = ImportRun.objects.create(
        kind="hcc_fsa_summary",
        file_name="hcc_fsa_summary_ALL_20250630.csv",
        sha256="1" * 64,
        trigger=ImportRun.Trigger.COMMAND,
        status=ImportRun.Status.SUCCEEDED,
    )
    bands = {"wait_6_12m": 0, "wait_12_24m": 0, "wait_24m_plus": 0}
    for day, fsa, active in (
        (date(2025, 6, 30), "M4C", 3),
        (date(2025, 6, 30), "M4E", 2),
        (date(2025, 9, 30), "M4C", 99),
    ):
        FSASummary.objects.create(
            extract_date=day,
            oht=oht_a,
            fsa=fsa,
            active_patients=active,
            active_complex_vulnerable=0,
            wait_0_6m=active,
            import_run=run,
            **bands,
        )
    return p


def test_it_builds_the_headline_figures(oht_a, quarter_data):
    snapshot, _figures = build(oht_a)

    assert (snapshot.period_start, snapshot.period_end, snapshot.as_of) == (
        date(2025, 4, 1),
        date(2025, 6, 30),
        AS_OF,
    )
    # On the waitlist on Jan 1, 2025: c1 c2 c5 c6 c7 c8 c9 c11 (c3 registered later, c4
    # left before, c10 has no known date).
    assert snapshot.cohort_size == 8
    # Still waiting on June 30: c1 c3 c8 c11 c12; of the cohort, c1 c8 c11.
    assert snapshot.waiting == 5
    assert snapshot.cohort_waiting == 3
    assert snapshot.new_registrants == 1  # c12
    # Referred in the quarter: c1 c2 c3 c9 c12; accepted: c2 c9; attached: c2 c9.
    assert (snapshot.referred, snapshot.accepted, snapshot.attached) == (5, 2, 2)
    # c8 came back; c9's status change was to "attached", not a return.
    assert snapshot.returned == 1
    assert snapshot.net_attachment == 1
    assert snapshot.closed == 2
    assert snapshot.removals == 5  # c2 c5 c6 c7 c9
    # Waits of c12 c3 c8 c1 c11: 0 179 364 425 760 days; p90 = 425 + 0.6 × 335.
    assert (snapshot.wait_median_days, snapshot.wait_p90_days) == (364, 626)


def test_it_matches_the_referral_measures_of_the_same_quarter(oht_a, quarter_data):
    snapshot, figures = build(oht_a)
    measures = referral_measures_for_oht(oht=oht_a, start=date(2025, 4, 1), end=AS_OF)

    assert (snapshot.referred, snapshot.accepted, snapshot.attached) == (
        measures.referred,
        measures.accepted,
        measures.attached,
    )
    assert (snapshot.returned, snapshot.net_attachment) == (
        measures.returned,
        measures.net_attachment,
    )
    assert snapshot.closed == measures.closed_total
    assert {k: v for k, v in pick(figures, "close_reason", "closed").items() if v} == (
        measures.closed
    )


def test_it_counts_closures_for_every_reason(oht_a, quarter_data):
    _snapshot, figures = build(oht_a)
    assert pick(figures, "close_reason", "closed") == {
        ClosedReason.PATIENT_DECLINED: 1,
        ClosedReason.UNREACHABLE: 0,
        ClosedReason.NO_SHOW: 1,
        ClosedReason.OTHER: 0,
    }


def test_it_counts_removals_by_reason_and_month(oht_a, quarter_data):
    _snapshot, figures = build(oht_a)

    assert pick(figures, "removal_reason", "removals") == {
        "attached_in_portal": 2,  # c9 (April 15), c2 (May 10)
        "hcc_attached": 1,  # c7
        "hcc_closed": 1,  # c5
        "left_hcc_list": 1,  # c6
    }
    months = figures["month"]
    assert sorted(months) == ["2025-04", "2025-05", "2025-06"]
    assert {m: months[m]["removals"] for m in months} == {
        "2025-04": 2,
        "2025-05": 2,
        "2025-06": 1,
    }
    assert months["2025-04"]["removals_left_hcc_list"] == 1
    assert months["2025-04"]["removals_attached_in_portal"] == 1
    assert months["2025-05"]["removals_attached_in_portal"] == 1
    assert months["2025-05"]["removals_hcc_attached"] == 1
    assert months["2025-06"]["removals_hcc_closed"] == 1
    assert months["2025-06"]["removals_hcc_attached"] == 0


def test_it_counts_the_monthly_flows(oht_a, quarter_data):
    _snapshot, figures = build(oht_a)
    months = figures["month"]

    def row(metric):
        return [months[m][metric] for m in ("2025-04", "2025-05", "2025-06")]

    assert row("new_registrants") == [0, 0, 1]
    assert row("referred") == [3, 0, 2]  # c2 c3 c9 | c1 c12
    assert row("accepted") == [2, 0, 0]
    assert row("attached") == [1, 1, 0]  # c9 | c2
    assert row("returned") == [0, 1, 0]  # c8, May 31
    assert row("closed") == [0, 1, 1]


def test_it_breaks_the_waitlist_down_by_fsa(oht_a, quarter_data):
    _snapshot, figures = build(oht_a)

    # Every FSA the OHT serves, and those its patients live in.
    assert sorted(figures["fsa"]) == ["M4C", "M4E", "P0M"]
    assert pick(figures, "fsa", "waiting") == {"M4C": 3, "M4E": 1, "P0M": 1}
    assert pick(figures, "fsa", "cohort_waiting") == {"M4C": 3, "M4E": 0, "P0M": 0}
    assert pick(figures, "fsa", "complex_vulnerable") == {"M4C": 1, "M4E": 0, "P0M": 0}
    assert pick(figures, "fsa", "referred") == {"M4C": 3, "M4E": 1, "P0M": 1}
    # M4C: c1 c8 c11 wait 425 364 760 days.
    assert figures["fsa"]["M4C"]["wait_median_days"] == 425
    assert figures["fsa"]["M4E"]["wait_median_days"] == 0


def test_it_breaks_the_waitlist_down_for_equity(oht_a, quarter_data):
    _snapshot, figures = build(oht_a)

    assert pick(figures, "language", "waiting") == {"en": 3, "fr": 1, "": 1}
    assert pick(figures, "complexity", "waiting") == {"complex_vulnerable": 1, "other": 4}
    assert pick(figures, "rurality", "waiting") == {"rural": 1, "urban": 4}
    assert figures["rurality"]["rural"]["wait_median_days"] == 179
    assert figures["complexity"]["complex_vulnerable"]["wait_p90_days"] == 760


def test_it_reads_capacity_in_force_on_the_as_of_date(oht_a, quarter_data):
    snapshot, _figures = build(oht_a)

    # L1: 10 places, less c12 in flight and c2 c9 accepted since March 1 (c8 was
    # accepted before the declaration): 7. L2 stale; L3 not taking; L4 not yet declared.
    assert snapshot.capacity_declared == 10
    assert snapshot.capacity_remaining == 7
    assert snapshot.capacity_stale == 1


def test_capacity_of_the_current_quarter_agrees_with_the_directory(oht_a, time_machine):
    time_machine.move_to(at(date(2025, 11, 20)))
    location = make_location(oht_a, make_clinician("40010"))
    declare(location, date(2025, 10, 1), 6, date(2025, 12, 30))
    patient = make_patient(oht_a, "HCC1000000900")
    referral(patient, location, ReferralStatus.REFERRED, date(2025, 11, 3))
    stale = make_location(oht_a, make_clinician("40011"), fsa="M4E")
    declare(stale, date(2025, 6, 1), 4, date(2025, 9, 1))

    snapshot, _figures = build(oht_a, 2025, 3)

    assert snapshot.as_of == date(2025, 11, 20)
    expected = remaining_capacity(location) + remaining_capacity(stale)
    assert snapshot.capacity_remaining == expected == 5
    assert (snapshot.capacity_declared, snapshot.capacity_stale) == (6, 1)


def test_it_reconciles_with_the_provincial_summary(oht_a, quarter_data):
    snapshot, figures = build(oht_a)

    assert snapshot.reconciliation_date == date(2025, 6, 30)
    # Active on the HCC list on June 30, whatever the portal did: M4C c1 c2 c8 c11
    # (c2's attachment is not in HCC's data yet), M4E c12, P0M c3.
    assert figures["reconciliation"] == {
        "M4C": {"imported_active": 3, "portal_active": 4, "difference": -1},
        "M4E": {"imported_active": 2, "portal_active": 1, "difference": 1},
        "P0M": {"imported_active": 0, "portal_active": 1, "difference": -1},
    }


def test_without_a_provincial_summary_nothing_is_reconciled(oht_b, quarter_data):
    snapshot, figures = build(oht_b)
    assert snapshot.reconciliation_date is None
    assert "reconciliation" not in figures
    assert (snapshot.waiting, snapshot.cohort_size) == (1, 1)


def test_the_quarter_before_sees_the_attachment_of_the_returned_patient(oht_a, quarter_data):
    snapshot, _figures = build(oht_a, 2024, 4)
    # Q4 of 2024-25 (January to March 2025): c8 attached February 10, not yet back.
    assert (snapshot.attached, snapshot.returned, snapshot.net_attachment) == (1, 0, 1)
    # The cohort is the same whatever the quarter.
    assert snapshot.cohort_size == 8


@pytest.mark.parametrize(
    ("fiscal_year", "quarter", "new", "referred"),
    [
        (2024, 3, 1, 0),  # October–December 2024: registered Dec 31
        (2024, 4, 2, 1),  # January–March 2025: registered Jan 1 and Mar 31; referred Mar 31
        (2025, 1, 1, 1),  # April–June 2025: registered Apr 1; referred Apr 1 at 00:10
    ],
)
def test_it_keeps_to_the_fiscal_quarter_boundaries(oht_a, fiscal_year, quarter, new, referred):
    location = make_location(oht_a, make_clinician("40020"))
    make_patient(oht_a, "HCC1000000701", registration_date=date(2024, 12, 31))
    make_patient(oht_a, "HCC1000000702", registration_date=date(2025, 1, 1))
    march = make_patient(oht_a, "HCC1000000703", registration_date=date(2025, 3, 31))
    april = make_patient(oht_a, "HCC1000000704", registration_date=date(2025, 4, 1))
    # 23:30 on March 31 in Toronto is April 1 in UTC: still Q4.
    Referral.objects.create(
        patient=march, location=location, referred_at=at(date(2025, 3, 31), 23, 30)
    )
    Referral.objects.create(
        patient=april, location=location, referred_at=at(date(2025, 4, 1), 0, 10)
    )

    snapshot, figures = build(oht_a, fiscal_year, quarter)

    assert (snapshot.new_registrants, snapshot.referred) == (new, referred)
    assert sum(values["new_registrants"] for values in figures["month"].values()) == new


def test_the_wait_median_and_90th_percentile_interpolate(oht_a):
    for n, waited in enumerate((10, 20, 30, 40)):
        make_patient(
            oht_a,
            f"HCC10000008{n:02d}",
            registration_date=date.fromordinal(AS_OF.toordinal() - waited),
            fsa="M4E" if waited == 40 else "M4C",
        )
    snapshot, figures = build(oht_a)

    # Median of 10 20 30 40 is 25; the 90th percentile is 30 + 0.7 × 10 = 37.
    assert (snapshot.wait_median_days, snapshot.wait_p90_days) == (25, 37)
    # M4C: 10 20 30: median 20, p90 = 20 + 0.8 × 10 = 28.
    assert (figures["fsa"]["M4C"]["wait_median_days"], figures["fsa"]["M4C"]["wait_p90_days"]) == (
        20,
        28,
    )
    assert figures["fsa"]["M4E"]["wait_p90_days"] == 40


def test_nobody_waiting_has_no_median(oht_a):
    snapshot, figures = build(oht_a)
    assert (snapshot.waiting, snapshot.wait_median_days, snapshot.wait_p90_days) == (0, None, None)
    assert figures["fsa"]["M4C"] == {
        **dict.fromkeys(
            [
                "waiting",
                "cohort_size",
                "cohort_waiting",
                "complex_vulnerable",
                "new_registrants",
                "removals",
                "referred",
                "accepted",
                "attached",
                "returned",
            ],
            0,
        ),
        "wait_median_days": None,
        "wait_p90_days": None,
    }


def test_quarters_built_together_equal_quarters_built_alone(oht_a, oht_b, quarter_data):
    from reporting.services import build_periods

    alone = {}
    for quarter in ((2024, 4), (2025, 1)):
        snapshot, figures = build(oht_a, *quarter)
        alone[quarter] = (
            {name: getattr(snapshot, name) for name in HEADLINE},
            figures,
            snapshot.reconciliation_date,
        )

    runs = build_periods(
        ohts=[oht_a, oht_b], quarters=[(2024, 4), (2025, 1)], trigger=MetricsRun.Trigger.NIGHTLY
    )

    assert [run.status for run in runs] == ["succeeded"] * 4
    for quarter, expected in alone.items():
        snapshot = QuarterSnapshot.objects.get(
            oht=oht_a, fiscal_year=quarter[0], quarter=quarter[1]
        )
        together = (
            {name: getattr(snapshot, name) for name in HEADLINE},
            snapshot_figures(snapshot),
            snapshot.reconciliation_date,
        )
        assert together == expected


def test_a_referral_closed_without_a_reason_still_counts(oht_a):
    location = make_location(oht_a, make_clinician("40030"))
    patient = make_patient(oht_a, "HCC1000000950")
    referral(patient, location, ReferralStatus.CLOSED, date(2025, 5, 1), closed_at=date(2025, 5, 2))

    snapshot, figures = build(oht_a)

    assert snapshot.closed == 1
    assert figures["close_reason"][""] == {"closed": 1}
    assert figures["month"]["2025-05"]["closed"] == 1


@pytest.fixture
def declines(oht_a, oht_b):
    """Referrals declined around the end of fiscal 2024-25 (March 31, 2025), by the
    Toronto day of `declined_at`; referred dates are irrelevant to the count."""
    location = make_location(oht_a, make_clinician("40040"))
    patients = [make_patient(oht_a, f"HCC10000009{n:02d}") for n in range(5)]

    def decline(patient, referred, declined_at, reason=""):
        referral(patient, location, ReferralStatus.DECLINED, referred,
                 declined_at=declined_at, decline_reason=reason)  # fmt: skip

    # Q4 of 2024-25: Mar 31 at noon, and 23:30 on Mar 31 (April 1 in UTC).
    decline(patients[0], date(2025, 3, 20), date(2025, 3, 31), DeclineReason.COMPLEXITY)
    decline(patients[1], date(2025, 3, 25), at(date(2025, 3, 31), 23, 30), DeclineReason.DISTANCE)
    # Q1 of 2025-26: referred in March, declined April 1 at 00:10; and one with no reason.
    decline(patients[2], date(2025, 3, 28), at(date(2025, 4, 1), 0, 10), DeclineReason.COMPLEXITY)
    decline(patients[3], date(2025, 4, 2), date(2025, 4, 3))
    # Declined, then referred elsewhere and still in flight: only the decline counts.
    decline(patients[4], date(2025, 5, 1), date(2025, 5, 2), DeclineReason.NO_CAPACITY)
    referral(patients[4], location, ReferralStatus.REFERRED, date(2025, 5, 5))
    # OHT B's patient, declined by OHT A's practice: counts for B only.
    other = make_patient(oht_b, "HCC2000000040")
    decline(other, date(2025, 4, 2), date(2025, 4, 4), DeclineReason.COMPLEXITY)


@pytest.mark.parametrize(
    ("fiscal_year", "quarter", "declined", "by_reason", "months"),
    [
        (2024, 4, 2, {"complexity": 1, "distance": 1}, {"2025-01": 0, "2025-02": 0, "2025-03": 2}),
        (
            2025,
            1,
            3,
            {"complexity": 1, "no_capacity": 1, "": 1},
            {"2025-04": 2, "2025-05": 1, "2025-06": 0},
        ),
    ],
)
def test_declines_count_in_the_quarter_of_the_decline_by_reason(
    oht_a, declines, fiscal_year, quarter, declined, by_reason, months
):
    snapshot, figures = build(oht_a, fiscal_year, quarter)

    assert snapshot.declined == declined
    # Every reason has a row (zeros included); a decline without a reason is under "".
    expected = {reason: 0 for reason in DeclineReason.values} | by_reason
    assert pick(figures, "decline_reason", "declined") == expected
    assert pick(figures, "month", "declined") == months
    start, end = snapshot.period_start, snapshot.as_of
    measures = referral_measures_for_oht(oht=oht_a, start=start, end=end)
    assert snapshot.declined == measures.declined_total
    assert {k: v for k, v in expected.items() if v} == measures.declined


def test_a_rollup_sums_the_declines(oht_a, oht_b, declines):
    a, _figures = build(oht_a)
    b, _figures = build(oht_b)
    assert (a.declined, b.declined) == (3, 1)

    summed = rollup([a, b])

    assert summed.declined == summed.headline["declined"] == 4
    assert pick(summed.figures, "decline_reason", "declined")["complexity"] == 2
    assert pick(summed.figures, "decline_reason", "declined")["no_capacity"] == 1
