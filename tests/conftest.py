"""The cast: alice (staff of OHT A), bob (staff of OHT B, the outsider), carol (care
connector of A and C), paula (privacy lead of A), peter (PCN lead of A, no patient
data) and root (site admin). Everyone who needs it is enrolled in TOTP."""

import time
from datetime import date

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation

from attachment.models import Patient
from clinicians.models import Clinician, PracticeLocation
from oht_portal.choices import Role
from oht_portal.models import OHT, Membership, Region, ServedFSA, User

PASSWORD = "correct horse battery staple 42"


def current_totp(secret: str) -> str:
    """The code of the current 30-second window, waiting out the last few seconds of a
    window so that the code is still valid when the server checks it."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture(autouse=True)
def _extract_archive(settings, tmp_path_factory):
    """Kept raw files go to a temporary folder, not the checkout's var/."""
    settings.EXTRACT_ARCHIVE_DIR = tmp_path_factory.mktemp("extracts")


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process in tests; test_celery_worker sends one through the broker."""
    from oht_portal.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _english_by_default():
    """A French request leaves French active in the thread; each test starts in the
    default language, so messages it checks do not depend on the test before it."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and TOTP replay guards live in the cache; each test starts clean."""
    cache.clear()
    yield
    cache.clear()


def make_region(code: str = "Toronto") -> Region:
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name_en": code, "name_fr": f"{code} (fr)"}
    )
    return region


def make_oht(code: str, name: str, region: str, fsas: list[str]) -> OHT:
    oht = OHT.objects.create(
        code=code, name_en=name, name_fr=f"Équipe {name}", region=make_region(region)
    )
    ServedFSA.objects.bulk_create([ServedFSA(oht=oht, fsa=fsa) for fsa in fsas])
    return oht


def make_user(email: str, *, mfa: bool = True, **extra) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    if mfa:
        user.totp_secret = generate_totp_secret()
        TOTP.activate(user, user.totp_secret)
    return user


def make_patient(oht: OHT, hcc_id: str, **fields) -> Patient:
    defaults = {
        "registration_date": date(2023, 5, 1),
        "given_name": "Chloé",
        "family_name": "Tremblay",
        "date_of_birth": date(1980, 2, 3),
        "postal_code": "M4C1A1",
        "fsa": "M4C",
        "complex_vulnerable": False,
        "status": "active",
    }
    defaults.update(fields)
    return Patient.objects.create(oht=oht, hcc_id=hcc_id, **defaults)


def make_clinician(number: str, **fields) -> Clinician:
    defaults = {
        "registration_body": "CPSO",
        "clinician_type": "FP",
        "given_name": "Marie",
        "family_name": f"Doctor{number}",
        "email": f"dr{number}@clinic.example.org",
        "languages": "en",
    }
    defaults.update(fields)
    return Clinician.objects.create(registration_number=number, **defaults)


def make_location(oht: OHT, clinician: Clinician, **fields) -> PracticeLocation:
    """A practice location of `clinician` in `oht`, in the OHT's first FSA by default."""
    fsa = fields.pop("fsa", None) or oht.served_fsas.order_by("fsa").first().fsa
    name = fields.pop("practice_name", f"Clinic {clinician.registration_number} {fsa}")
    defaults = {
        "address": "1 Main St",
        "city": "Toronto",
        "postal_code": f"{fsa}1A1",
        "languages": "en",
    }
    defaults.update(fields)
    return PracticeLocation.objects.create(
        oht=oht,
        clinician=clinician,
        practice_name=name,
        name_key=name.lower(),
        fsa=fsa,
        **defaults,
    )


@pytest.fixture
def oht_a(db) -> OHT:
    return make_oht("OHT101", "Lakeshore East", "Toronto", ["M4C", "M4E"])


@pytest.fixture
def oht_b(db) -> OHT:
    return make_oht("OHT102", "Rideau Valley", "East", ["K1N", "K0A"])


@pytest.fixture
def oht_c(db) -> OHT:
    return make_oht("OHT103", "Sudbury North", "North East", ["P3A"])


def _member(user: User, oht: OHT, role: str) -> User:
    Membership.objects.create(user=user, oht=oht, role=role)
    return user


@pytest.fixture
def alice(oht_a) -> User:
    return _member(make_user("alice@example.org", full_name="Alice Staff"), oht_a, Role.OHT_STAFF)


@pytest.fixture
def bob(oht_b) -> User:
    return _member(make_user("bob@example.org", full_name="Bob Outsider"), oht_b, Role.OHT_STAFF)


@pytest.fixture
def carol(oht_a, oht_c) -> User:
    user = make_user("carol@example.org", full_name="Carol Connector")
    _member(user, oht_a, Role.CARE_CONNECTOR)
    return _member(user, oht_c, Role.CARE_CONNECTOR)


@pytest.fixture
def paula(oht_a) -> User:
    user = make_user("paula@example.org", full_name="Paula Privacy")
    return _member(user, oht_a, Role.PRIVACY_LEAD)


@pytest.fixture
def peter(oht_a) -> User:
    return _member(make_user("peter@example.org", full_name="Peter Lead"), oht_a, Role.PCN_LEAD)


@pytest.fixture
def root(db) -> User:
    return make_user("root@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def patient_a(oht_a) -> Patient:
    return make_patient(oht_a, "HCC1000000001")


@pytest.fixture
def patient_b(oht_b) -> Patient:
    return make_patient(oht_b, "HCC2000000001", given_name="Owen", postal_code="K1N5T5", fsa="K1N")


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user (the session skips the TOTP step;
    the login flow itself is tested in test_auth)."""

    def sign_in(user: User):
        client.force_login(user)
        return client

    return sign_in
