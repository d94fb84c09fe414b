"""Helm chart templates (``templates/**`` of a chart) -> Document.

A template is read as YAML once every ``{{ ... }}`` action is masked by a placeholder of the same
length (``syntax/gotemplate.py``): what it renders are Kubernetes objects, so the Kubernetes reader's
sites (containers and their command lines, probes, ports, env, images, Services) apply unchanged, at
the template's own offsets. A value an action writes reads as ``$`` and filler, a value known only at
render time (like ``$VAR`` in a shell): such words are dynamic, and no edit ever rewrites an action
(``can_write``). ``_helpers.tpl`` is read the same way, each ``define`` body as a YAML document of its
own.

A line that still cannot be read (a key written by an action, an ``if``/``else`` that gives a mapping
the same key twice) is blanked and read around, and reported (``unread``); a container with such a
line inside is only reported. What a template takes from the chart's values (``.Values.x``) or its
helpers is linked by the chart (``documents/helmchart.py``), which sets ``linked`` before any rule runs.
``NOTES.txt`` and other text are read as text.
"""

from __future__ import annotations

import bisect
import posixpath
import re

from .. import facts
from ..intervals import Intervals
from ..model import Edit, ProcessingError, Span
from ..syntax import gotemplate as G
from ..syntax import yamlsrc as Y
from ..syntax.lines import line_end
from ..syntax.quoting import Syntax
from ..syntax.shellwords import Word
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode, SequenceNode
from .base import Document
from .kubernetes import EDITABLE, RETYPABLE, Container, KubernetesDoc
from .sites import Block, CommandLine, CommandSite, Region, Segment, is_foreign

#: a string literal of a template action, without escapes (``"/api/health/ready"``)
_ACTION_STRING = re.compile(r'"([^"\\\n]*)"')
#: an action that writes a value of the values or, when the values leave it unset, a literal: ``.Values.image.tag |
#: default "20.02-py3"`` or ``default "20.02-py3" .Values.image.tag`` (its inner text)
_DEFAULTED = re.compile(r'\s*(?:(?P<path>\$?\.Values(?:\.\w+)+)\s*\|\s*default\s+"(?P<lit>[^"\\\n]*)"'
                        r'|default\s+"(?P<lit2>[^"\\\n]*)"\s+(?P<path2>\$?\.Values(?:\.\w+)+))\s*')
#: a last stage that only quotes what the action writes (``| quote``)
_QUOTED = re.compile(r"\|\s*s?quote\s*$")
#: an image's repository (or a registry and path before it) as written
_IMAGE_NAME = re.compile(r"[\w./-]+")
#: a tag written as a literal after the repository's action (``{{ ... }}:20.02-py3"``)
_TAG_TEXT = re.compile(r"[\w.-]+(?=[\"'\s]|$)")
#: lines blanked at most before the template is read as text
MAX_UNREAD = 100
_YAML_SUFFIXES = (".yaml", ".yml", ".tpl", ".json")


class HelmTemplateDoc(KubernetesDoc):
    kind = "helm-template"

    def __init__(self, path: str, text: str) -> None:
        self.template = G.mask(text)
        self._unread: list[tuple[Span, str]] = []
        #: the chart's linked server lines: id(container node) -> its lines (set by the chart)
        self.linked: dict[int, list[CommandLine]] = {}
        #: values the chart found the container's image in: id(container node) -> (v1, triton)
        self.linked_images: dict[int, tuple[bool, bool]] = {}
        #: the images a container written from values runs, as the chart renders them (set by the chart:
        #: ``helmchart._Chart.rendered_images``): id(container node) -> [the chart's own values', others'...]
        self.rendered_images: dict[int, list[str]] = {}
        #: parts of server lines held by a helper's body here (a list of arguments ``include``d by a
        #: container of another template; set by the chart)
        self.helper_lines: list[CommandLine] = []
        #: helpers defined here whose body a Triton server's container includes (a probe written in a ``define``):
        #: their text is read in that container's context (set by the chart)
        self.triton_helpers: set[str] = set()
        #: scalars written by one action that reads a values scalar: id(node) -> the chart's value
        self.resolved: dict[int, str] = {}
        #: the same scalars by span: their values path and every values node that may set them
        self.resolved_from: dict[tuple[int, int], tuple[tuple[str, ...], list]] = {}
        #: actions inside longer strings that read one values scalar (a URL's ``{{ .Values.service.port }}``):
        #: the action as compared (``action_text``) -> the chart's value (set by the chart)
        self.action_values: dict[str, str] = {}
        #: changes the follow-through asks of the values (rules/follow.py): (finding, values path, the
        #: values nodes, the value written), made in the values files by the chart (pipeline)
        self.values_follow: list = []
        #: tags this template writes as a literal default beside a repository of the values (set by the chart:
        #: ``helmchart.DefaultTagKeys``)
        self.default_tags: list = []
        self._owned: dict[int | None, list[G.Action]] | None = None  #: see _standalone_under
        self._block_spans: Intervals | None = None  #: see block_after
        self._holders: dict[int, tuple[MappingNode, str]] | None = None  #: see _labels
        #: edits of a word written as an action's string literal that would not leave it one literal (``ActionString``)
        self.refused_edits: set[Edit] = set()
        super().__init__(path, text)
        self.is_json = False

    def blocks(self) -> list[Block]:
        """A template's objects are the chart's: ``--side-by-side`` copies none of them (a second
        release of the chart, with migrated values, is the chart's V2 copy)."""
        from .. import evidence

        out = super().blocks()
        for b in out:
            b.name = self.shown(b.name)
            # V1 only through the values it reads (an umbrella chart's entry, kept and copied there)
            # is the values file's to keep
            b.v1 = b.v1 and evidence.maybe_v1(self.text[b.span.start:b.span.end].encode("utf-8", "surrogatepass"))
            if not b.kept:
                b.refusal = ("it is an object of a Helm chart's template: install the chart a second time (a second "
                             "release) with migrated values instead")
        return out

    # --- reading --------------------------------------------------------------------------------
    def _load(self, text: str) -> Y.YamlSource:
        masked = self.template.masked
        err = self.template.error
        if err is not None:
            # an action that never closes: nothing after it can be read
            start = masked.rfind("\n", 0, err.offset) + 1
            masked = self._blank(masked, start, len(masked), f"a template action that never closes ({err})")
        for _ in range(MAX_UNREAD):
            try:
                return Y.load(masked)
            except ProcessingError as e:
                if e.line is None:
                    raise
                start = _line_start(masked, e.line)
                if start is None:
                    raise
                while not masked[start:masked.find("\n", start) if "\n" in masked[start:] else len(masked)].strip():
                    if start == 0:
                        raise
                    start = masked.rfind("\n", 0, start - 1) + 1  # the error is reported after a blank line
                end = G.block_end(masked, start) if "duplicate key" in e.message else \
                    line_end(masked, start, cr="dropped")
                masked = self._blank(masked, start, end, e.message)
        raise ProcessingError("too many template lines cannot be read as YAML with their actions masked")

    def _blank(self, masked: str, start: int, end: int, why: str) -> str:
        """``masked`` with the lines of ``[start, end)`` blanked, each non-blank one recorded as unread."""
        pos = start
        while pos < end:
            stop = line_end(masked, pos, cr="dropped")
            if masked[pos:stop].strip():
                self._unread.append((Span(pos, stop), why))
            pos = stop + 1
        out = masked[:start] + "".join(c if c in "\r\n" else " " for c in masked[start:end]) + masked[end:]
        return out

    def unread(self) -> list[tuple[Span, str]]:
        return list(self._unread)

    def shown(self, text: str) -> str:
        return G.shown(text)

    def actions_in(self, region: Region) -> list[tuple[int, int, str]]:
        """The template actions ``region`` holds as placeholders: (start, end in ``region.text``, the action as
        compared, ``action_text``); an action that reads one values scalar the chart sets, as that value."""
        out = []
        for m in G.PLACEHOLDER.finditer(region.text):
            sp = region.span(m.start(), m.end())
            acts = [a for a in self.template.overlapping(sp.start, sp.end) if a.writes]
            if len(acts) == 1:
                text = action_text(acts[0])
                out.append((m.start(), m.end(), self.action_values.get(text, text)))
        return out

    def _read_regions(self) -> list[Region]:
        out = super()._read_regions()
        # the string literals of the actions that write a value of the server's container (a probe's
        # ``{{ .Values.probe.path | default "/api/health/ready" }}``): what the value is unless the values
        # set it, evidence like the value itself (never edited: no edit rewrites an action)
        seen: set[int] = set()
        for r in list(out):
            if not r.triton or G.PAD not in r.text:
                continue
            for m in G.PLACEHOLDER.finditer(r.text):
                sp = r.span(m.start(), m.end())
                for a in self.template.overlapping(sp.start, sp.end):
                    if not a.writes or a.start in seen:
                        continue
                    seen.add(a.start)
                    for lit in _ACTION_STRING.finditer(self.text, a.start, a.end):
                        out.append(Region(lit.group(1), base=lit.start(1), triton=True, label=r.label))
        return out

    def can_write(self, edit: Edit) -> bool:
        if G.PAD in edit.content or edit in self.refused_edits:
            return False
        if self._in_action_string(edit):
            return True
        for a in self.template.overlapping(edit.span.start, edit.span.end):
            if edit.content or not (edit.span.start <= a.start and a.end <= edit.span.end):
                return False
        return True

    def _in_action_string(self, edit: Edit) -> bool:
        """``edit`` changes text inside one string literal of an action (a ``default "/api/health/ready"``),
        and leaves it one literal."""
        if any(c in edit.content for c in '"\\\n`') or "{{" in edit.content or "}}" in edit.content:
            return False
        acts = self.template.overlapping(edit.span.start, edit.span.end)
        if len(acts) != 1 or not acts[0].writes:
            return False
        a = acts[0]
        return any(lit.start(1) <= edit.span.start and edit.span.end <= lit.end(1)
                   for lit in _ACTION_STRING.finditer(self.text, a.start, a.end))

    def report_only(self) -> list[tuple[int, int, str]]:
        """Containers with an unread line inside: what the reader saw of them may be incomplete; the
        scripts that are read but not edited (documents/yamlscripts.py)."""
        out = super().report_only()
        unread = sorted(s.start for s, _ in self._unread)
        for c in self.containers:
            start, end = self.container_span(c)
            k = bisect.bisect_left(unread, start)  # an unread line that starts inside the container
            if k < len(unread) and unread[k] < end:
                out.append((start, end, " (the container has template lines that could not be read: not changed)"))
        return out

    def container_span(self, c: Container) -> tuple[int, int]:
        """Where a container is written: its item's lines (with unread lines among them)."""
        start = c.node.start_index
        end = Y.node_end(self.src, c.node)
        line_start = self.src.text.rfind("\n", 0, start) + 1
        return start, max(end, G.block_end(self.template.masked, line_start))  # unread lines still there

    # --- sites ----------------------------------------------------------------------------------
    def segment(self, container: MappingNode, key: str) -> Segment | None:
        seg = super().segment(container, key)
        if seg is not None:
            for w in seg.words:
                if not w.dynamic and self.template.overlapping(w.start, w.end):
                    w.dynamic = True  # known only once rendered
        return seg

    def link_image(self, c: Container, v1: bool, triton: bool) -> None:
        """The chart found the container's image in its values: a V1 (or Triton) server image."""
        self.linked_images[id(c.node)] = (v1, triton)
        if triton and not c.triton:
            c.triton = True
            c.owned = Y.reachable(c.node)
        c.v1 = c.v1 or v1
        if c.triton and not c.v1 and not (triton and not v1) and self.v1_probes(c.node):
            c.v1 = True
        self._lines = None

    def _container_site(self, c: Container, lines: list[CommandLine], regions: list[Region]):
        """A container whose image the chart's values write is seen running that image (``rendered_images``):
        the follow-through links it to an image the run builds (``follow.image_link``)."""
        site = super()._container_site(c, lines, regions)
        images = self.rendered_images.get(id(c.node))
        if images:
            site.image, site.also = images[0], images[1:]
        return site

    def set_triton(self, c: Container, v1: bool) -> None:
        """The chart found the server binary in what the container's list takes from elsewhere."""
        c.triton = True
        c.v1 = c.v1 or v1 or self.v1_probes(c.node) and id(c.node) not in self.linked_images
        c.owned = Y.reachable(c.node)
        self._lines = None

    def command_lines(self) -> list[CommandLine]:
        return super().command_lines() + self.helper_lines

    def commands(self) -> list[CommandSite]:
        """A helper's list that a container runs as its command line (``args: {{- include "t.serverArgs" . |
        nindent 12 }}``), and an action's literal default the chart reads as the container's binary: the binary is a
        command word too."""
        sites = super().commands()
        # (and a binary written as an action's literal default: ``command: [{{ .Values.bin | default "trtserver" }}]``)
        literal = [cl for cls in self.linked.values() for cl in cls
                   if any(isinstance(seg.syntax, ActionString) for seg in cl.segments)]
        for cl in self.helper_lines + literal:
            for seg in cl.segments:
                if seg.words and not is_foreign(seg.words[0].span) and any(w is cl.binary for w in seg.words) \
                        and (cl not in literal or isinstance(seg.syntax, ActionString)):
                    sites.append(CommandSite(seg.words, seg, True, self.text))
        if self.helper_lines or literal:
            from . import yamlsites as S

            sites = S.unique_sites(sites)
        return sites

    def mark_triton_helper(self, name: str) -> None:
        """A Triton server's container includes helper ``name`` (defined here): its body is the server's."""
        if name not in self.triton_helpers:
            self.triton_helpers.add(name)
            self._regions = None

    def _triton_nodes(self) -> set[int]:
        out = super()._triton_nodes()
        for name in self.triton_helpers:
            node = self.helper_node(name)
            if node is not None:
                out |= Y.reachable(node)
        return out

    def container_includes(self, c: Container) -> list[str]:
        """The helpers the container's own text includes (``readinessProbe: {{- include "t.probe" . | nindent 12
        }}``), but those that write its ``command``/``args`` (the chart links those as its command line)."""
        start, end = self.container_span(c)
        lists = {e.helper for key in ("command", "args") for e in self.expansions(c, key) if e.helper is not None}
        acts = list(self.template.overlapping(start, end))
        for k, _v in c.node.value:  # a fragment written under a key (``readinessProbe:`` then ``{{- include ... }}``)
            acts += self._standalone_under(k.start_index)
        out: list[str] = []
        for a in acts:
            out += [n for n in a.includes if n not in lists and n not in out]
        return out

    def _server_lines(self):
        if self._lines is None:
            lines = super()._server_lines()
            out = []
            for cl, c in lines:
                if id(c.node) in self.linked:
                    continue
                out.append((cl, c))
            for c in self.containers:
                for cl in self.linked.get(id(c.node), []):
                    out.append((cl, c))
            out.sort(key=lambda lc: min((w.start for seg in lc[0].segments for w in seg.words), default=0))
            self._lines = out
        return self._lines

    def block_after(self, offset: int, after: int) -> G.Block | None:
        """The innermost block around ``offset`` opened after ``after`` (inside a list: an item under
        ``{{ if }}`` or ``{{ range }}``)."""
        acts = self.template.actions
        if self._block_spans is None:  # where each block's body is (indexed once: no scan per question)
            self._block_spans = Intervals(
                (acts[b.opener].end, acts[b.closer].start if b.closer is not None else len(self.text), b)
                for b in self.template.blocks)
        found = None
        for k in self._block_spans.holding(offset, offset + 1):
            b = self._block_spans.items[k][2]
            start = acts[b.opener].start
            if after < start and (found is None or acts[found.opener].start < start):
                found = b
        return found

    def range_around(self, offset: int, after: int) -> G.Block | None:
        """The innermost ``range`` around ``offset`` opened after ``after`` (an ``if`` inside it counts as it): what is
        written there is written once per item."""
        b = self.block_after(offset, after)
        acts, blocks = self.template.actions, self.template.blocks
        while b is not None and acts[b.opener].start > after:
            if b.keyword == "range":
                return b
            b = blocks[b.parent] if b.parent is not None else None
        return None

    def helper_ranges(self, name: str, seg: Segment) -> list[tuple[G.Block, bool]]:
        """The ``range`` blocks inside the body of helper ``name`` (defined here) that write words of ``seg``, its list:
        (the block, whether the word is the item itself, written whole by one action: ``- {{ . }}``)."""
        body = self.template.defines().get(name)
        out: list[tuple[G.Block, bool]] = []
        for w in seg.words if body is not None else ():
            b = self.range_around(w.start, body[0])  # type: ignore[index]
            if b is None:
                continue
            acts = self.template.overlapping(w.start, w.end)
            item = b.path is not None and len(acts) == 1 and acts[0].writes and acts[0].refs == [b.path + ("[]",)] \
                and w.is_whole_expansion and w.start >= acts[0].start - 1 and w.end <= acts[0].end + 1
            out.append((b, item))
        return out

    def value_of(self, node: ScalarNode) -> str:
        """A scalar as the chart renders it when its values say (``resolved``); else with each action it
        holds written as the action itself (``{{ .Chart.Name }}-server``): two scalars written by the
        same actions render the same (a Service named as the route's backend names it)."""
        got = self.resolved.get(id(node))
        if got is not None:
            return got
        value = str(node.value)
        if G.PAD not in value:
            return value
        sc = self.src.scalar(node)
        acts = [a for a in self.template.overlapping(sc.start, sc.end) if a.writes]
        runs = list(G.PLACEHOLDER.finditer(value))
        if len(runs) != len(acts):
            return value
        out, pos = [], 0
        for m, a in zip(runs, acts):
            out += [value[pos:m.start()], action_text(a)]
            pos = m.end()
        return "".join(out) + value[pos:]

    # --- labels written by actions (who selects whom, within a chart) ---------------------------
    def template_labels(self, holder: Node | None, key: str) -> dict[str, str]:
        """The label pairs of the mapping at ``holder.key`` as written: literal keys with their values
        (``value_of``), and each action that writes whole lines of labels there (``{{ include
        "x.selectorLabels" . | nindent 4 }}``) as a pair of its own (the action's text, ""). Two
        templates of a chart that write the same actions there render the same labels."""
        out: dict[str, str] = {}
        if not isinstance(holder, MappingNode):
            return out
        key_node = next((k for k, _v in holder.value if Y.key_of(k) == key), None)
        if key_node is None:
            return out
        for k, v in Y.items(Y.get(holder, key)):
            if isinstance(k, ScalarNode) and isinstance(v, ScalarNode):
                out[self.value_of(k)] = self.value_of(v)
        for a in self._standalone_under(key_node.start_index):
            out[action_text(a)] = ""
        return out

    def _container(self, node: MappingNode, pod: MappingNode) -> Container:
        c = super()._container(node, pod)
        holder = self._parent.get(id(pod))
        labels = self.template_labels(Y.get(holder, "metadata"), "labels")
        if labels:
            c.labels = labels
        default = self.default_image(Y.get(node, "image"))
        if default is not None and not c.triton:
            # a Triton image unless the values say otherwise (``.Values.image.repository | default "..."``): the
            # container is the server's (its V1-ness is its command line's: the values may set a V2 image)
            info = facts.classify(default)
            if info.triton and not info.sdk:
                c.triton = True
                c.owned = Y.reachable(node)
        return c

    def defaulted(self, a: G.Action | None) -> tuple[str, str, int] | None:
        """(values path, literal, offset of the literal) of an action that writes a value or its literal default."""
        if a is None or not a.writes:
            return None
        m = _DEFAULTED.fullmatch(_QUOTED.sub("", a.inner))
        if m is None:
            return None
        lits = list(_ACTION_STRING.finditer(self.text, a.start, a.end))  # the action's one string literal
        if len(lits) != 1:
            return None
        return (m.group("path") or m.group("path2")).lstrip("$"), lits[0].group(1), lits[0].start(1)

    def default_word(self, a: G.Action) -> tuple[str, Word] | None:
        """(values path, the word) of an action that writes a value of the values or, when the values leave it
        unset, its literal default (``{{ .Values.server.binary | default "trtserver" | quote }}``): the literal as a
        word where it is written, changed only inside the literal (``ActionString``)."""
        d = self.defaulted(a)
        if d is None or not d[1] or d[1] != d[1].strip():
            return None
        return d[0], Word(d[2], d[2] + len(d[1]), d[1], range(d[2], d[2] + len(d[1])), False, "", d[2] + len(d[1]))

    def split_images(self):
        return super().split_images() + self.default_tags

    def default_image(self, image: Node | None) -> str | None:
        """The image a container's ``image`` writes when the values leave unset what its actions read, each action
        written with a literal default (``"{{ .Values.image.repository | default "nvcr.io/nvidia/tensorrtserver"
        }}:{{ .Values.image.tag | default "20.02-py3" }}"``); None when an action has no such default."""
        if not isinstance(image, ScalarNode) or not isinstance(image.value, str) or G.PAD not in image.value:
            return None
        sc = self.src.scalar(image)
        acts = [a for a in self.template.overlapping(sc.start, sc.end) if a.writes]
        holes = list(G.PLACEHOLDER.finditer(sc.value))
        if not acts or len(acts) != len(holes):
            return None
        out, pos = [], 0
        for m, a in zip(holes, acts):
            d = self.defaulted(a)
            if d is None:
                return None
            out += [sc.value[pos:m.start()], d[1]]
            pos = m.end()
        return "".join(out) + sc.value[pos:]

    def tag_beside(self, at: int) -> tuple[str, str, str, Span, str, str | None] | None:
        """The tag written apart from an image's repository that starts at ``at``, in a container's ``image``: the
        repository is the literal default of an action (``{{ .Values.image.repository | default "..." }}``) or
        written as it is, and the tag, after a ``:``, the literal default of the next action (``{{ .Values.image.tag
        | default "20.02-py3" }}``) or written as it is. Both are what the image is when the values leave them unset
        (the values, migrated with the chart, win where they set them): the defaults change together."""
        m = _IMAGE_NAME.match(self.text, at)
        if m is None:
            return None
        end = m.end()
        a = self.template.action_at(at)
        repo = None
        if a is not None and a.start < at:  # in an action: its literal default, the whole of it
            d = self.defaulted(a)
            if d is None or d[2] != at or len(d[1]) != end - at:
                return None
            repo, end = d[0], a.end
        if not self.text.startswith(":", end):
            return None
        b = self.template.action_at(end + 1)
        if b is not None and b.start == end + 1:
            d = self.defaulted(b)
            if d is None:
                return None
            tag, tag_at = d[1], d[2]
            how = f"the defaults of {repo} and {d[0]}" if repo else f"the default of {d[0]}"
            return repo or "", d[0], tag, Span(tag_at, tag_at + len(tag)), how + " in the template", None
        if repo is None or b is not None and b.start < end + 1:
            return None
        t = _TAG_TEXT.match(self.text, end + 1)
        if t is None:
            return None
        return repo, "", t.group(0), Span(t.start(), t.end()), f"the default of {repo} in the template", None

    def services(self) -> list[tuple[MappingNode, list[tuple[str, str]]]]:
        if self._services is None:
            super().services()
            self._services = [(o, list(self.template_labels(Y.get(o, "spec"), "selector").items()) or pairs)
                              for o, pairs in self._services]
        return self._services

    def _labels(self, selector: Node | None) -> dict[str, str] | None:
        if isinstance(selector, MappingNode) and Y.get(selector, "matchExpressions") is not None:
            return None
        written: dict[str, str] = {}
        if selector is not None:
            if self._holders is None:
                self._holders = {id(v): (m, Y.key_of(k) or "") for m in self.src.nodes() if isinstance(m, MappingNode)
                                 for k, v in m.value}
            where = self._holders.get(id(selector))
            if where is not None:  # ``podSelector:`` with actions written under it
                written = {k: v for k, v in self.template_labels(*where).items() if k.startswith("{{")}
        if isinstance(selector, MappingNode):
            written.update(self.template_labels(selector, "matchLabels"))
        return written if written else super()._labels(selector)

    def whole_action(self, node: ScalarNode) -> G.Action | None:
        """The action a scalar is written by, when it is nothing else."""
        sc = self.src.scalar(node)
        acts = self.template.overlapping(sc.start, sc.end)
        if len(acts) == 1 and acts[0].writes and sc.offsets and acts[0].start <= sc.offsets[0] \
                and sc.offsets[-1] < acts[0].end:
            return acts[0]
        return None

    # --- what the chart links -------------------------------------------------------------------
    def expansions(self, c: Container, key: str) -> list["Expansion"]:
        """Where the container's ``command``/``args`` take items from elsewhere, in order."""
        out: list[Expansion] = []
        key_node = next((k for k, _v in c.node.value if Y.key_of(k) == key), None)
        if key_node is None:
            return out
        value = Y.get(c.node, key)
        tpl = self.template
        if isinstance(value, ScalarNode) and not Y.is_null(value):
            sc = self.src.scalar(value)
            acts = tpl.overlapping(sc.start, sc.end)
            if len(acts) == 1 and acts[0].writes:
                out.append(Expansion(acts[0].start, None, _values_path(acts[0]), _helper(acts[0]), whole=True))
            return out
        if isinstance(value, SequenceNode):
            for item in value.value:
                if not isinstance(item, ScalarNode):
                    continue
                sc = self.src.scalar(item)
                acts = tpl.overlapping(sc.start, sc.end)
                if len(acts) == 1 and acts[0].writes and acts[0].start == sc.start and acts[0].end == sc.end:
                    path = _values_path(acts[0])
                    if path is not None and path[-1] == "[]":
                        out.append(Expansion(sc.start, item, path[:-1], None))
                    elif path is not None or _helper(acts[0]):
                        out.append(Expansion(sc.start, item, path, _helper(acts[0]), whole=False, one=True))
        # fragments of YAML written into the list (or as the whole value): toYaml, include | nindent
        key_line = key_node.start_index
        for a in self._standalone_under(key_line):
            if a.define is not None:
                continue
            out.append(Expansion(a.start, None, _values_path(a), _helper(a), whole=not isinstance(value, SequenceNode)))
        out.sort(key=lambda e: e.at)
        return out

    def _standalone_under(self, key_line: int) -> list[G.Action]:
        """The actions that write and stand alone on their lines in the block of the key at
        ``key_line`` (``_owner_line``), in order; each action's owner is found once per document."""
        if self._owned is None:
            self._owned = {}
            for a in self.template.actions:
                if a.standalone and a.writes:
                    self._owned.setdefault(_owner_line(self.src.text, a.start, _indented_by(a)), []).append(a)
        return self._owned.get(key_line, [])

    def image_refs(self, c: Container) -> tuple[list[G.Path], list[str]]:
        """The values paths and helpers the container's ``image`` is written from."""
        image = Y.get(c.node, "image")
        paths: list[G.Path] = []
        helpers: list[str] = []
        if isinstance(image, ScalarNode):
            sc = self.src.scalar(image)
            acts = self.template.overlapping(sc.start, sc.end)
        else:
            key = next((k for k, _v in c.node.value if Y.key_of(k) == "image"), None)
            acts = self._standalone_under(key.start_index) if key is not None else []
        for a in acts:
            if self.text.startswith("/", a.end):  # a registry or a namespace (``{{ .Values.registry }}/...``)
                continue
            paths += [p for p in a.refs if p[:1] == ("Values",)]
            helpers += a.includes
        return paths, helpers

    def helper_refs(self, name: str) -> tuple[list[G.Path], list[str]]:
        """The values paths and helpers read in the body of helper ``name`` (defined here)."""
        body = self.template.defines().get(name)
        if body is None:
            return [], []
        paths: list[G.Path] = []
        helpers: list[str] = []
        for a in self.template.actions:
            if body[0] <= a.start < body[1]:
                paths += [p for p in a.refs if p[:1] == ("Values",)]
                helpers += a.includes
        return paths, helpers

    def helper_node(self, name: str) -> Node | None:
        """The YAML document a helper's body reads as (a list of arguments, an image string)."""
        body = self.template.defines().get(name)
        if body is None:
            return None
        for root in self.src.docs:
            if body[0] <= root.start_index < body[1]:
                return root
        return None

    def helper_segment(self, name: str) -> Segment | None:
        node = self.helper_node(name)
        if isinstance(node, SequenceNode):
            from . import yamlsites as S

            seg = S.segment(self.src, node, "args")
            if seg is not None:
                for w in seg.words:
                    if not w.dynamic and self.template.overlapping(w.start, w.end):
                        w.dynamic = True
            return seg
        return None

    def same_structure(self, new: "KubernetesDoc") -> str | None:
        old, now = self.template.actions, new.template.actions  # type: ignore[attr-defined]
        if [a.inner for a in old if not a.writes] != [a.inner for a in now if not a.writes]:
            return "the template's control actions changed"
        # (the string literals of an action may change: ``_in_action_string``)
        rest = iter(_ACTION_STRING.sub('""', a.inner) for a in old if a.writes)
        if not all(any(x == y for x in rest) for y in (_ACTION_STRING.sub('""', a.inner) for a in now if a.writes)):
            return "the template's actions changed (an edit may only remove one with its item)"
        # a helper's body may be a list of arguments itself (the document's root)
        return Y.same_structure(self.src, new.src, EDITABLE | {""}, RETYPABLE) or self.same_scripts(new)


class ActionString(Syntax):
    """A word written as the string literal of a template action (``default "trtserver"``): changed in place,
    inside the literal, where the change leaves it one literal (``HelmTemplateDoc.can_write``); never removed,
    and nothing is added after it (an edit that would is made and refused: its finding asks for it by hand)."""

    name = "template-string"
    holds_insertions = False

    def __init__(self, refused: set[Edit]) -> None:
        self.refused = refused

    def quote(self, value: str, like: Word | None) -> str:
        return value

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        return not any(c in fragment for c in '"\\\n`') and "{{" not in new_value and "}}" not in new_value

    def requote(self, word: Word, new_value: str) -> Edit:
        return Edit(word.span, new_value)  # one literal still, or refused by ``can_write``

    def _refuse(self, edit: Edit) -> Edit:
        self.refused.add(edit)
        return edit

    def delete_word(self, text: str, word: Word) -> Edit | None:
        return self._refuse(Edit.delete(word.start, word.end))  # an empty literal is an empty argument

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> Edit | None:
        return self._refuse(Edit.insert(anchor.end, " " + " ".join(values)))


class Expansion:
    """Where a template's list takes items from elsewhere: a ``range`` over a values list (its item
    ``- {{ . }}`` stands for them), a list written by ``toYaml``/``toJson`` or ``include``, or one
    item written by an action."""

    def __init__(self, at: int, item: Node | None, path: G.Path | None, helper: str | None,
                 whole: bool = False, one: bool = False) -> None:
        self.at = at  #: template offset where the items go
        self.item = item  #: the item standing for them (removed from the line), if any
        self.path = path  #: the values path (without "Values")
        self.helper = helper  #: or the helper whose body is the list
        self.whole = whole  #: the list itself (not items added to it)
        self.one = one  #: a single item written by the action (a scalar, not a list)


#: pipeline stages that change how a value is written, not what it is
_FORMAT_STAGE = re.compile(r"\|\s*(?:n?indent\s+\d+|quote|squote|trim|trunc\s+\d+|trimSuffix\s+\"-\")\s*(?=\||$)")


def action_text(a: G.Action) -> str:
    """An action as a label or name is compared: its pipeline without trimming, spacing or stages that
    only format (``nindent``, ``quote``, ``trunc 63 | trimSuffix "-"``)."""
    inner = " ".join(a.inner.split())
    while True:
        new = _FORMAT_STAGE.sub("", inner).strip()
        if new == inner:
            break
        inner = new
    return "{{ " + inner + " }}"


def _values_path(a: G.Action) -> G.Path | None:
    for p in a.refs:
        if p[:1] == ("Values",) and len(p) > 1:
            return p[1:]
    return None


def _helper(a: G.Action) -> str | None:
    return a.includes[0] if a.includes else None


def _line_start(text: str, line: int) -> int | None:
    pos = 0
    for _ in range(line - 1):
        nl = text.find("\n", pos)
        if nl < 0:
            return None
        pos = nl + 1
    return pos


_INDENT = re.compile(r"\|\s*(n?)indent\s+(\d+)\s*$")


def _indented_by(a: G.Action) -> tuple[bool, int] | None:
    """What the action's last ``indent N`` / ``nindent N`` does to the column its output starts at:
    (whether it is ``nindent``, N)."""
    m = _INDENT.search(a.inner)
    return (bool(m.group(1)), int(m.group(2))) if m else None


def _bare_key(line: str) -> bool:
    """A line that is a mapping key with nothing after it (``args:``, ``args:  # comment``)."""
    body = line.split(" #", 1)[0].rstrip()
    return body.endswith(":") and "{{" not in body


def _owner_line(text: str, offset: int, indented: tuple[bool, int] | None = None) -> int | None:
    """Where the content of the nearest line above ``offset`` that is indented less than the column the
    action's output starts at (its own, moved by an ``indent N`` or set by an ``nindent N``: ``{{ include
    "x.args" . | indent 12 }}`` written at column 0 stands in the block of the key above it at column 10)
    starts: the key whose block holds an action standing alone on its line."""
    line_start = text.rfind("\n", 0, offset) + 1
    col = offset - line_start
    if indented is not None:
        col = indented[1] if indented[0] else col + indented[1]
    pos = line_start
    while pos > 0:
        prev_end = pos - 1
        prev_start = text.rfind("\n", 0, prev_end) + 1
        body = text[prev_start:prev_end].rstrip("\r")
        stripped = body.lstrip(" ")
        if stripped and not stripped.startswith("#"):
            indent = len(body) - len(stripped)
            # a key with no value at the column the fragment starts at: a list written there is its value (a block
            # sequence may stand at its key's column: ``args:`` then ``{{ include "x.args" . | indent 8 }}``)
            if indent < col or indent == col and not stripped.startswith("- ") and _bare_key(stripped):
                if stripped.startswith("- "):  # a list item that is a mapping: its first key
                    rest = stripped[2:].lstrip(" ")
                    return prev_start + len(body) - len(rest)
                return prev_start + indent
        pos = prev_start
    return None


def build(path: str, text: str) -> Document:
    """A template read as YAML with its actions masked; ``NOTES.txt`` and other text as text."""
    from .text import TextDoc

    name = posixpath.basename(path.replace("\\", "/")).lower()
    if not name.endswith(_YAML_SUFFIXES):
        return _notes(path, text)
    try:
        return HelmTemplateDoc(path, text)
    except ProcessingError as e:
        doc = TextDoc(path, text, "helm-template")
        start = _line_start(G.mask(text).masked, e.line) if e.line is not None else None
        span = Span(start, line_end(text, start, cr="dropped")) if start is not None else Span(0, 0)
        message = e.message
        doc.unread = lambda: [(span, message)]  # type: ignore[method-assign]
        return doc


def _notes(path: str, text: str) -> Document:
    """``NOTES.txt`` (and other text in ``templates/``): what ``helm install`` prints. Its URLs are the
    chart's server's when the chart runs one (the chart sets ``triton``), and are rewritten; its
    actions never are."""
    from .text import TextDoc

    class HelmNotesDoc(TextDoc):
        fixes = True

        def __init__(self, path: str, text: str) -> None:
            super().__init__(path, text, "helm-template")
            self.template = G.mask(text)

        def report_only(self) -> list[tuple[int, int, str]]:
            return []

        def advisory(self) -> list[tuple[int, int]]:
            return []  # not documentation: what the chart prints

        def can_write(self, edit: Edit) -> bool:
            return not self.template.overlapping(edit.span.start, edit.span.end)

    return HelmNotesDoc(path, text)
