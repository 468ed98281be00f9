"""The `hcc_fsa_summary` importer, end to end through the shared pipeline: files are
written to disk and imported the way the `import_extract` command does it."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from oht_portal.imports.pipeline import import_file
from oht_portal.models import ImportRun
from reporting.models import FSASummary
from tests.conftest import make_oht

pytestmark = pytest.mark.django_db

HEADER = (
    "extract_date,oht_code,fsa,active_patients,active_complex_vulnerable,"
    "wait_0_6m,wait_6_12m,wait_12_24m,wait_24m_plus"
)
# Rows copied from the shared sample (hcc_fsa_summary_ALL_20250930.csv).
SAMPLE_ROWS = [
    "2025-09-30,OHT101,M4C,165,34,116,13,4,32",
    "2025-09-30,OHT101,M4E,238,12,27,20,91,100",
    "2025-09-30,OHT101,M4J,230,36,66,44,12,108",
    "2025-09-30,OHT102,K1N,194,25,58,26,87,23",
    "2025-09-30,OHT102,K0A,148,19,74,33,13,28",
]
QUARTER_END = date(2025, 9, 30)


@pytest.fixture(autouse=True)
def _archive_in_tmp(settings, tmp_path):
    """The pipeline keeps a read-only copy of every file; keep the tests' copies out of var/."""
    settings.EXTRACT_ARCHIVE_DIR = tmp_path / "kept"


@pytest.fixture
def ohts(db):
    return {
        "OHT101": make_oht("OHT101", "Lakeshore East", "Toronto", ["M4C", "M4E", "M4J"]),
        "OHT102": make_oht("OHT102", "Rideau Valley", "East", ["K1N", "K0A"]),
    }


def write(tmp_path, rows, *, header=HEADER, name="hcc_fsa_summary_ALL_20250930.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run_import(path) -> ImportRun:
    return import_file(path, trigger="command")


def figures(oht, fsa, extract_date=QUARTER_END):
    row = FSASummary.objects.get(oht=oht, fsa=fsa, extract_date=extract_date)
    return (
        row.active_patients,
        row.active_complex_vulnerable,
        row.wait_0_6m,
        row.wait_6_12m,
        row.wait_12_24m,
        row.wait_24m_plus,
    )


def issues(run):
    return [(i.severity, i.line, i.column, i.reason) for i in run.issues.order_by("line", "id")]


def test_it_loads_the_sample_rows(tmp_path, ohts):
    run = run_import(write(tmp_path, SAMPLE_ROWS))

    assert run.status == "succeeded", run.error
    assert run.kind == "hcc_fsa_summary"
    assert (run.rows_read, run.rows_created, run.rows_updated, run.rows_unchanged) == (5, 5, 0, 0)
    assert run.rows_rejected == 0
    assert run.warnings_count == 0
    assert set(run.ohts.all()) == set(ohts.values())
    assert FSASummary.objects.count() == 5
    assert figures(ohts["OHT101"], "M4C") == (165, 34, 116, 13, 4, 32)
    rural = FSASummary.objects.get(fsa="K0A")
    assert rural.oht == ohts["OHT102"]
    assert rural.import_run == run
    assert rural.is_rural
    assert not FSASummary.objects.get(fsa="K1N").is_rural


def test_it_rejects_each_kind_of_bad_row_and_keeps_the_good_ones(tmp_path, ohts):
    tomorrow = timezone.localdate() + timedelta(days=1)
    rows = [
        "2025-09-30,OHT101,M4C,165,34,116,13,4,32",  # line 2: good
        "2025-09-31,OHT101,M4E,238,12,27,20,91,100",  # 3: no such day
        f"{tomorrow:%Y-%m-%d},OHT101,M4J,230,36,66,44,12,108",  # 4: future
        "2025-09-30,OHT999,M4K,10,1,10,0,0,0",  # 5: unknown OHT
        "2025-09-30,OH101,M4K,10,1,10,0,0,0",  # 6: OHT code of the wrong shape
        "2025-09-30,OHT101,X4C,10,1,10,0,0,0",  # 7: not an Ontario FSA
        "2025-09-30,OHT101,M4L,-5,0,0,0,0,0",  # 8: negative count
        "2025-09-30,OHT101,M4M,40,4,10,13.5,10,6",  # 9: not an integer
        "2025-09-30,OHT101,M4E,40,50,10,10,10,10",  # 10: complex > active
        "2025-09-30,OHT101,M4J,140,4,100,10,10,10",  # 11: bands add up to 130
        "2025-09-30,oht101,m4c,165,34,116,13,4,32",  # 12: same key as line 2
        "2025-09-30,oht102,k0a,148,19,74,33,13,28",  # 13: good, lower case
        "2025-09-30,OHT102,K1N,,25,58,26,87,23",  # 14: blank count
        "2025-09-30,OHT102,K1L,99999999999,0,99999999999,0,0,0",  # 15: too large
    ]
    run = run_import(write(tmp_path, rows))

    assert run.status == "succeeded", run.error
    assert run.rows_read == 14
    assert run.rows_created == 2
    assert run.rows_rejected == 12
    assert issues(run) == [
        ("rejected", 3, "extract_date", "not a date (YYYY-MM-DD)"),
        ("rejected", 4, "extract_date", "in the future"),
        ("rejected", 5, "oht_code", "unknown OHT code (not in the OHT registry)"),
        ("rejected", 6, "oht_code", "must be OHT and 3 digits"),
        (
            "rejected",
            7,
            "fsa",
            "not an Ontario FSA (letter digit letter, first K, L, M, N or P)",
        ),
        ("rejected", 8, "active_patients", "not a whole number ≥ 0"),
        ("rejected", 9, "wait_6_12m", "not a whole number ≥ 0"),
        (
            "rejected",
            10,
            "active_complex_vulnerable",
            "active_complex_vulnerable 50 is more than active_patients 40",
        ),
        ("rejected", 11, "active_patients", "wait bands add up to 130, not active_patients 140"),
        ("rejected", 12, "fsa", "duplicate row for this date, OHT and FSA, first at line 2"),
        ("rejected", 14, "active_patients", "required value is missing"),
        ("rejected", 15, "active_patients", "larger than 2147483647"),
    ]
    assert sorted(FSASummary.objects.values_list("oht__code", "fsa")) == [
        ("OHT101", "M4C"),
        ("OHT102", "K0A"),
    ]
    assert figures(ohts["OHT101"], "M4C") == (165, 34, 116, 13, 4, 32)


def test_it_changes_nothing_when_every_row_is_rejected(tmp_path, ohts):
    run_import(write(tmp_path, SAMPLE_ROWS))
    before = list(FSASummary.objects.order_by("pk").values())

    run = run_import(
        write(
            tmp_path,
            [
                "2025-09-30,OHT101,M4C,1,0,0,0,0,0",  # bands add up to 0
                "2025-09-30,OHT102,K0A,1,2,1,0,0,0",  # complex > active
            ],
            name="hcc_fsa_summary_ALL_20250930_v2.csv",
        )
    )

    assert run.status == "refused"
    assert run.rows_read == 2
    assert run.rows_rejected == 2
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 0, 0)
    assert list(FSASummary.objects.order_by("pk").values()) == before


def test_it_does_nothing_the_second_time_the_same_file_is_imported(tmp_path, ohts):
    path = write(tmp_path, SAMPLE_ROWS)
    first = run_import(path)
    before = list(FSASummary.objects.order_by("pk").values())

    second = run_import(path)

    assert first.status == "succeeded"
    assert second.status == "duplicate"
    assert list(FSASummary.objects.order_by("pk").values()) == before


def test_it_counts_the_same_figures_in_a_new_file_as_unchanged(tmp_path, ohts):
    run_import(write(tmp_path, SAMPLE_ROWS))

    # Same figures, other order: a different checksum, so the rows are compared.
    run = run_import(write(tmp_path, SAMPLE_ROWS[::-1], name="hcc_fsa_summary_ALL_copy.csv"))

    assert run.status == "succeeded", run.error
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 0, 5)
    assert run.detail == {"removed": 0}
    assert FSASummary.objects.count() == 5


def test_it_replaces_a_dates_figures_for_the_ohts_a_later_file_covers(tmp_path, ohts):
    oht101, oht102 = ohts["OHT101"], ohts["OHT102"]
    first = run_import(write(tmp_path, [*SAMPLE_ROWS, "2025-06-30,OHT101,M4J,200,30,60,40,10,90"]))
    assert first.status == "succeeded", first.error

    later = run_import(
        write(
            tmp_path,
            [
                "2025-09-30,OHT101,M4C,165,34,116,13,4,32",  # unchanged
                "2025-09-30,OHT101,M4E,240,12,29,20,91,100",  # updated
                "2025-09-30,OHT101,M4K,10,1,5,5,0,0",  # created; M4J is gone
            ],
            name="hcc_fsa_summary_OHT101_20250930.csv",
        )
    )

    assert later.status == "succeeded", later.error
    assert (later.rows_created, later.rows_updated, later.rows_unchanged) == (1, 1, 1)
    assert later.detail == {"removed": 1}
    assert list(later.ohts.all()) == [oht101]
    assert sorted(
        FSASummary.objects.filter(oht=oht101, extract_date=QUARTER_END).values_list(
            "fsa", flat=True
        )
    ) == ["M4C", "M4E", "M4K"]
    assert figures(oht101, "M4E") == (240, 12, 29, 20, 91, 100)
    assert FSASummary.objects.get(oht=oht101, fsa="M4E").import_run == later
    assert FSASummary.objects.get(oht=oht101, fsa="M4C").import_run == first
    # Another OHT of the same date, and another date of the same OHT, are left alone.
    assert figures(oht102, "K1N") == (194, 25, 58, 26, 87, 23)
    assert figures(oht102, "K0A") == (148, 19, 74, 33, 13, 28)
    assert figures(oht101, "M4J", date(2025, 6, 30)) == (200, 30, 60, 40, 10, 90)


def test_it_matches_headers_whatever_their_case_spacing_or_order(tmp_path, ohts):
    header = (
        " Wait_24m_Plus ,FSA,  OHT_Code,Active_Complex_Vulnerable,wait_0_6m ,"
        "WAIT_6_12M,wait_12_24m,Active_Patients,EXTRACT_DATE"
    )
    run = run_import(write(tmp_path, ["32,M4C,OHT101,34,116,13,4,165,2025-09-30"], header=header))

    assert run.status == "succeeded", run.error
    assert run.rows_created == 1
    assert run.warnings_count == 0
    assert figures(ohts["OHT101"], "M4C") == (165, 34, 116, 13, 4, 32)


def test_it_warns_about_an_unknown_extra_column_and_imports_the_rows(tmp_path, ohts):
    run = run_import(
        write(
            tmp_path,
            [f"{row},Toronto" for row in SAMPLE_ROWS[:2]],
            header=f"{HEADER},region_name",
        )
    )

    assert run.status == "succeeded", run.error
    assert run.rows_created == 2
    assert run.warnings_count == 1
    assert issues(run) == [("warning", 1, "region_name", "unknown column, ignored")]


def test_it_refuses_a_file_missing_a_required_column(tmp_path, ohts):
    header = HEADER.replace(",wait_24m_plus", "")
    run = run_import(write(tmp_path, ["2025-09-30,OHT101,M4C,165,34,116,13,4"], header=header))

    assert run.status == "refused"
    assert "wait_24m_plus" in run.error
    assert not FSASummary.objects.exists()


def test_a_rejected_row_keeps_the_stored_figures_of_its_fsa(tmp_path, ohts):
    first = tmp_path / "hcc_fsa_summary_ALL_20250930.csv"
    first.write_text(
        "extract_date,oht_code,fsa,active_patients,active_complex_vulnerable,"
        "wait_0_6m,wait_6_12m,wait_12_24m,wait_24m_plus\n"
        "2025-09-30,OHT101,M4C,10,1,4,3,2,1\n"
        "2025-09-30,OHT101,M4E,20,2,5,5,5,5\n"
    )
    import_file(first, trigger="command")
    second = tmp_path / "hcc_fsa_summary_ALL_20250930_v2.csv"
    second.write_text(
        "extract_date,oht_code,fsa,active_patients,active_complex_vulnerable,"
        "wait_0_6m,wait_6_12m,wait_12_24m,wait_24m_plus\n"
        "2025-09-30,OHT101,M4C,11,1,5,3,2,1\n"
        "2025-09-30,OHT101,M4E,21,2,5,5,5,5\n"
    )
    run = import_file(second, trigger="command")
    assert (run.rows_updated, run.rows_rejected) == (1, 1)
    assert FSASummary.objects.get(fsa="M4E").active_patients == 20
    assert run.detail["removed"] == 0
