"""TDM003: V1 evidence left. One last pass over every processed file's OUTPUT finds what is still V1
(CONTRACT.md, "V1 evidence"), and reports each piece that no warning or error finding covers - so a
run that passes ``--check --fail-on-review`` leaves no V1 behind without a word.

The evidence is read from the migrated document's own sites (its regions outside comments, its
commands and server command lines, its requirements), so names that merely contain a V1 word (a
stage ``AS trtserver``, ``trtserver.log``, ``--trtis-model-repo``) are not evidence. A file that could
not be parsed is searched line by line for strong evidence outside its kind's line comments."""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from typing import Iterator, NamedTuple

from .. import evidence, facts, kinds
from ..documents.commands import NOT_LAUNCHERS, RUNS_NEXT, basename, command_index
from ..documents.sites import is_foreign
from ..intervals import OffsetMap, covers_any
from ..model import Edit, Finding, Severity, Span
from ..release import Release
from . import tables as T
from .registry import FixAvailability as F
from .endpoints import triton_urls
from .registry import rule

LEFT = rule(
    "TDM003", "v1-evidence-left", Severity.WARNING, F.NEVER, "V1 evidence that no rule changed or reported",
    "The generic last pass over every processed file's output: V1 evidence (a V1 image, `trtserver` as a "
    "command or as the name a script compares its command with (a `case` pattern, a test, `grep` of a pipe), `/opt/tensorrtserver`, a V1 image variable, a V1-only server option, the V1 client wheel, module "
    "or release download, a V1 endpoint of a Triton service, a V1 C++ client header or context class) still in "
    "the file on a line that no warning or error finding covers - also where no reader sees a command: a start "
    "script kept in a ConfigMap or written by `COPY <<EOF`, a value a program runs later, the values of a "
    "variable that a server command line expands but the tool could not read (assigned twice). "
    "Specific rules make it rare; it makes sure that `--check --fail-on-review` never passes on a tree "
    "that still holds V1. Migrate the construct by hand, or, once reviewed, keep it with "
    "`triton-docker-migrate: ignore[TDM003]`. In documentation prose (outside code blocks) it is an info "
    "finding outside the gate: history is not a deployment.")

#: options only V1 had: evidence wherever a Triton context holds them (a kustomize patch that appends
#: to the server's args, a values list the tool cannot place, a Helm release's values heredoc)
#: each V1-only option and every abbreviation V1's getopt read as it (``--allow-poll=false``) -> its name
_ABBREVIATED = {o[:n]: o for o in facts.V1_ONLY_OPTIONS
                for n in range(len(evidence.unique_prefix(o, facts.V1_OPTIONS)), len(o) + 1)}
#: an option word (its name is looked up in ``_ABBREVIATED``: one dictionary look-up, not an alternation of names)
_V1_OPTION = re.compile(r"(?<![\w-])--(?P<name>[a-z][a-z0-9-]*)(?![\w-])")
_PATH = re.compile(facts.V1_INSTALL_DIR_BEFORE + r"/opt/tensorrtserver(?![\w.-])")
_ENV = re.compile(r"(?<![\w])(?:NVIDIA_)?TENSORRT_SERVER_(?:VERSION|USER|CPU_ONLY)(?![\w])")
#: a V1 endpoint at the start of a URL's path (after its host and port, if any)
_ENDPOINT = re.compile(r"/api/(?:health|status|infer|modelcontrol|sharedmemorycontrol|repository|profile)(?![\w-])")
_CLIENT_IMPORT = re.compile(r"(?<![\w.])(?:from|import)\s+tensorrtserver\b")
#: a V1 client module named in a Python string (``importlib.import_module("tensorrtserver.api")``)
_CLIENT_MODULE = re.compile(r"(?<![\w.])tensorrtserver\.(?:api|shared_memory|cuda_shared_memory)(?![\w])")
#: the V1 client wheel installed by pip in a command
_PIP_CLIENT = re.compile(r"\bpip3?(?:\.\d+)?[ \t]+install\b[^\n;&|]*?(?<![\w./=-])(?P<pkg>tensorrtserver(?![\w-])"
                         r"(?:\[[\w,]*\])?(?:[=<>~!]=?[\w.*]+)?)")
#: the V1 client package pinned as a requirement anywhere (``deps = tensorrtserver==1.10.0`` in tox.ini)
_CLIENT_PIN = re.compile(r"(?<![\w./=-])tensorrtserver(?:\[[\w,]*\])?[ \t]*(?:[=<>~!]=|[<>])[ \t]*\d[\w.*]*")
#: the V1 client package as a key of a TOML dependency table (a Pipfile's ``tensorrtserver = "==1.11.0"``,
#: ``tensorrtserver = {version = "*"}``, Poetry's ``tensorrtserver = "^1.11"``; a lock file's JSON key
#: ``"tensorrtserver": {``)
_CLIENT_TOML_DEP = re.compile(r"(?m)^[ \t]*([\"']?)(?P<pkg>tensorrtserver)\1[ \t]*(?:=|(?<=[\"']):)[ \t]*[\"'{]")
#: a V1 release download (the client tarballs and wheels of the V1 repository, or of a V1 release of the
#: repository it was renamed to)
_TARBALL = re.compile(r"(?:https?://)?" + facts.V1_RELEASE_DOWNLOAD + r"[^\s'\"|;&)<>]*")
#: the server run in text that no reader took as a command (a script in a ConfigMap, a value a program
#: runs later): its word (or a path to it) followed by options on the same line; not a name given to
#: something else (``--name trtserver -d``)
_SERVER_TEXT = re.compile(r"(?:(?<![\w.:@/$-])|(?<=:-))(?<!--name )(?<!--name=)(?<!\bAS )(?<!\bas )"
                          r"(?P<path>(?:/[\w.+@-]+)*/)?(?P<bin>trtserver|tritonserver)(?=\}?[ \t]+-)")
#: a value that is the V1 binary by itself (the first item of an argv list under a key no reader knows:
#: ``cmd: [trtserver, ...]`` in a custom resource)
_SERVER_VALUE = re.compile(r"[ \t]*(?:(?:/[\w.+@-]+)*/)?trtserver[ \t]*")
#: what follows such a value when options follow it in its list: the next item (flow ``, --x`` or block
#: ``- --x``) is an option; or, in code, the next string added to it starts with one (``"trtserver " +
#: "--model-store=" + path``)
_NEXT_IS_OPTION = re.compile(r"[\"']?[ \t]*(?:,[ \t]*(?:\r?\n[ \t]*)*|\r?\n[ \t]*-[ \t]+)[\"']?-"
                             r"|[\"'][ \t]*\+[ \t]*[rRbBuUfF]{0,2}[\"'][ \t]*-")
_OPTION = re.compile(r"(?<![\w-])--(?P<name>[a-z][a-z0-9-]*)(?![\w-])")
#: in code, what stands before a string that is only the V1 binary when it is the program a launcher runs:
#: a name, field or key that says so (``binary: str = "trtserver"``, ``SERVER_BIN = ...``, ``{"cmd": ...}``), or the
#: default of an environment variable so named (``os.environ.get("TRITON_BIN", "trtserver")``)
_PROGRAM_NAME = r"(?i)(?:bin|binary|exe|executable|command|cmd|program|launcher)\w*[\"']?[ \t]*"
#: (or the first item of a list so named: ``cmds=["trtserver"]``, Airflow's KubernetesPodOperator)
_HELD_AS_PROGRAM = re.compile(_PROGRAM_NAME + r"(?::[ \t]*[\w.\[\]]+[ \t]*=|=|:|(?<=[\"']),)[ \t]*(?:[\[(][ \t]*)?"
                              r"[rRbBuU]?[\"']$")
#: or the default of a command-line option so named (``parser.add_argument("--binary", default="trtserver")``,
#: ``click.option("--server-bin", default=...)``)
_OPTION_DEFAULT = re.compile(r"(?i)[\"']--?[\w-]*(?:bin|binary|exe|executable|command|cmd|program|launcher|server)"
                             r"[\w-]*[\"'][^()\n]*?\bdefault[ \t]*=[ \t]*[rRbBuU]?[\"']$")
#: in YAML, the key (or a container's ``env`` entry ``name:``) a value stands under names the program a
#: container runs (``TRITON_BIN: trtserver``; ``- name: SERVER_BINARY`` / ``value: trtserver``)
_KEYED_AS_PROGRAM = re.compile(_PROGRAM_NAME + r"(?::|\r?\n[ \t]*value:)[ \t]*(?:\[[ \t]*|\r?\n[ \t]*-[ \t]+)?[\"']?$")
_MODEL_REPOSITORY_OPTION = re.compile(r"(?<![\w-])--model-(?:store|repository)[= ]")
#: a key or variable whose name names the server (``TRITON_ARGS``, ``trtserver_opts``): its value is the
#: server's options
_SERVER_NAME = r"(?:triton|trtis|trtserver|tensorrt_?server|inference_?server)"
_NAMED_FOR_SERVER = re.compile(_SERVER_NAME, re.I)
#: a line of text that sets such a variable (``TRITON_SERVER_ARGS=...``, ``triton_opts: ...``)
_NAMED_LINE = re.compile(r"[ \t]*(?:export[ \t]+)?[\w.-]*" + _SERVER_NAME + r"[\w.-]*[ \t]*[:=]", re.I)
#: a line of text that sets a variable to options alone (a dotenv file read by compose)
_ASSIGNMENT = re.compile(r"^[ \t]*(?:export[ \t]+)?[A-Za-z_]\w*[ \t]*=[ \t]*([\"']?)(--.*?)\1[ \t]*\r?\n?$")
_OPTION_WORD = re.compile(r"--([a-z][a-z0-9-]*)(?:=\S*)?")
#: options that name the server's model repository or its handling: with one of them a list of server
#: options is the inference server's, not another program's (``--api-version`` is Azure's too)
_REPOSITORY_OPTIONS = frozenset({"model-store", "model-repository", "model-control-mode", "strict-model-config",
                                 "repository-poll-secs", "load-model"})
#: a variable expanded where a command line takes its options (``$ARGS``, ``${ARGS[@]}``)
_EXPANDED = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)")
#: a reference to a locally built or third-party V1 image (``tensorrtserver_build``, a path never is one)
_V1_IMAGE_NAME = re.compile(r"(?<![\w./@-])(?P<registry>[\w.-]+(?::\d+)?/)?(?:[\w.-]+/)*[\w.-]*tensorrtserver[\w.-]*"
                            r"(?P<tag>:[\w.${}-]*[\w}])?(?![\w/@-])")


class Piece(NamedTuple):
    span: Span  #: in the text searched
    text: str  #: the evidence as written


def evidence_in(doc, target: Release) -> list[Piece]:
    """V1 evidence in ``doc`` (any kind), by its sites."""
    from .context import Context
    from .endpoints import LocalPorts

    out: list[Piece] = []
    regions = doc.regions()
    local = LocalPorts(doc, Context(doc, target))
    from .images import image_names

    named = image_names(doc)
    lines = doc.command_lines()
    judged = _judged_elsewhere(doc, lines, target)
    for region in regions:
        out.extend(_in_region(region, target, local, named, judged))
    out.extend(_unread_commands(doc, regions, target))
    from .paths import compared_names

    for site in doc.commands():
        ci = command_index(site.words)
        if ci is not None and not site.words[ci].dynamic and basename(site.words[ci].value) == "trtserver":
            w = site.words[ci]
            out.append(Piece(w.span, w.value))
        elif ci is not None and site.words[ci].dynamic:
            w = _run_after_expansion(site.words[ci + 1:])
            if w is not None:
                out.append(Piece(w.span, w.value))
        # the binary's name compared with the command a script is given (a case pattern, a test) or searched
        # for in a process list: what the migrated command no longer matches
        for w, i, j, _other, _how in compared_names(site, ci):
            out.append(Piece(w.sub(i, j), w.value[i:j]))
    for cl in lines:
        out.extend(_v1_options(cl, target))
    out.extend(_in_unread_values(doc, lines, target))
    for use in doc.client_uses():
        if use.kind == "import":  # named by where it comes from: the V1 module is the evidence
            out.append(Piece(use.span, f"{use.module}.{use.name}" if use.name else use.module))
    from .clients import cpp_client_uses

    for start, end, row in cpp_client_uses(doc):  # V1 C++ client code: its headers and context classes
        if row.kind in ("header", "class"):
            out.append(Piece(Span(start, end), doc.text[start:end]))
    for req in doc.requirements():
        if req.name.lower().replace("_", "-") == "tensorrtserver":
            out.append(Piece(req.span, req.text))
    out.extend(_option_keys(doc))
    out.extend(_named_in_prose(doc))
    return out


def _named_in_prose(doc) -> Iterator[Piece]:
    """Strong evidence in documentation prose (the server named in a sentence: ``was called `trtserver```): no
    reader takes it for a command, it is history (an info finding, outside the gate)."""
    for a, b in doc.advisory():
        for m in evidence.STRONG_TEXT.finditer(doc.text, a, b):
            yield Piece(Span(m.start(), m.end()), m.group(0))


#: a name only the V1 server's options had, written as a key of a configuration that a launcher turns into
#: ``--key=value`` (``allow-poll-model-repository: false`` in YAML, TOML or INI, ``"tf-gpu-memory-fraction":
#: 0.5`` in JSON or a Python dict): no other program has these names
_OPTION_KEY = re.compile(r"(?m)(?:^[ \t]*(?:-[ \t]+)?(?P<q>[\"']?)|(?P<q2>[\"']))(?P<name>" +
                         "|".join(sorted(facts.V1_SERVER_ONLY_OPTIONS)) + r")(?:(?P=q)|(?P=q2))[ \t]*[:=]")


def _option_keys(doc) -> Iterator[Piece]:
    text = doc.text
    if not any(name in text for name in facts.V1_SERVER_ONLY_OPTIONS):
        return
    comments = _comment_spans(doc)
    for m in _OPTION_KEY.finditer(text):
        a = m.start("name")
        if text[max(0, a - 2):a] == "--" or any(x <= a < y for x, y in comments):
            continue
        yield Piece(Span(a, m.end("name")), m.group("name"))


def _comment_spans(doc) -> list[tuple[int, int]]:
    """The lines of ``doc`` that are comments: their text starts with ``#``, ``;`` or ``//``."""
    return [(m.start(), m.end()) for m in re.finditer(r"(?m)^[ \t]*(?:#|;|//).*$", doc.text)]


def _judged_elsewhere(doc, lines, target: Release):
    """``judged(span, name)``: an option word that a region holds is not the region's to judge. It is a word of
    a server command line on a V2 image that stays (``_v1_options`` judges it against that image's release),
    or of another program's command (``az ... --api-version 2021-04-01``, a sidecar's ``--api-version=2``):
    V1-only options count only on a server command line (CONTRACT.md, "V1 evidence"), and another binary's
    options are its own - except the names no program but the V1 server ever had."""
    from .argv import line_release

    own: list[tuple[int, int]] = []  #: words of server lines judged against their own image's release
    server: list[tuple[int, int]] = []  #: words of every server line
    for cl in lines:
        words = [(w.start, w.end) for w, _ in cl.args()]
        server += words
        if line_release(cl, target) != target:
            own += words
    server.sort()
    foreign: list[tuple[int, int]] = []  #: words of other programs' commands
    expanded: list = []  #: their words that expand a variable of the file
    for site in doc.commands():
        ci = command_index(site.words)
        if ci is not None and site.words[ci].dynamic and facts.other_image(site.image):
            ci -= 1  # a container of an image known not to be the server: what it is given is its own
        elif ci is None or site.words[ci].dynamic or ci + 1 >= len(site.words):
            continue
        program = site.words[ci].value if ci >= 0 else ""
        if _NAMED_FOR_SERVER.search(basename(program)) or program.startswith("-") or any(
                "trtserver" in w.value or "tritonserver" in w.value or "tensorrtserver" in w.value
                for w in site.words):
            continue  # the server, a launcher named for it, or a command that names it somewhere (docker run)
        words = [(w.start, w.end) for w in site.words[ci + 1:]]
        if _within(server, min(a for a, _ in words), max(b for _, b in words), overlap=True):
            continue
        foreign += words
        if ci < 0 or basename(program) not in NOT_LAUNCHERS and basename(program) not in RUNS_NEXT:
            # (a ``docker run`` is judged by its container's site: the image it runs decides)
            expanded += [w for w in site.words[ci + 1:] if w.dynamic]
    foreign += _held_by_foreign(doc, expanded, server, foreign)
    if not own and not foreign:
        return None
    own.sort()
    foreign.sort()

    def judged(span: Span, name: str) -> bool:
        return _within(own, span.start, span.end) or (
            name not in facts.V1_SERVER_ONLY_OPTIONS and _within(foreign, span.start, span.end))

    return judged


_REFERENCE = re.compile(r"\$(?:\{(?P<a>[A-Za-z_]\w*)|\((?P<b>[A-Za-z_]\w*)\)|(?P<c>[A-Za-z_]\w*))")


def _held_by_foreign(doc, expanded: list, server: list[tuple[int, int]],
                     foreign: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where the values are written of the variables that only other programs' commands expand
    (``WEB_OPTS="--api-version=2"`` then ``docker run acme/api:3 $WEB_OPTS``): their options are that
    program's, as they are when written on its line. A variable that anything else names (a server line,
    another command, another variable's value), or whose value names the server, is not."""
    names = {m.group("a") or m.group("b") or m.group("c") for w in expanded for m in _REFERENCE.finditer(w.value)}
    names = {n for n in names if not _NAMED_FOR_SERVER.search(n)}
    if not names:
        return []
    spans = sorted(foreign)
    text = doc.text
    out: list[tuple[int, int]] = []
    for name in sorted(names):
        values = doc.variable_values(name)
        if not values:
            continue
        rx = re.compile(r"\$(?:\{|\()?" + re.escape(name) + r"(?!\w)")
        if any(not _within(spans, m.start(), m.end()) for m in rx.finditer(text)):
            continue  # named elsewhere too
        got = [(v.start, v.end) for v in values]
        if any(_within(server, a, b, overlap=True) or re.search(r"(?<![\w-])(?:trtserver|tritonserver)(?![\w-])",
                                                               text[a:b]) for a, b in got):
            continue
        out += got
    return out


def _within(spans: list[tuple[int, int]], start: int, end: int, overlap: bool = False) -> bool:
    """A span of the sorted, disjoint ``spans`` holds ``start``-``end`` (``overlap``: meets it at all)."""
    k = bisect.bisect_right(spans, (start, float("inf"))) - 1
    if k >= 0 and (spans[k][0] <= start and end <= spans[k][1] or overlap and start < spans[k][1]):
        return True
    return overlap and k + 1 < len(spans) and spans[k + 1][0] < end


def _in_region(region, target: Release, local=None, named=None, judged=None) -> Iterator[Piece]:
    text = region.text
    if "tensorrt" in text or "TENSORRT" in text:
        for m in facts.IMAGE_RE.finditer(text):
            info = facts.classify(m.group(0))
            if info.v1 and (region.image_context or m.group("tag") or m.group("prefix")):
                yield _piece(region, m.start(), m.end())
        for m in _V1_IMAGE_NAME.finditer(text):  # locally built or third-party V1 images
            name = m.group(0).split(":")[0].rsplit("/", 1)[-1]
            registry = m.group("registry") or ""
            if name != "tensorrtserver" and (region.image_context or m.group("tag")
                                             or "." in registry or ":" in registry
                                             or named is not None and named(region, m.start(), m.end())):
                yield _piece(region, m.start(), m.end())
        for rx in (_PATH, _ENV):
            for m in rx.finditer(text):
                yield _piece(region, m.start(), m.end())
        if region.shell or region.label == "line":
            for m in _CLIENT_IMPORT.finditer(text):
                yield _piece(region, m.start(), m.end())
            # (a line of text: a notebook's ``!pip install tensorrtserver``, a README's code block - the name
            # is NVIDIA's V1 client alone)
            for m in _PIP_CLIENT.finditer(text):
                yield _piece(region, m.start("pkg"), m.end("pkg"))
        if region.label == "string" or region.shell:
            for m in _CLIENT_MODULE.finditer(text):
                yield _piece(region, m.start(), m.end())
        for m in _CLIENT_PIN.finditer(text):
            yield _piece(region, m.start(), m.end())
        for m in _CLIENT_TOML_DEP.finditer(text):
            if not _CLIENT_PIN.match(text, m.start("pkg")):
                yield _piece(region, m.start("pkg"), m.end("pkg"))
    if "/releases/download/" in text:  # (a V1 release of the renamed repository names no tensorrt)
        for m in _TARBALL.finditer(text):
            yield _piece(region, m.start(), m.end())
    if "--" in text:
        # a value that also names a model repository reads as the server's own options (a ConfigMap
        # value of flags in another file than the pod that takes it; a line of an env file or a
        # configuration of no known kind: ``SERVER_ARGS=--model-store=/m --api-version=2``)
        server_args = region.triton or _MODEL_REPOSITORY_OPTION.search(text) is not None \
            or _NAMED_FOR_SERVER.search(region.label or "") is not None \
            or region.label == "line" and (_NAMED_LINE.match(text) is not None or _server_options(text))
        for m in _V1_OPTION.finditer(text):
            name = _ABBREVIATED.get(m.group("name"))
            if name is None:
                continue
            # outside a Triton context only the names no other program had (a container of an image the
            # tool does not know, given the V1 server's arguments); in a text file only where the line
            # shows they are the server's (above)
            if not server_args and (name not in facts.V1_SERVER_ONLY_OPTIONS or region.label == "line"):
                continue
            if region.other_program and name not in facts.V1_SERVER_ONLY_OPTIONS \
                    and not _NAMED_FOR_SERVER.search(region.label or ""):
                continue  # another program's options, as on its own line (``judged`` below)
            if name.startswith(("api-", "grpc-")) and not _v1_only(name, target):
                continue  # an option some releases take again (the gRPC thread count from 25.04)
            if judged is not None and judged(region.span(m.start(), m.end()), name):
                continue  # a word of a server line judged against its own image, or another program's
            if not name.startswith("tf-") or target.at_least("20.08"):
                yield _piece(region, m.start(), m.end())
    if "/trtserver" in text:
        # a path to a file named as the V1 binary (``COPY --from=v1 /opt/tensorrtserver/bin/trtserver
        # /usr/local/bin/trtserver``): a migrated ``tritonserver`` command would not find it
        for m in _BINARY_PATH.finditer(text):
            yield _piece(region, m.start(), m.end())
    if '"trtserver' in text or "'trtserver" in text:
        # the binary first in an exec-form or JSON argv written inside a string no reader parses (Packer's
        # ``changes = ["CMD [\\"trtserver\\", ...]"]``, a Python string of JSON, a heredoc's container definitions)
        for m in _QUOTED_ARGV_BINARY.finditer(text):
            yield _piece(region, m.start("bin"), m.end("bin"))
    if "trtserver" in text and "-" in text:
        # the binary first in a YAML list of options written inside a string no reader took as a command (the
        # ``value:`` of a kustomize JSON 6902 patch whose workload is not in the run: ``- trtserver`` then
        # ``- --model-store=...``; ``[trtserver, --model-store=...]``)
        for m in _LISTED_ARGV_BINARY.finditer(text):
            g = "bin" if m.group("bin") else "bin2"
            yield _piece(region, m.start(g), m.end(g))
    if region.shell and "trtserver" in text:
        # the binary held by a shell variable or a loop no reader followed to a command (``BIN=trtserver`` then
        # ``CMD="$BIN $OPTS"; eval "$CMD"``; ``for b in trtserver; do $b ...``)
        for rx in (_ASSIGNED_BINARY, _LOOP_BINARY):
            for m in rx.finditer(text):
                yield _piece(region, m.start("bin"), m.end("bin"))
    # a stage on a locally built V1 image runs V1 too: its endpoints are evidence, never rewritten
    for url in triton_urls(replace(region, triton=True) if region.unknown_base else region, local=local):
        m = _ENDPOINT.match(text, url.start("path"))
        if m:
            yield _piece(region, m.start(), m.end())


_LISTED_ARGV_BINARY = re.compile(r"(?m)(?:^[ \t]*-[ \t]+(?P<q>[\"']?)(?P<bin>(?:/[\w.+@-]+)*/?trtserver)(?P=q)[ \t]*\r?\n"
                                 r"[ \t]*-[ \t]+[\"']?--|\[[ \t]*(?P<q2>[\"']?)(?P<bin2>(?:/[\w.+@-]+)*/?trtserver)"
                                 r"(?P=q2)[ \t]*,[ \t]*[\"']?--)")
#: (a program's path: in a ``bin`` folder or V1's own; ``/var/log/trtserver``, ``WORKDIR /opt/trtserver`` and
#: ``/v2/models/trtserver/infer`` are folders and URLs named for it)
_BINARY_PATH = re.compile(r"(?<![\w.:@$/-])(?:/[\w.+@-]+)*/(?:s?bin|[\w.+@-]*tensorrtserver[\w.+@-]*)/trtserver(?![\w./-])")
_ASSIGNED_BINARY = re.compile(r"(?m)(?:^|[;&|(]|\b(?:export|local|readonly|declare))[ \t]*[A-Za-z_]\w*=([\"']?)"
                              r"(?P<bin>(?:/[\w.+@-]+)*/?trtserver)\1(?=[ \t;&|)]|$)")
_QUOTED_ARGV_BINARY = re.compile(r"\[[ \t\r\n]*\\?[\"'](?P<bin>(?:/[\w.+@-]+)*/?trtserver)\\?[\"']")
_LOOP_BINARY = re.compile(r"\bfor[ \t]+\w+[ \t]+in[ \t]+(?:[^;\n]*?[ \t])?([\"']?)(?P<bin>(?:/[\w.+@-]+)*/?trtserver)\1"
                          r"(?=[ \t;]|$)")


def _server_options(line: str) -> bool:
    """``NAME=--opt=v --opt v ...`` (a dotenv or shell assignment, quoted or not) whose options are all the
    server's and hold a V1-only one: the inference server's options, kept for a command line that
    expands the variable elsewhere (``command: tritonserver ${SERVER_ARGS}`` and its ``.env``)."""
    m = _ASSIGNMENT.match(line)
    if m is None:
        return False
    names = []
    for word in m.group(2).split():
        if word.startswith("-"):
            o = _OPTION_WORD.fullmatch(word)
            if o is None or o.group(1) not in facts.V1_OPTIONS and o.group(1) not in facts.V2_OPTIONS:
                return False
            names.append(o.group(1))
    v1_only = [n for n in names if n in facts.V1_ONLY_OPTIONS]
    return bool(v1_only) and (any(n in facts.V1_SERVER_ONLY_OPTIONS for n in v1_only)
                              or any(n in _REPOSITORY_OPTIONS for n in names))


def _piece(region, i: int, j: int) -> Piece:
    return Piece(region.span(i, j), region.text[i:j])


def _v1_only(name: str, target: Release) -> bool:
    """An option V1 had that ``target`` refuses (or that only V1 had)."""
    row = {r.option: r for r in T.REMOVED_OPTIONS}.get(name)
    return name in ("allow-poll-model-repository", "allow-model-control") or \
        (row is not None and target.at_least(row.removed_from) and not (
            row.back_from and target.at_least(row.back_from))) or \
        (name in T.TF_OPTIONS and target.at_least("20.08") and name != "tf-add-vgpu")


def _v1_options(cl, target: Release) -> Iterator[Piece]:
    """Options of a server command line that the target refuses or that only V1 had."""
    from .argv import line_release, parse_options

    opts, _, _ = parse_options(cl)
    target = line_release(cl, target)  # (a line on a V2 image that stays is judged against its release)
    for o in opts:
        if _v1_only(o.name, target) or (o.name == "model-store" and cl.v1):
            yield Piece(o.span, o.word.value if o.value_word is None else f"{o.word.value} {o.value_word.value}")


def _unread_commands(doc, regions, target: Release) -> Iterator[Piece]:
    """The server run in text no reader took as a command: ``trtserver`` itself, and the options of
    either binary that only V1 had (V2 refuses them), on the rest of its line."""
    words: list[tuple[int, int, bool]] | None = None  #: the readers' command words: (start, end, says)
    for region in regions:
        text = region.text
        if "trtserver" not in text and "tritonserver" not in text:
            continue
        value = _SERVER_VALUE.fullmatch(text)
        if value is not None:
            start = region.off(0)
            default = _action_default(doc, region, start)
            if not text.strip() or not (_NEXT_IS_OPTION.match(doc.text, region.off(len(text) - 1) + 1)
                                        or region.label == "string" and "trtserver" in text
                                        and (_HELD_AS_PROGRAM.search(doc.text, max(0, start - 60), start)
                                             or _OPTION_DEFAULT.search(doc.text, max(0, start - 160), start))
                                        or "trtserver" in text
                                        and _KEYED_AS_PROGRAM.search(doc.text, max(0, start - 80), start)
                                        or default):
                continue  # a name (a container, a network, a host), not argv[0] of a list of options
            if words is None:
                words = _command_words(doc)
            lead = len(text) - len(text.lstrip())
            at = region.off(lead)
            k = bisect.bisect_right(words, (at, float("inf"), True)) - 1
            # a reader's command: its rules judge it (an action's literal default: when read as the word itself,
            # not inside the action's word)
            if not (k >= 0 and words[k][0] <= at < words[k][1] and (not default or words[k][0] == at)):
                yield _piece(region, lead, len(text.rstrip()))
            continue
        for m in _SERVER_TEXT.finditer(text):
            if words is None:  # where the document's readers found commands: theirs to judge
                words = _command_words(doc)
            at = region.off(m.start("bin"))
            k = bisect.bisect_right(words, (at, float("inf"), True)) - 1
            # a word that is the binary (or its path) is the reader's; so is a message a command
            # prints; a script inside another word (``python3 -c "os.system('trtserver ...')"``) is not
            if k >= 0 and words[k][0] <= at < words[k][1] and (words[k][0] == region.off(m.start()) or words[k][2]):
                continue
            if m.group("bin") == "trtserver":
                yield _piece(region, m.start(), m.end())
            end = text.find("\n", m.end())
            for o in _OPTION.finditer(text, m.end(), len(text) if end < 0 else end):
                if o.group("name") in facts.V1_OPTIONS and _v1_only(o.group("name"), target):
                    yield _piece(region, o.start(), o.end())


def _action_default(doc, region, start: int) -> bool:
    """The region is the string literal of a Helm template action that writes an item of a container's command
    line (``args: [{{ .Values.bin | default "trtserver" | quote }}, ...]``): what the item is unless the values set
    it."""
    template = getattr(doc, "template", None)
    if template is None or region.label not in ("command", "args"):
        return False
    a = template.action_at(start)
    return a is not None and a.start < start


#: commands whose arguments are messages, not commands
_MESSAGES = {"echo", "printf", "logger", ":"}


#: what follows a command that writes what it prints to a file (a script, a unit): a redirection to a
#: path (not to a descriptor or a device), or a pipe into ``tee``
_WRITES_FILE = re.compile(r"[ \t]*(?:\\\r?\n[ \t]*)*(?:(?:[12]?>>?|&>>?)[ \t]*(?!&|/dev/(?:null|stdout|stderr|tty)\b)"
                          r"[^\s;&|<>]|\|[ \t]*(?:sudo[ \t]+(?:-\S+[ \t]+)*)?tee\b)")


def _run_after_expansion(rest: list) -> object | None:
    """The V1 binary that the words after an expansion in the command's place run, when that expansion
    is a wrapper or an image no reader could tell from options (``$WRAPPER trtserver --x``, ``docker run
    $OPTS $IMAGE env X=1 trtserver --x`` read with ``$OPTS`` as the image): its word, followed by an option,
    an expansion or nothing (not a container's name: ``$DOCKER exec trtserver sh``)."""
    k = command_index(rest)
    if k is None or rest[k].dynamic or basename(rest[k].value) != "trtserver":
        return None
    if k + 1 < len(rest) and not (rest[k + 1].value.startswith("-") or rest[k + 1].is_whole_expansion):
        return None
    return rest[k]


def _command_words(doc) -> list[tuple[int, int, bool]]:
    """(start, end, whether its command prints a message) of each word of the document's commands, sorted
    (one list for both kinds of text a region may hold: a region may hold both)."""
    return sorted((w.start, w.end, _says(site, doc.text)) for site in doc.commands() for w in site.words)


def _says(site, text: str) -> bool:
    """The command prints a message (``echo``, ``printf``); not when it writes it to a file: then it
    writes a script (``echo 'exec trtserver ...' > /usr/local/bin/serve``), whose server is V1 left."""
    ci = command_index(site.words)
    return ci is not None and basename(site.words[ci].value) in _MESSAGES \
        and _WRITES_FILE.match(text, site.words[-1].end) is None


def _in_unread_values(doc, lines, target: Release) -> Iterator[Piece]:
    """V1-only options in the values of variables that a server command line expands where the
    document could not read them (assigned twice, expanded twice): the line gets its runtime-arguments
    warning, and the value, written elsewhere, is V1 left where it is written."""
    names = {m.group(1) for cl in lines for w, _ in cl.args() if w.is_whole_expansion
             for m in [_EXPANDED.match(w.value)] if m}
    if not names:
        return
    assign = re.compile(r"(?<![\w$.-])(?:" + "|".join(sorted(map(re.escape, names))) +
                        r")[ \t]*(?:\+|:|\?|::)?=[ \t]*")
    for region in doc.regions():
        text = region.text
        for m in assign.finditer(text):
            end = _value_end(text, m.end())
            for o in _OPTION.finditer(text, m.end(), end):
                if o.group("name") in facts.V1_OPTIONS and _v1_only(o.group("name"), target):
                    yield _piece(region, o.start(), o.end())


def _value_end(text: str, i: int) -> int:
    """Where the value of an assignment starting at ``text[i]`` ends: a shell array at its closing
    parenthesis, else at the end of the line (continuations included)."""
    if text.startswith("(", i):
        j = text.find(")", i)
        return len(text) if j < 0 else j
    j = i
    while True:
        k = text.find("\n", j)
        if k < 0:
            return len(text)
        if k > 0 and text[k - 1] == "\\" or k > 1 and text[k - 2:k] == "\\\r":
            j = k + 1
            continue
        return k


def raw_evidence(text: str, kind: str) -> list[Piece]:
    """Strong evidence in a file that could not be read as its kind: line by line, outside the
    kind's line comments."""
    out: list[Piece] = []
    comment = kinds.get(kind).line_comments
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.lstrip(" \t")
        if line.strip() and not (comment and body.startswith(comment)):
            for m in evidence.STRONG_TEXT.finditer(line):
                out.append(Piece(Span(pos + m.start(), pos + m.end()), m.group(0)))
        pos += len(line)
    return out


def uncovered(pieces: list[Piece], edits: list[Edit], covering: list[Finding], line_starts: list[int],
              advisory: list[tuple[int, int]] = (), reviewed: list[Finding] = ()) -> list[Finding]:
    """TDM003 for each piece (spans in the output) on no original line of a warning or error finding
    nor of a ``reviewed`` one (removed by a suppression comment: a person looked); pieces inside
    ``advisory`` spans (documentation prose) are info."""
    looked = {id(f) for f in reviewed}
    covered: set[int] = set()  #: lines of a warning or error finding
    named: set[int] = set()  #: lines of any finding (in prose, an info finding already names the evidence)
    for f in covering:
        if f.span is not None:
            a, b = _line(line_starts, f.span.start), _line(line_starts, max(f.span.start, f.span.end - 1))
            named.update(range(a, b + 1))
            if f.severity.rank >= 1 or id(f) in looked:
                covered.update(range(a, b + 1))
    out: list[Finding] = []
    seen: set[tuple[int, int]] = set()
    reported_to = -1  #: where the last reported piece ends (a piece inside it is not reported again)
    back = OffsetMap(edits)
    prose_spans = covers_any(advisory)
    for p in sorted(pieces, key=lambda p: (p.span.start, -p.span.end)):
        if is_foreign(p.span):
            continue  # another file's part of a server command line: that file's own evidence
        start = back.back(p.span.start) if edits else p.span.start
        end = max(start, back.back(p.span.end - 1) + 1) if edits and p.span.end > p.span.start else \
            start + (p.span.end - p.span.start)
        prose = prose_spans.covers(start)
        if _line(line_starts, start) in (named if prose else covered) or (start, end) in seen or end <= reported_to:
            continue
        seen.add((start, end))
        reported_to = max(reported_to, end)
        f = LEFT.finding(Span(start, end), f"V1 evidence left: {p.text!r}{_why(p.text)} - no rule changed or "
                         f"reported it here: migrate it by hand (or, once reviewed, suppress TDM003)",
                         Severity.INFO if prose else Severity.WARNING)
        if prose:
            f.message = f"V1 named in documentation prose: {p.text!r} (history, outside the gate)"
            f.advisory = True
        out.append(f)
    return out


#: what a V1-only option left as evidence means (held apart from any server line: an env file, a ConfigMap)
_REMOVED = {r.option: r.why for r in T.REMOVED_OPTIONS} | {r.option: r.summary for r in T.BACKEND_OPTIONS} | {
    "allow-poll-model-repository": "V2 has --model-control-mode=poll|none instead",
    "allow-model-control": "V2 has --model-control-mode=explicit instead"}


def _why(text: str) -> str:
    why = _REMOVED.get(_ABBREVIATED.get(text[2:], text[2:])) if text.startswith("--") else \
        _REMOVED.get(text) if text in facts.V1_SERVER_ONLY_OPTIONS else None
    return f" ({why}: a V2 server given it refuses to start)" if why else ""


def _line(line_starts: list[int], offset: int) -> int:
    return bisect.bisect_right(line_starts, offset) - 1
