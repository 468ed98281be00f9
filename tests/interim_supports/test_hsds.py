"""HSDS exchange: export → import into an empty database → export gives the same data
(JSON and CSV zip), a bad file changes nothing and names its line and field, ids of
another OHT are refused, the management commands, and the exchange page's roles."""

import csv
import io
import json
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from interim_supports.hsds import (
    TABLES,
    csv_zip_bytes,
    hsds_import,
    hsds_services,
    json_bytes,
)
from interim_supports.models import (
    SupportHours,
    SupportLocation,
    SupportOrganization,
    SupportService,
)
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from tests.interim_supports.conftest import make_support

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
MONDAY, FRIDAY, SATURDAY = 0, 4, 5
FROZEN = datetime(2026, 11, 20, 12, 0, tzinfo=TORONTO)

FRENCH_DESCRIPTION = (
    "Clinique de soirée, sans rendez-vous.\nDeuxième ligne : « soins primaires », été."
)


@pytest.fixture
def frozen():
    """Import stamps updated_at (HSDS last_modified): a frozen clock keeps it equal."""
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def directory(oht_a, frozen):
    """OHT A's supports: hours past midnight, three locations (one virtual), French
    texts with accents, commas and newlines, a text that looks like a formula."""
    partners = SupportOrganization.objects.create(
        oht=oht_a,
        name="Lakeshore Health Partners",
        description_en="Community health, east end.",
        description_fr="Santé communautaire, « est » de la ville.",
        website="https://lakeshore.example.org",
        phone="4165550100",
    )
    late = make_support(
        oht_a,
        "Late clinic",
        organization=partners,
        hours=[(FRIDAY, "20:00", "02:00"), (MONDAY, "09:00", "17:00")],
        name_fr="Clinique du soir, « Lakeshore »",
        description_en="Evening clinic, no appointment.\nSecond line.",
        description_fr=FRENCH_DESCRIPTION,
        languages="fr;en;ar",
        fsas_served="M4C;M4E",
        min_age=16,
        max_age=80,
        eligibility_en="Adults, teens 16+",
        eligibility_fr="Adultes, ados de 16 ans et plus",
        unattached_only=True,
        walk_in=True,
        by_phone=True,
        cost="fee",
        cost_note="25 $, payable sur place",
        capacity_note_en="About 30 a night",
        capacity_note_fr="Environ 30 par soir",
        phone="4165550101",
        email="late@example.org",
        url="https://late.example.org",
        review_every_days=90,
    )
    SupportLocation.objects.create(
        service=late,
        name="Gerrard site",
        address="1 Gerrard St E, Unit 2",
        city="Toronto",
        postal_code="M4C1A1",
        accessibility="Ramp, elevator",
    )
    SupportLocation.objects.create(
        service=late, name="Danforth site", address="2 Danforth Ave", city="Toronto"
    )
    SupportLocation.objects.create(
        service=late, location_type="virtual", name="Online", url="https://late.example.org/v"
    )
    helpline = SupportOrganization.objects.create(oht=oht_a, name="=Helpline, Inc.")
    make_support(
        oht_a,
        "Around the clock line",
        organization=helpline,
        hours=[(SATURDAY, "00:00", "00:00")],
        support_type="virtual",
        description_en="-24/7 line; call any time",
        description_fr="@Ligne 24 h sur 24,\nsans frais",
        province_wide=True,
        closed_on_holidays=False,
        status="temporarily closed",
        indigenous_led=True,
        complex_needs=True,
        online=True,
        by_appointment=True,
        cost="free",
    )
    return late


def empty_the_directory():
    SupportService.objects.all().delete()
    SupportOrganization.objects.all().delete()


def unzipped(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def rezipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, "\ufeff" + text)
    return buffer.getvalue()


def edited_csv(data: bytes, name: str, line_index: int, **changes) -> bytes:
    """The zip with row `line_index` (0 = first data row) of `name` changed."""
    files = unzipped(data)
    rows = list(csv.DictReader(io.StringIO(files[name], newline="")))
    rows[line_index].update(changes)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=TABLES[name])
    writer.writeheader()
    writer.writerows(rows)
    files[name] = text.getvalue()
    return rezipped(files)


def snapshot() -> list:
    """Everything the directory holds, to show that a refused import changed nothing."""
    return [
        list(SupportOrganization.objects.order_by("pk").values()),
        list(SupportService.objects.order_by("pk").values()),
        list(SupportLocation.objects.order_by("pk").values()),
        list(SupportHours.objects.order_by("pk").values()),
    ]


# --- Export ---------------------------------------------------------------------------


def test_export_is_nested_hsds_with_the_extension(oht_a, oht_b, directory):
    make_support(oht_b, "Rideau walk-in")  # another OHT's: not exported
    services = hsds_services(oht=oht_a)
    assert [service["name"] for service in services] == ["Around the clock line", "Late clinic"]
    late = services[1]
    assert late["id"] == str(directory.hsds_id)
    assert late["organization"]["name"] == "Lakeshore Health Partners"
    assert late["organization"]["phones"][0]["number"] == "4165550100"
    assert late["status"] == "active"
    assert (late["minimum_age"], late["maximum_age"]) == (16, 80)
    assert late["assured_date"] == "2026-10-01"
    assert [language["code"] for language in late["languages"]] == ["fr", "en", "ar"]
    assert [area["name"] for area in late["service_areas"]] == ["M4C", "M4E"]
    assert late["cost_options"][0]["option"] == "fee"
    assert late["schedules"] == [
        {
            "id": late["schedules"][0]["id"],
            "service_id": late["id"],
            "freq": "WEEKLY",
            "byday": "MO",
            "opens_at": "09:00",
            "closes_at": "17:00",
        },
        {
            "id": late["schedules"][1]["id"],
            "service_id": late["id"],
            "freq": "WEEKLY",
            "byday": "FR",
            "opens_at": "20:00",
            "closes_at": "02:00",
        },
    ]
    kinds = [link["location"]["location_type"] for link in late["service_at_locations"]]
    assert kinds == ["physical", "physical", "virtual"]
    address = late["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["postal_code"], address["state_province"], address["country"]) == (
        "M4C1A1",
        "ON",
        "CA",
    )
    assert late["x_oht_portal"]["description_fr"] == FRENCH_DESCRIPTION
    assert late["x_oht_portal"]["support_type"] == "walk_in"
    assert late["x_oht_portal"]["unattached_only"] is True
    assert late["x_oht_portal"]["review_every_days"] == 90


def test_derived_ids_are_stable_from_one_export_to_the_next(oht_a, directory):
    assert json_bytes(hsds_services(oht=oht_a)) == json_bytes(hsds_services(oht=oht_a))


def test_csv_zip_holds_the_hsds_tables_with_escaped_formulas(oht_a, directory):
    files = unzipped(csv_zip_bytes(hsds_services(oht=oht_a)))
    assert set(files) == set(TABLES)
    services = list(csv.DictReader(io.StringIO(files["services.csv"], newline="")))
    assert services[1]["x_oht_portal_description_fr"] == FRENCH_DESCRIPTION
    assert services[0]["description"] == "'-24/7 line; call any time"  # not a formula
    organizations = list(csv.DictReader(io.StringIO(files["organizations.csv"], newline="")))
    assert [row["name"] for row in organizations] == [
        "'=Helpline, Inc.",
        "Lakeshore Health Partners",
    ]
    schedules = list(csv.DictReader(io.StringIO(files["schedules.csv"], newline="")))
    assert {(row["byday"], row["opens_at"], row["closes_at"]) for row in schedules} == {
        ("SA", "00:00", "00:00"),
        ("MO", "09:00", "17:00"),
        ("FR", "20:00", "02:00"),
    }


# --- Round trips -----------------------------------------------------------------------


def test_json_round_trip_into_an_empty_database_gives_the_same_data(oht_a, directory):
    exported = json_bytes(hsds_services(oht=oht_a))
    empty_the_directory()

    result = hsds_import(oht=oht_a, data=exported)

    assert result.ok, [str(issue) for issue in result.issues]
    assert result.file_format == "json"
    assert result.counts["services"]["created"] == 2
    assert result.counts["organizations"]["created"] == 2
    assert result.counts["locations"]["created"] == 3
    assert result.counts["schedules"] == 3
    assert json_bytes(hsds_services(oht=oht_a)) == exported
    late = SupportService.objects.get(hsds_id=directory.hsds_id)
    assert late.description_fr == FRENCH_DESCRIPTION
    assert late.hours.get(weekday=FRIDAY).past_midnight


def test_csv_zip_round_trip_into_an_empty_database_gives_the_same_data(oht_a, directory):
    exported = csv_zip_bytes(hsds_services(oht=oht_a))
    empty_the_directory()

    result = hsds_import(oht=oht_a, data=exported)

    assert result.ok, [str(issue) for issue in result.issues]
    assert result.file_format == "csv"
    assert unzipped(csv_zip_bytes(hsds_services(oht=oht_a))) == unzipped(exported)
    helpline = SupportOrganization.objects.get(oht=oht_a, name__startswith="=")
    assert helpline.name == "=Helpline, Inc."  # the apostrophe came off again
    assert SupportService.objects.get(hsds_id=directory.hsds_id).description_fr == (
        FRENCH_DESCRIPTION
    )


def test_importing_the_same_file_again_changes_nothing(oht_a, directory):
    exported = json_bytes(hsds_services(oht=oht_a))
    before = snapshot()
    result = hsds_import(oht=oht_a, data=exported)
    assert result.counts["services"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert result.counts["locations"]["unchanged"] == 3
    assert snapshot()[:3] == before[:3]


def test_import_updates_by_id_and_replaces_hours_and_locations(oht_a, directory):
    services = hsds_services(oht=oht_a)
    late = services[1]
    late["x_oht_portal"]["name_fr"] = "Clinique de nuit"
    late["schedules"] = late["schedules"][:1]
    removed = late["service_at_locations"].pop(1)["location"]["id"]

    result = hsds_import(oht=oht_a, data=json_bytes(services))

    assert result.ok
    assert result.counts["services"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert result.counts["locations"]["removed"] == 1
    directory.refresh_from_db()
    assert directory.name_fr == "Clinique de nuit"
    assert [(h.weekday, str(h.opens_at)) for h in directory.hours.all()] == [(0, "09:00:00")]
    assert not SupportLocation.objects.filter(hsds_id=removed).exists()
    assert directory.locations.count() == 2


def test_import_writes_one_audit_row_with_its_counts(oht_a, alice, directory):
    exported = json_bytes(hsds_services(oht=oht_a))
    empty_the_directory()
    hsds_import(oht=oht_a, data=exported, actor=alice)
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.oht_code == "OHT101"
    assert event.actor_email == "alice@example.org"
    assert event.detail["counts"]["services"]["created"] == 2
    assert event.outcome == AuditOutcome.SUCCESS


def test_a_file_from_another_system_gets_the_portal_defaults(oht_a):
    service = {
        "id": "0b6a3d1e-8f0c-4d55-9c1e-3f3f6b0a1c01",
        "name": "Food bank navigation",
        "description": "Help finding food.",
        "status": "defunct",
        "assured_date": "2026-09-30",
        "organization": {"id": "0b6a3d1e-8f0c-4d55-9c1e-3f3f6b0a1c02", "name": "211 Central"},
        "languages": [{"code": "EN"}],
        "phones": [{"number": "1-416-555-0199"}],
        "schedules": [
            {"freq": "WEEKLY", "byday": "MO,TU", "opens_at": "09:00", "closes_at": "17:00"}
        ],
    }
    result = hsds_import(oht=oht_a, data=json.dumps([service]).encode())
    assert result.ok, [str(issue) for issue in result.issues]
    imported = SupportService.objects.get(hsds_id=service["id"])
    assert imported.name_fr == "Food bank navigation"  # until staff translate it
    assert imported.support_type == "other"
    assert imported.status == "inactive"
    assert imported.languages == "en"
    assert imported.phone == "4165550199"
    assert imported.hours.count() == 2


# --- Bad files -------------------------------------------------------------------------


def test_a_missing_required_field_changes_nothing_and_names_the_item(oht_a, directory):
    services = hsds_services(oht=oht_a)
    services[1]["x_oht_portal"]["name_fr"] = "Changé"  # would be an update...
    del services[0]["name"]  # ...but the file is wrong
    before = snapshot()

    result = hsds_import(oht=oht_a, data=json_bytes(services))

    assert not result.ok
    assert [(issue.where, issue.field) for issue in result.issues] == [("item 1", "name")]
    assert "required" in result.issues[0].message
    assert snapshot() == before
    assert AuditEvent.objects.get(action=AuditAction.IMPORT).outcome == AuditOutcome.ERROR


def test_a_bad_uuid_is_reported_with_its_csv_line(oht_a, directory):
    files = unzipped(csv_zip_bytes(hsds_services(oht=oht_a)))
    # Every reference follows, so that only the id itself is wrong.
    bad = rezipped(
        {name: text.replace(str(directory.hsds_id), "not-a-uuid") for name, text in files.items()}
    )
    before = snapshot()

    result = hsds_import(oht=oht_a, data=bad)

    assert snapshot() == before
    # The first service's French description spans two lines: the second starts on line 4.
    assert [(issue.where, issue.field) for issue in result.issues] == [
        ("services.csv, line 4", "id")
    ]
    assert result.issues[0].message == "“not-a-uuid” is not a UUID."


def test_a_bad_weekday_is_reported_with_its_csv_line(oht_a, directory):
    exported = csv_zip_bytes(hsds_services(oht=oht_a))
    bad = edited_csv(exported, "schedules.csv", 2, byday="XX")
    before = snapshot()

    result = hsds_import(oht=oht_a, data=bad)

    assert snapshot() == before
    assert [(issue.where, issue.field) for issue in result.issues] == [
        ("schedules.csv, line 4", "byday")
    ]
    assert "XX" in result.issues[0].message


def test_bad_json_values_are_named_by_their_path(oht_a, directory):
    services = hsds_services(oht=oht_a)
    services[1]["schedules"][0]["opens_at"] = "25:00"
    services[1]["service_at_locations"][2]["location"]["location_type"] = "postal"
    services[1]["x_oht_portal"]["support_type"] = "spa"
    result = hsds_import(oht=oht_a, data=json_bytes(services))
    assert {(issue.where, issue.field) for issue in result.issues} == {
        ("item 2, schedules[0]", "opens_at"),
        ("item 2, service_at_locations[2].location", "location_type"),
        ("item 2", "x_oht_portal.support_type"),
    }


def test_an_id_of_another_oht_is_refused_and_left_alone(oht_a, oht_b, frozen):
    theirs = make_support(oht_b, "Rideau walk-in")
    exported = json_bytes(hsds_services(oht=oht_b))

    result = hsds_import(oht=oht_a, data=exported)

    assert not result.ok
    assert {(issue.where, issue.field) for issue in result.issues} == {
        ("item 1, organization", "id"),
        ("item 1", "id"),
    }
    assert all(issue.message == "This id belongs to another OHT." for issue in result.issues)
    assert not SupportService.objects.filter(oht=oht_a).exists()
    assert SupportService.objects.get(pk=theirs.pk).oht == oht_b


def test_a_location_of_another_oht_is_refused(oht_a, oht_b, directory):
    theirs = SupportLocation.objects.create(
        service=make_support(oht_b, "Rideau walk-in"), name="Rideau site"
    )
    services = hsds_services(oht=oht_a)
    services[1]["service_at_locations"][0]["location"]["id"] = str(theirs.hsds_id)
    before = snapshot()

    result = hsds_import(oht=oht_a, data=json_bytes(services))

    assert [(issue.where, issue.field, issue.message) for issue in result.issues] == [
        ("item 2, service_at_locations[0].location", "id", "This id belongs to another OHT.")
    ]
    assert snapshot() == before


def test_a_file_that_is_neither_json_nor_a_zip_is_refused(oht_a):
    result = hsds_import(oht=oht_a, data=b'[{"id": ')
    assert not result.ok
    assert result.issues[0].where.startswith("line 1, column")


def test_a_zip_without_services_is_refused(oht_a):
    result = hsds_import(oht=oht_a, data=rezipped({"organizations.csv": "id,name\n"}))
    assert [issue.message for issue in result.issues] == ["The zip has no services.csv."]


# --- Management commands ----------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["json", "csv"])
def test_the_commands_export_and_import_the_same_data(oht_a, directory, tmp_path, file_format):
    first, second = tmp_path / "first", tmp_path / "second"
    call_command("export_hsds", "--oht", "OHT101", "--format", file_format, "--output", first)
    empty_the_directory()
    call_command("import_hsds", str(first), "--oht", "OHT101")
    call_command("export_hsds", "--oht", "OHT101", "--format", file_format, "--output", second)
    if file_format == "json":
        assert first.read_bytes() == second.read_bytes()
    else:
        assert unzipped(first.read_bytes()) == unzipped(second.read_bytes())
    assert SupportService.objects.filter(oht=oht_a).count() == 2


def test_the_import_command_fails_on_a_bad_file_and_imports_nothing(oht_a, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"id": "nope"}]')
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_hsds", str(path), "--oht", "OHT101")
    assert not SupportService.objects.exists()


# --- The exchange page ------------------------------------------------------------------


def test_editors_see_the_exchange_page_for_their_ohts(client_for, alice, oht_b):
    response = client_for(alice).get(reverse("interim_supports:hsds_exchange"))
    assert response.status_code == 200
    codes = [oht.code for oht in response.context["export_form"].fields["oht"].queryset]
    assert codes == ["OHT101"]


def test_readers_get_403_on_the_exchange_page(client_for, carol, paula):
    for user in (carol, paula):
        assert client_for(user).get(reverse("interim_supports:hsds_exchange")).status_code == 403


def test_an_editor_downloads_json_and_zip(client_for, peter, directory):
    client = client_for(peter)
    url = reverse("interim_supports:hsds_export")
    response = client.get(url, {"oht": "OHT101", "format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert [s["name"] for s in json.loads(response.content)] == [
        "Around the clock line",
        "Late clinic",
    ]
    response = client.get(url, {"oht": "OHT101", "format": "csv"})
    assert response["Content-Type"] == "application/zip"
    assert "services.csv" in unzipped(response.content)
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, oht_code="OHT101").count() == 2


def test_another_ohts_export_is_a_404(client_for, bob, directory):
    response = client_for(bob).get(
        reverse("interim_supports:hsds_export"), {"oht": "OHT101", "format": "json"}
    )
    assert response.status_code == 404


def test_an_editor_imports_a_file_and_sees_the_counts(client_for, alice, oht_a, directory):
    exported = csv_zip_bytes(hsds_services(oht=oht_a))
    empty_the_directory()
    upload = SimpleUploadedFile("supports.zip", exported, content_type="application/zip")
    response = client_for(alice).post(
        reverse("interim_supports:hsds_import"), {"oht": "OHT101", "file": upload}
    )
    assert response.status_code == 200
    assert response.context["result"].counts["services"]["created"] == 2
    assert b"import-counts" in response.content
    assert SupportService.objects.filter(oht=oht_a).count() == 2


def test_a_refused_upload_shows_each_problem(client_for, alice, oht_a):
    upload = SimpleUploadedFile("bad.json", b'[{"id": "nope", "name": "X"}]')
    response = client_for(alice).post(
        reverse("interim_supports:hsds_import"), {"oht": "OHT101", "file": upload}
    )
    assert response.status_code == 400
    assert "“nope” is not a UUID." in response.content.decode()
    assert not SupportService.objects.exists()


def test_importing_into_another_ohts_directory_is_a_404(client_for, bob, oht_a):
    upload = SimpleUploadedFile("x.json", b"[]")
    response = client_for(bob).post(
        reverse("interim_supports:hsds_import"), {"oht": "OHT101", "file": upload}
    )
    assert response.status_code == 404
