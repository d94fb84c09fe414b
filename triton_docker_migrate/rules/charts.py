"""1xx, charts: a Helm chart's values image and the template that runs it move together.

The chart's documents are linked before the rules run (``documents/helmchart.py``); once every
document is checked, ``settle`` holds back what must not move alone: a values image whose container's
command line cannot be migrated stays V1, and so does that command line when its image cannot be
(never a V2 image under a V1 command, nor the reverse); both get an error that says why. A chart
with a packaged subchart that holds V1 is only reported."""

from __future__ import annotations

import bisect
import json
import os
import re

from ..documents.base import Document
from ..intervals import Intervals
from ..model import Finding, Severity, Span
from ..syntax import yamlsrc as Y
from .held import hold
from .registry import FixAvailability as F
from .registry import rule

HELD = rule(
    "TDM108", "chart-image-and-command-held", Severity.ERROR, F.NEVER,
    "A chart's values image and the template that runs it cannot move together",
    "In a Helm chart the server image is usually set in `values.yaml` and the command line, probes and ports in a "
    "template. They are migrated together or not at all: when the template's container cannot be migrated (a "
    "template line the tool cannot read, arguments written by an action it cannot follow, a change that would "
    "rewrite a template action, an option V1 itself refused), the values image stays V1 and the container is "
    "left as it is, with what it reads from the values and helpers (its arguments, its probes); when the values image cannot be migrated (a tag that is not a release, a locally built V1 "
    "image), the container's command line stays V1. Both places get this error with the reason: a V2 image "
    "under a V1 command line (or the reverse) does not start. Migrate the two by hand, together. A container with "
    "nothing V1 in it (its image, command line and probes V2 already, nothing else found) is not held for a "
    "template line the tool cannot read.")

#: findings that leave the server's command line (or its probes) V1 when they carry no fix
_LINE_RULES = ("TDM2", "TDM3", "TDM4")
#: ... except these, which never hold a fix and do not stop the rest of the line from moving
_NOT_BLOCKING = ("TDM316", "TDM317", "TDM402", "TDM403", "TDM404", "TDM405", "TDM406")
_IMAGE_LEFT = ("TDM104", "TDM105", "TDM106")


def settle(links, docs: dict[str, Document], checked: dict[str, list[Finding]], shown: dict[str, str],
           report_only: str = "") -> None:
    """Adjust ``checked`` (member path -> its findings) for what hangs on another member."""
    if report_only:
        for path, findings in checked.items():
            for f in findings:
                hold(f, f" ({report_only})")
        return
    by_doc = {id(d): p for p, d in docs.items()}
    _quiet_unread(docs, checked)
    _unreadable_templates(links, docs, checked, shown)
    places = _Places(checked)
    unreadable: dict[int, Intervals] = {}  #: each template's report-only spans (asked once)
    # which containers cannot move, and why
    blocked: dict[int, str] = {}
    v1_images = {id(lk.container) for lk in links.images if lk.v1}
    for served in links.served:
        why = served.unknown if served.container.v1 else ""
        tpath = by_doc.get(id(served.template))
        start, end = _container_span(served)
        if id(served.template) not in unreadable:
            unreadable[id(served.template)] = Intervals(served.template.report_only())
        if not why and unreadable[id(served.template)].first_holding(start, end) is not None \
                and _anything_v1(served, v1_images, places, by_doc, start, end):
            why = "some of its template lines cannot be read"
        if not why and tpath is not None:
            why = _stuck(places.within(tpath, start, end))
        for d, cl in served.parts:
            p = by_doc.get(id(d))
            if why or p is None or d is served.template:
                continue
            own = [w for seg in cl.segments for w in seg.words if w.start < (1 << 40)]
            if own:
                why = _stuck(places.within(p, min(w.start for w in own), max(w.end for w in own)))
        if not why and served.container.v1 and not served.parts and not _has_line(served, docs) and _runs_something(served):
            why = "its command line is not written where the tool can read it"
        if why:
            blocked[id(served.container.node)] = why
    # images that cannot move hold their containers back
    for link in links.images:
        vpath = by_doc.get(id(link.values))
        if vpath is None or id(link.container.node) in blocked:
            continue
        left = [f for f in checked[vpath] if f.rule in _IMAGE_LEFT and f.span is not None
                and f.span.start < link.span.end and link.span.start < f.span.end]
        if left and link.v1 and any(f.fix is not None
                                    for f in places.within(by_doc[id(link.template)], *_container_span_of(link))):
            blocked[id(link.container.node)] = (f"its image in {shown.get(vpath, vpath)} cannot be migrated "
                                                f"({left[0].message})")
    images_of: dict[int, list] = {}
    for lk in links.images:
        images_of.setdefault(id(lk.container), []).append(lk)
    for served in links.served:
        why = blocked.get(id(served.container.node))
        if why is None:
            continue
        tpath = by_doc[id(served.template)]
        start, end = _container_span(served)
        images = images_of.get(id(served.container), [])
        for f in places.within(tpath, start, end):
            hold(f, "")
        for d, cl in served.parts:
            p = by_doc.get(id(d))
            if p is None or d is served.template:
                continue
            own = [w for seg in cl.segments for w in seg.words if w.start < (1 << 40)]
            if own:
                a, b = min(w.start for w in own), max(w.end for w in own)
                for f in places.within(p, a, b):
                    hold(f, "")
        # everything else the container reads from the chart's other files (a values list its ``range`` writes, a
        # probe its ``toYaml`` writes, a helper's body): an argument or probe moved alone would be given to the
        # server left V1 (a chart moves as one unit)
        for d, a, b in served.reads:
            p = by_doc.get(id(d))
            if p is not None and d is not served.template:
                for f in places.within(p, a, b):
                    hold(f, "")
        # the values its template reads whole (``path: {{ .Values.probePath }}``): a probe moved alone would
        # ask the server left V1 for V2's endpoints
        for (a, b), (_path, nodes) in served.template.resolved_from.items():
            if start <= a and b <= end:
                for vd, n in nodes:
                    p = by_doc.get(id(vd))
                    if p is not None:
                        sc = vd.src.scalar(n)
                        for f in places.within(p, sc.start, sc.end):
                            hold(f, "")
        where = []
        name = served.template.shown(served.container.name or "?")  # a name written by an action: {{…}}
        for lk in images:
            vpath = by_doc[id(lk.values)]
            checked[vpath][:] = [f for f in checked[vpath] if not (f.rule in ("TDM101", "TDM102") and f.span is not None
                                                                    and f.span.start < lk.span.end
                                                                    and lk.span.start < f.span.end)]
            places.forget(vpath)
            line = lk.values.position(lk.span.start)[0]
            where.append(f"{shown.get(vpath, vpath)}:{line}")
            tline = served.template.position(start)[0]
            checked[vpath].append(HELD.finding(
                lk.span, f"this image is kept: the container {name} of "
                f"{shown.get(tpath, tpath)}:{tline} that runs it cannot be migrated ({why}); migrate both by hand, "
                f"together"))
        image = _image_span(served)
        msg = (f"the container {name} is left as it is: {why}"
               + (f"; its image ({', '.join(where)}) stays V1 with it" if where else "")
               + ": migrate the two by hand, together")
        checked[tpath].append(HELD.finding(image or Span(start, start), msg))


def _anything_v1(served, v1_images: set[int], places: "_Places", by_doc: dict[int, str], start: int, end: int) -> bool:
    """Whether a container has anything a template line it cannot read would leave half-moved: it runs a V1 server
    or a V1 values image, or a rule found something in it or in what it reads from the chart's other files. A V2
    server's container with an ``if``/``else`` the tool cannot read, in a chart with no V1, is not held."""
    if served.container.v1 or id(served.container) in v1_images:
        return True
    tpath = by_doc.get(id(served.template))
    if tpath is not None and places.within(tpath, start, end):
        return True
    for d, cl in served.parts:
        p = by_doc.get(id(d))
        own = [w for seg in cl.segments for w in seg.words if w.start < (1 << 40)]
        if p is not None and d is not served.template and own \
                and places.within(p, min(w.start for w in own), max(w.end for w in own)):
            return True
    return any(places.within(p, a, b) for d, a, b in served.reads
               if (p := by_doc.get(id(d))) is not None and d is not served.template)


def _quiet_unread(docs: dict[str, Document], checked: dict[str, list[Finding]]) -> None:
    """A chart with no V1 is not reported for the template lines it could not read (TDM004): an ``if``/``else``
    that gives a mapping the same key twice is in many charts, and what the line holds is looked at instead. The
    chart holds V1 when a rule found something in one of its files (suppressed or not: ``checked`` is what the
    rules said), or when a file holds strong V1 evidence (which the run reports where no rule placed it, TDM003);
    an unread line that may hold V1 itself (a V1-only option, one of V1's own endpoints) keeps its finding."""
    from .. import evidence
    from .tool import UNREAD_TEMPLATE_LINE

    unread = UNREAD_TEMPLATE_LINE.id
    if any(f.rule != unread for fs in checked.values() for f in fs) \
            or any(evidence.strong(d.text.encode("utf-8", "surrogatepass")) for d in docs.values()):
        return
    for p, d in docs.items():
        checked[p][:] = [f for f in checked[p] if f.rule != unread or f.span is None or evidence.line_may_hold_v1(
            d.text[f.span.start:f.span.end].encode("utf-8", "surrogatepass"))]


def _unreadable_templates(links, docs: dict[str, Document], checked: dict[str, list[Finding]],
                          shown: dict[str, str]) -> None:
    """A template that could not be read at all may run any values image: while one holds V1, the
    values images no container is known to run stay V1."""
    from .. import evidence

    unread = [p for p, d in docs.items() if d.kind == "helm-template" and not hasattr(d, "template")
              and d.unread() and evidence.strong(d.text.encode("utf-8", "surrogatepass"))]
    if not unread:
        return
    linked = [(lk.values, lk.span) for lk in links.images]
    names = ", ".join(shown.get(p, p) for p in unread)
    for p, d in docs.items():
        if d.kind != "helm-values":
            continue
        for f in list(checked[p]):
            if f.rule in ("TDM101", "TDM102") and f.fix is not None and f.span is not None and not any(
                    v is d and s.start < f.span.end and f.span.start < s.end for v, s in linked):
                checked[p].remove(f)
                checked[p].append(HELD.finding(f.span, f"this image is kept: {names} cannot be read as a template "
                                               f"(TDM004), and may run it with a V1 command line; migrate them by "
                                               f"hand, together", suggestion=f.fix.edits[-1].content))


def _stuck(findings: list[Finding]) -> str:
    """Why the command line or probes that ``findings`` lie on (``_Places.within``) stay V1: a
    finding there that needs a change the tool cannot make."""
    for f in findings:
        if f.fix is None and f.severity is not Severity.INFO \
                and f.rule.startswith(_LINE_RULES) and not f.rule.startswith(_NOT_BLOCKING):
            return f"{f.rule}: {f.message}"
    return ""


class _Places:
    """The findings of each member of the chart by where they start: the findings inside a span are
    found by bisection, not by a scan of every finding for every container."""

    def __init__(self, checked: dict[str, list[Finding]]) -> None:
        self.checked = checked
        self._index: dict[str, tuple[list[int], list[tuple[int, Finding]]]] = {}

    def within(self, path: str, start: int, end: int) -> list[Finding]:
        """The findings of ``path`` whose span lies in ``[start, end]``, in their list order."""
        got = self._index.get(path)
        if got is None:
            placed = sorted(((f.span.start, k, f) for k, f in enumerate(self.checked[path]) if f.span is not None),
                            key=lambda t: (t[0], t[1]))
            got = self._index[path] = ([t[0] for t in placed], [(k, f) for _, k, f in placed])
        starts, found = got
        inside = found[bisect.bisect_left(starts, start):bisect.bisect_right(starts, end)]
        return [f for _, f in sorted(inside, key=lambda t: t[0]) if f.span.end <= end]

    def forget(self, path: str) -> None:
        """``path``'s list changed: index it again when next asked."""
        self._index.pop(path, None)


def _container_span(served) -> tuple[int, int]:
    return served.template.container_span(served.container)


def _container_span_of(link) -> tuple[int, int]:
    return link.template.container_span(link.container)


def _image_span(served) -> Span | None:
    from ..syntax.yamlsrc import ScalarNode, get

    image = get(served.container.node, "image")
    if isinstance(image, ScalarNode):
        sc = served.template.src.scalar(image)
        return Span(sc.start, sc.end)
    return None


def _runs_something(served) -> bool:
    """The container sets its command or arguments (without them it runs the image's own)."""
    from ..syntax.yamlsrc import get, is_null

    return any(get(served.container.node, k) is not None and not is_null(get(served.container.node, k))
               for k in ("command", "args")) or bool(served.template.expansions(served.container, "args")
                                                     or served.template.expansions(served.container, "command"))


def _has_line(served, docs: dict[str, Document]) -> bool:
    """The container's own command line, or a start script it mounts from a ConfigMap of the chart
    whose server line is migrated."""
    if served.template.has_server_line(served.container):
        return True
    mounted = served.template.mounted_configmaps(served.container)
    return bool(mounted) and any(mounted & d.server_configmaps() for d in docs.values()
                                 if hasattr(d, "server_configmaps"))


def shown_path(path: str) -> str:
    return path.replace(os.sep, "/")


SCHEMA_REFUSES = rule(
    "TDM114", "chart-schema-refuses-value", Severity.WARNING, F.NEVER,
    "The chart's values.schema.json refuses a migrated value",
    "Helm validates a chart's values against the chart's `values.schema.json` before it renders anything. A schema "
    "written for the V1 server (an `enum` of V1 image tags, a `const` or `pattern` for the repository, a `pattern` "
    "on the items of the server's argument list that knows only V1 options) refuses the values this tool migrates: "
    "`helm install`, `upgrade`, `template` and `lint` then fail (`value must be one of ...`). The migrated value "
    "gets this warning, naming the schema's constraint (its JSON path and line): change the schema with the "
    "values. The schema is read, never changed; only `enum`, `const` and `pattern` reached through `properties`, "
    "`additionalProperties`, `items`, `allOf` and local `$ref`s are judged.")

#: a chart's values schema is read up to this size
_SCHEMA_LIMIT = 1 << 20


def schema_refusals(unit, docs: dict[str, Document], checked: dict[str, list[Finding]]) -> None:
    """Each value a values file's fixes change that its chart's ``values.schema.json`` then refuses (and did
    not refuse before): a warning at that value."""
    import json

    from ..atomic import read_regular

    for chart in unit.charts:
        path = os.path.join(chart.root, "values.schema.json")
        try:
            text = read_regular(path, _SCHEMA_LIMIT)[0].decode("utf-8")
            schema = json.loads(text)
        except (OSError, ValueError):
            continue  # none, or not one Helm could read either
        if not isinstance(schema, dict):
            continue
        members = {m.path for m in unit.members if m.chart is chart and m.kind == "helm-values"}
        for p, d in docs.items():
            if p not in members or not hasattr(d, "src"):
                continue
            new_text = _applied(d.text, checked[p])
            if new_text is None:
                continue
            try:
                new = Y.load(new_text)
            except Exception:  # the verification pass reports a migrated file that does not parse
                continue
            if not d.src.docs or not new.docs:
                continue
            shown = os.path.relpath(path, os.path.dirname(os.path.abspath(p)))
            walk = _SchemaWalk(schema, text, shown, d.src, new)
            walk.node(schema, d.src.docs[0], new.docs[0], (), ())
            checked[p].extend(walk.found)


def _applied(text: str, findings: list[Finding]) -> str | None:
    """``text`` with the fixes of ``findings`` applied (overlapping edits: the first), or None when none."""
    edits = sorted((e for f in findings if f.fix is not None for e in f.fix.edits),
                   key=lambda e: (e.span.start, e.span.end))
    out, at = [], 0
    for e in edits:
        if e.span.start < at:
            continue
        out += [text[at:e.span.start], e.content]
        at = e.span.end
    return "".join(out) + text[at:] if edits else None


class _SchemaWalk:
    """Old and new values nodes walked together along a JSON schema."""

    def __init__(self, root: dict, text: str, shown: str, old_src, new_src) -> None:
        self.root, self.text, self.shown = root, text, shown
        self.old_src, self.new_src = old_src, new_src
        self.found: list[Finding] = []

    def _resolve(self, s, ptr: tuple) -> tuple[dict | None, tuple]:
        for _ in range(16):  # a $ref to a $ref ..., not forever
            if not isinstance(s, dict) or not isinstance(s.get("$ref"), str) or not s["$ref"].startswith("#"):
                break
            ptr = tuple(k.replace("~1", "/").replace("~0", "~") for k in s["$ref"][1:].split("/") if k)
            s = self.root
            for k in ptr:
                s = s.get(k) if isinstance(s, dict) else None
        return (s, ptr) if isinstance(s, dict) else (None, ptr)

    def node(self, s, old, new, ptr: tuple, vpath: tuple) -> None:
        s, ptr = self._resolve(s, ptr)
        if s is None or new is None:
            return
        for i, sub in enumerate(s.get("allOf") or ()):
            self.node(sub, old, new, ptr + ("allOf", str(i)), vpath)
        if isinstance(new, Y.ScalarNode):
            self.scalar(s, old, new, ptr, vpath)
        elif isinstance(new, Y.MappingNode):
            props = s.get("properties") if isinstance(s.get("properties"), dict) else {}
            extra = s.get("additionalProperties")
            for k, v in Y.items(new):
                key = Y.key_of(k)
                if key is None:
                    continue
                sub, sp = (props[key], ptr + ("properties", key)) if key in props else \
                    (extra, ptr + ("additionalProperties",)) if isinstance(extra, dict) else (None, ())
                if sub is not None:
                    self.node(sub, Y.get(old, key) if isinstance(old, Y.MappingNode) else None, v, sp, vpath + (key,))
        elif isinstance(new, Y.SequenceNode) and isinstance(s.get("items"), dict):
            olds = old.value if isinstance(old, Y.SequenceNode) else []
            before = {str(o.value) for o in olds if isinstance(o, Y.ScalarNode)}
            for i, item in enumerate(new.value):
                if isinstance(item, Y.ScalarNode) and str(item.value) in before:
                    continue  # there before: not this run's
                n = len(self.found)
                self.node(s["items"], olds[i] if i < len(olds) else None, item, ptr + ("items",), vpath + (f"[{i}]",))
                for f in self.found[n:]:  # an item added after the last: shown there
                    if f.span is None and olds:
                        f.span = self._span(olds[-1])
        if old is not None:
            for f in self.found:  # a value added where there was none: shown where its parent stands
                if f.span is None:
                    f.span = self._span(old)

    def scalar(self, s: dict, old, new, ptr: tuple, vpath: tuple) -> None:
        value = str(new.value)
        was = str(old.value) if isinstance(old, Y.ScalarNode) else None
        if value == was:
            return
        for key in ("enum", "const", "pattern"):
            if key not in s:
                continue
            if not self._refuses(key, s[key], value) or (was is not None and self._refuses(key, s[key], was)):
                continue
            shown = json.dumps(s[key]) if key != "pattern" else s[key]
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            where = "/" + "/".join(ptr + (key,))
            line = self._line(ptr + (key,))
            span = self._span(old) if old is not None else None
            self.found.append(SCHEMA_REFUSES.finding(
                span, f"{self.shown}{f' line {line}' if line else ''}: {where} ({key} {shown}) refuses the migrated "
                f"value {value!r} of {'.'.join(vpath).replace('.[', '[')}: helm refuses to render the chart with it; "
                f"change the schema with the values", Severity.WARNING))
            return

    @staticmethod
    def _refuses(key: str, c, value: str) -> bool:
        if key == "enum":
            return isinstance(c, list) and all(isinstance(x, str) for x in c) and value not in c
        if key == "const":
            return isinstance(c, str) and value != c
        if not isinstance(c, str):
            return False
        try:
            return re.search(c, value) is None
        except re.error:
            return False  # a pattern Python's re does not read: not judged

    def _span(self, node) -> Span:
        if isinstance(node, Y.ScalarNode):
            sc = self.old_src.scalar(node)
            return Span(sc.start, sc.end)
        return Span(node.start_index, node.start_index)

    def _line(self, ptr: tuple) -> int | None:
        """The line of the schema's constraint, by finding each key of its path in turn."""
        at = 0
        for k in ptr:
            if k.isdigit():
                continue
            found = self.text.find(json.dumps(k), at)
            if found < 0:
                return None
            at = found + 1
        return self.text.count("\n", 0, at) + 1
