"""Helm chart values files (plain YAML) -> Document.

Values have no fixed schema: an image is one string (``image: repo:tag``) or a mapping whose
``repository`` and ``tag`` are separate keys; server options stand in ``args``/``extraArgs``/
``command`` lists wherever the chart put them. The file is Triton when its values (never its
comments) hold strong evidence or a Triton image; only then do options alone make a server line
and weak evidence (``/api/health`` probes) count.
"""

from __future__ import annotations

import os
import posixpath
import re

from .. import evidence, facts
from ..model import Edit, Span
from ..syntax import yamlquote as Q
from ..syntax import yamlsrc as Y
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode, SequenceNode
from . import commands as C
from . import yamlblocks as B
from . import yamlsites as S
from .base import Document
from .sites import (Block, ChartValue, CommandLine, CommandSite, HealthKey, ImageKeys, PortEntry, PortList, PortSites,
                    ProbePort, Region, Segment, is_foreign)

ARGV_KEYS = ("command", "args", "extraArgs")
_ARGV_KEYS = frozenset(ARGV_KEYS)
_IMAGE_KEYS = frozenset({"repository", "image"})  #: the keys a split image's mapping has one of
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
EDITABLE = frozenset({"command", "args", "extraArgs", "ports"})
RETYPABLE = frozenset({"port", "targetPort"})
_OPTION_NAMES = frozenset(facts.V1_OPTIONS) | frozenset(facts.V2_OPTIONS)
_K8S_VAR = re.compile(r"(?<!\$)(?:\$\$)*\$\(\w+\)")


class ValuesImageKeys(ImageKeys):
    """A ``repository``/``tag`` pair of one mapping (and a ``digest`` beside them)."""

    def __init__(self, src: Y.YamlSource, repo: ScalarNode, tag: ScalarNode | None,
                 digest: ScalarNode | None = None) -> None:
        self.src, self.repo, self.tag, self.digest = src, repo, tag, digest
        rsc = src.scalar(repo)
        self.repo_value, self.repo_span = rsc.value, Span(rsc.start, rsc.end)
        if tag is not None:
            tsc = src.scalar(tag)
            self.tag_value, self.tag_span, self.tag_is_str = str(tag.value), Span(tsc.start, tsc.end), tsc.is_str
        if digest is not None:
            dsc = src.scalar(digest)
            self.digest_span = Span(dsc.start, dsc.end)

    def rename_repo(self, name: str) -> Edit | None:
        rsc = self.src.scalar(self.repo)
        old = posixpath.basename(rsc.value.strip())
        i = rsc.value.rindex(old)
        if rsc.offsets is None or not rsc.is_clean(i, i + len(old)):
            return None
        return Edit(Span(rsc.offsets[i], rsc.offsets[i + len(old) - 1] + 1), name)

    def set_tag(self, tag: str) -> Edit:
        assert self.tag is not None and self.tag_span is not None
        return Edit(self.tag_span, _render_tag(tag, self.src.scalar(self.tag)))

    def clear_digest(self) -> Edit:
        assert self.digest is not None and self.digest_span is not None
        dsc = self.src.scalar(self.digest)
        return Edit(self.digest_span, dsc.quote * 2 if dsc.quote else '""')


class LoneTagKeys(ValuesImageKeys):
    """A ``tag`` key whose repository is set in another values file of the chart (``values-prod.yaml``
    overrides only the tag of ``values.yaml``'s image)."""

    def __init__(self, src: Y.YamlSource, tag: ScalarNode, repo_value: str, elsewhere: str) -> None:
        self.src, self.repo, self.tag, self.digest = src, None, tag, None  # type: ignore[assignment]
        tsc = src.scalar(tag)
        self.tag_value, self.tag_span, self.tag_is_str = str(tag.value), Span(tsc.start, tsc.end), tsc.is_str
        self.repo_value, self.repo_span = repo_value, self.tag_span
        self.repo_elsewhere = elsewhere  #: where the repository is set

    def rename_repo(self, name: str) -> Edit | None:
        return None


class LoneRepoKeys(ValuesImageKeys):
    """A ``repository`` key whose tag Helm takes from another values file of the chart (a parent chart
    overrides the subchart's repository, or a subchart's default tag goes with the parent's
    repository). Only the repository is this file's to change."""

    def __init__(self, src: Y.YamlSource, repo: ScalarNode, tag_value: str, tag_is_str: bool, elsewhere: str) -> None:
        self.src, self.repo, self.tag, self.digest = src, repo, None, None
        rsc = src.scalar(repo)
        self.repo_value, self.repo_span = rsc.value, Span(rsc.start, rsc.end)
        self.tag_value, self.tag_span, self.tag_is_str = tag_value, None, tag_is_str
        self.digest_span = None
        self.tag_elsewhere = elsewhere  #: where the tag that goes with it is set


class UnusedRepoKeys(LoneRepoKeys):
    """A ``repository`` key that a parent chart's values override wherever the chart is installed: never
    run, but still a V1 name (renamed, so that no V1 name stays)."""

    def __init__(self, src: Y.YamlSource, repo: ScalarNode, tag_value: str, tag_is_str: bool, overridden: str) -> None:
        super().__init__(src, repo, tag_value, tag_is_str, "")
        self.overridden_in = overridden  #: the values file that overrides it


class HelmValuesDoc(Document):
    _regions: list[Region] | None = None
    kind = "helm-values"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.src = Y.load(text)
        self.src.dollar_escape = True  # the kubelet reads $$ in command/args as $
        self._segments: dict[int, Segment | None] = {}
        self._lines: list[CommandLine] | None = None
        self._groups: list[tuple[Segment | None, Segment | None, Segment | None]] | None = None
        self._unit_blocks: list[tuple[Block, MappingNode]] | None = None
        self._env_names: dict[int, ScalarNode] | None = None
        #: inside a chart, the top-level keys its subcharts read their values under (set by the chart;
        #: None: outside a chart, where they are not known)
        self.subchart_keys: frozenset[str] | None = None
        #: server lines a chart's template makes of this file's lists (set by the chart): these lists
        #: are read as part of those lines, never as lines of their own
        self.linked: list[CommandLine] = []
        #: lists a chart's container reads for each item of a list it ranges over (by id: ``mark_per_item``)
        self.per_item: set[int] = set()
        #: images of this file that a chart's template runs the V1 server on (set by the chart's linking)
        self.v1_run_images: list[tuple[Span, str, str]] = []
        #: the named ports of the template containers whose lines this file holds (a chart link): a
        #: probe here may name one (``port: health``)
        self.port_names: dict[str, str] = {}
        #: tags of images whose repository another values file of the chart sets (set by the chart)
        self.lone_tags: list[ImageKeys] = []
        #: repositories whose tag is set in another values file, or that another one overrides (set by
        #: the chart); and the repository/tag pairs of this file that Helm never runs together (a parent
        #: chart's values override one of the two), by id: their keys are checked through the pairs above
        self.lone_repos: list[ImageKeys] = []
        self.unpaired: set[int] = set()
        self._split = self._find_split_images()
        self.v1 = False
        self.triton = False
        self.triton_nodes: set[int] = set()  #: see ``mark_triton``
        self.other_app_nodes: set[int] = set()  #: see ``mark_other_app``
        self._classify()
        self._regions: list[Region] | None = None  #: read once, after the document is known

    def charts_elsewhere(self) -> list[tuple[Span, str]]:
        """The whole file, when no chart holds it (no ``Chart.yaml`` at or above it): the values of a chart
        installed from elsewhere (``helm install -f values-prod.yaml repo/chart``)."""
        import os

        from .. import kinds

        if self.subchart_keys is not None or kinds.chart_root(os.path.dirname(os.path.abspath(self.path))):
            return []
        return [(Span(0, len(self.text)), "the chart these values are for")]

    # --- structure ----------------------------------------------------------------------------
    def _mappings(self) -> list[MappingNode]:
        return self.src.mappings()

    def _find_split_images(self) -> list[ImageKeys]:
        out = []
        for m in self._mappings():
            if not Y.has_any(m, _IMAGE_KEYS):
                continue
            repo = Y.get(m, "repository")
            if not isinstance(repo, ScalarNode) or not isinstance(repo.value, str):
                # ``image: nvcr.io/nvidia/tensorrtserver`` with ``tag: 20.02-py3`` beside it
                repo = Y.get(m, "image")
                if not isinstance(repo, ScalarNode) or not isinstance(repo.value, str) or \
                        not isinstance(Y.get(m, "tag"), ScalarNode) or ":" in repo.value.rsplit("/", 1)[-1]:
                    continue
            last = posixpath.basename(repo.value.strip())
            if last not in ("tensorrtserver", "tritonserver"):
                continue
            tag = Y.get(m, "tag")
            digest = Y.get(m, "digest")
            digest = digest if isinstance(digest, ScalarNode) and isinstance(digest.value, str) and \
                digest.value.strip() else None
            out.append(ValuesImageKeys(self.src, repo, tag if isinstance(tag, ScalarNode) else None, digest))
        return out

    def _split_info(self, ik: ValuesImageKeys) -> facts.ImageInfo:
        tag = str(ik.tag.value) if ik.tag is not None and str(ik.tag.value) else None
        return facts.classify(ik.repo.value.strip() + (f":{tag}" if tag else ""))

    def _classify(self) -> None:
        Y.mark_keys(self.src)
        for ik in self._split:
            info = self._split_info(ik)
            self.triton = self.triton or info.triton
            self.v1 = self.v1 or (info.v1 and not info.sdk)
        for node in self.src.nodes():
            if not isinstance(node, ScalarNode) or node.is_key or not isinstance(node.value, str):
                continue
            if (node.parent_key or "").lower().endswith("image"):
                info = facts.classify(node.value)
                self.triton = self.triton or info.triton
                self.v1 = self.v1 or (info.v1 and not info.sdk)
            if evidence.strong(node.value.encode("utf-8", "surrogatepass")):
                self.triton = True
        for seg in self._argv_segments():
            if seg is not None and C.server_word(seg.words) is not None:
                self.triton = True
                self.v1 = self.v1 or C.is_v1_binary(C.server_word(seg.words).value)  # type: ignore[union-attr]

    def segment(self, node: Node) -> Segment | None:
        if id(node) not in self._segments:
            self._segments[id(node)] = S.segment(self.src, node, "args", dynamic_re=_K8S_VAR) \
                if isinstance(node, SequenceNode) else None
        return self._segments[id(node)]

    def _argv_groups(self) -> list[tuple[Segment | None, Segment | None, Segment | None]]:
        """(command, args, extraArgs) of each mapping that has any of them as a list of strings (found
        once: the tree is read-only)."""
        if self._groups is None:
            self._groups = []
            for m in self._mappings():
                if not Y.has_any(m, _ARGV_KEYS):
                    continue
                group = tuple(self.segment(n) if n is not None else None
                              for n in (Y.get(m, "command"), Y.get(m, "args"), Y.get(m, "extraArgs")))
                if any(s is not None for s in group):
                    self._groups.append(group)
        return self._groups

    def _argv_segments(self) -> list[Segment | None]:
        return [s for group in self._argv_groups() for s in group]

    def _split_nodes(self) -> set[int]:
        out: set[int] = set()
        for ik in self._split:
            if ik.tag is not None and self._split_info(ik).triton:
                out |= {id(ik.repo), id(ik.tag)}
        return out

    # --- sites --------------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        """(read once: every rule asks)"""
        if self._regions is None:
            self._regions = self._read_regions()
        return self._regions

    def _read_regions(self) -> list[Region]:
        skip = self._split_nodes() | set(self._env_name_nodes()) | {id(r.repo) for r in self.lone_repos}
        skip |= {id(ik.repo) for ik in self._split if id(ik) in self.unpaired}
        out: list[Region] = []
        for node, sc, key in Y.string_values(self.src, skip):
            is_image = key in ("image", "repository") and not sc.value.strip().startswith("--")
            triton = (self.triton or id(node) in self.triton_nodes) and id(node) not in self.other_app_nodes
            out.append(Region(sc.value, offsets=sc.offsets, triton=triton,
                              shell=key in ARGV_KEYS,
                              image_context=is_image, label=key))
        return out

    def _env_name_nodes(self) -> dict[int, ScalarNode]:
        """(found once: the tree is read-only)"""
        if self._env_names is None:
            self._env_names = Y.env_name_nodes(self._mappings(), ("env", "extraEnv"))
        return self._env_names

    def commands(self) -> list[CommandSite]:
        sites: list[CommandSite] = []
        for entry, cmd, extra in self._argv_groups():
            present = [s for s in (entry, cmd, extra) if s is not None]
            sites += [CommandSite(s.words, s, self.triton, self.text) for s in present]
            sites += S.nested_sites(self.src, [entry, cmd], self.text, self.triton)
            sites += S.nested_sites(self.src, [extra], self.text, self.triton)
        # the lists of this file that a template of the chart runs as a command (``command:`` given
        # ``toYaml .Values.serverCommand``): the binary they start with is a command word too
        for cl in self.linked:
            for seg in cl.segments:
                if seg.words and not is_foreign(seg.words[0].span) and any(w is cl.binary for w in seg.words):
                    sites.append(CommandSite(seg.words, seg, True, self.text))
        return S.unique_sites(sites)

    def command_lines(self) -> list[CommandLine]:
        """Server lines of ``command``/``args``; ``extraArgs`` continues the line of its mapping (the
        chart's template appends it), or stands alone when that mapping shows no line. In a chart,
        the lines its templates make of this file's lists (``linked``) replace these."""
        if self._lines is None:
            found: dict[tuple, CommandLine] = {}
            linked = {id(seg) for cl in self.linked for seg in cl.segments}
            # (a list the chart's templates give only to containers that run no server - a sidecar's ``args`` - is
            # that program's line, never the server's)
            linked |= {id(seg) for n in self.src.nodes() if (id(n) in self.per_item or id(n) in self.other_app_nodes)
                       and (seg := self.segment(n)) is not None}
            if self.triton:
                for entry, cmd, extra in self._argv_groups():
                    lines = self._lines_of(entry, cmd)
                    last = (cmd or entry).words[-1] if (cmd or entry) is not None else None  # type: ignore[union-attr]
                    if extra is not None:
                        tails = [cl for cl in lines if cl.segments[-1].words and cl.segments[-1].words[-1] is last]
                        for cl in tails:
                            lines[lines.index(cl)] = CommandLine(cl.text, cl.segments + [extra], cl.binary,
                                                                       cl.v1, cl.label, dict(cl.extra))
                        if not tails:
                            lines += self._lines_of(None, extra)
                    for cl in lines:
                        if not any(id(seg) in linked for seg in cl.segments):
                            found.setdefault(tuple(id(w) for seg in cl.segments for w in seg.words), cl)
            self._lines = list(found.values()) + self.linked
            kept = [b for b, _ in self._units() if b.kept] if B.may_keep(self.src) else []
            B.mark_kept(self._lines, [b.span for b in kept])
            if kept:  # V1 kept beside its copy: each entry is V1 by its own image, not by the file's
                images = self._v1_image_spans()
                for cl in self._lines:
                    first = next((w for seg in cl.segments for w in seg.words if not is_foreign(w.span)), None)
                    entry = next((b for b, _ in self._units() if first is not None
                                  and b.span.start <= first.start < b.span.end), None)
                    if entry is not None and not cl.report_only:
                        cl.v1 = any(entry.span.start <= a < entry.span.end for a in images) or \
                            (cl.binary is not None and C.is_v1_binary(cl.binary.value))
        return self._lines

    def images_run_by_v1(self) -> list[tuple[Span, str, str]]:
        return self.v1_run_images

    def mark_triton(self, path: tuple[str, ...]) -> None:
        """The values under ``path`` are a server's (a subchart's key in its parent's values: set by the
        chart), whatever the rest of the file holds."""
        node = self.lookup(path) if path else None
        if node is not None and id(node) not in self.triton_nodes:
            self.triton_nodes |= {id(n) for n in Y.walk(node, set())}
            self._regions = None

    def mark_triton_nodes(self, nodes: set[int]) -> None:
        """The values of ``nodes`` (ids) are read by a Triton server's container of the chart (set by the chart): the
        server's, whatever the rest of the file holds."""
        if not nodes <= self.triton_nodes:
            self.triton_nodes |= nodes
            self._regions = None

    def mark_other_app(self, nodes: set[int]) -> None:
        """The values of ``nodes`` (ids) are read by the chart's templates only in containers that run no Triton server
        (set by the chart): another application's, never the server's context, whatever the file holds."""
        if not nodes <= self.other_app_nodes:
            self.other_app_nodes |= nodes
            self._regions = None
            self._lines = None

    def lookup(self, path: tuple[str, ...]) -> Node | None:
        """The node at a values path (``("image", "tag")``), through mappings."""
        node: Node | None = self.src.docs[0] if self.src.docs else None
        for key in path:
            node = Y.get(node, key) if isinstance(node, MappingNode) else None
            if node is None:
                return None
        return node

    def lookup_each(self, path: tuple[str, ...]) -> list[Node]:
        """Every node a values path reaches when ``"[]"`` in it stands for each item of a list a template ranges over
        (``("servers", "[]", "extraArgs")``: the ``extraArgs`` of every server), through mappings and lists."""
        nodes: list[Node] = [self.src.docs[0]] if self.src.docs else []
        for key in path:
            if key == "[]":
                nodes = [item for n in nodes if isinstance(n, SequenceNode) for item in n.value]
            else:
                nodes = [v for n in nodes if isinstance(n, MappingNode) and (v := Y.get(n, key)) is not None]
        return nodes

    def mark_per_item(self, nodes: list[Node]) -> None:
        """The lists at and below ``nodes`` are read by a chart's container for each item of a list it ranges over (set
        by the chart): each is part of that templated container's line, never a server line of its own."""
        seen: set[int] = set()
        for n in nodes:
            for m in Y.walk(n, seen):
                if isinstance(m, SequenceNode):
                    self.per_item.add(id(m))
        self._lines = None

    def split_images_at(self, path: tuple[str, ...]) -> list[ImageKeys]:
        """The repository/tag images of the mapping at ``path``."""
        m = self.lookup(path)
        return [ik for ik in self._split if isinstance(ik, ValuesImageKeys) and Y.get(m, "repository") is ik.repo
                or Y.get(m, "image") is ik.repo] if isinstance(m, MappingNode) else []

    def list_segment(self, node: Node) -> Segment | None:
        """A list of strings as the words of a command line."""
        return self.segment(node)

    def _lines_of(self, entry: Segment | None, cmd: Segment | None) -> list[CommandLine]:
        if entry is None and cmd is None:
            return []
        if entry is None and cmd is not None and C.server_word(cmd.words) is None and not self._options_only(cmd):
            return []
        return S.server_lines(self.src, entry, cmd, self.v1, {})

    @staticmethod
    def _options_only(seg: Segment) -> bool:
        """Every option word names a server option (a list of some other program's flags is not Triton's)."""
        names = [w.value[2:].split("=", 1)[0] for w in seg.words if w.value.startswith("--")]
        return bool(names) and seg.words[0].value.startswith("--") and all(n in _OPTION_NAMES for n in names)

    # --- sites ------------------------------------------------------------------------------------
    def split_images(self) -> list[ImageKeys]:
        return [ik for ik in self._split if id(ik) not in self.unpaired] + list(self.lone_tags) + list(self.lone_repos)

    def env_definitions(self) -> list[tuple[str, Span]]:
        out = []
        for node in self._env_name_nodes().values():
            sc = self.src.scalar(node)
            out.append((str(node.value), Span(sc.start, sc.end)))
        return out

    def port_sites(self) -> list[PortSites]:
        """Every probe port, ports list and ``*health*`` key of the file (values have no containers:
        whatever the templates make of them, they belong to every server line of the file), but those that
        only other applications' containers read (``mark_other_app``)."""
        sites = PortSites(None, style="values", port_names=dict(self.port_names))
        for m in self._mappings():
            for key, seq in Y.items(m):
                if _is_ports(key) and isinstance(seq, SequenceNode) and id(seq) not in self.other_app_nodes:
                    sites.lists.append(PortList("values", "ports list", [self._port_entry(seq, item) for item in seq.value]))
                elif _is_ports(key) and isinstance(seq, MappingNode) and id(seq) not in self.other_app_nodes:
                    # ``ports: {http: 8000, health: 8005}``, which a template makes the container's named ports
                    # (``range $name, $port := .Values.ports``): a probe here may name one
                    for k, v in Y.items(seq):
                        name = Y.key_of(k)
                        if name and isinstance(v, ScalarNode) and str(v.value).isdigit():
                            sites.port_names.setdefault(name, str(v.value))
        for m in self._mappings():
            # a probe under any key (``liveness:`` that a template writes as the container's livenessProbe): its
            # ``httpGet``/``tcpSocket`` handler says what it is
            for key, v in Y.items(m):
                probe = Y.key_of(key) or ""
                for handler in ("httpGet", "tcpSocket"):
                    port = Y.get(Y.get(v, handler), "port")
                    if isinstance(port, ScalarNode) and id(port) not in self.other_app_nodes:
                        sc = self.src.scalar(port)
                        sites.probes.append(ProbePort(probe, str(port.value), Span(sc.start, sc.end), sc.quote))
        for m in self._mappings():
            for key, v in Y.items(m):
                k = Y.key_of(key) or ""
                if "health" in k.lower() and isinstance(v, ScalarNode) and id(v) not in self.other_app_nodes:
                    sc = self.src.scalar(v)
                    sites.health_keys.append(HealthKey(k, str(v.value), Span(sc.start, sc.end)))
        return [sites]

    def _port_entry(self, seq: SequenceNode, item: Node) -> PortEntry:
        name = Y.get(item, "name")
        return PortEntry(_port_of(item), Span(item.start_index, Y.node_end(self.src, item)),
                         lambda: [Q.delete_item(self.src, seq, item)],
                         name=str(name.value) if isinstance(name, ScalarNode) else None, targets=frozenset(_targets(item)))

    # --- side by side -----------------------------------------------------------------------------
    def blocks(self) -> list[Block]:
        """Each top-level entry whose value is a mapping: V1 when a V1 image or server command line
        stands in it. V1 written at the top level itself (``image:`` beside the chart's other
        settings) is one release of the chart: no entry can be copied, the whole file is refused."""
        if not self.src.docs or not isinstance(self.src.docs[0], MappingNode):
            return []
        root = self.src.docs[0]
        v1_spans = self._v1_spans()
        own_images = self._v1_image_spans()
        # V1 this file holds only in part: a tag whose repository another values file sets, a server
        # line a chart's template writes words of its own into
        partial = [t.tag_span.start for t in self.lone_tags if _lone_v1(t)] + [
            t.repo_span.start for t in self.lone_repos if _lone_v1(t)] + [
            w.start for cl in self.linked if cl.v1 and _foreign_words(cl) for w in _own_words(cl)[:1]]
        out: list[Block] = []
        for b, v in self._units():
            if not b.kept and not self._is_subchart_entry(b.name, v):
                continue

            def inside(offsets: list[int], b: Block = b) -> bool:
                return any(b.span.start <= a < b.span.end for a in offsets)

            b.v1 = inside(v1_spans) or inside(partial)
            if b.v1 and not b.kept and not b.refusal and (inside(partial) or not inside(own_images)):
                b.refusal = ("its server's image or command line is set outside it (by the subchart's own values or "
                             "templates), so a copy of the entry alone would not be V2: install the chart a second "
                             "time with migrated values instead")
            b.shared = B.shared_spans(self.src, v, b.span)
            out.append(b)
        loose = [a for a in v1_spans if not any(b.span.start <= a < b.span.end for b in out)]
        if loose:
            first = root.start_index
            whole = Block("", "values file", Span(self.text.rfind("\n", 0, first) + 1, len(self.text)), first, (0,),
                          v1=True, refusal="the V1 server is configured at the top level of the values (one release "
                          "of the chart): install the chart a second time with migrated values instead")
            return [whole]
        return out

    def _is_subchart_entry(self, key: str, value: MappingNode) -> bool:
        """Whether a top-level entry holds a subchart's values (an umbrella chart's): inside a chart,
        one its ``Chart.yaml`` or ``charts/`` names; elsewhere, any mapping but an image's own
        (``image: {repository: ..., tag: ...}`` configures the chart itself)."""
        if self.subchart_keys is not None:
            return key in self.subchart_keys
        return not isinstance(Y.get(value, "repository"), ScalarNode)

    def _units(self) -> list[tuple[Block, MappingNode]]:
        """Each top-level entry whose value is a mapping, as a unit of lines."""
        if self._unit_blocks is None:
            self._unit_blocks = []
            root = self.src.docs[0] if self.src.docs else None
            for k, v in root.value if isinstance(root, MappingNode) else ():
                if isinstance(k, ScalarNode) and isinstance(v, MappingNode) and k.value != "<<":
                    b = B.block(self.src, str(k.value), "values entry", k.start_index, v, (0, str(k.value)))
                    self._unit_blocks.append((b, v))
        return self._unit_blocks

    def _v1_spans(self) -> list[int]:
        """Where V1 images and V1 server command lines start."""
        out = self._v1_image_spans()
        for cl in self.command_lines():
            if cl.v1:
                out += [w.start for w in _own_words(cl)[:1]]
        return out

    def _v1_image_spans(self) -> list[int]:
        """Where V1 images start."""
        out = [ik.repo_span.start for ik in self._split if self._split_info(ik).v1 and not self._split_info(ik).sdk]
        Y.mark_keys(self.src)
        for node in self.src.nodes():
            if isinstance(node, ScalarNode) and not node.is_key and isinstance(node.value, str) and \
                    (node.parent_key or "").lower().endswith("image"):
                info = facts.classify(node.value)
                if info.v1 and not info.sdk:
                    out.append(self.src.scalar(node).start)
        return out

    # --- GPUs ---------------------------------------------------------------------------------
    def gpu_requests(self) -> list[tuple[str, Span]]:
        """``nvidia.com/gpu`` keys of a Triton chart's values (whatever resources they sit in)."""
        if not self.triton:
            return []
        out = []
        for node in self.src.nodes():
            if isinstance(node, MappingNode):
                out += [("nvidia.com/gpu", Span(k.start_index, Y.node_end(self.src, v))) for k, v in node.value
                        if Y.key_of(k) == "nvidia.com/gpu"]
        return out

    # --- verification -------------------------------------------------------------------------
    def same_structure(self, new: "HelmValuesDoc") -> str | None:
        ports = frozenset(Y.key_of(k) or "" for m in self._mappings() for k, _v in Y.items(m) if _is_ports(k))
        return Y.same_structure(self.src, new.src, EDITABLE | ports, RETYPABLE, S.line_words(self.command_lines()))


def _port_of(item: Node) -> str | None:
    """The port number an entry of a ports list publishes (a container's, or a Service's own)."""
    for key in ("containerPort", "port"):
        v = Y.get(item, key)
        if isinstance(v, ScalarNode):
            return str(v.value)
    return None


def _targets(item: Node) -> set[str]:
    return {str(v.value) for v in (Y.get(item, k) for k in ("containerPort", "port", "targetPort"))
            if isinstance(v, ScalarNode)}


def _is_ports(key: Node) -> bool:
    return (Y.key_of(key) or "").lower().endswith("ports")


def _render_tag(value: str, sc: Y.Scalar) -> str:
    """The new tag written like the old one: its quotes kept, and quoted when plain would not read
    as a string (``20.10``)."""
    if sc.quote:
        return Q.render(value, sc.quote, sc.flow)
    if Q.is_plain_safe(value, sc.flow) and Y.reads_as_str(value):
        return value
    return Q.double_quoted(value)


def _own_words(cl: CommandLine) -> list:
    """The words of ``cl`` written in this file (a line a chart's template makes of a values list
    starts with the template's words, at foreign offsets)."""
    return [w for seg in cl.segments for w in seg.words if not is_foreign(w.span)]


def _foreign_words(cl: CommandLine) -> bool:
    return any(is_foreign(w.span) for seg in cl.segments for w in seg.words) or \
        (cl.binary is not None and is_foreign(cl.binary.span))


def _lone_v1(t: ImageKeys) -> bool:
    info = facts.classify(f"{t.repo_value}:{t.tag_value}")  # type: ignore[attr-defined]
    return info.v1 and not info.sdk


def server_argv(doc: HelmValuesDoc) -> list[list[str]]:
    out = []
    for cl in doc.command_lines():
        if cl.report_only:
            continue  # a V1 line kept beside its V2 copy (keep-v1)
        binary = C.argv0(cl)
        out.append([binary] + [w.value.replace("$$", "$") for w, _ in cl.args() if not w.is_whole_expansion])
    return out


def flat_values(path: str) -> dict[str, str]:
    """The string values of a Helm values file by dotted path (``image: {tag: x}`` -> ``image.tag``); empty
    when it does not read as a mapping."""
    return {k: v for k, v in _flat(path).items() if isinstance(v, str)}


def flat_lists(path: str) -> dict[str, list[str]]:
    """The lists of strings of a Helm values file by dotted path (``extraArgs: [--log-verbose=0]``): a list given
    with ``-f`` replaces the chart's own whole."""
    return {k: v for k, v in _flat(path).items() if isinstance(v, list)}


def list_values(path: str, span: Span, chart: str, given: set[str]) -> list:
    """The lists of strings of a values file outside a chart that a release gives it (``-f prod.yaml``), as values
    given from outside (``sites.ChartValue``) at ``span``, where the release names the file; not the keys of
    ``given`` (a ``--set`` of the same key wins)."""
    return [ChartValue(k, " ".join(v), span, chart, False, None, os.path.relpath(path), tuple((x, span) for x in v))
            for k, v in flat_lists(path).items() if k not in given]


def _flat(path: str) -> dict:
    try:
        import yaml

        from ..atomic import read_regular  # never a FIFO, socket or device

        data = yaml.safe_load(read_regular(path, 1 << 20)[0])
    except Exception:  # noqa: BLE001 - a file that does not read gives nothing
        return {}
    out: dict = {}

    def walk(node, prefix: str) -> None:
        for k, v in node.items() if isinstance(node, dict) else ():
            if isinstance(v, dict):
                walk(v, f"{prefix}{k}.")
            elif isinstance(v, str) or isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                out[f"{prefix}{k}"] = v

    walk(data, "")
    return out
