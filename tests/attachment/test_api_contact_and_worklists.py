"""What the waitlist API gained for care connectors: the worklist page's follow-up
lists as a `worklist` filter, contact corrections (GET and PATCH, the patient page's
rules, HCC fields untouched), and filters with an ordering on a patient's attempts and
verification results."""

from datetime import timedelta

import pytest
from django.utils import timezone

from attachment.choices import NextStep, OutreachState, VerificationState
from attachment.models import LocalContact
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from tests.api.conftest import api_client
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

PATIENTS = "/api/v1/patients/"


def hcc_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["hcc_id"] for row in response.json()["results"]]


@pytest.fixture
def worklists(oht_a, oht_b):
    long_ago = timezone.now() - timedelta(days=60)
    return {
        "verify": make_patient(
            oht_a,
            "HCC1000000011",
            outreach_state=OutreachState.REPLIED,
            next_step=NextStep.VERIFY,
        ),
        "call": make_patient(
            oht_a,
            "HCC1000000012",
            outreach_state=OutreachState.CONTACTED,
            next_step=NextStep.FOLLOW_UP,
            last_contacted_at=long_ago,
        ),
        "waiting": make_patient(
            oht_a,
            "HCC1000000013",
            outreach_state=OutreachState.CONTACTED,
            next_step=NextStep.FOLLOW_UP,
            last_contacted_at=timezone.now(),
        ),
        "unreachable": make_patient(
            oht_a,
            "HCC1000000014",
            outreach_state=OutreachState.UNREACHABLE,
            next_step=NextStep.VERIFY,
        ),
        "match": make_patient(
            oht_a,
            "HCC1000000015",
            verification_state=VerificationState.STILL_NEEDS_CARE,
            next_step=NextStep.MATCH,
        ),
        "match_closed": make_patient(
            oht_a,
            "HCC1000000016",
            status="closed",
            verification_state=VerificationState.STILL_NEEDS_CARE,
        ),
        "outsider": make_patient(
            oht_b,
            "HCC2000000011",
            outreach_state=OutreachState.REPLIED,
            next_step=NextStep.VERIFY,
        ),
    }


@pytest.mark.parametrize("worklist", ["verify", "call", "unreachable", "match"])
def test_each_worklist_of_the_page_is_a_filter(carol, worklists, worklist):
    found = hcc_ids(api_client(carol).get(PATIENTS, {"worklist": worklist}))
    assert found == [worklists[worklist].hcc_id]


def test_the_worklist_combines_with_the_other_filters(carol, worklists):
    client = api_client(carol)
    assert hcc_ids(client.get(PATIENTS, {"worklist": "call", "fsa": "M4E"})) == []
    refused = client.get(PATIENTS, {"worklist": "gossip"})
    assert refused.status_code == 400 and "worklist" in refused.json()["fields"]


# --- Contact corrections ------------------------------------------------------------------


def contact_url(patient) -> str:
    return f"{PATIENTS}{patient.pk}/local-contact/"


def test_a_patient_without_corrections_shows_blanks(carol, patient_a):
    response = api_client(carol).get(contact_url(patient_a))
    assert response.status_code == 200
    assert response.json() == {
        "phone": "",
        "email": "",
        "mailing_address": "",
        "preferred_contact": "",
        "preferred_language": "",
        "note": "",
        "updated_at": None,
    }
    viewed = AuditEvent.objects.get(action=AuditAction.VIEW, patient_id=patient_a.pk)
    assert viewed.detail == {"source": "api", "object": "local_contact"}


def test_a_correction_changes_what_it_sends_and_keeps_the_rest(carol, patient_a):
    client = api_client(carol)
    first = client.patch(
        contact_url(patient_a),
        {"phone": "416 555 0199", "email": "Chloe@Example.org", "preferred_language": "fr"},
        format="json",
    )
    assert first.status_code == 200, first.content
    assert (first.json()["phone"], first.json()["email"]) == ("4165550199", "chloe@example.org")
    second = client.patch(contact_url(patient_a), {"note": "Evenings only."}, format="json")
    assert second.json()["phone"] == "4165550199"
    assert second.json()["note"] == "Evenings only."
    detail = client.get(f"{PATIENTS}{patient_a.pk}/").json()
    assert detail["contact"]["phone"] == "4165550199"
    assert detail["contact"]["preferred_language"] == "fr"
    assert detail["phone"] == patient_a.phone  # the HCC value stays as the province sent it
    cleared = client.patch(contact_url(patient_a), {"phone": ""}, format="json").json()
    assert cleared["phone"] == ""
    updates = AuditEvent.objects.filter(action=AuditAction.UPDATE, patient_id=patient_a.pk)
    assert updates.count() == 3
    assert "4165550199" not in str([event.detail for event in updates])


def test_a_correction_follows_the_patient_pages_rules(carol, patient_a):
    response = api_client(carol).patch(
        contact_url(patient_a),
        {"phone": "555", "email": "not-an-address", "preferred_language": "xx"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"phone", "email", "preferred_language"}
    assert body["fields"]["email"][0]["code"] == "invalid"
    assert not LocalContact.objects.exists()


def test_contact_corrections_are_scoped_like_the_patient(bob, peter, patient_a):
    assert api_client(bob).get(contact_url(patient_a)).status_code == 404
    patched = api_client(bob).patch(contact_url(patient_a), {"phone": "4165550100"}, format="json")
    assert patched.status_code == 404
    assert api_client(peter).get(contact_url(patient_a)).status_code == 403
    assert not LocalContact.objects.exists()
    assert AuditEvent.objects.filter(patient_id=patient_a.pk, outcome=AuditOutcome.DENIED).exists()


# --- A patient's attempts and results -------------------------------------------------------


def test_attempts_and_results_filter_and_sort(carol, patient_a):
    client = api_client(carol)
    attempts = f"{PATIENTS}{patient_a.pk}/outreach-attempts/"
    for channel, status in [("letter", "sent"), ("phone", "voicemail"), ("phone", "reached")]:
        client.post(attempts, {"channel": channel, "status": status}, format="json")
    newest_first = [row["status"] for row in client.get(attempts).json()["results"]]
    assert newest_first == ["reached", "voicemail", "sent"]
    oldest_first = client.get(attempts, {"ordering": "attempted_at"}).json()["results"]
    assert [row["status"] for row in oldest_first] == ["sent", "voicemail", "reached"]
    phone = client.get(attempts, {"channel": "phone"}).json()
    assert phone["count"] == 2
    results = f"{PATIENTS}{patient_a.pk}/verifications/"
    client.post(results, {"result": "still_needs_care"}, format="json")
    assert client.get(results, {"result": "moved"}).json()["count"] == 0
    assert client.get(results, {"result": "still_needs_care"}).json()["count"] == 1
    assert client.get(results, {"ordering": "secret"}).status_code == 400
