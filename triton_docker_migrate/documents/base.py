"""What every document kind offers the rules: text regions, commands and server command lines.

A Document is built by one module per file kind (dockerfile.py, compose.py, ...). The rules never
look at the file format; they look at these sites, which all carry document offsets.
"""

from __future__ import annotations

import bisect

from ..model import Finding
from .sites import CommandLine, CommandSite, Region


class Document:
    path: str = ""
    kind: str = "text"
    text: str = ""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._line_starts: list[int] | None = None

    # --- sites ------------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        return []

    def commands(self) -> list[CommandSite]:
        return []

    def command_lines(self) -> list[CommandLine]:
        return []

    def follow_through(self, ctx: Context, target: object) -> list[Finding]:
        """Kind-specific edits that follow from the command lines (ports, probes)."""
        return []

    def kind_findings(self, ctx: Context, target: object) -> list[Finding]:
        return []

    # --- positions --------------------------------------------------------------------------
    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            t = self.text
            i = t.find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = t.find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column (code points) of ``offset``."""
        ls = self.line_starts
        k = bisect.bisect_right(ls, offset) - 1
        col = offset - ls[k] + 1
        if k == 0 and self.text.startswith("\ufeff") and offset > 0:
            col -= 1  # the BOM is not a column
        return k + 1, col
