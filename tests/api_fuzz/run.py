"""Schemathesis against the API as it is served: a bounded run for CI and `make fuzz`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python -m tests.api_fuzz.run [--max-time 150] [--max-examples 20]

Why a live server and not the test client: the schema, the token check, the error
handler and the JSON rendering are exercised exactly as a care connector's program
meets them, under gunicorn as in production.

Steps: make a scratch database beside the one DATABASE_URL names (PostgreSQL, as in
CI; without DATABASE_URL a throw-away SQLite file; dropped at the end), migrate it,
seed a small synthetic world through the real import pipeline (a few hundred patients
in three OHTs, the directory with capacity, interim supports, a matching run's
proposals and some referrals in flight), create a care connector of two OHTs with an
API token, start gunicorn on a free loopback port, and run `st run` on the served
schema (`/api/v1/schema/`) with that token. Checks: `not_a_server_error`,
`status_code_conformance`, `response_schema_conformance`.

Bounded: `--max-examples` per operation and phase, and `--max-time` for the whole
run (schemathesis draws new cases until the time is spent); the subprocess is killed
if it overruns by two minutes. The exit status is schemathesis' own: non-zero on a
5xx or a response that does not conform, so CI fails. The seed is fixed by default so
that a failure in CI can be replayed with the same `--seed`.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.import_extract import drop_database, scratch_database  # noqa: E402

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
CONNECTOR_EMAIL = "connector@fuzz.example.org"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, sqlite: Path | None) -> dict[str, str]:
    """Production-like settings on loopback: no DEBUG, no HTTPS redirect, no Redis (the
    fuzzer's writes send no task to a broker another test may be reading)."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    if sqlite is not None:
        env.pop("DATABASE_URL", None)
        env["DJANGO_SQLITE_PATH"] = str(sqlite)
    else:
        env["DATABASE_URL"] = database_url
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or "fuzz-only-not-a-secret",
        DJANGO_LOG_LEVEL="WARNING",
        # Referral notices are sent; keep them in memory, not on the CI log.
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_SETTINGS_MODULE="oht_portal.settings",
        # No collectstatic for an API run: whitenoise need not warn about it.
        PYTHONWARNINGS="ignore:No directory at",
    )
    # Throttling is tested on its own; the fuzzer must not be slowed into 429s.
    env["DJANGO_API_RATE_READ"] = "100000/min"
    env["DJANGO_API_RATE_WRITE"] = "100000/min"
    return env


def seed_world(*, patients: int, seed: int) -> str:
    """A small synthetic portal; returns the clear API token of its care connector."""
    import django

    django.setup()
    from django.core.management import call_command

    from attachment.choices import ProposalStatus
    from attachment.matching.run import matching_run_start
    from attachment.models import Patient, Proposal, Referral
    from attachment.referrals import proposal_confirm, referral_accept
    from clinicians.choices import AcceptingStatus, DeclarationChannel
    from clinicians.demo import demo_directory_seed
    from clinicians.models import PracticeLocation
    from clinicians.services import CapacityFigures, capacity_declare
    from interim_supports.demo import demo_supports_seed
    from oht_portal.choices import ApiTokenScope, Role
    from oht_portal.imports.pipeline import import_file
    from oht_portal.models import OHT, Membership, User
    from oht_portal.services import api_token_create
    from oht_portal.synthetic import write_extracts

    call_command("migrate", interactive=False, verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="oht-fuzz-"))
    try:
        paths = write_extracts(work, patients=patients, seed=seed, ohts=3)
        for kind in ("oht_registry", "clinician_contacts", "hcc_waitlist", "hcc_fsa_summary"):
            run = import_file(paths[kind], trigger="command", kind=kind)
            if run.status != "succeeded":
                sys.exit(f"seeding: the {kind} import {run.status}: {run.error}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    demo_directory_seed(seed=seed)
    demo_supports_seed(seed=seed)

    ohts = list(OHT.objects.order_by("code")[:2])
    connector = User.objects.create_user(email=CONNECTOR_EMAIL, full_name="Fuzz Connector")
    for oht in ohts:
        Membership.objects.create(user=connector, oht=oht, role=Role.CARE_CONNECTOR)
        # Fresh capacity in the connector's OHTs, so that matching proposes and the
        # fuzzer meets proposals, referrals and open places, not only 404s.
        for location in PracticeLocation.objects.filter(oht=oht):
            capacity_declare(
                location=location,
                figures=CapacityFigures(accepting_status=AcceptingStatus.ACCEPTING, new_patients=8),
                channel=DeclarationChannel.STAFF,
            )
    # Celery is eager here (no REDIS_URL): the run is done when this returns.
    matching_run_start(oht=ohts[0], actor=connector)
    proposals = Proposal.objects.filter(status=ProposalStatus.PROPOSED).order_by("pk")[:6]
    for index, proposal in enumerate(proposals):
        referral = proposal_confirm(proposal=proposal, actor=connector)
        if index % 2:
            referral_accept(referral=referral, actor=connector)
    print(
        f"seeded {Patient.objects.count()} patients, {PracticeLocation.objects.count()} "
        f"locations, {Proposal.objects.count()} proposals, {Referral.objects.count()} referrals",
        flush=True,
    )
    _instance, token = api_token_create(
        user=connector, days=1, scope=ApiTokenScope.READ_WRITE, label="schemathesis"
    )
    from django.db import connections

    connections.close_all()
    return token


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    sys.exit(f"gunicorn did not answer {url} within {seconds:.0f} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-time", type=int, default=150, help="seconds for the whole run")
    parser.add_argument("--max-examples", type=int, default=20, help="cases per operation")
    parser.add_argument("--seed", type=int, default=2025, help="schemathesis' random seed")
    parser.add_argument("--patients", type=int, default=600)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--work-dir",
        default=str(ROOT / "var" / "fuzz"),
        help="schemathesis' folder: its JUnit report and the cases that failed before "
        "(replayed first on the next run)",
    )
    args = parser.parse_args()
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    base_url = os.environ.get("DATABASE_URL", "")
    sqlite = None
    if base_url.startswith("postgres"):
        url, name = scratch_database(base_url)
    else:
        # A laptop without PostgreSQL: a throw-away SQLite file (CI uses PostgreSQL).
        sqlite = Path(tempfile.mkdtemp(prefix="oht-fuzz-db-")) / "fuzz.sqlite3"
        url, name = "", str(sqlite)
    port = free_port()
    env = server_env(url, sqlite)
    os.environ.clear()
    os.environ.update(env)
    server = None
    try:
        started = time.monotonic()
        token = seed_world(patients=args.patients, seed=args.seed)
        print(f"seeded {name} in {time.monotonic() - started:.1f} s", flush=True)
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
                "60",
                # No request-line limit: a 414 from gunicorn is the front server's answer,
                # not the API's; let every generated URL reach Django.
                "--limit-request-line",
                "0",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        origin = f"http://127.0.0.1:{port}"
        wait_until_up(f"{origin}/health/", server)
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{origin}/api/v1/schema/?format=json",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(args.max_examples),
            "--max-time",
            str(args.max_time),
            "--seed",
            str(args.seed),
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--generation-database",
            "none",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(work_dir / "report"),
        ]
        try:
            # In work_dir: schemathesis keeps its replay cache in ./.schemathesis.
            result = subprocess.run(  # noqa: S603 - our interpreter, our arguments
                command, cwd=work_dir, env=env, timeout=args.max_time + 120, check=False
            )
        except subprocess.TimeoutExpired:
            print(f"schemathesis overran its {args.max_time} s budget by 120 s", file=sys.stderr)
            return 1
        return result.returncode
    finally:
        if server is not None:
            stop(server)
        if sqlite is None:
            drop_database(base_url, name)
        else:
            shutil.rmtree(sqlite.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
