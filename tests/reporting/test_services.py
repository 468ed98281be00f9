"""Builds are recorded runs; a rebuild replaces its quarter, a failure keeps the last
snapshot; the dashboard's rebuild button, the nightly job and imports start builds."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from oht_portal.choices import AuditAction
from oht_portal.imports.pipeline import import_file
from oht_portal.models import AuditEvent
from oht_portal.services import ApplicationError
from reporting import aggregates, services
from reporting.models import MetricsRun, QuarterSnapshot, SnapshotFigure
from reporting.services import build_quarter, request_build
from reporting.tasks import metrics_build_after_import, metrics_build_nightly
from tests.conftest import make_oht, make_patient

pytestmark = pytest.mark.django_db

Q1 = (2025, 1)  # April to June 2025: over, as of today


def build(oht, fiscal_year=2025, quarter=1, trigger=MetricsRun.Trigger.NIGHTLY):
    return build_quarter(oht, fiscal_year, quarter, trigger)


def test_a_build_is_a_recorded_run(oht_a):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2025, 5, 1))
    run = build(oht_a)

    run.refresh_from_db()
    assert run.status == MetricsRun.Status.SUCCEEDED
    assert (run.oht, run.fiscal_year, run.quarter, run.trigger) == (oht_a, 2025, 1, "nightly")
    assert run.started_at <= run.finished_at
    snapshot = QuarterSnapshot.objects.get(oht=oht_a)
    assert snapshot.run == run
    assert run.rows == snapshot.figures.count() > 0
    assert snapshot.new_registrants == 1


def test_rebuilding_a_quarter_replaces_it(oht_a):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2025, 5, 1))
    first = build(oht_a)
    first_figures = set(SnapshotFigure.objects.values_list("pk", flat=True))
    make_patient(oht_a, "HCC1000000002", registration_date=date(2025, 6, 1))

    second = build(oht_a, trigger=MetricsRun.Trigger.ON_DEMAND)

    snapshot = QuarterSnapshot.objects.get(oht=oht_a, fiscal_year=2025, quarter=1)
    assert QuarterSnapshot.objects.count() == 1
    assert snapshot.run == second != first
    assert snapshot.new_registrants == 2
    assert SnapshotFigure.objects.count() == second.rows
    assert not first_figures & set(SnapshotFigure.objects.values_list("pk", flat=True))
    assert MetricsRun.objects.filter(status="succeeded").count() == 2


def test_one_snapshot_per_oht_and_quarter_is_a_database_rule(oht_a):
    build(oht_a)
    snapshot = QuarterSnapshot.objects.get()
    snapshot.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        snapshot.save()


def test_other_quarters_and_ohts_are_left_alone(oht_a, oht_b):
    build(oht_a)
    build(oht_b)
    build(oht_a, 2025, 2)
    build(oht_a)
    assert sorted(QuarterSnapshot.objects.values_list("oht__code", "fiscal_year", "quarter")) == [
        ("OHT101", 2025, 1),
        ("OHT101", 2025, 2),
        ("OHT102", 2025, 1),
    ]


def test_a_failed_build_keeps_the_previous_snapshot(oht_a, monkeypatch):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2025, 5, 1))
    good = build(oht_a)
    rows_before = SnapshotFigure.objects.count()
    make_patient(oht_a, "HCC1000000002", registration_date=date(2025, 6, 1))

    # The write fails after the old snapshot was deleted, with a message that quotes
    # a value, as a database error can.
    def broken(*args, **kwargs):
        raise ValueError("duplicate value Tremblay, Chloé")

    monkeypatch.setattr(SnapshotFigure.objects, "bulk_create", broken)
    failed = build(oht_a)

    failed.refresh_from_db()
    assert failed.status == MetricsRun.Status.FAILED
    assert failed.finished_at is not None and failed.rows == 0
    assert "ValueError" in failed.error
    assert "Tremblay" not in failed.error and "Chloé" not in failed.error
    snapshot = QuarterSnapshot.objects.get(oht=oht_a)
    assert snapshot.run == good
    assert snapshot.new_registrants == 1
    assert SnapshotFigure.objects.count() == rows_before


def test_a_failed_computation_fails_every_run_of_the_batch(oht_a, oht_b, monkeypatch):
    build(oht_a)

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "compute_quarters", broken)
    runs = services.build_quarters(
        ohts=[oht_a, oht_b], fiscal_year=2025, quarter=1, trigger=MetricsRun.Trigger.NIGHTLY
    )
    assert [run.status for run in runs] == ["failed", "failed"]
    assert QuarterSnapshot.objects.filter(oht=oht_a).exists()
    assert not QuarterSnapshot.objects.filter(oht=oht_b).exists()


def test_a_quarter_that_has_not_started_cannot_be_built(oht_a, time_machine):
    time_machine.move_to("2025-11-20 12:00-05:00")
    with pytest.raises(ValueError, match="has not started"):
        build(oht_a, 2025, 4)
    assert not MetricsRun.objects.exists()


def test_the_temporary_fact_table_is_gone_after_a_build(oht_a):
    from django.db import connection

    build(oht_a)
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert aggregates.FACT_TABLE not in tables


# -- the dashboard's rebuild button ---------------------------------------------------


def test_request_build_queues_a_run_and_builds_it_on_commit(
    alice, oht_a, django_capture_on_commit_callbacks
):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2025, 5, 1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = request_build(oht_a, 2025, 1, alice)
    assert (run.status, run.trigger, run.requested_by) == ("queued", "on_demand", alice)
    audit = AuditEvent.objects.get(object_type="reporting.metricsrun")
    assert (audit.action, audit.actor_id, audit.oht_code) == (
        AuditAction.CREATE,
        alice.pk,
        "OHT101",
    )
    assert not QuarterSnapshot.objects.exists()

    for callback in callbacks:
        callback()

    run.refresh_from_db()
    assert run.status == MetricsRun.Status.SUCCEEDED
    assert QuarterSnapshot.objects.get(oht=oht_a).run == run


def test_a_second_click_returns_the_run_already_queued(
    alice, oht_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = request_build(oht_a, 2025, 1, alice)
        second = request_build(oht_a, 2025, 1, alice)
    assert first == second
    assert len(callbacks) == 1
    assert MetricsRun.objects.count() == 1


def test_a_queued_run_is_built_once_even_if_the_task_is_delivered_twice(alice, oht_a):
    run = MetricsRun.objects.create(
        oht=oht_a, fiscal_year=2025, quarter=1, trigger="on_demand", status="queued"
    )
    assert services.run_queued(run.pk).status == "succeeded"
    again = services.run_queued(run.pk)
    assert again.status == "succeeded"
    assert MetricsRun.objects.count() == 1
    assert QuarterSnapshot.objects.get().run == run


def test_request_build_refuses_another_ohts_figures(bob, oht_a):
    with pytest.raises(ApplicationError, match="your own OHTs"):
        request_build(oht_a, 2025, 1, bob)
    assert not MetricsRun.objects.exists()


def test_request_build_refuses_a_quarter_not_started(alice, oht_a, time_machine):
    time_machine.move_to("2025-11-20 12:00-05:00")
    with pytest.raises(ApplicationError, match="has not started yet"):
        request_build(oht_a, 2025, 4, alice)
    with pytest.raises(ApplicationError, match="no such fiscal quarter"):
        request_build(oht_a, 2025, 7, alice)
    assert not MetricsRun.objects.exists()


# -- the nightly job and imports ---------------------------------------------------------


def test_the_nightly_job_builds_every_oht_current_and_previous_quarter(oht_a, oht_b, time_machine):
    time_machine.move_to("2026-01-05 02:30-05:00")
    result = metrics_build_nightly.delay().get()

    assert result == {"succeeded": 4}
    assert sorted(QuarterSnapshot.objects.values_list("oht__code", "fiscal_year", "quarter")) == [
        ("OHT101", 2025, 3),
        ("OHT101", 2025, 4),
        ("OHT102", 2025, 3),
        ("OHT102", 2025, 4),
    ]
    current = QuarterSnapshot.objects.get(oht=oht_a, quarter=4)
    assert current.as_of == date(2026, 1, 5)
    assert set(MetricsRun.objects.values_list("trigger", flat=True)) == {"nightly"}


def test_the_nightly_job_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["metrics-nightly"]
    assert entry["task"] == metrics_build_nightly.name


WAITLIST = (
    "hcc_id,oht_code,registration_date,given_name,family_name,date_of_birth,"
    "postal_code,complex_vulnerable,status\n"
    "HCC1000000001,OHT101,2025-05-01,Chloé,Tremblay,1980-02-03,M4C 1A1,N,active\n"
    "HCC1000000002,OHT101,2024-03-01,Owen,Smith,1975-06-07,M4E 1A1,Y,active\n"
)


def test_a_successful_import_rebuilds_the_quarters_it_covers(
    tmp_path, oht_a, oht_b, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to("2025-11-20 12:00-05:00")
    path = tmp_path / "hcc_waitlist_OHT101_20250630.csv"
    path.write_text(WAITLIST, encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        run = import_file(path, trigger="command")

    assert run.status == "succeeded"
    # The current quarter, and the quarter of the extract's date (a late file).
    built = sorted(
        QuarterSnapshot.objects.values_list("oht__code", "fiscal_year", "quarter", "waiting")
    )
    assert built == [("OHT101", 2025, 1, 2), ("OHT101", 2025, 3, 2)]
    assert set(MetricsRun.objects.values_list("trigger", flat=True)) == {"import"}


def test_a_refused_import_builds_nothing(tmp_path, oht_a, django_capture_on_commit_callbacks):
    path = tmp_path / "hcc_waitlist_OHT101_20250630.csv"
    path.write_text(WAITLIST.replace("OHT101", "OHT999"), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        run = import_file(path, trigger="command")
    assert run.status == "refused"
    assert not MetricsRun.objects.exists()


def test_builds_after_import_can_be_turned_off(
    tmp_path, oht_a, settings, django_capture_on_commit_callbacks
):
    settings.REPORTING_BUILD_AFTER_IMPORT = False
    path = tmp_path / "hcc_waitlist_OHT101_20250630.csv"
    path.write_text(WAITLIST, encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(path, trigger="command").status == "succeeded"
    assert not MetricsRun.objects.exists()


def test_the_after_import_task_ignores_a_run_that_did_not_succeed(oht_a):
    from oht_portal.models import ImportRun

    run = ImportRun.objects.create(
        kind="hcc_waitlist",
        file_name="x.csv",
        sha256="2" * 64,
        trigger="command",
        status="failed",
        finished_at=timezone.now(),
    )
    assert metrics_build_after_import.delay(run.pk).get() == {}
    assert not MetricsRun.objects.exists()


def test_a_new_oht_gets_figures_too(time_machine):
    time_machine.move_to("2025-11-20 12:00-05:00")
    oht = make_oht("OHT150", "Newcomer", "West", ["N2L"])
    runs = services.build_nightly()
    assert [run.oht for run in runs] == [oht, oht]
    assert QuarterSnapshot.objects.get(oht=oht, quarter=3).waiting == 0


def test_a_run_cut_short_is_taken_over_later_and_failed_by_the_nightly_job(oht_a, time_machine):
    time_machine.move_to("2025-11-20 02:00-05:00")
    stuck = MetricsRun.objects.create(
        oht=oht_a, fiscal_year=2025, quarter=1, trigger="on_demand", status="running"
    )
    assert services.run_queued(stuck.pk).status == "running"  # still within the hour
    assert not QuarterSnapshot.objects.exists()

    time_machine.move_to("2025-11-20 03:30-05:00")
    assert services.run_queued(stuck.pk).status == "succeeded"

    other = MetricsRun.objects.create(
        oht=oht_a, fiscal_year=2025, quarter=2, trigger="nightly", status="running"
    )
    time_machine.move_to("2025-11-21 02:30-05:00")
    services.build_nightly()
    other.refresh_from_db()
    assert other.status == "failed" and "interrupted" in other.error
