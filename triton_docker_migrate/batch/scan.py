"""Reading candidate files and deciding what needs processing.

The hot path of a batch run is a file without V1 evidence: it is read once, searched by
``evidence.maybe_v1``, and forgotten (only a counter remembers it). Everything else goes through
``pipeline.process_file``, which never raises."""

from __future__ import annotations

import os
import sys

from .. import evidence, kinds, textscan
from ..atomic import Source, open_regular
from ..discover import Candidate
from ..model import FileResult, Status
from ..pipeline import failed
from ..settings import Settings

MAX_BYTES = 10 * 1024 * 1024
_CHART_KINDS = ("helm-template", "helm-values")
_FIRST_READ = 65536
#: start the process pool once this many candidates were seen, or this many files needed parsing
_UTF16_BOMS = textscan.UTF16_32
#: V1 server rules: a run that reports one of these migrates a V1 server (model configs follow)


def err(msg: str) -> None:
    """One line on stderr, escaped: a file name cannot reach the terminal or a CI log raw (control
    characters, bytes that are not UTF-8, a workflow command); a closed stderr ends quietly."""
    from ..report.stream import write as emit
    from ..report.terminal import name

    emit(sys.stderr, name(msg) + "\n")


def _is_dockerfile_name(name: str) -> bool:
    return kinds.kind_by_name(name) == "dockerfile"


def _gives_build_arguments_name(name: str) -> bool:
    """A compose file or a Docker Bake file: the build arguments they give need no literal the prefilter
    knows (``evidence.gives_build_arguments``)."""
    return "compose" in name and kinds.kind_by_name(name) == "compose" or name.startswith("docker-bake")


def _gives_chart_values_name(path: str) -> bool:
    """A helmfile: the values its releases give a chart of the tree (an image tag) need no literal the prefilter
    knows (TDM113)."""
    return "helmfile" in path and kinds.is_helmfile(path)


def read_bytes(path: str, may_skip_binary=None) -> tuple[bytes, Source]:
    """At most 10 MiB + 1 bytes of the regular file ``path`` (one read for the usual small file)
    and which file they came from; a FIFO, socket or device is never opened (``atomic``). A big
    file with a NUL byte in its first 8 KiB is not text, skipped unless named or owned: when
    ``may_skip_binary()`` says so, it is not read past its first 64 KiB."""
    fd, st = open_regular(path)
    try:
        data = os.read(fd, _FIRST_READ)
        source = Source(os.path.abspath(path), st.st_dev, st.st_ino)
        if len(data) < _FIRST_READ:
            return data, source
        if may_skip_binary is not None and b"\0" in data[:8192] and not data.startswith(_UTF16_BOMS) \
                and may_skip_binary():
            return data, source
        parts = [data]
        total = len(data)
        while total <= MAX_BYTES:
            more = os.read(fd, min(1 << 20, MAX_BYTES + 1 - total))
            if not more:
                break
            parts.append(more)
            total += len(more)
        return b"".join(parts), source
    finally:
        os.close(fd)


class Scanner:
    """Reads candidates and decides what needs processing; one per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.scanned = 0
        self.parsed = 0
        #: (candidate, why): decided once every file was seen
        self.deferred: list[tuple[Candidate, str]] = []
        #: (display of a Dockerfile's folder, COPY sources it runs)
        self.entrypoints: list[tuple[str, list[str]]] = []

    def scan(self, c: Candidate, data: bytes | None = None) -> FileResult | None:
        """``data``: the whole file, already read."""
        try:
            return self._scan(c, data)
        except Exception as e:  # a bug here must not stop the run (the runner itself never raises)
            r = FileResult(c.display, "text", Status.FAILED, explicit=c.explicit)
            failed(r, f"internal error ({type(e).__name__}: {e}); please report this with the file")
            return r

    def scan_all(self, cands: list[Candidate], out: list[FileResult]) -> None:
        """``scan`` each candidate into ``out``. The usual files go through ``textscan`` first,
        which reads them and rules out the bulk: source and documentation files (by extension),
        and the others whose name asks for nothing more (Dockerfiles are looked into for the
        scripts they run, model configurations are remembered)."""
        text_by_name = kinds.text_by_name
        plain: list[Candidate] = []
        other: list[Candidate] = []
        for c in cands:
            if self.defer_chart(c):
                continue
            if c.explicit:
                r = self.scan(c)
                if r is not None:
                    out.append(r)
                continue
            display = c.display
            if text_by_name(display):
                plain.append(c)
                continue
            name = display[display.rfind("/") + 1:]
            # (a compose or Bake file may build a Dockerfile on V1 by the build arguments it gives: TDM112)
            if _is_dockerfile_name(name) or name == "config.pbtxt" or _gives_build_arguments_name(name) \
                    or _gives_chart_values_name(display):
                r = self.scan(c)
                if r is not None:
                    out.append(r)
            else:
                other.append(c)
        for group, text in ((plain, True), (other, False)):
            if not group:
                continue
            hits, ruled_out = textscan.read_files([c.path for c in group], _FIRST_READ, text)
            self.scanned += ruled_out
            for i, data in hits:
                r = self.scan(group[i], data)
                if r is not None:
                    out.append(r)

    def defer_chart(self, c: Candidate) -> bool:
        """A file of a Helm chart waits for the end of the run: a chart is migrated as one unit,
        once every file of the run was seen (``finish``)."""
        d = c.display
        name = d[d.rfind("/") + 1:].lower()
        if "templates/" not in d and not (name.startswith("values") and name.endswith(".yaml")):
            return False  # the usual file: a few string operations
        if kinds.kind_by_name(c.path) not in _CHART_KINDS:
            return False
        self.scanned += 1
        self.deferred.append((c, "chart"))
        return True

    def _scan(self, c: Candidate, data: bytes | None) -> FileResult | None:
        source = None
        if data is None and self.defer_chart(c):
            return None
        if data is None:
            try:
                data, source = read_bytes(c.path, lambda: not c.explicit and kinds.kind_by_name(c.path) in (None, "text"))
            except OSError:
                from ..pipeline import process_file

                r = process_file(c.path, c.display, self.settings, c.explicit)  # reports or skips as it must
                if r.status is Status.FAILED:
                    self.scanned += 1
                return self._keep(r)
        self.scanned += 1
        name = c.display.rsplit("/", 1)[-1]
        if _is_dockerfile_name(name) and (b"COPY" in data or b"ADD" in data or b"copy" in data or b"add" in data):
            srcs = kinds.entrypoint_sources(c.path, data)
            if srcs:
                self.entrypoints.append((c.display.rsplit("/", 1)[0] if "/" in c.display else ".", srcs))
        if not c.explicit and len(data) <= MAX_BYTES and not data.startswith(_UTF16_BOMS):
            if kinds.text_by_name(c.display) and not data.startswith(b"#!"):
                if not evidence.text_may_report(data):  # only strong evidence is reported in text
                    return None
            elif not evidence.maybe_v1(data) and not evidence.gives_build_arguments(data, kinds.kind_by_name(c.path)) \
                    and not _gives_chart_values_name(c.display):
                if name == "config.pbtxt":
                    self.deferred.append((c, "model-config"))
                return None
            head = data[:8192]
            if kinds.kind_of(c.path, head) == "text" and b"\0" not in head and not kinds.is_dotenv(c.path):
                if kinds.is_extensionless(c.path):
                    self.deferred.append((c, "script"))  # a Dockerfile of the run may run it
                    return None
                if not evidence.text_may_report(data):
                    return None
        self.parsed += 1
        from ..pipeline import process_file

        if source is None:  # read by the prefilter (textscan): read again, as the file to write
            try:
                data, source = read_bytes(c.path)
            except OSError:
                return self._keep(process_file(c.path, c.display, self.settings, c.explicit))
        r = process_file(c.path, c.display, self.settings, c.explicit, data=data)
        r.source = source
        if r.status is not Status.FAILED and followed(r.kind, c.path.lower()) and _unplaced_endpoint(r, data):
            # a V1 endpoint no rule of the file placed: a server elsewhere (or of the file itself) may be a V2
            # one it reaches (the follow-through looks for them: batch/finish.py)
            self.deferred.append((c, "endpoint"))
        return self._keep(r)

    @staticmethod
    def _keep(r: FileResult) -> FileResult | None:
        if r.has_evidence or r.explicit or r.status is Status.FAILED:
            return r
        return None


def _unplaced_endpoint(r: FileResult, data: bytes) -> bool:
    """Whether ``data`` (the bytes of ``r``'s file) holds one of V1's own endpoints that no finding of the file
    reports: every one of a file without V1 evidence; in a file with some (a V2 server of its own, a name that
    reads as V1), one that no finding's span holds (``/api/status`` asked of the file's own V2 server)."""
    if not evidence.holds_v1_own_endpoint(data):
        return False
    if not r.has_evidence:
        return True
    spans = [f.span for f in r.findings if f.span is not None]
    return any(not any(sp.start <= m.start() < sp.end for sp in spans)
               for m in evidence.V1_OWN_ENDPOINT_TEXT.finditer(data.decode("utf-8", "replace")))


#: kinds whose files may reach a server from elsewhere (their topology or their URLs): the run's
#: follow-through reads and edits them (batch/finish.py)
FOLLOWED_KINDS = frozenset({"kubernetes", "compose", "shell", "ci", "makefile", "python", "hcl", "unit"})
#: documentation: a runbook's commands reach the servers too (reported, never changed: the text kind's)
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".adoc")
#: programs' sources of the text kind (a waiter's ``http.get('http://inference:8000/api/health/ready')`` in
#: ``wait.js``): their URLs reach the servers too (reported, never changed: the text kind's)
SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".go", ".rs", ".java", ".kt", ".scala", ".groovy",
                    ".cs", ".rb", ".php", ".pl", ".lua", ".swift", ".dart", ".ex", ".exs")


def followed(kind: str, low: str) -> bool:
    """Whether a file of ``kind`` at ``low`` (its path, lower case) may reach a server from elsewhere: a kind
    that routes, or documentation and programs' sources of the text kind."""
    return kind in FOLLOWED_KINDS or kind == "text" and low.endswith(DOC_SUFFIXES + SOURCE_SUFFIXES)


# --- the process pool --------------------------------------------------------------------------
# A task is ("files", [Candidate, ...]) or ("tree", [Pending, ...]): folders the worker walks
# itself - until it has read TASK_FILES files (or parsed TASK_PARSED), when it hands the folders
# it has not listed yet back, to be shared out again. So the walk, the reads and the parsing all
# run in the workers, and no worker is left with a large subtree while the others wait.
