"""An import queued from the upload path really travels through Redis to a worker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from attachment.models import Patient
from oht_portal.celery import app
from oht_portal.imports.pipeline import import_run_create
from oht_portal.models import ImportRun
from oht_portal.tasks import import_run_task

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
]


def test_a_worker_takes_an_import_from_the_broker(tmp_path, oht_a):
    path = tmp_path / "hcc_waitlist_OHT101_20250930.csv"
    path.write_text(
        "hcc_id,oht_code,registration_date,given_name,family_name,date_of_birth,"
        "postal_code,complex_vulnerable,status\n"
        "HCC1000000001,OHT101,2024-03-01,Chloé,Tremblay,1980-02-03,M4C 1A1,N,active\n"
    )
    run = import_run_create(path=path, trigger=ImportRun.Trigger.UPLOAD)
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        # The message carries the run id only, never rows.
        import_run_task.delay(run.pk)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status not in {"queued", "running"}:
                break
            time.sleep(0.2)
    assert (run.status, run.rows_created) == ("succeeded", 1)
    assert Patient.objects.filter(hcc_id="HCC1000000001").exists()
