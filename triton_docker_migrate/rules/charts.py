"""1xx, charts: a Helm chart's values image and the template that runs it move together.

The chart's documents are linked before the rules run (``documents/helmchart.py``); once every
document is checked, ``settle`` holds back what must not move alone: a values image whose container's
command line cannot be migrated stays V1, and so does that command line when its image cannot be
(never a V2 image under a V1 command, nor the reverse); both get an error that says why. A chart
with a packaged subchart that holds V1 is only reported."""

from __future__ import annotations

import bisect
import os

from ..documents.base import Document
from ..intervals import Intervals
from ..model import Finding, Severity, Span
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
                _hold(f, f" ({report_only})")
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
            _hold(f, "")
        for d, cl in served.parts:
            p = by_doc.get(id(d))
            if p is None or d is served.template:
                continue
            own = [w for seg in cl.segments for w in seg.words if w.start < (1 << 40)]
            if own:
                a, b = min(w.start for w in own), max(w.end for w in own)
                for f in places.within(p, a, b):
                    _hold(f, "")
        # everything else the container reads from the chart's other files (a values list its ``range`` writes, a
        # probe its ``toYaml`` writes, a helper's body): an argument or probe moved alone would be given to the
        # server left V1 (a chart moves as one unit)
        for d, a, b in served.reads:
            p = by_doc.get(id(d))
            if p is not None and d is not served.template:
                for f in places.within(p, a, b):
                    _hold(f, "")
        # the values its template reads whole (``path: {{ .Values.probePath }}``): a probe moved alone would
        # ask the server left V1 for V2's endpoints
        for (a, b), (_path, nodes) in served.template.resolved_from.items():
            if start <= a and b <= end:
                for vd, n in nodes:
                    p = by_doc.get(id(vd))
                    if p is not None:
                        sc = vd.src.scalar(n)
                        for f in places.within(p, sc.start, sc.end):
                            _hold(f, "")
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


def _hold(f: Finding, note: str) -> None:
    """The finding's fix is not applied: it is shown as a suggestion."""
    if f.fix is None:
        return
    edits = " ".join(e.content for e in f.fix.edits if e.content).strip()
    f.suggestion = f.suggestion or edits or f.fix.title
    f.fix = None
    if f.severity is Severity.INFO:
        f.severity = Severity.WARNING
    f.message += note


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
    if any(c is served.container for _, c in served.template._server_lines()):
        return True
    mounted = served.template.mounted_configmaps(served.container)
    return bool(mounted) and any(mounted & d.server_configmaps() for d in docs.values()
                                 if hasattr(d, "server_configmaps"))


def shown_path(path: str) -> str:
    return path.replace(os.sep, "/")
