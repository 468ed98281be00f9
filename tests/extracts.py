"""Building extract files in tests: valid rows to start from, and checks of a run."""

import csv
from pathlib import Path

from oht_portal.models import ImportRun
from oht_portal.synthetic import HCC_WAITLIST_COLUMNS, luhn_check_digit

WAITLIST_HEADER = list(HCC_WAITLIST_COLUMNS)


def health_card(nine: str) -> str:
    """Nine digits + their Luhn check digit: a valid Ontario health card number."""
    return nine + luhn_check_digit(nine)


def hcc(n: int) -> str:
    return f"HCC{n:010d}"


def waitlist_row(n: int = 1, **fields) -> dict:
    """A valid waitlist row for patient number `n`; keyword arguments override cells."""
    values = {
        "hcc_id": hcc(n),
        "oht_code": "OHT101",
        "registration_date": "2024-03-15",
        "given_name": f"Given{n}",
        "family_name": "Tremblay",
        "date_of_birth": "1970-06-01",
        "health_card_number": health_card(f"{n:09d}"),
        "postal_code": "M4C 1A1",
        "phone": "416-555-0100",
        "email": f"patient{n}@example.org",
        "preferred_contact": "phone",
        "preferred_language": "en",
        "complex_vulnerable": "N",
        "status": "active",
        "status_date": "",
        "last_verified": "2025-09-01",
    }
    values.update(fields)
    return values


def write_rows(
    path: Path,
    rows: list[dict],
    columns: list[str],
    *,
    header: list[str] | None = None,
    encoding: str = "utf-8",
    line_end: str = "\n",
) -> Path:
    """Write `rows` (dicts) under `columns`; `header` replaces the names written."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator=line_end)
        writer.writerow(header or columns)
        for values in rows:
            writer.writerow([values.get(column, "") for column in columns])
    return path


def assert_counts_add_up(run: ImportRun) -> None:
    assert run.rows_read == (
        run.rows_created + run.rows_updated + run.rows_unchanged + run.rows_rejected
    )


def issues(run: ImportRun, severity: str) -> list[tuple[int, str, str]]:
    return list(
        run.issues.filter(severity=severity)
        .order_by("line", "column")
        .values_list("line", "column", "reason")
    )
