"""The synthetic extracts must obey the CSV contract (docs: extracts.md) to the letter:
demos and load tests go through the real importer, and a generator that drifts from the
contract would hide importer bugs or invent them. No database is needed."""

import csv
import re
from collections import Counter, defaultdict
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from oht_portal.synthetic import max_ohts, write_extracts

# The contract's column lists (extracts.md), in the order of the shared samples.
REGISTRY_COLUMNS = ["oht_code", "name_en", "name_fr", "region", "fsas"]
WAITLIST_COLUMNS = [
    "hcc_id",
    "oht_code",
    "registration_date",
    "given_name",
    "family_name",
    "date_of_birth",
    "health_card_number",
    "postal_code",
    "phone",
    "email",
    "preferred_contact",
    "preferred_language",
    "complex_vulnerable",
    "status",
    "status_date",
    "last_verified",
]
CLINICIAN_COLUMNS = [
    "registration_body",
    "registration_number",
    "clinician_type",
    "given_name",
    "family_name",
    "practice_name",
    "practice_address",
    "city",
    "postal_code",
    "phone",
    "fax",
    "email",
    "oht_code",
    "languages",
]
SUMMARY_COLUMNS = [
    "extract_date",
    "oht_code",
    "fsa",
    "active_patients",
    "active_complex_vulnerable",
    "wait_0_6m",
    "wait_6_12m",
    "wait_12_24m",
    "wait_24m_plus",
]

EXTRACT_DATE = date(2025, 9, 30)
PATIENTS = 3000
REGION_LETTERS = {
    "Toronto": "M",
    "East": "K",
    "Central": "L",
    "West": "N",
    "North East": "P",
    "North West": "P",
}
POSTAL_RE = re.compile(r"^[KLMNP]\d[A-Z] ?\d[A-Z]\d$", re.IGNORECASE)
HCN_RE = re.compile(r"^(\d{10})([A-Z]{1,2})?$")
EMAIL_RE = re.compile(r"^[a-z0-9._-]+@example\.(org|com)$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> dict[str, Path]:
    return write_extracts(
        tmp_path_factory.mktemp("extracts"), patients=PATIENTS, extract_date=EXTRACT_DATE
    )


@pytest.fixture(scope="module")
def registry(extracts) -> dict[str, dict[str, str]]:
    return {row["oht_code"]: row for row in read(extracts["oht_registry"])[1]}


@pytest.fixture(scope="module")
def patients(extracts) -> list[dict[str, str]]:
    return read(extracts["hcc_waitlist"])[1]


def test_file_names_and_contract_headers(extracts):
    assert {kind: path.name for kind, path in extracts.items()} == {
        "oht_registry": "oht_registry.csv",
        "hcc_waitlist": "hcc_waitlist_ALL_20250930.csv",
        "clinician_contacts": "clinician_contacts_ALL_20250930.csv",
        "hcc_fsa_summary": "hcc_fsa_summary_ALL_20250930.csv",
    }
    expected = {
        "oht_registry": REGISTRY_COLUMNS,
        "hcc_waitlist": WAITLIST_COLUMNS,
        "clinician_contacts": CLINICIAN_COLUMNS,
        "hcc_fsa_summary": SUMMARY_COLUMNS,
    }
    for kind, path in extracts.items():
        raw = path.read_bytes()
        assert b"\r\n" not in raw, kind  # LF line ends
        raw.decode("utf-8")  # UTF-8, no stray bytes
        assert read(path)[0] == expected[kind], kind
        assert not list(path.parent.glob("*.part"))


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    first = write_extracts(tmp_path / "a", patients=400, seed=7)
    again = write_extracts(tmp_path / "b", patients=400, seed=7)
    other = write_extracts(tmp_path / "c", patients=400, seed=8)
    for kind in first:
        assert first[kind].read_bytes() == again[kind].read_bytes(), kind
    assert first["hcc_waitlist"].read_bytes() != other["hcc_waitlist"].read_bytes()
    assert first["clinician_contacts"].read_bytes() != other["clinician_contacts"].read_bytes()


def test_registry_regions_and_fsas(registry):
    assert list(registry) == [f"OHT{101 + i}" for i in range(6)]
    assert {row["region"] for row in registry.values()} == set(REGION_LETTERS)
    seen: set[str] = set()
    for row in registry.values():
        assert row["name_en"] and row["name_fr"] and row["name_fr"] != row["name_en"]
        fsas = row["fsas"].split(";")
        assert 5 <= len(fsas) <= 8
        assert all(re.fullmatch(r"[KLMNP]\d[A-Z]", fsa) for fsa in fsas)
        assert all(fsa[0] == REGION_LETTERS[row["region"]] for fsa in fsas)
        assert not seen.intersection(fsas), "FSAs overlap between OHTs"
        seen.update(fsas)
    assert any(fsa[1] == "0" for fsa in seen), "no rural FSA"


def test_many_ohts_still_do_not_overlap(tmp_path):
    paths = write_extracts(tmp_path, patients=50, ohts=max_ohts())
    rows = read(paths["oht_registry"])[1]
    assert len(rows) == max_ohts()
    fsas = [fsa for row in rows for fsa in row["fsas"].split(";")]
    assert len(fsas) == len(set(fsas))
    with pytest.raises(ValueError, match="ohts"):
        write_extracts(tmp_path, patients=10, ohts=max_ohts() + 1)


def test_hcc_ids_unique_and_well_formed(patients):
    assert len(patients) == PATIENTS
    ids = [row["hcc_id"] for row in patients]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"HCC\d{10}", hcc_id) for hcc_id in ids)


def test_health_card_numbers_pass_luhn(patients):
    present = [row["health_card_number"] for row in patients if row["health_card_number"]]
    assert 0.78 < len(present) / len(patients) < 0.92
    versions = 0
    for value in present:
        match = HCN_RE.match(value.replace(" ", "").replace("-", ""))
        assert match, value
        assert luhn_ok(match.group(1)), value
        versions += bool(match.group(2))
    assert 0.2 < versions / len(present) < 0.4


def test_postal_codes_belong_to_the_patients_oht(patients, registry):
    served = {code: set(row["fsas"].split(";")) for code, row in registry.items()}
    for row in patients:
        postal = row["postal_code"]
        assert POSTAL_RE.match(postal), postal
        assert postal[:3].upper() in served[row["oht_code"]], (row["hcc_id"], postal)
    canonical = sum(
        bool(re.fullmatch(r"[A-Z]\d[A-Z] \d[A-Z]\d", r["postal_code"])) for r in patients
    )
    assert canonical / len(patients) > 0.85


def test_cohort_share_is_about_seventy_percent(patients):
    cohort = sum(row["registration_date"] <= "2025-01-01" for row in patients)
    assert 0.62 < cohort / len(patients) < 0.78
    assert min(row["registration_date"] for row in patients) < "2017-01-01"


def test_dates_are_valid_and_never_after_the_extract_date(patients):
    limit = EXTRACT_DATE.isoformat()
    for row in patients:
        for column in ("registration_date", "date_of_birth", "status_date", "last_verified"):
            value = row[column]
            if value:
                date.fromisoformat(value)
                assert value <= limit, (row["hcc_id"], column, value)
        assert "1930-01-01" <= row["date_of_birth"] <= row["registration_date"]
        if row["last_verified"]:
            assert row["last_verified"] >= row["registration_date"]
        if row["status"] == "active":
            assert not row["status_date"]
        else:
            assert row["registration_date"] <= row["status_date"]


def test_patient_values_follow_the_contract(patients):
    statuses = Counter(row["status"] for row in patients)
    assert set(statuses) <= {"active", "attached", "closed"}
    assert 0.78 < statuses["active"] / len(patients) < 0.92
    assert {row["complex_vulnerable"] for row in patients} == {"Y", "N"}
    complex_share = sum(row["complex_vulnerable"] == "Y" for row in patients) / len(patients)
    assert 0.1 < complex_share < 0.2
    languages = Counter(row["preferred_language"] for row in patients)
    assert all(re.fullmatch(r"[a-z]{2}", code) for code in languages if code)
    assert languages.most_common(1)[0][0] == "en"
    assert 0.12 < languages["fr"] / len(patients) < 0.28
    assert {"pa", "zh", "ar"} <= set(languages) and "" in languages
    for row in patients:
        phone, email, contact = row["phone"], row["email"], row["preferred_contact"]
        if phone:
            digits = re.sub(r"[\s.()+-]", "", phone)
            digits = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
            assert re.fullmatch(r"\d{3}555\d{4}", digits), phone
        if email:
            assert EMAIL_RE.match(email), email
        assert contact in {"", "phone", "email", "text", "mail"}
        if contact in {"phone", "text"}:
            assert phone
        if contact == "email":
            assert email
        assert 0 < len(row["given_name"]) <= 100 and 0 < len(row["family_name"]) <= 100


def test_names_are_diverse_and_bilingual(patients):
    names = {row["given_name"] for row in patients} | {row["family_name"] for row in patients}
    assert any("é" in name for name in names)
    assert any("'" in name for name in names)
    assert len(names) > 300


def test_fsa_summary_matches_the_patient_file(extracts, patients, registry):
    _, rows = read(extracts["hcc_fsa_summary"])
    expected_keys = [(code, fsa) for code, r in registry.items() for fsa in r["fsas"].split(";")]
    assert [(row["oht_code"], row["fsa"]) for row in rows] == expected_keys

    active: Counter[tuple[str, str]] = Counter()
    complex_: Counter[tuple[str, str]] = Counter()
    bands: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in patients:
        if row["status"] != "active":
            continue
        key = (row["oht_code"], row["postal_code"][:3].upper())
        active[key] += 1
        complex_[key] += row["complex_vulnerable"] == "Y"
        registered = date.fromisoformat(row["registration_date"])
        months = (EXTRACT_DATE.year - registered.year) * 12 + (
            EXTRACT_DATE.month - registered.month
        )
        months -= EXTRACT_DATE.day < registered.day
        bands[key][0 if months < 6 else 1 if months < 12 else 2 if months < 24 else 3] += 1

    for row in rows:
        key = (row["oht_code"], row["fsa"])
        counts = [int(row[c]) for c in SUMMARY_COLUMNS[5:]]
        assert row["extract_date"] == "2025-09-30"
        assert sum(counts) == int(row["active_patients"]) == active[key], key
        assert int(row["active_complex_vulnerable"]) == complex_[key], key
        assert counts == bands[key], key


def test_clinician_contacts(extracts, registry):
    _, rows = read(extracts["clinician_contacts"])
    served = {code: set(row["fsas"].split(";")) for code, row in registry.items()}
    clinicians: dict[tuple[str, str], tuple[str, str, str]] = {}
    for row in rows:
        body, number = row["registration_body"], row["registration_number"]
        assert (body, row["clinician_type"]) in {("CPSO", "FP"), ("CNO", "NP")}
        assert re.fullmatch(r"\d{4,7}", number), number
        who = (row["given_name"], row["family_name"], row["oht_code"])
        assert clinicians.setdefault((body, number), who) == who, "number reused"
        assert POSTAL_RE.match(row["postal_code"])
        assert row["postal_code"][:3] in served[row["oht_code"]]
        assert row["practice_name"] and row["practice_address"] and row["city"]
        assert all(re.fullmatch(r"[a-z]{2}", code) for code in row["languages"].split(";") if code)
        if row["email"]:
            assert EMAIL_RE.match(row["email"])
    assert len(clinicians) == max(10, round(PATIENTS / 40))
    assert {oht for _, _, oht in clinicians.values()} == set(registry)
    per_clinician = Counter((r["registration_body"], r["registration_number"]) for r in rows)
    assert set(per_clinician.values()) <= {1, 2}


def test_small_runs_still_have_ten_clinicians(tmp_path):
    paths = write_extracts(tmp_path, patients=0)
    assert read(paths["hcc_waitlist"])[1] == []
    summary = read(paths["hcc_fsa_summary"])[1]
    assert summary and all(row["active_patients"] == "0" for row in summary)
    numbers = {r["registration_number"] for r in read(paths["clinician_contacts"])[1]}
    assert len(numbers) == 10


def test_management_command_writes_the_files(tmp_path):
    out = StringIO()
    call_command(
        "generate_demo_data",
        "--patients=120",
        "--seed=3",
        "--extract-date=2025-12-31",
        "--ohts=3",
        f"--out={tmp_path}",
        stdout=out,
    )
    assert (tmp_path / "hcc_waitlist_ALL_20251231.csv").exists()
    assert "120 rows" in out.getvalue()
    assert len(read(tmp_path / "oht_registry.csv")[1]) == 3
