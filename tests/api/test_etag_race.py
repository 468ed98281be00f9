"""If-Match under a race, on PostgreSQL: callers holding the same ETag write at the same
instant, each in its own thread and connection. The tag is compared under the row lock
the write takes, so exactly one goes through and every other one gets a 412 (SQLite
serialises every writer, so the race cannot happen there)."""

import threading

import pytest
from django.db import connection, connections

from attachment.models import Verification
from tests.api.conftest import api_client
from tests.conftest import make_patient

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers"),
]

THREADS = 8


def test_callers_with_the_same_etag_one_writes_the_others_get_412(carol, oht_a):
    patient = make_patient(oht_a, "HCC1000000001")
    url = f"/api/v1/patients/{patient.pk}/"
    clients = [api_client(carol) for _ in range(THREADS)]
    tag = clients[0].get(url)["ETag"]
    barrier = threading.Barrier(THREADS)
    statuses: list[int | None] = [None] * THREADS

    def run(index):
        try:
            barrier.wait(timeout=30)
            response = clients[index].post(
                f"{url}verifications/",
                {"result": "still_needs_care"},
                format="json",
                HTTP_IF_MATCH=tag,
            )
            statuses[index] = response.status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(statuses) == [201] + [412] * (THREADS - 1), statuses
    assert Verification.objects.filter(patient=patient).count() == 1
