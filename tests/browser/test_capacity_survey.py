"""Issue 5 in the browser: staff find French-speaking paediatric capacity in an FSA,
send those clinicians a capacity survey, and the clinician answers it through the
e-mailed link, without an account, in French."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from clinicians.choices import AcceptingStatus, DeclarationChannel
from clinicians.models import CapacityDeclaration
from clinicians.services import CapacityFigures, capacity_declare
from engagement.models import Recipient
from tests.browser.test_waitlist_workflow import sign_in
from tests.conftest import make_clinician, make_location

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SURVEY_URL = re.compile(r"https?://\S+/e/s/\d+/\S+/")


def declare(location, places):
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=AcceptingStatus.ACCEPTING, new_patients=places),
        channel=DeclarationChannel.STAFF,
    )


def test_staff_find_french_paediatric_capacity_survey_it_and_the_clinician_answers(
    live_server, browser, page, alice, oht_a, oht_b, settings
):
    settings.PORTAL_BASE_URL = live_server.url
    helene = make_clinician(
        "50001",
        given_name="Hélène",
        family_name="Lavoie",
        languages="fr;en",
        paediatrics=True,
        correspondence_language="fr",
    )
    target = make_location(oht_a, helene, fsa="M4C", practice_name="Clinique Lavoie")
    declare(target, 5)
    # Each of these misses one criterion: not French, not paediatric, another FSA.
    for number, name, fields, fsa in [
        ("50002", "English Kids Clinic", {"paediatrics": True}, "M4C"),
        ("50003", "Clinique Adultes", {"languages": "fr"}, "M4C"),
        ("50004", "Clinique Est", {"languages": "fr", "paediatrics": True}, "M4E"),
    ]:
        declare(
            make_location(oht_a, make_clinician(number, **fields), fsa=fsa, practice_name=name), 3
        )
    # Another OHT's French paediatric clinic in the same FSA is never shown.
    make_location(
        oht_b,
        make_clinician("50005", languages="fr", paediatrics=True),
        fsa="M4C",
        practice_name="Clinique Ailleurs",
    )
    base = live_server.url

    sign_in(page, base, alice)

    # 1. The directory, filtered to French-speaking paediatric capacity in M4C.
    page.get_by_role("link", name="Clinicians").first.click()
    page.locator("form.filters [name=fsa]").fill("M4C")
    page.locator("form.filters [name=french_services]").select_option("true")
    page.locator("form.filters [name=paediatrics]").select_option("true")
    page.locator("form.filters [name=min_remaining]").fill("1")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"french_services=true"))
    results = page.locator("main table").first
    expect(results).to_contain_text("Clinique Lavoie")
    for other in ["English Kids Clinic", "Clinique Adultes", "Clinique Est", "Clinique Ailleurs"]:
        expect(results).not_to_contain_text(other)

    # 2. Saved as a report to re-run.
    page.locator("summary", has_text="Save these filters as a report").click()
    page.locator("#report-form [name=name]").fill("French paediatric M4C")
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator(".saved-reports")).to_contain_text("French paediatric M4C")

    # 3. A capacity survey to the clinicians of that report.
    page.get_by_role("link", name="Engagement").first.click()
    page.get_by_role("link", name="New message").click()
    page.locator("[name=kind]").select_option("survey")
    page.locator("[name=subject_en]").fill("Can you take new patients?")
    page.locator("[name=subject_fr]").fill("Pouvez-vous accueillir de nouveaux patients ?")
    page.locator("[name=body_en]").fill("Please tell us your capacity for this quarter.")
    page.locator("[name=body_fr]").fill("Merci d'indiquer votre capacité pour ce trimestre.")
    page.get_by_role("button", name="Save the draft").click()

    page.wait_for_selector("h1:has-text('Choose the clinicians')")
    page.locator("[name=report]").select_option(label="French paediatric M4C")
    page.get_by_role("button", name="Use these filters").click()
    expect(page.locator(".badge")).to_have_text("1 clinician")
    page.get_by_role("button", name="Save these filters").click()

    page.get_by_role("link", name=re.compile(r"0 questions")).click()
    page.locator("[name=kind]").select_option("capacity")
    page.locator("[name=text_en]").fill("Your capacity for new patients")
    page.locator("[name=text_fr]").fill("Votre capacité pour de nouveaux patients")
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator("main table")).to_contain_text("Your capacity for new patients")

    page.get_by_role("link", name="Back to the message").click()
    page.get_by_role("link", name="Send…").click()
    expect(page.locator("main")).to_contain_text("1 clinician will get it by e-mail now.")
    page.get_by_role("button", name="Send now").click()
    page.wait_for_selector("#metrics-heading")

    # One e-mail, to Hélène, in French, with her survey link.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [helene.email]
    assert email.subject == "Pouvez-vous accueillir de nouveaux patients ?"
    survey_url = SURVEY_URL.search(email.body).group(0)

    # 4. Hélène answers through the link, without an account.
    clinician_context = browser.new_context(locale="fr-CA")
    clinician_page = clinician_context.new_page()
    clinician_page.goto(survey_url)
    expect(clinician_page.locator("h1")).to_have_text(
        "Pouvez-vous accueillir de nouveaux patients ?"
    )
    expect(clinician_page.locator("main")).to_contain_text("Clinique Lavoie")
    prefix = clinician_page.locator("select[name$='-accepting_status']").get_attribute("name")
    prefix = prefix.removesuffix("-accepting_status")
    clinician_page.locator(f"[name='{prefix}-accepting_status']").select_option("newpt")
    clinician_page.locator(f"[name='{prefix}-new_patients']").fill("8")
    clinician_page.locator(f"[name='{prefix}-max_age']").fill("17")
    clinician_page.locator("[name=respondent]").fill("Hélène Lavoie")
    clinician_page.locator("main form button[type=submit]").click()
    expect(clinician_page.locator("main")).to_contain_text("Merci")
    clinician_context.close()

    declaration = CapacityDeclaration.objects.filter(location=target).latest()
    assert (declaration.channel, declaration.new_patients, declaration.max_age) == (
        DeclarationChannel.SURVEY,
        8,
        17,
    )
    assert declaration.declared_by_name == "Hélène Lavoie"
    assert Recipient.objects.get().answered_at is not None

    # 5. Staff see the answer counted and the new capacity on the location.
    page.reload()
    expect(page.locator("main table").first).to_contain_text("1 (100 %)")
    page.goto(f"{base}/clinicians/locations/{target.pk}/")
    expect(page.locator("main")).to_contain_text("Hélène Lavoie")
