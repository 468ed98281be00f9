"""The public page of an OHT's supports: no sign-in, a 404 until the OHT publishes it,
active supports only, English or French, and never anything about a patient."""

import pytest
import time_machine
from django.urls import reverse

from interim_supports.choices import OfferChannel
from interim_supports.services import public_page_set, support_offer_record
from tests.conftest import make_patient
from tests.interim_supports.conftest import make_support

pytestmark = pytest.mark.django_db

NOON = "2026-11-23 12:00-05:00"  # a Monday


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOON, tick=False):
        yield


def public_url(code="OHT101"):
    return reverse("public_supports", args=[code])


@pytest.fixture
def supports(oht_a, oht_b):
    return {
        "clinic": make_support(
            oht_a,
            "Lakeshore Walk-in",
            name_fr="Clinique sans rendez-vous Lakeshore",
            fsas_served="M4C",
            walk_in=True,
            hours=[(0, "08:00", "20:00"), (4, "20:00", "02:00")],
        ),
        "health811": make_support(oht_b, "Health811", name_fr="Santé 811", province_wide=True),
        "closed": make_support(oht_a, "Paused Clinic", status="temporarily closed"),
        "inactive": make_support(oht_a, "Old Clinic", status="inactive"),
        "other": make_support(oht_b, "Rideau Walk-in", fsas_served="K1N"),
    }


def test_the_page_is_a_404_until_the_oht_publishes_it(client, oht_a, supports):
    assert client.get(public_url()).status_code == 404
    public_page_set(oht=oht_a, enabled=False, intro_en="Soon.")
    assert client.get(public_url()).status_code == 404
    assert client.get(public_url("OHT999")).status_code == 404


def test_a_published_page_lists_active_supports_without_sign_in(client, oht_a, supports):
    public_page_set(oht=oht_a, enabled=True, intro_en="Care near you.", intro_fr="Près de vous.")
    response = client.get(public_url(), headers={"accept-language": "en"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Care near you." in content
    assert "Lakeshore Walk-in" in content and "Health811" in content
    assert "20:00–02:00 (next day)" in content
    for hidden in ("Paused Clinic", "Old Clinic", "Rideau Walk-in"):
        assert hidden not in content
    # No staff navigation on it.
    for staff in ("Sign out", "Waitlist", reverse("interim_supports:support_list")):
        assert staff not in content
    assert response["Content-Language"] == "en"


def test_the_language_switch_shows_the_french_page(client, oht_a, supports):
    public_page_set(oht=oht_a, enabled=True, intro_en="Care near you.", intro_fr="Près de vous.")
    response = client.get(public_url(), {"lang": "fr"})
    content = response.content.decode()
    assert "Clinique sans rendez-vous Lakeshore" in content and "Santé 811" in content
    assert "Près de vous." in content and "Care near you." not in content
    assert '<html lang="fr">' in content
    assert 'href="?lang=en"' in content
    assert response["Content-Language"] == "fr"


def test_an_fsa_puts_the_closest_first(client, oht_a, supports):
    make_support(oht_a, "Beach Clinic", fsas_served="M4E")
    public_page_set(oht=oht_a, enabled=True)
    response = client.get(public_url(), {"fsa": "m4e", "lang": "en"})
    content = response.content.decode()
    assert content.index("Beach Clinic") < content.index("Lakeshore Walk-in")


def test_the_page_shows_no_patient_data_even_when_offers_exist(client, alice, oht_a, supports):
    patient = make_patient(oht_a, "HCC1000000001", given_name="Chloé", family_name="Tremblay")
    support_offer_record(
        patient=patient,
        services=[supports["clinic"]],
        channel=OfferChannel.PRINTED,
        language="fr",
        actor=alice,
    )
    public_page_set(oht=oht_a, enabled=True)
    for language in ("en", "fr"):
        content = client.get(public_url(), {"lang": language}).content.decode()
        for private in ("HCC1000000001", "Chloé", "Tremblay", "alice@example.org", "Alice"):
            assert private not in content
