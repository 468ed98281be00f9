"""Supports for one patient: the page ranked for the patient's FSA and language, the
printed and e-mailed lists (each an offer on the patient's timeline), the FSA list
without a patient, and the scoping of all of it to the patient's OHT."""

from datetime import date
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from attachment.models import LocalContact
from attachment.outreach.senders import SendError
from attachment.timeline import Kind, patient_timeline
from interim_supports.choices import OfferChannel
from interim_supports.models import SupportOffer
from interim_supports.services import support_offer_record
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from tests.conftest import make_patient
from tests.interim_supports.conftest import make_support

pytestmark = pytest.mark.django_db

NOON = "2026-11-23 12:00-05:00"  # a Monday
MONDAY = 0
OPEN = [(MONDAY, "08:00", "20:00")]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def patient(oht_a):
    """Chloé, 46, in M4C, prefers French."""
    return make_patient(
        oht_a,
        "HCC1000000001",
        preferred_language="fr",
        email="chloe@example.org",
        health_card_number="1234567890AB",
    )


@pytest.fixture
def supports(oht_a, oht_b):
    french = make_support(
        oht_a,
        "Lakeshore Walk-in",
        name_fr="Clinique sans rendez-vous Lakeshore",
        description_fr="Voyez une infirmière praticienne sans rendez-vous.",
        fsas_served="M4C",
        languages="fr;en",
        walk_in=True,
        phone="4165550123",
        hours=[(MONDAY, "08:00", "20:00"), (4, "20:00", "02:00")],
    )
    english = make_support(oht_a, "East End Clinic", fsas_served="M4C", hours=OPEN)
    elsewhere = make_support(oht_a, "Beach Clinic", fsas_served="M4E", languages="fr")
    youth = make_support(oht_a, "Youth Wellness", fsas_served="M4C", languages="fr", max_age=24)
    other_oht = make_support(oht_b, "Rideau Walk-in", fsas_served="K1N", languages="fr")
    return {
        "french": french,
        "english": english,
        "elsewhere": elsewhere,
        "youth": youth,
        "other_oht": other_oht,
    }


def page_url(patient):
    return reverse("interim_supports:patient_supports", args=[patient.pk])


def share_url(patient):
    return reverse("interim_supports:patient_supports_share", args=[patient.pk])


def ranked_names(response) -> list[str]:
    return [row.service.name_en for row in response.context["rows"]]


# -- the page -----------------------------------------------------------------------------


def test_the_patient_page_links_to_the_supports_and_lists_offers(
    client_for, alice, patient, supports
):
    support_offer_record(
        patient=patient,
        services=[supports["french"]],
        channel=OfferChannel.PHONE,
        language="fr",
        actor=alice,
    )
    page = client_for(alice).get(reverse("attachment:patient_detail", args=[patient.pk]))
    content = page.content.decode()
    assert "Find supports for this patient" in content
    assert page_url(patient) in content
    assert "Told by phone" in content
    assert [offer.channel for offer in page.context["support_offers"]] == ["phone"]


def test_supports_are_ranked_for_the_patients_fsa_and_language_within_their_age(
    client_for, alice, patient, supports
):
    response = client_for(alice).get(page_url(patient))
    assert response.status_code == 200
    # French and M4C (12 + open 2), English and M4C (8 + open 2), French in M4E (4).
    assert ranked_names(response) == ["Lakeshore Walk-in", "East End Clinic", "Beach Clinic"]
    # Youth Wellness (up to 24) and another OHT's support are not for Chloé.
    content = response.content.decode()
    assert "serves this FSA · offers this language · open now" in content
    assert response.context["share_form"]["language"].value() == "fr"


def test_the_filters_narrow_the_patients_supports(client_for, alice, patient, supports):
    response = client_for(alice).get(page_url(patient), {"fsa": "M4C", "language": "fr"})
    assert ranked_names(response) == ["Lakeshore Walk-in"]


def test_a_local_correction_of_the_language_wins(client_for, alice, patient, supports):
    LocalContact.objects.create(patient=patient, preferred_language="en")
    response = client_for(alice).get(page_url(patient))
    assert ranked_names(response)[:2] == ["East End Clinic", "Lakeshore Walk-in"]
    assert response.context["share_form"]["language"].value() == "en"


def test_the_page_is_audited(client_for, alice, patient, supports):
    client_for(alice).get(page_url(patient))
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.patient_id, event.detail) == (patient.pk, {"page": "interim_supports"})


def test_another_ohts_patient_is_a_404_and_the_refusal_audited(client_for, bob, patient):
    client = client_for(bob)
    assert client.get(page_url(patient)).status_code == 404
    assert client.post(share_url(patient), {"action": "print"}).status_code == 404
    refusals = AuditEvent.objects.filter(patient_id=patient.pk, outcome=AuditOutcome.DENIED)
    assert refusals.count() == 2
    assert not SupportOffer.objects.exists()


def test_a_pcn_lead_sees_no_patient(client_for, peter, patient):
    assert client_for(peter).get(page_url(patient)).status_code == 404


# -- printing -----------------------------------------------------------------------------


def test_printing_records_the_offer_and_shows_the_list_in_the_chosen_language_first(
    client_for, alice, patient, supports
):
    client = client_for(alice)
    chosen = [supports["english"].pk, supports["french"].pk]
    response = client.post(
        share_url(patient), {"supports": chosen, "language": "fr", "action": "print"}
    )
    offer = SupportOffer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("interim_supports:print_offer", args=[offer.pk])
    assert (offer.channel, offer.language, offer.offered_by) == ("printed", "fr", alice)
    assert set(offer.services.all()) == {supports["english"], supports["french"]}

    printed = client.get(response.url)
    assert printed.status_code == 200
    content = printed.content.decode()
    first_column = content.index('class="print-column" lang="fr"')
    assert first_column < content.index('class="print-column" lang="en"')
    # French first, the best match first; both names in both columns.
    assert content.index("Clinique sans rendez-vous Lakeshore") < content.index("East End Clinic")
    assert "Voyez une infirmière praticienne sans rendez-vous." in content
    assert "20:00–02:00" in content and "416-555-0123" in content
    assert "Chloé Tremblay" in content
    # No HCC id, health card or date of birth on the list.
    for private in (patient.hcc_id, patient.health_card_number, "1980-02-03"):
        assert private not in content
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, patient_id=patient.pk, object_type="interim_supports.supportoffer"
    ).exists()


def test_the_offer_shows_on_the_timeline(client_for, alice, patient, supports):
    client = client_for(alice)
    client.post(
        share_url(patient),
        {"supports": [supports["french"].pk], "language": "fr", "action": "print"},
    )
    [entry] = patient_timeline(patient=patient)
    assert entry.kind == Kind.SUPPORTS
    assert entry.title == "Interim supports offered"
    assert entry.details == ["Lakeshore Walk-in", "Printed list"]
    assert entry.who == "Alice Staff"
    page = client.get(reverse("attachment:patient_detail", args=[patient.pk])).content.decode()
    assert "Interim supports offered" in page


def test_the_timeline_reads_offers_in_a_fixed_number_of_queries(
    alice, patient, supports, django_assert_num_queries
):
    for _ in range(3):
        support_offer_record(
            patient=patient,
            services=[supports["french"], supports["english"]],
            channel=OfferChannel.PRINTED,
            language="fr",
            actor=alice,
        )
    with django_assert_num_queries(6):
        entries = patient_timeline(patient=patient)
    assert len(entries) == 3
    assert entries[0].details[0] == "East End Clinic, Lakeshore Walk-in"


def test_a_printed_offer_is_not_shown_to_another_oht(client_for, alice, bob, patient, supports):
    offer = support_offer_record(
        patient=patient,
        services=[supports["french"]],
        channel=OfferChannel.PRINTED,
        language="fr",
        actor=alice,
    )
    url = reverse("interim_supports:print_offer", args=[offer.pk])
    assert client_for(bob).get(url).status_code == 404


def test_sharing_needs_a_support_of_the_patients_oht(client_for, alice, patient, supports):
    client = client_for(alice)
    response = client.post(share_url(patient), {"language": "fr", "action": "print"})
    assert response.status_code == 400
    assert "Choose at least one support." in response.content.decode()
    other = {"supports": [supports["other_oht"].pk], "language": "fr", "action": "print"}
    response = client.post(share_url(patient), other)
    assert response.status_code == 400
    assert not SupportOffer.objects.exists()


# -- e-mailing ----------------------------------------------------------------------------


def email_post(supports, language="fr"):
    return {"supports": [supports["french"].pk], "language": language, "action": "email"}


def test_emailing_sends_one_message_in_the_chosen_language_and_records_the_offer(
    client_for, alice, patient, supports
):
    LocalContact.objects.create(patient=patient, email="chloe.new@example.org")
    response = client_for(alice).post(share_url(patient), email_post(supports))
    assert response.status_code == 302
    assert response.url == reverse("attachment:patient_detail", args=[patient.pk])
    [message] = mail.outbox
    assert message.to == ["chloe.new@example.org"]
    assert message.subject == "Services de santé à utiliser en attendant un médecin de famille"
    body = message.body
    assert body.index("Bonjour Chloé") < body.index("Hello Chloé")
    assert "Clinique sans rendez-vous Lakeshore" in body and "Lakeshore Walk-in" in body
    assert patient.hcc_id not in body
    offer = SupportOffer.objects.get()
    assert (offer.channel, offer.language) == ("email", "fr")
    assert list(offer.services.all()) == [supports["french"]]


def test_an_english_email_starts_in_english(client_for, alice, patient, supports):
    client_for(alice).post(share_url(patient), email_post(supports, language="en"))
    [message] = mail.outbox
    assert message.subject == "Health services you can use while you wait for a family doctor"
    assert message.body.index("Hello Chloé") < message.body.index("Bonjour Chloé")


def test_a_patient_without_email_gets_a_clear_error_and_no_offer(
    client_for, alice, oht_a, supports
):
    patient = make_patient(oht_a, "HCC1000000002", preferred_language="fr")
    response = client_for(alice).post(share_url(patient), email_post(supports))
    assert response.status_code == 400
    assert "This patient has no e-mail address" in response.content.decode()
    assert not mail.outbox
    assert not SupportOffer.objects.exists()


def test_a_failed_send_records_no_offer_and_logs_no_address(
    client_for, alice, patient, supports, caplog
):
    with mock.patch(
        "attachment.outreach.senders.EmailSender.send", side_effect=SendError("SMTPException")
    ):
        response = client_for(alice).post(share_url(patient), email_post(supports))
    assert response.status_code == 400
    assert "The e-mail could not be sent; try again later." in response.content.decode()
    assert not SupportOffer.objects.exists()
    assert "chloe@example.org" not in caplog.text
    assert "Chloé" not in caplog.text


# -- the FSA list, without a patient ------------------------------------------------------


def test_an_fsa_list_records_nothing(client_for, alice, patient, supports):
    response = client_for(alice).get(
        reverse("interim_supports:print_list"), {"fsa": "M4C", "language": "fr"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Clinique sans rendez-vous Lakeshore" in content
    assert "East End" not in content  # the list language filters too
    assert content.index('class="print-column" lang="fr"') < content.index(
        'class="print-column" lang="en"'
    )
    assert not SupportOffer.objects.exists()
    assert not AuditEvent.objects.filter(patient_id__isnull=False).exists()
    assert "Chloé" not in content


def test_an_fsa_list_keeps_to_one_page(client_for, bob, oht_b):
    for number in range(10):
        make_support(oht_b, f"Support {number:02}", fsas_served="K1N", languages="fr")
    response = client_for(bob).get(
        reverse("interim_supports:print_list"), {"fsa": "K1N", "language": "fr"}
    )
    assert len(response.context["entries"]) == 8
    assert response.context["more"] == 2


def test_an_fsa_list_shows_only_the_persons_supports(client_for, bob, supports):
    response = client_for(bob).get(reverse("interim_supports:print_list"), {"language": "fr"})
    content = response.content.decode()
    assert "Rideau Walk-in" in content
    assert "Lakeshore" not in content


def test_date_of_birth_sets_the_age(client_for, alice, oht_a, supports):
    teen = make_patient(oht_a, "HCC1000000003", date_of_birth=date(2010, 1, 1))
    assert "Youth Wellness" in ranked_names(client_for(alice).get(page_url(teen)))
