"""The `clinician_contacts` extract: the Physician Business Contact Report.

One row per clinician and practice location. Only the report's own columns are
written; what the OHT records locally about a clinician is never touched. The report
is complete for every OHT that has rows in it, so a location of such an OHT that is
missing from it is marked off the report, and so is its clinician once none of their
locations is left on it (flagged for review, never deleted).

A few tens of thousands of rows province-wide: the merge is a pandas comparison with
the stored rows followed by bulk creates and updates, the same on every database."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils import timezone

from clinicians.choices import ClinicianType, EntrySource, RegistrationBody
from clinicians.models import Clinician, PracticeLocation
from oht_portal.imports import validation as v
from oht_portal.imports.base import ExtractImporter, ImportContext, LoadResult, register
from oht_portal.models import OHT

CLINICIAN_KEY = ["registration_body", "registration_number"]
LOCATION_KEY = ["clinician_id", "name_key", "postal_code"]
# The report's columns as stored, compared to tell a changed row from an unchanged one.
CLINICIAN_FIELDS = ["clinician_type", "given_name", "family_name", "email", "languages"]
LOCATION_FIELDS = [
    "oht_id",
    "practice_name",
    "address",
    "city",
    "fsa",
    "phone",
    "fax",
    "email",
    "languages",
]
# Stored state read to tell a returning row (back on the report) from an adopted one
# (entered locally by the OHT, now listed by the report).
STATE_FIELDS = ["on_latest_report", "source"]
CLEAN_COLUMNS = [
    *CLINICIAN_KEY,
    "clinician_type",
    "given_name",
    "family_name",
    "practice_name",
    "name_key",
    "address",
    "city",
    "postal_code",
    "fsa",
    "phone",
    "fax",
    "email",
    "languages",
    "oht_id",
]
# Combining diacritical marks (and their supplements) left behind by NFKD.
_COMBINING_MARKS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
# SQLite allows 999 parameters per statement in older builds; stay under it.
_CHUNK = 900


def practice_name_key(names: pd.Series) -> pd.Series:
    """The identity form of a practice name: lower case, accents stripped, every run of
    characters other than letters and digits made one space, trimmed. "Clinique
    Médicale St-Roch" and "CLINIQUE MEDICALE ST ROCH" are the same practice."""
    return (
        names.str.normalize("NFKD")
        .str.replace(_COMBINING_MARKS, "", regex=True)
        .str.lower()
        .str.replace(r"[\W_]+", " ", regex=True)
        .str.strip()
    )


@register
class ClinicianContactsImporter(ExtractImporter):
    kind = "clinician_contacts"
    label = "Physician Business Contact Report"
    required_columns = (
        "registration_body",
        "registration_number",
        "clinician_type",
        "given_name",
        "family_name",
        "practice_name",
        "practice_address",
        "city",
        "postal_code",
        "oht_code",
    )
    optional_columns = ("phone", "fax", "email", "languages")

    # -- validation ------------------------------------------------------------------

    def validate(self, frame: pd.DataFrame, ctx: ImportContext) -> pd.DataFrame:
        self.reject_blank(frame, ctx, self.required_columns)
        out = pd.DataFrame(index=frame.index)

        body = frame["registration_body"].str.upper()
        ctx.reject(~body.isin(RegistrationBody.values), "registration_body", "must be CPSO or CNO")
        out["registration_body"] = body
        number = frame["registration_number"]
        ctx.reject(
            ~number.str.fullmatch(r"[0-9]{4,7}"), "registration_number", "must be 4 to 7 digits"
        )
        out["registration_number"] = number
        kind = frame["clinician_type"].str.upper()
        ctx.reject(~kind.isin(ClinicianType.values), "clinician_type", "must be FP or NP")
        out["clinician_type"] = kind

        for column, limit in (("given_name", 100), ("family_name", 100)):
            self.reject_too_long(frame, ctx, column, limit)
            out[column] = frame[column]

        self.reject_too_long(frame, ctx, "practice_name", 200)
        name_key = practice_name_key(frame["practice_name"])
        ctx.reject(name_key == "", "practice_name", "holds no letter or digit")
        ctx.reject(name_key.str.len() > 255, "practice_name", "too long once normalised")
        out["practice_name"] = frame["practice_name"]
        out["name_key"] = name_key

        self.reject_too_long(frame, ctx, "practice_address", 200)
        out["address"] = frame["practice_address"]
        self.reject_too_long(frame, ctx, "city", 100)
        out["city"] = frame["city"]

        postal, ok = v.normalise_postal_code(frame["postal_code"])
        ctx.reject(
            ~ok, "postal_code", "not an Ontario postal code (A1A 1A1, first K, L, M, N or P)"
        )
        out["postal_code"] = postal
        out["fsa"] = postal.str.slice(0, 3)

        code = frame["oht_code"].str.upper()
        oht_ids = dict(OHT.objects.values_list("code", "pk"))
        ctx.reject(~code.str.fullmatch(r"OHT[0-9]{3}"), "oht_code", "must be OHT and 3 digits")
        ctx.reject(~code.isin(oht_ids), "oht_code", "unknown OHT code (not in the OHT registry)")
        out["oht_id"] = code.map(oht_ids)

        self._reject_duplicate_locations(out, ctx)

        # Optional values, checked last so that a rejected row gets no warnings: an
        # invalid one costs the row nothing but the value.
        phone, ok = v.normalise_phone(frame["phone"])
        out["phone"] = self._keep_valid(
            ctx, frame, phone, ok, "phone", "not a 10-digit phone number"
        )
        fax, ok = v.normalise_phone(frame["fax"])
        out["fax"] = self._keep_valid(ctx, frame, fax, ok, "fax", "not a 10-digit fax number")
        email = frame["email"]
        out["email"] = self._keep_valid(
            ctx, frame, email, v.is_email(email), "email", "not an e-mail"
        )
        languages, ok = v.code_list(frame["languages"], v.ISO_639_1)
        out["languages"] = self._keep_valid(
            ctx, frame, languages, ok, "languages", "holds a code that is not ISO 639-1"
        )
        return out[~ctx.rejected][CLEAN_COLUMNS]

    @staticmethod
    def _reject_duplicate_locations(out: pd.DataFrame, ctx: ImportContext) -> None:
        """A second row for the same clinician, practice name key and postal code. Only
        rows still accepted take part, so "first at line N" names a row that is kept."""
        identity = (
            out["registration_body"]
            + "|"
            + out["registration_number"]
            + "|"
            + out["postal_code"]
            + "|"
            + out["name_key"]
        ).where(~ctx.rejected)
        duplicate = identity.duplicated(keep="first") & identity.notna()
        lines = pd.Series(ctx.lines, index=out.index)
        first_line = lines.groupby(identity).transform("first").fillna(0).astype(np.int64)
        ctx.reject(
            duplicate,
            "practice_name",
            "duplicate practice location, first at line " + first_line.astype(str),
        )

    @staticmethod
    def _keep_valid(ctx, frame, values: pd.Series, ok: pd.Series, column: str, reason: str):
        blank = v.is_blank(frame[column])
        ctx.warn(~blank & ~ok, column, f"{reason}; left blank")
        return values.where(ok & ~blank, "")

    # -- loading ---------------------------------------------------------------------

    def load(self, clean: pd.DataFrame, ctx: ImportContext) -> LoadResult:
        rows = clean.reset_index(drop=True)
        rows["oht_id"] = rows["oht_id"].astype(np.int64)
        now = timezone.now()

        clinicians = self._upsert_clinicians(rows, now)
        ctx.report("loading", len(rows) // 2, len(rows))
        rows = rows.merge(clinicians, on=CLINICIAN_KEY, how="left", validate="many_to_one")
        rows["clinician_id"] = rows["clinician_id"].astype(np.int64)
        locations_new, locations_touched, locations_back = self._upsert_locations(rows, now)

        # Counted per row, so that read = created + updated + unchanged + rejected: a row
        # is created when its location is new, updated when its location or its
        # clinician changed (or came back on the report), else unchanged.
        clinician_touched = rows["clinician_changed"].to_numpy(dtype=bool)
        created = int(locations_new.sum())
        updated = int((~locations_new & (locations_touched | clinician_touched)).sum())

        oht_ids = sorted({int(oht_id) for oht_id in rows["oht_id"].unique()})
        locations_flagged = self._flag_missing_locations(rows, oht_ids, ctx, now)
        # A clinician of these OHTs with no location left on the report is missing from
        # it; one who still practises on the report elsewhere (another OHT) is not.
        clinicians_flagged = Clinician.objects.filter(
            pk__in=Clinician.objects.filter(on_latest_report=True, locations__oht_id__in=oht_ids)
            .exclude(locations__on_latest_report=True)
            .values("pk")
        ).update(
            on_latest_report=False,
            missing_from_report_since=ctx.extract_date,
            needs_review=True,
            updated_at=now,
        )
        clinicians_back = int(clinicians["clinician_returned"].sum())
        return LoadResult(
            created=created,
            updated=updated,
            unchanged=len(rows) - created - updated,
            oht_ids=set(oht_ids),
            detail={
                "clinicians_flagged": clinicians_flagged,
                "locations_flagged": locations_flagged,
                "clinicians_back_on_report": clinicians_back,
                "locations_back_on_report": int(locations_back.sum()),
            },
        )

    @staticmethod
    def _upsert_clinicians(rows: pd.DataFrame, now) -> pd.DataFrame:
        """Create new clinicians and update changed or returning ones. Returns, per
        clinician key, its id, whether it changed (or came back on the report) and
        whether it came back."""
        values = _clinician_values(rows)
        numbers = values["registration_number"].unique().tolist()
        stored_fields = ["id", *CLINICIAN_KEY, *CLINICIAN_FIELDS, *STATE_FIELDS]
        stored = _stored(Clinician.objects.all(), "registration_number", numbers, stored_fields)
        merged = values.merge(stored, on=CLINICIAN_KEY, how="left", suffixes=("", "_old"))
        is_new = merged["id"].isna().to_numpy()
        differs = _differs(merged, CLINICIAN_FIELDS)
        returned, adopted = _returned_and_adopted(merged, is_new)
        to_update = ~is_new & (differs | returned | adopted)

        _write_report_rows(
            Clinician, merged, CLINICIAN_KEY, CLINICIAN_FIELDS, is_new, to_update, now
        )
        ids = _stored(
            Clinician.objects.all(), "registration_number", numbers, ["id", *CLINICIAN_KEY]
        )
        result = values[CLINICIAN_KEY].merge(ids, on=CLINICIAN_KEY, how="left")
        result = result.rename(columns={"id": "clinician_id"})
        result["clinician_changed"] = to_update
        result["clinician_returned"] = returned
        return result

    @staticmethod
    def _upsert_locations(rows: pd.DataFrame, now) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Create new locations and update changed or returning ones. Returns, per row,
        whether its location is new, changed (or returning), and returning."""
        clinician_ids = rows["clinician_id"].unique().tolist()
        stored_fields = ["id", *LOCATION_KEY, *LOCATION_FIELDS, *STATE_FIELDS]
        stored = _stored(
            PracticeLocation.objects.all(), "clinician_id", clinician_ids, stored_fields
        )
        stored["clinician_id"] = stored["clinician_id"].astype(np.int64)
        merged = rows.merge(
            stored, on=LOCATION_KEY, how="left", suffixes=("", "_old"), validate="one_to_one"
        )
        is_new = merged["id"].isna().to_numpy()
        differs = _differs(merged, LOCATION_FIELDS)
        returned, adopted = _returned_and_adopted(merged, is_new)
        to_update = ~is_new & (differs | returned | adopted)

        _write_report_rows(
            PracticeLocation, merged, LOCATION_KEY, LOCATION_FIELDS, is_new, to_update, now
        )
        return is_new, to_update, returned

    @staticmethod
    def _flag_missing_locations(rows: pd.DataFrame, oht_ids: list[int], ctx, now) -> int:
        """Locations of the file's OHTs that were on the report and are not in this one."""
        in_file = set(rows[LOCATION_KEY].itertuples(index=False, name=None))
        gone = [
            pk
            for pk, *identity in PracticeLocation.objects.filter(
                oht_id__in=oht_ids, on_latest_report=True
            ).values_list("pk", *LOCATION_KEY)
            if tuple(identity) not in in_file
        ]
        for start in range(0, len(gone), _CHUNK):
            PracticeLocation.objects.filter(pk__in=gone[start : start + _CHUNK]).update(
                on_latest_report=False, missing_from_report_since=ctx.extract_date, updated_at=now
            )
        return len(gone)


def _clinician_values(rows: pd.DataFrame) -> pd.DataFrame:
    """One set of report values per clinician, the same whatever the order of the rows
    (a reordered file must change nothing): name and type from the clinician's first
    location in (postal code, practice name key) order, the first e-mail given in that
    order, and the languages of all their locations, each code once."""
    ordered = rows.sort_values([*CLINICIAN_KEY, "postal_code", "name_key"], kind="stable")
    ordered = ordered.assign(email=ordered["email"].where(ordered["email"] != ""))
    grouped = ordered.groupby(CLINICIAN_KEY, sort=False)
    values = grouped[["clinician_type", "given_name", "family_name", "email"]].first()
    values["email"] = values["email"].fillna("")
    values["languages"] = grouped["languages"].agg(_union_of_codes)
    return values.reset_index()[[*CLINICIAN_KEY, *CLINICIAN_FIELDS]]


def _union_of_codes(lists: pd.Series) -> str:
    codes = (code for text in lists for code in text.split(";") if code)
    return ";".join(dict.fromkeys(codes))


def _stored(queryset, lookup: str, keys: list, fields: list[str]) -> pd.DataFrame:
    """Stored rows whose `lookup` is in `keys`, as a frame, fetched in chunks."""
    chunks = [
        pd.DataFrame.from_records(
            list(
                queryset.filter(**{f"{lookup}__in": keys[start : start + _CHUNK]}).values_list(
                    *fields
                )
            ),
            columns=fields,
        )
        for start in range(0, len(keys), _CHUNK)
    ]
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=fields)


def _differs(merged: pd.DataFrame, fields: list[str]) -> np.ndarray:
    """Rows whose new value differs from the stored one (`<field>_old`) in any field."""
    differs = np.zeros(len(merged), dtype=bool)
    for field in fields:
        differs |= (merged[field] != merged[f"{field}_old"]).to_numpy()
    return differs


def _returned_and_adopted(merged: pd.DataFrame, is_new: np.ndarray):
    """Stored rows the report lists again after missing them, and local entries it
    lists for the first time."""
    local = merged["source"].eq(EntrySource.LOCAL).to_numpy()
    off_report = merged["on_latest_report"].isin([False]).to_numpy()
    return ~is_new & off_report & ~local, ~is_new & local


def _write_report_rows(model, merged, key, fields, is_new, to_update, now) -> None:
    """Bulk-create the new rows and bulk-update the changed, returning or adopted ones,
    which are the report's from now on."""
    records = merged[["id", *key, *fields]].to_dict("records")
    model.objects.bulk_create(
        [
            model(**{c: rec[c] for c in (*key, *fields)})
            for rec, new in zip(records, is_new, strict=True)
            if new
        ],
        batch_size=500,
    )
    model.objects.bulk_update(
        [
            model(
                pk=int(rec["id"]),
                **{c: rec[c] for c in fields},
                on_latest_report=True,
                missing_from_report_since=None,
                source=EntrySource.REPORT,
                updated_at=now,
            )
            for rec, update in zip(records, to_update, strict=True)
            if update
        ],
        [*fields, "on_latest_report", "missing_from_report_since", "source", "updated_at"],
        batch_size=500,
    )
