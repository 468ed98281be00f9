"""Benchmark: the care-connector API under load from 50 connectors, against /health/.

    REDIS_URL=redis://127.0.0.1:6379/13 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/api_load.py [--patients 250000] [--connectors 50] \
            [--duration 120] [--think 1.0] [--saturation 30] [--workers 3]

It creates a scratch database beside the one DATABASE_URL names (dropped at the end),
loads synthetic extracts through the real import pipeline (`oht_portal/synthetic.py`,
seed 2025, six OHTs: the waitlist is COPYed into a staging table and merged in one
statement), gives the practice locations capacity declarations, and creates
`--connectors` care connectors, each aligned with one OHT and holding an API token.
It then serves the portal with gunicorn on a free loopback port, as production does
(`--workers` sync workers, DEBUG off; set REDIS_URL, as above, for production's shared
cache of throttle and alert counts), and drives it from this process with one
thread per connector (standard library `http.client`; no load-testing framework, so
that nothing monkey-patches the process).

Each connector repeats a care connector's round, with a think time between requests
(uniform 0.5–1.5 × `--think` seconds):

  list     GET  /api/v1/patients/ — the first page, a later page, one FSA, cohort and
                complex vulnerable, or a name search (50 rows, each audited);
  detail   GET  /api/v1/patients/{id}/ (audited);
  verify   POST /api/v1/patients/{id}/verifications/ (a verification result);
  refer    POST /api/v1/referrals/ (every other round) for a patient from a small
                pool shared by the OHT's connectors, at a location with capacity, with
                an Idempotency-Key: two connectors referring the same patient, or a
                location filling up, answers 409, which is expected and counted apart;
  health   GET  /health/ (the baseline under the same load).

Before the load, /health/ is timed alone (one client, sequential): the idle baseline.
After the paced phase, an optional saturation phase (`--saturation` seconds) runs the
same rounds with no think time, to show the throughput ceiling of this machine.

Printed per operation: requests, p50/p95/p99 in ms, the ratio of p50 and p95 to the
health check's under the same load, expected 409s, and errors (any other status that
is not 2xx, or a failed connection). Also the throughput and the load average (the
machine may be shared). Goal (issue 8): p95 under 250 ms, no errors other than the
expected 409s. Throttling is set generously through the environment so that it does
not shape the figures. Record results in docs/benchmarks.md ("API load").
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.import_extract import drop_database, scratch_database  # noqa: E402

GOAL_P95_MS = 250
OPERATIONS = ["list", "detail", "verify", "refer", "health"]
HOT_POOL = 300  # patients per OHT that its connectors may refer (so that some collide)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    """Production settings on loopback. Throttling is generous so that it does not
    shape the figures; e-mail notices go nowhere (no SMTP server here)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or "benchmark-only-not-a-secret",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DJANGO_SETTINGS_MODULE="oht_portal.settings",
        PYTHONWARNINGS="ignore:No directory at",  # no collectstatic for an API run
        # Quarterly figures are not what is measured here: no rebuild after the import.
        DJANGO_REPORTING_BUILD_AFTER_IMPORT="false",
        DJANGO_API_RATE_READ="1000000/min",
        DJANGO_API_RATE_WRITE="1000000/min",
    )
    return env


# --- The world ---------------------------------------------------------------------------


def load_world(patients: int, connectors: int) -> dict:
    """Patients, directory, capacity and connectors; returns what the clients need."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from clinicians.capacity import offerable
    from clinicians.demo import demo_directory_seed
    from clinicians.models import PracticeLocation
    from oht_portal.choices import ApiTokenScope, Role
    from oht_portal.imports.pipeline import import_file
    from oht_portal.models import OHT, Membership, User
    from oht_portal.services import api_token_create
    from oht_portal.synthetic import write_extracts

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="oht-api-load-"))
    paths = write_extracts(work, patients=patients, extract_date=date(2025, 9, 30))
    for kind in ("oht_registry", "clinician_contacts", "hcc_waitlist"):
        run = import_file(paths[kind], trigger="command", kind=kind)
        if run.status != "succeeded":
            sys.exit(f"{kind}: import {run.status}: {run.error}")
    loaded = time.perf_counter() - started
    demo_directory_seed(seed=2025)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    ohts = list(OHT.objects.order_by("code"))
    world = {
        "ohts": {},
        "connectors": [],
        "load_seconds": loaded,
        "patients": sum(oht.patients.count() for oht in ohts),
    }
    for oht in ohts:
        ids = list(oht.patients.order_by("pk").values_list("pk", flat=True))
        rng = random.Random(oht.code)
        locations = list(
            offerable(PracticeLocation.objects.filter(oht=oht)).values_list("pk", "remaining")
        )
        world["ohts"][oht.code] = {
            "patients": ids,
            "hot": rng.sample(ids, min(HOT_POOL, len(ids))),
            "fsas": sorted(oht.served_fsas.values_list("fsa", flat=True)),
            "locations": [pk for pk, _remaining in locations],
            "places": sum(remaining for _pk, remaining in locations),
        }
    for i in range(connectors):
        oht = ohts[i % len(ohts)]
        user = User.objects.create_user(
            email=f"connector{i:03d}@bench.example.org", full_name=f"Connector {i}"
        )
        Membership.objects.create(user=user, oht=oht, role=Role.CARE_CONNECTOR)
        _instance, token = api_token_create(
            user=user, days=1, scope=ApiTokenScope.READ_WRITE, label="api_load"
        )
        world["connectors"].append({"token": token, "oht": oht.code})
    world["setup_seconds"] = time.perf_counter() - started
    from django.db import connections

    connections.close_all()
    return world


# --- The clients -------------------------------------------------------------------------


class Recorder:
    """Latencies and outcomes per operation, from all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.recording = False
        self.times: dict[str, list[float]] = defaultdict(list)
        self.expected: dict[str, int] = defaultdict(int)
        self.conflicts: dict[str, int] = defaultdict(int)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, op: str, ms: float, status: int | str, body: bytes) -> None:
        if not self.recording:
            return
        with self.lock:
            self.times[op].append(ms)
            if isinstance(status, int) and 200 <= status < 300:
                return
            if status == 409:
                self.expected[op] += 1
                try:
                    code = json.loads(body).get("code", "?")
                except (ValueError, AttributeError):
                    code = "?"
                self.conflicts[code] += 1
                return
            self.errors[op][str(status)] += 1


def request(port: int, method: str, path: str, token: str | None, body=None, headers=None):
    """One request on a new connection (gunicorn's sync workers close it after each
    response, as behind a proxy); returns (ms, status, body)."""
    sent = {"Accept": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Token {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    start = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        payload = response.read()
        status = response.status
        conn.close()
    except (OSError, http.client.HTTPException) as error:
        return (time.perf_counter() - start) * 1000, type(error).__name__, b""
    return (time.perf_counter() - start) * 1000, status, payload


def list_path(rng: random.Random, oht: dict) -> str:
    choice = rng.random()
    if choice < 0.4:
        return "/api/v1/patients/?limit=50"
    if choice < 0.6:
        return f"/api/v1/patients/?limit=50&offset={rng.randrange(50, 5000, 50)}"
    if choice < 0.8:
        return f"/api/v1/patients/?limit=50&fsa={rng.choice(oht['fsas'])}"
    if choice < 0.9:
        return "/api/v1/patients/?limit=50&cohort=true&complex_vulnerable=true"
    prefix = rng.choice(["MA", "TR", "NG", "SM", "LE", "GA", "RO", "WI"])
    return f"/api/v1/patients/?limit=50&q={prefix}"


def connector_loop(port, connector, oht, recorder, stop_at, think, seed):
    """One connector's rounds until `stop_at`: list, detail, verify, (refer), health."""
    rng = random.Random(seed)
    token = connector["token"]

    def pause():
        if think:
            time.sleep(think * rng.uniform(0.5, 1.5))

    round_number = 0
    while time.monotonic() < stop_at:
        patient = rng.choice(oht["patients"])
        steps = [
            ("list", "GET", list_path(rng, oht), None, None),
            ("detail", "GET", f"/api/v1/patients/{patient}/", None, None),
            (
                "verify",
                "POST",
                f"/api/v1/patients/{patient}/verifications/",
                {"result": "still_needs_care" if rng.random() < 0.8 else "unreachable"},
                None,
            ),
        ]
        if round_number % 2 == 0 and oht["locations"]:
            steps.append(
                (
                    "refer",
                    "POST",
                    "/api/v1/referrals/",
                    {"patient": rng.choice(oht["hot"]), "location": rng.choice(oht["locations"])},
                    {"Idempotency-Key": str(uuid.UUID(int=rng.getrandbits(128)))},
                )
            )
        steps.append(("health", "GET", "/health/", None, None))
        for op, method, path, body, headers in steps:
            if time.monotonic() >= stop_at:
                return
            ms, status, payload = request(
                port, method, path, None if op == "health" else token, body, headers
            )
            recorder.add(op, ms, status, payload)
            pause()
        round_number += 1


def run_phase(port, world, seconds, think, warm_up, seed) -> tuple[Recorder, float, list]:
    """All connectors at once for `seconds` after `warm_up` seconds not recorded."""
    recorder = Recorder()
    stop_at = time.monotonic() + warm_up + seconds
    threads = []
    for i, connector in enumerate(world["connectors"]):
        oht = world["ohts"][connector["oht"]]
        thread = threading.Thread(
            target=connector_loop,
            args=(port, connector, oht, recorder, stop_at, think, seed * 1000 + i),
            daemon=True,
        )
        threads.append(thread)
    for thread in threads:
        thread.start()
        time.sleep(min(0.05, warm_up / max(len(threads), 1)))
    time.sleep(max(0.0, stop_at - seconds - time.monotonic()))
    recorder.recording = True
    began = time.monotonic()
    loads = []
    while time.monotonic() < stop_at:
        time.sleep(min(5.0, max(0.0, stop_at - time.monotonic())))
        loads.append(os.getloadavg()[0])
    recorder.recording = False
    elapsed = time.monotonic() - began
    for thread in threads:
        thread.join(timeout=90)
    return recorder, elapsed, loads


def idle_health(port: int, count: int) -> list[float]:
    for _ in range(10):
        request(port, "GET", "/health/", None)
    times = []
    for _ in range(count):
        ms, status, _body = request(port, "GET", "/health/", None)
        if status != 200:
            sys.exit(f"/health/ answered {status} while idle")
        times.append(ms)
    return times


# --- Figures -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def report(title: str, recorder: Recorder, elapsed: float, loads: list, idle: list[float]):
    health = recorder.times.get("health", [])
    h50, h95 = percentile(health, 50), percentile(health, 95)
    i50 = percentile(idle, 50)
    total = sum(len(values) for values in recorder.times.values())
    rate = total / elapsed
    print(f"\n{title}: {total:,} requests in {elapsed:.0f} s = {rate:.1f} req/s; ", end="")
    if loads:
        print(f"load average (1 min) {min(loads):.2f}–{max(loads):.2f}")
    else:
        print()
    print(
        f"{'operation':<9} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'p50÷health':>10} {'p95÷health':>10} {'p50÷idle':>9} {'409s':>6} {'errors':>7}"
    )
    worst_p95, errors = 0.0, 0
    for op in OPERATIONS:
        values = recorder.times.get(op, [])
        if not values:
            continue
        p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
        failed = sum(recorder.errors[op].values())
        errors += failed
        if op != "health":
            worst_p95 = max(worst_p95, p95)
        print(
            f"{op:<9} {len(values):>8,} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} "
            f"{p50 / h50:>10.1f} {p95 / h95:>10.1f} {p50 / i50:>9.1f} "
            f"{recorder.expected[op]:>6} {failed:>7}"
        )
    for op, statuses in recorder.errors.items():
        if statuses:
            print(f"  errors in {op}: {dict(statuses)}")
    if recorder.conflicts:
        print(f"  expected 409s by code: {dict(recorder.conflicts)}")
    return worst_p95, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=250_000)
    parser.add_argument("--connectors", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120, help="seconds of paced load")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between requests")
    parser.add_argument("--saturation", type=int, default=30, help="seconds with no think time")
    parser.add_argument("--warm-up", type=int, default=10, help="seconds not recorded")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (compose: 3)")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (a scratch database is made beside it).")
    url, name = scratch_database(base_url)
    env = server_env(url)
    os.environ.update(env)
    server = None
    try:
        print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
        world = load_world(args.patients, args.connectors)
        places = sum(oht["places"] for oht in world["ohts"].values())
        print(
            f"loaded {world['patients']:,} patients in {world['load_seconds']:.0f} s "
            f"(set-up {world['setup_seconds']:.0f} s); {len(world['ohts'])} OHTs, "
            f"{args.connectors} connectors, {places:,} open places",
            flush=True,
        )
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "oht_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(port, server)
        idle = idle_health(port, 200)
        print(
            f"idle /health/ (one client, 200 requests): p50 {percentile(idle, 50):.1f} ms, "
            f"p95 {percentile(idle, 95):.1f} ms",
            flush=True,
        )
        recorder, elapsed, loads = run_phase(
            port, world, args.duration, args.think, args.warm_up, args.seed
        )
        worst_p95, errors = report(
            f"paced ({args.connectors} connectors, think {args.think:g} s)",
            recorder,
            elapsed,
            loads,
            idle,
        )
        if args.saturation:
            recorder, elapsed, loads = run_phase(port, world, args.saturation, 0, 3, args.seed + 1)
            title = f"saturation ({args.connectors} connectors, no think time)"
            report(title, recorder, elapsed, loads, idle)
        met = worst_p95 < GOAL_P95_MS and errors == 0
        print(
            f"\ngoal (paced): p95 < {GOAL_P95_MS} ms and no unexpected errors: "
            f"{'met' if met else 'NOT met'} (worst p95 {worst_p95:.0f} ms, {errors} errors)"
        )
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        from django.db import connections

        connections.close_all()
        drop_database(base_url, name)


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode} before answering")
        _ms, status, _body = request(port, "GET", "/health/", None)
        if status == 200:
            return
        time.sleep(0.5)
    sys.exit(f"gunicorn did not answer /health/ within {seconds:.0f} s")


if __name__ == "__main__":
    main()
