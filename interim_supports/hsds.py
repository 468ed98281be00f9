"""Exchange of an OHT's interim supports in the Open Referral Human Services Data
Specification, HSDS 3.0: JSON (a list of fully nested `service` objects) and the
tabular form (a zip of CSV files). What one OHT exports, another system or another
portal imports; importing our own export gives back the same data.

Mapping, portal → HSDS (every `id` is the row's `hsds_id`, a UUID):

- organization ← SupportOrganization: id, name, description ← description_en, email,
  website, phones[0].number ← phone; x_oht_portal.description_fr.
- service ← SupportService: id, organization_id and organization (nested), name ←
  name_en, description ← description_en, url, email, status (HSDS "defunct" is read as
  inactive), minimum_age ← min_age, maximum_age ← max_age, eligibility_description ←
  eligibility_en, assured_date ← last_verified_on, last_modified ← updated_at (exported
  only), languages[] ← languages (ISO 639-1, in order), phones[0].number ← phone,
  service_areas[].name ← fsas_served (one area per FSA), cost_options[0]: option ← cost
  (free | ohip | fee), amount_description ← cost_note, currency CAD, amount 0 unless a fee.
- schedule ← SupportHours, on the service: freq WEEKLY, byday MO..SU, opens_at and
  closes_at as "HH:MM" in Ontario's local time (America/Toronto; no UTC offset, since it
  changes with daylight saving time). A closing time at or before the opening time runs
  past midnight into the next day; 00:00–00:00 is the whole day.
- service_at_location + location ← SupportLocation (a location belongs to one service
  here): location id, location_type (physical | virtual), name, url, organization_id,
  addresses[0] (address_1 ← address, city, postal_code, state_province ON, country CA),
  accessibility[0].description ← accessibility.
- x_oht_portal, an extension object on the service for what HSDS has no slot for:
  name_fr, description_fr, eligibility_fr, capacity_note_en, capacity_note_fr,
  support_type, unattached_only, complex_needs, indigenous_led, the access methods
  walk_in, by_appointment, by_phone, online, and province_wide, closed_on_holidays,
  review_every_days. When absent (another system's file) the French texts fall back to
  the English ones, the type to "other" and the flags to the model's defaults.

Rows the portal keeps no id for (schedules, languages, phones, service areas, cost
options, addresses, service_at_location) get UUID v5 ids derived from their parent's
id, so the same data always exports the same ids.

CSV zip: HSDS tabular form, one file per table (see TABLES), UTF-8 with a byte order
mark so spreadsheets show the accents; x_oht_portal keys are columns
`x_oht_portal_<key>` of services.csv (and organizations.csv). A text that starts like
a spreadsheet formula gets a leading apostrophe, taken off again on import.

Import, for one OHT: everything is read and checked first (each problem named with its
file and line, or its item in the JSON, and its field); a file with any problem changes
nothing. Then, in one transaction, organizations, services and locations are created or
updated by id, an imported service's schedules are replaced and its locations become
the ones in the file; services of the OHT missing from the file are left alone. An id
that belongs to another OHT is a problem, never an update. One audit row per import
(and per export) with its counts."""

import csv
import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, time

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from interim_supports.choices import Cost, LocationType, SupportStatus, SupportType
from interim_supports.models import (
    SupportHours,
    SupportLocation,
    SupportOrganization,
    SupportService,
)
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.exports import FORMULA_PREFIXES

EXTENSION = "x_oht_portal"
CSV_EXTENSION_PREFIX = f"{EXTENSION}_"
JSON, CSV_ZIP = "json", "csv"
FORMATS = (JSON, CSV_ZIP)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ISSUES = 200
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

SERVICE_EXTENSION_TEXTS = [
    "name_fr",
    "description_fr",
    "eligibility_fr",
    "capacity_note_en",
    "capacity_note_fr",
]
SERVICE_EXTENSION_FLAGS = {
    # key: default when the file does not say (the model's default)
    "unattached_only": False,
    "complex_needs": False,
    "indigenous_led": False,
    "walk_in": False,
    "by_appointment": False,
    "by_phone": False,
    "online": False,
    "province_wide": False,
    "closed_on_holidays": True,
}
SERVICE_EXTENSION_KEYS = [
    *SERVICE_EXTENSION_TEXTS,
    "support_type",
    *SERVICE_EXTENSION_FLAGS,
    "review_every_days",
]
ORGANIZATION_EXTENSION_KEYS = ["description_fr"]

TABLES = {
    "organizations.csv": [
        "id",
        "name",
        "description",
        "email",
        "website",
        *(CSV_EXTENSION_PREFIX + key for key in ORGANIZATION_EXTENSION_KEYS),
    ],
    "services.csv": [
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "email",
        "status",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "last_modified",
        *(CSV_EXTENSION_PREFIX + key for key in SERVICE_EXTENSION_KEYS),
    ],
    "locations.csv": ["id", "location_type", "url", "name", "organization_id"],
    "addresses.csv": [
        "id",
        "location_id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ],
    "accessibility.csv": ["id", "location_id", "description"],
    "service_at_locations.csv": ["id", "service_id", "location_id"],
    "schedules.csv": ["id", "service_id", "freq", "byday", "opens_at", "closes_at"],
    "languages.csv": ["id", "service_id", "name", "code"],
    "phones.csv": ["id", "organization_id", "service_id", "number", "type"],
    "service_areas.csv": ["id", "service_id", "name"],
    "cost_options.csv": [
        "id",
        "service_id",
        "option",
        "currency",
        "amount",
        "amount_description",
    ],
}
# Columns a file must have when it is in the zip (organizations and services must be).
REQUIRED_COLUMNS = {
    "organizations.csv": ["id", "name"],
    "services.csv": ["id", "organization_id", "name", "status"],
    "locations.csv": ["id", "location_type"],
    "addresses.csv": ["location_id"],
    "accessibility.csv": ["location_id", "description"],
    "service_at_locations.csv": ["service_id", "location_id"],
    "schedules.csv": ["service_id", "byday", "opens_at", "closes_at"],
    "languages.csv": ["service_id", "code"],
    "phones.csv": ["number"],
    "service_areas.csv": ["service_id", "name"],
    "cost_options.csv": ["service_id", "option"],
}
REQUIRED_FILES = ("organizations.csv", "services.csv")


# --- Export -------------------------------------------------------------------------


def _derived_id(parent: uuid.UUID, name: str) -> str:
    """A stable id for a row the portal keeps no id for."""
    return str(uuid.uuid5(parent, name))


def _or_none(value: str) -> str | None:
    return value or None


def _language_name(code: str) -> str:
    return LANG_INFO.get(code, {}).get("name", code)


def _phone(parent: uuid.UUID, number: str, **owner) -> dict:
    return {"id": _derived_id(parent, "phone"), **owner, "number": number, "type": "voice"}


def organization_hsds(organization: SupportOrganization) -> dict:
    org_id = str(organization.hsds_id)
    phones = (
        [_phone(organization.hsds_id, organization.phone, organization_id=org_id)]
        if organization.phone
        else []
    )
    return {
        "id": org_id,
        "name": organization.name,
        "description": organization.description_en,
        "email": _or_none(organization.email),
        "website": _or_none(organization.website),
        "phones": phones,
        EXTENSION: {"description_fr": organization.description_fr},
    }


def location_hsds(location: SupportLocation, organization_id: str) -> dict:
    loc_id = str(location.hsds_id)
    addresses = []
    if location.address or location.city or location.postal_code:
        addresses.append(
            {
                "id": _derived_id(location.hsds_id, "address"),
                "location_id": loc_id,
                "address_1": location.address,
                "city": location.city,
                "state_province": "ON",
                "postal_code": location.postal_code,
                "country": "CA",
                "address_type": "physical",
            }
        )
    accessibility = []
    if location.accessibility:
        accessibility.append(
            {
                "id": _derived_id(location.hsds_id, "accessibility"),
                "location_id": loc_id,
                "description": location.accessibility,
            }
        )
    return {
        "id": loc_id,
        "location_type": location.location_type,
        "url": _or_none(location.url),
        "name": _or_none(location.name),
        "organization_id": organization_id,
        "addresses": addresses,
        "accessibility": accessibility,
    }


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def service_hsds(service: SupportService) -> dict:
    """One HSDS service, fully nested. Expects organization, hours and locations loaded
    with it (`export_queryset`)."""
    service_id = str(service.hsds_id)
    organization_id = str(service.organization.hsds_id)
    schedules, seen = [], set()
    for period in service.hours.all():
        key = f"schedule:{period.weekday}:{_hhmm(period.opens_at)}:{_hhmm(period.closes_at)}"
        if key in seen:  # the same period twice says nothing more
            continue
        seen.add(key)
        schedules.append(
            {
                "id": _derived_id(service.hsds_id, key),
                "service_id": service_id,
                "freq": "WEEKLY",
                "byday": WEEKDAYS[period.weekday],
                "opens_at": _hhmm(period.opens_at),
                "closes_at": _hhmm(period.closes_at),
            }
        )
    service_at_locations = [
        {
            "id": _derived_id(location.hsds_id, "service_at_location"),
            "service_id": service_id,
            "location_id": str(location.hsds_id),
            "location": location_hsds(location, organization_id),
        }
        for location in service.locations.all()
    ]
    extension = {key: getattr(service, key) for key in SERVICE_EXTENSION_KEYS}
    return {
        "id": service_id,
        "organization_id": organization_id,
        "name": service.name_en,
        "description": service.description_en,
        "url": _or_none(service.url),
        "email": _or_none(service.email),
        "status": service.status,
        "eligibility_description": _or_none(service.eligibility_en),
        "minimum_age": service.min_age,
        "maximum_age": service.max_age,
        "assured_date": service.last_verified_on.isoformat(),
        "last_modified": service.updated_at.astimezone(UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "organization": organization_hsds(service.organization),
        "service_at_locations": service_at_locations,
        "schedules": schedules,
        "languages": [
            {
                "id": _derived_id(service.hsds_id, f"language:{code}"),
                "service_id": service_id,
                "name": _language_name(code),
                "code": code,
            }
            for code in dict.fromkeys(service.language_codes())
        ],
        "phones": [_phone(service.hsds_id, service.phone, service_id=service_id)]
        if service.phone
        else [],
        "service_areas": [
            {
                "id": _derived_id(service.hsds_id, f"service_area:{fsa}"),
                "service_id": service_id,
                "name": fsa,
            }
            for fsa in dict.fromkeys(service.fsa_codes())
        ],
        "cost_options": [
            {
                "id": _derived_id(service.hsds_id, "cost_option"),
                "service_id": service_id,
                "option": service.cost,
                "currency": "CAD",
                "amount": None if service.cost == Cost.FEE else 0,
                "amount_description": _or_none(service.cost_note),
            }
        ],
        EXTENSION: extension,
    }


def export_queryset(*, oht):
    """The OHT's own supports (not other OHTs' province-wide ones), in a stable order."""
    return (
        SupportService.objects.filter(oht=oht)
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "hours", queryset=SupportHours.objects.order_by("weekday", "opens_at", "closes_at")
            ),
            Prefetch("locations", queryset=SupportLocation.objects.order_by("pk")),
        )
        .order_by("name_en", "hsds_id")
    )


def hsds_services(*, oht) -> list[dict]:
    return [service_hsds(service) for service in export_queryset(oht=oht)]


def json_bytes(services: list[dict]) -> bytes:
    return (json.dumps(services, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _csv_text(value) -> str:
    """A cell: blank for null, true/false, and a text a spreadsheet will not evaluate
    (see `_csv_value` for the way back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.lstrip("'").startswith(FORMULA_PREFIXES):
        return f"'{text}"
    return text


def _csv_value(text: str) -> str:
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def hsds_tables(services: list[dict]) -> dict[str, list[dict]]:
    """The nested services as HSDS tables (rows of column → value)."""
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    organizations, locations = set(), set()
    for service in services:
        organization = service["organization"]
        if organization["id"] not in organizations:
            organizations.add(organization["id"])
            tables["organizations.csv"].append(_with_extension(organization))
            tables["phones.csv"].extend(organization["phones"])
        tables["services.csv"].append(_with_extension(service))
        for link in service["service_at_locations"]:
            tables["service_at_locations.csv"].append(link)
            location = link["location"]
            if location["id"] not in locations:
                locations.add(location["id"])
                tables["locations.csv"].append(location)
                tables["addresses.csv"].extend(location["addresses"])
                tables["accessibility.csv"].extend(location["accessibility"])
        tables["schedules.csv"].extend(service["schedules"])
        tables["languages.csv"].extend(service["languages"])
        tables["phones.csv"].extend(service["phones"])
        tables["service_areas.csv"].extend(service["service_areas"])
        tables["cost_options.csv"].extend(service["cost_options"])
    return tables


def _with_extension(record: dict) -> dict:
    return record | {
        CSV_EXTENSION_PREFIX + key: value for key, value in record.get(EXTENSION, {}).items()
    }


def csv_zip_bytes(services: list[dict]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in hsds_tables(services).items():
            text = io.StringIO()
            writer = csv.writer(text)
            columns = TABLES[name]
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_csv_text(row.get(column)) for column in columns])
            archive.writestr(name, "\ufeff" + text.getvalue())
    return buffer.getvalue()


@dataclass
class HSDSFile:
    content: bytes
    file_name: str
    content_type: str
    services: int


def hsds_export(*, oht, file_format: str, actor=None, request=None) -> HSDSFile:
    """The OHT's supports as an HSDS file, with one audit row (no patient data in it)."""
    if file_format not in FORMATS:
        raise ValueError(file_format)
    services = hsds_services(oht=oht)
    stamp = timezone.localdate().isoformat()
    if file_format == JSON:
        exported = HSDSFile(
            json_bytes(services),
            f"hsds-{oht.code}-{stamp}.json",
            "application/json",
            len(services),
        )
    else:
        exported = HSDSFile(
            csv_zip_bytes(services),
            f"hsds-{oht.code}-{stamp}.zip",
            "application/zip",
            len(services),
        )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        request=request,
        oht_code=oht.code,
        detail={"export": "hsds", "format": file_format, "services": len(services)},
    )
    return exported


# --- Reading a file -----------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """Where a record came from, to name it in a problem: a CSV file and line, or an
    item of the JSON list and the path inside it."""

    label: str
    path: str = ""
    csv: bool = False

    def at(self, path: str) -> "Where":
        if self.csv:
            return self
        return Where(self.label, f"{self.path}.{path}" if self.path else path)

    @property
    def text(self) -> str:
        return f"{self.label}, {self.path}" if self.path else self.label


def _where_of(record: dict, fallback: Where) -> Where:
    """A CSV row knows its line; a nested JSON object is named by its path."""
    where = record.get("_where")
    return where if isinstance(where, Where) else fallback


@dataclass
class Issue:
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        if self.field:
            return f"{self.where} · {self.field}: {self.message}"
        return f"{self.where}: {self.message}"


class InvalidFile(Exception):
    """The file cannot be read at all (not JSON, not a zip, a table missing)."""

    def __init__(self, issues: list[Issue]):
        super().__init__(issues)
        self.issues = issues


def _file_issue(message: str, where: str = "", field_name: str = "") -> Issue:
    return Issue(where or _("file"), field_name, message)


def read_hsds(data: bytes) -> tuple[str, list[dict]]:
    """The format and the nested services of an uploaded file; raises InvalidFile."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidFile(
            [
                _file_issue(
                    _("The file is over the limit of %(limit)s bytes.")
                    % {"limit": f"{MAX_UPLOAD_BYTES:,}"}
                )
            ]
        )
    if zipfile.is_zipfile(io.BytesIO(data)):
        return CSV_ZIP, read_csv_zip(data)
    return JSON, read_json(data)


def read_json(data: bytes) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidFile([_file_issue(_("The file is neither UTF-8 JSON nor a zip."))]) from None
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        where = _("line %(line)d, column %(column)d") % {
            "line": error.lineno,
            "column": error.colno,
        }
        raise InvalidFile(
            [_file_issue(_("This is not valid JSON (%(reason)s).") % {"reason": error.msg}, where)]
        ) from None
    if isinstance(content, dict) and isinstance(content.get("contents"), list):
        content = content["contents"]  # an HSDS API page
    if not isinstance(content, list):
        raise InvalidFile([_file_issue(_("The JSON must be a list of HSDS services."))])
    services = []
    for number, item in enumerate(content, start=1):
        where = Where(_("item %(number)d") % {"number": number})
        if not isinstance(item, dict):
            raise InvalidFile([Issue(where.text, "", _("An HSDS service must be an object."))])
        item["_where"] = where
        services.append(item)
    return services


def _csv_rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> list[dict]:
    """The rows of one table, each with the line it starts on, its values unescaped."""
    try:
        text = archive.read(info).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidFile([_file_issue(_("The file is not UTF-8 text."), name)]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as error:
        raise InvalidFile([_file_issue(str(error), name)]) from None
    missing = [column for column in REQUIRED_COLUMNS[name] if column not in header]
    if missing:
        raise InvalidFile(
            [
                _file_issue(
                    _("The column is missing from the header line."), f"{name}, line 1", column
                )
                for column in missing
            ]
        )
    rows, line = [], reader.line_num + 1
    try:
        for values in reader:
            if any(value.strip() for value in values):
                row = {
                    column: _csv_value(value) for column, value in zip(header, values, strict=False)
                }
                row["_where"] = Where(
                    _("%(file)s, line %(line)d") % {"file": name, "line": line}, csv=True
                )
                rows.append(row)
            line = reader.line_num + 1
    except csv.Error as error:
        raise InvalidFile(
            [_file_issue(str(error), _("%(file)s, line %(line)d") % {"file": name, "line": line})]
        ) from None
    return rows


def read_csv_zip(data: bytes) -> list[dict]:
    """The tables of an HSDS zip, joined back into nested services."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidFile([_file_issue(_("The zip file cannot be read."))]) from None
    with archive:
        members = {}
        for info in archive.infolist():
            base = info.filename.rsplit("/", 1)[-1]
            if base in TABLES and not info.is_dir():
                if base in members:
                    raise InvalidFile([_file_issue(_("The zip holds this file twice."), base)])
                members[base] = info
        if sum(info.file_size for info in members.values()) > MAX_UNZIPPED_BYTES:
            raise InvalidFile([_file_issue(_("The zip's files are too large once unpacked."))])
        missing = [name for name in REQUIRED_FILES if name not in members]
        if missing:
            raise InvalidFile(
                [_file_issue(_("The zip has no %(file)s.") % {"file": name}) for name in missing]
            )
        tables = {
            name: _csv_rows(archive, info, name) if (info := members.get(name)) else []
            for name in TABLES
        }
    return _nest(tables)


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row.get(key, "").strip(), []).append(row)
    return grouped


def _split_extension(row: dict) -> dict:
    extension = {
        column[len(CSV_EXTENSION_PREFIX) :]: value
        for column, value in row.items()
        if column.startswith(CSV_EXTENSION_PREFIX)
    }
    record = {k: v for k, v in row.items() if not k.startswith(CSV_EXTENSION_PREFIX)}
    if extension:
        record[EXTENSION] = extension
    return record


def _nest(tables: dict[str, list[dict]]) -> list[dict]:
    """Rows of the HSDS tables as nested services, like the JSON. A row pointing at no
    service, or a link to no location, stays visible to the checks."""
    issues = []

    def refers(table: str, column: str, ids: set[str], message: str, *, optional=False):
        for row in tables[table]:
            value = row.get(column, "").strip()
            if (value or not optional) and value not in ids:
                issues.append(Issue(row["_where"].text, column, message))

    ids = {name: {row.get("id", "").strip() for row in tables[name]} for name in TABLES}
    no_service = _("No service in services.csv has this id.")
    for name in [
        "schedules.csv",
        "languages.csv",
        "service_areas.csv",
        "cost_options.csv",
        "service_at_locations.csv",
    ]:
        refers(name, "service_id", ids["services.csv"], no_service)
    refers("phones.csv", "service_id", ids["services.csv"], no_service, optional=True)
    refers(
        "phones.csv",
        "organization_id",
        ids["organizations.csv"],
        _("No organization in organizations.csv has this id."),
        optional=True,
    )
    for name in ["addresses.csv", "accessibility.csv"]:
        refers(
            name,
            "location_id",
            ids["locations.csv"],
            _("No location in locations.csv has this id."),
        )
    for row in tables["phones.csv"]:
        if not row.get("service_id", "").strip() and not row.get("organization_id", "").strip():
            issues.append(
                Issue(
                    row["_where"].text,
                    "service_id",
                    _("A phone belongs to a service or to an organization."),
                )
            )
    if issues:
        raise InvalidFile(issues[:MAX_ISSUES])

    addresses = _by(tables["addresses.csv"], "location_id")
    accessibility = _by(tables["accessibility.csv"], "location_id")
    locations = {}
    for row in tables["locations.csv"]:
        locations[row.get("id", "").strip()] = row | {
            "addresses": addresses.get(row.get("id", "").strip(), []),
            "accessibility": accessibility.get(row.get("id", "").strip(), []),
        }
    org_phones = _by(
        [row for row in tables["phones.csv"] if not row.get("service_id", "").strip()],
        "organization_id",
    )
    organizations = {}
    for row in tables["organizations.csv"]:
        key = row.get("id", "").strip()
        if key in organizations:
            raise InvalidFile([Issue(row["_where"].text, "id", _("This id is used twice."))])
        organizations[key] = _split_extension(row) | {"phones": org_phones.get(key, [])}
    links = _by(tables["service_at_locations.csv"], "service_id")
    children = {
        name: _by(tables[f"{name}.csv"], "service_id")
        for name in ["schedules", "languages", "phones", "service_areas", "cost_options"]
    }
    services = []
    for row in tables["services.csv"]:
        key = row.get("id", "").strip()
        record = _split_extension(row)
        record["organization"] = organizations.get(row.get("organization_id", "").strip())
        record["service_at_locations"] = [
            link | {"location": locations.get(link.get("location_id", "").strip())}
            for link in links.get(key, [])
        ]
        for name, grouped in children.items():
            record[name] = grouped.get(key, [])
        services.append(record)
    return services


# --- Checking -----------------------------------------------------------------------

_FSA = re.compile(r"[A-Z][0-9][A-Z]")
_POSTAL_CODE = re.compile(r"[A-Z][0-9][A-Z][0-9][A-Z][0-9]")
_LANGUAGE = re.compile(r"[a-z]{2}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(:[0-5][0-9])?")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
STATUSES = {**{status: status for status in SupportStatus.values}, "defunct": "inactive"}

# Model field → (HSDS key, in the extension?), to name a model's complaint.
SERVICE_FIELDS = {
    "name_en": ("name", False),
    "description_en": ("description", False),
    "url": ("url", False),
    "email": ("email", False),
    "status": ("status", False),
    "eligibility_en": ("eligibility_description", False),
    "min_age": ("minimum_age", False),
    "max_age": ("maximum_age", False),
    "last_verified_on": ("assured_date", False),
    "phone": ("phones", False),
    "languages": ("languages", False),
    "fsas_served": ("service_areas", False),
    "cost": ("cost_options", False),
    "cost_note": ("cost_options", False),
    **{key: (key, True) for key in SERVICE_EXTENSION_KEYS},
}
ORGANIZATION_FIELDS = {
    "name": ("name", False),
    "description_en": ("description", False),
    "description_fr": ("description_fr", True),
    "website": ("website", False),
    "email": ("email", False),
    "phone": ("phones", False),
}
LOCATION_FIELDS = {
    "location_type": "location_type",
    "name": "name",
    "url": "url",
    "address": "addresses",
    "city": "addresses",
    "postal_code": "addresses",
    "accessibility": "accessibility",
}


@dataclass
class ServicePlan:
    hsds_id: uuid.UUID
    organization_id: uuid.UUID
    values: dict
    locations: list[tuple[uuid.UUID, dict]]
    hours: list[tuple[int, time, time]]


@dataclass
class ImportPlan:
    organizations: dict[uuid.UUID, dict] = field(default_factory=dict)
    services: list[ServicePlan] = field(default_factory=list)


class _Checker:
    """Reads the nested services into an ImportPlan, collecting every problem."""

    def __init__(self, oht):
        self.oht = oht
        self.issues: list[Issue] = []
        self.plan = ImportPlan()
        self.organization_where: dict[uuid.UUID, Where] = {}
        self.service_where: dict[uuid.UUID, Where] = {}
        self.location_where: dict[uuid.UUID, Where] = {}
        self.referenced_organizations: dict[uuid.UUID, Where] = {}
        # A CSV organization is one row shared by its services: checked once.
        self.organization_records: dict[int, uuid.UUID | None] = {}

    # Problems and names ---------------------------------------------------------------

    def problem(self, where: Where, name: str, message: str, *, extension: bool = False):
        if extension:
            name = f"{CSV_EXTENSION_PREFIX}{name}" if where.csv else f"{EXTENSION}.{name}"
        self.issues.append(Issue(where.text, name, message))

    # Readers: JSON values or CSV texts ------------------------------------------------

    def text(self, record: dict, key: str, where: Where, *, extension=False) -> str:
        value = record.get(key)
        if value is None:
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.problem(where, key, _("Expected a text."), extension=extension)
            return ""
        return value

    def required_text(self, record: dict, key: str, where: Where) -> str:
        value = self.text(record, key, where).strip()
        if not value:
            self.problem(where, key, _("This field is required."))
        return value

    def identifier(self, record: dict | None, key: str, where: Where) -> uuid.UUID | None:
        value = self.text(record or {}, key, where).strip()
        if not value:
            self.problem(where, key, _("This field is required."))
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            self.problem(where, key, _("“%(value)s” is not a UUID.") % {"value": value[:40]})
            return None

    def integer(self, record: dict, key: str, where: Where, *, extension=False) -> int | None:
        value = record.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.problem(where, key, _("Expected a whole number."), extension=extension)
            return None
        try:
            number = float(value) if isinstance(value, str) else value
        except ValueError:
            number = None
        if number is None or number != int(number):
            self.problem(where, key, _("Expected a whole number."), extension=extension)
            return None
        return int(number)

    def flag(self, record: dict, key: str, where: Where, default: bool) -> bool:
        value = record.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.problem(where, key, _("Expected true or false."), extension=True)
        return default

    def children(self, record: dict, key: str, where: Where) -> list[tuple[dict, Where]]:
        value = record.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problem(where, key, _("Expected a list of objects."))
            return []
        return [
            (item, _where_of(item, where.at(f"{key}[{index}]"))) for index, item in enumerate(value)
        ]

    def model_errors(self, instance, where: Where, names: dict, exclude: list[str]):
        """The model's own checks (lengths, e-mail and web addresses, choices)."""
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            named = {(issue.where, issue.field) for issue in self.issues}
            for model_field, messages in error.message_dict.items():
                name, extension = names.get(model_field, (model_field, False))
                if extension:
                    name = f"{CSV_EXTENSION_PREFIX}{name}" if where.csv else f"{EXTENSION}.{name}"
                if (where.text, name) in named:
                    continue  # already said, in the exchange's own words
                for message in messages:
                    self.problem(where, name, message)

    # Records --------------------------------------------------------------------------

    def organization(self, record: dict, where: Where) -> uuid.UUID | None:
        if id(record) in self.organization_records:
            return self.organization_records[id(record)]
        key = self.identifier(record, "id", where)
        self.organization_records[id(record)] = key
        extension = record.get(EXTENSION) if isinstance(record.get(EXTENSION), dict) else {}
        phones = self.children(record, "phones", where)
        description_en = self.text(record, "description", where)
        values = {
            "name": self.required_text(record, "name", where),
            "description_en": description_en,
            # Another system's file has no French: the English stands in.
            "description_fr": self.text(extension, "description_fr", where, extension=True)
            if "description_fr" in extension
            else description_en,
            "website": self.text(record, "website", where).strip(),
            "email": self.text(record, "email", where).strip(),
            "phone": self.phone(phones, where),
        }
        self.model_errors(
            SupportOrganization(oht=self.oht, **values),
            where,
            ORGANIZATION_FIELDS,
            exclude=["oht", "hsds_id"],
        )
        if key is None:
            return None
        known = self.plan.organizations.get(key)
        if known is None:
            self.plan.organizations[key] = values
            self.organization_where[key] = where
        elif known != values:
            self.problem(
                where, "id", _("This organization is described differently elsewhere in the file.")
            )
        return key

    def phone(self, phones: list[tuple[dict, Where]], where: Where) -> str:
        """The one phone number the portal keeps: 10 digits (a leading 1 is dropped)."""
        if len(phones) > 1:
            self.problem(where, "phones", _("Only one phone number can be kept."))
        if not phones:
            return ""
        record, at = phones[0]
        number = self.text(record, "number", at).strip()
        digits = re.sub(r"\D", "", number)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if number and len(digits) != 10:
            self.problem(at, "number", _("Expected a 10-digit phone number."))
            return ""
        return digits

    def service(self, record: dict):
        where = _where_of(record, Where("?"))
        key = self.identifier(record, "id", where)
        if key is not None:
            if key in self.service_where:
                self.problem(where, "id", _("This id is used twice."))
            self.service_where[key] = where
        organization_id = self.service_organization(record, where)
        extension = record.get(EXTENSION)
        if extension is None:
            extension = {}
        elif not isinstance(extension, dict):
            self.problem(where, EXTENSION, _("Expected an object."))
            extension = {}
        values = self.service_values(record, extension, where)
        locations = self.service_locations(record, where)
        hours = self.schedules(record, where)
        if None in (key, organization_id):
            return
        self.plan.services.append(ServicePlan(key, organization_id, values, locations, hours))

    def service_organization(self, record: dict, where: Where) -> uuid.UUID | None:
        nested = record.get("organization")
        if isinstance(nested, dict):
            organization_id = self.organization(nested, _where_of(nested, where.at("organization")))
            named = self.text(record, "organization_id", where).strip()
            if organization_id and named and named != str(organization_id):
                self.problem(
                    where, "organization_id", _("It does not match the nested organization's id.")
                )
            return organization_id
        if nested is not None:
            self.problem(where, "organization", _("Expected an object."))
            return None
        organization_id = self.identifier(record, "organization_id", where)
        if organization_id is not None:
            # Not described in the file: it must be one of the OHT's already.
            self.referenced_organizations.setdefault(organization_id, where)
        return organization_id

    def service_values(self, record: dict, extension: dict, where: Where) -> dict:
        status = self.text(record, "status", where).strip().lower()
        if not status:
            self.problem(where, "status", _("This field is required."))
        elif status not in STATUSES:
            self.problem(
                where,
                "status",
                _("“%(value)s” is not one of %(choices)s.")
                % {"value": status[:40], "choices": ", ".join(STATUSES)},
            )
        min_age = self.integer(record, "minimum_age", where)
        max_age = self.integer(record, "maximum_age", where)
        if min_age is not None and max_age is not None and min_age > max_age:
            self.problem(where, "maximum_age", _("The maximum age is below the minimum age."))
        assured = self.text(record, "assured_date", where).strip()
        last_verified_on = None
        if not assured:
            self.problem(where, "assured_date", _("This field is required."))
        else:
            try:
                last_verified_on = date.fromisoformat(assured[:10])
            except ValueError:
                self.problem(where, "assured_date", _("Expected a date as YYYY-MM-DD."))
        name_en = self.required_text(record, "name", where)
        description_en = self.required_text(record, "description", where)
        support_type = self.text(extension, "support_type", where, extension=True).strip()
        if support_type and support_type not in SupportType.values:
            self.problem(
                where,
                "support_type",
                _("“%(value)s” is not one of %(choices)s.")
                % {"value": support_type[:40], "choices": ", ".join(SupportType.values)},
                extension=True,
            )
            support_type = ""
        review = self.integer(extension, "review_every_days", where, extension=True)
        cost, cost_note = self.cost(record, where)
        values = {
            "name_en": name_en,
            "description_en": description_en,
            "url": self.text(record, "url", where).strip(),
            "email": self.text(record, "email", where).strip(),
            "status": STATUSES.get(status, SupportStatus.ACTIVE),
            "eligibility_en": self.text(record, "eligibility_description", where),
            "min_age": min_age,
            "max_age": max_age,
            "last_verified_on": last_verified_on or timezone.localdate(),
            "phone": self.phone(self.children(record, "phones", where), where),
            "languages": self.languages(record, where),
            "fsas_served": self.service_areas(record, where),
            "cost": cost,
            "cost_note": cost_note,
            "support_type": support_type or SupportType.OTHER,
            "review_every_days": 180 if review is None else review,
        }
        texts = {
            key: self.text(extension, key, where, extension=True) for key in SERVICE_EXTENSION_TEXTS
        }
        # Another system's file has no French: the English stands in until staff translate
        # (and a problem with the English is named once, under its own field).
        stand_ins = [key for key in ("name_fr", "description_fr") if not texts[key]]
        if not texts["name_fr"]:
            texts["name_fr"] = self.text(record, "alternate_name", where).strip() or name_en
        if not texts["description_fr"]:
            texts["description_fr"] = description_en
        values |= texts
        values |= {
            key: self.flag(extension, key, where, default)
            for key, default in SERVICE_EXTENSION_FLAGS.items()
        }
        # A missing language is already named above.
        exclude = [
            "oht",
            "organization",
            "hsds_id",
            *stand_ins,
            *([] if values["languages"] else ["languages"]),
        ]
        self.model_errors(SupportService(oht=self.oht, **values), where, SERVICE_FIELDS, exclude)
        return values

    def languages(self, record: dict, where: Where) -> str:
        codes = []
        for item, at in self.children(record, "languages", where):
            code = self.text(item, "code", at).strip().lower()
            if not _LANGUAGE.fullmatch(code):
                self.problem(at, "code", _("Expected a two-letter ISO 639-1 language code."))
            elif code not in codes:
                codes.append(code)
        if not codes and not record.get("languages"):
            self.problem(where, "languages", _("At least one language is required."))
        return ";".join(codes)

    def service_areas(self, record: dict, where: Where) -> str:
        fsas = []
        for item, at in self.children(record, "service_areas", where):
            fsa = self.text(item, "name", at).strip().upper()
            if not _FSA.fullmatch(fsa):
                self.problem(at, "name", _("Expected a forward sortation area (FSA) like M4C."))
            elif fsa not in fsas:
                fsas.append(fsa)
        return ";".join(fsas)

    def cost(self, record: dict, where: Where) -> tuple[str, str]:
        options = self.children(record, "cost_options", where)
        if not options:
            return Cost.OHIP, ""
        if len(options) > 1:
            self.problem(where, "cost_options", _("Only one cost option can be kept."))
        item, at = options[0]
        option = self.text(item, "option", at).strip().lower()
        if option not in Cost.values:
            self.problem(
                at,
                "option",
                _("“%(value)s” is not one of %(choices)s.")
                % {"value": option[:40], "choices": ", ".join(Cost.values)},
            )
            option = Cost.OHIP
        return option, self.text(item, "amount_description", at)

    def schedules(self, record: dict, where: Where) -> list[tuple[int, time, time]]:
        hours = []
        for item, at in self.children(record, "schedules", where):
            freq = self.text(item, "freq", at).strip().upper()
            if freq != "WEEKLY":
                self.problem(at, "freq", _("Only WEEKLY schedules can be read."))
            days = [day.strip().upper() for day in self.text(item, "byday", at).split(",")]
            if not any(days):
                self.problem(at, "byday", _("This field is required."))
                continue
            unknown = [day for day in days if day not in WEEKDAYS]
            if unknown:
                self.problem(
                    at,
                    "byday",
                    _("“%(value)s” is not a day: use MO, TU, WE, TH, FR, SA or SU.")
                    % {"value": ",".join(unknown)[:40]},
                )
                continue
            opens, closes = self.time_of(item, "opens_at", at), self.time_of(item, "closes_at", at)
            if opens is None or closes is None:
                continue
            for day in days:
                period = (WEEKDAYS.index(day), opens, closes)
                if period not in hours:
                    hours.append(period)
        return hours

    def time_of(self, record: dict, key: str, where: Where) -> time | None:
        value = self.text(record, key, where).strip()
        match = _TIME.fullmatch(value)
        if not match:
            self.problem(where, key, _("Expected a time as HH:MM (00:00 to 23:59)."))
            return None
        return time(int(match.group(1)), int(match.group(2)))

    def service_locations(self, record: dict, where: Where) -> list[tuple[uuid.UUID, dict]]:
        locations = []
        for link, at in self.children(record, "service_at_locations", where):
            location = link.get("location")
            if not isinstance(location, dict):
                self.problem(at, "location_id", _("No location in the file has this id."))
                continue
            located = _where_of(location, at.at("location"))
            key = self.identifier(location, "id", located)
            values = self.location_values(location, located)
            if key is None:
                continue
            if key in self.location_where:
                self.problem(
                    located, "id", _("A location can belong to only one service in the portal.")
                )
            self.location_where[key] = located
            locations.append((key, values))
        return locations

    def location_values(self, record: dict, where: Where) -> dict:
        kind = self.text(record, "location_type", where).strip().lower()
        if kind not in LocationType.values:
            self.problem(
                where,
                "location_type",
                _("“%(value)s” is not one of %(choices)s.")
                % {"value": kind[:40], "choices": ", ".join(LocationType.values)},
            )
            kind = LocationType.PHYSICAL
        values = {
            "location_type": kind,
            "name": self.text(record, "name", where).strip(),
            "url": self.text(record, "url", where).strip(),
            "address": "",
            "city": "",
            "postal_code": "",
            "accessibility": "",
        }
        addresses = self.children(record, "addresses", where)
        if len(addresses) > 1:
            self.problem(where, "addresses", _("Only one address can be kept."))
        if addresses:
            address, at = addresses[0]
            postal_code = re.sub(r"\s", "", self.text(address, "postal_code", at)).upper()
            if postal_code and not _POSTAL_CODE.fullmatch(postal_code):
                self.problem(at, "postal_code", _("Expected a postal code like M4C 1A1."))
            values |= {
                "address": self.text(address, "address_1", at).strip(),
                "city": self.text(address, "city", at).strip(),
                "postal_code": postal_code,
            }
        notes = self.children(record, "accessibility", where)
        if len(notes) > 1:
            self.problem(where, "accessibility", _("Only one accessibility note can be kept."))
        if notes:
            note, at = notes[0]
            values["accessibility"] = self.text(note, "description", at).strip()
        self.model_errors(
            SupportLocation(**values),
            where,
            {name: (hsds, False) for name, hsds in LOCATION_FIELDS.items()},
            exclude=["service", "hsds_id"],
        )
        return values

    # Against the database -------------------------------------------------------------

    def check_ownership(self):
        """An id of another OHT's row is refused; so is a second organization name."""
        another_oht = _("This id belongs to another OHT.")
        organizations = SupportOrganization.objects.filter(
            hsds_id__in=set(self.organization_where) | set(self.referenced_organizations)
        )
        owner = dict(organizations.values_list("hsds_id", "oht_id"))
        for hsds_id, where in self.organization_where.items():
            if owner.get(hsds_id, self.oht.pk) != self.oht.pk:
                self.problem(where, "id", another_oht)
        for hsds_id, where in self.referenced_organizations.items():
            if hsds_id in self.organization_where:
                continue
            if hsds_id not in owner:
                self.problem(
                    where,
                    "organization_id",
                    _("No organization has this id, in the file or in this OHT."),
                )
            elif owner[hsds_id] != self.oht.pk:
                self.problem(where, "organization_id", another_oht)
        for hsds_id in (
            SupportService.objects.filter(hsds_id__in=self.service_where)
            .exclude(oht=self.oht)
            .values_list("hsds_id", flat=True)
        ):
            self.problem(self.service_where[hsds_id], "id", another_oht)
        for hsds_id in (
            SupportLocation.objects.filter(hsds_id__in=self.location_where)
            .exclude(service__oht=self.oht)
            .values_list("hsds_id", flat=True)
        ):
            self.problem(self.location_where[hsds_id], "id", another_oht)
        names: dict[str, uuid.UUID] = {}
        for hsds_id, values in self.plan.organizations.items():
            name = values["name"]
            if name in names:
                self.problem(
                    self.organization_where[hsds_id],
                    "name",
                    _("Two organizations in the file have this name."),
                )
            names[name] = hsds_id
        taken = SupportOrganization.objects.filter(oht=self.oht, name__in=names).exclude(
            hsds_id__in=self.plan.organizations
        )
        for name in taken.values_list("name", flat=True):
            self.problem(
                self.organization_where[names[name]],
                "name",
                _("Another organization of this OHT already has this name."),
            )


# --- Import -------------------------------------------------------------------------


@dataclass
class ImportResult:
    file_format: str = ""
    issues: list[Issue] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.issues


def _tally() -> dict:
    return {"created": 0, "updated": 0, "unchanged": 0}


def _upsert(model, existing: dict, hsds_id: uuid.UUID, values: dict, tally: dict, **fixed):
    row = existing.get(hsds_id)
    if row is None:
        tally["created"] += 1
        return model.objects.create(hsds_id=hsds_id, **fixed, **values)
    changed = [name for name, value in (fixed | values).items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, (fixed | values)[name])
        row.save()
        tally["updated"] += 1
    else:
        tally["unchanged"] += 1
    return row


def _apply(plan: ImportPlan, oht) -> dict:
    counts = {
        "organizations": _tally(),
        "services": _tally(),
        "locations": _tally() | {"removed": 0},
        "schedules": 0,
    }
    existing = SupportOrganization.objects.in_bulk(list(plan.organizations), field_name="hsds_id")
    organizations = {
        hsds_id: _upsert(
            SupportOrganization, existing, hsds_id, values, counts["organizations"], oht=oht
        )
        for hsds_id, values in plan.organizations.items()
    }
    referenced = {item.organization_id for item in plan.services} - set(organizations)
    organizations |= SupportOrganization.objects.filter(oht=oht).in_bulk(
        list(referenced), field_name="hsds_id"
    )
    services = SupportService.objects.in_bulk(
        [item.hsds_id for item in plan.services], field_name="hsds_id"
    )
    locations = SupportLocation.objects.in_bulk(
        [key for item in plan.services for key, _values in item.locations], field_name="hsds_id"
    )
    for item in plan.services:
        service = _upsert(
            SupportService,
            services,
            item.hsds_id,
            item.values,
            counts["services"],
            oht=oht,
            organization=organizations[item.organization_id],
        )
        kept = []
        for hsds_id, values in item.locations:
            _upsert(
                SupportLocation, locations, hsds_id, values, counts["locations"], service=service
            )
            kept.append(hsds_id)
        removed, _detail = (
            SupportLocation.objects.filter(service=service).exclude(hsds_id__in=kept).delete()
        )
        counts["locations"]["removed"] += removed
        service.hours.all().delete()
        SupportHours.objects.bulk_create(
            SupportHours(service=service, weekday=weekday, opens_at=opens, closes_at=closes)
            for weekday, opens, closes in item.hours
        )
        counts["schedules"] += len(item.hours)
    return counts


def hsds_check(*, oht, data: bytes) -> tuple[str, ImportPlan | None, list[Issue]]:
    """Read and check a file for `oht` without writing anything."""
    try:
        file_format, services = read_hsds(data)
    except InvalidFile as error:
        return "", None, error.issues[:MAX_ISSUES]
    checker = _Checker(oht)
    for record in services:
        checker.service(record)
    checker.check_ownership()
    return file_format, checker.plan, checker.issues[:MAX_ISSUES]


def hsds_import(*, oht, data: bytes, actor=None, request=None) -> ImportResult:
    """Import an HSDS JSON or CSV zip into `oht`'s directory: all of it or, at the
    first problem found, none of it. The caller decides who may import for `oht`."""
    file_format, plan, issues = hsds_check(oht=oht, data=data)
    result = ImportResult(file_format=file_format, issues=issues)
    if not issues:
        try:
            with transaction.atomic():
                result.counts = _apply(plan, oht)
                audit_record(
                    actor=actor,
                    action=AuditAction.IMPORT,
                    request=request,
                    oht_code=oht.code,
                    detail={"import": "hsds", "format": file_format, "counts": result.counts},
                )
            return result
        except IntegrityError:
            # Two imports at once can still collide on a name or an id.
            result.issues = [_file_issue(_("The file conflicts with data saved meanwhile."))]
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        request=request,
        oht_code=oht.code,
        outcome=AuditOutcome.ERROR,
        detail={"import": "hsds", "format": file_format, "problems": len(result.issues)},
    )
    return result
