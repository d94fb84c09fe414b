"""The follow-through of a run (rules/follow.py, TDM407/TDM408): what reaches a migrated server from
any file of the run follows its removed health port and its moved health paths.

- ``fixtures/trees/health-across-files`` (its exact output is tests/test_run_level.py's golden): after
  the whole run, every reference in the tree is followed by a reader written here, independently of
  the tool (PyYAML, regular expressions): Service -> targetPort -> the container's port; Ingress and
  HTTPRoute -> Service port -> the same; NetworkPolicy ports and probes (a kustomize patch's too) ->
  the container's port; compose published ports and its health check; scripts' URLs through a
  Service's DNS name or a published host port; ``docker run -p``. Each must land on a port the
  migrated server line listens on (``--http-port``, ``--grpc-port``, ``--metrics-port`` or their
  defaults) with a path V2 serves - and the real ``tritonserver``, started with each migrated line,
  answers each followed path on the port it lands on. The same reader finds the original tree broken
  against those servers, reference by reference (the oracle has teeth).
- Negative cases: another application's Service, policy and probes on the same port are untouched; an
  ambiguous target is a warning without an edit; a server whose health port is not removed (its
  change suppressed) is followed by nothing; ``--ignore TDM407``; files outside the run; a run without
  V1 does not walk the tree twice; the same output with worker processes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

import realserver as R
from conftest import FIXTURES, cli, migrated_copy

TREE = FIXTURES / "trees" / "health-across-files"
DEFAULT_PORTS = {"http-port": "8000", "grpc-port": "8001", "metrics-port": "8002"}
ROLES = {"http-port": "http", "grpc-port": "grpc", "metrics-port": "metrics"}


# --- an independent reader of the tree ---------------------------------------------------------

@dataclass
class Server:
    key: str  #: who it is: "k8s:<namespace>/<deployment>/<container>" or "docker:<Dockerfile>"
    argv: list[str]

    def listens(self) -> dict[str, str]:
        """container port -> role, as the command line sets them."""
        ports = dict(DEFAULT_PORTS)
        for w in self.argv[1:]:
            name, eq, value = w[2:].partition("=")
            if w.startswith("--") and eq and name in ports:
                ports[name] = value
        return {port: ROLES[name] for name, port in ports.items()}


@dataclass
class Landing:
    what: str  #: the reference, for messages
    server: Server
    port: str  #: the container port it reaches
    path: str | None = None  #: the request path it asks for (None: a port only)
    prefix: bool = False


@dataclass
class Pod:
    namespace: str
    labels: dict
    containers: dict = field(default_factory=dict)  #: name -> {"ports": {name: port}, "probes": [...], "server": Server}


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]


def _argv(container: dict) -> list[str] | None:
    words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    for i, w in enumerate(words):
        if os.path.basename(w) in ("tritonserver", "trtserver"):
            return words[i:]
    return None


class Tree:
    """What a tree's files say, read without the tool."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pods: dict[tuple, Pod] = {}
        self.services: list[dict] = []
        self.objects: list[dict] = []
        self.servers: dict[str, Server] = {}
        for path in sorted(root.rglob("*.yaml")):
            for d in _docs(path):
                if "kind" in d:
                    self.objects.append(d)
        patches = []
        for d in self.objects:
            meta = d.get("metadata", {})
            ns = meta.get("namespace", "default")
            if d["kind"] == "Deployment":
                tmpl = d["spec"]["template"]
                if "metadata" not in tmpl:
                    patches.append(d)
                    continue
                pod = self.pods[(ns, meta["name"])] = Pod(ns, tmpl["metadata"].get("labels", {}))
                for c in tmpl["spec"]["containers"]:
                    argv = _argv(c)
                    server = None
                    if argv is not None:
                        server = self.servers.setdefault(f"k8s:{ns}/{meta['name']}/{c['name']}",
                                                         Server(f"k8s:{ns}/{meta['name']}/{c['name']}", argv))
                    pod.containers[c["name"]] = {
                        "ports": {**{str(p["containerPort"]): str(p["containerPort"]) for p in c.get("ports", [])},
                                  **{p["name"]: str(p["containerPort"]) for p in c.get("ports", []) if "name" in p}},
                        "probes": self._probes(c, f"{meta['name']}/{c['name']}"), "server": server}
            elif d["kind"] == "Service":
                self.services.append(d)
        for d in patches:  # a kustomize strategic-merge patch: probes replace the base's
            meta = d["metadata"]
            pod = self.pods[(meta.get("namespace", "default"), meta["name"])]
            for c in d["spec"]["template"]["spec"]["containers"]:
                probes = self._probes(c, f"patch of {meta['name']}/{c['name']}")
                base = pod.containers[c["name"]]
                kinds = {p[0] for p in probes}
                base["probes"] = [p for p in base["probes"] if p[0] not in kinds] + probes
        dockerfile = root / "server" / "Dockerfile"
        for line in dockerfile.read_text().splitlines():
            if line.startswith("CMD "):
                self.servers["docker:server/Dockerfile"] = Server("docker:server/Dockerfile", json.loads(line[4:]))
        self.compose = yaml.safe_load((root / "local" / "docker-compose.yml").read_text())["services"]

    @staticmethod
    def _probes(c: dict, where: str) -> list[tuple[str, str, str | None, str]]:
        out = []
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            get = (c.get(kind) or {}).get("httpGet")
            if get:
                out.append((kind, str(get["port"]), get.get("path"), where))
        return out

    # --- following ----------------------------------------------------------------------------
    def follow(self, judged_by: "Tree") -> tuple[list[Landing], list[str]]:
        """Every reference of this tree followed to a server of ``judged_by`` (the servers that run):
        the landings, and what does not land on a port the server listens on with a path it serves."""
        servers = judged_by.servers
        landings: list[Landing] = []
        broken: list[str] = []

        def land(what: str, key: str | None, port: str | None, path: str | None = None, prefix: bool = False):
            if key is None or port is None:
                broken.append(f"{what}: reaches no port")
                return
            server = servers[key]
            if port not in server.listens():
                broken.append(f"{what}: port {port}, where {key} does not listen")
                return
            if path is not None and not (path == "/v2" or path.startswith("/v2/")):
                broken.append(f"{what}: {path}, which V2 does not serve")
                return
            landings.append(Landing(what, server, port, path, prefix))

        def pod_target(ns: str, selector: dict, target: str, what: str | None):
            """(server, container port) of each server container the selector picks; ``what``: land there."""
            picked = [p for p in self.pods.values() if p.namespace == ns and selector
                      and all(p.labels.get(k) == v for k, v in selector.items())]
            for pod in picked:
                for c in pod.containers.values():
                    if c["server"] is None:
                        continue
                    port = target if target.isdigit() else c["ports"].get(target)
                    if what is not None:
                        land(what, c["server"].key, port)
                    yield c["server"].key, port

        def service_port(ns: str, name: str, port: str, by_name: bool, what: str, path=None, prefix=False):
            svc = next((s for s in self.services if s["metadata"]["name"] == name
                        and s["metadata"].get("namespace", "default") == ns), None)
            if svc is None:
                broken.append(f"{what}: no Service {name}")
                return
            entry = next((e for e in svc["spec"]["ports"] if (e.get("name") if by_name else str(e["port"])) == port), None)
            if entry is None:
                broken.append(f"{what}: the Service {name} has no port {port}")
                return
            target = str(entry.get("targetPort", entry["port"]))
            for key, cport in list(pod_target(ns, svc["spec"]["selector"], target, None)):
                land(what, key, cport, path, prefix)

        for svc in self.services:
            ns = svc["metadata"].get("namespace", "default")
            for e in svc["spec"]["ports"]:
                list(pod_target(ns, svc["spec"].get("selector", {}), str(e.get("targetPort", e["port"])),
                                f"Service {svc['metadata']['name']} port {e['port']}"))
        for d in self.objects:
            ns = d.get("metadata", {}).get("namespace", "default")
            if d["kind"] == "Ingress":
                for rule in d["spec"]["rules"]:
                    for p in rule["http"]["paths"]:
                        port = p["backend"]["service"]["port"]
                        by_name = "name" in port
                        service_port(ns, p["backend"]["service"]["name"], str(port.get("name", port.get("number"))),
                                     by_name, f"Ingress {d['metadata']['name']} {p['path']}", p["path"],
                                     p["pathType"] == "Prefix")
            elif d["kind"] == "HTTPRoute":
                for rule in d["spec"]["rules"]:
                    for m in rule["matches"]:
                        for ref in rule["backendRefs"]:
                            service_port(ns, ref["name"], str(ref["port"]), False,
                                         f"HTTPRoute {d['metadata']['name']} {m['path']['value']}", m["path"]["value"],
                                         m["path"]["type"] == "PathPrefix")
            elif d["kind"] == "NetworkPolicy":
                for rule in d["spec"].get("ingress", []):
                    for p in rule.get("ports", []):
                        list(pod_target(ns, d["spec"]["podSelector"]["matchLabels"], str(p["port"]),
                                        f"NetworkPolicy {d['metadata']['name']} port {p['port']}"))
        for (ns, name), pod in self.pods.items():
            for cname, c in pod.containers.items():
                for kind, port, path, where in c["probes"]:
                    if c["server"] is None:
                        continue
                    land(f"{kind} of {where}", c["server"].key, port if port.isdigit() else c["ports"].get(port), path)
        # compose: the ranker service runs the image built from server/Dockerfile
        host_ports: dict[str, tuple[str, str]] = {}
        images: dict[str, str] = {}
        for name, s in self.compose.items():
            key = "docker:server/Dockerfile" if s.get("build") == "../server" else None
            images[s.get("image", "")] = key
            for p in s.get("ports", []):
                host, _, cport = str(p).rpartition(":")
                host_ports[host or cport] = (key, cport)
                land(f"compose {name} ports {p}", key, cport)
            for u in re.finditer(r"//localhost:(\d+)(/[\w/]*)?", " ".join(s.get("healthcheck", {}).get("test", []))):
                land(f"compose {name} healthcheck", key, u.group(1), u.group(2))
        for script in sorted((self.root / "scripts").iterdir()):
            text = script.read_text()
            for m in re.finditer(r"docker run (.*?) (\S+)$", text, re.M):
                key = images.get(m.group(2))
                for host, cport in re.findall(r"-p (\d+):(\d+)", m.group(1)):
                    host_ports[host] = (key, cport)
                    land(f"{script.name}: docker run -p {host}:{cport}", key, cport)
        for script in sorted((self.root / "scripts").iterdir()):
            for u in re.finditer(r"https?://([\w.-]+):(\d+)(/[\w/]*)?", script.read_text()):
                host, port, path = u.groups()
                what = f"{script.name}: {u.group(0)}"
                if host == "localhost":
                    key, cport = host_ports.get(port, (None, None))
                    land(what, key, cport, path)
                else:
                    name, ns = host.split(".")[:2]
                    service_port(ns, name, port, False, what, path)
        return landings, broken


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    """The fixture tree before and after a whole run (``migrate .`` in a copy)."""
    work = migrated_copy(tmp_path_factory, TREE, "follow")
    return Tree(TREE), Tree(work), work


def test_every_reference_lands_on_a_port_the_migrated_server_listens_on(trees):
    _before, after, _work = trees
    landings, broken = after.follow(after)
    assert broken == []
    whats = [x.what for x in landings]
    # each kind of reference is there to follow (the test cannot pass on a tree that lost them)
    for kind in ("Service ranker port", "Service ranker-probe port", "Ingress ranker /v2/health/ready",
                 "HTTPRoute ranker-health /v2/health", "NetworkPolicy ranker-monitoring", "readinessProbe of patch",
                 "livenessProbe of ranker/server", "compose ranker ports", "compose ranker healthcheck",
                 "wait-ready.sh: http://localhost:8000", "wait-ready.sh: http://ranker.search",
                 "run-local.sh: docker run -p"):
        assert any(w.startswith(kind) for w in whats), kind
    by_server = {x.server.key for x in landings}
    assert by_server == {"k8s:search/ranker/server", "docker:server/Dockerfile"}


def test_the_original_tree_is_broken_against_the_migrated_servers(trees):
    """The same reader, on the tree as it was, against the servers as they run after the migration:
    each reference the run changed is found broken (so the check above has teeth)."""
    before, after, _work = trees
    _landings, broken = before.follow(after)
    k8s, docker = "where k8s:search/ranker/server does not listen", "where docker:server/Dockerfile does not listen"
    assert sorted(broken) == [
        f"HTTPRoute ranker-health /api/health: port 8005, {k8s}",
        f"Ingress ranker /api/health/ready: port 8005, {k8s}",
        f"NetworkPolicy ranker-monitoring port 8005: port 8005, {k8s}",
        f"Service ranker port 8005: port 8005, {k8s}",
        f"Service ranker-probe port 9005: port 8005, {k8s}",
        f"compose ranker healthcheck: port 8005, {docker}",
        f"compose ranker ports 8005:8005: port 8005, {docker}",
        f"livenessProbe of ranker/server: port 8005, {k8s}",
        f"readinessProbe of patch of ranker/server: port 8005, {k8s}",
        f"run-local.sh: docker run -p 8005:8005: port 8005, {docker}",
        f"wait-ready.sh: http://localhost:8005/api/health/ready: port 8005, {docker}",
        f"wait-ready.sh: http://ranker.search.svc.cluster.local:8005/api/health/ready: port 8005, {k8s}",
    ]
    # the paths too: with the ports as they are now, the V1 paths are what stays broken
    fixed_ports = Tree(TREE)
    for d in fixed_ports.objects:
        if d["kind"] == "Ingress":
            d["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"number": 80}
    _landings, broken = fixed_ports.follow(after)
    assert "Ingress ranker /api/health/ready: /api/health/ready, which V2 does not serve" in broken


def test_the_edited_files_are_still_valid_for_their_own_tools(trees):
    """Real judges of the edited files: every Kubernetes object that validates before (kubernetes-validate,
    strict; the kustomize patch is not a whole object) validates after, the compose file against the
    compose schema, the scripts with no new shellcheck code."""
    from test_compose import _schema
    from test_kubernetes import _invalid, _objects
    from test_shell import _codes

    _before, _after, work = trees
    checked = 0
    for path in sorted(TREE.rglob("*.yaml")):
        rel = path.relative_to(TREE)
        old, new = path.read_bytes(), (work / rel).read_bytes()
        if rel.parts[0] == "deploy":
            for a, b in zip(_objects(old), _objects(new)):
                if _invalid(yaml.safe_dump(a).encode(), unknown_ok=True) == []:
                    assert _invalid(yaml.safe_dump(b).encode(), unknown_ok=True) == [], rel
                    checked += 1
    assert checked >= 8
    compose = yaml.safe_load((work / "local" / "docker-compose.yml").read_text())
    assert [e.message for e in _schema().iter_errors(compose)] == []
    for script in sorted((TREE / "scripts").iterdir()):
        after = work / "scripts" / script.name
        assert after.read_bytes() != script.read_bytes()
        assert _codes(after.read_bytes()) <= _codes(script.read_bytes()), script.name


def test_another_applications_objects_on_the_same_port_are_untouched(trees):
    _before, _after, work = trees
    assert (work / "deploy" / "metrics.yaml").read_bytes() == (TREE / "deploy" / "metrics.yaml").read_bytes()


def test_the_real_server_answers_every_followed_reference(trees, tmp_path):
    """Each migrated server line, started for real (its ports moved to free ones, role by role): every
    reference that lands on it is answered there - a request path with 200, a port with a connection."""
    _before, after, _work = trees
    landings, broken = after.follow(after)
    assert broken == [] and landings
    repo = tmp_path / "models"
    repo.mkdir()
    failures = []
    for key, server in sorted(after.servers.items()):
        roles = server.listens()
        with R.running(server.argv, repo) as srv:
            assert srv.ready, srv.result(None).explain()
            actual = {"http": srv.ports[0], "grpc": srv.ports[1], "metrics": srv.ports[2]}
            # the request itself can fail: the V1 path is gone from the V2 server
            assert R.request(actual["http"], "GET", "/api/health/ready")[0] in (400, 404)
            for x in (x for x in landings if x.server is server):
                port = actual[roles[x.port]]
                if x.path is not None:
                    path = x.path + "/ready" if x.prefix and x.path.endswith("/health") else x.path
                    status, _ = R.request(port, "GET", path)
                    if status != 200:
                        failures.append(f"{x.what}: GET {path} on the {roles[x.port]} port answered {status}")
                else:
                    with socket.socket() as s:
                        s.settimeout(5)
                        if s.connect_ex((R.LOOPBACK, port)) != 0:
                            failures.append(f"{x.what}: nothing listens on the {roles[x.port]} port")
    assert failures == []


# --- cases on small trees -------------------------------------------------------------------------

SERVER = """apiVersion: apps/v1
kind: Deployment
metadata: {name: scorer}
spec:
  template:
    metadata:
      labels: {app: scorer}
    spec:
      containers:
        - name: server
          image: nvcr.io/nvidia/tensorrtserver:20.02-py3
          args: ["trtserver", "--model-store=/models", "--http-health-port=8005"]
          ports: [{name: http, containerPort: 8000}, {name: health, containerPort: 8005}]
"""
SERVICE = """apiVersion: v1
kind: Service
metadata: {name: scorer}
spec:
  selector: {app: scorer}
  ports:
    - {name: http, port: 8000, targetPort: http}
    - {name: health, port: 8005, targetPort: health}
"""


#: a V1 server (Deployment scorer) and its Service in namespace ml
SCORER_IN_ML = """apiVersion: apps/v1
kind: Deployment
metadata: {name: scorer, namespace: ml}
spec:
  selector: {matchLabels: {app: scorer}}
  template:
    metadata: {labels: {app: scorer}}
    spec:
      containers:
        - name: server
          image: nvcr.io/nvidia/tensorrtserver:20.02-py3
          args: ["trtserver", "--model-store=/models"]
          ports: [{containerPort: 8000, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: scorer, namespace: ml}
spec:
  selector: {app: scorer}
  ports: [{port: 8000, targetPort: http}]
"""


def _v1_deployment(name: str, args: str = '["trtserver", "--model-store=/models"]', tail: str = "",
                   meta: str = "", pod: str = "") -> str:
    """A Deployment ``name`` (its pods labelled ``app: name``) whose container ``server`` runs the 19.10 V1
    server with ``args``; ``tail``: the container's lines after them, ``meta``: more of its metadata,
    ``pod``: lines of the pod's spec before its containers."""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}{meta}}}\nspec:\n"
            f"  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
            f"    spec:\n{pod}      containers:\n        - name: server\n"
            f"          image: nvcr.io/nvidia/tensorrtserver:19.10-py3\n          args: {args}\n{tail}")


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _ingress(service: str, port: str, *paths: str) -> str:
    """An Ingress whose paths (each Exact) all go to port ``port`` of Service ``service``."""
    return ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: scorer}\nspec:\n  rules:\n"
            "    - http:\n        paths:\n" + "".join(
                f"          - path: {p}\n            pathType: Exact\n"
                f"            backend: {{service: {{name: {service}, port: {{number: {port}}}}}}}\n" for p in paths))


def _json(capsys, *args: str) -> dict:
    _code, out, _err = cli(capsys, "migrate", "--check", "--format", "json", *args)
    return json.loads(out)


def _rules(report: dict, path: str) -> list[tuple[int, str, str, bool]]:
    return [(f["line"], f["rule"], f["severity"], f["fixed"]) for f in report["findings"] if f["path"] == path]


def test_a_service_in_another_file_follows_and_says_where_the_server_is(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"server.yaml": SERVER, "svc/service.yaml": SERVICE})
    report = _json(capsys, ".")
    f = next(f for f in report["findings"] if f["path"] == "svc/service.yaml")
    assert (f["line"], f["rule"], f["severity"], f["fixed"]) == (8, "TDM407", "warning", True)
    assert "follows the health port 8005 removed at server.yaml:12" in f["message"]
    changed = {x["path"]: x["changed"] for x in report["files"]}
    assert changed == {"server.yaml": True, "svc/service.yaml": True}
    assert report["summary"]["files_scanned"] == 2


def test_an_unrelated_service_on_the_health_port_is_untouched(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    other = SERVICE.replace("scorer", "cache")
    _write(tmp_path, {"server.yaml": SERVER, "cache.yaml": other})
    report = _json(capsys, ".")
    assert [x["path"] for x in report["files"]] == ["server.yaml"]
    assert _rules(report, "cache.yaml") == []


def test_ambiguous_targets_are_warnings_without_edits(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shared = SERVICE.replace("selector: {app: scorer}", "selector: {team: ml}")
    server = SERVER.replace("labels: {app: scorer}", "labels: {app: scorer, team: ml}")
    other_app = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: batcher}\nspec:\n  template:\n"
                 "    metadata:\n      labels: {app: batcher, team: ml}\n    spec:\n      containers:\n"
                 "        - name: batcher\n          image: example/batcher:1\n          ports: [{containerPort: 8005}]\n")
    policy = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: all}\nspec:\n"
              "  podSelector: {}\n  ingress:\n    - ports: [{port: 8000}, {port: 8005}]\n")
    _write(tmp_path, {"server.yaml": server, "batcher.yaml": other_app, "service.yaml": shared, "policy.yaml": policy})
    report = _json(capsys, ".")
    svc = [f for f in report["findings"] if f["path"] == "service.yaml"]
    assert [(f["rule"], f["severity"], f["fixed"]) for f in svc] == [("TDM407", "warning", False)]
    assert "also picks the pods of Deployment batcher" in svc[0]["message"]
    pol = [f for f in report["findings"] if f["path"] == "policy.yaml"]
    assert [(f["rule"], f["severity"], f["fixed"]) for f in pol] == [("TDM407", "warning", False)]
    assert "every pod of the namespace" in pol[0]["message"]
    assert {x["path"]: x["changed"] for x in report["files"]} == {
        "policy.yaml": False, "server.yaml": True, "service.yaml": False}


def test_two_servers_behind_one_host_port_are_a_warning(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    compose = """services:
  a:
    image: nvcr.io/nvidia/tensorrtserver:20.02-py3
    command: trtserver --model-store=/m --http-health-port=8005
    ports: ["8000:8000", "8005:8005"]
"""
    _write(tmp_path, {"a/docker-compose.yml": compose,
                      "b/docker-compose.yml": compose.replace('"8000:8000"', '"9000:8000"'),
                      "wait.sh": "#!/bin/sh\ncurl -sf http://localhost:8005/api/health/ready\n"})
    report = _json(capsys, ".")
    got = [f for f in report["findings"] if f["path"] == "wait.sh"]
    assert [(f["rule"], f["severity"], f["fixed"]) for f in got] == [("TDM407", "warning", False),
                                                                     ("TDM408", "warning", False)]
    assert all("several servers of the run answer there" in f["message"] for f in got)


def test_a_server_whose_health_port_stays_is_followed_by_nothing(tmp_path, monkeypatch, capsys):
    """The change of the server line suppressed (--ignore TDM305): the health port is still there, so
    the Service keeps reaching it."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"server.yaml": SERVER, "service.yaml": SERVICE})
    report = _json(capsys, "--ignore", "TDM305", ".")
    assert _rules(report, "service.yaml") == []


def test_ignoring_the_rule_leaves_the_other_files_alone(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"server.yaml": SERVER, "service.yaml": SERVICE})
    report = _json(capsys, "--ignore", "TDM407", ".")
    assert [x["path"] for x in report["files"]] == ["server.yaml"]


def test_a_suppression_comment_keeps_one_entry(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    kept = SERVICE.replace("    - {name: health,", "    # triton-docker-migrate: ignore[TDM407]\n    - {name: health,")
    _write(tmp_path, {"server.yaml": SERVER, "service.yaml": kept})
    report = _json(capsys, ".")
    assert _rules(report, "service.yaml") == []
    _code, _out, _err = cli(capsys, "migrate", ".")
    assert (tmp_path / "service.yaml").read_text() == kept


def test_files_outside_the_run_are_not_read(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"server.yaml": SERVER, "service.yaml": SERVICE})
    code, _out, _err = cli(capsys, "migrate", "server.yaml")
    assert code == 0
    assert (tmp_path / "service.yaml").read_text() == SERVICE


def test_health_paths_follow_without_a_health_port(tmp_path, monkeypatch, capsys):
    """Every V1 server moves its health paths: a route to it elsewhere follows even when no port moves."""
    monkeypatch.chdir(tmp_path)
    server = SERVER.replace(', "--http-health-port=8005"', "")
    ingress = _ingress("scorer", "8000", "/api/health/ready", "/api/status")
    _write(tmp_path, {"server.yaml": server, "service.yaml": SERVICE, "ingress.yaml": ingress})
    report = _json(capsys, ".")
    assert _rules(report, "ingress.yaml") == [(8, "TDM408", "info", True), (11, "TDM402", "warning", False)]
    assert _rules(report, "service.yaml") == []


def test_a_run_without_v1_does_not_walk_the_tree_again(tmp_path, monkeypatch, capsys):
    import triton_docker_migrate.batch.run as run_mod

    made = []
    real = run_mod.Discovery

    class Counting(real):
        def __init__(self, *a, **kw):
            made.append(1)
            super().__init__(*a, **kw)

    monkeypatch.setattr(run_mod, "Discovery", Counting)
    monkeypatch.setattr("triton_docker_migrate.discover.Discovery", Counting)
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"service.yaml": SERVICE, "app.sh": "#!/bin/sh\ncurl -sf http://localhost:8005/v2/health/ready\n"})
    cli(capsys, "migrate", "--check", ".")
    assert len(made) == 1
    # another application's API (its /api/health, its /api/statuses): not V1's endpoints
    _write(tmp_path, {"app.sh": "#!/bin/sh\ncurl -sf http://localhost:8005/api/health\ncurl localhost:8005/api/statuses/1\n"})
    assert cli(capsys, "migrate", "--check", ".")[0] == 0
    assert len(made) == 2
    # a V1 endpoint that no rule of its file placed: the tree is read again for V2 servers it may reach
    _write(tmp_path, {"app.sh": "#!/bin/sh\ncurl -sf http://localhost:8005/api/health/ready\n"})
    assert cli(capsys, "migrate", "--check", ".")[0] == 0  # none there: nothing to say
    assert len(made) == 4
    _write(tmp_path, {"server.yaml": SERVER})
    cli(capsys, "migrate", "--check", ".")
    assert len(made) == 6  # the run with a V1 server reads the tree again for what reaches it


def test_worker_processes_give_the_same_output(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(TREE, tmp_path / "tree")
    for i in range(80):
        _write(tmp_path, {f"tree/filler/f{i:02}.yaml": f"a: {i}\n"})
    serial = cli(capsys, "migrate", "--diff", "--jobs", "1", "tree")
    pooled = cli(capsys, "migrate", "--diff", "--jobs", "2", "tree")
    assert serial[:2] == pooled[:2]
    assert "tree/deploy/service.yaml" in serial[1] and "TDM407" in serial[1]


def test_compose_override_and_extends_follow_the_service_they_change(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    base = """services:
  triton:
    image: nvcr.io/nvidia/tensorrtserver:20.02-py3
    command: trtserver --model-store=/m --http-health-port=8005
    ports: ["8000:8000"]
"""
    override = 'services:\n  triton:\n    ports: ["8000:8000", "8005:8005"]\n'
    extended = ('services:\n  canary:\n    extends: {file: ../docker-compose.yml, service: triton}\n'
                '    ports: ["9000:8000", "9005:8005"]\n'
                '    healthcheck:\n      test: ["CMD-SHELL", "curl -f http://localhost:8005/api/health/ready"]\n')
    _write(tmp_path, {"docker-compose.yml": base, "docker-compose.override.yml": override,
                      "canary/docker-compose.yml": extended})
    _code, _out, _err = cli(capsys, "migrate", ".")
    assert (tmp_path / "docker-compose.override.yml").read_text() == 'services:\n  triton:\n    ports: ["8000:8000"]\n'
    assert (tmp_path / "canary/docker-compose.yml").read_text() == extended.replace(
        ', "9005:8005"', "").replace("localhost:8005/api/health/ready", "localhost:8000/v2/health/ready")


def test_a_virtual_service_follows_and_a_sidecar_port_is_ambiguous(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    sidecar = SERVER.replace("          ports: [{name: http", "          ports: [{name: http") + (
        "        - name: envoy\n          image: envoyproxy/envoy:v1.30\n          ports: [{containerPort: 8005}]\n")
    vs = """apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: scorer}
spec:
  hosts: [scorer.example.com]
  http:
    - match: [{uri: {prefix: /api/health}}]
      route:
        - destination: {host: scorer, port: {number: 8005}}
"""
    _write(tmp_path, {"server.yaml": SERVER, "service.yaml": SERVICE, "vs.yaml": vs})
    _code, _out, _err = cli(capsys, "migrate", ".")
    assert (tmp_path / "vs.yaml").read_text() == vs.replace("/api/health", "/v2/health").replace("8005", "8000")
    # the same with a sidecar that declares the port and a Service that names it by number: no port is
    # edited, each reference to it is a warning (the path still moves: only the server's pods are selected)
    numbered = SERVICE.replace("targetPort: health", "targetPort: 8005")
    for name, text in {"server.yaml": sidecar, "service.yaml": numbered, "vs.yaml": vs}.items():
        (tmp_path / name).write_text(text)
    report = _json(capsys, ".")
    got = [(f["path"], f["rule"], f["severity"], f["fixed"]) for f in report["findings"]
           if f["path"] in ("service.yaml", "vs.yaml")]
    assert got == [("service.yaml", "TDM407", "warning", False), ("vs.yaml", "TDM408", "info", True),
                   ("vs.yaml", "TDM407", "warning", False)]
    assert all("another container of the pod declares" in f["message"] for f in report["findings"]
               if f["rule"] == "TDM407" and f["path"] != "server.yaml")


def test_a_url_to_an_unknown_inference_host_on_the_removed_port_is_a_warning(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"server.yaml": SERVER,
                      "smoke.sh": "#!/bin/sh\ncurl -sf http://triton-prod.internal:8005/v2/health/ready\n"})
    report = _json(capsys, ".")
    f = next(f for f in report["findings"] if f["path"] == "smoke.sh")
    assert (f["rule"], f["severity"], f["fixed"], f["suggestion"]) == ("TDM407", "warning", False, "8000")
    assert "knows no Service or service named triton-prod.internal" in f["message"]


def _has_side_by_side(capsys) -> bool:
    _code, out, _err = cli(capsys, "migrate", "--help")
    return "--side-by-side" in out


def test_nothing_that_routes_to_a_kept_v1_block_is_edited(tmp_path, monkeypatch, capsys):
    """CONTRACT.md, --side-by-side: the V1 block kept beside its copy still listens on its health port, so
    the Service and route in other files that reach it stay as they are, and a second run changes nothing."""
    if not _has_side_by_side(capsys):
        pytest.skip("--side-by-side (the will-it-still-serve issue) is not on this branch yet")
    monkeypatch.chdir(tmp_path)
    ingress = _ingress("scorer", "8005", "/api/health/ready")
    _write(tmp_path, {"server.yaml": SERVER, "service.yaml": SERVICE, "ingress.yaml": ingress})
    cli(capsys, "migrate", "--side-by-side", ".")
    assert (tmp_path / "service.yaml").read_text() == SERVICE
    assert (tmp_path / "ingress.yaml").read_text() == ingress
    code, _out, _err = cli(capsys, "migrate", "--check", ".")
    assert code == 0
    # one manifest holding the server and what reaches it: the kept block's neighbours keep every line
    # (the Service, the route, the policies), only the marker and the V2 copy are added
    manifest = (FIXTURES / "kubernetes" / "TDM407-health-port-routes.yaml").read_text()
    (tmp_path / "all.yaml").write_text(manifest)
    cli(capsys, "migrate", "--side-by-side", "all.yaml")
    after = (tmp_path / "all.yaml").read_text().splitlines()
    marked = {line.replace("  # triton-docker-migrate: keep-v1", "") for line in after}
    assert [line for line in manifest.splitlines() if line not in marked] == []
    assert any("scorer-v2" in line for line in after)
    assert cli(capsys, "migrate", "--check", "all.yaml")[0] == 0


def test_a_readiness_script_whose_host_is_a_variable_follows_the_published_server(tmp_path, monkeypatch, capsys):
    """``HOST=${1:-localhost}; curl http://$HOST:8000/api/health/ready``: the variable's one value is
    the host; a variable the script never pins to one host is a warning (it may reach the server)."""
    monkeypatch.chdir(tmp_path)
    compose = ("services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
               "    command: trtserver --model-store=/models\n    ports: [\"8000:8000\"]\n")
    ready = ("#!/bin/sh\nHOST=${1:-localhost}\nuntil curl -sf \"http://$HOST:8000/api/health/ready\"; do sleep 1; done\n"
             "curl -sf http://${SERVER_HOST:-127.0.0.1}:8000/api/health/live\n")
    elsewhere = "#!/bin/sh\nHOST=$1\ncurl -sf \"http://$HOST:8000/api/health/ready\"\n"
    _write(tmp_path, {"docker-compose.yml": compose, "scripts/ready.sh": ready, "scripts/other.sh": elsewhere})
    report = _json(capsys, ".")
    assert _rules(report, "scripts/ready.sh") == [(3, "TDM408", "info", True), (4, "TDM408", "info", True)]
    assert _rules(report, "scripts/other.sh") == [(3, "TDM408", "warning", False)]
    cli(capsys, "migrate", ".")
    assert (tmp_path / "scripts/ready.sh").read_text() == ready.replace("/api/health/", "/v2/health/")
    assert (tmp_path / "scripts/other.sh").read_text() == elsewhere


def test_a_url_whose_host_is_set_at_run_time_is_a_warning_and_a_local_one_follows(tmp_path, monkeypatch, capsys):
    """A script's ``$HOST`` it never pins, a Python f-string's ``{host}``: on the host port that publishes
    the moving server they may reach it - a warning with the V2 path, never an edit; a Python client's
    ``localhost`` URL on that port reaches it and follows."""
    monkeypatch.chdir(tmp_path)
    compose = ("services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
               "    command: trtserver --model-store=/models\n    ports: [\"8000:8000\"]\n")
    script = "#!/bin/sh\ncurl -sf \"http://$1:8000/api/health/ready\"\n"
    probe = ("import requests\n\n\ndef ready(host):\n"
             "    return requests.get(f\"http://{host}:8000/api/health/ready\").ok\n")
    local = "import requests\n\nOK = requests.get('http://localhost:8000/api/health/live').ok\n"
    other = "import requests\n\nOK = requests.get(f'http://{host}:9000/api/health/live').ok\n"
    _write(tmp_path, {"docker-compose.yml": compose, "wait.sh": script, "probe.py": probe, "local.py": local,
                      "other.py": other})
    report = _json(capsys, ".")
    assert _rules(report, "wait.sh") == [(2, "TDM408", "warning", False)]
    assert _rules(report, "probe.py") == [(5, "TDM408", "warning", False)]
    f = next(f for f in report["findings"] if f["path"] == "probe.py")
    assert "its host ({host}) is only known at run time" in f["message"] and f["suggestion"] == "/v2/health/ready"
    assert _rules(report, "local.py") == [(3, "TDM408", "info", True)]
    assert _rules(report, "other.py") == []
    code, out, err = cli(capsys, "migrate", "--fail-on-review", ".")
    assert (tmp_path / "wait.sh").read_text() == script and (tmp_path / "probe.py").read_text() == probe
    assert (tmp_path / "local.py").read_text() == local.replace("/api/health/", "/v2/health/")
    # the run that migrates says so, and its gate does not pass
    assert code == 1 and "wait.sh:2:" in out + err and "probe.py:5:" in out + err


V2_COMPOSE = ("services:\n  triton:\n    image: nvcr.io/nvidia/tritonserver:24.10-py3\n"
              "    command: [\"tritonserver\", \"--model-repository=/models\"]\n    ports: [\"8000:8000\", \"8001:8001\"]\n")
V2_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: scorer}
spec:
  selector: {matchLabels: {app: scorer}}
  template:
    metadata: {labels: {app: scorer}}
    spec:
      containers:
        - name: server
          image: nvcr.io/nvidia/tritonserver:24.10-py3
          args: ["tritonserver", "--model-repository=/models"]
          ports: [{containerPort: 8000, name: http}]
          readinessProbe: {httpGet: {path: /v2/health/ready, port: http}}
---
apiVersion: v1
kind: Service
metadata: {name: inference}
spec:
  selector: {app: scorer}
  ports: [{port: 8000, targetPort: http}]
"""


def test_a_v1_path_left_for_a_v2_server_follows_it(tmp_path, monkeypatch, capsys):
    """A tree migrated earlier (by hand, or by this tool) whose readiness script, smoke test or Ingress still
    asks a V2 server for V1's ``/api/health``: V2 never served it. The file's own rules cannot place the
    URL (``localhost:8000``, a Service name), so the run looks for the V2 servers it reaches and the path
    follows them as it would a migrated server's; a host known only at run time is a warning."""
    monkeypatch.chdir(tmp_path)
    wait = "#!/bin/sh\nuntil curl -sf http://localhost:8000/api/health/ready; do sleep 1; done\n"
    smoke = "#!/bin/sh\ncurl -f http://inference:8000/api/health/live\ncurl -f http://inference:8000/api/status\n"
    ingress = _ingress("inference", "8000", "/api/health/ready")
    later = "#!/bin/sh\ncurl -sf \"http://$1:8000/api/health/ready\"\n"
    _write(tmp_path, {"docker-compose.yml": V2_COMPOSE, "scripts/wait.sh": wait, "scripts/later.sh": later,
                      "k8s/server.yaml": V2_DEPLOYMENT, "k8s/smoke.sh": smoke, "k8s/ingress.yaml": ingress})
    report = _json(capsys, ".")
    assert _rules(report, "scripts/wait.sh") == [(2, "TDM408", "info", True)]
    assert "reaches the V2 server at docker-compose.yml:4" in report["findings"][-1]["message"] or any(
        "reaches the V2 server at docker-compose.yml:4" in f["message"] for f in report["findings"])
    assert _rules(report, "scripts/later.sh") == [(2, "TDM408", "warning", False)]
    assert _rules(report, "k8s/smoke.sh") == [(2, "TDM408", "info", True), (3, "TDM402", "warning", False)]
    assert _rules(report, "k8s/ingress.yaml") == [(8, "TDM408", "info", True)]
    assert _rules(report, "docker-compose.yml") == [] and _rules(report, "k8s/server.yaml") == []
    assert cli(capsys, "migrate", "--check", "--fail-on-review", ".")[0] == 1
    cli(capsys, "migrate", ".")
    assert (tmp_path / "scripts/wait.sh").read_text() == wait.replace("/api/health/", "/v2/health/")
    assert (tmp_path / "k8s/smoke.sh").read_text() == smoke.replace("/api/health/", "/v2/health/")
    assert (tmp_path / "k8s/ingress.yaml").read_text() == ingress.replace("/api/health/", "/v2/health/")
    assert (tmp_path / "scripts/later.sh").read_text() == later
    assert (tmp_path / "docker-compose.yml").read_text() == V2_COMPOSE
    # what stays V1 keeps the gate closed on every later run
    report = _json(capsys, ".")
    assert {f["path"] for f in report["findings"]} == {"scripts/later.sh", "k8s/smoke.sh"}
    assert cli(capsys, "migrate", "--check", "--fail-on-review", ".")[0] == 1


def test_a_run_time_host_stays_a_warning_after_the_migration_in_place(tmp_path, monkeypatch, capsys):
    """The run that migrates a V1 server warns about a script whose host is only known at run time; the
    next run, on the migrated tree, still does (the server is V2 now): the gate does not open by itself."""
    monkeypatch.chdir(tmp_path)
    v1 = ("services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
          "    command: trtserver --model-store=/models\n    ports: [\"8000:8000\"]\n")
    later = "#!/bin/sh\ncurl -sf \"http://$1:8000/api/health/ready\"\n"
    _write(tmp_path, {"docker-compose.yml": v1, "later.sh": later})
    assert _rules(_json(capsys, "."), "later.sh") == [(2, "TDM408", "warning", False)]
    cli(capsys, "migrate", ".")
    assert "tritonserver" in (tmp_path / "docker-compose.yml").read_text()
    report = _json(capsys, ".")
    assert _rules(report, "later.sh") == [(2, "TDM408", "warning", False)]
    assert "may reach the V2 server at docker-compose.yml:4" in report["findings"][0]["message"]
    assert cli(capsys, "migrate", "--check", "--fail-on-review", ".")[0] == 1


def test_a_v1_path_on_another_port_than_the_v2_servers_is_left_alone(tmp_path, monkeypatch, capsys):
    """Another application's ``/api/health`` (its own API, on its own port) is not the V2 server's."""
    monkeypatch.chdir(tmp_path)
    app = "#!/bin/sh\ncurl -sf http://localhost:9000/api/health/ready\n"
    _write(tmp_path, {"docker-compose.yml": V2_COMPOSE, "app.sh": app})
    code, out, err = cli(capsys, "migrate", "--check", "--fail-on-review", ".")
    assert code == 0 and "app.sh" not in out + err


def test_a_kubectl_port_forward_publishes_the_server_on_the_host(tmp_path, monkeypatch, capsys):
    """A smoke test of a cluster: ``kubectl port-forward svc/inference 18000:80`` (or ``deploy/scorer``), then
    ``curl localhost:18000/api/health/ready``: the forwarded host port reaches the server as a published one
    does (the script passed the gate with the V1 path); another Service's forward is not the server's."""
    monkeypatch.chdir(tmp_path)
    # the V2 test manifest as its V1 original, in a namespace, its Service on port 80
    server = (V2_DEPLOYMENT.replace("{name: scorer}", "{name: scorer, namespace: ml}")
              .replace("{name: inference}", "{name: inference, namespace: ml}")
              .replace("tritonserver:24.10-py3", "tensorrtserver:20.02-py3")
              .replace('["tritonserver", "--model-repository=/models"]', '["trtserver", "--model-store=/models"]')
              .replace("          readinessProbe: {httpGet: {path: /v2/health/ready, port: http}}\n", "")
              .replace("[{port: 8000, targetPort: http}]", "[{name: web, port: 80, targetPort: http}]"))
    smoke = ("#!/bin/sh\nkubectl -n ml port-forward svc/inference 18000:80 &\nsleep 3\n"
             "curl -sf http://localhost:18000/api/health/ready\ncurl -sf localhost:18000/api/status\n")
    direct = "#!/bin/sh\nkubectl port-forward --namespace=ml deployment/scorer 8000:http &\ncurl -sf localhost:8000/api/health/live\n"
    other = "#!/bin/sh\nkubectl -n ml port-forward svc/billing 19000:80 &\ncurl -sf http://localhost:19000/api/health/ready\n"
    _write(tmp_path, {"k8s/server.yaml": server, "scripts/smoke.sh": smoke, "scripts/direct.sh": direct,
                      "scripts/other.sh": other})
    report = _json(capsys, ".")
    assert _rules(report, "scripts/smoke.sh") == [(4, "TDM408", "info", True), (5, "TDM402", "warning", False)]
    assert _rules(report, "scripts/direct.sh") == [(3, "TDM408", "info", True)]
    assert _rules(report, "scripts/other.sh") == []
    cli(capsys, "migrate", ".")
    assert (tmp_path / "scripts/smoke.sh").read_text() == smoke.replace("/api/health/", "/v2/health/")
    assert (tmp_path / "scripts/other.sh").read_text() == other


def test_a_node_port_or_host_port_publishes_the_server_on_every_node(tmp_path, monkeypatch, capsys):
    """A bare-metal or minikube cluster: a NodePort Service (``nodePort: 30800``) or a container's ``hostPort``
    reaches the server on a node's address, and a smoke test curls it there (``$NODE_IP:30800``,
    ``$(minikube ip):30800``, ``localhost:30805`` on a kind node). Those scripts passed the gate with the V1
    paths: the node ports now follow as published ports do - fixed on ``localhost``, a warning where the host
    is only known at run time or may be a node's address; another Service's node port is not the server's."""
    monkeypatch.chdir(tmp_path)
    server = _v1_deployment("scorer", args='["trtserver", "--model-store=/models", "--http-health-port=8005"]',
                            tail="          ports:\n            - {name: http, containerPort: 8000}\n"
                                 "            - {name: health, containerPort: 8005}\n")
    service = """apiVersion: v1
kind: Service
metadata: {name: scorer}
spec:
  type: NodePort
  selector: {app: scorer}
  ports:
    - {name: http, port: 8000, targetPort: http, nodePort: 30800}
    - {name: health, port: 8005, targetPort: health, nodePort: 30805}
---
apiVersion: v1
kind: Service
metadata: {name: billing}
spec:
  type: NodePort
  selector: {app: billing}
  ports: [{port: 8080, nodePort: 30900}]
"""
    smoke = """#!/bin/bash
NODE_IP=$(kubectl get nodes -o jsonpath='{.items[0].status.addresses[0].address}')
until curl -sf "http://${NODE_IP}:30800/api/health/ready"; do sleep 5; done
curl -sf "http://$(minikube ip):30800/api/status"
curl -sf http://192.168.49.2:30800/api/health/live
curl -sf localhost:30805/api/health/ready
curl -sf localhost:30900/api/health/ready
"""
    daemon = """apiVersion: apps/v1
kind: DaemonSet
metadata: {name: edge}
spec:
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      containers:
        - name: server
          image: nvcr.io/nvidia/tensorrtserver:20.02-py3
          command: [trtserver, --model-store=/models]
          ports: [{containerPort: 8000, hostPort: 18000}]
"""
    edge = "#!/bin/sh\ncurl -sf \"http://`hostname -i`:18000/api/health/ready\"\ncurl -sf 127.0.0.1:18000/api/health/live\n"
    _write(tmp_path, {"k8s/deploy.yaml": server, "k8s/service.yaml": service, "scripts/smoke.sh": smoke,
                      "k8s/edge.yaml": daemon, "scripts/edge.sh": edge})
    report = _json(capsys, ".")
    assert _rules(report, "scripts/smoke.sh") == [
        (3, "TDM408", "warning", False), (4, "TDM402", "warning", False), (5, "TDM408", "warning", False),
        (6, "TDM407", "info", True), (6, "TDM408", "info", True)]
    assert "its host (${NODE_IP}) is only known at run time" in report["findings"][
        [f["path"] for f in report["findings"]].index("scripts/smoke.sh")]["message"]
    assert _rules(report, "scripts/edge.sh") == [(2, "TDM408", "warning", False), (3, "TDM408", "info", True)]
    code, _out, _err = cli(capsys, "migrate", "--fail-on-review", ".")
    assert code == 1
    assert (tmp_path / "scripts/smoke.sh").read_text() == smoke.replace(
        "localhost:30805/api/health/", "localhost:30800/v2/health/")
    assert (tmp_path / "scripts/edge.sh").read_text() == edge.replace("1:18000/api/", "1:18000/v2/")
    # the next run still reports what a person must look at
    code, out, _err = cli(capsys, "migrate", "--check", "--fail-on-review", ".")
    assert code == 1 and "scripts/smoke.sh:3" in out and "scripts/edge.sh:2" in out


def test_a_charts_node_port_is_followed_again_once_the_chart_is_v2(tmp_path, monkeypatch, capsys):
    """The chart's NodePort Service (``nodePort: {{ .Values.service.nodePort }}``, selected by the chart's
    helper labels) publishes its server on every node: after the first run a script's ``$NODE_IP:30800`` with
    the V1 path is still reported by the next run (it passed the gate once the chart was V2)."""
    shutil.copytree(FIXTURES / "trees" / "chart-node-port", tmp_path / "tree")
    monkeypatch.chdir(tmp_path / "tree")
    assert cli(capsys, "migrate", ".")[0] == 0
    assert "localhost:30800/v2/health/live" in (tmp_path / "tree/scripts/smoke.sh").read_text()
    code, out, _err = cli(capsys, "migrate", "--check", "--fail-on-review", ".")
    assert code == 1
    assert [line.split(" ")[:2] for line in out.splitlines()] == [
        ["scripts/smoke.sh:3:34:", "TDM408"], ["scripts/smoke.sh:5:38:", "TDM402"]]


def test_terraform_published_ports_and_node_ports_are_followed(tmp_path, monkeypatch, capsys):
    """Terraform: a ``docker_container``'s ``ports { external }`` and a ``kubernetes_service``'s ``node_port``
    (in another file of the module) publish the server; a smoke test on those ports passed the gate with
    the V1 paths."""
    monkeypatch.chdir(tmp_path)
    main = """resource "kubernetes_deployment" "trtis" {
  metadata {
    name = "trtis"
  }
  spec {
    selector {
      match_labels = { app = "trtis" }
    }
    template {
      metadata {
        labels = { app = "trtis" }
      }
      spec {
        container {
          name  = "trtis"
          image = "nvcr.io/nvidia/tensorrtserver:19.10-py3"
          args  = ["trtserver", "--model-store=/models"]
          port {
            container_port = 8000
          }
        }
      }
    }
  }
}

resource "docker_container" "local" {
  name    = "trtis-local"
  image   = "nvcr.io/nvidia/tensorrtserver:19.10-py3"
  command = ["trtserver", "--model-store=/models"]
  ports {
    internal = 8000
    external = 18000
  }
}
"""
    service = """resource "kubernetes_service" "trtis" {
  metadata {
    name = "trtis"
  }
  spec {
    type     = "NodePort"
    selector = { app = "trtis" }
    port {
      port        = 8000
      target_port = 8000
      node_port   = 30800
    }
  }
}
"""
    smoke = "#!/bin/sh\ncurl -sf \"http://${NODE_IP}:30800/api/health/ready\"\ncurl -sf localhost:18000/api/health/live\n"
    _write(tmp_path, {"infra/main.tf": main, "infra/service.tf": service, "scripts/smoke.sh": smoke})
    report = _json(capsys, ".")
    assert _rules(report, "scripts/smoke.sh") == [(2, "TDM408", "warning", False), (3, "TDM408", "info", True)]
    assert _rules(report, "infra/service.tf") == []


def test_a_server_run_on_the_machine_itself_is_reached_on_its_own_ports(tmp_path, monkeypatch, capsys):
    """A server no container runs - a start script's ``exec trtserver``, a systemd unit, a launcher's
    subprocess - listens on the machine's own ports: ``curl localhost:8000/api/health/ready`` in a readiness
    script reaches it (the script passed the gate with the V1 path, before and after the migration). The
    server's HTTP port is the one it is given; a ``docker run`` without ``-p`` publishes nothing."""
    monkeypatch.chdir(tmp_path)
    start = "#!/bin/sh\nexec trtserver --model-store=/models \"$@\"\n"
    unit = "[Service]\nExecStart=/opt/tensorrtserver/bin/trtserver --model-store=/srv/m --http-port=9000\n"
    ready = "#!/bin/sh\nuntil curl -sf localhost:8000/api/health/ready; do sleep 1; done\n"
    probe = "import requests\n\nrequests.get(\"http://127.0.0.1:9000/api/health/live\").raise_for_status()\n"
    boxed = "#!/bin/sh\ndocker run -d nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/m --http-port=7000\n"
    other = "#!/bin/sh\ncurl -sf localhost:7000/api/health/ready\n"
    _write(tmp_path, {"bin/start.sh": start, "deploy/triton.service": unit, "bin/ready.sh": ready,
                      "tests/probe.py": probe, "ci/boxed.sh": boxed, "ci/other.sh": other})
    report = _json(capsys, ".")
    assert _rules(report, "bin/ready.sh") == [(2, "TDM408", "info", True)]
    assert _rules(report, "tests/probe.py") == [(3, "TDM408", "info", True)]
    assert _rules(report, "ci/other.sh") == []
    messages = {f["path"]: f["message"] for f in report["findings"] if f["rule"] == "TDM408"}
    assert "reaches the V1 server migrated at bin/start.sh:2" in messages["bin/ready.sh"]
    assert "reaches the V1 server migrated at deploy/triton.service:2" in messages["tests/probe.py"]
    cli(capsys, "migrate", ".")
    assert (tmp_path / "bin/ready.sh").read_text() == ready.replace("/api/health/", "/v2/health/")
    assert (tmp_path / "tests/probe.py").read_text() == probe.replace("/api/health/", "/v2/health/")
    # the next run finds the paths of a V2 server run the same way
    (tmp_path / "bin/ready.sh").write_text(ready)
    report = _json(capsys, ".")
    assert _rules(report, "bin/ready.sh") == [(2, "TDM408", "info", True)]
    assert "reaches the V2 server at bin/start.sh:2" in next(
        f["message"] for f in report["findings"] if f["path"] == "bin/ready.sh")


def test_a_url_held_by_a_containers_env_reaches_the_server(tmp_path, monkeypatch, capsys):
    """A client's init container waits with ``curl $(TRITON_URL)/api/health/ready`` (``TRITON_URL`` set in its
    ``env``), its probe asks ``http://${INFERENCE_HOST}:8000/api/health/ready``: the variables hold the server's
    Service, one value each in the file; both passed the gate with the V1 path. A variable the file sets
    twice to different hosts says nothing."""
    monkeypatch.chdir(tmp_path)
    client = """apiVersion: apps/v1
kind: Deployment
metadata: {name: ranker-api, namespace: ml}
spec:
  selector: {matchLabels: {app: ranker-api}}
  template:
    metadata: {labels: {app: ranker-api}}
    spec:
      initContainers:
        - name: wait
          image: curlimages/curl:8.5.0
          env:
            - name: TRITON_URL
              value: http://scorer:8000
          command: ["sh", "-c", "until curl -sf $(TRITON_URL)/api/health/ready; do sleep 2; done"]
      containers:
        - name: api
          image: ghcr.io/acme/ranker-api:4.1.0
          env:
            - {name: INFERENCE_HOST, value: scorer}
            - {name: OTHER_URL, value: "http://billing:8000"}
          readinessProbe:
            exec:
              command: ["sh", "-c", "curl -sf http://${INFERENCE_HOST}:8000/api/health/ready && curl -sf $(OTHER_URL)/api/health/ready"]
"""
    server = SCORER_IN_ML
    _write(tmp_path, {"k8s/server.yaml": server, "k8s/client.yaml": client})
    report = _json(capsys, ".")
    assert _rules(report, "k8s/client.yaml") == [(15, "TDM408", "info", True), (24, "TDM408", "info", True)]
    cli(capsys, "migrate", ".")
    text = (tmp_path / "k8s/client.yaml").read_text()
    assert "$(TRITON_URL)/v2/health/ready" in text and "${INFERENCE_HOST}:8000/v2/health/ready" in text
    assert "$(OTHER_URL)/api/health/ready" in text


def test_kubectl_exec_runs_in_the_servers_pod_and_host_network_publishes_it(tmp_path, monkeypatch, capsys):
    """A runbook script: ``kubectl exec deploy/triton -- curl localhost:8000/api/health/ready`` runs in the
    server's pod, where ``localhost`` is the server; a ``hostNetwork: true`` pod listens on the node's own
    ports (``$NODE_IP:8000``). Both passed the gate with the V1 paths. Another container of the pod shares its
    ``localhost``; an exec into another workload does not reach the server."""
    monkeypatch.chdir(tmp_path)
    server = _v1_deployment("triton", meta=", namespace: ml", pod="      hostNetwork: true\n")
    ops = """#!/bin/bash
kubectl -n ml exec deploy/triton -- curl -sf localhost:8000/api/health/ready
kubectl exec -n ml deployment/triton -c server -- sh -c 'curl -s http://127.0.0.1:8000/api/status'
kubectl exec -n ml deployment/triton -c exporter -- curl -sf localhost:8000/api/health/ready
kubectl exec -n ml deploy/billing -- curl -sf localhost:8000/api/health/ready
curl -sf "http://${NODE_IP}:8000/api/health/live"
"""
    _write(tmp_path, {"k8s/server.yaml": server, "ops.sh": ops})
    report = _json(capsys, ".")
    assert _rules(report, "ops.sh") == [(2, "TDM408", "info", True), (3, "TDM402", "warning", False),
                                        (4, "TDM408", "info", True), (6, "TDM408", "warning", False)]
    cli(capsys, "migrate", ".")
    assert (tmp_path / "ops.sh").read_text() == ops.replace(
        "-- curl -sf localhost:8000/api/health/ready\nkubectl exec -n ml deployment/triton -c server",
        "-- curl -sf localhost:8000/v2/health/ready\nkubectl exec -n ml deployment/triton -c server").replace(
        "exporter -- curl -sf localhost:8000/api/", "exporter -- curl -sf localhost:8000/v2/")


@pytest.mark.parametrize("line, want", [
    ("docker exec -it trtis curl -sf localhost:8000/api/health/ready", ("container", "trtis")),
    ("docker container exec -e A=1 -w /tmp trtis curl x", ("container", "trtis")),
    ("sudo docker -H unix:///run/docker.sock exec --user root trtis sh -c 'curl x'", ("container", "trtis")),
    ("docker-compose -f deploy/compose.yml exec -T trtis curl x", ("compose", "trtis")),
    ("docker compose --project-name ml exec --index 2 -u root trtis wget x", ("compose", "trtis")),
    ("docker compose run trtis curl x", None),  # a container of its own
    ("docker exec trtis", None),  # no command
    ("docker exec $NAME curl x", None),
    ("kubectl exec deploy/trtis -- curl x", None),
])
def test_docker_exec_names_the_container_its_command_runs_in(line, want):
    from triton_docker_migrate.documents.shell import ShellDoc

    execs = ShellDoc("x.sh", line + "\n").topology().execs
    if want is None or want[0] not in ("container", "compose"):
        assert [ex for ex in execs if ex.kind in ("container", "compose")] == []
        return
    [got] = execs
    assert (got.kind, got.name) == want
    assert line[got.start:got.end].startswith(("curl", "sh", "wget"))


def test_files_run_are_those_a_command_names_at_a_mount():
    from triton_docker_migrate.documents.sites import Mount, files_run

    mounts = [Mount("healthcheck.sh", "/usr/local/bin/healthcheck.sh", "/ctx"), Mount("scripts/", "/opt/scripts/", "/ctx"),
              Mount("ready.sh", "/usr/local/bin/", "/ctx"), Mount("models", "/models", "/ctx")]
    got = dict(files_run(mounts, [("/usr/local/bin/healthcheck.sh && /opt/scripts/live.sh", "HEALTHCHECK"),
                                  ('["/usr/local/bin/ready.sh"]', "CMD")]))
    assert got["/ctx/healthcheck.sh"] == "HEALTHCHECK" and got["/ctx/scripts/live.sh"] == "HEALTHCHECK"
    assert got["/ctx/ready.sh"] == "CMD"
    assert not any(p.startswith("/ctx/models") for p in got)  # not named by any command
    assert files_run(mounts, [("curl -sf http://localhost:8000/usr/local/bin/healthcheck.sh", "RUN")]) == []
    # a program copied into a folder of the PATH, run by its name alone; not one copied elsewhere
    mounts = [Mount("check", "/usr/local/bin/", "/ctx"), Mount("probe", "/opt/probe", "/ctx")]
    got = dict(files_run(mounts, [("check || exit 1", "HEALTHCHECK"), ("probe", "CMD")]))
    assert got["/ctx/check"] == "HEALTHCHECK" and not any("probe" in p for p in got)
    assert files_run(mounts, [("/opt/check --probe", "HEALTHCHECK")]) == []


def test_files_run_by_a_path_relative_to_the_working_folder_or_copied_by_a_pattern():
    from triton_docker_migrate.documents.sites import Mount, files_run

    mounts = [Mount("ready.sh", "/app/", "/ctx"), Mount("scripts/*.sh", "/opt/scripts/", "/ctx")]
    got = dict(files_run(mounts, [("./ready.sh && sh ../opt/scripts/live.sh", "HEALTHCHECK", "/app"),
                                  ('["/opt/scripts/start.sh"]', "CMD", "/app")]))
    assert (got["/ctx/ready.sh"], got["/ctx/scripts/live.sh"], got["/ctx/scripts/start.sh"]) == ("HEALTHCHECK",) * 2 + ("CMD",)
    # without the folder it runs in, a relative path names nothing; a pattern holds the files of its folder only
    assert files_run(mounts, [("./ready.sh", "HEALTHCHECK")]) == []
    assert files_run(mounts, [("/opt/scripts/live.py /opt/scripts/sub/live.sh", "CMD")]) == []
    # a host and port, an option's value and a variable are no relative paths
    assert files_run([Mount(".", "/app", "/ctx")], [("curl localhost:8000/ready.sh --x=ready.sh $ready.sh", "RUN",
                                                     "/app")]) == []


@pytest.mark.parametrize("dockerfile, want", [
    ("FROM x\nWORKDIR /app\nCOPY ready.sh .\nHEALTHCHECK CMD ./ready.sh\n", "HEALTHCHECK"),
    ("FROM x\nWORKDIR /app\nCOPY ready.sh ./\nWORKDIR probes\nHEALTHCHECK CMD ../ready.sh\n", "HEALTHCHECK"),
    # the image's own working folder, whatever it is: the copy and the command are both relative to it
    ("FROM x\nCOPY ready.sh ./\nHEALTHCHECK CMD [\"sh\", \"ready.sh\"]\n", "HEALTHCHECK"),
    # a stage built on another keeps its working folder
    ("FROM x AS base\nWORKDIR /srv\nFROM base\nCOPY ready.sh .\nCMD [\"/srv/ready.sh\"]\n", "CMD"),
    ("FROM x\nWORKDIR /app\nCOPY ready.sh .\nWORKDIR /srv\nHEALTHCHECK CMD ./ready.sh\n", None),
    ("FROM x\nCOPY ready.sh ./\nHEALTHCHECK CMD ../ready.sh\n", None),  # not the image's folder
    ("FROM x\nWORKDIR $APP\nCOPY ready.sh .\nHEALTHCHECK CMD ./ready.sh\n", None),
    # a RUN runs in the working folder of its place
    ("FROM x\nWORKDIR /app\nCOPY ready.sh .\nRUN ./ready.sh\nWORKDIR /srv\n", "RUN"),
])
def test_a_dockerfile_names_the_files_it_copies_relative_to_its_workdir(tmp_path, dockerfile, want):
    from triton_docker_migrate.documents.dockerfile import DockerfileDoc

    doc = DockerfileDoc(str(tmp_path / "Dockerfile"), dockerfile)
    got = dict(doc.files_run(len(doc.stages) - 1))
    assert got.get(str(tmp_path / "ready.sh"), "").rpartition(" ")[2] == (want or "")


@pytest.mark.parametrize("folder, text, want", [
    ("Stack.Dev", "services:\n  triton:\n    image: x\n", ["stackdev-triton-1", "stackdev_triton_1"]),
    ("ml", "name: Inference\nservices:\n  triton:\n    image: x\n", ["inference-triton-1"]),
    ("ml", "services:\n  triton:\n    image: x\n    container_name: trtis\n", ["trtis"]),
    ("ml", "name: ${PROJECT}\nservices:\n  triton:\n    image: x\n", []),
])
def test_a_compose_services_container_is_named_after_its_project(tmp_path, folder, text, want):
    from triton_docker_migrate.documents.compose import ComposeDoc

    [site] = ComposeDoc(str(tmp_path / folder / "compose.yaml"), text).topology().compose
    assert site.names == want


def test_a_script_the_built_image_holds_and_a_docker_run_of_it_names(tmp_path, monkeypatch, capsys):
    """``docker run --health-cmd /usr/local/bin/ready.sh`` of the image built from the server's Dockerfile, which
    COPYs that script: the script asks the server's own ``localhost``. The same script named by a ``docker run``
    of another image stays."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {
        "server/Dockerfile": "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCOPY ready.sh /usr/local/bin/\n"
                             "CMD [\"trtserver\", \"--model-store=/models\"]\n",
        "server/ready.sh": "#!/bin/sh\ncurl -sf localhost:8000/api/health/ready\n",
        "web/Dockerfile": "FROM python:3.10-slim\nCOPY ready.sh /usr/local/bin/\n",
        "web/ready.sh": "#!/bin/sh\ncurl -sf localhost:8000/api/health/ready\n",
        "run.sh": "#!/bin/sh\ndocker build -t registry.example.com/ml/inference:1.4 server\n"
                  "docker build -t registry.example.com/ml/web:1.0 web\n"
                  "docker run -d --health-cmd /usr/local/bin/ready.sh registry.example.com/ml/inference:1.4\n"
                  "docker run -d --health-cmd /usr/local/bin/ready.sh registry.example.com/ml/web:1.0\n"})
    report = _json(capsys, ".")
    assert _rules(report, "server/ready.sh") == [(2, "TDM408", "info", True)]
    assert "run by its --health-cmd (docker run)" in next(f["message"] for f in report["findings"]
                                                          if f["path"] == "server/ready.sh")
    assert _rules(report, "web/ready.sh") == []


def test_exec_into_a_compose_service_that_runs_the_built_image(tmp_path, monkeypatch, capsys):
    """``docker compose exec api ...`` into a service that runs the image built from the server's Dockerfile
    (``build:``), and a health script the image COPYs and ``ENTRYPOINT`` runs: both ask the server's own
    ``localhost``. An exec into the other service of the project keeps its path."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {
        "server/Dockerfile": "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCOPY wait.sh /wait.sh\n"
                             "ENTRYPOINT [\"/wait.sh\"]\nCMD [\"trtserver\", \"--model-store=/models\"]\n",
        "server/wait.sh": "#!/bin/sh\n(until curl -sf localhost:8000/api/health/ready; do sleep 1; done; touch /ok) &\n"
                          "exec \"$@\"\n",
        "compose.yaml": "services:\n  api:\n    build: ./server\n  web:\n    image: nginx:1.25\n",
        "ops.sh": "#!/bin/sh\ndocker compose exec api curl -sf localhost:8000/api/health/ready\n"
                  "docker compose exec web curl -sf localhost:8000/api/health/ready\n"})
    report = _json(capsys, ".")
    assert _rules(report, "ops.sh") == [(2, "TDM408", "info", True)]
    assert _rules(report, "server/wait.sh") == [(2, "TDM408", "info", True)]
    cli(capsys, "migrate", ".")
    assert "exec api curl -sf localhost:8000/v2/health/ready\ndocker compose exec web curl -sf localhost:8000/api/" \
        in (tmp_path / "ops.sh").read_text()
    assert "localhost:8000/v2/health/ready" in (tmp_path / "server/wait.sh").read_text()


def test_skaffold_and_kind_forwards_publish_the_server_on_the_host(tmp_path, monkeypatch, capsys):
    """A development loop: Skaffold's ``portForward`` opens the server's Service on ``localhost:18000``, a kind
    cluster's ``extraPortMappings`` maps the NodePort 30800 to the host's 8080; a smoke test curls both (it
    passed the gate with the V1 paths). A mapping of another node port is not the server's."""
    monkeypatch.chdir(tmp_path)
    server = _v1_deployment("inference", tail="          ports: [{name: http, containerPort: 8000}]\n") + """---
apiVersion: v1
kind: Service
metadata: {name: inference}
spec:
  type: NodePort
  selector: {app: inference}
  ports: [{name: http, port: 8000, targetPort: http, nodePort: 30800}]
"""
    skaffold = """apiVersion: skaffold/v4beta6
kind: Config
manifests:
  rawYaml: [k8s/server.yaml]
portForward:
  - {resourceType: service, resourceName: inference, port: 8000, localPort: 18000}
"""
    kind = """kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    extraPortMappings:
      - {containerPort: 30800, hostPort: 8080}
      - {containerPort: 30900, hostPort: 9090}
"""
    smoke = ("#!/bin/sh\ncurl -sf localhost:18000/api/health/ready\ncurl -sf http://localhost:8080/api/health/live\n"
             "curl -sf localhost:9090/api/health/live\n")
    _write(tmp_path, {"k8s/server.yaml": server, "skaffold.yaml": skaffold, "kind-config.yaml": kind, "smoke.sh": smoke})
    report = _json(capsys, ".")
    assert _rules(report, "smoke.sh") == [(2, "TDM408", "info", True), (3, "TDM408", "info", True)]
    assert _rules(report, "skaffold.yaml") == [] and _rules(report, "kind-config.yaml") == []


def test_a_proxys_health_check_of_the_servers_service_is_a_warning(tmp_path, monkeypatch, capsys):
    """An edge Envoy in a ConfigMap: its cluster's address is the server's Service and its health check asks
    ``path: /api/health/ready`` with no host of its own (it passed the gate; V2 answers 404 and the proxy
    takes the server out). Which upstream a path belongs to is the proxy's: a warning with the V2 path. A
    configuration that names no Service of the server says nothing."""
    monkeypatch.chdir(tmp_path)
    server = SCORER_IN_ML
    envoy = """apiVersion: v1
kind: ConfigMap
metadata: {name: edge, namespace: ml}
data:
  envoy.yaml: |
    static_resources:
      clusters:
        - name: scorer_backend
          load_assignment:
            endpoints:
              - lb_endpoints:
                  - endpoint: {address: {socket_address: {address: scorer.ml.svc.cluster.local, port_value: 8000}}}
          health_checks:
            - http_health_check: {path: /api/health/ready}
  other.yaml: |
    clusters:
      - address: billing.ml.svc
        health: /api/health/ready
"""
    _write(tmp_path, {"k8s/server.yaml": server, "k8s/envoy.yaml": envoy})
    report = _json(capsys, ".")
    assert _rules(report, "k8s/envoy.yaml") == [(14, "TDM408", "warning", False)]
    # a script that learns the Service's node port at run time (as the NOTES of ``helm create`` do)
    smoke = ("#!/bin/bash\nNODE_PORT=$(kubectl get -n ml -o jsonpath='{.spec.ports[0].nodePort}' services scorer)\n"
             "curl -sf \"http://$NODE_IP:$NODE_PORT/api/health/ready\"\n")
    _write(tmp_path, {"smoke.sh": smoke})
    report = _json(capsys, ".")
    assert _rules(report, "smoke.sh") == [(3, "TDM408", "warning", False)]


def test_a_health_url_whose_host_and_port_are_set_at_run_time_is_a_warning(tmp_path, monkeypatch, capsys):
    """``http://$HOST:$PORT/api/health/ready`` (a script), ``f"http://{HOST}:{PORT}/api/health/ready"`` (a
    launcher): nothing in the file pins the server, and the run publishes one on the machine's ports: the
    V1 path may reach it - a warning before and after the migration, never an edit. Another application's
    bare ``/api/health`` stays silent."""
    monkeypatch.chdir(tmp_path)
    compose = ("services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
               "    command: trtserver --model-store=/models\n    ports: [\"8000:8000\"]\n")
    sh = "#!/bin/sh\nuntil curl -sf \"http://${HOST}:${PORT}/api/health/ready\"; do sleep 1; done\n"
    py = ("import os\nimport urllib.request\n\nHOST, PORT = os.environ['HOST'], os.environ['PORT']\n"
          "urllib.request.urlopen(f\"http://{HOST}:{PORT}/api/health/live\")\n")
    app = "#!/bin/sh\ncurl -sf \"$APP_URL/api/health\"\n"
    _write(tmp_path, {"docker-compose.yml": compose, "ready.sh": sh, "probe.py": py, "app.sh": app})
    for _ in range(2):  # the run that migrates the server, and the next one
        report = _json(capsys, ".")
        assert _rules(report, "ready.sh") == [(2, "TDM408", "warning", False)]
        assert _rules(report, "probe.py") == [(5, "TDM408", "warning", False)]
        assert _rules(report, "app.sh") == []
        assert cli(capsys, "migrate", "--check", "--fail-on-review", ".")[0] == 1
        cli(capsys, "migrate", ".")
    assert (tmp_path / "ready.sh").read_text() == sh and (tmp_path / "probe.py").read_text() == py


#: golden trees whose health checks are written apart from the server (fixtures/trees/<name>): the lines that
#: follow it (TDM408), and what stays reported after the whole migration (V1 the tool leaves to a person)
APART = {
    "terraform-health-refs": ({"k8s/variables.tf": [3], "k8s/terraform.tfvars": [1], "k8s/locals.tf": [2],
                               "k8s/service.tf": [6], "ecs/alb.tf": [8], "ecs-apart/variables.tf": [2],
                               "k8s-ref/service.tf": [6]},
                              {("shared/variables.tf", 2, "TDM408")}),
    "kustomize-patch-files": ({"overlays/prod/probes.yaml": [6, 12], "overlays/prod/startup.json": [3],
                               "overlays/prod/resources.yaml": [4], "overlays/prod/metrics.yaml": [14]},
                              set()),  # the V1 option of overlays/gpu/args.yaml is migrated in the patch
    "gke-backendconfig-apart": ({"backendconfig.yaml": [8]}, set()),
    "tiltfile": ({"Tiltfile": [7, 9]}, set()),
    "app-engine-flex": ({"inference/app.yaml": [7, 11], "v2/service.yaml": [5, 6]}, set()),
    "chart-built-image": ({"charts/inference/templates/deployment.yaml": [23, 27],
                           "charts/inference/templates/ingress.yaml": [9],
                           "charts/registry/templates/deployment.yaml": [19]},
                          {("charts/canary/templates/deployment.yaml", 19, "TDM408")}),
    "terraform-built-image": ({"infra/main.tf": [29, 55], "infra/variables.tf": [2]},
                              {("infra/others.tf", 47, "TDM408"), ("infra/variables.tf", 7, "TDM408")}),
    "terraform-vars-apart": ({"envs/dev/main.tf": [3], "envs/prod/main.tf": [10], "envs/prod/prod.auto.tfvars": [1],
                              "envs/prod/terraform.tfvars": [1]},
                             {(".github/workflows/deploy.yml", 7, "TDM408"), (".github/workflows/deploy.yml", 10, "TDM408"),
                              ("scripts/deploy.sh", 4, "TDM408"), ("scripts/deploy.sh", 5, "TDM408")}),
}


@pytest.mark.parametrize("name", sorted(APART))
def test_health_checks_written_apart_keep_the_gate_closed_until_they_follow(name, tmp_path_factory, monkeypatch, capsys):
    """A health check path written apart from the server it checks - a Terraform variable's default in
    ``variables.tf``, a target group or a Service in another file of the module, a kustomize JSON 6902 patch
    file, a GKE BackendConfig apart from its Service, a Tiltfile's forwarded port, an App Engine ``app.yaml``
    beside the server's Dockerfile, a Helm chart or a Terraform workload that runs the image built from it, a
    module's variable given its value by the configurations that call the module - follows the migration; and
    on a tree migrated before (these files left as they were, the servers V2 already) the gate stays closed on
    exactly those lines until a run moves them too. The traps of each tree (another application's variable,
    target group, Service, patch, BackendConfig, forward) keep their V1-looking paths; a variable that another
    application's probe takes too stays, with a warning."""
    src = FIXTURES / "trees" / name
    follows, left = APART[name]
    work = migrated_copy(tmp_path_factory, src, name)
    for rel, lines in follows.items():
        text = (work / rel).read_text().splitlines()
        assert all("/v2/health/" in text[n - 1] and "/api/health" not in text[n - 1] for n in lines), rel
    monkeypatch.chdir(work)
    report = _json(capsys, ".")
    assert {(f["path"], f["line"], f["rule"]) for f in report["findings"]} == left
    for rel in follows:
        shutil.copy(src / rel, work / rel)
    report = _json(capsys, ".")
    got = {(f["path"], f["line"]) for f in report["findings"] if f["rule"] == "TDM408"}
    assert got == {(rel, n) for rel, lines in follows.items() for n in lines} | {(p, n) for p, n, r in left if r == "TDM408"}
    assert all("the V2 server at " in f["message"] for f in report["findings"] if f["rule"] == "TDM408")
    assert cli(capsys, "migrate", "--check", "--fail-on-review", ".")[0] == 1
    cli(capsys, "migrate", ".")
    assert {(f["path"], f["line"], f["rule"]) for f in _json(capsys, ".")["findings"]} == left
    for path in src.rglob("*"):  # what follows nothing is as it was
        rel = str(path.relative_to(src))
        if path.is_file() and "/api/health" in path.read_text():
            kept = [x for n, x in enumerate(path.read_text().splitlines(), 1)
                    if "/api/health" in x and n not in follows.get(rel, ())]
            assert [x for x in (work / rel).read_text().splitlines() if "/api/health" in x] == kept, rel


def test_a_health_path_in_the_compose_env_keeps_the_gate_closed(tmp_path_factory, monkeypatch, capsys):
    """``READY_PATH=/api/health/ready`` in the ``.env`` that a Triton service's health check expands: a warning
    on the first run (in the compose file and in the ``.env``), and the gate stays closed once the compose
    file is migrated (the ``.env`` is not: the text kind is never rewritten); another variable of the same
    ``.env`` that no health check reads is left alone."""
    src = FIXTURES / "trees" / "env-health-path"
    work = migrated_copy(tmp_path_factory, src, "env-health-path")
    assert "tritonserver" in (work / "docker-compose.yml").read_text()
    assert (work / ".env").read_text() == (src / ".env").read_text()
    monkeypatch.chdir(work)
    left = {(f["path"], f["line"], f["rule"], f["severity"]) for f in _json(capsys, ".")["findings"]}
    assert left == {(".env", 1, "TDM401", "warning")}
    assert cli(capsys, "migrate", "--check", "--fail-on-review", ".")[0] == 1


def test_an_ingress_rewrite_to_the_v1_api_keeps_the_gate_closed(tmp_path_factory, monkeypatch, capsys):
    """``rewrite-target: /api/$2`` in front of a migrated server: a warning on the first run and on a second
    run over the migrated tree (the server V2 by then); another application's Ingress with the same rewrite is
    left alone."""
    src = FIXTURES / "trees" / "ingress-rewrite-api"
    work = migrated_copy(tmp_path_factory, src, "ingress-rewrite-api")
    assert (work / "ingress.yaml").read_text() == (src / "ingress.yaml").read_text()
    monkeypatch.chdir(work)
    left = {(f["path"], f["line"], f["rule"], f["severity"]) for f in _json(capsys, ".")["findings"]}
    assert left == {("ingress.yaml", 6, "TDM403", "warning")}
    assert cli(capsys, "migrate", "--check", "--fail-on-review", ".")[0] == 1


def test_a_large_file_beside_a_followed_server_is_read_again_without_a_crash(tmp_path, capsys, monkeypatch):
    """A file too large to be kept between the follow-through's rounds (over 256 KiB) is read again when the
    files found add terms; the files after it are still read (the round's loop once took the name of the cache
    the reader keeps, and the next read failed with a traceback)."""
    (tmp_path / "run.sh").write_text("docker run -p7000:8000 nvcr.io/nvidia/tensorrtserver:19.12-py3 "
                                     "trtserver --model-repository=/models\n")
    (tmp_path / "data").write_text("x = 1\n" * 50_000)  # 300,000 bytes, no extension: followed, not kept
    (tmp_path / "probe.sh").write_text("curl -f localhost:7000/api/health/ready\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "migrate", "--check", ".")
    assert code == 1, err
    assert "probe.sh:1:23: TDM408" in out
    assert "Traceback" not in err
