"""examples/connector_client.py runs its four workflows against a live server, as a
care connector's program would: a separate Python process, HTTP, a real token. If the
API changes under it, this fails, so the example cannot rot."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from attachment.choices import ProposalStatus, ReferralStatus, Source, VerificationResult
from attachment.models import MatchingRun, Proposal, Referral, Verification
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.choices import ApiTokenScope
from oht_portal.services import api_token_create
from tests.conftest import make_clinician, make_location, make_patient

CLIENT = Path(__file__).resolve().parents[2] / "examples" / "connector_client.py"


def declare(location, places: int) -> None:
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status="newpt", new_patients=places),
        channel="staff",
    )


def run_client(base_url: str, token: str, *workflows: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OHT_PORTAL")}
    return subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, str(CLIENT), "--base-url", base_url, "--token", token, *workflows],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.fixture
def world(transactional_db, carol, oht_a):
    """Two waitlisted patients of OHT A, a location with places, an open proposal."""
    first = make_patient(oht_a, "HCC1000000001", fsa="M4C", postal_code="M4C1A1")
    second = make_patient(oht_a, "HCC1000000002", fsa="M4C", given_name="Amir")
    location = make_location(oht_a, make_clinician("50001"), fsa="M4C")
    declare(location, 5)
    run = MatchingRun.objects.create(oht=oht_a)
    proposal = Proposal.objects.create(
        run=run, patient=second, location=location, score=10.0, reasons=[["cohort", 1]]
    )
    return {"patient": first, "location": location, "proposal": proposal}


def token_for(user, scope: str = ApiTokenScope.READ_WRITE) -> str:
    _instance, token = api_token_create(user=user, days=1, scope=scope, label="example")
    return token


def test_the_example_client_runs_the_four_workflows(live_server, world, carol):
    result = run_client(live_server.url, token_for(carol), "--verbose")

    assert result.returncode == 0, result.stdout + result.stderr
    patient, location = world["patient"], world["location"]
    # verify: the first unverified patient by priority got a verification through the API.
    verification = Verification.objects.get(patient=patient)
    assert verification.result == VerificationResult.STILL_NEEDS_CARE
    assert verification.source == Source.API
    # confirm: the open proposal became a referral.
    world["proposal"].refresh_from_db()
    assert world["proposal"].status == ProposalStatus.CONFIRMED
    assert Referral.objects.filter(proposal=world["proposal"]).exists()
    # refer: one referral despite the retried call, moved on to a booked intake.
    referral = Referral.objects.get(patient=patient)
    assert referral.location_id == location.pk
    assert referral.status == ReferralStatus.INTAKE_BOOKED
    assert referral.intake_on is not None
    assert f"location {location.pk}" in result.stdout
    assert "returns the same referral" in result.stdout

    # --verbose shows each call: every write carries If-Match with the ETag just read,
    # every creating call an Idempotency-Key, and the retried referral is a replay.
    calls = [line.strip() for line in result.stdout.splitlines() if line.strip()[:1] in "<>"]
    posts = [line for line in calls if line.startswith("> POST")]
    transitions = [line for line in posts if line.endswith("/transition/ (If-Match)")]
    assert len(transitions) == 2, calls
    assert any("/verifications/ (If-Match, Idempotency-Key)" in line for line in posts), calls
    assert any("/confirm/ (If-Match, Idempotency-Key)" in line for line in posts), calls
    referrals = [
        calls[index + 1]
        for index, line in enumerate(calls)
        if line.startswith("> POST") and line.endswith("/referrals/ (Idempotency-Key)")
    ]
    # Two calls with the same key: the first creates (201), the second is the replay (200).
    assert [answer[:5] for answer in referrals] == ["< 201", "< 200"], calls


def test_the_example_client_runs_one_workflow_at_a_time(live_server, world, carol):
    result = run_client(live_server.url, token_for(carol), "capacity")

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"location {world['location'].pk}" in result.stdout
    assert not Verification.objects.exists()
    assert not Referral.objects.exists()


def test_the_example_client_says_when_the_token_is_refused(live_server, world):
    result = run_client(live_server.url, "not-a-token")

    assert result.returncode == 2
    assert "refused the token" in result.stderr


def test_the_example_client_reports_a_write_refused_to_a_read_only_token(live_server, world, carol):
    result = run_client(live_server.url, token_for(carol, ApiTokenScope.READ_ONLY), "verify")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "refused: HTTP 403" in result.stdout
    assert not Verification.objects.exists()
