"""A Helm chart's documents read together: what each template takes from the chart's values files
and helpers (``.Values.x.y``, ``include "name"``) is linked before any rule runs.

- A container's image written from values (``image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"``,
  ``{{ .Values.image }}``, a helper that writes either) is that values image: the container is a V1 (or
  Triton) server when it is, and the values image is linked to the container that runs it (the rules
  migrate it only together with that container's command line: ``rules/charts.py``).
- A values list (or a helper's list) that a container's ``command``/``args`` take items from (``range``,
  ``toYaml``/``toJson``, ``include``) continues that container's server command line. The line is held by
  several files: each holds its part, a ``CommandLine`` of its own words with copies of the other parts'
  words at foreign offsets (``sites.FOREIGN``), so the argv transform sees the whole line and each file
  gets the edits of its own words (an option added at the end goes where the last part stands).
- Values a subchart reads are its own ``values*.yaml`` and its parents' under its name (or alias);
  ``.Values.global.x`` is any chart's ``global.x``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import facts
from ..charts import SubChart, Unit
from ..model import Span
from ..syntax import gotemplate as G
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode, SequenceNode
from . import commands as C
from .base import Document
from .helmtemplate import Expansion, HelmTemplateDoc
from .helmvalues import HelmValuesDoc, LoneTagKeys, ValuesImageKeys
from .kubernetes import Container
from ..syntax.quoting import Syntax
from ..syntax.shellwords import Word
from .sites import CommandLine, Segment, foreign_copy

_EMPTY = Syntax()
#: helpers included from helpers, followed this deep at most
_HELPER_DEPTH = 8


@dataclass
class ImageLink:
    """A values image (its span in the values file) and a container that runs it."""

    values: HelmValuesDoc
    span: Span
    template: HelmTemplateDoc
    container: Container
    v1: bool


@dataclass
class Served:
    """A container of the chart that runs a Triton server, with the files holding its line."""

    template: HelmTemplateDoc
    container: Container
    parts: list[tuple[Document, CommandLine]] = field(default_factory=list)
    #: why the container's command line cannot be migrated, when the chart can tell before the rules run
    unknown: str = ""


@dataclass
class Links:
    images: list[ImageLink] = field(default_factory=list)
    served: list[Served] = field(default_factory=list)


def link(unit: Unit, docs: dict[str, Document]) -> Links:
    """Link the documents of ``unit`` (member path -> its document); documents that could not be
    read are left out of ``docs``."""
    out = Links()
    values: dict[int, list[HelmValuesDoc]] = {}
    templates: list[tuple[HelmTemplateDoc, SubChart]] = []
    for m in unit.members:
        doc = docs.get(m.path)
        if isinstance(doc, HelmValuesDoc):
            values.setdefault(id(m.chart), []).append(doc)
        elif isinstance(doc, HelmTemplateDoc):
            templates.append((doc, m.chart))
    for chart_values in values.values():  # values.yaml first: the chart's defaults
        chart_values.sort(key=lambda d: (not d.path.replace("\\", "/").endswith("/values.yaml"), d.path))
    helpers = {}
    for doc, _ in templates:
        for name in doc.template.defines():
            helpers.setdefault(name, doc)
    ctx = _Chart(unit, values, helpers)
    for doc, chart in templates:
        ctx.resolve(doc, chart)
    for doc, chart in templates:
        for c in doc.containers:
            ctx.link_container(doc, chart, c, out)
    if out.served:  # what ``helm install`` prints speaks of the chart's server
        for m in unit.members:
            doc = docs.get(m.path)
            if doc is not None and m.kind == "helm-template" and not isinstance(doc, HelmTemplateDoc) \
                    and hasattr(doc, "template"):
                doc.triton = True  # type: ignore[attr-defined]
    return out


class _Chart:
    def __init__(self, unit: Unit, values: dict[int, list[HelmValuesDoc]], helpers: dict[str, HelmTemplateDoc]):
        self.unit = unit
        self.values = values
        self.helpers = helpers

    # --- values paths ---------------------------------------------------------------------------
    def variants(self, chart: SubChart, path: G.Path) -> list[tuple[HelmValuesDoc, Node]]:
        """Every values node that ``.Values.<path>`` of a template of ``chart`` may read, the one that
        wins first: a parent chart's values override its subcharts' (the top chart's first), and a
        chart's ``values.yaml`` comes before its other values files (overlays given with ``-f``)."""
        out = []
        if path[:1] == ("global",):
            for docs in self.values.values():
                out += [(d, n) for d in docs if (n := d.lookup(path)) is not None]
            return out
        for a in reversed(chart.ancestors()):
            rel = chart.prefix[len(a.prefix):] + path
            for d in self.values.get(id(a), []):
                n = d.lookup(rel)
                if n is not None:
                    out.append((d, n))
        for d in self.values.get(id(chart), []):
            n = d.lookup(path)
            if n is not None:
                out.append((d, n))
        return out

    def helper_paths(self, names: list[str]) -> list[G.Path]:
        paths: list[G.Path] = []
        seen: set[str] = set()
        todo = list(names)
        depth = 0
        while todo and depth < _HELPER_DEPTH:
            nxt = []
            for name in todo:
                if name in seen or name not in self.helpers:
                    continue
                seen.add(name)
                ps, hs = self.helpers[name].helper_refs(name)
                paths += ps
                nxt += hs
            todo = nxt
            depth += 1
        return paths

    # --- one container --------------------------------------------------------------------------
    def link_container(self, doc: HelmTemplateDoc, chart: SubChart, c: Container, out: Links) -> None:
        self.link_image(doc, chart, c, out)
        pieces, unknown, others = self.pieces(doc, chart, c)
        if not c.triton:
            words = [w for d, seg in pieces for w in seg.words]
            server = C.server_word(words)
            if server is not None:
                doc.set_triton(c, C.is_v1_binary(server.value))
        if not c.triton:
            return
        served = Served(doc, c, unknown=unknown)
        out.served.append(served)
        if all(d is doc for d, _ in pieces):
            return  # the template holds the whole line: the Kubernetes reader's own
        served.parts = self.parts(doc, c, pieces)
        for i, (vdoc, seg) in others:  # another values file's list in place of the chart's own
            alt = pieces[:i] + [(vdoc, seg)] + pieces[i + 1:]
            served.parts += [(d, cl) for d, cl in self.parts(doc, c, alt) if d is vdoc]
        for d, cl in served.parts:
            if d is doc:
                doc.linked.setdefault(id(c.node), []).append(cl)
            elif isinstance(d, HelmValuesDoc):
                d.linked.append(cl)
                d._lines = None
            elif isinstance(d, HelmTemplateDoc):
                d.helper_lines.append(cl)
        doc.linked.setdefault(id(c.node), [])
        doc._lines = None

    def link_image(self, doc: HelmTemplateDoc, chart: SubChart, c: Container,
                   out: Links) -> list[tuple[Document, Span]]:
        paths, helpers = doc.image_refs(c)
        paths = [p[1:] for p in paths] + [p[1:] for p in self.helper_paths(helpers)]
        found: list[tuple[Document, Span]] = []
        v1 = triton = False
        seen: set[tuple[int, int]] = set()
        for path in paths:
            variants = self.variants(chart, path)
            for vdoc, node in variants:
                if path[-1:] == ("tag",) and isinstance(node, ScalarNode) and not vdoc.split_images_at(path[:-1]):
                    self.lone_tag(vdoc, node, path, variants)
                hit = _image_at(vdoc, node)
                if hit is None or (id(vdoc), hit[0].start) in seen:
                    continue
                seen.add((id(vdoc), hit[0].start))
                span, info = hit
                v1, triton = v1 or info.v1, triton or info.triton
                found.append((vdoc, span))
                out.images.append(ImageLink(vdoc, span, doc, c, info.v1))
        if found:
            doc.link_image(c, v1, triton)
        return found

    def resolve(self, doc: HelmTemplateDoc, chart: SubChart) -> None:
        """Ports and port names written from values (``containerPort: {{ .Values.healthPort }}``): read
        as the chart's values set them."""
        for node in doc.src.nodes():
            if not isinstance(node, ScalarNode) or "$" not in str(node.value):
                continue
            act = doc.whole_action(node)
            path = next((p[1:] for p in act.refs if p[:1] == ("Values",) and len(p) > 1), None) if act else None
            if path is None or len(act.refs) != 1:  # type: ignore[union-attr]
                continue
            got = self.variants(chart, path)
            if got and isinstance(got[0][1], ScalarNode) and got[0][1].value is not None:
                doc.resolved[id(node)] = str(got[0][1].value)

    def lone_tag(self, vdoc: HelmValuesDoc, node: ScalarNode, path: G.Path,
                 variants: list[tuple[HelmValuesDoc, Node]]) -> None:
        """A tag whose repository is another values file's (the first that sets one)."""
        for other, onode in variants:
            if other is vdoc:
                continue
            for ik in other.split_images():
                if ik.tag is onode and isinstance(ik, ValuesImageKeys) and not isinstance(ik, LoneTagKeys):
                    if not any(t.tag is node for t in vdoc.lone_tags):
                        vdoc.lone_tags.append(LoneTagKeys(vdoc.src, node, ik.repo_value, _name(other.path)))
                    return

    def pieces(self, doc: HelmTemplateDoc, chart: SubChart,
               c: Container) -> tuple[list[tuple[Document, Segment]], str, list[tuple[int, tuple[Document, Segment]]]]:
        """The container's command line in order: (file, words) pieces; why some of it cannot be
        known (a list written from a values map, a helper that is not a list, ...); and the other
        values files' lists that may stand in for a piece (its index)."""
        out: list[tuple[Document, Segment]] = []
        others: list[tuple[int, tuple[Document, Segment]]] = []
        unknown = ""
        for key in ("command", "args"):
            seg = doc.segment(c.node, key)
            exps = [e for e in doc.expansions(c, key) if not e.one]
            items = [e.item for e in exps if e.item is not None]
            words = [w for w in (seg.words if seg is not None else []) if not any(_holds(i, w) for i in items)]
            key_at = next((k.start_mark.index for k, _v in c.node.value if isinstance(k, ScalarNode) and k.value == key), 0)
            inner = [(w, doc.block_after(w.start, key_at)) for w in words]
            for w, b in inner:
                if b is not None and b.keyword == "range":
                    unknown = unknown or (f"its arguments are built by a range over {_shown_path(b.path)} that the tool "
                                          f"cannot follow (a map, or items written by more than one action)")
            if inner and inner[-1][1] is not None and not exps:
                unknown = unknown or ("its last arguments are written under {{ " + inner[-1][1].keyword + " }}: an "
                                      "option added after them would be conditional too")
            for e in exps:
                before = [w for w in words if w.start < e.at]
                if before:
                    out.append((doc, Segment(before, seg.syntax, seg.label)))  # type: ignore[union-attr]
                    words = words[len(before):]
                got = self.expansion(doc, chart, e)
                if not got:
                    unknown = unknown or _why(e)
                    continue
                others += [(len(out), alt) for alt in got[1:]]
                out.append(got[0])
            if words:
                out.append((doc, seg if seg is not None and len(words) == len(seg.words) else
                            Segment(words, seg.syntax, seg.label)))  # type: ignore[union-attr]
        return out, unknown, others

    def expansion(self, doc: HelmTemplateDoc, chart: SubChart, e: Expansion) -> list[tuple[Document, Segment]]:
        """What an expansion writes: the list of the chart's own values first, then the other values
        files' lists at the same path (``values-prod.yaml``, a parent chart's); empty when the chart's
        own value is not a list of strings."""
        if e.path is not None:
            out: list[tuple[Document, Segment]] = []
            for vdoc, node in self.variants(chart, e.path):
                if not isinstance(node, SequenceNode):
                    if not out:
                        return []  # the first (the chart's own values) decides: not a list
                    continue
                seg = Segment([], _EMPTY, "args") if not node.value else vdoc.list_segment(node)  # nothing to add
                if seg is None:
                    if not out:
                        return []
                    continue
                out.append((vdoc, seg))
            return out
        if e.helper is not None and e.helper in self.helpers:
            hdoc = self.helpers[e.helper]
            seg = hdoc.helper_segment(e.helper)
            if seg is not None:
                return [(hdoc, seg)]
        return []

    def parts(self, doc: HelmTemplateDoc, c: Container,
              pieces: list[tuple[Document, Segment]]) -> list[tuple[Document, CommandLine]]:
        """One command line per file holding a piece: its own words, the others' as foreign copies."""
        pieces = [(d, seg) for d, seg in pieces if seg.words]
        words = [w for _, seg in pieces for w in seg.words]
        server = C.server_word(words)
        if server is None and not (words and words[0].value.startswith("--")):
            return []
        if server is not None:  # from the binary on
            k = next(i for i, (_, seg) in enumerate(pieces) if any(w is server for w in seg.words))
            d, seg = pieces[k]
            pieces = [(d, Segment(seg.words[seg.words.index(server):], seg.syntax, seg.label))] + pieces[k + 1:]
        v1 = c.v1 or (server is not None and C.is_v1_binary(server.value))
        out = []
        holders: list[Document] = []
        for d, _ in pieces:
            if all(d is not h for h in holders):
                holders.append(d)
        copies = {id(seg): foreign_copy(seg) for _, seg in pieces}
        for holder in holders:
            segs = [seg if d is holder else copies[id(seg)] for d, seg in pieces]
            binary = None
            if server is not None:
                first = segs[0]
                binary = first.words[0]
            cl = CommandLine(holder.text, segs, binary, v1, segs[0].label, {"container": c.name})
            image = doc.src.scalar(img) if isinstance((img := _get(c.node, "image")), ScalarNode) else None
            if holder is doc and image is not None:
                cl.images = (Span(image.start, image.end),)
            out.append((holder, cl))
        return out


def _shown_path(path: G.Path | None) -> str:
    return ".".join(("",) + path) if path else "a value"


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _get(node: MappingNode, key: str) -> Node | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v
    return None


def _holds(item: Node, w: Word) -> bool:
    return item.start_mark.index <= w.start < max(item.end_mark.index, w.start + 1)


def _why(e: Expansion) -> str:
    if e.path is not None:
        return f"its arguments come from .Values.{'.'.join(e.path)}, which is not a list of strings in the values"
    if e.helper is not None:
        return f"its arguments come from the helper {e.helper!r}, whose body is not a list of strings"
    return "its arguments are written by a template action the tool cannot follow"


def _image_at(vdoc: HelmValuesDoc, node: Node) -> tuple[Span, facts.ImageInfo] | None:
    """The image a values node names: a repository or tag key of a split image, or an image string."""
    for ik in vdoc.split_images():
        assert isinstance(ik, ValuesImageKeys)
        if node is ik.repo or node is ik.tag or isinstance(node, MappingNode) and _get(node, "repository") is ik.repo:
            tag = ik.tag_value if ik.tag_value else None
            return ik.repo_span, facts.classify(ik.repo_value.strip() + (f":{tag}" if tag else ""))
    if isinstance(node, ScalarNode) and isinstance(node.value, str):
        info = facts.classify(node.value)
        if info.triton or info.local_v1:
            sc = vdoc.src.scalar(node)
            return Span(sc.start, sc.end), info
    return None
