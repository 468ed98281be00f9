"""The interim supports API: scoped supports with the search filters and the ranking,
and the supports offered to patients (patient data: scoped, audited, PATIENT_DATA_ROLES)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from interim_supports.models import SupportLocation, SupportOffer
from interim_supports.services import support_offer_record
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from oht_portal.services import api_token_create
from tests.conftest import make_patient
from tests.interim_supports.conftest import make_support

pytestmark = pytest.mark.django_db

SUPPORTS = "/api/v1/interim-supports/"
OFFERS = "/api/v1/support-offers/"
TORONTO = ZoneInfo("America/Toronto")
MONDAY = 0
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=TORONTO)
MONDAY_NIGHT = datetime(2026, 11, 23, 22, 0, tzinfo=TORONTO)


def api_client(user) -> APIClient:
    """A client that calls as `user` with a real knox token, as a care connector would."""
    _, token = api_token_create(user=user, days=7)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name_en"] for row in response.json()["results"]]


@pytest.fixture
def supports(oht_a, oht_b, oht_c):
    return {
        "a": make_support(oht_a, "Lakeshore walk-in", fsas_served="M4C", languages="en;fr"),
        "a_wide": make_support(oht_a, "Ontario line", province_wide=True, support_type="virtual"),
        "b": make_support(oht_b, "Rideau walk-in"),
        "c": make_support(oht_c, "Sudbury navigator", support_type="navigator"),
    }


# --- Scoping --------------------------------------------------------------------------


def test_staff_of_another_oht_see_only_its_province_wide_supports(bob, supports):
    client = api_client(bob)
    assert sorted(names(client.get(SUPPORTS))) == ["Ontario line", "Rideau walk-in"]
    assert client.get(f"{SUPPORTS}{supports['a'].pk}/").status_code == 404
    assert client.get(f"{SUPPORTS}{supports['a_wide'].pk}/").status_code == 200


def test_a_care_connector_sees_the_supports_of_each_of_her_ohts(carol, supports):
    client = api_client(carol)
    assert sorted(names(client.get(SUPPORTS))) == [
        "Lakeshore walk-in",
        "Ontario line",
        "Sudbury navigator",
    ]
    assert client.get(f"{SUPPORTS}{supports['b'].pk}/").status_code == 404


def test_the_supports_api_refuses_anonymous_callers(supports):
    assert APIClient().get(SUPPORTS).status_code == 401
    assert APIClient().get(OFFERS).status_code == 401


def test_a_support_in_detail(carol, supports):
    support = supports["a"]
    SupportLocation.objects.create(service=support, location_type="virtual", url="https://v.ca")
    support.hours.create(weekday=MONDAY, opens_at="20:00", closes_at="02:00")
    detail = api_client(carol).get(f"{SUPPORTS}{support.pk}/").json()
    assert detail["id"] == support.pk
    assert detail["hsds_id"] == str(support.hsds_id)
    assert detail["oht"] == "OHT101"
    assert detail["name_fr"] == "Lakeshore walk-in (fr)"
    assert detail["languages"] == ["en", "fr"]
    assert detail["fsas_served"] == ["M4C"]
    assert detail["hours"] == [{"weekday": 0, "opens_at": "20:00:00", "closes_at": "02:00:00"}]
    assert detail["locations"][0]["location_type"] == "virtual"
    assert detail["organization"]["name"] == "OHT101 Health Partners"
    assert detail["access"]["walk_in"] is False
    assert detail["cost"]["cost"] == "ohip"
    assert detail["review_due_on"] == "2027-03-30"
    assert detail["stale"] is False
    assert (detail["score"], detail["reasons"]) == (None, [])


def test_the_support_list_runs_a_fixed_number_of_queries(
    carol, oht_a, django_assert_max_num_queries
):
    for number in range(6):
        make_support(oht_a, f"Clinic {number}", hours=[(MONDAY, "09:00", "17:00")])
    client = api_client(carol)
    with django_assert_max_num_queries(7):
        assert len(names(client.get(SUPPORTS))) == 6


# --- Filters ---------------------------------------------------------------------------


def test_the_search_filters_apply(carol, oht_a, supports):
    make_support(oht_a, "East end pharmacy", fsas_served="M4E", support_type="pharmacy")
    client = api_client(carol)
    assert sorted(names(client.get(SUPPORTS, {"fsa": "M4E"}))) == [
        "East end pharmacy",
        "Ontario line",
    ]
    assert names(client.get(SUPPORTS, {"language": "fr"})) == ["Lakeshore walk-in"]
    assert names(client.get(SUPPORTS, {"support_type": "navigator"})) == ["Sudbury navigator"]
    assert names(client.get(SUPPORTS, {"support_type": ["pharmacy", "virtual"]})) == [
        "East end pharmacy",
        "Ontario line",
    ]


def test_open_now_follows_the_clock(carol, oht_a):
    make_support(oht_a, "Day clinic", hours=[(MONDAY, "09:00", "17:00")])
    make_support(oht_a, "Night clinic", hours=[(MONDAY, "20:00", "02:00")])
    with time_machine.travel(MONDAY_NOON, tick=False):
        client = api_client(carol)
        assert names(client.get(SUPPORTS, {"open_now": "true"})) == ["Day clinic"]
        rows = client.get(SUPPORTS).json()["results"]
        assert {row["name_en"]: row["open_now"] for row in rows} == {
            "Day clinic": True,
            "Night clinic": False,
        }
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        assert names(api_client(carol).get(SUPPORTS, {"open_now": "true"})) == ["Night clinic"]


def test_an_invalid_filter_is_a_400(carol, supports):
    assert api_client(carol).get(SUPPORTS, {"support_type": "spa"}).status_code == 400


# --- Ranking ---------------------------------------------------------------------------


def test_fsa_and_language_rank_the_list_with_reasons(carol, oht_a):
    make_support(oht_a, "Aardvark clinic", fsas_served="M4C", languages="fr")
    make_support(
        oht_a, "Zed clinic", fsas_served="M4C", languages="fr", hours=[(MONDAY, "08:00", "20:00")]
    )
    with time_machine.travel(MONDAY_NOON, tick=False):
        client = api_client(carol)
        assert names(client.get(SUPPORTS)) == ["Aardvark clinic", "Zed clinic"]  # by name
        rows = client.get(SUPPORTS, {"fsa": "M4C", "language": "fr"}).json()["results"]
    assert [(row["name_en"], row["score"]) for row in rows] == [
        ("Zed clinic", 14),
        ("Aardvark clinic", 12),
    ]
    assert rows[0]["reasons"] == ["serves this FSA", "offers this language", "open now"]
    assert rows[0]["open_now"] is True


def test_a_rural_fsa_puts_a_virtual_option_first(bob, oht_b):
    make_support(oht_b, "A clinic in town", fsas_served="K0A")
    online = make_support(oht_b, "B online clinic", fsas_served="K0A")
    SupportLocation.objects.create(service=online, location_type="virtual", url="https://b.ca")
    rows = api_client(bob).get(SUPPORTS, {"fsa": "K0A"}).json()["results"]
    assert [row["name_en"] for row in rows] == ["B online clinic", "A clinic in town"]
    assert "virtual option for a rural area" in rows[0]["reasons"]


def test_a_patient_ranks_their_ohts_supports_and_is_audited(carol, oht_a, supports):
    patient = make_patient(oht_a, "HCC1000000009", fsa="M4C", preferred_language="fr")
    make_support(oht_a, "East end pharmacy", fsas_served="M4E")
    rows = api_client(carol).get(SUPPORTS, {"patient": patient.pk}).json()["results"]
    # OHT C's navigator is not one the patient's OHT can offer.
    assert [(row["name_en"], row["score"]) for row in rows] == [
        ("Lakeshore walk-in", 12),  # serves M4C, speaks French
        ("Ontario line", 8),  # province-wide
        ("East end pharmacy", 0),
    ]
    event = AuditEvent.objects.get(patient_id=patient.pk)
    assert (event.action, event.actor_email) == (AuditAction.VIEW, "carol@example.org")


def test_another_ohts_patient_or_a_pcn_lead_gets_404_on_ranking(bob, peter, patient_a, supports):
    assert api_client(bob).get(SUPPORTS, {"patient": patient_a.pk}).status_code == 404
    assert api_client(peter).get(SUPPORTS, {"patient": patient_a.pk}).status_code == 404
    refused = AuditEvent.objects.filter(patient_id=patient_a.pk, outcome=AuditOutcome.DENIED)
    assert refused.count() == 2


# --- Offers ----------------------------------------------------------------------------


def offer_body(patient, *supports, **extra) -> dict:
    return {
        "patient": patient.pk,
        "supports": [support.pk for support in supports],
        "language": "fr",
        **extra,
    }


def test_a_care_connector_records_an_offer(carol, patient_a, supports):
    body = offer_body(patient_a, supports["a"], supports["a_wide"], note="Called her")
    response = api_client(carol).post(OFFERS, body, format="json")
    assert response.status_code == 201, response.content
    offer = SupportOffer.objects.get()
    assert response.json()["id"] == offer.pk
    assert sorted(response.json()["supports"]) == sorted([supports["a"].pk, supports["a_wide"].pk])
    assert (offer.channel, offer.language, offer.offered_by) == ("api", "fr", carol)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, patient_id=patient_a.pk)
    assert event.object_id == str(offer.pk)


def test_staff_of_another_oht_get_404_for_the_patient(bob, patient_a, supports):
    response = api_client(bob).post(OFFERS, offer_body(patient_a, supports["b"]), format="json")
    assert response.status_code == 404
    assert not SupportOffer.objects.exists()


def test_a_pcn_lead_may_not_record_or_read_offers(peter, patient_a, supports):
    client = api_client(peter)
    assert client.post(OFFERS, offer_body(patient_a, supports["a"]), format="json").status_code == (
        403
    )
    assert client.get(OFFERS).status_code == 403
    assert not SupportOffer.objects.exists()


def test_a_support_of_another_oht_is_refused_with_the_rule(carol, patient_a, supports):
    response = api_client(carol).post(OFFERS, offer_body(patient_a, supports["c"]), format="json")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "A support of another OHT cannot be offered to this patient."
    )
    assert not SupportOffer.objects.exists()


def test_a_support_the_caller_cannot_see_is_a_field_error(carol, patient_a, supports):
    response = api_client(carol).post(OFFERS, offer_body(patient_a, supports["b"]), format="json")
    assert response.status_code == 400
    assert "supports" in response.json()["fields"]
    assert not SupportOffer.objects.exists()


def test_offers_are_listed_per_patient_and_each_patient_audited(
    carol, bob, oht_a, patient_a, supports
):
    other = make_patient(oht_a, "HCC1000000002")
    support_offer_record(
        patient=patient_a, services=[supports["a"]], channel="phone", language="en"
    )
    support_offer_record(patient=other, services=[supports["a"]], channel="email", language="fr")
    client = api_client(carol)
    # The audit trail is append-only: look at what the reads add to it.
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    rows = client.get(OFFERS, {"patient": patient_a.pk}).json()["results"]
    assert [(row["patient"], row["channel"]) for row in rows] == [(patient_a.pk, "phone")]
    added = AuditEvent.objects.filter(pk__gt=before)
    assert list(added.values_list("action", "patient_id")) == [(AuditAction.LIST, patient_a.pk)]

    rows = client.get(OFFERS).json()["results"]
    assert {row["patient"] for row in rows} == {patient_a.pk, other.pk}
    assert api_client(bob).get(OFFERS).json()["results"] == []
    assert api_client(bob).get(OFFERS, {"patient": patient_a.pk}).status_code == 404


# --- The schema ------------------------------------------------------------------------


def test_the_schema_documents_the_supports_endpoints_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in ["/api/v1/interim-supports/", "/api/v1/interim-supports/{id}/", OFFERS]:
        assert path in schema
    assert "SupportOfferInput" in schema
