"""The typed sites a document exposes to the rules, all in document offsets: text regions,
commands, and server command lines (words with spans, grouped in segments that each keep their own
syntax). The argv transformer and every rule talk to these, never to a file format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from ..model import Edit, Span
from ..syntax.quoting import Syntax
from ..syntax.shellwords import ShellSyntaxError, Word, lex


@dataclass(slots=True)
class Region:
    """A run of non-comment text; ``text[i]`` sits at document offset ``offsets[i]`` (or
    ``base + i``). Regex rules search regions, so comments are never rewritten."""

    text: str
    base: int = 0
    offsets: Sequence[int] | None = None
    triton: bool = False  #: weak evidence (URLs, options, client names) counts here
    shell: bool = False  #: the text is shell (words and commands make sense)
    image_context: bool = False  #: the whole region is an image reference (FROM, ``image:``)
    label: str = ""
    report_only: bool = False  #: read, never edited (see ``Document.report_only``)
    #: in a build stage based on a locally built V1 image: its layout is unknown (paths are not mapped)
    unknown_base: bool = False
    #: the placeholder written right before the text, as written (an f-string's ``{host}`` before
    #: ``:8000/api/health``): the text's URL starts with what it holds
    placeholder: str | None = None
    #: ``triton`` only because a container of the server's pod runs it (a sidecar's command, environment or exec
    #: probe): it reaches the server on ``localhost`` at the server's ports, its other URLs and bare paths are its own
    sidecar: bool = False
    #: given only to containers of images known not to be the server (a service's environment): options in it
    #: are that program's, as they are on its command line
    other_program: bool = False

    def off(self, i: int) -> int:
        if self.offsets is None:
            return self.base + i
        if i >= len(self.text):
            return self.offsets[-1] + 1 if self.text else self.base
        return self.offsets[i]

    def span(self, i: int, j: int) -> Span:
        if j <= i:
            return Span(self.off(i), self.off(i))
        return Span(self.off(i), self.off(j - 1) + 1)

    def contiguous(self, i: int, j: int) -> bool:
        """True when ``text[i:j]`` is one unbroken run of the document (no continuation inside)."""
        return self.offsets is None or j <= i or self.off(j - 1) - self.off(i) == j - 1 - i


def without_shell_comments(region: Region) -> list[Region]:
    """``region``, a shell script held in a string (``args: ["bash", "-c", "..."]``, compose ``command:``), as
    the runs of it outside its comments: a comment in the script is neither changed nor reported, as one in a
    script file is not."""
    if "#" not in region.text:
        return [region]
    try:
        comments = lex(region.text).comments
    except ShellSyntaxError:
        return [region]
    if not comments:
        return [region]
    out: list[Region] = []
    pos = 0
    for c in sorted(comments, key=lambda sp: sp.start):
        if c.start > pos:
            out.append(_part(region, pos, c.start))
        pos = max(pos, c.end)
    if pos < len(region.text):
        out.append(_part(region, pos, len(region.text)))
    return out


def _part(region: Region, i: int, j: int) -> Region:
    if region.offsets is None:
        return replace(region, text=region.text[i:j], base=region.base + i, placeholder=None)
    return replace(region, text=region.text[i:j], offsets=region.offsets[i:j], placeholder=None)


@dataclass(slots=True)
class CommandSite:
    """A simple command found in shell text or an exec-form list: its words, in order."""

    words: list[Word]
    segment: Segment
    triton: bool = False
    text: str = ""  #: the document text (for edits that need gaps)
    #: the image the command runs in, where the reader knows it (``docker run IMAGE cmd``, a Dockerfile
    #: stage's base, a compose service's or a pod container's image), as resolved; None when unknown
    image: str | None = None


@dataclass(slots=True)
class Segment:
    """Consecutive words of one list (an ENTRYPOINT, a CMD, a ``command:``)."""

    words: list[Word]
    syntax: Syntax
    label: str = ""  #: ``CMD``, ``command``: for messages
    #: the words a variable holds (documents/held.py): the expansion word they stand for in the line,
    #: and that line's syntax (what comes after the expansion is written there)
    expansion: Word | None = None
    outer: Syntax | None = None
    #: (``index``: id of each word -> its position, made when first asked)
    _positions: dict[int, int] | None = field(default=None, init=False, repr=False, compare=False)

    def index(self, word: Word) -> int:
        """The position of ``word`` (this very object) in the segment."""
        positions = self._positions
        if positions is None or len(positions) != len(self.words):
            positions = self._positions = {id(w): k for k, w in enumerate(self.words)}
        return positions[id(word)]


@dataclass
class CommandLine:
    """A server command line: the binary word and the argument words that follow it."""

    text: str  #: the whole document text (gaps between words are read from it)
    segments: list[Segment]
    binary: Word | None  #: the server binary, when this line shows it
    v1: bool  #: a V1 line (``trtserver`` binary or V1 image): everything applies
    label: str = ""
    extra: dict = field(default_factory=dict)
    #: the document reads this line but cannot edit it (a folded YAML script): reported only
    report_only: bool = False
    #: where the image the line runs on is written, where the file says (a stage's FROM, a service's
    #: image; and the values of the variables it is made of)
    images: tuple[Span, ...] = ()
    #: the line is the V1 server's only by an option only V1 had (its image is not one the tool
    #: knows, and it names no binary): that option
    v1_arguments: str = ""
    #: options alone given to an image the run builds from a V1 server's Dockerfile whose ENTRYPOINT is the
    #: server binary (``commands.BuiltServer``): the line is that server's by its image
    built: object = None
    #: options given to a server line written elsewhere (a kustomize patch of its container): that line gets
    #: the V1 defaults; ``extra["mode"]`` is the model-control mode it runs in, or ``extra["given_to"]`` that line
    #: (a script's ``exec trtserver "$@"``), whose mode the argv transformer reads
    appended: bool = False
    #: ids of every word the same change deletes (set by the argv transformer), see delete()
    deleting: frozenset = frozenset()
    _kept: dict = field(default_factory=dict, repr=False, compare=False)

    def places(self) -> list[tuple[int, int]]:
        """Where this file writes the line's words (a Helm helper's copies of another file's words left out):
        each word's span, and the characters of its value where they stand elsewhere (the string a constant
        holds, ``[BIN, ...]`` with ``BIN = "trtserver"``)."""
        out = []
        words = [w for seg in self.segments for w in seg.words]
        for w in ([self.binary] if self.binary is not None else []) + words:
            if is_foreign(w.span):
                continue
            out.append((w.start, w.end))
            if len(w.offsets) and not (w.start <= w.offsets[0] < w.end):
                out.append((min(w.offsets), max(w.offsets) + 1))
        return out

    def args(self) -> list[tuple[Word, Segment]]:
        out = []
        seen_binary = self.binary is None
        for seg in self.segments:
            for w in seg.words:
                if not seen_binary:
                    seen_binary = w is self.binary
                    continue
                out.append((w, seg))
        return out

    # --- edits ------------------------------------------------------------------------------

    def _gap(self, a: Word, b: Word) -> str:
        return self.text[a.end : b.start]

    def delete(self, word: Word, seg: Segment) -> Edit:
        """Remove ``word`` and one separator, without touching comments or continuations (a syntax
        whose words stand one per line, such as a YAML block list, removes the whole line)."""
        own = seg.syntax.delete_word(self.text, word)
        if own is not None:
            return own
        ws = seg.words
        i = seg.index(word)
        gone = self.deleting
        first_kept, last_kept = self._kept_bounds(seg)
        if id(word) in gone and first_kept > i:
            # a run of deleted words that starts the segment: each takes the separator after it
            # (the whole segment: the first takes none), so the deletions of neighbours never
            # overlap and together remove exactly the separators no kept word needs
            if last_kept > i:
                if seg.syntax.gap_re.match(self._gap(word, ws[i + 1])):
                    return Edit.delete(word.start, ws[i + 1].start)
            elif i == 0:
                return Edit.delete(word.start, word.end)
        if i > 0 and seg.syntax.gap_re.match(self._gap(ws[i - 1], word)):
            return Edit.delete(ws[i - 1].end, word.end)
        if i + 1 < len(ws) and seg.syntax.gap_re.match(self._gap(word, ws[i + 1])):
            return Edit.delete(word.start, ws[i + 1].start)
        if i > 0:
            # a comment stands between: delete the word's own line when it holds nothing else
            line_start = self.text.rfind("\n", 0, word.start) + 1
            nl = self.text.find("\n", word.end)
            line_end = len(self.text) if nl < 0 else nl + 1
            if i + 1 < len(ws) and not self.text[line_start : word.start].strip():
                rest = self.text[word.end : line_end].strip()
                if rest in ("", "\\", "`", ",", ", \\", ",\\"):
                    return Edit.delete(line_start, line_end)
        return Edit.delete(word.start, word.end)

    def _kept_bounds(self, seg: Segment) -> tuple[int, int]:
        """Indices of the first and last word of ``seg`` the change keeps (len / -1 when none)."""
        key = (id(seg), self.deleting)
        cache = self._kept
        if key not in cache:
            kept = [k for k, w in enumerate(seg.words) if id(w) not in self.deleting]
            cache.clear()
            cache[key] = (kept[0], kept[-1]) if kept else (len(seg.words), -1)
        return cache[key]

    def replace_value(self, word: Word, seg: Segment, i: int, j: int, new: str) -> Edit:
        """Replace ``word.value[i:j]`` by ``new``, requoting the word when it must."""
        new_value = word.value[:i] + new + word.value[j:]
        contiguous = j <= i or word.offsets[j - 1] - word.offsets[i] == j - 1 - i
        if contiguous and seg.syntax.maps_exactly(word, i, j) and seg.syntax.safe_in_place(word, new, new_value):
            return Edit(word.sub(i, j), new)
        return seg.syntax.requote(word, new_value)

    def insert_after(self, anchor: Word | None, seg: Segment, values: list[str]) -> Edit:
        """New words after ``anchor`` (None: at the front of ``seg``), styled like their siblings."""
        ws = seg.words
        like = next((w for w in reversed(ws) if w is not self.binary), anchor)
        if anchor is not None:
            own = seg.syntax.insert_words(self.text, anchor, values, like)
            if own is not None:
                return own
        sep = seg.syntax.default_sep
        if anchor is not None:
            i = seg.index(anchor)
            if i > 0 and seg.syntax.gap_re.match(self._gap(ws[i - 1], anchor)) and self._gap(ws[i - 1], anchor):
                sep = self._gap(ws[i - 1], anchor)
            elif i + 1 < len(ws) and seg.syntax.gap_re.match(self._gap(anchor, ws[i + 1])) and self._gap(anchor, ws[i + 1]):
                sep = self._gap(anchor, ws[i + 1])
            words = [seg.syntax.quote(v, like) for v in values]
            inner_sep = seg.syntax.default_sep if "\n" in sep else sep
            return Edit.insert(anchor.end, sep + inner_sep.join(words))
        words = [seg.syntax.quote(v, like) for v in values]
        if ws:
            return Edit.insert(ws[0].start, sep.join(words) + sep)
        raise ValueError("cannot insert into an empty segment without an anchor")


#: offsets from here on stand for words of another file: a server command line that one file holds
#: in part (a Helm template and the values list it expands) carries copies of the other files' words
#: there, so that the argv transform sees the whole line; what it makes of them is the other file's
FOREIGN = 1 << 40


class ForeignSyntax(Syntax):
    """How copies of another file's words are edited: never for real (those edits are dropped)."""

    def requote(self, word: Word, new_value: str) -> Edit:
        return Edit(word.span, new_value)


def foreign_copy(seg: Segment) -> Segment:
    """``seg`` with its words copied to offsets from ``FOREIGN`` on (see ``CommandLine.parts``)."""
    words = [Word(w.start + FOREIGN, w.end + FOREIGN, w.value, [o + FOREIGN for o in w.offsets], w.dynamic, w.quote,
                  w.inner_end + FOREIGN if w.inner_end >= 0 else w.inner_end) for w in seg.words]
    return Segment(words, ForeignSyntax(), seg.label)


def is_foreign(span: Span) -> bool:
    return span.start >= FOREIGN


def span_of(words: list[Word]) -> Span:
    return Span(min(w.start for w in words), max(w.end for w in words))


def merge_deletes(edits: list[Edit]) -> list[Edit]:
    """Deletions that touch or overlap become one (deleting neighbouring words together)."""
    edits = sorted(edits, key=lambda e: e.span.start)
    out: list[Edit] = []
    for e in edits:
        if out and out[-1].span.end >= e.span.start:
            last = out.pop()
            e = Edit.delete(min(last.span.start, e.span.start), max(last.span.end, e.span.end))
        out.append(e)
    return out


# --- ports, probes and images: what the follow-through rules read ---------------------------------

@dataclass
class PortEntry:
    """One entry of a list of ports (an EXPOSE word, a compose ``ports`` item, a container port, a
    Service port, a ``docker run -p``)."""

    port: str | None  #: the container port it targets, as written (a number, a name, a range)
    span: Span  #: the whole entry
    remover: Callable[[], list[Edit]] | None = None  #: builds the edits that remove the entry
    #: the host port it is published on (compose, ``docker run -p``; Kubernetes: a container's ``hostPort``,
    #: a Service's ``nodePort``, on every node's address)
    host: str | None = None
    name: str | None = None  #: its port name (Kubernetes, Helm values)
    targets: frozenset[str] = frozenset()  #: every port number or name it routes to

    def remove(self) -> list[Edit]:
        assert self.remover is not None
        return self.remover()


@dataclass
class PortList:
    """The ports of one container (or of a Service that routes to it) in one list."""

    #: "expose" (Dockerfile), "compose", "kubernetes", "values" (Helm), "docker" (``-p``), "target" (the port a
    #: load balancer's target group sends its requests to: a target group's ``port``, an ECS service's
    #: ``load_balancer`` ``container_port``)
    style: str
    where: str  #: how messages name the list ("EXPOSE", "ports", "container triton ports", ...)
    entries: list[PortEntry]
    key: str = ""  #: the key that names the target port of an entry (``containerPort``, ``targetPort``)
    assign: str = ": "  #: how the file writes ``key`` and a value (``: `` in YAML, `` = `` in HCL)
    service: bool = False  #: a Service's ports: an entry may name the container's port instead
    #: an entry may be removed by an edit (False: a list of Python code, whose shape the verification keeps: reported)
    edited: bool = True


@dataclass
class ProbePort:
    """The port of a probe's ``httpGet``/``tcpSocket``."""

    probe: str  #: ``livenessProbe``, ...
    value: str  #: as written: a number or a port name
    span: Span
    quote: str = ""  #: the quote around it ("" plain)
    #: a load balancer target group's health check: the container port its traffic goes to, which
    #: ``traffic-port`` names (None: not known, or no target group's)
    traffic: str | None = None
    string: bool = False  #: the port is a string whatever it holds (a target group's): a number keeps its quotes


@dataclass
class HealthKey:
    """A values key whose name says it holds a health port (``healthPort: 8005``)."""

    key: str
    value: str
    span: Span


@dataclass
class PortSites:
    """What routes to the ports of some server command lines (``owners``; None: of every server of
    the file): lists of ports, probes, the container's named ports, health keys."""

    owners: list | None
    lists: list[PortList] = field(default_factory=list)
    probes: list[ProbePort] = field(default_factory=list)
    port_names: dict[str, str] = field(default_factory=dict)  #: port name (or number) -> container port
    health_keys: list[HealthKey] = field(default_factory=list)
    style: str = ""  #: how the probes and names are judged ("kubernetes", "values")


@dataclass
class Requirement:
    """A Python package requirement as a file writes it (``tensorrtserver==1.10.0``, in a
    requirements file, a ``pyproject.toml`` list, ``setup.py``, a conda ``pip:`` section)."""

    name: str  #: the distribution name, as written
    text: str  #: the whole requirement as written (name, extras, version specifier, markers)
    span: Span  #: where ``text`` stands
    replacer: Callable[[str], Edit] | None = None  #: writes another requirement there, in the file's syntax
    hashed: bool = False  #: pinned by ``--hash`` options: another requirement needs hashes of its own
    editable: bool = False  #: ``-e``/``--editable``: a source checkout, not a release

    def replace(self, requirement: str) -> Edit:
        assert self.replacer is not None
        return self.replacer(requirement)


@dataclass
class ClientUse:
    """A use of the V1 client library in code: an import of one of its modules or names, a call, an
    attribute or a bare reference (``InferContext(...)``, ``ctx.run(...)``, ``ProtocolType.HTTP``,
    ``except InferenceServerException``)."""

    module: str  #: the V1 module the name belongs to (``tensorrtserver.api``, ``tensorrtserver.shared_memory``)
    name: str  #: the name inside ``module`` (``InferContext``, ``InferContext.run`` - a method of an
    #: instance -, ``ProtocolType.HTTP``, ``*``); for an import of a module itself, ""
    span: Span  #: what is written: the imported name, the called expression, the attribute chain
    kind: str  #: "import", "call", "attribute" or "name"
    text: str = ""  #: the code as written at ``span``


@dataclass(frozen=True)
class PyExpr:
    """An expression of a client program as written: what a rewrite copies or reads."""

    span: Span
    text: str  #: the code as written at ``span``
    kind: str  #: "const", "name", "attribute", "call", "dict", "tuple", "list", "starred" or "other"
    value: object = None  #: a constant's value; for a name bound once to a constant, that constant
    bound: bool = False  #: a name bound exactly once (in the scope that defines it) to a constant
    v1: str = ""  #: the V1 API name it resolves to (``InferContext.ResultFormat.RAW``), else ""
    #: a dict's (key, value) pairs; a tuple's or list's elements
    items: tuple = ()
    #: a name bound exactly once: the V1 API name of what it is bound to (``ProtocolType.from_str``)
    bound_v1: str = ""


@dataclass(frozen=True)
class PyStatement:
    """The statement a client call is the whole value of (``x = call(...)`` or ``call(...)``)."""

    span: Span
    indent: str  #: the white space before it on its line
    target: str  #: ``x`` of ``x = call(...)``; "" for a call standing alone
    own_lines: bool  #: nothing else on its lines but white space and a trailing comment
    newline: str  #: the line break after its last line ("\n", "\r\n", "\r"; "" at the end of the file)
    line_end: int  #: the offset of that line break (where a following line is inserted)
    scope: str  #: "module" or "function" (class bodies and others: "other")


@dataclass(frozen=True)
class ClientCall:
    """A call of the V1 client API: ``InferContext(...)``, ``ctx.run(...)``, ``ProtocolType.from_str(x)``."""

    use: ClientUse  #: the callee (its V1 name)
    span: Span  #: the whole call
    args: tuple  #: positional arguments (PyExpr; kind "starred" for ``*args``)
    keywords: tuple  #: (name, PyExpr); name "" for ``**kwargs``
    receiver: str  #: the name a method is called on (``ctx``), "" otherwise
    statement: PyStatement | None  #: when the call is a statement's whole value


@dataclass(frozen=True)
class ClientImport:
    """An import statement that imports from the V1 client library."""

    span: Span  #: the whole statement
    indent: str
    own_lines: bool
    newline: str
    #: each V1 dotted module name as written in it, with its span
    modules: tuple  #: ((Span, "tensorrtserver.api"), ...)
    #: what it binds: (V1 module, name inside it or "" or "*", the local name)
    names: tuple
    only_v1: bool  #: every name it imports comes from the V1 library
    top_level: bool  #: a statement of the module itself (not in a function, class or block)


@dataclass(frozen=True)
class ClientProgram:
    """What a rewrite of a V1 client program needs beyond its uses."""

    calls: tuple  #: ClientCall, in file order
    imports: tuple  #: ClientImport, in file order
    names: frozenset  #: every identifier the file binds or reads
    free_names: frozenset  #: names read and never bound (builtins excepted): a star import brought them
    loads: dict  #: identifier -> how many times it is read
    numpy: str  #: the module-level name bound to numpy ("" none)
    #: constructor assignments: variable -> (V1 class, start of the constructor call, bound only there)
    instances: dict
    first_import: int  #: where a new top-level import may go (after the docstring and __future__ imports)


class ImageKeys:
    """An image written as a repository and a tag in sibling keys (Helm values)."""

    repo_value: str
    repo_span: Span
    tag_value: str = ""
    tag_span: Span | None = None  #: None: the mapping has no tag key
    tag_is_str: bool = True
    digest_span: Span | None = None  #: a non-empty digest key beside them
    #: the tag key is empty and the chart's templates default it to the chart's ``appVersion`` (this value)
    app_version: str = ""

    def rename_repo(self, name: str) -> Edit | None:
        """The edit that renames the repository's last component (None: it cannot be edited exactly)."""
        raise NotImplementedError

    def rename_others(self, name: str) -> list[Edit]:
        """Other places the same repository is written and renamed with it (a Kustomization entry's
        ``name`` beside its ``newName``)."""
        return []

    def set_tag(self, tag: str) -> Edit:
        raise NotImplementedError

    def clear_digest(self) -> Edit:
        raise NotImplementedError


@dataclass
class Block:
    """A unit that ``--side-by-side`` keeps and copies (CONTRACT.md, ``--side-by-side``): a compose
    service, a Kubernetes object, a top-level entry of Helm values. Spans are whole lines."""

    name: str  #: the service's, object's or values entry's name
    what: str  #: how messages name it: "service", "Deployment", "values entry"...
    span: Span  #: from the start of its first line to after its last line (newline included)
    marker_at: int  #: the end of its first line: where the keep-v1 comment goes
    path: tuple  #: where it stands in the loaded file: (document, key or index, ...)
    v1: bool = False  #: it runs a V1 server or names a V1 image
    kept: bool = False  #: its first line carries ``# triton-docker-migrate: keep-v1``
    #: why no copy can be placed beside it ("": one can)
    refusal: str = ""
    #: anchored values outside it that it uses: kept with it
    shared: tuple[Span, ...] = ()
    #: values outside it that route to it (URLs naming its host, route objects): left as they are
    routes: tuple[Span, ...] = ()
    #: the paths of the blocks that route to its pods and go with it (a workload's Services)
    companions: tuple[tuple, ...] = ()
    #: the span to delete when it is retired (its lines and, for a YAML document, one separator)
    retire_span: Span | None = None
    #: names it is reached by besides ``name`` (a compose container_name, hostname, aliases)
    hosts: tuple[str, ...] = ()
    #: JSON manifests: (offset, text) of the insertion that marks it kept (the keep-v1 annotation),
    #: instead of the comment at ``marker_at``
    marker: tuple[int, str] | None = None


@dataclass
class BaseImage:
    """The base image of a build stage."""

    span: Span
    v1: bool  #: a V1 server (or SDK) image
    sdk: bool
    runs: list[Span] = field(default_factory=list)  #: the RUN instructions of the stage
    image: str = ""  #: the image reference, with the file's own variables substituted
    stage: Span | None = None  #: the whole stage, from its FROM to its last instruction


@dataclass
class Mount:
    """A folder of the host (or of a build context) that a server's container sees at ``target``: a
    bind mount, a ``COPY``. ``target`` "" with ``source`` "": the server runs on the host itself."""

    source: str  #: absolute, or relative to ``base``
    target: str  #: the path inside the container
    base: str  #: the folder a relative ``source`` is relative to


#: an absolute path written in a command (``/usr/local/bin/healthcheck.sh``)
_ABSOLUTE_PATH = re.compile(r"(?<![\w.$/:-])/[\w.@+-]+(?:/[\w.@+-]+)*")
#: a path written relative to the working folder (``./ready.sh``, ``scripts/start.sh``, ``sh start.sh``): a word
#: with a ``/`` or a ``.`` in it, not an option's value (``--x=...``), a host (``localhost:8000/...``) or a variable
_RELATIVE_PATH = re.compile(r"(?<![\w.$/:=@%~-])(?:\.\.?/)*[\w@+][\w.@+-]*(?:/[\w.@+-]+)*(?![\w/:])")
#: the folders of a container's default ``PATH``: a program there is run by its name alone
_PATH_FOLDERS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
_GLOB = re.compile(r"[*?\[]")


def files_mounted(mounts: list[Mount], found: list[tuple[str, str]], what: str) -> list[tuple[str, str]]:
    """``found`` (``files_run``) and the files of the host that ``mounts`` put, each alone, in the container
    (``./wait.sh:/wait.sh``): they run there, whoever runs them (an exec, a script of the image), so their
    ``localhost`` is the container's. Each (absolute path of the file, what runs it); a folder's mount adds none."""
    import os

    out = list(found)
    seen = {path for path, _what in found}
    for m in mounts:
        if not m.target.startswith("/") or m.target.endswith("/") or _GLOB.search(m.source):
            continue
        src = os.path.normpath(os.path.join(m.base, os.path.expanduser(m.source)))
        if src not in seen and os.path.isfile(src):
            seen.add(src)
            out.append((src, what))
    return out


def files_run(mounts: list[Mount], commands: list[tuple]) -> list[tuple[str, str]]:
    """The files of the host (or of a build context) that a container holds through ``mounts`` and runs: an
    absolute path that one of ``commands`` ((text, what runs it[, the folder it runs in])) names, at a mount's
    target or below it; with the folder it runs in (a Dockerfile's ``WORKDIR``), a path relative to it too
    (``./ready.sh``). A mount whose source is a pattern (``COPY scripts/*.sh /opt/scripts/``) holds the files of
    its folder whose names match. Each (absolute path of the file, what runs it), the first ``what`` for each
    file; a path is a candidate only (a folder's file, a file of that name), kept when a file of the run is at it."""
    import os
    import posixpath
    from fnmatch import fnmatchcase

    out: dict[str, str] = {}
    for text, what, *rest in commands:
        paths = _ABSOLUTE_PATH.findall(text)
        workdir = rest[0] if rest else None
        if workdir is not None:
            paths += [posixpath.normpath(posixpath.join(workdir, p)) for p in _RELATIVE_PATH.findall(text)
                      if "/" in p or "." in p.strip(".")]
        for m in mounts:  # ``HEALTHCHECK CMD healthcheck``: a program copied into a folder of the PATH, by its name
            if _GLOB.search(m.source):
                continue
            dest = m.target if not m.target.endswith("/") else m.target + os.path.basename(m.source.rstrip("/"))
            folder, name = os.path.split(dest)
            if folder in _PATH_FOLDERS and name and re.search(r"(?<![\w./$-])" + re.escape(name) + r"(?![\w./-])", text):
                paths.append(dest)
        for path in paths:
            for m in mounts:
                if not m.target.startswith("/"):
                    continue
                src = os.path.normpath(os.path.join(m.base, os.path.expanduser(m.source)))
                dest = m.target.rstrip("/") or "/"
                if _GLOB.search(m.source):
                    # the files of the pattern's folder whose names match, each copied into the target folder
                    folder, pattern = os.path.split(src)
                    rel = path[len(dest.rstrip("/")) + 1:] if path.startswith(dest.rstrip("/") + "/") else ""
                    if rel and "/" not in rel and not _GLOB.search(folder) and fnmatchcase(rel, pattern):
                        out.setdefault(os.path.join(folder, rel), what)
                    continue
                if path == dest and not m.target.endswith("/"):
                    out.setdefault(src, what)
                elif path.startswith(dest.rstrip("/") + "/"):
                    rel = path[len(dest.rstrip("/")) + 1:]
                    # a folder copied or mounted there, or a file copied into that folder
                    out.setdefault(os.path.normpath(os.path.join(src, rel)), what)
                    if rel == os.path.basename(src):
                        out.setdefault(src, what)
    return list(out.items())


# --- what routes to a server from anywhere in a run: the follow-through's sites ---------------------

@dataclass
class PortValue:
    """A port written as one value (a number or a port name) that an edit may replace."""

    value: str  #: as written, unquoted
    span: Span  #: the value as written (quotes included)
    quote: str = ""  #: the quote around it ("" plain)


@dataclass
class ContainerSite:
    """A container of a pod template: what its probes and port lists name."""

    name: str
    image: str
    lines: list[CommandLine]  #: the server command lines it runs
    ports: dict[str, str] = field(default_factory=dict)  #: port name (or the number itself) -> containerPort
    port_list: PortList | None = None  #: its ``ports`` list
    probes: list[ProbePort] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)  #: its strings (probe paths, commands)
    command: bool = False  #: it sets its own command (the image's entrypoint is not what runs)
    #: it gives its image's entrypoint options alone (``args`` starting with ``--``, no ``command``)
    options: bool = False
    #: a container without a server line of its own (a kustomize patch of a workload written elsewhere): the
    #: lists of words it gives the container's ``command``/``args``, in order - options of that server's line
    argv: list[Segment] = field(default_factory=list)
    #: the other images it may run (a Helm chart's image written from values: ``image`` is what the chart's own
    #: values render, these what each other values file of the chart renders)
    also: list[str] = field(default_factory=list)
    #: objects written apart that hold the paths of its health checks (``CheckSite``: a Terraform variable its
    #: probe takes) or that name it (a Service selecting its labels by reference), as ``HealthMove.refs``: a
    #: container that runs an image built from a server's Dockerfile joins them to that server
    refs: list[tuple[str, str, str]] = field(default_factory=list)
    #: (name, value, line) of each variable its ``env`` sets to a plain value (a host or URL another program of the
    #: container reads: ``INFERENCE_HOST: triton-svc``)
    env: list[tuple[str, str, int]] = field(default_factory=list)
    #: the ConfigMaps its ``envFrom``/``configMapKeyRef`` take variables from (by name)
    env_configmaps: list[str] = field(default_factory=list)


@dataclass
class PodSite:
    """A pod template (a Pod, or the template of a workload): who it is and what it runs."""

    kind: str  #: the object's kind (``Deployment``, ``Pod``, ...)
    name: str  #: the object's name
    namespace: str | None
    labels: dict[str, str]
    containers: list[ContainerSite]
    host_network: bool = False  #: ``hostNetwork: true``: its containers' ports are every node's ports
    #: a kustomize patch inline in a Kustomization whose ``target`` picks its workloads by ``labelSelector``
    #: (equalities): the labels those workloads' pods carry (``kind``/``name``: the target's, "" when not given)
    selector: dict[str, str] | None = None


@dataclass
class ServicePort:
    """One entry of a Kubernetes Service's ``ports``."""

    port: str  #: the Service's own port
    name: str | None
    target: str  #: the container port it reaches: ``targetPort`` as written, else ``port``
    entry: PortEntry  #: the whole item (its removal)


@dataclass
class ServiceSite:
    """A Kubernetes Service: the pods it selects and its ports."""

    name: str
    namespace: str | None
    selector: dict[str, str]
    ports: list[ServicePort]
    #: objects written apart that set the health check a load balancer sends through it (``CheckSite``:
    #: (scope, kind, name); a GKE ``BackendConfig`` its annotation names)
    refs: list[tuple[str, str, str]] = field(default_factory=list)
    #: its selector is another object's labels, by reference (Terraform: ``kubernetes_deployment.x...labels``):
    #: (scope, "workload", "kubernetes_deployment.x"), which the server of that workload names (``HealthMove.refs``)
    selects: tuple[str, str, str] | None = None


@dataclass
class PolicyPorts:
    """The ports of one rule of a NetworkPolicy and the pods they are ports of (the policy's own pods for
    an ``ingress`` rule, the peers' for an ``egress`` rule; None: not pods this file can name)."""

    pods: dict[str, str] | None
    entries: list[PortEntry]  #: each ``port`` item (``port`` is its value as written)
    values: list[PortValue]  #: the ``port`` value of each entry (same order)
    direction: str  #: "ingress" or "egress"


@dataclass
class PolicySite:
    """A Kubernetes NetworkPolicy."""

    name: str
    namespace: str | None
    rules: list[PolicyPorts]


@dataclass
class RouteSite:
    """Where a route object sends requests: one backend (an Ingress path's service, an HTTPRoute
    backendRef, an Istio destination or a DestinationRule's port settings) and the paths routed there."""

    kind: str  #: ``Ingress``, ``HTTPRoute``, ``VirtualService``, ``DestinationRule``
    service: str  #: the Service it names (a host: ``name``, ``name.namespace``, ``name.namespace.svc...``)
    namespace: str | None  #: the route's own namespace
    port: PortValue | None  #: the Service port it names (None: the Service's only port, or not said)
    by_name: bool = False  #: ``port`` is a Service port name (Ingress ``port.name``)
    paths: list[Region] = field(default_factory=list)  #: the request paths routed to this backend


@dataclass
class ComposeServiceSite:
    """A compose service: how it is reached and built, its published ports and its own strings."""

    name: str
    folder: str  #: absolute folder of the compose file (the project)
    hosts: list[str]  #: names other containers reach it by (service, container_name, hostname, aliases)
    image: str
    build: tuple[str, str] | None  #: (absolute context folder, Dockerfile path as given or "")
    extends: tuple[str, str] | None  #: (absolute file, service) of an ``extends`` in another file
    lists: list[PortList]  #: ``ports`` (entries with their host port) and ``expose``
    lines: list[CommandLine]  #: the server command lines it runs
    regions: list[Region] = field(default_factory=list)  #: its strings (health check, command)
    command: bool = False  #: it sets its own ``command`` or ``entrypoint`` (its image's is not what runs)
    #: its ``command`` gives its image's entrypoint options alone (starting with ``--``; no ``entrypoint``)
    options: bool = False
    container: str = ""  #: its ``container_name`` (what ``docker exec`` names it by)
    #: the names ``docker exec`` reaches its container by: its ``container_name``, else the names Compose gives
    #: it (``<project>-<service>-1``; Compose 1: ``<project>_<service>_1``)
    names: list[str] = field(default_factory=list)
    #: files of the host it bind-mounts and runs (its health check, command or entrypoint names them): their
    #: ``localhost`` is its own (``files_run``: (absolute path, what runs it))
    inside: list[tuple[str, str]] = field(default_factory=list)
    #: (name, value, line) of each variable its ``environment`` sets to a plain value (``INFERENCE_HOST: inference``)
    env: list[tuple[str, str, int]] = field(default_factory=list)
    #: the absolute paths of the files its ``env_file`` names (their ``NAME=value`` lines are its environment too)
    env_files: list[str] = field(default_factory=list)


@dataclass
class DockerRunSite:
    """A ``docker run`` of a script: its image and published ports."""

    image: str
    ports: PortList  #: the ``-p`` mappings (``host`` set)
    lines: list[CommandLine]  #: the server command line it runs (none: the image's own command)
    command: bool = False  #: words follow the image, or ``--entrypoint`` is set (the image's command is not what runs)
    #: the words after the image are options alone (starting with ``--``) for its entrypoint
    options: bool = False
    name: str = ""  #: the container's name (``--name``): what ``docker exec`` names it by
    #: what it runs that may name a file its image holds: (text, what runs it) of its ``--health-cmd``,
    #: ``--entrypoint`` and the command after the image
    commands: list[tuple[str, str]] = field(default_factory=list)
    #: files of the host it bind-mounts and runs (``commands`` name them): their ``localhost`` is its own
    #: (``files_run``: (absolute path, what runs it))
    inside: list[tuple[str, str]] = field(default_factory=list)
    #: ``host`` when it runs on the machine's network (``--network host``, ``--net=host``, or a variable of
    #: the file holding that option): its ports are the machine's, published or not
    network: str = ""


@dataclass
class ForwardSite:
    """``kubectl port-forward``: a port of the host forwarded to a Service's (or a workload's) port."""

    kind: str  #: ``service``, ``deployment``, ``statefulset``, ``pod``, ...
    name: str
    namespace: str | None
    ports: list[tuple[str, str]]  #: (host port, the target's port: a number or a port name)


@dataclass
class ExecSite:
    """``kubectl exec``: a command run inside a container of a pod (``localhost`` there is the pod's); ``docker
    exec`` (kind ``container``: a container by its name) and ``docker compose exec`` (kind ``compose``: a
    service's container), inside that container."""

    kind: str  #: ``deployment``, ``statefulset``, ``pod``, ..., ``container``, ``compose``; ``build``: a
    #: Dockerfile's ``HEALTHCHECK``, in the container of the image it builds (``name``: the Dockerfile)
    name: str
    namespace: str | None
    container: str | None  #: ``-c``/``--container`` (None: the pod's default container)
    start: int  #: document offsets of the command it runs (the words after ``--``)
    end: int


@dataclass
class GetSite:
    """An HTTP request whose host and port are written apart from its path (Tilt's ``http_get_action(port=8000,
    path=...)``): ``host:port`` as the file's own URLs would say it."""

    host: str
    port: str
    path: Region


@dataclass
class BuildSite:
    """An image a Dockerfile builds: the server lines its last stage runs (its CMD/ENTRYPOINT), in the
    Dockerfile's own topology; or, in a file that builds it (``docker build -t``, compose ``image:`` beside
    ``build:``, ``docker/build-push-action``'s ``tags``, Skaffold's artifacts, a Bake target's ``tags``), the
    names the image is tagged with."""

    dockerfile: str  #: absolute path
    lines: list[CommandLine]
    tags: list[str] = field(default_factory=list)  #: the image names the build gives it (``registry/path:tag``)
    line: int = 0  #: where the build is written in its file (1-based; 0: not said)
    #: in the Dockerfile's own topology: files of its build context the image holds (``COPY``/``ADD``) and runs
    #: (its ``HEALTHCHECK``, ``ENTRYPOINT``, ``CMD`` or a ``RUN`` names them): their ``localhost`` is the container's
    #: (``files_run``: (absolute path, what runs it))
    inside: list[tuple[str, str]] = field(default_factory=list)
    #: in the Dockerfile's own topology: what the image holds from its build context (``COPY``/``ADD``), as
    #: (source, target, base) of each ``Mount``: a container that runs the image and names one of those files
    #: (a probe's ``exec`` command, a health check) runs it in the server's container
    holds: list[tuple[str, str, str]] = field(default_factory=list)
    #: in the Dockerfile's own topology, when its last stage runs no server line: files of its build context the
    #: image holds and runs as its command (its ``CMD``/``ENTRYPOINT`` names them: ``CMD ["./start.sh"]``), a
    #: server line there is the image's server (``files_run``: (absolute path, what runs it))
    runs: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CheckSite:
    """An object that holds a health check's request path apart from what it checks, found by its name: a
    Terraform variable's or local value's default (``var.x`` in a probe or a target group of the module), a
    target group (an ECS service's ``load_balancer`` names it), a GKE ``BackendConfig`` (a Service's annotation
    names it). Whose check it is, is known only from the objects that name it (``HealthMove.refs``,
    ``ServiceSite.refs``)."""

    scope: str  #: where its name is known: a Terraform module's folder (absolute), "" for a cluster's objects
    kind: str  #: ``var``, ``local``, ``aws_lb_target_group``, ``BackendConfig``
    name: str
    namespace: str | None
    paths: list[Region]  #: the request paths it holds
    #: a route that sends requests to the object rather than a check of it (an ALB listener rule that forwards
    #: to the target group): how a finding names the route; ``paths`` are the request paths it routes there
    route: str = ""


@dataclass
class PatchFileSite:
    """A kustomize patch kept in a file of its own (``patches``/``patchesJson6902`` ``path`` with a ``target``):
    the workloads it patches (by name, by labels, or both)."""

    path: str  #: absolute path of the patch file
    kind: str | None
    name: str | None
    namespace: str | None
    labels: dict[str, str] | None = None  #: the target's ``labelSelector`` (``app=x,tier=y``)


@dataclass
class BuildArgument:
    """A value given from outside a Dockerfile to one of its build arguments (compose ``build: args:``,
    ``docker build --build-arg NAME=VALUE``): it replaces the ``ARG`` default the Dockerfile's own
    migration changes."""

    name: str
    value: str
    span: Span  #: where the value is written
    dockerfile: str  #: the Dockerfile built (absolute path)
    editable: bool = True  #: the value is written as it reads (an edit of ``span`` sets it)


@dataclass
class ChartValue:
    """A value given from outside a Helm chart of the tree to one of its values (``helm install ./chart --set
    KEY=VALUE``, a Terraform ``helm_release``'s ``set``): it replaces the chart's own value, which the chart's
    migration changes."""

    key: str  #: the values path, dotted (``image.tag``)
    value: str
    span: Span  #: where the value is written
    chart: str  #: the chart's folder (absolute path)
    editable: bool = True  #: the value is written as it reads (an edit of ``span`` sets it)
    repository: str | None = None  #: the repository the same command gives beside it (``X.repository``)
    #: the values file that holds the value, when it is not this file (``helm install -f prod.yaml``): ``span``
    #: is where this file names it
    source: str | None = None
    #: a list of strings (a release's ``serverArgs: [...]``): each item and where it is written (``value``: the
    #: items joined by blanks, ``span``: the whole list)
    items: tuple[tuple[str, Span], ...] = ()


@dataclass(frozen=True)
class EnvUrl:
    """A URL a program builds from values of its environment (``"http://%s:%d%s" % (HOST, PORT, READY)`` after
    ``HOST = os.environ.get("INFERENCE_HOST", "localhost")``): the variable that gives its host (``base``: its
    scheme, host and port), its port (as written, or the variable that gives it and that variable's default), and
    its path with the document offset of its first character (the path is written as itself from there)."""

    host: str
    port: str | None
    port_var: str | None
    path: str
    path_at: int
    base: bool = False


@dataclass
class Topology:
    """What a document says about who reaches whom (``Document.topology``)."""

    pods: list[PodSite] = field(default_factory=list)
    services: list[ServiceSite] = field(default_factory=list)
    policies: list[PolicySite] = field(default_factory=list)
    routes: list[RouteSite] = field(default_factory=list)
    compose: list[ComposeServiceSite] = field(default_factory=list)
    docker_runs: list[DockerRunSite] = field(default_factory=list)
    builds: list[BuildSite] = field(default_factory=list)
    forwards: list[ForwardSite] = field(default_factory=list)
    execs: list[ExecSite] = field(default_factory=list)
    checks: list[CheckSite] = field(default_factory=list)
    #: (scope, kind, name) of the ``CheckSite`` objects that another application's health check takes
    other_refs: list[tuple[str, str, str]] = field(default_factory=list)
    #: (a, b): what ``a`` checks, ``b`` checks too (an ECS service: the target group ``b`` sends to the container
    #: ``a`` of a task definition; a target group ``a`` whose path is the variable ``b``)
    ref_links: list[tuple[tuple[str, str, str], tuple[str, str, str]]] = field(default_factory=list)
    gets: list[GetSite] = field(default_factory=list)
    patches: list[PatchFileSite] = field(default_factory=list)
    #: (name, namespace, [(key, value, line)]) of each ConfigMap's ``data`` entries of one-line plain values: the
    #: variables a container's ``envFrom``/``configMapKeyRef`` takes from it (``INFERENCE_URL: http://triton:8000``)
    configmaps: list[tuple[str, str | None, list[tuple[str, str, int]]]] = field(default_factory=list)
    #: scripts of the run a command runs with literal arguments (``sh ci/wait.sh http://trtis:8000``,
    #: ``python ci/wait.py http://trtis:8000``): (absolute path of the script, its arguments - None for one known
    #: only at run time -, line)
    calls: list[tuple[str, list[str | None], int]] = field(default_factory=list)


def line_key(cl: CommandLine) -> tuple:
    """A server line by where its words stand (a reader may build its lines again on each call)."""
    return tuple((w.start, w.end) for seg in cl.segments for w in seg.words)
