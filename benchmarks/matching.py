"""Benchmark: matching at OHT and province size, against a first-come greedy pass.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python benchmarks/matching.py [--scale 1.0] [--skip-province-db]

It creates a scratch database beside the one DATABASE_URL names (and drops it at the
end) and builds synthetic instances on a synthetic map: a grid of made-up FSAs (first
letters Canada Post never uses, so no real FSA is involved; a 0 digit marks a remote
one), 18 km apart, so that with MATCHING_MAX_DISTANCE_KM = 25 each patient reaches the
locations of five cells (its own and four neighbours): 20–50 candidates once the
declarations' constraints are applied. Patients: 20% children, 15% complex
vulnerable, 12% French, 8% another language, registered 2022-01 to 2025-09.
Locations: 1–19 places each, 15% adults only, 5% paediatric only, 20% not taking
complex patients, 5% requiring a language, 15% French, 1% virtual.

For each instance (OHT: 25,000 patients × 1,500 locations; province: 250,000 ×
15,000):

  in memory   building the candidates from arrays, solving (OR-Tools min-cost flow),
              the greedy pass;
  PostgreSQL  the instance loaded into the scratch database as one OHT, then what a
              run does: reading the candidates, solving, writing the proposals (with
              their reasons, alternatives and audit rows).

Times are printed in seconds and as a ratio to the greedy pass on the same
candidates (the baseline, measured in the same run); objective and
language-concordant matches as a ratio to greedy's. Peak memory is the process's
peak resident set (OR-Tools allocates outside Python's allocator). The optimality gap
printed is the dual bound the solver's certificate computes minus the assignment's
value, on the full patient-level problem (0 = proven optimal; tests also check the
solver against brute force). Record results in docs/benchmarks.md.
"""

import argparse
import math
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from import_extract import drop_database, scratch_database  # noqa: E402

SPACING_KM = 18.0
OTHER_LANGUAGES = ["pt", "zh", "pa", "ar"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_map(cells: int) -> dict[str, tuple[float, float]]:
    """Made-up FSAs on a square grid, SPACING_KM apart, as (lat, lon) in radians."""
    codes = [
        f"{first}{digit}{last}"
        for first in "DFIOQUWZ"
        for digit in "0123456789"
        for last in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ][:cells]
    width = math.ceil(math.sqrt(cells))
    lat0, lon0 = math.radians(45.0), math.radians(-80.0)
    dlat = SPACING_KM / 6371.0
    dlon = dlat / math.cos(lat0)
    return {
        code: (lat0 + (i // width) * dlat, lon0 + (i % width) * dlon)
        for i, code in enumerate(codes)
    }


def synthetic_instance(patients: int, locations: int, seed: int):
    """Column arrays of a synthetic instance (patients, locations)."""
    rng = np.random.default_rng(seed)
    cells = max(60, locations // 7)
    fsas = list(synthetic_map(cells))
    today = date(2025, 10, 15)
    p = {
        "fsa": rng.choice(fsas, patients).tolist(),
        "dob": [today - timedelta(days=int(d)) for d in rng.integers(0, 90 * 365, patients)],
        "registered": [
            date(2022, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 1368, patients)
        ],
        "complex": (rng.random(patients) < 0.15).tolist(),
        "language": rng.choice(
            ["en", "fr", *OTHER_LANGUAGES], patients, p=[0.80, 0.12, 0.02, 0.02, 0.02, 0.02]
        ).tolist(),
    }
    roll = rng.random(locations)
    kind = rng.random(locations)
    languages = []
    for r in rng.random(locations):
        codes = ["en"]
        if r < 0.15:
            codes.append("fr")
        elif r < 0.25:
            codes.append(str(rng.choice(OTHER_LANGUAGES)))
        languages.append(";".join(codes))
    loc = {
        "fsa": rng.choice(fsas, locations).tolist(),
        "places": rng.integers(1, 20, locations).tolist(),
        "languages": languages,
        "min_age": [18 if k < 0.15 else (0 if k < 0.20 else None) for k in kind],
        "max_age": [17 if 0.15 <= k < 0.20 else None for k in kind],
        "takes_complex": (rng.random(locations) >= 0.20).tolist(),
        "required": [
            lang.split(";")[-1] if r < 0.05 and ";" in lang else ""
            for r, lang in zip(roll, languages, strict=True)
        ],
        "virtual": (rng.random(locations) < 0.01).tolist(),
    }
    return p, loc, today


def in_memory(p, loc, today):
    """The candidates' Patients and Locations straight from the arrays."""
    from django.conf import settings

    from attachment.matching.candidates import (
        NO_MAX_AGE,
        NO_MIN_AGE,
        Locations,
        Patients,
        _age_and_months,
    )

    n, m = len(p["fsa"]), len(loc["fsa"])
    age, months = _age_and_months(p["dob"], p["registered"], today)
    patients = Patients(
        ids=np.arange(1, n + 1, dtype=np.int64),
        oht=np.ones(n, dtype=np.int64),
        fsa=p["fsa"],
        age=age,
        complex_vulnerable=np.array(p["complex"]),
        cohort=np.array([r <= settings.HCC_COHORT_DATE for r in p["registered"]]),
        months=months,
        registered=np.array([r.toordinal() for r in p["registered"]], dtype=np.int32),
        language=p["language"],
        household=[None] * n,
    )
    languages = [set(text.split(";")) for text in loc["languages"]]
    locations = Locations(
        ids=np.arange(1, m + 1, dtype=np.int64),
        clinician=np.arange(1, m + 1, dtype=np.int64),
        fsa=loc["fsa"],
        capacity=np.array(loc["places"], dtype=np.int32),
        languages=languages,
        french=np.array(["fr" in langs for langs in languages]),
        required_languages=[{r} if r else set() for r in loc["required"]],
        min_age=np.array([NO_MIN_AGE if a is None else a for a in loc["min_age"]], np.int16),
        max_age=np.array([NO_MAX_AGE if a is None else a for a in loc["max_age"]], np.int16),
        takes_complex=np.array(loc["takes_complex"]),
        virtual=np.array(loc["virtual"]),
    )
    return patients, locations


def load_into_database(label: str, p, loc):
    """The instance as one OHT's patients, clinicians, locations and declarations."""
    from django.db import connection
    from django.utils import timezone

    from attachment.models import Patient
    from clinicians.models import CapacityDeclaration, Clinician, PracticeLocation
    from oht_portal.models import OHT, Region

    region, _ = Region.objects.get_or_create(
        code="Bench", defaults={"name_en": "Bench", "name_fr": "Bench"}
    )
    oht = OHT.objects.create(code=label[:6], name_en=label, name_fr=label, region=region)
    n, m = len(p["fsa"]), len(loc["fsa"])
    Patient.objects.bulk_create(
        (
            Patient(
                hcc_id=f"{label[:2]}{i:011d}",
                oht=oht,
                registration_date=p["registered"][i],
                given_name="Synthetic",
                family_name=f"Patient{i}",
                date_of_birth=p["dob"][i],
                postal_code=f"{p['fsa'][i]}1A1",
                fsa=p["fsa"][i],
                preferred_language=p["language"][i],
                complex_vulnerable=p["complex"][i],
                status="active",
            )
            for i in range(n)
        ),
        batch_size=5000,
    )
    clinicians = Clinician.objects.bulk_create(
        [
            Clinician(
                registration_body="CPSO",
                registration_number=f"{label[:1]}{i:06d}",
                clinician_type="FP",
                given_name="Synthetic",
                family_name=f"Doctor{i}",
                languages="en",
            )
            for i in range(m)
        ],
        batch_size=5000,
    )
    locations = PracticeLocation.objects.bulk_create(
        [
            PracticeLocation(
                clinician=clinicians[j],
                oht=oht,
                practice_name=f"Clinic {j}",
                name_key=f"clinic {j}",
                address="1 Main St",
                city="Synthetic",
                postal_code=f"{loc['fsa'][j]}1A1",
                fsa=loc["fsa"][j],
                languages=loc["languages"][j],
                virtual_care=loc["virtual"][j],
            )
            for j in range(m)
        ],
        batch_size=5000,
    )
    now = timezone.now()
    declarations = CapacityDeclaration.objects.bulk_create(
        [
            CapacityDeclaration(
                location=locations[j],
                accepting_status="newpt",
                new_patients=loc["places"][j],
                min_age=loc["min_age"][j],
                max_age=loc["max_age"][j],
                languages=loc["required"][j],
                takes_complex=loc["takes_complex"][j],
                declared_at=now - timedelta(days=1),
                channel="staff",
                verified_at=now,
                expires_on=now.date() + timedelta(days=90),
            )
            for j in range(m)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clinicians_practicelocation l SET current_declaration_id = d.id "
            "FROM clinicians_capacitydeclaration d WHERE d.location_id = l.id AND l.oht_id = %s",
            [oht.pk],
        )
        cursor.execute("ANALYZE")
    if len(declarations) != m:
        sys.exit("declarations missing")
    return oht


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def report(title: str, rows: list[tuple[str, float]], baseline: float, extra: list[str]):
    print(f"\n{title}")
    print(f"  {'step':<38}{'seconds':>9}{'x greedy':>10}")
    for label, seconds in rows:
        print(f"  {label:<38}{seconds:>9.2f}{seconds / baseline:>10.1f}")
    for line in extra:
        print(f"  {line}")


def comparison(best, first_come) -> list[str]:
    from attachment.matching.explain import totals

    b, g = totals(best), totals(first_come)
    lines = [
        f"candidates: {len(best.candidates):,} pairs, "
        f"{len(best.candidates) / max(1, len(np.unique(best.candidates.patient))):.1f} per patient",
    ]
    for key in ("patients", "cohort", "complex_vulnerable", "language_concordant", "objective"):
        ratio = b[key] / g[key] if g[key] else float("nan")
        lines.append(f"{key:<22} optimal {b[key]:>14,}   greedy {g[key]:>14,}   x {ratio:.3f}")
    lines.append(
        f"{'median_km':<22} optimal {b['median_km']!s:>14}   greedy {g['median_km']!s:>14}"
    )
    bound = "none" if best.bound is None else f"{best.bound:,}"
    gap = "not proven" if best.bound is None else f"{best.bound - best.value}"
    lines.append(
        f"solver value: optimal {best.value:,} >= greedy {first_come.value:,}; "
        f"dual bound {bound}, optimality gap {gap}"
    )
    return lines


def bench_memory(label: str, patients: int, locations: int, seed: int):
    from attachment.matching.candidates import build_candidates
    from attachment.matching.greedy import greedy
    from attachment.matching.solver import solve

    p, loc, today = synthetic_instance(patients, locations, seed)
    pats, locs = in_memory(p, loc, today)
    build_s, c = timed(lambda: build_candidates(pats, locs))
    greedy_s, first_come = timed(lambda: greedy(c))
    solve_s, best = timed(lambda: solve(c))
    report(
        f"{label}, in memory: {patients:,} patients x {locations:,} locations, "
        f"{int(locs.capacity.sum()):,} places",
        [
            ("(a) greedy pass (baseline)", greedy_s),
            ("(b) build candidates", build_s),
            ("(c) solve (min-cost flow)", solve_s),
            ("(b)+(c)", build_s + solve_s),
        ],
        greedy_s,
        [*comparison(best, first_come), f"peak memory so far: {peak_mb():,.0f} MB"],
    )
    return p, loc


def bench_database(label: str, p, loc):
    from django.db import transaction

    from attachment.matching.candidates import read_candidates
    from attachment.matching.greedy import greedy
    from attachment.matching.run import _write_proposals
    from attachment.matching.solver import solve
    from attachment.models import MatchingRun

    load_s, oht = timed(lambda: load_into_database(label, p, loc))
    print(f"\n(loaded {label} into PostgreSQL in {load_s:.1f} s, not part of the figures)")
    run = MatchingRun.objects.create(oht=oht, status="running")
    read_s, c = timed(lambda: read_candidates(oht))
    solve_s, best = timed(lambda: solve(c))
    greedy_s, first_come = timed(lambda: greedy(c))

    def write():
        with transaction.atomic():
            return _write_proposals(run, c, best)

    write_s, written = timed(write)
    total = read_s + solve_s + write_s
    report(
        f"{label}, PostgreSQL end to end: {len(p['fsa']):,} patients x {len(loc['fsa']):,} "
        f"locations",
        [
            ("(a) greedy pass (baseline)", greedy_s),
            ("(b) read candidates from PostgreSQL", read_s),
            ("(c) solve (min-cost flow)", solve_s),
            (f"(d) write {written:,} proposals + audit", write_s),
            ("(b)+(c)+(d) end to end", total),
        ],
        greedy_s,
        [*comparison(best, first_come), f"peak memory so far: {peak_mb():,.0f} MB"],
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="shrink both instances")
    parser.add_argument("--skip-province-db", action="store_true")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (a scratch database is made beside it).")
    url, name = scratch_database(base_url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oht_portal.settings")
    try:
        run_benchmark(args)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(base_url, name)


def run_benchmark(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    import attachment.matching.candidates as candidates

    call_command("migrate", verbosity=0)
    # Other processes share the machine: note how busy it was.
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    sizes = {
        "OHT": (int(25_000 * args.scale), int(1_500 * args.scale)),
        "PROV": (int(250_000 * args.scale), int(15_000 * args.scale)),
    }
    goals = {"OHT": 5.0, "PROV": 60.0}
    verdicts = []
    for label, (patients, locations) in sizes.items():
        # The synthetic map replaces the FSA centroids for this instance.
        grid = synthetic_map(max(60, locations // 7))
        candidates.centroids = lambda grid=grid: grid
        p, loc = bench_memory(label, patients, locations, seed=7)
        if label == "PROV" and args.skip_province_db:
            continue
        total = bench_database(label, p, loc)
        verdicts.append(f"{label} end to end {total:.1f} s (goal < {goals[label]:.0f} s)")
    print("\n" + "\n".join(verdicts))
    print(f"peak memory of the whole run: {peak_mb():,.0f} MB")
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
