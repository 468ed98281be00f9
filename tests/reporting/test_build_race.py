"""Two builds of the same quarter at the same instant (the nightly job and a click on
"rebuild"), each in its own thread and connection, on PostgreSQL, committed for real:
both succeed, one after the other, and one snapshot remains. A build in its own
transaction also reads every figure from one snapshot of the database."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from reporting.models import MetricsRun, QuarterSnapshot, SnapshotFigure
from reporting.services import build_quarter
from tests.conftest import make_patient

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers: no race"
    ),
]


def test_two_builds_of_one_quarter_at_once_leave_one_snapshot(oht_a):
    for n in range(30):
        make_patient(oht_a, f"HCC10000{n:05d}", registration_date=date(2025, 5, 1))
    barrier = threading.Barrier(4)
    outcomes: list[object] = [None] * 4

    def run(index):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = build_quarter(oht_a, 2025, 1, MetricsRun.Trigger.NIGHTLY)
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert [getattr(o, "status", o) for o in outcomes] == ["succeeded"] * 4
    snapshot = QuarterSnapshot.objects.get(oht=oht_a, fiscal_year=2025, quarter=1)
    assert snapshot.new_registrants == 30
    assert SnapshotFigure.objects.count() == snapshot.run.rows
