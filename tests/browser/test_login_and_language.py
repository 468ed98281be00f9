"""A person signs in with password and TOTP, then switches the portal to French."""

import pytest

from tests.conftest import PASSWORD, current_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_signs_in_and_switches_language(live_server, page, alice):
    page.goto(f"{live_server.url}/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.locator("input[name=code]").fill(current_totp(alice.totp_secret))
    page.get_by_role("button", name="Sign In").click()

    page.wait_for_selector("h1:has-text('Welcome')")
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("button", name="Français").click()
    page.wait_for_selector("html[lang='fr']")
    assert page.get_by_role("link", name="Passer au contenu principal").count() == 1
    assert "Liste d’attente" in page.locator("nav").inner_text()

    # The choice is remembered on the next visit.
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang='en']")
