"""Snapshots are seen by members of their OHT only, and roll-ups add up only those."""

from datetime import date

import pytest

from oht_portal.choices import Role
from oht_portal.models import Membership
from reporting.models import MetricsRun
from reporting.selectors import rollup, rollup_for, runs_for, snapshots_for
from reporting.services import build_quarter
from tests.conftest import make_patient, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(oht_a, oht_b, oht_c):
    """Q1 of 2025-26 for three OHTs: 2, 3 and 4 waiting; Q2 for A only."""
    for oht, count, fsa in ((oht_a, 2, "M4C"), (oht_b, 3, "K1N"), (oht_c, 4, "P3A")):
        for n in range(count):
            make_patient(
                oht,
                f"HCC{oht.code[3:]}{n:07d}",
                registration_date=date(2025, 6, 29 - 7 * n),
                fsa=fsa,
                postal_code=f"{fsa}1A1",
            )
        build_quarter(oht, 2025, 1, MetricsRun.Trigger.NIGHTLY)
    build_quarter(oht_a, 2025, 2, MetricsRun.Trigger.NIGHTLY)


def codes(snapshots):
    return sorted({s.oht.code for s in snapshots})


def test_a_member_sees_their_own_ohts_snapshots(built, alice, bob, carol):
    assert codes(snapshots_for(alice)) == ["OHT101"]
    assert codes(snapshots_for(bob)) == ["OHT102"]
    assert codes(snapshots_for(carol)) == ["OHT101", "OHT103"]


def test_every_role_sees_the_aggregates(built, peter, paula, oht_a):
    admin = make_user("admin@example.org")
    Membership.objects.create(user=admin, oht=oht_a, role=Role.OHT_ADMIN)
    for user in (peter, paula, admin):
        assert codes(snapshots_for(user)) == ["OHT101"]


def test_a_site_admin_sees_every_oht_and_a_stranger_none(built, root):
    assert codes(snapshots_for(root)) == ["OHT101", "OHT102", "OHT103"]
    assert not snapshots_for(make_user("nobody@example.org")).exists()


def test_asking_for_an_oht_outside_ones_own_gives_nothing(built, alice, oht_b):
    assert not snapshots_for(alice, ohts=[oht_b]).exists()


def test_runs_are_scoped_like_snapshots(built, alice, oht_a):
    assert {run.oht for run in runs_for(alice)} == {oht_a}


def test_a_rollup_sums_only_the_ohts_the_user_sees(built, carol, root):
    mine = rollup_for(carol, 2025, 1)
    assert mine.oht_ids == sorted(s.oht_id for s in snapshots_for(carol).filter(quarter=1))
    assert mine.waiting == 2 + 4
    assert mine.new_registrants == 6
    # A median of several OHTs is not a sum of theirs.
    assert mine.wait_median_days is None and mine.wait_p90_days is None
    assert mine.figures["fsa"]["M4C"]["waiting"] == 2
    assert mine.figures["fsa"]["P3A"]["waiting"] == 4
    assert "K1N" not in mine.figures["fsa"]
    assert mine.figures["fsa"]["M4C"]["wait_median_days"] is None

    province = rollup_for(root, 2025, 1)
    assert province.waiting == 9
    assert (province.fiscal_year, province.quarter, province.as_of) == (2025, 1, date(2025, 6, 30))


def test_a_rollup_of_one_quarter_only(built, root):
    with pytest.raises(ValueError, match="one quarter"):
        rollup(snapshots_for(root))
    assert rollup([]) is None
    assert rollup_for(root, 2024, 1) is None
