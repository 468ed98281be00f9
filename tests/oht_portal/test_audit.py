"""Every access to a patient's information leaves an append-only audit row."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_records_who_viewed_a_patient(client_for, alice, patient_a):
    client_for(alice).get(
        reverse("attachment:patient_detail", args=[patient_a.pk]), REMOTE_ADDR="10.1.2.3"
    )
    event = AuditEvent.objects.get(action=AuditAction.VIEW, patient_id=patient_a.pk)
    assert event.actor_id == alice.pk
    assert event.actor_roles == "oht_staff@OHT101"
    assert event.oht_code == "OHT101"
    assert event.ip_address == "10.1.2.3"
    assert event.outcome == AuditOutcome.SUCCESS


def test_it_records_a_refused_look_at_another_ohts_patient(client_for, bob, patient_a):
    client_for(bob).get(reverse("attachment:patient_detail", args=[patient_a.pk]))
    event = AuditEvent.objects.get(patient_id=patient_a.pk)
    assert (event.actor_id, event.outcome) == (bob.pk, AuditOutcome.DENIED)


def test_it_records_each_patient_shown_in_a_list(client_for, alice, patient_a):
    client_for(alice).get(reverse("attachment:patient_list"))
    assert AuditEvent.objects.filter(action=AuditAction.LIST, patient_id=patient_a.pk).count() == 1


def test_it_keeps_health_information_out_of_the_audit_row(client_for, alice, patient_a):
    client_for(alice).get(reverse("attachment:patient_detail", args=[patient_a.pk]))
    row = AuditEvent.objects.filter(patient_id=patient_a.pk).values().get()
    flat = " ".join(str(value) for value in row.values())
    assert patient_a.family_name not in flat
    assert str(patient_a.date_of_birth) not in flat


def test_it_refuses_to_change_an_audit_row_through_the_orm(alice):
    event = AuditEvent.objects.create(action=AuditAction.VIEW, actor_id=alice.pk)
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    ["UPDATE oht_portal_auditevent SET action = 'x'", "DELETE FROM oht_portal_auditevent"],
)
def test_the_database_refuses_update_and_delete_of_audit_rows(alice, statement):
    AuditEvent.objects.create(action=AuditAction.VIEW, actor_id=alice.pk)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.filter(action=AuditAction.VIEW).count() == 1


def test_a_privacy_lead_finds_who_looked_at_a_patient(client_for, alice, paula, patient_a):
    client_for(alice).get(reverse("attachment:patient_detail", args=[patient_a.pk]))
    response = client_for(paula).get(reverse("audit_log"), {"hcc_id": patient_a.hcc_id})
    assert response.status_code == 200
    page = response.context["page"]
    assert [(e.actor_email, e.action) for e in page] == [("alice@example.org", "view")]
    query = AuditEvent.objects.get(action=AuditAction.AUDIT_QUERY)
    assert query.actor_id == paula.pk
    assert query.detail["patient_id"] == patient_a.pk


def test_a_privacy_lead_finds_what_a_user_looked_at(client_for, alice, paula, patient_a):
    client_for(alice).get(reverse("attachment:patient_detail", args=[patient_a.pk]))
    response = client_for(paula).get(reverse("audit_log"), {"email": "alice@example.org"})
    assert {e.patient_id for e in response.context["page"] if e.patient_id} == {patient_a.pk}


def test_a_privacy_lead_sees_only_their_ohts_events(client_for, bob, paula, patient_b):
    client_for(bob).get(reverse("attachment:patient_detail", args=[patient_b.pk]))
    response = client_for(paula).get(reverse("audit_log"), {"email": "bob@example.org"})
    assert list(response.context["page"]) == []


def test_staff_cannot_read_the_audit_trail(client_for, alice):
    assert client_for(alice).get(reverse("audit_log")).status_code == 403


def test_a_privacy_lead_sees_the_imports_that_touched_a_patient(client_for, paula, tmp_path, oht_a):
    from oht_portal.imports.pipeline import import_file

    path = tmp_path / "hcc_waitlist_OHT101_20250930.csv"
    path.write_text(
        "hcc_id,oht_code,registration_date,given_name,family_name,date_of_birth,"
        "postal_code,complex_vulnerable,status\n"
        "HCC1000000077,OHT101,2024-03-01,Chloé,Tremblay,1980-02-03,M4C 1A1,N,active\n"
    )
    run = import_file(path, trigger="command")
    response = client_for(paula).get(reverse("audit_log"), {"hcc_id": "HCC1000000077"})
    history = list(response.context["import_history"])
    assert [(event.import_run_id, event.change) for event in history] == [(run.pk, "joined")]


def test_another_ohts_privacy_lead_sees_no_import_history(client_for, oht_b, patient_a):
    from oht_portal.choices import Role
    from oht_portal.models import Membership
    from tests.conftest import make_user

    other = make_user("other-privacy@example.org")
    Membership.objects.create(user=other, oht=oht_b, role=Role.PRIVACY_LEAD)
    response = client_for(other).get(reverse("audit_log"), {"hcc_id": patient_a.hcc_id})
    assert list(response.context["import_history"]) == []
