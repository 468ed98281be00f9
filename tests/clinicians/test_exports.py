"""Exports of the directory, the capacity report and the capacity summary: the whole
filtered set and nothing more, bilingual headers, formula-safe cells, one audit row."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clinicians.choices import AcceptingStatus, DeclarationChannel
from clinicians.models import PracticeLocation
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.conftest import make_clinician, make_location

pytestmark = pytest.mark.django_db

NOON = "2025-10-15 12:00-04:00"
EXPORT_URL = reverse("clinicians:location_export")
REPORT_EXPORT_URL = reverse("clinicians:capacity_report_export")
SUMMARY_EXPORT_URL = reverse("clinicians:capacity_summary_export")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOON, tick=False):
        yield


def declare(location, new_patients=5, status=AcceptingStatus.ACCEPTING, **extra):
    return capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=status, new_patients=new_patients, **extra),
        channel=DeclarationChannel.STAFF,
    )


def export_csv(client, url=EXPORT_URL, **params) -> list[dict]:
    response = client.get(url, {"format": "csv", **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('_20251015.csv"')
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def export_xlsx(client, url=EXPORT_URL, **params) -> list[dict]:
    response = client.get(url, {"format": "xlsx", **params})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    header, *rows = workbook.active.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def practices(rows: list[dict]) -> list[str]:
    return sorted(row["Practice"] for row in rows)


@pytest.fixture
def many(oht_a):
    """55 locations in M4C (more than a page) and 3 in M4E."""
    clinicians = [make_clinician(f"1{number:04d}") for number in range(58)]
    PracticeLocation.objects.bulk_create(
        PracticeLocation(
            oht=oht_a,
            clinician=clinician,
            practice_name=f"Clinic {number:02d}",
            name_key=f"clinic {number:02d}",
            address="1 Main St",
            city="Toronto",
            postal_code="M4C1A1" if number < 55 else "M4E1A1",
            fsa="M4C" if number < 55 else "M4E",
            languages="en",
        )
        for number, clinician in enumerate(clinicians)
    )


def test_the_export_holds_the_whole_filtered_set(client_for, alice, many):
    client = client_for(alice)
    expected = [f"Clinic {number:02d}" for number in range(55)]

    assert practices(export_csv(client, fsa="M4C")) == expected
    assert practices(export_xlsx(client, fsa="M4C")) == expected


def test_the_export_is_audited_with_its_filters_and_row_count(client_for, alice, many):
    export_csv(client_for(alice), fsa="M4C", page="2", ordering="fsa")

    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor_id == alice.pk
    assert event.detail == {
        "export": "clinician_directory",
        "format": "csv",
        "filters": {"fsa": "M4C", "ordering": "fsa"},
        "rows": 55,
    }


def test_the_export_keeps_numbers_and_dates(client_for, alice, oht_a):
    location = make_location(oht_a, make_clinician("10001"), practice_name="Clinic")
    declare(location, new_patients=7, min_age=0, max_age=17)

    [csv_row] = export_csv(client_for(alice))
    [xlsx_row] = export_xlsx(client_for(alice))

    assert (csv_row["Places left"], csv_row["Capacity expires on"]) == ("7", "2026-01-13")
    assert xlsx_row["Places left"] == 7
    assert xlsx_row["Capacity expires on"].date() == date(2026, 1, 13)
    assert xlsx_row["Accepting"] == "Accepting new patients"


def test_formula_like_values_are_exported_as_text(client_for, alice, oht_a):
    clinician = make_clinician("10001", given_name="+1 Anne")
    make_location(oht_a, clinician, practice_name='=HYPERLINK("http://x")')
    client = client_for(alice)

    for rows in (export_csv(client), export_xlsx(client)):
        assert rows[0]["Practice"] == '\'=HYPERLINK("http://x")'
        assert rows[0]["Clinician"].startswith("'+1 Anne")


def test_the_headers_follow_the_persons_language(client_for, alice, oht_a):
    make_location(oht_a, make_clinician("10001"))
    client = client_for(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    for rows in (export_csv(client), export_xlsx(client)):
        assert list(rows[0])[0] == "ESO"
        assert "RTA" in rows[0] and "Code postal" in rows[0] and "Téléphone" in rows[0]


def test_the_export_never_holds_another_ohts_locations(client_for, bob, oht_a, oht_b):
    make_location(oht_a, make_clinician("10001"), practice_name="Lakeshore")
    make_location(oht_b, make_clinician("20001"), practice_name="Rideau")
    client = client_for(bob)

    assert practices(export_csv(client)) == practices(export_xlsx(client)) == ["Rideau"]


def test_an_unknown_format_or_invalid_filters_export_nothing(client_for, alice, oht_a):
    make_location(oht_a, make_clinician("10001"))
    client = client_for(alice)

    assert client.get(EXPORT_URL, {"format": "pdf"}).status_code == 400
    # Another OHT is not one of alice's choices: never export wider than asked.
    assert client.get(EXPORT_URL, {"format": "csv", "oht": "OHT102"}).status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_export_needs_a_sign_in(client, oht_a):
    assert client.get(EXPORT_URL, {"format": "csv"}).status_code == 302


@pytest.fixture
def mixed_capacity(oht_a):
    open_ = make_location(oht_a, make_clinician("10001"), practice_name="Open")
    declare(open_, new_patients=3, languages="fr", batch_size=2)
    stale = make_location(oht_a, make_clinician("10002"), practice_name="Stale")
    with time_machine.travel(timezone.now() - timedelta(days=91), tick=False):
        declare(stale)
    closed = make_location(oht_a, make_clinician("10003"), practice_name="Closed")
    declare(closed, status=AcceptingStatus.NOT_ACCEPTING, new_patients=0)
    make_location(oht_a, make_clinician("10004"), practice_name="Never")


def test_the_capacity_report_exports_open_locations_only(client_for, carol, mixed_capacity):
    client = client_for(carol)

    for rows in (
        export_csv(client, REPORT_EXPORT_URL),
        export_xlsx(client, REPORT_EXPORT_URL),
    ):
        assert practices(rows) == ["Open"]
        assert rows[0]["Languages required"] == "fr"
        assert str(rows[0]["Places left"]) == "3"
        assert str(rows[0]["Takes referrals in batches of"]) == "2"
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).first()
    assert (event.detail["export"], event.detail["rows"]) == ("capacity_report", 1)


def test_the_capacity_report_export_uses_the_directory_filters(client_for, alice, oht_a):
    declare(make_location(oht_a, make_clinician("10001"), practice_name="Own", fsa="M4C"))
    declare(make_location(oht_a, make_clinician("10002"), practice_name="East", fsa="M4E"))

    assert practices(export_csv(client_for(alice), REPORT_EXPORT_URL, fsa="M4E")) == ["East"]


def test_the_summary_export_adds_places_by_fsa_and_language(client_for, alice, oht_a, oht_b):
    declare(
        make_location(oht_a, make_clinician("10001", languages="en;fr"), fsa="M4C"),
        new_patients=5,
    )
    declare(make_location(oht_a, make_clinician("10002"), fsa="M4C"), new_patients=2)
    declare(
        make_location(oht_a, make_clinician("10003"), fsa="M4E"),
        new_patients=4,
        languages="fr",
    )
    make_location(oht_a, make_clinician("10004"), fsa="M4E")
    declare(make_location(oht_b, make_clinician("20001")), new_patients=9)

    rows = export_csv(client_for(alice), SUMMARY_EXPORT_URL)

    table = [
        (
            row["OHT"],
            row["Grouping"],
            row["Code"],
            row["Open places"],
            row["Locations with open places"],
        )
        for row in rows
    ]
    assert table == [
        ("OHT101", "All", "", "11", "3"),
        ("OHT101", "FSA", "M4C", "7", "2"),
        ("OHT101", "FSA", "M4E", "4", "1"),
        ("OHT101", "Language", "fr", "9", "2"),
        ("OHT101", "Language", "en", "7", "2"),
    ]
    assert rows[0]["Never-declared locations"] == "1"
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).detail["rows"] == 5
