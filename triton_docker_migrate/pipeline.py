"""One file through the pipeline: bytes -> document -> findings and their fixes -> edits applied to
the original text -> the result re-read and verified -> a FileResult. Never raises: every failure
becomes a one-line error and TDM001."""

from __future__ import annotations

import codecs
import gc
import os

from . import evidence, kinds, reserve
from .ownreport import report_format as own_report
from .documents.base import Document
from .model import FileResult, Finding, ProcessingError, Severity, Status
from .rules.registry import selected
from .settings import Settings
from .writer import apply, choose_fixes

MAX_BYTES = 10 * 1024 * 1024
_UTF16_32 = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def build_document(kind: str, path: str, text: str) -> Document:
    """The document of ``text`` as a file of ``kind`` (a kind without a reader of its own is text)."""
    return kinds.get(kind).build(path, text)


def process_file(path: str, display: str, settings: Settings, explicit: bool = False,
                 data: bytes | None = None, force: bool = False, links=None) -> FileResult:
    """``force``: check the file even without V1 evidence (model configurations of a run that
    migrates a V1 server, files that reach its servers). ``settings`` are the run's: the file gets
    those of the configuration that applies to it. ``links``: what the other files of the run say
    about the servers this file reaches (``rules/follow.py``)."""
    collecting = gc.isenabled()
    # One file's objects live until its result is made: the cyclic collector would only walk them
    # again and again (a third of the time of a large file); it runs after the file instead.
    gc.disable()
    reserve.keep()  # the room a MemoryError of this file unwinds with (given back by the failure)
    try:
        settings = settings.for_file(path)
        if links is None:
            res = _process(path, display, settings, explicit, data, force)
            return _follow_within(res, path, display, settings, explicit, force)
        from .documents.commands import built_servers
        from .rules.follow import built_servers as decide

        with built_servers(decide(links)):  # options given to an image the run builds from a V1 server's Dockerfile
            return _process(path, display, settings, explicit, data, force, links)
    except MemoryError:
        pass  # answered below, once the exception and the frames it holds (the document) are gone
    except SystemError as e:
        if not _failed_allocation(e):
            return _internal(e, display, explicit)
    except Exception as e:  # internal bug: report, never crash the run
        return _internal(e, display, explicit)
    finally:
        if collecting:
            gc.enable()
    # This file alone did not fit in the memory the process may use (a limit such as ulimit -v or
    # a container's): its error, and the run goes on with the memory it held released.
    gc.collect()
    return failed(FileResult(display, kinds.kind_by_name(path) or "text", Status.FAILED, explicit=explicit),
                  "out of memory while processing this file: not processed")


def _internal(e: BaseException, display: str, explicit: bool) -> FileResult:
    import traceback

    tb = traceback.extract_tb(e.__traceback__)
    where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
    return failed(FileResult(display, "text", Status.FAILED, explicit=explicit),
                  f"internal error ({type(e).__name__}: {e}{where}); please report this with the file")


def _failed_allocation(e: SystemError) -> bool:
    """CPython's C code sometimes meets a failed allocation without raising MemoryError (it returns
    an error with no exception set): out of memory too."""
    return "without exception set" in str(e) or "returned NULL without setting" in str(e)


def _follow_within(res: FileResult, path: str, display: str, settings: Settings, explicit: bool,
                   force: bool) -> FileResult:
    """A file whose own servers' health endpoints moved, and that also holds what reaches them (a Service,
    a route, a policy in the same manifest): processed once more with what its first pass taught
    (``rules/follow.py``). The servers that moved are known only once the fixes are chosen - a change
    suppressed, a block kept beside its copy, moves nothing - hence the second pass."""
    if res.status is Status.FAILED or res.serve is None or not res.serve.follow_here or res.original is None:
        return res
    return _process(path, display, settings, explicit, res.original, force, own=res.serve.moves)


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
             force: bool = False, links=None, own: list | None = None) -> FileResult:
    """``own``: the servers of this file whose health endpoints its first pass moved (the links are
    this file's own)."""
    if data is None and kinds.kind_by_name(path) in ("helm-template", "helm-values"):
        return _chart_member(path, display, settings, explicit)
    got = read_text(path, display, settings, explicit, data, force)
    if isinstance(got, FileResult):
        return got
    res, text, must_report = got
    try:
        doc = build_document(res.kind, path, text)
        from .rules.engine import check_document

        if own:
            from .rules.follow import build_links

            links = build_links([(display, m) for m in own], [(os.path.realpath(path), doc.topology())])
        # a run on standard input writes nothing but its output: no client adapter beside the file
        stdin = data is not None and (path == "-" or settings.stdin_filename is not None)
        checked, ctx = check_document(doc, settings.target, keep_v1=not settings.retire_v1,
                                      adapter=None if stdin else _adapter_place(path, display, settings), links=links)
    except ProcessingError as e:
        if must_report:
            return _left_in(failed(res, e.message, e.line), text, settings)
        return res
    from . import suppress

    if suppress.skip_file(doc):
        res.status = Status.SKIPPED
        return res
    res.v1_server = ctx.v1_server

    def build(p: str, t: str) -> Document:
        return build_document(res.kind, p, t)

    def keep(d: Document, fs: list[Finding]) -> list[Finding]:
        return _filtered(d, fs, display, settings, unused=False)

    checked = _side_by_side(doc, checked, settings, build, keep)
    new_text, findings, reviewed, edits = fixed_text(doc, checked, display, settings)
    new_doc = doc
    if new_text != text:
        from .verify import verify

        # the client code an unsafe fix rewrote: the verify step compares what the rewrite left alone
        code_edits = list(dict.fromkeys(e for f in findings if f.fixed and f.fix is not None and f.fix.unsafe
                                        for e in f.fix.edits))
        try:
            again = (lambda d, fs: keep(d, _side_by_side(d, fs, settings, build, keep)))
            new_doc = verify(_structural(doc, findings, settings, build), new_text, settings.target, build, keep=again,
                             unsafe=settings.unsafe_fixes, code_edits=code_edits, links=links)
        except ProcessingError as e:
            return _left_in(failed(res, e.message, e.line), text, settings)
    return conclude(res, doc, new_doc, new_text, checked, findings, reviewed, edits, display, settings, ctx)


def _side_by_side(doc: Document, checked: list[Finding], settings: Settings, build, keep) -> list[Finding]:
    """``--side-by-side`` and ``--retire-v1``: V1 units kept beside their V2 copies, or retired
    (``rules/sidebyside.py``). Also the verifying pass's: a unit no copy could be made of is held
    again, so that the pass converges."""
    if not (settings.side_by_side or settings.retire_v1):
        return checked
    from .rules import sidebyside

    return sidebyside.apply(doc, checked, settings, build, keep)


def _structural(doc: Document, findings: list[Finding], settings: Settings, build) -> Document:
    """The document whose structure the migrated text must keep: ``doc``, or with ``--side-by-side``
    and ``--retire-v1`` ``doc`` with the units added or removed whole."""
    if not (settings.side_by_side or settings.retire_v1):
        return doc
    from .rules import sidebyside

    structural = sidebyside.structural_edits(findings)
    return build(doc.path, apply(doc.text, structural)) if structural else doc


def read_text(path: str, display: str, settings: Settings, explicit: bool, data: bytes | None,
              force: bool = False, kind: str | None = None) -> FileResult | tuple[FileResult, str, bool]:
    """The file's text, its result so far and whether it must be reported if it cannot be read as
    its kind; or its final result (skipped or failed) when it has no text to process. ``kind``:
    the kind is known (a member of a chart), and the file is processed whatever it holds."""
    by_name = kind or kinds.kind_by_name(path)
    force = force or kind is not None or (explicit and by_name == "model-config")
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
    from .clientadapter import is_adapter

    if is_adapter(head):  # the client adapter this tool wrote (CONTRACT.md: skipped)
        if explicit:
            res.status = Status.UNCHANGED
            res.new = data
            res.kind = kinds.kind_of(path, head)
        return res
    if not force and (not (evidence.maybe_v1(data) or evidence.gives_build_arguments(data, by_name)
                           or by_name == "kubernetes" and kinds.is_helmfile(path))
                      or own_report(data)):
        # the tool's own reports quote the V1 they found: never evidence (ownreport.py)
        if explicit:
            res.status = Status.UNCHANGED
            res.new = data
            res.kind = kinds.kind_of(path, head)
        return res
    strong = evidence.strong(data)
    res.kind = kind or kinds.kind_of(path, head)
    must_report = strong or explicit or res.kind == "python" and evidence.v1_client_import(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        if must_report:
            line = data[: e.start].count(b"\n") + 1
            return failed(res, f"invalid UTF-8 (byte {e.start})", line)
        return res
    return res, text, must_report


def fixed_text(doc: Document, checked: list[Finding], display: str,
               settings: Settings) -> tuple[str, list[Finding], list[Finding], list]:
    """The text with the chosen fixes applied, the findings that stay after suppressions and
    selection, those a suppression removed (a person reviewed what they name), and the edits."""
    findings = _filtered(doc, checked, display, settings, unused=False)
    reviewed = _suppressed(doc, checked)
    edits = choose_fixes(findings, unsafe=settings.unsafe_fixes)
    return (apply(doc.text, edits) if edits else doc.text), findings, reviewed, edits


def conclude(res: FileResult, doc: Document, new_doc: Document, new_text: str, checked: list[Finding],
             findings: list[Finding], reviewed: list[Finding], edits: list, display: str,
             settings: Settings, ctx) -> FileResult:
    """The result once the new text is verified: V1 evidence left uncovered (TDM003), the findings'
    positions, the new bytes."""
    from .rules import engine, residue
    from .rules import run as run_level

    engine.no_info_left(findings)
    left = residue.uncovered(residue.evidence_in(new_doc, settings.target), edits, findings + reviewed,
                             doc.line_starts, doc.advisory(), reviewed)
    # what the run-level pass may place in this file goes through the same filters (rules/run.py)
    probes = run_level.probes(doc, ctx, findings)
    findings = _filtered(doc, checked + left + probes, display, settings)
    kept = {id(f) for f in findings}
    probed = {id(p) for p in probes}
    findings = [f for f in findings if id(f) not in probed]
    res.serve = run_level.facts(doc, new_doc, ctx, checked, probes, kept)
    res.has_evidence = bool(findings)
    if not findings and not res.explicit:
        return res
    for f in findings:
        if f.span is not None:
            f.line, f.column = doc.position(f.span.start)
            f.end_line, f.end_column = doc.position(f.span.end)
    res.findings = findings
    from .writer import applied_creates

    for c in applied_creates(findings):  # the client adapter (--unsafe-fixes)
        res.creates.append((c.path, c.display, c.content.encode("utf-8")))
        res.needs.append(c.path)
    res.new = new_text.encode("utf-8")
    res.status = Status.CHANGED if res.new != res.original else Status.UNCHANGED
    return res


def _adapter_place(path: str, display: str, settings: Settings):
    """Where this file's client adapter goes and what is there (asked only for V1 client code)."""
    got: list = []

    def place():
        if not got:
            from .clientadapter import place as find

            got.append(find(path, display, settings.client_adapter))
        return got[0]
    return place


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
    ignored = per_file_ignored(display, settings)
    return [f for f in findings if not any(f.rule.startswith(r) or r == "ALL" for r in ignored)]


def per_file_ignored(display: str, settings: Settings) -> set[str]:
    """The rules ``per-file-ignores`` leaves out of a file: a glob matches the file's path relative
    to the folder of the configuration that holds it (CONTRACT.md, "Configuration"), or its name."""
    import fnmatch

    rel = display
    if settings.config_path is not None:
        rel = os.path.relpath(os.path.abspath(display), os.path.dirname(settings.config_path)).replace(os.sep, "/")
    name = rel.rsplit("/", 1)[-1]
    ignored: set[str] = set()
    for glob, rules in settings.per_file_ignores:
        if fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch(name, glob):
            ignored.update(rules)
    return ignored


def _decode_utf16_32(data: bytes) -> str | None:
    for enc in ("utf-32", "utf-16"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


# --- units: files read together (a Helm chart) ----------------------------------------------------

def _chart_member(path: str, display: str, settings: Settings, explicit: bool) -> FileResult:
    """A file of a Helm chart brings in its whole chart: the chart is migrated as one unit and this
    file's result is returned (the batch run processes each chart once, ``batch/finish.py``)."""
    from . import charts

    top = charts.top_of(path)
    unit = charts.unit_of(top) if top is not None else None
    me = os.path.abspath(path)
    if unit is None or not any(os.path.abspath(m.path) == me for m in unit.members):
        return _process_alone(path, display, settings, explicit)
    name = {os.path.abspath(m.path): m.path for m in unit.members}[me]
    here = os.path.dirname(display)

    def shown(p: str) -> str:  # the other files, as seen from the one named
        if p == name:
            return display
        rel = os.path.relpath(os.path.abspath(p), os.path.dirname(me))
        return os.path.normpath(os.path.join(here, rel)).replace(os.sep, "/")

    for r in process_unit(unit, settings, frozenset([name]) if explicit else frozenset(), shown):
        if r.path == display:
            return r
    return FileResult(display, kinds.kind_by_name(path) or "text", Status.SKIPPED, explicit=explicit)


def _process_alone(path: str, display: str, settings: Settings, explicit: bool) -> FileResult:
    got = read_text(path, display, settings, explicit, None)
    if isinstance(got, FileResult):
        return got
    return _process(path, display, settings, explicit, got[0].original)


def process_unit(unit, settings: Settings, explicit: frozenset[str] = frozenset(),
                 display=lambda p: p.replace(os.sep, "/"), outside=None) -> list[FileResult]:
    """A Helm chart (``charts.Unit``), migrated as one unit (CONTRACT.md, helm): every member is read
    and its document built; the documents are linked (``documents/helmchart.py``: what each template
    takes from the values and helpers) before any rule runs; each is checked, and what hangs on
    another member is settled (``rules/charts.py``); the fixes are applied and the whole unit is
    verified the same way. When one member cannot be processed or verified, none is changed: TDM001
    on it, a warning on the others. Never raises. ``outside``: the run's follow-through
    (``batch/finish.py``), as (reported path, move) of the servers of other files whose health
    endpoints move (and of the chart's own V2 servers, when the run follows V2 servers) and (real path,
    topology) of the other files that may reach them: the chart's templates follow those servers as they
    follow the chart's own (``_chart_follow``)."""
    collecting = gc.isenabled()
    gc.disable()  # as in process_file
    reserve.keep()
    try:
        return _unit(unit, settings, explicit, display, outside)
    except MemoryError:
        message = "out of memory while processing this chart: not processed"
    except Exception as e:  # internal bug: report, never crash the run
        if isinstance(e, SystemError) and _failed_allocation(e):
            message = "out of memory while processing this chart: not processed"
        else:
            import traceback

            tb = traceback.extract_tb(e.__traceback__)
            where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
            message = (f"internal error in the chart ({type(e).__name__}: {e}{where}); please report this with "
                       f"the chart")
    finally:
        if collecting:
            gc.enable()
    gc.collect()  # what the failed attempt held (after out of memory: before the run goes on)
    return [failed(FileResult(display(m.path), m.kind, Status.FAILED, explicit=m.path in explicit), message)
            for m in unit.members]


def _values_follow(docs: dict[str, Document], checked: dict[str, list[Finding]], shown: dict[str, str]) -> None:
    """The follow-through's changes to a template's value that the chart's values write (``port: {{
    .Values.ingress.port }}``): made in the values files that set it, the template left as it is. A
    value that another action of the chart writes too (another object, a helper) would change there as
    well: a warning with the change to make instead."""
    from .model import Edit, Fix, Span
    from .syntax import yamlquote as Q

    by_doc = {id(d): p for p, d in docs.items()}
    done: set[tuple[str, int]] = set()
    following = [(p, f.span) for p, d in docs.items() for f, *_ in getattr(d, "values_follow", ())
                 if any(x is f for x in checked[p])]
    for p, d in docs.items():
        for f, path, nodes, new, message in getattr(d, "values_follow", ()):
            if not any(x is f for x in checked[p]):
                continue  # suppressed, or held with its container
            targets = [(by_doc[id(v)], v, n) for v, n in nodes if id(v) in by_doc]
            first = targets[0][2].value if targets else None
            targets = [(vp, v, n) for vp, v, n in targets if n.value == first]
            if not targets:
                continue
            others = [(rp, a) for rp, a in _values_readers(docs, path)
                      if not any(rp == fp and sp.start <= a.start < sp.end for fp, sp in following)]
            if others:
                rp, a = others[0]
                checked[p][:] = [x if x is not f else type(f)(
                    f.rule, f.span, f"{message}; the value of .Values.{'.'.join(path)}, which {shown.get(rp, rp)}:"
                    f"{docs[rp].position(a.start)[0]} writes too, so it is not changed in the values: set {new} "
                    f"here or give this route a value of its own", Severity.WARNING, suggestion=new) for x in checked[p]]
                continue
            checked[p][:] = [x for x in checked[p] if x is not f]
            line = d.position(f.span.start)[0]
            for vp, v, n in targets:
                sc = v.src.scalar(n)
                if (vp, sc.start) in done:
                    continue  # another template writes the same value: one change
                done.add((vp, sc.start))
                raw = Q.render(new, sc.quote, sc.flow) if sc.quote else new
                checked[vp].append(type(f)(f.rule, Span(sc.start, sc.end), f"{message} (the value of .Values."
                                           f"{'.'.join(path)}, which {shown.get(p, p)}:{line} writes)", Severity.INFO,
                                           Fix.of(f"Set {'.'.join(path)} to {new}", Edit(Span(sc.start, sc.end), raw))))


def _values_readers(docs: dict[str, Document], path: tuple[str, ...]) -> list:
    """(template, action) of the chart's actions that write the value at ``.Values.<path>`` or a mapping
    that holds it (``toYaml .Values.backend``), by the paths they read."""
    out = []
    for p, d in docs.items():
        template = getattr(d, "template", None) if d.kind == "helm-template" else None
        for a in template.actions if template is not None else ():
            if a.writes and any(r[:1] == ("Values",) and tuple(r[1:]) == tuple(path[:len(r) - 1]) for r in a.refs):
                out.append((p, a))
    return out


def _chart_follow(live, ctxs, fixed, shown, outside=None):
    """The links of a chart's follow-through: its templates' servers whose health endpoints the fixes
    move (and ``outside``'s, the other files' of the run: see ``process_unit``), and what every template
    of the chart (and every other file of the run that may reach them) says about who reaches them
    (None: nothing moves, or no template could reach them)."""
    from .rules import follow

    templates = [(p, d) for p, _res, _text, d, _must in live if d.kind == "helm-template" and hasattr(d, "containers")]
    # a template's line copied from the values (``args: {{- toYaml .Values.args }}``) is fixed there: its words
    # stand in the template at the values' offsets from FOREIGN on (``sites.foreign_copy``)
    from dataclasses import replace
    from .documents.sites import FOREIGN
    from .model import Span

    in_values = [replace(f, span=Span(f.span.start + FOREIGN, f.span.end + FOREIGN))
                 for p, _res, _text, d, _must in live if d.kind == "helm-values"
                 for f in fixed[p][1] if f.fixed and f.span is not None]
    moved = [(shown[p], m) for p, d in templates for m in follow.moves(d, ctxs[p], fixed[p][1] + in_values)]
    others: list = []
    if outside is not None:
        mine = {os.path.realpath(p) for p, *_ in live}
        moved += [(at, follow.across_charts(m)) for at, m in outside[0] if m.file not in mine]
        # the chart's own V2 servers (``follow.current``): its first pass had nothing to follow for them
        moved += [(at, m) for at, m in outside[0] if m.file in mine and m.current]
        others = [(real, topo) for real, topo in outside[1] if real not in mine]
    if not moved:
        return None
    links = follow.build_links(moved, others + [(os.path.realpath(p), d.topology()) for p, d in templates])
    if not any(follow.may_follow(d, links, ctxs[p].target) for p, d in templates):
        return None
    return links


class _MemberError(Exception):
    """A file of a chart that cannot be processed (``error``), found while the chart is checked."""

    def __init__(self, path: str, error: ProcessingError) -> None:
        super().__init__(path)
        self.path, self.error = path, error


def link_chart(unit, docs: dict[str, Document], keys: dict | None = None):
    """Link the documents of a chart unit (member path -> document) as one: each values file told the keys
    its subcharts read (``keys``: ``charts.subchart_keys(unit)``, computed once by a caller that links
    again), then ``helmchart.link``."""
    from .charts import subchart_keys
    from .documents.helmchart import link

    keys = subchart_keys(unit) if keys is None else keys
    for p, d in docs.items():
        if p in keys:
            d.subchart_keys = keys[p]  # type: ignore[attr-defined]
    return link(unit, docs)


def _unit(unit, settings: Settings, explicit: frozenset[str], display, outside=None) -> list[FileResult]:
    from . import suppress
    from .charts import subchart_keys
    from .rules.charts import schema_refusals, settle
    from .rules.engine import check_document

    done: list[FileResult] = []
    live: list[tuple[str, FileResult, str, Document, bool]] = []  # (path, result, text, doc, must report)
    for m in unit.members:
        got = read_text(m.path, display(m.path), settings, m.path in explicit, None, kind=m.kind)
        if isinstance(got, FileResult):
            done.append(got)
            continue
        res, text, must = got
        try:
            doc = build_document(m.kind, m.path, text)
        except ProcessingError as e:
            done.append(_left_in(failed(res, e.message, e.line), text, settings) if must else res)
            continue
        if suppress.skip_file(doc):
            done.append(res)
            continue
        live.append((m.path, res, text, doc, must))
    shown = {p: res.path for p, res, *_ in live}
    packaged = ", ".join(display(p) for p in unit.packaged_v1)
    note = (f"the chart has a packaged subchart with V1 evidence ({packaged}): the chart is only reported; "
            "unpack it into charts/ to migrate it with the chart") if packaged else ""

    keys = subchart_keys(unit)

    def builder(kind: str):
        return lambda p, t: build_document(kind, p, t)

    def keeper(p: str):
        return lambda d, fs: _filtered(d, fs, shown[p], settings, unused=False)

    follow_links = None  #: the chart's own follow-through (rules/follow.py): its servers whose health moved

    def check_all(docs: dict[str, Document], first: bool = True) -> tuple[dict[str, list[Finding]], dict]:
        links = link_chart(unit, docs, keys)
        checked, ctxs = {}, {}
        for p, d in docs.items():
            try:
                checked[p], ctxs[p] = check_document(d, settings.target, keep_v1=not (first and settings.retire_v1),
                                                     links=follow_links if d.kind == "helm-template" else None)
            except ProcessingError as e:
                raise _MemberError(p, e) from None
        settle(links, docs, checked, shown, note)
        _values_follow(docs, checked, shown)
        schema_refusals(unit, docs, checked)
        for p, d in docs.items():  # copies beside kept V1 values entries (umbrella charts), or retired
            checked[p] = _side_by_side(d, checked[p], settings, builder(d.kind), keeper(p))
        return checked, ctxs

    while True:
        docs = {p: d for p, _res, _text, d, _must in live}
        try:
            checked, ctxs = check_all(docs)
            break
        except _MemberError as e:
            # that file cannot be processed: its error; the rest of the chart is checked without it
            # (and, a chart being one unit, not written: see ``broken`` below)
            p, res, text, _d, must = next(x for x in live if x[0] == e.path)
            live = [x for x in live if x[0] != e.path]
            done.append(_left_in(failed(res, e.error.message, e.error.line), text, settings) if must else res)
    fixed = {p: fixed_text(d, checked[p], res.path, settings) for p, res, _text, d, _must in live}
    follow_links = _chart_follow(live, ctxs, fixed, shown, outside)
    if follow_links is not None:
        # what the chart's templates route to its servers (or, in the run's follow-through, another
        # file's) whose health moved follows them: the chart is read again (its documents are linked
        # afresh) and checked with those links
        live = [(p, res, text, build_document(d.kind, p, text), must) for p, res, text, d, must in live]
        docs = {p: d for p, _res, _text, d, _must in live}
        checked, ctxs = check_all(docs)
        fixed = {p: fixed_text(d, checked[p], res.path, settings) for p, res, _text, d, _must in live}
    for p, res, _text, d, _must in live:
        res.v1_server = ctxs[p].v1_server
    problem: dict[str, ProcessingError] = {}
    new_docs: dict[str, Document] = {}
    if any(fixed[p][0] != text for p, _r, text, _d, _m in live):
        for p, res, _text, d, _must in live:
            try:
                new_docs[p] = build_document(res.kind, p, fixed[p][0])
            except ProcessingError as e:
                problem[p] = ProcessingError(f"verification failed: the migrated file does not parse ({e.message})")
        if not problem:
            for p, res, text, d, _must in live:
                old = _structural(d, fixed[p][1], settings, builder(res.kind)) if fixed[p][0] != text else d
                same = getattr(old, "same_structure", None)
                why = same(new_docs[p]) if same is not None and fixed[p][0] != text else None
                if why:
                    problem[p] = ProcessingError(f"verification failed: {why}")
        if not problem:
            again, _ = check_all(new_docs, first=False)
            for p, res, _text, _d, _must in live:
                pending = [f for f in _filtered(new_docs[p], again[p], res.path, settings, unused=False)
                           if f.fix is not None]
                if pending:
                    f = pending[0]
                    problem[p] = ProcessingError(
                        f"verification failed: a second pass would still apply {f.rule} ({f.message}); this is a "
                        f"bug in triton-docker-migrate, please report it with the chart")
    else:
        new_docs = docs
    broken = [r for r in done if r.status is Status.FAILED] + [r for p, r, *_ in live if p in problem]
    out = list(done)
    for p, res, text, d, must in live:
        if p in problem:
            out.append(_left_in(failed(res, problem[p].message, problem[p].line), text, settings))
            continue
        new_text, findings, reviewed, edits = fixed[p]
        if broken:
            names = ", ".join(r.path for r in broken)
            new_text, new_doc = text, d
            for f in findings:
                if f.fix is not None and f.fixed:
                    f.fixed = False
                    f.suggestion = f.suggestion or " ".join(e.content for e in f.fix.edits if e.content) or None
                    f.fix = None
            edits = []
            from .rules.tool import UNPROCESSABLE

            checked[p].append(UNPROCESSABLE.finding(None, f"not changed: {names} of the same chart could not be "
                                                    f"processed, and a chart is migrated as one unit",
                                                    Severity.WARNING))
        else:
            new_doc = new_docs[p]
        out.append(conclude(res, d, new_doc, new_text, checked[p], findings, reviewed, edits, res.path, settings,
                            ctxs[p]))
    from .rules.follow import publish_node_ports

    publish_node_ports([m for r in out if r.serve is not None for m in r.serve.moves],
                     [(os.path.realpath(p), d.topology()) for p, _res, _text, d, _must in live
                      if d.kind == "helm-template" and hasattr(d, "containers")])
    return out
