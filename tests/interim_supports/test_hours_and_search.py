"""Open-now across midnight and on holidays, and the ranking of supports for a patient."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from interim_supports.hours import is_holiday, ontario_holidays, service_open_at
from interim_supports.models import SupportLocation, SupportService
from interim_supports.search import rank, with_schedule
from tests.interim_supports.conftest import make_support

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
FRIDAY, SATURDAY, MONDAY = 4, 5, 0


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TORONTO)


def test_ontario_holidays_follow_the_statutory_rules():
    assert ontario_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 2, 16),  # Family Day, third Monday of February
        date(2026, 4, 3),  # Good Friday
        date(2026, 5, 18),  # Victoria Day, the Monday before May 25
        date(2026, 7, 1),
        date(2026, 9, 7),  # Labour Day
        date(2026, 10, 12),  # Thanksgiving
        date(2026, 12, 25),
        date(2026, 12, 26),
    }
    assert not is_holiday(date(2026, 8, 3))  # the civic holiday is not statutory


def test_hours_within_a_day(oht_a):
    clinic = make_support(oht_a, "Day clinic", hours=[(MONDAY, "09:00", "17:00")])
    assert service_open_at(clinic, at(2026, 11, 23, 9, 0))  # Monday
    assert service_open_at(clinic, at(2026, 11, 23, 16, 59))
    assert not service_open_at(clinic, at(2026, 11, 23, 17, 0))
    assert not service_open_at(clinic, at(2026, 11, 23, 8, 59))
    assert not service_open_at(clinic, at(2026, 11, 24, 10, 0))  # Tuesday


def test_hours_running_past_midnight(oht_a):
    late = make_support(oht_a, "Late clinic", hours=[(FRIDAY, "20:00", "02:00")])
    assert service_open_at(late, at(2026, 11, 27, 23, 30))  # Friday night
    assert service_open_at(late, at(2026, 11, 28, 1, 59))  # early Saturday
    assert not service_open_at(late, at(2026, 11, 28, 2, 0))
    assert not service_open_at(late, at(2026, 11, 27, 1, 0))  # early Friday: Thursday's


def test_a_whole_day_period(oht_a):
    always = make_support(oht_a, "Always", hours=[(SATURDAY, "00:00", "00:00")])
    assert service_open_at(always, at(2026, 11, 28, 0, 0))
    assert service_open_at(always, at(2026, 11, 28, 23, 59))
    assert not service_open_at(always, at(2026, 11, 29, 0, 0))


def test_holidays_close_a_support_that_closes_on_them(oht_a):
    # Christmas 2026 is a Friday; the night shift starts on the holiday.
    closed = make_support(oht_a, "Closes", hours=[(FRIDAY, "20:00", "02:00")])
    stays = make_support(
        oht_a, "Stays open", hours=[(FRIDAY, "20:00", "02:00")], closed_on_holidays=False
    )
    christmas_night, boxing_day_early = at(2026, 12, 25, 21, 0), at(2026, 12, 26, 1, 0)
    assert not service_open_at(closed, christmas_night)
    assert not service_open_at(closed, boxing_day_early)  # that period began on Christmas
    assert service_open_at(stays, christmas_night)
    assert service_open_at(stays, boxing_day_early)


def test_a_closed_support_is_never_open(oht_a):
    clinic = make_support(
        oht_a, "Paused", hours=[(MONDAY, "00:00", "00:00")], status="temporarily closed"
    )
    assert not service_open_at(clinic, at(2026, 11, 23, 12, 0))


def test_ranking_puts_fsa_then_language_then_open_now_first(oht_a, oht_b):
    monday_noon = at(2026, 11, 23, 12, 0)
    open_hours = [(MONDAY, "08:00", "20:00")]
    make_support(
        oht_a, "A: M4C French open", fsas_served="M4C", languages="fr;en", hours=open_hours
    )
    make_support(oht_a, "B: M4C French closed", fsas_served="M4C", languages="fr")
    make_support(oht_a, "C: M4C English open", fsas_served="M4C", hours=open_hours)
    make_support(oht_a, "D: M4E French open", fsas_served="M4E", languages="fr", hours=open_hours)
    make_support(oht_a, "E: whole OHT English", hours=[])  # no FSA listed: all of OHT A's
    ranked = rank(
        with_schedule(SupportService.objects.all()), fsa="M4C", language="fr", moment=monday_noon
    )
    names = [item.service.name_en for item in ranked]
    assert names == [
        "A: M4C French open",  # 8 + 4 + 2
        "B: M4C French closed",  # 8 + 4
        "C: M4C English open",  # 8 + 2
        "E: whole OHT English",  # 8
        "D: M4E French open",  # 4 + 2
    ]
    assert [str(reason) for reason in ranked[0].reasons] == [
        "serves this FSA",
        "offers this language",
        "open now",
    ]


def test_rural_fsas_favour_a_virtual_option(oht_b):
    in_person = make_support(oht_b, "In person", fsas_served="K0A")
    virtual = make_support(oht_b, "Online", fsas_served="K0A")
    SupportLocation.objects.create(service=virtual, location_type="virtual", url="https://x.ca")
    ranked = rank(with_schedule(SupportService.objects.all()), fsa="K0A")
    assert [item.service for item in ranked] == [virtual, in_person]
    assert ranked[0].score == ranked[1].score + 1
