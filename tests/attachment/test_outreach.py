"""Outreach campaigns: the channel rules, never sending twice, the patient's language,
printable letters, scoping, and nothing personal in logs or task messages."""

import logging
import re

import pytest
from django.core import mail
from django.urls import reverse

from attachment.choices import AttemptStatus, OutreachState, Source
from attachment.models import LocalContact, OutreachCampaign, Patient
from attachment.outreach.campaigns import (
    campaign_create,
    campaign_launch,
    campaign_patient_ids,
    channel_order,
)
from attachment.outreach.senders import (
    LoggingSmsGateway,
    OutboxSmsGateway,
    SendError,
    mask_phone,
    sms_gateway,
)
from attachment.outreach.tasks import campaign_launch_task
from attachment.selectors import patient_list
from attachment.services import outreach_attempt_record, verification_record
from oht_portal.models import AuditEvent
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

OUTBOX = "attachment.outreach.senders.OutboxSmsGateway"
ALL_CHANNELS = ["letter", "email", "text"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The cast's passwords are hashed once per test; the slow default adds nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Without DEBUG the manifest storage wants `collectstatic` to have run since
    print.css was added; the manifest is a build artefact, not what these tests test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.OUTREACH_SMS_GATEWAY = OUTBOX
    OutboxSmsGateway.reset()
    yield OutboxSmsGateway.outbox
    OutboxSmsGateway.reset()


@pytest.fixture(autouse=True)
def _contacts(oht_a, oht_b, alice, bob):
    """Every letter names whom to reply to: each OHT's primary point of contact."""
    oht_a.primary_contact = alice
    oht_a.save()
    oht_b.primary_contact = bob
    oht_b.save()


def reachable(oht, hcc_id, **fields):
    values = {"email": f"{hcc_id.lower()}@example.org", "phone": "4165550123"}
    values.update(fields)
    return make_patient(oht, hcc_id, **values)


def create(oht, actor, patients=None, channels=ALL_CHANNELS, filter_query="", **kwargs):
    return campaign_create(
        oht=oht,
        name=kwargs.pop("name", "Cohort, first wave"),
        channels=channels,
        patients_queryset=patients if patients is not None else patient_list(user=actor),
        filter_query=filter_query,
        actor=actor,
        **kwargs,
    )


def attempts_of(campaign, patient=None):
    rows = campaign.attempts.all()
    if patient is not None:
        rows = rows.filter(patient=patient)
    return {row.channel: row.status for row in rows}


# --- Never twice ----------------------------------------------------------------------


def test_launching_twice_sends_each_message_once(oht_a, alice, sms_outbox):
    one, two = reachable(oht_a, "HCC1000000001"), reachable(oht_a, "HCC1000000002")
    campaign = create(oht_a, alice)

    first = campaign_launch(campaign=campaign, actor=alice)
    second = campaign_launch(campaign=campaign, actor=alice)

    campaign.refresh_from_db()
    assert campaign.patient_count == 2

    assert first == {"queued": 2, "sent": 4}
    assert second == {"already_done": 6}
    assert campaign.attempts.count() == 6
    assert len(mail.outbox) == 2
    assert len(sms_outbox) == 2
    for patient in (one, two):
        assert attempts_of(campaign, patient) == {
            "letter": "queued",
            "email": "sent",
            "text": "sent",
        }
    assert set(campaign.attempts.values_list("source", flat=True)) == {Source.CAMPAIGN}


def test_a_retry_after_a_crash_finishes_without_sending_again(oht_a, alice, sms_outbox):
    """The worker died after the letter and e-mail of the first patient were recorded;
    the patient has since left the "not contacted yet" filter the campaign was made on."""
    first, second = reachable(oht_a, "HCC1000000001"), reachable(oht_a, "HCC1000000002")
    campaign = create(oht_a, alice, filter_query="outreach_state=not_started")
    for channel in ("letter", "email"):
        outreach_attempt_record(
            patient=first,
            channel=channel,
            status=AttemptStatus.SENT,
            actor=alice,
            source=Source.CAMPAIGN,
            campaign=campaign,
        )
    first.refresh_from_db()
    assert first.outreach_state == OutreachState.CONTACTED

    campaign_launch(campaign=campaign, actor=alice)

    assert [message.to for message in mail.outbox] == [[second.email]]
    assert len(sms_outbox) == 2  # both patients' texts, once each
    assert campaign.attempts.count() == 6


def test_the_task_carries_the_campaign_id_only(
    client_for, alice, oht_a, monkeypatch, django_capture_on_commit_callbacks
):
    reachable(oht_a, "HCC1000000001")
    calls = []
    monkeypatch.setattr(campaign_launch_task, "delay", lambda *a, **kw: calls.append((a, kw)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(alice).post(
            reverse("attachment:campaign_create"),
            {"name": "Wave 1", "oht": "OHT101", "channels": ALL_CHANNELS},
        )
    campaign = OutreachCampaign.objects.get()
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert calls == [((campaign.pk,), {})]


def test_the_task_launches_the_campaign(alice, oht_a, sms_outbox):
    patient = reachable(oht_a, "HCC1000000001")
    campaign = create(oht_a, alice)
    result = campaign_launch_task.apply(args=[campaign.pk]).get()
    assert result == {"queued": 1, "sent": 2}
    assert attempts_of(campaign, patient) == {"letter": "queued", "email": "sent", "text": "sent"}


def test_posting_the_create_page_creates_and_launches_on_commit(
    client_for, alice, oht_a, django_capture_on_commit_callbacks
):
    patient = reachable(oht_a, "HCC1000000001", complex_vulnerable=True)
    reachable(oht_a, "HCC1000000002")
    url = reverse("attachment:campaign_create") + "?complex_vulnerable=true&page=2"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            url, {"name": "Complex first", "oht": "OHT101", "channels": ["letter", "email"]}
        )
    campaign = OutreachCampaign.objects.get()
    assert response.url == reverse("attachment:campaign_detail", args=[campaign.pk])
    assert campaign.filter_query == "complex_vulnerable=true"
    assert campaign.channels == ["letter", "email"]
    assert campaign.launched_at is not None
    assert attempts_of(campaign) == {"letter": "queued", "email": "sent"}
    assert campaign.attempts.get(channel="letter").patient == patient
    patient.refresh_from_db()
    assert patient.outreach_state == OutreachState.CONTACTED


# --- Channel rules --------------------------------------------------------------------


def test_missing_contact_details_are_recorded_as_skipped(oht_a, alice, sms_outbox):
    no_email = reachable(oht_a, "HCC1000000001", email="")
    no_phone = reachable(oht_a, "HCC1000000002", phone="")
    campaign = create(oht_a, alice)
    campaign_launch(campaign=campaign, actor=alice)

    assert attempts_of(campaign, no_email) == {
        "letter": "queued",
        "email": "skipped",
        "text": "sent",
    }
    assert attempts_of(campaign, no_phone) == {
        "letter": "queued",
        "email": "sent",
        "text": "skipped",
    }
    assert [message.to for message in mail.outbox] == [[no_phone.email]]
    assert [message.to for message in sms_outbox] == ["+14165550123"]


def test_a_patient_with_only_a_postal_code_gets_the_letter_and_counts_as_contacted(oht_a, alice):
    patient = make_patient(oht_a, "HCC1000000001")
    campaign = create(oht_a, alice)
    campaign_launch(campaign=campaign, actor=alice)
    assert attempts_of(campaign, patient) == {
        "letter": "queued",
        "email": "skipped",
        "text": "skipped",
    }
    patient.refresh_from_db()
    assert patient.outreach_state == OutreachState.CONTACTED
    assert patient.next_step == "follow_up"


def test_local_contact_corrections_win_over_the_hcc_values(oht_a, alice, sms_outbox):
    patient = reachable(oht_a, "HCC1000000001", email="")
    LocalContact.objects.create(patient=patient, email="new@example.org", phone="6135550199")
    campaign_launch(campaign=create(oht_a, alice), actor=alice)
    assert [message.to for message in mail.outbox] == [["new@example.org"]]
    assert [message.to for message in sms_outbox] == ["+16135550199"]


@pytest.mark.parametrize(
    ("preferred", "order"),
    [
        ("mail", ["letter", "email", "text"]),
        ("email", ["email", "letter", "text"]),
        ("text", ["text", "letter", "email"]),
        ("phone", ["letter", "email", "text"]),
        ("", ["letter", "email", "text"]),
    ],
)
def test_the_preferred_channel_goes_first_and_every_channel_is_tried(
    oht_a, alice, preferred, order
):
    patient = reachable(oht_a, "HCC1000000001", preferred_contact=preferred)
    campaign = create(oht_a, alice)
    campaign_launch(campaign=campaign, actor=alice)
    sent_in_order = list(campaign.attempts.filter(patient=patient).order_by("pk"))
    assert [attempt.channel for attempt in sent_in_order] == order
    assert {attempt.status for attempt in sent_in_order} == {"queued", "sent"}


def test_channel_order_keeps_only_the_campaigns_channels():
    assert channel_order(["text", "letter"], "email") == ["letter", "text"]
    assert channel_order(["letter", "email", "text"], "text") == ["text", "letter", "email"]


def test_a_failed_send_is_recorded_and_not_retried(oht_a, alice, monkeypatch):
    patient = reachable(oht_a, "HCC1000000001")

    def refuse(self, to, body):
        raise SendError("provider refused the message")

    monkeypatch.setattr(OutboxSmsGateway, "send", refuse)
    campaign = create(oht_a, alice)
    campaign_launch(campaign=campaign, actor=alice)
    campaign_launch(campaign=campaign, actor=alice)
    text = campaign.attempts.get(patient=patient, channel="text")
    assert text.status == AttemptStatus.FAILED
    assert text.note == "SMS: provider refused the message"
    assert campaign.attempts.filter(channel="text").count() == 1


def test_a_gateway_crash_is_recorded_as_failed_without_the_number(
    oht_a, alice, monkeypatch, caplog
):
    reachable(oht_a, "HCC1000000001")

    def crash(self, to, body):
        raise RuntimeError(f"cannot reach {to}")

    monkeypatch.setattr(OutboxSmsGateway, "send", crash)
    campaign = create(oht_a, alice)
    with caplog.at_level(logging.DEBUG):
        campaign_launch(campaign=campaign, actor=alice)
    assert campaign.attempts.get(channel="text").note == "SMS: RuntimeError"
    assert "4165550123" not in caplog.text


def test_closed_patients_get_nothing_even_when_the_filters_match(oht_a, alice):
    open_patient = reachable(oht_a, "HCC1000000001")
    deceased = reachable(oht_a, "HCC1000000002")
    verification_record(patient=deceased, result="deceased", actor=alice)
    reachable(oht_a, "HCC1000000003", status="attached")
    reachable(oht_a, "HCC1000000004", on_hcc_list=False)
    campaign = create(oht_a, alice)
    assert campaign.patient_count == 1
    campaign_launch(campaign=campaign, actor=alice)
    assert set(campaign.attempts.values_list("patient", flat=True)) == {open_patient.pk}
    assert [message.to for message in mail.outbox] == [[open_patient.email]]


def test_a_patient_closed_after_creation_is_not_written_to(oht_a, alice):
    patient = reachable(oht_a, "HCC1000000001")
    campaign = create(oht_a, alice)
    verification_record(patient=patient, result="deceased", actor=alice)
    campaign_launch(campaign=campaign, actor=alice)
    assert not campaign.attempts.exists()
    assert not mail.outbox


def test_patients_imported_after_the_campaign_are_not_added_on_a_relaunch(oht_a, alice):
    reachable(oht_a, "HCC1000000001")
    campaign = create(oht_a, alice)
    campaign_launch(campaign=campaign, actor=alice)
    later = reachable(oht_a, "HCC1000000002")
    Patient.objects.filter(pk=later.pk).update(created_at=campaign.created_at.replace(year=2099))
    campaign_launch(campaign=campaign, actor=alice)
    assert not campaign.attempts.filter(patient=later).exists()


def test_a_campaign_needs_someone_to_reply_to(oht_a, alice):
    from oht_portal.services import ApplicationError

    reachable(oht_a, "HCC1000000001")
    oht_a.primary_contact = None
    oht_a.save()
    with pytest.raises(ApplicationError, match="point of contact"):
        create(oht_a, alice)


# --- Language and content -------------------------------------------------------------


def test_a_french_patient_gets_french_messages(oht_a, alice, sms_outbox):
    reachable(oht_a, "HCC1000000001", preferred_language="fr", given_name="Élodie")
    reachable(oht_a, "HCC1000000002", preferred_language="en", given_name="Grace")
    campaign_launch(campaign=create(oht_a, alice), actor=alice)

    french, english = sorted(mail.outbox, key=lambda message: message.to)
    assert "Bonjour Élodie" in french.body
    assert "Santé à domicile Ontario" in french.body
    assert "médecin de famille" in french.subject
    assert "Équipe Lakeshore East" in french.body  # the OHT's French name
    assert "Hello Grace" in english.body
    assert "Ontario Health atHome" in english.body
    assert english.reply_to == ["alice@example.org"]
    assert "HCC1000000002" in english.body  # the reference to quote in a reply
    texts = {message.body.startswith("Équipe"): message.body for message in sms_outbox}
    assert "Accès Soins" in texts[True] and "Health Care Connect" in texts[False]


def test_texts_hold_no_name_and_no_html_escaping(oht_a, alice, sms_outbox):
    oht_a.name_en = "Lakeshore & East"
    oht_a.save()
    reachable(oht_a, "HCC1000000001", given_name="Chloé", family_name="Tremblay")
    campaign_launch(campaign=create(oht_a, alice), actor=alice)
    (text,) = sms_outbox
    assert "Chloé" not in text.body and "Tremblay" not in text.body
    assert text.body.startswith("Lakeshore & East")
    assert "&amp;" not in mail.outbox[0].body


# --- The letters page -------------------------------------------------------------------


def launched(oht, actor):
    campaign = create(oht, actor)
    campaign_launch(campaign=campaign, actor=actor)
    return campaign


def test_the_letters_page_prints_one_letter_per_patient_in_their_language(client_for, alice, oht_a):
    english = reachable(oht_a, "HCC1000000001", postal_code="M4C1A1")
    french = reachable(oht_a, "HCC1000000002", preferred_language="fr", postal_code="M4E2B2")
    LocalContact.objects.create(
        patient=french, mailing_address="12 rue Principale\nToronto ON  M4E 2B2"
    )
    campaign = launched(oht_a, alice)

    response = client_for(alice).get(reverse("attachment:campaign_letters", args=[campaign.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert len(re.findall(r'<article class="letter" lang="(en|fr)"', page)) == 2
    assert re.findall(r'<article class="letter" lang="(en|fr)"', page) == ["en", "fr"]
    assert "css/print.css" in page
    assert "<script" not in page and "style=" not in page
    assert "Dear Chloé Tremblay" in page
    assert "Ontario Health atHome" in page
    assert "12 rue Principale<br>Toronto ON  M4E 2B2" in page
    assert "M4C 1A1" in page  # no mailing address recorded: the HCC postal code
    assert "Santé à domicile Ontario" in page
    exports = AuditEvent.objects.filter(action="export")
    assert sorted(exports.values_list("patient_id", flat=True)) == sorted([english.pk, french.pk])
    assert {event.detail["campaign_id"] for event in exports} == {campaign.pk}


def test_the_print_stylesheet_breaks_the_page_after_each_letter():
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/print.css"), encoding="utf-8").read()
    assert re.search(r"\.letter\s*\{[^}]*page-break-after:\s*always", css)
    assert "@media print" in css


def test_letters_of_patients_closed_since_are_not_printed(client_for, alice, oht_a):
    keep = reachable(oht_a, "HCC1000000001")
    gone = reachable(oht_a, "HCC1000000002")
    campaign = launched(oht_a, alice)
    verification_record(patient=gone, result="moved", actor=alice)
    response = client_for(alice).get(reverse("attachment:campaign_letters", args=[campaign.pk]))
    assert response.content.decode().count('<article class="letter"') == 1
    exports = AuditEvent.objects.filter(action="export")
    assert list(exports.values_list("patient_id", flat=True)) == [keep.pk]


def test_skipped_letters_are_not_printed(client_for, alice, oht_a):
    reachable(oht_a, "HCC1000000001")
    campaign = create(oht_a, alice, channels=["email"])
    campaign_launch(campaign=campaign, actor=alice)
    response = client_for(alice).get(reverse("attachment:campaign_letters", args=[campaign.pk]))
    assert '<article class="letter"' not in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


# --- Pages and scoping ------------------------------------------------------------------


def test_the_create_page_shows_how_many_patients_match(client_for, alice, oht_a):
    reachable(oht_a, "HCC1000000001", complex_vulnerable=True)
    reachable(oht_a, "HCC1000000002", complex_vulnerable=True, status="closed")
    reachable(oht_a, "HCC1000000003")
    response = client_for(alice).get(
        reverse("attachment:campaign_create") + "?complex_vulnerable=true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<td>OHT101</td><td>2</td><td>1</td>", page)
    assert 'value="letter"' in page and 'value="email"' in page and 'value="text"' in page
    assert "Tremblay" not in page  # counts, never names


def test_the_detail_page_counts_attempts_by_channel_and_status(client_for, alice, oht_a):
    reachable(oht_a, "HCC1000000001")
    reachable(oht_a, "HCC1000000002", email="")
    campaign = launched(oht_a, alice)
    response = client_for(alice).get(reverse("attachment:campaign_detail", args=[campaign.pk]))
    page = " ".join(response.content.decode().split())
    # columns: queued, sent, skipped, failed, total
    assert '<th scope="row">Letter</th> <td>2</td><td>0</td><td>0</td><td>0</td> <td>2</td>' in page
    assert '<th scope="row">E-mail</th> <td>0</td><td>1</td><td>1</td><td>0</td> <td>2</td>' in page
    assert "2 letters have only the HCC postal code" in page


def test_resuming_from_the_detail_page_sends_nothing_twice(
    client_for, alice, oht_a, sms_outbox, django_capture_on_commit_callbacks
):
    reachable(oht_a, "HCC1000000001")
    campaign = launched(oht_a, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(reverse("attachment:campaign_detail", args=[campaign.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1
    assert campaign.attempts.count() == 3


def test_the_list_shows_only_the_users_ohts_campaigns(
    client_for, alice, bob, oht_a, oht_b, django_assert_max_num_queries
):
    reachable(oht_a, "HCC1000000001")
    reachable(oht_b, "HCC2000000001", postal_code="K1N5T5", fsa="K1N")
    for n in range(3):
        create(oht_a, alice, name=f"Lakeshore wave {n}")
    create(oht_b, bob, name="Rideau wave")
    client = client_for(alice)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("attachment:campaign_list")).content.decode()
    assert "Lakeshore wave 2" in page and "Rideau wave" not in page


def test_another_ohts_staff_get_404_on_a_campaign(client_for, alice, bob, oht_a):
    reachable(oht_a, "HCC1000000001")
    campaign = launched(oht_a, alice)
    client = client_for(bob)
    assert client.get(reverse("attachment:campaign_detail", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("attachment:campaign_detail", args=[campaign.pk])).status_code == 404
    letters = client.get(reverse("attachment:campaign_letters", args=[campaign.pk]))
    assert letters.status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()
    assert "Cohort" not in client.get(reverse("attachment:campaign_list")).content.decode()


def test_a_campaign_of_oht_b_never_includes_oht_a_patients(bob, oht_a, oht_b, sms_outbox):
    reachable(oht_a, "HCC1000000001")
    own = reachable(oht_b, "HCC2000000001", postal_code="K1N5T5", fsa="K1N")
    # Even handed every patient, the campaign keeps its own OHT's.
    campaign = create(oht_b, bob, patients=Patient.objects.all())
    assert campaign.patient_count == 1
    campaign_launch(campaign=campaign, actor=bob)
    assert set(campaign.attempts.values_list("patient", flat=True)) == {own.pk}
    assert campaign_patient_ids(campaign=campaign, actor=bob) == [own.pk]
    assert [message.to for message in mail.outbox] == [[own.email]]


def test_staff_cannot_make_a_campaign_for_another_oht(client_for, bob, oht_a):
    from oht_portal.services import ApplicationError

    reachable(oht_a, "HCC1000000001")
    response = client_for(bob).post(
        reverse("attachment:campaign_create"),
        {"name": "Raid", "oht": "OHT101", "channels": ALL_CHANNELS},
    )
    assert response.status_code == 400
    with pytest.raises(ApplicationError):
        create(oht_a, bob, patients=Patient.objects.all())
    assert not OutreachCampaign.objects.exists()


def test_people_without_patient_access_cannot_use_campaigns(client_for, peter, alice, oht_a):
    reachable(oht_a, "HCC1000000001")
    campaign = create(oht_a, alice)
    client = client_for(peter)
    assert client.get(reverse("attachment:campaign_list")).status_code == 403
    assert client.get(reverse("attachment:campaign_create")).status_code == 403
    assert client.get(reverse("attachment:campaign_detail", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("attachment:campaign_letters", args=[campaign.pk])).status_code == 404


def test_a_launch_by_someone_who_lost_access_is_refused(alice, oht_a):
    from oht_portal.services import ApplicationError

    reachable(oht_a, "HCC1000000001")
    campaign = create(oht_a, alice)
    alice.memberships.all().delete()
    with pytest.raises(ApplicationError):
        campaign_launch(campaign=campaign, actor=alice)
    assert not campaign.attempts.exists()


def test_creating_and_launching_are_audited_without_personal_details(oht_a, alice):
    reachable(oht_a, "HCC1000000001")
    campaign = create(oht_a, alice, filter_query="q=Tremblay&cohort=true")
    campaign_launch(campaign=campaign, actor=alice)
    events = AuditEvent.objects.filter(object_type="attachment.outreachcampaign")
    created, launched_event = events.order_by("pk")
    assert created.detail["filters"] == ["cohort", "q"]
    assert "Tremblay" not in str(created.detail)
    assert launched_event.detail["launch"] == {"queued": 1, "sent": 2}
    attempts = AuditEvent.objects.filter(object_type="attachment.outreachattempt")
    assert attempts.count() == 3


# --- Senders ------------------------------------------------------------------------------


def test_the_logging_gateway_logs_neither_the_body_nor_the_number(caplog):
    body = "Lakeshore East: please confirm you still need a family doctor. Ref HCC1000000001"
    with caplog.at_level(logging.INFO, logger="attachment.outreach.senders"):
        message_id = LoggingSmsGateway().send("+14165550123", body)
    assert message_id
    assert "4165550123" not in caplog.text
    assert "HCC1000000001" not in caplog.text and "family doctor" not in caplog.text
    assert "********23" in caplog.text
    assert f"{len(body)} characters" in caplog.text


def test_the_gateway_comes_from_the_setting(settings):
    settings.OUTREACH_SMS_GATEWAY = "attachment.outreach.senders.LoggingSmsGateway"
    assert isinstance(sms_gateway(), LoggingSmsGateway)
    del settings.OUTREACH_SMS_GATEWAY
    assert isinstance(sms_gateway(), LoggingSmsGateway)


def test_mask_phone_keeps_the_last_two_digits():
    assert mask_phone("+14165550123") == "*********23"


def test_campaign_services_never_log_personal_details(oht_a, alice, caplog, settings):
    settings.OUTREACH_SMS_GATEWAY = "attachment.outreach.senders.LoggingSmsGateway"
    reachable(oht_a, "HCC1000000001", given_name="Chloé")
    with caplog.at_level(logging.DEBUG):
        campaign_launch(campaign=create(oht_a, alice), actor=alice)
    assert caplog.records
    for text in ("Chloé", "Tremblay", "4165550123", "hcc1000000001@example.org"):
        assert text not in caplog.text
