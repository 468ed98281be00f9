"""Synthetic local directory data for the embedded demo: what an OHT would have
recorded about the clinicians the (synthetic) report lists — teams, skills, PCN
membership and capacity declarations of various ages, some of them stale."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from clinicians.choices import (
    AcceptingStatus,
    DeclarationChannel,
    DigitalReadiness,
    EReferralStatus,
    RecruitmentStatus,
    TeamType,
)
from clinicians.models import CapacityDeclaration, PracticeLocation, PrimaryCareTeam
from clinicians.services import declaration_expiry


@transaction.atomic
def demo_directory_seed(*, seed: int) -> int:
    """Give every location without a declaration local attributes and one declaration.
    Safe to run again: locations already declared are left as they are. Returns the
    number of locations seeded."""
    rng = random.Random(f"{seed}:directory")  # noqa: S311 - synthetic demo data
    locations = list(
        PracticeLocation.objects.filter(current_declaration__isnull=True)
        .select_related("clinician", "oht")
        .order_by("pk")
    )
    teams: dict[int, list[PrimaryCareTeam]] = {}
    now = timezone.now()
    for location in locations:
        oht_teams = teams.get(location.oht_id)
        if oht_teams is None:
            oht_teams = teams[location.oht_id] = [
                PrimaryCareTeam.objects.get_or_create(
                    oht=location.oht,
                    name=f"{location.oht.name_en} {team_type.label}",
                    defaults={"team_type": team_type, "pcn_member": True},
                )[0]
                for team_type in (TeamType.FHT, TeamType.CHC)
            ]
        clinician = location.clinician
        clinician.paediatrics = rng.random() < 0.4
        clinician.french_language_services = "fr" in clinician.languages or rng.random() < 0.1
        clinician.save(update_fields=["paediatrics", "french_language_services"])

        location.team = rng.choice(oht_teams) if rng.random() < 0.5 else None
        location.pcn_member = location.team is not None or rng.random() < 0.5
        if not location.pcn_member:
            location.recruitment_status = rng.choice(RecruitmentStatus.values)
        location.serves_remote = rng.random() < 0.2
        location.virtual_care = rng.random() < 0.5
        location.wheelchair_accessible = rng.random() < 0.7
        location.digital_readiness = rng.choice(DigitalReadiness.values)
        location.ereferral_status = rng.choice(EReferralStatus.values)

        # A quarter declared long ago (now stale), the rest within the validity window.
        declared_at = now - timedelta(
            days=rng.randint(100, 200) if rng.random() < 0.25 else rng.randint(0, 80)
        )
        status = rng.choices(list(AcceptingStatus.values), weights=[3, 6, 1, 1])[0]
        places = 0 if status == AcceptingStatus.NOT_ACCEPTING else rng.choice([0, 5, 10, 25, 50])
        children_only = rng.random() < 0.1
        declaration = CapacityDeclaration.objects.create(
            location=location,
            accepting_status=status,
            new_patients=places,
            min_age=None if not children_only else 0,
            max_age=17 if children_only else None,
            takes_complex=rng.random() < 0.7,
            batch_size=10 if places >= 25 else None,
            declared_at=declared_at,
            channel=rng.choice(DeclarationChannel.values),
            declared_by_name=clinician.full_name,
            verified_at=declared_at,
            expires_on=declaration_expiry(declared_at),
        )
        location.current_declaration = declaration
        location.save()
    return len(locations)
