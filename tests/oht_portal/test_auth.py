"""Sign-in: e-mail and password, then TOTP; lockout; the admin behind allauth."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, current_totp, make_user

pytestmark = pytest.mark.django_db


def test_it_asks_for_the_totp_code_after_the_password(client, alice):
    response = client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Not signed in yet: the home page still sends us to sign in.
    assert client.get(reverse("home")).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": current_totp(alice.totp_secret)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_it_refuses_a_wrong_totp_code(client, alice):
    client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_staff_without_mfa_are_sent_to_enrol_before_any_patient_data(client, oht_a, patient_a):
    from oht_portal.choices import Role
    from oht_portal.models import Membership

    newcomer = make_user("new@example.org", mfa=False)
    Membership.objects.create(user=newcomer, oht=oht_a, role=Role.OHT_STAFF)
    client.post(reverse("account_login"), {"login": newcomer.email, "password": PASSWORD})
    response = client.get(reverse("attachment:patient_detail", args=[patient_a.pk]))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert client.get("/api/v1/ohts/").status_code == 403
    # Enrolment itself stays reachable (allauth asks for the password once more first).
    enrol = client.get(reverse("mfa_activate_totp"), follow=True)
    assert enrol.status_code == 200
    assert enrol.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")


def test_the_demo_may_relax_mfa(client, settings, oht_a, patient_a):
    from oht_portal.choices import Role
    from oht_portal.models import Membership

    settings.MFA_REQUIRED = False
    newcomer = make_user("demo@example.org", mfa=False)
    Membership.objects.create(user=newcomer, oht=oht_a, role=Role.OHT_STAFF)
    client.force_login(newcomer)
    assert client.get(reverse("attachment:patient_detail", args=[patient_a.pk])).status_code == 200


def test_it_locks_an_account_after_repeated_bad_passwords(client, settings, alice):
    for _ in range(settings.LOGIN_FAILURES_LIMIT):
        client.post(reverse("account_login"), {"login": alice.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    # Even the right password is refused while the lock lasts.
    assert response.status_code in {200, 429}
    assert "mfa_authenticate" not in (response.get("Location") or "")
    assert "_auth_user_id" not in client.session


def test_the_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_nobody_can_sign_themselves_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "stranger@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code in {200, 302}
    from oht_portal.models import User

    assert not User.objects.filter(email="stranger@example.org").exists()


def test_sign_in_and_failure_are_audited(client, alice):
    from oht_portal.choices import AuditAction
    from oht_portal.models import AuditEvent

    client.post(reverse("account_login"), {"login": alice.email, "password": "wrong"})
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.detail["email"] == alice.email
    assert "wrong" not in str(failed.detail)
