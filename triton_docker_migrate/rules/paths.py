"""2xx: install paths, the server binary, the image user."""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import replace
from typing import Iterator

from ..documents.commands import CasePattern, basename, command_index, program
from ..documents.sites import CommandSite, Region
from ..syntax.lines import logical_line
from ..model import Edit, Finding, Fix, Severity, Span
from ..release import Release
from .. import evidence, facts
from . import tables as T
from .registry import FixAvailability as F
from .registry import check, rule

I, W = Severity.INFO, Severity.WARNING
INSTALL_PATH = rule(
    "TDM201", "v1-install-path", I, F.ALWAYS, "/opt/tensorrtserver paths of the V1 image -> /opt/tritonserver",
    "`/opt/tensorrtserver`, its `bin`, `bin/trtserver`, `lib` and `include` become the `/opt/tritonserver` "
    "equivalents (in PATH, LD_LIBRARY_PATH, WORKDIR, COPY, RUN...). The server binary's path named "
    "outside any command line the tool reads (a custom resource's setting, a COPY of the file, a shell variable "
    "the script assigns and never expands - `SERVER=/opt/tensorrtserver/bin/trtserver` left to a file it "
    "sources, which the finding names when it runs `$SERVER`) is renamed with a warning: whatever runs it gets "
    "none of the command-line changes. Source: S1, S3.")
BINARY = rule(
    "TDM202", "v1-binary", I, F.ALWAYS, "trtserver as a command -> tritonserver",
    "The V1 server binary `trtserver` is `tritonserver` in V2 images. Only the word that runs as a "
    "command is renamed (after `exec`, `env X=1`, the entrypoint script...), and the process name that "
    "`pkill`, `pgrep`, `pidof`, `killall` and `ps -C` look for (they would find no V2 server), and the program "
    "that `which`, `command -v`, `type -P`, `hash` and `whereis` look up (a start script that checks for it would "
    "refuse to start). `set -- trtserver \"$@\"` (the arguments an entrypoint's `exec \"$@\"` runs) and "
    "`xargs ... trtserver` run it: those are server command lines. The name a script compares with the command "
    "it is given - a `case` pattern (`trtserver|serve)`, `*/trtserver)`, `trtserver*)`) or a test "
    "(`[ \"$1\" = trtserver ]`, `[[ $1 == trtserver ]]`) - and the name `grep` looks for in what it is piped "
    "(`ps aux | grep -q trtserver`) are renamed alone: info when compared with the script's arguments, a "
    "warning when with another variable (what sets it must give tritonserver too). A variable set to it that "
    "the script never expands but leaves to a file it sources or exports (`export SERVER=trtserver`) is renamed "
    "with a warning: whatever runs it gets none of the command-line changes. Names of "
    "services, containers, stages, log files or variables that merely contain it are left alone.")
USER_PATH = rule(
    "TDM203", "v1-user-path", W, F.NEVER, "A folder of your own below /opt/tensorrtserver",
    "V1 images shipped little below `/opt/tensorrtserver`; other paths there were created by the "
    "deployment itself. V2 images have no `/opt/tensorrtserver`, so such a path must move, but where "
    "to is yours to decide. V1's framework libraries (`lib/tensorflow`, `lib/pytorch`, named for custom "
    "operations in `LD_LIBRARY_PATH`/`LD_PRELOAD`) are not in V2's `lib`: each is with its backend, below "
    "`/opt/tritonserver/backends` (a warning that names the folder). Source: S1.")
ENTRYPOINT = rule(
    "TDM204", "v1-entrypoint-path", I, F.ALWAYS, "The V1 entrypoint script path",
    "`/opt/tensorrtserver/nvidia_entrypoint.sh` is `/opt/tritonserver/nvidia_entrypoint.sh` up to 22.02 "
    "and `/opt/nvidia/nvidia_entrypoint.sh` from 22.03 (the target decides). Source: S5.")
V1_ARTIFACT = rule(
    "TDM206", "v1-artifact", Severity.ERROR, F.NEVER, "A V1 file that V2 does not have",
    "V1's embeddable library `libtrtserver.so` (also linked by name: `-ltrtserver`, CMake's "
    "`target_link_libraries(app trtserver)`) and its header `trtserver.h`, the V1 client wheel file "
    "(`tensorrtserver-1.x-...whl`) and the `perf_client` binary of the V1 SDK image have no V2 file of the "
    "same role under a new name: V2's library is `libtritonserver.so` with another C API (`tritonserver.h`, "
    "code must be ported), the SDK image holds `tritonclient` wheels and `perf_analyzer`. A copy or path "
    "that names one fails on a V2 image. A copy out of a V1 image the run maps to V2 (`COPY --from=sdk ...`, "
    "the stage `sdk` built on the V1 SDK image, or `--from=<the image>`) also makes that mapping (TDM101, "
    "TDM102) a warning that names the copy: once the image is V2, the copy fails. A folder of such a name "
    "(`/results/perf_client/bert`) is not the file; a path to `perf_client` in a run that holds no V1 is V2's "
    "own tool (TDM602), not reported.")
IMAGE_USER = rule(
    "TDM205", "v1-image-user", I, F.ALWAYS, "The V1 image user tensorrt-server -> triton-server",
    "The user of V1 images, `tensorrt-server` (UID 1000), is `triton-server` (same UID) from 20.03.1 on.")

PATH_RE = re.compile(facts.V1_INSTALL_DIR_BEFORE + r"/opt/tensorrtserver(?P<rest>(?:/[\w.+@-]+)*)/?(?![\w.-])")
#: the V1 image user where a user is named: ``USER``, ``User=``/``user=``/``user:``, ``chown``/``--chown``,
#: ``--user``/``-u``, ``su``/``gosu``/``runuser``, ``useradd`` and friends, ``*_USER=``, ``/home/`` (and the group
#: after ``:`` in ``chown a:b``); the same word as a container, service or host name is no user: left alone
USER_RE = re.compile(
    r"(?:(?<![\w-])(?i:user)[ \t]+|(?<![\w-])(?i:user)[\"']?[ \t]*[:=][ \t]*[\"']?|_USER[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"|--chown[= ]|(?<![\w-])chown[ \t]+(?:-[-\w]+[ \t]+)*|--user[= ]|(?<![\w-])-u[ \t]*"
    r"|(?<![\w-])(?:su|gosu|runuser|sudo)[ \t]+(?:-[-\w]*[ \t]+)*"
    r"|(?<![\w-])user(?:add|mod|del)[ \t]+(?:-[-\w]+[ \t]+(?:[^-\s]\S*[ \t]+)?)*|/home/)"
    r"(?P<u>tensorrt-server)(?![\w-])(?::(?P<g>tensorrt-server)(?![\w-]))?")

#: a command that runs what follows in another container or on another host (``docker run --user x IMAGE``,
#: ``ssh host sudo -u x``): the user is the V1 image's only where that line names a Triton image or the server
_ELSEWHERE = re.compile(r"(?<![\w-])(?:docker|podman|nerdctl|ssh|kubectl)(?![\w-])")
_TRITON_ON_LINE = re.compile(r"tensorrtserver|tritonserver|trtserver")


def _elsewhere(text: str, at: int) -> bool:
    """Whether the logical line (continuations joined) around ``at`` runs another container or host that it does not
    show to be Triton's."""
    # not makefile._logical_lines: make continues on an odd run of backslashes (before CRLF too), this on any one
    start, end = logical_line(text, at)
    line = text[start:end]
    return _ELSEWHERE.search(line) is not None and _TRITON_ON_LINE.search(line) is None


_WHOLE_USER = re.compile(r"[ \t]*(?P<u>tensorrt-server)(?::(?P<g>tensorrt-server))?[ \t]*")


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


def _framework_lib(path: str) -> str | None:
    """The framework whose V1 library folder ``path`` is or is in (``/opt/tensorrtserver/lib/pytorch``)."""
    parts = path.split("/")
    return parts[4] if len(parts) > 4 and parts[3] == "lib" and parts[4] in T.V1_FRAMEWORK_LIBS else None


@check(order=31)
def check_paths(doc, ctx) -> Iterator[Finding]:
    read: list[tuple[int, int]] | None = None
    for region in doc.regions():
        if ctx.v1_source_build:  # the file builds V1 itself: its paths are its own (TDM107 says so)
            region = replace(region, unknown_base=True)
        if _SERVER_PATH in region.text and read is None:
            # where each word is written and where its characters are (a constant's word stands
            # where the name is used; its characters are the string's)
            # (not the words a copy or a link takes: ``cp .../trtserver /usr/local/bin/inference-server`` runs
            # the server under a name no reader knows)
            # (unless the file runs that name itself: a Dockerfile's CMD after its RUN cp, whose line is read)
            runs = {basename(cl.binary.value) for cl in doc.command_lines() if cl.binary is not None}
            # (a variable the file assigns the server binary and never expands: what runs it is no line here)
            unrun = {(w.start, w.end) for _n, w in unrun_servers(doc)}
            read = sorted({span for site in doc.commands() if not _copies(site) or _runs_copy(site, runs)
                           for w in site.words if not any(w.start <= a and b <= w.end for a, b in unrun)
                           for span in ((w.start, w.end),) + (((w.offsets[0], w.offsets[-1] + 1),) if len(w.offsets) else ())})
        yield from check_region(region, ctx.target, read or [], _run_where(doc))
        if ctx.v1_image and T.ENTRYPOINT_V2_OLD in region.text and ctx.target.at_least(T.ENTRYPOINT_MOVED):
            yield from _old_entrypoint(region, ctx.target)


#: commands that copy or link a file to another name
_COPIERS = frozenset({"cp", "ln", "install", "mv", "rsync"})


def _copies(site) -> bool:
    ci = command_index(site.words)
    return ci is not None and basename(site.words[ci].value) in _COPIERS


def _runs_copy(site, runs: set[str]) -> bool:
    """A copy whose destination (its last word) is a program the file's own server lines run."""
    dest = site.words[-1]
    return not dest.dynamic and basename(dest.value) in runs


_OLD_ENTRYPOINT = re.compile(re.escape(T.ENTRYPOINT_V2_OLD) + r"(?![\w.-])")


def _old_entrypoint(region: Region, target: Release) -> Iterator[Finding]:
    """The V1 images published as ``tritonserver`` (20.03.1, 20.06-v1, 20.07-v1) kept their entrypoint
    in /opt/tritonserver, where V2 images did until 22.02; from 22.03 it is /opt/nvidia."""
    for m in _OLD_ENTRYPOINT.finditer(region.text):
        if not region.contiguous(m.start(), m.end()):
            continue
        span = region.span(m.start(), m.end())
        if region.unknown_base:
            yield _unknown_base(span, m.group(0))
            continue
        yield ENTRYPOINT.finding(span, f"V1 path {m.group(0)} -> {T.ENTRYPOINT_V2_NEW} (moved in {T.ENTRYPOINT_MOVED})",
                                 fix=Fix.of(f"Use {T.ENTRYPOINT_V2_NEW}", Edit(span, T.ENTRYPOINT_V2_NEW)))


def _unknown_base(span, path: str) -> Finding:
    return USER_PATH.finding(span, f"{path}: this file builds V1 or is built on a locally built V1 image, whose "
                             f"layout is not a stock V2 image's: check where this path is in it", suggestion=path)


_ARTIFACT = re.compile(r"(?<![\w.-])(?:[\w.${}/-]*/)?(?P<file>libtrtserver\.so(?:\.[\d.]+)?|trtserver\.h"
                       r"|tensorrtserver(?:-(?:\d[\w.]*|\{[\w.]*\}|\$\{?\w+\}?)-[\w.-]+|-?\*[\w.*-]*)\.whl|perf_client)(?![\w.-])")
#: what follows a repository's name in an image reference: its tag or digest (``:1.0``, ``@sha256:...``)
_IMAGE_TAG = re.compile(r"(?::[\w][\w.-]{0,127}|@sha256:[0-9a-f]{8,})(?![\w.:/-])")
#: the V1 library linked by name: ``-ltrtserver``, CMake's ``find_library(T trtserver)``,
#: ``target_link_libraries(app trtserver)``
_LINKED = re.compile(r"(?<![\w.-])-l(?P<a>trtserver)(?![\w.-])|\b(?i:find_library|target_link_libraries|link_libraries)"
                     r"[ \t]*\([^()\n]*?(?<![\w.${}/-])(?P<b>trtserver)(?![\w.${}/-])")
#: the rest of a V1 wheel's name after its version, where the version is a string's field
_FIELD_WHEEL_REST = re.compile(r"-[\w.-]*\.whl(?![\w.-])")
_INSTEAD = {"libtrtserver.so": "libtritonserver.so (another C API: port the code)",
            "trtserver.h": "tritonserver.h (another C API: port the code)",
            "perf_client": "perf_analyzer (in the V2 SDK image)"}


@check(order=36)
def check_artifacts(doc, ctx) -> Iterator[Finding]:
    """Paths to V1 files that have no V2 counterpart under a new name (COPY --from=sdk ..., ENV, -v); a
    wheel that ``pip install`` replaces or reports (TDM601) is not one of them."""
    replaced = [f.span for f in ctx.found if f.rule == "TDM601" and f.span is not None]
    marked: set[int] = set()  # the image mappings a copy of a V1 file was reported on
    before = None  # the region before, for an f-string's wheel name whose version is a field
    for region in doc.regions():
        last, before = before, region
        if last is not None and region.placeholder and last.text.endswith("tensorrtserver-"):
            # ``f"tensorrtserver-{V}-py2.py3-none-linux_x86_64.whl"``: the literal runs around the version's field
            whl = _FIELD_WHEEL_REST.match(region.text)
            if whl is not None:
                span = Span(last.span(len(last.text) - len("tensorrtserver-"), len(last.text)).start,
                            region.span(0, whl.end()).end)
                yield V1_ARTIFACT.finding(span, f"tensorrtserver-{region.placeholder}{whl.group(0)}: the V1 client "
                                          f"wheel; V2 has no such file; its counterpart is tritonclient[all] (from "
                                          f"PyPI)", suggestion="tritonclient[all]")
        if not ("trtserver" in region.text or "perf_client" in region.text or "tensorrtserver" in region.text):
            continue
        # (a COPY's destination named as its source is the same file: reported once, at the source)
        dest = _destination(region)
        sources: set[str] = set()
        for m in _ARTIFACT.finditer(region.text):
            name = m.group("file")
            if name == "perf_client" and ("/" not in m.group(0) or evidence.v2_run_releases() is not None):
                continue  # the command (TDM602), not a path to the file; in a run without V1, V2's own tool
            if region.text.startswith("/", m.end()):
                continue  # a folder of that name (``/results/perf_client/bert``), not the V1 file
            if region.image_context or _IMAGE_TAG.match(region.text, m.end()):
                continue  # an image reference (``mycorp/perf_client:1.0``), not a path to the V1 file
            if m.start() >= dest and name in sources:
                continue
            sources.add(name)
            span = region.span(m.start(), m.end())
            if any(r.start <= span.start and span.end <= r.end for r in replaced):
                continue
            base = "libtrtserver.so" if name.startswith("libtrtserver.so") else name
            instead = _INSTEAD.get(base, "tritonclient[all] (from PyPI)")
            yield V1_ARTIFACT.finding(span, f"{m.group(0)}: V2 has no such file; its counterpart is {instead}",
                                      suggestion=instead.split(" (")[0])
            _copied_from_v1(doc, ctx, span, m.group(0), marked)
        for m in _LINKED.finditer(region.text):
            g = "a" if m.group("a") else "b"
            span = region.span(m.start(g), m.end(g))
            yield V1_ARTIFACT.finding(span, "trtserver: links V1's embeddable library libtrtserver.so, which V2 does "
                                      "not have; its counterpart is libtritonserver.so (another C API: port the code)",
                                      suggestion="tritonserver")


def _copied_from_v1(doc, ctx, span: Span, path: str, marked: set[int]) -> None:
    """A V1 file copied out of an image the run maps to V2 (``COPY --from=sdk .../tensorrtserver*.whl``, the
    stage ``sdk`` on the V1 SDK image): the new image does not have it, so its mapping (TDM101/TDM102) is no
    silent info - a warning that names the copy, which fails once the image is V2."""
    image = doc.copied_from(span.start)
    if image is None:
        return
    for f in ctx.found:
        if f.rule in ("TDM101", "TDM102") and f.span is not None and image.contains(f.span) and id(f) not in marked:
            marked.add(id(f))
            f.severity = Severity.WARNING
            f.message += (f"; line {doc.position(span.start)[0]} copies {path} out of it, which the V2 image does "
                          f"not have (TDM206): take that file from elsewhere")


def _destination(region) -> int:
    """Where the destination of a Dockerfile ``COPY``/``ADD`` (its last word) starts in ``region.text``; past the end
    for any other region."""
    if region.label not in ("COPY", "ADD"):
        return len(region.text)
    text = region.text.rstrip()
    k = max(text.rfind(" "), text.rfind("\t"), text.rfind("\n"))
    return k + 1 if k >= 0 else len(region.text)


@check(order=20)
def check_binaries(doc, ctx) -> Iterator[Finding]:
    for site in doc.commands():
        ci = command_index(site.words)
        yield from check_binary(site, ci)
        yield from check_process_name(site, ci)
        yield from check_compared_name(site, ci)
    where = None
    for name, w in unrun_servers(doc):
        v = program(w.value)  # ``SERVER=trtserver`` exported or left to a sourced file that runs ``$SERVER``
        if basename(v) != "trtserver" or "/" in v:
            continue  # (a path: TDM201's)
        where = _run_where(doc) if where is None else where
        j = w.start + len(w.value) - (v is not w.value) if not w.offsets else w.offsets[-1] + 1 - (v is not w.value)
        i = j - len("trtserver")
        span = Span(i, j)
        yield BINARY.finding(span, f"the V1 server binary trtserver is tritonserver in V2; it is named here outside "
                             f"any command line this tool reads{where.get(w.start, '')}, so whatever runs it must "
                             f"change too: add --model-control-mode=poll (V1 polled the model repository by default) "
                             f"and --disable-auto-complete-config (V1's strict model configuration) and drop or "
                             f"rename V1-only options there", W,
                             fix=Fix.of("Use tritonserver", Edit(span, "tritonserver")))


#: the V1 binary's path followed by options: a server command
_SERVER_PATH = "/opt/tensorrtserver/bin/trtserver"
_UNREAD_SERVER = re.compile(re.escape(_SERVER_PATH) + r"(?=[ \t]+-)")


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    k = bisect.bisect_right(spans, (at, float("inf"))) - 1
    return k >= 0 and spans[k][0] <= at < spans[k][1]


def unrun_servers(doc) -> list:
    """The variables ``doc`` assigns the server binary and never expands (``ShellDoc.unrun_servers``)."""
    return getattr(doc, "unrun_servers", lambda: [])()


def v1_sourced(doc, v1: bool) -> list[tuple[str, str, int]]:
    """The files a shell script that names the V1 server sources: every one when the script holds a V1 server line
    or image of its own (``v1``), else those that run a variable it assigns the V1 server and never expands
    (``SERVER=/opt/tensorrtserver/bin/trtserver``; ``source util.sh``, whose ``run_server`` runs ``$SERVER``).
    (real path, the variable or "", the line of the file that runs it or 0): the run reads those files again as
    the V1 server's (``batch/finish.sourced_helpers``)."""
    if getattr(doc, "kind", None) != "shell" or not hasattr(doc, "sourced"):
        return []
    out: dict[str, tuple[str, str, int]] = {}
    for name, w in unrun_servers(doc):
        v = program(w.value)
        if basename(v) != "trtserver" and "tensorrtserver" not in v:
            continue  # (V2's own server: no V1 context)
        got = doc.run_in_sourced(name)
        if got is not None:
            real = os.path.realpath(got[0])
            out.setdefault(real, (real, name, got[1]))
    if v1:
        for path, _w in doc.sourced():
            real = os.path.realpath(path)
            out.setdefault(real, (real, "", 0))
    return list(out.values())


def _run_where(doc) -> dict[int, str]:
    """For each such variable's value: where a file the script sources runs it, as a finding says it."""
    out: dict[int, str] = {}
    for name, w in unrun_servers(doc):
        got = doc.run_in_sourced(name)
        if got is not None:
            rel = os.path.relpath(got[0], os.path.dirname(os.path.abspath(doc.path)) if doc.path else os.getcwd())
            out[w.start] = f" (${name} is run by {rel}:{got[1]}, which this script sources)"
        else:
            out[w.start] = f" (nothing in this file runs ${name})"
    return out


def _elsewhere_note(path: str, new: str, where: str) -> str:
    return (f"V1 path {path} -> {new}; the server binary is named here outside any command line this tool "
            f"reads{where}, so whatever runs it must change too: add --model-control-mode=poll (V1 polled the "
            f"model repository by default) and --disable-auto-complete-config (V1's strict model configuration) "
            f"and drop or rename V1-only options there")


def check_region(region: Region, target: Release, read: list[tuple[int, int]] = (),
                 where: dict[int, str] | None = None) -> Iterator[Finding]:
    """``read``: the spans of the words of every command the document reads (sorted); ``where``: by the start of
    a server path no line runs, where it is run (``_run_where``)."""
    if "tensorrt" not in region.text:  # what every match of PATH_RE and USER_RE holds
        return
    for m in PATH_RE.finditer(region.text):
        path = "/opt/tensorrtserver" + m.group("rest")
        if not region.contiguous(m.start(), m.start() + len(path)):
            continue
        span = region.span(m.start(), m.start() + len(path))
        if _UNREAD_SERVER.match(region.text, m.start()) and not _inside(list(read), span.start):
            # the V1 server started by text no reader takes as a command (a script in a ConfigMap):
            # renamed alone, its V1 options and defaults would stay; left whole for TDM003 to report
            continue
        new = map_path(path, target)
        if region.unknown_base:
            yield _unknown_base(span, path)
            continue
        framework = _framework_lib(path)
        if framework is not None:
            yield USER_PATH.finding(
                span, f"{path}: V1's {framework} libraries (custom operations link against them); V2 has them with "
                f"the {framework} backend, not in /opt/tritonserver/lib: check the folder in the target image",
                suggestion=f"/opt/tritonserver/backends/{framework}" + path[len(f"/opt/tensorrtserver/lib/{framework}"):])
            continue
        if new is None:
            yield USER_PATH.finding(span,
                          f"{path} is below the V1 install folder but is not part of the V1 image (V2 images "
                          f"have no /opt/tensorrtserver): move it, e.g. below /opt/tritonserver or a folder "
                          f"of your own", suggestion=path.replace("/opt/tensorrtserver",
                                                                                    "/opt/tritonserver", 1))
            continue
        r = ENTRYPOINT if path == T.ENTRYPOINT_V1 else INSTALL_PATH
        if path == _SERVER_PATH and not _inside(list(read), span.start):
            # the server binary named outside any command line a reader takes (a custom resource's
            # setting, a COPY of the file): whatever runs it gets none of the command-line changes
            yield r.finding(span, _elsewhere_note(path, new, (where or {}).get(span.start, "")), W,
                            fix=Fix.of(f"Use {new}", Edit(span, new)))
            continue
        yield r.finding(span, f"V1 path {path} -> {new}", fix=Fix.of(f"Use {new}", Edit(span, new)))
    if not region.triton or "tensorrt-server" not in region.text:
        return  # the user of another image or host (``useradd tensorrt-server`` on ubuntu, ``ssh ... sudo -u``)
    # a value that is the user by its key: ``USER x``, compose ``user:``, an ``environment=`` value (supervisord)
    label = (region.label or "").lower()
    whole = _WHOLE_USER.fullmatch(region.text) if label in ("user", "environment") or label.endswith("_user") else None
    for m in [whole] if whole is not None else USER_RE.finditer(region.text):
        if whole is None and _elsewhere(region.text, m.start()):
            continue
        for g in ("u", "g"):
            if m.group(g) is None:
                continue
            span = region.span(m.start(g), m.end(g))
            yield IMAGE_USER.finding(span, f"the V1 image user {T.V1_USER} is {T.V2_USER} in V2 images (same UID "
                                     f"1000)", fix=Fix.of(f"Use {T.V2_USER}", Edit(span, T.V2_USER)))


def check_binary(site: CommandSite, command_index: int | None) -> Iterator[Finding]:
    """``trtserver`` as a command word -> ``tritonserver`` (paths below /opt/tensorrtserver are
    left to check(): the whole path changes there)."""
    if command_index is None:
        return
    w = site.words[command_index]
    v = program(w.value)  # ``${TRITON_BIN:-trtserver}``: its default
    if w.dynamic and v is w.value or basename(v) != "trtserver" or v.startswith("/opt/tensorrtserver/"):
        return
    j = len(w.value) - (v is not w.value)
    i = j - len("trtserver")
    yield BINARY.finding(w.sub(i, j), "the V1 server binary trtserver is tritonserver in V2",
                         fix=Fix.of("Use tritonserver", site_edit(site, w, i, j, "tritonserver")))


#: ``--entrypoint trtserver`` written in a string of docker options that no reader takes as a command line (a
#: GitHub job container's or service's ``options:``)
_ENTRYPOINT_OPTION = re.compile(r"(?<![\w-])--entrypoint(?:=|[ \t]+)[\"']?(?:/[\w.+@-]+)*/?(?P<bin>trtserver)(?![\w.-])")


@check(order=21)
def check_entrypoint_options(doc, ctx) -> Iterator[Finding]:
    if "--entrypoint" not in doc.text:
        return
    for r in doc.regions():
        if r.shell or "--entrypoint" not in r.text:
            continue
        for m in _ENTRYPOINT_OPTION.finditer(r.text):
            if not r.contiguous(m.start("bin"), m.end("bin")):
                continue
            span = r.span(m.start("bin"), m.end("bin"))
            yield BINARY.finding(span, "--entrypoint names the V1 server binary trtserver, which V2 images name "
                                 "tritonserver", fix=Fix.of("Use tritonserver", Edit(span, "tritonserver")))


#: commands that find a process by its name (``pkill -f`` and ``pgrep -f``: by a pattern of its command line)
_BY_PROCESS_NAME = frozenset({"pkill", "pgrep", "pidof", "killall"})
#: the V1 binary's name as a process name, or a word of a pattern (``pkill -f 'trtserver --model-store'``)
_PROCESS_NAME = re.compile(r"(?<![\w./-])trtserver(?![\w.-])")


def check_process_name(site: CommandSite, command_index: int | None) -> Iterator[Finding]:
    """``pkill trtserver``, ``pgrep -x trtserver``, ``pidof``, ``killall``, ``ps -C trtserver``: the process
    they look for is the server's, which V2 runs as ``tritonserver`` (they would find nothing)."""
    if command_index is None:
        return
    ws = site.words
    name = basename(ws[command_index].value)
    if name in _BY_PROGRAM_NAME or name == "command" and command_index + 1 < len(ws) \
            and ws[command_index + 1].value in ("-v", "-V"):
        yield from _looked_up(site, command_index, name)
        return
    if name not in _BY_PROCESS_NAME and name != "ps":
        return
    for k in range(command_index + 1, len(ws)):
        w = ws[k]
        if w.dynamic or w.value.startswith("-") or name == "ps" and ws[k - 1].value not in ("-C", "--command"):
            continue
        for m in _PROCESS_NAME.finditer(w.value):
            yield BINARY.finding(w.sub(m.start(), m.end()), f"{name} looks for the V1 server's process trtserver, "
                                 f"which V2 runs as tritonserver",
                                 fix=Fix.of("Use tritonserver", site_edit(site, w, m.start(), m.end(), "tritonserver")))


#: a ``case`` pattern or a ``[[ ... == PATTERN ]]`` whose literal part is the V1 binary's name (``trtserver``,
#: ``*/trtserver``, ``trtserver*``): the name it renames
_NAME_PATTERN = re.compile(r"(?:\*|\*?/)?(?P<bin>trtserver)\*?")
#: a word that expands the script's arguments, the command a container's entrypoint is given (``$1``, ``"$@"``,
#: ``${1#-}``, ``$(basename "$1")``)
_POSITIONAL = re.compile(r"\$(?:[1-9@*]|\{#?[1-9@*](?:[^}]*)\})|\$\(basename[ \t]+\"?\$\{?[1-9@]\}?\"?\)")
_TESTS = frozenset({"[", "[[", "test"})
_GREPS = frozenset({"grep", "egrep", "fgrep"})
#: grep options that take a value as the next word
_GREP_VALUE_OPTS = frozenset({"-e", "-f", "-m", "-A", "-B", "-C", "-d", "-D", "--regexp", "--file", "--max-count",
                              "--after-context", "--before-context", "--context", "--include", "--exclude",
                              "--exclude-dir", "--exclude-from", "--label", "--binary-files", "--devices",
                              "--directories"})


def compared_names(site: CommandSite, command_index: int | None) -> list[tuple[object, int, int, object, str]]:
    """Where a word is compared with the V1 binary's name ``trtserver``: a ``case`` pattern, the operand of a test
    (``[ "$1" = trtserver ]``, ``[[ $1 == trtserver* ]]``) whose other side is an expansion, a grep pattern:
    (the word, where the name is in it, the expansion it is compared with or None, what compares it:
    "case", "test", "regex" (``=~``: left to TDM003) or "grep")."""
    ws = site.words
    out: list[tuple[object, int, int, object, str]] = []
    if isinstance(ws, CasePattern):
        if ws.subject is None or ws.subject.dynamic:
            for w in ws:
                m = _NAME_PATTERN.fullmatch(w.value)
                if m is not None and not w.dynamic:
                    out.append((w, m.start("bin"), m.end("bin"), ws.subject, "case"))
        return out
    if command_index is None:
        return out
    name = basename(ws[command_index].value)
    if name in _TESTS or ws[-1].value == "]]" and not ws[-1].quote:  # (``[[ a || $1 == trtserver ]]``: split at ||)
        double = name == "[[" or name not in _TESTS
        for k in range(1, len(ws) - 1):
            if ws[k].value not in ("=", "==", "!=", "=~") or ws[k].quote:
                continue
            for mine, other in ((ws[k + 1], ws[k - 1]), (ws[k - 1], ws[k + 1])):
                if mine.dynamic or not other.dynamic:
                    continue
                if ws[k].value == "=~":  # a regular expression: reported (TDM003), not rewritten
                    out += [(mine, m.start(), m.end(), other, "regex") for m in _PROCESS_NAME.finditer(mine.value)
                            if mine is ws[k + 1]]
                    continue
                # the right side of ``[[ == ]]`` is a pattern (unquoted); elsewhere the name itself
                m = _NAME_PATTERN.fullmatch(mine.value) if double and mine is ws[k + 1] and not mine.quote else \
                    re.fullmatch(r"(?P<bin>trtserver)", mine.value)
                if m is not None:
                    out.append((mine, m.start("bin"), m.end("bin"), other, "test"))
        return out
    if name in _GREPS:
        patterns, operands = [], []
        k = command_index + 1
        while k < len(ws):
            w = ws[k]
            opt = w.value.partition("=")[0]
            if opt in ("-e", "--regexp"):
                if "=" in w.value and opt == "--regexp":
                    k += 1
                    continue
                if k + 1 < len(ws):
                    patterns.append(ws[k + 1])
                k += 2
                continue
            if w.value.startswith("-") and w.value != "-":
                k += 2 if w.value in _GREP_VALUE_OPTS else 1
                continue
            operands.append(w)
            k += 1
        if not patterns and operands:
            patterns, operands = operands[:1], operands[1:]
        if any(w.value != "-" for w in operands):
            return out  # a search of files (a log, ``/proc/1/cmdline``): a name in text, not evidence
        for w in patterns:
            if w.dynamic:
                continue
            for m in _PROCESS_NAME.finditer(w.value):
                out.append((w, m.start(), m.end(), None, "grep"))
    return out


def check_compared_name(site: CommandSite, command_index: int | None) -> Iterator[Finding]:
    """The V1 binary's name compared with the command a script is given (``case "$1" in trtserver)``, ``[ "$1" =
    trtserver ]``) or searched for (``ps aux | grep -w trtserver``): the migration makes that command
    tritonserver, so the name compared is renamed alone (never given the server's options). Info when it is
    compared with the script's arguments or grep reads a pipe (``grep`` of files is a search of text, left
    alone); a warning when compared with another variable (what sets it must give tritonserver too)."""
    for w, i, j, other, how in compared_names(site, command_index):
        if how == "regex":
            continue
        fix = Fix.of("Use tritonserver", site_edit(site, w, i, j, "tritonserver"))
        if how == "grep":
            yield BINARY.finding(w.sub(i, j), "grep looks for the V1 server's name trtserver in what it is piped (a "
                                 "process list, a command line), which V2 names tritonserver: renamed", fix=fix)
            continue
        what = "a case pattern" if how == "case" else "a test"
        if other is not None and _POSITIONAL.fullmatch(other.value):
            yield BINARY.finding(w.sub(i, j), f"{what} compares the command the script is given ({other.value}) with "
                                 "the V1 server binary trtserver, which V2 names tritonserver (the command the migration "
                                 "gives): renamed", fix=fix)
        else:
            with_ = f"{other.value}" if other is not None else "a value known at run time"
            yield BINARY.finding(w.sub(i, j), f"{what} compares {with_} with the V1 server binary trtserver, which V2 "
                                 f"names tritonserver: renamed; check that what sets it gives tritonserver now", W,
                                 fix=fix)


#: commands that look a program up by its name on the PATH (``command -v`` too)
_BY_PROGRAM_NAME = frozenset({"which", "whereis", "type", "hash"})


def _looked_up(site: CommandSite, command_index: int, name: str) -> Iterator[Finding]:
    """``which trtserver``, ``command -v trtserver``, ``type -P``, ``hash``, ``whereis``: the program they look
    for is the V1 binary, which a V2 image does not have (a start script would refuse to start)."""
    for w in site.words[command_index + 1:]:
        if w.dynamic or w.value.startswith("-") or basename(w.value) != "trtserver":
            continue
        i = len(w.value) - len("trtserver")
        what = "command -v" if name == "command" else name
        yield BINARY.finding(w.sub(i, len(w.value)), f"{what} looks up the V1 server binary trtserver, which V2 "
                             f"names tritonserver", fix=Fix.of("Use tritonserver",
                                                               site_edit(site, w, i, len(w.value), "tritonserver")))


def site_edit(site: CommandSite, w, i: int, j: int, new: str) -> Edit:
    from ..documents.sites import CommandLine

    return CommandLine(site.text, [site.segment], None, True).replace_value(w, site.segment, i, j, new)
