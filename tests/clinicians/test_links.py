"""The clinician's signed link: valid, expired, tampered, revoked, another clinician's."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from clinicians.choices import LinkPurpose
from clinicians.links import (
    REFUSAL_EXPIRED,
    REFUSAL_PURPOSE,
    REFUSAL_REVOKED,
    REFUSAL_TAMPERED,
    LinkRefused,
    link_issue,
    link_resolve,
    link_revoke,
    link_token,
)
from clinicians.models import ClinicianLinkUse
from oht_portal.models import AuditEvent
from tests.conftest import make_clinician

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician():
    return make_clinician("20001")


@pytest.fixture
def link(clinician, oht_a, alice):
    return link_issue(clinician=clinician, oht=oht_a, purpose=LinkPurpose.CAPACITY, issued_by=alice)


def refusal(clinician_id, token):
    with pytest.raises(LinkRefused) as caught:
        link_resolve(clinician_id=clinician_id, token=token)
    return caught.value.reason


def test_a_valid_link_resolves_to_its_clinician(link, clinician):
    resolved = link_resolve(clinician_id=clinician.pk, token=link_token(link))
    assert resolved.pk == link.pk
    assert resolved.clinician == clinician


def test_an_expired_link_is_refused_and_the_attempt_recorded(link, clinician, settings):
    token = link_token(link)
    with time_machine.travel(timezone.now() + timedelta(days=settings.CLINICIAN_LINK_DAYS + 1)):
        assert refusal(clinician.pk, token) == REFUSAL_EXPIRED
    use = ClinicianLinkUse.objects.get()
    assert (use.link, use.action, use.reason) == (link, "refused", REFUSAL_EXPIRED)


def test_a_tampered_token_is_refused(link, clinician):
    token = link_token(link)
    key, signature = token.split(":")
    forged = f"{key[:-1]}{'0' if key[-1] != '0' else '1'}:{signature}"
    assert refusal(clinician.pk, forged) == REFUSAL_TAMPERED
    assert refusal(clinician.pk, token + "x") == REFUSAL_TAMPERED
    assert ClinicianLinkUse.objects.filter(reason=REFUSAL_TAMPERED, link=None).count() == 2


def test_another_clinicians_link_does_not_work_for_this_one(link, clinician):
    other = make_clinician("20002")
    assert refusal(other.pk, link_token(link)) == REFUSAL_TAMPERED


def test_a_revoked_link_is_refused(link, clinician):
    link_revoke(link=link)
    assert refusal(clinician.pk, link_token(link)) == REFUSAL_REVOKED


def test_a_link_works_only_for_its_purpose(link, clinician):
    token = link_token(link)
    with pytest.raises(LinkRefused) as caught:
        link_resolve(clinician_id=clinician.pk, token=token, purpose=LinkPurpose.SURVEY)
    assert caught.value.reason == REFUSAL_PURPOSE
    assert link_resolve(clinician_id=clinician.pk, token=token, purpose=LinkPurpose.CAPACITY)


def test_revoking_is_audited_once(link, clinician, alice):
    assert link_revoke(link=link, actor=alice) is True
    assert link_revoke(link=link, actor=alice) is False
    assert (
        AuditEvent.objects.filter(object_type="clinicians.clinicianlink", actor_id=alice.pk).count()
        == 1
    )
