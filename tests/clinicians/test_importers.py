"""The `clinician_contacts` extract (Physician Business Contact Report), end to end
through the pipeline: validation, upserts per practice location, and reconciliation of
clinicians missing from a newer report."""

from datetime import date
from pathlib import Path

import pytest

from clinicians.models import Clinician, PracticeLocation
from oht_portal.imports.pipeline import import_file
from oht_portal.models import ImportRun
from tests.conftest import make_oht

pytestmark = pytest.mark.django_db

HEADER = (
    "registration_body,registration_number,clinician_type,given_name,family_name,"
    "practice_name,practice_address,city,postal_code,phone,fax,email,oht_code,languages"
)
# Chloé practises in two places (two OHTs); Amir in one.
CHLOE_OTTAWA = (
    'CPSO,12345,FP,Chloé,Tremblay,Clinique médicale St-Roch,"12, rue Principale",Ottawa,'
    "K1N 5T5,613-555-0101,613-555-0102,ctremblay@example.org,OHT102,fr;en"
)
CHLOE_TORONTO = (
    "CPSO,12345,FP,Chloé,Tremblay,Lakeshore Family Health Team,100 Queen St E,Toronto,"
    "M4C 1A1,(416) 555-0199,,ctremblay@example.org,OHT101,en;pa"
)
AMIR = (
    "CNO,0045678,NP,Amir,Haddad,Riverdale NP-Led Clinic,5 Broadview Ave,Toronto,"
    "m4e 2b2,+1 416 555 0123,,,OHT101,EN; ar"
)


@pytest.fixture(autouse=True)
def _archive(settings, tmp_path):
    """Kept copies of imported files go to the test's own folder."""
    settings.EXTRACT_ARCHIVE_DIR = tmp_path / "archive"


@pytest.fixture
def ohts(db):
    return (
        make_oht("OHT101", "Lakeshore East", "Toronto", ["M4C", "M4E"]),
        make_oht("OHT102", "Rideau Valley", "East", ["K1N", "K0A"]),
    )


def write(tmp_path: Path, name: str, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run_import(path: Path) -> ImportRun:
    return import_file(path, trigger="command", kind="")


def issues_of(run: ImportRun) -> list[tuple[str, int, str, str]]:
    return [
        (issue.severity, issue.line, issue.column, issue.reason)
        for issue in run.issues.order_by("line", "id")
    ]


def amir() -> Clinician:
    return Clinician.objects.get(registration_body="CNO", registration_number="0045678")


def test_it_loads_a_clinician_with_two_practice_locations(ohts, tmp_path):
    oht_a, oht_b = ohts
    path = write(
        tmp_path, "clinician_contacts_ALL_20250930.csv", [CHLOE_OTTAWA, CHLOE_TORONTO, AMIR]
    )

    run = run_import(path)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.kind == "clinician_contacts"
    assert run.extract_date == date(2025, 9, 30)
    assert (run.rows_read, run.rows_created, run.rows_updated, run.rows_unchanged) == (3, 3, 0, 0)
    assert (run.rows_rejected, run.warnings_count) == (0, 0)
    assert set(run.ohts.all()) == {oht_a, oht_b}
    assert run.detail["clinicians_flagged"] == 0
    assert run.detail["locations_flagged"] == 0

    chloe = Clinician.objects.get(registration_body="CPSO", registration_number="12345")
    assert (chloe.clinician_type, chloe.given_name, chloe.family_name) == (
        "FP",
        "Chloé",
        "Tremblay",
    )
    assert chloe.email == "ctremblay@example.org"
    assert chloe.languages == "fr;en;pa"  # the languages of both her practices
    assert chloe.on_latest_report and not chloe.needs_review
    assert chloe.missing_from_report_since is None
    ottawa, toronto = chloe.locations.order_by("postal_code")
    assert ottawa.oht == oht_b
    assert ottawa.practice_name == "Clinique médicale St-Roch"
    assert ottawa.name_key == "clinique medicale st roch"
    assert ottawa.address == "12, rue Principale"
    assert (ottawa.postal_code, ottawa.fsa) == ("K1N5T5", "K1N")
    assert (ottawa.phone, ottawa.fax) == ("6135550101", "6135550102")
    assert ottawa.languages == "fr;en"
    assert toronto.oht == oht_a
    assert (toronto.phone, toronto.fax, toronto.languages) == ("4165550199", "", "en;pa")

    nurse = amir()
    assert (nurse.clinician_type, nurse.email, nurse.languages) == ("NP", "", "en;ar")
    location = nurse.locations.get()
    assert (location.postal_code, location.fsa, location.phone) == ("M4E2B2", "M4E", "4165550123")


def test_it_recognises_the_kind_from_the_header(ohts, tmp_path):
    header = (
        "Languages, OHT_Code ,Email,Fax,Phone,Postal_Code,City,Practice_Address,Practice_Name,"
        "Family_Name,Given_Name,Clinician_Type,Registration_Number,Registration_Body"
    )
    row = ",".join(reversed(CHLOE_TORONTO.split(",")))
    path = write(tmp_path, "contacts_from_ontario_health.csv", [row], header=header)

    run = run_import(path)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.kind == "clinician_contacts"
    assert run.rows_created == 1
    assert PracticeLocation.objects.get().practice_name == "Lakeshore Family Health Team"


def test_it_rejects_bad_rows_and_keeps_the_good_ones(ohts, tmp_path):
    rows = [
        CHLOE_OTTAWA,  # line 2
        "CPSA,22222,FP,Ann,Bad Body,Clinic B,1 A St,Toronto,M4C 1A1,,,,OHT101,",
        "CPSO,12a45,FP,Ann,Bad Number,Clinic C,1 A St,Toronto,M4C 1A1,,,,OHT101,",
        "CPSO,33333,MD,Ann,Bad Type,Clinic D,1 A St,Toronto,M4C 1A1,,,,OHT101,",
        "CPSO,44444,FP,,No Given Name,Clinic E,1 A St,Toronto,M4C 1A1,,,,OHT101,",
        "CPSO,55555,FP,Ann,Quebec,Clinic F,1 A St,Montréal,H2X 1Y4,,,,OHT101,",
        "CPSO,66666,FP,Ann,Nowhere,Clinic G,1 A St,Toronto,M4C 1A1,,,,OHT999,",
        "CPSO,77777,FP,Ann,Bad Phone,Clinic H,1 A St,Toronto,M4C 1A1,555-0101,,,OHT101,en",
        "CPSO,88888,FP,Ann,Bad Email,Clinic I,1 A St,Toronto,M4C 1A1,,,ann@nowhere,OHT101,en",
        "CPSO,99999,FP,Ann,Bad Language,Clinic J,1 A St,Toronto,M4C 1A1,,,,OHT101,en;xx",
        # The same location as line 2 once the name and postal code are normalised.
        "cpso,12345,fp,Chloé,Tremblay,CLINIQUE MEDICALE  ST ROCH,12 rue Principale,Ottawa,"
        "k1n5t5,,,,OHT102,",
    ]
    path = write(tmp_path, "clinician_contacts_ALL_20250930.csv", rows)

    run = run_import(path)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (11, 4, 7)
    assert run.rows_read == (
        run.rows_created + run.rows_updated + run.rows_unchanged + run.rows_rejected
    )
    assert run.warnings_count == 3
    assert issues_of(run) == [
        ("rejected", 3, "registration_body", "must be CPSO or CNO"),
        ("rejected", 4, "registration_number", "must be 4 to 7 digits"),
        ("rejected", 5, "clinician_type", "must be FP or NP"),
        ("rejected", 6, "given_name", "required value is missing"),
        (
            "rejected",
            7,
            "postal_code",
            "not an Ontario postal code (A1A 1A1, first K, L, M, N or P)",
        ),
        ("rejected", 8, "oht_code", "unknown OHT code (not in the OHT registry)"),
        ("warning", 9, "phone", "not a 10-digit phone number; left blank"),
        ("warning", 10, "email", "not an e-mail; left blank"),
        ("warning", 11, "languages", "holds a code that is not ISO 639-1; left blank"),
        ("rejected", 12, "practice_name", "duplicate practice location, first at line 2"),
    ]
    assert sorted(Clinician.objects.values_list("registration_number", flat=True)) == [
        "12345",
        "77777",
        "88888",
        "99999",
    ]
    assert PracticeLocation.objects.get(clinician__registration_number="77777").phone == ""
    assert Clinician.objects.get(registration_number="88888").email == ""
    assert PracticeLocation.objects.get(clinician__registration_number="99999").languages == ""
    # The duplicate changed nothing: the first row's values stand.
    ottawa = PracticeLocation.objects.get(clinician__registration_number="12345")
    assert (ottawa.practice_name, ottawa.phone) == ("Clinique médicale St-Roch", "6135550101")


def test_it_never_quotes_a_cell_in_a_reason(ohts, tmp_path):
    rows = ["CPSO,12345,FP,Chloé,Tremblay,Clinic,1 A St,Toronto,M4C 1A1,416-555-01,,x@y,OHT101,"]
    path = write(tmp_path, "clinician_contacts_ALL_20250930.csv", rows)

    run = run_import(path)

    reasons = " ".join(issue.reason for issue in run.issues.all())
    assert run.warnings_count == 2
    assert "416-555-01" not in reasons
    assert "x@y" not in reasons


def test_it_changes_nothing_when_the_same_file_is_imported_again(ohts, tmp_path):
    path = write(
        tmp_path, "clinician_contacts_ALL_20250930.csv", [CHLOE_OTTAWA, CHLOE_TORONTO, AMIR]
    )
    run_import(path)
    before = list(PracticeLocation.objects.values().order_by("pk"))
    clinicians_before = list(Clinician.objects.values().order_by("pk"))

    again = run_import(path)

    assert again.status == ImportRun.Status.DUPLICATE
    assert again.rows_created == again.rows_updated == 0
    assert list(PracticeLocation.objects.values().order_by("pk")) == before
    assert list(Clinician.objects.values().order_by("pk")) == clinicians_before


def test_it_counts_the_same_rows_in_another_order_as_unchanged(ohts, tmp_path):
    first = write(
        tmp_path, "clinician_contacts_ALL_20250930.csv", [CHLOE_OTTAWA, CHLOE_TORONTO, AMIR]
    )
    run_import(first)
    before = list(PracticeLocation.objects.values().order_by("pk"))
    clinicians_before = list(Clinician.objects.values().order_by("pk"))
    shuffled = write(
        tmp_path, "clinician_contacts_ALL_20251001.csv", [AMIR, CHLOE_TORONTO, CHLOE_OTTAWA]
    )

    run = run_import(shuffled)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 0, 3)
    assert list(PracticeLocation.objects.values().order_by("pk")) == before
    assert list(Clinician.objects.values().order_by("pk")) == clinicians_before


def test_it_updates_a_changed_phone(ohts, tmp_path):
    run_import(
        write(tmp_path, "clinician_contacts_ALL_20250930.csv", [CHLOE_OTTAWA, CHLOE_TORONTO, AMIR])
    )
    changed = CHLOE_TORONTO.replace("(416) 555-0199", "416.555.0200")

    run = run_import(
        write(tmp_path, "clinician_contacts_ALL_20251001.csv", [CHLOE_OTTAWA, changed, AMIR])
    )

    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 1, 2)
    assert PracticeLocation.objects.get(postal_code="M4C1A1").phone == "4165550200"
    assert PracticeLocation.objects.count() == 3


def test_it_updates_a_location_whose_name_only_changed_in_case_and_accents(ohts, tmp_path):
    run_import(write(tmp_path, "clinician_contacts_ALL_20250930.csv", [CHLOE_OTTAWA]))
    renamed = CHLOE_OTTAWA.replace("Clinique médicale St-Roch", "CLINIQUE MÉDICALE ST. ROCH")

    run = run_import(write(tmp_path, "clinician_contacts_ALL_20251001.csv", [renamed]))

    assert (run.rows_created, run.rows_updated) == (0, 1)
    location = PracticeLocation.objects.get()
    assert location.practice_name == "CLINIQUE MÉDICALE ST. ROCH"
    assert location.name_key == "clinique medicale st roch"


def test_it_flags_a_clinician_missing_from_a_newer_report(ohts, tmp_path):
    run_import(
        write(tmp_path, "clinician_contacts_ALL_20250630.csv", [CHLOE_OTTAWA, CHLOE_TORONTO, AMIR])
    )

    run = run_import(
        write(tmp_path, "clinician_contacts_ALL_20250930.csv", [CHLOE_OTTAWA, CHLOE_TORONTO])
    )

    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 0, 2)
    assert run.detail["clinicians_flagged"] == 1
    assert run.detail["locations_flagged"] == 1
    nurse = amir()
    assert not nurse.on_latest_report
    assert nurse.missing_from_report_since == date(2025, 9, 30)
    assert nurse.needs_review
    location = nurse.locations.get()
    assert not location.on_latest_report
    assert location.missing_from_report_since == date(2025, 9, 30)
    assert not Clinician.objects.filter(needs_review=True).exclude(pk=nurse.pk).exists()


def test_it_puts_a_reappearing_clinician_back_on_the_report(ohts, tmp_path):
    every_row = [CHLOE_OTTAWA, CHLOE_TORONTO, AMIR]
    run_import(write(tmp_path, "clinician_contacts_ALL_20250630.csv", every_row))
    run_import(write(tmp_path, "clinician_contacts_ALL_20250930.csv", every_row[:2]))

    # Reordered: a byte-identical copy of the first file would be refused as a duplicate.
    run = run_import(write(tmp_path, "clinician_contacts_ALL_20251231.csv", every_row[::-1]))

    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 1, 2)
    assert run.detail["clinicians_back_on_report"] == 1
    assert run.detail["locations_back_on_report"] == 1
    nurse = amir()
    assert nurse.on_latest_report
    assert nurse.missing_from_report_since is None
    assert nurse.needs_review  # staff clear it once they have looked
    location = nurse.locations.get()
    assert location.on_latest_report
    assert location.missing_from_report_since is None
    assert Clinician.objects.count() == 2


def test_it_flags_a_missing_location_but_not_its_clinician_still_on_the_report(ohts, tmp_path):
    run_import(
        write(tmp_path, "clinician_contacts_ALL_20250630.csv", [CHLOE_OTTAWA, CHLOE_TORONTO, AMIR])
    )

    run = run_import(write(tmp_path, "clinician_contacts_ALL_20250930.csv", [CHLOE_OTTAWA, AMIR]))

    assert (run.detail["clinicians_flagged"], run.detail["locations_flagged"]) == (0, 1)
    chloe = Clinician.objects.get(registration_number="12345")
    assert chloe.on_latest_report and not chloe.needs_review
    toronto = chloe.locations.get(postal_code="M4C1A1")
    assert not toronto.on_latest_report
    assert chloe.locations.get(postal_code="K1N5T5").on_latest_report


def test_it_only_reconciles_the_ohts_that_have_rows_in_the_file(ohts, tmp_path):
    run_import(
        write(tmp_path, "clinician_contacts_ALL_20250630.csv", [CHLOE_OTTAWA, CHLOE_TORONTO, AMIR])
    )

    # A report for OHT101 alone says nothing about Chloé's Ottawa practice (OHT102).
    run = run_import(write(tmp_path, "clinician_contacts_OHT101_20250930.csv", [AMIR]))

    assert set(run.ohts.values_list("code", flat=True)) == {"OHT101"}
    assert (run.detail["clinicians_flagged"], run.detail["locations_flagged"]) == (0, 1)
    chloe = Clinician.objects.get(registration_number="12345")
    assert chloe.on_latest_report and not chloe.needs_review
    assert chloe.locations.get(postal_code="K1N5T5").on_latest_report
    assert not chloe.locations.get(postal_code="M4C1A1").on_latest_report


def test_it_keeps_a_local_review_decision_across_imports(ohts, tmp_path):
    every_row = [CHLOE_OTTAWA, CHLOE_TORONTO, AMIR]
    run_import(write(tmp_path, "clinician_contacts_ALL_20250630.csv", every_row))
    run_import(write(tmp_path, "clinician_contacts_ALL_20250930.csv", every_row[:2]))
    # Staff have checked Amir (retired) and cleared the flag; they flag Chloé themselves.
    Clinician.objects.filter(pk=amir().pk).update(needs_review=False)
    Clinician.objects.filter(registration_number="12345").update(needs_review=True)

    run = run_import(write(tmp_path, "clinician_contacts_ALL_20251031.csv", every_row[1::-1]))

    assert run.detail["clinicians_flagged"] == 0
    nurse = amir()
    assert not nurse.needs_review
    assert nurse.missing_from_report_since == date(2025, 9, 30)
    assert Clinician.objects.get(registration_number="12345").needs_review


def test_it_keeps_accents_commas_and_line_breaks_inside_quotes_exactly(ohts, tmp_path):
    rows = [
        'CPSO,12345,FP,Jean-François,"Côté, Bélanger",'
        '"Clinique médicale ""Le Plateau"", Inc.","12, rue de l\'Église\nbureau 3",'
        "Ottawa,K1N 5T5,,,,OHT102,fr",
        # Starts on line 4 because of the line break above.
        "CPSO,12a45,FP,Ann,Bad Number,Clinic C,1 A St,Toronto,M4C 1A1,,,,OHT101,",
    ]
    path = write(tmp_path, "clinician_contacts_ALL_20250930.csv", rows)

    run = run_import(path)

    assert run.rows_created == 1
    assert issues_of(run) == [("rejected", 4, "registration_number", "must be 4 to 7 digits")]
    clinician = Clinician.objects.get()
    assert (clinician.given_name, clinician.family_name) == ("Jean-François", "Côté, Bélanger")
    location = clinician.locations.get()
    assert location.practice_name == 'Clinique médicale "Le Plateau", Inc.'
    assert location.address == "12, rue de l'Église\nbureau 3"
    assert location.name_key == "clinique medicale le plateau inc"


def test_it_stores_a_formula_like_value_exactly_as_given(ohts, tmp_path):
    row = CHLOE_TORONTO.replace("Lakeshore Family Health Team", '"=HYPERLINK(""x"")"')
    path = write(tmp_path, "clinician_contacts_ALL_20250930.csv", [row])

    run = run_import(path)

    assert run.rows_created == 1
    location = PracticeLocation.objects.get()
    assert location.practice_name == '=HYPERLINK("x")'
    assert location.name_key == "hyperlink x"
