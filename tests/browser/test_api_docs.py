"""The served API docs (/api/v1/docs/) in a real browser: Swagger UI renders the
portal's operations from the sidecar's files, with no request to another host and no
script or style refused by the Content-Security-Policy."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.test_waitlist_workflow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_loads_from_the_portal_alone(live_server, page, carol):
    base = live_server.url
    sign_in(page, base, carol)
    hosts, refused = set(), []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(f"{base}/api/v1/docs/")

    # Operations of the portal's own schema, rendered by Swagger UI's scripts.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("OHT Attachment Portal API")
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/patients/").first
    ).to_be_visible()
    assert hosts == {urlsplit(base).netloc}, hosts
    assert refused == []
