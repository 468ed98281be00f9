"""The `hcc_fsa_summary` extract: the dashboard's quarterly waitlist figures by OHT and FSA.

Each row carries its own extract date. A file is complete for every (extract date,
OHT) pair it has rows for, so a later file for the same date replaces that pair's
stored figures, FSAs it no longer lists included. A few thousand rows province-wide:
bulk ORM operations on every database."""

from __future__ import annotations

import pandas as pd

from oht_portal.imports import validation as v
from oht_portal.imports.base import ExtractImporter, ImportContext, LoadResult, register
from oht_portal.models import OHT
from reporting.models import FSASummary

COUNT_COLUMNS = [
    "active_patients",
    "active_complex_vulnerable",
    "wait_0_6m",
    "wait_6_12m",
    "wait_12_24m",
    "wait_24m_plus",
]
WAIT_COLUMNS = ["wait_0_6m", "wait_6_12m", "wait_12_24m", "wait_24m_plus"]
# The largest value a PositiveIntegerField holds on every database.
MAX_COUNT = 2_147_483_647
BATCH = 500


@register
class FSASummaryImporter(ExtractImporter):
    kind = "hcc_fsa_summary"
    label = "HCC summary by FSA"
    required_columns = ("extract_date", "oht_code", "fsa", *COUNT_COLUMNS)

    def validate(self, frame: pd.DataFrame, ctx: ImportContext) -> pd.DataFrame:
        self.reject_blank(frame, ctx, self.required_columns)
        out = pd.DataFrame(index=frame.index)

        # Each row names the date its figures describe; only "not after today" applies,
        # since one file may carry several quarters.
        extract_date, ok = v.parse_dates(frame["extract_date"])
        ctx.reject(~ok, "extract_date", "not a date (YYYY-MM-DD)")
        ctx.reject(~v.not_after(extract_date, ctx.today), "extract_date", "in the future")
        out["extract_date"] = extract_date

        code = frame["oht_code"].str.upper()
        oht_ids = dict(OHT.objects.values_list("code", "pk"))
        ctx.reject(~code.str.fullmatch(r"OHT[0-9]{3}"), "oht_code", "must be OHT and 3 digits")
        ctx.reject(~code.isin(oht_ids), "oht_code", "unknown OHT code (not in the OHT registry)")
        out["oht_id"] = code.map(oht_ids)

        fsa, fsa_ok = v.normalise_fsa(frame["fsa"])
        ctx.reject(
            ~fsa_ok, "fsa", "not an Ontario FSA (letter digit letter, first K, L, M, N or P)"
        )
        out["fsa"] = fsa

        for column in COUNT_COLUMNS:
            text = frame[column]
            whole = text.str.fullmatch(r"[0-9]+")
            ctx.reject(~whole, column, "not a whole number ≥ 0")
            # At most 10 significant digits fit int64 safely; anything bigger is too large.
            significant = text.where(whole, "0").str.lstrip("0")
            fits = significant.str.len() <= 10
            number = pd.to_numeric(significant.where(fits & (significant != ""), "0"))
            ctx.reject(~fits | (number > MAX_COUNT), column, f"larger than {MAX_COUNT}")
            out[column] = number.astype("int64")

        active = out["active_patients"]
        ctx.reject(
            out["active_complex_vulnerable"] > active,
            "active_complex_vulnerable",
            "active_complex_vulnerable "
            + out["active_complex_vulnerable"].astype(str)
            + " is more than active_patients "
            + active.astype(str),
        )
        bands = out[WAIT_COLUMNS].sum(axis=1)
        ctx.reject(
            bands != active,
            "active_patients",
            "wait bands add up to "
            + bands.astype(str)
            + ", not active_patients "
            + active.astype(str),
        )

        # A stored FSA whose row is in the file but rejected keeps its figures: only FSAs
        # absent from the file are removed (see load).
        key_ok = out["extract_date"].notna() & out["oht_id"].notna() & fsa_ok
        ctx.keys_in_file = {
            (day.date(), int(oht_id), fsa_code)
            for day, oht_id, fsa_code in zip(
                out.loc[key_ok, "extract_date"],
                out.loc[key_ok, "oht_id"],
                out.loc[key_ok, "fsa"],
                strict=True,
            )
        }

        # Checked last, among the rows that passed: the row kept is the first valid one.
        key_columns = ["extract_date", "oht_id", "fsa"]
        passed = out.loc[~ctx.rejected, key_columns]
        lines = pd.Series(ctx.lines, index=frame.index)[~ctx.rejected]
        first_line = lines.groupby([passed[c] for c in key_columns]).transform("first")
        ctx.reject(
            passed.duplicated(keep="first").reindex(frame.index, fill_value=False).to_numpy(),
            "fsa",
            (
                "duplicate row for this date, OHT and FSA, first at line " + first_line.astype(str)
            ).reindex(frame.index, fill_value=""),
        )

        clean = out[~ctx.rejected].copy()
        clean["extract_date"] = clean["extract_date"].dt.date
        clean["oht_id"] = clean["oht_id"].astype("int64")
        return clean

    def load(self, clean: pd.DataFrame, ctx: ImportContext) -> LoadResult:
        oht_ids = sorted({int(pk) for pk in clean["oht_id"]})
        dates = sorted(set(clean["extract_date"]))
        # Two files for the same OHTs arriving together (upload and inbox) wait for each
        # other here instead of both inserting the same new rows. NO KEY UPDATE does not
        # block other imports that only reference these OHTs.
        list(
            OHT.objects.select_for_update(no_key=True)
            .filter(pk__in=oht_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        pairs = {
            (extract_date, int(oht_id))
            for extract_date, oht_id in zip(clean["extract_date"], clean["oht_id"], strict=True)
        }
        stored = {
            (row.extract_date, row.oht_id, row.fsa): row
            for row in FSASummary.objects.filter(oht_id__in=oht_ids, extract_date__in=dates)
            if (row.extract_date, row.oht_id) in pairs
        }

        created, changed, unchanged = [], [], 0
        seen = set()
        for record in clean.to_dict("records"):
            key = (record["extract_date"], int(record["oht_id"]), record["fsa"])
            seen.add(key)
            figures = {column: int(record[column]) for column in COUNT_COLUMNS}
            row = stored.get(key)
            if row is None:
                created.append(
                    FSASummary(
                        extract_date=key[0],
                        oht_id=key[1],
                        fsa=key[2],
                        import_run=ctx.run,
                        **figures,
                    )
                )
            elif any(getattr(row, column) != value for column, value in figures.items()):
                for column, value in figures.items():
                    setattr(row, column, value)
                row.import_run = ctx.run
                changed.append(row)
            else:
                unchanged += 1

        removed = [
            row.pk for key, row in stored.items() if key not in seen and key not in ctx.keys_in_file
        ]
        for start in range(0, len(removed), BATCH):
            FSASummary.objects.filter(pk__in=removed[start : start + BATCH]).delete()
        FSASummary.objects.bulk_update(changed, [*COUNT_COLUMNS, "import_run"], batch_size=BATCH)
        FSASummary.objects.bulk_create(created, batch_size=BATCH)
        return LoadResult(
            created=len(created),
            updated=len(changed),
            unchanged=unchanged,
            oht_ids=set(oht_ids),
            detail={"removed": len(removed)},
        )
