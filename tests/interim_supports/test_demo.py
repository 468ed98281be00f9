"""The demo's interim supports: every OHT gets some once, one is due for review, and
the province-wide lines are open at any hour."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from interim_supports.demo import demo_supports_seed
from interim_supports.hours import service_open_at
from interim_supports.models import SupportService

pytestmark = pytest.mark.django_db


def test_it_seeds_each_oht_once(oht_a, oht_b):
    created = demo_supports_seed(seed=3)
    assert created == SupportService.objects.count() > 0
    assert demo_supports_seed(seed=3) == 0
    for oht in (oht_a, oht_b):
        services = SupportService.objects.filter(oht=oht, province_wide=False)
        assert services.count() == 7
        assert any(service.is_stale() for service in services)
    lines = SupportService.objects.filter(province_wide=True)
    assert lines.count() == 2
    christmas_3am = datetime(2026, 12, 25, 3, 0, tzinfo=ZoneInfo("America/Toronto"))
    assert all(service_open_at(line, christmas_3am) for line in lines)
