"""Issue 6 in the browser: from a French-speaking patient's page, staff find the
French-language supports for the patient's FSA, print the list (in French first) and
find the offer on the patient's timeline."""

import re

import pytest
from playwright.sync_api import expect

from interim_supports.models import SupportOffer
from tests.browser.test_waitlist_workflow import sign_in
from tests.conftest import make_patient
from tests.interim_supports.conftest import make_support

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_find_french_supports_for_a_patient_print_them_and_see_the_offer(
    live_server, page, alice, oht_a, oht_b
):
    chloe = make_patient(oht_a, "HCC1000000001", fsa="M4C", preferred_language="fr")
    french = make_support(
        oht_a,
        "Lakeshore Francophone Clinic",
        name_fr="Clinique francophone Lakeshore",
        description_fr="Une infirmière praticienne vous reçoit sans rendez-vous.",
        fsas_served="M4C",
        languages="fr;en",
        walk_in=True,
    )
    make_support(oht_a, "East End English Clinic", fsas_served="M4C", languages="en")
    make_support(oht_a, "Beach French Clinic", fsas_served="M4E", languages="fr")
    make_support(oht_b, "Rideau Walk-in", fsas_served="K1N", languages="fr")
    base = live_server.url

    sign_in(page, base, alice)

    # 1. From the patient's page to the supports ranked for Chloé's FSA and language.
    page.goto(f"{base}/patients/{chloe.pk}/")
    page.get_by_role("link", name="Find supports for this patient").click()
    page.wait_for_selector("h1:has-text('Interim supports for Tremblay, Chloé')")
    rows = page.locator("#support-table tbody tr")
    expect(rows.first).to_contain_text("Lakeshore Francophone Clinic")
    expect(rows.first).to_contain_text("serves this FSA · offers this language")
    table = page.locator("#support-table")
    expect(table).to_contain_text("East End English Clinic")  # below: English only
    expect(table).not_to_contain_text("Rideau Walk-in")  # another OHT's

    # 2. French-language supports for M4C only.
    page.locator("form.filters [name=fsa]").fill("M4C")
    page.locator("form.filters [name=language]").fill("fr")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"language=fr"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lakeshore Francophone Clinic")
    for absent in ("East End English Clinic", "Beach French Clinic"):
        expect(table).not_to_contain_text(absent)

    # 3. Chosen and printed, in French (the patient's language) first.
    page.get_by_label("Lakeshore Francophone Clinic").check()
    expect(page.locator("#share-form [name=language]")).to_have_value("fr")
    page.get_by_role("button", name="Print the list").click()
    page.wait_for_selector("#print-sheet")
    first = page.locator("#print-sheet .print-support .print-column").first
    expect(first).to_have_attribute("lang", "fr")
    expect(first).to_contain_text("Clinique francophone Lakeshore")
    expect(first).to_contain_text("Une infirmière praticienne vous reçoit sans rendez-vous.")
    expect(page.locator("#print-sheet")).to_contain_text("Lakeshore Francophone Clinic")
    expect(page.locator("#print-sheet")).not_to_contain_text("HCC1000000001")
    offer = SupportOffer.objects.get()
    assert (offer.channel, offer.language) == ("printed", "fr")
    assert list(offer.services.all()) == [french]

    # The printed page leaves out the portal's menus.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".print-toolbar")).to_be_hidden()
    page.emulate_media(media="screen")

    # 4. Back on the patient's page, the offer is on the timeline.
    page.get_by_role("link", name="Back to the patient's page").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Interim supports offered")
    expect(timeline).to_contain_text("Lakeshore Francophone Clinic")
    expect(timeline).to_contain_text("Printed list")
    expect(timeline).to_contain_text("Alice Staff")
