"""Input builders for the reliability tests: corpus placement, V1 injection, an in-process run,
the re-parsers, and the hypothesis strategies of tests/test_properties.py."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import subprocess
import sys

from hypothesis import strategies as st

from triton_docker_migrate.batch import run as run_mod
from triton_docker_migrate.rules.argv import resolve
from triton_docker_migrate.rules import tables as T
from triton_docker_migrate.settings import Settings

# --- the corpus under the names CONTRACT.md assigns ------------------------------------------

#: corpus folder -> the kind its files must be handled as
CORPUS_KINDS = {
    "buildkit-parser": "dockerfile",
    "buildkit-parser-negative": "dockerfile",
    "awesome-compose": "compose",
    "k8s": "kubernetes",
    "helm-values": "helm-values",
    "shell": "shell",
    "makefiles": "makefile",
    "workflows": "ci",
}
CHART_YAML = b"apiVersion: v2\nname: chart\nversion: 0.1.0\n"


def corpus_files(shared: pathlib.Path, *folders: str) -> list[pathlib.Path]:
    root = shared / "corpus"
    return sorted(p for f in (folders or tuple(CORPUS_KINDS)) for p in (root / f).iterdir() if p.is_file())


def placed_name(src: pathlib.Path) -> str:
    """Path (relative to a fresh folder) under which ``src`` is handled as its folder's kind."""
    folder, name = src.parent.name, src.name
    if folder.startswith("buildkit-parser"):
        return "Dockerfile"
    if folder == "awesome-compose":
        return "compose.yaml"
    if folder == "helm-values":
        return "chart/values.yaml"
    if folder == "makefiles":
        return "Makefile"
    if folder == "workflows":
        if ".github_workflows_" in name:
            return ".github/workflows/" + name.split(".github_workflows_", 1)[1]
        return ".gitlab-ci.yml"  # both GitLab files (.gitlab-ci.yml and the .common-ci.yml it includes)
    return name  # k8s: *.yaml / *.json; shell: *.sh


def place(src: pathlib.Path, root: pathlib.Path, data: bytes | None = None) -> pathlib.Path:
    """Copy ``src`` (or ``data``) under ``root`` at its placed name; returns the new path."""
    dest = root / placed_name(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.parent.name == "helm-values":
        (dest.parent / "Chart.yaml").write_bytes(CHART_YAML)
    dest.write_bytes(src.read_bytes() if data is None else data)
    return dest


# --- running -----------------------------------------------------------------------------


def run_inprocess(paths: list[str], cwd: pathlib.Path | str, settings: Settings | None = None
                  ) -> tuple[int, dict, str]:
    """The whole pipeline (discover, process, write, report) in this process, JSON report."""
    settings = settings or Settings(output_format="json", quiet=True)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_mod.run(paths, settings)
    return code, json.loads(out.getvalue()), err.getvalue()


def run_cli(*args: str, cwd: pathlib.Path | str, prefix: tuple[str, ...] = (), timeout: float = 120
            ) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "triton_docker_migrate", *args], cwd=cwd,
                          capture_output=True, timeout=timeout, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


# --- V1 injection into Dockerfiles -----------------------------------------------------------

V1_STANZA = ("FROM nvcr.io/nvidia/tensorrtserver:20.02-py3", 'CMD ["trtserver", "--model-store=/models"]')
V2_STANZA = ("FROM nvcr.io/nvidia/tritonserver:24.10-py3",
             'CMD ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"]')
V1_RUN, V2_RUN = "RUN ls /opt/tensorrtserver/bin", "RUN ls /opt/tritonserver/bin"
V1_ENV, V2_ENV = "ENV PATH=/opt/tensorrtserver/bin:$PATH", "ENV PATH=/opt/tritonserver/bin:$PATH"


def newline_of(data: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in data else b"\n"


def parse_dockerfile(data: bytes):
    """BuildKit's parser (the one ``docker build`` uses); raises dockerfile.GoParseError."""
    import dockerfile

    text = data.decode("utf-8")
    return dockerfile.parse_string(text[1:] if text.startswith("\ufeff") else text)


def _line_offset(data: bytes, line: int) -> int:
    pos = 0
    for _ in range(line - 1):
        pos = data.index(b"\n", pos) + 1
    return pos


def inject_dockerfile(data: bytes, v1_lines: tuple[str, ...], v2_lines: tuple[str, ...], where: str = "end"
                      ) -> tuple[bytes, bytes, int] | None:
    """(input, expected output, line of the first inserted instruction) with ``v1_lines`` added as whole
    instructions at ``where`` ("end", "middle" or "start": before the first instruction), in the
    file's own line endings; None when BuildKit does not read them as separate instructions there
    (e.g. a file ending in a continuation)."""
    nl = newline_of(data)
    try:
        before = parse_dockerfile(data)
    except Exception:
        before = ()
    if where == "end":
        at = len(data)
        lead = nl if data and not data.endswith(b"\n") else b""
        new_in = lead + nl.join(x.encode() for x in v1_lines) + nl
        new_out = lead + nl.join(x.encode() for x in v2_lines) + nl
    else:
        if not before:
            return None
        ins = before[len(before) // 2] if where == "middle" else before[0]
        at = _line_offset(data, ins.start_line)
        if data.startswith(b"\xef\xbb\xbf") and at == 0:
            at = 3
        new_in = b"".join(x.encode() + nl for x in v1_lines)
        new_out = b"".join(x.encode() + nl for x in v2_lines)
    injected = data[:at] + new_in + data[at:]
    try:
        after = parse_dockerfile(injected)
    except Exception:
        return None
    if len(after) != len(before) + len(v1_lines):
        return None
    first_line = injected[: at + len(new_in) - len(new_in.lstrip(b"\r\n"))].count(b"\n") + 1
    return injected, data[:at] + new_out + data[at:], first_line


# --- re-parsers ------------------------------------------------------------------------------


def bash_n(data: bytes) -> tuple[bool, str]:
    p = subprocess.run(["bash", "-n"], input=data, capture_output=True, timeout=30)
    return p.returncode == 0, p.stderr.decode("utf-8", "replace")


# --- V2 argv checks --------------------------------------------------------------------------


def v1_only_options(argv: list[str]) -> list[str]:
    """Option words of a server argv that the V2 server would refuse (getopt_long resolution
    against V2_OPTIONS: an exact name or a prefix of exactly one option)."""
    bad = []
    i = 0
    while i < len(argv):
        w = argv[i]
        i += 1
        if w == "--":
            break
        if not w.startswith("--") or len(w) < 3:
            continue
        name, eq, _ = w[2:].partition("=")
        full = resolve(name, T.V2_OPTIONS)
        if full is None or full != name:
            bad.append(w)  # unknown to V2, or an abbreviation (the tool writes options out in full)
            continue
        if not eq and full not in T.NO_ARGUMENT:
            i += 1
    return bad


# --- hypothesis strategies -------------------------------------------------------------------

#: (option, a valid V1 value) - every option the generated lines use, all known to V1
OPTION_VALUES = {
    "model-store": ["/models", "/mnt/model repo", "$MODELS"],
    "model-repository": ["/models", "/srv/m"],
    "log-verbose": ["0", "1"],
    "log-info": ["true", "false"],
    "strict-model-config": ["false", "true"],
    "exit-on-error": ["true", "false"],
    "http-port": ["8000", "9000"],
    "grpc-port": ["8001", "9001"],
    "metrics-port": ["8002"],
    "api-version": ["2"],
    "http-health-port": ["8003"],
    "grpc-infer-thread-count": ["4", "200"],
    "grpc-stream-infer-thread-count": ["4"],
    "allow-profiling": ["false"],
    "allow-poll-model-repository": ["true", "false"],
    "allow-model-control": ["true", "false"],
    "repository-poll-secs": ["5", "0"],
    "tf-allow-soft-placement": ["true"],
    "tf-gpu-memory-fraction": ["0.5"],
    "tf-add-vgpu": ["0;1;2048"],
    "exit-timeout-secs": ["30"],
    "pinned-memory-pool-byte-size": ["268435456"],
}
assert all(o in T.V1_OPTIONS for o in OPTION_VALUES)


def _abbreviations(name: str) -> list[str]:
    """Prefixes of ``name`` that getopt_long resolves to it in the V1 table."""
    return [name[:k] for k in range(3, len(name)) if resolve(name[:k], T.V1_OPTIONS) == name]


@st.composite
def v1_options(draw) -> list[tuple[str, str, str]]:
    """A list of (typed name, separator "=" or " ", value) for a V1 server line."""
    names = draw(st.lists(st.sampled_from(sorted(OPTION_VALUES)), min_size=0, max_size=6, unique=True))
    if draw(st.booleans()):
        names = ["model-store"] + [n for n in names if n not in ("model-store", "model-repository")]
    out = []
    for n in names:
        typed = n
        ab = _abbreviations(n)
        if ab and draw(st.integers(0, 3)) == 0:
            typed = draw(st.sampled_from(ab))
        out.append((typed, draw(st.sampled_from(["=", " "])), draw(st.sampled_from(OPTION_VALUES[n]))))
    return out


def _shell_quote(value: str, style: str) -> str:
    if style == "'" and "'" not in value and "$" not in value:
        return f"'{value}'"
    if style == '"' or " " in value or ";" in value:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'
    return value


@st.composite
def shell_server_line(draw, escape: str = "\\", binary: str | None = None) -> str:
    """A V1 server command in shell syntax, options split over continuations at random."""
    binary = binary or draw(st.sampled_from(["trtserver", "/opt/tensorrtserver/bin/trtserver"]))
    parts = [binary]
    for typed, sep, value in draw(v1_options()):
        quoted = _shell_quote(value, draw(st.sampled_from(["", "'", '"'])))
        if sep == "=":
            parts.append(f"--{typed}={quoted}")
        else:
            parts.append(f"--{typed}")
            parts.append(quoted)
    out = parts[0]
    for p in parts[1:]:
        out += draw(st.sampled_from([" ", " ", f" {escape}\n    ", f" {escape}\n\t"])) + p
    if draw(st.booleans()):
        out += ' "$@"'
    return out


@st.composite
def json_server_line(draw) -> list[str]:
    argv = [draw(st.sampled_from(["trtserver", "/opt/tensorrtserver/bin/trtserver"]))]
    for typed, sep, value in draw(v1_options()):
        if sep == "=":
            argv.append(f"--{typed}={value}")
        else:
            argv += [f"--{typed}", value]
    return argv


def _json_list(argv: list[str], draw) -> str:
    sep = draw(st.sampled_from([", ", ",", " , "]))
    return "[" + sep.join(json.dumps(a) for a in argv) + "]"


FILLER_INSTRUCTIONS = [
    "RUN apt-get update && apt-get install -y curl",
    "ENV LANG=C.UTF-8",
    "WORKDIR /workspace",
    "COPY models /models",
    "EXPOSE 8000 8001 8002",
    "LABEL maintainer=\"ops@example.com\"",
    "ARG BUILD=1",
    "# a comment mentioning nothing",
    "",
]


@st.composite
def dockerfiles(draw) -> str:
    """A Dockerfile with one V1 server stage: random filler, the server line as shell-form CMD,
    exec-form CMD, ENTRYPOINT+CMD, or RUN, maybe with `# escape=` and CRLF line endings."""
    escape = draw(st.sampled_from(["\\", "`"]))
    lines: list[str] = []
    if escape == "`":
        lines.append("# escape=`")
    if draw(st.booleans()):
        lines.append("# syntax=docker/dockerfile:1")
    tag = draw(st.sampled_from(["20.02-py3", "19.10-py3", "20.03-py3"]))
    repo = "tritonserver" if tag == "20.03-py3" else "tensorrtserver"
    lines.append(f"FROM nvcr.io/nvidia/{repo}:{tag}")
    lines += draw(st.lists(st.sampled_from(FILLER_INSTRUCTIONS), max_size=4))
    form = draw(st.sampled_from(["shell-cmd", "json-cmd", "entrypoint", "run"]))
    if form == "shell-cmd":
        lines.append("CMD " + draw(shell_server_line(escape=escape)).replace("\n", "\n"))
    elif form == "json-cmd":
        lines.append("CMD " + _json_list(draw(json_server_line()), draw))
    elif form == "entrypoint":
        argv = draw(json_server_line())
        lines.append("ENTRYPOINT " + _json_list(argv[:1], draw))
        if len(argv) > 1:
            lines.append("CMD " + _json_list(argv[1:], draw))
    else:
        lines.append("RUN " + draw(shell_server_line(escape=escape)) + " --help || true")
    lines += draw(st.lists(st.sampled_from(FILLER_INSTRUCTIONS[:3]), max_size=2))
    nl = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    text = nl.join(lines) + nl
    return text.replace("\r\n", "\n").replace("\n", nl)


@st.composite
def shell_scripts(draw) -> str:
    """A shell script running the V1 server directly, via exec, or in `docker run`."""
    lines = [draw(st.sampled_from(["#!/bin/bash", "#!/usr/bin/env bash", "#!/bin/sh"]))]
    lines += draw(st.lists(st.sampled_from(["set -euo pipefail", "export MODELS=/models", "echo starting",
                                            "# comment", ""]), max_size=3))
    form = draw(st.sampled_from(["direct", "exec", "docker"]))
    if form == "direct":
        lines.append(draw(shell_server_line()))
    elif form == "exec":
        lines.append("exec " + draw(shell_server_line()))
    else:
        image = draw(st.sampled_from(["nvcr.io/nvidia/tensorrtserver:20.02-py3",
                                      "nvcr.io/nvidia/tensorrtserver:19.10-py3"]))
        flags = draw(st.lists(st.sampled_from(["--rm", "--gpus all", "-p 8000:8000", "-v $PWD/m:/models",
                                               "--shm-size=1g"]), max_size=3, unique=True))
        head = " ".join(["docker run", *flags, image])
        cont = draw(st.sampled_from([" ", " \\\n  "]))
        lines.append(head + cont + draw(shell_server_line(binary="trtserver")))
    lines += draw(st.lists(st.sampled_from(["echo done", "wait", ""]), max_size=2))
    return "\n".join(lines) + "\n"


# --- V1 injected into compose files ----------------------------------------------------------

COMPOSE_V1 = ("triton:", "  image: nvcr.io/nvidia/tensorrtserver:20.02-py3",
              '  command: ["trtserver", "--model-store=/models"]')
COMPOSE_V2 = ("triton:", "  image: nvcr.io/nvidia/tritonserver:24.10-py3",
              '  command: ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"]')


def inject_compose(data: bytes, v1: tuple[str, ...] = COMPOSE_V1, v2: tuple[str, ...] = COMPOSE_V2
                   ) -> tuple[bytes, bytes, int]:
    """A service added as the first one under ``services:``, indented as the file indents its
    services and their keys; (input, expected output, line of the service key)."""
    import re

    nl = newline_of(data)
    m = re.search(rb"(?m)^services:[ \t]*\r?\n", data)
    assert m is not None
    rest = data[m.end():].split(b"\n")
    body = [ln.rstrip(b"\r") for ln in rest if ln.strip() and not ln.lstrip().startswith(b"#")]
    svc = body[0][: len(body[0]) - len(body[0].lstrip())]
    child = body[1][: len(body[1]) - len(body[1].lstrip())][len(svc):]

    def block(lines: tuple[str, ...]) -> bytes:
        out = b""
        for ln in lines:
            inner = ln[2:] if ln.startswith("  ") else ln
            out += svc + (child if ln.startswith("  ") else b"") + inner.encode() + nl
        return out

    at = m.end()
    return (data[:at] + block(v1) + data[at:], data[:at] + block(v2) + data[at:],
            data[:at].count(b"\n") + 1)


def load_yaml(data: bytes):
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(data.decode("utf-8"))


@st.composite
def compose_files(draw) -> str:
    """A compose file with one V1 server service: the command as a flow list, a block list or a
    string (plain, quoted or folded), maybe through a YAML anchor, maybe CRLF."""
    argv = draw(json_server_line())
    image = draw(st.sampled_from(["nvcr.io/nvidia/tensorrtserver:20.02-py3", "nvcr.io/nvidia/tensorrtserver:19.10-py3"]))
    form = draw(st.sampled_from(["flow", "block", "string", "folded"]))
    ind = "    "
    if form == "flow":
        cmd = [f"{ind}command: [" + ", ".join(json.dumps(a) for a in argv) + "]"]
    elif form == "block":
        cmd = [f"{ind}command:"] + [f"{ind}  - {json.dumps(a) if draw(st.booleans()) else _yaml_plain(a)}"
                                    for a in argv]
    elif form == "string":
        cmd = [f"{ind}command: " + json.dumps(" ".join(shlex_quote(a) for a in argv))]
    else:
        cmd = [f"{ind}command: >-"] + [f"{ind}  {shlex_quote(a)}" for a in argv]
    anchor = draw(st.sampled_from(["none", "image", "service"]))
    lines = []
    if anchor == "image":
        lines += ["x-triton-image: &triton-image " + image, ""]
    if anchor == "service":
        lines += ["x-triton: &triton", f"  image: {image}", "  restart: unless-stopped", ""]
    lines += ["services:", "  triton:"]
    if anchor == "service":
        lines.append("    <<: *triton")
    else:
        lines.append(f"    image: {'*triton-image' if anchor == 'image' else image}")
    lines += cmd
    lines += draw(st.lists(st.sampled_from([
        '    ports: ["8000:8000", "8001:8001"]', "    shm_size: 1g", "    environment:\n      - LOG=1",
        "    # a comment"]), max_size=2, unique=True))
    if draw(st.booleans()):
        lines += ["  web:", "    image: nginx:1.25", '    ports: ["80:80"]']
    nl = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return nl.join("\n".join(lines).split("\n")) + nl


def _yaml_plain(a: str) -> str:
    import re

    plain = re.fullmatch(r"[A-Za-z/_.=-][A-Za-z0-9/_.=:-]*", a) and not a.endswith(":") and \
        a.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "y", "n")
    return a if plain else json.dumps(a)  # compose wants strings: no plain booleans or numbers


def shlex_quote(a: str) -> str:
    import shlex

    return shlex.quote(a)


# --- V1 injected into Kubernetes manifests ---------------------------------------------------

K8S_V1 = ("---", "apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: triton", "spec:", "  template:",
          "    spec:", "      containers:", "        - name: triton",
          "          image: nvcr.io/nvidia/tensorrtserver:20.02-py3",
          '          command: ["trtserver", "--model-store=/models"]')
K8S_V2 = K8S_V1[:10] + ("          image: nvcr.io/nvidia/tritonserver:24.10-py3",
                        '          command: ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"]')


def inject_k8s(data: bytes) -> tuple[bytes, bytes, int]:
    """A V1 Deployment appended as one more YAML document; (input, expected, its first line)."""
    nl = newline_of(data)
    lead = nl if data and not data.endswith(b"\n") else b""
    first = (data + lead).count(b"\n") + 1
    return (data + lead + nl.join(x.encode() for x in K8S_V1) + nl,
            data + lead + nl.join(x.encode() for x in K8S_V2) + nl, first)


def load_yaml_all(data: bytes) -> list:
    from ruamel.yaml import YAML

    return list(YAML(typ="safe", pure=True).load_all(data.decode("utf-8")))
