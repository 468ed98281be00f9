"""The three ways in (upload page, inbox task, command) and the pages of a run."""

import os
import time
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from attachment.models import Patient
from oht_portal.models import ImportRun
from oht_portal.tasks import extract_inbox_scan

pytestmark = pytest.mark.django_db

HEADER = (
    "hcc_id,oht_code,registration_date,given_name,family_name,date_of_birth,"
    "postal_code,complex_vulnerable,status\n"
)


def waitlist_csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


GOOD_ROW = "HCC1000000001,OHT101,2024-03-01,Chloé,Tremblay,1980-02-03,M4C 1A1,N,active"
BAD_ROW = "HCC1000000002,OHT101,2024-03-01,,Tremblay,1980-02-03,M4C 1A1,N,active"


def test_staff_upload_a_file_and_see_the_result(
    client_for, alice, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    upload = SimpleUploadedFile(
        "hcc_waitlist_OHT101_20250930.csv", waitlist_csv(GOOD_ROW, BAD_ROW), "text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("import_run_list"), {"file": upload})
    assert len(callbacks) == 1
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("import_run_detail", args=[run.pk])
    run.refresh_from_db()
    assert run.trigger == ImportRun.Trigger.UPLOAD
    assert run.started_by == alice
    assert (run.status, run.rows_created, run.rows_rejected) == ("succeeded", 1, 1)
    page = client.get(response.url).content.decode()
    assert "required value is missing" in page
    assert Patient.objects.filter(hcc_id="HCC1000000001").exists()


def test_the_issues_download_lists_every_rejection(client_for, alice, tmp_path):
    from oht_portal.imports.pipeline import import_file

    path = tmp_path / "hcc_waitlist_OHT101_20250930.csv"
    path.write_bytes(waitlist_csv(GOOD_ROW, BAD_ROW))
    run = import_file(path, trigger="command", user=alice)
    response = client_for(alice).get(reverse("import_run_issues_csv", args=[run.pk]))
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "3,given_name," in body


def test_people_without_the_staff_role_cannot_upload(client_for, peter):
    upload = SimpleUploadedFile("x.csv", waitlist_csv(GOOD_ROW), "text/csv")
    response = client_for(peter).post(reverse("import_run_list"), {"file": upload})
    assert response.status_code == 403
    assert not ImportRun.objects.exists()


def test_another_ohts_staff_cannot_open_a_run(client_for, alice, bob, tmp_path):
    from oht_portal.imports.pipeline import import_file

    path = tmp_path / "hcc_waitlist_OHT101_20250930.csv"
    path.write_bytes(waitlist_csv(GOOD_ROW))
    run = import_file(path, trigger="command", user=alice)
    assert client_for(alice).get(reverse("import_run_detail", args=[run.pk])).status_code == 200
    assert client_for(bob).get(reverse("import_run_detail", args=[run.pk])).status_code == 404


def test_the_upload_page_refuses_a_file_over_the_limit(client_for, alice, settings):
    settings.EXTRACT_MAX_BYTES = 10
    upload = SimpleUploadedFile("big.csv", waitlist_csv(GOOD_ROW), "text/csv")
    response = client_for(alice).post(reverse("import_run_list"), {"file": upload})
    assert response.status_code == 200
    assert "over the limit" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_the_inbox_task_imports_and_files_each_extract(settings, tmp_path, oht_a):
    settings.EXTRACT_INBOX_DIR = str(tmp_path)
    good = tmp_path / "hcc_waitlist_OHT101_20250930.csv"
    good.write_bytes(waitlist_csv(GOOD_ROW))
    bad = tmp_path / "not_an_extract.csv"
    bad.write_bytes(b"foo,bar\n1,2\n")
    fresh = tmp_path / "still_arriving.csv"
    fresh.write_bytes(waitlist_csv(GOOD_ROW))
    settled = time.time() - 60
    for path in (good, bad):
        os.utime(path, (settled, settled))

    assert extract_inbox_scan() == {"imported": 1, "failed": 1}
    assert (tmp_path / "processed" / good.name).exists()
    assert (tmp_path / "failed" / bad.name).exists()
    assert fresh.exists()
    assert Patient.objects.count() == 1
    assert set(ImportRun.objects.values_list("trigger", flat=True)) == {"inbox"}


def test_the_command_prints_a_summary_and_fails_on_a_refused_file(tmp_path, oht_a):
    from django.core.management.base import CommandError

    good = tmp_path / "hcc_waitlist_OHT101_20250930.csv"
    good.write_bytes(waitlist_csv(GOOD_ROW, BAD_ROW))
    out = StringIO()
    call_command("import_extract", str(good), "--no-progress", stdout=out)
    assert "read 2 = created 1 + updated 0 + unchanged 0 + rejected 1" in out.getvalue()
    assert "line 3: given_name required value is missing" in out.getvalue()

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        call_command("import_extract", str(empty), "--no-progress", stdout=StringIO())
