"""Any other text file: V1 evidence is reported, nothing is rewritten (no syntax is known)."""

from __future__ import annotations

import re

from .. import evidence
from .base import Document
from .sites import Region

_COMMENT = re.compile(r"^[ \t]*(?:#|//|;|--|<!--)")


class TextDoc(Document):
    kind = "text"
    fixes = False  #: findings carry suggestions, not fixes

    def __init__(self, path: str, text: str, kind: str | None = None) -> None:
        super().__init__(path, text)
        if kind is not None:
            self.kind = kind
        #: weak evidence (URLs, options) counts only where strong evidence shows a Triton context
        self.triton = evidence.strong(text.encode("utf-8", "surrogatepass"))

    def regions(self) -> list[Region]:
        out = []
        pos = 0
        for line in self.text.splitlines(keepends=True):
            if line.strip() and not _COMMENT.match(line):
                out.append(Region(line, base=pos, triton=self.triton, shell=False, label="line"))
            pos += len(line)
        return out


class HelmTemplateDoc(TextDoc):
    """A chart template: not YAML until rendered, so reported like text."""

    kind = "helm-template"
