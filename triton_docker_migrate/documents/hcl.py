"""Terraform and Nomad job specs (HCL) -> Document.

Read with tree-sitter-hcl (``syntax/hcl.py``), which the optional extra ``[hcl]`` installs; without
it these files are read as text (reported, never fixed: ``build``).

Containers are the ``container``/``init_container`` blocks of Terraform's Kubernetes workloads
(``kubernetes_deployment``, ``_pod``, ``_stateful_set``, ``_daemonset``, ``_job``, ``_cron_job`` and
their ``_v1`` forms), the Docker provider's ``docker_container`` resources (``entrypoint``, ``command``,
``ports``, ``healthcheck``), the container definitions of ``aws_ecs_task_definition`` written with
``jsonencode([{...}])`` or as JSON in a heredoc (``entryPoint``, ``command``, ``healthCheck``), the containers of
Azure Container Instances' ``azurerm_container_group`` (``commands``, probes, ``ports``) and the tasks of Nomad job
specs (``task "x" { config { image,
entrypoint, command, args } }``). A container is Triton when its image is a server image or its command runs
the server. A ``helm_release`` that sets a chart's ``X.repository`` and ``X.tag`` gives an image in two
values (``split_images``); when it is a server image, the whole release is a Triton context (the
arguments in its ``values`` are the server's). As in Kubernetes manifests, ``command`` (Nomad: ``entrypoint`` and ``command``) and
``args`` are separate segments of the server line and no word moves between them. A removed health
port is followed through the container's probes and ports and the ``kubernetes_service`` resources
whose literal selector picks its pods (Nomad: the network ports of the group and, before 0.12, of the task's
``resources`` with the docker driver's ``port_map``, the services' and checks'
ports, the task's ``config.ports``). A Consul service definition (a top-level ``service`` block) named for
the server is a Triton context whose findings are reported, never fixed. JSON and YAML written in a heredoc where a
container definition, a manifest (``yamldecode(<<-EOT ... EOT)``, ``yaml_body``) or a Helm release's values stand
is read in place with the YAML reader (``syntax/yamlsrc``), each string at its offsets in the file, as
``jsonencode`` and HCL objects are; such a heredoc that does not read, and holds V1, is reported and never edited.
Every string literal and heredoc outside comments is a region;
shell scripts held in strings (a ``#!`` heredoc, provisioner commands) are read as shell.
"""

from __future__ import annotations

import bisect
import dataclasses
import importlib
import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import evidence, facts
from ..model import Edit, ProcessingError, Span
from ..syntax import yamlsrc as Y
from ..syntax.yamlquote import YamlListSyntax
from ..syntax.shellwords import ShellSyntaxError, Word, lex
from . import commands as C
from . import yamlsites as YS
from .base import Document, repository_tag_pairs, used_only_as_image_tag
from ..charts import is_values_member
from .helmvalues import flat_values, list_values
from .sites import (BuildArgument, BuildSite, ChartValue, CheckSite, CommandLine, CommandSite, ContainerSite, DockerRunSite, ImageKeys, PodSite,
                    PortEntry, PortList, PortSites, ProbePort, Region, RouteSite, Segment, ServicePort, ServiceSite,
                    Topology)
from .text import TextDoc

if TYPE_CHECKING:
    from .shell import ShellDoc

try:
    from ..syntax import hcl as H
except ImportError:  # the [hcl] extra is not installed: build() reads these files as text
    H = None  # type: ignore[assignment]

_WORKLOADS = ("deployment", "pod", "stateful_set", "daemonset", "daemon_set", "job", "cron_job",
              "replication_controller", "replica_set")
WORKLOADS = frozenset(f"kubernetes_{w}{v}" for w in _WORKLOADS for v in ("", "_v1"))
SERVICES = frozenset({"kubernetes_service", "kubernetes_service_v1"})
#: serverless container platforms whose containers take ``image``, ``command`` and ``args`` as a Kubernetes
#: container does (Cloud Run, Azure Container Apps), with Kubernetes-style probes (``startup_probe { http_get
#: { path } }``): each block of the type named is a container
PLATFORM_CONTAINERS = {"google_cloud_run_service": "containers", "google_cloud_run_v2_service": "containers",
                       "google_cloud_run_v2_job": "containers", "azurerm_container_app": "container",
                       "azurerm_container_app_job": "container"}
#: Azure Container Instances: each ``container`` (and ``init_container``) block of a ``azurerm_container_group`` is a
#: container whose ``commands`` list replaces the image's ENTRYPOINT (there is no separate ``args``; no
#: ``$(VAR)`` expansion), with probes as a Kubernetes container's (``readiness_probe { http_get { path, port } }``,
#: ``exec = [...]``) and ``ports { port }`` blocks
CONTAINER_GROUPS = frozenset({"azurerm_container_group"})
#: a model repository option: the list that holds it holds a server's arguments
_MODEL_REPOSITORY = re.compile(r"--model-(?:store|repository)(?:=|$)")
#: the kind of each workload resource (``kubernetes_stateful_set_v1`` -> ``StatefulSet``)
_KINDS = {"deployment": "Deployment", "pod": "Pod", "stateful_set": "StatefulSet", "daemonset": "DaemonSet",
          "daemon_set": "DaemonSet", "job": "Job", "cron_job": "CronJob", "replication_controller": "ReplicationController",
          "replica_set": "ReplicaSet"}
PROBES = ("liveness_probe", "readiness_probe", "startup_probe")
TARGET_GROUPS = frozenset({"aws_lb_target_group", "aws_alb_target_group"})
GCP_HEALTH_CHECKS = frozenset({"google_compute_health_check", "google_compute_region_health_check",
                               "google_compute_http_health_check"})
LISTENER_RULES = frozenset({"aws_lb_listener_rule", "aws_alb_listener_rule"})
#: annotations of a ``kubernetes_service`` that set the path a cloud load balancer's health check asks its pods
_LB_CHECK_KEYS = re.compile(r"service\.beta\.kubernetes\.io/(?:aws-load-balancer-healthcheck-path"
                            r"|azure-load-balancer-health-probe-request-path|port_\d+_health-probe_request-path)")
#: a value named apart: ``var.x``, ``local.x``
_NAMED = re.compile(r"(var|local)\.([A-Za-z_][\w-]*)")
#: the arguments of a ``module`` block that are Terraform's own, not the module's variables
_MODULE_META = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})
HANDLERS = ("http_get", "tcp_socket", "grpc")
_K8S_VAR = re.compile(r"(?<!\$)(?:\$\$)*\$\(\w+\)")
_SHEBANG = re.compile(r"#![ \t]*\S*?(?:/|env(?:[ \t]+-\S+)*[ \t]+)(?:sh|bash|dash|ksh|zsh)(?![\w.-])")
_BLANK = re.compile(r"[^\r\n]")
_V1_PATH = re.compile(r"^/api/(?:health|status)\b")
#: lists an edit may shorten or lengthen, blocks it may remove, attributes it may add or retype
#: lists whose length a fix may change (a Terraform variable's default may hold a server's arguments)
EDITABLE = frozenset({"command", "commands", "args", "entrypoint", "ports", "portMappings", "variable.default"})
REMOVABLE_BLOCKS = frozenset({"port", "ports"})
ADDABLE = frozenset({"args"})
RETYPABLE = frozenset({"port", "target_port"})
#: blocks whose entries (attributes) an edit may remove: a Nomad docker task's ``port_map`` (a port removed)
REMOVABLE_ENTRIES = frozenset({"port_map"})


@dataclass
class Container:
    block: "H.Block"  #: the ``container`` block or the Nomad ``task``
    style: str  #: "kubernetes" (Terraform) or "nomad"
    name: str
    segments: list[Segment | None]  #: kubernetes: command, args; nomad: entrypoint, command, args
    image: str = ""
    image_span: Span | None = None  #: the image string (TDM105: a V2 line on an image that stays V1)
    triton: bool = False
    v1: bool = False
    labels: dict[str, str] = field(default_factory=dict)  #: labels of its pods (Terraform)
    group: "H.Block | None" = None  #: the Nomad group
    resource: "H.Block | None" = None  #: the Terraform resource
    #: an ECS container definition: the object in ``container_definitions = jsonencode([...])`` (its
    #: ``block`` is the task definition resource)
    definition: "H.Expr | None" = None


class HelmSetImage(ImageKeys):
    """A chart's image given to ``helm_release`` as two values: ``X.repository`` and ``X.tag``."""

    def __init__(self, repo: "H.Str", tag: "H.Str") -> None:
        self.repo, self.tag = repo, tag
        self.repo_value, self.repo_span = repo.value, Span(repo.offsets[0], repo.offsets[-1] + 1)
        self.tag_value, self.tag_span = tag.value, Span(tag.offsets[0], tag.offsets[-1] + 1)

    def rename_repo(self, name: str) -> Edit | None:
        old = posixpath.basename(self.repo_value.strip())
        i = self.repo_value.rindex(old)
        return Edit(Span(self.repo.offsets[i], self.repo.offsets[i + len(old) - 1] + 1), name)

    def set_tag(self, tag: str) -> Edit:
        return Edit(self.tag_span, tag)


@dataclass(eq=False)
class _Heredoc:
    """A heredoc read as JSON or YAML (``HclDoc._heredoc_value``)."""

    heredoc: "H.Str"
    value: "H.Expr | None" = None  #: None: it did not read
    src: "Y.YamlSource | None" = None
    #: its strings with the key each stands under (a list item: the list's key)
    strings: list = field(default_factory=list)
    lists: list = field(default_factory=list)  #: (key, node, expression) of each list


class _Unplaced(Exception):
    """A heredoc value that cannot be read with the offset of every character (or holds an alias)."""


#: a template directive in a heredoc (``%{ if }``; ``%%{`` writes ``%{``)
_DIRECTIVE = re.compile(r"(?<!%)(?:%%)*%\{")
#: what is known only at run time in a heredoc's string: an interpolation (or ``$${``, which writes one), a
#: directive, a Kubernetes ``$(VAR)``
_HEREDOC_DYNAMIC = re.compile(r"\$\{|%\{|(?<!\$)(?:\$\$)*\$\(\w+\)")
#: a value in a heredoc that did not read: a quoted string, or the rest of a line after ``- `` or ``key: ``
_UNREAD_VALUE = re.compile(r'"((?:[^"\\\r\n]|\\.)*)"|\'([^\'\r\n]*)\'|(?m:^[ \t]*(?:-[ \t]+|[\w.-]+:[ \t]+)([^"\'\s].*?)[ \t]*\r?$)')
#: the lists of a heredoc's JSON or YAML whose length a fix may change
_HEREDOC_EDITABLE = frozenset({"command", "args", "entryPoint", "entrypoint", "portMappings"})


def _content_start(src: "Y.YamlSource", node: "Y.Node") -> int:
    return src.scalar(node).start if isinstance(node, Y.ScalarNode) else node.start_index


class HclDoc(Document):
    kind = "hcl"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.tree = H.parse(text)
        self._irregular: set[int] = set()
        self._res: list[H.Block] | None = None
        self._strings = self._all_strings()
        self.irregular = frozenset(self._irregular)
        self._sites: list[CommandSite] | None = None
        self._regions: list[Region] | None = None
        self._selectors: dict | None = None
        self._shell = False
        self._script_spans: list[tuple[int, int]] = []
        self._lines: list[tuple[CommandLine, Container]] | None = None
        self._line_containers: dict[tuple, Container] | None = None  #: see health_refs
        #: heredocs read as JSON or YAML (``_heredoc_value``): by where the heredoc starts, its value, the YAML lists in it
        #: (the words of a command, as a YAML list) and its strings with the key each stands under
        self._heredocs: dict[int, "_Heredoc"] = {}
        self._yaml_lists: dict[int, tuple["Y.YamlSource", "Y.Node"]] = {}
        self.containers = self._find_containers()
        self.services = [b for b in self._resources() if b.labels[0] in SERVICES]
        self.variable_syntax = "kubernetes" if any(c.style == "kubernetes" for c in self.containers) else None
        self._split = self._helm_sets()
        self._split_strings = {id(x) for ik in self._split for x in (ik.repo, ik.tag)}
        self._triton_spans = self._triton_ranges()

    # --- structure ------------------------------------------------------------------------------
    def _all_strings(self) -> list[tuple["H.Str", "H.Attribute"]]:
        out = []
        for b in self.tree.blocks():
            for it in b.items:
                if isinstance(it, H.Attribute):
                    for s in it.value.all_strings():
                        out.append((s, it))
                        self._irregular |= s.irregular
        return out

    def same_block(self, a: int, b: int) -> bool:
        """Offsets ``a`` and ``b`` lie in the same top-level block (a resource, a job, a target): what runs with a
        server line held on V1 there - its probes, its checks - stays with it (``rules/images._units_of``)."""
        if getattr(self, "_top_spans", None) is None:
            self._top_spans = sorted((it.start, it.end) for it in self.tree.root.items if isinstance(it, H.Block))
        starts = [s for s, _e in self._top_spans]

        def top(at: int) -> int:
            k = bisect.bisect_right(starts, at) - 1
            return k if k >= 0 and at < self._top_spans[k][1] else -1
        k = top(a)
        return k >= 0 and k == top(b)

    def _resources(self) -> list["H.Block"]:
        if self._res is None:
            self._res = [b for b in self.tree.root.blocks("resource") if len(b.labels) >= 2]
        return self._res

    def _find_containers(self) -> list[Container]:
        out: list[Container] = []
        for res in self._resources():
            kind = res.labels[0]
            if kind in CONTAINER_GROUPS:
                out += self._container_group(res)
                continue
            if kind not in WORKLOADS and kind not in PLATFORM_CONTAINERS:
                continue
            types = ("container", "init_container") if kind in WORKLOADS else (PLATFORM_CONTAINERS[kind],)
            for b in res.walk():
                if b.type in types:
                    out.append(self._k8s_container(b, res))
        for res in self._resources():
            if res.labels[0] == "docker_container":
                out.append(self._docker_container(res))
            elif res.labels[0] == "aws_ecs_task_definition":
                out += self._ecs_containers(res)
            elif res.labels[0] in ("kubernetes_manifest", "kubectl_manifest"):
                out += self._manifest_containers(res)
        for job in self.tree.root.blocks("job"):
            for group in job.blocks("group"):
                for task in group.blocks("task"):
                    config = task.block("config")
                    if config is not None:
                        out.append(self._nomad_task(task, config, group))
        for c in out:
            for seg in (s for s in c.segments if s is not None):
                server = C.server_word(seg.words)
                if server is not None:
                    c.triton, c.v1 = True, c.v1 or C.is_v1_binary(server.value)
            if not c.triton and any(C.server_word(site.words) for site in self._nested(c.segments, False)):
                c.triton = True
            if c.triton and not c.v1 and any(_V1_PATH.match(p) for p in self._health_paths(c)):
                c.v1 = True  # a probe on a V1 endpoint (the 20.06-v1 images run tritonserver)
        return out

    def _k8s_container(self, b: "H.Block", res: "H.Block") -> Container:
        name = _text(b.attr("name"))
        segs = [*self._segments(b.attr("command"), "command", k8s=True),
                *self._segments(b.attr("args"), "args", k8s=True)]
        c = Container(b, "kubernetes", name or "", segs, resource=res)
        self._set_image(c, b.attr("image"))
        spec = b.parent
        holder = spec.parent if spec is not None else None
        meta = holder.block("metadata") if holder is not None else None
        labels = meta.attr("labels") if meta is not None else None
        c.labels = _literal_map(labels)
        return c

    def _container_group(self, res: "H.Block") -> list[Container]:
        """``resource "azurerm_container_group"``: its ``container`` and ``init_container`` blocks, whose
        ``commands`` is the whole command line (the image's ENTRYPOINT replaced, as a Kubernetes ``command``)."""
        out = []
        for b in res.blocks("container") + res.blocks("init_container"):
            c = Container(b, "kubernetes", _text(b.attr("name")) or "", self._segments(b.attr("commands"), "commands"),
                          resource=res)
            self._set_image(c, b.attr("image"))
            out.append(c)
        return sorted(out, key=lambda c: c.block.start)

    def _docker_container(self, res: "H.Block") -> Container:
        """``resource "docker_container"`` (the Docker provider): ``entrypoint`` and ``command`` as the
        image's ENTRYPOINT and CMD; an image given as ``docker_image.x.image_id`` is that resource's
        ``name``."""
        segs = [*self._segments(res.attr("entrypoint"), "entrypoint"), *self._segments(res.attr("command"), "command")]
        c = Container(res, "docker", _text(res.attr("name")) or res.labels[1], segs, resource=res)
        image = res.attr("image")
        if image is not None and image.value.kind == "other" and image.value.raw.startswith("docker_image."):
            ref = image.value.raw.split(".")
            image = next((b.attr("name") for b in self._resources()
                          if b.labels[0] == "docker_image" and len(ref) > 1 and b.labels[1] == ref[1]), None)
        self._set_image(c, image)
        return c

    def _ecs_containers(self, res: "H.Block") -> list[Container]:
        """``resource "aws_ecs_task_definition"`` with ``container_definitions = jsonencode([{...}])``:
        each object is a container; ``entryPoint`` and ``command`` are the image's ENTRYPOINT and CMD
        (as Docker's), ``healthCheck.command`` its health check. Definitions written as JSON in a heredoc
        (``<<DEFINITION``) are read the same way (``_heredoc_value``); definitions read from a file are
        strings: their URLs and images are read, their command lines are not."""
        attr = res.attr("container_definitions")
        v = attr.value if attr is not None else None
        held = self._heredoc_value(v)  # a JSON heredoc (before ``jsonencode``, Terraform 0.11's form)
        if held is not None:
            items = held.items if held.kind == "tuple" else []
        elif v is None or v.call not in ("jsonencode", "yamlencode") or len(v.args) != 1 or v.args[0].kind != "tuple":
            return []
        else:
            items = v.args[0].items
        out = []
        for obj in items:
            if obj.kind != "object":
                continue
            keys = _keys(obj)
            segs = [*self._segments_of(keys.get("entryPoint"), "entryPoint"),
                    *self._segments_of(keys.get("command"), "command")]
            name = keys.get("name")
            c = Container(res, "ecs", (name.text if name is not None else None) or "", segs, resource=res,
                          definition=obj)
            self._set_image_of(c, keys.get("image"))
            out.append(c)
        return out

    def _manifest_containers(self, res: "H.Block") -> list[Container]:
        """``resource "kubernetes_manifest"`` whose ``manifest`` is an object written in HCL: each object of a
        ``containers`` or ``initContainers`` list in it is a container, its ``command`` and ``args`` the image's
        ENTRYPOINT and CMD as an ECS definition's ``entryPoint`` and ``command`` are (read the same way; its
        probes are found by the Triton context of the object). A manifest written as YAML or JSON in a heredoc
        (``yamldecode(<<-EOT ... EOT)``, ``kubectl_manifest``'s ``yaml_body``) is read the same way
        (``_heredoc_value``). A manifest read from a file (``yamldecode(file(...))``) is that file's."""
        attr = res.attr("manifest") or res.attr("yaml_body")
        out: list[Container] = []
        value = attr.value if attr is not None else None
        stack = [self._heredoc_value(value) or value] if value is not None else []
        while stack:
            v = stack.pop()
            if v.kind == "object":
                for key, item in _keys(v).items():
                    if key in ("containers", "initContainers") and item.kind == "tuple":
                        out += [self._manifest_container(res, obj) for obj in item.items if obj.kind == "object"]
                    else:
                        stack.append(item)
            elif v.kind == "tuple":
                stack.extend(v.items)
        return out

    def _manifest_container(self, res: "H.Block", obj: "H.Expr") -> Container:
        keys = _keys(obj)
        segs = [*self._segments_of(keys.get("command"), "command", k8s=True),
                *self._segments_of(keys.get("args"), "args", k8s=True)]
        name = keys.get("name")
        c = Container(res, "ecs", (name.text if name is not None else None) or "", segs, resource=res, definition=obj)
        self._set_image_of(c, keys.get("image"))
        return c

    def _helm_sets(self) -> list["HelmSetImage"]:
        """``resource "helm_release"``'s ``set`` (and ``set_string``) blocks, or its ``set = [{...}]``
        list, that give a chart value ``X.repository`` and ``X.tag`` as plain strings: one image."""
        out = []
        for res in self._resources():
            if res.labels[0] != "helm_release":
                continue
            given: dict[str, "H.Str"] = {}
            for n, s in _release_sets(res) + self._values_heredoc_leaves(res):
                if is_plain(s) and not s.dynamic:
                    given.setdefault(n, s)
            out += [HelmSetImage(repo, tag) for repo, tag in repository_tag_pairs(given) if repo.offsets and tag.offsets]
        return out

    def chart_values(self) -> list[ChartValue]:
        """The ``set`` values of a ``helm_release`` of a chart of the tree (``chart = "${path.module}/charts/x"``,
        or a relative path, read from the module's folder)."""
        out = []
        here = os.path.dirname(os.path.abspath(self.path))
        for res in self._resources():
            if res.labels[0] != "helm_release" or res.attr("repository") is not None:
                continue
            attr = res.attr("chart")
            chart = attr.value.string.value if attr is not None and attr.value.kind == "string" \
                and attr.value.string is not None else ""
            for prefix in ("${path.module}/", "${path.root}/", "${path.cwd}/"):
                if chart.startswith(prefix):
                    chart = chart[len(prefix):]
            if not chart or "${" in chart or not os.path.isfile(os.path.join(here, chart, "Chart.yaml")):
                continue
            folder = os.path.normpath(os.path.join(here, chart))
            sets = [(n, s) for n, s in _release_sets(res) if not s.dynamic and s.offsets]
            given = {n: s.value for n, s in sets}
            for n, s in sets:
                repo = given.get(n[: -len("tag")] + "repository") if n.endswith("tag") else None
                out.append(ChartValue(n, s.value, Span(s.offsets[0], s.offsets[-1] + 1), folder, is_plain(s), repo))
            out += [cv for cv in self._release_values(res, here, folder) if cv.key not in given]  # ``set`` wins
        return out

    def _release_values(self, res: "H.Block", here: str, folder: str) -> list[ChartValue]:
        """A ``helm_release``'s ``values = [...]``: ``yamlencode({...})`` (``jsonencode``) of an object written
        here, and ``file("...")`` of a values file outside the chart (its values, at the call, not editable)."""
        attr = res.attr("values")
        out: list[ChartValue] = []
        for item in attr.value.items if attr is not None and attr.value.kind == "tuple" else ():
            arg = item.args[0] if item.kind == "other" and len(item.args) == 1 else None
            held = self._heredoc_value(item) if arg is None else None  # a values file written as a heredoc
            if held is not None and held.kind == "object":
                arg, item = held, H.Expr("other", item.start, item.end, item.raw, call="yamlencode")
            if arg is None:
                continue
            if item.call in ("yamlencode", "jsonencode") and arg.kind == "object":
                leaves: list[tuple[str, "H.Str"]] = []
                _object_leaves(arg, "", leaves)
                given = {k: s.value for k, s in leaves}
                for k, s in leaves:
                    if not s.dynamic and s.offsets:
                        repo = given.get(k[: -len("tag")] + "repository") if k.endswith("tag") else None
                        out.append(ChartValue(k, s.value, Span(s.offsets[0], s.offsets[-1] + 1), folder, is_plain(s), repo))
            elif item.call == "file" and arg.kind == "string" and arg.string is not None:
                name = arg.string.value
                for prefix in ("${path.module}/", "${path.root}/", "${path.cwd}/"):
                    name = name[len(prefix):] if name.startswith(prefix) else name
                path = os.path.normpath(os.path.join(here, name))
                if "${" in name or not os.path.isfile(path) or is_values_member(path, folder):
                    continue
                values = flat_values(path)
                for k, v in values.items():
                    repo = values.get(k[: -len("tag")] + "repository") if k.endswith("tag") else None
                    out.append(ChartValue(k, v, Span(item.start, item.end), folder, False, repo, os.path.relpath(path)))
                out += list_values(path, Span(item.start, item.end), folder, set())
        return out

    def split_images(self) -> list[ImageKeys]:
        return list(self._split)

    def _bake_targets(self) -> list[tuple["H.Block", str]]:
        """A Docker Bake file's ``target`` blocks, each with the Dockerfile of its ``context`` (and ``dockerfile``)."""
        if not os.path.basename(self.path).startswith("docker-bake"):
            return []
        base = os.path.dirname(os.path.abspath(self.path))
        return [(t, os.path.normpath(os.path.join(base, _text(t.attr("context")) or ".",
                                                  _text(t.attr("dockerfile")) or "Dockerfile")))
                for t in self.tree.root.blocks("target")]

    def build_arguments(self) -> list[BuildArgument]:
        """A Bake target's ``args = { NAME = "value" }``."""
        out = []
        for target, dockerfile in self._bake_targets():
            args = target.attr("args")
            if args is None or args.value.kind != "object":
                continue
            for key, value in args.value.pairs:
                name = key.text or (key.raw.strip('"') if key.kind in ("ident", "other") else None)
                s = value.string
                if not name or value.kind != "string" or s is None or s.dynamic or not s.value:
                    continue
                span = Span(s.offsets[0], s.offsets[-1] + 1)
                out.append(BuildArgument(name, s.value, span, dockerfile, not s.irregular))
        return out

    def _bake_builds(self) -> list[BuildSite]:
        """A Bake target's ``tags``: the names they give the image of its Dockerfile."""
        out = []
        for target, dockerfile in self._bake_targets():
            tags = target.attr("tags")
            if tags is None or tags.value.kind != "tuple":
                continue
            names = [it.string.value for it in tags.value.items if it.kind == "string" and it.string is not None]
            if names:
                out.append(BuildSite(dockerfile, [], names, self.position(tags.start)[0]))
        return out

    def output_tags(self) -> list[Span]:
        """Where a Bake target's ``tags`` are written: the names its build gives the image it produces, not an
        image it pulls or runs."""
        out = []
        for target, _dockerfile in self._bake_targets():
            tags = target.attr("tags")
            if tags is not None and tags.value.kind == "tuple":
                out += [Span(it.start, it.end) for it in tags.value.items if it.kind == "string"]
        return out

    def charts_elsewhere(self) -> list[tuple[Span, str]]:
        """``helm_release`` resources of a chart from a chart repository (a ``repository`` attribute, or a
        chart that is not a local path): the chart's templates are never in the run."""
        out = []
        for res in self._resources():
            if res.labels[0] != "helm_release":
                continue
            chart = _text(res.attr("chart")) or ""
            if res.attr("repository") is not None or chart and not chart.startswith(("./", "../", "/", "${path")):
                out.append((Span(res.start, res.end), f"the chart {chart}" if chart else "the release's chart"))
        return out

    def _nomad_task(self, task: "H.Block", config: "H.Block", group: "H.Block") -> Container:
        command = config.attr("command")
        args = config.attr("args")
        cmd_seg = None
        if command is not None and command.value.kind == "string":
            s = command.value.string
            if args is None:
                problem = "the task has no args list"
            else:
                problem = "the task's args is not a list of strings it can be added to"
            syntax = H.HclCommandSyntax(self.irregular, problem, self.position(command.start)[0])
            cmd_seg = Segment([s.word()], syntax, "command")
        segs = [*self._segments(config.attr("entrypoint"), "entrypoint"), cmd_seg, *self._segments(args, "args")]
        c = Container(task, "nomad", task.labels[0] if task.labels else "", segs, group=group)
        self._set_image(c, config.attr("image"))
        return c

    def _set_image(self, c: Container, attr: "H.Attribute | None") -> None:
        self._set_image_of(c, attr.value if attr is not None else None)

    def _set_image_of(self, c: Container, v: "H.Expr | None") -> None:
        if v is None or v.kind != "string":
            return
        c.image = v.string.value
        c.image_span = Span(v.start, v.end)
        info = facts.classify(c.image)
        c.triton, c.v1 = info.triton and not info.sdk, info.v1 and not info.sdk

    def _segments(self, attr: "H.Attribute | None", label: str, k8s: bool = False) -> list[Segment | None]:
        return self._segments_of(attr.value if attr is not None else None, label, k8s)

    def _segments_of(self, v: "H.Expr | None", label: str, k8s: bool = False) -> list[Segment | None]:
        """The lists of a container's command or arguments: one, or each list ``concat(...)`` or
        ``flatten([...])`` joins (``concat(["trtserver"], local.server_args)``) in its order."""
        if v is not None and v.call == "concat" and v.args:
            return [self._list_segment_of(a, label, k8s) for a in v.args]
        if v is not None and v.call == "flatten" and len(v.args) == 1 and v.args[0].kind == "tuple" \
                and v.args[0].items and all(it.kind != "string" for it in v.args[0].items):
            return [self._list_segment_of(a, label, k8s) for a in v.args[0].items]  # flatten([[...], local.x])
        return [self._list_segment_of(v, label, k8s)]

    def _list_segment(self, attr: "H.Attribute | None", label: str, k8s: bool = False) -> Segment | None:
        """Words of a list of strings (an item that is not a string literal is a word known only at
        run time); an expression that is not a list is one such word."""
        return self._list_segment_of(attr.value if attr is not None else None, label, k8s)

    def _list_segment_of(self, v: "H.Expr | None", label: str, k8s: bool = False) -> Segment | None:
        if v is None:
            return None
        if id(v) in self._yaml_lists:  # a list of a heredoc's JSON or YAML: its items as YAML writes them
            seg = YS.segment(*self._yaml_lists[id(v)], label, dynamic_re=_HEREDOC_DYNAMIC)
            if seg is not None:
                return seg
        if v.kind == "tuple":
            if not v.items:
                return None
            words = [self._item_word(it, k8s) for it in v.items]
            return Segment(words, H.HclListSyntax(self.irregular), label)
        if v.kind in ("other", "ident"):
            held = self._variable_default(v)
            if held is not None:
                return held
            return Segment([_expansion(v)], H.HclListSyntax(self.irregular), label)
        return None

    def _variable_default(self, v: "H.Expr") -> Segment | None:
        """``args = var.server_args`` with ``variable "server_args" { default = [...] }`` in this file,
        referenced once: the default's items, migrated where they are written (a ``.tfvars`` file
        may replace them: the argv rules say so). ``local.server_args`` with ``locals { server_args =
        [...] }`` alike (nothing replaces a local value)."""
        m = re.fullmatch(r"(var|local)\.([A-Za-z_][\w-]*)", v.raw.strip())
        if m is None or len(re.findall(r"(?<![\w.])" + re.escape(m.group(0)) + r"(?![\w-])", self.text)) != 1:
            return None
        kind, name = m.groups()
        if kind == "local":
            defs = [b.attr(name) for b in self.tree.root.blocks("locals") if b.attr(name) is not None]
            return self._held_list(defs[0] if len(defs) == 1 else None, v, "", f"local {name}")
        blocks = [b for b in self.tree.root.blocks("variable") if b.labels == [name]]
        return self._held_list(blocks[0].attr("default") if len(blocks) == 1 else None, v, f"var.{name}",
                               f"variable {name}")

    def _held_list(self, default: "H.Attribute | None", v: "H.Expr", variable: str, label: str) -> Segment | None:
        """The items of the list ``default`` holds, as the words ``v`` (which names it) expands to (a string
        with an interpolation, ``"--model-store=${var.bucket}"``, is a word known in part, as in a container's
        own list)."""
        if default is None or default.value.kind != "tuple" or not default.value.items \
                or any(it.kind != "string" for it in default.value.items):
            return None
        words = [self._item_word(it, False) for it in default.value.items]
        return Segment(words, H.HclListSyntax(self.irregular, variable), label,
                       expansion=_expansion(v), outer=H.HclListSyntax(self.irregular))

    def _item_word(self, it: "H.Expr", k8s: bool) -> Word:
        if it.kind == "string":
            s = it.string
            return s.word(s.dynamic or bool(k8s and _K8S_VAR.search(s.value)))
        if it.kind in ("number", "bool"):
            return Word(it.start, it.end, it.raw, list(range(it.start, it.end)), False, "", it.end)
        return _expansion(it)

    def _health_paths(self, c: Container) -> list[str]:
        out = []
        if c.style == "kubernetes":
            for probe in PROBES:
                get = _sub(c.block, probe, "http_get")
                p = _text(get.attr("path")) if get is not None else None
                if p:
                    out.append(p)
        elif c.style == "docker":
            test = _sub(c.block, "healthcheck")
            attr = test.attr("test") if test is not None else None
            out += [m.group(0) for s in (attr.value.all_strings() if attr is not None else [])
                    for m in re.finditer(r"/api/\w+", s.value)]
        elif c.style == "ecs":
            check = _keys(c.definition).get("healthCheck") if c.definition is not None else None
            out += [m.group(0) for s in (check.all_strings() if check is not None else [])
                    for m in re.finditer(r"/api/\w+", s.value)]
        else:
            for _svc, checks in self._nomad_services(c):
                out += [p for p in (_text(ch.attr("path")) for ch in checks) if p]
        return out

    def _nomad_services(self, c: Container) -> list[tuple["H.Block", list["H.Block"]]]:
        """The services of a Nomad task (its own, and the group's that name it or its ports) with
        their checks."""
        out = [(s, s.blocks("check")) for s in c.block.blocks("service")]
        if c.group is None:
            return out
        tasks = [t for t in c.group.blocks("task")]
        mine = set(_task_ports(c.block))
        others = set().union(*(_task_ports(t) for t in tasks if t is not c.block)) if len(tasks) > 1 else set()
        for s in c.group.blocks("service"):
            task = _text(s.attr("task"))
            port = _text(s.attr("port"))
            if task is not None:
                if task != c.name:
                    continue
            elif len(tasks) > 1 and not (port in mine or (port not in others and c.triton)):
                continue
            out.append((s, s.blocks("check")))
        return out

    def services_selecting(self, c: Container) -> list["H.Block"]:
        """``kubernetes_service`` resources of this file whose literal selector picks the pods, or
        that select the workload's own labels by reference."""
        if self._selectors is None:
            self._selectors = {}
            for svc in self.services:
                spec = svc.block("spec")
                selector = spec.attr("selector") if spec is not None else None
                pairs = _literal_map(selector)
                if pairs:
                    self._selectors.setdefault(min(pairs.items()), []).append((svc, pairs))
                elif selector is not None and selector.value.kind == "other" and ".labels" in selector.value.raw:
                    ref = ".".join(selector.value.raw.split(".")[:2])
                    self._selectors.setdefault(ref, []).append((svc, {}))
        found: dict[int, H.Block] = {}
        for pair in c.labels.items():
            for svc, pairs in self._selectors.get(pair, ()):
                if all(c.labels.get(k) == v for k, v in pairs.items()):
                    found[id(svc)] = svc
        if c.resource is not None:
            for svc, _ in self._selectors.get(f"{c.resource.labels[0]}.{c.resource.labels[1]}", ()):
                found[id(svc)] = svc
        return sorted(found.values(), key=lambda b: b.start)

    def _target_groups(self, c: Container) -> list["H.Block"]:
        """The load balancer target groups an ``aws_ecs_service`` of this file sends to the ECS container ``c``
        (a ``load_balancer`` block naming its ``container_name``, ``target_group_arn = aws_lb_target_group.x.arn``):
        their ``health_check`` asks the server."""
        groups = {(r.labels[0], r.labels[1]): r for r in self._resources()
                  if r.labels[0] in ("aws_lb_target_group", "aws_alb_target_group")}
        out = []
        for svc in (r for r in self._resources() if r.labels[0] == "aws_ecs_service"):
            for lb in svc.blocks("load_balancer"):
                arn = lb.attr("target_group_arn")
                ref = arn.value.raw.split(".") if arn is not None and arn.value.kind == "other" else []
                if _text(lb.attr("container_name")) == c.name and len(ref) >= 2 and tuple(ref[:2]) in groups:
                    out.append(groups[tuple(ref[:2])])
        return out

    def _unlinked_target_groups(self, server: Container | None = None) -> list["H.Block"]:
        """Target groups on the HTTP port of an ECS server of this file (``port = 8000``, or its ``--http-port``),
        or on its V1 health port (``--http-health-port``), that no ``aws_ecs_service`` of the file sends anywhere:
        the service that sends them to the server is written elsewhere (another file, a module), and their
        ``health_check`` asks that server. With ``server``, those on that ECS container's ports alone (no Google
        Cloud health checks)."""
        ecs = [c for c in self.containers if c.triton and c.style == "ecs" and (server is None or c is server)]
        if not ecs:
            return self._port_health_checks() if server is None else []
        linked = set()
        for svc in (r for r in self._resources() if r.labels[0] == "aws_ecs_service"):
            for lb in svc.blocks("load_balancer"):
                arn = lb.attr("target_group_arn")
                ref = arn.value.raw.split(".") if arn is not None and arn.value.kind == "other" else []
                linked.add(tuple(ref[:2]))
        ports = {p for c in ecs for p in (_http_port(c), _health_port(c)) if p}
        names = {c.name.lower() for c in ecs if c.name} | {(c.block.labels[1] if len(c.block.labels) > 1 else "").lower()
                                                           for c in ecs} - {""}
        own = [r for r in self._resources() if r.labels[0] in TARGET_GROUPS and len(r.labels) > 1
               and (r.labels[0], r.labels[1]) not in linked and _text(r.attr("port")) in ports and _named_for(r, names)]
        return own + [r for r in (self._port_health_checks() if server is None else []) if all(r is not o for o in own)]

    def _port_health_checks(self) -> list["H.Block"]:
        """Google Cloud health checks (``google_compute_health_check``'s ``http_health_check { port, request_path }``,
        ``google_compute_http_health_check``) on the HTTP port of a server of this file (a container, or a VM's
        startup script that runs it): an instance group's autohealing or a backend service sends them to it; and
        AWS target groups on the ports of a VM's server (``_vm_target_groups``)."""
        ports = {_http_port(c) for c in self.containers if c.triton} | self._vm_health_ports()
        if self.shell is not None:
            ports |= {_line_http_port([w.value for seg in cl.segments for w in seg.words])
                      for cl in self.shell.command_lines() if cl.binary is not None}
        if not ports:
            return []
        out = self._vm_target_groups()
        for r in self._resources():
            if r.labels[0] in GCP_HEALTH_CHECKS:
                checks = [r] if r.labels[0] == "google_compute_http_health_check" else \
                    [b for k in ("http_health_check", "https_health_check", "http2_health_check") for b in r.blocks(k)]
                if any(_text(b.attr("port")) in ports or b.attr("port") is None and "8000" in ports for b in checks) \
                        and (self._autoheals(r) or _named_for(r, set())):
                    out.append(r)
        return out

    def _vm_target_groups(self) -> list["H.Block"]:
        """AWS target groups whose ``port`` or ``health_check`` port is the HTTP port or the V1 health port of a
        server that a VM's startup script of this file runs (``user_data``: ``docker run -p 8005:8005 ...
        --http-health-port=8005``), named for the server or attached to that VM
        (``aws_lb_target_group_attachment``'s ``target_id = aws_instance.NAME.id``): the load balancer's health
        checks ask that server."""
        if self.shell is None:
            return []
        lines = [cl for cl in self.shell.command_lines() if cl.binary is not None]
        if not lines:
            return []
        ports = {_line_http_port([w.value for seg in cl.segments for w in seg.words]) for cl in lines} \
            | self._vm_health_ports()
        attached = self._attached_target_groups([r for r in self._resources()
                                                 if any(r.start <= cl.binary.start < r.end  # type: ignore[union-attr]
                                                        for cl in lines)])
        out = []
        for r in self._resources():
            if r.labels[0] not in TARGET_GROUPS:
                continue
            check = r.block("health_check")
            on = {_text(r.attr("port"))} | ({_text(check.attr("port"))} if check is not None else set())
            if on & ports and (_named_for(r, set()) or f"{r.labels[0]}.{r.labels[1]}" in attached):
                out.append(r)
        return out

    def _attached_target_groups(self, vms: list["H.Block"]) -> set[str]:
        """``aws_lb_target_group.NAME`` of the target groups an ``aws_lb_target_group_attachment`` of this file
        attaches one of the resources ``vms`` to (``target_id = aws_instance.gpu.id``)."""
        prefixes = tuple(f"{r.labels[0]}.{r.labels[1]}." for r in vms)
        out = set()
        for r in self._resources() if prefixes else ():
            if r.labels[0] in ("aws_lb_target_group_attachment", "aws_alb_target_group_attachment"):
                tid, arn = r.attr("target_id"), r.attr("target_group_arn")
                if tid is not None and arn is not None and tid.value.raw.startswith(prefixes):
                    out.add(".".join(arn.value.raw.split(".")[:2]))
        return out

    def target_group_checks(self) -> list[tuple[str, ProbePort | None, Span | None, int]]:
        """The AWS target groups of the file attached to a VM of the file that has a startup script
        (``user_data``, ``metadata_startup_script``), or named for the server: (its name, its ``health_check``
        port - the port its requests go to as ``traffic`` -, its ``health_check`` path value's span, where it
        starts). The run's follow-through judges them by the server the VM's startup script file runs."""
        vms = [r for r in self._resources() if r.attr("user_data") is not None
               or r.attr("metadata_startup_script") is not None]
        attached = self._attached_target_groups(vms)
        out = []
        for r in self._resources():
            if r.labels[0] not in TARGET_GROUPS or not (
                    _named_for(r, set()) or f"{r.labels[0]}.{r.labels[1]}" in attached):
                continue
            check = r.block("health_check")
            if check is None:
                continue
            pp = self._probe(f"the health_check of target group {r.labels[1]}", check.attr("port"))
            if pp is not None:
                pp.traffic, pp.string = _text(r.attr("port")), True
            path = check.attr("path")
            out.append((r.labels[1], pp, Span(path.value.start, path.value.end) if path is not None else None, r.start))
        return out

    def _vm_health_ports(self) -> set[str]:
        """The V1 health ports (``--http-health-port``) of the server lines of a VM's startup script of this file."""
        out = set()
        for cl in self.shell.command_lines() if self.shell is not None else ():
            port = _option_value([w.value for seg in cl.segments for w in seg.words], "http-health-port") \
                if cl.binary is not None else None
            port = self.shell.held(port) or port if port and "$" in port else port  # type: ignore[union-attr]
            if port and port.isdigit():
                out.add(port)
        return out

    def _vm_check_ports(self) -> list[ProbePort]:
        """The ports of the Google Cloud health checks of a VM's server (``_port_health_checks``): each a probe of
        the server's startup script line, which moves with its removed health port."""
        out = []
        for r in self._port_health_checks() if self.shell is not None else ():
            if r.labels[0] in TARGET_GROUPS:  # its health check's port, and the port its requests go to
                check = r.block("health_check")
                pp = self._probe(f"the health_check of target group {r.labels[1]}", check.attr("port")) \
                    if check is not None else None
                if pp is not None:
                    pp.traffic, pp.string = _text(r.attr("port")), True
                    out.append(pp)
                continue
            checks = [r] if r.labels[0] == "google_compute_http_health_check" else \
                [b for k in ("http_health_check", "https_health_check", "http2_health_check") for b in r.blocks(k)]
            for b in checks:
                pp = self._probe(f"the health check {r.labels[1] if len(r.labels) > 1 else r.labels[0]}", b.attr("port"))
                if pp is not None:
                    out.append(pp)
        return out

    def startup_files(self) -> list[tuple[str, dict[str, str]]]:
        """The files the VMs of this file run as their startup script, read from a file of the module
        (``metadata_startup_script = templatefile("${path.module}/start.sh.tpl", { health_port = 8005 })``,
        ``file(...)``, ``user_data`` alike): (real path, the literal values the call gives the template)."""
        folder = self._module()
        out = []
        for r in self._resources():
            for name in ("metadata_startup_script", "user_data"):
                a = r.attr(name)
                v = a.value if a is not None else None
                if v is None or v.kind != "other" or v.call not in ("templatefile", "file") or not v.args:
                    continue
                arg = v.args[0]
                raw = arg.string.value if arg.kind == "string" and arg.string is not None else None
                if raw is None:
                    continue
                raw = re.sub(r"\$\{path\.(?:module|root|cwd)\}/?", "", raw)
                if "$" in raw or not folder:
                    continue
                given = {}
                if v.call == "templatefile" and len(v.args) > 1 and v.args[1].kind == "object":
                    for k, val in v.args[1].pairs:
                        key = k.text if k.kind in ("ident", "string") else None
                        if key and val.text is not None:
                            given[key] = val.text
                out.append((os.path.realpath(os.path.join(folder, raw)), given))
        return out

    def gcp_checks(self) -> list[tuple[str, ProbePort | None, Span | None, int]]:
        """Every Google Cloud health check of the file: (its name, its port, its ``request_path`` value's span, where
        it starts)."""
        out = []
        for r in self._resources():
            if r.labels[0] not in GCP_HEALTH_CHECKS:
                continue
            checks = [r] if r.labels[0] == "google_compute_http_health_check" else \
                [b for k in ("http_health_check", "https_health_check", "http2_health_check") for b in r.blocks(k)]
            for b in checks:
                path = b.attr("request_path")
                out.append((r.labels[1], self._probe(f"the health check {r.labels[1]}", b.attr("port")),
                            Span(path.value.start, path.value.end) if path is not None else None, b.start))
        return out

    def _autoheals(self, check: "H.Block") -> bool:
        """Whether an instance group manager of this file autoheals with the Google Cloud health check ``check``
        (``auto_healing_policies { health_check = google_compute_health_check.NAME.id }``)."""
        ref = f"{check.labels[0]}.{check.labels[1]}." if len(check.labels) > 1 else None
        return ref is not None and any(
            hc is not None and hc.value.raw.startswith(ref)
            for r in self._resources() if "instance_group_manager" in r.labels[0]
            for b in r.blocks("auto_healing_policies") for hc in (b.attr("health_check"),))

    def _triton_ranges(self) -> list[tuple[int, int]]:
        out = []
        for c in self.containers:
            if not c.triton:
                continue
            out.append((c.definition.start, c.definition.end) if c.definition is not None else (c.block.start, c.block.end))
            for svc in self.services_selecting(c) if c.style == "kubernetes" else ():
                out.append((svc.start, svc.end))
            if c.style == "nomad":
                out += [(s.start, s.end) for s, _ in self._nomad_services(c)]
            if c.style == "ecs":
                out += [(tg.start, tg.end) for tg in self._target_groups(c)]
        out += [(tg.start, tg.end) for tg in self._unlinked_target_groups()]
        out += self._consul_services()
        # a Helm release of a server image: the values it gives the chart (a heredoc of arguments)
        # are the server's
        for ik in self._split:
            if facts.classify(f"{ik.repo_value.strip()}:{ik.tag_value.strip()}").triton:
                res = next(r for r in self._resources() if r.start <= ik.repo.start < r.end)
                out.append((res.start, res.end))
        merged: list[tuple[int, int]] = []
        for a, b in sorted(out):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        self._triton_starts = [a for a, _ in merged]
        return merged

    def _consul_services(self) -> list[tuple[int, int]]:
        """Consul service definitions (a ``service`` or ``services`` block at the top of a file that is no Nomad job)
        named for the server (their ``name`` or ``id``, or the file's name: ``trtis.hcl``): their checks ask it, as
        the same definition written in JSON is read (a file of no known kind named for the server talks to it)."""
        if self.tree.root.blocks("job"):
            return []
        named = facts.TRITON_HOST.search(os.path.basename(self.path)) is not None
        return [(b.start, b.end) for b in self.tree.root.blocks("service", "services")
                if named or any(facts.TRITON_HOST.search(_text(b.attr(k)) or "") for k in ("name", "id"))]

    def _in_triton(self, offset: int) -> bool:
        k = bisect.bisect_right(self._triton_starts, offset) - 1
        return k >= 0 and offset < self._triton_spans[k][1]

    # --- sites ----------------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        if self._regions is None:
            self._regions = self._read_regions()
        return self._regions

    def _read_regions(self) -> list[Region]:
        names = {id(s) for s in self._env_name_strings()}
        # a list of strings that names a model repository is a server's arguments (a variable's default that
        # a container's ``args = var.x`` takes, in another file of the module): each of its options is
        server_lists = {id(a) for _s, a in self._strings if a.value.kind == "tuple" and any(
            _MODEL_REPOSITORY.match(x.value) for x in a.value.all_strings())}
        out: list[Region] = []
        for s, attr in self._strings:
            if s.heredoc and s.start in self._heredocs:  # a heredoc read as JSON or YAML: each of its strings
                out += self._heredoc_regions(self._heredocs[s.start])
                continue
            if not s.value or id(s) in names or self._in_script(s.start) or id(s) in self._split_strings:
                continue
            triton = self._in_triton(s.start) or (id(attr) in server_lists and s.value.startswith("--"))
            shell = attr.name in ("command", "commands", "args", "entrypoint")
            if s.heredoc:
                out.append(Region(s.value, base=s.offsets[0], triton=triton, shell=shell, label=attr.name))
            else:
                out.append(Region(s.value, offsets=s.offsets, triton=triton, shell=shell,
                                  image_context=attr.name == "image", label=attr.name))
        out += self._script_regions()
        return out

    def _script_regions(self) -> list[Region]:
        """The regions of the shell scripts held in strings; a script written in a Triton context (a ``template``'s
        ``data`` of the server's Nomad task, which the task runs beside the server) is in it: its URLs to
        ``localhost`` are the server's."""
        if self.shell is None:
            return []
        return [r if r.triton or not self._in_triton(r.off(0)) else dataclasses.replace(r, triton=True)
                for r in self.shell.regions() if r.text.strip()]

    def _groups(self, c: Container) -> list[list[Segment | None]]:
        """The argument lists of a container: its command line, its exec probes, script checks."""
        groups = [c.segments]
        if c.style == "kubernetes":
            for probe in PROBES:
                ex = _sub(c.block, probe, "exec")
                if ex is not None:
                    groups.append([self._list_segment(ex.attr("command"), probe)])
                elif c.resource is not None and c.resource.labels[0] in CONTAINER_GROUPS:
                    groups += self._group_probe_exec(c, probe)
        elif c.style in ("docker", "ecs"):
            if c.style == "docker":
                test = _sub(c.block, "healthcheck")
                seg = self._list_segment(test.attr("test"), "healthcheck") if test is not None else None
            else:
                check = _keys(c.definition).get("healthCheck") if c.definition is not None else None
                cmd = _keys(check).get("command") if check is not None and check.kind == "object" else None
                seg = self._list_segment_of(cmd, "healthCheck")
            if seg is not None and seg.words and seg.words[0].value == "CMD" and len(seg.words) > 1:
                groups.append([Segment(seg.words[1:], seg.syntax, "healthcheck")])
        else:
            for _svc, checks in self._nomad_services(c):
                for ch in checks:
                    if _text(ch.attr("type")) == "script":
                        cmd = ch.attr("command")
                        seg = self._list_segment(cmd, "check") if cmd is not None and cmd.value.kind != "string" \
                            else (Segment([cmd.value.string.word()], H.HclListSyntax(self.irregular), "check")
                                  if cmd is not None else None)
                        groups.append([seg, self._list_segment(ch.attr("args"), "check")])
        return groups

    def _group_probe_exec(self, c: Container, probe: str) -> list[list[Segment | None]]:
        """A container group's probe that runs a command: ``readiness_probe { exec = ["curl", ...] }``."""
        b = c.block.block(probe)
        return [[self._list_segment(b.attr("exec"), probe)]] if b is not None and b.attr("exec") is not None else []

    def commands(self) -> list[CommandSite]:
        if self._sites is None:
            sites: list[CommandSite] = []
            seen: set[tuple[int, ...]] = set()
            for c in self.containers:
                for segs in self._groups(c):
                    present = [s for s in segs if s is not None]
                    for site in [CommandSite(s.words, s, c.triton, self.text) for s in present] + \
                            self._nested(segs, c.triton):
                        key = tuple(id(w) for w in site.words)
                        if key not in seen:
                            seen.add(key)
                            sites.append(site)
            self._sites = sites + (self.shell.commands() if self.shell is not None else [])
        return self._sites

    def _nested(self, segs: list[Segment | None], triton: bool) -> list[CommandSite]:
        """``sh -c "..."`` scripts among the words of ``segs``, with a syntax that escapes for the
        HCL string around them."""
        present = [s for s in segs if s is not None]
        if not present:
            return []
        if isinstance(present[0].syntax, YamlListSyntax):  # a heredoc's JSON or YAML: its strings' escapes
            return YS.nested_sites(present[0].syntax.src, segs, self.text, triton)
        words = [w for s in present for w in s.words]
        out = []
        for site in C.nested(Segment(words, present[0].syntax, present[0].label), self.text, triton):
            if not site.words:
                continue
            owner = next(((s, w) for s in present for w in s.words if w.start <= site.words[0].start < w.end), None)
            if owner is None:
                continue
            seg, script = owner
            site.segment = Segment(site.words, H.HclShellSyntax(self.irregular, heredoc=script.quote == ""), seg.label)
            out.append(site)
        return out

    # --- shell scripts in strings ---------------------------------------------------------------
    def _scripts(self) -> list["H.Str"]:
        """Strings that a shell runs: a heredoc or string that starts with a shell's ``#!``, the
        ``command`` of a ``local-exec`` provisioner, the ``inline`` lines of a ``remote-exec`` one,
        a ``metadata_startup_script``; Packer's ``shell``/``shell-local`` provisioners alike. A string whose characters do not all stand verbatim in the
        file (escapes), or that the shell lexer cannot read, is left to the text rules."""
        argv = {w.start for c in self.containers for segs in self._groups(c) for seg in segs if seg is not None
                for w in seg.words}
        out = []
        for s, attr in self._strings:
            if not s.value or s.irregular or s.start in argv:
                continue
            block = attr.parent
            prov = block.labels[0] if block is not None and block.type == "provisioner" and block.labels else ""
            # (Packer: the ``inline`` lines of a ``shell`` or ``shell-local`` provisioner, the ``command`` of
            # a ``shell-local`` one)
            if not (_SHEBANG.match(s.value.lstrip()) or (prov in ("local-exec", "shell-local") and attr.name == "command")
                    or (prov in ("remote-exec", "shell", "shell-local") and attr.name == "inline")
                    or attr.name == "metadata_startup_script"):
                continue
            try:
                lex(s.value, s.offsets)
            except ShellSyntaxError:
                continue
            out.append(s)
        return out

    @property
    def shell(self) -> "ShellDoc | None":
        """The shell scripts of the file, read as one shell document over a copy of the text in
        which everything else is blank (so its offsets are this document's)."""
        if self._shell is False:
            scripts = self._scripts()
            self._shell = None
            if scripts:
                parts, pos = [], 0
                for s in sorted(scripts, key=lambda s: s.start):
                    a, b = s.offsets[0], s.offsets[-1] + 1
                    gap = _BLANK.sub(" ", self.text[pos:a])
                    if parts and gap.startswith(" "):
                        gap = ";" + gap[1:]  # the script before ends here
                    parts += [gap, self.text[a:b]]
                    pos = b
                parts.append(_BLANK.sub(" ", self.text[pos:]))
                from .shell import ShellDoc

                try:
                    self._shell = ShellDoc(self.path, "".join(parts))
                except ProcessingError:
                    return None  # the scripts together do not read: left to the text rules
                self._script_spans = sorted((s.start, s.end) for s in scripts)
        return self._shell

    def _in_script(self, offset: int) -> bool:
        if self.shell is None:
            return False
        k = bisect.bisect_right(self._script_spans, (offset, len(self.text) + 1)) - 1
        return k >= 0 and offset < self._script_spans[k][1]

    def command_lines(self) -> list[CommandLine]:
        return [cl for cl, _ in self._server_lines()] + (self.shell.command_lines() if self.shell is not None else [])

    def _server_lines(self) -> list[tuple[CommandLine, Container]]:
        if self._lines is None:
            found: dict[tuple, tuple[CommandLine, Container]] = {}
            for c in self.containers:
                if c.triton:
                    for cl in self._lines_of(c):
                        found.setdefault(tuple(id(w) for seg in cl.segments for w in seg.words), (cl, c))
            self._lines = list(found.values())
        return self._lines

    def _lines_of(self, c: Container) -> list[CommandLine]:
        """The binary in one segment with the words after it and the segments that follow (an
        entrypoint that only wraps it leaves it to the next); options alone in ``args`` of a Triton
        image; or a ``sh -c`` script. Words never move between segments."""
        segs = [s for s in c.segments if s is not None]
        extra = {"container" if c.style in ("kubernetes", "ecs") else "task" if c.style == "nomad" else "docker_container":
                 c.name if c.style != "docker" else c.block.labels[1]}
        out: list[CommandLine] = []

        def line(parts: list[Segment], server: Word | None) -> CommandLine:
            v1 = c.v1 or (server is not None and C.is_v1_binary(server.value))
            cl = CommandLine(self.text, parts, server, v1, parts[0].label, dict(extra))
            if c.image_span is not None:
                cl.images = (c.image_span,)
            return cl

        words = [w for s in segs for w in s.words]
        i = C.command_index(words)
        if i is not None:
            k = 0
            while i >= len(segs[k].words):
                i -= len(segs[k].words)
                k += 1
            server = C.server_word(segs[k].words[i:])
            if server is not None:
                head = Segment(segs[k].words[segs[k].words.index(server):], segs[k].syntax, segs[k].label)
                out.append(line([head] + segs[k + 1:], server))
        args = c.segments[-1]
        if not out and args is not None and len(segs) == 1 and segs[0] is args and args.words[0].value.startswith("--"):
            out.append(line([args], None))
        for site in self._nested(c.segments, True):
            server = C.server_word(site.words)
            if server is not None:
                head = Segment(site.words[site.words.index(server):], site.segment.syntax, site.segment.label)
                out.append(line([head], server))
        return out

    # --- ports ----------------------------------------------------------------------------------
    def port_sites(self) -> list[PortSites]:
        out = []
        for cl, c in self._server_lines():
            if c.style == "kubernetes":
                out.append(self._k8s_ports(cl, c))
            elif c.style == "nomad":
                out.append(self._nomad_ports(cl, c))
            elif c.style == "ecs":
                out.append(self._ecs_ports(cl, c))
            else:
                ports = c.block.blocks("ports")
                lists = [PortList("kubernetes", f"docker_container {c.block.labels[1]} ports",
                                  [self._entry(p, "internal") for p in ports], "internal", assign=" = ")] if ports else []
                out.append(PortSites([cl], lists, style="kubernetes"))
        vm = self._vm_check_ports()
        return out + (self.shell.port_sites() if self.shell is not None else []) + (
            [PortSites(None, probes=vm, style="kubernetes")] if vm else [])

    def report_only(self) -> list[tuple[int, int, str]]:
        consul = [(a, b, " (a Consul service named for the server: which server it checks is known only where its "
                   "agent runs; change it where it checks V2)") for a, b in self._consul_services()]
        return consul + (self.shell.report_only() if self.shell is not None else []) + self._unread_heredocs()

    # --- who reaches whom (the follow-through of a run) -----------------------------------------
    def topology(self) -> Topology:
        """The server's ``docker_container`` with its published ``ports`` (``external``), the pods of
        Kubernetes workloads with their containers, and ``kubernetes_service`` objects with literal selectors
        (a ``node_port`` publishes on every node)."""
        out = Topology(builds=self._bake_builds())
        lines_of: dict[int, list[CommandLine]] = {}
        for cl, c in self._server_lines():
            lines_of.setdefault(id(c), []).append(cl)
        pods: dict[int, PodSite] = {}
        # the strings of the file by where they start, for each container's own (one search a container)
        placed = sorted(((r.offsets[0] if r.offsets else r.base), k) for k, r in enumerate(self.regions()))
        starts = [x for x, _k in placed]
        for c in self.containers:
            lines = lines_of.get(id(c), [])
            if c.style == "docker" and lines:
                entries = [PortEntry(_text(p.attr("internal")), Span(p.start, p.end), lambda p=p: [self._delete_block(p)],
                                     host=_text(p.attr("external"))) for p in c.block.blocks("ports")]
                out.docker_runs.append(DockerRunSite(c.image, PortList("docker", "ports", entries), lines, command=True))
            elif c.style == "kubernetes" and c.resource is not None:
                pod = pods.get(id(c.resource))
                if pod is None:
                    meta = c.resource.block("metadata")
                    kind = _KINDS.get(re.sub(r"^kubernetes_|_v1$", "", c.resource.labels[0]), "")
                    pod = pods[id(c.resource)] = PodSite(kind, (_text(meta.attr("name")) if meta is not None else None) or "",
                                                         _text(meta.attr("namespace")) if meta is not None else None,
                                                         dict(c.labels), [])
                    out.pods.append(pod)
                names, probes, port_list = self._k8s_port_sites(c)
                regions = [self.regions()[k] for _x, k in placed[bisect.bisect_left(starts, c.block.start):
                                                                  bisect.bisect_left(starts, c.block.end)]]
                # its probes' and strings' paths, and (a container that is no server of its own) the objects that
                # hold its checks' paths: a container that runs an image built from a server's Dockerfile is
                # that server (rules/follow.py)
                pod.containers.append(ContainerSite(c.name, c.image, lines, names, port_list, probes, regions,
                                                    command=c.block.attr("command") is not None,
                                                    refs=[] if c.triton else self._refs_of(c)))
        for svc in self.services:
            spec, meta = svc.block("spec"), svc.block("metadata")
            selector = _literal_map(spec.attr("selector")) if spec is not None else {}
            ports = []
            for p in spec.blocks("port") if spec is not None else []:
                port = _text(p.attr("port"))
                if port is not None:
                    entry = PortEntry(_text(p.attr("target_port")) or port, Span(p.start, p.end),
                                      lambda p=p: [self._delete_block(p)], host=_text(p.attr("node_port")))
                    ports.append(ServicePort(port, _text(p.attr("name")), entry.port or port, entry))
            ref = spec.attr("selector") if spec is not None else None
            selects = None
            if not selector and ref is not None and ref.value.kind == "other" and ".labels" in ref.value.raw:
                parts = ref.value.raw.strip().split(".")
                if len(parts) > 2 and parts[0] in WORKLOADS:  # ``kubernetes_deployment.x.spec[0]...labels``
                    selects = (self._module(), "workload", f"{parts[0]}.{parts[1]}")
            if selector or selects:
                name = (_text(meta.attr("name")) if meta is not None else None) or svc.labels[1]
                ns = _text(meta.attr("namespace")) if meta is not None else None
                out.services.append(ServiceSite(name, ns, selector, ports, selects=selects))
                # the health check a cloud load balancer sends through it (its annotations)
                paths = [Region(e.string.value, offsets=e.string.offsets, label="annotation") for e in _check_paths(svc)
                         if e.kind == "string" and e.string is not None and not e.string.dynamic and not e.string.heredoc]
                if paths:
                    out.routes.append(RouteSite("Service", name, ns, None, False, paths))
        out.checks += self._checks() + self._listener_routes()
        # what another application's health checks take: a change there is not the server's alone
        out.other_refs += [ref for c in self.containers if not c.triton for ref in self._refs_of(c)]
        out.ref_links += self._ref_links()
        return out

    def resolve(self, value: str) -> str:
        return self.shell.resolve(value) if self.shell is not None else value

    def held(self, value: str) -> str | None:
        return self.shell.held(value) if self.shell is not None else None

    def _module(self) -> str:
        """The Terraform module of this file (its folder): where ``var.x`` and resource names are known."""
        import os

        return os.path.dirname(os.path.realpath(self.path)) if self.path else ""

    def health_refs(self, cl: CommandLine) -> list[tuple[str, str, str]]:
        """The objects of the module, written apart, that hold the path of a health check of the server of
        ``cl`` (``CheckSite``): the variable or local value a probe's, a Service's load balancer annotation's or
        a target group's path names (``path = var.health_path``, its default in ``variables.tf``), and the
        target groups the ``load_balancer`` of an ECS service of this file sends to the server's container (or that
        stand on its ports with no ECS service in this file: ``_unlinked_target_groups``)."""
        if self._line_containers is None:  # (built once: asked for each server line)
            self._line_containers = {}
            for line, c in self._server_lines():
                self._line_containers.setdefault(_word_spans(line), c)
        c = self._line_containers.get(_word_spans(cl))
        return self._refs_of(c) if c is not None else []

    def _refs_of(self, c: Container) -> list[tuple[str, str, str]]:
        """What ``health_refs`` says of the container ``c`` (a server's, or another application's)."""
        scope = self._module()
        blocks = [c.block]
        out: list[tuple[str, str, str]] = []
        if c.style == "kubernetes":
            blocks += self.services_selecting(c)
            if c.resource is not None:  # a Service of another file may select its labels by reference
                out.append((scope, "workload", f"{c.resource.labels[0]}.{c.resource.labels[1]}"))
        elif c.style == "ecs":
            blocks += self._target_groups(c) + self._unlinked_target_groups(c)
        elif c.style == "nomad":
            blocks += [svc for svc, _checks in self._nomad_services(c)]
        for b in blocks:
            for e in _check_paths(b):
                m = _NAMED.fullmatch(e.raw.strip())
                if m is not None:
                    out.append((scope, m.group(1), m.group(2)))
        if c.style == "ecs":
            for svc in (r for r in self._resources() if r.labels[0] == "aws_ecs_service"):
                for lb in svc.blocks("load_balancer"):
                    arn = lb.attr("target_group_arn")
                    ref = arn.value.raw.split(".") if arn is not None and arn.value.kind == "other" else []
                    if _text(lb.attr("container_name")) == c.name and len(ref) >= 2 and ref[0] in TARGET_GROUPS:
                        out.append((scope, ref[0], ref[1]))
            # a target group on its ports that an ECS service of another file sends to it
            out += [(scope, tg.labels[0], tg.labels[1]) for tg in self._unlinked_target_groups(c)]
            if c.resource is not None:  # an ECS service of another file names the task definition and container
                out.append((scope, "ecs_container", f"{c.resource.labels[0]}.{c.resource.labels[1]}:{c.name}"))
        return list(dict.fromkeys(out))

    def _ref_links(self) -> list[tuple[tuple[str, str, str], tuple[str, str, str]]]:
        """What checks what, said by this file for objects of others (``Topology.ref_links``): an ECS service's
        ``load_balancer`` sends the target group's checks to a container of a task definition; a target group's
        ``health_check`` path that is a variable or a local value; a module's variable that a ``module`` block of
        this file sets from one of this configuration's variables (``health_path = var.ready_path``)."""
        scope = self._module()
        out = []
        for r in self._resources():
            if r.labels[0] == "aws_ecs_service":
                task = r.attr("task_definition")
                tref = task.value.raw.split(".") if task is not None and task.value.kind == "other" else []
                for lb in r.blocks("load_balancer"):
                    arn, name = lb.attr("target_group_arn"), _text(lb.attr("container_name"))
                    ref = arn.value.raw.split(".") if arn is not None and arn.value.kind == "other" else []
                    if len(tref) >= 2 and name and len(ref) >= 2 and ref[0] in TARGET_GROUPS:
                        out.append(((scope, "ecs_container", f"{tref[0]}.{tref[1]}:{name}"), (scope, ref[0], ref[1])))
            elif r.labels[0] in TARGET_GROUPS:
                for e in _check_paths(r):
                    m = _NAMED.fullmatch(e.raw.strip())
                    if m is not None:
                        out.append(((scope, r.labels[0], r.labels[1]), (scope, m.group(1), m.group(2))))
        for _b, target, it in self._module_arguments():  # ``health_path = var.ready_path``: the caller's variable
            m = _NAMED.fullmatch(it.value.raw.strip())
            if m is not None:
                out.append(((target, "var", it.name), (scope, m.group(1), m.group(2))))
        return out

    def _module_arguments(self) -> list[tuple["H.Block", str, "H.Attribute"]]:
        """The arguments this file gives the variables of a module of the tree (``module "x" { source =
        "../modules/x" ... }``, a local path): (the module block, the module's folder (real path), the argument)."""
        import os

        out = []
        here = self._module()
        for b in self.tree.root.blocks("module"):
            source = _text(b.attr("source"))
            if not here or not source or not source.startswith(("./", "../")):
                continue  # a registry or remote module: its variables are not in the tree
            target = os.path.realpath(os.path.join(here, source))
            out += [(b, target, it) for it in b.items if isinstance(it, H.Attribute) and it.name not in _MODULE_META]
        return out

    def _checks(self) -> list[CheckSite]:
        """The module's values that may be a health check's path (a variable's or local value's default that is
        a path, the value a ``.tfvars`` file of the module's folder gives a variable), its target groups'
        health check paths, and the values this file gives the variables of a module it calls (scoped to that
        module's folder): whose they are, the objects that name them say."""
        scope = self._module()
        out: list[CheckSite] = []

        def site(kind: str, name: str, e: "H.Expr | None", label: str, where: str = scope) -> None:
            st = e.string if e is not None and e.kind == "string" else None
            if st is not None and not st.dynamic and not st.heredoc and st.value.startswith("/"):
                out.append(CheckSite(where, kind, name, None, [Region(st.value, offsets=st.offsets, label=label)]))

        for b in self.tree.root.blocks("variable"):
            if len(b.labels) == 1 and b.attr("default") is not None:
                site("var", b.labels[0], b.attr("default").value, "default")  # type: ignore[union-attr]
        if self.path.endswith(".tfvars"):  # the values a run of the module in this folder gives its variables
            for it in self.tree.root.items:
                if isinstance(it, H.Attribute):
                    site("var", it.name, it.value, it.name)
        for b in self.tree.root.blocks("locals"):
            for it in b.items:
                if isinstance(it, H.Attribute):
                    site("local", it.name, it.value, it.name)
        for r in self._resources():
            if r.labels[0] in TARGET_GROUPS:
                check = r.block("health_check")
                path = check.attr("path") if check is not None else None
                site(r.labels[0], r.labels[1], path.value if path is not None else None, "path")
        for b, target, it in self._module_arguments():  # a value the caller gives a variable of the module
            site("var", it.name, it.value, f"module {b.labels[0] if b.labels else '?'}", target)
        return out

    def _listener_routes(self) -> list[CheckSite]:
        """``aws_lb_listener_rule`` resources that forward requests to a target group of the module
        (``action { target_group_arn = aws_lb_target_group.x.arn }``, or the target groups of its ``forward``
        block): the path patterns of their conditions (``condition { path_pattern { values = [...] } }``, or
        the older ``field = "path-pattern"``), as routes to that target group, whose server its checks say."""
        scope = self._module()
        out: list[CheckSite] = []
        for r in self._resources():
            if r.labels[0] not in LISTENER_RULES:
                continue
            paths = []
            for cond in r.blocks("condition"):
                holders = cond.blocks("path_pattern") if _text(cond.attr("field")) != "path-pattern" else [cond]
                for h in holders:
                    values = h.attr("values")
                    for it in values.value.items if values is not None and values.value.kind == "tuple" else ():
                        st = it.string if it.kind == "string" else None
                        if st is not None and not st.dynamic and not st.heredoc and st.value.startswith("/"):
                            paths.append(Region(st.value, offsets=st.offsets, label="path_pattern"))
            if not paths:
                continue
            arns = [a.attr("target_group_arn") for a in r.blocks("action")]
            arns += [tg.attr("arn") for a in r.blocks("action") for f in a.blocks("forward")
                     for tg in f.blocks("target_group")]
            for arn in arns:
                ref = arn.value.raw.split(".") if arn is not None and arn.value.kind == "other" else []
                if len(ref) >= 2 and ref[0] in TARGET_GROUPS:
                    out.append(CheckSite(scope, ref[0], ref[1], None, paths, route=f"the listener rule {r.labels[1]}"))
        return out

    def tag_variable(self, name: str) -> tuple[str, Span] | None:
        """``image = "nvcr.io/nvidia/tensorrtserver:${var.trtis_version}-py3"`` with ``variable
        "trtis_version" { default = "20.02" }`` in this file: the default and the span of its value,
        when the variable is declared once with a plain string default and every use of it is such an
        image tag (so changing it changes nothing else; a ``.tfvars`` file may still set it: the
        finding says so). Other names: the embedded scripts' variables."""
        if not name.startswith("var."):
            return self.shell.tag_variable(name) if self.shell is not None else None
        var = name[4:]
        blocks = [b for b in self.tree.root.blocks("variable") if b.labels == [var]]
        default = blocks[0].attr("default") if len(blocks) == 1 else None
        if default is None or default.value.kind != "string":
            return None
        s = default.value.string
        if s.dynamic or s.heredoc or not is_plain(s) or not s.value:
            return None
        if not used_only_as_image_tag([self.text], r"(?<![\w.])var\." + re.escape(var) + r"(?![\w-])",
                                      r"\$\{var\." + re.escape(var) + r"\}"):
            return None
        return (s.value, Span(s.offsets[0], s.offsets[-1] + 1),
                f"a .tfvars file, TF_VAR_{var} or -var may set it too: set the new tag there as well")

    def _probe(self, probe: str, attr: "H.Attribute | None") -> ProbePort | None:
        if attr is None:
            return None
        v = attr.value
        if v.kind == "number":
            return ProbePort(probe, v.raw, Span(v.start, v.end))
        if v.kind == "string" and not v.string.dynamic and not v.string.heredoc and is_plain(v.string):
            return ProbePort(probe, v.string.value, Span(v.start, v.end), '"')
        return None

    def _k8s_port_sites(self, c: Container) -> tuple[dict[str, str], list[ProbePort], PortList | None]:
        """A Terraform Kubernetes container's port names (name or number -> container port), its probes' ports
        and its ``port`` blocks."""
        names: dict[str, str] = {}
        for p in c.block.blocks("port"):
            port = _text(p.attr("container_port"))
            if port is not None:
                names[port] = port
                name = _text(p.attr("name"))
                if name is not None:
                    names[name] = port
        probes = []
        for probe in PROBES:
            for handler in HANDLERS:
                h = _sub(c.block, probe, handler)
                pp = self._probe(probe, h.attr("port")) if h is not None else None
                if pp is not None:
                    probes.append(pp)
        ports = c.block.blocks("port")
        port_list = PortList("kubernetes", f"container {c.name or '?'} ports",
                             [self._entry(p, "container_port") for p in ports], "container_port", assign=" = ") \
            if ports else None
        if c.resource is not None and c.resource.labels[0] in CONTAINER_GROUPS:
            port_list = self._group_ports(c, names)
        return names, probes, port_list

    def _group_ports(self, c: Container, names: dict[str, str]) -> PortList | None:
        """A container group's container ``ports { port = 8000 }`` blocks (numbers: ACI names no port)."""
        ports = c.block.blocks("ports")
        for p in ports:
            port = _text(p.attr("port"))
            if port is not None:
                names[port] = port
        return PortList("kubernetes", f"container {c.name or '?'} ports", [self._entry(p, "port") for p in ports],
                        "port", assign=" = ") if ports else None

    def _k8s_ports(self, cl: CommandLine, c: Container) -> PortSites:
        names, probes, port_list = self._k8s_port_sites(c)
        sites = PortSites([cl], style="kubernetes", port_names=names, probes=probes)
        if port_list is not None:
            sites.lists.append(port_list)
        for svc in self.services_selecting(c):
            spec = svc.block("spec")
            sports = spec.blocks("port") if spec is not None else []
            if sports:
                meta = svc.block("metadata")
                name = _text(meta.attr("name")) if meta is not None else None
                sites.lists.append(PortList("kubernetes", f"Service {name or svc.labels[1]} ports",
                                            [self._entry(p, "target_port", "port") for p in sports], "target_port",
                                            assign=" = ", service=True))
        return sites

    def _ecs_ports(self, cl: CommandLine, c: Container) -> PortSites:
        """An ECS container's ``portMappings`` (``containerPort``), and what sends a load balancer's requests and
        health checks to it: the target groups an ``aws_ecs_service`` of this file sends to it (the service's
        ``load_balancer`` names the container port), or that stand on its ports with no service of the file
        (``_unlinked_target_groups``; the target group's ``port``); each target group's ``health_check`` port is a
        probe, which knows the port the target group's traffic goes to (``traffic-port``)."""
        sites = PortSites([cl], style="kubernetes")
        # the container ports an ECS service of this file sends a load balancer's requests to: they stay mapped
        sent = {_text(lb.attr("container_port")) for svc in self._resources() if svc.labels[0] == "aws_ecs_service"
                for lb in svc.blocks("load_balancer") if _text(lb.attr("container_name")) == c.name}
        maps = _keys(c.definition).get("portMappings") if c.definition is not None and c.definition.kind == "object" \
            else None
        if maps is not None and maps.kind == "tuple" and maps.items and all(it.kind == "object" for it in maps.items):
            written = id(maps) in self._yaml_lists  # JSON in a heredoc: no trailing comma
            entries = []
            for k, it in enumerate(maps.items):
                keys = _keys(it)
                port, host = keys.get("containerPort"), keys.get("hostPort")
                remove = (lambda k=k: [_delete_json_item(maps.items, k)]) if written \
                    else (lambda k=k: [_delete_item(self.text, maps.items, k)])
                number = port.text if port is not None else None
                entries.append(PortEntry(number, Span(it.start, it.end), None if number in sent else remove,
                                         host=host.text if host is not None else None))
            sites.lists.append(PortList("kubernetes", f"container {c.name or '?'} portMappings", entries,
                                        "containerPort", assign=": " if written else " = "))
        groups = {(r.labels[0], r.labels[1]): r for r in self._resources() if r.labels[0] in TARGET_GROUPS
                  and len(r.labels) > 1}
        traffic: dict[int, str | None] = {}  # a target group -> the container port its traffic goes to
        for svc in (r for r in self._resources() if r.labels[0] == "aws_ecs_service"):
            for lb in svc.blocks("load_balancer"):
                arn = lb.attr("target_group_arn")
                ref = arn.value.raw.split(".") if arn is not None and arn.value.kind == "other" else []
                if _text(lb.attr("container_name")) != c.name or len(ref) < 2 or tuple(ref[:2]) not in groups:
                    continue
                tg, port = groups[tuple(ref[:2])], lb.attr("container_port")
                traffic[id(tg)] = _text(port)
                if port is not None:
                    sites.lists.append(PortList("target", f"the load_balancer of aws_ecs_service {svc.labels[1]}",
                                                [PortEntry(_text(port), Span(port.value.start, port.value.end))],
                                                "container_port", assign=" = "))
        for tg in self._unlinked_target_groups(c):
            port = tg.attr("port")
            traffic[id(tg)] = _text(port)
            if port is not None:
                sites.lists.append(PortList("target", f"the target group {tg.labels[1]}",
                                            [PortEntry(_text(port), Span(port.value.start, port.value.end))], "port",
                                            assign=" = "))
        for tg in list({id(g): g for g in self._target_groups(c) + self._unlinked_target_groups(c)}.values()):
            check = tg.block("health_check")
            pp = self._probe(f"the health_check of target group {tg.labels[1]}", check.attr("port")) \
                if check is not None else None
            if pp is not None:
                pp.traffic, pp.string = traffic.get(id(tg)), True
                sites.probes.append(pp)
        return sites

    def _entry(self, p: "H.Block", key: str, fallback: str | None = None, removes=None) -> PortEntry:
        port = _text(p.attr(key))
        if port is None and fallback is not None:
            port = _text(p.attr(fallback))
        name = _text(p.attr("name")) if p.type == "port" and not p.labels else (p.labels[0] if p.labels else None)
        return PortEntry(port, Span(p.start, p.end), removes or (lambda p=p: [self._delete_block(p)]), name=name)

    def _nomad_ports(self, cl: CommandLine, c: Container) -> PortSites:
        """The task's port labels, its services' and checks' ports, and the ports of its group's ``network`` and (the
        shape before Nomad 0.12) of its ``resources { network {} }``, whose container ports the docker driver's
        ``port_map`` gives. A port of no number (dynamic) is the task's ``${NOMAD_PORT_<label>}``, as the server's
        options may write it."""
        config = c.block.block("config")
        port_map = config.block("port_map") if config is not None else None
        mapped = {a.name: a for a in port_map.items if isinstance(a, H.Attribute)} if port_map is not None else {}
        res = c.block.block("resources")
        nets = [(net, f"group {c.group.labels[0] if c.group.labels else '?'} network ports")
                for net in (c.group.blocks("network") if c.group is not None else [])]
        nets += [(net, f"task {c.name} network ports") for net in (res.blocks("network") if res is not None else [])]
        names: dict[str, str] = {}
        found: list[tuple[H.Block, str | None, str, str | None]] = []  #: (block, port, where, label)
        for net, where in nets:
            for p in net.blocks("port"):
                label = p.labels[0] if p.labels else None
                port = _text(p.attr("to")) or (_text(mapped[label]) if label in mapped else None) \
                    or _text(p.attr("static"))
                if port is None and label is not None:
                    port = f"${{NOMAD_PORT_{label}}}"
                if label is not None and port is not None:
                    names[label] = port
                    names[port] = port
                    names[f"${{NOMAD_PORT_{label}}}"] = port
                found.append((p, port, where, label))
        sites = PortSites([cl], style="kubernetes", port_names=names)
        for svc, checks in self._nomad_services(c):
            for pp in (self._probe("service", svc.attr("port")), *(self._probe("check", ch.attr("port")) for ch in checks)):
                if pp is not None:
                    sites.probes.append(pp)
        tasks = c.group.blocks("task") if c.group is not None else [c.block]
        for where in dict.fromkeys(w for _p, _port, w, _l in found):
            entries = [PortEntry(port, Span(p.start, p.end), lambda p=p, label=label: self._remove_nomad_port(
                p, label, tasks, mapped.get(label) if label is not None else None), name=label)
                for p, port, w, label in found if w == where]
            sites.lists.append(PortList("kubernetes", where, entries, "to", assign=" = "))
        return sites

    def _remove_nomad_port(self, p: "H.Block", label: str | None, tasks: list["H.Block"],
                           mapped: "H.Attribute | None" = None) -> list[Edit]:
        """The port's block, its label in the ``ports`` of the group's tasks and its ``port_map`` entry."""
        edits = [self._delete_block(p)] + ([self._delete_block(mapped)] if mapped is not None else [])
        for t in tasks:
            config = t.block("config")
            attr = config.attr("ports") if config is not None else None
            if attr is None or attr.value.kind != "tuple":
                continue
            items = attr.value.items
            for k, it in enumerate(items):
                if it.kind == "string" and it.string.value == label:
                    edits.append(_delete_item(self.text, items, k))
        return edits

    def _delete_block(self, b: "H.Block") -> Edit:
        """A block with its lines when it stands on lines of its own, else just the block."""
        t = self.text
        ls = t.rfind("\n", 0, b.start) + 1
        m = re.compile(r"[ \t]*(?:\r?\n|$)").match(t, b.end)
        if not t[ls:b.start].strip(" \t") and m is not None:
            return Edit.delete(ls, m.end())
        return Edit.delete(b.start, b.end)

    # --- JSON and YAML in heredocs ---------------------------------------------------------------
    def _heredoc_value(self, v: "H.Expr | None") -> "H.Expr | None":
        """The value of JSON or YAML written in a heredoc (``container_definitions = <<DEFINITION``,
        ``yamldecode(<<-EOT ... EOT)``, ``jsondecode(...)``), as the expression it decodes to, each string at
        its offsets in the file; None when ``v`` is no such heredoc or it does not read (``_unread_heredocs``).
        The heredoc's lines are read in place, their indentation kept: uniformly indented YAML reads as it does
        once ``<<-`` strips the indentation. A string holding ``${`` or ``%{`` (an interpolation, or ``$${``
        that writes one) is known only at run time; a template directive (``%{ if }``) in the heredoc, or
        a string whose characters cannot be placed, and it is not read."""
        if v is not None and v.kind == "other" and v.call in ("yamldecode", "jsondecode") and len(v.args) == 1:
            v = v.args[0]
        s = v.string if v is not None and v.kind == "string" else None
        if s is None or not s.heredoc or not s.value.strip():
            return None
        got = self._heredocs.get(s.start)
        if got is None:
            got = self._heredocs[s.start] = self._read_heredoc(s)
        return got.value

    def _read_heredoc(self, s: "H.Str") -> "_Heredoc":
        h = _Heredoc(s)
        if _DIRECTIVE.search(s.value):
            return h
        a, b = s.offsets[0], s.offsets[-1] + 1
        t = self.text
        try:
            src = Y.load(_BLANK.sub(" ", t[:a]) + t[a:b] + _BLANK.sub(" ", t[b:]))
            if len(src.docs) != 1:
                return h
            h.value = self._yaml_expr(src, src.docs[0], "", h, set())
        except (ProcessingError, _Unplaced):
            h.value, h.strings, h.lists = None, [], []
            return h
        h.src = src
        for key, node, e in h.lists:
            self._yaml_lists[id(e)] = (src, node)
        self.irregular = self.irregular | {o for st, _label in h.strings for o in st.irregular}
        return h

    def _yaml_expr(self, src: "Y.YamlSource", node: "Y.Node", label: str, h: "_Heredoc", seen: set[int]) -> "H.Expr":
        """A composed JSON or YAML node as an HCL expression (objects, tuples, strings with their offsets)."""
        if id(node) in seen:  # an alias: read once
            raise _Unplaced
        seen.add(id(node))
        start, end = _content_start(src, node), Y.node_end(src, node)
        raw = self.text[start:end]
        if isinstance(node, Y.MappingNode):
            pairs = []
            for k, val in node.value:
                key = self._yaml_expr(src, k, label, h, seen)
                name = key.string.value if key.kind == "string" and key.string is not None else label
                pairs.append((key, self._yaml_expr(src, val, name, h, seen)))
            return H.Expr("object", start, end, raw, pairs=pairs)
        if isinstance(node, Y.SequenceNode):
            e = H.Expr("tuple", start, end, raw, items=[self._yaml_expr(src, it, label, h, seen) for it in node.value])
            h.lists.append((label, node, e))
            return e
        sc = src.scalar(node)
        if sc.offsets is None:
            raise _Unplaced
        if node.tag != Y.STR:
            kind = "null" if node.tag.endswith(":null") else "bool" if node.tag.endswith(":bool") else "number"
            return H.Expr(kind, sc.start, sc.end, raw)
        written = self.text[sc.start:sc.end]
        st = H.Str(sc.start, sc.end, sc.value, sc.offsets, "${" in written or "%{" in written, False,
                   frozenset(sc.irregular))
        h.strings.append((st, label))
        return H.Expr("string", sc.start, sc.end, raw, string=st)

    def _heredoc_regions(self, h: "_Heredoc") -> list[Region]:
        """The strings of a heredoc read as JSON or YAML, each a region under the key it stands under
        (``"image"``, ``"command"``); a heredoc that did not read is one region, as any string."""
        if h.value is None:
            return self._unread_regions(h.heredoc)
        out = []
        for st, label in h.strings:
            if not st.value or id(st) in self._split_strings:
                continue
            out.append(Region(st.value, offsets=st.offsets, triton=self._in_triton(st.start),
                              shell=label in ("command", "args", "entrypoint", "entryPoint"),
                              image_context=label == "image", label=label or "heredoc"))
        return out

    def _unread_regions(self, s: "H.Str") -> list[Region]:
        """A heredoc that holds V1 but did not read as JSON or YAML, as the values it seems to hold: each quoted
        string, and the rest of each line after a list's ``-`` or a key's ``:`` (so that ``"trtserver"`` followed
        by options reads as the server left, whatever stands around it), in a Triton context; one region when
        it holds no V1."""
        if not s.value:
            return []
        triton = self._in_triton(s.start) or self._holds_v1(s)
        if not triton:
            return [Region(s.value, base=s.offsets[0], label="heredoc")]
        base = s.offsets[0]
        return [Region(m.group(m.lastindex), base=base + m.start(m.lastindex), triton=True, label="heredoc")
                for m in _UNREAD_VALUE.finditer(s.value) if m.group(m.lastindex)]

    def _holds_v1(self, s: "H.Str") -> bool:
        return evidence.strong(s.value.encode("utf-8", "surrogatepass"))

    def _unread_heredocs(self) -> list[tuple[int, int, str]]:
        """Heredocs of container definitions, manifests and Helm values that hold V1 but do not read as JSON
        or YAML (a template directive, tabs in YAML's indentation): what is found in them is reported, not
        changed, so that no part of a container moves to V2 without the rest."""
        return [(h.heredoc.start, h.heredoc.end, " (this heredoc does not read as JSON or YAML: its container is "
                 "not migrated as a whole; migrate it by hand)") for h in self._heredocs.values()
                if h.value is None and self._holds_v1(h.heredoc)]

    def _values_heredoc_leaves(self, res: "H.Block") -> list[tuple[str, "H.Str"]]:
        """The string leaves (``image.repository``) of a ``helm_release``'s ``values`` written as YAML heredocs."""
        attr = res.attr("values")
        out: list[tuple[str, H.Str]] = []
        for item in attr.value.items if attr is not None and attr.value.kind == "tuple" else ():
            held = self._heredoc_value(item)
            if held is not None and held.kind == "object":
                _object_leaves(held, "", out)
        return out

    def _same_heredocs(self, new: "HclDoc") -> str | None:
        """The heredocs read as JSON or YAML read again, to the same shape (command lists may change length)."""
        old_h = sorted(self._heredocs.values(), key=lambda h: h.heredoc.start)
        new_h = sorted(new._heredocs.values(), key=lambda h: h.heredoc.start)
        if len(old_h) != len(new_h):
            return "the heredocs read as JSON or YAML changed"
        for h, n in zip(old_h, new_h):
            if h.src is None:
                continue
            if n.src is None:
                return f"the heredoc at line {self.position(h.heredoc.start)[0]} no longer reads as JSON or YAML"
            problem = Y.same_structure(h.src, n.src, _HEREDOC_EDITABLE, frozenset({"port", "targetPort"}))
            if problem:
                return f"the heredoc at line {self.position(h.heredoc.start)[0]}: {problem}"
        return None

    # --- environment ----------------------------------------------------------------------------
    def _env_name_strings(self) -> list["H.Str"]:
        out = []
        for c in self.containers:
            if c.style == "kubernetes":
                for env in c.block.blocks("env"):
                    name = env.attr("name")
                    if name is not None and name.value.kind == "string":
                        out.append(name.value.string)
        return out

    def env_definitions(self) -> list[tuple[str, Span]]:
        out = []
        for s in self._env_name_strings():
            if not s.dynamic and s.offsets:
                out.append((s.value, Span(s.offsets[0], s.offsets[-1] + 1)))
        for c in self.containers:
            if c.style == "nomad":
                for env in c.block.blocks("env"):
                    for it in env.items:
                        if isinstance(it, H.Attribute):
                            out.append((it.name, Span(it.name_start, it.name_end)))
        return out

    # --- verification ---------------------------------------------------------------------------
    def same_structure(self, new: "HclDoc") -> str | None:
        """The same blocks and attributes in the same order, values of the same kind; the edits may
        change the length of command and port lists, remove ``port`` blocks, add an ``args`` list
        and turn a port name into a number."""
        problem = _compare(self.tree.root, new.tree.root, "") or self._same_heredocs(new)
        if problem is None and self.shell is not None:
            problem = self.shell.same_structure(new.shell) if new.shell is not None else "a shell script changed"
        return problem


# --- helpers ---------------------------------------------------------------------------------------

def _word_spans(cl: CommandLine) -> tuple[tuple[int, int], ...]:
    """What tells a server line from another: the span of each of its words."""
    return tuple((w.start, w.end) for seg in cl.segments for w in seg.words)


def _keys(obj: "H.Expr") -> dict[str, "H.Expr"]:
    """The values of an object expression by key (``name = ...``, ``"name" = ...``, ``"name": ...``)."""
    out = {}
    for k, v in obj.pairs:
        key = k.raw if k.kind == "ident" else k.text
        if key is not None:
            out.setdefault(key, v)
    return out


def _check_paths(block: "H.Block") -> list["H.Expr"]:
    """The values of ``block`` (and the blocks inside it) that are a health check's request path: a probe's
    ``http_get`` path, a target group's ``health_check`` or a Nomad ``check`` path, a Service's load balancer
    annotation."""
    out: list[H.Expr] = []
    for b in block.walk():
        if b.type in ("http_get", "health_check", "check") and b.attr("path") is not None:
            out.append(b.attr("path").value)  # type: ignore[union-attr]
        ann = b.attr("annotations")
        if ann is not None and ann.value.kind == "object":
            out += [v for k, v in _keys(ann.value).items() if _LB_CHECK_KEYS.fullmatch(k)]
    return out


def _release_sets(res: "H.Block") -> list[tuple[str, "H.Str"]]:
    """A ``helm_release``'s ``set`` (and ``set_string``) blocks, or its ``set = [{...}]`` list: (name, value)
    of those whose value is a string."""
    pairs = [(b.attr("name"), b.attr("value")) for b in res.items
             if isinstance(b, H.Block) and b.type in ("set", "set_string")]
    for it in res.items:
        if isinstance(it, H.Attribute) and it.name in ("set", "set_string") and it.value.kind == "tuple":
            for obj in it.value.items:
                keys = _keys(obj) if obj.kind == "object" else {}
                pairs.append((keys.get("name"), keys.get("value")))
    out = []
    for name, value in pairs:
        n = name.value if isinstance(name, H.Attribute) else name
        v = value.value if isinstance(value, H.Attribute) else value
        if n is not None and n.text and v is not None and v.kind == "string" and v.string is not None:
            out.append((n.text, v.string))
    return out


def _object_leaves(obj: "H.Expr", prefix: str, out: list[tuple[str, "H.Str"]]) -> None:
    """The string leaves of an object expression by dotted key (``{image = {tag = "x"}}`` -> ``image.tag``)."""
    for k, v in obj.pairs:
        key = k.raw if k.kind == "ident" else k.text
        if not key:
            continue
        if v.kind == "object":
            _object_leaves(v, f"{prefix}{key}.", out)
        elif v.kind == "string" and v.string is not None:
            out.append((f"{prefix}{key}", v.string))


def _http_port(c: Container) -> str:
    """The HTTP port a server container's line gives (``--http-port=8080``), or the server's default."""
    return _line_http_port(_line_words(c))


def _named_for(r: "H.Block", names: set[str]) -> bool:
    """Whether a load balancer's target group or health check is named for the server: its label or ``name``
    names the inference server (``facts.TRITON_HOST``) or one of ``names`` (the server's ECS container and task
    definition): a port alone is no proof (another application on the same port, ``aws_lb_target_group.web``)."""
    written = [r.labels[1] if len(r.labels) > 1 else "", _text(r.attr("name")) or ""]
    return any(facts.TRITON_HOST.search(w) or any(n and n in w.lower() for n in names) for w in written if w)


def _line_http_port(words: list[str]) -> str:
    """The HTTP port the words of a server line give, or the server's default."""
    return _option_value(words, "http-port") or str(dict(facts.DEFAULT_PORTS)["http-port"])


def _health_port(c: Container) -> str | None:
    """The V1 health port a server container's line gives (``--http-health-port=8005``), or None."""
    return _option_value(_line_words(c), "http-health-port")


def _line_words(c: Container) -> list[str]:
    return [w.value for seg in c.segments if seg is not None for w in seg.words]


def _option_value(words: list[str], name: str) -> str | None:
    """The value the words give option ``--name`` (``--name=v`` or ``--name v``; the first), or None."""
    for i, w in enumerate(words):
        if w.startswith(f"--{name}="):
            return w.split("=", 1)[1]
        if w == f"--{name}" and i + 1 < len(words):
            return words[i + 1]
    return None


def _text(attr) -> str | None:
    return attr.value.text if attr is not None else None


def _sub(block: "H.Block", *path: str) -> "H.Block | None":
    b: H.Block | None = block
    for p in path:
        b = b.block(p) if b is not None else None
    return b


def is_plain(s: "H.Str") -> bool:
    return not s.irregular


def _literal_map(attr) -> dict[str, str]:
    """A map written as an object of literal keys and string values (``{ app = "triton" }``)."""
    if attr is None or attr.value.kind != "object":
        return {}
    out = {}
    for k, v in attr.value.pairs:
        key = k.raw if k.kind == "ident" else k.text
        val = v.text
        if key is None or val is None:
            return {}
        out[key] = val
    return out


def _task_ports(task: "H.Block") -> list[str]:
    config = task.block("config")
    attr = config.attr("ports") if config is not None else None
    if attr is None or attr.value.kind != "tuple":
        return []
    return [it.text for it in attr.value.items if it.text is not None]


def _expansion(e: "H.Expr") -> Word:
    """An expression known only at run time, as a word that expands to arguments (``${...}``)."""
    value = e.raw if e.raw.startswith("${") else "${" + e.raw + "}"
    offsets = list(range(e.start, e.end))
    if len(offsets) != len(value):
        offsets = [e.start, e.start] + offsets + [max(e.end - 1, e.start)]
    return Word(e.start, e.end, value, offsets[:len(value)], True, "", e.end)


def _delete_item(text: str, items: list, k: int) -> Edit:
    """Remove item ``k`` of a list: its line when it stands alone on one, else with one comma."""
    it = items[k]
    ls = text.rfind("\n", 0, it.start) + 1
    m = re.compile(r"[ \t]*,?[ \t]*(?:\r?\n)").match(text, it.end)
    if not text[ls:it.start].strip(" \t") and m is not None:
        return Edit.delete(ls, m.end())
    if k > 0:
        return Edit.delete(items[k - 1].end, it.end)
    if len(items) > 1:
        return Edit.delete(it.start, items[1].start)
    return Edit.delete(it.start, it.end)


def _delete_json_item(items: list, k: int) -> Edit:
    """Remove item ``k`` of a JSON list with the comma before it (the one after it, for the first): JSON has no
    trailing comma."""
    if k > 0:
        return Edit.delete(items[k - 1].end, items[k].end)
    if len(items) > 1:
        return Edit.delete(items[0].start, items[1].start)
    return Edit.delete(items[0].start, items[0].end)


def _shape(e: "H.Expr", name: str):
    if name in RETYPABLE and e.kind in ("string", "number"):
        return "port"
    if e.kind == "tuple":
        if name == "locals" and all(i.kind == "string" for i in e.items):
            return ("tuple", "strings")  # a local value that holds arguments (``_variable_default``)
        return ("tuple", None if name in EDITABLE else tuple(_shape(i, "") for i in e.items))
    if e.kind == "object":  # (an object's ``command`` and ``args`` lists may change length, as attributes' do)
        keys = [k.raw if k.kind == "ident" else k.text for k, _v in e.pairs]
        return ("object", tuple((key, _shape(v, key or "")) for key, (_k, v) in zip(keys, e.pairs)))
    if e.kind == "string":
        return ("heredoc" if e.string.heredoc else "string", e.string.dynamic)
    if e.kind == "other" and e.call and e.args:
        return _call_shape(e, name)
    return e.kind if e.kind != "other" else ("other", _skeleton(e))


def _call_shape(e: "H.Expr", name: str):
    """A function call read with its arguments (``jsonencode([{...}])``, ``concat([...], var.x)``): its name and
    the shape of each argument, as the attribute's own (``command`` and ``args`` lists inside it may change
    length; an item that is an expression - ``var.model_path``, ``tostring(var.poll)`` - keeps its place, which
    a run of strings read as one (``_skeleton``) could not say once an option was added after it); what is
    written around the arguments (an expansion ``...``) must stay."""
    outside = e.raw[:e.args[0].start - e.start] + e.raw[e.args[-1].end - e.start:]
    return ("call", e.call, re.sub(r"\s+", "", outside), tuple(_shape(a, name) for a in e.args))


def _skeleton(e: "H.Expr") -> str:
    """An expression the reader does not take apart (a function call: ``jsonencode([{...}])``) without
    its strings and blanks: a run of strings separated by commas reads as one (an edit adds or drops
    list items of strings inside it), everything else - names, keys, brackets - must stay."""
    parts, pos = [], e.start
    for st in sorted((x for x in e.strings if e.start <= x.start and x.end <= e.end), key=lambda x: x.start):
        if st.start < pos:
            continue
        parts.append(e.raw[pos - e.start:st.start - e.start])
        parts.append("\0")
        pos = st.end
    parts.append(e.raw[pos - e.start:])
    flat = re.sub(r"\s+", "", "".join(parts))
    return re.sub(r"\0(?:,\0)*,?", "\0", flat)


def _compare(a: "H.Block", b: "H.Block", where: str) -> str | None:
    ia, ib = a.items, b.items
    i = j = 0
    while i < len(ia) or j < len(ib):
        x = ia[i] if i < len(ia) else None
        y = ib[j] if j < len(ib) else None
        if x is not None and y is not None and type(x) is type(y):
            if isinstance(x, H.Attribute) and x.name == y.name:
                name = f"variable.{x.name}" if a.type == "variable" else "locals" if a.type == "locals" else x.name
                if _shape(x.value, name) != _shape(y.value, name):
                    return f"{where}{x.name} changed its kind of value"
                i, j = i + 1, j + 1
                continue
            if isinstance(x, H.Block) and x.type == y.type and x.labels == y.labels:
                problem = _compare(x, y, f"{where}{x.type}.")
                if problem:
                    return problem
                i, j = i + 1, j + 1
                continue
        if isinstance(x, H.Block) and x.type in REMOVABLE_BLOCKS or isinstance(x, H.Attribute) and a.type in REMOVABLE_ENTRIES:
            i += 1
            continue
        if isinstance(y, H.Attribute) and y.name in ADDABLE:
            j += 1
            continue
        what = x.name if isinstance(x, H.Attribute) else (x.type if x is not None else "")
        return f"the blocks and attributes changed at {where}{what or (y.name if isinstance(y, H.Attribute) else y.type)}"
    return None


def server_argv(doc: HclDoc) -> list[list[str]]:
    """The argv (binary and options) of each Triton container's server command line, decoded;
    words known only at run time are left out."""
    out = []
    for cl in doc.command_lines():
        binary = C.argv0(cl)
        out.append([binary] + [w.value for w, _ in cl.args() if not w.is_whole_expansion])
    return out


class TfvarsJsonDoc(Document):
    """Terraform's variable values written as JSON (``terraform.tfvars.json``, ``*.auto.tfvars.json``, ``-var-file``):
    each string value (an image, a path, an item of a list) where it is written, as a ``.tfvars`` file's are; the
    options of a list that names a model repository are a server's (``"server_args": ["--model-store=/m", ...]``).
    JSON has no comments."""

    kind = "hcl"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        try:
            json.loads(text.lstrip("\ufeff"))
        except ValueError as e:
            raise ProcessingError(f"not JSON: {e.args[0] if e.args else e}", getattr(e, "lineno", None)) from None
        from ..syntax import yamlsrc as Y

        self.src = Y.load(text)
        self._regions: list[Region] | None = None

    def regions(self) -> list[Region]:
        if self._regions is None:
            from ..syntax import yamlsrc as Y
            from ..syntax.yamlsrc import ScalarNode, SequenceNode

            server = {id(x) for n in self.src.nodes() if isinstance(n, SequenceNode)
                      and any(isinstance(x, ScalarNode) and _MODEL_REPOSITORY.match(str(x.value)) for x in n.value)
                      for x in n.value}
            self._regions = [Region(sc.value, offsets=sc.offsets, triton=id(node) in server and sc.value.startswith("--"),
                                    label=key) for node, sc, key in Y.string_values(self.src)]
        return self._regions

    def same_structure(self, new: "TfvarsJsonDoc") -> str | None:
        from ..syntax import yamlsrc as Y

        return Y.same_structure(self.src, new.src, frozenset())


def build(path: str, text: str) -> Document:
    """The HCL document; without the optional tree-sitter grammar (the ``[hcl]`` extra), the text
    document: its V1 evidence is reported, nothing is fixed. Variable values written as JSON
    (``*.tfvars.json``) need no grammar."""
    if path.lower().endswith(".json"):
        return TfvarsJsonDoc(path, text)
    try:
        importlib.import_module("tree_sitter")
        importlib.import_module("tree_sitter_hcl")
        importlib.import_module(f"{__package__.rpartition('.')[0]}.syntax.hcl")
    except ImportError:
        return TextDoc(path, text, "hcl")
    return HclDoc(path, text)
