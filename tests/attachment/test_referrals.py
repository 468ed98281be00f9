"""The referral lifecycle: every legal move and every illegal one, capacity taken and
given back, one open referral per patient, proposals decided once, batches all or
nothing, the overdue worklist in business days and the notices sent to the patient."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from attachment import referral_notices, referrals
from attachment.choices import (
    OPEN_REFERRAL_STATUSES,
    AttemptStatus,
    Channel,
    ClosedReason,
    DeclineReason,
    ProposalStatus,
    ReferralStatus,
)
from attachment.models import LocalContact, MatchingRun, OutreachAttempt, Proposal, Referral
from attachment.referrals import (
    TRANSITIONS,
    IllegalTransition,
    NoCapacityLeft,
    OpenReferralExists,
    answer_due_on,
    proposal_confirm,
    proposal_reject,
    proposals_confirm,
    referral_accept,
    referral_attach,
    referral_book_intake,
    referral_close,
    referral_create,
    referral_decline,
    referrals_overdue,
)
from clinicians.capacity import remaining_capacity
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.models import AuditEvent
from oht_portal.services import ApplicationError
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db


def declare(location, places: int) -> None:
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status="newpt", new_patients=places),
        channel="staff",
    )


@pytest.fixture
def location(oht_a):
    place = make_location(oht_a, make_clinician("10001"))
    declare(place, 3)
    return place


@pytest.fixture
def other_location(oht_a):
    place = make_location(oht_a, make_clinician("10002"), fsa="M4E")
    declare(place, 3)
    return place


def move(referral: Referral, to: str) -> Referral:
    """Call the service that moves `referral` to `to`, with valid arguments."""
    if to == ReferralStatus.ACCEPTED:
        return referral_accept(referral=referral)
    if to == ReferralStatus.DECLINED:
        return referral_decline(referral=referral, reason=DeclineReason.COMPLEXITY)
    if to == ReferralStatus.INTAKE_BOOKED:
        return referral_book_intake(referral=referral, intake_on=date(2025, 11, 3))
    if to == ReferralStatus.ATTACHED:
        return referral_attach(referral=referral)
    return referral_close(referral=referral, reason=ClosedReason.NO_SHOW)


# Shortest path from `referred` to each status.
PATH = {
    ReferralStatus.REFERRED: [],
    ReferralStatus.ACCEPTED: [ReferralStatus.ACCEPTED],
    ReferralStatus.DECLINED: [ReferralStatus.DECLINED],
    ReferralStatus.INTAKE_BOOKED: [ReferralStatus.ACCEPTED, ReferralStatus.INTAKE_BOOKED],
    ReferralStatus.ATTACHED: [
        ReferralStatus.ACCEPTED,
        ReferralStatus.INTAKE_BOOKED,
        ReferralStatus.ATTACHED,
    ],
    ReferralStatus.CLOSED: [ReferralStatus.CLOSED],
}
TARGETS = [s for s in ReferralStatus.values if s != ReferralStatus.REFERRED]
PAIRS = [(start, to) for start in ReferralStatus.values for to in TARGETS]


def referral_in(status: str, patient, location) -> Referral:
    referral = referral_create(patient=patient, location=location)
    for step in PATH[status]:
        referral = move(referral, step)
    assert referral.status == status
    return referral


@pytest.mark.parametrize(("start", "to"), PAIRS)
def test_each_move_is_allowed_exactly_when_the_lifecycle_says(start, to, oht_a, location):
    referral = referral_in(start, make_patient(oht_a, "HCC1000000101"), location)
    if to in TRANSITIONS[start]:
        assert move(referral, to).status == to
        assert Referral.objects.get(pk=referral.pk).status == to
    else:
        with pytest.raises(IllegalTransition) as refused:
            move(referral, to)
        assert refused.value.status_code == 409
        assert Referral.objects.get(pk=referral.pk).status == start


def test_the_lifecycle_records_dates_checklist_and_reasons(alice, patient_a, location):
    referral = referral_create(patient=patient_a, location=location, actor=alice)
    assert referral.created_by == alice
    referral = referral_accept(referral=referral, actor=alice)
    assert referral.accepted_at is not None
    referral = referral_book_intake(
        referral=referral,
        intake_on=date(2025, 11, 3),
        history_updated=True,
        screening_done=True,
        actor=alice,
    )
    assert referral.intake_on == date(2025, 11, 3)
    assert referral.intake_history_updated and referral.intake_screening_done
    referral = referral_attach(referral=referral, actor=alice)
    assert referral.attached_at is not None
    assert AuditEvent.objects.filter(patient_id=patient_a.pk, actor_id=alice.pk).count() == 4


def test_the_services_require_a_reason_and_an_intake_date(patient_a, location):
    referral = referral_create(patient=patient_a, location=location)
    with pytest.raises(ApplicationError):
        referral_decline(referral=referral, reason="dislike")
    with pytest.raises(ApplicationError):
        referral_close(referral=referral, reason="")
    accepted = referral_accept(referral=referral)
    with pytest.raises(ApplicationError):
        referral_book_intake(referral=accepted, intake_on=None)
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCEPTED


def test_a_referral_takes_a_place_and_a_decline_gives_it_back(patient_a, location):
    assert remaining_capacity(location) == 3
    referral = referral_create(patient=patient_a, location=location)
    assert remaining_capacity(location) == 2
    declined = referral_decline(referral=referral, reason=DeclineReason.DISTANCE, note="far")
    assert remaining_capacity(location) == 3
    assert declined.decline_reason == DeclineReason.DISTANCE and declined.declined_at


def test_an_accepted_referral_keeps_its_place_and_closing_a_referred_one_frees_it(oht_a, location):
    kept = referral_create(patient=make_patient(oht_a, "HCC1000000102"), location=location)
    referral_accept(referral=kept)
    assert remaining_capacity(location) == 2
    freed = referral_create(patient=make_patient(oht_a, "HCC1000000103"), location=location)
    assert remaining_capacity(location) == 1
    referral_close(referral=freed, reason=ClosedReason.UNREACHABLE)
    assert remaining_capacity(location) == 2


def test_a_declined_patient_is_back_in_the_pool_and_can_be_referred_again(
    patient_a, location, other_location
):
    first = referral_create(patient=patient_a, location=location)
    referral_decline(referral=first, reason=DeclineReason.OUTSIDE_SCOPE)
    assert not patient_a.referrals.filter(status__in=OPEN_REFERRAL_STATUSES).exists()
    second = referral_create(patient=patient_a, location=other_location)
    assert second.status == ReferralStatus.REFERRED
    assert patient_a.referrals.count() == 2


def test_a_patient_has_one_open_referral_only(patient_a, location, other_location):
    referral_create(patient=patient_a, location=location)
    with pytest.raises(OpenReferralExists) as refused:
        referral_create(patient=patient_a, location=other_location)
    assert refused.value.status_code == 409
    assert patient_a.referrals.count() == 1
    assert remaining_capacity(other_location) == 3


def test_an_attached_patient_cannot_be_referred_again_while_open_ones_block(
    patient_a, location, other_location
):
    referral_in(ReferralStatus.ATTACHED, patient_a, location)
    # Attached is not open: the index lets a new referral through (the HCC list decides
    # whether the patient still waits), but an open one still blocks a third.
    referral_create(patient=patient_a, location=other_location)
    with pytest.raises(OpenReferralExists):
        referral_create(patient=patient_a, location=location)


def test_a_full_location_refuses_with_no_capacity_left(oht_a, location):
    for n in range(3):
        referral_create(patient=make_patient(oht_a, f"HCC10000002{n:02d}"), location=location)
    late = make_patient(oht_a, "HCC1000000299")
    with pytest.raises(NoCapacityLeft) as refused:
        referral_create(patient=late, location=location)
    assert refused.value.status_code == 409
    assert not late.referrals.exists()
    assert remaining_capacity(location) == 0


def test_a_stale_declaration_offers_nothing(patient_a, location):
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert remaining_capacity(location) == 0
        with pytest.raises(NoCapacityLeft):
            referral_create(patient=patient_a, location=location)
    assert not patient_a.referrals.exists()


def test_a_location_not_accepting_or_never_declared_offers_nothing(oht_a, patient_a):
    undeclared = make_location(oht_a, make_clinician("10003"))
    closed = make_location(oht_a, make_clinician("10004"))
    capacity_declare(
        location=closed,
        figures=CapacityFigures(accepting_status="existptonly", new_patients=4),
        channel="staff",
    )
    for place in (undeclared, closed):
        with pytest.raises(NoCapacityLeft):
            referral_create(patient=patient_a, location=place)


def test_the_same_idempotency_key_returns_the_first_referral(patient_a, location):
    first = referral_create(patient=patient_a, location=location, idempotency_key="k-1")
    again = referral_create(patient=patient_a, location=location, idempotency_key="k-1")
    assert again.pk == first.pk
    assert Referral.objects.count() == 1


def test_an_idempotency_key_reused_for_another_location_is_refused(
    patient_a, location, other_location
):
    referral_create(patient=patient_a, location=location, idempotency_key="k-2")
    with pytest.raises(referrals.IdempotencyKeyReused) as refused:
        referral_create(patient=patient_a, location=other_location, idempotency_key="k-2")
    assert refused.value.status_code == 422


# --- Proposals --------------------------------------------------------------------------


def make_proposal(patient, location, run=None) -> Proposal:
    run = run or MatchingRun.objects.create(oht=patient.oht)
    return Proposal.objects.create(
        run=run, patient=patient, location=location, score=10.0, reasons=[]
    )


def test_confirming_a_proposal_refers_the_patient_and_marks_it_confirmed(
    alice, patient_a, location
):
    proposal = make_proposal(patient_a, location)
    referral = proposal_confirm(proposal=proposal, actor=alice)
    proposal.refresh_from_db()
    assert referral.proposal_id == proposal.pk and referral.location_id == location.pk
    assert proposal.status == ProposalStatus.CONFIRMED and proposal.decided_by == alice
    assert remaining_capacity(location) == 2


def test_a_decided_proposal_cannot_be_decided_again(alice, oht_a, location):
    confirmed = make_proposal(make_patient(oht_a, "HCC1000000301"), location)
    proposal_confirm(proposal=confirmed, actor=alice)
    rejected = make_proposal(make_patient(oht_a, "HCC1000000302"), location)
    proposal_reject(proposal=rejected, actor=alice)
    for proposal in (confirmed, rejected):
        with pytest.raises(IllegalTransition):
            proposal_confirm(proposal=proposal, actor=alice)
        with pytest.raises(IllegalTransition):
            proposal_reject(proposal=proposal, actor=alice)
    assert Referral.objects.count() == 1
    rejected.refresh_from_db()
    assert rejected.status == ProposalStatus.REJECTED and rejected.decided_by == alice


def test_a_stale_in_memory_proposal_is_read_again_before_confirming(alice, patient_a, location):
    proposal = make_proposal(patient_a, location)
    stale = Proposal.objects.get(pk=proposal.pk)
    proposal_reject(proposal=proposal, actor=alice)
    with pytest.raises(IllegalTransition):
        proposal_confirm(proposal=stale, actor=alice)
    assert not Referral.objects.exists()


def test_a_batch_is_confirmed_whole(alice, oht_a, location):
    run = MatchingRun.objects.create(oht=oht_a)
    batch = [
        make_proposal(make_patient(oht_a, f"HCC10000004{n:02d}"), location, run) for n in range(3)
    ]
    made = proposals_confirm(proposals=batch, actor=alice)
    assert len(made) == 3
    assert remaining_capacity(location) == 0


def test_one_failure_rolls_the_whole_batch_back(alice, oht_a, location):
    run = MatchingRun.objects.create(oht=oht_a)
    batch = [
        make_proposal(make_patient(oht_a, f"HCC10000005{n:02d}"), location, run) for n in range(4)
    ]
    with pytest.raises(NoCapacityLeft):
        proposals_confirm(proposals=batch, actor=alice)
    assert not Referral.objects.exists()
    assert set(Proposal.objects.values_list("status", flat=True)) == {ProposalStatus.PROPOSED}
    assert remaining_capacity(location) == 3


# --- Overdue ----------------------------------------------------------------------------


def referred_on(patient, location, day: date) -> Referral:
    referral = referral_create(patient=patient, location=location)
    noon = timezone.make_aware(datetime.combine(day, time(12)))
    Referral.objects.filter(pk=referral.pk).update(referred_at=noon)
    return referral


def overdue_ids(user, today: date) -> set[int]:
    return set(referrals_overdue(user=user, today=today).values_list("pk", flat=True))


def test_the_answer_is_due_five_business_days_later_skipping_weekends_and_holidays(settings):
    settings.REFERRAL_ANSWER_BUSINESS_DAYS = 5
    # Wednesday Oct 1, 2025 → Thu, Fri, Mon, Tue, Wed.
    assert answer_due_on(date(2025, 10, 1)) == date(2025, 10, 8)
    # Wednesday Oct 8 → Thu 9, Fri 10, (Mon 13 is Thanksgiving) Tue 14, Wed 15, Thu 16.
    assert answer_due_on(date(2025, 10, 8)) == date(2025, 10, 16)
    # Referred on a Saturday: Mon to Fri of the next week.
    assert answer_due_on(date(2025, 10, 4)) == date(2025, 10, 10)


def test_overdue_referrals_are_those_past_their_due_day_across_a_weekend(
    settings, alice, oht_a, location
):
    settings.REFERRAL_ANSWER_BUSINESS_DAYS = 5
    due_wed = referred_on(make_patient(oht_a, "HCC1000000601"), location, date(2025, 10, 1))
    assert overdue_ids(alice, date(2025, 10, 8)) == set()  # the due day itself
    assert overdue_ids(alice, date(2025, 10, 9)) == {due_wed.pk}
    # Referred Friday Oct 3: due Friday Oct 10, overdue from the Saturday after.
    friday = referred_on(make_patient(oht_a, "HCC1000000602"), location, date(2025, 10, 3))
    assert friday.pk not in overdue_ids(alice, date(2025, 10, 10))
    assert friday.pk in overdue_ids(alice, date(2025, 10, 11))


def test_a_holiday_gives_the_practice_one_more_day(settings, alice, oht_a, location):
    settings.REFERRAL_ANSWER_BUSINESS_DAYS = 5
    # Wednesday Oct 8: due Thursday Oct 16 because Thanksgiving (Oct 13) does not count.
    referral = referred_on(make_patient(oht_a, "HCC1000000701"), location, date(2025, 10, 8))
    assert referral.pk not in overdue_ids(alice, date(2025, 10, 16))
    assert referral.pk in overdue_ids(alice, date(2025, 10, 17))


def test_answered_referrals_are_never_overdue(settings, alice, oht_a, location):
    settings.REFERRAL_ANSWER_BUSINESS_DAYS = 5
    answered = referred_on(make_patient(oht_a, "HCC1000000801"), location, date(2025, 9, 1))
    referral_accept(referral=answered)
    assert overdue_ids(alice, date(2025, 10, 20)) == set()


def test_the_overdue_worklist_is_scoped_to_patient_data_roles(
    settings, alice, bob, carol, peter, oht_a, location
):
    settings.REFERRAL_ANSWER_BUSINESS_DAYS = 5
    late = referred_on(make_patient(oht_a, "HCC1000000901"), location, date(2025, 9, 1))
    assert overdue_ids(alice, date(2025, 10, 20)) == {late.pk}
    assert overdue_ids(carol, date(2025, 10, 20)) == {late.pk}
    assert overdue_ids(bob, date(2025, 10, 20)) == set()
    assert overdue_ids(peter, date(2025, 10, 20)) == set()


# --- Notices ----------------------------------------------------------------------------


def test_the_patient_is_emailed_in_french_when_referred_and_when_attached(
    alice, oht_a, location, django_capture_on_commit_callbacks
):
    patient = make_patient(
        oht_a, "HCC1000001001", email="chloe@example.org", preferred_language="fr"
    )
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_create(patient=patient, location=location, actor=alice)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["chloe@example.org"]
    assert location.practice_name in mail.outbox[0].body
    attempt = OutreachAttempt.objects.get(patient=patient)
    assert (attempt.channel, attempt.status) == (Channel.EMAIL, AttemptStatus.SENT)
    assert str(referral.pk) in attempt.note
    for step in (referral_accept, referral_book_intake):
        kwargs = {"intake_on": date(2025, 11, 3)} if step is referral_book_intake else {}
        with django_capture_on_commit_callbacks(execute=True):
            referral = step(referral=referral, **kwargs)
    assert len(mail.outbox) == 1  # no notice for accept or intake
    with django_capture_on_commit_callbacks(execute=True):
        referral_attach(referral=referral, actor=alice)
    assert len(mail.outbox) == 2
    assert OutreachAttempt.objects.filter(patient=patient).count() == 2


def test_the_french_body_is_written_under_the_patients_language(oht_a, location, patient_a):
    referral = referral_create(patient=patient_a, location=location)
    with translation.override("fr"):
        body = referral_notices.notice_body(referral, ReferralStatus.REFERRED, "fr")
    assert oht_a.name_fr in body
    assert patient_a.hcc_id in body


def test_a_local_email_correction_wins_and_without_any_email_a_letter_is_due(
    oht_a, location, django_capture_on_commit_callbacks
):
    corrected = make_patient(oht_a, "HCC1000001101", email="old@example.org")
    LocalContact.objects.create(patient=corrected, email="new@example.org")
    no_email = make_patient(oht_a, "HCC1000001102")
    with django_capture_on_commit_callbacks(execute=True):
        referral_create(patient=corrected, location=location)
        referral_create(patient=no_email, location=location)
    assert [message.to for message in mail.outbox] == [["new@example.org"]]
    letter = OutreachAttempt.objects.get(patient=no_email)
    assert (letter.channel, letter.status) == (Channel.LETTER, AttemptStatus.QUEUED)


def test_no_notice_for_a_rolled_back_or_refused_referral(
    oht_a, location, django_capture_on_commit_callbacks
):
    run = MatchingRun.objects.create(oht=oht_a)
    batch = [
        make_proposal(
            make_patient(oht_a, f"HCC10000012{n:02d}", email=f"p{n}@example.org"), location, run
        )
        for n in range(4)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(NoCapacityLeft):
            proposals_confirm(proposals=batch)
    assert callbacks == [] and mail.outbox == []
    assert not OutreachAttempt.objects.exists()


def test_a_failed_send_keeps_the_referral_and_records_a_failed_attempt(
    oht_a, location, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broken(self, **kwargs):
        raise referral_notices.SendError("SMTPServerDisconnected")

    monkeypatch.setattr(referral_notices.EmailSender, "send", broken)
    patient = make_patient(oht_a, "HCC1000001301", email="chloe@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_create(patient=patient, location=location)
    assert Referral.objects.filter(pk=referral.pk, status=ReferralStatus.REFERRED).exists()
    attempt = OutreachAttempt.objects.get(patient=patient)
    assert attempt.status == AttemptStatus.FAILED
    assert "chloe" not in caplog.text


def test_an_unexpected_error_is_logged_without_personal_data(
    oht_a, location, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def crash(**kwargs):
        raise RuntimeError("Tremblay chloe@example.org")

    monkeypatch.setattr(referral_notices, "outreach_attempt_record", crash)
    patient = make_patient(oht_a, "HCC1000001401", email="chloe@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_create(patient=patient, location=location)
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert "RuntimeError" in caplog.text
    assert "Tremblay" not in caplog.text and "chloe" not in caplog.text
