"""The generated option matrix (CONTRACT.md, "Where new options go"): every V1 server option, in every
value shape, in every command carrier, migrated, then given its values the way the carrier's runtime
gives them, and the resulting argv judged against the real 2.51.0 server.

- Shapes: a literal, ``$V``, ``"${V}"`` and ``$(cmd)``, each ``=``-joined and as a separate word (in a
  Makefile also a make variable ``$(V)``; and, where the file itself can give the variable its value -
  a shell assignment, ``ENV``, a make variable, ``Environment=`` - that value, which the tool reads);
  the option last on the line (where added options go) and first.
- Carriers: a shell script line, a Dockerfile ``CMD`` in shell form, exec form and ``sh -c``, a compose
  ``command:`` string and list, Kubernetes ``args``, a start script in a Kubernetes ConfigMap, a Makefile recipe, a systemd ``ExecStart=`` and a
  Python ``subprocess`` list.
- Values are given as each runtime gives them: ``sh``/``make`` run for real with a stub server that
  records its argv (tests/test_variables.py's stub), the kubelet's ``$(NAME)``, compose's
  interpolation, systemd's ``$NAME``/``${NAME}`` (systemd.service(5), "Command lines"); a Dockerfile
  exec form and a Python list are taken as they are.
- (a) the whole matrix against the option table the real server prints (``tritonserver --help``): every
  option exists, every option that takes a value has one, no stray word, and each option keeps the
  value V1 gave it (``--model-store`` as ``--model-repository``, TensorFlow options inside
  ``--backend-config``; removed options gone); a V1-only option left in place must carry a warning or
  error finding that no fix resolved.
- (b) a deterministic subset started on the real server: one case per carrier and shape, the options
  taken in turn so that each is started too, each until ``/v2/health/ready`` answers.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import re
import shlex
import subprocess
import tempfile
from dataclasses import dataclass

import pytest
import yaml

import realserver as R
from test_variables import STUB, _kubelet, _recorded
from triton_docker_migrate.model import Severity, Status
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.settings import Settings

IMAGE = "nvcr.io/nvidia/tensorrtserver:20.02-py3"

#: every V1 server option but --help (facts.V1_OPTIONS and the facts sheet's table), with a value V1
#: took and with which the 2.51.0 server starts once the option is migrated
VALUES = {
    "log-verbose": "1", "log-info": "true", "log-warning": "true", "log-error": "false", "id": "triton-v1",
    "model-store": "/models", "model-repository": "/models", "exit-on-error": "false",
    "strict-model-config": "false", "strict-readiness": "true", "allow-profiling": "false", "allow-http": "true",
    "http-port": "8000", "http-health-port": "8005", "http-thread-count": "4", "allow-grpc": "true",
    "grpc-port": "8001", "grpc-infer-thread-count": "4", "grpc-stream-infer-thread-count": "4",
    "grpc-infer-allocation-pool-size": "8", "allow-metrics": "true", "allow-gpu-metrics": "false",
    "metrics-port": "8002", "allow-poll-model-repository": "true", "repository-poll-secs": "5",
    "allow-model-control": "false", "model-control-mode": "none", "load-model": "simple",
    "exit-timeout-secs": "30", "tf-allow-soft-placement": "true", "tf-gpu-memory-fraction": "0.5",
    "tf-add-vgpu": "0;1;2048", "api-version": "2", "pinned-memory-pool-byte-size": "268435456",
    "cuda-memory-pool-byte-size": "0:67108864", "min-supported-compute-capability": "6.0",
    "trace-file": "/tmp/trace.json", "trace-level": "OFF", "trace-rate": "1000",
}
OPTIONS = sorted(VALUES)

# --- the V1 -> V2 option table, written here from the facts sheet (independent of rules/tables.py) ----
REMOVED = {"api-version", "grpc-infer-thread-count", "grpc-stream-infer-thread-count", "http-health-port",
           "allow-profiling", "tf-add-vgpu"}
BACKEND = {"tf-allow-soft-placement": "tensorflow,allow-soft-placement=",
           "tf-gpu-memory-fraction": "tensorflow,gpu-memory-fraction="}
#: V1-only options a value known only at run time leaves in place, for a person (CONTRACT.md: no fix)
LEFT_WHEN_UNKNOWN = {"allow-poll-model-repository", "allow-model-control"}
VAR = "TDM_VALUE"

SHAPES = ("literal", "var", "braced", "cmd")  #: ``v``, ``$V``, ``"${V}"``, ``$(cmd)``
JOINS = ("=", " ")
POSITIONS = ("last", "first")
CARRIERS = ("shell", "dockerfile-shell", "dockerfile-exec", "dockerfile-sh-c", "compose-string", "compose-list",
            "k8s-args", "k8s-configmap", "makefile", "systemd", "python-list")


@dataclass(frozen=True)
class Case:
    carrier: str
    option: str
    shape: str
    join: str
    position: str

    @property
    def ident(self) -> str:
        j = "eq" if self.join == "=" else "sp"
        return f"{self.carrier}-{self.option}-{self.shape}-{j}-{self.position}"

    @property
    def value(self) -> str:
        return VALUES[self.option]

    @property
    def others(self) -> list[tuple[str, str]]:
        """The other options of the line: a model repository, or, when the option is the repository,
        a boolean."""
        if self.option in ("model-store", "model-repository"):
            return [("exit-on-error", "false")]
        return [("model-store", "/models")]


#: carriers whose file can give a variable its value itself (a shell assignment, ``ENV``, a make
#: variable, systemd's ``Environment=``): the "held" shape, a value the tool reads where it is written
HELD_CARRIERS = ("shell", "dockerfile-shell", "dockerfile-sh-c", "k8s-configmap", "makefile", "systemd")


def shapes_of(carrier: str) -> tuple[str, ...]:
    return SHAPES + (("make-var",) if carrier == "makefile" else ()) + (("held",) if carrier in HELD_CARRIERS else ())


def all_cases() -> list[Case]:
    out = []
    for carrier in CARRIERS:
        shapes = shapes_of(carrier)
        for option in OPTIONS:
            for shape in shapes:
                for join in JOINS:
                    for position in POSITIONS:
                        out.append(Case(carrier, option, shape, join, position))
    return out


CASES = all_cases()

# --- writing a case in its carrier ------------------------------------------------------------------

SHELL_CARRIERS = ("shell", "dockerfile-shell", "dockerfile-sh-c", "k8s-configmap", "makefile")


def _value_word(case: Case) -> str:
    """The value of the option under test as the carrier's source spells it (before its own quoting
    of list elements)."""
    v = case.value
    shell = case.carrier in SHELL_CARRIERS or case.carrier in ("compose-string", "systemd")
    # make's own escape for a shell's $; compose's for a $ it must not interpolate ($(cmd) only)
    dollar = "$$" if case.carrier == "makefile" or case.carrier.startswith("compose") and case.shape == "cmd" else "$"
    if case.shape == "literal":
        return shlex.quote(v) if shell else v
    if case.shape == "var":
        return f"{dollar}{VAR}"
    if case.shape == "make-var" or case.shape == "held" and case.carrier == "makefile":
        return f"$({VAR})"
    if case.shape == "held":  # unquoted: the words of the value (systemd: ${NAME} inside a word)
        return f"${{{VAR}}}" if case.carrier == "systemd" and case.join == "=" else f"${VAR}"
    if case.shape == "braced":
        return f'"{dollar}{{{VAR}}}"' if shell else f"{dollar}{{{VAR}}}"
    # $(cmd): a command substitution where a shell runs the line; elsewhere the word as written (the
    # kubelet's $(NAME), compose's $$ escape)
    if case.carrier in SHELL_CARRIERS:
        return f"{dollar}(echo {shlex.quote(v)})"
    return f"{dollar}({VAR})"


def words(case: Case) -> list[str]:
    """The V1 command line's words as written in the carrier's command syntax (list carriers: the
    elements)."""
    tested = [f"--{case.option}={_value_word(case)}"] if case.join == "=" else [f"--{case.option}",
                                                                                 _value_word(case)]
    rest = []
    for name, value in case.others:
        rest += [f"--{name}", value]
    return ["trtserver", *(rest + tested if case.position == "last" else tested + rest)]


def _yaml_line(line: str) -> str:
    """A YAML scalar holding ``line``: plain when YAML reads it back as it is, else single-quoted."""
    if yaml.safe_load(f"k: {line}") == {"k": line}:
        return line
    return "'" + line.replace("'", "''") + "'"


#: per carrier: (file name, the text before the cases); systemd holds one case per file
FRAME = {
    "shell": ("run.sh", "#!/bin/sh\n"),
    "dockerfile-shell": ("Dockerfile", ""),
    "dockerfile-exec": ("Dockerfile", ""),
    "dockerfile-sh-c": ("Dockerfile", ""),
    "compose-string": ("compose.yaml", "services:\n"),
    "compose-list": ("compose.yaml", "services:\n"),
    "k8s-args": ("deployment.yaml", ""),
    "k8s-configmap": ("configmap.yaml", ""),
    "makefile": ("Makefile", ""),
    "systemd": ("triton.service", ""),
    "python-list": ("launch.py", "import subprocess\n\n"),
}


def block(case: Case, k: int = 0) -> str:
    """The lines of ``case`` in its carrier, the ``k``-th of a file (a stage, a service, a manifest, a
    target, a call)."""
    w = words(case)
    line = " ".join(w)
    c = case.carrier
    held = case.shape == "held"
    if c == "shell":
        return (f"{VAR}={shlex.quote(case.value)}\n" if held else "") + f"{line}\n"
    env = f"ENV {VAR}={json.dumps(case.value)}\n" if held else ""
    if c == "dockerfile-shell":
        return f"FROM {IMAGE} AS s{k}\n{env}CMD {line}\n"
    if c == "dockerfile-exec":
        return f"FROM {IMAGE} AS s{k}\nCMD {json.dumps(w)}\n"
    if c == "dockerfile-sh-c":
        return f"FROM {IMAGE} AS s{k}\n{env}CMD {json.dumps(['sh', '-c', line])}\n"
    if c == "compose-string":
        return f"  c{k}:\n    image: {IMAGE}\n    command: {_yaml_line(line)}\n"
    if c == "compose-list":
        return f"  c{k}:\n    image: {IMAGE}\n    command: {json.dumps(w)}\n"
    if c == "k8s-args":
        return ("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                f"  name: triton-{k}\nspec:\n  template:\n    spec:\n"
                f"      containers:\n        - name: triton\n          image: {IMAGE}\n"
                f"          command: [\"trtserver\"]\n          args: {json.dumps(w[1:])}\n"
                f"          env:\n            - name: {VAR}\n              value: {json.dumps(case.value)}\n")
    if c == "k8s-configmap":  # a start script a pod runs with sh from the mounted ConfigMap
        return ("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                f"  name: triton-{k}\ndata:\n  start.sh: |\n    #!/bin/sh\n" +
                (f"    {VAR}={shlex.quote(case.value)}\n" if held else "") + f"    {line}\n")
    if c == "makefile":  # (a value the shell would split is quoted, as in any Makefile)
        return (f"{VAR} := {shlex.quote(case.value)}\n" if held else "") + f"c{k}:\n\t{line}\n"
    if c == "systemd":
        return ("[Unit]\nDescription=Triton\n\n[Service]\n" +
                (f"Environment={VAR}={case.value}\n" if held else "EnvironmentFile=/etc/default/triton\n") +
                f"ExecStart=/usr/local/bin/{line}\n")
    if c == "python-list":
        return f"subprocess.run({json.dumps(w)}, check=True)\n"
    raise AssertionError(c)


#: the name the k-th block of a carrier holds (a stage, a service, a manifest, a target)
_NAMED = {"dockerfile-shell": " AS s{}\n", "dockerfile-exec": " AS s{}\n", "dockerfile-sh-c": " AS s{}\n",
          "compose-string": "  c{}:\n", "compose-list": "  c{}:\n", "k8s-args": "name: triton-{}\n",
          "k8s-configmap": "name: triton-{}\n",
          "makefile": "c{}:\n"}


def _as_first(carrier: str, text: str, k: int) -> str:
    """The k-th block's text named as block 0 (the case alone)."""
    named = _NAMED.get(carrier)
    if named is None:
        return text
    assert named.format(k) in text, (carrier, k, text)
    return text.replace(named.format(k), named.format(0), 1)


def render(case: Case) -> tuple[str, str]:
    """(file name, V1 file text) of ``case`` alone."""
    name, head = FRAME[case.carrier]
    return name, head + block(case)


# --- migrating --------------------------------------------------------------------------------------

@dataclass
class Migrated:
    case: Case
    name: str
    v1: str  #: the case alone, as render() writes it
    v2: str  #: the same, migrated
    findings: list  #: (line in v1, finding)
    error: str | None = None  #: the tool could not process the file


def _process(root: pathlib.Path, ident: str, name: str, text: str):
    d = root / ident
    d.mkdir()
    p = d / name
    p.write_text(text)
    return process_file(str(p), name, Settings(), explicit=True)


def migrate(case: Case, root: pathlib.Path) -> Migrated:
    name, text = render(case)
    res = _process(root, case.ident, name, text)
    if res.status is Status.FAILED:
        return Migrated(case, name, text, text, [(f.line, f) for f in res.findings], res.error)
    return Migrated(case, name, text, res.new.decode("utf-8"), [(f.line, f) for f in res.findings])


#: cases per file (a few files per carrier keep the tool's time per case low)
CHUNK = 80


def migrate_carrier(carrier: str, cases: list[Case], root: pathlib.Path, chunk: int = 0) -> list[Migrated]:
    """The cases of one carrier, migrated together in one file (the tool's time is mostly per file);
    each case is read back with its own lines. When the file fails, or a case's lines are not where
    they were, its cases are migrated one by one."""
    name, head = FRAME[carrier]
    if carrier == "systemd" or any(c.shape == "held" for c in cases):  # (a variable of one would be all's)
        return [migrate(c, root) for c in cases]
    blocks = [block(c, k) for k, c in enumerate(cases)]
    text = head + "".join(blocks)
    res = _process(root, f"{carrier}-{chunk}", name, text)
    if res.status is Status.FAILED:
        return [migrate(c, root) for c in cases]
    new_lines = res.new.decode("utf-8").splitlines(keepends=True)
    if len(new_lines) != text.count("\n"):
        return [migrate(c, root) for c in cases]
    out = []
    by_line: dict[int, list] = {}
    for f in res.findings:
        if f.line is not None:
            by_line.setdefault(f.line, []).append(f)
    first = head.count("\n")  # 0-based index of the first line of the current block
    for k, (c, b) in enumerate(zip(cases, blocks)):
        n = b.count("\n")
        v2_block = "".join(new_lines[first:first + n])
        v2_block = _as_first(carrier, v2_block, k)
        v1_text = head + block(c)
        findings = [(line - first + head.count("\n"), f) for line in range(first + 1, first + n + 1)
                    for f in by_line.get(line, ())]
        out.append(Migrated(c, name, v1_text, head + v2_block, findings))
        first += n
    return out


# --- the runtimes -------------------------------------------------------------------------------------

#: records the argv of each start, after the case id the harness exports
CASE_STUB = STUB.replace('"${0##*/}"', '"$TDM_CASE" "${0##*/}"')


@functools.cache
def stub_dir() -> pathlib.Path:
    d = pathlib.Path(tempfile.mkdtemp(prefix="tdm-matrix-stub-"))
    for name in ("trtserver", "tritonserver"):
        (d / name).write_text(CASE_STUB)
        (d / name).chmod(0o755)
    return d


def _run_batch(argv: list[str], cwd: pathlib.Path) -> dict[str, list[list[str]]]:
    out = cwd / "argv.out"
    out.unlink(missing_ok=True)
    env = {"PATH": f"{stub_dir()}:{os.environ['PATH']}", "ARGV_OUT": str(out), "LC_ALL": "C"}
    p = subprocess.run(argv, env=env, cwd=cwd, timeout=300, capture_output=True, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-3000:]
    got: dict[str, list[list[str]]] = {}
    for rec in _recorded(out):
        got.setdefault(rec[0], []).append(rec[1:])
    return got


def _sh_batch(items: list[tuple[str, str | None, str]], cwd: pathlib.Path) -> dict[str, list[list[str]]]:
    """Run each (case id, value, shell text) with ``sh``, the variable in the environment (a value of
    None: the text gives it itself)."""
    script = []
    for ident, value, text in items:
        given = f"{VAR}={shlex.quote(value)}; export {VAR}; " if value is not None else f"unset {VAR}; "
        script.append(f"( TDM_CASE={shlex.quote(ident)}; export TDM_CASE; {given}\n{text}\n)")
    f = cwd / "batch.sh"
    f.write_text("\n".join(script) + "\n")
    return _run_batch(["sh", str(f)], cwd)


def _make_batch(items: list[tuple[str, str | None, str]], cwd: pathlib.Path) -> dict[str, list[list[str]]]:
    """Each case's Makefile run by make, its ``c0`` target renamed per case, the variable exported
    to the recipe (and so a make variable too). A Makefile that gives the variable itself (a value
    of None) is run alone: its variable is global."""
    got: dict[str, list[list[str]]] = {}
    for ident, value, text in [x for x in items if x[1] is None]:
        f = cwd / "alone.mk"
        f.write_text(f"c0: export TDM_CASE := {ident}\n{text}")
        for k, v in _run_batch(["make", "-s", "-f", str(f), "c0"], cwd).items():
            got.setdefault(k, []).extend(v)
    items = [x for x in items if x[1] is not None]
    if not items:
        return got
    parts, targets = [], []
    for k, (ident, value, text) in enumerate(items):
        t = f"case{k}"
        targets.append(t)
        body = re.sub(r"(?m)^c0:", f"{t}:", text)
        parts.append(f"{t}: export TDM_CASE := {ident}\n{t}: export {VAR} := {value}\n{body}")
    f = cwd / "batch.mk"
    f.write_text("\n".join(parts))
    for k, v in _run_batch(["make", "-s", "-f", str(f), *targets], cwd).items():
        got.setdefault(k, []).extend(v)
    return got


def _compose_interpolate(s: str, env: dict[str, str]) -> str:
    """compose's interpolation of one string: ``$$`` is ``$``, ``$NAME`` and ``${NAME}`` the value."""
    def one(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1) or m.group(2), "")
    return re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", one, s)


def _systemd_words(line: str, env: dict[str, str]) -> list[str]:
    """systemd's reading of an ``ExecStart=`` command line (systemd.service(5)): words split on blanks,
    quotes removed; ``${NAME}`` anywhere is the value as it is, ``$NAME`` as a word of its own is the
    value split on blanks, elsewhere it stays as written."""
    out: list[str] = []
    for w in shlex.split(line):
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", w) and w[1:] in env:
            out += env[w[1:]].split()
            continue
        out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), w))
    return out


def _load(text: str):
    """YAML through libyaml (the same reading as ``yaml.safe_load``, faster)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _binary_first(argv: list[str]) -> list[str]:
    return [os.path.basename(argv[0]), *argv[1:]]


def expand_all(migrated: list[Migrated], cwd: pathlib.Path, side: str = "v2") -> dict[str, list[list[str]]]:
    """case id -> the argv of each server start of the file (``side``: its V1 or its migrated text)."""
    got: dict[str, list[list[str]]] = {}
    sh_items, make_items = [], []
    for m in migrated:
        case, text = m.case, (m.v2 if side == "v2" else m.v1)
        held = case.shape == "held"  # the file gives the variable its value: read it there
        given = None if held else case.value
        env = {VAR: case.value}
        c = case.carrier
        if c == "shell":
            sh_items.append((case.ident, given, text))
        elif c == "makefile":
            make_items.append((case.ident, given, text))
        elif c.startswith("dockerfile"):
            import dockerfile

            value = given
            for ins in dockerfile.parse_string(text):
                if ins.cmd == "ENV" and ins.value[0] == VAR:
                    value = " ".join(shlex.split(ins.value[1]))  # BuildKit removes the quotes
                if ins.cmd != "CMD":
                    continue
                if not ins.json:
                    sh_items.append((case.ident, value or "", ins.value[0]))
                elif ins.value[:2] == ("sh", "-c"):
                    sh_items.append((case.ident, value or "", ins.value[2]))
                else:
                    got.setdefault(case.ident, []).append(list(ins.value))
        elif c.startswith("compose"):
            cmd = _load(text)["services"]["c0"]["command"]
            argv = shlex.split(_compose_interpolate(cmd, env)) if isinstance(cmd, str) else \
                [_compose_interpolate(x, env) for x in cmd]
            got.setdefault(case.ident, []).append(argv)
        elif c == "k8s-args":
            container = _load(text)["spec"]["template"]["spec"]["containers"][0]
            got.setdefault(case.ident, []).append(
                [_kubelet(x, env) for x in container["command"] + container["args"]])
        elif c == "k8s-configmap":  # the script as the pod's sh reads it from the mounted file
            sh_items.append((case.ident, given, _load(text)["data"]["start.sh"]))
        elif c == "systemd":
            line = next(x for x in text.splitlines() if x.startswith("ExecStart="))[len("ExecStart="):]
            if held:
                env = dict(x[len("Environment="):].partition("=")[::2] for x in text.splitlines()
                           if x.startswith("Environment="))
            got.setdefault(case.ident, []).append(_systemd_words(line, env))
        elif c == "python-list":
            import ast

            call = next(n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call) and n.args)
            got.setdefault(case.ident, []).append(ast.literal_eval(call.args[0]))
    if sh_items:
        for k, v in _sh_batch(sh_items, cwd).items():
            got.setdefault(k, []).extend(v)
    if make_items:
        for k, v in _make_batch(make_items, cwd).items():
            got.setdefault(k, []).extend(v)
    return {k: [_binary_first(a) for a in v] for k, v in got.items()}


# --- the real server's option table -----------------------------------------------------------------

@functools.cache
def server_options() -> dict[str, bool]:
    """option name -> takes a value, as ``tritonserver --help`` of the real 2.51.0 server lists them
    (``--name <type>`` takes one, a bare ``--name`` none)."""
    b = R.binary()
    p = subprocess.run([str(b.path), "--help"], env=b.env(), capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    table = {m.group(1): m.group(2) is not None
             for m in re.finditer(r"^ {2}--([a-z0-9-]+)( <.+>)?[ \t]*$", p.stdout + p.stderr, re.M)}
    assert "model-repository" in table and table["model-repository"] and not table["help"], p.stderr
    return table


def parse_argv(argv: list[str], table: dict[str, bool]) -> tuple[dict[str, list[str | None]], list[str]]:
    """getopt_long over ``argv`` (binary first) with the server's table, no abbreviation (the tool writes
    options out in full): option -> its values in order, and the problems found."""
    values: dict[str, list[str | None]] = {}
    problems: list[str] = []
    k = 1
    while k < len(argv):
        w = argv[k]
        k += 1
        if not w.startswith("--") or len(w) < 3:
            problems.append(f"stray argument {w!r}")
            continue
        name, eq, value = w[2:].partition("=")
        if name not in table:
            problems.append(f"unknown option {w!r}")
            continue
        if not table[name]:
            if eq:
                problems.append(f"{w!r} takes no value")
            values.setdefault(name, []).append(None)
            continue
        if not eq:
            if k >= len(argv):
                problems.append(f"--{name} has no value")
                continue
            value = argv[k]
            k += 1
        values.setdefault(name, []).append(value)
    return values, problems


def runtime_value(case: Case) -> str:
    """The value the carrier's runtime hands the server for the option under test."""
    v = case.value
    if case.shape in ("literal", "make-var", "held"):
        return v
    c = case.carrier
    if c in SHELL_CARRIERS or c.startswith("compose") and case.shape != "cmd":
        return v
    if c == "k8s-args":
        return v if case.shape == "cmd" else f"${VAR}" if case.shape == "var" else f"${{{VAR}}}"
    if c == "systemd":  # ${NAME} anywhere, $NAME only as a word of its own; no command substitution
        if case.shape == "braced" or (case.shape == "var" and case.join == " "):
            return v
        return f"${VAR}" if case.shape == "var" else f"$({VAR})"
    return {"var": f"${VAR}", "braced": f"${{{VAR}}}", "cmd": f"$({VAR})"}[case.shape]


def expected(case: Case, read: bool | None = None) -> tuple[dict[str, list[str | None]], set[str]]:
    """The V2 options the migrated line must give the server (facts sheet, "Server options" and "Model
    control"), and the V1-only options it may keep for review. ``read``: whether the tool knows the
    value (a literal: yes; a value only the runtime gives: no; one the file gives: either)."""
    v = runtime_value(case)
    if read is None:
        read = case.shape in ("literal", "held")
    exp: dict[str, list[str | None]] = {}
    for name, value in case.others:
        exp.setdefault("model-repository" if name == "model-store" else name, []).append(value)
    o = case.option
    mode: str | None = "poll"  # V1's default, kept explicitly
    left: set[str] = set()
    if o in REMOVED or o == "load-model":  # (--load-model: V1 ignored it outside explicit mode)
        pass
    elif o in BACKEND:
        exp["backend-config"] = [BACKEND[o] + v]
    elif o == "model-store":
        exp["model-repository"] = [v]
    elif o in LEFT_WHEN_UNKNOWN:
        if not read:  # known only at run time: V2 has no option that takes it
            left.add(o)
            exp[o] = [v]
            mode = None
        elif o == "allow-poll-model-repository":
            mode = "poll" if v.lower() == "true" else "none"
        elif v.lower() == "true":
            mode = "explicit"
    elif o == "model-control-mode":
        exp[o] = [v]
        mode = None
    else:
        exp[o] = [v]
    if mode is not None:
        exp.setdefault("model-control-mode", []).append(mode)
    if o != "strict-model-config":
        exp["disable-auto-complete-config"] = [None]
    return exp, left


def reported_only(case: Case) -> bool:
    """Lines the tool reports without changing them: systemd quotes whole words only
    (systemd.syntax(7)), so it does not read a quote inside a word (``--opt="${V}"``) as a shell
    would, and leaves such a command to a person (documents/unit.py)."""
    if case.carrier != "systemd":
        return False
    return any(re.match(r"[^'\"]+['\"]", w) for w in words(case)[1:])


def judge(m: Migrated, argvs: list[list[str]]) -> list[str]:
    """What is wrong with the migrated line as its runtime starts it. A value the file gives in a
    variable may be read (and translated) or not (and left for review with a warning)."""
    first = _judge(m, argvs)
    if first and m.case.shape == "held" and m.case.option in LEFT_WHEN_UNKNOWN:
        second = _judge(m, argvs, read=False)
        return second and first
    return first


def _judge(m: Migrated, argvs: list[list[str]], read: bool | None = None) -> list[str]:
    if m.error:
        return [f"not migrated: {m.error}"]
    if reported_only(m.case):
        line = _line_of(m, m.case.option)
        if m.v2 != m.v1:
            return ["changed a command it must leave to a person"]
        if not any(f.rule == "TDM202" and f.severity.rank >= Severity.WARNING.rank and not f.fixed and at == line
                   for at, f in m.findings):
            return ["left unchanged without a warning on its line"]
        return []
    if len(argvs) != 1:
        return [f"started {len(argvs)} times: {argvs}"]
    argv = argvs[0]
    out = []
    if argv[0] != "tritonserver":
        out.append(f"binary {argv[0]!r}")
    values, problems = parse_argv(argv, server_options())
    exp, left = expected(m.case, read)
    for name in left:  # a V1-only option left for a person: refused by V2, so it must be reported
        problems = [p for p in problems if p != f"unknown option '--{name}'" and
                    not p.startswith(f"unknown option '--{name}=")]
        problems = [p for p in problems if not (p.startswith("stray argument") and exp[name][0] in p)]
        values[name] = exp[name]
        if not any(f.severity.rank >= Severity.WARNING.rank and not f.fixed and line == _line_of(m, name)
                   for line, f in m.findings):
            out.append(f"--{name} is left for review without a warning or error on its line")
    out += problems
    if values != exp:
        out.append(f"options {values} != expected {exp}")
    return out


def _line_of(m: Migrated, option: str) -> int:
    """The line of ``--option`` in the V1 file."""
    for i, line in enumerate(m.v1.splitlines(), 1):
        if f"--{option}" in line:
            return i
    raise AssertionError(m.v1)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> dict[str, tuple[Migrated, list[list[str]]]]:
    root = tmp_path_factory.mktemp("matrix")
    migrated = []
    for carrier in CARRIERS:
        cases = [c for c in CASES if c.carrier == carrier and c.shape != "held"]
        for k in range(0, len(cases), CHUNK):
            migrated += migrate_carrier(carrier, cases[k:k + CHUNK], root, k)
        migrated += [migrate(c, root) for c in CASES if c.carrier == carrier and c.shape == "held"]
    argvs = expand_all(migrated, root)
    return {m.case.ident: (m, argvs.get(m.case.ident, [])) for m in migrated}


def test_the_matrix_covers_every_option_shape_and_carrier():
    """Every V1 option the tool and the facts sheet know (but --help) is in the matrix."""
    from triton_docker_migrate import facts

    assert set(OPTIONS) == set(facts.V1_OPTIONS) - {"help"}
    assert {c.carrier for c in CASES} == set(CARRIERS)
    assert len(CASES) == sum(len(shapes_of(c)) for c in CARRIERS) * len(OPTIONS) * len(JOINS) * len(POSITIONS)


def test_v1_lines_are_what_the_matrix_means(matrix, tmp_path):
    """The generator's V1 lines, run by the same runtimes with a ``trtserver`` stub, give V1 the option
    and value each case means (a check of the test itself, on the shapes of one option)."""
    picked = [m for m, _ in matrix.values() if m.case.option == "log-verbose"]
    got = expand_all(picked, tmp_path, side="v1")
    for m in picked:
        argv = got.get(m.case.ident)
        assert argv and len(argv) == 1 and argv[0][0] == "trtserver", (m.case.ident, argv)
        values, problems = parse_argv(argv[0], {o: True for o in VALUES})
        assert not problems and values["log-verbose"] == [runtime_value(m.case)], (m.case.ident, argv)


def test_every_migrated_argv_is_one_the_server_takes(matrix):
    bad = {}
    for ident, (m, argvs) in matrix.items():
        why = judge(m, argvs)
        if why:
            bad[ident] = (why, m.v2)
    assert not bad, f"{len(bad)} of {len(matrix)} cases:\n" + "\n".join(
        f"{k}: {why}\n{v2}" for k, (why, v2) in list(bad.items())[:40])


# --- (b) on the real server ---------------------------------------------------------------------------

def _startable(case: Case) -> bool:
    """The runtime gives the server a value it takes (a literal name like ``$TDM_VALUE`` is a
    value only string options take), and nothing is left for review."""
    v = runtime_value(case)
    _, left = expected(case)
    if case.shape == "held" and case.option in LEFT_WHEN_UNKNOWN:
        return False  # read or left for review: either may be right (see judge)
    # a name like $TDM_VALUE is a value only string options take (and options the tool removes)
    strings = ("id", "trace-file", "model-store", "model-repository", "load-model")
    return not left and not reported_only(case) and (v == case.value or case.option in strings + tuple(REMOVED))


def start_cases() -> list[Case]:
    """One case per carrier and shape (a value shape, joined or a word of its own), the options taken in
    turn so that every option is started too, the option last or first in turn."""
    by_id = {c.ident: c for c in CASES}
    picked: list[Case] = []
    k = 0
    for carrier in CARRIERS:
        for shape in shapes_of(carrier):
            for join in JOINS:
                k += 1
                turn = OPTIONS[k % len(OPTIONS):] + OPTIONS[:k % len(OPTIONS)]
                started = {c.option for c in picked}
                # the next option not started yet that this cell can start, else the next one at all
                for o in sorted(turn, key=lambda o: o in started):
                    c = by_id[Case(carrier, o, shape, join, POSITIONS[k % 2]).ident]
                    if _startable(c):
                        picked.append(c)
                        break
    return picked


START_CASES = start_cases()


@pytest.fixture(scope="module")
def started(matrix):
    jobs = []
    for c in START_CASES:
        _, argvs = matrix[c.ident]
        jobs.append(R.Job(tuple(argvs[0])))
    return dict(zip((c.ident for c in START_CASES), R.run_all(jobs)))


def test_the_start_subset_covers_options_carriers_and_shapes():
    assert {c.carrier for c in START_CASES} == set(CARRIERS)
    assert {(c.carrier, c.shape, c.join) for c in START_CASES} == {
        (c.carrier, c.shape, c.join) for c in CASES if not reported_only(c)}
    assert {c.option for c in START_CASES} == set(OPTIONS)
    assert {c.position for c in START_CASES} == set(POSITIONS)


@pytest.mark.parametrize("case", START_CASES, ids=[c.ident for c in START_CASES])
def test_migrated_line_starts_the_real_server(case, started, matrix):
    res = started[case.ident]
    m, _ = matrix[case.ident]
    assert res.ready, f"{m.v2}\n{res.explain()}"
    mode = expected(case)[0].get("model-control-mode", ["none"])[-1]
    assert res.options.get("model_control_mode") == f"MODE_{mode.upper()}", res.explain()
