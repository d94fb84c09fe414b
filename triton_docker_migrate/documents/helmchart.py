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
- The image a container's ``image`` actions render from the values (``rendered_images``; with the chart's own
  values, then with each other values file) is the image its topology says it runs: the run's follow-through
  links it to an image the run builds (``rules/follow.py``, ``image_link``).
- Values a subchart reads are its own ``values*.yaml`` and its parents' under its name (or alias);
  ``.Values.global.x`` is any chart's ``global.x``.
"""

from __future__ import annotations

import os
import re

from dataclasses import dataclass, field

from .. import facts
from ..charts import SubChart, Unit
from ..model import Edit, Span
from ..syntax import gotemplate as G
from ..syntax import yamlsrc as Y
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode, SequenceNode
from . import commands as C
from .base import Document
from .helmtemplate import ActionString, Expansion, HelmTemplateDoc, action_text
from .helmvalues import HelmValuesDoc, LoneRepoKeys, LoneTagKeys, UnusedRepoKeys, ValuesImageKeys
from .kubernetes import Container
from ..syntax.quoting import Syntax
from ..syntax.shellwords import Word
from .sites import CommandLine, ImageKeys, Segment, foreign_copy

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
    #: what the container's actions read in other files (values nodes, helper bodies), as (file, start, end): a
    #: container held V1 (``rules/charts.py``) holds them with it
    reads: list[tuple[Document, int, int]] = field(default_factory=list)


@dataclass
class Links:
    images: list[ImageLink] = field(default_factory=list)
    served: list[Served] = field(default_factory=list)


def link(unit: Unit, docs: dict[str, Document]) -> Links:
    """Link the documents of ``unit`` (member path -> its document); documents that could not be
    read are left out of ``docs``."""
    out = Links()
    ctx, templates = _context(unit, docs)
    # a container that runs a start script of a ConfigMap another template writes is the server's
    scripts: dict[str, list[tuple[str, bool]]] = {}
    for doc, _ in templates:
        for name, keys in doc.server_scripts().items():
            scripts.setdefault(name, []).extend(keys)
    for doc, _ in templates:
        doc.run_mounted_scripts(scripts)
    for doc, chart in templates:
        ctx.resolve(doc, chart)
    ctx.pair_images(templates)
    _app_version_tags(ctx, templates)
    ctx.pair_default_tags(templates)
    for doc, chart in templates:
        for c in doc.containers:
            ctx.link_container(doc, chart, c, out)
    # a parent chart's values under the key of a subchart that runs the server are the server's too (an
    # umbrella chart's ``inference.probes.readinessPath``), and only those: its other subcharts' are not
    charts = {id(doc): chart for doc, chart in templates}
    for sub in {id(charts[id(s.template)]): charts[id(s.template)] for s in out.served if id(s.template) in charts}.values():
        for a in sub.ancestors():
            for vdoc in ctx.values.get(id(a), []):
                vdoc.mark_triton(sub.prefix[len(a.prefix):])
    _mark_other_apps(ctx, templates)
    if out.served:  # what ``helm install`` prints speaks of the chart's server
        for m in unit.members:
            doc = docs.get(m.path)
            if doc is not None and m.kind == "helm-template" and not isinstance(doc, HelmTemplateDoc) \
                    and hasattr(doc, "template"):
                doc.triton = True  # type: ignore[attr-defined]
    return out


def _mark_other_apps(ctx: "_Chart", templates: list[tuple[HelmTemplateDoc, SubChart]]) -> None:
    """Values the chart's templates read only in containers that run no Triton server (another application's
    ``readinessProbe`` path): not the server's, whatever else the values file holds. Values read by a server's
    container are the server's, in whichever values file they are. Values written outside any container (a
    Service, a label helper) or read by no template stay as they are."""
    other: set[int] = set()  #: values nodes read in a container that is not a server
    kept: set[int] = set()  #: values nodes read anywhere else
    server: set[int] = set()  #: values nodes read in a server's container
    for doc, chart in templates:
        inside: set[int] = set()  #: the actions written in a container (by id)
        for c in doc.containers:
            start, end = doc.container_span(c)
            acts = list(doc.template.overlapping(start, end))
            for k, _v in c.node.value:  # a fragment written under a key (``readinessProbe:`` then ``{{- toYaml ... }}``)
                acts += doc._standalone_under(k.start_index)
            inside |= {id(a) for a in acts}
            ctx.mark_read(chart, acts, kept if c.triton else other)
            if c.triton:
                ctx.mark_read(chart, acts, server)
        ctx.mark_read(chart, [a for a in doc.template.actions if id(a) not in inside and a.define is None and a.writes],
                      kept)
    for docs in ctx.values.values():
        for vdoc in docs:
            mine = {id(n) for n in vdoc.src.nodes()}
            foreign = (other - kept) & mine
            if foreign:
                vdoc.mark_other_app(foreign)
            # what a server's container reads is the server's in every values file, an overlay that names no
            # server itself (``values-prod.yaml`` with only a probe) too
            if server & mine:
                vdoc.mark_triton_nodes(server & mine)


def _context(unit: Unit, docs: dict[str, Document]) -> tuple["_Chart", list[tuple[HelmTemplateDoc, SubChart]]]:
    """The chart's values files (each chart's ``values.yaml`` first) and helpers, and its templates."""
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
    return _Chart(unit, values, helpers), templates


@dataclass
class ServerTag:
    """Where a chart's Triton server container reads its image's tag: set from outside the chart (``--set
    KEY=...``), that value is the tag it runs."""

    key: str  #: the values path, dotted, as the top chart reads it (a subchart's under its key)
    repository: str  #: the repository the chart's own values give beside it
    template: HelmTemplateDoc


def server_tags(unit: Unit, docs: dict[str, Document]) -> list[ServerTag]:
    """For a chart linked (``link``): the values paths of the tags of its Triton server containers' images,
    written as a repository and a tag of the values (``"{{ .Values.image.repository }}:{{ .Values.image.tag
    }}"``, or a helper that writes them), with the repository the values give (the first that wins)."""
    ctx, templates = _context(unit, docs)
    out: list[ServerTag] = []
    for doc, chart, c in _server_containers(templates):
        paths = set(ctx.image_paths(doc, c))
        for path in sorted(paths):
            if path[-1:] != ("tag",) or path[:-1] + ("repository",) not in paths:
                continue
            repos = [n for _d, n in ctx.variants(chart, path[:-1] + ("repository",)) if _str_scalar(n)]
            if not repos:
                continue
            key = path if path[:1] == ("global",) else chart.prefix + path
            tag = ServerTag(".".join(key), str(repos[0].value).strip(), doc)
            if not any(t.key == tag.key for t in out):
                out.append(tag)
    return out


def _server_containers(templates: list[tuple[HelmTemplateDoc, SubChart]]):
    """(template, its chart, container) of every Triton server container of the chart's templates."""
    for doc, chart in templates:
        for c in doc.containers:
            if c.triton:
                yield doc, chart, c


@dataclass
class ServerList:
    """Where a chart's Triton server container takes a list of its command line's words from the values: set from
    outside the chart (a release's ``values``), that list replaces the chart's own on the line."""

    key: str  #: the values path, dotted, as the top chart reads it (a subchart's under its key)
    v1: bool  #: the container runs a V1 server (the run migrates its line, and the chart's own list with it)
    template: HelmTemplateDoc


def server_lists(unit: Unit, docs: dict[str, Document]) -> list[ServerList]:
    """For a chart linked (``link``): the values paths of the lists its Triton server containers' ``command`` and
    ``args`` take items from (``range .Values.serverArgs``, ``toYaml .Values.args``)."""
    _ctx, templates = _context(unit, docs)
    out: list[ServerList] = []
    for doc, chart, c in _server_containers(templates):
        for key in ("command", "args"):
            for e in doc.expansions(c, key):
                if e.path is None or e.one:
                    continue
                path = e.path if e.path[:1] == ("global",) else chart.prefix + e.path
                if not any(x.key == ".".join(path) for x in out):
                    out.append(ServerList(".".join(path), c.v1, doc))
    return out


class _Chart:
    def __init__(self, unit: Unit, values: dict[int, list[HelmValuesDoc]], helpers: dict[str, HelmTemplateDoc]):
        self.unit = unit
        self.values = values
        self.helpers = helpers

    # --- values paths ---------------------------------------------------------------------------
    def variants(self, chart: SubChart, path: G.Path, each: bool = False) -> list[tuple[HelmValuesDoc, Node]]:
        """Every values node that ``.Values.<path>`` of a template of ``chart`` may read, the one that
        wins first: a parent chart's values override its subcharts' (the top chart's first), and a
        chart's ``values.yaml`` comes before its other values files (overlays given with ``-f``).
        ``each``: a ``"[]"`` of the path (an item of a list a template ranges over) reaches every item
        (``HelmValuesDoc.lookup_each``); else such a path reaches nothing."""
        def find(d: HelmValuesDoc, p: G.Path) -> list[Node]:
            if each:
                return d.lookup_each(p)
            n = d.lookup(p)
            return [n] if n is not None else []

        out = []
        if path[:1] == ("global",):
            for docs in self.values.values():
                out += [(d, n) for d in docs for n in find(d, path)]
            return out
        for a in reversed(chart.ancestors()):
            rel = chart.prefix[len(a.prefix):] + path
            for d in self.values.get(id(a), []):
                out += [(d, n) for n in find(d, rel)]
        for d in self.values.get(id(chart), []):
            out += [(d, n) for n in find(d, path)]
        return out

    def _helpers_reached(self, names: list[str]):
        """The helpers ``names`` name and those they include, breadth first, ``_HELPER_DEPTH`` levels at most:
        (name, the values paths it reads)."""
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
                yield name, ps
                nxt += hs
            todo = nxt
            depth += 1

    def mark_read(self, chart: SubChart, acts: list[G.Action], into: set[int]) -> None:
        """Add to ``into`` the values nodes that ``acts`` read (those of the helpers they include too), with every
        node below them."""
        paths = [p[1:] for a in acts for p in a.refs if p[:1] == ("Values",)]
        paths += [p[1:] for p in self.helper_paths([n for a in acts for n in a.includes]) if p[:1] == ("Values",)]
        for path in dict.fromkeys(paths):
            for _d, node in self.variants(chart, path, each=True):
                if id(node) not in into:
                    into |= Y.reachable(node)

    def reads(self, doc: HelmTemplateDoc, chart: SubChart, c: Container) -> list[tuple[Document, int, int]]:
        """What the container's actions read in the chart's other files: the values nodes (in every values file) and
        the bodies of the helpers it includes, as (file, start, end)."""
        paths, names = self._container_paths(doc, c)
        out: list[tuple[Document, int, int]] = []
        for path in dict.fromkeys(paths):
            out += [(vdoc, node.start_index, node.end_index) for vdoc, node in self.variants(chart, path, each=True)]
        for name, _ps in self._helpers_reached(names):
            body = self.helpers[name].template.defines().get(name)
            if body is not None:
                out.append((self.helpers[name], body[0], body[1]))
        return out

    def _container_paths(self, doc: HelmTemplateDoc, c: Container) -> tuple[list[G.Path], list[str]]:
        """The values paths (``.Values`` dropped) the container's actions read, its helpers' included, and the helpers
        it includes."""
        start, end = doc.container_span(c)
        acts = list(doc.template.overlapping(start, end))
        for k, _v in c.node.value:  # a fragment written under a key (``args:`` then ``{{- include ... }}``)
            acts += doc._standalone_under(k.start_index)
        names = [n for a in acts for n in a.includes]
        paths = [p[1:] for a in acts for p in a.refs if p[:1] == ("Values",)]
        paths += [p[1:] for p in self.helper_paths(names) if p[:1] == ("Values",)]
        return list(dict.fromkeys(paths)), names

    def mark_per_item(self, doc: HelmTemplateDoc, chart: SubChart, c: Container) -> None:
        """The values lists the container reads through an item of a list it ranges over (``{{- range .Values.servers
        }}`` then ``{{- range .extraArgs }}``, or the whole item given to a helper): each item's list is that
        templated container's, for that item; none is a server line of its own (``HelmValuesDoc.mark_per_item``)."""
        by_doc: dict[int, tuple[HelmValuesDoc, list[Node]]] = {}
        for path in self._container_paths(doc, c)[0]:
            if "[]" in path:
                for vdoc, node in self.variants(chart, path, each=True):
                    by_doc.setdefault(id(vdoc), (vdoc, []))[1].append(node)
        for vdoc, nodes in by_doc.values():
            vdoc.mark_per_item(nodes)

    def helper_paths(self, names: list[str]) -> list[G.Path]:
        return [p for _name, ps in self._helpers_reached(names) for p in ps]

    def mark_helpers(self, names: list[str]) -> None:
        """Helpers a Triton server's container includes (a probe written in a ``define``), and those they include:
        their bodies are read in the server's context."""
        for name, _ps in self._helpers_reached(names):
            self.helpers[name].mark_triton_helper(name)

    # --- one container --------------------------------------------------------------------------
    def link_container(self, doc: HelmTemplateDoc, chart: SubChart, c: Container, out: Links) -> None:
        linked = self.link_image(doc, chart, c, out)
        if not linked and not c.v1:
            # no values set what the image's actions read: it is what their literal defaults write
            default = doc.default_image(_get(c.node, "image"))
            info = facts.classify(default) if default is not None else None
            if info is not None and info.v1 and not info.sdk:
                doc.set_triton(c, True)
        rendered = self.rendered_images(doc, chart, c)
        if rendered:
            doc.rendered_images[id(c.node)] = rendered
        self.mark_per_item(doc, chart, c)
        pieces, unknown, others = self.pieces(doc, chart, c)
        server = C.server_word([w for d, seg in pieces for w in seg.words])
        if not c.triton and server is not None:
            doc.set_triton(c, C.is_v1_binary(server.value))
        runs = server.value if server is not None and C.is_v1_binary(server.value) else \
            f"trtserver, from the ConfigMap script {c.v1_script}" if server is None and c.v1_script else None
        if not linked and runs is not None:
            # the V1 server on an image of the values that is no Triton image: one built on V1
            for vdoc, span, image in self.plain_images(doc, chart, c):
                vdoc.v1_run_images.append((span, image, runs))
        if not c.triton:
            return
        served = Served(doc, c, unknown=unknown, reads=self.reads(doc, chart, c))
        out.served.append(served)
        self.mark_helpers(doc.container_includes(c))
        if all(d is doc and not isinstance(seg.syntax, ActionString) for d, seg in pieces):
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
                d.port_names.update((n, p) for n, p in doc._container_ports(c).items()
                                    if G.PAD not in n + p and "$" not in n + p)
            elif isinstance(d, HelmTemplateDoc):
                d.helper_lines.append(cl)
        doc.linked.setdefault(id(c.node), [])
        doc._lines = None

    def image_paths(self, doc: HelmTemplateDoc, c: Container) -> list[G.Path]:
        """The values paths a container's image is read from (``.Values`` dropped), its helpers' included."""
        paths, helpers = doc.image_refs(c)
        return [p[1:] for p in paths] + [p[1:] for p in self.helper_paths(helpers)]

    def link_image(self, doc: HelmTemplateDoc, chart: SubChart, c: Container,
                   out: Links) -> list[tuple[Document, Span]]:
        paths = self.image_paths(doc, c)
        found: list[tuple[Document, Span]] = []
        v1 = triton = False
        seen: set[tuple[int, int]] = set()
        for path in paths:
            variants = self.variants(chart, path)
            for vdoc, node in variants:
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

    def rendered_images(self, doc: HelmTemplateDoc, chart: SubChart, c: Container) -> list[str]:
        """The images a container runs whose ``image`` template actions write from the chart's values
        (``"{{ .Values.image.repository }}:{{ .Values.image.tag }}"``, ``{{ .Values.image.registry }}/...``,
        ``{{ .Values.image }}``, ``.Chart.AppVersion``, or a helper that writes a repository and its tag), as Helm
        renders them: with the charts' own ``values.yaml`` first, then with each other values file of the unit
        over them. A tag the values leave empty is the chart's ``appVersion`` where the action defaults to it
        (``default .Chart.AppVersion``, as ``helm create`` writes). Empty when an action reads anything else (a
        function of several values, a helper that writes more): the image is read as written."""
        image = Y.get(c.node, "image")
        if not isinstance(image, ScalarNode) or not isinstance(image.value, str) or "$" not in image.value:
            return []
        sc = doc.src.scalar(image)
        acts = [a for a in doc.template.overlapping(sc.start, sc.end) if a.writes]
        holes = list(G.PLACEHOLDER.finditer(sc.value))
        if not acts or len(acts) != len(holes):
            return []
        app = _app_version(chart.root)
        if any(a.includes for a in acts):  # a helper: the repository and tag it writes, nothing else
            paths = set(self.image_paths(doc, c))
            repo = next((p for p in paths if p[-1:] == ("repository",)), None)
            if len(acts) != 1 or sc.value.strip() != holes[0].group(0) or repo is None \
                    or paths != {repo, repo[:-1] + ("tag",)}:
                return []
            out = [f"{str(rn.value).strip()}:{_tag(tn, app)}" for (_rd, rn), (_td, tn)
                   in self.effective(chart, repo, repo[:-1] + ("tag",), empty_tags=True) if _tag(tn, app)]
            return list(dict.fromkeys(out))
        reads: list[tuple[G.Path | None, bool]] = []  # each action: (the values path it writes, AppVersion its default)
        for a in acts:
            values = [p[1:] for p in a.refs if p[:1] == ("Values",) and len(p) > 1]
            others = [p for p in a.refs if p[:1] != ("Values",) and tuple(p) != ("Chart", "AppVersion")]
            if len(values) > 1 or others or not values and not a.refs:
                return []
            reads.append((values[0] if values else None, ("Chart", "AppVersion") in [tuple(p) for p in a.refs]))
        variants = {path: self.variants(chart, path) for path, _d in reads if path is not None}
        overlays = [None] + list(dict.fromkeys(d for vs in variants.values() for d, _n in vs if not _is_default(d)))
        out: list[str] = []
        for over in overlays:
            parts, pos = [], 0
            for (path, by_app), hole in zip(reads, holes):
                value = None
                if path is not None:
                    vs = variants[path]
                    node = next((n for d, n in vs if d is over), None) or next((n for d, n in vs if _is_default(d)), None)
                    if node is None or not isinstance(node, ScalarNode) or isinstance(node.value, (bool, list, dict)):
                        value = None
                    else:
                        value = "" if node.value is None else str(node.value).strip()
                    if value is None or value == "" and not by_app:
                        break
                if not value and by_app:
                    value = app
                if not value:
                    break
                parts += [sc.value[pos:hole.start()], value]
                pos = hole.end()
            else:
                out.append("".join(parts) + sc.value[pos:])
        return list(dict.fromkeys(x.strip() for x in out if x.strip()))

    def plain_images(self, doc: HelmTemplateDoc, chart: SubChart, c: Container) -> list[tuple[HelmValuesDoc, Span, str]]:
        """The values a container's image is read from that the links leave out (no Triton image): an image
        string, or a split image's repository (with its tag)."""
        out = []
        for path in self.image_paths(doc, c):
            for vdoc, node in self.variants(chart, path):
                split = next((ik for ik in vdoc.split_images() if node is ik.repo or node is ik.tag or
                              isinstance(node, MappingNode) and _get(node, "repository") is ik.repo), None)
                if split is not None:
                    tag = f":{split.tag_value}" if split.tag_value else ""
                    out.append((vdoc, split.repo_span, split.repo_value.strip() + tag))
                elif isinstance(node, ScalarNode) and isinstance(node.value, str):
                    sc = vdoc.src.scalar(node)
                    out.append((vdoc, Span(sc.start, sc.end), node.value))
        return out

    def resolve(self, doc: HelmTemplateDoc, chart: SubChart) -> None:
        """Ports and port names written from values (``containerPort: {{ .Values.healthPort }}``): read
        as the chart's values set them."""
        for node in doc.src.nodes():
            if not isinstance(node, ScalarNode) or "$" not in str(node.value):
                continue
            act = doc.whole_action(node)
            if act is None:  # actions inside a longer string (a URL's host and port): each by its text
                sc = doc.src.scalar(node)
                for a in doc.template.overlapping(sc.start, sc.end):
                    path = next((p[1:] for p in a.refs if p[:1] == ("Values",) and len(p) > 1), None)
                    got = self.variants(chart, path) if path is not None and len(a.refs) == 1 and a.writes else []
                    if got and isinstance(got[0][1], ScalarNode) and got[0][1].value is not None:
                        doc.action_values.setdefault(action_text(a), str(got[0][1].value))
                continue
            path = next((p[1:] for p in act.refs if p[:1] == ("Values",) and len(p) > 1), None)
            if path is None or len(act.refs) != 1:
                continue
            got = self.variants(chart, path)
            if got and isinstance(got[0][1], ScalarNode) and got[0][1].value is not None:
                doc.resolved[id(node)] = str(got[0][1].value)
                sc = doc.src.scalar(node)
                doc.resolved_from[(sc.start, sc.end)] = (path, [(d, n) for d, n in got if isinstance(n, ScalarNode)])

    def pair_images(self, templates: list[tuple[HelmTemplateDoc, SubChart]]) -> None:
        """Pair each repository with the tag Helm runs it with. The values a template reads are the charts'
        ``values.yaml`` merged key by key, a parent's over its subcharts' (CONTRACT.md: the unit is the
        top chart with its subcharts and the values that override them), with at most one other values
        file over them (``-f values-prod.yaml``). A repository and a tag written in different files (a
        parent overrides one of the two) are an image together: each file gets the keys it holds
        (``LoneRepoKeys``, ``LoneTagKeys``); a pair of sibling keys that Helm never runs together is not
        checked as an image (``HelmValuesDoc.unpaired``), and its repository, never run, is only renamed
        (``UnusedRepoKeys``)."""
        together: set[tuple[int, int]] = set()  #: (repository node, tag node) run together
        crosses: list[tuple[tuple[HelmValuesDoc, ScalarNode], tuple[HelmValuesDoc, ScalarNode]]] = []
        seen: set[tuple[int, tuple]] = set()
        for doc, chart in templates:
            for c in doc.containers:
                found = set(self.image_paths(doc, c))
                for path in found:
                    if path[-1:] != ("tag",) or path[:1] == ("global",) or (id(chart), path) in seen:
                        continue
                    seen.add((id(chart), path))
                    base = path[:-1]
                    for key in ("repository", "image"):
                        if base + (key,) in found:
                            for pair in self.effective(chart, base + (key,), path):
                                (rd, rn), (td, tn) = pair
                                if rd is td and _siblings(rd, rn, tn):
                                    together.add((id(rn), id(tn)))
                                elif (id(rn), id(tn)) not in together:
                                    together.add((id(rn), id(tn)))
                                    crosses.append(pair)
                            break
        own_fix: dict[int, ValuesImageKeys] = {}  #: repository or tag node -> the sibling pair that fixes it
        touched: dict[int, tuple[HelmValuesDoc, ValuesImageKeys]] = {}
        for docs in self.values.values():
            for vdoc in docs:
                for ik in vdoc.split_images():
                    if not isinstance(ik, ValuesImageKeys) or ik.tag is None:
                        continue
                    touched[id(ik)] = (vdoc, ik)
        for vdoc, ik in touched.values():
            if _fixes(ik):  # migrated as written, whether Helm runs the two together or not
                own_fix[id(ik.repo)] = own_fix[id(ik.tag)] = ik
        for (rd, rn), (td, tn) in crosses:
            era = _v1_era(str(rn.value), str(tn.value))
            if not (facts.classify(f"{str(rn.value).strip()}:{tn.value}").v1 or era):
                continue
            if id(rn) not in own_fix and not any(r.repo is rn for r in rd.lone_repos):
                lr = LoneRepoKeys(rd.src, rn, str(tn.value), td.src.scalar(tn).is_str, _rel(td.path, rd.path))
                lr.v1_era = era  # type: ignore[attr-defined]
                rd.lone_repos.append(lr)
            if id(tn) not in own_fix and not any(t.tag is tn for t in td.lone_tags):
                lt = LoneTagKeys(td.src, tn, str(rn.value), _rel(rd.path, td.path))
                lt.v1_era = era  # type: ignore[attr-defined]
                td.lone_tags.append(lt)
        # sibling pairs a parent's values always override (the tag, or the repository): not an image
        referenced = {id(n) for pair in crosses for _d, n in pair}
        for vdoc, ik in touched.values():
            if (id(ik.repo), id(ik.tag)) in together or not (id(ik.repo) in referenced or id(ik.tag) in referenced):
                continue
            if _fixes(ik):
                continue  # still migrated as written: the subchart installed alone runs it
            vdoc.unpaired.add(id(ik))
            if not any(r.repo is ik.repo for r in vdoc.lone_repos) and facts.classify(ik.repo_value).v1:
                over = next((d for (d, _n), (_td, tn) in crosses if tn is ik.tag and d is not vdoc), None)
                vdoc.lone_repos.append(UnusedRepoKeys(vdoc.src, ik.repo, ik.tag_value, ik.tag_is_str,
                                                      _rel(over.path, vdoc.path) if over is not None else "a parent chart's values"))
        for docs in self.values.values():
            for vdoc in docs:
                if vdoc.lone_repos or vdoc.unpaired:
                    vdoc._regions = None  # their repositories are read as images with their tags

    def pair_default_tags(self, templates: list[tuple[HelmTemplateDoc, SubChart]]) -> None:
        """A repository of the values with the tag a template writes when the values leave it unset
        (``"{{ .Values.image.repository }}:{{ .Values.image.tag | default "20.02-py3" }}"``): an image together. The
        values file gets its repository (``LoneRepoKeys``), the template the literal tag (``DefaultTagKeys``)."""
        for doc, chart in templates:
            for c in doc.containers:
                image = _get(c.node, "image")
                if not isinstance(image, ScalarNode) or not isinstance(image.value, str):
                    continue
                sc = doc.src.scalar(image)
                acts = [a for a in doc.template.overlapping(sc.start, sc.end) if a.writes]
                holes = list(G.PLACEHOLDER.finditer(sc.value))
                if len(acts) != 2 or len(holes) != 2 or sc.value[holes[0].end():holes[1].start()] != ":" \
                        or sc.value[:holes[0].start()].strip() or sc.value[holes[1].end():].strip():
                    continue
                repo_path = _values_path_of(acts[0])
                tag = doc.defaulted(acts[1])
                if repo_path is None or tag is None or doc.defaulted(acts[0]) is not None:
                    continue
                tag_path = tuple(tag[0].split(".")[2:])
                if tag_path[:-1] != repo_path[:-1] or self.variants(chart, tag_path):
                    continue  # the values set the tag: it wins over the default
                repos = [(d, n) for d, n in self.variants(chart, repo_path) if _str_scalar(n)]
                if not repos:
                    continue
                where = _rel(doc.path, repos[0][0].path)  # (as seen from the values file's folder)
                era = _v1_era(str(repos[0][1].value), tag[1])
                keys = DefaultTagKeys(str(repos[0][1].value), tag[1], Span(tag[2], tag[2] + len(tag[1])),
                                      os.path.relpath(repos[0][0].path, chart.root).replace("\\", "/"))
                keys.v1_era = era  # type: ignore[attr-defined]
                doc.default_tags.append(keys)
                for rd, rn in repos:
                    if not any(r.repo is rn for r in rd.lone_repos):
                        lr = LoneRepoKeys(rd.src, rn, tag[1], True, f"{where}, the template's default")
                        lr.v1_era = era  # type: ignore[attr-defined]
                        rd.lone_repos.append(lr)
                        rd._regions = None  # its repository is read as an image with that tag

    def effective(self, chart: SubChart, repo_path: G.Path, tag_path: G.Path, empty_tags: bool = False):
        """The (repository, tag) values nodes Helm renders together for ``chart``: with the charts'
        ``values.yaml`` alone, and with each other values file of the unit over them (``empty_tags``: a tag
        left empty or null is one too)."""
        repos = [(d, n) for d, n in self.variants(chart, repo_path) if _str_scalar(n)]
        tags = [(d, n) for d, n in self.variants(chart, tag_path) if _str_scalar(n, tag=True) or empty_tags
                and isinstance(n, ScalarNode) and n.value in (None, "")]
        if not repos or not tags:
            return []
        overlays = [d for d, _n in repos + tags if not _is_default(d)]
        out = []
        for over in [None] + list(dict.fromkeys(overlays)):
            r = next((x for x in repos if x[0] is over), None) or next((x for x in repos if _is_default(x[0])), None)
            t = next((x for x in tags if x[0] is over), None) or next((x for x in tags if _is_default(x[0])), None)
            if r is not None and t is not None and (r, t) not in out:
                out.append((r, t))
        return out

    def pieces(self, doc: HelmTemplateDoc, chart: SubChart,
               c: Container) -> tuple[list[tuple[Document, Segment]], str, list[tuple[int, tuple[Document, Segment]]]]:
        """The container's command line in order: (file, words) pieces; why some of it cannot be
        known (a list written from a values map, a helper that is not a list, ...); and the other
        values files' lists that may stand in for a piece (its index)."""
        out: list[tuple[Document, Segment]] = []
        others: list[tuple[int, tuple[Document, Segment]]] = []
        singles: list[tuple[Document, Segment]] = []  #: the pieces that are one value's string
        unknown = ""
        for key in ("command", "args"):
            seg = doc.segment(c.node, key)
            # an item written from one string of the values (``- {{ .Values.server.command }}``) is that value's word
            exps = [e for e in doc.expansions(c, key) if not e.one or self.one_value(doc, chart, e)]
            items = [e.item for e in exps if e.item is not None]
            words = [w for w in (seg.words if seg is not None else []) if not any(_holds(i, w) for i in items)]
            key_at = next((k.start_index for k, _v in c.node.value if isinstance(k, ScalarNode) and k.value == key), 0)
            inner = [(w, doc.block_after(w.start, key_at)) for w in words]
            for w, _b in inner:
                b = doc.range_around(w.start, key_at)
                if b is not None:
                    unknown = unknown or _ranged(b)
            # new options go after the last word before the first run-time expansion (rules/argv.py,
            # ``_insertion``): ``"--model-store=/m"{{ if .Values.x }}, {{ .Values.x | quote }}{{ end }}`` takes
            # them before its conditional value; a literal word written under a block would take them inside
            fixed = inner[:next((k for k, (w, _b) in enumerate(inner) if w.is_whole_expansion), len(inner))]
            if fixed and fixed[-1][1] is not None and not exps:
                unknown = unknown or ("its last arguments are written under {{ " + fixed[-1][1].keyword + " }}: an "
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
                if e.helper is not None and isinstance(got[0][0], HelmTemplateDoc):
                    # a helper's list written by a range (``range $k, $v := .Values.serverOptions`` then ``-
                    # --{{ $k }}={{ $v }}``): as the same range written under the key (but for the items of a values
                    # list written whole, ``- {{ . }}``: that list's)
                    for b, item in got[0][0].helper_ranges(e.helper, got[0][1]):
                        first = next(iter(self.variants(chart, b.path[1:])), None) if item and b.path else None
                        if first is None or not isinstance(first[1], SequenceNode):
                            unknown = unknown or _ranged(b, e.helper)
                if e.one:
                    singles += got
                others += [(len(out), alt) for alt in got[1:]]
                out.append(got[0])
            if words:
                out.append((doc, seg if seg is not None and len(words) == len(seg.words) else
                            Segment(words, seg.syntax, seg.label)))  # type: ignore[union-attr]
        if out and any(out[-1][1] is x for _d, x in singles):
            # an option added after the last word would be written into that value's string
            unknown = unknown or "its last argument is written from a value of the chart's values"
        return out, unknown, others

    def expansion(self, doc: HelmTemplateDoc, chart: SubChart, e: Expansion) -> list[tuple[Document, Segment]]:
        """What an expansion writes: the list of the chart's own values first, then the other values
        files' lists at the same path (``values-prod.yaml``, a parent chart's); empty when the chart's
        own value is not a list of strings."""
        if e.one:
            return self.one_value(doc, chart, e)
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

    def one_value(self, doc: HelmTemplateDoc, chart: SubChart, e: Expansion) -> list[tuple[Document, Segment]]:
        """What an item written whole by one action of a values path (``- {{ .Values.server.command }}``,
        ``- {{ .Values.binary | quote }}``) writes: that value's string as one word, the chart's own values first, then
        the other values files' at the same path. Empty when it is another action, or any of them is no plain
        string (a list, a number, a string holding a template action)."""
        if e.path is None or e.helper is not None or e.item is None:
            return []
        item = doc.src.scalar(e.item)
        acts = doc.template.overlapping(item.start, item.end)
        if len(acts) != 1:
            return []
        if action_text(acts[0]) != "{{ .Values." + ".".join(e.path) + " }}":
            # the value or, when no values file sets it, the action's literal default (``{{ .Values.server.binary |
            # default "trtserver" | quote }}``): that literal is the word, changed where it is written
            got = doc.default_word(acts[0])
            if got is None or got[0] != ".Values." + ".".join(e.path) or self.variants(chart, e.path):
                return []  # the value as it is (quoted at most), nothing made of it
            return [(doc, Segment([got[1]], ActionString(doc.refused_edits), "args"))]
        out: list[tuple[Document, Segment]] = []
        for vdoc, node in self.variants(chart, e.path):
            if not isinstance(node, ScalarNode) or not isinstance(node.value, str) or "{{" in node.value:
                return []
            sc = vdoc.src.scalar(node)
            if not sc.is_str or sc.offsets is None or not sc.value.strip() or sc.value != sc.value.strip():
                return []
            from .yamlsites import item_word
            from ..syntax.yamlquote import YamlListSyntax

            out.append((vdoc, Segment([item_word(sc)], YamlListSyntax(vdoc.src, False, sc.flow), "args")))
        return out

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
        # the template that defines the container holds a line too, all of it copied from the values
        # when none of it is written there: its ports and probes follow what the line removes
        holders: list[Document] = [doc]
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


#: a tag defaulted to the chart's appVersion whole (``.Values.image.tag | default .Chart.AppVersion``, ``default
#: .Chart.AppVersion .Values.image.tag``), not a string made of it (``default (printf "%s-py3" .Chart.AppVersion)``)
_APP_VERSION_DEFAULT = re.compile(r"\|\s*default\s+\.Chart\.AppVersion\s*(?:-?\}\}|\))|\bdefault\s+\.Chart\.AppVersion\s+\.Values\.")


def _app_version_tags(ctx: "_Chart", templates: list[tuple[HelmTemplateDoc, SubChart]]) -> None:
    """An image tag the values leave empty (``tag: ""``) in a chart whose templates write ``.Chart.AppVersion``
    (``{{ .Values.image.tag | default .Chart.AppVersion }}``, as ``helm create`` writes): the tag Helm runs is the
    chart's ``appVersion``; each such pair of keys is told it (``ImageKeys.app_version``)."""
    charts = {id(chart): chart for doc, chart in templates if _APP_VERSION_DEFAULT.search(doc.text)}
    for key, chart in charts.items():
        app = _app_version(chart.root)
        if not app:
            continue
        for vdoc in ctx.values.get(key, []):
            for ik in vdoc.split_images():
                if ik.tag_span is not None and ik.tag_is_str and not ik.tag_value.strip():
                    ik.app_version = app


class DefaultTagKeys(ImageKeys):
    """The literal default of a template's tag action (``{{ .Values.image.tag | default "20.02-py3" }}``) whose
    repository the values set: only the tag is the template's to change."""

    tag_what = "the template's default tag"

    def __init__(self, repo_value: str, tag: str, span: Span, elsewhere: str) -> None:
        self.repo, self.repo_value, self.repo_span = None, repo_value, span  # the repository node is the values'
        self.tag_value, self.tag_span, self.tag_is_str = tag, span, True
        self.digest_span = None
        self.repo_elsewhere = elsewhere  #: where the repository is set

    def rename_repo(self, name: str) -> Edit | None:
        return None

    def set_tag(self, tag: str) -> Edit:
        return Edit(self.tag_span, tag)  # type: ignore[arg-type]


def _values_path_of(a: G.Action) -> G.Path | None:
    """The values path an action writes as it is (``{{ .Values.image.repository }}``), nothing else."""
    values = [p[1:] for p in a.refs if p[:1] == ("Values",) and len(p) > 1]
    return values[0] if len(values) == 1 and len(a.refs) == 1 and not a.includes else None


def _tag(node: Node, app: str | None) -> str:
    """A values tag as Helm writes it, the chart's ``appVersion`` when it is left empty ("" neither)."""
    value = str(node.value).strip() if isinstance(node, ScalarNode) and node.value is not None else ""
    return value or app or ""


def _app_version(folder: str) -> str | None:
    """The ``appVersion`` of the chart in ``folder`` (its ``Chart.yaml``), as Helm writes it in a template."""
    from ..charts import chart_field

    value = chart_field(folder, "appVersion")
    return str(value) if isinstance(value, (str, int, float)) and str(value) else None


def _ranged(b: G.Block, helper: str | None = None) -> str:
    where = f" in the helper {helper!r}" if helper is not None else ""
    return (f"its arguments are built by a range over {_shown_path(b.path)}{where} that the tool cannot follow (a map, "
            f"or items written by more than one action)")


def _shown_path(path: G.Path | None) -> str:
    return ".".join(("",) + path) if path else "a value"


def _rel(path: str, here: str) -> str:
    """``path`` as seen from the folder of ``here`` (messages)."""
    import os

    return os.path.relpath(path, os.path.dirname(here) or ".").replace("\\", "/")


def _is_default(d: HelmValuesDoc) -> bool:
    return d.path.replace("\\", "/").rsplit("/", 1)[-1] == "values.yaml"


def _str_scalar(n: Node, tag: bool = False) -> bool:
    return isinstance(n, ScalarNode) and n.value is not None and (isinstance(n.value, str) or tag) and str(n.value) != ""


def _siblings(d: HelmValuesDoc, a: Node, b: Node) -> bool:
    return any(isinstance(m, MappingNode) and any(v is a for _k, v in m.value) and any(v is b for _k, v in m.value)
               for m in d.src.nodes())


def _fixes(ik: ValuesImageKeys) -> bool:
    """The sibling pair is migrated as it stands (a V1 image whose tag names a release)."""
    info = facts.classify(f"{ik.repo_value.strip()}:{ik.tag_value}")
    return info.triton and info.v1 and ik.tag_is_str and facts.V1_TAG.match(ik.tag_value) is not None


def _v1_era(repo: str, tag: str) -> bool:
    """``tritonserver`` with the tag of a V1 release that has no ``tritonserver`` image (before 20.03):
    the tag of the V1 image, paired by the values with the V2 name."""
    m = facts.V1_TAG.match(tag.strip())
    return repo.strip().rsplit("/", 1)[-1] == "tritonserver" and m is not None and m.group("ver") < "20.03"



def _get(node: MappingNode, key: str) -> Node | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v
    return None


def _holds(item: Node, w: Word) -> bool:
    return item.start_index <= w.start < max(item.end_index, item.start_index + 1)  # (not the words after it)


def _why(e: Expansion) -> str:
    if e.path is not None and "[]" in e.path:
        k = e.path.index("[]")
        return (f"its arguments come from .Values.{'.'.join(e.path)}, read for each item of the list "
                f".Values.{'.'.join(e.path[:k])} the template ranges over: the tool does not migrate a line per item")
    if e.path is not None:
        return f"its arguments come from .Values.{'.'.join(e.path)}, which is not a list of strings in the values"
    if e.helper is not None:
        return f"its arguments come from the helper {e.helper!r}, whose body is not a list of strings"
    return "its arguments are written by a template action the tool cannot follow"


def _image_at(vdoc: HelmValuesDoc, node: Node) -> tuple[Span, facts.ImageInfo] | None:
    """The image a values node names: a repository or tag key of a split image, or an image string."""
    lone = list(vdoc.lone_tags) + list(vdoc.lone_repos)  # the pairs Helm runs come first
    for ik in lone + [x for x in vdoc.split_images() if all(x is not y for y in lone)]:
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
