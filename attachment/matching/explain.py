"""Why a proposal was made, and what the whole assignment achieved.

Reasons are stored as codes with values ([{"code": "months_waited", "value": 27}, ...])
and worded only when shown, in the reader's language:
"cohort · complex vulnerable · 27 months · French · 3 km · paediatric capacity"."""

import numpy as np
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _

from attachment.matching.candidates import HOUSEHOLD, LANGUAGE, PAEDIATRIC, VIRTUAL, Candidates
from attachment.matching.solver import Assignment


def pair_reasons(candidates: Candidates, pair: int) -> list[dict]:
    """The reason codes of one candidate pair, in the order they weigh."""
    return reasons_for(candidates, [pair])[0]


def reasons_for(candidates: Candidates, pairs) -> list[list[dict]]:
    """The reason codes of many pairs; the arrays are read into lists once, since a
    run words tens of thousands of proposals and their alternatives."""
    c = candidates
    pairs = np.asarray(pairs, dtype=np.int64)
    patients = c.patient[pairs]
    cohort = c.patients.cohort[patients].tolist()
    complex_vulnerable = c.patients.complex_vulnerable[patients].tolist()
    months = c.patients.months[patients].tolist()
    flags = c.flags[pairs].tolist()
    km = c.km[pairs].tolist()
    language = c.patients.language
    result = []
    for i, patient in enumerate(patients.tolist()):
        reasons: list[dict] = []
        if cohort[i]:
            reasons.append({"code": "cohort", "value": True})
        if complex_vulnerable[i]:
            reasons.append({"code": "complex_vulnerable", "value": True})
        reasons.append({"code": "months_waited", "value": months[i]})
        if flags[i] & LANGUAGE:
            reasons.append({"code": "language", "value": language[patient]})
        if flags[i] & VIRTUAL:
            reasons.append({"code": "virtual", "value": True})
        elif km[i] == km[i]:  # not nan: both FSAs have a centroid
            reasons.append({"code": "distance_km", "value": round(km[i])})
        if flags[i] & PAEDIATRIC:
            reasons.append({"code": "paediatric", "value": True})
        if flags[i] & HOUSEHOLD:
            reasons.append({"code": "household", "value": True})
        result.append(reasons)
    return result


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code.upper()


def reason_labels(reasons: list[dict]) -> list[str]:
    """Each reason worded in the active language."""
    labels = []
    for reason in reasons:
        code, value = reason.get("code"), reason.get("value")
        if code == "cohort":
            labels.append(_("cohort"))
        elif code == "complex_vulnerable":
            labels.append(_("complex vulnerable"))
        elif code == "months_waited":
            labels.append(ngettext("%(n)d month", "%(n)d months", value) % {"n": value})
        elif code == "language":
            labels.append(_language_name(str(value)))
        elif code == "distance_km":
            labels.append(_("%(km)d km") % {"km": value})
        elif code == "paediatric":
            labels.append(_("paediatric capacity"))
        elif code == "household":
            labels.append(_("same clinician as the household"))
        elif code == "virtual":
            labels.append(_("virtual care"))
    return labels


def reason_text(reasons: list[dict]) -> str:
    return " · ".join(reason_labels(reasons))


def totals(assignment: Assignment) -> dict:
    """What an assignment achieves, for the run's summary beside the greedy pass."""
    c = assignment.candidates
    pairs = assignment.pairs
    patients = c.patient[pairs]
    concordant = int(((c.flags[pairs] & LANGUAGE) != 0).sum())
    in_person = pairs[(c.flags[pairs] & VIRTUAL) == 0]
    km = c.km[in_person]
    km = km[~np.isnan(km)]
    matched = len(pairs)
    return {
        "patients": matched,
        "cohort": int(c.patients.cohort[patients].sum()),
        "complex_vulnerable": int(c.patients.complex_vulnerable[patients].sum()),
        "language_concordant": concordant,
        "language_concordant_share": round(concordant / matched, 4) if matched else 0.0,
        "median_km": round(float(np.median(km)), 1) if len(km) else None,
        "objective": round(float(c.score[pairs].sum()), 1),
    }
