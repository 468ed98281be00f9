"""Benchmark: the hcc_waitlist import against raw PostgreSQL COPY, measured in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/import_extract.py [--patients 250000]

It creates a scratch database beside the one DATABASE_URL names (and drops it at the
end), writes a synthetic waitlist file, and times:

  (a) baseline: raw COPY of the same rows, already in the table's shape, into a copy
      of the patient table made with CREATE TABLE ... (LIKE attachment_patient
      INCLUDING ALL) — the fastest PostgreSQL can take these rows in;
  (b) the full import_extract pipeline (read, decode, parse, validate, COPY into
      staging, merge, reconcile, audit, record the run):
        1. first load of the file,
        2. re-load of the same rows under a new file name (rows reversed, so the
           checksum differs and the rows really go through the merge),
        3. a later extract with 5% of rows changed.

Each figure is printed in seconds and as a ratio to (a). Goals: first load within 3x
of (a), re-loads within 1.5x. Record results in docs/benchmarks.md.
"""

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def scratch_database(base_url: str) -> tuple[str, str]:
    """Create a fresh database next to `base_url`; return (its URL, its name)."""
    info = psycopg.conninfo.conninfo_to_dict(base_url)
    name = f"oht_bench_{os.getpid()}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    info["dbname"] = name
    user = info.get("user", "postgres")
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    password = f":{info['password']}" if info.get("password") else ""
    return f"postgres://{user}{password}@{host}:{port}/{name}", name


def drop_database(base_url: str, name: str) -> None:
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    return seconds, result


def table_shaped_csv(waitlist: Path, oht_ids: dict[str, int]) -> str:
    """The file's rows in attachment_patient's own columns (prepared outside timing)."""
    out = io.StringIO()
    writer = csv.writer(out)
    now = "2025-10-01 00:00:00+00"
    with waitlist.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            postal = row["postal_code"].replace(" ", "").upper()
            writer.writerow(
                [
                    row["hcc_id"],
                    oht_ids[row["oht_code"]],
                    row["registration_date"],
                    row["given_name"],
                    row["family_name"],
                    row["date_of_birth"],
                    row["health_card_number"].replace(" ", "").replace("-", ""),
                    postal,
                    postal[:3],
                    "".join(ch for ch in row["phone"] if ch.isdigit())[-10:],
                    row["email"],
                    row["preferred_contact"],
                    row["preferred_language"],
                    "t" if row["complex_vulnerable"].upper() in {"Y", "O", "1", "TRUE"} else "f",
                    row["status"],
                    row["status_date"] or None,
                    row["last_verified"] or None,
                    "t",
                    None,
                    now,
                    now,
                ]
            )
    return out.getvalue()


def rewrite(source: Path, target: Path, *, reverse: bool = False, change_share: float = 0.0):
    """Write the rows again: reversed (same rows, new checksum) or with some changed."""
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    if reverse:
        rows.reverse()
    if change_share:
        rng = random.Random(7)  # noqa: S311 - benchmark data
        phone = header.index("phone")
        for index in rng.sample(range(len(rows)), int(len(rows) * change_share)):
            rows[index][phone] = f"(416) 555-{rng.randrange(10000):04d}"
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=250_000)
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
        run_benchmark(args.patients, url)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(base_url, name)


def run_benchmark(patients: int, url: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from oht_portal.imports.pipeline import import_file
    from oht_portal.models import OHT
    from oht_portal.synthetic import write_extracts

    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="oht-bench-"))
    start = time.perf_counter()
    paths = write_extracts(work, patients=patients, extract_date=date(2025, 9, 30))
    print(f"generated {patients:,} patients in {time.perf_counter() - start:.1f} s")
    import_file(paths["oht_registry"], trigger="command")
    oht_ids = dict(OHT.objects.values_list("code", "pk"))
    waitlist = paths["hcc_waitlist"]

    shaped = table_shaped_csv(waitlist, oht_ids)
    columns = (
        "hcc_id, oht_id, registration_date, given_name, family_name, date_of_birth, "
        "health_card_number, postal_code, fsa, phone, email, preferred_contact, "
        "preferred_language, complex_vulnerable, status, status_date, last_verified, "
        "on_hcc_list, left_hcc_list_on, created_at, updated_at"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_copy (LIKE attachment_patient INCLUDING ALL)")

        def copy():
            with (
                conn.cursor() as cur,
                cur.copy(
                    f"COPY bench_copy ({columns}) FROM STDIN WITH (FORMAT csv, "
                    "FORCE_NOT_NULL (health_card_number, phone, email, preferred_contact, "
                    "preferred_language))"
                ) as cp,
            ):
                cp.write(shaped)

        baseline, _ = timed("copy", copy)
        conn.execute("DROP TABLE bench_copy")

    results = []

    def measure(label: str, path: Path, **kwargs):
        seconds, run = timed(label, lambda: import_file(path, trigger="command", **kwargs))
        if run.status != "succeeded":
            sys.exit(f"{label}: import {run.status}: {run.error}")
        results.append((label, seconds, run))

    measure("first load", waitlist)
    same_rows = work / "hcc_waitlist_ALL_reloaded_20250930.csv"
    rewrite(waitlist, same_rows, reverse=True)
    measure("re-load, same rows, new file", same_rows)
    changed = work / "hcc_waitlist_ALL_20251231.csv"
    rewrite(waitlist, changed, change_share=0.05)
    measure("re-load, 5% changed", changed)
    duplicate_seconds, duplicate = timed(
        "duplicate", lambda: import_file(changed, trigger="command")
    )
    connection.close()

    print(f"\nhcc_waitlist import, {patients:,} rows, PostgreSQL")
    print(f"{'measure':<32}{'seconds':>9}{'rows/s':>11}{'x COPY':>8}   counts")
    print(f"{'(a) raw COPY (baseline)':<32}{baseline:>9.2f}{patients / baseline:>11,.0f}{1:>8.2f}")
    for label, seconds, run in results:
        counts = (
            f"created {run.rows_created:,} updated {run.rows_updated:,} "
            f"unchanged {run.rows_unchanged:,}"
        )
        print(
            f"{'(b) ' + label:<32}{seconds:>9.2f}{patients / seconds:>11,.0f}"
            f"{seconds / baseline:>8.2f}   {counts}"
        )
    print(
        f"{'same file again (checksum)':<32}{duplicate_seconds:>9.2f}{'':>11}"
        f"{duplicate_seconds / baseline:>8.2f}   {duplicate.status}"
    )
    first, reload_same, reload_changed = (seconds / baseline for _l, seconds, _r in results)
    verdict = "PASS" if first <= 3 and reload_same <= 1.5 and reload_changed <= 1.5 else "MISS"
    print(f"\ngoals (first <= 3x, re-loads <= 1.5x): {verdict}")


if __name__ == "__main__":
    main()
