"""``--side-by-side`` and ``--retire-v1`` (CONTRACT.md, ``--side-by-side``), judged by real tools.

- Every side-by-side fixture: the output is the input with lines inserted and nothing else changed
  (the keep-v1 marker aside; JSON manifests: text inserted, the annotation among it), reads back as
  the input plus the copies, the V1 command lines are byte-identical, the compose schema or
  ``kubernetes-validate`` accepts it (tests/test_compose.py and tests/test_kubernetes.py validate every
  fixture), no host port or container name collides, the copy holds no anchor, alias or merge key,
  and a second run (with or without the flag) changes nothing.
- Both servers from the one file: the V1 server cannot run here (its line is checked byte-identical
  instead); the V2 copy's command line starts the real ``tritonserver`` and ``/v2/health/ready``
  answers 200 on the copy's shifted host port (host networking: the server listens there itself;
  published ports: a userland proxy from the host port to the server, as docker-proxy and kube-proxy
  forward them).
- Retired fixtures: the output is the input minus exactly the marked units, and nothing else changes
  but what a plain run migrates.
- Helm: an umbrella chart's entry is copied, Helm renders the V1 release as before and the V2 one
  valid, whose server runs; charts configured at their own level are left whole, with warnings.
- Generated matrices of compose files and Kubernetes manifests (YAML and JSON): many port layouts,
  ports already taken at +100, names a copy would take already in use; no copy's host port collides
  with any other host port of the file; every run is idempotent.
- The command line: flag conflicts, standard input refused, configuration keys, ``--check``/``--diff``,
  ruamel.yaml imported in these runs only.
- The third-party corpus with a V1 image injected: every compose file and manifest gets its copy,
  valid and stable.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import pathlib
import posixpath
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

import kubernetes_validate
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from ruamel.yaml import YAML

import realserver as R
from conftest import FIXTURES, SHARED, cli, shared_dir
from golden import inputs, settings_for
from triton_docker_migrate import evidence
from triton_docker_migrate.documents.commands import argv0
from triton_docker_migrate.model import Status
from triton_docker_migrate.pipeline import build_document, process_file
from triton_docker_migrate.settings import Settings

SAFE = YAML(typ="safe", pure=True)
MARKER = "  # triton-docker-migrate: keep-v1"
ANNOTATION = "triton-docker-migrate/keep-v1"  #: what marks a kept object of a JSON manifest
V1_IMAGE = "nvcr.io/nvidia/tensorrtserver:20.02-py3"
K8S_VERSION = kubernetes_validate.latest_version()
PROPS = settings(derandomize=True, max_examples=int(os.environ.get("TDM_EXAMPLES", "120")), deadline=None)


def _args(path: pathlib.Path) -> list[str]:
    f = path.with_name(path.name + ".args")
    return shlex.split(f.read_text()) if f.exists() else []


CASES = [p for p in inputs(FIXTURES) if any(a.startswith("--side-by-side") or a == "--retire-v1" for a in _args(p))]
FIRST = [p for p in CASES if "--side-by-side" in _args(p) and p.with_name(p.name + ".out").exists()]
KEPT = [p for p in CASES if "--side-by-side" in _args(p) and not p.with_name(p.name + ".out").exists()]
RETIRED = [p for p in CASES if "--retire-v1" in _args(p)]


def _id(p: pathlib.Path) -> str:
    return str(p.relative_to(FIXTURES))


def _out(path: pathlib.Path) -> str:
    out = path.with_name(path.name + ".out")
    return (out if out.exists() else path).read_bytes().decode("utf-8")


def _docs(text: str) -> list:
    return [d for d in SAFE.load_all(text.lstrip("\ufeff")) if d is not None]


def _kind(path: pathlib.Path) -> str:
    return path.parent.name if path.parent.name in ("compose", "kubernetes") else "helm-values"


def test_the_fixtures_cover_the_modes():
    assert {_kind(p) for p in FIRST} == {"compose", "kubernetes", "helm-values"}
    assert {_kind(p) for p in RETIRED} == {"compose", "kubernetes", "helm-values"}
    assert len(KEPT) >= 4  # second runs, and units no copy can be made of
    names = {p.name for p in CASES}
    assert {"compose.side-by-side-host.yaml", "side-by-side-list.yaml", "side-by-side.json",
            "compose.side-by-side-crlf.yaml", "compose.side-by-side-anchors.yaml"} <= names


# --- what the output is -------------------------------------------------------------------------


def _units(kind: str, docs: list) -> dict:
    """name -> data of each unit (service, object, values entry)."""
    if kind == "compose":
        return dict(docs[0]["services"])
    if kind == "helm-values":
        return dict(docs[0])
    out = {}
    for d in docs:
        for o in d["items"] if d.get("kind") == "List" else [d]:
            out[(o["kind"], o["metadata"]["name"])] = o
    return out


def _marks(text: str, path: pathlib.Path) -> int:
    """How many kept blocks ``text`` marks (comments; annotations in a JSON manifest)."""
    return text.count(f'"{ANNOTATION}"') if path.suffix == ".json" else text.count(MARKER)


def _unmarked(units: dict) -> dict:
    """``units`` without the keep-v1 annotations (JSON manifests)."""
    out = {}
    for k, o in units.items():
        ann = (o.get("metadata") or {}).get("annotations") if isinstance(o, dict) else None
        if isinstance(ann, dict) and ANNOTATION in ann:
            o = json.loads(json.dumps(o))
            del o["metadata"]["annotations"][ANNOTATION]
            if not o["metadata"]["annotations"]:
                del o["metadata"]["annotations"]
        out[k] = o
    return out


def _marked(kind: str, text: str, path: pathlib.Path) -> set:
    """The keys (as ``_units`` makes them) of the units ``text`` marks kept: the marker comment on
    the unit's first line, or the annotation of a JSON manifest's object."""
    if path.suffix == ".json":
        return {k for k, o in _units(kind, _docs(text)).items()
                if ANNOTATION in ((o.get("metadata") or {}).get("annotations") or {})}
    lines = text.splitlines()
    out = set()
    for d in SAFE.compose_all(text.lstrip("\ufeff")):
        if d is None:
            continue
        if kind == "kubernetes":
            objs = [d]
            kinds = {k.value: v for k, v in d.value}
            if kinds.get("kind") is not None and kinds["kind"].value == "List":
                objs = kinds["items"].value
            for o in objs:
                data = {k.value: v for k, v in o.value}
                meta = {k.value: v for k, v in data["metadata"].value}
                if MARKER in lines[o.value[0][0].start_mark.line]:
                    out.add((data["kind"].value, meta["name"].value))
        else:
            root = {k.value: (k, v) for k, v in d.value}
            pairs = root["services"][1].value if kind == "compose" else d.value
            out |= {k.value for k, _v in pairs if MARKER in lines[k.start_mark.line]}
    return out


def _is_subsequence(a: str, b: str) -> bool:
    it = iter(b)
    return all(ch in it for ch in a)


@pytest.mark.parametrize("path", FIRST, ids=[_id(p) for p in FIRST])
def test_copy_is_inserted_and_nothing_else_changes(path):
    """Line by line, the output is the input with lines inserted (the marker aside; a JSON manifest:
    with text inserted, the annotation and the List around a lone object among it); read back, it
    holds every unit of the input as it was, and one copy per kept unit."""
    before, after = path.read_bytes().decode("utf-8"), _out(path)
    assert _marks(after, path) >= 1 and _marks(before, path) == 0
    if path.suffix == ".json":
        assert _is_subsequence(before, after)
    else:
        a = before.splitlines(keepends=True)
        b = after.replace(MARKER, "").splitlines(keepends=True)
        ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        assert {op for op, *_ in ops} <= {"equal", "insert"}, [o for o in ops if o[0] != "equal"]
    kind = _kind(path)
    old, new = _units(kind, _docs(before)), _unmarked(_units(kind, _docs(after)))
    assert {k: new[k] for k in old} == old  # every unit of the input, unchanged
    added = [k for k in new if k not in old]
    kept = _marks(after, path)
    assert added and len(added) >= kept - sum(1 for k in old if isinstance(k, tuple) and k[0] == "Service")
    suffix = settings_for(path).side_by_side_suffix
    for k in added:
        name = k[1] if isinstance(k, tuple) else k
        assert name.endswith(suffix)


@pytest.mark.parametrize("path", FIRST, ids=[_id(p) for p in FIRST])
def test_v1_command_lines_are_byte_identical(path):
    """The V1 server cannot run here: what proves it still runs as before is its command line, byte
    for byte, in the kept block."""
    kind = "compose" if _kind(path) == "compose" else _kind(path)
    before_text, after_text = path.read_bytes().decode("utf-8"), _out(path)
    before = build_document(kind, str(path), before_text)
    after = build_document(kind, str(path), after_text)
    v1 = [cl for cl in before.command_lines() if cl.v1]
    kept = [cl for cl in after.command_lines() if cl.report_only]
    assert v1 and len(kept) == len(v1)

    def text_of(cl, text):
        words = [w for seg in cl.segments for w in seg.words]
        return text[min(w.start for w in words):max(w.end for w in words)]

    assert [text_of(cl, after_text) for cl in kept] == [text_of(cl, before_text) for cl in v1]
    copies = [cl for cl in after.command_lines() if not cl.report_only]
    assert copies and not any(cl.v1 for cl in copies)


def _inserted_lines(before: str, after: str) -> set[int]:
    """0-based numbers of the lines of ``after`` that the run inserted."""
    a = before.splitlines(keepends=True)
    b = after.replace(MARKER, "").splitlines(keepends=True)
    out: set[int] = set()
    for op, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "insert":
            out |= set(range(j1, j2))
    return out


FIRST_YAML = [p for p in FIRST if p.suffix != ".json"]  # JSON has no anchors


@pytest.mark.parametrize("path", FIRST_YAML, ids=[_id(p) for p in FIRST_YAML])
def test_copies_resolve_anchors_and_merge_keys(path):
    """The copy has values of its own: no anchor, alias or ``<<`` merge key on an inserted line,
    though the fixture's units use them (compose.side-by-side-anchors.yaml shares both)."""
    from ruamel.yaml.events import (AliasEvent, CollectionEndEvent, MappingStartEvent, NodeEvent, ScalarEvent,
                                    SequenceStartEvent)

    before, after = path.read_bytes().decode("utf-8"), _out(path)
    inserted = _inserted_lines(before, after)
    assert inserted
    found = []
    stack: list[list] = []  # [is a mapping, its next node is a key]
    for ev in SAFE.parse(after.lstrip("\ufeff")):
        if isinstance(ev, CollectionEndEvent):
            stack.pop()
            continue
        if not isinstance(ev, (NodeEvent, AliasEvent)):
            continue
        is_key = bool(stack) and stack[-1][0] and stack[-1][1]
        if stack and stack[-1][0]:
            stack[-1][1] = not stack[-1][1]
        if isinstance(ev, (MappingStartEvent, SequenceStartEvent)):
            stack.append([isinstance(ev, MappingStartEvent), True])
        line = ev.start_mark.line
        if line not in inserted:
            continue
        if isinstance(ev, AliasEvent):
            found.append(("alias", line))
        elif ev.anchor is not None:
            found.append(("anchor", line))
        if isinstance(ev, ScalarEvent) and is_key and ev.value == "<<":
            found.append(("merge", line))
    assert found == []
    if path.name == "compose.side-by-side-anchors.yaml":
        assert before.count("<<: *") == 3 and "&triton" in before and "&env" in before


@pytest.mark.parametrize("path", CASES, ids=[_id(p) for p in CASES])
def test_second_run_changes_nothing(path, tmp_path):
    """With the flag again, and in a plain run: the kept block is left alone (a unit no copy could be
    made of is not kept: a plain run migrates it in place)."""
    src = tmp_path / path.name
    src.write_bytes(_out(path).encode("utf-8"))
    for s in (settings_for(path),) + ((Settings(),) if _marks(_out(path), path) else ()):
        if s.retire_v1:
            continue  # retiring twice: nothing is kept any more, a plain run covers it
        res = process_file(str(src), src.name, s, explicit=True)
        assert res.status is not Status.FAILED, res.error
        assert res.new == res.original
        assert not [f for f in res.findings if f.fixed]


@pytest.mark.parametrize("path", RETIRED, ids=[_id(p) for p in RETIRED])
def test_retired_units_are_gone_and_the_rest_stays(path):
    before, after = path.read_bytes().decode("utf-8"), _out(path)
    assert _marks(before, path) and not _marks(after, path)
    kind = _kind(path)
    old, new = _units(kind, _docs(before)), _units(kind, _docs(after))
    assert set(old) - set(new) == _marked(kind, before, path) and set(new) < set(old)
    # what stays reads as it did, but where a plain run migrates it (an anchor V1 shared); and a
    # plain run has nothing left to do
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d) / path.name
        tmp.write_text(after)
        plain = process_file(str(tmp), tmp.name, Settings(), explicit=True)
    assert plain.new == plain.original
    for k in new:  # only what still held V1 (a route to the retired Service) is migrated now
        if new[k] != old[k]:
            assert re.search(r"/api/|tensorrtserver|trtserver", json.dumps(old[k])), k


@pytest.mark.parametrize("path", FIRST, ids=[_id(p) for p in FIRST])
def test_no_host_port_or_name_collides(path):
    after = _out(path)
    kind = _kind(path)
    docs = _docs(after)
    if kind == "compose":
        services = docs[0]["services"]
        _assert_unique([p for s in services.values() for p in _compose_ports(s, proto=True)])
        names = [s["container_name"] for s in services.values() if "container_name" in s]
        assert len(names) == len(set(names))
    elif kind == "kubernetes":
        objects = list(_units(kind, docs).values())
        _assert_unique(_k8s_ports(objects))
        names = [(o["kind"], o["metadata"]["name"]) for o in objects]
        assert len(names) == len(set(names))


def _assert_unique(ports: list) -> None:
    dup = sorted({p for p in ports if ports.count(p) > 1})
    assert dup == [], dup


def _compose_ports(service: dict, proto: bool = False) -> list:
    """The host ports a service takes: published ports, and under host networking the server's
    (``proto``: as (port, protocol) pairs, as the engine tells them apart)."""
    out: list = []
    if service.get("network_mode") == "host":
        return [(p, "tcp") if proto else p for p in _server_ports(_compose_argv(service))]
    for p in service.get("ports") or []:
        host, protocol = None, "tcp"
        if isinstance(p, dict):
            host, protocol = str(p.get("published", "")) or None, p.get("protocol", "tcp")
        elif isinstance(p, str):
            m = re.search(r"/(\w+)$", p)
            protocol = m.group(1) if m else "tcp"
            parts = re.sub(r"/\w+$", "", p).split(":")
            host = parts[-2] if len(parts) >= 2 and parts[-2] else None
        if host:
            a, _, b = host.partition("-")
            out += [(x, protocol) if proto else x for x in range(int(a), int(b or a) + 1)]
    return out


def _compose_argv(service: dict) -> list[str]:
    words = []
    for key in ("entrypoint", "command"):
        v = service.get(key)
        words += shlex.split(v) if isinstance(v, str) else list(v or [])
    return words


def _server_ports(argv: list[str]) -> list[int]:
    """--http-port/--grpc-port/--metrics-port of a server argv (defaults where absent); none when the
    argv runs no server (the images start none of their own)."""
    if not any(posixpath.basename(w) in ("trtserver", "tritonserver") for w in argv):
        return []
    got = {"http-port": 8000, "grpc-port": 8001, "metrics-port": 8002}
    for i, w in enumerate(argv):
        name, eq, value = w[2:].partition("=") if w.startswith("--") else ("", "", "")
        if name in got:
            got[name] = int(value if eq else argv[i + 1])
    return list(got.values())


def _k8s_ports(objects: list[dict]) -> list[int]:
    out = []
    for o in objects:
        for spec in _pod_specs(o):
            host_net = spec.get("hostNetwork") is True
            for c in spec.get("containers", []):
                if host_net:
                    out += _server_ports((c.get("command") or []) + (c.get("args") or []))
                else:
                    out += [p["hostPort"] for p in c.get("ports") or [] if "hostPort" in p]
        if o["kind"] == "Service":
            out += [p["nodePort"] for p in o["spec"].get("ports") or [] if "nodePort" in p]
    return out


def _pod_specs(o: dict) -> list[dict]:
    if o["kind"] == "Pod":
        return [o["spec"]]
    t = (o.get("spec") or {}).get("template")
    return [t["spec"]] if isinstance(t, dict) else []


# --- both servers from the one file ----------------------------------------------------------------


def _free(port: int) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((R.LOOPBACK, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


@contextlib.contextmanager
def _forward(host_port: int, to_port: int):
    """A userland TCP proxy from ``host_port`` to ``to_port`` on the loopback interface: what
    docker-proxy does for a published compose port, and kube-proxy for a node port."""
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((R.LOOPBACK, host_port))
    lsock.listen(8)
    lsock.settimeout(0.2)
    stop = threading.Event()

    def pump(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        for s in (a, b):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = lsock.accept()
            except (TimeoutError, OSError):
                continue
            try:
                up = socket.create_connection((R.LOOPBACK, to_port), timeout=5)
            except OSError:
                conn.close()
                continue
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(5)
        lsock.close()


def _argv(cl) -> list[str]:
    words = [w for w, _ in cl.args() if not w.is_whole_expansion]
    return [argv0(cl), *[w.value for w in words]]


def _with_free_ports(path: pathlib.Path, tmp_path: pathlib.Path) -> tuple[str, pathlib.Path]:
    """The fixture migrated with a port offset whose copy's host ports are free on this machine."""
    base = settings_for(path)
    for offset in range(2000, 40000, 1700):
        src = tmp_path / path.name
        src.write_bytes(path.read_bytes())
        s = Settings(**{**base.__dict__, "side_by_side_port_offset": offset})
        res = process_file(str(src), src.name, s, explicit=True)
        assert res.status is Status.CHANGED, res.error
        text = res.new.decode("utf-8")
        if all(_free(p) for p in _copy_host_ports(_kind(path), _docs(text), base.side_by_side_suffix)):
            return text, src
    pytest.fail("no offset leaves the copy's host ports free here")


def _copy_host_ports(kind: str, docs: list, suffix: str) -> list[int]:
    if kind == "compose":
        return [p for name, s in docs[0]["services"].items() if name.endswith(suffix) for p in _compose_ports(s)]
    if kind == "kubernetes":
        objs = [o for o in _units(kind, docs).values() if o["metadata"]["name"].endswith(suffix)]
        return _k8s_ports(objs)
    return []


def _published_http(kind: str, docs: list, suffix: str, http: int) -> int | None:
    """The host port the copy publishes its server's HTTP port on (None: none is published)."""
    if kind == "compose":
        for name, s in docs[0]["services"].items():
            if not name.endswith(suffix):
                continue
            if s.get("network_mode") == "host":
                return http
            for p in s.get("ports") or []:
                target = str(p.get("target")) if isinstance(p, dict) else re.sub(r"/\w+$", "", str(p)).split(":")[-1]
                hosts = _compose_ports({"ports": [p]})
                if target == str(http) and hosts:
                    return hosts[0]
        return None
    if kind != "kubernetes":
        return None
    objs = [o for o in _units(kind, docs).values() if o["metadata"]["name"].endswith(suffix)]
    names: dict[str, int] = {}
    for o in objs:
        for spec in _pod_specs(o):
            if spec.get("hostNetwork") is True:
                return http
            for c in spec["containers"]:
                for p in c.get("ports") or []:
                    if p.get("name"):
                        names[p["name"]] = p["containerPort"]
                    if p.get("containerPort") == http and "hostPort" in p:
                        return p["hostPort"]
    for o in objs:
        if o["kind"] == "Service":
            for p in o["spec"].get("ports") or []:
                target = p.get("targetPort", p.get("port"))
                if names.get(target, target) == http and "nodePort" in p:
                    return p["nodePort"]
    return None


SERVER_CASES = [p for p in FIRST]


@pytest.mark.parametrize("path", SERVER_CASES, ids=[_id(p) for p in SERVER_CASES])
def test_the_copy_serves_on_its_shifted_port(path, tmp_path):
    kind = _kind(path)
    suffix = settings_for(path).side_by_side_suffix
    text, src = _with_free_ports(path, tmp_path)
    doc = build_document(kind, str(src), text)
    copies = [cl for cl in doc.command_lines() if not cl.report_only]
    assert copies
    b = R.binary()
    for cl in copies:
        argv = _argv(cl)
        http, grpc, metrics = _server_ports(argv)
        host = _published_http(kind, _docs(text), suffix, http)
        repo = pathlib.Path(tempfile.mkdtemp(prefix="tdm-models-", dir=tmp_path))
        logs = pathlib.Path(tempfile.mkdtemp(prefix="tdm-server-log-", dir=tmp_path))
        try:
            if host == http:  # host networking: the server listens on the shifted ports itself
                ports = [http, grpc, metrics]
                with R.Server(R.substitute(argv, b, repo, ports), b, ports, logs / "log") as srv:
                    assert srv.wait_ready(), srv.result(None).explain()
                    assert R.request(http, "GET", "/v2/health/ready")[0] == 200
            else:
                with R.running(argv, repo) as srv:
                    assert srv.ready, srv.result(None).explain()
                    if host is not None:
                        assert host != http or kind == "helm-values"
                        with _forward(host, srv.http_port):
                            assert R.request(host, "GET", "/v2/health/ready")[0] == 200
                    else:
                        assert srv.get("/v2/health/ready")[0] == 200
        finally:
            shutil.rmtree(repo, ignore_errors=True)
            shutil.rmtree(logs, ignore_errors=True)


def test_the_port_proof_has_teeth(tmp_path):
    """The proxy answers only when the server is there: the readiness seen through it is the server's."""
    port = R.free_ports(1)[0]
    target = R.free_ports(1)[0]
    with _forward(port, target):
        assert R.request(port, "GET", "/v2/health/ready", timeout=2)[0] is None


# --- the modes through the command line -------------------------------------------------------------


def test_cli_refuses_side_by_side_with_retire(capsys, tmp_path):
    f = tmp_path / "compose.yaml"
    f.write_text("services: {}\n")
    code, _, err = cli(capsys, "migrate", "--side-by-side", "--retire-v1", str(f))
    assert code == 2 and "--retire-v1" in err
    code, _, err = cli(capsys, "migrate", "--side-by-side", "--side-by-side-suffix", "_V2", str(f))
    assert code == 2 and "--side-by-side-suffix" in err
    code, _, err = cli(capsys, "migrate", "--side-by-side", "--side-by-side-port-offset", "0", str(f))
    assert code == 2 and "--side-by-side-port-offset" in err
    for flag in ("--side-by-side", "--retire-v1"):  # files only (CONTRACT.md: --side-by-side refuses -)
        code, out, err = cli(capsys, "migrate", flag, "-", "--stdin-filename", "compose.yaml")
        assert code == 2 and flag in err and out == ""
    (tmp_path / ".triton-docker-migrate.toml").write_text('side-by-side-suffix = "_V2"\n')
    code, _, err = cli(capsys, "migrate", "--side-by-side", str(f))
    assert code == 2 and "side-by-side-suffix" in err and f.read_text() == "services: {}\n"


def test_check_and_diff_report_the_copy_like_any_fix(capsys, tmp_path):
    f = tmp_path / "compose.yaml"
    src = (FIXTURES / "compose" / "compose.side-by-side.yaml").read_bytes()
    f.write_bytes(src)
    code, out, _ = cli(capsys, "migrate", "--side-by-side", "--diff", "--check", str(f))
    assert code == 1 and "+  triton-v2:" in out and f.read_bytes() == src
    code, out, _ = cli(capsys, "migrate", "--side-by-side", "--format", "json", str(f))
    assert code == 0 and f.read_bytes() == (FIXTURES / "compose" / "compose.side-by-side.yaml.out").read_bytes()
    report = json.loads(out)
    kept = [x for x in report["findings"] if x["rule"] == "TDM005"]
    assert [(x["severity"], x["fixed"]) for x in kept] == [("warning", True)]
    code, _, _ = cli(capsys, "migrate", "--side-by-side", "--check", str(f))
    assert code == 0
    code, _, _ = cli(capsys, "migrate", "--check", "--fail-on-review", str(f))
    assert code == 1  # V1 is still deployed: a person must look


def test_configuration_sets_the_suffix_and_offset(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".triton-docker-migrate.toml").write_text('side-by-side-suffix = "-next"\nside-by-side-port-offset = 5\n')
    f = tmp_path / "compose.yaml"
    f.write_text("services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n    ports: ['8000:8000']\n")
    code, _, err = cli(capsys, "migrate", "--side-by-side", str(f))
    assert code == 0, err
    data = _docs(f.read_text())[0]["services"]
    assert data["t-next"]["ports"] == ["8005:8000"]


# --- Helm: an umbrella chart's entry, rendered by Helm itself ---------------------------------------

UMBRELLA = {
    "Chart.yaml": "apiVersion: v2\nname: inference\nversion: 0.1.0\ndependencies:\n"
                  "  - name: server\n    version: 0.1.0\n    alias: triton\n",
    "values.yaml": "# each entry configures one release of the server subchart\n"
                   "triton:\n  image:\n    repository: nvcr.io/nvidia/tensorrtserver\n    tag: \"20.02-py3\"\n"
                   "  args:\n    - trtserver\n    - --model-store=/models\n  hostPort: 8000\n",
    "charts/server/Chart.yaml": "apiVersion: v2\nname: server\nversion: 0.1.0\n",
    "charts/server/values.yaml": "args: []\nhostPort: 0\n",
    "charts/server/templates/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
spec:
  selector:
    matchLabels:
      app: {{ .Chart.Name }}
  template:
    metadata:
      labels:
        app: {{ .Chart.Name }}
    spec:
      containers:
        - name: server
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          args:
            {{- toYaml .Values.args | nindent 12 }}
          ports:
            - containerPort: 8000
              hostPort: {{ .Values.hostPort }}
""",
}


def test_umbrella_chart_entry_gets_a_copy_helm_renders_and_the_server_runs(tmp_path, capsys):
    """A values entry of an umbrella chart (the subchart's settings) is kept and copied; nothing else
    of the chart changes. Once the chart names the subchart a second time under the copy's key (what
    the finding asks), Helm renders both releases: the V1 Deployment as before, byte for byte in its
    command line, and the V2 one, valid, whose command line starts the real server, which answers
    /v2/health/ready on the copy's shifted host port."""
    from test_helm_chart import containers, render

    chart = tmp_path / "umbrella"
    for name, text in UMBRELLA.items():
        (chart / name).parent.mkdir(parents=True, exist_ok=True)
        (chart / name).write_text(text)
    before = {n: (chart / n).read_bytes() for n in UMBRELLA}
    v1_rendered = containers(render(chart))
    offset = next(o for o in range(2100, 40000, 1700) if _free(8000 + o))
    code, _, err = cli(capsys, "migrate", "--side-by-side", "--side-by-side-port-offset", str(offset), str(chart))
    assert code == 0, err
    changed = [n for n in UMBRELLA if (chart / n).read_bytes() != before[n]]
    assert changed == ["values.yaml"]
    values = (chart / "values.yaml").read_text()
    assert values.startswith(before["values.yaml"].decode().replace("triton:\n", "triton:" + MARKER + "\n"))
    code, _, _ = cli(capsys, "migrate", "--side-by-side", "--check", str(chart))
    assert code == 0 and (chart / "values.yaml").read_text() == values
    with (chart / "Chart.yaml").open("a") as f:  # what the finding asks: the subchart under the copy's key
        f.write("  - name: server\n    version: 0.1.0\n    alias: triton-v2\n")
    objs = render(chart)
    for o in objs:
        kubernetes_validate.validate(o, K8S_VERSION, strict=True)
    got = dict(containers(objs))
    assert sorted(got) == ["rel-triton", "rel-triton-v2"]
    assert got["rel-triton"] == dict(v1_rendered)["rel-triton"]  # V1 renders exactly as before
    v2 = got["rel-triton-v2"]
    assert v2["image"] == "nvcr.io/nvidia/tritonserver:24.10-py3"
    host = v2["ports"][0]["hostPort"]
    assert host == 8000 + offset
    repo = tmp_path / "models"
    repo.mkdir()
    with R.running([str(w) for w in v2["args"]], repo) as srv:
        assert srv.ready, srv.result(None).explain()
        with _forward(host, srv.http_port):
            assert R.request(host, "GET", "/v2/health/ready")[0] == 200


def test_charts_keep_their_templates_and_own_values_whole(tmp_path, capsys):
    """A chart configured at its own top level, or whose subchart's templates run V1 themselves, has
    no copy to make (a second release is): every file stays as it is, each V1 one with a TDM005
    warning, and nothing is left silent."""
    for name in ("flat-values", "subchart", "server-args"):
        src = FIXTURES.parent / "fixtures" / "helm-chart" / name
        chart = tmp_path / name
        shutil.copytree(src, chart, ignore=shutil.ignore_patterns("*.out", "*.findings", "*.args"))
        before = {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()}
        code, out, err = cli(capsys, "migrate", "--side-by-side", "--format", "json", str(chart))
        assert code == 0, err
        assert {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()} == before
        report = json.loads(out)
        refused = {x["path"] for x in report["findings"] if x["rule"] == "TDM005" and "no V2 copy" in x["message"]}
        strong = {p.as_posix() for p in before if p.name != "Chart.yaml" and evidence.strong(before[p])}
        assert strong and strong <= refused
        assert not [x for x in report["findings"] if x["fixed"]]


def test_ruamel_is_imported_only_in_this_mode(tmp_path):
    f = tmp_path / "compose.yaml"
    f.write_text("services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n")
    code = ("import sys; from triton_docker_migrate.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print('RUAMEL' if any(m.startswith('ruamel') for m in sys.modules) else 'NONE', file=sys.stderr)")
    for flags, expected in (([], "NONE"), (["--side-by-side"], "RUAMEL")):
        p = subprocess.run([sys.executable, "-c", code, "migrate", "--diff", "-j", "1", *flags, str(f)],
                           capture_output=True, text=True, timeout=120)
        assert p.stderr.strip().splitlines()[-1] == expected, p.stderr


# --- generated matrices -------------------------------------------------------------------------------


@st.composite
def compose_matrix(draw):
    """Services: V1 servers and others, published ports in every short and long form (ranges, host
    addresses, protocols), host networking, container names; no host port taken twice."""
    taken: set[int] = set()
    names: list[str] = []
    lines = ["services:"]
    n = draw(st.integers(1, 5))
    for i in range(n):
        v1 = i == 0 or draw(st.booleans())
        # names a copy would take are in use too (a V2 service made by hand)
        name = draw(st.sampled_from(["triton", "server", "web", "triton-v2", "server-v2", "triton-v2-v2"]))
        name = name if name not in names else name + str(i)
        names.append(name)
        lines.append(f"  {name}:")
        lines.append(f"    image: {V1_IMAGE if v1 else 'nginx:1.25'}")
        if v1:
            lines.append("    command: trtserver --model-store=/models")
        if draw(st.booleans()):
            lines.append(f"    container_name: {draw(st.sampled_from(names))}-c")
        host_net = v1 and draw(st.integers(0, 4)) == 0 and not {8000, 8001, 8002} & taken
        if host_net:
            lines.append("    network_mode: host")
            taken |= {8000, 8001, 8002}
            continue
        entries = []
        for _ in range(draw(st.integers(0, 4))):
            base = draw(st.sampled_from([8000, 8001, 8002, 8100, 8101, 8200, 9000, 80]))
            width = draw(st.sampled_from([0, 0, 0, 2]))
            ports = set(range(base, base + width + 1))
            if ports & taken:
                continue
            taken |= ports
            host = str(base) if not width else f"{base}-{base + width}"
            target = "8000" if not width else f"8000-{8000 + width}"
            form = draw(st.integers(0, 3))
            if form == 0:
                entries.append(f'"{host}:{target}"')
            elif form == 1:
                entries.append(f'"127.0.0.1:{host}:{target}/tcp"')
            elif form == 2 and not width:
                entries.append(f"{{target: 8000, published: {host}}}")
            else:
                entries.append(f'"{host}:{target}"')
        if entries:
            lines.append("    ports: [" + ", ".join(entries) + "]")
    return "\n".join(lines) + "\n"


def _names_unique(text: str) -> bool:
    services = _docs(text)[0]["services"]
    names = [s["container_name"] for s in services.values() if "container_name" in s]
    return len(names) == len(set(names))


@PROPS
@given(compose_matrix())
def test_compose_matrix_no_collision(src):
    with tempfile.TemporaryDirectory() as d:
        f = pathlib.Path(d) / "compose.yaml"
        f.write_text(src)
        before = _docs(src)[0]["services"]
        res = process_file(str(f), f.name, Settings(side_by_side=True), explicit=True)
        assert res.status is not Status.FAILED, res.error
        out = res.new.decode("utf-8")
        services = _docs(out)[0]["services"]
        assert {k: services[k] for k in before} == before
        refused = {f.span.start for f in res.findings if f.rule == "TDM005" and "no V2 copy" in f.message}
        for name, svc in before.items():  # each V1 service gets its copy, or a name already taken says why not
            if svc["image"] != V1_IMAGE:
                continue
            line = src.index(f"\n  {name}:\n") + 1
            if name + "-v2" in before:
                assert line in refused and f"  {name}:  # triton-docker-migrate: keep-v1" not in out
            else:
                assert name + "-v2" in services and f"  {name}:  # triton-docker-migrate: keep-v1\n" in out
        _assert_unique([p for s in services.values() for p in _compose_ports(s, proto=True)])
        if _names_unique(src):
            assert _names_unique(out)
        assert [e.message for e in _compose_schema().iter_errors(_docs(out)[0])] == []
        f.write_text(out)
        again = process_file(str(f), f.name, Settings(side_by_side=True), explicit=True)
        assert again.new == again.original


@st.composite
def k8s_matrix(draw):
    """Deployments with hostPorts, NodePort Services selecting them, host-network Pods."""
    docs = []
    taken: set[int] = set()
    for i in range(draw(st.integers(1, 3))):
        v1 = i == 0 or draw(st.booleans())
        image = V1_IMAGE if v1 else "nginx:1.25"
        host_net = draw(st.integers(0, 3)) == 0 and v1 and not {8000, 8001, 8002} & taken
        ports = []
        for cp in (8000, 8001):
            hp = draw(st.sampled_from([None, 8000, 8100, 8101, 8200, 9000]))
            if host_net:
                hp = cp
            if hp is not None and hp in taken:
                hp = None
            if hp is not None:
                taken.add(hp)
            ports.append(f"            - containerPort: {cp}" + (f"\n              hostPort: {hp}" if hp else ""))
        if host_net:
            taken |= {8002}
        args = '          args: ["trtserver", "--model-store=/models"]\n' if v1 else ""
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{i}
spec:
  selector:
    matchLabels:
      app: app{i}
  template:
    metadata:
      labels:
        app: app{i}
    spec:
{'      hostNetwork: true' + chr(10) if host_net else ''}      containers:
        - name: c
          image: {image}
{args}          ports:
{chr(10).join(ports)}
""")
        node = draw(st.sampled_from([None, 30000, 30100, 32700, 32767]))
        if node is not None and node not in taken:
            taken.add(node)
            docs.append(f"""apiVersion: v1
kind: Service
metadata:
  name: svc{i}
spec:
  type: NodePort
  selector:
    app: app{i}
  ports:
    - port: 8000
      nodePort: {node}
""")
    taken_name = draw(st.sampled_from([None, None, "Deployment", "Service"]))
    if taken_name == "Deployment":  # the name the first workload's copy would take, in use
        docs.append("""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app0-v2
spec:
  selector:
    matchLabels:
      app: other
  template:
    metadata:
      labels:
        app: other
    spec:
      containers:
        - name: c
          image: nginx:1.25
""")
    elif taken_name == "Service" and "name: svc0\n" in "".join(docs):
        docs.append("""apiVersion: v1
kind: Service
metadata:
  name: svc0-v2
spec:
  selector:
    app: other
  ports:
    - port: 80
""")
    text = "---\n".join(docs)
    form = draw(st.sampled_from(["yaml", "yaml", "json", "json-compact"]))
    if form == "yaml":
        return text
    objects = _docs(text)  # the same manifests as JSON: one object alone, or a List
    value = objects[0] if len(objects) == 1 else {"apiVersion": "v1", "kind": "List", "items": objects}
    return json.dumps(value, indent=None if form == "json-compact" else draw(st.sampled_from([2, 4]))) + "\n"


#: half the examples of the other matrices: each is validated by kubernetes-validate object by object (the
#: slowest matrix of the suite, 38 s at 120); TDM_EXAMPLES raises it like the others
@settings(PROPS, max_examples=int(os.environ.get("TDM_EXAMPLES", "60")))
@given(k8s_matrix())
def test_kubernetes_matrix_no_collision(src):
    with tempfile.TemporaryDirectory() as d:
        f = pathlib.Path(d) / ("triton.json" if src.startswith("{") else "triton.yaml")
        f.write_text(src)
        res = process_file(str(f), f.name, Settings(side_by_side=True), explicit=True)
        assert res.status is not Status.FAILED, res.error
        out = res.new.decode("utf-8")
        objects = list(_units("kubernetes", _docs(out)).values())
        _assert_unique(_k8s_ports(objects))
        before = _units("kubernetes", _docs(src))
        if f.suffix == ".json":
            json.loads(out)  # still JSON
        after = _unmarked(_units("kubernetes", _docs(out)))
        assert {k: o for k, o in after.items() if k in before} == before
        refused = [x.message for x in res.findings if x.rule == "TDM005" and "no V2 copy" in x.message]
        for (kind, name), o in before.items():  # each V1 workload gets its copy, or a name taken says why not
            if kind != "Deployment" or o["spec"]["template"]["spec"]["containers"][0]["image"] != V1_IMAGE:
                continue
            svc = "svc" + name[3:]
            taken = ("Deployment", name + "-v2") in before or (("Service", svc) in before and
                                                               ("Service", svc + "-v2") in before)
            if taken:
                assert any(f"V1 Deployment {name} " in m and "already exists" in m for m in refused)
            else:
                assert ("Deployment", name + "-v2") in after
        assert len(refused) == sum(1 for k in before if k[1].endswith("-v2"))
        for o in objects:
            for p in (o.get("spec") or {}).get("ports") or []:
                if "nodePort" in p:
                    assert 30000 <= p["nodePort"] <= 32767
            kubernetes_validate.validate(o, K8S_VERSION, strict=True)
        # the V1 Services select the V1 pods only, the copies' Services the copies' pods only
        pods = {o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"] for o in objects
                if o["kind"] == "Deployment"}
        for o in objects:
            if o["kind"] == "Service":
                sel = o["spec"]["selector"]
                chosen = [n for n, labels in pods.items() if all(labels.get(k) == v for k, v in sel.items())]
                if sel.get("app") != "other":
                    assert len(chosen) == 1 and chosen[0].endswith("-v2") == o["metadata"]["name"].endswith("-v2")
        f.write_text(out)
        again = process_file(str(f), f.name, Settings(side_by_side=True), explicit=True)
        assert again.new == again.original


def _compose_schema() -> Draft7Validator:
    return Draft7Validator(json.loads((shared_dir() / "schema" / "compose-spec.json").read_text()))


# --- the third-party corpus with a V1 image injected -----------------------------------------------

_IMAGE = re.compile(r"^(?P<lead>[ \t-]*image:[ \t]*)(?P<q>[\"']?)(?P<v>[^\"'\s#]+)(?P=q)[ \t]*$", re.M)


def _corpus(folder: str) -> list[pathlib.Path]:
    """The corpus files with an ``image:`` line to make V1."""
    root = SHARED / "corpus" / folder
    files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml")) if root.is_dir() else []
    return [p for p in files if _IMAGE.search(p.read_bytes().decode("utf-8"))]


CORPUS = _corpus("awesome-compose") + _corpus("k8s")


@pytest.mark.parametrize("path", CORPUS, ids=[f"{p.parent.name}/{p.name}" for p in CORPUS])
def test_corpus_with_a_v1_image_gets_a_valid_stable_copy(path, tmp_path):
    shared_dir()
    text = path.read_bytes().decode("utf-8")
    m = _IMAGE.search(text)
    assert m is not None
    injected = text[:m.start("v")] + V1_IMAGE + text[m.end("v"):]
    kind = "compose" if path.parent.name == "awesome-compose" else "kubernetes"
    f = tmp_path / ("compose.yaml" if kind == "compose" else path.name)
    f.write_text(injected)
    res = process_file(str(f), f.name, Settings(side_by_side=True), explicit=True)
    assert res.status is not Status.FAILED, res.error
    out = res.new.decode("utf-8")
    kept = [x for x in res.findings if x.rule == "TDM005" and x.fixed]
    assert kept or any(x.rule == "TDM005" and "no V2 copy" in x.message for x in res.findings)
    if kind == "compose":
        assert [e.message for e in _compose_schema().iter_errors(_docs(out)[0])] == []
        _assert_unique([p for s in _docs(out)[0]["services"].values() for p in _compose_ports(s, proto=True)])
    else:
        for o in _units("kubernetes", _docs(out)).values():
            with contextlib.suppress(kubernetes_validate.SchemaNotFoundError):
                kubernetes_validate.validate(o, K8S_VERSION, strict=True)
    f.write_text(out)
    again = process_file(str(f), f.name, Settings(side_by_side=True), explicit=True)
    assert again.new == again.original


def test_the_corpus_is_used():
    shared_dir()
    assert len(CORPUS) >= 20
