"""The `oht_registry` extract: the OHTs, their regions and the FSAs they serve.

A few dozen rows province-wide, so it is merged with bulk ORM operations on every
database. Local profile fields (point of contact, custodian) are never touched."""

from __future__ import annotations

import re

import pandas as pd
from django.utils import timezone

from oht_portal.choices import RegionCode
from oht_portal.imports import validation as v
from oht_portal.imports.base import ExtractImporter, ImportContext, LoadResult, register
from oht_portal.models import OHT, Region, ServedFSA

REGION_BY_NAME = {code.lower(): code for code in RegionCode.values}


@register
class OHTRegistryImporter(ExtractImporter):
    kind = "oht_registry"
    label = "OHT registry"
    required_columns = ("oht_code", "name_en", "region")
    optional_columns = ("name_fr", "fsas")
    site_admin_only = True

    def validate(self, frame: pd.DataFrame, ctx: ImportContext) -> pd.DataFrame:
        self.reject_blank(frame, ctx, self.required_columns)
        out = pd.DataFrame(index=frame.index)
        code = frame["oht_code"].str.upper()
        ctx.reject(~code.str.fullmatch(r"OHT[0-9]{3}"), "oht_code", "must be OHT and 3 digits")
        first_line = pd.Series(ctx.lines, index=frame.index).groupby(code).transform("first")
        ctx.reject(
            code.duplicated(keep="first"),
            "oht_code",
            "duplicate oht_code, first at line " + first_line.astype(str),
        )
        out["code"] = code
        self.reject_too_long(frame, ctx, "name_en", 200)
        self.reject_too_long(frame, ctx, "name_fr", 200)
        out["name_en"] = frame["name_en"]
        out["name_fr"] = frame["name_fr"]
        region = frame["region"].str.lower().map(REGION_BY_NAME)
        ctx.reject(
            region.isna(),
            "region",
            "must be Central, East, North East, North West, Toronto or West",
        )
        out["region"] = region

        fsas = frame["fsas"].str.upper().str.split(";")
        fsas = fsas.map(lambda items: [item.strip() for item in items if item.strip()])
        bad = fsas.map(lambda items: not all(re.fullmatch(v.FSA_PATTERN, item) for item in items))
        bad = bad.astype(bool)
        ctx.warn(bad, "fsas", "holds an invalid FSA; the FSAs were left unchanged")
        # None = unknown (blank or invalid): the stored FSAs stay as they are.
        out["fsas"] = fsas.where(~bad & (frame["fsas"] != ""), None)
        return out[~ctx.rejected]

    def load(self, clean: pd.DataFrame, ctx: ImportContext) -> LoadResult:
        regions = {region.code: region for region in Region.objects.all()}
        stored = {oht.code: oht for oht in OHT.objects.filter(code__in=clean["code"].tolist())}
        stored_fsas: dict[int, set[str]] = {}
        for oht_id, fsa in ServedFSA.objects.filter(oht__in=stored.values()).values_list(
            "oht_id", "fsa"
        ):
            stored_fsas.setdefault(oht_id, set()).add(fsa)

        created, changed, unchanged = [], [], 0
        fsa_plan: dict[str, set[str]] = {}
        for row in clean.to_dict("records"):
            region = regions[row["region"]]
            oht = stored.get(row["code"])
            wanted_fsas = set(row["fsas"]) if row["fsas"] is not None else None
            if oht is None:
                oht = OHT(
                    code=row["code"], name_en=row["name_en"], name_fr=row["name_fr"], region=region
                )
                created.append(oht)
            else:
                fields_differ = (oht.name_en, oht.name_fr, oht.region_id) != (
                    row["name_en"],
                    row["name_fr"] or oht.name_fr,
                    region.pk,
                )
                fsas_differ = wanted_fsas is not None and wanted_fsas != stored_fsas.get(
                    oht.pk, set()
                )
                if fields_differ or fsas_differ:
                    oht.updated_at = timezone.now()  # bulk_update skips auto_now
                    oht.name_en = row["name_en"]
                    oht.name_fr = row["name_fr"] or oht.name_fr
                    oht.region = region
                    changed.append(oht)
                else:
                    unchanged += 1
            if wanted_fsas is not None:
                fsa_plan[row["code"]] = wanted_fsas
        OHT.objects.bulk_create(created)
        OHT.objects.bulk_update(changed, ["name_en", "name_fr", "region", "updated_at"])
        by_code = {oht.code: oht for oht in OHT.objects.filter(code__in=clean["code"].tolist())}
        planned = [by_code[code] for code in fsa_plan]
        ServedFSA.objects.filter(oht__in=planned).delete()
        ServedFSA.objects.bulk_create(
            ServedFSA(oht=by_code[code], fsa=fsa)
            for code, fsas in fsa_plan.items()
            for fsa in sorted(fsas)
        )
        return LoadResult(
            created=len(created),
            updated=len(changed),
            unchanged=unchanged,
            oht_ids={oht.pk for oht in by_code.values()},
        )
