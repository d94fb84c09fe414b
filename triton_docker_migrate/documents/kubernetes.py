"""Kubernetes manifests (YAML, multi-document, or JSON) -> Document.

Containers are found wherever a ``containers``/``initContainers`` list stands (Pods, workload
templates, CronJobs, Lists, OpenShift Templates). A container is Triton when its image is a
server image or its ``command``/``args`` run the server. ``command`` replaces the image's
entrypoint and ``args`` its CMD: the server line spans both, and no word ever moves between them.
A removed health port is followed through the container's probes and ports and the Services of the
same file that select its pods.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..rules import argv
from ..documents.sites import CommandLine, Segment
from ..model import Edit, Finding, Fix, ProcessingError, Severity, Span
from ..rules import env, images
from ..rules.endpoints import health_port_message
from . import commands as C
from ..syntax import yamlsrc as Y
from . import yamlsites as S
from ..syntax import yamlquote as Q
from ..documents.base import Document
from ..documents.sites import CommandSite, Region
from ..rules.context import Context
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode, SequenceNode

CONTAINER_KEYS = ("containers", "initContainers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
#: lists an edit may shorten or lengthen, and keys whose value may turn from a port name to a number
EDITABLE = frozenset({"command", "args", "ports"})
RETYPABLE = frozenset({"port", "targetPort"})
_K8S_VAR = re.compile(r"(?<!\$)(?:\$\$)*\$\(\w+\)")


@dataclass
class Container:
    node: MappingNode
    name: str
    labels: dict[str, str]  #: labels of the pod (template) it runs in
    image: str = ""
    triton: bool = False
    v1: bool = False
    owned: set[int] = field(default_factory=set)


class KubernetesDoc(Document):
    kind = "kubernetes"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.src = Y.load(text)
        self.is_json = text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
        self._parent: dict[int, MappingNode] = {}
        self._segments: dict[tuple[int, str], Segment | None] = {}
        self._lines: list[tuple[CommandLine, Container]] | None = None
        self._services: list[tuple[MappingNode, list[tuple[str, str]]]] | None = None
        self.objects = [n for n in self.src.nodes() if isinstance(n, MappingNode)
                        and isinstance(Y.get(n, "apiVersion"), ScalarNode) and isinstance(Y.get(n, "kind"), ScalarNode)]
        self.containers = self._find_containers()

    # --- structure ----------------------------------------------------------------------------
    def _find_containers(self) -> list[Container]:
        out: list[Container] = []
        for node in self.src.nodes():
            if isinstance(node, MappingNode):
                for _k, v in node.value:
                    if isinstance(v, MappingNode):
                        self._parent.setdefault(id(v), node)
        for pod in list(self.src.nodes()):
            if not isinstance(pod, MappingNode):
                continue
            for key in CONTAINER_KEYS:
                seq = Y.get(pod, key)
                if not isinstance(seq, SequenceNode):
                    continue
                for item in seq.value:
                    if isinstance(item, MappingNode) and (Y.get(item, "image") is not None or Y.get(item, "name")):
                        out.append(self._container(item, pod))
        return out

    def _container(self, node: MappingNode, pod: MappingNode) -> Container:
        name = Y.get(node, "name")
        labels: dict[str, str] = {}
        holder = self._parent.get(id(pod))
        for k, v in Y.items(Y.get(Y.get(holder, "metadata"), "labels")):
            if isinstance(k, ScalarNode) and isinstance(v, ScalarNode):
                labels[str(k.value)] = str(v.value)
        c = Container(node, str(name.value) if isinstance(name, ScalarNode) else "", labels)
        image = Y.get(node, "image")
        if isinstance(image, ScalarNode) and isinstance(image.value, str):
            c.image = image.value
            info = images.classify(image.value)
            c.triton, c.v1 = info.triton and not info.sdk, info.v1 and not info.sdk
        for seg in (self.segment(node, "command"), self.segment(node, "args")):
            server = C.server_word(seg.words) if seg is not None else None
            if server is not None:
                c.triton, c.v1 = True, c.v1 or C.is_v1_binary(server.value)
        if not c.triton and any(C.server_word(site.words) for site in
                                S.nested_sites(self.src, self._argv(node), self.text, False)):
            c.triton = True
        c.owned = Y.reachable(node)
        return c

    def segment(self, container: MappingNode, key: str) -> Segment | None:
        node = Y.get(container, key)
        if node is None:
            return None
        ck = (id(node), key)
        if ck not in self._segments:
            self._segments[ck] = S.segment(self.src, node, key, dynamic_re=_K8S_VAR) \
                if isinstance(node, SequenceNode) else None
        return self._segments[ck]

    def _argv(self, container: MappingNode) -> list[Segment | None]:
        return [self.segment(container, "command"), self.segment(container, "args")]

    def services(self) -> list[tuple[MappingNode, list[tuple[str, str]]]]:
        """Service objects with their selector's label pairs."""
        if self._services is None:
            self._services = []
            for o in self.objects:
                if Y.get(o, "kind").value == "Service":  # type: ignore[union-attr]
                    selector = Y.get(Y.get(o, "spec"), "selector")
                    pairs = [(str(k.value), str(v.value)) for k, v in Y.items(selector)
                             if isinstance(k, ScalarNode) and isinstance(v, ScalarNode)]
                    self._services.append((o, pairs))
        return self._services

    def selecting(self, c: Container) -> list[MappingNode]:
        """The Services of this file whose selector picks the container's pods."""
        return [svc for svc, pairs in self.services() if pairs and all(c.labels.get(k) == v for k, v in pairs)]

    def _triton_nodes(self) -> set[int]:
        out: set[int] = set()
        for c in self.containers:
            if c.triton:
                out |= c.owned
                for svc in self.selecting(c):
                    out |= Y.reachable(svc)
        return out

    # --- sites --------------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        triton = self._triton_nodes()
        out: list[Region] = []
        for node, sc, key in Y.string_values(self.src, self._env_name_nodes()):
            out.append(Region(sc.value, offsets=sc.offsets, triton=id(node) in triton,
                              shell=key in ("command", "args"), image_context=key == "image", label=key))
        return out

    def _env_name_nodes(self) -> dict[int, ScalarNode]:
        """The ``name`` of each ``env`` entry: a variable being defined, not a value."""
        return Y.env_name_nodes(c.node for c in self.containers)

    def commands(self) -> list[CommandSite]:
        sites: list[CommandSite] = []
        for c in self.containers:
            groups = [self._argv(c.node)]
            for probe in PROBES:
                cmd = Y.get(Y.get(Y.get(c.node, probe), "exec"), "command")
                if isinstance(cmd, SequenceNode):
                    groups.append([S.segment(self.src, cmd, probe, dynamic_re=_K8S_VAR)])
            for segs in groups:
                sites += [CommandSite(s.words, s, c.triton, self.text) for s in segs if s is not None]
                sites += S.nested_sites(self.src, segs, self.text, c.triton)
        return S.unique_sites(sites)

    def command_lines(self) -> list[CommandLine]:
        return [cl for cl, _ in self._server_lines()]

    def _server_lines(self) -> list[tuple[CommandLine, Container]]:
        if self._lines is None:
            found: dict[tuple, tuple[CommandLine, Container]] = {}
            for c in self.containers:
                if not c.triton:
                    continue
                for cl in S.server_lines(self.src, *self._argv(c.node), c.v1, {"container": c.name}):
                    found.setdefault(tuple(id(w) for seg in cl.segments for w in seg.words), (cl, c))
            self._lines = list(found.values())
        return self._lines

    # --- follow-through -----------------------------------------------------------------------
    def follow_through(self, ctx: Context, target: object) -> list[Finding]:
        """Probes, container ports and selecting Services of a removed ``--http-health-port``."""
        out: list[Finding] = []
        for cl, c in self._server_lines():
            res = argv.transform(cl, target)  # type: ignore[arg-type]
            if not res.health_port:
                continue
            health, http = res.health_port, res.http_port
            ports = self._container_ports(c)
            health_names = {n for n, p in ports.items() if p == health and not n.isdigit()}
            http_name = next((n for n, p in ports.items() if p == http and not n.isdigit()), None)
            out.extend(self._probes(c, health, health_names, http, http_name))
            seq = Y.get(c.node, "ports")
            if isinstance(seq, SequenceNode):
                out.extend(self._drop_ports(seq, "containerPort", health, set(), http,
                                            f"container {c.name or '?'} ports"))
            for svc in self.selecting(c):
                sports = Y.get(Y.get(svc, "spec"), "ports")
                if isinstance(sports, SequenceNode):
                    name = Y.get(Y.get(svc, "metadata"), "name")
                    out.extend(self._drop_ports(sports, "targetPort", health, health_names, http,
                                                f"Service {getattr(name, 'value', '?')} ports"))
        return out

    def _container_ports(self, c: Container) -> dict[str, str]:
        """Port name (or the number itself) -> containerPort."""
        out: dict[str, str] = {}
        seq = Y.get(c.node, "ports")
        for item in seq.value if isinstance(seq, SequenceNode) else []:
            port = Y.get(item, "containerPort")
            if isinstance(port, ScalarNode):
                name = Y.get(item, "name")
                out[str(port.value)] = str(port.value)
                if isinstance(name, ScalarNode):
                    out[str(name.value)] = str(port.value)
        return out

    def _probes(self, c: Container, health: str, names: set[str], http: str, http_name: str | None) -> list[Finding]:
        out = []
        for probe in PROBES:
            for handler in ("httpGet", "tcpSocket"):
                port = Y.get(Y.get(Y.get(c.node, probe), handler), "port")
                if not isinstance(port, ScalarNode):
                    continue
                value = str(port.value)
                if value != health and value not in names:
                    continue
                sc = self.src.scalar(port)
                new = http_name if value in names and http_name else http
                raw = f"{sc.quote}{new}{sc.quote}" if sc.quote and not new.isdigit() else new
                span = Span(sc.start, sc.end)
                out.append(Finding(
                    "TDM406", span, f"{probe} used port {value}{'' if value == health else f' ({health})'}, the "
                    f"V1 health port (--http-health-port); V2 serves health on the HTTP port {http}", Severity.INFO,
                    Fix.of(f"Probe port {new}", Edit(span, raw))))
        return out

    def _drop_ports(self, seq: SequenceNode, key: str, health: str, names: set[str], http: str,
                    where: str) -> list[Finding]:
        """Entries of ``seq`` that published only the health port: removed when others stay."""
        def target(item: Node) -> str | None:
            t = Y.get(item, key)
            if t is None and key == "targetPort":
                t = Y.get(item, "port")
            return str(t.value) if isinstance(t, ScalarNode) else None

        hits = [item for item in seq.value if target(item) == health or target(item) in names]
        out = []
        for item in hits:
            span = Span(item.start_mark.index, Y.node_end(self.src, item))
            msg = health_port_message(health, http)
            if len(hits) < len(seq.value):
                out.append(Finding("TDM406", span, f"{msg}; removed from the {where}", Severity.WARNING,
                                   Fix.of(f"Remove port {health}", Q.delete_item(self.src, seq, item))))
            else:
                out.append(Finding("TDM406", span, f"{msg}: publish the HTTP port instead", Severity.WARNING,
                                   suggestion=f"{key}: {http}"))
        return out

    # --- kind-specific findings ---------------------------------------------------------------
    def kind_findings(self, ctx: Context, target: object) -> list[Finding]:
        out: list[Finding] = []
        for node in self._env_name_nodes().values():
            sc = self.src.scalar(node)
            f = env.defined_here(str(node.value), Span(sc.start, sc.end))
            if f is not None:
                out.append(f)
        return out

    def annotate(self, findings: list[Finding]) -> list[Finding]:
        """``$(TENSORRT_SERVER_VERSION)`` names a variable of the container's ``env``, not of the image:
        reported, not renamed."""
        for f in findings:
            if f.rule == "TDM501" and f.fix is not None and f.span is not None \
                    and self.text[max(0, f.span.start - 2):f.span.start] == "$(":
                f.suggestion = " ".join(e.content for e in f.fix.edits)
                f.fix = None
                f.severity = Severity.WARNING
                f.message += "; $(...) reads the container's env list, where this name is defined: rename both"
        return findings

    # --- verification -------------------------------------------------------------------------
    def same_structure(self, new: "KubernetesDoc") -> str | None:
        if self.is_json:
            try:
                json.loads(new.text.lstrip("\ufeff"))
            except ValueError as e:
                return f"the migrated file is not JSON any more ({e})"
        return Y.same_structure(self.src, new.src, EDITABLE, RETYPABLE)


def server_argv(doc: KubernetesDoc) -> list[list[str]]:
    """The argv (binary and options) of each Triton container's server command line, decoded;
    ``$(VAR)`` words that expand to runtime arguments are left out."""
    out = []
    for cl in doc.command_lines():
        binary = cl.binary.value if cl.binary is not None else "tritonserver"
        out.append([binary] + [w.value.replace("$$", "$") for w, _ in cl.args() if not w.is_whole_expansion])
    return out


def build(path: str, text: str) -> Document:
    """A manifest; a template that is not YAML until rendered (``{{ }}``) is reported, not edited."""
    try:
        return KubernetesDoc(path, text)
    except ProcessingError:
        if re.search(r"\{\{|\{%", text):
            from .text import TextDoc

            return TextDoc(path, text, "kubernetes")
        raise
