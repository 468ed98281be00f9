"""The waitlist page and its export: filters, counts, sorting, scoping, audit, escaping."""

import csv
import io
import re
from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from attachment.filters import WaitlistFilter
from attachment.models import Patient
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

NOON = "2025-10-15 12:00-04:00"
LIST_URL = reverse("attachment:patient_list")
EXPORT_URL = reverse("attachment:patient_export")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOON, tick=False):
        yield


def many_patients(oht, count: int, prefix: str = "HCC10000") -> list[Patient]:
    return Patient.objects.bulk_create(
        Patient(
            oht=oht,
            hcc_id=f"{prefix}{index:05d}",
            registration_date=date(2023, 1, 1 + index % 28),
            given_name="Anne",
            family_name=f"Patient{index:03d}",
            date_of_birth=date(1970, 1, 1),
            postal_code="M4C1A1",
            fsa="M4C",
            complex_vulnerable=index % 3 == 0,
            status="active",
        )
        for index in range(count)
    )


def export_csv(client, **params) -> list[list[str]]:
    response = client.get(EXPORT_URL, {"format": "csv", **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def export_xlsx(client, **params) -> list[tuple]:
    response = client.get(EXPORT_URL, {"format": "xlsx", **params})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


# --- the page -------------------------------------------------------------------------


def test_it_shows_each_patients_row_with_priority_and_states(client_for, alice, oht_a):
    patient = make_patient(
        oht_a,
        "HCC1000000001",
        registration_date=date(2023, 7, 1),
        complex_vulnerable=True,
        date_of_birth=date(1980, 2, 3),
        outreach_state="replied",
        verification_state="still_needs_care",
        next_step="match",
    )

    response = client_for(alice).get(LIST_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("attachment:patient_detail", args=[patient.pk]) in body
    assert "Tremblay, Chloé" in body
    assert "OHT101" in body and "M4C" in body
    assert "<td>45</td>" in body
    assert "2023-07-01" in body and "27 months waiting" in body
    assert "cohort · complex vulnerable · 27 months waiting" in body
    assert "Replied" in body
    assert "Still needs a clinician" in body
    assert "Ready to match with a clinician" in body


def test_it_filters_the_page_with_the_same_filters(client_for, alice, oht_a):
    make_patient(oht_a, "HCC1000000001", complex_vulnerable=True, fsa="M4E")
    make_patient(oht_a, "HCC1000000002", complex_vulnerable=True, fsa="M4C")
    make_patient(oht_a, "HCC1000000003", registration_date=date(2025, 5, 1), fsa="M4E")

    response = client_for(alice).get(
        LIST_URL, {"cohort": "true", "complex_vulnerable": "true", "fsa": "M4E"}
    )

    body = response.content.decode()
    assert "HCC1000000001" in body
    assert "HCC1000000002" not in body and "HCC1000000003" not in body
    assert response.context["counts"]["total"] == 1


def test_it_counts_the_filtered_set_at_the_top(client_for, alice, oht_a):
    make_patient(oht_a, "HCC1000000001", complex_vulnerable=True)
    make_patient(oht_a, "HCC1000000002", verification_state="still_needs_care")
    make_patient(oht_a, "HCC1000000003", verification_state="declined")
    make_patient(oht_a, "HCC1000000004", registration_date=date(2025, 2, 1))

    response = client_for(alice).get(LIST_URL)

    assert response.context["counts"] == {
        "total": 4,
        "cohort": 3,
        "complex_vulnerable": 1,
        "verified": 2,
        "still_needs_care": 1,
    }


def test_it_sorts_cohort_and_complex_vulnerable_first(client_for, alice, oht_a):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2025, 3, 1))
    make_patient(oht_a, "HCC1000000002", registration_date=date(2022, 3, 1))
    make_patient(
        oht_a, "HCC1000000003", registration_date=date(2024, 3, 1), complex_vulnerable=True
    )

    rows = client_for(alice).get(LIST_URL).context["page"].object_list

    assert [row.patient.hcc_id for row in rows] == [
        "HCC1000000003",
        "HCC1000000002",
        "HCC1000000001",
    ]


def test_it_sorts_by_registration_date_when_asked(client_for, alice, oht_a):
    make_patient(
        oht_a, "HCC1000000001", registration_date=date(2024, 3, 1), complex_vulnerable=True
    )
    make_patient(oht_a, "HCC1000000002", registration_date=date(2022, 3, 1))

    response = client_for(alice).get(LIST_URL, {"ordering": "-registration_date"})

    rows = response.context["page"].object_list
    assert [row.patient.hcc_id for row in rows] == ["HCC1000000001", "HCC1000000002"]


def test_it_pages_by_fifty(client_for, alice, oht_a):
    many_patients(oht_a, 60)
    client = client_for(alice)

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10
    assert second.context["page"].paginator.num_pages == 2
    assert 'rel="next"' in first.content.decode()


def test_it_never_shows_another_ohts_patients(client_for, bob, oht_a, oht_b):
    make_patient(oht_a, "HCC1000000001")
    make_patient(oht_b, "HCC2000000001", fsa="K1N")

    response = client_for(bob).get(LIST_URL, {"oht": "OHT101"})

    body = response.content.decode()
    assert "HCC2000000001" in body
    assert "HCC1000000001" not in body
    assert response.context["counts"]["total"] == 1


def test_it_refuses_the_page_to_a_pcn_lead(client_for, peter, patient_a):
    assert client_for(peter).get(LIST_URL).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client, patient_a):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert "HCC1000000001" not in response.content.decode()


def test_it_audits_one_list_row_per_patient_shown(client_for, alice, oht_a):
    patients = many_patients(oht_a, 60)

    client_for(alice).get(LIST_URL, {"cohort": "true"})

    events = AuditEvent.objects.filter(action=AuditAction.LIST)
    assert events.count() == 50
    assert events.values("patient_id").distinct().count() == 50
    assert {event.patient_id for event in events} <= {patient.pk for patient in patients}
    assert events.first().detail == {"page": 1, "filters": {"cohort": True}}


def test_it_audits_a_search_without_the_search_text(client_for, alice, patient_a):
    client_for(alice).get(LIST_URL, {"q": "Tremblay"})

    event = AuditEvent.objects.get(action=AuditAction.SEARCH)
    assert event.patient_id == patient_a.pk
    assert "Tremblay" not in str(event.detail)
    assert event.detail["filters"] == {"search": True}


def test_it_lists_sixty_patients_in_a_bounded_number_of_queries(
    client_for, alice, oht_a, django_assert_max_num_queries
):
    many_patients(oht_a, 60)
    client = client_for(alice)

    with django_assert_max_num_queries(15):
        response = client.get(LIST_URL, {"complex_vulnerable": "true", "ordering": "fsa"})

    assert response.status_code == 200


def test_it_shows_invalid_filters_as_errors(client_for, alice, patient_a):
    response = client_for(alice).get(LIST_URL, {"min_months_waiting": "-3"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


# --- the export ----------------------------------------------------------------------


def test_it_exports_the_filtered_set_as_csv(client_for, alice, oht_a):
    make_patient(
        oht_a, "HCC1000000001", complex_vulnerable=True, phone="4165550101", health_card_number="1"
    )
    make_patient(oht_a, "HCC1000000002", registration_date=date(2025, 3, 1))

    rows = export_csv(client_for(alice), cohort="true")

    header, *data = rows
    assert header[:4] == ["HCC id", "OHT", "Family name", "Given name"]
    assert len(data) == 1
    record = dict(zip(header, data[0], strict=True))
    assert record["HCC id"] == "HCC1000000001"
    assert record["Date of birth"] == "1980-02-03"
    assert record["Phone"] == "4165550101"
    assert record["Jan 1, 2025 cohort"] == "Yes"
    assert record["Priority"] == "cohort · complex vulnerable · 29 months waiting"
    assert record["Priority score"] == str(
        settings.ATTACHMENT_PRIORITY["cohort"]
        + settings.ATTACHMENT_PRIORITY["complex_vulnerable"]
        + 29
    )
    assert record["Next step"] == "Send the outreach letter and messages"
    assert "Health card number" not in header


def test_it_exports_the_filtered_set_as_xlsx(client_for, alice, oht_a):
    make_patient(oht_a, "HCC1000000001", fsa="M4E")
    make_patient(oht_a, "HCC1000000002", fsa="M4C", family_name="Roy")

    rows = export_xlsx(client_for(alice), fsa="M4C")

    header, *data = rows
    assert header[0] == "HCC id"
    assert len(data) == 1
    record = dict(zip(header, data[0], strict=True))
    assert record["HCC id"] == "HCC1000000002"
    assert record["Family name"] == "Roy"
    assert record["HCC registration date"].date() == date(2023, 5, 1)
    assert record["Months waiting"] == 29


def test_it_exports_formula_like_values_as_text(client_for, alice, oht_a):
    make_patient(oht_a, "HCC1000000001", family_name='=HYPERLINK("x")', given_name="+1 Anne")
    client = client_for(alice)

    csv_record = dict(zip(*export_csv(client), strict=True))
    xlsx_record = dict(zip(*export_xlsx(client), strict=True))

    for record in (csv_record, xlsx_record):
        assert record["Family name"] == '\'=HYPERLINK("x")'
        assert record["Given name"] == "'+1 Anne"


def test_it_translates_the_export_headers_for_french_users(client_for, alice, patient_a):
    client = client_for(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    csv_header = export_csv(client)[0]
    xlsx_header = export_xlsx(client)[0]

    for header in (csv_header, list(xlsx_header)):
        assert header[:2] == ["n° Accès Soins", "ESO"]
        assert "Date de naissance" in header and "Code postal" in header


def test_it_never_exports_another_ohts_patients(client_for, bob, oht_a, oht_b):
    make_patient(oht_a, "HCC1000000001")
    make_patient(oht_b, "HCC2000000001", fsa="K1N")
    client = client_for(bob)

    csv_ids = [row[0] for row in export_csv(client)[1:]]
    xlsx_ids = [row[0] for row in export_xlsx(client)[1:]]
    asking_for_oht_a = client.get(EXPORT_URL, {"format": "csv", "oht": "OHT101"})

    assert csv_ids == xlsx_ids == ["HCC2000000001"]
    assert asking_for_oht_a.status_code == 400
    assert "HCC1000000001" not in asking_for_oht_a.content.decode()


def test_it_refuses_the_export_to_a_pcn_lead(client_for, peter, patient_a):
    response = client_for(peter).get(EXPORT_URL, {"format": "csv"})

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_it_refuses_an_unknown_format_or_invalid_filters(client_for, alice, patient_a):
    client = client_for(alice)

    assert client.get(EXPORT_URL, {"format": "pdf"}).status_code == 400
    assert client.get(EXPORT_URL, {"format": "csv", "age_band": "old"}).status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_it_audits_one_export_row_per_patient(client_for, alice, oht_a, file_format):
    patients = many_patients(oht_a, 7)
    make_patient(oht_a, "HCC1000000099", fsa="M4E")

    response = client_for(alice).get(
        EXPORT_URL, {"format": file_format, "fsa": "M4C", "q": "Patient"}
    )
    b"".join(response.streaming_content)

    events = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    assert sorted(event.patient_id for event in events) == sorted(p.pk for p in patients)
    for event in events:
        assert event.oht_code == "OHT101"
        assert event.detail == {
            "format": file_format,
            "filters": {"fsa": "M4C", "search": True},
        }


def test_it_links_the_export_with_the_current_filters(client_for, alice, patient_a):
    body = client_for(alice).get(LIST_URL, {"fsa": "M4C", "page": "1"}).content.decode()

    assert f"{EXPORT_URL}?fsa=M4C&amp;format=csv" in body
    assert f"{EXPORT_URL}?fsa=M4C&amp;format=xlsx" in body


def test_it_renders_every_filter_labelled_and_keeps_the_choices(client_for, alice, patient_a):
    response = client_for(alice).get(
        LIST_URL, {"cohort": "true", "wait_band": "6_12", "fsa": "M4C", "oht": "OHT101"}
    )

    body = response.content.decode()
    for name in WaitlistFilter.base_filters:
        assert f'<label for="id_{name}">' in body
        assert f'name="{name}"' in body
    assert re.search(
        r'id="id_cohort"[^>]*>\s*<option value="">Any</option>'
        r'<option value="true" selected>Yes</option>',
        body,
    )
    assert '<option value="6_12" selected>6 to 12 months</option>' in body
    assert '<option value="OHT101" selected>' in body
    assert 'value="M4C"' in body
