"""The directory's staff pages: the search list and its ranking, a support's page, the
page that creates or changes a support with its hours and locations, the review
worklist and the public page's settings. Every OHT role reads its OHT's supports (and
the province-wide ones); OHT staff and PCN leads change them; another OHT's support is
a 404."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from interim_supports.models import (
    PublicSupportsPage,
    SupportHours,
    SupportLocation,
    SupportOrganization,
    SupportService,
)
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.interim_supports.conftest import make_support

pytestmark = pytest.mark.django_db

# A Monday at noon in Toronto, no holiday.
NOON = "2026-11-23 12:00-05:00"
TODAY = date(2026, 11, 23)
MONDAY, FRIDAY = 0, 4
LIST_URL = reverse("interim_supports:support_list")
OPEN = [(MONDAY, "08:00", "20:00")]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def clinic(oht_a):
    """A French walk-in clinic of OHT A serving M4C, with a night shift."""
    service = make_support(
        oht_a,
        "Lakeshore Walk-in",
        name_fr="Clinique sans rendez-vous Lakeshore",
        fsas_served="M4C",
        languages="fr;en",
        walk_in=True,
        hours=[(MONDAY, "08:00", "20:00"), (FRIDAY, "20:00", "02:00")],
    )
    SupportLocation.objects.create(
        service=service, address="12 Queen St E", city="Toronto", postal_code="M4C1A1"
    )
    return service


def url(name, *args):
    return reverse(f"interim_supports:{name}", args=args)


def names(response) -> list[str]:
    return [row.service.name_en for row in response.context["page"].object_list]


# -- the list -------------------------------------------------------------------------


def test_it_filters_by_fsa_then_ranks_and_says_why(client_for, alice, oht_a, clinic):
    make_support(oht_a, "A English M4C closed", fsas_served="M4C")
    make_support(oht_a, "B whole OHT, open", hours=OPEN)
    make_support(oht_a, "C French M4E open", fsas_served="M4E", languages="fr", hours=OPEN)
    response = client_for(alice).get(LIST_URL, {"fsa": "M4C"})
    assert response.status_code == 200
    # Not alphabetical: serving M4C and open now (10) before serving M4C only (8); M4E's
    # support does not serve M4C.
    assert names(response) == ["B whole OHT, open", "Lakeshore Walk-in", "A English M4C closed"]
    assert response.context["ranked"] is True
    assert "serves this FSA · open now" in response.content.decode()


def test_an_fsa_and_a_language_rank_with_every_reason(client_for, alice, oht_a, clinic):
    make_support(oht_a, "A French M4C closed", fsas_served="M4C", languages="fr")
    response = client_for(alice).get(LIST_URL, {"fsa": "m4c", "language": "FR"})
    assert names(response) == ["Lakeshore Walk-in", "A French M4C closed"]
    assert "serves this FSA · offers this language · open now" in response.content.decode()


def test_the_language_filter_leaves_out_other_languages(client_for, alice, oht_a, clinic):
    make_support(oht_a, "English only", fsas_served="M4C")
    response = client_for(alice).get(LIST_URL, {"language": "fr"})
    assert names(response) == ["Lakeshore Walk-in"]


def test_without_an_fsa_or_language_it_sorts_by_name_in_the_page_language(client_for, alice, oht_a):
    make_support(oht_a, "Zeta", name_fr="Alpha")
    make_support(oht_a, "Beta", name_fr="Omega")
    client = client_for(alice)
    assert names(client.get(LIST_URL)) == ["Beta", "Zeta"]
    french = client.get(LIST_URL, headers={"accept-language": "fr"})
    assert names(french) == ["Zeta", "Beta"]


def test_each_row_shows_what_staff_need_to_choose(client_for, alice, oht_a, clinic):
    make_support(
        oht_a,
        "Health811",
        province_wide=True,
        by_phone=True,
        online=True,
        last_verified_on=date(2025, 1, 1),
    )
    make_support(oht_a, "OHT navigator", support_type="navigator", by_appointment=True)
    page = client_for(alice).get(LIST_URL).content.decode()
    assert "M4C" in page and "all of Ontario" in page and "whole OHT" in page
    assert "walk in" in page and "by phone, online" in page and "book an appointment" in page
    assert "Open now" in page  # the clinic, Monday noon
    assert page.count("Review due</span>") == 1  # Health811, verified in January 2025
    assert "fr, en" in page


def test_the_list_is_scoped_to_the_persons_ohts_plus_province_wide(
    client_for, bob, oht_a, oht_b, clinic
):
    make_support(oht_a, "Health811", province_wide=True)
    make_support(oht_b, "Rideau Walk-in", fsas_served="K1N")
    assert names(client_for(bob).get(LIST_URL)) == ["Health811", "Rideau Walk-in"]


def test_the_list_takes_a_fixed_number_of_queries(
    client_for, alice, oht_a, django_assert_max_num_queries
):
    for number in range(15):
        make_support(oht_a, f"Support {number}", hours=OPEN, province_wide=number % 2 == 0)
    client = client_for(alice)
    with django_assert_max_num_queries(14):
        response = client.get(LIST_URL, {"fsa": "M4C", "language": "en"})
    assert len(response.context["page"].object_list) == 15


# -- one support --------------------------------------------------------------------------


def test_the_detail_page_shows_the_week_with_past_midnight_periods(client_for, alice, clinic):
    response = client_for(alice).get(url("support_detail", clinic.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "20:00–02:00 (next day)" in page
    assert "08:00–20:00" in page
    assert "12 Queen St E" in page
    assert [day.periods for day in response.context["week"]][:5] == [
        ["08:00–20:00"],
        [],
        [],
        [],
        ["20:00–02:00 (next day)"],
    ]
    assert response.context["may_edit"] is True


def test_a_care_connector_reads_a_support_but_cannot_change_it(client_for, carol, clinic):
    client = client_for(carol)
    response = client.get(url("support_detail", clinic.pk))
    assert response.status_code == 200
    assert response.context["may_edit"] is False
    assert client.get(url("support_edit", clinic.pk)).status_code == 403
    assert client.post(url("support_edit", clinic.pk), {}).status_code == 403
    assert client.post(url("support_confirm", clinic.pk)).status_code == 403
    assert client.get(url("support_create")).status_code == 403


def test_another_ohts_support_is_a_404(client_for, bob, clinic):
    client = client_for(bob)
    assert client.get(url("support_detail", clinic.pk)).status_code == 404
    assert client.get(url("support_edit", clinic.pk)).status_code == 404
    assert client.post(url("support_edit", clinic.pk), {}).status_code == 404
    assert client.post(url("support_confirm", clinic.pk)).status_code == 404


def test_everyone_reads_a_province_wide_support_only_its_oht_changes_it(client_for, bob, oht_a):
    health811 = make_support(oht_a, "Health811", province_wide=True)
    client = client_for(bob)
    assert client.get(url("support_detail", health811.pk)).status_code == 200
    assert client.get(url("support_edit", health811.pk)).status_code == 403


# -- creating and changing ----------------------------------------------------------------


def form_data(**fields):
    data = {
        "oht": "OHT101",
        "organization": "",
        "new_organization": "East End Community Health",
        "new_organization_website": "eastend.example.org",
        "new_organization_phone": "(416) 555-0100",
        "name_en": "Late walk-in",
        "name_fr": "Sans rendez-vous du soir",
        "support_type": "walk_in",
        "status": "active",
        "description_en": "See a nurse practitioner without an appointment.",
        "description_fr": "Consultez une IP sans rendez-vous.",
        "languages": "FR, en",
        "fsas_served": "m4c; M4E",
        "walk_in": "on",
        "cost": "ohip",
        "review_every_days": "180",
        "closed_on_holidays": "on",
        "hours-TOTAL_FORMS": "2",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": str(FRIDAY),
        "hours-0-opens_at": "20:00",
        "hours-0-closes_at": "02:00",
        "hours-1-weekday": "",
        "hours-1-opens_at": "",
        "hours-1-closes_at": "",
        "locations-TOTAL_FORMS": "1",
        "locations-INITIAL_FORMS": "0",
        "locations-0-location_type": "physical",
        "locations-0-name": "Main site",
        "locations-0-address": "840 Coxwell Ave",
        "locations-0-city": "Toronto",
        "locations-0-postal_code": "m4c 3e7",
        "locations-0-url": "",
        "locations-0-accessibility": "Step-free entrance",
    }
    data.update(fields)
    return data


def test_staff_create_a_support_with_its_organization_hours_and_locations(client_for, alice, oht_a):
    response = client_for(alice).post(url("support_create"), form_data())
    service = SupportService.objects.get()
    assert response.status_code == 302
    assert response.url == url("support_detail", service.pk)
    assert (service.oht, service.organization.name, service.organization.phone) == (
        oht_a,
        "East End Community Health",
        "4165550100",
    )
    assert service.organization.website == "https://eastend.example.org"
    assert (service.languages, service.fsas_served) == ("fr;en", "M4C;M4E")
    assert service.last_verified_on == TODAY
    [period] = service.hours.all()
    assert (period.weekday, period.past_midnight) == (FRIDAY, True)
    [location] = service.locations.all()
    assert (location.postal_code, location.accessibility) == ("M4C3E7", "Step-free entrance")
    created = AuditEvent.objects.filter(action=AuditAction.CREATE, oht_code="OHT101")
    assert set(created.values_list("object_type", "object_id")) == {
        ("interim_supports.supportservice", str(service.pk)),
        ("interim_supports.supportorganization", str(service.organization_id)),
    }


def test_a_pcn_lead_may_create_a_support(client_for, peter, oht_a):
    response = client_for(peter).post(url("support_create"), form_data())
    assert response.status_code == 302
    assert SupportService.objects.filter(oht=oht_a).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("languages", "fr;xx", "“xx” is not an ISO 639-1 language code."),
        ("fsas_served", "M4C;4MC", "“4MC” is not an FSA"),
        ("locations-0-postal_code", "H2X 1A1", "Not an Ontario postal code"),
        ("hours-0-opens_at", "25:00", "Enter a valid time."),
        ("walk_in", "", "Say how to access the support"),
        ("new_organization", "", "Choose the organization or name a new one."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    client_for, alice, oht_a, field, value, message
):
    data = form_data(**{field: value})
    if not value:
        data.pop(field)
    response = client_for(alice).post(url("support_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SupportService.objects.exists()
    assert not SupportOrganization.objects.exists()


def test_staff_cannot_create_a_support_in_another_oht(client_for, alice, oht_b):
    response = client_for(alice).post(url("support_create"), form_data(oht="OHT102"))
    assert response.status_code == 400
    assert not SupportService.objects.exists()


def test_an_organization_of_another_oht_cannot_be_chosen(client_for, alice, oht_a, oht_b):
    other = SupportOrganization.objects.create(oht=oht_b, name="Rideau Health")
    data = form_data(organization=str(other.pk), new_organization="")
    response = client_for(alice).post(url("support_create"), data)
    assert response.status_code == 400
    assert not SupportService.objects.exists()


def test_editing_changes_the_support_its_hours_and_locations_and_restarts_the_review(
    client_for, alice, clinic
):
    SupportService.objects.filter(pk=clinic.pk).update(last_verified_on=date(2025, 1, 1))
    monday, friday = clinic.hours.order_by("weekday")
    [location] = clinic.locations.all()
    data = form_data(
        organization=str(clinic.organization_id),
        new_organization="",
        name_en="Lakeshore Walk-in and Virtual",
        **{
            "hours-TOTAL_FORMS": "3",
            "hours-INITIAL_FORMS": "2",
            "hours-0-id": str(monday.pk),
            "hours-0-weekday": str(MONDAY),
            "hours-0-opens_at": "09:00",
            "hours-0-closes_at": "17:00",
            "hours-1-id": str(friday.pk),
            "hours-1-weekday": str(FRIDAY),
            "hours-1-opens_at": "20:00",
            "hours-1-closes_at": "02:00",
            "hours-1-DELETE": "on",
            "hours-2-weekday": "5",
            "hours-2-opens_at": "00:00",
            "hours-2-closes_at": "00:00",
            "locations-TOTAL_FORMS": "2",
            "locations-INITIAL_FORMS": "1",
            "locations-0-id": str(location.pk),
            "locations-0-location_type": "physical",
            "locations-0-address": "12 Queen St E",
            "locations-0-city": "Toronto",
            "locations-0-postal_code": "M4C1A1",
            "locations-1-location_type": "virtual",
            "locations-1-name": "Video visits",
            "locations-1-url": "https://video.example.org",
        },
    )
    data.pop("oht")
    response = client_for(alice).post(url("support_edit", clinic.pk), data)
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.name_en == "Lakeshore Walk-in and Virtual"
    assert clinic.last_verified_on == TODAY
    hours = [(h.weekday, f"{h.opens_at:%H:%M}", f"{h.closes_at:%H:%M}") for h in clinic.hours.all()]
    assert hours == [(MONDAY, "09:00", "17:00"), (5, "00:00", "00:00")]
    assert sorted(clinic.locations.values_list("location_type", flat=True)) == [
        "physical",
        "virtual",
    ]
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(clinic.pk)).exists()
    assert not SupportHours.objects.filter(pk=friday.pk).exists()


def test_a_virtual_location_needs_its_web_address(client_for, alice, oht_a):
    data = form_data(**{"locations-0-location_type": "virtual", "locations-0-url": ""})
    response = client_for(alice).post(url("support_create"), data)
    assert response.status_code == 400
    assert "A virtual location needs its web address." in response.content.decode()


# -- keeping it fresh ---------------------------------------------------------------------


@pytest.fixture
def stale(oht_a):
    """Verified 2026-01-01, reviewed every 180 days: due 2026-06-30."""
    return make_support(oht_a, "Stale clinic", last_verified_on=date(2026, 1, 1))


def test_the_worklist_shows_only_stale_supports_oldest_first(
    client_for, alice, oht_a, oht_b, stale, clinic
):
    older = make_support(oht_a, "Older", last_verified_on=date(2025, 6, 1))
    make_support(oht_b, "Bob's stale", last_verified_on=date(2025, 1, 1))
    response = client_for(alice).get(url("review_list"))
    assert response.status_code == 200
    assert [row["service"] for row in response.context["rows"]] == [older, stale]
    assert "Confirm still correct" in response.content.decode()
    listing = client_for(alice).get(LIST_URL).content.decode()
    assert "Review due: 2 supports" in listing


def test_confirming_takes_a_support_off_the_worklist(client_for, alice, stale):
    client = client_for(alice)
    response = client.post(url("support_confirm", stale.pk))
    assert response.status_code == 302
    assert response.url == url("review_list")
    stale.refresh_from_db()
    assert stale.last_verified_on == TODAY
    assert client.get(url("review_list")).context["rows"] == []
    event = AuditEvent.objects.get(action=AuditAction.UPDATE)
    assert event.detail == {"verified": True}


def test_the_worklist_is_for_those_who_edit(client_for, carol, bob, stale):
    assert client_for(carol).get(url("review_list")).status_code == 403
    assert client_for(bob).get(url("review_list")).context["rows"] == []


# -- the public page's settings -----------------------------------------------------------


def test_staff_publish_the_public_page_and_word_its_introduction(client_for, alice, oht_a):
    client = client_for(alice)
    assert client.get(url("public_page_list")).status_code == 200
    response = client.post(
        url("public_page_edit", "OHT101"),
        {"enabled": "on", "intro_en": "Care near you.", "intro_fr": "Des soins près de chez vous."},
    )
    assert response.status_code == 302
    page = PublicSupportsPage.objects.get(oht=oht_a)
    assert (page.enabled, page.intro_fr) == (True, "Des soins près de chez vous.")
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="interim_supports.publicsupportspage"
    ).exists()
    assert "/public/supports/OHT101/" in client.get(url("public_page_list")).content.decode()


def test_only_the_ohts_editors_change_its_public_page(client_for, carol, bob, oht_a):
    assert client_for(carol).get(url("public_page_list")).status_code == 403
    assert client_for(carol).post(url("public_page_edit", "OHT101"), {}).status_code == 403
    assert client_for(bob).post(url("public_page_edit", "OHT101"), {}).status_code == 404
    assert not PublicSupportsPage.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(client, clinic):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
