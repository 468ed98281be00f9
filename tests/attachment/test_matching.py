"""Matching: the candidate rules, optimality against brute force, cohort first,
household continuity, and a run from start to proposals."""

import itertools
import json
import random
from datetime import date, timedelta

import numpy as np
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import translation

from attachment.choices import MatchingRunStatus, ProposalStatus, ReferralStatus
from attachment.matching import candidates as candidates_module
from attachment.matching import run as run_module
from attachment.matching import solver as solver_module
from attachment.matching.candidates import (
    HOUSEHOLD,
    LANGUAGE,
    Candidates,
    Locations,
    Patients,
    build_candidates,
    read_candidates,
)
from attachment.matching.explain import (
    pair_reasons,
    reason_labels,
    reason_text,
    reasons_for,
    totals,
)
from attachment.matching.greedy import greedy
from attachment.matching.run import matching_run_start
from attachment.matching.solver import solve
from attachment.models import LocalContact, MatchingRun, Proposal, Referral, Verification
from attachment.referrals import referral_accept, referral_create
from clinicians.models import CapacityDeclaration
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.models import AuditEvent
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db

NOON = "2025-10-15 12:00-04:00"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOON, tick=False):
        yield


def declare(location, places=5, **constraints):
    return capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status="newpt", new_patients=places, **constraints),
        channel="staff",
    )


def open_location(oht, number, places=5, fsa=None, constraints=None, **fields):
    location = make_location(oht, make_clinician(number), fsa=fsa, **fields)
    declare(location, places, **(constraints or {}))
    return location


def pairs_of(oht, include_partners=False) -> set[tuple[str, int]]:
    from attachment.models import Patient

    c = read_candidates(oht, include_partners=include_partners)
    hcc = dict(Patient.objects.values_list("pk", "hcc_id"))
    return {
        (hcc[int(c.patients.ids[p])], int(c.locations.ids[loc]))
        for p, loc in zip(c.patient, c.location, strict=True)
    }


# --- candidate rules ---------------------------------------------------------------


def test_it_sends_children_only_where_the_declaration_takes_children(oht_a):
    make_patient(oht_a, "HCC1000000001", date_of_birth=date(2018, 1, 1))  # 7
    make_patient(oht_a, "HCC1000000002", date_of_birth=date(1950, 1, 1))  # 75
    adults = open_location(oht_a, "1", constraints={"min_age": 18})
    anyone = open_location(oht_a, "2")
    young_adults = open_location(oht_a, "3", constraints={"max_age": 40})
    paediatric = open_location(oht_a, "4", constraints={"min_age": 0, "max_age": 17})

    assert pairs_of(oht_a) == {
        ("HCC1000000001", anyone.pk),
        ("HCC1000000001", young_adults.pk),
        ("HCC1000000001", paediatric.pk),
        ("HCC1000000002", adults.pk),
        ("HCC1000000002", anyone.pk),
    }


def test_it_keeps_to_the_declarations_required_languages(oht_a):
    make_patient(oht_a, "HCC1000000001", preferred_language="en")
    make_patient(oht_a, "HCC1000000002", preferred_language="pt")
    portuguese_only = open_location(oht_a, "1", languages="en;pt", constraints={"languages": "pt"})

    assert pairs_of(oht_a) == {("HCC1000000002", portuguese_only.pk)}


def test_it_sends_complex_vulnerable_patients_only_where_taken(oht_a):
    make_patient(oht_a, "HCC1000000001", complex_vulnerable=True)
    make_patient(oht_a, "HCC1000000002")
    simple_only = open_location(oht_a, "1", constraints={"takes_complex": False})
    takes_all = open_location(oht_a, "2")

    assert pairs_of(oht_a) == {
        ("HCC1000000001", takes_all.pk),
        ("HCC1000000002", simple_only.pk),
        ("HCC1000000002", takes_all.pk),
    }


def test_it_reaches_the_same_and_neighbouring_fsas_but_not_far_ones(oht_a, settings):
    settings.MATCHING_MAX_DISTANCE_KM = 10
    make_patient(oht_a, "HCC1000000001", fsa="M4C")
    same = open_location(oht_a, "1", fsa="M4C")
    neighbour = open_location(oht_a, "2", fsa="M4E")  # 2 km
    downtown = open_location(oht_a, "3", fsa="M5V")  # 9 km
    open_location(oht_a, "4", fsa="M1B")  # 16 km
    open_location(oht_a, "5", fsa="P3A")  # Sudbury

    assert pairs_of(oht_a) == {
        ("HCC1000000001", same.pk),
        ("HCC1000000001", neighbour.pk),
        ("HCC1000000001", downtown.pk),
    }
    c = read_candidates(oht_a)
    km = dict(zip(c.locations.ids[c.location].tolist(), c.km.tolist(), strict=True))
    assert km[same.pk] == 0
    assert km[neighbour.pk] == pytest.approx(2.0, abs=0.1)


def test_it_offers_virtual_practices_to_remote_fsas_only(oht_b, settings):
    settings.MATCHING_MAX_DISTANCE_KM = 1  # in person: the same FSA only
    make_patient(oht_b, "HCC2000000001", fsa="K0A", postal_code="K0A1A0")
    make_patient(oht_b, "HCC2000000002", fsa="K1N", postal_code="K1N5T5")
    virtual = open_location(oht_b, "1", fsa="K2P", virtual_care=True)  # about 48 km
    open_location(oht_b, "2", fsa="K2P", virtual_care=False)
    # A virtual practice in Sudbury, 400 km away, is beyond MATCHING_VIRTUAL_MAX_KM.
    open_location(oht_b, "3", fsa="P3A", virtual_care=True)

    assert pairs_of(oht_b) == {("HCC2000000001", virtual.pk)}
    settings.MATCHING_VIRTUAL_MAX_KM = 500
    assert len(pairs_of(oht_b)) == 2
    settings.MATCHING_VIRTUAL_MAX_KM = 200
    c = read_candidates(oht_b)
    assert {r["code"] for r in pair_reasons(c, 0)} >= {"virtual"}


def test_french_is_a_hard_constraint_when_a_french_candidate_exists(oht_a):
    make_patient(oht_a, "HCC1000000001", preferred_language="fr")
    make_patient(oht_a, "HCC1000000002", preferred_language="en")
    french = open_location(oht_a, "1", fsa="M4E", languages="en;fr")
    english = open_location(oht_a, "2", fsa="M4C", languages="en")

    assert pairs_of(oht_a) == {
        ("HCC1000000001", french.pk),
        ("HCC1000000002", french.pk),
        ("HCC1000000002", english.pk),
    }


def test_french_patients_keep_other_candidates_when_no_french_one_exists(oht_a):
    make_patient(oht_a, "HCC1000000001", preferred_language="fr")
    english = open_location(oht_a, "1", languages="en")

    assert pairs_of(oht_a) == {("HCC1000000001", english.pk)}


def test_clinicians_french_services_count_as_french(oht_a):
    make_patient(oht_a, "HCC1000000001", preferred_language="fr")
    french = make_location(oht_a, make_clinician("1", french_language_services=True))
    declare(french)
    open_location(oht_a, "2", languages="en")

    assert pairs_of(oht_a) == {("HCC1000000001", french.pk)}


def test_the_language_needed_comes_from_verification_then_local_contact(oht_a):
    verified = make_patient(oht_a, "HCC1000000001", preferred_language="en")
    Verification.objects.create(
        patient=verified, result="still_needs_care", source="portal", needs_language="fr"
    )
    corrected = make_patient(oht_a, "HCC1000000002", preferred_language="en")
    LocalContact.objects.create(patient=corrected, preferred_language="fr")
    make_patient(oht_a, "HCC1000000003", preferred_language="en")
    french = open_location(oht_a, "1", languages="fr")
    english = open_location(oht_a, "2", languages="en")

    assert pairs_of(oht_a) == {
        ("HCC1000000001", french.pk),
        ("HCC1000000002", french.pk),
        ("HCC1000000003", french.pk),
        ("HCC1000000003", english.pk),
    }


def test_stale_undeclared_full_and_closed_locations_are_not_offered(oht_a):
    make_patient(oht_a, "HCC1000000001")
    already = make_patient(oht_a, "HCC1000000002")
    make_location(oht_a, make_clinician("1"))  # never declared
    stale = open_location(oht_a, "2")
    CapacityDeclaration.objects.filter(pk=stale.current_declaration_id).update(
        expires_on=date(2025, 10, 1)
    )
    full = open_location(oht_a, "3", places=1)
    referral_create(patient=already, location=full)
    not_taking = make_location(oht_a, make_clinician("4"))
    capacity_declare(
        location=not_taking,
        figures=CapacityFigures(accepting_status="nopt", new_patients=0),
        channel="staff",
    )
    fresh = open_location(oht_a, "5")

    assert pairs_of(oht_a) == {("HCC1000000001", fresh.pk)}


def test_patients_with_an_open_referral_or_closed_by_verification_wait_no_more(oht_a):
    referred = make_patient(oht_a, "HCC1000000001")
    moved = make_patient(oht_a, "HCC1000000002", verification_state="moved")
    make_patient(oht_a, "HCC1000000003", status="attached")
    make_patient(oht_a, "HCC1000000004", on_hcc_list=False)
    make_patient(oht_a, "HCC1000000005")
    location = open_location(oht_a, "1")
    referral_create(patient=referred, location=location)

    assert {hcc for hcc, _loc in pairs_of(oht_a)} == {"HCC1000000005"}
    assert moved.pk not in read_candidates(oht_a).patients.ids


def test_partner_ohts_only_when_the_run_includes_them(oht_a, oht_b):
    oht_a.matching_partners.add(oht_b)
    make_patient(oht_a, "HCC1000000001", fsa="M4C")
    make_patient(oht_b, "HCC2000000001", fsa="M4E", postal_code="M4E1A1")
    own = open_location(oht_a, "1", fsa="M4C")
    partner = open_location(oht_b, "2", fsa="M4E")

    assert pairs_of(oht_a) == {("HCC1000000001", own.pk)}
    assert pairs_of(oht_a, include_partners=True) == {
        ("HCC1000000001", own.pk),
        ("HCC1000000001", partner.pk),
        ("HCC2000000001", own.pk),
        ("HCC2000000001", partner.pk),
    }


# --- optimality ----------------------------------------------------------------------


def random_candidates(rng: random.Random, n: int, m: int) -> Candidates:
    """A random instance: each patient a random subset of locations, random values."""
    patients = Patients(
        ids=np.arange(1, n + 1, dtype=np.int64),
        oht=np.ones(n, dtype=np.int64),
        fsa=["M4C"] * n,
        age=np.full(n, 40, dtype=np.int16),
        complex_vulnerable=np.zeros(n, bool),
        cohort=np.array([rng.random() < 0.4 for _ in range(n)]),
        months=np.zeros(n, np.int32),
        registered=np.array(rng.sample(range(1000), n), dtype=np.int32),
        language=["en"] * n,
        household=[None] * n,
    )
    locations = Locations(
        ids=np.arange(1, m + 1, dtype=np.int64),
        clinician=np.arange(1, m + 1, dtype=np.int64),
        fsa=["M4C"] * m,
        capacity=np.array([rng.randint(1, 2) for _ in range(m)], dtype=np.int32),
        languages=[{"en"}] * m,
        french=np.zeros(m, bool),
        required_languages=[set()] * m,
        min_age=np.full(m, -1, np.int16),
        max_age=np.full(m, 10_000, np.int16),
        takes_complex=np.ones(m, bool),
        virtual=np.zeros(m, bool),
    )
    pairs = [(p, loc) for p in range(n) for loc in range(m) if rng.random() < 0.6]
    value = np.array([rng.randint(1, 60) for _ in pairs], dtype=np.int64)
    p = np.array([x[0] for x in pairs], dtype=np.int32)
    loc = np.array([x[1] for x in pairs], dtype=np.int32)
    order = np.lexsort((loc, -value, p))
    return Candidates(
        patients=patients,
        locations=locations,
        patient=p[order],
        location=loc[order],
        km=np.zeros(len(pairs), np.float32),
        flags=np.zeros(len(pairs), np.uint8),
        value=value[order],
        score=value[order].astype(float),
    )


def brute_force(c: Candidates) -> int:
    """The best total value over every assignment (each patient: none or one pair)."""
    options = [[None, *np.flatnonzero(c.patient == p).tolist()] for p in range(len(c.patients))]
    best = 0
    for choice in itertools.product(*options):
        used = [pair for pair in choice if pair is not None]
        load = np.bincount(c.location[used], minlength=len(c.locations))
        if (load <= c.locations.capacity).all():
            best = max(best, int(c.value[used].sum()))
    return best


@pytest.mark.parametrize("seed", range(25))
def test_the_solver_matches_brute_force_on_small_instances(seed):
    c = random_candidates(random.Random(seed), 5, 3)
    assignment = solve(c)

    assert assignment.value == brute_force(c)
    # A feasible assignment: one pair per patient, no location over its places.
    assert len(set(c.patient[assignment.pairs].tolist())) == len(assignment.pairs)
    load = np.bincount(c.location[assignment.pairs], minlength=len(c.locations))
    assert (load <= c.locations.capacity).all()
    assert greedy(c).value <= assignment.value


@pytest.mark.parametrize("seed", range(10))
def test_the_optimum_never_leaves_a_place_empty_next_to_a_waiting_candidate(seed):
    c = random_candidates(random.Random(100 + seed), 8, 4)
    a = solve(c)
    matched = set(c.patient[a.pairs].tolist())
    load = np.bincount(c.location[a.pairs], minlength=len(c.locations))
    for p, loc in zip(c.patient.tolist(), c.location.tolist(), strict=True):
        assert p in matched or load[loc] >= c.locations.capacity[loc]


def test_the_cohort_patient_wins_the_last_place_even_from_farther(oht_a):
    # A cohort patient 2 km away, a complex vulnerable later registrant next door.
    cohort = make_patient(oht_a, "HCC1000000001", fsa="M4E", registration_date=date(2024, 12, 1))
    make_patient(
        oht_a,
        "HCC1000000002",
        fsa="M4C",
        registration_date=date(2025, 3, 1),
        complex_vulnerable=True,
        preferred_language="fr",
    )
    place = open_location(oht_a, "1", places=1, fsa="M4C", languages="en;fr")

    c = read_candidates(oht_a)
    a = solve(c)
    assert [int(c.patients.ids[c.patient[p]]) for p in a.pairs] == [cohort.pk]
    assert [int(c.locations.ids[c.location[p]]) for p in a.pairs] == [place.pk]


def test_cohort_first_holds_over_a_whole_assignment():
    """Per pair the cohort weight beats any fit; the tier makes it hold for the whole
    assignment too: the optimum matches as many cohort patients as possible."""
    rng = random.Random(7)
    for _ in range(20):
        c = random_candidates(rng, 6, 3)
        tier = 10_000
        c.value = c.value + tier * c.patients.cohort[c.patient].astype(np.int64)
        a = solve(c)
        options = [[None, *np.flatnonzero(c.patient == p).tolist()] for p in range(6)]
        most = 0
        for choice in itertools.product(*options):
            used = [x for x in choice if x is not None]
            load = np.bincount(c.location[used], minlength=3)
            if (load <= c.locations.capacity).all():
                most = max(most, int(c.patients.cohort[c.patient[used]].sum()))
        assert int(c.patients.cohort[c.patient[a.pairs]].sum()) == most


def test_household_members_go_to_the_same_clinician(oht_a):
    sibling = make_patient(oht_a, "HCC1000000001", family_name="Roy", postal_code="M4C1B2")
    waiting = make_patient(oht_a, "HCC1000000002", family_name="Roy", postal_code="M4C1B2")
    stranger = make_patient(oht_a, "HCC1000000003", family_name="Roy", postal_code="M4C9Z9")
    family_doctor = open_location(oht_a, "1", places=2, fsa="M4E")
    open_location(oht_a, "2", places=2, fsa="M4C")
    referral_accept(referral=referral_create(patient=sibling, location=family_doctor))

    c = read_candidates(oht_a)
    flagged = {
        (int(c.patients.ids[p]), int(c.locations.ids[loc]))
        for p, loc, f in zip(c.patient, c.location, c.flags, strict=True)
        if f & HOUSEHOLD
    }
    assert flagged == {(waiting.pk, family_doctor.pk)}
    a = solve(c)
    chosen = {
        int(c.patients.ids[c.patient[p]]): int(c.locations.ids[c.location[p]]) for p in a.pairs
    }
    assert chosen[waiting.pk] == family_doctor.pk
    assert chosen[stranger.pk] != family_doctor.pk or len(chosen) == 2


# --- explanations ------------------------------------------------------------------


def test_reasons_are_worded_in_order():
    reasons = [
        {"code": "cohort", "value": True},
        {"code": "complex_vulnerable", "value": True},
        {"code": "months_waited", "value": 27},
        {"code": "language", "value": "fr"},
        {"code": "distance_km", "value": 3},
        {"code": "paediatric", "value": True},
    ]
    with translation.override("en"):
        assert reason_text(reasons) == (
            "cohort · complex vulnerable · 27 months · French · 3 km · paediatric capacity"
        )
    with translation.override("fr"):
        labels = reason_labels(reasons)
        assert labels[0] == "cohorte"
        assert "Français" in labels


def test_totals_count_cohort_language_and_distance(oht_a):
    make_patient(
        oht_a,
        "HCC1000000001",
        registration_date=date(2024, 1, 1),
        preferred_language="fr",
        date_of_birth=date(2015, 1, 1),
    )
    make_patient(oht_a, "HCC1000000002", registration_date=date(2025, 5, 1), fsa="M4E")
    open_location(oht_a, "1", places=2, fsa="M4C", languages="en;fr")

    c = read_candidates(oht_a)
    result = totals(solve(c))
    assert result["patients"] == 2
    assert result["cohort"] == 1
    assert result["language_concordant"] == 2
    assert result["language_concordant_share"] == 1.0
    assert result["median_km"] == pytest.approx(1.0, abs=0.1)
    reasons = pair_reasons(c, int(np.flatnonzero(c.patients.cohort[c.patient])[0]))
    assert [r["code"] for r in reasons] == [
        "cohort",
        "months_waited",
        "language",
        "distance_km",
        "paediatric",
    ]
    assert all(f & LANGUAGE for f in c.flags)


# --- the run -----------------------------------------------------------------------


def test_a_run_writes_proposals_with_totals_and_supersedes_the_last_one(
    alice, oht_a, django_capture_on_commit_callbacks
):
    for i in range(4):
        make_patient(
            oht_a, f"HCC100000000{i}", registration_date=date(2024, 1, 1) + timedelta(days=60 * i)
        )
    near = open_location(oht_a, "1", places=2, fsa="M4C")
    open_location(oht_a, "2", places=1, fsa="M4E")

    with django_capture_on_commit_callbacks(execute=True):
        first = matching_run_start(oht=oht_a, actor=alice)
    first.refresh_from_db()
    assert first.status == MatchingRunStatus.DONE
    assert first.progress == 100
    assert first.totals["patients"] == 3
    assert first.totals["cohort"] == 3
    assert first.greedy_totals["patients"] == 3
    proposals = list(first.proposals.order_by("patient__registration_date"))
    assert [p.patient.hcc_id for p in proposals] == [
        "HCC1000000000",
        "HCC1000000001",
        "HCC1000000002",
    ]
    assert proposals[0].location_id == near.pk
    assert proposals[0].reasons[0] == {"code": "cohort", "value": True}
    assert proposals[0].alternatives and "location" in proposals[0].alternatives[0]
    assert AuditEvent.objects.filter(object_id=str(first.pk), patient_id__isnull=False).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        second = matching_run_start(oht=oht_a, actor=alice)
    assert set(Proposal.objects.filter(run=first).values_list("status", flat=True)) == {
        ProposalStatus.SUPERSEDED
    }
    assert Proposal.objects.filter(run=second, status=ProposalStatus.PROPOSED).count() == 3


def test_a_confirmed_proposal_is_not_superseded_and_its_patient_waits_no_more(
    alice, oht_a, django_capture_on_commit_callbacks
):
    make_patient(oht_a, "HCC1000000001")
    make_patient(oht_a, "HCC1000000002")
    open_location(oht_a, "1", places=2)
    with django_capture_on_commit_callbacks(execute=True):
        first = matching_run_start(oht=oht_a, actor=alice)
    from attachment.referrals import proposal_confirm

    confirmed = first.proposals.first()
    proposal_confirm(proposal=confirmed, actor=alice)
    with django_capture_on_commit_callbacks(execute=True):
        second = matching_run_start(oht=oht_a, actor=alice)

    confirmed.refresh_from_db()
    assert confirmed.status == ProposalStatus.CONFIRMED
    assert list(second.proposals.values_list("patient_id", flat=True)) != [confirmed.patient_id]
    assert second.proposals.count() == 1
    assert Referral.objects.get().status == ReferralStatus.REFERRED


def test_the_job_takes_the_run_id_only(
    alice, oht_a, django_capture_on_commit_callbacks, monkeypatch
):
    from attachment.matching import tasks

    sent = []
    monkeypatch.setattr(tasks.matching_run_execute, "delay", lambda *a, **k: sent.append((a, k)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = matching_run_start(oht=oht_a, actor=alice)
    assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sent == [((run.pk,), {})]


def test_only_people_who_see_the_ohts_patients_may_run_matching(
    oht_a, alice, bob, peter, carol, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        allowed = [matching_run_start(oht=oht_a, actor=user) for user in (alice, carol)]
    for run in allowed:
        run.refresh_from_db()
        assert run.status == MatchingRunStatus.DONE
    for outsider in (bob, peter):
        with pytest.raises(PermissionDenied):
            matching_run_start(oht=oht_a, actor=outsider)
    assert MatchingRun.objects.filter(created_by__in=[bob, peter]).count() == 0


def test_a_failed_run_says_so_without_personal_data(
    alice, oht_a, monkeypatch, django_capture_on_commit_callbacks
):
    make_patient(oht_a, "HCC1000000001", family_name="Lalonde")
    open_location(oht_a, "1")

    def boom(candidates):
        raise RuntimeError("Lalonde HCC1000000001")

    monkeypatch.setattr(run_module, "solve", boom)
    with django_capture_on_commit_callbacks(execute=True):
        run = matching_run_start(oht=oht_a, actor=alice)
    run.refresh_from_db()
    assert run.status == MatchingRunStatus.FAILED
    assert "RuntimeError" in run.error
    assert "Lalonde" not in run.error and "HCC" not in run.error
    assert not run.proposals.exists()


def test_build_candidates_with_no_one_waiting_is_empty(oht_a):
    open_location(oht_a, "1")
    c = read_candidates(oht_a)
    assert len(c) == 0
    assert solve(c).pairs.size == 0
    assert totals(greedy(c))["patients"] == 0
    assert build_candidates(c.patients, c.locations).stats["candidate_pairs"] == 0


def test_copy_text_escapes_what_copy_would_misread():
    text = run_module._copy_text([(1, None, '{"a": "x\\\\y\\tz"}', "line\nbreak")])
    assert text == '1\t\\N\t{"a": "x\\\\\\\\y\\\\tz"}\tline\\nbreak\n'


# --- the writer's fast paths give what the plain ones gave ---------------------------


def varied_candidates(seed: int) -> Candidates:
    """A random instance whose pairs vary in everything the reasons depend on."""
    rng = np.random.default_rng(seed)
    c = random_candidates(random.Random(seed), 12, 6)
    n, k = len(c.patients), len(c)
    c.patients.complex_vulnerable = rng.random(n) < 0.3
    c.patients.months = rng.integers(0, 40, n).astype(np.int32)
    c.patients.language = rng.choice(["en", "fr", "pt"], n).tolist()
    c.flags = rng.integers(0, 16, k).astype(np.uint8)
    c.km = (rng.random(k) * 30).astype(np.float32)
    c.km[rng.random(k) < 0.2] = np.nan
    c.km[:3] = [2.5, 3.5, 0.5]  # halves: round half to even, as reasons_for does
    c.score = rng.random(k) * 2000
    return c


@pytest.mark.parametrize("seed", range(5))
def test_reasons_json_is_json_dumps_of_reasons_for(seed):
    c = varied_candidates(seed)
    pairs = np.arange(len(c))
    assert run_module._reasons_json(c, pairs) == [
        json.dumps(reasons) for reasons in reasons_for(c, pairs)
    ]
    assert run_module._reasons_json(c, np.empty(0, dtype=np.int64)) == []


@pytest.mark.parametrize("seed", range(5))
def test_alternatives_json_is_json_dumps_of_the_runners_up(seed):
    c = varied_candidates(seed)
    best = solve(c)
    runners_up = best.alternatives()
    location_ids = c.locations.ids[c.location].tolist()
    scores = np.round(c.score, 1).tolist()
    expected = [
        json.dumps(
            [
                {
                    "location": location_ids[alt],
                    "score": scores[alt],
                    "reasons": reasons_for(c, [alt])[0],
                }
                for alt in runners_up[pair].tolist()
            ]
        )
        for pair in best.pairs.tolist()
    ]
    assert run_module._alternatives_json(c, best.pairs, runners_up) == expected
    assert all(json.loads(text) is not None for text in expected)


def test_the_solver_ignores_locations_and_patients_without_pairs():
    c = random_candidates(random.Random(3), 6, 5)
    keep = (c.location != 0) & (c.patient != 2)  # location 0 and patient 2: no pairs
    for name in ("patient", "location", "km", "flags", "value", "score"):
        setattr(c, name, getattr(c, name)[keep])
    best = solve(c)
    assert best.value == brute_force(c)
    assert 0 not in c.location[best.pairs].tolist()


# --- solving by type, and the proof ---------------------------------------------------


def typed_candidates(rng: random.Random, n: int, m: int, types: int) -> Candidates:
    """Patients of a few types (same locations, same fits), each with their own
    priority: the structure real candidates have, where the solver works by type."""
    c = random_candidates(rng, n, m)
    rows = [
        {loc: rng.randint(0, 30) for loc in range(m) if rng.random() < 0.7} or {0: 0}
        for _ in range(types)
    ]
    kind = [rng.randrange(types) for _ in range(n)]
    priority = [rng.choice([1, 5, 40, 100]) for _ in range(n)]
    pairs = [(p, loc, priority[p] + fit) for p in range(n) for loc, fit in rows[kind[p]].items()]
    p = np.array([x[0] for x in pairs], dtype=np.int32)
    loc = np.array([x[1] for x in pairs], dtype=np.int32)
    value = np.array([x[2] for x in pairs], dtype=np.int64)
    order = np.lexsort((loc, -value, p))
    c.patient, c.location, c.value = p[order], loc[order], value[order]
    c.km = np.zeros(len(pairs), np.float32)
    c.flags = np.zeros(len(pairs), np.uint8)
    c.score = c.value.astype(float)
    c.locations.capacity = np.array([rng.randint(1, 3) for _ in range(m)], dtype=np.int32)
    return c


@pytest.mark.parametrize("seed", range(20))
def test_solving_by_type_matches_brute_force(seed):
    c = typed_candidates(random.Random(500 + seed), 7, 3, types=2)
    best = solve(c)
    assert best.value == brute_force(c)
    assert best.bound == best.value


@pytest.mark.parametrize("seed", range(10))
def test_solving_by_type_matches_the_patient_level_flow_on_larger_instances(seed, monkeypatch):
    c = typed_candidates(random.Random(900 + seed), 300, 25, types=12)
    full = solver_module.solve_full(c)
    # The by-type answer must stand on its own proof, without the per-patient solve.
    monkeypatch.setattr(solver_module, "solve_full", None)
    best = solve(c)
    assert best.value == int(c.value[full].sum())
    assert best.bound == best.value
    assert len(set(c.patient[best.pairs].tolist())) == len(best.pairs)
    load = np.bincount(c.location[best.pairs], minlength=len(c.locations))
    assert (load <= c.locations.capacity).all()


def test_a_type_matches_its_highest_priority_first_then_first_come():
    c = typed_candidates(random.Random(1), 6, 1, types=1)
    c.locations.capacity = np.array([2], dtype=np.int32)
    c.value = np.array([50, 90, 50, 90, 90, 10], dtype=np.int64)[c.patient]
    c.patients.registered = np.array([1, 30, 2, 20, 10, 0], dtype=np.int32)
    best = solve(c)
    # Priority 90 for patients 1, 3 and 4; of those, 4 and 3 came first.
    assert sorted(c.patient[best.pairs].tolist()) == [3, 4]


def test_certify_refuses_a_worse_an_overfull_or_a_double_assignment():
    c = typed_candidates(random.Random(4), 40, 6, types=4)
    best = solve(c)
    assert solver_module.certify(c, best.pairs) == best.value
    first_come = greedy(c)
    assert first_come.value < best.value  # this instance's greedy is worse
    assert solver_module.certify(c, first_come.pairs) is None
    # One location given every pair it has: more than its places.
    overfull = np.flatnonzero(c.location == 0)
    assert len(overfull) > c.locations.capacity[0]
    assert solver_module.certify(c, overfull) is None
    # A patient given two places.
    twice = np.flatnonzero(c.patient == c.patient[0])[:2]
    assert solver_module.certify(c, twice) is None


def test_an_uncertified_solution_is_solved_again_per_patient(monkeypatch, caplog):
    c = typed_candidates(random.Random(4), 40, 6, types=4)
    monkeypatch.setattr(solver_module, "_solve_by_type", lambda c: greedy(c).pairs)
    best = solve(c)
    assert best.value == int(c.value[solver_module.solve_full(c)].sum())
    assert best.value > greedy(c).value
    assert best.bound == best.value
    assert "not certified" in caplog.text


@pytest.mark.parametrize("m", [7, 2**40])
def test_the_packed_sort_orders_pairs_as_lexsort_does(m):
    rng = np.random.default_rng(5)
    p = rng.integers(0, 50, 2000).astype(np.int32)
    rest = rng.integers(1, 30, 2000).astype(np.int64)
    loc = rng.integers(0, 7, 2000).astype(np.int32)
    # m = 2**40 leaves no room to pack the key: the lexsort fallback is taken.
    order = candidates_module._by_patient_best_first(p, rest, loc, m)
    expected = np.lexsort((loc, -rest, p))
    keys = np.stack([p, -rest, loc], axis=1)
    assert (keys[order] == keys[expected]).all()
