"""Text as the house keeps it: cleaned as typed, free of control characters, and safe to
open in a spreadsheet."""

from __future__ import annotations

import re

# Unicode's control characters (category Cc) are exactly these two ranges; free text may
# still hold line breaks and tabs.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
FREE_TEXT_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str | None) -> str | None:
    """Text as typed, less surrounding whitespace and with line breaks as "\\n"; an empty
    value means "not recorded"."""
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value or None


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@")
QUOTE = "'"


def protect_from_formulas(text: str) -> str:
    """The cell as exported: a leading apostrophe stops a spreadsheet running it.

    Exactly reversed by read_as_typed: text that already starts with an apostrophe and
    then a formula character (or another apostrophe) gets one more, so nothing is lost.
    """
    if text.startswith(FORMULA_STARTS) or (
        text.startswith(QUOTE) and text[1:2] in (*FORMULA_STARTS, QUOTE)
    ):
        return QUOTE + text
    return text


def read_as_typed(text: str) -> str:
    """A cell as the user typed it, undoing protect_from_formulas."""
    if text.startswith(QUOTE) and text[1:2] in (*FORMULA_STARTS, QUOTE):
        return text[1:]
    return text
