"""Sending: the segment's recipients, one e-mail each in their language, never twice;
tracking of opens and clicks; metrics counting."""

import logging
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.http import Http404
from django.utils import timezone

from engagement.choices import MessageKind, MessageStatus, RecipientStatus
from engagement.delivery import message_deliver_queued
from engagement.models import Click, Message, Recipient, Resource
from engagement.selectors import message_metrics, segment_preview
from engagement.services import (
    message_send,
    message_update,
    question_save,
    recipient_click,
    recipient_open,
)
from engagement.tasks import message_deliver
from oht_portal.models import AuditEvent
from oht_portal.services import ApplicationError
from tests.conftest import make_clinician
from tests.engagement.conftest import add_question, make_message

pytestmark = pytest.mark.django_db


class BouncingBackend(EmailBackend):
    """The test outbox, except that the mail server refuses addresses with 'bounce'."""

    def send_messages(self, messages):
        for message in messages:
            if any("bounce" in to for to in message.to):
                raise SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        return super().send_messages(messages)


def send(message, actor, capture):
    with capture(execute=True):
        message_send(message=message, actor=actor)
    message.refresh_from_db()
    return message


def test_recipients_are_the_segments_clinicians_in_the_messages_oht_only(
    directory, oht_a, root, django_capture_on_commit_callbacks
):
    # root sees every OHT: the OHT B French speaker is left out by the message's OHT.
    message = send(
        make_message(oht_a, root, segment_query="language=fr"),
        root,
        django_capture_on_commit_callbacks,
    )
    recipients = {r.clinician: r for r in message.recipients.all()}
    assert set(recipients) == {directory["french"], directory["unreachable"]}
    assert message.recipient_count == 2
    assert recipients[directory["french"]].language == "fr"
    assert recipients[directory["unreachable"]].status == RecipientStatus.NO_EMAIL
    sent = AuditEvent.objects.get(object_type="engagement.message", detail__sent=True)
    assert (sent.actor_id, sent.detail["recipients"], sent.detail["no_email"]) == (root.pk, 2, 1)


def test_an_oht_filter_in_the_query_cannot_reach_another_oht(directory, oht_a, root):
    message = make_message(oht_a, root, segment_query="oht=OHT102&language=fr")
    assert message.segment_query == "oht=OHT102&language=fr"
    preview = segment_preview(oht=oht_a, query=message.segment_query, user=root)
    assert preview == {"clinicians": 2, "no_email": 1, "reachable": 1}


def test_an_invalid_filter_is_refused_rather_than_dropped(directory, oht_a, alice):
    message = make_message(oht_a, alice, segment_query="min_remaining=lots")
    with pytest.raises(ApplicationError, match="not valid"):
        message_send(message=message, actor=alice)
    message.refresh_from_db()
    assert message.status == MessageStatus.DRAFT
    assert not message.recipients.exists()


def test_send_writes_one_email_per_recipient_in_their_language(
    directory, oht_a, alice, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.ca"
    message = make_message(oht_a, alice)
    message.resources.add(
        Resource.objects.create(
            oht=oht_a,
            title_en="Attachment guide",
            title_fr="Guide de l’inscription",
            url="https://example.org/resource",
            language="both",
            audience="clinicians",
        )
    )
    message = send(message, alice, django_capture_on_commit_callbacks)

    assert message.status == MessageStatus.SENT
    assert sorted(m.to[0] for m in mail.outbox) == [
        "dr30001@clinic.example.org",
        "dr30002@clinic.example.org",
    ]
    by_address = {m.to[0]: m for m in mail.outbox}
    french = by_address["dr30001@clinic.example.org"]
    english = by_address["dr30002@clinic.example.org"]
    assert french.subject == "Mise à jour de la capacité"
    assert "Bonjour." in french.body and "Hello." not in french.body
    assert "Guide de l’inscription" in french.body
    assert english.subject == "Capacity update"
    assert "Attachment guide" in english.body

    # Every address is a tracked link of this recipient; the raw one is not in the text.
    recipient = message.recipients.get(clinician=directory["english"])
    guide = message.tracked_links.get(url="https://example.org/guide")
    click_url = f"https://portal.example.ca/e/c/{recipient.token}/{guide.pk}/"
    assert click_url in english.body
    assert "https://example.org/guide." not in english.body
    html, mimetype = english.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{click_url}"' in html
    assert f'src="https://portal.example.ca/e/o/{recipient.token}.gif"' in html
    assert message.tracked_links.count() == 3  # guide, guide-fr, resource

    metrics = message_metrics(message)
    assert (metrics.recipients, metrics.delivered, metrics.no_email) == (3, 2, 1)


def test_a_refused_address_is_failed_and_never_logged(
    oht_a, alice, english_doc, django_capture_on_commit_callbacks, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.engagement.test_services.BouncingBackend"
    english_doc.contact_email = "bounce@clinic.example.org"
    english_doc.save()
    with caplog.at_level(logging.INFO):
        message = send(make_message(oht_a, alice), alice, django_capture_on_commit_callbacks)
    assert message.recipients.get().status == RecipientStatus.FAILED
    assert message_metrics(message).failed == 1
    assert "bounce@" not in caplog.text
    assert mail.outbox == []


def test_a_retry_never_sends_a_recipient_again(
    directory, oht_a, alice, django_capture_on_commit_callbacks
):
    message = send(make_message(oht_a, alice), alice, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    message_deliver(message.pk)
    assert len(mail.outbox) == 2

    # A worker that stopped after the first recipient: the rerun sends only the other.
    english = message.recipients.get(clinician=directory["english"])
    Recipient.objects.filter(pk=english.pk).update(status=RecipientStatus.QUEUED, sent_at=None)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING)
    message.refresh_from_db()
    assert message_deliver_queued(message=message) == {"sent": 1}
    assert [m.to[0] for m in mail.outbox[2:]] == ["dr30002@clinic.example.org"]
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_a_sent_message_cannot_be_sent_or_changed_again(
    directory, oht_a, alice, django_capture_on_commit_callbacks
):
    message = send(make_message(oht_a, alice), alice, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError):
        message_send(message=message, actor=alice)
    with pytest.raises(ApplicationError):
        message_update(message=message, changes={"subject_en": "Changed"}, actor=alice)
    assert len(mail.outbox) == 2


def test_a_survey_without_questions_is_not_sent(directory, oht_a, alice):
    message = make_message(oht_a, alice, kind=MessageKind.SURVEY)
    with pytest.raises(ApplicationError, match="question"):
        message_send(message=message, actor=alice)


def test_choice_questions_need_as_many_choices_in_both_languages(oht_a, alice):
    message = make_message(oht_a, alice, kind=MessageKind.SURVEY)
    question = add_question(message, "choice", 1)
    question.choices_fr = "Oui\nNon"
    with pytest.raises(ApplicationError):
        question_save(question=question, actor=alice)


def test_opens_are_counted_once_and_a_click_implies_an_open(
    directory, oht_a, alice, django_capture_on_commit_callbacks
):
    message = send(make_message(oht_a, alice), alice, django_capture_on_commit_callbacks)
    french = message.recipients.get(clinician=directory["french"])
    english = message.recipients.get(clinician=directory["english"])

    first = recipient_open(token=french.token).opened_at
    recipient_open(token=french.token)
    french.refresh_from_db()
    assert french.opened_at == first

    link = message.tracked_links.get(url="https://example.org/guide")
    assert recipient_click(token=english.token, link_id=link.pk) == "https://example.org/guide"
    recipient_click(token=english.token, link_id=link.pk)
    english.refresh_from_db()
    assert english.opened_at is not None and english.clicked_at is not None
    assert Click.objects.filter(recipient=english).count() == 2

    metrics = message_metrics(message)
    assert (metrics.opened, metrics.clicked) == (2, 1)
    assert metrics.open_rate == 1.0
    assert metrics.click_rate == 0.5


def test_a_click_on_another_messages_link_is_a_404_and_records_nothing(
    directory, oht_a, alice, django_capture_on_commit_callbacks
):
    first = send(make_message(oht_a, alice), alice, django_capture_on_commit_callbacks)
    other = send(
        make_message(oht_a, alice, body_en="See https://evil.example.com/x", body_fr="Voir"),
        alice,
        django_capture_on_commit_callbacks,
    )
    recipient = first.recipients.get(clinician=directory["english"])
    foreign = other.tracked_links.get()
    audits = AuditEvent.objects.count()
    with pytest.raises(Http404):
        recipient_click(token=recipient.token, link_id=foreign.pk)
    recipient.refresh_from_db()
    assert recipient.clicked_at is None and recipient.opened_at is None
    assert not Click.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_metrics_count_hand_built_recipients(oht_a, alice, directory):
    message = make_message(oht_a, alice)
    now = timezone.now()
    rows = [
        # (status, opened, clicked, answered)
        (RecipientStatus.SENT, True, False, False),
        (RecipientStatus.SENT, False, True, False),  # a click without the pixel
        (RecipientStatus.SENT, True, True, True),
        (RecipientStatus.SENT, False, False, False),
        (RecipientStatus.FAILED, False, False, False),
        (RecipientStatus.NO_EMAIL, False, False, False),
    ]
    for index, (status, opened, clicked, answered) in enumerate(rows):
        clinician = directory["english"] if index == 0 else None
        Recipient.objects.create(
            message=message,
            clinician=clinician or make_clinician(f"4000{index}"),
            email="x@example.org",
            language="en",
            status=status,
            opened_at=now if opened else None,
            clicked_at=now if clicked else None,
            answered_at=now if answered else None,
        )
    metrics = message_metrics(message)
    assert metrics.recipients == 6
    assert (metrics.delivered, metrics.failed, metrics.no_email) == (4, 1, 1)
    assert (metrics.opened, metrics.clicked, metrics.answered) == (3, 2, 1)
    assert metrics.open_rate == 0.75
    assert metrics.click_rate == 0.5
    assert metrics.answer_rate == 0.25


def test_rates_are_none_when_nothing_was_delivered(oht_a, alice):
    metrics = message_metrics(make_message(oht_a, alice))
    assert metrics.recipients == 0
    assert metrics.open_rate is None
