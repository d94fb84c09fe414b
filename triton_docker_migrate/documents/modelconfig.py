"""config.pbtxt (model configuration, protobuf text format) -> Document.

Only the top-level ``platform``, ``backend`` and ``default_model_filename`` fields matter to the
migration; comments (``#``) and nested messages are skipped, never rewritten."""

from __future__ import annotations

import re

from ..model import Span
from .base import Document

_FIELD = re.compile(r'(?m)^(?P<indent>[ \t]*)(?P<key>platform|backend|default_model_filename)[ \t]*:[ \t]*'
                    r'(?P<q>["\'])(?P<value>[^"\'\n]*)(?P=q)')


class ModelConfigDoc(Document):
    kind = "model-config"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.fields: dict[str, tuple[str, Span]] = {}
        depth = 0
        pos = 0
        for line in text.splitlines(keepends=True):
            code = line.split("#", 1)[0]
            if depth == 0:
                m = _FIELD.match(code)
                if m and m.group("key") not in self.fields:
                    self.fields[m.group("key")] = (m.group("value"), Span(pos + m.start("value"), pos + m.end("value")))
            depth += code.count("{") + code.count("[") - code.count("}") - code.count("]")
            pos += len(line)

    def model_fields(self) -> dict[str, tuple[str, Span]]:
        return self.fields
