"""Core value types shared by every stage of the pipeline. Imports nothing internal.

Offsets are code-point offsets into the file's text as decoded from strict UTF-8 (BOM kept as
U+FEFF). Strict UTF-8 decoding is a bijection, so an edit expressed in code points maps to exactly
one byte range of the original file, and every byte outside it is written back unchanged. Columns
in reports count code points, as the contract asks, so no second conversion is needed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    """How much a person must look at a finding (CONTRACT.md, "Severity")."""

    INFO = "info"  #: changed mechanically, nothing to check
    WARNING = "warning"  #: a person should look
    ERROR = "error"  #: the deployment will not work as it is

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True, order=True, slots=True)
class Span:
    """Half-open range ``[start, end)`` of code-point offsets into a document's text."""

    start: int  #: first offset inside the span
    end: int  #: first offset after the span

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad span {self.start}..{self.end}")

    def overlaps(self, other: "Span") -> bool:
        if self.start == self.end or other.start == other.end:
            # an insertion overlaps a range only when strictly inside it
            point, rng = (self, other) if self.start == self.end else (other, self)
            return rng.start < point.start < rng.end
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``span`` by ``content``: empty content deletes, an empty span inserts."""

    span: Span  #: where, in the original text
    content: str  #: the new text

    @classmethod
    def replace(cls, start: int, end: int, content: str) -> "Edit":
        return cls(Span(start, end), content)

    @classmethod
    def insert(cls, at: int, content: str) -> "Edit":
        return cls(Span(at, at), content)

    @classmethod
    def delete(cls, start: int, end: int) -> "Edit":
        return cls(Span(start, end), "")


@dataclass(frozen=True)
class NewFile:
    """A file a fix creates beside the edits it makes (the client adapter module)."""

    path: str  #: on the file system
    display: str  #: as reports show it
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    """Edits that together make one change. An unsafe fix (one that can change behaviour: client code
    rewritten) is applied only with ``--unsafe-fixes``, as ruff does; without it its finding shows the
    change as its suggestion."""

    edits: tuple[Edit, ...]  #: sorted by start, non-overlapping
    title: str  #: what the fix does, for reports
    unsafe: bool = False
    creates: tuple[NewFile, ...] = ()  #: files written with the edits (never over an existing file)
    #: a fix shared by ``group_size`` findings (one rewrite of a whole program): applied only when all of
    #: them are reported (a suppressed one keeps the whole program as it is)
    group: str = ""
    group_size: int = 0

    @classmethod
    def of(cls, title: str, *edits: Edit) -> "Fix":
        return cls(tuple(sorted(edits, key=lambda e: (e.span.start, e.span.end))), title)

    @classmethod
    def unsafe_of(cls, title: str, edits, creates=(), group: str = "", group_size: int = 0) -> "Fix":
        return cls(tuple(sorted(edits, key=lambda e: (e.span.start, e.span.end))), title, True, tuple(creates),
                   group, group_size)


@dataclass(slots=True)
class Finding:
    """One thing a rule found at one place, with the fix that resolves it if a safe one exists."""

    rule: str  #: stable id, ``TDM`` + 3 digits
    span: Span | None  #: where in the original text (None: the whole file)
    message: str  #: what was found and what to do, for a person
    severity: Severity
    fix: Fix | None = None  #: safe edits, applied unless suppressed
    suggestion: str | None = None  #: the replacement a person should consider when no fix is safe
    fixed: bool = False  #: set by the writer: the fix is (or would be) applied
    #: an info finding that leaves nothing V1 behind to act on (documentation prose, a note)
    advisory: bool = False
    #: the rule that found it, when it is reported under another id (prose: TDM003 for TDM101);
    #: a suppression of either id covers it
    origin: str | None = None
    #: (what the message says its fix does, what it says instead when that fix is not applied: refused, left out)
    unfixed: tuple[str, str] | None = None
    # positions, filled in at report time from the document's line index
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


@dataclass
class Place:
    """Where a finding that the run-level pass makes will stand; the file's own pass computes it."""

    line: int
    column: int
    end_line: int
    end_column: int
    #: the rules that a suppression comment or the configuration removes here
    suppressed: frozenset = frozenset()


@dataclass
class HealthMove:
    """A server whose health endpoints the run moves: its V1 health port removed, its ``/api/health`` paths
    now ``/v2/health`` (rules/follow.py). What another file that reaches this server must follow, and
    how such a file can tell that it reaches this server. Plain data: it crosses worker processes."""

    file: str  #: the real path of the file that holds the server line
    line: int  #: the server line (its binary, or its first word)
    http: str  #: the HTTP port, where V2 serves health
    health: str | None = None  #: the V1 health port the migration removed (None: only the paths move)
    health_line: int | None = None  #: where the removed ``--http-health-port`` stood
    paths: bool = False  #: a V1 server migrated: its ``/api/health`` paths are ``/v2/health`` now
    #: a V2 server already (nothing of it moves): V1's ``/api/`` paths that reach it never worked
    current: bool = False
    #: Kubernetes: the pod template that runs it
    labels: dict = field(default_factory=dict)
    namespace: str | None = None
    workload: tuple = ()  #: (kind, name) of the object
    container: str | None = None
    port_names: dict = field(default_factory=dict)  #: the container's port names (and numbers) -> port
    others: tuple = ()  #: ports and port names the other containers of its pod declare
    #: compose: (project folder, service) and the names other containers reach it by
    compose: tuple = ()
    hosts: tuple = ()
    build: str | None = None  #: the Dockerfile whose image runs it (absolute)
    containers: tuple = ()  #: the names ``docker exec`` reaches its container by (``--name``, ``container_name``)
    #: files its container holds and runs (a script its Dockerfile COPYs and its HEALTHCHECK runs, one its compose
    #: service bind-mounts and runs): (absolute path, what runs it); their ``localhost`` is the server's own
    inside: tuple = ()
    #: files that only other applications' containers of its file hold and run (a compose service of another image
    #: that mounts ``./web-health.sh``): (absolute path, what runs it); their ``localhost`` is that container's
    elsewhere: tuple = ()
    #: the files of the build context its image holds (its Dockerfile's ``COPY``/``ADD``): (source, target, base) of
    #: each; a container that runs the image and names one (a probe's ``exec`` command) runs it inside the server
    holds: tuple = ()
    #: its Dockerfile's ENTRYPOINT is the server binary alone (this word, as written) and CMD its options: the
    #: arguments a container gives its image are the server's options, in place of the CMD
    entrypoint: str = ""
    published: tuple = ()  #: (host port, container port) of its published ports
    #: objects written apart that hold its health check's path, by name (``CheckSite``): (scope, kind, name)
    refs: tuple = ()
    #: V1 defaults the migration wrote on its line (``disable-auto-complete-config``): what options given to
    #: the same server elsewhere (a kustomize patch of its args) may now contradict
    added: tuple = ()
    mode: str | None = None  #: the model-control mode its migrated line runs in (None: not known)
    #: the list of the line the ``added`` defaults were written in (Kubernetes: ``command`` or ``args``): a patch
    #: that replaces that list takes them away
    added_in: str | None = None


@dataclass
class ServeFacts:
    """What one file tells the run-level pass (rules/run.py). Plain data: it crosses worker processes."""

    server: Place | None = None  #: the file's first migrated V1 server line (or V1 server image)
    client: Place | None = None  #: the file's first migrated V1 client (wheel, SDK image, perf_client)
    servers: bool = False  #: the file starts a Triton server (a server command line of any kind)
    server_left: bool = False  #: a V1 server line is still there after the fixes
    #: model repositories of its server lines: (as written, the host folder it is, absolute)
    repositories: list = field(default_factory=list)
    #: ``--load-model`` names kept on its server lines: (name, host folders of the line's repositories, where)
    load_models: list = field(default_factory=list)
    #: where it asks for GPUs for a server: (what, line)
    gpus: list = field(default_factory=list)
    #: its servers whose health endpoints move (what other files that reach them follow)
    moves: list = field(default_factory=list)
    #: the file itself holds what reaches them (a Service, a route in the same manifest)
    follow_here: bool = False
    #: the build arguments it gives that make a Dockerfile's stage build on a V1 server image:
    #: (Dockerfile real path, name, value) (``rules/images.v1_bases_given``)
    v1_bases: list = field(default_factory=list)
    #: the files a V1 shell script sources (``source FILE``): (real path, the variable holding the V1 server that
    #: the file runs or "", the line that runs it or 0) (``rules/paths.v1_sourced``)
    sourced: list = field(default_factory=list)


class Status(str, enum.Enum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # no V1 evidence: not listed in reports unless named explicitly
    FAILED = "failed"


@dataclass
class FileResult:
    """What processing one file produced. The runner never raises; failures land here."""

    path: str  #: as reported (relative to cwd, ``/`` separators)
    kind: str  #: handler kind (``dockerfile``, ``compose``, ...)
    status: Status
    findings: list[Finding] = field(default_factory=list)
    original: bytes | None = None  #: the bytes read
    new: bytes | None = None  #: the bytes to write (or that would be written)
    error: str | None = None  #: one-line error message when FAILED
    error_line: int | None = None
    explicit: bool = False  #: named on the command line
    has_evidence: bool = False  #: held V1 evidence
    written: bool = False
    v1_server: bool = False  #: a V1 server command line was migrated (model configs follow)
    #: the file the bytes came from (``atomic.Source``: path opened, device, inode); the write
    #: goes to that path, and only while it is still that file
    source: object | None = None
    #: files the applied fixes create: (path on the file system, path as shown, bytes)
    creates: list[tuple[str, str, bytes]] = field(default_factory=list)
    created: bool = False  #: this result is a file the run creates (``original`` is None)
    #: the files of ``creates`` this file's new text needs (it is not written without them)
    needs: list[str] = field(default_factory=list)
    serve: ServeFacts | None = None  #: what the run-level pass reads of this file

    @property
    def changed(self) -> bool:
        if self.created:
            return self.new is not None
        return self.new is not None and self.original is not None and self.new != self.original


class ProcessingError(Exception):
    """A file could not be processed safely: reported as one line, TDM001, exit 2."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
