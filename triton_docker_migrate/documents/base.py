"""What every document kind offers the rules: text regions, commands and server command lines.

A Document is built by one module per file kind (dockerfile.py, compose.py, ...). The rules never
look at the file format; they look at these sites, which all carry document offsets.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Sequence

from ..commandline import CommandLine, Segment
from ..model import Finding, Span
from .shellwords import Word


@dataclass
class Region:
    """A run of non-comment text; ``text[i]`` sits at document offset ``offsets[i]`` (or
    ``base + i``). Regex rules search regions, so comments are never rewritten."""

    text: str
    base: int = 0
    offsets: Sequence[int] | None = None
    triton: bool = False  #: weak evidence (URLs, options, client names) counts here
    shell: bool = False  #: the text is shell (words and commands make sense)
    image_context: bool = False  #: the whole region is an image reference (FROM, ``image:``)
    label: str = ""

    def off(self, i: int) -> int:
        if self.offsets is None:
            return self.base + i
        if i >= len(self.text):
            return self.offsets[-1] + 1 if self.text else self.base
        return self.offsets[i]

    def span(self, i: int, j: int) -> Span:
        if j <= i:
            return Span(self.off(i), self.off(i))
        return Span(self.off(i), self.off(j - 1) + 1)

    def contiguous(self, i: int, j: int) -> bool:
        """True when ``text[i:j]`` is one unbroken run of the document (no continuation inside)."""
        return self.offsets is None or j <= i or self.off(j - 1) - self.off(i) == j - 1 - i


@dataclass
class CommandSite:
    """A simple command found in shell text or an exec-form list: its words, in order."""

    words: list[Word]
    segment: Segment
    triton: bool = False
    text: str = ""  #: the document text (for edits that need gaps)


@dataclass
class Context:
    """What the command lines taught us, for follow-through rules."""

    health_ports: dict[str, str] = field(default_factory=dict)  #: removed health port -> HTTP port
    uses_tensorflow: bool = False
    v1_server: bool = False  #: a V1 server command line or image was migrated


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
