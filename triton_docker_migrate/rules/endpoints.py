"""4xx: V1 HTTP endpoints, and health checks on the removed health port."""

from __future__ import annotations

import re
from typing import Iterator

from ..documents.sites import Region
from ..rules.context import Context
from ..model import Edit, Finding, Fix, Severity
from . import tables as T

_ROWS = [(row, re.compile(row.v1)) for row in T.URLS]
# an optional scheme://host:port (or host:port) right before the path
# (the look-behind starts a host only at the start of a word run: linear time on long lines)
_URL = re.compile(r"(?:(?<![\w.-])(?:https?://)?(?P<host>[\w.-]+|\[[0-9a-fA-F:]+\])?:(?P<port>\d+))?"
                  r"(?P<path>/api/[\w/.-]+)")
_V2_HEALTH = re.compile(r"(?<![\w.-])(?:https?://)?(?:[\w.-]+|\[[0-9a-fA-F:]+\])?:(?P<port>\d+)"
                        r"(?P<path>/v2/health/(?:live|ready))\b")


def health_port_message(port: str, http: str) -> str:
    """What TDM406 says of a port that was the removed V1 health port."""
    return f"port {port} was the V1 health port (--http-health-port); V2 serves health on the HTTP port {http}"


def check(region: Region, ctx: Context) -> Iterator[Finding]:
    if not region.triton or ("/api/" not in region.text and "/v2/health/" not in region.text):
        return
    for m in _URL.finditer(region.text):
        path = m.group("path")
        if m.start("path") > 0 and m.group("port") is None and re.match(r"[\w.-]", region.text[m.start("path") - 1]):
            continue
        for row, rx in _ROWS:
            pm = rx.match(path)
            if not pm:
                continue
            pstart = m.start("path")
            pend = pstart + pm.end()
            span = region.span(pstart, pend)
            if row.v2 is None:
                yield Finding(row.id, span, f"{pm.group(0)}: {row.message}", Severity.WARNING,
                              suggestion=row.suggestion)
                break
            edits = [Edit(span, row.v2)]
            msg = f"{pm.group(0)} -> {row.v2}: {row.message}"
            port = m.group("port")
            if port and port in ctx.health_ports:
                http = ctx.health_ports[port]
                edits.append(Edit(region.span(m.start("port"), m.end("port")), http))
                msg += f"; port {port} was the removed V1 health port, V2 answers on the HTTP port {http}"
                span = region.span(m.start("port"), pend)
            yield Finding(row.id, span, msg, Severity.INFO, Fix.of(f"Use {row.v2}", *edits))
            break
    # a V2 health URL still on the removed health port (a half-migrated file): only the port moves
    for m in _V2_HEALTH.finditer(region.text) if ctx.health_ports else ():
        port = m.group("port")
        if port in ctx.health_ports:
            http = ctx.health_ports[port]
            span = region.span(m.start("port"), m.end("port"))
            yield Finding("TDM406", span, f"port {port} was the V1 health port (--http-health-port); V2 serves "
                          f"{m.group('path')} on the HTTP port {http}", Severity.WARNING,
                          Fix.of(f"Use port {http}", Edit(span, http)))
