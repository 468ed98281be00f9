"""Helpers for anything that leaves the portal as a spreadsheet."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value) -> str:
    """Text a spreadsheet will show, never evaluate: a cell starting like a formula gets
    a leading apostrophe (OWASP CSV injection guidance). Numbers pass unchanged."""
    if isinstance(value, int | float):
        return value
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text
