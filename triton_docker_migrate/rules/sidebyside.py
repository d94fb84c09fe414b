"""TDM005: V1 kept beside its V2 copy (CONTRACT.md, ``--side-by-side``).

- ``--side-by-side``: a V1 compose service, Kubernetes workload (with the Services that select its
  pods) or top-level Helm values entry is kept as it is, marked ``# triton-docker-migrate: keep-v1`` on
  its first line, and its V2 copy is inserted after it as one span: the unit copied with its anchors
  and merge keys resolved (``syntax/yamlcopy``, ruamel.yaml, imported only in this mode), renamed,
  its host ports shifted clear of the file's (``copies``), then migrated by the pipeline's own rules -
  the copy's text goes through the same checks and fixes as any file. The new text must read back as
  the old one plus the copy.
- Every run: a unit whose first line carries the marker is left alone - its findings give way to
  one TDM005 warning spanning it (TDM003 stays silent inside it), what it shares through anchors is
  left as it is, and values that route to it (URLs naming its host, route objects) keep their V1
  endpoints as suggestions. A second run changes nothing.
- ``--retire-v1`` (a later plain run): each kept unit is removed with its marker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .. import facts
from ..documents.sites import Block
from ..model import Edit, Finding, Fix, ProcessingError, Severity, Span
from .registry import FixAvailability as F
from .registry import check, rule, selected

KEEP_V1_COMMENT = "# triton-docker-migrate: keep-v1"
_MARK = "keep-v1"  #: a file without it has no kept block (checked before any block is read)
KEPT = rule(
    "TDM005", "v1-kept-beside-v2", Severity.WARNING, F.SOMETIMES,
    "A V1 service or object kept beside its V2 copy (--side-by-side)",
    "With `--side-by-side`, a V1 compose service, Kubernetes workload (with the Services that select its "
    "pods) or top-level Helm values entry is kept as it is and its migrated V2 copy is added beside it, so "
    "that both run and can be compared before the switch: the copy is named `<name>-v2` "
    "(`--side-by-side-suffix`), its host ports are shifted by 100 (`--side-by-side-port-offset`) clear of "
    "every host port of the file, its container name and network aliases get the suffix, its mounts are "
    "shared read-only, and in Kubernetes its pods carry the label `triton-docker-migrate/version: v2` and "
    "selector values of their own, with a Service of their own that selects them (the V1 Service keeps "
    "routing to the V1 pods only). With host networking the copy's `--http-port`, `--grpc-port` and "
    "`--metrics-port` are shifted instead. The kept block is marked with the comment "
    "`# triton-docker-migrate: keep-v1` on its first line; in a JSON manifest, which has no comments, with the "
    "annotation `triton-docker-migrate/keep-v1: \"true\"`, and the copy is written as JSON after the object in "
    "its List (a file that holds one object becomes a List of the object and its copy: "
    "`{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [` is inserted before it and the copy with `]}` "
    "after it, the object's own bytes unchanged).\n\n"
    "Every later run leaves a marked block alone: one warning spans it (V1 is still deployed; TDM003 is "
    "silent inside it), anchors it shares are left as they are, and URLs or routes that reach it keep "
    "their V1 endpoints (reported with the V2 form as a suggestion), so a second run changes nothing. "
    "Once the clients use the V2 copy, a plain run with `--retire-v1` removes every marked block with its "
    "marker (an info finding each).\n\n"
    "Example (docker-compose):\n\n"
    "    services:\n"
    "      triton:  # triton-docker-migrate: keep-v1\n"
    "        image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
    "        command: trtserver --model-store=/models\n"
    "        ports: [\"8000:8000\"]\n"
    "      triton-v2:\n"
    "        image: nvcr.io/nvidia/tritonserver:24.10-py3\n"
    "        command: tritonserver --model-repository=/models --model-control-mode=poll ...\n"
    "        ports: [\"8100:8000\"]\n\n"
    "The copy is written with ruamel.yaml in the file's own indentation and quoting, inserted as one span "
    "(nothing else in the file moves), and checked: the new file reads back as the old one plus the "
    "copy. A unit that does not stand on lines of its own (flow style), a name the copy would take that is "
    "already in use (choose another `--side-by-side-suffix`), or V1 settings at "
    "the top level of a values file (one release of a chart: install the chart a second time instead) "
    "get the warning without a copy, and nothing in them changes.")


# --- every run: kept blocks are left alone -----------------------------------------------------------

def _mark(doc) -> str:
    """What marks a kept block: a comment, or in a JSON manifest an annotation."""
    return "keep-v1 annotation" if getattr(doc, "is_json", False) else "keep-v1 marker"


def _kept_message(doc, b: Block) -> str:
    return (f"V1 {b.what} {b.name} is kept beside its V2 copy ({_mark(doc)}): V1 is still deployed and "
            f"left as it is; once clients use the copy, retire it with --retire-v1")


@check(order=90)
def check_kept(doc, ctx):
    """One warning per kept block, and per anchored value it shares."""
    if _MARK not in doc.text:
        return
    shared: dict[Span, list[Block]] = {}
    for b in doc.blocks():
        if b.kept:
            yield KEPT.finding(b.span, _kept_message(doc, b))
            for sp in b.shared:
                shared.setdefault(sp, []).append(b)
    yield from shared_findings(shared)


def leave_kept(doc, findings: list[Finding]) -> list[Finding]:
    """The findings of a document with its kept blocks left alone (the engine's last step)."""
    if _MARK not in doc.text:
        return findings
    kept = [b for b in doc.blocks() if b.kept]
    return _leave(doc, findings, kept) if kept else findings


def _leave(doc, findings: list[Finding], blocks: list[Block], why: str = "") -> list[Finding]:
    """Drop the findings inside ``blocks`` (and what they share), TDM005 aside; findings in values that
    route to them lose their fixes (suggestions)."""
    if not blocks:
        return findings
    inside = [b.span for b in blocks] + [sp for b in blocks for sp in b.shared]
    routes = [(sp, b) for b in blocks for sp in b.routes]
    out: list[Finding] = []
    unapplied: list[Finding] = []
    for f in findings:
        if f.rule == KEPT.id or f.span is None:
            out.append(f)
            continue
        if any(s.start <= f.span.start < s.end or s.start == f.span.start == s.end for s in inside):
            continue
        via = next((b for s, b in routes if s.start <= f.span.start < s.end), None)
        if via is not None:
            f.message += (f" (reaches the V1 {via.what} {via.name}, kept beside its V2 copy: left as it is{why}; "
                          f"move it to the copy with the clients)")
            if f.severity is Severity.INFO:
                f.severity = Severity.WARNING
            unapplied.append(f)
        out.append(f)
    from .engine import _as_suggestions

    _as_suggestions(doc.text, unapplied)
    return out


# --- the modes ----------------------------------------------------------------------------------

def apply(doc, findings: list[Finding], settings, build: Callable, keep: Callable) -> list[Finding]:
    """``findings`` of ``doc`` for a run with ``--side-by-side`` or ``--retire-v1``."""
    if not selected(KEPT.id, settings.select, settings.ignore):
        # without TDM005 nothing is copied or retired; the engine already left kept blocks alone,
        # unless this is a --retire-v1 run (which reads them in full)
        return leave_kept(doc, findings) if settings.retire_v1 else findings
    blocks = doc.blocks()
    if settings.retire_v1:
        return _retire(doc, findings, blocks)
    if settings.side_by_side:
        return _side_by_side(doc, findings, blocks, settings, build, keep)
    return findings


def structural_edits(findings: list[Finding]) -> list[Edit]:
    """The applied edits that add or remove whole units (the verify step compares against the file
    with these applied)."""
    out: list[Edit] = []
    for f in findings:
        if f.rule == KEPT.id and f.fixed and f.fix is not None:
            out += [e for e in f.fix.edits if e not in out]
    return out


def _retire(doc, findings: list[Finding], blocks: list[Block]) -> list[Finding]:
    retired = [b for b in blocks if b.kept and b.retire_span is not None]
    stay = [b for b in blocks if b.kept and b.retire_span is None]
    from ..documents.sites import merge_deletes

    deletions = merge_deletes([Edit.delete(b.retire_span.start, b.retire_span.end) for b in retired])
    out: list[Finding] = []
    for f in findings:
        if f.span is not None and any(b.span.start <= f.span.start < b.span.end for b in retired):
            if f.rule == KEPT.id and f.span == next(b.span for b in retired if b.span.start <= f.span.start < b.span.end):
                b = next(b for b in retired if b.span == f.span)
                ed = [e for e in deletions if e.span.start <= b.retire_span.start and b.retire_span.end <= e.span.end]
                f.fix = Fix.of(f"Remove the kept V1 {b.what} {b.name}", *ed)
                f.severity = Severity.INFO
                f.message = (f"V1 {b.what} {b.name}, kept beside its V2 copy, is retired (--retire-v1): removed with "
                             f"its {_mark(doc)}")
                out.append(f)
            continue
        if f.rule == KEPT.id and any(f.span in b.shared for b in retired) and \
                not any(f.span in b.shared for b in stay):
            continue  # an anchor the retired block shared: migrated from now on
        out.append(f)
    reached: set[Span] = set()
    for b in retired:
        for sp in b.routes:
            if sp not in reached:
                reached.add(sp)
                out.append(KEPT.finding(sp, f"reaches the V1 {b.what} {b.name}, retired by this run (--retire-v1): "
                                            f"point it at the V2 copy"))
    return _leave(doc, out, stay)


# --- side by side -----------------------------------------------------------------------------------

@dataclass
class _State:
    """What every copy of one file shares: the loaded file, names and host ports in use."""

    kind: str
    docs: list[Any]
    data: list[Any]
    ports: Any
    taken: Any
    copies: list[str] = field(default_factory=list)


def _side_by_side(doc, findings: list[Finding], blocks: list[Block], settings, build, keep) -> list[Finding]:
    kept_names = {(b.what, b.name) for b in blocks if b.kept}
    suffix = settings.side_by_side_suffix
    candidates = [b for b in blocks if b.v1 and not b.kept and not (
        b.name.endswith(suffix) and (b.what, b.name[:-len(suffix)]) in kept_names)]
    if not candidates:
        return findings
    from . import copies as C

    failure = ""
    try:
        state = _state(doc, C)
    except ProcessingError as e:
        state, failure = None, e.message
    added: list[Finding] = []  # the copies' findings, kept apart until every block is done
    shared: dict[Span, list[Block]] = {}
    for b in candidates:
        why = b.refusal or ("" if state is not None else failure)
        made = None
        if not why:
            try:
                made = _copy(doc, b, blocks, state, settings, build, keep)
            except C.Refused as e:
                why = str(e)
            except ProcessingError as e:
                why = e.message
        group = [b] + [x for x in blocks if x.path in b.companions and not x.kept]
        if made is None:
            _hold(doc, findings, group, why)
            what = f"V1 {b.what} {b.name}" if b.name else f"this V1 {b.what}"
            added.append(KEPT.finding(
                b.span, f"--side-by-side: no V2 copy of {what} can be made here: {why}; nothing in it "
                        f"was changed: migrate it by hand, or in place with a run without --side-by-side"))
            continue
        fix, children, new_name, notes = made
        findings = _leave(doc, findings, group)
        msg = (f"V1 {b.what} {b.name} is kept as it is ({_mark(doc)}) and its migrated V2 copy {new_name} is added "
               f"beside it")
        if notes:
            msg += "; " + "; ".join(dict.fromkeys(notes))
        added.append(KEPT.finding(b.span, msg + "; once clients use the copy, retire V1 with --retire-v1", fix=fix))
        for x in group:
            for sp in x.shared:
                shared.setdefault(sp, []).append(x)
        added.extend(children)
    return findings + added + shared_findings(shared)


def shared_findings(shared: dict[Span, list[Block]]) -> list[Finding]:
    """One warning per anchored value that kept blocks share (none inside another)."""
    out = []
    for sp, users in shared.items():
        if any(o != sp and o.start <= sp.start and sp.end <= o.end for o in shared):
            continue
        whats = list(dict.fromkeys(b.what for b in users))
        names = ", ".join(dict.fromkeys(b.name for b in users))
        what = (whats[0] + ("s" if len(users) > 1 else "")) if len(whats) == 1 else "units"
        out.append(KEPT.finding(sp, f"shared with V1 {what} {names}, kept beside {'its' if len(users) == 1 else 'their'} "
                                    f"V2 cop{'y' if len(users) == 1 else 'ies'}: left as it is (the copies have "
                                    f"values of their own)"))
    return out


def _hold(doc, findings: list[Finding], group: list[Block], why: str) -> None:
    """Nothing of a block without a copy changes: its findings (and those of what it shares and what
    routes to it) keep their edits as suggestions."""
    spans = [x.span for x in group] + [sp for x in group for sp in (*x.shared, *x.routes)]
    held = [f for f in findings if f.rule != KEPT.id and f.span is not None and f.fix is not None
            and any(s.start <= f.span.start < s.end for s in spans)]
    for f in held:
        f.message += " (--side-by-side: left as it is, no V2 copy was made: see TDM005)"
        if f.severity is Severity.INFO:
            f.severity = Severity.WARNING
    from .engine import _as_suggestions

    _as_suggestions(doc.text, held)


def _state(doc, C) -> _State:
    from ..syntax import yamlcopy as YC

    docs = YC.load(doc.text)
    data = YC.data(doc.text)
    ports = C.Ports()
    kind = doc.kind
    if kind == "compose":
        taken: Any = {"service": set(), "container": set()}
        for d in data:
            services = d.get("services") if isinstance(d, dict) else None
            if isinstance(services, dict):
                ports.used |= C.compose_used_ports(services)
                taken["service"] |= {str(k) for k in services}
                taken["container"] |= {str(s["container_name"]) for s in services.values()
                                       if isinstance(s, dict) and s.get("container_name")}
    elif kind == "kubernetes":
        objects = _objects(data)
        ports.used |= C.kubernetes_used_ports(objects)
        taken = {(str(o.get("kind")), str((o.get("metadata") or {}).get("name"))) for o in objects}
    else:
        ports.used |= C.values_used_ports(data[0] if data else {})
        taken = {str(k) for k in (data[0] if data and isinstance(data[0], dict) else {})}
    # the ports V1 servers on the host network listen on
    for cl in doc.command_lines():
        if cl.v1:
            ports.used |= set(_line_ports(cl).values())
    return _State(kind, docs, data, ports, taken)


def _objects(data: list[Any]) -> list[Any]:
    out = []
    for d in data:
        if isinstance(d, dict) and str(d.get("kind", "")).endswith("List") and isinstance(d.get("items"), list):
            out += [i for i in d["items"] if isinstance(i, dict)]
        elif isinstance(d, dict):
            out.append(d)
    return out


_DEFAULT_PORTS = facts.DEFAULT_PORTS


def _line_ports(cl) -> dict[str, int]:
    """The ports a server command line listens on (defaults where it sets none); a port written with a
    variable is left out."""
    from .argv import parse_options

    opts, _, _ = parse_options(cl)
    out = {}
    for name, default in _DEFAULT_PORTS + (("http-health-port", None),):
        given = [o for o in opts if o.name == name]
        if given:
            v = given[-1].value
            if v is not None and v.strip().isdigit():
                out[name] = int(v)
        elif default is not None:
            out[name] = default
    return out


def _faithful(copy: Any, expected: Any, what: str) -> None:
    """The resolved copy, dumped and read back, holds the unit's data as the file gives it."""
    from ..syntax import yamlcopy as YC

    got = YC.data(YC.dump(copy, YC.Style()))
    if not got or got[0] != expected:
        raise ProcessingError(f"the copy of {what} does not read back as the original (a YAML construct ruamel.yaml "
                              f"writes differently)")


def _copy(doc, b: Block, blocks: list[Block], st: _State, settings, build, keep):
    """The fix that keeps ``b`` and inserts its V2 copy: (fix, the copy's findings, its name, notes)."""
    from ..syntax import yamlcopy as YC
    from . import copies as C

    if getattr(doc, "is_json", False):
        return _copy_json(doc, b, blocks, st, settings, build, keep)
    suffix, offset = settings.side_by_side_suffix, settings.side_by_side_port_offset
    copy = YC.resolved(YC.at(st.docs, b.path), _node_at(doc, b.path))
    _faithful(copy, YC.at(st.data, b.path), f"{b.what} {b.name}")
    companions = [x for x in blocks if x.path in b.companions]
    svc_copies = []
    for c in companions:
        cc = YC.resolved(YC.at(st.docs, c.path), _node_at(doc, c.path))
        _faithful(cc, YC.at(st.data, c.path), f"{c.what} {c.name}")
        svc_copies.append(cc)
    style = YC.style_of(doc.src, b.span.start, b.span.end)
    host_net = C.is_host_network(st.kind, copy)
    text = doc.text
    first_line = text[b.span.start:b.marker_at]
    lead = first_line[:len(first_line) - len(first_line.lstrip(" \t-"))]
    if st.kind == "compose":
        new, shift = C.compose_copy(copy, b.name, suffix, st.taken, st.ports, offset, host_net)
        fragment = "services:\n" + YC.indent(YC.dump(YC.map_of([(new, copy)]), style), lead)
    elif st.kind == "kubernetes":
        new, shift = C.kubernetes_copy(copy, svc_copies, suffix, st.taken, st.ports, offset)
        fragment = "---\n".join(YC.dump(u, style) for u in [copy, *svc_copies])
    else:
        new, shift = C.values_copy(copy, b.name, suffix, st.taken, st.ports, offset)
        fragment = YC.dump(YC.map_of([(new, copy)]), style)
    migrated, ff = _migrate(doc, fragment, build, keep, settings.target)
    _refuse_v1_left(doc, migrated, build)
    notes = list(st.ports.notes)
    st.ports.notes.clear()
    if st.kind == "helm-values":
        notes.append(f"the chart deploys the copy only where it reads {new} (an umbrella chart: a dependency "
                     f"aliased {new} in Chart.yaml)")
    if host_net:
        migrated, moved = _shift_server_ports(doc, migrated, build, st, offset, settings.target)
        if moved:
            notes.append("host networking: the copy's server listens on ports "
                         + ", ".join(str(v) for v in sorted(set(moved.values()))))
    units = _units(st.kind, YC.load(migrated), new)
    if not host_net and [YC.data(YC.dump(u, style))[0] for u in units] != _units(st.kind, YC.data(migrated), new):
        raise ProcessingError("the migrated copy does not read back as migrated")
    if host_net:
        for u in units:
            C.shift_network(u, moved)
    expected_units = [YC.data(YC.dump(u, style))[0] for u in units]
    # the insertion, in the file's own indentation and line breaks
    if st.kind == "kubernetes" and len(b.path) == 1:
        content = "".join("---\n" + YC.dump(u, style) for u in units)
    elif st.kind == "kubernetes":
        pad = " " * len(lead)
        content = "".join(YC.indent(YC.dump(u, style), pad, first=lead) for u in units)
    else:
        content = YC.indent(YC.dump(YC.map_of([(new, units[0])]), style), lead if st.kind == "compose" else "")
    at = b.span.end
    if at == len(text) and text and not text.endswith("\n"):
        content = "\n" + content
    elif st.kind != "kubernetes" and text.startswith(("\n", "\r\n"), at):
        content = "\n" + content  # units separated by a blank line: so is the copy
    if "\r\n" in text[b.span.start:b.span.end]:
        content = content.replace("\r\n", "\n").replace("\n", "\r\n")
    edits = [Edit.insert(at, content)]
    for x in [b, *companions]:
        if not x.kept:
            edits.append(Edit.insert(x.marker_at, "  " + KEEP_V1_COMMENT))
    _reads_back(doc, st, b, edits, new, expected_units)
    return _made(b, new, edits, at, ff, notes)


def _made(b: Block, new: str, edits: list[Edit], at: int, ff: list[Finding], notes: list[str]):
    """(the fix, the copy's findings at the insertion point, the copy's name, notes)."""
    fix = Fix.of(f"Keep V1 {b.what} {b.name} and add its V2 copy {new}", *edits)
    children = []
    for f in ff:
        child = Finding(f.rule, Span(at, at), f"in the V2 copy {new}: {f.message}", f.severity,
                        fix if f.fixed else None, f.suggestion)
        child.advisory = f.advisory
        children.append(child)
    return fix, children, new, notes


def _copy_json(doc, b: Block, blocks: list[Block], st: _State, settings, build, keep):
    """A JSON manifest: the copy is written as JSON in the file's indentation - after the object in
    its List, or, for a file that holds one object, with the file made a List of the object and its
    copy (``{"apiVersion": "v1", "kind": "List", "items": [`` before it, ``]}`` after: the object's own
    bytes stay) - and the kept objects carry the keep-v1 annotation (JSON has no comments)."""
    import copy as _copy_mod
    import json

    from ..syntax import yamlcopy as YC
    from . import copies as C
    from ..documents.yamlblocks import KEEP_ANNOTATION

    suffix, offset = settings.side_by_side_suffix, settings.side_by_side_port_offset
    text = doc.text
    copy = _copy_mod.deepcopy(YC.at(st.data, b.path))
    companions = [x for x in blocks if x.path in b.companions]
    svc_copies = [_copy_mod.deepcopy(YC.at(st.data, c.path)) for c in companions]
    host_net = C.is_host_network(st.kind, copy)
    new, _shift = C.kubernetes_copy(copy, svc_copies, suffix, st.taken, st.ports, offset)
    fragment = json.dumps({"apiVersion": "v1", "kind": "List", "items": [copy, *svc_copies]}, indent=2,
                          ensure_ascii=False) + "\n"
    migrated, ff = _migrate(doc, fragment, build, keep, settings.target)
    _refuse_v1_left(doc, migrated, build)
    notes = list(st.ports.notes)
    st.ports.notes.clear()
    if host_net:
        migrated, moved = _shift_server_ports(doc, migrated, build, st, offset, settings.target)
        if moved:
            notes.append("host networking: the copy's server listens on ports "
                         + ", ".join(str(v) for v in sorted(set(moved.values()))))
    units = json.loads(migrated)["items"]
    if host_net and moved:
        for u in units:
            C.shift_network(u, moved)
    pretty = "\n" in text[b.span.start:b.span.end]
    unit = _json_indent(text)

    def dumped(u: Any, col: int) -> str:
        if not pretty:
            return json.dumps(u, ensure_ascii=False, separators=(", ", ": "))
        return YC.indent(json.dumps(u, indent=unit, ensure_ascii=False), " " * col, first="")

    root = len(b.path) == 1
    col = b.span.start - (text.rfind("\n", 0, b.span.start) + 1)
    if root:
        content = "".join(", " + dumped(u, 0) for u in units) + "]}"
    else:
        lead = (",\n" + " " * col) if pretty else ", "
        content = "".join(lead + dumped(u, col) for u in units)
    if "\r\n" in text:
        content = content.replace("\r\n", "\n").replace("\n", "\r\n")
    at = b.span.end
    edits = [Edit.insert(at, content)]
    if root:
        edits.append(Edit.insert(b.span.start, '{"apiVersion": "v1", "kind": "List", "items": ['))
    for x in [b, *companions]:
        if not x.kept:
            if x.marker is None:
                raise C.Refused(f"the {x.what} {x.name} has no place for the keep-v1 annotation")
            pos, mark = x.marker
            edits.append(Edit.insert(pos, mark.replace("\n", "\r\n") if "\r\n" in text else mark))
    expected = _copy_mod.deepcopy(st.data)
    for x in [b, *companions]:
        meta = YC.at(expected, x.path)["metadata"]
        meta.setdefault("annotations", {})[KEEP_ANNOTATION] = "true"
    if root:
        expected[0] = {"apiVersion": "v1", "kind": "List", "items": [expected[0], *units]}
    else:
        items = expected[b.path[0]]["items"]
        items[b.path[2] + 1:b.path[2] + 1] = units
    from ..writer import apply as apply_edits

    if YC.data(apply_edits(text, sorted(edits, key=lambda e: e.span.start))) != expected:
        raise ProcessingError("the file with the copy does not read back as the old file plus the copy")
    return _made(b, new, sorted(edits, key=lambda e: e.span.start), at, ff, notes)


def _json_indent(text: str) -> int:
    """The indentation step of a pretty-printed JSON file (2 where it shows none)."""
    import re

    steps = sorted({len(m.group(1)) for m in re.finditer(r"\n( +)[\"{\[\]}]", text)})
    return steps[0] if steps else 2


def _node_at(doc, path: tuple):
    """The node at ``path`` as the document's reader composed it."""
    from ..syntax import yamlsrc as Y

    node = doc.src.docs[path[0]]
    for k in path[1:]:
        node = node.value[k] if isinstance(k, int) and isinstance(node, Y.SequenceNode) else Y.get(node, str(k))
    return node


def _units(kind: str, docs: list[Any], new: str) -> list[Any]:
    if kind == "compose":
        return [docs[0]["services"][new]]
    if kind == "kubernetes":
        return [d for d in docs if d is not None]
    return [docs[0][new]]


def _migrate(doc, fragment: str, build, keep, target) -> tuple[str, list[Finding]]:
    """``fragment`` (the copy's YAML) migrated by the pipeline's rules, verified like a file."""
    from ..verify import verify
    from ..writer import apply as apply_edits
    from ..writer import choose_fixes
    from .engine import check_document

    fdoc = build(doc.path, fragment)
    found, _ = check_document(fdoc, target)
    found = keep(fdoc, found)
    edits = choose_fixes(found)
    new = apply_edits(fragment, edits) if edits else fragment
    if new != fragment:
        verify(fdoc, new, target, build, keep)
    return new, found


def _refuse_v1_left(doc, migrated: str, build) -> None:
    """A copy that would still run V1 is no V2 copy: its server line, image or install folder is
    still V1 once migrated (a V1 variable name left with a warning is not)."""
    from .. import evidence, facts

    left = [m.group(0).strip(":\"'} ") for m in evidence.STRONG_TEXT.finditer(migrated)
            if m.group(0) not in facts.V1_ENV_VARS]
    if not left and any(cl.v1 for cl in build(doc.path, migrated).command_lines()):
        left = ["its server command line"]
    if left:
        from .copies import Refused

        raise Refused(f"its migrated copy would still run V1 ({left[0]}): the migration cannot finish it here")


def _shift_server_ports(doc, text: str, build, st: _State, offset: int, target) -> tuple[str, dict[int, int]]:
    """Host networking: the copy's server command lines listen on shifted ports (``--http-port`` and
    its kin set, or added after the last option)."""
    from ..writer import apply as apply_edits
    from .argv import _Builder, _insertion, parse_options

    fdoc = build(doc.path, text)
    lines = [cl for cl in fdoc.command_lines() if not cl.report_only]
    ports = {p for cl in lines for k, p in _line_ports(cl).items() if k != "http-health-port"}
    if not ports:
        return text, {}
    shift = st.ports.shift_for(ports, offset)
    moved = {p: p + shift for p in ports}
    edits: list[Edit] = []
    for cl in lines:
        opts, _, _ = parse_options(cl)
        b = _Builder(cl, target)
        eq_style = sum(1 for o in opts if o.eq) >= sum(1 for o in opts if not o.eq)
        add: list[str] = []
        for name, default in _DEFAULT_PORTS:
            given = [o for o in opts if o.name == name]
            if given:
                o = given[-1]
                if o.value is not None and o.value.strip().isdigit():
                    edits += b.set_option(o, name, str(moved[int(o.value)]))
            else:
                add += [f"--{name}={moved[default]}"] if eq_style else [f"--{name}", str(moved[default])]
        if add:
            edit, _ = _insertion(b, opts, add)
            if edit is None:
                raise ProcessingError("the copy's server command line has no place for its shifted ports")
            edits.append(edit)
    st.ports.used |= set(moved.values())
    return apply_edits(text, edits), moved


def _reads_back(doc, st: _State, b: Block, edits: list[Edit], new: str, units: list[Any]) -> None:
    """The file with the copy inserted reads back as the old file plus the copy, nothing else."""
    import copy as _copy_mod

    from ..syntax import yamlcopy as YC
    from ..writer import apply as apply_edits

    got = YC.data(apply_edits(doc.text, edits))
    expected = _copy_mod.deepcopy(st.data)
    if st.kind == "compose":
        expected[b.path[0]]["services"][new] = units[0]
    elif st.kind == "kubernetes" and len(b.path) == 1:
        expected[b.path[0] + 1:b.path[0] + 1] = units
    elif st.kind == "kubernetes":
        items = expected[b.path[0]]["items"]
        items[b.path[2] + 1:b.path[2] + 1] = units
    else:
        expected[0][new] = units[0]
    if got != expected:
        raise ProcessingError("the file with the copy does not read back as the old file plus the copy")
