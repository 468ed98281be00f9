"""Benchmark: the quarterly metrics build at province scale, against plain GROUP BY scans.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/metrics.py [--patients 1000000] [--referrals 2500000]

It creates a scratch database beside the one DATABASE_URL names (and drops it at the
end), and loads with COPY a synthetic province (seed 2025): 50 OHTs of 10 made-up FSAs
each (first letters Canada Post never uses, 10% rural), the patients (registered from
June 2021 to today; 80% active, 8% attached and 7% closed by HCC, 5% off the list; 15%
complex vulnerable; 80% English, 12% French), the referrals (about 2.5 per patient,
referred since January 2024, their lifecycle timestamps in order, at most one open per
patient), 5,000 practice locations with one to three capacity declarations each, an
extract event per patient (joined) plus 4% comebacks and status changes, and the
provincial FSA summaries of the last two quarter ends. Then VACUUM ANALYZE.

It times, with the data warm:

  (a) baseline: SELECT oht_id, count(*) FROM attachment_patient GROUP BY oht_id, plus
      the referrals counted per patient OHT (a join of the two tables, GROUP BY): one
      plain scan of the data the build reads;
  (b) one quarter (the current one) for every OHT: build_quarters;
  (c) the nightly job, the full build: the current and the previous quarter for every
      OHT (build_nightly);
  (d) one OHT's current quarter, as the dashboard's "rebuild" button does it.

Each figure is printed in seconds and as a ratio to (a), median of --runs runs. Goal
(issue 9): (c) under 30 s. The machine's load average is printed before and after.
Record results in docs/benchmarks.md.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.import_extract import drop_database, scratch_database  # noqa: E402

GOAL_SECONDS = 30
PAGE_GOAL_MS = 500
OHTS = 50
FSAS_PER_OHT = 10
LOCATIONS = 5000
SEED = 2025


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=2_500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database (to study the plans)"
    )
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (a scratch database is made beside it).")

    url, name = scratch_database(base_url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oht_portal.settings")
    try:
        run_benchmark(args.patients, args.referrals, args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept the scratch database: {url}")
        else:
            drop_database(base_url, name)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)"


def copy_frame(cursor, table: str, columns: list[str], frame) -> None:
    """COPY a pandas frame into `table` in chunks of CSV text."""
    chunk = 250_000
    names = ", ".join(columns)
    for start in range(0, len(frame), chunk):
        text = frame.iloc[start : start + chunk].to_csv(index=False, header=False, na_rep="")
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(text)


def fsa_codes() -> list[str]:
    """Made-up FSAs (letters Canada Post never uses first); every tenth is rural (0)."""
    codes = []
    for i in range(OHTS * FSAS_PER_OHT):
        first = "DFIOQUWZ"[i // 260 % 8]
        digit = "0" if i % 10 == 0 else str(1 + i % 9)
        codes.append(f"{first}{digit}{chr(65 + i % 26)}")
    return codes


def load(patients: int, referrals: int, today: date) -> dict:
    import pandas as pd
    from django.db import connection
    from django.utils import timezone

    from clinicians.models import CapacityDeclaration, Clinician, PracticeLocation
    from oht_portal.models import OHT, ImportRun, Region, ServedFSA
    from reporting.models import FSASummary

    rng = np.random.default_rng(SEED)
    region, _ = Region.objects.get_or_create(
        code="Bench", defaults={"name_en": "Bench", "name_fr": "Bench"}
    )
    ohts = OHT.objects.bulk_create(
        OHT(code=f"OHT{500 + i:03d}", name_en=f"Bench {i}", name_fr=f"Bench {i}", region=region)
        for i in range(OHTS)
    )
    oht_ids = np.array([oht.pk for oht in ohts])
    fsas = fsa_codes()
    ServedFSA.objects.bulk_create(
        ServedFSA(oht=ohts[i // FSAS_PER_OHT], fsa=fsa) for i, fsa in enumerate(fsas)
    )
    run = ImportRun.objects.create(
        kind="hcc_waitlist",
        file_name="bench.csv",
        sha256="0" * 64,
        trigger=ImportRun.Trigger.COMMAND,
        status=ImportRun.Status.SUCCEEDED,
    )
    now = timezone.now()
    stamp = now.isoformat()

    # Patients, ids 1..n.
    n = patients
    fsa_index = rng.integers(0, len(fsas), n)
    first_day = date(2021, 6, 1)
    span = (today - first_day).days
    registered = np.datetime64(first_day) + rng.integers(0, span + 1, n).astype("timedelta64[D]")
    roll = rng.random(n)
    status = np.where(roll < 0.80, "active", np.where(roll < 0.88, "attached", "closed"))
    status_gap = rng.integers(30, 900, n).astype("timedelta64[D]")
    status_date = np.minimum(registered + status_gap, np.datetime64(today))
    status_date_text = np.where(status == "active", "", status_date.astype(str))
    off_list = rng.random(n) < 0.05
    left_on = np.where(off_list, status_date.astype(str), "")
    language = rng.choice(
        ["en", "fr", "pa", "zh", "ar", ""], n, p=[0.8, 0.12, 0.02, 0.02, 0.02, 0.02]
    )
    postal = np.array(fsas)[fsa_index]
    frame = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "hcc_id": [f"HCC{i:010d}" for i in range(1, n + 1)],
            "oht_id": oht_ids[fsa_index // FSAS_PER_OHT],
            "registration_date": registered.astype(str),
            "given_name": "Synthetic",
            "family_name": "Patient",
            "date_of_birth": "1980-01-01",
            "health_card_number": "",
            "postal_code": np.char.add(postal.astype(str), "1A1"),
            "fsa": postal,
            "phone": "",
            "email": "",
            "preferred_contact": "",
            "preferred_language": language,
            "complex_vulnerable": np.where(rng.random(n) < 0.15, "t", "f"),
            "status": status,
            "status_date": status_date_text,
            "last_verified": "",
            "on_hcc_list": np.where(off_list, "f", "t"),
            "left_hcc_list_on": left_on,
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    # Blank text columns are '' (not NULL): FORCE_NOT_NULL would be needed with NULLs;
    # here the empty dates are the only blanks that must be NULL.
    with connection.cursor() as cursor:
        raw = cursor.cursor
        columns = list(frame.columns)
        text_blank = [
            "health_card_number",
            "phone",
            "email",
            "preferred_contact",
            "preferred_language",
        ]
        for start in range(0, n, 250_000):
            text = frame.iloc[start : start + 250_000].to_csv(index=False, header=False)
            with raw.copy(
                f"COPY attachment_patient ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, "
                f"FORCE_NOT_NULL ({', '.join(text_blank)}))"
            ) as copy:
                copy.write(text)
        cursor.execute("SELECT setval(pg_get_serial_sequence('attachment_patient', 'id'), %s)", [n])
    del frame

    # Practice locations and their declarations.
    clinicians = Clinician.objects.bulk_create(
        (
            Clinician(
                registration_body="CPSO",
                registration_number=f"{700000 + i}",
                clinician_type="FP",
                given_name="Synthetic",
                family_name=f"Doctor{i}",
                languages="en",
            )
            for i in range(LOCATIONS)
        ),
        batch_size=5000,
    )
    location_fsa = rng.integers(0, len(fsas), LOCATIONS)
    locations = PracticeLocation.objects.bulk_create(
        (
            PracticeLocation(
                clinician=clinicians[j],
                oht=ohts[location_fsa[j] // FSAS_PER_OHT],
                practice_name=f"Clinic {j}",
                name_key=f"clinic {j}",
                address="1 Main St",
                city="Synthetic",
                postal_code=f"{fsas[location_fsa[j]]}1A1",
                fsa=fsas[location_fsa[j]],
                languages="en",
            )
            for j in range(LOCATIONS)
        ),
        batch_size=5000,
    )
    declarations = []
    for location in locations:
        for _k in range(int(rng.integers(1, 4))):
            declared = now - timedelta(days=int(rng.integers(1, 500)))
            taking = rng.random() < 0.8
            declarations.append(
                CapacityDeclaration(
                    location=location,
                    accepting_status="newpt" if taking else "nopt",
                    new_patients=int(rng.integers(1, 40)) if taking else 0,
                    declared_at=declared,
                    verified_at=declared,
                    expires_on=declared.date() + timedelta(days=90),
                    channel="staff",
                )
            )
    CapacityDeclaration.objects.bulk_create(declarations, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE clinicians_practicelocation l SET current_declaration_id = d.id
            FROM (SELECT DISTINCT ON (location_id) id, location_id
                  FROM clinicians_capacitydeclaration
                  ORDER BY location_id, declared_at DESC, id DESC) d
            WHERE d.location_id = l.id
            """
        )
    location_ids = np.array([location.pk for location in locations])

    # Referrals: sorted by patient and time; only a patient's last may still be open.
    m = referrals
    patient = np.sort(rng.integers(1, n + 1, m))
    start = np.datetime64("2024-01-01T14:00:00", "s")  # UTC
    now64 = np.datetime64(now.replace(tzinfo=None), "s")
    seconds = int((now64 - start) / np.timedelta64(1, "s"))
    referred = start + rng.integers(0, seconds, m).astype("timedelta64[s]")
    order = np.lexsort((referred, patient))
    patient, referred = patient[order], referred[order]
    last = np.ones(m, dtype=bool)
    last[:-1] = patient[:-1] != patient[1:]
    roll = rng.random(m)
    earlier = np.where(roll < 0.6, "declined", "closed")
    final = np.select(
        [roll < 0.12, roll < 0.17, roll < 0.22, roll < 0.62, roll < 0.85],
        ["referred", "accepted", "intake_booked", "attached", "declined"],
        "closed",
    )
    status = np.where(last, final, earlier)
    day = np.timedelta64(86400, "s")

    def later(base, low, high):
        stamp = base + rng.integers(low, high, m) * day
        return np.minimum(stamp, now64)

    accepted_at = later(referred, 1, 10)
    attached_at = later(accepted_at, 10, 60)
    answered_at = later(referred, 1, 40)
    has_accept = np.isin(status, ["accepted", "intake_booked", "attached"])

    def text(stamps, mask):
        out = np.char.add(stamps.astype(str), "+00:00")
        return np.where(mask, out, "")

    closed = status == "closed"
    declined = status == "declined"
    frame = pd.DataFrame(
        {
            "patient_id": patient,
            "location_id": location_ids[rng.integers(0, LOCATIONS, m)],
            "status": status,
            "referred_at": np.char.add(referred.astype(str), "+00:00"),
            "accepted_at": text(accepted_at, has_accept),
            "declined_at": text(answered_at, declined),
            "decline_reason": np.where(
                declined, rng.choice(["no_capacity", "complexity", "distance", "other"], m), ""
            ),
            "intake_history_updated": "f",
            "intake_screening_done": "f",
            "attached_at": text(attached_at, status == "attached"),
            "closed_at": text(answered_at, closed),
            "closed_reason": np.where(
                closed,
                rng.choice(["patient_declined", "unreachable", "no_show", "other"], m),
                "",
            ),
            "note": "",
            "updated_at": stamp,
        }
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        columns = list(frame.columns)
        for begin in range(0, m, 250_000):
            chunk = frame.iloc[begin : begin + 250_000].to_csv(index=False, header=False)
            with raw.copy(
                f"COPY attachment_referral ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, "
                "FORCE_NOT_NULL (decline_reason, closed_reason, note))"
            ) as copy:
                copy.write(chunk)
    del frame

    # Extract events: every patient joined; 2% came back, 2% had their status changed.
    joined = np.maximum(registered, np.datetime64(date(2024, 1, 1))).astype(str)
    events = [
        pd.DataFrame(
            {
                "patient_id": np.arange(1, n + 1),
                "extract_date": joined,
                "change": "joined",
                "fields": "[]",
            }
        ),
    ]
    for change, fields, share in (("returned", "[]", 0.02), ("updated", '["status"]', 0.02)):
        chosen = np.sort(rng.choice(n, int(n * share), replace=False)) + 1
        days = rng.integers(0, (today - date(2025, 1, 1)).days, len(chosen))
        when = np.datetime64(date(2025, 1, 1)) + days.astype("timedelta64[D]")
        events.append(
            pd.DataFrame(
                {
                    "patient_id": chosen,
                    "extract_date": when.astype(str),
                    "change": change,
                    "fields": fields,
                }
            )
        )
    frame = pd.concat(events, ignore_index=True)
    frame["import_run_id"] = run.pk
    frame["recorded_at"] = stamp
    with connection.cursor() as cursor:
        copy_frame(
            cursor.cursor,
            "attachment_patientextractevent",
            ["patient_id", "extract_date", "change", "fields", "import_run_id", "recorded_at"],
            frame,
        )
    event_count = len(frame)
    del frame

    # The provincial FSA summaries of the last two quarter ends.
    from reporting.quarters import current_quarter, previous_quarter, quarter_bounds

    current = current_quarter(today)
    before = previous_quarter(*current)
    summary_run = ImportRun.objects.create(
        kind="hcc_fsa_summary",
        file_name="bench_summary.csv",
        sha256="1" * 64,
        trigger=ImportRun.Trigger.COMMAND,
        status=ImportRun.Status.SUCCEEDED,
    )
    summaries = []
    for quarter in (previous_quarter(*before), before):
        extract_date = quarter_bounds(*quarter)[1]
        for i, fsa in enumerate(fsas):
            active = int(rng.integers(500, 2000))
            summaries.append(
                FSASummary(
                    extract_date=extract_date,
                    oht=ohts[i // FSAS_PER_OHT],
                    fsa=fsa,
                    active_patients=active,
                    active_complex_vulnerable=active // 7,
                    wait_0_6m=active,
                    wait_6_12m=0,
                    wait_12_24m=0,
                    wait_24m_plus=0,
                    import_run=summary_run,
                )
            )
    FSASummary.objects.bulk_create(summaries)

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "ohts": ohts,
        "patients": n,
        "referrals": m,
        "events": event_count,
        "declarations": len(declarations),
    }


def median_seconds(func, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def baseline_scan() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT oht_id, count(*) FROM attachment_patient GROUP BY oht_id")
        cursor.fetchall()
        cursor.execute(
            "SELECT p.oht_id, count(*) FROM attachment_referral r "
            "JOIN attachment_patient p ON p.id = r.patient_id GROUP BY p.oht_id"
        )
        cursor.fetchall()


def run_benchmark(patients: int, referrals: int, runs: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from oht_portal.models import OHT
    from reporting.models import MetricsRun, QuarterSnapshot, SnapshotFigure
    from reporting.quarters import current_quarter
    from reporting.services import build_nightly, build_quarter, build_quarters

    print(f"load average at start: {load_average()}")
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    start = time.perf_counter()
    loaded = load(patients, referrals, today)
    print(
        f"loaded {loaded['patients']:,} patients, {loaded['referrals']:,} referrals, "
        f"{loaded['events']:,} extract events, {loaded['declarations']:,} declarations "
        f"in {len(loaded['ohts'])} OHTs in {time.perf_counter() - start:.0f} s"
    )

    fiscal_year, quarter = current_quarter(today)
    all_ohts = list(OHT.objects.order_by("pk"))

    def one_quarter():
        runs_ = build_quarters(
            ohts=all_ohts, fiscal_year=fiscal_year, quarter=quarter, trigger="nightly"
        )
        if any(run.status != MetricsRun.Status.SUCCEEDED for run in runs_):
            sys.exit(f"a build failed: {[run.error for run in runs_ if run.error][:1]}")
        return runs_

    def nightly():
        runs_ = build_nightly(today)
        if any(run.status != MetricsRun.Status.SUCCEEDED for run in runs_):
            sys.exit(f"a build failed: {[run.error for run in runs_ if run.error][:1]}")
        return runs_

    def one_oht():
        return build_quarter(all_ohts[0], fiscal_year, quarter, "on_demand")

    baseline_scan()  # warm the cache
    base, _ = median_seconds(baseline_scan, max(runs, 3))
    quarter_s, _ = median_seconds(one_quarter, runs)
    nightly_s, nightly_runs = median_seconds(nightly, runs)
    oht_s, _ = median_seconds(one_oht, runs)
    rows = sum(run.rows for run in nightly_runs)
    snapshot = QuarterSnapshot.objects.filter(fiscal_year=fiscal_year, quarter=quarter).first()

    print(
        f"\nquarterly metrics build, {patients:,} patients, {referrals:,} referrals, "
        f"{len(all_ohts)} OHTs, PostgreSQL (median of {runs})"
    )
    print(f"{'measure':<52}{'seconds':>9}{'x (a)':>8}")
    print(f"{'(a) GROUP BY scan of patients and referrals':<52}{base:>9.2f}{1:>8.2f}")
    for label, seconds in (
        (f"(b) one quarter, every OHT ({fiscal_year} Q{quarter})", quarter_s),
        ("(c) nightly: current + previous quarter, every OHT", nightly_s),
        ("(d) one OHT's current quarter (rebuild button)", oht_s),
    ):
        print(f"{label:<52}{seconds:>9.2f}{seconds / base:>8.2f}")
    print(
        f"\nnightly build wrote {len(nightly_runs)} snapshots, {rows:,} figure rows "
        f"({SnapshotFigure.objects.count():,} stored in all)"
    )
    if snapshot is not None:
        print(
            f"one OHT's current quarter: {snapshot.waiting:,} waiting, cohort "
            f"{snapshot.cohort_size:,} ({snapshot.cohort_waiting:,} still waiting), "
            f"{snapshot.referred:,} referred, {snapshot.attached:,} attached, median wait "
            f"{snapshot.wait_median_days} days"
        )
    verdict = "PASS" if nightly_s < GOAL_SECONDS else "MISS"
    print(f"\ngoal (nightly full build under {GOAL_SECONDS} s): {verdict}")

    # The dashboard on the snapshots just built (benchmarks/dashboard_page.py's requests).
    from benchmarks.dashboard_page import prepare_client, time_dashboard

    prepare_client()
    print(f"\n{'request (after the build)':<52}{'ms':>9}{'queries':>9}{'x (a)':>8}")
    slowest = 0.0
    for label, ms, queries in time_dashboard(max(runs, 5)):
        slowest = max(slowest, ms)
        print(f"{label:<52}{ms:>9.1f}{queries:>9}{ms / 1000 / base:>8.2f}")
    verdict = "PASS" if slowest < PAGE_GOAL_MS else "MISS"
    print(f"goal (every dashboard request under {PAGE_GOAL_MS} ms server time): {verdict}")
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
