"""Reminders before a capacity declaration expires: one e-mail per clinician and OHT per
declaration period, with a fresh self-service link."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from clinicians.choices import AcceptingStatus, DeclarationChannel, LinkPurpose
from clinicians.links import link_issue
from clinicians.models import ClinicianLink
from clinicians.services import CapacityFigures, capacity_declare
from clinicians.tasks import capacity_reminders_send
from oht_portal.models import AuditEvent
from tests.conftest import make_clinician, make_location

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fourteen_days(settings):
    settings.CAPACITY_VALID_DAYS = 90
    settings.CAPACITY_REMINDER_DAYS = 14


@pytest.fixture
def clinician():
    return make_clinician("40001", given_name="Jean", family_name="Roy")


def declared(location, *, days_ago: int):
    """A declaration made `days_ago` days ago, so it expires in 90 - days_ago days."""
    with time_machine.travel(timezone.now() - timedelta(days=days_ago)):
        capacity_declare(
            location=location,
            figures=CapacityFigures(accepting_status=AcceptingStatus.ACCEPTING, new_patients=3),
            channel=DeclarationChannel.STAFF,
        )
    return location


def run() -> dict:
    return capacity_reminders_send.delay().get()


def test_a_declaration_expiring_within_the_window_gets_one_reminder(oht_a, clinician):
    location = declared(make_location(oht_a, clinician, practice_name="Beach Clinic"), days_ago=80)
    assert run()["sent"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [clinician.email]
    assert "expires soon" in message.subject
    assert "Beach Clinic" in message.body
    link = ClinicianLink.objects.get()
    assert (link.clinician, link.oht, link.purpose) == (clinician, oht_a, LinkPurpose.CAPACITY)
    assert link.issued_by is None
    assert link.sent_to == clinician.email
    assert f"/c/{clinician.pk}/" in message.body
    assert location.current_declaration.expires_on.strftime("%Y") in message.body
    assert AuditEvent.objects.filter(
        object_type="clinicians.clinicianlink", object_id=str(link.pk)
    ).exists()


def test_running_twice_sends_once(oht_a, clinician):
    declared(make_location(oht_a, clinician), days_ago=80)
    run()
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        counts = run()
    assert counts["sent"] == 0
    assert counts["already_reminded"] == 1
    assert len(mail.outbox) == 1


def test_a_declaration_expiring_in_thirty_days_gets_none(oht_a, clinician):
    declared(make_location(oht_a, clinician), days_ago=60)
    assert run()["sent"] == 0
    assert mail.outbox == []


def test_an_expired_declaration_gets_none(oht_a, clinician):
    declared(make_location(oht_a, clinician), days_ago=95)
    assert run()["sent"] == 0
    assert mail.outbox == []


def test_the_last_day_of_a_declaration_still_gets_one(oht_a, clinician):
    declared(make_location(oht_a, clinician), days_ago=90)
    assert run()["sent"] == 1


def test_two_locations_of_one_clinician_in_one_oht_share_one_e_mail(oht_a, oht_b, clinician):
    declared(make_location(oht_a, clinician, practice_name="Beach Clinic"), days_ago=80)
    declared(make_location(oht_a, clinician, practice_name="Danforth Clinic"), days_ago=85)
    declared(make_location(oht_b, clinician, practice_name="Rideau Clinic"), days_ago=80)
    assert run()["sent"] == 2
    assert len(mail.outbox) == 2
    bodies = {message.subject.split(":")[0]: message.body for message in mail.outbox}
    lakeshore = bodies["Lakeshore East"]
    assert "Beach Clinic" in lakeshore
    assert "Danforth Clinic" in lakeshore
    assert "Rideau Clinic" not in lakeshore
    assert "Rideau Clinic" in bodies["Rideau Valley"]


def test_a_francophone_gets_the_reminder_in_french(oht_a, clinician):
    clinician.correspondence_language = "fr"
    clinician.save()
    declared(make_location(oht_a, clinician), days_ago=80)
    run()
    message = mail.outbox[0]
    assert message.subject.startswith("Équipe Lakeshore East : votre capacité")
    assert "Bonjour Jean Roy" in message.body


def test_a_clinician_without_e_mail_is_skipped(oht_a, clinician):
    clinician.email = ""
    clinician.save()
    declared(make_location(oht_a, clinician), days_ago=80)
    counts = run()
    assert (counts["sent"], counts["skipped"]) == (0, 1)
    assert not ClinicianLink.objects.exists()


def test_a_link_sent_before_the_window_does_not_stand_in_for_the_reminder(oht_a, clinician):
    location = make_location(oht_a, clinician)
    declared(location, days_ago=80)
    with time_machine.travel(timezone.now() - timedelta(days=79)):
        link_issue(clinician=clinician, oht=oht_a, purpose=LinkPurpose.CAPACITY)
    assert run()["sent"] == 1


def test_a_link_staff_sent_within_the_window_counts_as_the_reminder(oht_a, clinician):
    declared(make_location(oht_a, clinician), days_ago=80)
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        link_issue(clinician=clinician, oht=oht_a, purpose=LinkPurpose.CAPACITY)
    assert run()["sent"] == 0


def test_a_new_declaration_period_gets_its_own_reminder(oht_a, clinician):
    location = declared(make_location(oht_a, clinician), days_ago=80)
    run()
    # Confirmed through the link: a new period, reminded again near its end.
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        declared(location, days_ago=0)
    with time_machine.travel(timezone.now() + timedelta(days=82)):
        assert run()["sent"] == 1
    assert len(mail.outbox) == 2
