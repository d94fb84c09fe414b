"""5xx: environment variables the V1 image set."""

from __future__ import annotations

import re
from typing import Iterator

from ..documents.sites import Region
from ..model import Edit, Finding, Fix, Severity, Span
from . import tables as T

ENV_RE = re.compile(r"(?<![\w])(?P<name>" + "|".join(r.v1 for r in T.ENV_VARS) + r")(?![\w])")
#: V1 variable name -> the V2 image's name for it
V2_NAME = {r.v1: r.v2 for r in T.ENV_VARS}


def defined_here(name: str, span: Span) -> Finding | None:
    """A V1 variable that a file sets itself (a compose ``environment`` key, a Kubernetes ``env``
    name, ...): reported, not renamed - something else may still read the old name."""
    new = V2_NAME.get(name)
    if new is None:
        return None
    return Finding("TDM501", span, f"{name} is set here; the V1 image set it, V2 images set {new} instead: "
                   f"check what reads it", Severity.WARNING, suggestion=new)


def check(region: Region) -> Iterator[Finding]:
    if "TENSORRT_SERVER" not in region.text:  # what every V1 variable name holds
        return
    for m in ENV_RE.finditer(region.text):
        name = m.group("name")
        span = region.span(m.start(), m.end())
        new = V2_NAME[name]
        before = region.text[: m.start()]
        defines = bool(re.search(r"(?:^|\s)(?:ENV|export|ARG)?\s*$", before)) and region.text[m.end():m.end() + 1] == "="
        msg = f"{name} (set by the V1 image) is {new} in V2 images"
        sev = Severity.INFO
        if defines:
            msg += "; this line sets it: check that nothing else still reads the old name"
            sev = Severity.WARNING
        yield Finding("TDM501", span, msg, sev, Fix.of(f"Use {new}", Edit(span, new)))
