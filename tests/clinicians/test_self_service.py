"""The clinician's self-service page behind the signed link, and the staff button that
e-mails the link."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from clinicians.choices import AcceptingStatus, DeclarationChannel, LinkPurpose
from clinicians.links import link_issue, link_path, link_revoke
from clinicians.models import CapacityDeclaration, ClinicianLink, ClinicianLinkUse
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.models import AuditEvent
from tests.conftest import make_clinician, make_location

pytestmark = pytest.mark.django_db

Action = ClinicianLinkUse.Action


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError


@pytest.fixture
def clinician():
    return make_clinician("30001", given_name="Amélie", family_name="Gagnon")


@pytest.fixture
def location(oht_a, clinician):
    location = make_location(oht_a, clinician, practice_name="Lakeshore Family Practice")
    declare(location)
    return location


def declare(location, places=5):
    return capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=AcceptingStatus.ACCEPTING, new_patients=places),
        channel=DeclarationChannel.STAFF,
    )


@pytest.fixture
def link(clinician, oht_a, location):
    return link_issue(clinician=clinician, oht=oht_a, purpose=LinkPurpose.CAPACITY)


@pytest.fixture
def anonymous():
    # CSRF is enforced, as for a real visitor: forms post the token from the page.
    return Client(enforce_csrf_checks=True)


def csrf_post(client, url, data):
    """POST as a browser would: with the CSRF token the page set."""
    client.get(url)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def capacity_data(location, **overrides):
    prefix = f"loc{location.pk}"
    data = {
        "action": "update",
        "location": location.pk,
        f"{prefix}-accepting_status": AcceptingStatus.ACCEPTING,
        f"{prefix}-new_patients": "12",
        f"{prefix}-min_age": "",
        f"{prefix}-max_age": "",
        f"{prefix}-languages": "fr",
        f"{prefix}-takes_complex": "on",
        f"{prefix}-batch_size": "",
        f"{prefix}-note": "",
        f"{prefix}-declared_by_name": "Claire Manager",
        f"{prefix}-languages_local": "fr;ar",
        f"{prefix}-serves_remote": "true",
        f"{prefix}-virtual_care": "unknown",
        f"{prefix}-wheelchair_accessible": "true",
    }
    data.update(overrides)
    return data


def test_it_shows_the_clinicians_locations_of_that_oht_only(
    anonymous, link, location, clinician, oht_b
):
    elsewhere = make_location(oht_b, clinician, practice_name="Rideau Clinic")
    other = make_location(location.oht, make_clinician("30002"), practice_name="Other Practice")
    response = anonymous.get(link_path(link))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lakeshore Family Practice" in body
    assert date_format(location.current_declaration.expires_on) in body
    assert elsewhere.practice_name not in body
    assert other.practice_name not in body
    assert ClinicianLinkUse.objects.filter(link=link, action=Action.OPENED).count() == 1


def test_it_shows_no_staff_navigation_to_the_visitor(anonymous, link):
    body = anonymous.get(link_path(link)).content.decode()
    assert reverse("clinicians:location_list") not in body
    assert "Sign out" not in body


def test_an_expired_link_is_refused_without_the_clinicians_data(anonymous, link):
    url = link_path(link)
    with time_machine.travel(timezone.now() + timedelta(days=settings.CLINICIAN_LINK_DAYS + 1)):
        response = anonymous.get(url)
    body = response.content.decode()
    assert response.status_code == 403
    assert "expired" in body
    assert "Gagnon" not in body
    assert "Lakeshore Family Practice" not in body
    assert ClinicianLinkUse.objects.filter(link=link, action=Action.REFUSED).count() == 1
    assert not ClinicianLinkUse.objects.filter(action=Action.OPENED).exists()


def test_a_tampered_token_is_refused(anonymous, link, clinician):
    url = link_path(link)
    response = anonymous.get(url.replace(":", ":x", 1))
    assert response.status_code == 403
    assert "not valid" in response.content.decode()
    assert "Gagnon" not in response.content.decode()
    assert ClinicianLinkUse.objects.filter(action=Action.REFUSED, reason="tampered").exists()


def test_another_clinicians_token_does_not_open_this_clinicians_page(
    anonymous, link, clinician, oht_a
):
    other = make_clinician("30002")
    make_location(oht_a, other)
    other_link = link_issue(clinician=other, oht=oht_a, purpose=LinkPurpose.CAPACITY)
    token = link_path(other_link).rstrip("/").rsplit("/", 1)[1]
    response = anonymous.get(
        reverse("clinician_link", kwargs={"clinician_id": clinician.pk, "token": token})
    )
    assert response.status_code == 403
    assert "Gagnon" not in response.content.decode()


def test_a_revoked_link_is_refused(anonymous, link):
    link_revoke(link=link)
    response = anonymous.get(link_path(link))
    assert response.status_code == 403
    assert "withdrawn" in response.content.decode()


def test_a_post_through_a_refused_link_changes_nothing(anonymous, link, location):
    url = link_path(link)
    link_revoke(link=link)
    response = csrf_post(anonymous, url, capacity_data(location))
    assert response.status_code == 403
    assert CapacityDeclaration.objects.count() == 1


def test_confirm_unchanged_moves_the_expiry_and_is_recorded(anonymous, link, location):
    declaration = location.current_declaration
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        response = csrf_post(
            anonymous,
            link_path(link),
            {"action": "confirm", "location": location.pk, "declaration": declaration.pk},
        )
        assert response.status_code == 302
        page = anonymous.get(response.url).content.decode()
    old_expiry = declaration.expires_on
    declaration.refresh_from_db()
    assert declaration.expires_on == old_expiry + timedelta(days=10)
    assert CapacityDeclaration.objects.count() == 1
    use = ClinicianLinkUse.objects.get(action=Action.CONFIRMED)
    assert (use.link, use.detail) == (link, {"location": location.pk})
    assert "Thank you" in page


def test_confirm_refuses_figures_that_changed_meanwhile(anonymous, link, location):
    shown = location.current_declaration
    declare(location, places=2)
    response = csrf_post(
        anonymous,
        link_path(link),
        {"action": "confirm", "location": location.pk, "declaration": shown.pk},
    )
    assert response.status_code == 409
    assert not ClinicianLinkUse.objects.filter(action=Action.CONFIRMED).exists()


def test_update_declares_new_figures_through_self_service(anonymous, link, location):
    response = csrf_post(anonymous, link_path(link), capacity_data(location))
    assert response.status_code == 302
    location.refresh_from_db()
    declaration = location.current_declaration
    assert (declaration.new_patients, declaration.languages) == (12, "fr")
    assert declaration.channel == DeclarationChannel.SELF_SERVICE
    assert declaration.declared_by_name == "Claire Manager"
    assert declaration.declared_by is None
    assert (location.languages_local, location.serves_remote) == ("fr;ar", True)
    assert location.wheelchair_accessible is True
    use = ClinicianLinkUse.objects.get(action=Action.UPDATED)
    assert use.link == link
    assert use.detail["location"] == location.pk
    assert AuditEvent.objects.filter(
        object_type="clinicians.capacitydeclaration", object_id=str(declaration.pk)
    ).exists()


def test_update_requires_the_name_of_who_declares(anonymous, link, location):
    data = capacity_data(location, **{f"loc{location.pk}-declared_by_name": ""})
    response = csrf_post(anonymous, link_path(link), data)
    assert response.status_code == 400
    assert CapacityDeclaration.objects.count() == 1
    assert not ClinicianLinkUse.objects.filter(action=Action.UPDATED).exists()


def test_a_post_for_another_clinicians_location_is_refused_and_recorded(
    anonymous, link, location, oht_a
):
    other = make_location(oht_a, make_clinician("30002"), practice_name="Other Practice")
    declare(other)
    before = other.current_declaration
    data = capacity_data(other)
    response = csrf_post(anonymous, link_path(link), data)
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.current_declaration == before
    assert other.languages_local == ""
    use = ClinicianLinkUse.objects.get(action=Action.REFUSED)
    assert (use.link, use.reason, use.detail) == (
        link,
        "other_location",
        {"location": str(other.pk)},
    )


def test_a_post_for_own_location_in_another_oht_is_refused(
    anonymous, link, clinician, location, oht_b
):
    elsewhere = make_location(oht_b, clinician, practice_name="Rideau Clinic")
    declare(elsewhere)
    data = {
        "action": "confirm",
        "location": elsewhere.pk,
        "declaration": elsewhere.current_declaration_id,
    }
    response = csrf_post(anonymous, link_path(link), data)
    assert response.status_code == 404
    assert not ClinicianLinkUse.objects.filter(action=Action.CONFIRMED).exists()


def test_the_clinician_updates_their_own_details(anonymous, link, clinician):
    data = {
        "action": "about",
        "about-paediatrics": "true",
        "about-french_language_services": "true",
        "about-correspondence_language": "fr",
    }
    response = csrf_post(anonymous, link_path(link), data)
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert (clinician.paediatrics, clinician.french_language_services) == (True, True)
    assert clinician.correspondence_language == "fr"
    use = ClinicianLinkUse.objects.get(action=Action.UPDATED)
    assert sorted(use.detail["fields"]) == [
        "correspondence_language",
        "french_language_services",
        "paediatrics",
    ]


def test_the_page_speaks_french_to_a_francophone_and_switches(anonymous, link, clinician):
    clinician.correspondence_language = "fr"
    clinician.save()
    url = link_path(link)
    response = anonymous.get(url)
    assert response.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()
    assert "Passer au contenu principal" in response.content.decode()
    token = anonymous.cookies[settings.CSRF_COOKIE_NAME].value
    switched = anonymous.post(
        reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302
    assert '<html lang="en">' in anonymous.get(url).content.decode()


def test_the_page_defaults_to_english_for_an_anglophone(anonymous, link):
    assert '<html lang="en">' in anonymous.get(link_path(link)).content.decode()


# --- Staff: e-mail the link ------------------------------------------------------------


def send_url(location):
    return reverse("clinicians:link_send", kwargs={"pk": location.pk})


def test_staff_e_mail_a_link_that_works(client_for, alice, location, clinician):
    clinician.correspondence_language = "fr"
    clinician.save()
    response = client_for(alice).post(send_url(location))
    assert response.status_code == 302
    assert response.url == reverse("clinicians:location_detail", kwargs={"pk": location.pk})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [clinician.email]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Équipe Lakeshore East" in message.subject
    assert "Bonjour Amélie Gagnon" in message.body
    link = ClinicianLink.objects.get()
    assert (link.issued_by, link.sent_to, link.oht) == (alice, clinician.email, location.oht)
    assert AuditEvent.objects.filter(
        object_type="clinicians.clinicianlink", object_id=str(link.pk), actor_id=alice.pk
    ).exists()
    path = re.search(r"https?://[^/\s]+(/c/\S+)", message.body).group(1)
    visitor = Client()
    assert visitor.get(path).status_code == 200


def test_bob_cannot_send_a_link_for_another_ohts_location(client_for, bob, location):
    assert client_for(bob).post(send_url(location)).status_code == 404
    assert not ClinicianLink.objects.exists()
    assert mail.outbox == []


def test_a_care_connector_cannot_send_a_link(client_for, carol, location):
    assert client_for(carol).post(send_url(location)).status_code == 404
    assert not ClinicianLink.objects.exists()


def test_sending_needs_a_post(client_for, alice, location):
    assert client_for(alice).get(send_url(location)).status_code == 405


def test_no_link_for_a_clinician_without_an_e_mail(client_for, alice, location, clinician):
    clinician.email = ""
    clinician.save()
    client = client_for(alice)
    response = client.post(send_url(location), follow=False)
    assert response.status_code == 302
    assert not ClinicianLink.objects.exists()
    assert mail.outbox == []
    stored = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("no e-mail address" in text for text in stored)


def test_a_failed_send_leaves_no_link(client_for, alice, location, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    response = client_for(alice).post(send_url(location))
    assert response.status_code == 302
    assert not ClinicianLink.objects.exists()
    assert not AuditEvent.objects.filter(object_type="clinicians.clinicianlink").exists()
