"""Kubernetes manifests (YAML, multi-document, or JSON) -> Document.

Containers are found wherever a ``containers``/``initContainers`` list stands (Pods, workload
templates, CronJobs, Lists, OpenShift Templates), and in workflow engines' templates (Argo
``container``/``script``/``sidecars``, Tekton ``steps``/``sidecars``) when they name an image. A container is Triton when its image is a
server image or its ``command``/``args`` run the server. ``command`` replaces the image's
entrypoint and ``args`` its CMD: the server line spans both, and no word ever moves between them.
A removed health port is followed through the container's probes and ports and the Services of the
same file that select its pods.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from array import array
from dataclasses import dataclass, field, replace

from .. import evidence, facts
from ..selectors import Labelled, Selectors
from ..model import Edit, ProcessingError, Span
from ..syntax import yamlquote as Q
from ..syntax import yamlsrc as Y
from ..syntax.quoting import FieldSyntax
from ..syntax.shellwords import Word
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode, SequenceNode
from . import commands as C
from . import held as H
from . import yamlblocks as B
from . import yamlsites as S
from . import yamlscripts as YS
from .base import Document, repository_tag_pairs, used_only_as_image_tag
from ..charts import is_values_member
from .helmvalues import ValuesImageKeys, flat_values, list_values
from .sites import (without_shell_comments, Block, BuildArgument, BuildSite, ChartValue, CheckSite, CommandLine, CommandSite, ContainerSite, line_key, ForwardSite, ImageKeys, Mount,
                    PatchFileSite, PodSite, PolicyPorts, PolicySite, PortEntry, PortList, PortSites, PortValue, ProbePort,
                    Region, RouteSite, Segment, ServicePort, ServiceSite, Topology)

CONTAINER_KEYS = ("containers", "initContainers", "ephemeralContainers")
#: lists of containers of workflow engines, read when their items name an image (Argo ``sidecars``,
#: Tekton ``steps``/``sidecars``; Argo's own ``steps`` are lists of template calls, without one)
IMAGE_LIST_KEYS = ("sidecars", "steps")
#: one container (Argo templates: ``container``, ``script``), read when it names an image
CONTAINER_KEY_ONE = ("container", "script")
_POD_KEYS = frozenset(CONTAINER_KEYS + IMAGE_LIST_KEYS + CONTAINER_KEY_ONE)
#: the keys of an Argo template that runs a pod (a container, a script, a container set)
_TEMPLATE_KEYS = frozenset(CONTAINER_KEY_ONE + ("containerSet",))
ROUTE_KINDS = frozenset({"Ingress", "VirtualService", "HTTPRoute", "DestinationRule", "GRPCRoute"})
#: keys whose value names where a route sends requests (a Service, a host)
ROUTE_HOST_KEYS = frozenset({"host", "name", "serviceName"})

#: the label Knative gives the pods of a Knative Service (its name)
_KNATIVE_LABEL = "serving.knative.dev/service"


def _knative_service(o: Node) -> bool:
    api = Y.get(o, "apiVersion")
    return Y.get(o, "kind").value == "Service" and isinstance(api, ScalarNode) \
        and str(api.value).startswith("serving.knative.dev/")  # type: ignore[union-attr]


def route_kind(o: Node) -> str | None:
    """The kind of a route object (``ROUTE_KINDS``), or of an OpenShift ``Route`` (``route.openshift.io``: one
    path to a Service; Knative's ``Route`` is another object), or None."""
    kind = str(Y.get(o, "kind").value)  # type: ignore[union-attr]
    if kind in ROUTE_KINDS:
        return kind
    api = Y.get(o, "apiVersion")
    if kind == "Route" and isinstance(api, ScalarNode) and str(api.value).startswith("route.openshift.io/"):
        return kind
    return None

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
#: the health checks of an App Engine flexible ``app.yaml`` that name a request path
APP_ENGINE_CHECKS = ("readiness_check", "liveness_check")
#: lists an edit may shorten or lengthen, and keys whose value may turn from a port name to a number
EDITABLE = frozenset({"command", "args", "ports"})
RETYPABLE = frozenset({"port", "targetPort"})
#: ``$(NAME)`` as a whole word
_K8S_REF = re.compile(r"^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$")
_K8S_VAR = re.compile(r"(?<!\$)(?:\$\$)*\$\(\w+\)")


#: an OpenShift Template parameter: ``${NAME}`` (a string) or ``${{NAME}}`` (the value as YAML)
_PARAMETER = re.compile(r"\$\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

class _KustomizeImage(ValuesImageKeys):
    """A Kustomization ``images:`` entry: ``newName`` (or ``name``) and ``newTag``."""

    name: ValuesImageKeys | None = None  #: the ``name`` the transformer matches, beside ``newName``
    #: a resource of the Kustomization fetched from elsewhere (a remote base): what the image is set for
    remote_resources: str = ""
    #: no ``newName``: the entry's repository is the ``name`` the manifests' images are matched by (renamed with them)
    by_name: bool = False

    def rename_others(self, name: str) -> list[Edit]:
        edit = self.name.rename_repo(name) if self.name is not None else None
        return [edit] if edit is not None else []


@dataclass
class Container:
    node: MappingNode
    name: str
    labels: dict[str, str]  #: labels of the pod (template) it runs in
    image: str = ""
    triton: bool = False
    v1: bool = False
    owned: set[int] = field(default_factory=set)
    pod: MappingNode | None = None  #: the pod spec that lists it (its ``volumes``)
    v1_arguments: str = ""  #: a V1 server only by its arguments (see ``CommandLine.v1_arguments``)
    #: its options alone go to an image the run builds from a V1 server's Dockerfile (``commands.BuiltServer``)
    built: object = None
    #: it runs a ConfigMap's script that starts the V1 server (``run_mounted_scripts``): the script's key
    v1_script: str = ""
    #: why its ``trtserver`` is a program of its own (``commands.own_program``): held, never edited
    own: str = ""


class KubernetesDoc(Document):
    _regions: list[Region] | None = None
    kind = "kubernetes"
    variable_syntax = "kubernetes"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.src = self._load(text)
        self.src.dollar_escape = True  # the kubelet reads $$ in command/args as $
        self.is_json = text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
        self._parent: dict[int, MappingNode] = {}
        self._segments: dict[tuple[int, str], Segment | None] = {}
        self._lines: list[tuple[CommandLine, Container]] | None = None
        self._services: list[tuple[MappingNode, list[tuple[str, str]]]] | None = None
        self._selectors: Selectors | None = None  #: the Services by their selectors (``selecting``)
        self.objects = [n for n in self.src.nodes() if isinstance(n, MappingNode)
                        and isinstance(Y.get(n, "apiVersion"), ScalarNode) and isinstance(Y.get(n, "kind"), ScalarNode)]
        #: kustomize's own file, which need not say apiVersion/kind: its root is a Kustomization
        self._kustomization_roots = [r for r in self.src.docs if isinstance(r, MappingNode) and Y.get(r, "kind") is None
                                     and os.path.basename(path) in ("kustomization.yaml", "kustomization.yml",
                                                                    "Kustomization")]
        self.containers = self._find_containers()
        self.run_mounted_scripts(self.server_scripts())
        self._regions: list[Region] | None = None  #: read once, after the document is known
        self._owners: dict[int, object] | None = None  #: see _owner_of
        self._object_ids: set[int] | None = None  #: see _object_of
        self._blocks: list[Block] | None = None
        self._split_images: list[ImageKeys] | None = None
        self._unit_blocks: list[tuple[MappingNode, Block]] | None = None
        self._scripts: YS.YamlScripts | None | bool = False  #: see scripts
        self._cm_data: dict | None = None  #: see _configmap_data

    def _load(self, text: str) -> Y.YamlSource:
        return Y.load(text)

    def value_of(self, node: ScalarNode) -> str:
        """A port, a port name: as written (a template: as its values set it)."""
        return str(node.value)

    # --- structure ----------------------------------------------------------------------------
    def _find_containers(self) -> list[Container]:
        out: list[Container] = []
        for node in self.src.nodes():
            if isinstance(node, MappingNode):
                for _k, v in node.value:
                    if isinstance(v, MappingNode):
                        self._parent.setdefault(id(v), node)
        for pod in list(self.src.nodes()):
            if not Y.has_any(pod, _POD_KEYS):
                continue
            for key in CONTAINER_KEYS + IMAGE_LIST_KEYS:
                seq = Y.get(pod, key)
                if not isinstance(seq, SequenceNode):
                    continue
                for item in seq.value:
                    if isinstance(item, MappingNode) and (Y.get(item, "image") is not None or (
                            key in CONTAINER_KEYS and Y.get(item, "name"))):
                        out.append(self._container(item, pod))
            for key in CONTAINER_KEY_ONE:
                one = Y.get(pod, key)
                if isinstance(one, MappingNode) and Y.get(one, "image") is not None:
                    out.append(self._container(one, pod))
        return out

    def _container(self, node: MappingNode, pod: MappingNode) -> Container:
        name = Y.get(node, "name")
        labels: dict[str, str] = {}
        holder = self._parent.get(id(pod))
        for k, v in Y.items(Y.get(Y.get(holder, "metadata"), "labels")):
            if isinstance(k, ScalarNode) and isinstance(v, ScalarNode):
                labels[str(k.value)] = str(v.value)
        c = Container(node, str(name.value) if isinstance(name, ScalarNode) else "", labels, pod=pod)
        image = Y.get(node, "image")
        v2_image = False
        if isinstance(image, ScalarNode) and isinstance(image.value, str):
            c.image = image.value
            info = facts.classify(image.value)
            c.triton, c.v1 = info.triton and not info.sdk, info.v1 and not info.sdk
            v2_image = info.triton and not info.v1
        argv = [w for seg in (self.segment(node, "command"), self.segment(node, "args")) if seg is not None
                for w in seg.words]
        for seg in (self.segment(node, "command"), self.segment(node, "args")):
            server = C.server_word(seg.words) if seg is not None else None
            if server is not None:
                c.triton, c.v1 = True, c.v1 or C.is_v1_binary(server.value)
                c.own = c.own or C.own_program(argv, c.image)
        if not c.triton and any(C.server_word(site.words) for site in
                                S.nested_sites(self.src, self._argv(node), self.text, False)):
            c.triton = True
        if not c.triton and self.segment(node, "command") is None:
            # options alone, one only the V1 server had: an image built on V1 (its entrypoint the server)
            args = self.segment(node, "args")
            words = args.words if args is not None else []
            c.v1_arguments = C.v1_arguments(words, self.v1_probes(node))
            c.triton = c.v1 = bool(c.v1_arguments)
            # options alone for the ENTRYPOINT of an image the run builds from a V1 server's Dockerfile
            c.built = C.built_server(c.image, words)
            if c.built is not None and c.built.why is None:
                c.triton = c.v1 = True
        if c.triton and not c.v1 and not v2_image and self.v1_probes(node):
            # the 20.06-v1/20.07-v1 images run a binary already called tritonserver (CONTRACT.md)
            c.v1 = True
            c.v1_arguments = c.v1_arguments or C.V1_PROBED
        c.owned = Y.reachable(node)
        return c

    def v1_probes(self, container: MappingNode) -> bool:
        """The container's probes use a V1 endpoint (``/api/health/ready``): it runs a V1 server."""
        for probe in (Y.get(container, key) for key in PROBES):
            for n in Y.walk(probe, set()) if probe is not None else ():
                if isinstance(n, ScalarNode) and isinstance(n.value, str) and facts.V1_ENDPOINT.search(n.value):
                    return True
        return False

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
        if self._selectors is None:
            self._selectors = Selectors(self.services(), lambda sp: sp[1])
        return [svc for svc, _ in self._selectors.picking(c.labels)]

    def _triton_nodes(self) -> set[int]:
        out: set[int] = set()
        side: set[int] = set()  #: a sidecar's command, environment and exec probes (``sidecar_nodes``)
        names: set[str] = set()
        by_pod: dict[int, list[Container]] = {}  # (one pass: a file of many pods is not read pod x pod)
        for c in self.containers:
            by_pod.setdefault(id(c.pod), []).append(c)
        for c in self.containers:
            if c.triton:
                out |= c.owned
                for v in self._env_from_configmaps(c):  # its environment, written in a ConfigMap
                    out |= Y.reachable(v)
                # a sidecar's command reaches the server on localhost: the same pod (CONTRACT.md); so do its
                # environment's values and its exec probes (``curl localhost:8005/api/health/ready``)
                for other in by_pod[id(c.pod)]:
                    if other is not c:
                        for key in ("command", "args", "env"):
                            seq = Y.get(other.node, key)
                            if seq is not None:
                                side |= Y.reachable(seq)
                        for key in PROBES:
                            cmd = Y.get(Y.get(Y.get(other.node, key), "exec"), "command")
                            if cmd is not None:
                                side |= Y.reachable(cmd)
                for svc in self.selecting(c):
                    out |= Y.reachable(svc)
                    name = Y.get(Y.get(svc, "metadata"), "name")
                    if isinstance(name, ScalarNode):
                        names.add(str(name.value))
        # a Helm release of a server image: the values it gives the chart are the server's
        releases = [Y.reachable(o) for o in self._releases() + self._helmfile_releases()]
        for ik in self.split_images() if releases else ():
            if facts.classify(f"{ik.repo_value.strip()}:{ik.tag_value.strip()}").triton:
                out |= next((r for r in releases if id(ik.repo) in r), set())  # type: ignore[attr-defined]
        # the Services of this file that select only other applications' pods: a route to one is theirs, whatever
        # its name reads (``inference-server`` selecting a gateway's pods)
        others: set[str] = set()
        labelled = Labelled(self.containers, lambda c: c.labels)
        for svc, pairs in self.services():
            picked = labelled.picked(pairs)
            name = self._str(Y.get(Y.get(svc, "metadata"), "name"))
            if picked and name and not any(c.triton or not c.image or "$" in c.image or "{" in c.image
                                           or facts.TRITON_HOST.search(c.image) for c in picked):
                others.add(name)
        others -= names

        def to_server(h: str) -> bool:
            first = h.split(".")[0]
            return first in names or first not in others and facts.TRITON_HOST.search(h) is not None

        for route in self._routes():
            # each rule of the route by its own backend (an Ingress path, a VirtualService's ``http`` entry, an
            # HTTPRoute rule): a route to the server makes its paths the server's, not the other rules' paths
            units = self._route_units(route)
            triton_units = [u for u in units or [route]
                            if any(to_server(str(n.value)) for n in Y.walk(u, set()) if isinstance(n, ScalarNode)
                                   and self._parent_key(u, n) in ROUTE_HOST_KEYS)]
            if units and len(triton_units) < len(units):
                for u in triton_units:
                    out |= Y.reachable(u)
            elif triton_units:
                out |= Y.reachable(route)  # a route to the server: its paths are the server's
        # the nodes of a sidecar that are the server's only through its pod's ``localhost`` (Region.sidecar)
        self.sidecar_nodes = side - out
        return out | side

    @staticmethod
    def _route_units(route: MappingNode) -> list[Node]:
        """The rules of a route object that each send requests to a backend of their own: an Ingress's paths
        (and its default backend), a VirtualService's ``http``/``tls``/``tcp`` entries, an HTTPRoute's or
        GRPCRoute's ``rules``; none for a DestinationRule (one host)."""
        spec = Y.get(route, "spec")
        kind = str(Y.get(route, "kind").value)  # type: ignore[union-attr]
        out: list[Node] = []
        if kind == "Ingress":
            for rule in _seq(Y.get(spec, "rules")):
                out += [p for p in _seq(Y.get(Y.get(rule, "http"), "paths")) if isinstance(p, MappingNode)]
            out += [b for b in (Y.get(spec, "defaultBackend"), Y.get(spec, "backend")) if b is not None]
        elif kind == "VirtualService":
            for key in ("http", "tls", "tcp"):
                out += [e for e in _seq(Y.get(spec, key)) if isinstance(e, MappingNode)]
        elif kind in ("HTTPRoute", "GRPCRoute"):
            out += [e for e in _seq(Y.get(spec, "rules")) if isinstance(e, MappingNode)]
        return out

    def _routes(self) -> list[MappingNode]:
        """Ingress, Istio VirtualService, Gateway API HTTPRoute objects: where requests are routed."""
        return [o for o in self.objects if route_kind(o) is not None]

    @staticmethod
    def _parent_key(root: Node, node: Node) -> str | None:
        for m in Y.walk(root, set()):
            if isinstance(m, MappingNode):
                for k, v in m.value:
                    if v is node:
                        return Y.key_of(k)
        return None

    # --- shell scripts held in strings ----------------------------------------------------------
    def scripts(self) -> YS.YamlScripts | None:
        """The shell scripts of the file, read by the shell reader (documents/yamlscripts.py): a
        ConfigMap's ``data:`` entry whose key ends in ``.sh``/``.bash``, whose value starts with a
        ``#!`` line naming a POSIX shell, or in which the shell reader finds a server command line
        (never ``binaryData``); a Tekton step's ``script:``; an Argo script template's ``source:``.
        A ConfigMap's script runs where a pod of this file mounts the ConfigMap: in a Triton
        container there, it is the server's (its V1 image, its ports and probes)."""
        if self._scripts is False:
            found: list[YS.Script] = []
            text = self.src.text
            mounted = self._configmap_users()
            for o in self.objects:
                if str(Y.get(o, "kind").value) != "ConfigMap":  # type: ignore[union-attr]
                    continue
                name = self._str(Y.get(Y.get(o, "metadata"), "name")) or ""
                users = mounted.get(name, [])
                triton_users = [c for c in users if c.triton]
                # the one Triton container that mounts it runs it (others may mount it for their own reasons)
                one = triton_users[0] if len(triton_users) == 1 else None
                for k, v in Y.items(Y.get(o, "data")):
                    key = Y.key_of(k) or ""
                    if not isinstance(v, ScalarNode):
                        continue
                    sc = self.src.scalar(v)
                    if not sc.is_str or not sc.value.strip() or sc.offsets is None:
                        continue
                    if not (key.endswith(YS.SCRIPT_SUFFIXES) or YS.names_a_shell(sc.value)
                            or YS.runs_server(self.path, text, self.src, sc)):
                        continue
                    found.append(YS.Script(sc, f"ConfigMap {name} {key}".replace("  ", " "), bool(triton_users),
                                           one is not None and one.v1, self._image_span(one),
                                           {"container": one.name} if one is not None else None, one, name))
            # a step's script reaches a server of its pod on localhost (a Tekton Task's sidecar, an Argo
            # template's): the same pod, a Triton context (CONTRACT.md), as the command of a sidecar is
            pods = {id(c.pod) for c in self.containers if c.triton}
            for c in self.containers:
                for key in ("script", "source"):  # Tekton steps; Argo script templates
                    node = Y.get(c.node, key)
                    if not isinstance(node, ScalarNode):
                        continue
                    sc = self.src.scalar(node)
                    if sc.is_str and sc.value.strip() and sc.offsets is not None:
                        found.append(YS.Script(sc, key, c.triton, c.v1, self._image_span(c), {"container": c.name}, c,
                                               in_triton_pod=id(c.pod) in pods))
            self._scripts = YS.YamlScripts(self.path, text, self.src, found) if found else None
            if self._scripts is not None and not self._scripts.scripts:
                self._scripts = None
        return self._scripts  # type: ignore[return-value]

    def _image_span(self, c: Container | None) -> tuple[Span, ...]:
        image = Y.get(c.node, "image") if c is not None else None
        if not isinstance(image, ScalarNode):
            return ()
        sc = self.src.scalar(image)
        return (Span(sc.start, sc.end),)

    def _configmap_data(self) -> dict[tuple[str, str], Node]:
        """(ConfigMap name, key) -> the value node of each ``data:`` entry of this file's ConfigMaps."""
        if self._cm_data is None:
            self._cm_data = {}
            for o in self.objects:
                if str(Y.get(o, "kind").value) != "ConfigMap":  # type: ignore[union-attr]
                    continue
                name = self._str(Y.get(Y.get(o, "metadata"), "name"))
                data = Y.get(o, "data")
                for k, v in data.value if isinstance(data, MappingNode) and name else []:
                    self._cm_data.setdefault((name, Y.key_of(k)), v)
        return self._cm_data

    def _configmap_env(self, o: Node) -> tuple[str, str | None, list[tuple[str, str, int]]]:
        """(name, namespace, [(key, value, line)]) of a ConfigMap's ``data`` entries whose value is one line of plain
        text."""
        data = Y.get(o, "data")
        out = []
        for k, v in data.value if isinstance(data, MappingNode) else []:
            if isinstance(k, ScalarNode) and isinstance(v, ScalarNode) and isinstance(v.value, str):
                text = v.value.strip()
                if text and "\n" not in text and "$" not in text:
                    out.append((Y.key_of(k), text, self.position(k.start_index)[0]))
        meta = Y.get(o, "metadata")
        return self._str(Y.get(meta, "name")) or "", self._str(Y.get(meta, "namespace")), out

    def _env_from_configmaps(self, c: Container) -> list[Node]:
        """The values of this file's ConfigMaps that become the container's environment: an ``env``
        entry's ``valueFrom.configMapKeyRef``, every key of an ``envFrom`` ``configMapRef``."""
        data = self._configmap_data()
        if not data:
            return []
        out = [data[key] for item in _seq(Y.get(c.node, "env")) if (key := _configmap_key(item)) in data]
        for item in _seq(Y.get(c.node, "envFrom")):
            cm = self._str(Y.get(Y.get(item, "configMapRef"), "name"))
            out += [v for (n, _k), v in data.items() if cm and n == cm]
        return out

    def server_scripts(self) -> dict[str, list[tuple[str, bool]]]:
        """ConfigMap name (as written) -> (key, whether it is V1) of each script of its ``data`` that starts the
        server (``documents/yamlscripts.runs_server``)."""
        out: dict[str, list[tuple[str, bool]]] = {}
        if "trtserver" not in self.text and "tritonserver" not in self.text:
            return out
        for o in self.objects:
            if str(Y.get(o, "kind").value) != "ConfigMap":  # type: ignore[union-attr]
                continue
            name = self._str(Y.get(Y.get(o, "metadata"), "name")) or ""
            for k, v in Y.items(Y.get(o, "data")):
                key = Y.key_of(k) or ""
                if not key or not isinstance(v, ScalarNode):
                    continue
                sc = self.src.scalar(v)
                if sc.is_str and sc.offsets is not None and YS.runs_server(self.path, self.text, self.src, sc):
                    out.setdefault(name, []).append((key, evidence.STRONG_TEXT.search(sc.value) is not None))
        return out

    def run_mounted_scripts(self, scripts: dict[str, list[tuple[str, bool]]]) -> None:
        """A container that runs a script of a ConfigMap it mounts (its command or args name the script's key:
        ``command: ["/scripts/start.sh"]``), where that script starts the server (``scripts``: this file's
        ``server_scripts``, or a chart's), is the server's, whatever its image (one built on V1 when the script
        runs ``trtserver``): its probes and ports follow."""
        if not scripts:
            return
        users = self._configmap_users()
        for name, keys in scripts.items():
            for c in users.get(name, []):
                if c.triton:
                    continue
                words = [w.value for seg in (self.segment(c.node, "command"), self.segment(c.node, "args"))
                         if seg is not None for w in seg.words]
                for key, v1 in keys:
                    if any(re.search(r"(?:^|[/\s])" + re.escape(key) + r"(?:$|\s)", w) for w in words):
                        c.triton, c.v1 = True, c.v1 or v1
                        c.v1_script = key if v1 else c.v1_script

    def _configmap_users(self) -> dict[str, list[Container]]:
        """ConfigMap name -> the containers of this file whose pod mounts it as a volume (``configMap``
        or a ``projected`` source) at one of their ``volumeMounts``."""
        out: dict[str, list[Container]] = {}
        for c in self.containers:
            vols = Y.get(c.pod, "volumes")
            names: dict[str, list[str]] = {}
            for v in vols.value if isinstance(vols, SequenceNode) else []:
                vname = self._str(Y.get(v, "name"))
                sources = [Y.get(v, "configMap")]
                projected = Y.get(Y.get(v, "projected"), "sources")
                sources += [Y.get(p, "configMap") for p in (projected.value if isinstance(projected, SequenceNode) else [])]
                for src in sources:
                    cm = self._str(Y.get(src, "name"))
                    if vname and cm:
                        names.setdefault(vname, []).append(cm)
            mounts = Y.get(c.node, "volumeMounts")
            for m in mounts.value if isinstance(mounts, SequenceNode) else []:
                for cm in names.get(self._str(Y.get(m, "name")) or "", []):
                    if c not in out.setdefault(cm, []):
                        out[cm].append(c)
        return out

    def server_configmaps(self) -> set[str]:
        """The names of this file's ConfigMaps whose script holds a server line the tool edits."""
        shell = self.scripts()
        out: set[str] = set()
        for cl in shell.command_lines() if shell is not None else ():
            w = cl.binary or next((w for seg in cl.segments for w in seg.words), None)
            s = shell.owner(w.start) if w is not None else None
            if s is not None and s.configmap and not cl.report_only:
                out.add(s.configmap)
        return out

    def mounted_configmaps(self, c: Container) -> set[str]:
        """The names of the ConfigMaps the container mounts."""
        return {name for name, users in self._configmap_users().items() if c in users}

    def _script_lines(self) -> list[tuple[CommandLine, Container | None]]:
        """The server lines of the file's scripts, each with the container that runs it (if known)."""
        shell = self.scripts()
        if shell is None:
            return []
        out = []
        for cl in shell.command_lines():
            w = cl.binary or next((w for seg in cl.segments for w in seg.words), None)
            s = shell.owner(w.start) if w is not None else None
            out.append((cl, s.container if s is not None else None))
        return out

    # --- sites --------------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        """(read once: every rule asks)"""
        if self._regions is None:
            self._regions = self._read_regions()
        return self._regions

    def tag_variable(self, name: str) -> tuple[str, Span, str] | None:
        """An OpenShift Template's parameter used only as image tags (``tensorrtserver:${TRTIS_VERSION}-py3``
        with ``parameters: [{name: TRTIS_VERSION, value: "20.02"}]``): its value and the value's span
        (``oc process -p`` may set it instead)."""
        values = [Y.get(item, "value") for o in self.objects if str(Y.get(o, "kind").value) == "Template"  # type: ignore[union-attr]
                  for item in _seq(Y.get(o, "parameters")) if isinstance(Y.get(item, "name"), ScalarNode)
                  and str(Y.get(item, "name").value) == name]  # type: ignore[union-attr]
        if len(values) != 1 or not isinstance(values[0], ScalarNode):
            return None
        sc = self.src.scalar(values[0])
        if not sc.is_str or not sc.value or not sc.is_clean() or \
                not used_only_as_image_tag([self.text], r"\$\{" + re.escape(name) + r"\}", r"\$\{" + re.escape(name) + r"\}"):
            return None
        return (sc.value, Span(sc.offsets[0], sc.offsets[-1] + 1),
                f"oc process -p {name}=... or a parameters file may set it too: set the new tag there as well")

    def held(self, value: str) -> str | None:
        """``value`` with each OpenShift Template parameter it names (``${NAME}``, ``${{NAME}}``) replaced by the
        literal the template's ``parameters`` give it (``oc process -p`` may set another: the ports judged by it
        are the ones the template was written for)."""
        if "$" not in value:
            return None
        params = self._template_parameters()
        out, k = [], 0
        for m in _PARAMETER.finditer(value):
            got = params.get(m.group(1) or m.group(2))
            if got is None:
                return None
            out += [value[k:m.start()], got]
            k = m.end()
        rest = value[k:]
        return None if "$" in rest or "`" in rest else "".join(out) + rest

    def _template_parameters(self) -> dict[str, str]:
        """The parameters of this file's OpenShift Templates that have one plain ``value`` (and no ``generate``)."""
        seen: dict[str, list[str | None]] = {}
        for o in self.objects:
            kind = Y.get(o, "kind")
            if not isinstance(kind, ScalarNode) or str(kind.value) != "Template":
                continue
            for item in _seq(Y.get(o, "parameters")):
                name, val = Y.get(item, "name"), Y.get(item, "value")
                if not isinstance(name, ScalarNode):
                    continue
                plain = isinstance(val, ScalarNode) and Y.get(item, "generate") is None and str(val.value) \
                    and "$" not in str(val.value)
                seen.setdefault(str(name.value), []).append(str(val.value) if plain else None)  # type: ignore[union-attr]
        return {n: v[0] for n, v in seen.items() if len(v) == 1 and v[0] is not None}

    def split_images(self) -> list[ImageKeys]:
        """A Kustomization's ``images:`` entries: ``name`` (or ``newName``) and ``newTag`` (the name is
        what the transformer matches in the resources, which this run migrates too); and the chart
        images of Helm release objects (``_release_images``)."""
        if self._split_images is None:
            self._split_images = []
            for o in self.objects + self._kustomization_roots:
                if o not in self._kustomization_roots and str(Y.get(o, "kind").value) != "Kustomization":  # type: ignore[union-attr]
                    continue
                images = Y.get(o, "images")
                for item in images.value if isinstance(images, SequenceNode) else ():
                    repo = Y.get(item, "newName") if isinstance(Y.get(item, "newName"), ScalarNode) else Y.get(item, "name")
                    tag = Y.get(item, "newTag")
                    if not (isinstance(repo, ScalarNode) and isinstance(repo.value, str) and isinstance(tag, ScalarNode)) \
                            or posixpath.basename(repo.value.strip()) not in ("tensorrtserver", "tritonserver"):
                        continue
                    digest = Y.get(item, "digest")
                    digest = digest if isinstance(digest, ScalarNode) and str(digest.value).strip() else None
                    ik = _KustomizeImage(self.src, repo, tag, digest)
                    ik.by_name = repo is Y.get(item, "name")
                    ik.remote_resources = next((str(r.value) for r in _seq(Y.get(o, "resources")) + _seq(Y.get(o, "bases"))
                                                if isinstance(r, ScalarNode) and _REMOTE.search(str(r.value))), "")
                    name = Y.get(item, "name")
                    if name is not repo and isinstance(name, ScalarNode) and isinstance(name.value, str) and \
                            posixpath.basename(name.value.strip()) == "tensorrtserver":
                        ik.name = ValuesImageKeys(self.src, name, None)
                    self._split_images.append(ik)
            self._split_images += self._release_images()
        return self._split_images

    def _releases(self) -> list[MappingNode]:
        """GitOps objects that install a Helm chart with values of their own: Flux's ``HelmRelease``,
        Argo CD's ``Application`` (and the template of an ``ApplicationSet``)."""
        return [o for o in self.objects if str(Y.get(o, "kind").value) in ("HelmRelease", "Application", "ApplicationSet")]  # type: ignore[union-attr]

    def _helmfile_releases(self) -> list[MappingNode]:
        """The releases of a helmfile (``releases:`` of each of its documents): a chart (``chart:``) installed with
        the values files and values (``values:``) and the single values (``set:``, ``setString:``) they give."""
        from ..kinds import is_helmfile

        if not is_helmfile(self.path):
            return []
        return [r for root in self.src.docs for r in _seq(Y.get(root, "releases")) if isinstance(r, MappingNode)]

    def charts_elsewhere(self) -> list[tuple[Span, str]]:
        """GitOps releases of a chart taken from a chart repository (Argo CD's ``source.chart``, Flux's
        ``chart.spec.chart`` from a ``HelmRepository``), a helmfile release of a chart that is no folder of the
        tree (``chart: stable/triton``): the chart's templates are never in the run."""
        out = []
        for o in self._releases():
            spec = Y.get(o, "spec")
            if str(Y.get(o, "kind").value) == "ApplicationSet":
                spec = Y.get(Y.get(spec, "template"), "spec")
            sources = [Y.get(spec, "source")] + list(getattr(Y.get(spec, "sources"), "value", None) or [])
            names = [Y.get(src, "chart") for src in sources]
            chart = Y.get(Y.get(Y.get(spec, "chart"), "spec"), "chart")
            ref = Y.get(Y.get(Y.get(spec, "chart"), "spec"), "sourceRef")
            kind = Y.get(ref, "kind")
            if chart is not None and isinstance(kind, ScalarNode) and kind.value in ("HelmRepository", "OCIRepository"):
                names.append(chart)
            named = [n.value for n in names if isinstance(n, ScalarNode) and isinstance(n.value, str)]
            if named:
                out.append((Span(o.start_index, Y.node_end(self.src, o)), f"the chart {named[0]}"))
        bases = self._bases()
        for r in self._helmfile_releases():
            chart = _plain(Y.get(r, "chart"))
            if chart is not None and _chart_at(chart, bases) is None:
                out.append((Span(r.start_index, Y.node_end(self.src, r)), f"the chart {chart}"))
        return out

    def _bases(self) -> list[str]:
        """Where a release's chart path may start: the file's folder, those above it (the repository's root, a
        GitOps source's), and where the tool runs."""
        bases = [os.path.dirname(os.path.abspath(self.path))]
        for _ in range(5):
            if os.path.dirname(bases[-1]) == bases[-1]:
                break
            bases.append(os.path.dirname(bases[-1]))
        return list(dict.fromkeys(bases + [os.getcwd()]))

    def chart_values(self) -> list[ChartValue]:
        """Values a release gives a chart of its own repository, from outside the chart: an Argo CD
        ``Application``'s ``helm.parameters``, ``helm.valuesObject`` and ``helm.values`` (a YAML string) for a chart
        at its ``source.path`` (no ``source.chart``); a Flux ``HelmRelease``'s ``spec.values`` for a chart path of a
        ``GitRepository`` or ``Bucket`` source; a helmfile release's ``set``/``setString`` and inline ``values`` for
        a chart path. The chart is read from the file's folder or those above it (the repository's root), or where
        the tool runs. A values file the release names outside the chart (Argo CD's ``valueFiles``, Flux's
        ``valuesFiles``, a helmfile's ``values:`` paths) is reported where the release names it."""
        out = []
        bases = self._bases()
        for o in self._releases():
            spec = Y.get(o, "spec")
            kind = str(Y.get(o, "kind").value)  # type: ignore[union-attr]
            if kind == "Application":
                for src in [Y.get(spec, "source")] + _seq(Y.get(spec, "sources")):
                    path = Y.get(src, "path") if isinstance(src, MappingNode) else None
                    if not isinstance(path, ScalarNode) or not isinstance(path.value, str) or Y.get(src, "chart") is not None:
                        continue
                    found = _chart_at(path.value, bases)
                    if found is None:
                        continue
                    helm = Y.get(src, "helm")
                    # parameters win over ``valuesObject``, which wins over ``values``
                    given = self._given_pairs(Y.get(helm, "parameters")) + self._given_tree(Y.get(helm, "valuesObject")) \
                        + self._given_string(Y.get(helm, "values"))
                    out += self._chart_values(found[1], given, [(n, found[1]) for n in _seq(Y.get(helm, "valueFiles"))])
            elif kind == "HelmRelease":
                chart_spec = Y.get(Y.get(spec, "chart"), "spec")
                chart = _plain(Y.get(chart_spec, "chart"))
                if chart is None or _plain(Y.get(Y.get(chart_spec, "sourceRef"), "kind")) not in ("GitRepository", "Bucket"):
                    continue
                found = _chart_at(chart, bases)
                if found is not None:  # values files: paths in the source, as the chart's
                    out += self._chart_values(found[1], self._given_tree(Y.get(spec, "values")),
                                              [(n, found[0]) for n in _seq(Y.get(chart_spec, "valuesFiles"))])
        for r in self._helmfile_releases():
            chart = _plain(Y.get(r, "chart"))
            found = _chart_at(chart, bases) if chart is not None else None
            if found is None:
                continue
            here = os.path.dirname(os.path.abspath(self.path))
            given = self._given_pairs(Y.get(r, "set")) + self._given_pairs(Y.get(r, "setString"))
            files = []
            for item in reversed(_seq(Y.get(r, "values"))):  # a later entry wins
                if isinstance(item, MappingNode):
                    given += self._given_tree(item)
                else:
                    files.append((item, here))
            out += self._chart_values(found[1], given, files[::-1])
        return out

    def _chart_values(self, folder: str, given: list[tuple], files: list[tuple[Node, str]]) -> list[ChartValue]:
        """``given``: (values path, value, where, written as it reads, a list's items), the one that wins first;
        ``files``: values files named (the name's node, the folder it is relative to)."""
        first: dict[str, tuple] = {}
        for k, *rest in given:
            first.setdefault(k, tuple(rest))
        values = {k: g[0] for k, g in first.items() if not g[3]}
        out = []
        for name, base in files:  # a file outside the chart: reported at its name
            path = os.path.normpath(os.path.join(base, str(name.value))) if isinstance(name, ScalarNode) else ""
            if not path or not os.path.isfile(path) or is_values_member(path, folder):
                continue
            sc = self.src.scalar(name)  # type: ignore[arg-type]
            held = flat_values(path)
            for k, v in held.items():
                if k not in values:
                    repo = held.get(k[: -len("tag")] + "repository") if k.endswith("tag") else None
                    out.append(ChartValue(k, v, Span(sc.start, sc.end), folder, False, repo, os.path.relpath(path)))
            out += list_values(path, Span(sc.start, sc.end), folder, set(first))
        for k, (v, span, editable, items) in first.items():
            repo = values.get(k[: -len("tag")] + "repository") if k.endswith("tag") and not items else None
            out.append(ChartValue(k, v, span, folder, editable, repo, items=items))
        return out

    def _given_scalar(self, key: str, v: Node | None) -> list[tuple]:
        if isinstance(v, SequenceNode):  # a list of strings
            items = [self.src.scalar(x) for x in v.value if isinstance(x, ScalarNode) and isinstance(x.value, str)]
            if not items or len(items) != len(v.value):
                return []
            return [(key, " ".join(sc.value for sc in items), Span(v.start_index, Y.node_end(self.src, v)), False,
                     tuple((sc.value, Span(sc.start, sc.end)) for sc in items))]
        if not isinstance(v, ScalarNode) or not isinstance(v.value, str) or not v.value:
            return []
        sc = self.src.scalar(v)
        plain = sc.offsets is not None and not sc.irregular and sc.style in ("", '"', "'")
        span = Span(sc.offsets[0], sc.offsets[-1] + 1) if plain else Span(sc.start, sc.end)  # type: ignore[index]
        return [(key, v.value, span, plain, ())]

    def _given_pairs(self, node: Node | None) -> list[tuple]:
        """A list of ``name``/``value`` entries (Argo CD's ``parameters``, helmfile's ``set``)."""
        out = []
        for it in _seq(node):
            name = Y.get(it, "name")
            if isinstance(name, ScalarNode) and isinstance(name.value, str):
                out += self._given_scalar(name.value, Y.get(it, "value"))
        return out

    def _given_tree(self, node: Node | None) -> list[tuple]:
        """Values written as a mapping (``image: {tag: x}``: ``image.tag``; a list of strings as one value)."""
        leaves: list[tuple[str, Node]] = []
        _leaves(node, "", leaves, lists=True)
        return [g for k, v in leaves for g in self._given_scalar(k, v)]

    def _given_string(self, node: Node | None) -> list[tuple]:
        """Values written as a YAML string (Argo CD's ``helm.values: |``), each at its place in the file."""
        if not isinstance(node, ScalarNode) or not isinstance(node.value, str):
            return []
        sc = self.src.scalar(node)
        if not sc.is_str or sc.offsets is None:
            return []
        try:
            inner = Y.load(sc.value)
        except ProcessingError:
            return []
        offsets = sc.offsets

        def mapped(isc) -> tuple[Span, bool] | None:
            if isc.offsets is None or not isc.value:
                return None
            offs = [offsets[i] for i in isc.offsets]
            plain = isc.style in ("", '"', "'") and isc.is_clean() and all(o not in sc.irregular for o in offs) \
                and offs[-1] - offs[0] == len(offs) - 1
            return Span(offs[0], offs[-1] + 1) if plain else Span(offsets[isc.start], offsets[isc.end - 1] + 1), plain

        leaves: list[tuple[str, Node]] = []
        for root in inner.docs:
            _leaves(root, "", leaves, lists=True)
        out: list[tuple] = []
        for k, v in leaves:
            if isinstance(v, SequenceNode):
                got = [(x.value, mapped(inner.scalar(x))) for x in v.value if isinstance(x, ScalarNode) and isinstance(x.value, str)]
                if got and len(got) == len(v.value) and all(m is not None for _v, m in got):
                    spans = [m[0] for _v, m in got]  # type: ignore[index]
                    out.append((k, " ".join(x for x, _m in got), Span(spans[0].start, spans[-1].end), False,
                                tuple((x, m[0]) for x, m in got)))  # type: ignore[index]
            elif isinstance(v.value, str) and (m := mapped(inner.scalar(v))) is not None:
                out.append((k, v.value, m[0], m[1], ()))
        return out

    def _release_images(self) -> list[ImageKeys]:
        """A chart image that a Helm release gives as two values: ``repository`` and ``tag`` keys of one mapping
        in a Flux ``spec.values``, an Argo CD ``helm.valuesObject`` or a helmfile release's inline ``values``, or
        ``X.repository`` and ``X.tag`` among an Argo CD source's ``helm.parameters`` or a helmfile's ``set``."""
        out: list[ImageKeys] = []
        trees: list[Node] = []
        lists: list[Node] = []
        for o in self._releases():
            spec = Y.get(o, "spec")
            values = Y.get(spec, "values")
            trees += [values] if values is not None else []
            for helm in (n for n in Y.walk(spec, set()) if isinstance(n, MappingNode)):
                if Y.get(helm, "parameters") is not None:
                    lists.append(Y.get(helm, "parameters"))  # type: ignore[arg-type]
                if isinstance(Y.get(helm, "valuesObject"), MappingNode):
                    trees.append(Y.get(helm, "valuesObject"))  # type: ignore[arg-type]
        for r in self._helmfile_releases():
            trees += [v for v in _seq(Y.get(r, "values")) if isinstance(v, MappingNode)]
            lists += [n for n in (Y.get(r, "set"), Y.get(r, "setString")) if n is not None]
        for tree in trees:
            for m in (n for n in Y.walk(tree, set()) if isinstance(n, MappingNode)):
                repo, tag = Y.get(m, "repository"), Y.get(m, "tag")
                if isinstance(repo, ScalarNode) and isinstance(repo.value, str) and isinstance(tag, ScalarNode):
                    out.append(ValuesImageKeys(self.src, repo, tag))
        for seq in lists:
            given = {str(Y.get(it, "name").value): Y.get(it, "value") for it in _seq(seq)
                     if isinstance(Y.get(it, "name"), ScalarNode) and isinstance(Y.get(it, "value"), ScalarNode)}
            out += [ValuesImageKeys(self.src, repo, tag) for repo, tag in repository_tag_pairs(given)
                    if isinstance(repo.value, str)]
        return out

    def _read_regions(self) -> list[Region]:
        triton = self._triton_nodes()
        out: list[Region] = []
        skip = dict(self._env_name_nodes())
        for ik in self.split_images():
            if facts.classify(f"{ik.repo_value.strip()}:{ik.tag_value}").triton:
                for keys in (ik, getattr(ik, "name", None)):
                    if keys is not None:
                        skip[id(keys.repo)] = keys.repo  # type: ignore[attr-defined]
        shell = self.scripts()
        for s in shell.scripts if shell is not None else ():
            skip[id(s.sc.node)] = s.sc.node
        for node, sc, key in Y.string_values(self.src, skip):
            r = Region(sc.value, offsets=sc.offsets, triton=id(node) in triton,
                       shell=key in ("command", "args"), image_context=key == "image", label=key,
                       sidecar=id(node) in self.sidecar_nodes)
            out += without_shell_comments(r) if r.shell else [r]
        if shell is not None:
            out += shell.regions()
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
                sites += [CommandSite(s.words, s, c.triton, self.text, c.image or None) for s in segs if s is not None]
                sites += S.nested_sites(self.src, segs, self.text, c.triton)
        shell = self.scripts()
        if shell is not None:
            sites += shell.commands()
        return S.unique_sites(sites)

    def command_lines(self) -> list[CommandLine]:
        return [cl for cl, _ in self._server_lines()] + [cl for cl, _ in self._script_lines()]

    def line_hosts(self, cl: CommandLine) -> list[str]:
        """The names the other steps of an Argo workflow reach the container that runs the server line ``cl``
        by: ``{{tasks.NAME.ip}}`` for each DAG task NAME whose ``template`` is the container's template,
        ``{{steps.NAME.ip}}`` for each such step of a ``steps`` template (the address of the pod that runs it)."""
        hosts = self.argo_hosts()
        if not hosts:
            return []
        c = self._by_line().get(line_key(cl))
        pod = id(c.pod) if c is not None and c.pod is not None else None
        return list(hosts.get(pod, ())) if pod is not None else []

    def _by_line(self) -> dict[tuple, Container]:
        """The container of each server line, by where the line's words stand (built once for the lines as they
        are: a lookup per line, not a scan of every line; a chart's template lists its lines again once it
        learns more of them)."""
        lines = self._server_lines()
        got = getattr(self, "_line_index", None)
        if got is None or got[0] is not lines:
            index: dict[tuple, Container] = {}
            for line, c in lines:
                index.setdefault(line_key(line), c)
            got = self._line_index = (lines, index, {id(c) for _, c in lines})
        return got[1]

    def has_server_line(self, c: Container) -> bool:
        """``c`` runs one of the document's server lines."""
        self._by_line()
        return id(c) in self._line_index[2]

    def argo_hosts(self) -> dict[int, list[str]]:
        """Argo templates (by the id of the template's node) -> the hosts the workflow's expressions reach the
        pod of a step that runs it by (``line_hosts``); a ``templateRef`` to another workflow is not followed."""
        if getattr(self, "_argo_hosts", None) is None:
            out: dict[int, list[str]] = {}
            for o in self.objects:
                api = Y.get(o, "apiVersion")
                if not str(api.value).startswith("argoproj.io/"):  # type: ignore[union-attr]
                    continue
                templates: dict[str, list[MappingNode]] = {}
                named: list[tuple[str, str, str]] = []  #: (the expressions' scope, the step's name, its template)
                for m in Y.walk(o, set()):
                    if not isinstance(m, MappingNode):
                        continue
                    name = self._str(Y.get(m, "name"))
                    if name and Y.has_any(m, _TEMPLATE_KEYS):
                        templates.setdefault(name, []).append(m)
                    for task in _seq(Y.get(Y.get(m, "dag"), "tasks")):
                        named.append(("tasks", self._str(Y.get(task, "name")) or "",
                                      self._str(Y.get(task, "template")) or ""))
                    for group in _seq(Y.get(m, "steps")):  # (Tekton's steps are containers, not lists)
                        for step in _seq(group) if isinstance(group, SequenceNode) else ():
                            named.append(("steps", self._str(Y.get(step, "name")) or "",
                                          self._str(Y.get(step, "template")) or ""))
                for scope, step, template in named:
                    for t in templates.get(template, []) if step and template else []:
                        out.setdefault(id(t), []).append(f"{{{{{scope}.{step}.ip}}}}")
            self._argo_hosts = out
        return self._argo_hosts

    def report_only(self) -> list[tuple[int, int, str]]:
        shell = self.scripts()
        # (a container whose ``trtserver`` is a program of its own: held whole)
        own = [(c.node.start_index, Y.node_end(self.src, c.node), f" ({c.own})") for c in self.containers if c.own]
        return sorted((shell.report_only() if shell is not None else []) + own)

    def _server_lines(self) -> list[tuple[CommandLine, Container]]:
        if self._lines is None:
            found: dict[tuple, tuple[CommandLine, Container]] = {}
            for c in self.containers:
                if not c.triton:
                    continue
                image = Y.get(c.node, "image")
                for cl in S.server_lines(self.src, *self._argv(c.node), c.v1, {"container": c.name},
                                         lambda w, c=c: self._held(w, c, shell=True),
                                         lambda w, c=c: self._held(w, c, shell=False)):
                    if isinstance(image, ScalarNode):
                        sc = self.src.scalar(image)
                        cl.images = (Span(sc.start, sc.end),)
                    cl.v1_arguments = c.v1_arguments
                    cl.built = c.built if c.built is not None and c.built.why is None else None
                    found.setdefault(tuple(id(w) for seg in cl.segments for w in seg.words), (cl, c))
            self._lines = list(found.values())
            if B.may_keep(self.src):
                B.mark_kept([cl for cl, _ in self._lines], [b.span for _, b in self._units() if b.kept])
        return self._lines

    def maybe_server_lines(self) -> list[CommandLine]:
        out = []
        for c in self.containers:
            if c.triton or c.built is None or c.built.why is None:
                continue
            args = self.segment(c.node, "args")
            if args is not None:
                cl = CommandLine(self.text, [args], None, True, args.label, {"container": c.name}, built=c.built)
                image = Y.get(c.node, "image")
                if isinstance(image, ScalarNode):
                    sc = self.src.scalar(image)
                    cl.images = (Span(sc.start, sc.end),)
                out.append(cl)
        return out

    def _held(self, w: Word, c: Container, shell: bool) -> list[H.Held] | None:
        """A variable of the container's ``env`` in its command: ``$(NAME)`` as a whole item of
        ``command``/``args`` is one argument (the kubelet substitutes, nothing splits it); in a
        ``sh -c`` script (``$NAME``, or ``$(NAME)`` the kubelet substituted) the shell splits it."""
        m = _K8S_REF.match(w.value) or (H.VAR_REF.match(w.value) if shell else None)
        if not m or (shell and w.quote):
            return None
        name = m.group(1) or m.group(2)
        values = [v for n, v in _env_values(self.src, Y.get(c.node, "env"), self._configmap_data()) if n == name]
        uses = len(re.findall(r"\$\(?\{?" + re.escape(name) + r"(?![A-Za-z0-9_])", self.text))
        if len(values) != 1 or values[0] is None or uses != 1:
            return None
        if shell:
            got = H.field_words(values[0], name, quoted=True)
            return [got] if got is not None else None
        value = values[0]
        if not value.value or any(ch in value.value for ch in " \t\n") or \
                value.offsets[-1] - value.offsets[0] != len(value.value) - 1:
            return None
        seg = next((s for s in self._argv(c.node) if s is not None and any(x is w for x in s.words)), None)
        if seg is None:
            return None
        removal = CommandLine(self.text, [seg], None, True).delete(w, seg)
        word = Word(value.offsets[0], value.offsets[-1] + 1, value.value, list(value.offsets), "$" in value.value,
                    "", value.offsets[-1] + 1)
        return [([word], FieldSyntax(False, name, removal=removal), f"variable {name}")]

    # --- ports ---------------------------------------------------------------------------------
    def port_sites(self) -> list[PortSites]:
        """For each server line: its container's probes and ports, and the Services of this file
        that select its pods."""
        out = []
        for cl, c in self._server_lines() + [(cl, c) for cl, c in self._script_lines() if c is not None]:
            sites = PortSites([cl], style="kubernetes", port_names=self._container_ports(c))
            for probe in PROBES:
                for handler in ("httpGet", "tcpSocket"):
                    port = Y.get(Y.get(Y.get(c.node, probe), handler), "port")
                    if isinstance(port, ScalarNode):
                        sc = self.src.scalar(port)
                        sites.probes.append(ProbePort(probe, self.value_of(port), Span(sc.start, sc.end), sc.quote))
            seq = Y.get(c.node, "ports")
            if isinstance(seq, SequenceNode):
                sites.lists.append(self._ports(seq, "containerPort", f"container {c.name or '?'} ports"))
            for svc in self.selecting(c):
                sports = Y.get(Y.get(svc, "spec"), "ports")
                if isinstance(sports, SequenceNode):
                    name = Y.get(Y.get(svc, "metadata"), "name")
                    sites.lists.append(self._ports(sports, "targetPort", f"Service {getattr(name, 'value', '?')} ports"))
            out.append(sites)
        return out

    def _container_ports(self, c: Container) -> dict[str, str]:
        """Port name (or the number itself) -> containerPort."""
        out: dict[str, str] = {}
        seq = Y.get(c.node, "ports")
        for item in seq.value if isinstance(seq, SequenceNode) else []:
            port = Y.get(item, "containerPort")
            if isinstance(port, ScalarNode):
                name = Y.get(item, "name")
                out[self.value_of(port)] = self.value_of(port)
                if isinstance(name, ScalarNode):
                    out[self.value_of(name)] = self.value_of(port)
        return out

    def _ports(self, seq: SequenceNode, key: str, where: str) -> PortList:
        def target(item: Node) -> str | None:
            t = Y.get(item, key)
            if t is None and key == "targetPort":
                t = Y.get(item, "port")
            return self.value_of(t) if isinstance(t, ScalarNode) else None

        # the port of every node it is also reached on: a container's ``hostPort``, a Service's ``nodePort``
        host_key = "hostPort" if key == "containerPort" else "nodePort"
        entries = [PortEntry(target(item), Span(item.start_index, Y.node_end(self.src, item)),
                             lambda item=item: [Q.delete_item(self.src, seq, item)], host=self._str(Y.get(item, host_key)))
                   for item in seq.value]
        return PortList("kubernetes", where, entries, key)

    # --- who reaches whom (the follow-through of a run) -----------------------------------------
    def _skaffold_artifacts(self) -> list[tuple[MappingNode, str]]:
        """Skaffold's ``build: artifacts: [{image, context, docker: {dockerfile, buildArgs}}]``: each artifact and
        the Dockerfile it builds (absolute)."""
        base = os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()
        out = []
        for o in self.objects:
            if not (self._str(Y.get(o, "apiVersion")) or "").startswith("skaffold/"):
                continue
            for art in _seq(Y.get(Y.get(o, "build"), "artifacts")):
                context = os.path.join(base, self._str(Y.get(art, "context")) or ".")
                dockerfile = os.path.join(context, self._str(Y.get(Y.get(art, "docker"), "dockerfile")) or "Dockerfile")
                out.append((art, os.path.normpath(dockerfile)))
        return out

    def build_arguments(self) -> list[BuildArgument]:
        """Skaffold's ``docker: {buildArgs}`` of each artifact."""
        return [a for art, dockerfile in self._skaffold_artifacts()
                for a in S.build_arguments(self.src, Y.get(Y.get(art, "docker"), "buildArgs"), dockerfile)]

    def topology(self) -> Topology:
        """Pod templates with their containers' probes and ports, Services, NetworkPolicies and the
        backends of route objects (Ingress, Gateway API HTTPRoute, Istio VirtualService and
        DestinationRule)."""
        out = Topology()
        lines_of: dict[int, list[CommandLine]] = {}  # each container's lines, and below its strings: one pass
        for cl, owner in self._server_lines() + [(cl, c) for cl, c in self._script_lines() if c is not None]:
            lines_of.setdefault(id(owner), []).append(cl)
        owners: dict[int, list[Container]] = {}
        for c in self.containers:
            for n in c.owned:
                owners.setdefault(n, []).append(c)
        strings_of: dict[int, list[Region]] = {}
        for node, sc, key in Y.string_values(self.src, self._env_name_nodes()):
            for c in owners.get(id(node), ()):
                strings_of.setdefault(id(c), []).append(
                    Region(sc.value, offsets=sc.offsets, shell=key in ("command", "args"), label=key))
        pods: dict[int, PodSite] = {}
        for c in self.containers:
            if c.pod is None:
                continue
            pod = pods.get(id(c.pod))
            if pod is None:
                obj = self._object_of(c.pod)
                meta = Y.get(obj, "metadata") if obj is not None else None
                host_network = Y.get(c.pod, "hostNetwork")
                labels = dict(c.labels)
                if obj is not None and _knative_service(obj):  # Knative labels its pods with their Service's name
                    labels[_KNATIVE_LABEL] = self._str(Y.get(meta, "name")) or ""
                pod = pods[id(c.pod)] = PodSite(self._str(Y.get(obj, "kind")) or "", self._str(Y.get(meta, "name")) or "",
                                                self._str(Y.get(meta, "namespace")), labels, [],
                                                isinstance(host_network, ScalarNode) and self.value_of(host_network).lower() == "true")
                out.pods.append(pod)
            pod.containers.append(self._container_site(c, lines_of.get(id(c), []), strings_of.get(id(c), [])))
        for svc, pairs in self.services():
            meta = Y.get(svc, "metadata")
            if _knative_service(svc):  # it routes to the pods Knative labels with its name
                pairs = [(_KNATIVE_LABEL, self._str(Y.get(meta, "name")) or "")]
            ports: list[ServicePort] = []
            seq = Y.get(Y.get(svc, "spec"), "ports")
            if isinstance(seq, SequenceNode):
                plist = self._ports(seq, "targetPort", "Service ports")
                for item, entry in zip(seq.value, plist.entries):
                    port, name = Y.get(item, "port"), Y.get(item, "name")
                    if isinstance(port, ScalarNode) and entry.port is not None:
                        ports.append(ServicePort(self.value_of(port), self._str(name), entry.port, entry))
            out.services.append(ServiceSite(self._str(Y.get(meta, "name")) or "", self._str(Y.get(meta, "namespace")),
                                            dict(pairs), ports, [("", "BackendConfig", n) for n in self._backend_configs(meta)]))
        out.pods += self._json_patches()
        out.pods += self._patch_file()
        out.patches += self._patch_files()
        for o in self.objects:
            kind = str(Y.get(o, "kind").value)  # type: ignore[union-attr]
            if kind == "NetworkPolicy":
                out.policies.append(self._policy(o))
            elif route_kind(o) is not None:
                out.routes += self._backends(o, kind)
            elif ".knative.dev/" in (self._str(Y.get(o, "apiVersion")) or ""):
                out.routes += self._knative_sinks(o, kind)
            elif kind == "Service":
                out.routes += self._load_balancer_checks(o)
            elif kind in ("Config", "Cluster"):
                out.forwards += self._dev_forwards(o)
            elif kind == "ConfigMap":  # the environment of containers that may be written in another file
                out.configmaps.append(self._configmap_env(o))
            elif kind == "BackendConfig":  # the Service that names it may be in another file
                meta = Y.get(o, "metadata")
                name = self._str(Y.get(meta, "name"))
                paths = self._path_region(Y.get(Y.get(Y.get(o, "spec"), "healthCheck"), "requestPath"), "requestPath")
                if name and paths:
                    out.checks.append(CheckSite("", "BackendConfig", name, self._str(Y.get(meta, "namespace")), paths))
        out.builds += self._skaffold_builds()
        out.checks += self._app_engine_checks()
        return out

    def _app_engine_checks(self) -> list[CheckSite]:
        """An App Engine flexible ``app.yaml`` of a custom runtime (``kinds.is_app_engine``): the paths its
        ``readiness_check`` and ``liveness_check`` ask of the image built from the Dockerfile of its folder,
        whose server names the folder (``DockerfileDoc.health_refs``). The legacy ``health_check`` names no
        path (App Engine asks ``/_ah/health``)."""
        from ..kinds import is_app_engine

        if self.objects or not self.path or not is_app_engine(os.path.basename(self.path).lower(),
                                                              self.text[:8192].encode("utf-8", "surrogatepass")):
            return []
        root = self.src.docs[0] if len(self.src.docs) == 1 and isinstance(self.src.docs[0], MappingNode) else None
        paths = [r for key in APP_ENGINE_CHECKS for r in self._path_region(Y.get(Y.get(root, key), "path"), key)]
        return [CheckSite(os.path.dirname(os.path.realpath(self.path)), "app_engine", "", None, paths)] if paths else []

    def _skaffold_builds(self) -> list[BuildSite]:
        """The image each Skaffold artifact builds."""
        out = []
        for art, dockerfile in self._skaffold_artifacts():
            image = Y.get(art, "image")
            if isinstance(image, ScalarNode) and self._str(image):
                out.append(BuildSite(dockerfile, [], [self._str(image)], self.position(image.start_index)[0]))
        return out

    def _kustomizations(self) -> list[MappingNode]:
        return [o for o in self.objects + self._kustomization_roots
                if o in self._kustomization_roots or str(Y.get(o, "kind").value) == "Kustomization"]  # type: ignore[union-attr]

    def _patch_files(self) -> list[PatchFileSite]:
        """A Kustomization's patches kept in files of their own, with the workloads each patches (``patches``
        and ``patchesJson6902`` items with a ``path`` and a ``target`` that names them, or selects them by
        labels: ``labelSelector`` of equalities)."""
        out: list[PatchFileSite] = []
        folder = os.path.dirname(os.path.abspath(self.path)) if self.path else ""
        for o in self._kustomizations() if folder else ():
            for item in _seq(Y.get(o, "patches")) + _seq(Y.get(o, "patchesJson6902")):
                path, target = self._str(Y.get(item, "path")), Y.get(item, "target")
                name, labels = self._str(Y.get(target, "name")), self._selector(target)
                if path and (name or labels) and not _REMOTE.search(path):
                    out.append(PatchFileSite(os.path.normpath(os.path.join(folder, path)), self._str(Y.get(target, "kind")),
                                             name, self._str(Y.get(target, "namespace")), labels))
        return out

    def _selector(self, target: Node | None) -> dict[str, str] | None:
        """A kustomize patch target's ``labelSelector`` of equalities (``app=x,tier=y``) as labels; None when
        absent or written otherwise (set-based, ``!=``: not judged)."""
        selector = self._str(Y.get(target, "labelSelector"))
        if not selector or not re.fullmatch(r"\s*[\w./-]+=[\w.-]+(?:\s*,\s*[\w./-]+=[\w.-]+)*\s*", selector):
            return None
        return dict((k.strip(), v.strip()) for k, v in (kv.split("=", 1) for kv in selector.split(",")))

    def _patch_file(self) -> list[PodSite]:
        """A JSON 6902 patch kept in a file of its own (a list of operations; a Kustomization elsewhere names
        its target, ``PatchFileSite``): the strings it writes into ``/spec/template/spec/containers/<n>``, as
        a pod whose workload is known only from the Kustomization (kind and name "") and whose container only
        by its position (name "")."""
        ids: set[int] = set()
        argv: list[Segment] = []
        probes: list[ProbePort] = []
        for root in self.src.docs:
            for op in _seq(root):
                path, value = Y.get(op, "path"), Y.get(op, "value")
                if isinstance(path, ScalarNode) and value is not None and _CONTAINER_PATH.match(str(path.value)):
                    ids.update(id(n) for n in Y.walk(value, set()))
                    for probe, node in _probe_nodes(str(path.value), value):
                        psc = self.src.scalar(node)
                        probes.append(ProbePort(probe, self.value_of(node), Span(psc.start, psc.end), psc.quote))
                    for node, where in _argv_nodes(str(path.value), value):
                        seg = self._patch_segment(node, where)
                        if seg is not None:
                            argv.append(seg)
        regions = [Region(sc.value, offsets=sc.offsets, label=key or "patch")
                   for node, sc, key in Y.string_values(self.src) if id(node) in ids and sc.offsets is not None] if ids else []
        if not regions:
            return []
        site = ContainerSite("", "", [], regions=regions)
        site.argv = argv
        site.probes = probes
        return [PodSite("", "", None, {}, [site])]

    def _patch_segment(self, node: Node, where: str) -> Segment | None:
        """The words of a list a patch writes (or of one string it adds to a list), labelled with ``where``."""
        if isinstance(node, SequenceNode):
            return S.segment(self.src, node, where, dynamic_re=_K8S_VAR)
        sc = self.src.scalar(node) if isinstance(node, ScalarNode) else None
        if sc is None or not sc.is_str or sc.offsets is None:
            return None
        syntax = Q.YamlListSyntax(self.src, False, sc.flow)
        syntax.holds_insertions = False  # one string: nothing can follow it
        return Segment([S.item_word(sc, _K8S_VAR)], syntax, where)

    def _dev_forwards(self, o: MappingNode) -> list[ForwardSite]:
        """Host ports a development tool opens to the cluster: Skaffold's ``portForward`` (a Service's or a
        workload's port on ``localPort``), a kind cluster's ``extraPortMappings`` (a node's port - a
        NodePort - on the host's ``hostPort``)."""
        out: list[ForwardSite] = []
        api = self._str(Y.get(o, "apiVersion")) or ""
        if api.startswith("skaffold/"):
            for pf in (n for n in Y.walk(o, set()) if isinstance(n, MappingNode) and Y.get(n, "portForward") is not None):
                for item in _seq(Y.get(pf, "portForward")):
                    kind = (self._str(Y.get(item, "resourceType")) or "").lower()
                    name, port = self._str(Y.get(item, "resourceName")), self._str(Y.get(item, "port"))
                    local = self._str(Y.get(item, "localPort")) or port
                    if kind and name and port and local:
                        out.append(ForwardSite(kind, name, self._str(Y.get(item, "namespace")), [(local, port)]))
        elif api.startswith("kind.x-k8s.io/"):
            for node in _seq(Y.get(o, "nodes")):
                ports = [(self._str(Y.get(m, "hostPort")), self._str(Y.get(m, "containerPort")))
                         for m in _seq(Y.get(node, "extraPortMappings"))]
                ports = [(h, c) for h, c in ports if h and c]
                if ports:
                    out.append(ForwardSite("node", "", None, ports))  # type: ignore[arg-type]
        return out

    def _json_patches(self) -> list[PodSite]:
        """A Kustomization's inline patches of a workload's containers (``patches``, ``patchesJson6902``,
        ``patchesStrategicMerge`` items with a ``patch`` string): the strings a JSON 6902 patch (of the
        ``target``) writes into ``/spec/template/spec/containers/<n>``, as a pod whose container is known only
        by its position (name ""); a strategic-merge patch's containers, each by its name. A target that picks
        its workloads by ``labelSelector`` is kept as the pod's ``selector`` (then a strategic-merge patch's
        own name is ignored, as kustomize does)."""
        out: list[PodSite] = []
        for o in self._kustomizations():
            for item in _seq(Y.get(o, "patches")) + _seq(Y.get(o, "patchesJson6902")) + _seq(Y.get(o, "patchesStrategicMerge")):
                target, patch = Y.get(item, "target"), Y.get(item, "patch") if isinstance(item, MappingNode) else item
                if not isinstance(patch, ScalarNode):
                    continue
                sc = self.src.scalar(patch)
                if not sc.is_str or sc.offsets is None or "containers" not in sc.value:
                    continue
                try:
                    inner = Y.load(sc.value)
                except ProcessingError:
                    continue
                # (kind, name, namespace, container name, target's labels) -> the ids of the nodes it writes,
                # and the lists of words it gives the container's command or args
                wanted: dict[tuple, set[int]] = {}
                argv: dict[tuple, list[Segment]] = {}
                probes: dict[tuple, list[ProbePort]] = {}
                offsets = sc.offsets

                def probe_ports(key: tuple, path: str, value: Node, inner=inner, offsets=offsets) -> None:
                    for probe, node in _probe_nodes(path, value):
                        isc = inner.scalar(node)
                        if isc.end <= len(offsets) and isc.end > isc.start:
                            probes.setdefault(key, []).append(ProbePort(
                                probe, str(node.value), Span(offsets[isc.start], offsets[isc.end - 1] + 1), isc.quote))

                def words(key: tuple, nodes: list[tuple[Node, str]], inner=inner, offsets=offsets) -> None:
                    for node, where in nodes:
                        seg = _inline_segment(inner, node, offsets, where)
                        if seg is not None:
                            argv.setdefault(key, []).append(seg)
                selector = self._selector(target)  # the target picks its workloads by their labels
                labels = tuple(sorted(selector.items())) if selector is not None else None
                tkind, tname, tns = (self._str(Y.get(target, k)) for k in ("kind", "name", "namespace"))
                for root in inner.docs:
                    if isinstance(root, MappingNode):  # strategic merge: the patch names its object
                        meta = Y.get(root, "metadata")
                        at = (_plain(Y.get(root, "kind")), _plain(Y.get(meta, "name")), _plain(Y.get(meta, "namespace")))
                        if labels is not None:  # unless the target picks the workloads: then its own name is ignored
                            at = (tkind or at[0], tname or "", tns or at[2])
                        spec = Y.get(Y.get(Y.get(root, "spec"), "template"), "spec")
                        for c in _seq(Y.get(spec, "containers")):
                            cname = _plain(Y.get(c, "name"))
                            if at[0] and (at[1] or labels is not None) and cname:
                                wanted.setdefault((*at, cname, labels), set()).update(id(n) for n in Y.walk(c, set()))
                                words((*at, cname, labels), _argv_nodes("", c))
                                probe_ports((*at, cname, labels), "/spec/template/spec/containers/0", c)
                        continue
                    for op in _seq(root) if tkind and (tname or labels is not None) else ():
                        path, value = Y.get(op, "path"), Y.get(op, "value")
                        if isinstance(path, ScalarNode) and value is not None and _CONTAINER_PATH.match(str(path.value)):
                            key = (tkind, tname or "", tns, "", labels)
                            wanted.setdefault(key, set()).update(id(n) for n in Y.walk(value, set()))
                            words(key, _argv_nodes(str(path.value), value))
                            probe_ports(key, str(path.value), value)
                strings = list(Y.string_values(inner)) if wanted else []
                for (kind, name, ns, cname, labels), ids in wanted.items():
                    regions = [Region(isc.value, offsets=[sc.offsets[i] for i in isc.offsets], label=key or "patch")
                               for node, isc, key in strings if id(node) in ids and isc.offsets is not None]
                    if regions:
                        site = ContainerSite(cname, "", [], regions=regions)
                        site.argv = argv.get((kind, name, ns, cname, labels), [])
                        site.probes = probes.get((kind, name, ns, cname, labels), [])
                        out.append(PodSite(kind, name, ns, {}, [site], selector=dict(labels) if labels is not None else None))
        return out

    def _str(self, node: Node | None) -> str | None:
        return self.value_of(node) if isinstance(node, ScalarNode) and not Y.is_null(node) else None

    def _object_of(self, node: MappingNode) -> MappingNode | None:
        if self._object_ids is None:
            self._object_ids = {id(o) for o in self.objects}
        ids = self._object_ids
        seen = 0
        cur: MappingNode | None = node
        while cur is not None and id(cur) not in ids and seen < 16:
            cur = self._parent.get(id(cur))
            seen += 1
        return cur if cur is not None and id(cur) in ids else None

    def _port_value(self, node: Node | None) -> PortValue | None:
        if not isinstance(node, ScalarNode) or Y.is_null(node):
            return None
        sc = self.src.scalar(node)
        return PortValue(self.value_of(node), Span(sc.start, sc.end), sc.quote)

    def _path_region(self, node: Node | None, label: str) -> list[Region]:
        if not isinstance(node, ScalarNode):
            return []
        sc = self.src.scalar(node)
        if not sc.is_str or sc.offsets is None:
            return []
        return [Region(sc.value, offsets=sc.offsets, label=label)]

    def _container_site(self, c: Container, lines: list[CommandLine], regions: list[Region]) -> ContainerSite:
        site = ContainerSite(c.name, c.image, lines, self._container_ports(c))
        site.command = Y.get(c.node, "command") is not None
        args = self.segment(c.node, "args") if not site.command else None
        site.options = args is not None and bool(args.words) and args.words[0].value.startswith("--")
        seq = Y.get(c.node, "ports")
        if isinstance(seq, SequenceNode):
            site.port_list = self._ports(seq, "containerPort", f"container {c.name or '?'} ports")
        for probe in PROBES:
            for handler in ("httpGet", "tcpSocket"):
                port = Y.get(Y.get(Y.get(c.node, probe), handler), "port")
                if isinstance(port, ScalarNode):
                    sc = self.src.scalar(port)
                    site.probes.append(ProbePort(probe, self.value_of(port), Span(sc.start, sc.end), sc.quote))
        env = Y.get(c.node, "env")
        for item in env.value if isinstance(env, SequenceNode) else []:
            name, value = Y.get(item, "name"), Y.get(item, "value")
            if isinstance(name, ScalarNode) and isinstance(value, ScalarNode) and name.value and not Y.is_null(value):
                text = self.value_of(value).strip()
                if text and "$" not in text:
                    site.env.append((str(name.value), text, self.position(name.start_index)[0]))
        site.env_configmaps = [key[0] for item in _seq(env) if (key := _configmap_key(item)) is not None]
        site.env_configmaps += [n for item in _seq(Y.get(c.node, "envFrom"))
                                if (n := self._str(Y.get(Y.get(item, "configMapRef"), "name")))]
        site.regions.extend(regions)  # its strings (found for every container in one pass)
        if not lines:  # what it gives a server written elsewhere (a strategic-merge patch file), if any
            site.argv = [seg for seg in self._argv(c.node) if seg is not None]
        return site

    def _labels(self, selector: Node | None) -> dict[str, str] | None:
        """``matchLabels`` of a label selector ({}: every pod; None: absent, or expressions this reader does
        not judge)."""
        if not isinstance(selector, MappingNode):
            return {} if selector is not None and Y.is_null(selector) else None
        if Y.get(selector, "matchExpressions") is not None:
            return None
        return {str(k.value): str(v.value) for k, v in Y.items(Y.get(selector, "matchLabels"))
                if isinstance(k, ScalarNode) and isinstance(v, ScalarNode)}

    def _policy(self, o: MappingNode) -> PolicySite:
        meta, spec = Y.get(o, "metadata"), Y.get(o, "spec")
        own = self._labels(Y.get(spec, "podSelector"))
        out = PolicySite(self._str(Y.get(meta, "name")) or "", self._str(Y.get(meta, "namespace")), [])
        for direction, peers_key in (("ingress", "from"), ("egress", "to")):
            rules = Y.get(spec, direction)
            for rule in rules.value if isinstance(rules, SequenceNode) else []:
                seq = Y.get(rule, "ports")
                if not isinstance(seq, SequenceNode):
                    continue
                pods = own
                if direction == "egress":
                    peers = Y.get(rule, peers_key)
                    peer = peers.value if isinstance(peers, SequenceNode) else []
                    pods = self._labels(Y.get(peer[0], "podSelector")) if len(peer) == 1 and \
                        Y.get(peer[0], "podSelector") is not None else None
                entries, values = [], []
                for item in seq.value:
                    value = self._port_value(Y.get(item, "port"))
                    entries.append(PortEntry(value.value if value else None,
                                             Span(item.start_index, Y.node_end(self.src, item)),
                                             lambda item=item, seq=seq: [Q.delete_item(self.src, seq, item)]))
                    values.append(value)
                out.rules.append(PolicyPorts(pods, entries, values, direction))  # type: ignore[arg-type]
        return out

    def _annotation_paths(self, meta: Node | None, keys: "re.Pattern[str]") -> list[Region]:
        """The request paths of the annotations of ``meta`` whose names match ``keys``."""
        out: list[Region] = []
        for k, v in Y.items(Y.get(meta, "annotations")):
            if keys.fullmatch(str(Y.key_of(k) or "")):
                out += self._path_region(v, "annotation")
        return out

    def _load_balancer_checks(self, svc: MappingNode) -> list[RouteSite]:
        """The health check a cloud load balancer sends through a Service: its annotations (AWS, Azure), or
        the ``healthCheck.requestPath`` of a GKE ``BackendConfig`` of this file that it names."""
        meta = Y.get(svc, "metadata")
        name, ns = self._str(Y.get(meta, "name")), self._str(Y.get(meta, "namespace"))
        if not name:
            return []
        paths = self._annotation_paths(meta, _SERVICE_CHECKS)
        configs = self._backend_configs(meta)
        for o in self.objects if configs else ():
            m = Y.get(o, "metadata")
            if getattr(Y.get(o, "kind"), "value", None) == "BackendConfig" and self._str(Y.get(m, "name")) in configs \
                    and self._str(Y.get(m, "namespace")) in (None, ns):
                paths += self._path_region(Y.get(Y.get(Y.get(o, "spec"), "healthCheck"), "requestPath"), "requestPath")
        return [RouteSite("Service", name, ns, None, False, paths)] if paths else []

    def _backend_configs(self, meta: Node | None) -> set[str]:
        """The GKE ``BackendConfig`` objects a Service's ``cloud.google.com/backend-config`` annotation names."""
        configs: set[str] = set()
        for k, v in Y.items(Y.get(meta, "annotations")):
            if str(Y.key_of(k) or "").endswith("cloud.google.com/backend-config") and isinstance(v, ScalarNode):
                try:
                    got = json.loads(str(v.value))
                except ValueError:
                    continue
                if isinstance(got, dict):
                    configs.update(x for x in [got.get("default"), *(got.get("ports") or {}).values()] if isinstance(x, str))
        return configs

    def _knative_sinks(self, o: MappingNode, kind: str) -> list[RouteSite]:
        """A Knative event source's ``spec.sink`` (a Trigger's or Subscription's ``spec.subscriber``) that names a
        Service by ``ref`` with a relative ``uri``: the path its events are sent to on that Service."""
        spec = Y.get(o, "spec")
        ns = self._str(Y.get(Y.get(o, "metadata"), "namespace"))
        out: list[RouteSite] = []
        for key in ("sink", "subscriber"):
            dest = Y.get(spec, key)
            ref = Y.get(dest, "ref")
            name = self._str(Y.get(ref, "name"))
            if name and self._str(Y.get(ref, "kind")) == "Service":
                paths = self._path_region(Y.get(dest, "uri"), "uri")
                if paths and paths[0].text.startswith("/"):
                    out.append(RouteSite(kind, name, self._str(Y.get(ref, "namespace")) or ns, None, False, paths))
        return out

    def _backends(self, o: MappingNode, kind: str) -> list[RouteSite]:
        meta, spec = Y.get(o, "metadata"), Y.get(o, "spec")
        ns = self._str(Y.get(meta, "namespace"))
        out: list[RouteSite] = []
        if kind == "Ingress":
            def backend(b: Node | None, paths: list[Region]) -> None:
                svc = Y.get(b, "service")
                if svc is not None:
                    name, port = self._str(Y.get(svc, "name")), Y.get(svc, "port")
                    number, pname = Y.get(port, "number"), Y.get(port, "name")
                    value = self._port_value(number if number is not None else pname)
                    by_name = number is None and pname is not None
                else:  # networking.k8s.io/v1beta1
                    name = self._str(Y.get(b, "serviceName"))
                    value = self._port_value(Y.get(b, "servicePort"))
                    by_name = value is not None and not value.value.isdigit()
                if name:
                    out.append(RouteSite(kind, name, ns, value, by_name, paths))

            # the load balancer's health check of every backend (AWS ALB, Azure Application Gateway), and the path
            # every request is rewritten to (ingress-nginx's ``rewrite-target: /api/$2``)
            checks = self._annotation_paths(meta, _INGRESS_CHECKS) + [
                replace(r, label="rewrite") for r in self._annotation_paths(meta, _INGRESS_REWRITE)]
            for key in ("defaultBackend", "backend"):
                if Y.get(spec, key) is not None:
                    backend(Y.get(spec, key), checks)
            rules = Y.get(spec, "rules")
            for rule in rules.value if isinstance(rules, SequenceNode) else []:
                paths = Y.get(Y.get(rule, "http"), "paths")
                for item in paths.value if isinstance(paths, SequenceNode) else []:
                    backend(Y.get(item, "backend"), self._path_region(Y.get(item, "path"), "path") + checks)
        elif kind in ("HTTPRoute", "GRPCRoute"):
            rules = Y.get(spec, "rules")
            for rule in rules.value if isinstance(rules, SequenceNode) else []:
                paths: list[Region] = []
                matches = Y.get(rule, "matches")
                for m in matches.value if isinstance(matches, SequenceNode) else []:
                    paths += self._path_region(Y.get(Y.get(m, "path"), "value"), "path")
                refs = Y.get(rule, "backendRefs")
                for ref in refs.value if isinstance(refs, SequenceNode) else []:
                    if self._str(Y.get(ref, "kind")) not in (None, "Service"):
                        continue
                    name = self._str(Y.get(ref, "name"))
                    if name:
                        out.append(RouteSite(kind, name, self._str(Y.get(ref, "namespace")) or ns,
                                             self._port_value(Y.get(ref, "port")), False, paths))
        elif kind == "VirtualService":
            http = Y.get(spec, "http")
            for route in http.value if isinstance(http, SequenceNode) else []:
                paths = []
                matches = Y.get(route, "match")
                for m in matches.value if isinstance(matches, SequenceNode) else []:
                    uri = Y.get(m, "uri")
                    for how in ("exact", "prefix"):
                        paths += self._path_region(Y.get(uri, how), "uri")
                dests = Y.get(route, "route")
                for d in dests.value if isinstance(dests, SequenceNode) else []:
                    dest = Y.get(d, "destination")
                    host = self._str(Y.get(dest, "host"))
                    if host:
                        out.append(RouteSite(kind, host, ns, self._port_value(Y.get(Y.get(dest, "port"), "number")),
                                             False, paths))
        elif kind == "Route":  # OpenShift: ``spec.path`` to ``spec.to`` and ``spec.alternateBackends`` (Services)
            paths = self._path_region(Y.get(spec, "path"), "path")
            alternates = Y.get(spec, "alternateBackends")
            for b in [Y.get(spec, "to"), *(alternates.value if isinstance(alternates, SequenceNode) else [])]:
                name = self._str(Y.get(b, "name"))
                if name and self._str(Y.get(b, "kind")) in (None, "Service"):
                    # (its ``port.targetPort`` names a port of the pods, not of the Service: not read)
                    out.append(RouteSite(kind, name, ns, None, False, paths))
        elif kind == "DestinationRule":
            host = self._str(Y.get(spec, "host"))
            policies = [Y.get(spec, "trafficPolicy")]
            subsets = Y.get(spec, "subsets")
            policies += [Y.get(x, "trafficPolicy") for x in (subsets.value if isinstance(subsets, SequenceNode) else [])]
            for pol in policies:
                settings = Y.get(pol, "portLevelSettings")
                for item in settings.value if isinstance(settings, SequenceNode) else []:
                    value = self._port_value(Y.get(Y.get(item, "port"), "number"))
                    if host and value is not None:
                        out.append(RouteSite(kind, host, ns, value, False, []))
        return out

    # --- mounts and GPUs ------------------------------------------------------------------------
    def _owner_of(self, line: CommandLine):
        """What ``line`` is the server line of (found through an index of the lines, built once)."""
        if self._owners is None:
            self._owners = S.owners(self._server_lines() + [(cl, c) for cl, c in self._script_lines() if c is not None])
        return self._owners.get(id(line))

    def mounts(self, line: CommandLine) -> list[Mount] | None:
        """The container's ``volumeMounts`` whose pod volume is a ``hostPath`` (a path of the node)."""
        c = self._owner_of(line)
        if c is None:
            return None
        host: dict[str, str] = {}
        vols = Y.get(c.pod, "volumes")
        for v in vols.value if isinstance(vols, SequenceNode) else []:
            name, path = Y.get(v, "name"), Y.get(Y.get(v, "hostPath"), "path")
            if isinstance(name, ScalarNode) and isinstance(path, ScalarNode):
                host[str(name.value)] = str(path.value)
        out: list[Mount] = []
        mounts = Y.get(c.node, "volumeMounts")
        for m in mounts.value if isinstance(mounts, SequenceNode) else []:
            name, at, sub = Y.get(m, "name"), Y.get(m, "mountPath"), Y.get(m, "subPath")
            if isinstance(name, ScalarNode) and isinstance(at, ScalarNode) and str(name.value) in host:
                src = host[str(name.value)]
                if isinstance(sub, ScalarNode) and sub.value:
                    src = src.rstrip("/") + "/" + str(sub.value)
                out.append(Mount(src, str(at.value), "/"))
        return out

    def gpu_requests(self) -> list[tuple[str, Span]]:
        """``nvidia.com/gpu`` in the resources of Triton containers, ``runtimeClassName: nvidia``."""
        out: list[tuple[str, Span]] = []
        for c in self.containers:
            if not c.triton:
                continue
            res = Y.get(c.node, "resources")
            for section in ("limits", "requests"):
                for k, v in Y.items(Y.get(res, section)):
                    if Y.key_of(k) == "nvidia.com/gpu":
                        out.append((f"resources.{section}: nvidia.com/gpu", Span(k.start_index, Y.node_end(self.src, v))))
            for k, v in Y.items(c.pod):
                if Y.key_of(k) == "runtimeClassName" and getattr(v, "value", None) == "nvidia":
                    out.append(("runtimeClassName: nvidia", Span(k.start_index, Y.node_end(self.src, v))))
        seen: set[Span] = set()
        return [x for x in out if not (x[1] in seen or seen.add(x[1]))]

    def serving_predictors(self) -> list[tuple[str, str | None, Span]]:
        """The predictors of each ``InferenceService`` (KFServing ``v1alpha2``: ``spec.default`` and
        ``spec.canary``; KServe ``v1beta1``: ``spec.predictor``), and of a ``KFService`` (KFServing
        ``v1alpha1``: the framework keys of ``spec.default`` and ``spec.canary`` themselves)."""
        out: list[tuple[str, str | None, Span]] = []
        for o in self.objects:
            kind = getattr(Y.get(o, "kind"), "value", None)
            if kind not in ("InferenceService", "KFService"):
                continue
            spec = Y.get(o, "spec")
            if kind == "KFService":
                predictors = (Y.get(spec, "default"), Y.get(spec, "canary"))
            else:
                predictors = (Y.get(Y.get(spec, "default"), "predictor"), Y.get(Y.get(spec, "canary"), "predictor"),
                              Y.get(spec, "predictor"))
            for predictor in predictors:
                for k, v in Y.items(predictor):
                    version = Y.get(v, "runtimeVersion")
                    out.append((str(Y.key_of(k)), self.value_of(version) if isinstance(version, ScalarNode) else None,
                                Span(k.start_index, k.end_index)))
        return out

    # --- environment --------------------------------------------------------------------------
    def env_definitions(self) -> list[tuple[str, Span]]:
        out = []
        for node in self._env_name_nodes().values():
            sc = self.src.scalar(node)
            out.append((str(node.value), Span(sc.start, sc.end)))
        return out

    # --- side by side -----------------------------------------------------------------------------
    def blocks(self) -> list[Block]:
        """Each object that is a document of its own or an item of a List: V1 when one of its
        containers is; a V1 workload's companions are the Services of the file that select its pods;
        route objects and URLs naming those Services route to it."""
        if self._blocks is not None:
            return self._blocks
        units = self._units()
        out = [b for _, b in units]
        for c in self.containers:
            if not c.v1:
                continue
            owner = next((b for node, b in units if id(c.node) in Y.reachable(node)), None)
            if owner is None:
                continue
            owner.v1 = True
            for svc in self.selecting(c):
                sb = next((b for node, b in units if node is svc), None)
                if sb is not None and sb.path not in owner.companions:
                    owner.companions += (sb.path,)
        for b in out:  # what routes to a workload routes to it through its Services
            if b.what == "Service" and b.name:
                b.hosts = (b.name,)
                b.routes = B.routes(self.src, [b.name], [b.span]) + tuple(
                    Span(r.start_index, Y.node_end(self.src, r)) for r in self._routes()
                    if self._routes_to(r, [b.name]))
        self._blocks = out
        return out

    def _units(self) -> list[tuple[MappingNode, Block]]:
        """Each object that is a document or a List item, as a unit of lines (names, spans, keep-v1
        markers), before any analysis."""
        if self._unit_blocks is not None:
            return self._unit_blocks
        units: list[tuple[MappingNode, Block]] = []
        objects = {id(o) for o in self.objects}
        for d, root in enumerate(self.src.docs):
            found = [(root, (d,), False)]
            if isinstance(root, MappingNode) and str(getattr(Y.get(root, "kind"), "value", "")).endswith("List"):
                items = Y.get(root, "items")
                if isinstance(items, SequenceNode):
                    found = [(it, (d, "items", i), True) for i, it in enumerate(items.value)]
            for node, path, item in found:
                if not isinstance(node, MappingNode) or id(node) not in objects:
                    continue
                name = Y.get(Y.get(node, "metadata"), "name")
                name_text = str(name.value) if isinstance(name, ScalarNode) else ""
                what = str(Y.get(node, "kind").value)  # type: ignore[union-attr]
                first = node.value[0][0].start_index if node.value else node.start_index
                if self.is_json:
                    siblings = Y.get(root, "items").value if item else None  # type: ignore[union-attr]
                    b = B.json_block(self.src, name_text, what, node, path, siblings)
                else:
                    b = B.block(self.src, name_text, what, first, node, path, item)
                    if not b.refusal and not item:
                        b.retire_span = B.document_retire_span(self.src, b)
                if not b.refusal and not b.name:
                    b.refusal = "the object has no metadata.name"
                b.shared = B.shared_spans(self.src, node, b.span)
                units.append((node, b))
        self._unit_blocks = units
        return units

    def _routes_to(self, route: MappingNode, names: list[str]) -> bool:
        hosts = [str(n.value) for n in Y.walk(route, set()) if isinstance(n, ScalarNode)
                 and self._parent_key(route, n) in ROUTE_HOST_KEYS]
        return any(h.split(".")[0] in names for h in hosts)

    # --- verification -------------------------------------------------------------------------
    def same_structure(self, new: "KubernetesDoc") -> str | None:
        if self.is_json:
            try:
                json.loads(new.text.lstrip("\ufeff"))
            except ValueError as e:
                return f"the migrated file is not JSON any more ({e})"
        # the lists of words a JSON 6902 patch file gives a server's container are edited as its command line is
        patched = [w.start for pod in self._patch_file() for c in pod.containers for seg in c.argv for w in seg.words]
        return Y.same_structure(self.src, new.src, EDITABLE, RETYPABLE, S.line_words(self.command_lines()) + patched) \
            or self.same_scripts(new)

    def same_scripts(self, new: "KubernetesDoc") -> str | None:
        """The scripts hold as many commands as before (an edit changes words, never commands)."""
        old, now = self.scripts(), new.scripts()
        if old is None:
            return None
        if now is None or len(now.scripts) != len(old.scripts):
            return "a shell script in the file changed how it reads"
        return old.same_structure(now)


def _configmap_key(item: Node) -> tuple[str, str] | None:
    """(ConfigMap name, key) of an ``env`` entry's ``valueFrom.configMapKeyRef``, or None."""
    ref = Y.get(Y.get(item, "valueFrom"), "configMapKeyRef")
    name, key = Y.get(ref, "name"), Y.get(ref, "key")
    return (str(name.value), str(key.value)) if isinstance(name, ScalarNode) and isinstance(key, ScalarNode) else None


def _env_values(src: Y.YamlSource, env: Node | None, configmaps: dict | None = None) -> list[tuple[str, Word | None]]:
    """Each ``name``/``value`` of a container's ``env`` (None: not a string, or a ``valueFrom`` other than
    a key of a ConfigMap of ``configmaps``: (name, key) -> value node)."""
    out: list[tuple[str, Word | None]] = []
    for item in env.value if isinstance(env, SequenceNode) else []:
        name, value = Y.get(item, "name"), Y.get(item, "value")
        if not isinstance(name, ScalarNode):
            continue
        if value is None and configmaps:
            value = configmaps.get(_configmap_key(item))
        sc = src.scalar(value) if isinstance(value, ScalarNode) else None
        ok = sc is not None and sc.is_str and sc.offsets is not None
        out.append((str(name.value), S.item_word(sc) if ok else None))
    return out


def server_argv(doc: KubernetesDoc) -> list[list[str]]:
    """The argv (binary and options) of each Triton container's server command line, decoded;
    ``$(VAR)`` words that expand to runtime arguments are left out."""
    out = []
    for cl in doc.command_lines():
        if cl.report_only:
            continue  # a V1 line kept beside its V2 copy (keep-v1)
        binary = C.argv0(cl)
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


#: annotations that set the path a load balancer's health check asks a Service's pods
_SERVICE_CHECKS = re.compile(r"service\.beta\.kubernetes\.io/(?:aws-load-balancer-healthcheck-path"
                             r"|azure-load-balancer-health-probe-request-path|port_\d+_health-probe_request-path)")
_INGRESS_REWRITE = re.compile(r"nginx\.ingress\.kubernetes\.io/rewrite-target")
_INGRESS_CHECKS = re.compile(r"alb\.ingress\.kubernetes\.io/healthcheck-path|appgw\.ingress\.kubernetes\.io/health-probe-path")
#: a Kustomization resource fetched from elsewhere (a git repository or a URL), not a file of the tree
_REMOTE = re.compile(r"://|^(?:git@|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=|\.git(?://|$)")
#: a JSON 6902 patch path into a container of a workload's pod template
_CONTAINER_PATH = re.compile(r"/spec/template/spec/containers/\d+(?:/|$)")


#: a JSON 6902 path into a container's argument lists (the whole list, an item, or ``/-``: appended)
_ARGV_PATH = re.compile(r"/spec/template/spec/containers/\d+/(?:command|args)(?:/(?:\d+|-))?$")


def _argv_nodes(path: str, value: Node) -> list[tuple[Node, str]]:
    """The lists of words (or single words) that a patch writes into a container's ``command``/``args``, each
    with where: ``args`` (the whole list, replaced), ``args/-`` (appended), ``args/<n>`` (one item): ``value`` of
    a JSON 6902 operation on ``path`` (into the lists, or the whole container), or ("") a strategic-merge
    patch's container (a list of strings replaces the one it patches)."""
    m = _ARGV_PATH.search(path)
    if m:
        return [(value, m.group(0).rsplit("/containers/", 1)[1].split("/", 1)[1])] \
            if isinstance(value, (ScalarNode, SequenceNode)) else []
    if path and not re.search(r"/containers/\d+$", path):
        return []
    return [(n, key) for key in ("command", "args") if isinstance(n := Y.get(value, key), SequenceNode)]


def _probe_nodes(path: str, value: Node) -> list[tuple[str, ScalarNode]]:
    """The probe ports a JSON 6902 operation on ``path`` writes with ``value`` (a whole container, a probe, its
    ``httpGet``/``tcpSocket``, or the port itself): (probe, the port's node)."""
    m = re.search(r"/containers/\d+((?:/[^/]+)*)$", path)
    if m is None:
        return []
    parts = [p for p in m.group(1).split("/") if p]
    out = []
    for probe in PROBES:
        for handler in ("httpGet", "tcpSocket"):
            chain = [probe, handler, "port"]
            if parts != chain[:len(parts)]:
                continue
            node: Node | None = value
            for k in chain[len(parts):]:
                node = Y.get(node, k)
            if isinstance(node, ScalarNode) and not Y.is_null(node):
                out.append((probe, node))
    return out


def _inline_segment(src: Y.YamlSource, node: Node, offsets, label: str) -> Segment | None:
    """The words of a list (or one string) of a patch inline in a Kustomization's string: ``src`` is the patch's
    own YAML, ``offsets`` the file offset of each of its characters."""
    items = [node] if isinstance(node, ScalarNode) else node.value if isinstance(node, SequenceNode) else []
    words: list[Word] = []
    flow = False
    for item in items:
        sc = src.scalar(item) if isinstance(item, ScalarNode) else None
        if sc is None or not sc.is_str or sc.offsets is None or sc.end > len(offsets) or not sc.value:
            return None
        flow = flow or sc.flow
        end = offsets[sc.end - 1] + 1
        inner_end = offsets[sc.inner_end] if sc.inner_end < sc.end else end
        words.append(Word(offsets[sc.start], end, sc.value, array("q", (offsets[i] for i in sc.offsets)),
                          bool(_K8S_VAR.search(sc.value)), sc.quote, inner_end))
    if not words:
        return None
    block = isinstance(node, SequenceNode) and not node.flow_style
    return Segment(words, Q.YamlInlineListSyntax(block, flow, isinstance(node, SequenceNode)), label)


def _plain(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value else None


def _leaves(node: Node | None, prefix: str, out: list, lists: bool = False) -> None:
    """The scalar leaves of a mapping by dotted key (``image: {tag: x}`` -> ``image.tag``); with ``lists``, its
    lists too (``args: [...]`` -> ``args``)."""
    for k, v in node.value if isinstance(node, MappingNode) else ():
        if not isinstance(k, ScalarNode) or not isinstance(k.value, str):
            continue
        if isinstance(v, MappingNode):
            _leaves(v, f"{prefix}{k.value}.", out, lists)
        elif isinstance(v, ScalarNode) or lists and isinstance(v, SequenceNode):
            out.append((f"{prefix}{k.value}", v))


def _seq(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _chart_at(path: str, bases: list[str]) -> tuple[str, str] | None:
    """(the base, the chart's folder) of the first of ``bases`` where ``path`` is a chart (holds ``Chart.yaml``)."""
    for b in bases:
        folder = os.path.normpath(os.path.join(b, path))
        if os.path.isfile(os.path.join(folder, "Chart.yaml")):
            return b, folder
    return None
