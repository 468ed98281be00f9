"""What a clinician reaches without an account: the open pixel, tracked links and the
survey through their signed link."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinicians.choices import AcceptingStatus, DeclarationChannel, LinkPurpose
from clinicians.links import link_issue, link_token
from clinicians.models import CapacityDeclaration, ClinicianLinkUse
from engagement.choices import MessageKind, QuestionKind
from engagement.emails import survey_url
from engagement.models import Answer, Click
from engagement.services import message_send
from engagement.views.public import PIXEL
from oht_portal.models import AuditEvent
from tests.engagement.conftest import add_question, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulletin(directory, oht_a, alice, django_capture_on_commit_callbacks):
    message = make_message(oht_a, alice)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(message=message, actor=alice)
    return message


@pytest.fixture
def survey(directory, oht_a, alice, django_capture_on_commit_callbacks):
    message = make_message(oht_a, alice, kind=MessageKind.SURVEY, segment_query="language=fr")
    add_question(
        message,
        QuestionKind.TEXT,
        1,
        text_en="What would make you practise family medicine?",
        text_fr="Qu’est-ce qui vous ferait pratiquer la médecine familiale?",
    )
    add_question(message, QuestionKind.CHOICE, 2)
    add_question(message, QuestionKind.CAPACITY, 3, text_en="Your capacity", text_fr="Capacité")
    with django_capture_on_commit_callbacks(execute=True):
        message_send(message=message, actor=alice)
    return message


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_the_open_pixel_is_a_gif_and_records_the_open_once(bulletin, client, directory):
    recipient = bulletin.recipients.get(clinician=directory["english"])
    url = reverse("engagement_open", kwargs={"token": recipient.token})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content == PIXEL
    recipient.refresh_from_db()
    first = recipient.opened_at
    assert first is not None
    client.get(url)
    recipient.refresh_from_db()
    assert recipient.opened_at == first


def test_a_click_records_and_redirects_to_the_stored_address_only(bulletin, client, directory):
    recipient = bulletin.recipients.get(clinician=directory["english"])
    link = bulletin.tracked_links.get(url="https://example.org/guide")
    url = reverse("engagement_click", kwargs={"token": recipient.token, "link_id": link.pk})
    response = client.get(url + "?next=https://evil.example.com/")
    assert response.status_code == 302
    assert response["Location"] == "https://example.org/guide"
    recipient.refresh_from_db()
    assert recipient.clicked_at is not None and recipient.opened_at is not None
    assert Click.objects.get().tracked_link == link


def test_unknown_tokens_are_404_and_record_nothing(bulletin, client):
    audits = AuditEvent.objects.count()
    token = "00000000-0000-4000-8000-000000000000"
    link = bulletin.tracked_links.first()
    assert client.get(reverse("engagement_open", kwargs={"token": token})).status_code == 404
    response = client.get(reverse("engagement_click", kwargs={"token": token, "link_id": link.pk}))
    assert response.status_code == 404
    assert not Click.objects.exists()
    assert not bulletin.recipients.filter(opened_at__isnull=False).exists()
    assert AuditEvent.objects.count() == audits


def test_the_survey_email_carries_the_recipients_own_link(survey, directory):
    recipient = survey.recipients.get(clinician=directory["french"])
    assert recipient.link.purpose == LinkPurpose.SURVEY
    assert recipient.link.clinician == directory["french"]
    (email,) = mail.outbox
    assert survey_url(recipient) in email.body
    # The clinician without an e-mail gets no link.
    assert survey.recipients.get(clinician=directory["unreachable"]).link is None


def test_the_survey_opens_in_the_recipients_language_with_a_switch(survey, client, directory):
    recipient = survey.recipients.get(clinician=directory["french"])
    url = path_of(survey_url(recipient))
    body = client.get(url).content.decode()
    assert '<html lang="fr">' in body
    assert "Qu’est-ce qui vous ferait pratiquer la médecine familiale?" in body
    assert "Peut-être" in body
    assert 'href="?lang=en"' in body
    english = client.get(url + "?lang=en").content.decode()
    assert "What would make you practise family medicine?" in english
    assert (
        ClinicianLinkUse.objects.filter(
            link=recipient.link, action=ClinicianLinkUse.Action.OPENED
        ).count()
        == 2
    )
    recipient.refresh_from_db()
    assert recipient.opened_at is not None


def answer_data(recipient, survey, **overrides):
    questions = {q.kind: q for q in survey.questions.all()}
    data = {
        "respondent": "Josée Gagnon",
        f"q{questions['text'].pk}": "Less paperwork.",
        f"q{questions['choice'].pk}": "2",
    }
    for location in recipient.clinician.locations.all():
        prefix = f"q{questions['capacity'].pk}-l{location.pk}"
        data |= {
            f"{prefix}-accepting_status": AcceptingStatus.ACCEPTING,
            f"{prefix}-new_patients": "25",
            f"{prefix}-takes_complex": "on",
        }
    data.update(overrides)
    return data


def test_answering_the_survey_stores_answers_and_declares_capacity(survey, client, directory):
    recipient = survey.recipients.get(clinician=directory["french"])
    url = path_of(survey_url(recipient))
    response = client.post(url, answer_data(recipient, survey))
    assert response.status_code == 200
    assert 'name="respondent"' not in response.content.decode()  # the thanks page

    recipient.refresh_from_db()
    assert recipient.answered_at is not None
    text = Answer.objects.get(question__kind="text")
    assert text.text == "Less paperwork."
    choice = Answer.objects.get(question__kind="choice")
    assert (choice.choice, choice.text) == (2, "Peut-être")

    declarations = CapacityDeclaration.objects.filter(channel=DeclarationChannel.SURVEY)
    assert declarations.count() == 2  # one per practice location
    for location in directory["french"].locations.all():
        assert location.current_declaration.new_patients == 25
        assert location.current_declaration.declared_by_name == "Josée Gagnon"
        answer = Answer.objects.get(question__kind="capacity", location=location)
        assert answer.declaration == location.current_declaration
    assert ClinicianLinkUse.objects.filter(
        link=recipient.link, action=ClinicianLinkUse.Action.ANSWERED
    ).exists()


def test_a_survey_is_answered_once_then_shows_the_thanks_page(survey, client, directory):
    recipient = survey.recipients.get(clinician=directory["french"])
    url = path_of(survey_url(recipient))
    client.post(url, answer_data(recipient, survey))
    answers = Answer.objects.count()
    again = client.post(url, answer_data(recipient, survey, respondent="Someone else"))
    assert again.status_code == 200
    assert Answer.objects.count() == answers
    assert CapacityDeclaration.objects.count() == 2
    assert 'name="respondent"' not in client.get(url).content.decode()


def test_an_incomplete_answer_is_shown_again_and_stores_nothing(survey, client, directory):
    recipient = survey.recipients.get(clinician=directory["french"])
    questions = {q.kind: q for q in survey.questions.all()}
    url = path_of(survey_url(recipient))
    response = client.post(url, answer_data(recipient, survey, **{f"q{questions['text'].pk}": ""}))
    assert response.status_code == 400
    assert not Answer.objects.exists()
    assert not CapacityDeclaration.objects.exists()


def test_an_expired_survey_link_is_refused_in_both_languages(survey, client, directory, settings):
    recipient = survey.recipients.get(clinician=directory["french"])
    url = path_of(survey_url(recipient))
    with time_machine.travel(timezone.now() + timedelta(days=settings.CLINICIAN_LINK_DAYS + 1)):
        response = client.get(url)
    assert response.status_code == 403
    body = response.content.decode()
    assert '<section lang="en">' in body and '<section lang="fr">' in body
    assert ClinicianLinkUse.objects.filter(link=recipient.link, reason="expired").exists()


def test_a_tampered_or_borrowed_survey_link_is_refused(survey, client, directory):
    recipient = survey.recipients.get(clinician=directory["french"])
    token = link_token(recipient.link)
    tampered = reverse(
        "engagement_survey",
        kwargs={"clinician_id": recipient.clinician_id, "token": token[:-1] + "x"},
    )
    assert client.get(tampered).status_code == 403
    borrowed = reverse(
        "engagement_survey", kwargs={"clinician_id": directory["english"].pk, "token": token}
    )
    assert client.post(borrowed, answer_data(recipient, survey)).status_code == 403
    assert not Answer.objects.exists()


def test_a_capacity_link_does_not_open_a_survey(survey, client, directory, oht_a):
    link = link_issue(clinician=directory["french"], oht=oht_a, purpose=LinkPurpose.CAPACITY)
    url = reverse(
        "engagement_survey",
        kwargs={"clinician_id": directory["french"].pk, "token": link_token(link)},
    )
    assert client.get(url).status_code == 403
    refusal = ClinicianLinkUse.objects.get(link=link)
    assert (refusal.action, refusal.reason) == ("refused", "purpose")
