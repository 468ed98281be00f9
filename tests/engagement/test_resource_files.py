"""Files in the resource library: uploaded by staff, opened by clinicians from an
e-mail without an account, through the message's tracked link."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagement.models import Resource
from engagement.services import message_send
from tests.engagement.conftest import make_message

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% a small guide\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_BASE_URL = "https://portal.example.ca"


def upload(client, **fields):
    data = {
        "oht": "",
        "title_en": "Panel guide",
        "title_fr": "Guide du panel",
        "language": "both",
        "audience": "clinicians",
        "active": "on",
        **fields,
    }
    return client.post(reverse("engagement:resource_create"), data)


def test_staff_upload_a_file_that_opens_without_an_account(client_for, alice, oht_a, client):
    data = {"oht": oht_a.pk, "file": SimpleUploadedFile("guide.pdf", PDF, "application/pdf")}
    response = upload(client_for(alice), **data)
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.url == "" and resource.file.name.endswith("/guide.pdf")
    assert resource.link == f"https://portal.example.ca/e/r/{resource.key}/"

    opened = client.get(reverse("engagement_resource_file", kwargs={"key": resource.key}))
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == PDF
    assert 'filename="guide.pdf"' in opened["Content-Disposition"]

    Resource.objects.filter(pk=resource.pk).update(active=False)
    gone = client.get(reverse("engagement_resource_file", kwargs={"key": resource.key}))
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "fields, error",
    [
        ({}, "either an address or a file"),
        (
            {
                "url": "https://example.org/guide",
                "file": SimpleUploadedFile("guide.pdf", PDF, "application/pdf"),
            },
            "either an address or a file",
        ),
        (
            {"file": SimpleUploadedFile("page.html", b"<script>", "text/html")},
            "not allowed",
        ),
    ],
)
def test_the_form_wants_an_address_or_a_safe_file(client_for, alice, oht_a, fields, error):
    response = upload(client_for(alice), oht=oht_a.pk, **fields)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Resource.objects.exists()


def test_a_file_larger_than_ten_megabytes_is_refused(client_for, alice, oht_a):
    big = SimpleUploadedFile("big.pdf", b"0" * (10 * 1024 * 1024 + 1), "application/pdf")
    response = upload(client_for(alice), oht=oht_a.pk, file=big)
    assert "larger than 10 MB" in response.content.decode()
    assert not Resource.objects.exists()


def test_an_email_links_a_file_through_its_tracked_link(
    directory, oht_a, alice, client, django_capture_on_commit_callbacks
):
    resource = Resource(
        oht=oht_a,
        title_en="Panel guide",
        title_fr="Guide du panel",
        language="both",
        audience="clinicians",
    )
    resource.file.save("guide.pdf", SimpleUploadedFile("guide.pdf", PDF), save=True)
    message = make_message(oht_a, alice)
    message.resources.add(resource)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(message=message, actor=alice)

    tracked = message.tracked_links.get(url=resource.link)
    recipient = message.recipients.exclude(status="no_email").first()
    click = f"/e/c/{recipient.token}/{tracked.pk}/"
    assert any(f"https://portal.example.ca{click}" in sent.body for sent in mail.outbox)
    followed = client.get(click)
    assert followed.status_code == 302 and followed["Location"] == resource.link
