"""Triton release names (``YY.MM``) and what we know about them."""

from __future__ import annotations

import re
from functools import total_ordering

DEFAULT_TARGET = "24.10"
#: the newest release the rule tables were checked against (facts sheet, S5)
NEWEST_KNOWN = "26.07"
_RELEASE_RE = re.compile(r"^(\d{2})\.(\d{2})$")

# Server versions at known releases (facts sheet): 21.01 was never released, so from 21.02 the
# minor version is the month count since 20.06 minus one. Later anchors confirm the rule. 25.07
# shipped a patch release of 25.06's server (2.59.1, facts sheet "Corrections"), so from 25.08 the
# count is one lower again (26.07 = 2.71.0 and 26.08 = 2.72.0 confirm it).
_ANCHORS = {
    "20.06": "2.0.0", "20.07": "2.1.0", "20.08": "2.2.0", "22.07": "2.24.0", "23.02": "2.31.0",
    "24.10": "2.51.0", "25.03": "2.56.0", "25.04": "2.57.0", "25.06": "2.59.0", "25.07": "2.59.1",
    "26.07": "2.71.0", "26.08": "2.72.0",
}
#: the last release whose server version the rule above gives (later ones are not known)
_LAST_COUNTED = "26.08"


@total_ordering
class Release:
    """A Triton container release such as ``24.10``; compares by date."""

    def __init__(self, text: str) -> None:
        m = _RELEASE_RE.match(text.strip())
        if not m:
            raise ValueError(f"not a release: {text!r} (expected YY.MM, e.g. 24.10)")
        self.year, self.month = int(m.group(1)), int(m.group(2))
        if not 1 <= self.month <= 12:
            raise ValueError(f"not a release: {text!r} (month {self.month})")
        self.text = f"{self.year:02d}.{self.month:02d}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = Release(other)
        return isinstance(other, Release) and (self.year, self.month) == (other.year, other.month)

    def __lt__(self, other: "Release | str") -> bool:
        if isinstance(other, str):
            other = Release(other)
        return (self.year, self.month) < (other.year, other.month)

    def __hash__(self) -> int:
        return hash((self.year, self.month))

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Release({self.text!r})"

    def at_least(self, other: str) -> bool:
        return not self < Release(other)

    @property
    def server_version(self) -> str | None:
        """The server version of this release, when it can be known (None past the tables)."""
        if self.text in _ANCHORS:
            return _ANCHORS[self.text]
        if self < Release("20.06") or Release(_LAST_COUNTED) < self:
            return None
        months = (self.year - 20) * 12 + self.month - 6
        if self.at_least("21.02"):
            months -= 1
        if self.at_least("25.08"):
            months -= 1
        elif self == Release("21.01"):
            return None
        return f"2.{months}.0"


#: months without a release (facts sheet, corrections: 21.01 never shipped)
NOT_RELEASED = frozenset({"21.01"})


def parse_target(text: str) -> Release:
    """The ``--target-version`` value: a release that shipped, from 20.06 (the first V2) on."""
    rel = Release(text)
    if rel < Release("20.06"):
        raise ValueError(f"target {rel} is not a V2 release (the first V2 release is 20.06)")
    if rel.text in NOT_RELEASED:
        raise ValueError(f"there was no release {rel} (after 20.12 came 21.02)")
    return rel
