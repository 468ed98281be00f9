"""The extract pipeline every kind shares (shared/spec/extracts.md, common rules) and the
`oht_registry` kind (section 4): files written here into tmp_path and imported with
`import_file`, the way the command, the upload page and the inbox all end up."""

import gzip
import hashlib
import stat
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from attachment.models import Patient, PatientExtractEvent, WaitlistSnapshot
from oht_portal.imports.pipeline import import_file
from oht_portal.models import OHT, AuditEvent, ImportIssue, ImportRun, ServedFSA
from tests.conftest import make_patient
from tests.extracts import (
    WAITLIST_HEADER,
    assert_counts_add_up,
    hcc,
    issues,
    waitlist_row,
    write_rows,
)

pytestmark = pytest.mark.django_db

REGISTRY_HEADER = ["oht_code", "name_en", "name_fr", "region", "fsas"]
WAITLIST_FILE = "hcc_waitlist_ALL_20250930.csv"


patient_row = waitlist_row


def oht_row(code: str = "OHT201", **fields) -> dict:
    values = {
        "oht_code": code,
        "name_en": f"Team {code}",
        "name_fr": f"Équipe {code}",
        "region": "Toronto",
        "fsas": "M4C;M4E",
    }
    values.update(fields)
    return values


def write_csv(
    path: Path,
    rows: list[dict],
    columns: list[str] | None = None,
    *,
    header: list[str] | None = None,
    encoding: str = "utf-8",
    line_end: str = "\n",
) -> Path:
    return write_rows(
        path, rows, columns or list(rows[0]), header=header, encoding=encoding, line_end=line_end
    )


def run_file(path: Path, **options) -> ImportRun:
    """Import `path` from the command line and check that the run's counts add up."""
    options.setdefault("trigger", "command")
    run = import_file(path, **options)
    run.refresh_from_db()
    assert_counts_add_up(run)
    return run


def database_state() -> dict:
    return {
        "patients": list(Patient.objects.order_by("hcc_id").values()),
        "events": PatientExtractEvent.objects.count(),
        "snapshots": WaitlistSnapshot.objects.count(),
        "ohts": list(OHT.objects.order_by("code").values()),
        "fsas": sorted(ServedFSA.objects.values_list("oht__code", "fsa")),
        "issues": ImportIssue.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture(autouse=True)
def _archive(settings, tmp_path):
    settings.EXTRACT_ARCHIVE_DIR = tmp_path / "archive"


@pytest.fixture
def waitlisted(oht_a):
    """OHT101 with one patient on its list, entered before the file under test."""
    return make_patient(oht_a, hcc(500))


def assert_refused(run: ImportRun, *fragments: str) -> None:
    assert run.status == ImportRun.Status.REFUSED
    for fragment in fragments:
        assert fragment in run.error


# -- recognising the kind ------------------------------------------------------------


def test_it_recognises_an_hcc_waitlist_file_from_its_header(tmp_path, oht_a):
    columns = list(reversed(WAITLIST_HEADER))
    path = write_csv(
        tmp_path / WAITLIST_FILE,
        [patient_row(1, given_name="Zoé", phone="(613) 555-0123")],
        columns,
        header=[f"  {name.upper()} " for name in columns],
    )

    run = run_file(path)

    assert (run.status, run.kind, run.rows_created) == (
        ImportRun.Status.SUCCEEDED,
        "hcc_waitlist",
        1,
    )
    stored = Patient.objects.get()
    assert (stored.hcc_id, stored.given_name, stored.phone) == (hcc(1), "Zoé", "6135550123")
    assert stored.oht == oht_a


def test_it_recognises_an_oht_registry_file_from_its_header(tmp_path, db):
    columns = ["fsas", "region", "name_fr", "oht_code", "name_en"]
    path = write_csv(
        tmp_path / "registry.csv",
        [oht_row("OHT201", region="north east", fsas="p3a;P3B")],
        columns,
        header=[" Fsas", "REGION ", "Name_FR", "OHT_Code", " name_EN "],
    )

    run = run_file(path)

    assert (run.status, run.kind, run.rows_created) == (
        ImportRun.Status.SUCCEEDED,
        "oht_registry",
        1,
    )
    oht = OHT.objects.get(code="OHT201")
    assert (oht.name_en, oht.name_fr, oht.region.code) == (
        "Team OHT201",
        "Équipe OHT201",
        "North East",
    )
    assert sorted(oht.served_fsas.values_list("fsa", flat=True)) == ["P3A", "P3B"]


def test_it_imports_a_file_as_the_kind_it_is_told(tmp_path, oht_a):
    path = write_csv(tmp_path / "extract.csv", [patient_row(1)])
    run = run_file(path, kind="hcc_waitlist", extract_date=date(2025, 9, 30))
    assert (run.status, run.kind, run.rows_created) == (
        ImportRun.Status.SUCCEEDED,
        "hcc_waitlist",
        1,
    )


def test_a_file_forced_to_the_wrong_kind_is_refused_naming_the_missing_columns(
    tmp_path, waitlisted
):
    before = database_state()
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)])

    run = run_file(path, kind="oht_registry")

    assert_refused(run, "Missing required columns: name_en, region.")
    assert database_state() == before


def test_an_unknown_forced_kind_is_refused(tmp_path, oht_a):
    run = run_file(write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)]), kind="lab_results")
    assert_refused(run, "Unknown kind 'lab_results'", "hcc_waitlist", "oht_registry")
    assert not Patient.objects.exists()


def test_a_header_that_matches_no_kind_is_refused(tmp_path, db):
    run = run_file(write_csv(tmp_path / "what.csv", [{"colour": "red", "size": "9"}]))
    assert_refused(run, "The header matches no kind of extract")


# -- the header ----------------------------------------------------------------------


def test_it_warns_about_an_unknown_column_and_still_imports_the_rows(tmp_path, oht_a):
    columns = [*WAITLIST_HEADER[:3], "Care Notes", *WAITLIST_HEADER[3:]]
    rows = [patient_row(1, **{"Care Notes": "x"}), patient_row(2)]
    path = write_csv(tmp_path / WAITLIST_FILE, rows, columns)

    run = run_file(path)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert issues(run, "warning") == [(1, "care notes", "unknown column, ignored")]
    assert run.warnings_count == 1
    assert (run.rows_created, run.rows_rejected) == (2, 0)


def test_an_unknown_column_with_a_long_name_is_only_a_warning(tmp_path, oht_a):
    long_name = "notes entered by the care connector at the last verification call"
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)], [*WAITLIST_HEADER, long_name])

    run = run_file(path)

    assert (run.status, run.rows_created) == (ImportRun.Status.SUCCEEDED, 1)
    assert issues(run, "warning") == [(1, long_name[:60], "unknown column, ignored")]


def test_a_file_missing_a_required_column_is_refused_naming_it(tmp_path, waitlisted):
    before = database_state()
    columns = [c for c in WAITLIST_HEADER if c != "postal_code"]
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1), patient_row(2)], columns)

    run = run_file(path)

    assert_refused(run, "postal_code")
    assert "missing the required column: postal_code" in run.error
    assert (run.rows_read, run.rows_created) == (0, 0)
    assert database_state() == before


def test_a_forced_file_missing_a_required_column_is_refused_naming_it(tmp_path, oht_a):
    columns = [c for c in WAITLIST_HEADER if c not in ("status", "given_name")]
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)], columns)
    run = run_file(path, kind="hcc_waitlist")
    assert_refused(run, "Missing required columns: given_name, status.")
    assert not Patient.objects.exists()


def test_a_header_naming_a_column_twice_is_refused(tmp_path, oht_a):
    path = tmp_path / WAITLIST_FILE
    path.write_text(",".join([*WAITLIST_HEADER, "Status"]) + "\n", encoding="utf-8")
    run = run_file(path)
    assert_refused(run, "The column 'status' appears twice in the header.")


# -- what is not a usable CSV file ---------------------------------------------------


def test_an_empty_file_is_refused(tmp_path, waitlisted):
    before = database_state()
    path = tmp_path / WAITLIST_FILE
    path.write_bytes(b"")
    run = run_file(path)
    assert_refused(run, "The file is empty.")
    assert database_state() == before


def test_a_header_only_file_is_refused(tmp_path, waitlisted):
    before = database_state()
    path = tmp_path / WAITLIST_FILE
    path.write_text(",".join(WAITLIST_HEADER) + "\n", encoding="utf-8")

    run = run_file(path)

    assert_refused(run, "The file has a header but no data rows.")
    assert run.kind == "hcc_waitlist"
    assert database_state() == before
    assert Patient.objects.get(pk=waitlisted.pk).on_hcc_list is True


def test_a_utf16_file_is_refused_asking_for_utf8(tmp_path, oht_a):
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)], encoding="utf-16")
    run = run_file(path)
    assert_refused(run, "UTF-16", "CSV UTF-8")
    assert not Patient.objects.exists()


def test_a_windows_1252_file_is_refused_with_a_message_about_utf8(tmp_path, oht_a):
    path = write_csv(
        tmp_path / WAITLIST_FILE,
        [patient_row(1), patient_row(2, given_name="Hélène")],
        encoding="cp1252",
    )
    run = run_file(path)
    assert_refused(run, "not UTF-8", "line 3", "Windows-1252", "CSV UTF-8")
    assert not Patient.objects.exists()


def test_a_utf8_file_with_a_byte_order_mark_is_accepted(tmp_path, oht_a):
    path = write_csv(
        tmp_path / WAITLIST_FILE,
        [patient_row(1, given_name="Hélène", family_name="Côté-Lévesque")],
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbfhcc_id,")

    run = run_file(path)

    assert (run.status, run.kind, run.rows_created) == (
        ImportRun.Status.SUCCEEDED,
        "hcc_waitlist",
        1,
    )
    stored = Patient.objects.get()
    assert (stored.hcc_id, stored.given_name, stored.family_name) == (
        hcc(1),
        "Hélène",
        "Côté-Lévesque",
    )


def test_crlf_line_ends_are_accepted(tmp_path, oht_a):
    rows = [patient_row(1), patient_row(2, status="gone"), patient_row(3)]
    path = write_csv(tmp_path / WAITLIST_FILE, rows, line_end="\r\n")
    assert b"\r\n" in path.read_bytes()

    run = run_file(path)

    assert (run.status, run.rows_created, run.rows_rejected) == (ImportRun.Status.SUCCEEDED, 2, 1)
    assert issues(run, "rejected") == [(3, "status", "must be active, attached or closed")]
    assert Patient.objects.get(hcc_id=hcc(3)).last_verified == date(2025, 9, 1)


def test_an_excel_workbook_is_refused_as_not_csv(tmp_path, oht_a):
    workbook = openpyxl.Workbook()
    workbook.active.append(WAITLIST_HEADER)
    workbook.active.append(list(patient_row(1).values()))
    path = tmp_path / "hcc_waitlist_ALL_20250930.csv"  # named .csv, but a workbook
    workbook.save(path)
    assert path.read_bytes().startswith(b"PK\x03\x04")

    run = run_file(path)

    assert_refused(run, "This is not a CSV file", "Excel workbook (.xlsx)")
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"PK\x03\x04" + b"\x00" * 40, "Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "old Excel workbook (.xls)"),
        (b"%PDF-1.7\n", "PDF document"),
        (gzip.compress(b"hcc_id,oht_code\n"), "gzip archive"),
    ],
)
def test_other_binary_files_are_refused_as_not_csv(tmp_path, oht_a, content, what):
    path = tmp_path / WAITLIST_FILE
    path.write_bytes(content)
    assert_refused(run_file(path), "This is not a CSV file", what)


def test_a_file_over_the_size_limit_is_refused(tmp_path, oht_a, settings):
    settings.EXTRACT_MAX_BYTES = 200
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(n) for n in range(1, 4)])
    assert path.stat().st_size > 200

    run = run_file(path)

    assert_refused(run, "over the limit of 200 bytes")
    assert not Patient.objects.exists()


def test_a_file_with_an_unclosed_quote_is_refused(tmp_path, oht_a):
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)])
    with path.open("a", encoding="utf-8") as handle:
        handle.write('HCC0000000002,OHT101,"2024-03-15,Ann\n')
    run = run_file(path)
    assert_refused(run, "not valid CSV")
    assert not Patient.objects.exists()


def test_an_extract_date_in_the_future_is_refused(tmp_path, oht_a):
    tomorrow = timezone.localdate() + timedelta(days=1)
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)])
    run = run_file(path, extract_date=tomorrow)
    assert_refused(run, f"The extract date {tomorrow} is in the future.")


# -- rows ----------------------------------------------------------------------------


def test_a_row_with_the_wrong_number_of_fields_is_rejected_with_its_line(tmp_path, oht_a):
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("HCC0000000002,OHT101,2024-03-15\n")
        handle.write(",".join(patient_row(3).values()) + ",extra\n")
        handle.write(",".join(patient_row(4).values()) + "\n")

    run = run_file(path)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert issues(run, "rejected") == [
        (3, "", "the row has 3 fields, the header has 16"),
        (4, "", "the row has 17 fields, the header has 16"),
    ]
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (4, 2, 2)
    assert sorted(Patient.objects.values_list("hcc_id", flat=True)) == [hcc(1), hcc(4)]


def test_a_file_whose_every_row_has_the_wrong_shape_changes_nothing(tmp_path, waitlisted):
    before = database_state()
    path = tmp_path / WAITLIST_FILE
    path.write_text(",".join(WAITLIST_HEADER) + "\nHCC0000000002,OHT101\n", encoding="utf-8")

    run = run_file(path)

    assert run.status == ImportRun.Status.REFUSED
    assert (run.rows_read, run.rows_rejected) == (1, 1)
    assert database_state()["patients"] == before["patients"]


def test_quoted_commas_line_breaks_and_accents_are_kept_and_lines_stay_right(tmp_path, oht_a):
    rows = [
        patient_row(1, given_name='Anne-Marie, dite "Annie"', family_name="Bélanger\nCôté"),
        patient_row(2, status="unknown"),
        patient_row(3, given_name="Zoë\r\nÉloïse", family_name="O'Brien, Ç", phone="12"),
        patient_row(4, registration_date="soon"),
    ]
    path = write_csv(tmp_path / WAITLIST_FILE, rows)

    run = run_file(path)

    # Row 1 takes lines 2-3, row 2 is line 4, row 3 lines 5-6, row 4 line 7.
    assert issues(run, "rejected") == [
        (4, "status", "must be active, attached or closed"),
        (7, "registration_date", "not a date (YYYY-MM-DD)"),
    ]
    assert issues(run, "warning") == [(5, "phone", "not a 10-digit phone number; left blank")]
    first = Patient.objects.get(hcc_id=hcc(1))
    assert (first.given_name, first.family_name) == ('Anne-Marie, dite "Annie"', "Bélanger\nCôté")
    third = Patient.objects.get(hcc_id=hcc(3))
    assert (third.given_name, third.family_name) == ("Zoë\r\nÉloïse", "O'Brien, Ç")


def test_blank_lines_are_skipped_without_shifting_line_numbers(tmp_path, oht_a):
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n\n" + ",".join(patient_row(2, status="x").values()) + "\n")
    run = run_file(path)
    assert (run.rows_read, run.rows_created) == (2, 1)
    assert issues(run, "rejected") == [(5, "status", "must be active, attached or closed")]


# -- the record of an import ---------------------------------------------------------


def test_the_raw_file_is_kept_read_only_and_byte_for_byte(tmp_path, oht_a, settings):
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1, given_name="Élise")])
    original = path.read_bytes()

    run = run_file(path)
    path.unlink()

    kept = Path(run.raw_file)
    assert kept.is_relative_to(settings.EXTRACT_ARCHIVE_DIR)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o444
    assert kept.read_bytes() == original
    assert run.sha256 == hashlib.sha256(original).hexdigest()
    assert run.size_bytes == len(original)


def test_a_refused_file_is_kept_too(tmp_path, oht_a):
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)], encoding="utf-16")
    run = run_file(path)
    assert run.status == ImportRun.Status.REFUSED
    assert Path(run.raw_file).read_bytes() == path.read_bytes()
    assert stat.S_IMODE(Path(run.raw_file).stat().st_mode) == 0o444


def test_every_import_is_recorded(tmp_path, oht_a, alice):
    rows = [patient_row(1), patient_row(2, hcc_id="bad"), patient_row(3, email="no")]
    path = write_csv(tmp_path / WAITLIST_FILE, rows)

    run = run_file(path, user=alice, trigger="upload")

    assert (run.file_name, run.kind, run.trigger, run.started_by) == (
        WAITLIST_FILE,
        "hcc_waitlist",
        "upload",
        alice,
    )
    assert run.extract_date == date(2025, 9, 30)
    assert run.started_at <= run.finished_at
    assert (run.rows_read, run.rows_created, run.rows_updated, run.rows_unchanged) == (3, 2, 0, 0)
    assert (run.rows_rejected, run.warnings_count) == (1, 1)
    assert issues(run, "rejected") == [(3, "hcc_id", "must be HCC and 10 digits")]
    assert list(run.ohts.all()) == [oht_a]


def test_the_same_file_twice_is_a_duplicate_that_changes_nothing(tmp_path, oht_a):
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(n) for n in range(1, 4)])
    first = run_file(path)
    assert first.status == ImportRun.Status.SUCCEEDED
    before = database_state()
    stamps = dict(Patient.objects.values_list("hcc_id", "updated_at"))

    second = run_file(path)

    assert second.status == ImportRun.Status.DUPLICATE
    assert second.kind == "hcc_waitlist"
    assert f"already imported (run {first.pk}" in second.error
    assert (second.rows_read, second.rows_created, second.rows_updated) == (0, 0, 0)
    assert Patient.objects.count() == 3
    assert dict(Patient.objects.values_list("hcc_id", "updated_at")) == stamps
    assert database_state() == before


def test_the_same_file_under_another_name_is_a_duplicate_too(tmp_path, oht_a):
    first_path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1)])
    run_file(first_path)
    copy = tmp_path / "copy_of_hcc_waitlist_20250930.csv"
    copy.write_bytes(first_path.read_bytes())
    assert run_file(copy).status == ImportRun.Status.DUPLICATE


def test_identical_content_for_a_newer_extract_date_is_imported(tmp_path, oht_a):
    """A,B then A then A,B again: the third file repeats the first file's bytes but is
    a newer extract, so B must come back on the list."""
    from attachment.models import Patient

    both = [patient_row(1), patient_row(2)]
    run_file(write_csv(tmp_path / "hcc_waitlist_ALL_20250930.csv", both))
    run_file(write_csv(tmp_path / "hcc_waitlist_ALL_20251031.csv", [patient_row(1)]))
    assert not Patient.objects.get(hcc_id=hcc(2)).on_hcc_list

    again = run_file(write_csv(tmp_path / "hcc_waitlist_ALL_20251130.csv", both))
    assert again.status == ImportRun.Status.SUCCEEDED
    assert Patient.objects.get(hcc_id=hcc(2)).on_hcc_list


def test_an_import_leaves_an_audit_event_for_its_run(tmp_path, oht_a, alice):
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1), patient_row(2, status="?")])

    run = run_file(path, user=alice)

    event = AuditEvent.objects.get(action="import", object_type="oht_portal.importrun")
    assert (event.object_id, event.actor_id, event.patient_id) == (str(run.pk), alice.pk, None)
    assert event.detail == {
        "kind": "hcc_waitlist",
        "trigger": "command",
        "read": 2,
        "created": 1,
        "updated": 0,
        "rejected": 1,
    }


def test_a_run_whose_rows_are_all_rejected_is_audited_too(tmp_path, oht_a):
    path = write_csv(tmp_path / WAITLIST_FILE, [patient_row(1, status="?")])
    run = run_file(path)
    assert run.status == ImportRun.Status.REFUSED
    assert AuditEvent.objects.filter(
        action="import", object_type="oht_portal.importrun", object_id=str(run.pk)
    ).exists()


# -- oht_registry --------------------------------------------------------------------


def registry_file(tmp_path: Path, rows: list[dict], name: str = "oht_registry.csv") -> Path:
    folder = tmp_path / f"registry{ImportRun.objects.count()}"
    folder.mkdir()
    return write_csv(folder / name, rows, REGISTRY_HEADER)


def fsas_of(code: str) -> list[str]:
    return sorted(ServedFSA.objects.filter(oht__code=code).values_list("fsa", flat=True))


def test_the_registry_creates_ohts_and_the_fsas_they_serve(tmp_path, db):
    rows = [
        oht_row("OHT201", region="Toronto", fsas="M4C; m4e"),
        oht_row("OHT202", name_fr="", region="EAST", fsas="K1N;K0A"),
        oht_row("OHT203", region="North West", fsas=""),
    ]

    run = run_file(registry_file(tmp_path, rows))

    assert (run.status, run.rows_created) == (ImportRun.Status.SUCCEEDED, 3)
    assert list(OHT.objects.values_list("code", "region__code", "name_fr")) == [
        ("OHT201", "Toronto", "Équipe OHT201"),
        ("OHT202", "East", ""),
        ("OHT203", "North West", "Équipe OHT203"),
    ]
    assert fsas_of("OHT201") == ["M4C", "M4E"]
    assert fsas_of("OHT202") == ["K0A", "K1N"]
    assert fsas_of("OHT203") == []
    assert run.ohts.count() == 3


def test_the_registry_rejects_a_bad_region_with_its_line(tmp_path, db):
    rows = [
        oht_row("OHT201"),
        oht_row("OHT202", region="Nunavut"),
        oht_row("OHT203", region=""),
        oht_row("OHT2040"),
        oht_row("OHT201", name_en="Again"),
    ]

    run = run_file(registry_file(tmp_path, rows))

    assert issues(run, "rejected") == [
        (3, "region", "must be Central, East, North East, North West, Toronto or West"),
        (4, "region", "required value is missing"),
        (5, "oht_code", "must be OHT and 3 digits"),
        (6, "oht_code", "duplicate oht_code, first at line 2"),
    ]
    assert (run.rows_created, run.rows_rejected) == (1, 4)
    assert list(OHT.objects.values_list("code", "name_en")) == [("OHT201", "Team OHT201")]


def test_a_registry_reimport_with_changed_names_updates(tmp_path, db):
    run_file(registry_file(tmp_path, [oht_row("OHT201"), oht_row("OHT202")]))

    rows = [
        oht_row("OHT201", name_en="Lakeshore Partners", name_fr="Partenaires Lakeshore"),
        oht_row("OHT202"),
    ]
    run = run_file(registry_file(tmp_path, rows))

    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 1, 1)
    oht = OHT.objects.get(code="OHT201")
    assert (oht.name_en, oht.name_fr) == ("Lakeshore Partners", "Partenaires Lakeshore")


def test_a_registry_update_stamps_the_oht_as_updated(tmp_path, db):
    run_file(registry_file(tmp_path, [oht_row("OHT201"), oht_row("OHT202")]))
    before = dict(OHT.objects.values_list("code", "updated_at"))

    run_file(registry_file(tmp_path, [oht_row("OHT201", name_en="New"), oht_row("OHT202")]))

    after = dict(OHT.objects.values_list("code", "updated_at"))
    assert after["OHT201"] > before["OHT201"]
    assert after["OHT202"] == before["OHT202"]


def test_a_registry_reimport_moves_an_oht_to_another_region(tmp_path, db):
    run_file(registry_file(tmp_path, [oht_row("OHT201", region="West")]))
    run = run_file(registry_file(tmp_path, [oht_row("OHT201", region="central")]))
    assert run.rows_updated == 1
    assert OHT.objects.get(code="OHT201").region.code == "Central"


def test_blank_registry_cells_keep_what_is_stored(tmp_path, db):
    run_file(registry_file(tmp_path, [oht_row("OHT201", fsas="M4C;M4E")]))

    run = run_file(registry_file(tmp_path, [oht_row("OHT201", fsas="", name_fr="")]))

    assert (run.rows_updated, run.rows_unchanged) == (0, 1)
    assert fsas_of("OHT201") == ["M4C", "M4E"]
    assert OHT.objects.get(code="OHT201").name_fr == "Équipe OHT201"


def test_new_registry_fsas_replace_the_stored_ones(tmp_path, db):
    run_file(registry_file(tmp_path, [oht_row("OHT201", fsas="M4C;M4E")]))
    run = run_file(registry_file(tmp_path, [oht_row("OHT201", fsas="M4E;M4J")]))
    assert run.rows_updated == 1
    assert fsas_of("OHT201") == ["M4E", "M4J"]


def test_an_invalid_fsa_leaves_the_stored_fsas_with_a_warning(tmp_path, db):
    run_file(registry_file(tmp_path, [oht_row("OHT201", fsas="M4C;M4E")]))

    run = run_file(registry_file(tmp_path, [oht_row("OHT201", fsas="M4C;H2X")]))

    assert issues(run, "warning") == [
        (2, "fsas", "holds an invalid FSA; the FSAs were left unchanged")
    ]
    assert (run.rows_rejected, run.rows_unchanged) == (0, 1)
    assert fsas_of("OHT201") == ["M4C", "M4E"]


def test_the_ohts_own_profile_survives_a_registry_reimport(tmp_path, alice, oht_a):
    OHT.objects.filter(pk=oht_a.pk).update(
        custodian_name="Lakeshore Custodian Inc.",
        custodian_contact_email="privacy@lakeshore.example.org",
        primary_contact=alice,
    )

    run = run_file(
        registry_file(tmp_path, [oht_row("OHT101", name_en="Lakeshore East Renamed", fsas="M4C")])
    )

    assert run.rows_updated == 1
    oht = OHT.objects.get(pk=oht_a.pk)
    assert oht.name_en == "Lakeshore East Renamed"
    assert (oht.custodian_name, oht.custodian_contact_email, oht.primary_contact) == (
        "Lakeshore Custodian Inc.",
        "privacy@lakeshore.example.org",
        alice,
    )
    assert oht.memberships.filter(user=alice).exists()
    assert fsas_of("OHT101") == ["M4C"]


def test_the_same_registry_twice_is_a_duplicate(tmp_path, db):
    path = registry_file(tmp_path, [oht_row("OHT201")])
    run_file(path)
    before = database_state()
    again = run_file(path)
    assert again.status == ImportRun.Status.DUPLICATE
    assert database_state() == before


TRICKY = (
    "hcc_id,given_name,family_name\r\n"
    'HCC1,"Chloé, Marie","O\'Brien"\r\n'
    'HCC2,"Line one\r\nline two\nline three",Tremblay\r\n'
    'HCC3,  spaced  ,"=HYPERLINK(""x"")"\r\n'
)


def test_the_fast_and_the_careful_parser_agree():
    """pyarrow reads ordinary files; the csv module reads the unusual ones. Both must
    give the same rows and line numbers."""
    from oht_portal.imports.pipeline import (
        _parse_header,
        _parse_with_arrow,
        _parse_with_csv_module,
    )

    header = _parse_header(TRICKY)
    fast = _parse_with_arrow(TRICKY, header)
    careful = _parse_with_csv_module(TRICKY, header)
    assert fast is not None
    assert fast.frame.to_dict("records") == careful.frame.to_dict("records")
    assert fast.lines.tolist() == careful.lines.tolist() == [2, 3, 6]


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n\n3,4\n",  # a blank line
        "a,b\n1,2\n3\n",  # a short row
        "a,b\r1,2\r",  # old Mac line ends
    ],
)
def test_unusual_files_take_the_careful_parser(text):
    from oht_portal.imports.pipeline import _parse_header, _parse_with_arrow

    assert _parse_with_arrow(text, _parse_header(text)) is None
