"""Where the line that holds an offset of a text ends, as each reader of the project counts its line breaks."""

from __future__ import annotations

from typing import Literal


def line_end(text: str, at: int, cr: Literal["kept", "dropped", "break"] = "kept", continued: bool = False) -> int:
    """The end of the line holding offset ``at``: the offset of its line feed, or the length of the text on its
    last line. ``cr`` says what a carriage return is: ``"kept"``, a character of the line; ``"dropped"``, not part of
    the line when it stands just before the line feed (or at the end of the text) of a line not empty from ``at``;
    ``"break"``, a line break of its own too (Python's universal newlines). ``continued``: a line that ends in a
    backslash (carriage returns before the line feed not counted) goes on with the next one, to the end of the text
    at most."""
    nl = text.find("\n", at)
    end = len(text) if nl < 0 else nl
    if cr == "break":
        r = text.find("\r", at, end)
        if r >= 0:
            end = r
    elif cr == "dropped" and end > at and text[end - 1] == "\r":
        end -= 1
    if continued:
        while end < len(text) and _ends_in_backslash(text, end):
            nl = text.find("\n", end)
            if nl < 0:
                break
            end = line_end(text, nl + 1, cr)
    return end


def _ends_in_backslash(text: str, end: int) -> bool:
    k = end
    while k > 0 and text[k - 1] == "\r":
        k -= 1
    return k > 0 and text[k - 1] == "\\"


def logical_line(text: str, at: int) -> tuple[int, int]:
    """Where the shell's logical line holding ``at`` starts and ends: its line with the lines it continues and the
    lines that continue it, a line ending in a backslash going on after its line feed (carriage returns are
    characters of the line; not make's count, which continues on an odd run of backslashes only)."""
    i = text.rfind("\n", 0, at) + 1
    while i >= 2 and text[i - 2] == "\\":
        i = text.rfind("\n", 0, i - 1) + 1
    j = text.find("\n", at)
    while j > 0 and text[j - 1] == "\\":
        j = text.find("\n", j + 1)
    return i, len(text) if j < 0 else j
