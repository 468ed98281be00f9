"""Step 1 in the browser: filter the waitlist, open a patient, record a call and a
verification result, then do it again in French."""

import re

import pytest
from playwright.sync_api import expect

from attachment.models import OutreachAttempt, Verification
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.conftest import PASSWORD, current_totp, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILTER_SUBMIT = "form[role=search] button[type=submit], form.filters button[type=submit]"


def sign_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.locator("input[name=code]").fill(current_totp(user.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_selector("h1:has-text('Welcome')")


def search_waitlist(page, base_url: str, text: str) -> None:
    page.goto(f"{base_url}/patients/")
    page.locator("[name=q]").fill(text)
    page.locator(FILTER_SUBMIT).first.click()
    page.wait_for_url(re.compile(r"[?&]q="))


def test_it_filters_opens_a_patient_and_records_a_call_and_a_result(
    live_server, page, alice, oht_a, oht_b
):
    chloe = make_patient(oht_a, "HCC1000000001", phone="4165550100")
    marc = make_patient(oht_a, "HCC1000000002", given_name="Marc", family_name="Gagnon")
    make_patient(oht_a, "HCC1000000003", given_name="Élise", family_name="Roy")
    make_patient(oht_b, "HCC2000000001", given_name="Owen", postal_code="K1N5T5", fsa="K1N")
    base = live_server.url

    sign_in(page, base, alice)

    # The waitlist, filtered: only OHT A's Tremblay.
    search_waitlist(page, base, "Tremblay")
    table = page.locator("main table").first
    expect(table).to_contain_text("HCC1000000001")
    expect(table).not_to_contain_text("HCC2000000001")
    expect(table).not_to_contain_text("HCC1000000002")

    # The patient page.
    page.get_by_role("link", name="HCC1000000001").click()
    page.wait_for_selector("h1:has-text('Tremblay, Chloé')")
    expect(page.locator("#next-step")).to_have_text("Send the outreach letter and messages")
    expect(page.locator("#priority-reason")).to_contain_text("months waiting")

    # A phone call that reached the patient.
    page.locator("[name=attempt-channel]").select_option("phone")
    page.locator("[name=attempt-status]").select_option("reached")
    page.locator("[name=attempt-note]").fill("Reached on the first call")
    page.locator("#attempt-form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Outreach attempt recorded.")
    expect(page.locator("#outreach-state")).to_have_text("Reached by phone")
    expect(page.locator("#next-step")).to_have_text("Record the verification result")
    expect(page.locator("#timeline")).to_contain_text("Reached on the first call")

    # The verification result: still needs care, in French.
    page.locator("[name=verification-result]").select_option("still_needs_care")
    page.locator("[name=verification-needs_language]").select_option("fr")
    page.locator("[name=verification-needs_mobility]").check()
    page.locator("#verification-form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Verification result recorded.")
    expect(page.locator("#verification-state")).to_contain_text("Still needs a clinician")
    expect(page.locator("#next-step")).to_have_text("Ready to match with a clinician")
    expect(page.locator("#timeline")).to_contain_text("Language of care: French (fr)")

    # The worklist now counts the patient as ready to match.
    page.goto(f"{base}/patients/worklist/?list=match")
    expect(page.locator("main table")).to_contain_text("HCC1000000001")
    expect(page.locator("[data-list=match] .count")).to_have_text("1")

    # In French: another patient, another call.
    page.get_by_role("button", name="Français").click()
    page.wait_for_selector("html[lang='fr']")
    expect(page.locator("nav").first).to_contain_text("Liste d’attente")
    search_waitlist(page, base, "Gagnon")
    page.get_by_role("link", name="HCC1000000002").click()
    page.wait_for_selector("h1:has-text('Gagnon, Marc')")
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.get_by_role("link", name="Accueil")).to_have_count(1)
    page.locator("[name=attempt-channel]").select_option("phone")
    page.locator("[name=attempt-status]").select_option("no_answer")
    page.locator("[name=attempt-note]").fill("Pas de réponse au premier appel")
    page.locator("#attempt-form button[type=submit]").click()
    page.wait_for_selector(".messages")
    expect(page.locator("#timeline")).to_contain_text("Pas de réponse au premier appel")
    assert page.locator("html").get_attribute("lang") == "fr"

    # The database agrees, and the audit trail saw every step.
    call = OutreachAttempt.objects.get(patient=chloe)
    assert (call.channel, call.status, call.recorded_by) == ("phone", "reached", alice)
    verification = Verification.objects.get(patient=chloe)
    assert (verification.result, verification.needs_language) == ("still_needs_care", "fr")
    assert verification.needs_mobility is True
    chloe.refresh_from_db()
    assert chloe.next_step == "match"
    french_call = OutreachAttempt.objects.get(patient=marc)
    assert (french_call.status, french_call.note) == (
        "no_answer",
        "Pas de réponse au premier appel",
    )
    assert not OutreachAttempt.objects.filter(patient__oht=oht_b).exists()

    audit = AuditEvent.objects.filter(actor_id=alice.pk)
    assert audit.filter(action=AuditAction.VIEW, patient_id=chloe.pk).exists()
    assert audit.filter(action=AuditAction.VIEW, patient_id=marc.pk).exists()
    created = audit.filter(action=AuditAction.CREATE)
    assert set(created.values_list("object_type", "patient_id")) == {
        ("attachment.outreachattempt", chloe.pk),
        ("attachment.verification", chloe.pk),
        ("attachment.outreachattempt", marc.pk),
    }
    assert audit.filter(action=AuditAction.LIST, patient_id=chloe.pk).exists()
    assert not audit.filter(oht_code="OHT102").exists()
