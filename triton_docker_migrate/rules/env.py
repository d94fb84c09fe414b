"""5xx: environment variables the V1 image set."""

from __future__ import annotations

import re
from typing import Iterator

from .. import evidence
from ..atomic import read_regular
from ..model import Edit, Finding, Fix, Severity, Span
from . import tables as T
from .registry import FixAvailability as F
from .registry import check, rule

ENV_VAR = rule(
    "TDM501", "v1-env-var", Severity.INFO, F.ALWAYS, "TENSORRT_SERVER_* variables -> TRITON_SERVER_*",
    "`TENSORRT_SERVER_VERSION`, `NVIDIA_TENSORRT_SERVER_VERSION`, `TENSORRT_SERVER_USER`, "
    "`TENSORRT_SERVER_CPU_ONLY` are set by the image; V2 images set the TRITON_ names. Variables of "
    "your own that merely start alike (`TENSORRT_SERVER_VERSION_PIN`) and `TENSORRT_VERSION` (the "
    "TensorRT library) are never touched. A V1 variable the file sets itself (`ENV`, `export`, `docker run -e "
    "NAME=...` or `-e NAME`, an `env:` entry, a name/value pair) is reported, not renamed: the value is "
    "the user's, and under the TRITON_ name it would override the V2 image's own; a reference in a file that "
    "sets the name itself reads that value, and is reported too.")

ENV_RE = re.compile(r"(?<![\w])(?P<name>" + "|".join(r.v1 for r in T.ENV_VARS) + r")(?![\w])")
#: V1 variable name -> the V2 image's name for it
V2_NAME = {r.v1: r.v2 for r in T.ENV_VARS}
#: a reference that compose interpolates from the host's environment when it loads the file
_COMPOSE_REF = re.compile(r"(?<!\$)(?:\$\$)*\$\{?$")


def defined_here(name: str, span: Span) -> Finding | None:
    """A V1 variable that a file sets itself (a compose ``environment`` key, a Kubernetes ``env``
    name, ...): reported, not renamed - something else may still read the old name."""
    new = V2_NAME.get(name)
    if new is None:
        return None
    return ENV_VAR.finding(span, f"{name} is set here; the V1 image set it, V2 images set {new} instead: "
                           f"check what reads it", Severity.WARNING, suggestion=new)


@check(order=32)
def check_references(doc, ctx) -> Iterator[Finding]:
    """The image's V1 variables where the file reads them: renamed. A reference the file's own
    syntax resolves elsewhere (compose from the host, Kubernetes from the container's ``env``) is
    reported: the name must change there too."""
    text = doc.text
    found = []  # (name, span, None when read, else what the line that sets it adds to the message)
    for region in doc.regions():
        if "TENSORRT_SERVER" not in region.text:  # what every V1 variable name holds
            continue
        for m in ENV_RE.finditer(region.text):
            span = region.span(m.start(), m.end())
            found.append((m.group("name"), span, _sets(region.text[: m.start()], region.text[m.end():], text, span)))
    own: dict[str, int] = {}  #: the names this file sets itself, and where it first does
    for name, span in [(n, sp) for n, sp, sets in found if sets is not None] + list(doc.env_definitions()):
        own[name] = min(own.get(name, span.start), span.start)
    for name, span, sets in found:
        new = V2_NAME[name]
        if sets is not None:
            # the user's own value (``ENV``, ``export``, ``docker run -e``, a name/value pair): theirs, and
            # renamed it would override the V2 image's own variable with the V1 server's value
            f = defined_here(name, span)
            yield ENV_VAR.finding(span, f.message + sets, Severity.WARNING, suggestion=new)
            continue
        msg = f"{name} (set by the V1 image) is {new} in V2 images"
        elsewhere = _resolved_elsewhere(doc.variable_syntax, text, span.start)
        if not elsewhere and name in own:
            elsewhere = (f"; this file sets it itself (line {text.count(chr(10), 0, own[name]) + 1}), so this reads "
                         f"that value: renamed alone it would read the V2 image's {new}; rename both or neither")
        if elsewhere:
            yield ENV_VAR.finding(span, msg + elsewhere, Severity.WARNING, suggestion=new)
        else:
            yield ENV_VAR.finding(span, msg, Severity.INFO, Fix.of(f"Use {new}", Edit(span, new)))


#: ``NAME=`` after a blank, ``ENV``, ``export``, ``ARG`` or ``-e``: this line sets it
_ASSIGN_BEFORE = re.compile(r"(?:^|\s)(?:ENV|export|ARG)?\s*$")
#: ``ENV NAME value`` (the Dockerfile's older form)
_ENV_SPACE_BEFORE = re.compile(r"(?:^|\n)\s*ENV\s+$")
#: a container's environment option before the name, in one word or as the argv's previous string
_ENV_OPTION_BEFORE = re.compile(r"(?:^|[\s\"'\[(,])(?:-e|--env)(?:=|[ \t]+|[\"']\s*,\s*[\"'])$")
#: the name of a name/value pair (``{"name": "X", "value": ...}``, ``V1EnvVar(name="X", ...)``)
_PAIR_NAME_BEFORE = re.compile(r"\bname[\"']?\s*[:=]\s*[\"']$")
#: a string that is a mapping's key (``env={"X": "1"}``) or assigned to (``os.environ["X"] = "1"``)
_KEY_AFTER = re.compile(r"[\"'](?:\s*:|\]\s*=(?!=))")


def _sets(before: str, after: str, text: str, span: Span) -> str | None:
    """None when the V1 variable at ``span`` is read; when this line sets it (its own value, or the
    host's that ``-e NAME`` passes on), what to add to the message ("" for nothing)."""
    ahead = text[max(0, span.start - 40):span.start]
    if _ENV_OPTION_BEFORE.search(ahead):
        return "" if after.startswith("=") else "; -e passes the host's value of it"
    if after.startswith("=") and _ASSIGN_BEFORE.search(before):
        return ""
    if _ENV_SPACE_BEFORE.search(ahead) or _PAIR_NAME_BEFORE.search(ahead) or \
            (not after and _KEY_AFTER.match(text, span.end)):
        return ""
    return None


def _resolved_elsewhere(syntax: str | None, text: str, start: int) -> str:
    """Why a reference at ``start`` names a variable the file's own syntax resolves elsewhere, or ""."""
    if syntax == "compose" and _COMPOSE_REF.search(text[max(0, start - 8):start]):
        return ("; docker compose reads this variable from the host environment or .env when it "
                "loads the file: rename it there and here together")
    if syntax == "kubernetes" and text[max(0, start - 2):start] == "$(":
        return "; $(...) reads the container's env list, where this name is defined: rename both"
    return ""


@check(order=51)
def check_definitions(doc, ctx) -> Iterator[Finding]:
    """Variables the file defines itself (``environment:``, ``env:``, ``variables:``)."""
    for name, span in doc.env_definitions():
        f = defined_here(name, span)
        if f is not None:
            yield f


@check(order=52)
def check_env_files(doc, ctx) -> Iterator[Finding]:
    """An ``env_file`` of a Triton service that holds V1 settings: the file is not rewritten here."""
    for value, span, path in doc.env_files():
        try:
            data = read_regular(path, 1 << 20)[0]  # never a FIFO, socket or device
        except OSError:
            continue
        if not evidence.maybe_v1(data):
            continue
        lines = [i + 1 for i, ln in enumerate(data.splitlines()) if evidence.maybe_v1(ln)]
        yield ENV_VAR.finding(
            span, f"env_file {value} holds V1 settings (line {', '.join(map(str, lines[:5]))}); env files are "
            f"read, never rewritten: change them by hand as this file's findings say (V2 image tags and paths, "
            f"TRITON_ names, no V1-only option)", Severity.WARNING)

