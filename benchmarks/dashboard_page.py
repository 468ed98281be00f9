"""Benchmark: the quarterly dashboard's server time at province scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/dashboard_page.py [--ohts 58] [--quarters 8] [--runs 15]

The dashboard reads the built snapshots, never the patients, so its cost grows with
OHTs x quarters x breakdown rows, not with the waitlist. This script creates a scratch
database beside the one DATABASE_URL names (dropped at the end), writes --quarters
quarters of snapshots for --ohts OHTs, each with the breakdowns the build writes (about
20 FSAs with 12 figures each, languages, complexity, rurality, months, reasons,
reconciliation: some 330 figures a snapshot), and times, through Django's test Client
(middleware, session, MFA check, scoping, audit row, template):

  1. the dashboard of one OHT, as its staff (the default view),
  2. the province roll-up, as a site admin (every OHT added up, the worst case),
  3. the FSA table as XLSX, one OHT,
  4. the printable summary, the province,
  5. GET /api/v1/quarterly-metrics/ (50 rows) and one snapshot with its breakdowns.

Each figure is the median of --runs requests after two warm-up requests, in ms. Goal
(issue 9): the dashboard under 500 ms server time. Record results in docs/benchmarks.md.

`time_dashboard(runs)` times the same requests on whatever database Django is set up
with: benchmarks/metrics.py can call it after its full build (its snapshots are real),
and `--existing` runs it on the database DATABASE_URL names, as it is (for instance one
kept by `benchmarks/metrics.py --keep`); it adds two users and their audit rows.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.import_extract import drop_database, scratch_database  # noqa: E402

GOAL_MS = 500
SEED = 2025


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
    parser.add_argument("--ohts", type=int, default=58)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--existing", action="store_true", help="time the database DATABASE_URL names, as it is"
    )
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oht_portal.settings")
    if args.existing:
        setup()
        report(time_dashboard(args.runs), args.runs)
        return
    url, name = scratch_database(base_url)
    os.environ["DATABASE_URL"] = url
    try:
        setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        figures = load_snapshots(args.ohts, args.quarters)
        print(
            f"wrote {args.ohts * args.quarters:,} snapshots and {figures:,} figures "
            f"in {time.perf_counter() - start:.1f} s"
        )
        report(time_dashboard(args.runs), args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(base_url, name)


def setup() -> None:
    import django

    django.setup()
    prepare_client()


def prepare_client() -> None:
    """Settings for timing pages with Django's test Client outside a test run."""
    from django.conf import settings

    # The test Client's host; setup_test_environment() is not used, since its template
    # instrumentation (copying every context for response.context) would be timed too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Static URLs without collectstatic's manifest (the files are not served here).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def load_snapshots(ohts: int, quarters: int) -> int:
    """OHTs in the six regions, and `quarters` quarters of snapshots up to the current."""
    from django.db import connection
    from django.utils import timezone

    from oht_portal.choices import RegionCode
    from oht_portal.models import OHT, Region, ServedFSA
    from reporting.models import MetricsRun, QuarterSnapshot, SnapshotFigure
    from reporting.quarters import as_of_date, current_quarter, previous_quarter, quarter_bounds

    rng = random.Random(SEED)
    regions = [
        Region.objects.get_or_create(code=code, defaults={"name_en": code, "name_fr": code})[0]
        for code in RegionCode.values
    ]
    letters = "ABCEGHJKLMNPRSTVXY"
    created = OHT.objects.bulk_create(
        OHT(
            code=f"OHT{900 - index:03d}",
            name_en=f"Benchmark OHT {index}",
            name_fr=f"ESO de référence {index}",
            region=regions[index % len(regions)],
        )
        for index in range(ohts)
    )
    fsas = {
        oht.pk: [
            f"{'KLMNP'[i % 5]}{rng.randint(0, 9)}{letters[(i * 7 + j) % 18]}" for j in range(20)
        ]
        for i, oht in enumerate(created)
    }
    ServedFSA.objects.bulk_create(
        ServedFSA(oht_id=oht_id, fsa=fsa) for oht_id, codes in fsas.items() for fsa in set(codes)
    )
    keys = [current_quarter()]
    while len(keys) < quarters:
        keys.append(previous_quarter(*keys[-1]))
    now = timezone.now()
    total = 0
    for fiscal_year, quarter in keys:
        start, end = quarter_bounds(fiscal_year, quarter)
        as_of = as_of_date(fiscal_year, quarter)
        runs = MetricsRun.objects.bulk_create(
            MetricsRun(
                oht=oht,
                fiscal_year=fiscal_year,
                quarter=quarter,
                trigger=MetricsRun.Trigger.NIGHTLY,
                status=MetricsRun.Status.SUCCEEDED,
                finished_at=now,
            )
            for oht in created
        )
        snapshots = []
        for run in runs:
            waiting = rng.randint(2_000, 40_000)
            attached = rng.randint(100, 2_000)
            returned = rng.randint(0, 50)
            snapshots.append(
                QuarterSnapshot(
                    oht_id=run.oht_id,
                    fiscal_year=fiscal_year,
                    quarter=quarter,
                    run=run,
                    period_start=start,
                    period_end=end,
                    as_of=as_of,
                    built_at=now,
                    cohort_size=waiting // 2,
                    cohort_waiting=waiting // 3,
                    waiting=waiting,
                    referred=attached * 2,
                    accepted=attached + attached // 2,
                    attached=attached,
                    returned=returned,
                    net_attachment=attached - returned,
                    closed=rng.randint(0, 300),
                    new_registrants=rng.randint(100, 3_000),
                    removals=rng.randint(50, 1_000),
                    wait_median_days=rng.randint(100, 700),
                    wait_p90_days=rng.randint(700, 1_500),
                    capacity_declared=rng.randint(0, 800),
                    capacity_remaining=rng.randint(0, 400),
                    capacity_stale=rng.randint(0, 20),
                )
            )
        QuarterSnapshot.objects.bulk_create(snapshots)
        rows = []
        for snapshot in snapshots:
            rows += breakdown_rows(snapshot, fsas[snapshot.oht_id], rng)
        SnapshotFigure.objects.bulk_create(rows, batch_size=5_000)
        total += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reporting_snapshotfigure")
        cursor.execute("VACUUM ANALYZE reporting_quartersnapshot")
    return total


def breakdown_rows(snapshot, fsas: list[str], rng) -> list:
    from reporting.models import SnapshotFigure

    def figure(dimension, key, metric, value):
        return SnapshotFigure(
            snapshot=snapshot, dimension=dimension, key=key, metric=metric, value=value
        )

    counts = (
        "waiting",
        "cohort_size",
        "cohort_waiting",
        "complex_vulnerable",
        "new_registrants",
        "removals",
        "referred",
        "accepted",
        "attached",
        "returned",
    )
    rows = []
    groups = [("fsa", fsa) for fsa in sorted(set(fsas))]
    groups += [("language", code) for code in ("en", "fr", "pa", "zh", "")]
    groups += [("complexity", "complex_vulnerable"), ("complexity", "other")]
    groups += [("rurality", "rural"), ("rurality", "urban")]
    for dimension, key in groups:
        rows += [figure(dimension, key, metric, rng.randint(0, 2_000)) for metric in counts]
        rows.append(figure(dimension, key, "wait_median_days", rng.randint(50, 700)))
        rows.append(figure(dimension, key, "wait_p90_days", rng.randint(700, 1500)))
    start = snapshot.period_start
    for month in range(3):
        year, index = divmod(start.month - 1 + month, 12)
        key = f"{start.year + year}-{index + 1:02d}"
        rows += [
            figure("month", key, metric, rng.randint(0, 800))
            for metric in ("new_registrants", "removals", "referred", "accepted", "attached")
        ]
    for reason in ("patient_declined", "unreachable", "no_show", "other"):
        rows.append(figure("close_reason", reason, "closed", rng.randint(0, 100)))
    for reason in ("attached_in_portal", "hcc_attached", "hcc_closed", "left_hcc_list"):
        rows.append(figure("removal_reason", reason, "removals", rng.randint(0, 300)))
    for fsa in sorted(set(fsas)):
        imported, portal = rng.randint(0, 2_000), rng.randint(0, 2_000)
        rows += [
            figure("reconciliation", fsa, "imported_active", imported),
            figure("reconciliation", fsa, "portal_active", portal),
            figure("reconciliation", fsa, "difference", imported - portal),
        ]
    return rows


def make_user(email: str, *, ohts=(), superuser: bool = False):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from oht_portal.choices import Role
    from oht_portal.models import Membership, User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, is_superuser=superuser)
        TOTP.activate(user, generate_totp_secret())
        Membership.objects.bulk_create(
            Membership(user=user, oht=oht, role=Role.OHT_STAFF) for oht in ohts
        )
    return user


def time_dashboard(runs: int = 15) -> list[tuple[str, float, int]]:
    """(request, median ms, queries) for the dashboard's requests on the current
    database, which must hold built snapshots (benchmarks/metrics.py's, or this
    script's)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from reporting.models import QuarterSnapshot

    latest = QuarterSnapshot.objects.order_by("-fiscal_year", "-quarter", "oht__code").first()
    if latest is None:
        sys.exit("No snapshots: build them first (benchmarks/metrics.py) or drop --existing.")
    oht = latest.oht
    quarter = f"{latest.fiscal_year}-Q{latest.quarter}"
    staff = Client()
    staff.force_login(make_user("bench-dashboard-staff@example.org", ohts=[oht]))
    admin = Client()
    admin.force_login(make_user("bench-dashboard-admin@example.org", superuser=True))
    dashboard = reverse("reporting:dashboard")
    requests = [
        (f"dashboard, one OHT ({oht.code}), staff", staff, dashboard, {"quarter": quarter}),
        (
            "dashboard, province roll-up, site admin",
            admin,
            dashboard,
            {"scope": "all", "quarter": quarter},
        ),
        (
            "FSA table as XLSX, one OHT",
            staff,
            reverse("reporting:export", args=["fsa", "xlsx"]),
            {"quarter": quarter},
        ),
        (
            "printable summary, province",
            admin,
            reverse("reporting:print"),
            {"scope": "all", "quarter": quarter},
        ),
        ("API list, site admin", admin, "/api/v1/quarterly-metrics/", {}),
        ("API one snapshot + breakdowns", staff, f"/api/v1/quarterly-metrics/{latest.pk}/", {}),
    ]
    results = []
    for label, client, url, params in requests:

        def get(client=client, url=url, params=params, label=label):
            response = client.get(url, params, secure=True)
            if response.status_code != 200:
                sys.exit(f"{label}: HTTP {response.status_code}")
            return response

        ms = median_ms(get, runs)
        with CaptureQueriesContext(connection) as queries:
            get()
        results.append((label, ms, len(queries)))
    return results


def report(results: list[tuple[str, float, int]], runs: int) -> None:
    from reporting.models import QuarterSnapshot, SnapshotFigure

    print(
        f"\ndashboard, {QuarterSnapshot.objects.count():,} snapshots, "
        f"{SnapshotFigure.objects.count():,} figures, PostgreSQL, median of {runs} requests"
    )
    print(f"{'request':<44}{'ms':>9}{'queries':>9}")
    for label, ms, queries in results:
        print(f"{label:<44}{ms:9.1f}{queries:9d}")
    worst = max(ms for label, ms, _queries in results if label.startswith("dashboard"))
    verdict = "meets" if worst < GOAL_MS else "misses"
    print(f"\nslowest dashboard: {worst:.0f} ms, {verdict} the {GOAL_MS} ms goal")


if __name__ == "__main__":
    main()
