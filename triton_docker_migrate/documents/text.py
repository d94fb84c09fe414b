"""Any other text file: V1 evidence is reported, nothing is rewritten (no syntax is known)."""

from __future__ import annotations

import re

from .base import Document, Region

_COMMENT = re.compile(r"^[ \t]*(?:#|//|;|--|<!--)")


class TextDoc(Document):
    kind = "text"
    fixes = False  #: findings carry suggestions, not fixes

    def __init__(self, path: str, text: str, kind: str = "text", triton: bool = False) -> None:
        super().__init__(path, text)
        self.kind = kind
        self.triton = triton

    def regions(self) -> list[Region]:
        out = []
        pos = 0
        for line in self.text.splitlines(keepends=True):
            if line.strip() and not _COMMENT.match(line):
                out.append(Region(line, base=pos, triton=self.triton, shell=False, label="line"))
            pos += len(line)
        return out
