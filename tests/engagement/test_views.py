"""Staff pages: who may manage messages and resources, the draft → segment → questions →
send flow, and the detail page's metrics and answers."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinicians.models import SavedLocationReport
from engagement.choices import MessageKind, MessageStatus, QuestionKind
from engagement.models import Answer, Message, Resource
from engagement.services import message_send
from tests.engagement.conftest import add_question, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(oht_a, alice):
    return make_message(oht_a, alice, kind=MessageKind.SURVEY)


def test_staff_list_messages_of_their_ohts_with_metrics(
    client_for, alice, oht_a, oht_b, bob, directory, django_capture_on_commit_callbacks
):
    mine = make_message(oht_a, alice, subject_en="Mine")
    make_message(oht_b, bob, subject_en="Not mine")
    with django_capture_on_commit_callbacks(execute=True):
        message_send(message=mine, actor=alice)
    response = client_for(alice).get(reverse("engagement:message_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mine" in body and "Not mine" not in body
    (row,) = response.context["rows"]
    assert (row[1].recipients, row[1].delivered, row[1].no_email) == (3, 2, 1)


def test_the_message_list_runs_a_fixed_number_of_queries(
    client_for, alice, oht_a, django_assert_max_num_queries
):
    for index in range(5):
        make_message(oht_a, alice, subject_en=f"Message {index}")
    client = client_for(alice)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("engagement:message_list")).status_code == 200


def test_another_ohts_message_is_a_404(client_for, bob, draft):
    client = client_for(bob)
    for name in ["message_detail", "message_edit", "message_segment", "message_send"]:
        assert client.get(reverse(f"engagement:{name}", args=[draft.pk])).status_code == 404
    assert client.post(reverse("engagement:message_send", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.status == MessageStatus.DRAFT


def test_a_care_connector_cannot_manage_engagement(client_for, carol, draft):
    client = client_for(carol)
    assert client.get(reverse("engagement:message_list")).status_code == 403
    assert client.get(reverse("engagement:message_detail", args=[draft.pk])).status_code == 403
    assert client.get(reverse("engagement:resource_list")).status_code == 403
    response = client.post(
        reverse("engagement:message_create"),
        {"oht": draft.oht.pk, "kind": "bulletin", "subject_en": "x", "subject_fr": "x"},
    )
    assert response.status_code == 403
    assert Message.objects.count() == 1


def test_a_pcn_lead_writes_chooses_clinicians_and_sends(
    client_for, peter, oht_a, directory, django_capture_on_commit_callbacks
):
    client = client_for(peter)
    response = client.post(
        reverse("engagement:message_create"),
        {
            "oht": oht_a.pk,
            "kind": MessageKind.BULLETIN,
            "subject_en": "News",
            "subject_fr": "Nouvelles",
            "body_en": "Hello",
            "body_fr": "Bonjour",
        },
    )
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("engagement:message_segment", args=[message.pk])
    assert (message.created_by, message.status) == (peter, MessageStatus.DRAFT)

    segment = reverse("engagement:message_segment", args=[message.pk])
    preview = client.get(segment + "?language=fr&oht=OHT102")
    assert preview.context["preview"] == {"clinicians": 2, "no_email": 1, "reachable": 1}
    assert preview.context["query"] == "language=fr"
    client.post(segment, {"segment_query": "language=fr"})
    message.refresh_from_db()
    assert message.segment_query == "language=fr"

    confirm = client.get(reverse("engagement:message_send", args=[message.pk]))
    assert confirm.context["preview"]["reachable"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("engagement:message_send", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [m.subject for m in mail.outbox] == ["Nouvelles"]


def test_a_saved_report_of_the_oht_sets_the_segment(client_for, alice, draft, oht_b):
    report = SavedLocationReport.objects.create(
        oht=draft.oht, name="French", query="language=fr&ordering=fsa"
    )
    foreign = SavedLocationReport.objects.create(oht=oht_b, name="Theirs", query="fsa=K1N")
    segment = reverse("engagement:message_segment", args=[draft.pk])
    client = client_for(alice)
    response = client.get(segment, {"report": report.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{segment}?language=fr"
    assert client.get(segment, {"report": foreign.pk}).status_code == 200  # not offered
    pasted = client.get(segment, {"address": "https://portal/clinicians/?fsa=M4E&page=2"})
    assert pasted["Location"] == f"{segment}?fsa=M4E"


def test_questions_are_added_to_a_draft_survey_only(
    client_for, alice, draft, directory, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    url = reverse("engagement:message_questions", args=[draft.pk])
    client.post(url, {"kind": QuestionKind.TEXT, "text_en": "Why?", "text_fr": "Pourquoi?"})
    client.post(
        url,
        {
            "kind": QuestionKind.CHOICE,
            "text_en": "Which?",
            "text_fr": "Lequel?",
            "choices_en": "A\nB",
            "choices_fr": "A",
        },
    )
    assert [(q.position, q.text_en) for q in draft.questions.all()] == [(1, "Why?")]
    with django_capture_on_commit_callbacks(execute=True):
        message_send(message=draft, actor=alice)
    response = client.post(url, {"kind": QuestionKind.TEXT, "text_en": "Late", "text_fr": "Tard"})
    assert response.status_code == 302
    assert draft.questions.count() == 1


def test_the_detail_page_lists_text_counts_choices_and_links_capacity(
    client_for, alice, draft, directory, django_capture_on_commit_callbacks
):
    text = add_question(draft, QuestionKind.TEXT, 1)
    choice = add_question(draft, QuestionKind.CHOICE, 2)
    add_question(draft, QuestionKind.CAPACITY, 3)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(message=draft, actor=alice)
    now = timezone.now()
    for recipient, words, picked in zip(
        draft.recipients.exclude(status="no_email"),
        ["More time", "Less admin"],
        [0, 0],
        strict=True,
    ):
        Answer.objects.create(recipient=recipient, question=text, text=words, answered_at=now)
        Answer.objects.create(
            recipient=recipient, question=choice, choice=picked, text="Yes", answered_at=now
        )
    response = client_for(alice).get(reverse("engagement:message_detail", args=[draft.pk]))
    body = response.content.decode()
    assert "More time" in body and "Less admin" in body
    results = {r["question"].kind: r for r in response.context["results"]}
    assert results["choice"]["counts"] == [("Yes", 2), ("No", 0), ("Maybe", 0)]


def test_resources_are_managed_within_the_ohts_of_the_user(client_for, alice, bob, oht_a):
    client = client_for(alice)
    response = client.post(
        reverse("engagement:resource_create"),
        {
            "oht": oht_a.pk,
            "title_en": "Guide",
            "title_fr": "Guide (fr)",
            "url": "https://example.org/guide",
            "language": "both",
            "audience": "clinicians",
            "active": "on",
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.created_by == alice
    assert "Guide" in client.get(reverse("engagement:resource_list")).content.decode()
    outsider = client_for(bob)
    assert outsider.get(reverse("engagement:resource_edit", args=[resource.pk])).status_code == 404
    assert "Guide" not in outsider.get(reverse("engagement:resource_list")).content.decode()


def test_a_resource_must_be_a_web_address(client_for, alice, oht_a):
    response = client_for(alice).post(
        reverse("engagement:resource_create"),
        {
            "oht": oht_a.pk,
            "title_en": "x",
            "title_fr": "x",
            "url": "javascript:alert(1)",
            "language": "en",
            "audience": "clinicians",
        },
    )
    assert response.status_code == 200
    assert not Resource.objects.exists()


def test_a_message_lists_only_resources_of_its_own_oht(client_for, alice, oht_a, oht_b, draft):
    theirs = Resource.objects.create(
        oht=oht_b,
        title_en="Theirs",
        title_fr="Theirs",
        url="https://example.org/b",
        language="en",
        audience="clinicians",
    )
    response = client_for(alice).post(
        reverse("engagement:message_edit", args=[draft.pk]),
        {
            "subject_en": "s",
            "subject_fr": "s",
            "body_en": "b",
            "body_fr": "b",
            "resources": [theirs.pk],
        },
    )
    assert response.status_code == 200
    assert not draft.resources.exists()


def test_every_page_renders_for_staff(client_for, alice, draft, oht_a):
    question = add_question(draft, QuestionKind.CHOICE, 1)
    resource = Resource.objects.create(
        oht=oht_a,
        title_en="Guide",
        title_fr="Guide",
        url="https://example.org/guide",
        language="en",
        audience="clinicians",
    )
    client = client_for(alice)
    for url in [
        reverse("engagement:message_create"),
        reverse("engagement:message_edit", args=[draft.pk]),
        reverse("engagement:message_segment", args=[draft.pk]),
        reverse("engagement:message_questions", args=[draft.pk]),
        reverse("engagement:question_edit", args=[draft.pk, question.pk]),
        reverse("engagement:message_send", args=[draft.pk]),
        reverse("engagement:message_detail", args=[draft.pk]),
        reverse("engagement:resource_create"),
        reverse("engagement:resource_edit", args=[resource.pk]),
    ]:
        assert client.get(url).status_code == 200, url


def test_the_admin_lists_every_engagement_model(client_for, root, draft):
    client = client_for(root)
    for model in ["resource", "message", "question", "recipient", "trackedlink", "click", "answer"]:
        assert client.get(reverse(f"admin:engagement_{model}_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:engagement_message_change", args=[draft.pk])).status_code == 200
    )
