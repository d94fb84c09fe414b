"""No silent V1 (CONTRACT.md, "Severity, fixes and review" and "V1 evidence"): after a run, every line
that still holds V1 evidence - comments and documentation prose excepted - carries a warning or an error
finding, and ``--check --fail-on-review`` fails on it.

Inputs: every golden fixture (``fixtures/**``, whole trees included) and every file of
``../shared/corpus/`` (placed under a name of its kind), each with V1 injected in the shapes its kind
carries (a V1 image, ``trtserver`` as a command with V1-only options, ``/opt/tensorrtserver`` paths, the
V1 image variables, a V1 endpoint of a Triton service, the V1 client wheel and imports), where that
kind carries them. The tool migrates the whole tree in place; then each output line is searched with
this module's own reading of the contract's evidence list (not the tool's ``evidence``/``residue``):

- strong evidence counts on every line: a ``tensorrtserver`` image (any tag, any name holding it), the
  ``tritonserver`` tags of V1, ``trtserver`` as a command word, ``/opt/tensorrtserver``, the four V1 image
  variables, the V1 client wheel and modules, the V1 release tarballs;
- weak evidence (a V1 endpoint, a V1-only option) counts where the test knows the context is Triton:
  on the lines it injected itself.

A line is covered when a warning or error finding of the migrating run touches the input line it came
from (lines matched by ``difflib``), or when the file failed (TDM001: counted as a file with V1). A
second run, ``--check --fail-on-review`` over the output, must exit non-zero for every file left with V1
and cover its lines too. A hypothesis test does the same over small files of each kind, the shapes
placed at random.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import os
import pathlib
import re
import shutil
import tokenize

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, shared_dir
from golden import SIDE
from strategies import CORPUS_KINDS, inject_dockerfile, newline_of, place, run_inprocess
from triton_docker_migrate import kinds
from triton_docker_migrate.settings import Settings, WriteBack

# --- the evidence, read from CONTRACT.md ("V1 evidence: what the tool touches") -------------------

_V1_TAGS = r"(?:20\.03|20\.03\.1|20\.06-v1|20\.07-v1)-py3(?:-clientsdk)?"
STRONG = re.compile("|".join([
    # a tensorrtserver image: a registry path, the bare name where an image stands, any name holding it
    # with a tag; the client wheel where a package stands (a pip command, a requirement, a list item)
    r"(?<![\w.-])(?:[\w.-]+(?::\d+)?/)+[\w.-]*tensorrtserver[\w.-]*",
    r"\b(?:image|FROM|repository)\b[\"']?[ \t]*[:=]?[ \t]*[\"']?tensorrtserver(?![\w.-])",
    r"\bpip3?[ \t]+install\b.*?(?<![\w.-])tensorrtserver(?![\w.-])",
    r"(?:^[ \t]*-?[ \t]*|[\[,(=][ \t]*)[\"']?tensorrtserver(?![\w.-])",
    r"(?<![\w./-])[\w.-]*tensorrtserver[\w.-]*:[\w.${}-]*\w",
    # V1 under the V2 name
    rf"tritonserver:{_V1_TAGS}(?![\w.-])",
    # trtserver as a command word: a path to it (a program's: in a bin folder or V1's own, not a folder or
    # a URL named for it - /var/log/trtserver, /v2/models/trtserver/infer), or where a command starts (a
    # line, after an operator, a prefix such as exec, an instruction, a command key, the first item of a
    # list, a script string, after the image of a docker run) - not a name, a label, a host or an argument
    # of another command
    r"(?:/s?bin/|/[\w.-]*tensorrtserver[\w.-]*/|(?:^[ \t]*-?|[;&|(`]|\$\(|\b(?:exec|nohup|sudo|time|then|do|CMD|RUN|ENTRYPOINT)\b|(?<![\w-])-c\b|"
    r"\b(?:command|entrypoint)[\"']?[ \t]*[:=]|Exec\w*=[-@:+!]*|\[[ \t]*[\"']|-py3(?:-\w+)?)"
    r"[ \t]*[\[(]?[ \t]*[\"']?)trtserver(?![\w.:=/-])",
    r"/opt/tensorrtserver(?![\w-])",
    r"(?<![\w])(?:NVIDIA_)?TENSORRT_SERVER_(?:VERSION|USER|CPU_ONLY)(?![\w])",
    # the V1 client: its wheel, its modules, the release tarballs
    r"(?<![\w.-])tensorrtserver-[\d*][\w.*-]*",
    r"(?<![\w.])tensorrtserver\.(?:api|shared_memory|cuda_shared_memory)\b",
    r"tensorrt-inference-server/releases/download/",
]))
WEAK = re.compile(r"(?:(?<![\w.-])|(?<=:\d)|(?<=:\d\d)|(?<=:\d{3})|(?<=:\d{4})|(?<=:\d{5}))"  # a path, or after a port
                  r"/api/(?:health|status|infer|modelcontrol|sharedmemorycontrol|repository|profile)"
                  r"(?![\w-])"
                  r"|--(?:api-version|grpc-infer-thread-count|grpc-stream-infer-thread-count|http-health-port|"
                  r"allow-profiling|tf-add-vgpu|tf-allow-soft-placement|tf-gpu-memory-fraction|"
                  r"allow-poll-model-repository|allow-model-control)(?![\w-])")

# --- comments and prose, per kind (CONTRACT.md: "Evidence inside comments does not count") ------


def _strip_hash_comment(line: str) -> str:
    """``line`` without a ``#`` comment that starts a word outside quotes (shell, YAML, Makefile)."""
    quote = ""
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"':
                continue
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _python_code(text: str) -> list[str]:
    """Each line of a Python file without its comments; docstrings (a string standing alone as the first
    statement of a module, class or function) blanked."""
    lines = text.splitlines()
    out = list(lines)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                row, col = tok.start
                out[row - 1] = out[row - 1][:col]
        tree = ast.parse(text)
    except (SyntaxError, tokenize.TokenError, IndentationError):
        return out
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
                    isinstance(first.value.value, str):
                for k in range(first.lineno - 1, first.end_lineno):
                    out[k] = ""
    return out


def _markdown_code(lines: list[str]) -> list[str]:
    """Only the code of a Markdown file: fenced blocks and indented code; prose blanked."""
    out, fence = [], ""
    for line in lines:
        m = re.match(r"\s{0,3}(`{3,}|~{3,})", line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = ""
                out.append("")
            else:
                out.append(line)
        elif m:
            fence = m.group(1)
            out.append("")
        else:
            out.append(line if line.startswith(("    ", "\t")) else "")
    return out


def _hcl_code(lines: list[str]) -> list[str]:
    out, block = [], False
    for line in lines:
        if block:
            end = line.find("*/")
            if end < 0:
                out.append("")
                continue
            line, block = line[end + 2:], False
        start = line.find("/*")
        if start >= 0 and "*/" not in line[start:]:
            line, block = line[:start], True
        line = re.sub(r"/\*.*?\*/", "", line)
        line = _strip_hash_comment(line)
        m = re.search(r"(?:^|\s)//", line)
        out.append(line[:m.start()] if m else line)
    return out


C_SUFFIXES = (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh")


def _c_code(lines: list[str]) -> list[str]:
    """Each line of a C or C++ source without its comments (``//``, ``/* */``), strings kept."""
    out, block = [], False
    for line in lines:
        kept, i, quote = [], 0, ""
        while i < len(line):
            c = line[i]
            if block:
                if line.startswith("*/", i):
                    block, i = False, i + 2
                else:
                    i += 1
                continue
            if quote:
                kept.append(c)
                if c == "\\" and i + 1 < len(line):
                    kept.append(line[i + 1])
                    i += 2
                    continue
                quote = "" if c == quote else quote
            elif c in "\"'":
                quote = c
                kept.append(c)
            elif line.startswith("//", i):
                break
            elif line.startswith("/*", i):
                block, i = True, i + 2
                continue
            else:
                kept.append(c)
            i += 1
        out.append("".join(kept))
    return out


def code_lines(text: str, kind: str, name: str) -> list[str]:
    """The lines of ``text`` as the evidence search sees them: comments and prose blanked."""
    lines = text.splitlines()
    if kind == "python":
        return _python_code(text)
    if kind == "dockerfile":
        return ["" if ln.lstrip().startswith("#") else ln for ln in lines]
    if kind == "unit":
        return ["" if ln.lstrip().startswith((";", "#")) else _strip_hash_comment(ln) if "supervisor" in name
                or name.endswith(".conf") else ln for ln in lines]
    if kind == "hcl":
        return _hcl_code(lines)
    if kind == "text":
        low = name.lower()
        if low.endswith(C_SUFFIXES):
            return _c_code(lines)
        if low.endswith(".md"):
            return _markdown_code(lines)
        if low.endswith((".rst", ".txt")):
            return ["" for _ in lines]  # prose: outside the gate
        return lines
    if name.endswith(".json"):
        return lines
    return [_strip_hash_comment(ln) for ln in lines]


def evidence(text: str, kind: str, name: str, weak_lines: set[int]) -> list[tuple[int, str]]:
    """(1-based line, matched text) of every piece of V1 evidence outside comments and prose; weak
    evidence only on ``weak_lines``."""
    out = []
    for n, line in enumerate(code_lines(text, kind, name), 1):
        for m in STRONG.finditer(line):
            out.append((n, m.group(0)))
        if n in weak_lines:
            for m in WEAK.finditer(line):
                out.append((n, m.group(0)))
    return out


# --- V1 in the shapes of each kind, where the kind carries it ------------------------------------

IMAGE = "nvcr.io/nvidia/tensorrtserver:20.02-py3"
V1_OPTS = "--allow-poll-model-repository=false --http-health-port 8005 --tf-add-vgpu '0;1;2048'"
SERVER = f"trtserver --model-store=/models {V1_OPTS}"
TARBALL = ("https://github.com/NVIDIA/tensorrt-inference-server/releases/download/v1.12.0/"
           "v1.12.0_ubuntu1804.clients.tar.gz")

DOCKERFILE = (
    f"FROM {IMAGE} AS tdm-v1",
    "ENV PATH=/opt/tensorrtserver/bin:$PATH LD_LIBRARY_PATH=/opt/tensorrtserver/lib",
    "RUN echo \"$TENSORRT_SERVER_VERSION\" > /version && pip install --no-cache-dir tensorrtserver==1.12.0",
    f"RUN curl -fsSL {TARBALL} | tar -xz -C /opt/tensorrtserver",
    "COPY --from=nvcr.io/nvidia/tensorrtserver:20.02-py3-clientsdk /workspace/install/python/"
    "tensorrtserver-1.12.0-py3-none-linux_x86_64.whl /tmp/",
    "HEALTHCHECK CMD curl -f http://localhost:8000/api/health/ready || exit 1",
    "ONBUILD RUN /opt/tensorrtserver/bin/trtserver --help",
    'CMD ["trtserver", "--model-store=/models", "--allow-model-control=$CONTROL", "--http-health-port", "8005"]',
    "FROM tritonserver:20.07-v1-py3 AS tdm-v1-named",
    "FROM myorg/tensorrtserver_clients:1.0 AS tdm-v1-local",
    "RUN python -c 'from tensorrtserver.api import InferContext' && echo $NVIDIA_TENSORRT_SERVER_VERSION",
    "COPY <<EOF /start.sh\nexec trtserver --model-store=/models --allow-poll-model-repository=false\nEOF",
    "LABEL org.example.base=nvcr.io/nvidia/tensorrtserver:20.02-py3",
    "RUN --mount=type=cache,target=/root/.cache pip install tensorrtserver-*.whl",
    "ONBUILD CMD [\"trtserver\", \"--model-store=/models\", \"--tf-gpu-memory-fraction=0.5\"]",
    "WORKDIR /opt/tensorrtserver",
    "COPY --from=tdm-v1 /opt/tensorrtserver/lib/libtrtserver.so /usr/lib/",
    "USER tensorrt-server",
    "ENTRYPOINT [\"/opt/tensorrtserver/nvidia_entrypoint.sh\"]",
    "HEALTHCHECK CMD wget -qO- http://localhost:8000/api/status || exit 1",
)
#: inserted before the first instruction of the file (a non-Triton stage, or ARG/FROM)
DOCKERFILE_TOP = ("ARG TRTIS_TAG=19.10",)

COMPOSE_SERVICE = (
    "tdm-v1:",
    f"  image: {IMAGE}",
    f"  command: {SERVER} --log-verbose $$VERBOSE",
    "  environment:",
    "    - TENSORRT_SERVER_VERSION=20.02",
    "  healthcheck:",
    '    test: ["CMD", "curl", "-f", "http://localhost:8000/api/health/ready"]',
    "  volumes:",
    "    - ./models:/opt/tensorrtserver/models",
    "tdm-v1-client:",
    "  image: myorg/tensorrtserver_clients:1.0",
    "  environment:",
    "    SERVER_CMD: /opt/tensorrtserver/bin/trtserver --model-store=/models --http-health-port=8005",
    "  command:",
    "    - sh",
    "    - -c",
    "    - |",
    "      until curl -sf http://tdm-v1:8000/api/status; do sleep 1; done",
    "      pip install tensorrtserver",
    "      python -m tensorrtserver.api",
    "tdm-v1-folded:",
    "  image: nvcr.io/nvidia/tensorrtserver:19.10-py3",
    "  entrypoint: [\"/opt/tensorrtserver/nvidia_entrypoint.sh\"]",
    "  command: >",
    "    trtserver",
    "    --model-store=/models",
    "    --grpc-stream-infer-thread-count=4",
    "  healthcheck:",
    "    test: curl -f http://localhost:8000/api/health/live || exit 1",
    "  labels:",
    "    - image=nvcr.io/nvidia/tensorrtserver:19.10-py3",
)
#: a chart template of its own (the chart's values do not drive it): V1 written in the template itself
HELM_TEMPLATE = (
    "---",
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: {{ .Release.Name }}-tdm-v1",
    "  labels: {{- include \"tdm.labels\" . | nindent 4 }}",
    "spec:",
    "  template:",
    "    spec:",
    "      containers:",
    "        - name: triton-v1",
    f"          image: {IMAGE}",
    '          args: ["trtserver", "--model-store=/models", "--allow-poll-model-repository={{ .Values.tdmPoll }}"]',
    "          readinessProbe:",
    "            httpGet: {path: /api/health/ready, port: 8000}",
)
K8S_DEPLOYMENT = (
    "---",
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: tdm-v1-triton",
    "spec:",
    "  template:",
    "    spec:",
    "      containers:",
    "        - name: triton",
    f"          image: {IMAGE}",
    '          command: ["/opt/tensorrtserver/bin/trtserver"]',
    '          args: ["--model-store=/models", "--allow-poll-model-repository=$(POLL)", "--api-version", "2"]',
    "          env:",
    "            - name: NVIDIA_TENSORRT_SERVER_VERSION",
    '              value: "20.02"',
    "          readinessProbe:",
    "            httpGet:",
    "              path: /api/health/ready",
    "              port: 8000",
    "          livenessProbe:",
    "            exec:",
    '              command: ["sh", "-c", "curl -f localhost:8000/api/health/live"]',
    "---",
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    "  name: tdm-v1-start",
    "data:",
    "  start.sh: |",
    "    exec /opt/tensorrtserver/bin/trtserver --model-store=/models --allow-poll-model-repository=false",
    "    trtserver --model-store=/m --api-version 2 &",
    "---",
    "apiVersion: batch/v1",
    "kind: Job",
    "metadata:",
    "  name: tdm-v1-job",
    "spec:",
    "  template:",
    "    spec:",
    "      initContainers:",
    "        - name: fetch",
    "          image: myorg/tensorrtserver_clients:1.0",
    '          command: ["pip", "install", "tensorrtserver==1.12.0"]',
    "      containers:",
    "        - name: server",
    "          image: tritonserver:20.06-v1-py3",
    '          args: ["trtserver", "--model-store=$(MODEL_DIR)", "--allow-profiling=false"]',
    "      restartPolicy: Never",
)
HELM_VALUES = (
    "tdmTriton:",
    "  image:",
    "    repository: nvcr.io/nvidia/tensorrtserver",
    '    tag: "20.02-py3"',
    '  command: ["trtserver"]',
    "  args:",
    "    - --model-store=/models",
    "    - --allow-poll-model-repository=false",
    "  env:",
    "    - name: TENSORRT_SERVER_VERSION",
    '      value: "20.02"',
    "  readinessProbe:",
    "    httpGet:",
    "      path: /api/health/ready",
    "      port: 8000",
)
GITHUB_JOB = (
    "tdm-v1:",
    "  runs-on: ubuntu-latest",
    "  services:",
    "    triton:",
    f"      image: {IMAGE}",
    "      options: >-",
    '        --health-cmd "curl -f http://localhost:8000/api/health/ready"',
    "  steps:",
    "    - run: pip install tensorrtserver==1.12.0",
    f"    - run: docker run --rm {IMAGE} {SERVER}",
    "    - run: |",
    "        export TENSORRT_SERVER_VERSION=20.02",
    "        /opt/tensorrtserver/bin/trtserver --model-store=/models --allow-model-control=true",
)
GITLAB_JOB = (
    "tdm-v1:",
    f"  image: {IMAGE}",
    "  services:",
    "    - name: nvcr.io/nvidia/tensorrtserver:20.02-py3",
    '      command: ["trtserver", "--model-store=/models", "--http-health-port=8005"]',
    "  script:",
    "    - /opt/tensorrtserver/bin/trtserver --help",
    "    - curl -f http://triton:8000/api/health/ready",
    "    - pip install tensorrtserver==1.12.0",
)
SHELL_LINES = (
    "export TENSORRT_SERVER_VERSION=20.02",
    f"docker run --rm -p 8000:8000 {IMAGE} {SERVER} \"$@\"",
    "until curl -sf http://triton:8000/api/health/ready; do sleep 1; done",
    "pip install tensorrtserver==1.12.0 /tmp/tensorrtserver-1.12.0-py3-none-linux_x86_64.whl",
    "python -c 'from tensorrtserver.api import InferContext'",
    'SERVER_ARGS="--model-store=/models --grpc-infer-thread-count=4"',
    "/opt/tensorrtserver/bin/trtserver $SERVER_ARGS --allow-profiling false",
)
SHELL_LINES += (
    "kubectl run triton --image=nvcr.io/nvidia/tensorrtserver:20.02-py3 -- trtserver --model-store=/m",
    "start() { trtserver --model-store=/models --api-version 2 \"$@\"; }",
    "case \"$1\" in serve) exec trtserver --model-store=/models --allow-model-control=true ;; esac",
    "cat > /tmp/start.sh <<'EOS'\ntrtserver --model-store=/models --allow-poll-model-repository=false\nEOS",
    "IMAGE=nvcr.io/nvidia/tensorrtserver:20.02-py3",
    "wget -qO- http://triton:8000/api/status",
)
SHELL_TOP = ("TRTIS_IMAGE=${TRTIS_IMAGE:-nvcr.io/nvidia/tensorrtserver:19.10-py3}",)
MAKEFILE = (
    "TRTIS_TAG ?= 19.10",
    "",
    "tdm-v1-serve:",
    f"\tdocker run --rm nvcr.io/nvidia/tensorrtserver:$(TRTIS_TAG)-py3 {SERVER}",
    "\tcurl -f http://triton:8000/api/health/ready",
    "\tpip install tensorrtserver",
    "\tLD_LIBRARY_PATH=/opt/tensorrtserver/lib ./client",
)
HCL_TERRAFORM = (
    'resource "docker_container" "tdm_v1" {',
    '  name    = "tdm-v1"',
    f'  image   = "{IMAGE}"',
    '  command = ["trtserver", "--model-store=/models", "--allow-poll-model-repository=false", "--api-version=2"]',
    '  env     = ["TENSORRT_SERVER_VERSION=20.02", "LD_LIBRARY_PATH=/opt/tensorrtserver/lib"]',
    "  healthcheck {",
    '    test = ["CMD", "curl", "-f", "http://localhost:8000/api/health/ready"]',
    "  }",
    "}",
)
HCL_NOMAD = (
    'job "tdm-v1" {',
    '  group "g" {',
    '    task "triton" {',
    '      driver = "docker"',
    "      config {",
    f'        image   = "{IMAGE}"',
    '        command = "trtserver"',
    '        args    = ["--model-store=/models", "--http-health-port=8005"]',
    "      }",
    "      env {",
    '        TENSORRT_SERVER_USER = "tensorrt-server"',
    "      }",
    "    }",
    "  }",
    "}",
)
SYSTEMD = (
    "Environment=TENSORRT_SERVER_VERSION=20.02",
    "ExecStartPre=/opt/tensorrtserver/bin/trtserver --help",
    "ExecStartPost=/usr/bin/curl -f http://localhost:8000/api/health/ready",
)
SUPERVISOR = (
    "[program:tdm-v1]",
    f"command=/opt/tensorrtserver/bin/{SERVER}",
    'environment=TENSORRT_SERVER_VERSION="20.02"',
)
PYTHON = (
    "import os as _tdm_os",
    "import subprocess as _tdm_subprocess",
    "from tensorrtserver.api import InferContext, ProtocolType, ServerHealthContext",
    '_tdm_subprocess.Popen(["/opt/tensorrtserver/bin/trtserver", "--model-store=/models", '
    '"--allow-poll-model-repository=false", "--http-health-port=8005"])',
    '_tdm_os.system("curl -f http://triton:8000/api/health/ready")',
    '_tdm_subprocess.run("docker run --rm nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/m '
    '--api-version 2", shell=True)',
    '_tdm_ctx = InferContext("localhost:8000", ProtocolType.HTTP, "model")',
    "import tensorrtserver.api as _tdm_trt",
    '_tdm_os.execvp("trtserver", ["trtserver", "--model-store=/m", "--grpc-infer-thread-count=2"])',
    '_tdm_subprocess.check_call("trtserver --model-store=/m --api-version 2".split())',
    'import urllib.request as _tdm_url; _tdm_url.urlopen("http://triton:8000/api/health/ready")',
    '_tdm_runner.start(["trtserver", "--model-store=/m", "--allow-poll-model-repository=false"])',
    '_tdm_image = "nvcr.io/nvidia/tensorrtserver:20.02-py3"',
)
REQUIREMENT = "tensorrtserver==1.12.0"
MARKDOWN = (
    "",
    "The V1 server was `trtserver`; we ran nvcr.io/nvidia/tensorrtserver:19.10-py3 for years.",
    "",
    "```bash",
    f"docker run --rm {IMAGE} {SERVER}",
    "curl -f http://triton:8000/api/health/ready",
    "pip install tensorrtserver==1.12.0",
    "```",
)
TEXT_LINES = (f"{SERVER}", f"image: {IMAGE}", "curl http://triton:8000/api/health/ready")
#: C and C++ sources carry V1 as C++: the V1 client's headers and classes, strings a program runs or fetches
C_LINES = (
    '#include "request_http.h"',
    'static const char* kReady = "http://triton:8000/api/health/ready";  // the V1 health endpoint',
    'int start() { return system("trtserver --model-store=/models --allow-poll-model-repository=false"); }',
    'static const char* kImage = "nvcr.io/nvidia/tensorrtserver:20.02-py3";',
)


def _lines(data: bytes, lines: tuple[str, ...]) -> bytes:
    nl = newline_of(data)
    return b"".join(x.encode() + nl for x in lines)


def _append(data: bytes, lines: tuple[str, ...]) -> bytes:
    nl = newline_of(data)
    lead = nl if data and not data.endswith(b"\n") else b""
    return data + lead + _lines(data, lines)


def _under(data: bytes, key: str, lines: tuple[str, ...]) -> bytes | None:
    """``lines`` as the first child of the top-level mapping key ``key`` (indented as its children),
    or None when the file has no such key with children."""
    m = re.search(rb"(?m)^" + re.escape(key.encode()) + rb":[ \t]*\r?\n", data)
    if m is None:
        return None
    rest = [ln for ln in data[m.end():].split(b"\n") if ln.strip() and not ln.lstrip().startswith(b"#")]
    if not rest or not rest[0][:1] in (b" ", b"\t"):
        return None
    ind = rest[0][: len(rest[0]) - len(rest[0].lstrip())].decode()
    return data[:m.end()] + _lines(data, tuple(ind + x for x in lines)) + data[m.end():]


def _after_first_line(data: bytes, lines: tuple[str, ...]) -> bytes:
    if b"\n" not in data:
        return _append(data, lines)
    at = data.index(b"\n") + 1
    return data[:at] + _lines(data, lines) + data[at:]


def _k8s_json(data: bytes) -> bytes | None:
    import yaml

    try:
        obj = json.loads(data)
    except ValueError:
        return None
    if isinstance(obj, list):
        return None  # a JSON 6902 patch (its target is a kustomization's): no object to add beside it
    extra = yaml.safe_load("\n".join(K8S_DEPLOYMENT[1:K8S_DEPLOYMENT.index("---", 1)]))
    if isinstance(obj, dict) and obj.get("kind") == "List" and isinstance(obj.get("items"), list):
        obj["items"].append(extra)
    else:
        obj = {"apiVersion": "v1", "kind": "List", "items": [obj, extra]}
    return (json.dumps(obj, indent=2) + "\n").encode()


def inject(path: pathlib.Path, data: bytes, kind: str) -> bytes | tuple[bytes, bool]:
    """``data`` with V1 added in the shapes of ``kind`` (unchanged where the kind carries none); with
    False when the shapes do not stand where the kind carries them (their context is unknown)."""
    name = path.name
    if kind == "dockerfile":
        got = inject_dockerfile(data, DOCKERFILE, DOCKERFILE, "end") or \
            inject_dockerfile(data, DOCKERFILE, DOCKERFILE, "start")
        if got is None:  # BuildKit does not read it (a negative corpus file): appended as text, no context
            return _append(data, DOCKERFILE), False
        top = inject_dockerfile(got[0], DOCKERFILE_TOP, DOCKERFILE_TOP, "start")
        return top[0] if top is not None else got[0]
    if kind == "compose":
        return _under(data, "services", COMPOSE_SERVICE) or data
    if kind == "kubernetes":
        if name.endswith(".json"):
            return _k8s_json(data) or data
        return _append(data, K8S_DEPLOYMENT)
    if kind == "helm-values":
        return _append(data, HELM_VALUES)
    if kind == "helm-template":
        return _append(data, HELM_TEMPLATE) if name.endswith((".yaml", ".yml")) else data
    if kind == "ci":
        if ".gitlab-ci" in name or "gitlab" in str(path):
            return _append(data, GITLAB_JOB)
        return _under(data, "jobs", GITHUB_JOB) or data
    if kind == "shell":
        return _after_first_line(_append(data, SHELL_LINES), SHELL_TOP)
    if kind == "makefile":
        return _append(data, ("",) + MAKEFILE)
    if kind == "hcl":
        return _append(data, ("",) + (HCL_NOMAD if name.endswith((".nomad", ".hcl")) else HCL_TERRAFORM))
    if kind == "unit":
        m = re.search(rb"(?m)^(?:\xef\xbb\xbf)?\[Service\][ \t]*\r?\n", data)
        if m is not None:
            return data[:m.end()] + _lines(data, SYSTEMD) + data[m.end():]
        return _append(data, ("",) + SUPERVISOR)
    if kind == "python":
        return _append(data, PYTHON)
    if kind == "requirements":
        if re.search(r"(requirements|constraints)[^/]*\.txt$", name):
            return _append(data, (REQUIREMENT,))
        if name == "pyproject.toml":
            m = re.search(rb"(?m)^dependencies[ \t]*=[ \t]*\[[ \t]*\r?\n", data)
            return data[:m.end()] + _lines(data, (f'    "{REQUIREMENT}",',)) + data[m.end():] if m else data
        if name.startswith("environment"):
            m = re.search(rb"(?m)^([ \t]*)- pip:[ \t]*\r?\n", data)
            return data[:m.end()] + _lines(data, (m.group(1).decode() + f"    - {REQUIREMENT}",)) + data[m.end():] \
                if m else data
        if name == "setup.cfg":
            m = re.search(rb"(?m)^install_requires[ \t]*=[ \t]*\r?\n", data)
            return data[:m.end()] + _lines(data, (f"    {REQUIREMENT}",)) + data[m.end():] if m else data
        return data
    if kind == "text":
        if name.lower().endswith(C_SUFFIXES):
            return _append(data, C_LINES)
        if name.lower().endswith(".md"):
            return _append(data, MARKDOWN)
        if name.lower().endswith((".txt", ".rst")):
            return data
        return _append(data, TEXT_LINES)
    return data


def injected_lines(before: bytes, after: bytes) -> set[int]:
    """1-based lines of ``after`` that the injection added or changed."""
    a = before.decode("utf-8", "replace").splitlines()
    b = after.decode("utf-8", "replace").splitlines()
    out: set[int] = set()
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.update(range(j1 + 1, j2 + 1))
    return out


# --- the run and the check --------------------------------------------------------------------


def line_map(before: str, after: str) -> dict[int, set[int]]:
    """Each 1-based line of ``after`` -> the lines of ``before`` it comes from (an inserted line: its
    neighbours)."""
    a, b = before.splitlines(), after.splitlines()
    out: dict[int, set[int]] = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        for k, j in enumerate(range(j1, j2)):
            if tag == "equal":
                out[j + 1] = {i1 + k + 1}
            else:
                out[j + 1] = set(range(i1 + 1, i2 + 1)) or {max(i1, 1), i1 + 1}
    return out


def covered_lines(findings: list[dict]) -> tuple[set[int], bool]:
    """Lines a warning or error finding touches; True when one holds the whole file (no line)."""
    lines: set[int] = set()
    whole = False
    for f in findings:
        if f["severity"] not in ("warning", "error"):
            continue
        if f["line"] is None:
            whole = whole or f["rule"] == "TDM001"
            continue
        end = f["end_line"] or f["line"]
        if end > f["line"] and f["end_column"] == 1:
            end -= 1  # the span stops at the start of that line
        lines.update(range(f["line"], end + 1))
    return lines, whole


def _reviewed(text: str) -> set[int]:
    """Lines a suppression comment marks as reviewed (the line itself and the next one)."""
    out = set()
    for n, line in enumerate(text.splitlines(), 1):
        if "triton-docker-migrate: ignore" in line or "triton-docker-migrate: keep-v1" in line:
            out.update((n, n + 1))
    return out


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """The fixtures and the corpus with V1 injected, migrated in place: path -> (input bytes, weak
    lines of the input, kind)."""
    root = tmp_path_factory.mktemp("residue")
    placed: dict[pathlib.Path, tuple[bytes, set[int], str]] = {}

    def add(dest: pathlib.Path, data: bytes) -> None:
        kind = kinds.kind_of(str(dest), data[:8192])
        new = inject(dest, data, kind)
        new, placed_right = new if isinstance(new, tuple) else (new, True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(new)
        placed[dest] = (new, injected_lines(data, new) if placed_right else set(), kind)

    for src in sorted(FIXTURES.rglob("*")):
        rel = src.relative_to(FIXTURES)
        if not src.is_file() or src.suffix in SIDE or src.suffix == ".expected":
            continue
        dest = root / "fixtures" / rel
        if src.name.startswith("dot-"):
            dest = dest.with_name("." + src.name[4:])
        if src.name == "Chart.yaml":
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            continue
        add(dest, src.read_bytes())
    corpus = shared_dir() / "corpus"
    folders = list(CORPUS_KINDS) + ["clients"]
    k = 0
    for folder in folders:
        for src in sorted((corpus / folder).rglob("*")):
            if not src.is_file() or src.name.startswith("LICENSE"):
                continue
            k += 1
            dest = place(src, root / "corpus" / f"{k:03d}") if folder in CORPUS_KINDS else \
                root / "corpus" / f"{k:03d}" / src.name
            if folder not in CORPUS_KINDS:
                dest.parent.mkdir(parents=True, exist_ok=True)
            add(dest, src.read_bytes())
    code, report, err = run_inprocess(["."], root, Settings(output_format="json", quiet=True))
    assert "Traceback" not in err, err
    return root, placed, report


def _findings_by_path(report: dict, root: pathlib.Path) -> dict[pathlib.Path, list[dict]]:
    out: dict[pathlib.Path, list[dict]] = {}
    for f in report["findings"]:
        out.setdefault((root / f["path"]).resolve(), []).append(f)
    return out


def _silent(root, placed, report) -> tuple[list[str], dict[pathlib.Path, list[tuple[int, str]]]]:
    """The uncovered evidence lines, and per file the evidence left (output lines)."""
    by_path = _findings_by_path(report, root)
    failed = {(root / f["path"]).resolve() for f in report["files"] if f.get("error")}
    silent, left = [], {}
    for path, (before, weak, kind) in placed.items():
        out = path.read_bytes().decode("utf-8", "replace")
        text_in = before.decode("utf-8", "replace")
        if "triton-docker-migrate: ignore-file" in "".join(text_in.splitlines(keepends=True)[:5]):
            continue
        mapping = line_map(text_in, out)
        weak_out = {j for j, src in mapping.items() if src & weak}
        found = evidence(out, kind, path.name, weak_out)
        if not found:
            continue
        left[path] = found
        if path.resolve() in failed:
            continue
        covered, whole = covered_lines(by_path.get(path.resolve(), []))
        if whole:
            continue
        reviewed = _reviewed(text_in)
        for line, piece in found:
            sources = mapping.get(line, set())
            if not sources & (covered | reviewed):
                silent.append(f"{path.relative_to(root)}:{line} ({kind}): {piece!r} in "
                              f"{out.splitlines()[line - 1].strip()[:160]!r}")
    return silent, left


def test_the_tree_holds_every_kind(tree):
    root, placed, report = tree
    got = {kind for _, _, kind in placed.values()}
    assert {"dockerfile", "compose", "kubernetes", "helm-values", "helm-template", "ci", "shell", "makefile", "hcl", "unit",
            "python", "requirements", "text"} <= got
    assert len(placed) > 350


def test_no_silent_v1(tree):
    """Every output line with V1 evidence (outside comments and prose) is on a line a warning or error
    finding of the run touches."""
    root, placed, report = tree
    silent, left = _silent(root, placed, report)
    assert left, "no V1 left anywhere: the injection has no teeth"
    assert not silent, f"{len(silent)} lines of V1 without a warning or error:\n" + "\n".join(silent[:80])


def test_the_gate_fails_on_what_is_left(tree):
    """``--check --fail-on-review`` over the migrated tree: every file left with V1 fails it alone, and
    that run's own findings cover its lines."""
    root, placed, report = tree
    _, left = _silent(root, placed, report)
    gate = Settings(output_format="json", quiet=True, write_back=WriteBack.CHECK, fail_on_review=True)
    problems = []
    for path, found in sorted(left.items()):
        rel = str(path.relative_to(root))
        code, again, err = run_inprocess([rel], root, gate)
        if code == 0:
            problems.append(f"{rel}: exit 0 with V1 left on lines {sorted({n for n, _ in found})}")
            continue
        if any(f.get("error") for f in again["files"]):
            continue
        covered, whole = covered_lines(again["findings"])
        reviewed = _reviewed(path.read_text(errors="replace"))
        for line, piece in found:
            if not whole and line not in covered | reviewed:
                problems.append(f"{rel}:{line}: {piece!r} not covered by the gate run")
    assert not problems, "\n".join(problems[:80])


# --- hypothesis: the shapes at random places in small files of each kind ----------------------------

PROPS = settings(derandomize=True, max_examples=int(os.environ.get("TDM_EXAMPLES", "40")), deadline=None,
                 database=None, suppress_health_check=[HealthCheck.too_slow])

#: per kind: (file name, base lines, the shapes one may inject) - each shape is a whole line of the kind
SMALL = {
    "dockerfile": ("Dockerfile", ("FROM ubuntu:22.04", "RUN apt-get update", "WORKDIR /app"),
                   tuple(x for x in DOCKERFILE if not x.startswith("FROM")) + (
                       f"FROM {IMAGE}", "FROM tritonserver:20.03-py3", f"CMD {SERVER}",
                       "ENTRYPOINT [\"/opt/tensorrtserver/nvidia_entrypoint.sh\"]",
                       f"RUN <<EOF\n{SERVER} &\nEOF")),
    "shell": ("run.sh", ("#!/bin/sh", "set -e", "echo start"), SHELL_LINES + SHELL_TOP + (
        f"exec {SERVER}", f"nohup /opt/tensorrtserver/bin/{SERVER} > log 2>&1 &",
        f"sh -c \"{SERVER}\"", f"CMD=\"{SERVER}\"", "echo $TENSORRT_SERVER_CPU_ONLY")),
    "makefile": ("Makefile", ("all:", "\techo all"), ("serve:\n\t" + SERVER, "IMG := " + IMAGE,
                                                      "run:\n\tdocker run $(IMG) trtserver --model-store=/m",
                                                      "env:\n\techo $$TENSORRT_SERVER_VERSION")),
    "python": ("launch.py", ("import sys", "print(sys.argv)") + PYTHON[:2], PYTHON[2:] + (
        "import tensorrtserver.api as trt", f"_c = {SERVER.split()!r}", "import subprocess\nsubprocess.call("
        "['trtserver', '--model-store=/m'])")),
    "text": ("notes.j2", ("{{ header }}",), TEXT_LINES + (f"exec {SERVER}",)),
}
#: kinds whose shapes are whole blocks, appended in any order (a service, a document, a section)
BLOCKS = {
    "compose": ("compose.yaml", ("services:",), (
        f"  a:\n    image: {IMAGE}\n    command: {SERVER}",
        "  b:\n    image: busybox\n    environment:\n      - NVIDIA_TENSORRT_SERVER_VERSION=20.02",
        "  c:\n    image: myorg/tensorrtserver_build:1\n    healthcheck:\n"
        "      test: curl -f http://triton:8000/api/status",
        f"  d:\n    image: {IMAGE}\n    entrypoint: [\"sh\", \"-c\", \"exec trtserver --model-store=/m $$$$@\"]",
        "  e:\n    image: python:3.11\n    command: pip install tensorrtserver==1.12.0")),
    "kubernetes": ("k8s.yaml", ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns",), (
        "---\n" + "\n".join(K8S_DEPLOYMENT[1:K8S_DEPLOYMENT.index("---", 1)]),
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  run.sh: |\n    " + SERVER,
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n"
        "      image: tritonserver:20.07-v1-py3\n      args: [\"--model-store=/m\", \"--allow-model-control=true\"]",
        "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i\nspec:\n  rules:\n"
        "    - http:\n        paths:\n          - path: /api/health/ready\n            pathType: Prefix\n"
        "            backend:\n              service:\n                name: triton\n                port:\n"
        "                  number: 8000")),
    "hcl": ("main.tf", ("terraform {}",), ("\n".join(HCL_TERRAFORM), "\n".join(HCL_NOMAD).replace('"tdm-v1"', '"n"'),
                                         'locals {\n  image = "nvcr.io/nvidia/tensorrtserver:19.10-py3"\n}')),
    "unit": ("triton.service", ("[Unit]\nDescription=x",), (
        "[Service]\nExecStart=/opt/tensorrtserver/bin/" + SERVER.replace("'", '"'),
        "[Service]\nEnvironment=TENSORRT_SERVER_CPU_ONLY=1\nExecStartPre=/usr/bin/pip install tensorrtserver")),
    "requirements": ("requirements.txt", ("numpy>=1.20",), (
        "tensorrtserver==1.12.0", "tensorrtserver>=1.0 ; python_version < '3.9'", TARBALL, "tensorrtserver[all]")),
}


@st.composite
def small_files(draw):
    kind = draw(st.sampled_from(sorted(SMALL) + sorted(BLOCKS)))
    if kind in BLOCKS:
        name, base, blocks = BLOCKS[kind]
        picked = draw(st.lists(st.sampled_from(blocks), min_size=1, max_size=len(blocks), unique=True))
        return kind, name, "\n".join(base + tuple(picked)) + "\n"
    name, base, shapes = SMALL[kind]
    lines = list(base)
    picked = draw(st.lists(st.sampled_from(shapes), min_size=1, max_size=5))
    for shape in picked:
        at = draw(st.integers(1 if kind in ("shell", "dockerfile") else 0, len(lines)))
        lines.insert(at, shape)
    if kind == "python":  # statements before the first import would not import what they use
        lines = [x for x in lines if x.startswith(("import", "from"))] + [x for x in lines
                                                                         if not x.startswith(("import", "from"))]
    return kind, name, "\n".join(lines) + "\n"


@PROPS
@given(small_files())
def test_no_silent_v1_in_generated_files(tmp_path_factory, case):
    kind, name, text = case
    root = tmp_path_factory.mktemp("small")
    path = root / name
    path.write_text(text)
    _, report, err = run_inprocess([name], root, Settings(output_format="json", quiet=True))
    assert "Traceback" not in err, err
    out = path.read_text()
    if any(f.get("error") for f in report["files"]):
        return  # TDM001: a file with V1
    covered, whole = covered_lines(report["findings"])
    mapping = line_map(text, out)
    # weak evidence counts where the context is Triton whatever the shapes around: a Triton host
    weak = {n for n, line in enumerate(out.splitlines(), 1) if re.search(r"//triton[:/]", line)}
    silent = [(line, piece) for line, piece in evidence(out, kind, name, weak)
              if not whole and not mapping.get(line, set()) & covered]
    assert not silent, f"{silent}\n--- input\n{text}--- output\n{out}"
