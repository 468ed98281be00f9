"""The Physician Business Contact Report never overwrites what the OHT recorded."""

import pytest

from clinicians.choices import AcceptingStatus, DeclarationChannel, TeamType
from clinicians.models import Clinician, PracticeLocation, PrimaryCareTeam
from clinicians.services import (
    CapacityFigures,
    capacity_declare,
    clinician_attributes_update,
    location_attributes_update,
)
from oht_portal.imports.pipeline import import_file
from oht_portal.services import ApplicationError

pytestmark = pytest.mark.django_db

HEADER = (
    "registration_body,registration_number,clinician_type,given_name,family_name,"
    "practice_name,practice_address,city,postal_code,phone,fax,email,oht_code,languages"
)


def report(tmp_path, name, *, languages="en", phone=""):
    path = tmp_path / name
    row = (
        "CPSO,12345,FP,Chloé,Tremblay,Lakeshore Family Health Team,100 Queen St E,Toronto,"
        f"M4C 1A1,{phone},,ctremblay@example.org,OHT101,{languages}"
    )
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    return import_file(path, trigger="command")


def test_a_new_report_keeps_local_attributes_and_capacity(oht_a, tmp_path):
    report(tmp_path, "clinician_contacts_20250301.csv")
    location = PracticeLocation.objects.select_related("clinician").get()
    team = PrimaryCareTeam.objects.create(oht=oht_a, name="East FHT", team_type=TeamType.FHT)
    location_attributes_update(
        location=location,
        changes={
            "team": team,
            "languages_local": "fr",
            "pcn_member": True,
            "serves_remote": True,
            "fsas_served": "M4E",
        },
    )
    clinician_attributes_update(
        clinician=location.clinician,
        changes={"paediatrics": True, "french_language_services": True, "contact_email": "a@b.ca"},
    )
    declaration = capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=AcceptingStatus.ACCEPTING, new_patients=7),
        channel=DeclarationChannel.STAFF,
    )

    run = report(tmp_path, "clinician_contacts_20250401.csv", languages="en;pt", phone="4165550199")
    assert run.rows_updated == 1

    location.refresh_from_db()
    clinician = Clinician.objects.get()
    assert location.languages == "en;pt"  # the report's column changed
    assert location.phone == "4165550199"
    assert (location.team, location.languages_local, location.pcn_member) == (team, "fr", True)
    assert (location.serves_remote, location.fsas_served) == (True, "M4E")
    assert location.current_declaration == declaration
    assert (clinician.paediatrics, clinician.french_language_services) == (True, True)
    assert clinician.contact_email == "a@b.ca"


def test_staff_cannot_change_report_columns_through_the_service(oht_a, tmp_path):
    report(tmp_path, "clinician_contacts_20250301.csv")
    location = PracticeLocation.objects.get()
    with pytest.raises(ApplicationError):
        location_attributes_update(location=location, changes={"practice_name": "Renamed"})
    with pytest.raises(ApplicationError):
        clinician_attributes_update(clinician=location.clinician, changes={"family_name": "X"})


def test_a_location_joins_only_a_team_of_its_own_oht(oht_a, oht_b, tmp_path):
    report(tmp_path, "clinician_contacts_20250301.csv")
    location = PracticeLocation.objects.get()
    other = PrimaryCareTeam.objects.create(oht=oht_b, name="West CHC", team_type=TeamType.CHC)
    with pytest.raises(ApplicationError):
        location_attributes_update(location=location, changes={"team": other})
