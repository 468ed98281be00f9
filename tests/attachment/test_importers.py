"""The `hcc_waitlist` extract, rule by rule, as the contract (shared/spec/extracts.md,
section 1) states them: files written here into tmp_path and imported through the
pipeline, on SQLite (pandas merge) and PostgreSQL (COPY + ON CONFLICT merge) alike."""

from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction

from attachment.models import Patient, PatientExtractEvent, WaitlistSnapshot
from oht_portal.choices import Role
from oht_portal.imports.pipeline import import_file
from oht_portal.models import OHT, AuditEvent, ImportIssue, ImportRun, Membership
from tests.conftest import make_oht, make_patient, make_user
from tests.extracts import (
    WAITLIST_HEADER,
    assert_counts_add_up,
    hcc,
    health_card,
    issues,
    waitlist_row,
    write_rows,
)

pytestmark = pytest.mark.django_db

SEPT = "hcc_waitlist_ALL_20250930.csv"  # extract date 2025-09-30
DEC = "hcc_waitlist_ALL_20251231.csv"  # extract date 2025-12-31


HEADER = WAITLIST_HEADER
row = waitlist_row


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    return write_rows(path, rows, header or HEADER)


def run_import(tmp_path: Path, rows: list[dict], name: str = SEPT, **options) -> ImportRun:
    """Write `rows` to a file called `name` and import it; check the run's counts."""
    folder = tmp_path / f"in{ImportRun.objects.count()}"
    folder.mkdir()
    path = write_csv(folder / name, rows)
    run = import_file(path, trigger="command", **options)
    run.refresh_from_db()
    assert_counts_add_up(run)
    return run


def rejected(run: ImportRun) -> list[tuple[int, str, str]]:
    return issues(run, ImportIssue.Severity.REJECTED)


def warnings(run: ImportRun) -> list[tuple[int, str, str]]:
    return issues(run, ImportIssue.Severity.WARNING)


def patient(n: int) -> Patient:
    return Patient.objects.get(hcc_id=hcc(n))


def database_state() -> dict:
    """Everything an hcc_waitlist import may write, to compare before and after."""
    return {
        "patients": list(Patient.objects.order_by("hcc_id").values()),
        "events": PatientExtractEvent.objects.count(),
        "snapshots": WaitlistSnapshot.objects.count(),
        "patient_audit": AuditEvent.objects.filter(patient_id__isnull=False).count(),
    }


@pytest.fixture(autouse=True)
def _archive(settings, tmp_path):
    settings.EXTRACT_ARCHIVE_DIR = tmp_path / "archive"


# -- rejected rows ------------------------------------------------------------------


BAD_ROWS = [
    ({"hcc_id": "HCC12345"}, "hcc_id", "must be HCC and 10 digits"),
    ({"oht_code": "OHT999"}, "oht_code", "unknown OHT code (not in the OHT registry)"),
    ({"oht_code": "101"}, "oht_code", "must be OHT and 3 digits"),
    ({"registration_date": "15/03/2024"}, "registration_date", "not a date (YYYY-MM-DD)"),
    ({"registration_date": "2024-02-30"}, "registration_date", "not a date (YYYY-MM-DD)"),
    ({"registration_date": "2025-10-01"}, "registration_date", "in the future"),
    ({"given_name": ""}, "given_name", "required value is missing"),
    ({"family_name": "x" * 101}, "family_name", "longer than 100 characters"),
    ({"date_of_birth": "1899-12-31"}, "date_of_birth", "before 1900-01-01"),
    ({"date_of_birth": "2025-10-01"}, "date_of_birth", "in the future"),
    (
        {"postal_code": "M4C 1A"},
        "postal_code",
        "not an Ontario postal code (A1A 1A1, first K, L, M, N or P)",
    ),
    (
        {"postal_code": "H2X 1Y4"},
        "postal_code",
        "not an Ontario postal code (A1A 1A1, first K, L, M, N or P)",
    ),
    ({"complex_vulnerable": "maybe"}, "complex_vulnerable", "not a Y/N flag"),
    ({"complex_vulnerable": ""}, "complex_vulnerable", "required value is missing"),
    ({"status": "waiting"}, "status", "must be active, attached or closed"),
]


def test_it_rejects_each_bad_row_with_its_line_and_column_and_imports_the_good_ones(
    tmp_path, oht_a
):
    rows = [row(1)]
    for n, (cells, _column, _reason) in enumerate(BAD_ROWS, start=100):
        rows.append(row(n, **cells))
    rows.append(row(2))
    rows.append(row(3, given_name="Second row with id 1", hcc_id=hcc(1)))

    run = run_import(tmp_path, rows)

    expected = [
        (line, column, reason) for line, (_cells, column, reason) in enumerate(BAD_ROWS, start=3)
    ]
    expected.append((len(rows) + 1, "hcc_id", "duplicate hcc_id, first at line 2"))
    assert rejected(run) == expected
    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (len(rows), 2, len(BAD_ROWS) + 1)
    assert set(Patient.objects.values_list("hcc_id", flat=True)) == {hcc(1), hcc(2)}
    assert patient(1).given_name == "Given1"


def test_it_rejects_a_duplicate_hcc_id_naming_the_first_line(tmp_path, oht_a):
    run = run_import(tmp_path, [row(1), row(2), row(3), row(2, given_name="Again")])
    assert rejected(run) == [(5, "hcc_id", "duplicate hcc_id, first at line 3")]
    assert patient(2).given_name == "Given2"


def test_a_date_after_the_extract_date_is_in_the_future_even_if_before_today(tmp_path, oht_a):
    run = run_import(
        tmp_path,
        [
            row(1, registration_date="2025-09-30", date_of_birth="2025-09-30"),
            row(2, registration_date="2025-10-01"),
            row(3, date_of_birth="2025-10-01"),
        ],
        name=SEPT,
    )
    assert rejected(run) == [
        (3, "registration_date", "in the future"),
        (4, "date_of_birth", "in the future"),
    ]
    assert patient(1).registration_date == date(2025, 9, 30)


# -- invalid optional values: kept blank, with a warning -----------------------------


@pytest.mark.parametrize(
    ("column", "value", "field", "blank", "reason"),
    [
        (
            "health_card_number",
            "1234567890",
            "health_card_number",
            "",
            "not a valid Ontario health card number; left blank",
        ),
        (
            "health_card_number",
            "１２３４５６７８９７",  # full-width digits: not the 10 digits of a card
            "health_card_number",
            "",
            "not a valid Ontario health card number; left blank",
        ),
        (
            "health_card_number",
            "12345",
            "health_card_number",
            "",
            "not a valid Ontario health card number; left blank",
        ),
        ("phone", "555-0100", "phone", "", "not a 10-digit phone number; left blank"),
        ("email", "not-an-email", "email", "", "not an e-mail; left blank"),
        ("email", "a@b", "email", "", "not an e-mail; left blank"),
        (
            "preferred_contact",
            "fax",
            "preferred_contact",
            "",
            "must be phone, email, text or mail; left blank",
        ),
        (
            "preferred_language",
            "english",
            "preferred_language",
            "",
            "not an ISO 639-1 language code; left blank",
        ),
        (
            "preferred_language",
            "xx",
            "preferred_language",
            "",
            "not an ISO 639-1 language code; left blank",
        ),
        (
            "last_verified",
            "2025-10-15",
            "last_verified",
            None,
            "not a valid past date (YYYY-MM-DD); left blank",
        ),
        (
            "status_date",
            "01/02/2025",
            "status_date",
            None,
            "not a valid past date (YYYY-MM-DD); left blank",
        ),
    ],
)
def test_it_imports_a_row_with_an_invalid_optional_value_left_blank_with_a_warning(
    tmp_path, oht_a, column, value, field, blank, reason
):
    run = run_import(tmp_path, [row(1, status_date="2025-02-01"), row(2, **{column: value})])

    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.rows_created, run.rows_rejected, run.warnings_count) == (2, 0, 1)
    assert warnings(run) == [(3, column, reason)]
    assert getattr(patient(2), field) == blank
    assert getattr(patient(1), field) not in ("", None)


def test_it_keeps_blank_optional_cells_as_unknown(tmp_path, oht_a):
    blanks = dict.fromkeys(
        ["health_card_number", "phone", "email", "preferred_contact", "preferred_language"], ""
    )
    run = run_import(tmp_path, [row(1, **blanks, last_verified="", status_date="")])
    assert warnings(run) == []
    stored = patient(1)
    assert (stored.phone, stored.email, stored.preferred_language) == ("", "", "")
    assert (stored.status_date, stored.last_verified) == (None, None)


# -- normalisation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("Y", True),
        ("y", True),
        ("O", True),
        ("o", True),
        ("true", True),
        ("TRUE", True),
        ("True", True),
        ("1", True),
        ("N", False),
        ("n", False),
        ("false", False),
        ("FALSE", False),
        ("0", False),
    ],
)
def test_it_accepts_y_n_o_true_false_1_0_flags_in_any_case(tmp_path, oht_a, flag, expected):
    run = run_import(tmp_path, [row(1, complex_vulnerable=flag)])
    assert run.rows_rejected == 0
    assert patient(1).complex_vulnerable is expected


def test_it_normalises_the_postal_code_and_derives_the_fsa(tmp_path, oht_a):
    run_import(tmp_path, [row(1, postal_code="m4e 2b3"), row(2, postal_code="K0A1B0")])
    assert (patient(1).postal_code, patient(1).fsa) == ("M4E2B3", "M4E")
    assert (patient(2).postal_code, patient(2).fsa) == ("K0A1B0", "K0A")


def test_it_normalises_a_health_card_with_spaces_dashes_and_a_version_code(tmp_path, oht_a):
    card = health_card("482199351")
    run = run_import(
        tmp_path,
        [
            row(1, health_card_number=f"{card[:4]} {card[4:7]} {card[7:]} ab"),
            row(2, health_card_number=f"{card[:4]}-{card[4:7]}-{card[7:]}-K"),
            row(3, health_card_number=card),
        ],
    )
    assert warnings(run) == []
    assert patient(1).health_card_number == f"{card}AB"
    assert patient(2).health_card_number == f"{card}K"
    assert patient(3).health_card_number == card


def test_it_normalises_phone_status_contact_and_language(tmp_path, oht_a):
    run_import(
        tmp_path,
        [
            row(
                1,
                phone="+1 (416) 555.0199",
                status="Attached",
                preferred_contact="EMAIL",
                preferred_language="FR",
                hcc_id="hcc0000000001",
            )
        ],
    )
    stored = patient(1)
    assert (stored.phone, stored.status) == ("4165550199", "attached")
    assert (stored.preferred_contact, stored.preferred_language) == ("email", "fr")


def test_the_cohort_is_who_registered_on_or_before_the_cohort_date(tmp_path, oht_a, settings):
    assert settings.HCC_COHORT_DATE == date(2025, 1, 1)
    run_import(
        tmp_path,
        [
            row(1, registration_date="2024-12-31"),
            row(2, registration_date="2025-01-01"),
            row(3, registration_date="2025-01-02"),
        ],
    )
    assert [patient(n).in_cohort for n in (1, 2, 3)] == [True, True, False]
    assert set(Patient.objects.in_cohort().values_list("hcc_id", flat=True)) == {hcc(1), hcc(2)}

    settings.HCC_COHORT_DATE = date(2025, 1, 2)
    assert Patient.objects.in_cohort().count() == 3


# -- re-imports ----------------------------------------------------------------------


def test_a_changed_file_updates_only_the_changed_patient_and_records_which_fields(tmp_path, oht_a):
    rows = [row(n) for n in range(1, 5)]
    first = run_import(tmp_path, rows)
    assert (first.rows_created, first.rows_updated, first.rows_unchanged) == (4, 0, 0)
    before = {p.hcc_id: p.updated_at for p in Patient.objects.all()}

    rows[2] = row(3, phone="613-555-0142")
    second = run_import(tmp_path, rows)

    assert second.status == ImportRun.Status.SUCCEEDED
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 1, 3)
    assert patient(3).phone == "6135550142"
    event = PatientExtractEvent.objects.get(import_run=second)
    assert (event.patient_id, event.change, event.fields) == (patient(3).pk, "updated", ["phone"])
    assert event.extract_date == date(2025, 9, 30)
    after = {p.hcc_id: p.updated_at for p in Patient.objects.all()}
    assert all(after[h] == before[h] for h in after if h != hcc(3))
    assert after[hcc(3)] >= before[hcc(3)]  # PostgreSQL's now() is the transaction's start


def test_a_change_of_several_fields_names_each_of_them(tmp_path, oht_a):
    run_import(tmp_path, [row(1), row(2)])
    second = run_import(
        tmp_path,
        [row(1, status="closed", status_date="2025-09-20", postal_code="M4E 1A1"), row(2)],
    )
    event = PatientExtractEvent.objects.get(import_run=second)
    assert event.change == "updated"
    assert sorted(event.fields) == ["fsa", "postal_code", "status", "status_date"]


def test_the_same_rows_in_another_order_change_nothing(tmp_path, oht_a):
    rows = [row(n) for n in range(1, 6)]
    run_import(tmp_path, rows)
    before = database_state()

    second = run_import(tmp_path, list(reversed(rows)))

    assert second.status == ImportRun.Status.SUCCEEDED  # another checksum: not a duplicate
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 5)
    after = database_state()
    assert after["patients"] == before["patients"]
    assert (after["events"], after["patient_audit"]) == (before["events"], before["patient_audit"])


def test_a_patient_missing_from_a_newer_extract_is_marked_off_the_list_not_deleted(tmp_path, oht_a):
    run_import(tmp_path, [row(1), row(2), row(3)], name=SEPT)

    newer = run_import(tmp_path, [row(1), row(3)], name=DEC)

    gone = patient(2)
    assert (gone.on_hcc_list, gone.left_hcc_list_on) == (False, date(2025, 12, 31))
    assert patient(1).on_hcc_list and patient(3).on_hcc_list
    assert Patient.objects.count() == 3
    event = PatientExtractEvent.objects.get(import_run=newer)
    assert (event.patient_id, event.change, event.extract_date) == (
        gone.pk,
        "left",
        date(2025, 12, 31),
    )
    assert newer.detail["left_list"] == 1
    snapshot = WaitlistSnapshot.objects.get(import_run=newer)
    assert (snapshot.oht_id, snapshot.rows, snapshot.left_list) == (oht_a.pk, 2, 1)
    assert list(newer.ohts.all()) == [oht_a]


def test_only_the_ohts_in_a_newer_file_are_reconciled(tmp_path, oht_a, oht_b):
    run_import(tmp_path, [row(1), row(2, oht_code="OHT102", postal_code="K1N 5T5")])

    run_import(tmp_path, [row(3)], name=DEC)

    assert patient(1).on_hcc_list is False
    assert patient(2).on_hcc_list is True  # OHT102 has no row in the newer file
    assert patient(2).left_hcc_list_on is None


def test_a_patient_who_reappears_is_back_on_the_list_with_their_history(tmp_path, oht_a):
    run_import(tmp_path, [row(1), row(2)], name=SEPT)
    run_import(tmp_path, [row(1)], name=DEC)
    assert patient(2).on_hcc_list is False

    back = run_import(tmp_path, [row(1), row(2), row(3)], name="hcc_waitlist_ALL_20260331.csv")

    returned = patient(2)
    assert (returned.on_hcc_list, returned.left_hcc_list_on) == (True, None)
    assert (back.rows_created, back.rows_updated, back.rows_unchanged) == (1, 1, 1)
    assert PatientExtractEvent.objects.get(import_run=back, patient=returned).fields == []
    history = list(
        returned.extract_events.order_by("extract_date").values_list("change", "extract_date")
    )
    assert history == [
        ("joined", date(2025, 9, 30)),
        ("left", date(2025, 12, 31)),
        ("returned", date(2026, 3, 31)),
    ]


def test_a_stale_extract_is_refused_for_its_oht_while_another_ohts_rows_load(
    tmp_path, oht_a, oht_b
):
    run_import(tmp_path, [row(1), row(2)], name=DEC)
    before = list(Patient.objects.filter(oht=oht_a).order_by("hcc_id").values())

    late = run_import(
        tmp_path,
        [
            row(1, phone="613-555-0101"),
            row(7, oht_code="OHT102", postal_code="K1N 5T5"),
        ],
        name="hcc_waitlist_ALL_20250630.csv",
    )

    assert late.status == ImportRun.Status.SUCCEEDED
    assert rejected(late) == [
        (2, "oht_code", "stale extract: 2025-06-30 is older than 2025-12-31"),
    ]
    assert list(Patient.objects.filter(oht=oht_a).order_by("hcc_id").values()) == before
    assert patient(2).on_hcc_list is True  # the stale file never rolls OHT101's list back
    assert patient(7).oht_id == oht_b.pk
    assert list(late.ohts.all()) == [oht_b]


def test_force_overrides_the_stale_extract_check(tmp_path, oht_a):
    run_import(tmp_path, [row(1), row(2)], name=DEC)

    late = run_import(
        tmp_path, [row(1, phone="613-555-0101")], name="hcc_waitlist_ALL_20250630.csv", force=True
    )

    assert late.forced is True
    assert rejected(late) == []
    assert (late.rows_updated, late.rows_rejected) == (1, 0)
    assert patient(1).phone == "6135550101"
    assert (patient(2).on_hcc_list, patient(2).left_hcc_list_on) == (False, date(2025, 6, 30))


def test_an_extract_of_the_same_date_is_not_stale(tmp_path, oht_a):
    run_import(tmp_path, [row(1)], name=DEC)
    again = run_import(tmp_path, [row(1, phone="613-555-0101")], name=DEC)
    assert (again.rows_updated, again.rows_rejected) == (1, 0)


# -- the extract date ----------------------------------------------------------------


def test_it_takes_the_extract_date_from_the_file_name(tmp_path, oht_a):
    run = run_import(tmp_path, [row(1)], name="hcc_waitlist_ALL_20250930.csv")
    assert run.extract_date == date(2025, 9, 30)
    assert WaitlistSnapshot.objects.get(import_run=run).extract_date == date(2025, 9, 30)


def test_it_takes_the_extract_date_given_to_the_importer(tmp_path, oht_a):
    run = run_import(tmp_path, [row(1)], name="waitlist.csv", extract_date=date(2025, 8, 31))
    assert run.extract_date == date(2025, 8, 31)
    assert PatientExtractEvent.objects.get(import_run=run).extract_date == date(2025, 8, 31)


def test_the_extract_date_given_wins_over_the_file_name(tmp_path, oht_a):
    run = run_import(tmp_path, [row(1)], name=SEPT, extract_date=date(2025, 8, 31))
    assert run.extract_date == date(2025, 8, 31)


def test_without_a_date_the_extract_date_is_the_day_of_import(tmp_path, oht_a):
    from django.utils import timezone

    run = run_import(tmp_path, [row(1)], name="waitlist.csv")
    assert run.extract_date == timezone.localdate()


# -- what an import must never do ----------------------------------------------------


def test_it_never_touches_the_ohts_own_records(tmp_path, oht_a):
    lead = make_user("lead@example.org", mfa=False)
    Membership.objects.create(user=lead, oht=oht_a, role=Role.OHT_STAFF)
    OHT.objects.filter(pk=oht_a.pk).update(
        custodian_name="Lakeshore Custodian Inc.",
        custodian_contact_email="privacy@lakeshore.example.org",
        primary_contact=lead,
    )
    profile = OHT.objects.filter(pk=oht_a.pk).values().get()
    memberships = list(Membership.objects.values())

    run_import(tmp_path, [row(1), row(2)], name=SEPT)
    run_import(tmp_path, [row(1, phone="613-555-0101")], name=DEC)

    assert OHT.objects.filter(pk=oht_a.pk).values().get() == profile
    assert list(Membership.objects.values()) == memberships


def test_it_stores_formula_markup_and_sql_text_exactly_as_given(tmp_path, oht_a):
    texts = [
        '=HYPERLINK("http://x")',
        "<script>alert(1)</script>",
        "'; DROP TABLE attachment_patient; --",
        "+SUM(A1:A9)",
    ]
    run_import(
        tmp_path,
        [row(n, given_name=text, family_name=text) for n, text in enumerate(texts, start=1)],
    )
    for n, text in enumerate(texts, start=1):
        assert (patient(n).given_name, patient(n).family_name) == (text, text)
    assert Patient.objects.count() == len(texts)


def test_every_patient_touched_by_an_import_has_an_append_only_record(tmp_path, oht_a, alice):
    first = run_import(tmp_path, [row(1), row(2), row(3)], name=SEPT, user=alice)
    ids = {n: patient(n).pk for n in (1, 2, 3)}
    joined = PatientExtractEvent.objects.filter(import_run=first)
    assert sorted(joined.values_list("patient_id", "change")) == sorted(
        (pk, "joined") for pk in ids.values()
    )
    run_audit = AuditEvent.objects.get(object_type="oht_portal.importrun", object_id=str(first.pk))
    assert (run_audit.action, run_audit.actor_id) == ("import", alice.pk)

    second = run_import(tmp_path, [row(1, phone="613-555-0101"), row(3)], name=DEC)

    touched = PatientExtractEvent.objects.filter(import_run=second)
    assert sorted(touched.values_list("patient_id", "change")) == sorted(
        [(ids[1], "updated"), (ids[2], "left")]
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_an_import_record(tmp_path, oht_a):
    run_import(tmp_path, [row(1)])
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            PatientExtractEvent.objects.update(change="updated")
    assert PatientExtractEvent.objects.get().change == "joined"


def test_it_keeps_health_information_out_of_the_audit_rows(tmp_path, oht_a):
    run_import(tmp_path, [row(1, family_name="Zyxwvutsrq", date_of_birth="1961-04-05")])
    flat = " ".join(str(value) for event in AuditEvent.objects.values() for value in event.values())
    assert "Zyxwvutsrq" not in flat
    assert "1961-04-05" not in flat


def test_a_file_whose_rows_are_all_rejected_changes_nothing(tmp_path, oht_a):
    run_import(tmp_path, [row(1), row(2)], name=SEPT)
    before = database_state()

    run = run_import(tmp_path, [row(3, status="waiting"), row(4, oht_code="OHT999")], name=DEC)

    assert run.status == ImportRun.Status.REFUSED
    assert run.error == "Every row was rejected; nothing was changed."
    assert (run.rows_read, run.rows_rejected) == (2, 2)
    assert rejected(run) == [
        (2, "status", "must be active, attached or closed"),
        (3, "oht_code", "unknown OHT code (not in the OHT registry)"),
    ]
    assert database_state() == before
    assert patient(1).on_hcc_list and patient(2).on_hcc_list


def test_a_patient_whose_row_is_rejected_is_not_marked_off_the_list(tmp_path, oht_a):
    run_import(tmp_path, [row(1), row(2)], name=SEPT)

    run = run_import(tmp_path, [row(1), row(2, registration_date="someday")], name=DEC)

    assert rejected(run) == [(3, "registration_date", "not a date (YYYY-MM-DD)")]
    assert (patient(2).on_hcc_list, patient(2).left_hcc_list_on) == (True, None)
    assert not PatientExtractEvent.objects.filter(import_run=run).exists()


def test_an_import_that_fails_part_way_changes_nothing_and_can_be_run_again(
    tmp_path, oht_a, caplog
):
    run_import(tmp_path, [row(1), row(2)], name=SEPT)
    make_patient(oht_a, hcc(9))  # entered by hand, absent from the extracts
    before = database_state()
    rows = [row(1, phone="613-555-0101"), row(3, given_name="Perpétue")]
    folder = tmp_path / "retry"
    folder.mkdir()
    path = write_csv(folder / DEC, rows)

    with mock.patch.object(
        WaitlistSnapshot.objects,
        "bulk_create",
        side_effect=RuntimeError("could not write Perpétue HCC0000000003"),
    ):
        failed = import_file(path, trigger="command")

    failed.refresh_from_db()
    assert failed.status == ImportRun.Status.FAILED
    assert "nothing was changed" in failed.error
    assert "Perpétue" not in failed.error and hcc(3) not in failed.error
    assert "Perpétue" not in caplog.text
    assert database_state() == before
    assert not failed.issues.exists()
    assert not PatientExtractEvent.objects.filter(import_run=failed).exists()
    assert not AuditEvent.objects.filter(
        object_type="oht_portal.importrun", object_id=str(failed.pk)
    ).exists()

    again = import_file(path, trigger="command")

    again.refresh_from_db()
    assert again.status == ImportRun.Status.SUCCEEDED
    assert_counts_add_up(again)
    assert (again.rows_created, again.rows_updated) == (1, 1)
    assert patient(3).given_name == "Perpétue"
    assert patient(1).phone == "6135550101"
    assert patient(9).on_hcc_list is False


def test_a_patient_may_move_to_another_oht(tmp_path, oht_a, oht_b):
    run_import(tmp_path, [row(1), row(2)], name=SEPT)

    run = run_import(tmp_path, [row(1), row(2, oht_code="OHT102", postal_code="K1N 5T5")], name=DEC)

    moved = patient(2)
    assert (moved.oht_id, moved.on_hcc_list) == (oht_b.pk, True)
    event = PatientExtractEvent.objects.get(import_run=run)
    assert sorted(event.fields) == ["fsa", "oht_id", "postal_code"]


def test_it_imports_many_patients_of_many_ohts(tmp_path, oht_a, oht_b):
    make_oht("OHT104", "Superior Shores", "North West", ["P7A"])
    codes = ["OHT101", "OHT102", "OHT104"]
    rows = [row(n, oht_code=codes[n % 3]) for n in range(1, 1201)]
    run = run_import(tmp_path, rows)
    assert (run.rows_created, run.rows_rejected) == (1200, 0)
    assert Patient.objects.count() == 1200
    assert WaitlistSnapshot.objects.filter(import_run=run).count() == 3
    assert PatientExtractEvent.objects.filter(import_run=run, change="joined").count() == 1200
