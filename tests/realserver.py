"""Real V2 servers for the tests: find (or fetch) a release's ``tritonserver``, start it with a migrated
command line on free loopback ports, judge it by HTTP, and always stop it.

The default target's server (24.10, 2.51.0) comes from the test dependency ``nvidia-pytriton==0.7.0``.
Older releases come from older ``nvidia-pytriton`` wheels, fetched once with ``pip download --no-deps``
and unzipped into a cache folder (``$TDM_SERVER_CACHE``, default ``~/.cache/triton-docker-migrate-tests``),
reused when present. The server prints "Failed to initialize NVML" on a machine without a GPU even when
it is healthy, so readiness is judged by ``GET /v2/health/ready`` only.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import hashlib
import http.client
import importlib.util
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from typing import Iterator, Sequence

#: release -> (nvidia-pytriton wheel version, server version): the facts sheet's table
RELEASES = {
    "22.11": ("0.1.4", "2.28.0"),
    "23.07": ("0.3.0", "2.36.0"),
    "23.10": ("0.4.2", "2.39.0"),
    "23.12": ("0.5.0", "2.41.0"),
    "24.10": ("0.7.0", "2.51.0"),
}
DEFAULT = "24.10"
#: the older releases the suite starts by default (one per boundary the binaries can show: 22.11 is
#: the oldest, before the 23.04 TensorFlow 1 cut, and lacks options 2.51.0 has); TDM_E2E_RELEASES
#: (comma-separated, or "all") widens it
EXTRA_RELEASES = ("22.11",)

START_TIMEOUT = float(os.environ.get("TDM_SERVER_TIMEOUT", "45"))
STOP_TIMEOUT = 20.0
LOOPBACK = "127.0.0.1"

PATH_OPTIONS = ("model-repository", "model-store")
PORT_OPTIONS = ("http-port", "grpc-port", "metrics-port")
ADDRESS_OPTIONS = ("http-address", "grpc-address", "metrics-address")
NO_ARGUMENT = frozenset({"help", "disable-auto-complete-config"})


def releases_under_test() -> list[str]:
    wanted = os.environ.get("TDM_E2E_RELEASES", "").strip()
    if wanted == "all":
        return sorted(RELEASES)
    extra = [r.strip() for r in wanted.split(",") if r.strip()] if wanted else list(EXTRA_RELEASES)
    for r in extra:
        if r not in RELEASES:
            raise ValueError(f"TDM_E2E_RELEASES: no server known for release {r}")
    return sorted({DEFAULT, *extra})


# --- binaries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Binary:
    release: str
    version: str
    root: pathlib.Path  #: the folder holding ``pytriton/`` and ``nvidia_pytriton.libs/``

    @property
    def path(self) -> pathlib.Path:
        return self.root / "pytriton" / "tritonserver" / "bin" / "tritonserver"

    @property
    def libs(self) -> pathlib.Path:
        return self.root / "nvidia_pytriton.libs"

    @property
    def backends(self) -> pathlib.Path:
        return self.root / "pytriton" / "tritonserver" / "backends"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRITON") and not k.startswith("TENSORRT")}
        env["LD_LIBRARY_PATH"] = os.pathsep.join(x for x in (str(self.libs), os.environ.get("LD_LIBRARY_PATH")) if x)
        return env

    @functools.cached_property
    def options(self) -> frozenset[str]:
        """The long options this binary lists in ``--help``."""
        p = subprocess.run([str(self.path), "--help"], env=self.env(), capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        found = frozenset(re.findall(r"^\s*--([a-z0-9-]+)", p.stdout + p.stderr, re.M))
        if "model-repository" not in found:
            raise RuntimeError(f"{self.path} --help lists no options:\n{p.stdout}{p.stderr}")
        return found

    @property
    def serves_python_models(self) -> bool:
        """Only 2.51.0 is used with real models: the older wheels' Python backends name their shared
        memory by a counter (servers running side by side collide) and hung loading two models."""
        return self.release == DEFAULT and self.python_stub is not None

    @property
    def python_stub(self) -> pathlib.Path | None:
        """The Python backend stub for this interpreter, when the wheel ships one (0.7.0 does)."""
        v = f"{sys.version_info.major}.{sys.version_info.minor}"
        stub = self.root / "pytriton" / "tritonserver" / "python_backend_stubs" / v / "triton_python_backend_stub"
        return stub if stub.is_file() else None


def _site_root() -> pathlib.Path:
    spec = importlib.util.find_spec("pytriton")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nvidia-pytriton==0.7.0 is not installed: pip install -e '.[test]'")
    return pathlib.Path(list(spec.submodule_search_locations)[0]).parent


def cache_root() -> pathlib.Path:
    return pathlib.Path(os.environ.get("TDM_SERVER_CACHE") or
                        pathlib.Path.home() / ".cache" / "triton-docker-migrate-tests")


@functools.cache
def binary(release: str = DEFAULT) -> Binary:
    """The server of ``release``: the installed wheel for the default, a cached wheel for the others."""
    wheel, version = RELEASES[release]
    if release == DEFAULT:
        root = _site_root()
    else:
        root = _fetch(wheel)
    b = Binary(release, version, root)
    if not os.access(b.path, os.X_OK):
        raise RuntimeError(f"{b.path} is missing or not executable")
    return b


_MEMBERS = ("pytriton/tritonserver/", "nvidia_pytriton.libs/")


def _fetch(wheel: str) -> pathlib.Path:
    """``pip download --no-deps nvidia-pytriton==<wheel>`` and unzip the server part, once."""

    def build(work: pathlib.Path) -> tuple[pathlib.Path, str]:
        dl = work / "download"
        p = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                            "-q", f"nvidia-pytriton=={wheel}", "-d", str(dl)],
                           capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        wheels = sorted(dl.glob("*.whl")) if dl.is_dir() else []
        if p.returncode != 0 or len(wheels) != 1:
            raise RuntimeError(f"pip download nvidia-pytriton=={wheel} failed:\n{p.stdout}{p.stderr}")
        out = work / "tree"
        with zipfile.ZipFile(wheels[0]) as z:
            for info in z.infolist():
                if not info.filename.startswith(_MEMBERS) or info.is_dir():
                    continue
                target = out / info.filename
                z.extract(info, out)
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    target.chmod(mode)
        server = out / "pytriton" / "tritonserver" / "bin" / "tritonserver"
        server.chmod(server.stat().st_mode | 0o755)
        return out, wheels[0].name

    return _cached_dir(f"nvidia-pytriton-{wheel}", build)


def _cached_dir(name: str, build) -> pathlib.Path:
    """``cache_root() / name``, made once (under a lock, for parallel test runs): ``build(work)``
    fills a folder inside the scratch folder ``work`` and returns it with a line for the marker
    file; the folder is renamed into place only when complete."""
    root = cache_root()
    dest = root / name
    if (dest / ".complete").exists():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (dest / ".complete").exists():
            return dest
        work = pathlib.Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
        try:
            out, marker = build(work)
            (out / ".complete").write_text(marker + "\n")
            if dest.exists():
                shutil.rmtree(dest)
            out.rename(dest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return dest


# --- model repositories --------------------------------------------------------------------------

_MODEL_CONFIG = """backend: "python"
max_batch_size: 0
input [{ name: "IN", data_type: TYPE_FP32, dims: [ 1 ] }]
output [{ name: "OUT", data_type: TYPE_FP32, dims: [ 1 ] }]
instance_group [{ kind: KIND_CPU, count: 1 }]
"""

_MODEL_PY = """import sys
sys.path.append({site!r})  # numpy for the backend's utilities
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(r, "IN")
                                                             .as_numpy())]) for r in requests]
"""


def add_model(repo: pathlib.Path, name: str) -> pathlib.Path:
    """An identity model for the Python backend (loads on the CPU with the 2.51.0 server)."""
    import numpy

    site = str(pathlib.Path(numpy.__file__).resolve().parent.parent)
    d = repo / name
    (d / "1").mkdir(parents=True)
    (d / "1" / "model.py").write_text(_MODEL_PY.format(site=site))
    (d / "config.pbtxt").write_text(_MODEL_CONFIG)
    return d


@functools.cache
def _python_backend_dir(b: Binary) -> pathlib.Path:
    """A backend folder (in the cache, made once) whose Python backend runs this interpreter's stub."""
    stub = b.python_stub
    if stub is None:
        raise RuntimeError(f"the {b.release} wheel ships no Python backend stub for Python "
                           f"{sys.version_info.major}.{sys.version_info.minor}")
    tag = hashlib.sha256(str(b.root.resolve()).encode()).hexdigest()[:12]

    def build(work: pathlib.Path) -> tuple[pathlib.Path, str]:
        out = work / "backends"
        py = out / "python"
        py.mkdir(parents=True)
        for f in ("libtriton_python.so", "triton_python_backend_utils.py"):
            shutil.copy2(b.backends / "python" / f, py / f)
        shutil.copy2(stub, py / "triton_python_backend_stub")
        return out, str(b.root)

    return _cached_dir(f"backends-{b.release}-py{sys.version_info.major}.{sys.version_info.minor}-{tag}", build)


# --- command lines -------------------------------------------------------------------------------


def free_ports(n: int = 3) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((LOOPBACK, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _resolve(typed: str, options: frozenset[str]) -> str | None:
    if typed in options:
        return typed
    hits = [o for o in options if o.startswith(typed)]
    return hits[0] if len(hits) == 1 else None


def substitute(argv: Sequence[str], b: Binary, model_repo: pathlib.Path, ports: Sequence[int],
               backend_dir: pathlib.Path | None = None) -> list[str]:
    """``argv`` (binary first) made runnable here: the real binary, the test's model repository and
    free ports as the values of the options that name them (added when absent), loopback addresses
    where the binary has the options, and a backend folder. Nothing is dropped."""
    values = {
        "model-repository": str(model_repo), "model-store": str(model_repo),
        "http-port": str(ports[0]), "grpc-port": str(ports[1]), "metrics-port": str(ports[2]),
        "backend-directory": str(backend_dir or b.backends),
        **{o: LOOPBACK for o in ADDRESS_OPTIONS},
    }
    out = [str(b.path)]
    seen: set[str] = set()
    args = list(argv[1:])
    rest: list[str] = []  #: "--" and what follows it: no option may follow it (getopt stops there)
    k = 0
    while k < len(args):
        w = args[k]
        k += 1
        if w == "--":
            rest = args[k - 1:]
            break
        if not w.startswith("--") or len(w) < 3:
            out.append(w)
            continue
        typed, eq, _ = w[2:].partition("=")
        name = _resolve(typed, b.options)
        if name is None or name not in values:
            out.append(w)
            if name is not None and not eq and name not in NO_ARGUMENT and k < len(args):
                out.append(args[k])
                k += 1
            continue
        seen.add("model-repository" if name == "model-store" else name)
        if eq:
            out.append(f"--{typed}={values[name]}")
        else:
            out.append(w)
            if k < len(args):
                k += 1
            out.append(values[name])
    for name in ("model-repository", *PORT_OPTIONS, "backend-directory", *ADDRESS_OPTIONS):
        if name not in seen and name in b.options:
            out.append(f"--{name}={values[name]}")
    return out + rest


# --- running -------------------------------------------------------------------------------------

_LIVE: dict[int, subprocess.Popen] = {}


def _stop(proc: subprocess.Popen) -> None:
    if _LIVE.pop(proc.pid, None) is None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(STOP_TIMEOUT)
    # the Python backend's stubs share the server's process group: none may outlive it
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@atexit.register
def _stop_all() -> None:
    for proc in list(_LIVE.values()):
        _stop(proc)


def request(port: int, method: str, path: str, body: bytes | None = None, timeout: float = 5.0) -> tuple[int | None, bytes]:
    """One request to the loopback server; (None, b"") when nothing answers."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        r = conn.getresponse()
        return r.status, r.read()
    except (OSError, http.client.HTTPException):
        return None, b""
    finally:
        conn.close()


@dataclass
class Result:
    argv: list[str]  #: what was run
    ready: bool  #: ``GET /v2/health/ready`` answered 200
    exit_code: int | None  #: None: it was still running when the test stopped it
    log: str
    http_port: int
    probes: dict[str, int | None] = field(default_factory=dict)  #: path -> HTTP status
    options: dict[str, str] = field(default_factory=dict)  #: the server's own option table
    index: dict[str, str | None] | None = None  #: the repository index, when asked for

    @property
    def refused(self) -> bool:
        return not self.ready and self.exit_code not in (None, 0)

    def explain(self) -> str:
        tail = "\n".join(self.log.splitlines()[-25:])
        return f"argv: {self.argv}\nready={self.ready} exit={self.exit_code}\n--- log tail ---\n{tail}"


class Server:
    """A running server (context manager: always stopped on exit)."""

    def __init__(self, argv: list[str], b: Binary, ports: Sequence[int], log_path: pathlib.Path) -> None:
        self.argv = argv
        self.binary = b
        self.ports = list(ports)
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.ready = False

    @property
    def http_port(self) -> int:
        return self.ports[0]

    def __enter__(self) -> "Server":
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.argv, env=self.binary.env(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        _LIVE[self.proc.pid] = self.proc
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> int | None:
        """Stop it; the exit code it had reached on its own, None when the test had to stop it."""
        assert self.proc is not None
        code = self.proc.poll()
        _stop(self.proc)
        return code

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Poll ``/v2/health/ready`` until 200, the process exits, or ``timeout``."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            status, _ = self.get("/v2/health/ready", timeout=2.0)
            if status == 200:
                self.ready = True
                return True
            time.sleep(0.2)
        return False

    def wait_exit(self, timeout: float) -> int | None:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def get(self, path: str, timeout: float = 5.0) -> tuple[int | None, bytes]:
        return request(self.http_port, "GET", path, timeout=timeout)

    def post(self, path: str, body: dict | None = None, timeout: float = 30.0) -> tuple[int | None, bytes]:
        return request(self.http_port, "POST", path, json.dumps(body or {}).encode(), timeout=timeout)

    def index(self) -> dict[str, str | None]:
        """``POST /v2/repository/index``: model name -> state (None: known but not loaded)."""
        status, body = self.post("/v2/repository/index")
        if status != 200:
            raise AssertionError(f"/v2/repository/index answered {status}: {body!r}")
        return {m["name"]: m.get("state") for m in json.loads(body)}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def option_table(self) -> dict[str, str]:
        return option_table(self.log())

    def result(self, exit_code: int | None, probes: dict[str, int | None] | None = None) -> Result:
        log = self.log()
        return Result(self.argv, self.ready, exit_code, log, self.http_port, probes or {}, option_table(log))


def option_table(log: str) -> dict[str, str]:
    """The ``| Option | Value |`` table the server prints once it has parsed its options."""
    out: dict[str, str] = {}
    for m in re.finditer(r"^\| ([a-z_\[\]0-9]+) +\| (.*?) *\|$", log, re.M):
        out[m.group(1)] = m.group(2)
    return out


@contextlib.contextmanager
def running(argv: Sequence[str], model_repo: pathlib.Path, release: str = DEFAULT, python_models: bool = False,
            tries: int = 3) -> Iterator[Server]:
    """Start ``argv`` (a V2 command line, binary first) and wait for it; the server is stopped when the
    block ends, whatever happens in it. ``python_models``: serve the Python backend (see add_model)."""
    b = binary(release)
    backend_dir = _python_backend_dir(b) if python_models else None
    logs = pathlib.Path(tempfile.mkdtemp(prefix="tdm-server-log-"))
    try:
        for attempt in range(tries):
            ports = free_ports(3)
            srv = Server(substitute(argv, b, model_repo, ports, backend_dir), b, ports, logs / f"{attempt}.log")
            with srv:
                srv.wait_ready()
                if not srv.ready and _port_race(srv.log()) and attempt + 1 < tries:
                    continue  # another process took a port between our probe and the server's bind
                yield srv
                return
    finally:
        shutil.rmtree(logs, ignore_errors=True)


def _port_race(log: str) -> bool:
    return bool(re.search(r"already in use|Address already|Failed to listen", log))


def start(argv: Sequence[str], model_repo: pathlib.Path, release: str = DEFAULT, probes: Sequence[str] = (),
          python_models: bool = False, index: bool = False) -> Result:
    """Start, wait for readiness, GET each of ``probes`` (paths) and read the repository index while
    it runs, stop. Never leaks it."""
    with running(argv, model_repo, release, python_models) as srv:
        got: dict[str, int | None] = {}
        idx = None
        if srv.ready:
            for path in probes:
                got[path] = srv.get(path)[0]
            if index:
                idx = srv.index()
        res = srv.result(srv.stop(), got)
        res.index = idx
        return res


@dataclass(frozen=True)
class Job:
    """One server start for ``run_all``: a fresh model repository holding ``models`` (Python models)."""

    argv: tuple[str, ...]
    release: str = DEFAULT
    models: tuple[str, ...] = ()
    probes: tuple[str, ...] = ()


def run_job(job: Job) -> Result:
    repo = pathlib.Path(tempfile.mkdtemp(prefix="tdm-models-"))
    try:
        for name in job.models:
            add_model(repo, name)
        return start(job.argv, repo, job.release, job.probes, python_models=bool(job.models),
                     index=bool(job.models))
    finally:
        shutil.rmtree(repo, ignore_errors=True)


def run_all(jobs: Sequence[Job], workers: int = int(os.environ.get("TDM_SERVER_WORKERS", "6"))) -> list[Result]:
    """Run ``jobs`` a few at a time (the servers mostly sleep while they start; each is stopped before
    its slot is reused). Equal jobs run once and share their result."""
    from concurrent.futures import ThreadPoolExecutor

    for release in {j.release for j in jobs}:
        b = binary(release)  # fetch once, before the threads
        b.options
        if any(j.models for j in jobs if j.release == release):
            _python_backend_dir(b)
    unique = list(dict.fromkeys(jobs))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = dict(zip(unique, pool.map(run_job, unique)))
    return [results[j] for j in jobs]


def refused_all(cases: Sequence[tuple[tuple[str, ...], str]],
                workers: int = int(os.environ.get("TDM_SERVER_WORKERS", "6"))) -> list[Result]:
    """``refused`` for each (argv, release), a few at a time; equal cases run once."""
    from concurrent.futures import ThreadPoolExecutor

    def one(case: tuple[tuple[str, ...], str]) -> Result:
        repo = pathlib.Path(tempfile.mkdtemp(prefix="tdm-models-"))
        try:
            return refused(case[0], repo, case[1])
        finally:
            shutil.rmtree(repo, ignore_errors=True)

    for release in {c[1] for c in cases}:
        binary(release).options
    unique = list(dict.fromkeys(cases))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = dict(zip(unique, pool.map(one, unique)))
    return [results[c] for c in cases]


def refused(v1_argv: Sequence[str], model_repo: pathlib.Path, release: str = DEFAULT,
            timeout: float = START_TIMEOUT) -> Result:
    """Run the ORIGINAL command line (binary swapped for the real one, model repository and ports
    substituted like for ``start``); ``.refused`` is true when it exited non-zero without becoming ready."""
    b = binary(release)
    logs = pathlib.Path(tempfile.mkdtemp(prefix="tdm-server-log-"))
    try:
        for attempt in range(3):
            ports = free_ports(3)
            srv = Server(substitute(v1_argv, b, model_repo, ports), b, ports, logs / f"refused-{attempt}.log")
            with srv:
                srv.wait_ready(timeout)
                code = None if srv.ready else srv.wait_exit(5.0)
                srv.stop()
                res = srv.result(code)
            if not (res.refused and _port_race(res.log)):
                break
        return res
    finally:
        shutil.rmtree(logs, ignore_errors=True)
