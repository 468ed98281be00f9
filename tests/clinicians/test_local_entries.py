"""Clinicians and locations the report does not list, entered by the OHT: never flagged
as missing by an import, adopted (with everything recorded locally) once listed."""

import pytest
from django.urls import reverse

from clinicians.choices import AcceptingStatus, DeclarationChannel, EntrySource
from clinicians.models import Clinician, PracticeLocation
from clinicians.services import (
    CapacityFigures,
    LocalEntry,
    capacity_declare,
    location_attributes_update,
    location_local_create,
)
from oht_portal.imports.pipeline import import_file
from oht_portal.models import AuditEvent
from oht_portal.services import ApplicationError

pytestmark = pytest.mark.django_db

HEADER = (
    "registration_body,registration_number,clinician_type,given_name,family_name,"
    "practice_name,practice_address,city,postal_code,phone,fax,email,oht_code,languages"
)
AMIR = (
    "CNO,0045678,NP,Amir,Haddad,Riverdale NP-Led Clinic,5 Broadview Ave,Toronto,M4E 2B2,,,,"
    "OHT101,en;ar"
)
CHLOE = "CPSO,12345,FP,Chloé,Tremblay,Lakeshore FHT,100 Queen St E,Toronto,M4C 1A1,,,,OHT101,en"


def report(tmp_path, name, *rows):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return import_file(path, trigger="command")


def amir_entry(**fields):
    values = {
        "registration_body": "CNO",
        "registration_number": "0045678",
        "clinician_type": "NP",
        "given_name": "Amir",
        "family_name": "Haddad",
        "practice_name": "RIVERDALE NP LED CLINIC",
        "address": "5 Broadview Ave",
        "city": "Toronto",
        "postal_code": "M4E2B2",
        "languages": "ar",
    }
    values.update(fields)
    return LocalEntry(**values)


def test_it_records_a_local_entry_with_its_audit_row(oht_a, alice):
    location = location_local_create(oht=oht_a, entry=amir_entry(), actor=alice)
    assert (location.source, location.on_latest_report, location.fsa) == ("local", False, "M4E")
    assert location.clinician.source == EntrySource.LOCAL
    assert AuditEvent.objects.filter(
        object_type="clinicians.practicelocation", object_id=str(location.pk), actor_id=alice.pk
    ).exists()


def test_a_known_clinician_is_reused_and_a_duplicate_location_refused(oht_a, tmp_path):
    report(tmp_path, "clinician_contacts_20250301.csv", CHLOE)
    chloe = Clinician.objects.get()
    entry = amir_entry(
        registration_body="CPSO",
        registration_number="12345",
        given_name="Typo",
        practice_name="Clinique du Parc",
        postal_code="M4C1A2",
    )
    location = location_local_create(oht=oht_a, entry=entry)
    assert location.clinician == chloe
    chloe.refresh_from_db()
    assert (chloe.given_name, chloe.source) == ("Chloé", EntrySource.REPORT)
    with pytest.raises(ApplicationError):
        location_local_create(oht=oht_a, entry=entry)


def test_an_import_that_does_not_list_a_local_entry_leaves_it_alone(oht_a, tmp_path):
    location = location_local_create(oht=oht_a, entry=amir_entry())
    run = report(tmp_path, "clinician_contacts_20250301.csv", CHLOE)
    assert run.detail["locations_flagged"] == 0
    location.refresh_from_db()
    assert (location.source, location.missing_from_report_since) == ("local", None)
    assert location.clinician.needs_review is False


def test_the_report_adopts_a_local_entry_and_keeps_what_the_oht_recorded(oht_a, tmp_path):
    location = location_local_create(oht=oht_a, entry=amir_entry())
    location_attributes_update(location=location, changes={"pcn_member": False})
    declaration = capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=AcceptingStatus.ACCEPTING, new_patients=4),
        channel=DeclarationChannel.STAFF,
    )

    run = report(tmp_path, "clinician_contacts_20250301.csv", AMIR)
    assert (run.rows_created, run.rows_updated) == (0, 1)
    adopted = PracticeLocation.objects.get()
    assert adopted.pk == location.pk
    assert (adopted.source, adopted.on_latest_report) == ("report", True)
    assert adopted.practice_name == "Riverdale NP-Led Clinic"  # the report's spelling
    assert adopted.languages == "en;ar"
    assert (adopted.pcn_member, adopted.current_declaration) == (False, declaration)
    assert adopted.clinician.source == EntrySource.REPORT


def test_staff_add_a_location_through_the_page(client_for, alice, oht_a):
    data = {
        "oht": "OHT101",
        "registration_body": "CNO",
        "registration_number": "0045678",
        "clinician_type": "NP",
        "given_name": "Amir",
        "family_name": "Haddad",
        "practice_name": "Riverdale NP-Led Clinic",
        "address": "5 Broadview Ave",
        "city": "Toronto",
        "postal_code": "m4e 2b2",
        "phone": "(416) 555-0123",
        "languages": "EN, ar",
    }
    response = client_for(alice).post(reverse("clinicians:location_add"), data)
    location = PracticeLocation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clinicians:location_detail", args=[location.pk])
    assert (location.postal_code, location.phone, location.languages) == (
        "M4E2B2",
        "4165550123",
        "en;ar",
    )


def test_the_page_refuses_bad_values_and_other_ohts(client_for, alice, bob, carol, oht_a):
    url = reverse("clinicians:location_add")
    bad = client_for(alice).post(url, {"oht": "OHT101", "postal_code": "H2X 1Y4"})
    assert bad.status_code == 200
    assert "Ontario postal code" in bad.content.decode()
    elsewhere = client_for(bob).post(url, {"oht": "OHT101"})
    assert "oht" in elsewhere.context["form"].errors
    assert client_for(carol).get(url).status_code == 403
    assert not PracticeLocation.objects.exists()
