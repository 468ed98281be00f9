"""The `hcc_waitlist` extract: patient-level HCC waitlist rows, one OHT or many.

Only the province's columns are written; the OHT's own work lives in other tables and
is never touched. Each file is a complete extract for every OHT with rows in it, so a
patient of such an OHT who is missing from it is marked as off the list (never
deleted). On PostgreSQL rows are COPYed into a staging table and merged with one
`INSERT ... ON CONFLICT ... DO UPDATE ... WHERE` statement; elsewhere a batched
pandas comparison does the same.

The audit of an import is its `ImportRun` (who, when, which file, in the audit trail)
plus one append-only `PatientExtractEvent` per patient it created, changed, took off or
put back on the list: exactly which patients each run touched, written in the same
statement as the change."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from attachment.choices import HCCStatus, PreferredContact
from attachment.models import Patient, PatientExtractEvent, WaitlistSnapshot
from oht_portal.imports import validation as v
from oht_portal.imports.base import ExtractImporter, ImportContext, LoadResult, register
from oht_portal.imports.loading import copy_frame
from oht_portal.models import OHT

# Columns the province owns, in the order they are staged and merged.
HCC_COLUMNS = [
    "hcc_id",
    "oht_id",
    "registration_date",
    "given_name",
    "family_name",
    "date_of_birth",
    "health_card_number",
    "postal_code",
    "fsa",
    "phone",
    "email",
    "preferred_contact",
    "preferred_language",
    "complex_vulnerable",
    "status",
    "status_date",
    "last_verified",
]
TEXT_COLUMNS = [
    "hcc_id",
    "given_name",
    "family_name",
    "health_card_number",
    "postal_code",
    "fsa",
    "phone",
    "email",
    "preferred_contact",
    "preferred_language",
    "status",
]
DATE_COLUMNS = ["registration_date", "date_of_birth", "status_date", "last_verified"]
# Everything but the key is compared to tell a changed row from an unchanged one.
COMPARED_COLUMNS = [c for c in HCC_COLUMNS if c != "hcc_id"]
EARLIEST_BIRTH = pd.Timestamp("1900-01-01")


@register
class WaitlistImporter(ExtractImporter):
    kind = "hcc_waitlist"
    label = "HCC waitlist"
    required_columns = (
        "hcc_id",
        "oht_code",
        "registration_date",
        "given_name",
        "family_name",
        "date_of_birth",
        "postal_code",
        "complex_vulnerable",
        "status",
    )
    optional_columns = (
        "health_card_number",
        "phone",
        "email",
        "preferred_contact",
        "preferred_language",
        "status_date",
        "last_verified",
    )

    # -- validation ------------------------------------------------------------------

    def validate(self, frame: pd.DataFrame, ctx: ImportContext) -> pd.DataFrame:
        self.reject_blank(frame, ctx, self.required_columns)
        out = pd.DataFrame(index=frame.index)

        hcc_id = frame["hcc_id"].str.upper()
        ctx.reject(~hcc_id.str.fullmatch(r"HCC[0-9]{10}"), "hcc_id", "must be HCC and 10 digits")
        first_line = pd.Series(ctx.lines, index=frame.index).groupby(hcc_id).transform("first")
        ctx.reject(
            hcc_id.duplicated(keep="first"),
            "hcc_id",
            "duplicate hcc_id, first at line " + first_line.astype(str),
        )
        out["hcc_id"] = hcc_id
        ctx.keys_in_file = set(hcc_id[hcc_id.str.fullmatch(r"HCC[0-9]{10}")])

        code = frame["oht_code"].str.upper()
        oht_ids = dict(OHT.objects.values_list("code", "pk"))
        ctx.reject(~code.str.fullmatch(r"OHT[0-9]{3}"), "oht_code", "must be OHT and 3 digits")
        ctx.reject(~code.isin(oht_ids), "oht_code", "unknown OHT code (not in the OHT registry)")
        out["oht_id"] = code.map(oht_ids)

        for column, limit in (("given_name", 100), ("family_name", 100)):
            self.reject_too_long(frame, ctx, column, limit)
            out[column] = frame[column]

        registered, ok = v.parse_dates(frame["registration_date"])
        ctx.reject(~ok, "registration_date", "not a date (YYYY-MM-DD)")
        ctx.reject(~v.not_after(registered, ctx.limit_date), "registration_date", "in the future")
        out["registration_date"] = registered

        born, ok = v.parse_dates(frame["date_of_birth"])
        ctx.reject(~ok, "date_of_birth", "not a date (YYYY-MM-DD)")
        ctx.reject(born < EARLIEST_BIRTH, "date_of_birth", "before 1900-01-01")
        ctx.reject(~v.not_after(born, ctx.limit_date), "date_of_birth", "in the future")
        out["date_of_birth"] = born

        postal, ok = v.normalise_postal_code(frame["postal_code"])
        ctx.reject(
            ~ok, "postal_code", "not an Ontario postal code (A1A 1A1, first K, L, M, N or P)"
        )
        out["postal_code"] = postal
        out["fsa"] = postal.str.slice(0, 3)

        complex_vulnerable, ok = v.parse_flags(frame["complex_vulnerable"])
        ctx.reject(~ok, "complex_vulnerable", "not a Y/N flag")
        out["complex_vulnerable"] = complex_vulnerable

        status = frame["status"].str.lower()
        ctx.reject(~status.isin(HCCStatus.values), "status", "must be active, attached or closed")
        out["status"] = status

        # Optional values: an invalid one costs the patient nothing but the value.
        card, ok = v.normalise_health_card(frame["health_card_number"])
        out["health_card_number"] = self._keep_valid(
            ctx, card, ok, "health_card_number", "not a valid Ontario health card number"
        )
        phone, ok = v.normalise_phone(frame["phone"])
        out["phone"] = self._keep_valid(ctx, phone, ok, "phone", "not a 10-digit phone number")
        email = frame["email"]
        out["email"] = self._keep_valid(ctx, email, v.is_email(email), "email", "not an e-mail")
        contact = frame["preferred_contact"].str.lower()
        out["preferred_contact"] = self._keep_valid(
            ctx,
            contact,
            contact.isin(PreferredContact.values),
            "preferred_contact",
            "must be phone, email, text or mail",
        )
        language = frame["preferred_language"].str.lower()
        out["preferred_language"] = self._keep_valid(
            ctx,
            language,
            v.is_language_code(language),
            "preferred_language",
            "not an ISO 639-1 language code",
        )
        for column in ("status_date", "last_verified"):
            parsed, ok = v.parse_dates(frame[column])
            ok &= v.not_after(parsed, ctx.limit_date)
            blank = v.is_blank(frame[column])
            ctx.warn(~blank & ~ok, column, "not a valid past date (YYYY-MM-DD); left blank")
            out[column] = parsed.where(ok)

        self._reject_stale_ohts(out, ctx)
        return out[~ctx.rejected][HCC_COLUMNS]

    @staticmethod
    def _keep_valid(ctx: ImportContext, values: pd.Series, ok: pd.Series, column, reason):
        blank = v.is_blank(values)
        ctx.warn(~blank & ~ok, column, f"{reason}; left blank")
        return values.where(ok | blank, "")

    @staticmethod
    def _reject_stale_ohts(out: pd.DataFrame, ctx: ImportContext) -> None:
        """A file older than the newest one imported for an OHT is refused for that OHT."""
        if ctx.force:
            return
        present = out.loc[~ctx.rejected, "oht_id"].dropna().unique().tolist()
        newest = dict(
            WaitlistSnapshot.objects.filter(oht_id__in=present)
            .values("oht_id")
            .annotate(newest=Max("extract_date"))
            .values_list("oht_id", "newest")
        )
        for oht_id, newest_date in newest.items():
            if ctx.extract_date < newest_date:
                ctx.reject(
                    (out["oht_id"] == oht_id).to_numpy(),
                    "oht_code",
                    f"stale extract: {ctx.extract_date} is older than {newest_date}",
                )

    # -- loading ---------------------------------------------------------------------

    def load(self, clean: pd.DataFrame, ctx: ImportContext) -> LoadResult:
        clean = clean.copy()
        clean["oht_id"] = clean["oht_id"].astype(np.int64)
        if connection.vendor == "postgresql":
            result = self._load_postgresql(clean, ctx)
        else:
            result = self._load_portable(clean, ctx)
        counts = clean.groupby("oht_id").size()
        WaitlistSnapshot.objects.bulk_create(
            WaitlistSnapshot(
                oht_id=int(oht_id),
                extract_date=ctx.extract_date,
                import_run=ctx.run,
                rows=int(rows),
                left_list=result.detail["left_list_by_oht"].get(int(oht_id), 0),
            )
            for oht_id, rows in counts.items()
        )
        result.detail["left_list_by_oht"] = {
            str(k): n for k, n in result.detail["left_list_by_oht"].items()
        }
        result.oht_ids = {int(oht_id) for oht_id in counts.index}
        return result

    def _load_postgresql(self, clean: pd.DataFrame, ctx: ImportContext) -> LoadResult:
        cols = ", ".join(HCC_COLUMNS)
        distinct = " OR ".join(f"p.{c} IS DISTINCT FROM s.{c}" for c in COMPARED_COLUMNS)
        changed_fields = ", ".join(
            f"CASE WHEN p.{c} IS DISTINCT FROM s.{c} THEN '{c}' END" for c in COMPARED_COLUMNS
        )
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COMPARED_COLUMNS)
        params = {
            "run": ctx.run.pk,
            "extract_date": ctx.extract_date,
            "ohts": sorted(set(clean["oht_id"].tolist())),
            "rejected_ids": sorted(ctx.keys_in_file - set(clean["hcc_id"])),
        }
        with connection.cursor() as cursor:
            # ON COMMIT DROP only fires at the outermost commit: inside an enclosing
            # transaction a second import in it would find the last one's tables.
            cursor.execute("DROP TABLE IF EXISTS pg_temp.stg_change, pg_temp.stg_patient")
            cursor.execute(
                f"CREATE TEMP TABLE stg_patient ON COMMIT DROP AS "  # noqa: S608 - fixed names
                f"SELECT {cols} FROM attachment_patient WITH NO DATA"
            )
            copy_frame(cursor, "stg_patient", HCC_COLUMNS, clean, text_columns=TEXT_COLUMNS)
            ctx.report("loading", len(clean) // 2, len(clean))
            cursor.execute("ANALYZE stg_patient")
            # Only new, changed or returning rows go on to the merge.
            cursor.execute(
                f"CREATE TEMP TABLE stg_change ON COMMIT DROP AS "  # noqa: S608
                f"SELECT s.*, p.on_hcc_list AS was_on_list, "
                f"array_remove(ARRAY[{changed_fields}], NULL) AS changed "
                f"FROM stg_patient s LEFT JOIN attachment_patient p ON p.hcc_id = s.hcc_id "
                f"WHERE p.id IS NULL OR NOT p.on_hcc_list OR {distinct}"
            )
            cursor.execute(
                f"""
                WITH merged AS (
                    INSERT INTO attachment_patient
                        ({cols}, on_hcc_list, left_hcc_list_on, created_at, updated_at)
                    SELECT {cols}, true, NULL, now(), now() FROM stg_change
                    ON CONFLICT (hcc_id) DO UPDATE SET {updates},
                        on_hcc_list = true, left_hcc_list_on = NULL, updated_at = now()
                    RETURNING id, hcc_id, oht_id, (xmax = 0) AS inserted
                ), changes AS (
                    SELECT m.id, m.oht_id,
                        CASE WHEN m.inserted THEN 'joined'
                             WHEN NOT c.was_on_list THEN 'returned'
                             ELSE 'updated' END AS change,
                        CASE WHEN m.inserted THEN '[]'::jsonb
                             ELSE to_jsonb(c.changed) END AS fields,
                        m.inserted
                    FROM merged m JOIN stg_change c ON c.hcc_id = m.hcc_id
                ), events AS (
                    INSERT INTO attachment_patientextractevent
                        (patient_id, import_run_id, extract_date, change, fields, recorded_at)
                    SELECT id, %(run)s, %(extract_date)s, change, fields, now() FROM changes
                    RETURNING 1
                )
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
                    (SELECT count(*) FROM events)
                FROM changes
                """,  # noqa: S608 - column names are constants of this module
                params,
            )
            created, updated, _events = cursor.fetchone()
            cursor.execute(
                """
                WITH gone AS (
                    UPDATE attachment_patient p
                    SET on_hcc_list = false, left_hcc_list_on = %(extract_date)s,
                        updated_at = now()
                    WHERE p.oht_id = ANY(%(ohts)s) AND p.on_hcc_list
                      AND NOT EXISTS (SELECT 1 FROM stg_patient s WHERE s.hcc_id = p.hcc_id)
                      AND NOT p.hcc_id = ANY(%(rejected_ids)s)
                    RETURNING p.id, p.oht_id
                ), events AS (
                    INSERT INTO attachment_patientextractevent
                        (patient_id, import_run_id, extract_date, change, fields, recorded_at)
                    SELECT id, %(run)s, %(extract_date)s, 'left', '[]'::jsonb, now() FROM gone
                    RETURNING 1
                )
                SELECT oht_id, count(*), (SELECT count(*) FROM events)
                FROM gone GROUP BY oht_id
                """,  # noqa: S608
                params,
            )
            left = {int(oht_id): int(n) for oht_id, n, _e in cursor.fetchall()}
        unchanged = len(clean) - created - updated
        return LoadResult(
            created=created,
            updated=updated,
            unchanged=unchanged,
            detail={"left_list": sum(left.values()), "left_list_by_oht": left},
        )

    def _load_portable(self, clean: pd.DataFrame, ctx: ImportContext) -> LoadResult:
        """SQLite and other databases: compare with the stored rows in pandas, then bulk
        create and bulk update only what changed."""
        stored = _stored_patients(clean["hcc_id"].tolist())
        merged = clean.merge(stored, on="hcc_id", how="left", suffixes=("", "_old"))
        is_new = merged["id"].isna().to_numpy()
        diffs = {}
        for column in COMPARED_COLUMNS:
            new, old = merged[column], merged[f"{column}_old"]
            if column in DATE_COLUMNS:
                new = pd.to_datetime(new)
                old = pd.to_datetime(old)
            same = (new == old) | (new.isna() & old.isna())
            diffs[column] = ~same.to_numpy() & ~is_new
        changed_any = np.logical_or.reduce(list(diffs.values()))
        returning = ~is_new & (merged["on_hcc_list"] == False).to_numpy()  # noqa: E712
        to_update = ~is_new & (changed_any | returning)

        records = _python_records(merged)
        new_patients = [
            Patient(**{c: rec[c] for c in HCC_COLUMNS})
            for rec, flag in zip(records, is_new, strict=True)
            if flag
        ]
        Patient.objects.bulk_create(new_patients, batch_size=500)
        updated_patients = []
        now = timezone.now()
        for rec, flag in zip(records, to_update, strict=True):
            if flag:
                patient = Patient(pk=int(rec["id"]), **{c: rec[c] for c in HCC_COLUMNS})
                patient.on_hcc_list = True
                patient.left_hcc_list_on = None
                patient.updated_at = now
                updated_patients.append(patient)
        Patient.objects.bulk_update(
            updated_patients,
            [*COMPARED_COLUMNS, "on_hcc_list", "left_hcc_list_on", "updated_at"],
            batch_size=500,
        )

        events = [
            PatientExtractEvent(
                patient_id=p.pk,
                import_run=ctx.run,
                extract_date=ctx.extract_date,
                change=PatientExtractEvent.Change.JOINED,
            )
            for p in new_patients
        ]
        index_of = {rec["hcc_id"]: i for i, rec in enumerate(records)}
        for patient in updated_patients:
            i = index_of[patient.hcc_id]
            events.append(
                PatientExtractEvent(
                    patient_id=patient.pk,
                    import_run=ctx.run,
                    extract_date=ctx.extract_date,
                    change=(
                        PatientExtractEvent.Change.RETURNED
                        if returning[i]
                        else PatientExtractEvent.Change.UPDATED
                    ),
                    fields=[c for c in COMPARED_COLUMNS if diffs[c][i]],
                )
            )

        oht_ids = sorted(set(clean["oht_id"].tolist()))
        in_file = set(clean["hcc_id"]) | ctx.keys_in_file
        gone = [
            (pk, oht_id)
            for pk, hcc_id, oht_id in Patient.objects.filter(
                oht_id__in=oht_ids, on_hcc_list=True
            ).values_list("pk", "hcc_id", "oht_id")
            if hcc_id not in in_file
        ]
        gone_ids = [pk for pk, _oht in gone]
        for start in range(0, len(gone_ids), 500):
            Patient.objects.filter(pk__in=gone_ids[start : start + 500]).update(
                on_hcc_list=False, left_hcc_list_on=ctx.extract_date, updated_at=now
            )
        events += [
            PatientExtractEvent(
                patient_id=pk,
                import_run=ctx.run,
                extract_date=ctx.extract_date,
                change=PatientExtractEvent.Change.LEFT,
            )
            for pk in gone_ids
        ]
        PatientExtractEvent.objects.bulk_create(events, batch_size=1000)

        left: dict[int, int] = {}
        for _pk, oht_id in gone:
            left[oht_id] = left.get(oht_id, 0) + 1
        return LoadResult(
            created=len(new_patients),
            updated=len(updated_patients),
            unchanged=len(clean) - len(new_patients) - len(updated_patients),
            detail={"left_list": len(gone_ids), "left_list_by_oht": left},
        )


def _stored_patients(hcc_ids: list[str]) -> pd.DataFrame:
    fields = ["id", *HCC_COLUMNS, "on_hcc_list"]
    chunks = [
        pd.DataFrame.from_records(
            Patient.objects.filter(hcc_id__in=hcc_ids[start : start + 900]).values_list(*fields),
            columns=fields,
        )
        for start in range(0, len(hcc_ids), 900)
    ]
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=fields)


def _python_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (dates as `date`, missing as None) for the ORM."""
    frame = frame.copy()
    for column in DATE_COLUMNS:
        dates = pd.to_datetime(frame[column])
        frame[column] = pd.Series(
            [d.date() if not pd.isna(d) else None for d in dates], index=frame.index, dtype=object
        )
    frame["oht_id"] = frame["oht_id"].astype(np.int64)
    frame["complex_vulnerable"] = frame["complex_vulnerable"].astype(bool)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
