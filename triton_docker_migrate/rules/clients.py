"""6xx: the V1 client wheel and client tools."""

from __future__ import annotations

import re
from typing import Iterator

from ..documents.commands import basename, command_index
from ..documents.sites import CommandSite, Region
from ..model import Edit, Finding, Fix, Severity
from ..release import Release
from . import tables as T
from .paths import site_edit
from .registry import FixAvailability as F
from .registry import check, rule

CLIENT_WHEEL = rule(
    "TDM601", "v1-client-wheel", Severity.WARNING, F.SOMETIMES, "The tensorrtserver client wheel -> tritonclient[all]",
    "`pip install tensorrtserver[==1.x]` or a V1 client wheel file becomes `tritonclient[all]` (pinned "
    "to the target's version when the V1 line pinned). A warning: the client API changed, so code "
    "using it must be ported. Targets before 20.09 get a suggestion only.")
PERF_CLIENT = rule(
    "TDM602", "perf-client", Severity.WARNING, F.ALWAYS, "perf_client -> perf_analyzer (20.10)",
    "The V1 benchmarking tool is `perf_analyzer` from 20.10; check the flags used.")
CLIENT_IMPORT = rule(
    "TDM603", "v1-client-import", Severity.WARNING, F.NEVER, "Code uses the V1 client library",
    "`import tensorrtserver.api`, `from tensorrtserver.api import InferContext, ProtocolType` and the code "
    "that uses what they bring: the V1 Python client (`tensorrtserver` wheel) speaks the V1 protocol, "
    "which V2 servers refuse, and its API is gone. Each import, and each call, attribute or name whose V2 "
    "form differs, is reported with the `tritonclient` code that replaces it: `ServerHealthContext(url, "
    "protocol).is_ready()` -> `tritonclient.http.InferenceServerClient(url).is_server_ready()`, "
    "`InferContext(url, protocol, model, version).run(inputs, outputs, batch_size)` -> `InferInput`/"
    "`InferRequestedOutput` and `client.infer(model, inputs, outputs=...)`, `ProtocolType.HTTP`/`GRPC` -> "
    "the module `tritonclient.http`/`tritonclient.grpc`, `InferenceServerException` -> "
    "`tritonclient.utils.InferenceServerException`, `tensorrtserver.shared_memory` -> "
    "`tritonclient.utils.shared_memory`. Uses that stay as written once the import changes (catching "
    "`InferenceServerException`, the shared-memory helpers) are named by the import's finding only. No "
    "fix: rewriting client code changes behaviour (a later `--unsafe-fixes` does it). For targets before "
    "20.09 the suggestions name the wheels of that time (`tritonhttpclient`, `tritongrpcclient`, "
    "`tritonclientutils`, `tritonshmutils`). Sources: V1 `tensorrtserver/api/__init__.py` and examples of "
    "v1.12.0, the `tritonclient` examples (shared/corpus/clients/).")

_PIP = re.compile(r"^(?:pip[\d.]*|uv|pipx)$")
_SPEC = re.compile(r"^tensorrtserver(?P<extras>\[[^\]]*\])?(?P<pin>(?:==|>=|~=|<=|>|<)[\w.*]+)?$")
_WHEEL = re.compile(r"(?:^|/)tensorrtserver-(?P<ver>[\d.]+)-[\w.-]*\.whl$")
_IMPORT = re.compile(r"(?<![\w.])(?:from\s+tensorrtserver(?:\.[\w.]+)?\s+import|import\s+tensorrtserver)\b")


def _pip_args(site: CommandSite, ci: int) -> list[int]:
    """Indices of the package arguments of ``pip install`` / ``python -m pip install``."""
    ws = site.words
    i = ci
    base = basename(ws[i].value)
    if re.match(r"^python[\d.]*$", base) and i + 2 < len(ws) and ws[i + 1].value == "-m" and _PIP.match(ws[i + 2].value):
        i += 2
    elif not _PIP.match(base):
        return []
    rest = [k for k in range(i + 1, len(ws))]
    if not rest or ws[rest[0]].value != "install":
        if len(rest) >= 2 and ws[rest[0]].value == "pip" and ws[rest[1]].value == "install":  # uv pip install
            rest = rest[1:]
        else:
            return []
    return [k for k in rest[1:] if not ws[k].value.startswith("-")]


def client_spec(target: Release, pin: bool) -> str:
    if pin and target.server_version:
        return f"tritonclient[all]=={target.server_version}"
    return "tritonclient[all]"


@check(order=21)
def check_client_commands(doc, ctx) -> Iterator[Finding]:
    for site in doc.commands():
        yield from check_commands(site, command_index(site.words), ctx.target)


@check(order=34)
def check_client_text(doc, ctx) -> Iterator[Finding]:
    if doc.kind == "text":
        for region in doc.regions():
            yield from check_text(region, ctx.target)


def check_commands(site: CommandSite, ci: int | None, target: Release) -> Iterator[Finding]:
    if ci is None:
        return
    ws = site.words
    cmd = ws[ci]
    if not cmd.dynamic and basename(cmd.value) == "perf_client" and target.at_least(T.PERF_ANALYZER_FROM):
        i = len(cmd.value) - len("perf_client")
        yield PERF_CLIENT.finding(cmd.sub(i, len(cmd.value)),
                                  "perf_client is perf_analyzer from 20.10; its options are mostly the same, its "
                                  "output and protocol are V2: check the flags used",
                                  fix=Fix.of("Use perf_analyzer", site_edit(site, cmd, i, len(cmd.value), "perf_analyzer")))
    for k in _pip_args(site, ci):
        w = ws[k]
        if w.dynamic:
            continue
        m, wm = _SPEC.match(w.value), _WHEEL.search(w.value)
        if not m and not wm:
            continue
        if not target.at_least(T.CLIENT_PACKAGE_FROM):
            yield CLIENT_WHEEL.finding(w.span, "the V1 client wheel tensorrtserver: for targets before 20.09 the V2 "
                                       "client wheels are tritonclientutils, tritonhttpclient and tritongrpcclient",
                                       suggestion="tritonhttpclient tritongrpcclient tritonclientutils")
            continue
        spec = client_spec(target, bool(m and m.group("pin")) or bool(wm))
        msg = (f"the V1 client wheel ({w.value}) -> {spec}: the client API changed (tritonclient.http / "
               f"tritonclient.grpc), so code using it must be ported")
        if w.quote or site.segment.syntax.name != "shell":
            edit = site_edit(site, w, 0, len(w.value), spec)
        else:
            edit = Edit(w.span, f"'{spec}'")  # quoted: [all] is a glob pattern in the shell
        yield CLIENT_WHEEL.finding(w.span, msg, fix=Fix.of(f"Install {spec}", edit))


_REQUIREMENT = re.compile(r"^[ \t]*(?P<spec>tensorrtserver(?:\[[^\]]*\])?(?:[ \t]*(?:==|>=|~=|<=)[ \t]*[\w.*]+)?)[ \t]*(?:[;#]|$)")


def check_text(region: Region, target: Release) -> Iterator[Finding]:
    """Files without a handler: imports of the V1 client and requirement lines naming its wheel."""
    m = _REQUIREMENT.match(region.text.rstrip("\r\n"))
    if m:
        spec = client_spec(target, "=" in m.group("spec"))
        yield CLIENT_WHEEL.finding(region.span(m.start("spec"), m.end("spec")),
                                   f"the V1 client wheel ({m.group('spec')}) -> {spec}: the client API changed, so "
                                   f"code using it must be ported", suggestion=spec)
    for m in _IMPORT.finditer(region.text):
        yield CLIENT_IMPORT.finding(region.span(m.start(), m.end()),
                                    "code imports the V1 client library: port it to tritonclient.http / "
                                    "tritonclient.grpc (the API changed, not only the name)",
                                    suggestion="import tritonclient.http as httpclient")


# --- V1 client code (documents that read code: client_uses) ------------------------------------

@check(order=35)
def check_client_code(doc, ctx) -> Iterator[Finding]:
    uses = doc.client_uses()
    if not uses:
        return
    rows = [T.client_row(u.module, u.name) for u in uses]
    for use, row in zip(uses, rows):
        if use.kind == "import":
            yield _import_finding(use, row, [r for u, r in zip(uses, rows) if u.kind != "import"], ctx.target)
        elif row is not None and row.review:
            yield _use_finding(use, row, ctx.target)


def _v2(text: str, target: Release) -> str:
    """``text`` with the client modules the target's release had (tritonhttpclient ... before 20.09)."""
    if target.at_least(T.CLIENT_PACKAGE_FROM):
        return text
    for new, old in T.CLIENT_MODULES_BEFORE:
        text = text.replace(new, old)
    return text


def _import_finding(use, row, used_rows, target: Release) -> Finding:
    where = use.module if not use.name or use.name == "*" else f"{use.name} from {use.module}"
    if use.name == "*":
        # the imports that bring what the file uses
        lines = [r.v2_import for r in used_rows if r is not None and r.v2_import]
        lines = list(dict.fromkeys(lines)) or [row.v2_import if row else "import tritonclient.http as httpclient"]
        msg = (f"imports everything from the V1 client library ({use.module}): import what the code uses from "
               f"tritonclient instead (the API changed, not only the names)")
        return CLIENT_IMPORT.finding(use.span, _v2(msg, target), suggestion=_v2("; ".join(lines), target))
    if row is None:
        msg = f"imports {where} of the V1 client library: port it to tritonclient.http / tritonclient.grpc"
        return CLIENT_IMPORT.finding(use.span, _v2(msg, target), suggestion=_v2("import tritonclient.http as httpclient", target))
    what = "imports the V1 client library " + where if not use.name else f"imports {where} (V1 client library)"
    msg = f"{what}: V2 has {row.v2}" + (f"; {row.note}" if row.note else "")
    return CLIENT_IMPORT.finding(use.span, _v2(msg, target), suggestion=_v2(row.v2_import or row.v2, target))


def _use_finding(use, row, target: Release) -> Finding:
    name = use.name if use.name == row.name or not row.name else f"{use.name} ({row.name})"
    msg = f"V1 client {name}: V2 has {row.v2}" + (f"; {row.note}" if row.note else "")
    return CLIENT_IMPORT.finding(use.span, _v2(msg, target), suggestion=_v2(row.v2, target))
