"""The clinician directory as a FHIR R4 provider directory, for other systems to read.

One Bundle (type `collection`) per request, holding:

- `Organization/oht-<code>` for each OHT, and `Organization/team-<id>` for each of its
  primary care teams (part of the OHT);
- `Practitioner/<clinician id>`: the college registration as identifier, the name,
  the FP/NP qualification and the languages (BCP 47 codes);
- `Location/<location id>`: the practice's address in Ontario, phone and fax;
- `PractitionerRole/<location id>`: a clinician at one practice location, with the
  team (else the OHT) as organization and the location's capacity.

Capacity rides on the PractitionerRole. A fresh declaration carries the Da Vinci PDex
Plan Net `newpatients` extension, whose `acceptingPatients` code is the declaration's
status (our AcceptingStatus values are that code system's codes), with a
`characteristics` text for its constraints unless the code is `nopt` (the extension's
invariant new-patients-characteristics). It also carries the portal's
`remaining-capacity` extension: places left, 0 unless the location is open. A stale or
never-made declaration carries neither extension: matching offers nothing there, and
a reader should not assume anything either.

Systems: CPSO and CNO numbers use the Canadian URI registry's Ontario licence naming
systems, as Ontario's e-services do. What has no standard system (OHT codes, team and
clinician types, the remaining-capacity extension) is named under PORTAL_FHIR_BASE, a
canonical name for the portal's definitions, not an address that must answer.

References are relative (`Practitioner/12`) and every entry's fullUrl is
`<PORTAL_BASE_URL>/fhir/<type>/<id>`, so each reference resolves within the bundle.
Displays of external code systems are those systems' English designations; text the
portal writes (types, constraints) follows the active language."""

from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clinicians.capacity import CapacityState, with_capacity
from clinicians.choices import (
    AcceptingStatus,
    ClinicianType,
    EntrySource,
    RegistrationBody,
    TeamType,
)
from clinicians.models import Clinician, PracticeLocation, PrimaryCareTeam
from oht_portal.models import OHT

PORTAL_FHIR_BASE = "https://oht-portal.example.org/fhir"
LICENCE_SYSTEMS = {
    RegistrationBody.CPSO: "https://fhir.infoway-inforoute.ca/NamingSystem/ca-on-license-physician",
    RegistrationBody.CNO: "https://fhir.infoway-inforoute.ca/NamingSystem/ca-on-license-nurse",
}
OHT_SYSTEM = f"{PORTAL_FHIR_BASE}/NamingSystem/oht-code"
ORGANIZATION_KIND_SYSTEM = f"{PORTAL_FHIR_BASE}/CodeSystem/organization-kind"
TEAM_TYPE_SYSTEM = f"{PORTAL_FHIR_BASE}/CodeSystem/team-type"
CLINICIAN_TYPE_SYSTEM = f"{PORTAL_FHIR_BASE}/CodeSystem/clinician-type"
REMAINING_CAPACITY_URL = f"{PORTAL_FHIR_BASE}/StructureDefinition/remaining-capacity"

LANGUAGE_SYSTEM = "urn:ietf:bcp:47"
ORGANIZATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/organization-type"
ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/practitioner-role"
SNOMED = "http://snomed.info/sct"
PLAN_NET = "http://hl7.org/fhir/us/davinci-pdex-plan-net"
NEWPATIENTS_URL = f"{PLAN_NET}/StructureDefinition/newpatients"
ACCEPTING_PATIENTS_SYSTEM = f"{PLAN_NET}/CodeSystem/AcceptingPatientsCS"

# The code systems' own designations (not the portal's labels, not translated).
ACCEPTING_DISPLAYS = {
    AcceptingStatus.NOT_ACCEPTING: "Not Accepting",
    AcceptingStatus.ACCEPTING: "Accepting",
    AcceptingStatus.EXISTING_ONLY: "Accepting existing patients",
    AcceptingStatus.EXISTING_AND_FAMILY: "Accepting existing patients and their families",
}
ROLE_CODES = {ClinicianType.FP: ("doctor", "Doctor"), ClinicianType.NP: ("nurse", "Nurse")}
FAMILY_PRACTICE = {"system": SNOMED, "code": "419772000", "display": "Family practice"}
PAEDIATRICS = {"system": SNOMED, "code": "394537008", "display": "Pediatric specialty"}


def _in_practice(entry) -> bool:
    """On the latest report, or entered by the OHT and not listed by the report yet;
    a report entry missing from a newer report is inactive."""
    return entry.on_latest_report or entry.source == EntrySource.LOCAL


def _concept(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _telecom(**points: str) -> list[dict]:
    """ContactPoints for the non-blank values, e.g. `_telecom(phone=..., fax=...)`."""
    return [
        {"system": system, "value": value, "use": "work"}
        for system, value in points.items()
        if value
    ]


def _compact(resource: dict) -> dict:
    """FHIR forbids empty values: drop the keys left blank."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


def _codes(text: str) -> list[str]:
    return list(dict.fromkeys(code for code in text.split(";") if code))


def oht_reference(oht: OHT) -> str:
    return f"Organization/oht-{oht.code}"


def team_reference(team: PrimaryCareTeam) -> str:
    return f"Organization/team-{team.pk}"


def oht_organization(oht: OHT) -> dict:
    return _compact(
        {
            "resourceType": "Organization",
            "id": f"oht-{oht.code}",
            "identifier": [{"system": OHT_SYSTEM, "value": oht.code}],
            "active": True,
            "type": [_concept(ORGANIZATION_KIND_SYSTEM, "OHT", _("Ontario Health Team"))],
            "name": oht.name_en,
            "alias": [oht.name_fr] if oht.name_fr else [],
        }
    )


def team_organization(team: PrimaryCareTeam) -> dict:
    return _compact(
        {
            "resourceType": "Organization",
            "id": f"team-{team.pk}",
            "active": True,
            "type": [
                _concept(ORGANIZATION_TYPE_SYSTEM, "prov", "Healthcare Provider"),
                _concept(TEAM_TYPE_SYSTEM, team.team_type, str(TeamType(team.team_type).label)),
            ],
            "name": team.name,
            "telecom": _telecom(phone=team.phone, email=team.email),
            "partOf": {"reference": oht_reference(team.oht)},
        }
    )


def practitioner(clinician: Clinician) -> dict:
    registration = {
        "use": "official",
        "system": LICENCE_SYSTEMS[clinician.registration_body],
        "value": clinician.registration_number,
    }
    languages = _codes(clinician.languages)
    if clinician.french_language_services and "fr" not in languages:
        languages.append("fr")
    kind = str(ClinicianType(clinician.clinician_type).label)
    return _compact(
        {
            "resourceType": "Practitioner",
            "id": str(clinician.pk),
            "identifier": [registration],
            "active": _in_practice(clinician),
            "name": [
                {
                    "use": "official",
                    "text": clinician.full_name,
                    "family": clinician.family_name,
                    "given": [clinician.given_name],
                }
            ],
            "qualification": [
                {
                    "identifier": [registration],
                    "code": {
                        **_concept(CLINICIAN_TYPE_SYSTEM, clinician.clinician_type, kind),
                        "text": kind,
                    },
                    "issuer": {"display": str(RegistrationBody(clinician.registration_body).label)},
                }
            ],
            "communication": [
                {"coding": [{"system": LANGUAGE_SYSTEM, "code": code}]} for code in languages
            ],
        }
    )


def _postal_code(code: str) -> str:
    """Canada Post's spelling, with the space: M4C 1A1."""
    return f"{code[:3]} {code[3:]}" if len(code) == 6 else code


def location_resource(location: PracticeLocation) -> dict:
    return _compact(
        {
            "resourceType": "Location",
            "id": str(location.pk),
            "status": "active" if _in_practice(location) else "inactive",
            "mode": "instance",
            "name": location.practice_name,
            "telecom": _telecom(phone=location.phone, fax=location.fax, email=location.email),
            "address": {
                "use": "work",
                "type": "physical",
                "line": [location.address],
                "city": location.city,
                "state": "ON",
                "postalCode": _postal_code(location.postal_code),
                "country": "CA",
            },
            "managingOrganization": {"reference": _organization_reference(location)},
        }
    )


def _organization_reference(location: PracticeLocation) -> str:
    return team_reference(location.team) if location.team_id else oht_reference(location.oht)


def _characteristics(declaration) -> str:
    """The declaration's constraints in a sentence, or "" when it has none."""
    parts = []
    low, high = declaration.min_age, declaration.max_age
    if low is not None and high is not None:
        parts.append(_("ages %(low)d to %(high)d") % {"low": low, "high": high})
    elif low is not None:
        parts.append(_("ages %(low)d and over") % {"low": low})
    elif high is not None:
        parts.append(_("ages up to %(high)d") % {"high": high})
    if declaration.languages:
        codes = ", ".join(_codes(declaration.languages))
        parts.append(_("languages: %(codes)s") % {"codes": codes})
    if not declaration.takes_complex:
        parts.append(_("no complex vulnerable patients"))
    if declaration.batch_size:
        parts.append(_("referrals in batches of %(size)d") % {"size": declaration.batch_size})
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def capacity_extensions(location: PracticeLocation) -> list[dict]:
    """`newpatients` and `remaining-capacity` for a fresh declaration; nothing for a
    stale or missing one. `location` must come annotated by `with_capacity`."""
    if location.capacity_state in (CapacityState.UNKNOWN, CapacityState.STALE):
        return []
    declaration = location.current_declaration
    code = declaration.accepting_status
    accepting = {
        "url": "acceptingPatients",
        "valueCodeableConcept": _concept(ACCEPTING_PATIENTS_SYSTEM, code, ACCEPTING_DISPLAYS[code]),
    }
    parts = [accepting]
    characteristics = _characteristics(declaration)
    if code != AcceptingStatus.NOT_ACCEPTING and characteristics:
        parts.append({"url": "characteristics", "valueString": characteristics})
    remaining = location.remaining if location.capacity_state == CapacityState.OPEN else 0
    return [
        {"url": NEWPATIENTS_URL, "extension": parts},
        {"url": REMAINING_CAPACITY_URL, "valueInteger": remaining},
    ]


def practitioner_role(location: PracticeLocation) -> dict:
    clinician = location.clinician
    role_code, role_display = ROLE_CODES[clinician.clinician_type]
    specialties = [FAMILY_PRACTICE, *([PAEDIATRICS] if clinician.paediatrics else [])]
    return _compact(
        {
            "resourceType": "PractitionerRole",
            "id": str(location.pk),
            "extension": capacity_extensions(location),
            "active": _in_practice(location),
            "practitioner": {
                "reference": f"Practitioner/{clinician.pk}",
                "display": clinician.full_name,
            },
            "organization": {"reference": _organization_reference(location)},
            "code": [_concept(ROLE_SYSTEM, role_code, role_display)],
            "specialty": [{"coding": [specialty]} for specialty in specialties],
            "location": [
                {"reference": f"Location/{location.pk}", "display": location.practice_name}
            ],
            "telecom": _telecom(phone=location.phone, fax=location.fax),
        }
    )


def _entry(resource: dict) -> dict:
    full_url = f"{settings.PORTAL_BASE_URL}/fhir/{resource['resourceType']}/{resource['id']}"
    return {"fullUrl": full_url, "resource": resource}


def directory_bundle(*, ohts: QuerySet[OHT], today: date | None = None) -> dict:
    """The directory of `ohts` (already limited to what the caller may see) as one
    Bundle: their organizations and teams, and every practice location with its
    clinician, role and capacity."""
    ohts = list(ohts.order_by("code"))
    locations = list(
        with_capacity(
            PracticeLocation.objects.filter(oht__in=ohts).select_related(
                "clinician", "oht", "team"
            ),
            today,
        ).order_by("pk")
    )
    teams = PrimaryCareTeam.objects.filter(oht__in=ohts).select_related("oht").order_by("pk")
    clinicians = {location.clinician_id: location.clinician for location in locations}.values()
    resources = [
        *(oht_organization(oht) for oht in ohts),
        *(team_organization(team) for team in teams),
        *(practitioner(clinician) for clinician in clinicians),
        *(location_resource(location) for location in locations),
        *(practitioner_role(location) for location in locations),
    ]
    return _compact(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": timezone.now().isoformat(timespec="seconds"),
            "entry": [_entry(resource) for resource in resources],
        }
    )
