"""Benchmark: the waitlist page's server time at province scale, against plain queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/waitlist_page.py [--patients 250000] [--runs 15] [--exports]

It creates a scratch database beside the one DATABASE_URL names (and drops it at the
end), loads synthetic patients through the real import pipeline (six OHTs, seed
2025), gives a share of them outreach and verification states, and creates two
signed-in staff users: one of a single OHT, and one of all six OHTs (who sees every
patient, the worst case). It then times GET /patients/ through Django's test Client
(middleware, session, MFA check, filters, counts, page, audit rows, template) for:

  1. the default page (sorted by priority),
  2. page 100,
  3. a filtered page: cohort + complex vulnerable + one FSA,
  4. a search by family name,
  5. sorted by registration date,

and the FSA view (GET /patients/fsa/). With --exports it also times one CSV and one
XLSX export of the single-OHT user's whole list.

Each figure is the median of --runs requests after two warm-up requests, in ms, and
as a ratio to the baselines measured in the same run on the same data:

  (a) SELECT <the patient columns> FROM attachment_patient ORDER BY id LIMIT 50
  (b) SELECT count(*) FROM attachment_patient

The goal (issue 4): under 300 ms per page with 250,000 patients. Record results in
docs/benchmarks.md.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.import_extract import drop_database, scratch_database  # noqa: E402

GOAL_MS = 300


def median_ms(func, runs: int, warm_up: int = 2) -> float:
    for _ in range(warm_up):
        func()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--exports", action="store_true", help="also time a CSV and XLSX export")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (a scratch database is made beside it).")

    url, name = scratch_database(base_url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oht_portal.settings")
    # Time the import alone, not the dashboard build a successful import queues.
    os.environ.setdefault("DJANGO_REPORTING_BUILD_AFTER_IMPORT", "false")
    try:
        run_benchmark(args.patients, args.runs, args.exports)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(base_url, name)


def load_patients(patients: int) -> None:
    from django.db import connection

    from oht_portal.imports.pipeline import import_file
    from oht_portal.synthetic import write_extracts

    work = Path(tempfile.mkdtemp(prefix="oht-bench-"))
    start = time.perf_counter()
    paths = write_extracts(work, patients=patients, extract_date=date(2025, 9, 30))
    for kind in ("oht_registry", "hcc_waitlist"):
        run = import_file(paths[kind], trigger="command")
        if run.status != "succeeded":
            sys.exit(f"{kind}: import {run.status}: {run.error}")
    # Outreach and verification under way for part of the list, as mid-campaign.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE attachment_patient SET
              outreach_state = CASE id % 10 WHEN 0 THEN 'replied' WHEN 1 THEN 'contacted'
                WHEN 2 THEN 'unreachable' WHEN 3 THEN 'reached' ELSE 'not_started' END,
              verification_state = CASE id % 10 WHEN 0 THEN 'still_needs_care'
                WHEN 2 THEN 'unreachable' WHEN 3 THEN 'found_clinician' ELSE 'unverified' END,
              next_step = CASE id % 10 WHEN 0 THEN 'match' WHEN 1 THEN 'follow_up'
                WHEN 2 THEN 'close' WHEN 3 THEN 'close' ELSE 'outreach' END
            """
        )
        cursor.execute("VACUUM ANALYZE attachment_patient")
    print(f"loaded {patients:,} patients in {time.perf_counter() - start:.1f} s")


def make_staff(email: str, ohts):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from oht_portal.choices import Role
    from oht_portal.models import Membership, User

    user = User.objects.create_user(email=email, password=None)
    TOTP.activate(user, generate_totp_secret())
    Membership.objects.bulk_create(
        Membership(user=user, oht=oht, role=Role.OHT_STAFF) for oht in ohts
    )
    return user


def scenarios(oht) -> tuple[list[tuple[str, dict]], dict]:
    """The five requests, with a filter and a search that match real rows of `oht`."""
    from django.conf import settings
    from django.db.models import Count

    from attachment.models import Patient

    patients = Patient.objects.filter(oht=oht)
    fsa = (
        patients.values("fsa").annotate(n=Count("pk")).order_by("-n").values_list("fsa", flat=True)
    )[0]
    family_name = patients.order_by("id").values_list("family_name", flat=True)[0]
    return [
        ("default page (priority)", {}),
        ("page 100", {"page": 100}),
        (
            "cohort + complex vulnerable + FSA",
            {"cohort": "true", "complex_vulnerable": "true", "fsa": fsa},
        ),
        ("search by family name", {"q": family_name[:4]}),
        ("sorted by registration date", {"ordering": "registration_date"}),
    ], {"fsa": fsa, "search": family_name[:4], "cohort": settings.HCC_COHORT_DATE}


def baselines(runs: int) -> tuple[float, float]:
    from django.db import connection

    from attachment.models import Patient

    columns = ", ".join(f'"{field.column}"' for field in Patient._meta.concrete_fields)

    def select_50():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM attachment_patient ORDER BY id LIMIT 50")
            cursor.fetchall()

    def count_all():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM attachment_patient")
            cursor.fetchall()

    return median_ms(select_50, runs), median_ms(count_all, runs)


def matches(user, params: dict) -> int:
    """How many patients the request's filters keep (outside the timing)."""
    from django.test import RequestFactory

    from attachment.filters import WaitlistFilter
    from attachment.selectors import patient_list

    request = RequestFactory().get("/patients/", params)
    request.user = user
    return WaitlistFilter(request.GET, queryset=patient_list(user=user), request=request).counts()[
        "total"
    ]


def time_exports(client) -> list[tuple[str, float, int]]:
    """One CSV and one XLSX export of everything the client's user sees (not medians:
    each writes an audit row per patient)."""
    from django.urls import reverse

    results = []
    for file_format in ("csv", "xlsx"):
        start = time.perf_counter()
        response = client.get(
            reverse("attachment:patient_export"), {"format": file_format}, secure=True
        )
        size = sum(len(chunk) for chunk in response.streaming_content)
        results.append((file_format, time.perf_counter() - start, size))
    return results


def run_benchmark(patients: int, runs: int, exports: bool) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from attachment.models import Patient
    from oht_portal.models import OHT

    # The test Client's host; setup_test_environment() is not used, since its template
    # instrumentation (copying every context for response.context) would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    load_patients(patients)
    ohts = list(OHT.objects.order_by("code"))
    one_oht = make_staff("one-oht@example.org", ohts[:1])
    every_oht = make_staff("every-oht@example.org", ohts)
    requests, used = scenarios(ohts[0])
    select_ms, count_ms = baselines(runs)

    results = []
    users = (
        (f"staff of one OHT ({Patient.objects.filter(oht=ohts[0]).count():,})", one_oht),
        (f"staff of all {len(ohts)} OHTs ({Patient.objects.count():,})", every_oht),
    )
    pages = [(label, reverse("attachment:patient_list"), params) for label, params in requests]
    pages.append(("FSA view", reverse("attachment:fsa_summary"), {}))
    for label, user in users:
        client = Client()
        client.force_login(user)
        for scenario, url, params in pages:

            def get(url=url, params=params, client=client, scenario=scenario):
                response = client.get(url, params, secure=True)
                if response.status_code != 200:
                    sys.exit(f"{scenario}: HTTP {response.status_code}")
                return response

            ms = median_ms(get, runs)
            with CaptureQueriesContext(connection) as queries:
                get()
            slowest = sorted(float(q["time"]) * 1000 for q in queries.captured_queries)[-2:]
            total = matches(user, params) if url.endswith("/patients/") else None
            results.append((label, scenario, ms, total, len(queries), slowest))

    print(f"\nwaitlist page, {patients:,} patients, PostgreSQL, median of {runs} requests")
    print(f"filter values: FSA {used['fsa']}, search {used['search']!r}")
    print(f"(a) SELECT 50 rows ORDER BY id: {select_ms:8.2f} ms")
    print(f"(b) count(*):                   {count_ms:8.2f} ms\n")
    print(
        f"{'user (patients seen)':<32}{'request':<36}{'ms':>8}{'x (a)':>8}{'x (b)':>8}"
        f"{'matches':>10}{'queries':>9}   two slowest queries (ms)"
    )
    for label, scenario, ms, total, count, slowest in results:
        shown = f"{total:,}" if total is not None else "-"
        print(
            f"{label:<32}{scenario:<36}{ms:>8.1f}{ms / select_ms:>8.1f}{ms / count_ms:>8.1f}"
            f"{shown:>10}{count:>9}   {', '.join(f'{s:.0f}' for s in slowest)}"
        )
    worst = max(ms for _l, _s, ms, _t, _c, _q in results)
    print(f"\ngoal (every page under {GOAL_MS} ms): {'PASS' if worst < GOAL_MS else 'MISS'}")

    if exports:
        client = Client()
        client.force_login(one_oht)
        print(f"\nexports of everything {users[0][0]} sees (one run each):")
        for file_format, seconds, size in time_exports(client):
            print(f"  {file_format:<5}{seconds:8.1f} s {size / 1e6:8.1f} MB")


if __name__ == "__main__":
    main()
