"""One file through the pipeline: bytes -> document -> findings and their fixes -> edits applied to
the original text -> the result re-read and verified -> a FileResult. Never raises: every failure
becomes a one-line error and TDM001."""

from __future__ import annotations

import codecs
import gc
import os

from . import evidence, kinds
from .documents.base import Document
from .model import FileResult, Finding, ProcessingError, Status
from .rules.registry import selected
from .settings import Settings
from .writer import apply, choose_fixes

MAX_BYTES = 10 * 1024 * 1024
_UTF16_32 = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def build_document(kind: str, path: str, text: str) -> Document:
    """The document of ``text`` as a file of ``kind`` (a kind without a reader of its own is text)."""
    return kinds.get(kind).build(path, text)


def process_file(path: str, display: str, settings: Settings, explicit: bool = False,
                 data: bytes | None = None, force: bool = False) -> FileResult:
    """``force``: check the file even without V1 evidence (model configurations of a run that
    migrates a V1 server)."""
    collecting = gc.isenabled()
    # One file's objects live until its result is made: the cyclic collector would only walk them
    # again and again (a third of the time of a large file); it runs after the file instead.
    gc.disable()
    try:
        return _process(path, display, settings, explicit, data, force)
    except MemoryError:
        pass  # answered below, once the exception and the frames it holds (the document) are gone
    except Exception as e:  # internal bug: report, never crash the run
        import traceback

        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
        return failed(FileResult(display, "text", Status.FAILED, explicit=explicit),
                       f"internal error ({type(e).__name__}: {e}{where}); please report this with the file")
    finally:
        if collecting:
            gc.enable()
    # This file alone did not fit in the memory the process may use (a limit such as ulimit -v or
    # a container's): its error, and the run goes on with the memory it held released.
    gc.collect()
    return failed(FileResult(display, kinds.kind_by_name(path) or "text", Status.FAILED, explicit=explicit),
                  "out of memory while processing this file: not processed")


def failed(res: FileResult, message: str, line: int | None = None, keep: bool = False) -> FileResult:
    """``res`` as a file that could not be processed (``keep``: its findings stay, as when only the
    write failed): one TDM001 error finding with the message."""
    res.status = Status.FAILED
    res.error = message
    res.error_line = line
    if not keep:
        res.new = None
        res.findings = []
    from .rules.tool import unprocessable

    res.findings.append(unprocessable(message, line))
    return res


def _process(path: str, display: str, settings: Settings, explicit: bool, data: bytes | None,
             force: bool = False) -> FileResult:
    by_name = kinds.kind_by_name(path)
    force = force or (explicit and by_name == "model-config")
    res = FileResult(display, by_name or "text", Status.SKIPPED, explicit=explicit)
    owned = by_name is not None and by_name != "text"
    if data is None:
        try:
            if os.path.isdir(path):
                if explicit:
                    return failed(res, "is a directory")
                return res
            from .atomic import read_regular  # never opens a FIFO, socket or device

            data, res.source = read_regular(path, MAX_BYTES + 1)
        except OSError as e:
            if explicit or owned:
                return failed(res, f"cannot read: {e.strerror or e}")
            return res
    res.original = data
    head = data[:8192]
    if len(data) > MAX_BYTES:
        if explicit or (owned and evidence.maybe_v1(data)):
            return failed(res, "larger than 10 MiB: not processed")
        return res
    if any(data.startswith(b) for b in _UTF16_32):
        text16 = _decode_utf16_32(data)
        if text16 is not None and evidence.maybe_v1(text16.encode("utf-8", "replace")) or explicit:
            return failed(res, "UTF-16/UTF-32 text is not supported: convert the file to UTF-8 and run again")
        return res
    if b"\0" in head:
        if explicit or (owned and evidence.maybe_v1(data)):
            return failed(res, "not a text file (NUL bytes)")
        return res
    if not force and not evidence.maybe_v1(data):
        if explicit:
            res.status = Status.UNCHANGED
            res.new = data
            res.kind = kinds.kind_of(path, head)
        return res
    strong = evidence.strong(data)
    res.kind = kinds.kind_of(path, head)
    must_report = strong or explicit
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        if must_report:
            line = data[: e.start].count(b"\n") + 1
            return failed(res, f"invalid UTF-8 (byte {e.start})", line)
        return res
    try:
        doc = build_document(res.kind, path, text)
        from .rules.engine import check_document

        checked, ctx = check_document(doc, settings.target)
    except ProcessingError as e:
        if must_report:
            return _left_in(failed(res, e.message, e.line), text, settings)
        return res
    from . import suppress

    if suppress.skip_file(doc):
        res.status = Status.SKIPPED
        return res
    findings = _filtered(doc, checked, display, settings, unused=False)
    reviewed = _suppressed(doc, checked)
    res.v1_server = ctx.v1_server
    edits = choose_fixes(findings)
    new_text = apply(text, edits) if edits else text
    new_doc = doc
    if new_text != text:
        from .verify import verify

        try:
            new_doc = verify(doc, new_text, settings.target, lambda p, t: build_document(res.kind, p, t),
                             keep=lambda d, fs: _filtered(d, fs, display, settings, unused=False))
        except ProcessingError as e:
            return _left_in(failed(res, e.message, e.line), text, settings)
    from .rules import engine, residue

    engine.no_info_left(findings)
    left = residue.uncovered(residue.evidence_in(new_doc, settings.target), edits, findings + reviewed,
                             doc.line_starts, doc.advisory(), reviewed)
    findings = _filtered(doc, checked + left, display, settings)
    res.has_evidence = bool(findings)
    if not findings and not explicit:
        return res
    for f in findings:
        if f.span is not None:
            f.line, f.column = doc.position(f.span.start)
            f.end_line, f.end_column = doc.position(f.span.end)
    res.findings = findings
    res.new = new_text.encode("utf-8")
    res.status = Status.CHANGED if res.new != data else Status.UNCHANGED
    return res


def _left_in(res: FileResult, text: str, settings: Settings) -> FileResult:
    """A file that could not be processed: its strong V1 evidence, line by line, as TDM003 beside
    the TDM001 error (the file counts as a file with V1)."""
    from .rules import residue

    doc = Document(res.path, text)
    left = residue.uncovered(residue.raw_evidence(text, res.kind), [], [], doc.line_starts)
    for f in left:
        f.line, f.column = doc.position(f.span.start)
        f.end_line, f.end_column = doc.position(f.span.end)
    res.findings.extend(f for f in left if selected(f.rule, settings.select, settings.ignore))
    res.has_evidence = True
    return res


def _filtered(doc: Document, findings: list[Finding], display: str, settings: Settings,
              unused: bool = True) -> list[Finding]:
    """Suppression comments first (so that a suppression of a rule left out by --select is still
    used), then --select/--ignore and per-file-ignores (which also apply to TDM002)."""
    from . import suppress

    findings = suppress.apply(doc, findings, report_unused=unused)
    findings = [f for f in findings if selected(f.rule, settings.select, settings.ignore)]
    return _per_file_ignores(findings, display, settings)


def _suppressed(doc: Document, findings: list[Finding]) -> list[Finding]:
    """The findings a suppression comment removes: a person reviewed what they name."""
    from . import suppress

    kept = {id(f) for f in suppress.apply(doc, findings, report_unused=False)}
    return [f for f in findings if id(f) not in kept]


def _per_file_ignores(findings: list[Finding], display: str, settings: Settings) -> list[Finding]:
    if not settings.per_file_ignores:
        return findings
    import fnmatch

    ignored: set[str] = set()
    for glob, rules in settings.per_file_ignores:
        if fnmatch.fnmatch(display, glob) or fnmatch.fnmatch(os.path.basename(display), glob):
            ignored.update(rules)
    return [f for f in findings if not any(f.rule.startswith(r) or r == "ALL" for r in ignored)]


def _decode_utf16_32(data: bytes) -> str | None:
    for enc in ("utf-32", "utf-16"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None
