"""2xx: install paths, the server binary, the image user."""

from __future__ import annotations

import re
from typing import Iterator

from ..documents.sites import CommandSite, Region
from ..documents.commands import basename
from ..model import Edit, Finding, Fix, Severity
from ..release import Release
from . import tables as T

PATH_RE = re.compile(r"(?<![\w.~-])/opt/tensorrtserver(?P<rest>(?:/[\w.+@-]+)*)/?(?![\w.-])")
USER_RE = re.compile(r"(?<![\w.-])tensorrt-server(?![\w-])")


def map_path(path: str, target: Release) -> str | None:
    """The V2 path of a V1 install path, or None when it is the user's own folder."""
    if path == T.ENTRYPOINT_V1:
        return T.ENTRYPOINT_V2_NEW if target.at_least(T.ENTRYPOINT_MOVED) else T.ENTRYPOINT_V2_OLD
    for row in T.V1_PATHS:
        if path == row.v1:
            return row.v2
        if row.tree and path.startswith(row.v1 + "/"):
            return row.v2 + path[len(row.v1):]
    return None


def check(region: Region, target: Release) -> Iterator[Finding]:
    if "tensorrt" not in region.text:  # what every match of PATH_RE and USER_RE holds
        return
    for m in PATH_RE.finditer(region.text):
        path = "/opt/tensorrtserver" + m.group("rest")
        if not region.contiguous(m.start(), m.start() + len(path)):
            continue
        span = region.span(m.start(), m.start() + len(path))
        new = map_path(path, target)
        if new is None:
            yield Finding("TDM203", span,
                          f"{path} is below the V1 install folder but is not part of the V1 image (V2 images "
                          f"have no /opt/tensorrtserver): move it, e.g. below /opt/tritonserver or a folder "
                          f"of your own", Severity.WARNING, suggestion=path.replace("/opt/tensorrtserver",
                                                                                    "/opt/tritonserver", 1))
            continue
        rule = "TDM204" if path == T.ENTRYPOINT_V1 else "TDM201"
        yield Finding(rule, span, f"V1 path {path} -> {new}", Severity.INFO, Fix.of(f"Use {new}", Edit(span, new)))
    for m in USER_RE.finditer(region.text):
        span = region.span(m.start(), m.end())
        yield Finding("TDM205", span, f"the V1 image user {T.V1_USER} is {T.V2_USER} in V2 images (same UID 1000)",
                      Severity.INFO, Fix.of(f"Use {T.V2_USER}", Edit(span, T.V2_USER)))


def check_binary(site: CommandSite, command_index: int | None) -> Iterator[Finding]:
    """``trtserver`` as a command word -> ``tritonserver`` (paths below /opt/tensorrtserver are
    left to check(): the whole path changes there)."""
    if command_index is None:
        return
    w = site.words[command_index]
    if w.dynamic or basename(w.value) != "trtserver" or w.value.startswith("/opt/tensorrtserver/"):
        return
    i = len(w.value) - len("trtserver")
    yield Finding("TDM202", w.sub(i, len(w.value)), "the V1 server binary trtserver is tritonserver in V2",
                  Severity.INFO, Fix.of("Use tritonserver", site_edit(site, w, i, len(w.value), "tritonserver")))


def site_edit(site: CommandSite, w, i: int, j: int, new: str) -> Edit:
    from ..documents.sites import CommandLine

    return CommandLine(site.text, [site.segment], None, True).replace_value(w, site.segment, i, j, new)
