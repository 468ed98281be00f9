"""Interim supports in the Django admin: scoped to the admin user's OHTs, supports saved
through `support_save` (audited), offers read-only, patient-scoped and audited."""

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from interim_supports.models import (
    PublicSupportsPage,
    SupportHours,
    SupportLocation,
    SupportOffer,
    SupportOrganization,
    SupportService,
)
from interim_supports.services import support_offer_record
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.conftest import make_patient
from tests.interim_supports.conftest import make_support

pytestmark = pytest.mark.django_db

MODELS = [
    SupportOrganization,
    SupportService,
    SupportLocation,
    SupportHours,
    SupportOffer,
    PublicSupportsPage,
]


def admin_user(user):
    """`user` as an admin user with the app's permissions (what they may see and change
    is still limited by their OHT roles)."""
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="interim_supports", codename__regex=r"^(view|change|add)_"
        )
    )
    return user


def url(model, view: str, *args) -> str:
    return reverse(f"admin:interim_supports_{model._meta.model_name}_{view}", args=args)


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
            else:
                data[form.add_prefix(name)] = "" if value is None else value
    return data


@pytest.fixture
def supports(oht_a, oht_b):
    late = make_support(
        oht_a, "Lakeshore walk-in", languages="en;fr", hours=[(4, "20:00", "02:00")]
    )
    SupportLocation.objects.create(service=late, name="Gerrard site", city="Toronto")
    return {
        "a": late,
        "a_virtual": make_support(oht_a, "Lakeshore online", support_type="virtual"),
        "b": make_support(oht_b, "Rideau walk-in", province_wide=True),
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_opens_for_an_oht_editor(client_for, alice, supports, model):
    assert client_for(admin_user(alice)).get(url(model, "changelist")).status_code == 200


def test_the_support_list_shows_only_the_users_ohts(client_for, alice, bob, supports):
    response = client_for(admin_user(alice)).get(url(SupportService, "changelist"))
    shown = {row.name_en for row in response.context["cl"].result_list}
    assert shown == {"Lakeshore walk-in", "Lakeshore online"}
    client = client_for(admin_user(bob))
    assert client.get(url(SupportService, "change", supports["a"].pk)).status_code == 404
    assert (
        client.get(url(SupportLocation, "change", supports["a"].locations.get().pk)).status_code
        == 404
    )
    assert client.get(url(SupportService, "change", supports["b"].pk)).status_code == 200


def test_the_support_list_filters_by_type_language_and_oht(client_for, root, supports):
    client = client_for(root)

    def shown(**params):
        response = client.get(url(SupportService, "changelist"), params)
        return {row.name_en for row in response.context["cl"].result_list}

    assert shown(support_type__exact="virtual") == {"Lakeshore online"}
    assert shown(language="fr") == {"Lakeshore walk-in"}
    assert shown(oht__id__exact=supports["b"].oht_id) == {"Rideau walk-in"}
    assert shown(province_wide__exact="1") == {"Rideau walk-in"}


def test_an_editor_saves_a_support_through_the_service(client_for, peter, supports):
    client = client_for(admin_user(peter))
    change = url(SupportService, "change", supports["a"].pk)
    response = client.post(change, posted(client.get(change), name_fr="Clinique du lac"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    support = SupportService.objects.get(pk=supports["a"].pk)
    assert support.name_fr == "Clinique du lac"
    assert support.last_verified_on == timezone.localdate()  # saving it is checking it
    assert support.hours.count() == 1 and support.locations.count() == 1
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(support.pk))
    assert event.actor_email == "peter@example.org"


def test_a_reader_of_the_oht_cannot_change_a_support(client_for, carol, supports):
    client = client_for(admin_user(carol))
    change = url(SupportService, "change", supports["a"].pk)
    page = client.get(change)
    assert page.status_code == 200  # shown read-only
    response = client.post(change, {"name_en": "Renamed"})
    assert response.status_code == 403
    assert SupportService.objects.get(pk=supports["a"].pk).name_en == "Lakeshore walk-in"


def test_a_support_needs_an_organization_of_its_oht(client_for, root, oht_a, supports):
    client = client_for(root)
    add = url(SupportService, "add")
    data = posted(client.get(add))
    other_org = supports["b"].organization
    data |= {
        "oht": oht_a.pk,
        "organization": other_org.pk,
        "name_en": "New",
        "name_fr": "Nouveau",
        "description_en": "About",
        "description_fr": "À propos",
        "support_type": "walk_in",
        "languages": "en",
        "status": "active",
        "cost": "ohip",
        "review_every_days": 180,
    }
    response = client.post(add, data)
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not SupportService.objects.filter(name_en="New").exists()


def test_offers_are_read_only_scoped_by_patient_and_audited(
    client_for, alice, bob, oht_a, supports
):
    patient = make_patient(oht_a, "HCC1000000003")
    offer = support_offer_record(
        patient=patient, services=[supports["a"]], channel="printed", language="fr"
    )
    client = client_for(admin_user(alice))
    listed = client.get(url(SupportOffer, "changelist"))
    assert list(listed.context["cl"].result_list) == [offer]
    assert client.get(url(SupportOffer, "change", offer.pk)).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, patient_id=patient.pk, object_id=str(offer.pk)
    ).exists()
    assert client.post(url(SupportOffer, "change", offer.pk), {"note": "x"}).status_code == 403
    outsider = client_for(admin_user(bob))
    assert list(outsider.get(url(SupportOffer, "changelist")).context["cl"].result_list) == []
    assert outsider.get(url(SupportOffer, "change", offer.pk)).status_code == 404


def test_a_pcn_lead_sees_no_offers(client_for, peter, oht_a, supports):
    patient = make_patient(oht_a, "HCC1000000004")
    offer = support_offer_record(
        patient=patient, services=[supports["a"]], channel="phone", language="en"
    )
    client = client_for(admin_user(peter))
    assert list(client.get(url(SupportOffer, "changelist")).context["cl"].result_list) == []
    assert client.get(url(SupportOffer, "change", offer.pk)).status_code == 404


def test_the_public_page_is_switched_through_the_service(client_for, alice, oht_a):
    client = client_for(admin_user(alice))
    add = url(PublicSupportsPage, "add")
    data = posted(client.get(add)) | {"oht": oht_a.pk, "enabled": "on", "intro_en": "Hello"}
    response = client.post(add, data)
    assert response.status_code == 302
    page = PublicSupportsPage.objects.get(oht=oht_a)
    assert page.enabled and page.intro_en == "Hello"
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, oht_code="OHT101").exists()
