"""The directory in the Django admin: scoped to the admin user's OHTs, report fields
read-only, the OHT's own fields saved through the services (audited), capacity
history read-only, clinician links revocable and nothing else."""

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from clinicians.choices import AcceptingStatus, DeclarationChannel, LinkPurpose
from clinicians.links import link_issue
from clinicians.models import (
    CapacityDeclaration,
    Clinician,
    ClinicianLink,
    ClinicianLinkUse,
    PracticeLocation,
    PrimaryCareTeam,
    SavedLocationReport,
)
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.conftest import make_clinician, make_location

pytestmark = pytest.mark.django_db

MODELS = [
    Clinician,
    PracticeLocation,
    PrimaryCareTeam,
    CapacityDeclaration,
    ClinicianLink,
    ClinicianLinkUse,
    SavedLocationReport,
]


def admin_user(user):
    """`user` as an admin user with the view and change permissions of the app (what
    they may see and change is still limited by their OHT roles)."""
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="clinicians", codename__regex=r"^(view|change)_"
        )
    )
    return user


def url(model, view: str, *args) -> str:
    return reverse(f"admin:clinicians_{model._meta.model_name}_{view}", args=args)


def posted(response, **changes) -> dict:
    """The change form's data as the browser would send it back, with `changes`."""
    data = {}
    shown = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
        shown.extend(inline.formset.forms)
    for form in shown:
        for name, field in form.fields.items():
            value = changes.get(name, form[name].value())
            if isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif isinstance(field.widget, forms.NullBooleanSelect):
                data[form.add_prefix(name)] = {None: "unknown", True: "true", False: "false"}[value]
            else:
                data[form.add_prefix(name)] = "" if value is None else value
    return data


@pytest.fixture
def loc_a(oht_a):
    location = make_location(oht_a, make_clinician("10001"))
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=AcceptingStatus.ACCEPTING, new_patients=4),
        channel=DeclarationChannel.STAFF,
    )
    return location


@pytest.fixture
def loc_b(oht_b):
    return make_location(oht_b, make_clinician("20001"))


@pytest.fixture
def rows(loc_a, oht_a, alice):
    """One row of every directory model in OHT A."""
    PrimaryCareTeam.objects.create(oht=oht_a, name="East FHT", team_type="FHT")
    link = link_issue(clinician=loc_a.clinician, oht=oht_a, purpose=LinkPurpose.CAPACITY)
    ClinicianLinkUse.objects.create(link=link, action=ClinicianLinkUse.Action.OPENED)
    SavedLocationReport.objects.create(oht=oht_a, name="French capacity", query="language=fr")
    return link


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_opens_for_a_site_admin_and_for_staff(
    model, client_for, root, alice, rows
):
    assert client_for(root).get(url(model, "changelist")).status_code == 200
    response = client_for(admin_user(alice)).get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_the_changelists_show_only_the_users_ohts(client_for, bob, loc_a, loc_b, rows):
    client = client_for(admin_user(bob))
    locations = client.get(url(PracticeLocation, "changelist")).context["cl"]
    assert list(locations.result_list) == [loc_b]
    for model in (CapacityDeclaration, ClinicianLink, PrimaryCareTeam, SavedLocationReport):
        assert client.get(url(model, "changelist")).context["cl"].result_count == 0


def test_another_ohts_rows_are_a_404(client_for, bob, loc_a, rows):
    client = client_for(admin_user(bob))
    assert client.get(url(PracticeLocation, "change", loc_a.pk)).status_code == 404
    assert client.get(url(Clinician, "change", loc_a.clinician_id)).status_code == 404
    declaration = loc_a.current_declaration
    assert client.get(url(CapacityDeclaration, "change", declaration.pk)).status_code == 404
    assert client.get(url(ClinicianLink, "change", rows.pk)).status_code == 404


def test_report_fields_are_read_only_and_local_fields_save_through_the_service(
    client_for, alice, loc_a, oht_a
):
    team = PrimaryCareTeam.objects.create(oht=oht_a, name="East FHT", team_type="FHT")
    client = client_for(admin_user(alice))
    page = client.get(url(PracticeLocation, "change", loc_a.pk))
    form = page.context["adminform"].form
    assert "practice_name" not in form.fields and "current_declaration" not in form.fields
    assert {"pcn_member", "team", "fsas_served"} <= set(form.fields)
    data = posted(page, pcn_member=True, team=team.pk, fsas_served="M4E")
    data["practice_name"] = "Renamed by hand"
    response = client.post(url(PracticeLocation, "change", loc_a.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    loc_a.refresh_from_db()
    assert (loc_a.pcn_member, loc_a.team, loc_a.fsas_served) == (True, team, "M4E")
    assert loc_a.practice_name != "Renamed by hand"
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(loc_a.pk))
    assert event.detail == {"fields": ["fsas_served", "pcn_member", "team"]}


def test_a_location_joins_only_a_team_of_its_own_oht(client_for, alice, loc_a, oht_b):
    other = PrimaryCareTeam.objects.create(oht=oht_b, name="Rideau CHC", team_type="CHC")
    client = client_for(admin_user(alice))
    page = client.get(url(PracticeLocation, "change", loc_a.pk))
    response = client.post(url(PracticeLocation, "change", loc_a.pk), posted(page, team=other.pk))
    assert response.status_code == 200
    assert "team" in response.context["adminform"].form.errors
    loc_a.refresh_from_db()
    assert loc_a.team is None


def test_clinician_local_fields_save_and_audit(client_for, alice, loc_a):
    client = client_for(admin_user(alice))
    clinician = loc_a.clinician
    page = client.get(url(Clinician, "change", clinician.pk))
    assert "family_name" not in page.context["adminform"].form.fields
    data = posted(page, paediatrics=True, needs_review=True)
    response = client.post(url(Clinician, "change", clinician.pk), data)
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert (clinician.paediatrics, clinician.needs_review) == (True, True)
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(clinician.pk))
    assert (event.oht_code, event.detail) == ("OHT101", {"fields": ["paediatrics"]})


def test_a_read_only_role_sees_but_cannot_change_a_location(client_for, carol, loc_a):
    client = client_for(admin_user(carol))
    page = client.get(url(PracticeLocation, "change", loc_a.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    response = client.post(url(PracticeLocation, "change", loc_a.pk), {"pcn_member": "true"})
    assert response.status_code == 403
    loc_a.refresh_from_db()
    assert loc_a.pcn_member is None


def test_declarations_can_be_neither_added_changed_nor_deleted(client_for, root, loc_a):
    client = client_for(root)
    declaration = loc_a.current_declaration
    assert client.get(url(CapacityDeclaration, "add")).status_code == 403
    assert client.get(url(CapacityDeclaration, "delete", declaration.pk)).status_code == 403
    page = client.get(url(CapacityDeclaration, "change", declaration.pk))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    client.post(url(CapacityDeclaration, "change", declaration.pk), {"new_patients": 99})
    declaration.refresh_from_db()
    assert declaration.new_patients == 4


def test_staff_add_a_team_of_their_own_oht_only(client_for, alice, oht_a, oht_b):
    client = client_for(admin_user(alice))
    alice.user_permissions.add(Permission.objects.get(codename="add_primarycareteam"))
    add = url(PrimaryCareTeam, "add")
    refused = client.post(add, {"oht": oht_b.pk, "name": "Elsewhere", "team_type": "CHC"})
    assert "oht" in refused.context["adminform"].form.errors
    response = client.post(add, {"oht": oht_a.pk, "name": "East FHT", "team_type": "FHT"})
    assert response.status_code == 302
    team = PrimaryCareTeam.objects.get()
    assert team.oht == oht_a
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(team.pk)).exists()


def test_the_revoke_action_revokes_the_selected_links(client_for, alice, rows):
    response = client_for(admin_user(alice)).post(
        url(ClinicianLink, "changelist"),
        {"action": "revoke", "_selected_action": [rows.pk]},
    )
    assert response.status_code == 302
    rows.refresh_from_db()
    assert rows.revoked_at is not None and rows.revoked_at <= timezone.now()
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(rows.pk), detail={"revoked": True}
    ).exists()


def test_no_one_revokes_another_ohts_link_or_without_an_editing_role(client_for, bob, carol, rows):
    for user in (bob, carol):
        client_for(admin_user(user)).post(
            url(ClinicianLink, "changelist"),
            {"action": "revoke", "_selected_action": [rows.pk]},
        )
    rows.refresh_from_db()
    assert rows.revoked_at is None
