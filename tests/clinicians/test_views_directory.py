"""The directory's staff pages: the list, a location's page and its forms, saved
reports, teams, the capacity summary and report. Every OHT role reads its own OHT's
directory; only OHT staff and PCN leads change it; another OHT's data is a 404."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from attachment.choices import ReferralStatus
from attachment.models import Referral
from clinicians.choices import AcceptingStatus, DeclarationChannel, LinkPurpose, TeamType
from clinicians.links import link_issue, link_use_record
from clinicians.models import (
    CapacityDeclaration,
    ClinicianLinkUse,
    PrimaryCareTeam,
    SavedLocationReport,
)
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db

NOON = "2025-10-15 12:00-04:00"
LIST_URL = reverse("clinicians:location_list")


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


@pytest.fixture
def location(oht_a):
    clinician = make_clinician(
        "10001", given_name="Chloé", family_name="Tremblay", paediatrics=True, languages="en;fr"
    )
    return make_location(
        oht_a, clinician, practice_name="Lakeshore Family Practice", serves_remote=True
    )


@pytest.fixture
def location_b(oht_b):
    return make_location(oht_b, make_clinician("20001"), practice_name="Rideau Clinic")


def detail_url(location, action=""):
    name = f"clinicians:location_{action}" if action else "clinicians:location_detail"
    return reverse(name, args=[location.pk])


def capacity_post(**fields):
    data = {
        "capacity-accepting_status": AcceptingStatus.ACCEPTING,
        "capacity-new_patients": "12",
        "capacity-min_age": "",
        "capacity-max_age": "",
        "capacity-languages": "fr, en",
        "capacity-takes_complex": "on",
        "capacity-batch_size": "4",
        "capacity-note": "",
        "capacity-declared_by_name": "Dr Tremblay",
    }
    data.update({f"capacity-{name}": value for name, value in fields.items()})
    return data


def attributes_post(location, **fields):
    data = {
        "location-team": "",
        "location-languages_local": "",
        "location-fsas_served": "",
        "location-serves_remote": "true",
        "location-virtual_care": "unknown",
        "location-wheelchair_accessible": "unknown",
        "location-accessibility_note": "",
        "location-digital_readiness": "",
        "location-ereferral_status": "",
        "location-pcn_member": "unknown",
        "location-recruitment_status": "",
        "clinician-paediatrics": "true",
        "clinician-french_language_services": "unknown",
        "clinician-contact_email": "",
        "clinician-contact_preference": "",
        "clinician-correspondence_language": "en",
    }
    data.update(fields)
    return data


# --- the list -------------------------------------------------------------------------


def test_the_list_shows_each_locations_row(client_for, alice, location):
    declare(location, new_patients=6)
    body = client_for(alice).get(LIST_URL).content.decode()

    assert "Chloé Tremblay" in body
    assert "Lakeshore Family Practice" in body
    assert detail_url(location) in body
    assert "en, fr" in body
    assert "Paediatrics" in body and "Serves remote communities" in body
    assert "French-language services" in body
    assert "Accepting new patients" in body
    assert '<td class="number">6</td>' in body


def test_the_list_flags_stale_capacity(client_for, alice, location):
    with time_machine.travel(timezone.now() - timedelta(days=120), tick=False):
        declare(location)

    body = client_for(alice).get(LIST_URL).content.decode()

    assert '<span class="badge stale">Stale</span>' in body


def test_the_list_filters_and_counts(client_for, alice, oht_a, location):
    declare(location, new_patients=3)
    other = make_location(oht_a, make_clinician("10002"), practice_name="East End", fsa="M4E")
    declare(other, new_patients=7)

    response = client_for(alice).get(LIST_URL, {"fsa": "M4E"})

    body = response.content.decode()
    assert "East End" in body and "Lakeshore Family Practice" not in body
    assert response.context["counts"] == {
        "locations": 1,
        "clinicians": 1,
        "open": 1,
        "stale": 0,
        "places": 7,
    }


def test_the_list_links_to_teams_summary_and_capacity_report(client_for, alice, location):
    body = client_for(alice).get(LIST_URL).content.decode()
    for name in ("team_list", "capacity_summary", "capacity_report"):
        assert reverse(f"clinicians:{name}") in body


def test_the_list_never_shows_another_ohts_locations(client_for, bob, location, location_b):
    body = client_for(bob).get(LIST_URL).content.decode()
    assert "Rideau Clinic" in body
    assert "Lakeshore Family Practice" not in body


def test_a_care_connector_reads_the_list(client_for, carol, location):
    response = client_for(carol).get(LIST_URL)
    assert response.status_code == 200
    assert "Lakeshore Family Practice" in response.content.decode()
    # Read-only: nothing to save reports with.
    assert response.context["report_form"] is None


def test_the_list_needs_a_sign_in(client, location):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_list_pages_and_runs_a_bounded_number_of_queries(
    client_for, alice, oht_a, django_assert_max_num_queries
):
    for number in range(60):
        declare(make_location(oht_a, make_clinician(f"1{number:04d}")), new_patients=number % 4)
    client = client_for(alice)

    with django_assert_max_num_queries(15):
        response = client.get(LIST_URL, {"ordering": "fsa"})

    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 60


# --- one location ---------------------------------------------------------------------


def test_the_location_page_shows_report_local_capacity_history_and_links(
    client_for, alice, oht_a, location
):
    declare(location, new_patients=4)
    current = declare(location, new_patients=10, min_age=0, max_age=17)
    Referral.objects.create(
        patient=make_patient(oht_a, "HCC1000000001"),
        location=location,
        status=ReferralStatus.REFERRED,
    )
    link = link_issue(
        clinician=location.clinician, oht=oht_a, purpose=LinkPurpose.CAPACITY, sent_to="c@x.ca"
    )
    link_use_record(link=link, action=ClinicianLinkUse.Action.OPENED)

    response = client_for(alice).get(detail_url(location))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Physician Business Contact Report" in body
    assert "CPSO 10001" in body
    assert response.context["declaration"] == current
    assert '<dd id="places-left"><strong>9</strong></dd>' in body
    assert [d.new_patients for d in response.context["history"]] == [10, 4]
    assert "c@x.ca" in body and "Opened" in body
    assert 'id="capacity-form"' in body and 'id="attributes-form"' in body
    assert 'id="link-send-form"' in body


def test_the_location_page_flags_a_stale_declaration(client_for, alice, location):
    with time_machine.travel(timezone.now() - timedelta(days=91), tick=False):
        declare(location)

    body = client_for(alice).get(detail_url(location)).content.decode()

    assert '<span class="badge stale">Stale</span>' in body


def test_another_ohts_location_is_a_404(client_for, bob, location):
    client = client_for(bob)
    assert client.get(detail_url(location)).status_code == 404
    assert client.post(detail_url(location, "declare"), capacity_post()).status_code == 404
    assert not CapacityDeclaration.objects.exists()


def test_a_care_connector_reads_the_page_but_cannot_change_it(client_for, carol, location):
    declaration = declare(location)
    client = client_for(carol)

    response = client.get(detail_url(location))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="capacity-form"' not in body and 'id="link-send-form"' not in body

    assert client.post(detail_url(location, "declare"), capacity_post()).status_code == 403
    verify = {"verify-declaration": declaration.pk}
    assert client.post(detail_url(location, "verify"), verify).status_code == 403
    attributes = attributes_post(location, **{"location-languages_local": "pt"})
    assert client.post(detail_url(location, "attributes"), attributes).status_code == 403
    assert CapacityDeclaration.objects.count() == 1
    location.refresh_from_db()
    assert location.languages_local == ""


def test_staff_declare_capacity_through_the_service(client_for, alice, location):
    response = client_for(alice).post(detail_url(location, "declare"), capacity_post())

    assert response.status_code == 302
    assert response["Location"] == detail_url(location)
    declaration = CapacityDeclaration.objects.get()
    assert declaration.channel == DeclarationChannel.STAFF
    assert declaration.declared_by == alice
    assert declaration.declared_by_name == "Dr Tremblay"
    assert (declaration.new_patients, declaration.languages, declaration.batch_size) == (
        12,
        "fr;en",
        4,
    )
    location.refresh_from_db()
    assert location.current_declaration == declaration
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, actor_id=alice.pk, object_id=str(declaration.pk)
    ).exists()


def test_a_pcn_lead_declares_capacity(client_for, peter, location):
    response = client_for(peter).post(detail_url(location, "declare"), capacity_post())
    assert response.status_code == 302
    assert CapacityDeclaration.objects.get().declared_by == peter


def test_a_refused_declaration_shows_the_error(client_for, alice, location):
    data = capacity_post(accepting_status=AcceptingStatus.NOT_ACCEPTING, new_patients="3")
    response = client_for(alice).post(detail_url(location, "declare"), data)

    assert response.status_code == 400
    assert "A practice that is not accepting patients has no places." in response.content.decode()
    assert not CapacityDeclaration.objects.exists()


def test_staff_confirm_the_current_declaration_unchanged(client_for, alice, location):
    with time_machine.travel(timezone.now() - timedelta(days=100), tick=False):
        declaration = declare(location)

    response = client_for(alice).post(
        detail_url(location, "verify"), {"verify-declaration": declaration.pk}
    )

    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.verified_at == timezone.now()
    assert declaration.expires_on == timezone.localdate() + timedelta(days=90)
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(declaration.pk), detail__verified=True
    ).exists()


def test_confirming_a_replaced_declaration_is_refused(client_for, alice, location):
    old = declare(location, new_patients=2)
    declare(location, new_patients=8)

    response = client_for(alice).post(
        detail_url(location, "verify"), {"verify-declaration": old.pk}
    )

    assert response.status_code == 400
    assert "Only the current declaration can be confirmed." in response.content.decode()


def test_staff_edit_local_attributes_through_the_services(client_for, alice, oht_a, location):
    team = PrimaryCareTeam.objects.create(oht=oht_a, name="East FHT", team_type=TeamType.FHT)
    data = attributes_post(
        location,
        **{
            "location-team": team.pk,
            "location-languages_local": "PT, fr",
            "location-fsas_served": "m4e",
            "location-pcn_member": "true",
            "clinician-french_language_services": "true",
        },
    )

    response = client_for(alice).post(detail_url(location, "attributes"), data)

    assert response.status_code == 302
    location.refresh_from_db()
    location.clinician.refresh_from_db()
    assert (location.team, location.languages_local, location.fsas_served) == (
        team,
        "pt;fr",
        "M4E",
    )
    assert location.pcn_member is True
    assert location.clinician.french_language_services is True
    audited = AuditEvent.objects.filter(action=AuditAction.UPDATE, actor_id=alice.pk)
    assert audited.get(object_type="clinicians.practicelocation").detail["fields"] == [
        "fsas_served",
        "languages_local",
        "pcn_member",
        "team",
    ]
    assert audited.get(object_type="clinicians.clinician").detail["fields"] == [
        "french_language_services"
    ]


def test_bad_codes_and_another_ohts_team_are_form_errors(client_for, alice, oht_b, location):
    team_b = PrimaryCareTeam.objects.create(oht=oht_b, name="Rideau CHC", team_type=TeamType.CHC)
    data = attributes_post(
        location,
        **{
            "location-team": team_b.pk,
            "location-languages_local": "xx",
            "location-fsas_served": "1AB",
        },
    )

    response = client_for(alice).post(detail_url(location, "attributes"), data)

    body = response.content.decode()
    assert response.status_code == 400
    assert "“xx” is not an ISO 639-1 language code." in body
    assert "“1AB” is not an FSA (letter, digit, letter)." in body
    assert "Select a valid choice" in body
    location.refresh_from_db()
    assert (location.team, location.languages_local) == (None, "")


# --- saved reports ----------------------------------------------------------------------


def save_report(client, name, query="fsa=M4C&language=fr&page=2", oht="OHT101"):
    return client.post(f"{reverse('clinicians:report_create')}?{query}", {"name": name, "oht": oht})


def test_staff_save_the_current_filters_as_a_report(client_for, alice, location):
    client = client_for(alice)

    response = save_report(client, "French in M4C")

    assert response.status_code == 302
    report = SavedLocationReport.objects.get()
    assert (report.oht.code, report.name, report.created_by) == ("OHT101", "French in M4C", alice)
    # The filters, never the page.
    assert report.query == "fsa=M4C&language=fr"
    assert response["Location"] == f"{LIST_URL}?fsa=M4C&language=fr"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(report.pk)).exists()
    body = client.get(LIST_URL).content.decode()
    assert f'<a href="{LIST_URL}?fsa=M4C&amp;language=fr">French in M4C</a>' in body


def test_a_duplicate_report_name_is_a_form_error(client_for, alice, location):
    client = client_for(alice)
    save_report(client, "French in M4C")

    response = save_report(client, "french in m4c", query="fsa=M4E")

    assert response.status_code == 400
    assert "OHT101 already has a saved report named “french in m4c”." in response.content.decode()
    assert SavedLocationReport.objects.count() == 1


def test_a_report_reruns_its_filters(client_for, alice, oht_a, location):
    make_location(oht_a, make_clinician("10002"), practice_name="East End", fsa="M4E")
    client = client_for(alice)
    save_report(client, "East", query="fsa=M4E")
    report = SavedLocationReport.objects.get()

    body = client.get(f"{LIST_URL}?{report.query}").content.decode()

    assert "East End" in body and "Lakeshore Family Practice" not in body


def test_a_report_is_saved_only_for_an_ohts_editors(client_for, alice, carol, location):
    assert save_report(client_for(carol), "Mine").status_code == 403
    # Alice edits OHT101 only: OHT102 is not a choice.
    response = save_report(client_for(alice), "Theirs", oht="OHT102")
    assert response.status_code == 400
    assert not SavedLocationReport.objects.exists()


def test_editors_delete_a_report_others_cannot(client_for, alice, bob, carol, oht_a):
    report = SavedLocationReport.objects.create(oht=oht_a, name="Old", query="fsa=M4C")
    delete_url = reverse("clinicians:report_delete", args=[report.pk])

    assert client_for(bob).post(delete_url).status_code == 404
    assert client_for(carol).post(delete_url).status_code == 403
    assert SavedLocationReport.objects.exists()

    assert client_for(alice).post(delete_url).status_code == 302
    assert not SavedLocationReport.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, object_id=str(report.pk)).exists()


def test_a_care_connector_sees_and_reruns_the_ohts_reports(client_for, carol, oht_a, oht_b):
    shared = SavedLocationReport.objects.create(oht=oht_a, name="Shared", query="fsa=M4C")
    SavedLocationReport.objects.create(oht=oht_b, name="Hidden", query="fsa=K1N")

    body = client_for(carol).get(LIST_URL).content.decode()

    assert f'<a href="{LIST_URL}?fsa=M4C">Shared</a>' in body
    assert "Hidden" not in body
    assert reverse("clinicians:report_delete", args=[shared.pk]) not in body


# --- teams ------------------------------------------------------------------------------

TEAMS_URL = reverse("clinicians:team_list")


def team_post(**fields):
    data = {
        "oht": "OHT101",
        "name": "Lakeshore FHT",
        "team_type": TeamType.FHT,
        "email": "",
        "phone": "",
        "pcn_member": "true",
        "recruitment_status": "",
        "note": "",
    }
    data.update(fields)
    return data


def test_staff_create_a_team_through_the_service(client_for, alice):
    response = client_for(alice).post(TEAMS_URL, team_post())

    assert response.status_code == 302
    team = PrimaryCareTeam.objects.get()
    assert (team.oht.code, team.name, team.pcn_member) == ("OHT101", "Lakeshore FHT", True)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(team.pk)).exists()


def test_a_duplicate_team_name_is_a_form_error(client_for, alice, oht_a):
    PrimaryCareTeam.objects.create(oht=oht_a, name="Lakeshore FHT", team_type=TeamType.FHT)

    response = client_for(alice).post(TEAMS_URL, team_post(name="lakeshore fht"))

    assert response.status_code == 400
    assert "This OHT already has a team with that name." in response.content.decode()
    assert PrimaryCareTeam.objects.count() == 1


def test_the_teams_page_lists_the_ohts_teams_with_their_locations(
    client_for, alice, bob, oht_a, oht_b, location
):
    team = PrimaryCareTeam.objects.create(oht=oht_a, name="Lakeshore FHT", team_type=TeamType.FHT)
    location.team = team
    location.save()
    PrimaryCareTeam.objects.create(oht=oht_b, name="Rideau CHC", team_type=TeamType.CHC)

    body = client_for(alice).get(TEAMS_URL).content.decode()
    assert "Lakeshore FHT" in body and "Rideau CHC" not in body
    assert detail_url(location) in body

    body = client_for(bob).get(TEAMS_URL).content.decode()
    assert "Rideau CHC" in body and "Lakeshore FHT" not in body


def test_editing_a_team(client_for, alice, bob, carol, oht_a):
    team = PrimaryCareTeam.objects.create(oht=oht_a, name="Lakeshore FHT", team_type=TeamType.FHT)
    edit_url = reverse("clinicians:team_edit", args=[team.pk])
    data = team_post(name="Lakeshore Family Health Team", oht="OHT102")

    assert client_for(bob).post(edit_url, data).status_code == 404
    assert client_for(carol).get(edit_url).status_code == 403
    assert client_for(carol).post(TEAMS_URL, team_post(name="Other")).status_code == 403

    assert client_for(alice).post(edit_url, data).status_code == 302
    team.refresh_from_db()
    # The name changes; the OHT is fixed once the team exists.
    assert (team.name, team.oht.code) == ("Lakeshore Family Health Team", "OHT101")
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(team.pk)).exists()


# --- summary and capacity report --------------------------------------------------------


@pytest.fixture
def capacity_data(oht_a, oht_b):
    """OHT101: M4C has 5 + 3 open places (English; the 3 also in French through the
    declaration), M4E has 4 (Portuguese, added locally), one stale and one
    never-declared location. OHT102: 6 open places in K1N."""
    first = make_location(oht_a, make_clinician("10001"), practice_name="A1", fsa="M4C")
    declare(first, new_patients=5)
    second = make_location(oht_a, make_clinician("10002"), practice_name="A2", fsa="M4C")
    declare(second, new_patients=4, languages="en;fr")
    Referral.objects.create(
        patient=make_patient(oht_a, "HCC1000000001"),
        location=second,
        status=ReferralStatus.REFERRED,
    )
    third = make_location(
        oht_a,
        make_clinician("10003", languages=""),
        practice_name="A3",
        fsa="M4E",
        languages="",
        languages_local="pt",
    )
    declare(third, new_patients=4)
    stale = make_location(oht_a, make_clinician("10004"), practice_name="A4", fsa="M4E")
    with time_machine.travel(timezone.now() - timedelta(days=91), tick=False):
        declare(stale, new_patients=10)
    closed = make_location(oht_a, make_clinician("10005"), practice_name="A5", fsa="M4E")
    declare(closed, status=AcceptingStatus.NOT_ACCEPTING, new_patients=0)
    make_location(oht_a, make_clinician("10006"), practice_name="A6", fsa="M4E")
    declare(make_location(oht_b, make_clinician("20001"), practice_name="B1"), new_patients=6)


def test_the_summary_adds_open_places_by_fsa_and_language(client_for, alice, capacity_data):
    response = client_for(alice).get(reverse("clinicians:capacity_summary"))

    [summary] = response.context["summaries"]
    assert summary.oht.code == "OHT101"
    assert (summary.locations, summary.open_locations, summary.places) == (6, 3, 12)
    assert (summary.stale, summary.never_declared) == (1, 1)
    assert summary.fsa_rows() == [("M4C", 8, 2), ("M4E", 4, 1)]
    assert summary.language_rows() == [("en", 8, 2), ("pt", 4, 1), ("fr", 3, 1)]
    body = response.content.decode()
    assert "Portuguese (pt)" in body
    assert "OHT102" not in body


def test_the_summary_covers_each_of_the_persons_ohts(client_for, root, capacity_data):
    summaries = client_for(root).get(reverse("clinicians:capacity_summary")).context["summaries"]
    assert [(s.oht.code, s.places) for s in summaries] == [("OHT101", 12), ("OHT102", 6)]


def test_the_capacity_report_lists_open_locations_only(client_for, alice, carol, capacity_data):
    url = reverse("clinicians:capacity_report")
    for user in (alice, carol):
        page = client_for(user).get(url).context["page"]
        assert sorted(location.practice_name for location in page) == ["A1", "A2", "A3"]

    filtered = client_for(alice).get(url, {"language": "pt"}).context["page"]
    assert [location.practice_name for location in filtered] == ["A3"]


def test_the_capacity_report_never_shows_another_ohts_locations(client_for, bob, capacity_data):
    page = client_for(bob).get(reverse("clinicians:capacity_report")).context["page"]
    assert [location.practice_name for location in page] == ["B1"]
