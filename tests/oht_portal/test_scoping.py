"""A person of OHT A gets a 404 for anything of OHT B: pages, admin and API alike."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_shows_a_patient_to_staff_of_their_oht(client_for, alice, patient_a):
    response = client_for(alice).get(reverse("attachment:patient_detail", args=[patient_a.pk]))
    assert response.status_code == 200
    assert patient_a.hcc_id in response.content.decode()


def test_it_hides_another_ohts_patient_behind_a_404_page(client_for, bob, patient_a):
    response = client_for(bob).get(reverse("attachment:patient_detail", args=[patient_a.pk]))
    assert response.status_code == 404
    assert patient_a.family_name not in response.content.decode()


def test_it_lets_a_care_connector_see_every_aligned_oht(client_for, carol, patient_a, patient_b):
    client = client_for(carol)
    assert client.get(reverse("attachment:patient_detail", args=[patient_a.pk])).status_code == 200
    assert client.get(reverse("attachment:patient_detail", args=[patient_b.pk])).status_code == 404


def test_it_keeps_patient_data_from_a_pcn_lead(client_for, peter, patient_a):
    response = client_for(peter).get(reverse("attachment:patient_detail", args=[patient_a.pk]))
    assert response.status_code == 404


def test_it_lists_only_patients_of_visible_ohts(client_for, alice, patient_a, patient_b):
    body = client_for(alice).get(reverse("attachment:patient_list")).content.decode()
    assert patient_a.hcc_id in body
    assert patient_b.hcc_id not in body


def test_it_lets_a_site_admin_see_every_oht(client_for, root, patient_a, patient_b):
    client = client_for(root)
    assert client.get(reverse("attachment:patient_detail", args=[patient_b.pk])).status_code == 200


def _admin_viewer(user):
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_patient"))
    return user


def test_it_scopes_the_admin_change_page(client_for, alice, bob, patient_a):
    url = reverse("admin:attachment_patient_change", args=[patient_a.pk])
    assert client_for(_admin_viewer(alice)).get(url).status_code == 200
    assert client_for(_admin_viewer(bob)).get(url).status_code == 404


def test_it_scopes_the_admin_list(client_for, bob, patient_a, patient_b):
    body = (
        client_for(_admin_viewer(bob))
        .get(reverse("admin:attachment_patient_changelist"))
        .content.decode()
    )
    assert patient_b.hcc_id in body
    assert patient_a.hcc_id not in body


def test_it_scopes_the_oht_api(client_for, alice, oht_b):
    client = client_for(alice)
    listing = client.get("/api/v1/ohts/").json()
    assert [oht["code"] for oht in listing["results"]] == ["OHT101"]
    assert client.get(f"/api/v1/ohts/{oht_b.code}/").status_code == 404


def test_an_oht_profile_names_its_people_to_members_only(client_for, alice, carol, peter, bob):
    from oht_portal.models import OHT

    OHT.objects.filter(code="OHT101").update(primary_contact=alice, custodian_name="Lakeshore HIC")
    client = client_for(alice)
    body = client.get(reverse("oht_profile", args=["OHT101"])).content.decode()
    assert "Lakeshore HIC" in body
    assert carol.email in body and peter.email in body
    assert client_for(bob).get(reverse("oht_profile", args=["OHT101"])).status_code == 404


def test_the_api_gives_care_connectors_the_point_of_contact(client_for, alice, carol):
    from oht_portal.models import OHT

    OHT.objects.filter(code="OHT101").update(primary_contact=alice, custodian_name="Lakeshore HIC")
    body = client_for(carol).get("/api/v1/ohts/OHT101/").json()
    assert body["primary_contact"] == {"name": "Alice Staff", "email": "alice@example.org"}
    assert body["custodian_name"] == "Lakeshore HIC"
