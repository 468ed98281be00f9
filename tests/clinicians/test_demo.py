"""The demo's local directory data: every location declared once, some stale."""

import pytest
from django.utils import timezone

from clinicians.demo import demo_directory_seed
from clinicians.models import CapacityDeclaration, PracticeLocation
from tests.conftest import make_clinician, make_location

pytestmark = pytest.mark.django_db


def test_it_declares_every_location_once_and_is_safe_to_run_again(oht_a):
    for number in range(40001, 40041):
        make_location(oht_a, make_clinician(str(number)))

    assert demo_directory_seed(seed=7) == 40
    assert not PracticeLocation.objects.filter(current_declaration__isnull=True).exists()
    assert demo_directory_seed(seed=7) == 0
    assert CapacityDeclaration.objects.count() == 40

    today = timezone.localdate()
    expiries = list(CapacityDeclaration.objects.values_list("expires_on", flat=True))
    assert any(day < today for day in expiries), "the demo shows stale capacity"
    assert any(day >= today for day in expiries), "and fresh capacity"
