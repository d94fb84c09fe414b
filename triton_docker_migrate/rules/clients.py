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
    "TDM603", "v1-client-import", Severity.WARNING, F.NEVER, "Code imports the V1 client library",
    "`from tensorrtserver.api import ...`: port to `tritonclient.http` / `tritonclient.grpc`.")

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
