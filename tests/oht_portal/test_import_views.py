"""The three ways in (upload page, inbox task, command) and the pages of a run."""

import os
import time
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from attachment.models import Patient
from oht_portal.models import OHT, ImportRun
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
    # The queued import, then the quarterly metrics build it queues once it succeeds.
    assert len(callbacks) == 2
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


OTHER_OHT_ROW = "HCC2000000001,OHT102,2024-03-01,Owen,Smith,1980-02-03,K1N 5T5,N,active"


def _upload(client, name: str, content: bytes, callbacks):
    with callbacks(execute=True):
        client.post(reverse("import_run_list"), {"file": SimpleUploadedFile(name, content)})
    return ImportRun.objects.latest("pk")


def test_an_upload_changes_only_the_uploaders_ohts(
    client_for, alice, oht_b, django_capture_on_commit_callbacks
):
    run = _upload(
        client_for(alice),
        "hcc_waitlist_ALL_20250930.csv",
        waitlist_csv(GOOD_ROW, OTHER_OHT_ROW),
        django_capture_on_commit_callbacks,
    )
    assert (run.status, run.rows_created, run.rows_rejected) == ("succeeded", 1, 1)
    issue = run.issues.get()
    assert (issue.line, issue.column) == (3, "oht_code")
    assert "not one of your OHTs" in issue.reason
    assert not Patient.objects.filter(oht=oht_b).exists()


def test_a_site_admin_upload_may_cover_every_oht(
    client_for, root, oht_a, oht_b, django_capture_on_commit_callbacks
):
    run = _upload(
        client_for(root),
        "hcc_waitlist_ALL_20250930.csv",
        waitlist_csv(GOOD_ROW, OTHER_OHT_ROW),
        django_capture_on_commit_callbacks,
    )
    assert (run.status, run.rows_created) == ("succeeded", 2)


def test_only_a_site_admin_uploads_the_oht_registry(
    client_for, alice, django_capture_on_commit_callbacks
):
    registry = b"oht_code,name_en,region\nOHT101,Renamed by staff,Toronto\n"
    run = _upload(
        client_for(alice), "oht_registry.csv", registry, django_capture_on_commit_callbacks
    )
    assert run.status == "refused"
    assert "Only a site admin" in run.error
    assert not OHT.objects.filter(name_en="Renamed by staff").exists()


def test_a_run_interrupted_by_a_killed_worker_is_taken_over(tmp_path, oht_a, settings):
    from datetime import timedelta

    from django.utils import timezone

    from oht_portal.imports.pipeline import import_run_create, import_run_execute

    path = tmp_path / "hcc_waitlist_OHT101_20250930.csv"
    path.write_bytes(waitlist_csv(GOOD_ROW))
    run = import_run_create(path=path, trigger="inbox")
    ImportRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now())
    # Still within the timeout: another worker may be on it, so it is left alone.
    assert import_run_execute(run_id=run.pk).status == "running"
    assert not Patient.objects.exists()

    long_ago = timezone.now() - timedelta(seconds=settings.EXTRACT_RUN_TIMEOUT_SECONDS + 1)
    ImportRun.objects.filter(pk=run.pk).update(started_at=long_ago)
    assert import_run_execute(run_id=run.pk).status == "succeeded"
    assert Patient.objects.count() == 1


def test_a_finished_run_is_never_run_twice(tmp_path, oht_a):
    from oht_portal.imports.pipeline import import_file, import_run_execute

    path = tmp_path / "hcc_waitlist_OHT101_20250930.csv"
    path.write_bytes(waitlist_csv(GOOD_ROW))
    run = import_file(path, trigger="command")
    again = import_run_execute(run_id=run.pk)
    assert (again.status, again.finished_at) == ("succeeded", run.finished_at)


def test_only_one_inbox_scan_runs_at_a_time(settings, tmp_path, oht_a):
    from django.core.cache import cache

    from oht_portal.tasks import INBOX_LOCK

    settings.EXTRACT_INBOX_DIR = str(tmp_path)
    cache.add(INBOX_LOCK, "1")
    assert extract_inbox_scan()["skipped"] == "another scan is running"


def test_the_sweep_requeues_an_interrupted_upload_and_fails_other_runs(tmp_path, oht_a, settings):
    from datetime import timedelta

    from django.utils import timezone

    from oht_portal.imports.pipeline import import_run_create
    from oht_portal.tasks import import_runs_sweep

    path = tmp_path / "hcc_waitlist_OHT101_20250930.csv"
    path.write_bytes(waitlist_csv(GOOD_ROW))
    upload = import_run_create(path=path, trigger="upload")
    inbox = import_run_create(path=path, trigger="inbox")
    recent = import_run_create(path=path, trigger="inbox")
    long_ago = timezone.now() - timedelta(seconds=settings.EXTRACT_RUN_TIMEOUT_SECONDS + 1)
    ImportRun.objects.filter(pk__in=[upload.pk, inbox.pk]).update(
        status="running", started_at=long_ago
    )
    ImportRun.objects.filter(pk=recent.pk).update(status="running", started_at=timezone.now())

    assert import_runs_sweep() == {"requeued": 1, "failed": 1}
    upload.refresh_from_db()
    inbox.refresh_from_db()
    recent.refresh_from_db()
    assert (upload.status, upload.rows_created) == ("succeeded", 1)
    assert inbox.status == "failed" and "interrupted" in inbox.error
    assert recent.status == "running"
