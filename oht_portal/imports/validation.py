"""Vectorised checks of extract columns (pandas Series in, Series out).

Each function takes raw text cells and returns the normalised value plus a boolean
Series saying which cells are valid, so an importer rejects or warns on whole columns
at once instead of looping over rows. Blank means "unknown" and is never invalid here;
importers decide whether a blank is allowed.
"""

from datetime import date

import numpy as np
import pandas as pd

FLAG_TRUE = {"y", "o", "true", "1"}
FLAG_FALSE = {"n", "false", "0"}

# ISO 639-1 two-letter language codes.
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs
    cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he
    hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr
    ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng
    nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk
    sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz
    ve vi vo wa wo xh yi yo za zh zu""".split()
)

ONTARIO_POSTAL_CODE = r"^[KLMNP][0-9][ABCEGHJ-NPRSTV-Z][0-9][ABCEGHJ-NPRSTV-Z][0-9]$"
FSA_PATTERN = r"^[KLMNP][0-9][ABCEGHJ-NPRSTV-Z]$"
# Deliberately plain: one @, no spaces, a dot in the domain. Delivery is the real test.
_EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"


def clean_text(series: pd.Series) -> pd.Series:
    """Trim surrounding whitespace; the cell text is otherwise stored exactly as given."""
    return series.fillna("").astype(str).str.strip()


def is_blank(series: pd.Series) -> pd.Series:
    return series == ""


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """YYYY-MM-DD only. Returns (datetime64 series with NaT for blank/invalid, valid mask
    that is True for valid non-blank cells)."""
    shaped = series.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
    parsed = pd.to_datetime(series.where(shaped), format="%Y-%m-%d", errors="coerce")
    return parsed, parsed.notna()


def not_after(parsed: pd.Series, limit: date) -> pd.Series:
    return parsed <= pd.Timestamp(limit)


def parse_flags(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Y/N flags: Y, N, O (oui), true, false, 1, 0 in any case."""
    lowered = series.str.lower()
    values = lowered.isin(FLAG_TRUE)
    valid = values | lowered.isin(FLAG_FALSE)
    return values, valid


def normalise_postal_code(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Canadian postal code of Ontario (first letter K, L, M, N or P), stored as A1A1A1."""
    compact = series.str.replace(" ", "", regex=False).str.upper()
    return compact, compact.str.fullmatch(ONTARIO_POSTAL_CODE)


def normalise_fsa(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    upper = series.str.upper()
    return upper, upper.str.fullmatch(FSA_PATTERN)


def normalise_phone(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """10 digits once +1, spaces, dots, dashes and brackets are removed."""
    stripped = series.str.replace(r"^\+1", "", regex=True).str.replace(r"[\s.\-()]", "", regex=True)
    return stripped, stripped.str.fullmatch(r"[0-9]{10}")


def is_email(series: pd.Series) -> pd.Series:
    return series.str.fullmatch(_EMAIL_RE) & (series.str.len() <= 254)


def normalise_health_card(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ontario health card: 10 digits passing the Luhn check, optional 1-2 letter version
    code; spaces and dashes ignored. Stored as digits + version code, upper case."""
    compact = series.str.replace(r"[\s\-]", "", regex=True).str.upper()
    # [0-9], not \d: other scripts' digits would match \d and then break the Luhn check.
    shaped = compact.str.fullmatch(r"[0-9]{10}[A-Z]{0,2}")
    digits = compact.where(shaped, "0000000000").str.slice(0, 10)
    return compact, shaped & luhn_valid(digits)


def luhn_valid(digits: pd.Series) -> pd.Series:
    """Luhn check over strings of exactly 10 digits, computed on a digit matrix."""
    if digits.empty:
        return pd.Series([], dtype=bool, index=digits.index)
    matrix = (
        np.frombuffer("".join(digits.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 10)
        - ord("0")
    ).astype(np.int64)
    # From the right, every second digit is doubled (positions 8, 6, 4, 2, 0).
    doubled = matrix[:, 0:10:2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = doubled.sum(axis=1) + matrix[:, 1:10:2].sum(axis=1)
    return pd.Series(total % 10 == 0, index=digits.index)


def is_language_code(series: pd.Series) -> pd.Series:
    return series.str.lower().isin(ISO_639_1)


def code_list(series: pd.Series, valid_codes: frozenset[str]) -> tuple[pd.Series, pd.Series]:
    """`;`-separated codes (languages, FSAs): normalised list text and a validity mask."""
    parts = series.str.lower().str.split(";")
    cleaned = parts.map(lambda items: [item.strip() for item in items if item.strip()])
    valid = cleaned.map(lambda items: all(item in valid_codes for item in items))
    return cleaned.map(";".join), valid.astype(bool)
