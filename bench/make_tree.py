"""Generate a synthetic monorepo for the batch benchmark (and, small, for the batch tests).

Most files are unrelated source code; about 1.5 % are V1 files of every kind the contract knows
(Dockerfiles, compose, Kubernetes, a Helm chart, CI workflows, shell with and without extension,
Makefiles, plain text), plus traps that look like V1 but hold no evidence. Ignored ``build/`` and
``node_modules/`` trees (root ``.gitignore``) and a ``.git`` folder hold V1 files too: a run must not
touch them. Deterministic for a given seed.

Two shapes:

- ``mono`` (the default): a source monorepo, as above; the rest is source and documentation.
- ``deploy``: a deployment-heavy monorepo. The same V1 files, traps and ignored trees, then about
  5 % Dockerfiles and 15 % YAML (compose files, Kubernetes manifests, Helm charts, CI workflows) in
  all, most of them without V1 but many with near misses: some that the byte prefilter lets
  through (another app's ``/api/health`` probe or ``/api/`` ingress path, a container, service or
  stage named ``trtserver``, a ``tensorrtserver_logs`` path, another tool's ``--api-version``), so
  they are parsed, and some that look like V1 to a human but not to the prefilter
  (``nvcr.io/nvidia/tensorrt:23.10-py3``, TorchServe's ``--model-store``). The rest is source and
  documentation (no settings YAML). The tool must report exactly the V1 files here too.

    python bench/make_tree.py DIR --files 20000 [--seed 1] [--shape mono|deploy] [--manifest FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random

SHAPES = ("mono", "deploy")
V1_IMAGE = "nvcr.io/nvidia/tensorrtserver:{tag}-py3"
TAGS = ("19.10", "20.01", "20.02", "20.03")

# --- V1 files: (kind, relative name inside a service folder, template) --------------------------
# Every template carries a V1 image reference or /opt/tensorrtserver, so even a kind whose handler
# reports without fixing lists it.
V1_TEMPLATES = {
    "dockerfile": ("Dockerfile",
                   "FROM {image}\n"
                   "WORKDIR /opt/tensorrtserver\n"
                   "COPY models /models\n"
                   "ENV LOG_LEVEL=info\n"
                   "EXPOSE 8000 8001 8002\n"
                   'CMD ["trtserver", "--model-store=/models", "--log-verbose=0"]\n'),
    "dockerfile-shell": ("docker/Dockerfile.serve",
                         "ARG BASE={image}\n"
                         "FROM ${{BASE}}\n"
                         "RUN mkdir -p /models && \\\n"
                         "    echo ready > /tmp/ready\n"
                         "ENV PATH=/opt/tensorrtserver/bin:${{PATH}}\n"
                         "CMD trtserver --model-store=/models --http-port=8000\n"),
    "compose": ("docker-compose.yml",
                "services:\n"
                "  triton:\n"
                "    image: {image}\n"
                '    command: ["trtserver", "--model-store=/models"]\n'
                "    ports:\n"
                '      - "8000:8000"\n'
                "    volumes:\n"
                "      - ./models:/models\n"),
    "kubernetes": ("deploy/inference.yaml",
                   "apiVersion: apps/v1\n"
                   "kind: Deployment\n"
                   "metadata:\n"
                   "  name: inference-{n}\n"
                   "spec:\n"
                   "  replicas: 1\n"
                   "  template:\n"
                   "    spec:\n"
                   "      containers:\n"
                   "        - name: server\n"
                   "          image: {image}\n"
                   "          command: [\"trtserver\"]\n"
                   "          args: [\"--model-store=/models\"]\n"),
    "helm-values": ("chart/values.yaml",
                    "replicaCount: 1\n"
                    "image:\n"
                    "  repository: nvcr.io/nvidia/tensorrtserver\n"
                    "  tag: {tag}-py3\n"
                    "  pullPolicy: IfNotPresent\n"
                    "modelRepository: /models\n"),
    "ci": (".github/workflows/serve-{n}.yml",
           "name: serve\n"
           "on: [push]\n"
           "jobs:\n"
           "  smoke:\n"
           "    runs-on: ubuntu-latest\n"
           "    services:\n"
           "      triton:\n"
           "        image: {image}\n"
           "    steps:\n"
           "      - run: echo ok\n"),
    "shell": ("scripts/serve.sh",
              "#!/bin/bash\n"
              "set -euo pipefail\n"
              "export LD_LIBRARY_PATH=/opt/tensorrtserver/lib:${{LD_LIBRARY_PATH:-}}\n"
              'exec /opt/tensorrtserver/bin/trtserver --model-store=/models "$@"\n'),
    "shell-shebang": ("bin/run-server",
                      "#!/bin/sh\n"
                      "docker run --rm -p8000:8000 {image} \\\n"
                      "  trtserver --model-store=/models\n"),
    "makefile": ("Makefile",
                 "IMAGE ?= {image}\n"
                 "\n"
                 "serve:\n"
                 "\tdocker run --rm $(IMAGE) trtserver --model-store=/models\n"),
    "text": ("docs/SERVING.md",
             "# Serving\n"
             "\n"
             "Pull the server with `docker pull {image}` and point it at the models.\n"),
}

CHART_YAML = "apiVersion: v2\nname: inference\nversion: 0.1.0\n"
CHART_TEMPLATE = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
                  "spec:\n  template:\n    spec:\n      containers:\n        - name: server\n"
                  "          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n")

# --- traps: look like V1, hold no evidence (must not be listed, never changed) ----------------
TRAPS = {
    "Dockerfile": ("FROM ubuntu:22.04 AS trtserver\n"
                   "# FROM nvcr.io/nvidia/tensorrtserver:20.02-py3 (the old base)\n"
                   "RUN echo trtserver.log > /tmp/names\n"
                   'CMD ["tritonserver", "--model-repository=/models"]\n'),
    "scripts/logs.sh": ("#!/bin/bash\n"
                        "# trtserver was replaced long ago\n"
                        "tail -f /var/log/trtserver.log --trtis-model-repo\n"),
    "web/src/client.js": ("export async function health() {\n"
                          "  const r = await fetch('/api/health');\n"
                          "  return r.ok;\n}\n"),
    "docker-compose.yml": ("services:\n  app:\n    image: nvcr.io/nvidia/tritonserver:24.10-py3\n"
                           "    command: [\"tritonserver\", \"--model-repository=/models\"]\n"),
}

# --- unrelated source --------------------------------------------------------------------------
WORDS = ("user", "order", "item", "cache", "client", "service", "request", "handler", "config", "store",
         "event", "queue", "token", "session", "payment", "invoice", "report", "metric", "index", "batch",
         "model", "tensor", "image", "health", "status", "stream", "buffer", "worker", "task", "job")


def _ident(rng: random.Random) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def _py(rng: random.Random, n: int) -> str:
    out = ['"""Module %s."""\n\nimport os\nimport json\n\n' % _ident(rng)]
    for _ in range(n):
        f = _ident(rng)
        out.append(f"def {f}({_ident(rng)}, {_ident(rng)}=None):\n"
                   f"    \"\"\"Return the {f.replace('_', ' ')} for the given input.\"\"\"\n"
                   f"    value = {_ident(rng)}.get('{_ident(rng)}', {rng.randint(0, 999)})\n"
                   f"    if value is None:\n        raise ValueError('missing {f}')\n"
                   f"    return json.dumps({{'{f}': value}})  # -- {rng.randint(0, 99)}\n\n\n")
    return "".join(out)


def _js(rng: random.Random, n: int) -> str:
    out = ["import { api } from '../lib/api';\n\n"]
    for _ in range(n):
        f = _ident(rng)
        route = f"/api/{rng.choice(WORDS)}s" if rng.random() < 0.3 else f"/v1/{rng.choice(WORDS)}"
        out.append(f"export async function {f}(id) {{\n"
                   f"  const res = await api.get(`{route}/${{id}}`);\n"
                   f"  if (!res.ok) throw new Error('{f} failed: ' + res.status);\n"
                   f"  return res.json(); // {_ident(rng)}\n}}\n\n")
    return "".join(out)


def _go(rng: random.Random, n: int) -> str:
    out = ["package %s\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\n" % rng.choice(WORDS)]
    for _ in range(n):
        f = _ident(rng).title().replace("_", "")
        out.append(f"// {f} handles {_ident(rng)}.\nfunc {f}(w http.ResponseWriter, r *http.Request) {{\n"
                   f"\tfmt.Fprintf(w, \"%s\", r.URL.Path)\n\tw.WriteHeader({rng.choice((200, 201, 404))})\n}}\n\n")
    return "".join(out)


def _md(rng: random.Random, n: int) -> str:
    out = [f"# {_ident(rng).replace('_', ' ').title()}\n\n"]
    for _ in range(n):
        out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))) + ".\n\n")
    return "".join(out)


def _yaml(rng: random.Random, n: int) -> str:
    out = ["# settings\n"]
    for _ in range(n):
        out.append(f"{_ident(rng)}:\n  enabled: {rng.choice(('true', 'false'))}\n  size: {rng.randint(1, 512)}\n")
    return "".join(out)


SOURCES = ((".py", _py, 0.35), (".ts", _js, 0.2), (".go", _go, 0.15), (".md", _md, 0.15), (".yaml", _yaml, 0.1),
           (".json", None, 0.05))


#: the deploy shape's source and documentation: its YAML is counted among the deployment files
DEPLOY_SOURCES = ((".py", _py, 0.39), (".ts", _js, 0.22), (".go", _go, 0.17), (".md", _md, 0.17), (".json", None, 1.0))


def _source(rng: random.Random, table=SOURCES) -> tuple[str, str]:
    r = rng.random()
    acc = 0.0
    for ext, fn, p in table:
        acc += p
        if r <= acc:
            break
    size = int(rng.lognormvariate(1.8, 0.9)) + 1  # units of ~400 bytes: median ~2.5 KiB, mean ~4 KiB
    if fn is None:
        return ext, json.dumps({_ident(rng): rng.randint(0, 1000) for _ in range(size * 8)}, indent=2) + "\n"
    return ext, fn(rng, size)


# --- the deploy shape: deployment files, most without V1, many near misses ---------------------
# Each file draws a class: "pass" (a near miss the byte prefilter lets through: the file is
# parsed), "human" (looks like V1 to a human - the TensorRT image, TorchServe's --model-store -
# but not to the prefilter) or "clean".
PASS_SHARE, HUMAN_SHARE = 0.35, 0.25
TENSORRT_IMAGE = "nvcr.io/nvidia/tensorrt:23.10-py3"
APP_IMAGES = ("python:3.11-slim", "node:20-alpine", "golang:1.22", "ubuntu:22.04", "nginx:1.25",
              "redis:7", "postgres:16", "registry.example.com/platform/base:2.3")
COMPONENTS = ("api", "web", "worker", "gateway", "scheduler", "ingest", "search", "billing", "auth")


def _miss(rng: random.Random) -> str:
    r = rng.random()
    return "pass" if r < PASS_SHARE else "human" if r < PASS_SHARE + HUMAN_SHARE else "clean"


def _env_lines(rng: random.Random, indent: str, fmt: str) -> str:
    return "".join(indent + fmt.format(k=f"{_ident(rng).upper()}_{i}", v=rng.randint(1, 9999))
                   for i in range(rng.randint(1, 8)))


def _dockerfile(rng: random.Random, miss: str) -> str:
    comp = rng.choice(COMPONENTS)
    human = rng.choice(("tensorrt", "torchserve")) if miss == "human" else ""
    base = TENSORRT_IMAGE if human == "tensorrt" else rng.choice(APP_IMAGES[:4])
    near = rng.choice(("health", "logs", "stage", "api-version")) if miss == "pass" else ""
    out = [f"# {comp} service\n", f"FROM {base}" + (" AS trtserver" if near == "stage" else "") + "\n",
           f"WORKDIR /srv/{comp}\n", "COPY requirements.txt package.json* ./\n"]
    for _ in range(rng.randint(1, 5)):
        out.append(f"RUN {rng.choice(('pip install --no-cache-dir -r requirements.txt', 'npm ci --omit=dev', 'go build -o /bin/app ./cmd/app', 'apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*'))}\n")
    out.append(_env_lines(rng, "", "ENV {k}={v}\n"))
    out.append(f"COPY . /srv/{comp}\n")
    if human == "tensorrt":
        out.append("RUN trtexec --onnx=/srv/model.onnx --saveEngine=/srv/model.plan --fp16\n")
    if near == "health":
        out.append("HEALTHCHECK --interval=30s CMD curl -f http://localhost:8080/api/health || exit 1\n")
    if near == "logs":
        out.append("VOLUME /var/log/tensorrtserver_logs\n")
    out.append(f"EXPOSE {rng.choice((80, 3000, 8080, 9090))}\n")
    if human == "torchserve":
        out.append('CMD ["torchserve", "--start", "--model-store", "/home/model-server/model-store", "--ncs"]\n')
    elif near == "api-version":
        out.append(f'CMD ["/bin/app", "--api-version=2", "--name={comp}"]\n')
    else:
        out.append(f'CMD ["/bin/app", "--listen=:8080", "--name={comp}"]\n')
    return "".join(out)


def _compose(rng: random.Random, miss: str) -> str:
    near = rng.choice(("health", "trtserver", "logs")) if miss == "pass" else ""
    human = rng.choice(("tensorrt", "torchserve")) if miss == "human" else ""
    out = ["services:\n"]
    names = rng.sample(COMPONENTS, rng.randint(1, 4))
    if near == "trtserver":
        names[0] = "trtserver"
    for i, name in enumerate(names):
        out.append(f"  {name}:\n    image: {rng.choice(APP_IMAGES)}\n")
        if i == 0 and near == "trtserver":
            out.append("    container_name: trtserver\n")
        out.append("    environment:\n" + _env_lines(rng, "      ", "{k}: \"{v}\"\n"))
        out.append(f"    ports:\n      - \"{rng.randint(3000, 9999)}:8080\"\n")
        if i == 0 and near == "health":
            out.append('    healthcheck:\n      test: ["CMD", "curl", "-f", "http://localhost:8080/api/health"]\n'
                       "      interval: 30s\n")
        if i == 0 and near == "logs":
            out.append("    volumes:\n      - ./logs:/var/log/tensorrtserver_logs\n")
    if human == "tensorrt":
        out.append(f"  build-engine:\n    image: {TENSORRT_IMAGE}\n"
                   '    command: ["trtexec", "--onnx=/models/model.onnx", "--saveEngine=/models/model.plan"]\n')
    if human == "torchserve":
        out.append("  serve:\n    image: pytorch/torchserve:0.9.0-cpu\n"
                   '    command: ["torchserve", "--start", "--model-store", "/home/model-server/model-store"]\n')
    return "".join(out)


def _kubernetes(rng: random.Random, miss: str, n: int) -> tuple[str, str]:
    """(file name, text): a Deployment (and sometimes its Service), an Ingress or a ConfigMap."""
    comp = rng.choice(COMPONENTS)
    near = rng.choice(("health", "trtserver", "logs", "api-version", "ingress")) if miss == "pass" else ""
    human = rng.choice(("tensorrt", "torchserve")) if miss == "human" else ""
    if near == "ingress" or not near and not human and rng.random() < 0.3:
        path = "/api/" if near else "/"
        return f"ingress-{n}.yaml", (
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n"
            f"  name: {comp}-{n}\nspec:\n  rules:\n    - host: {comp}.example.com\n      http:\n        paths:\n"
            f"          - path: {path}\n            pathType: Prefix\n            backend:\n              service:\n"
            f"                name: {comp}\n                port:\n                  number: 80\n")
    if not near and not human and rng.random() < 0.3:
        return f"configmap-{n}.yaml", ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                       f"  name: {comp}-config-{n}\ndata:\n" + _env_lines(rng, "  ", "{k}: \"{v}\"\n"))
    image = TENSORRT_IMAGE if human == "tensorrt" else (
        "pytorch/torchserve:0.9.0-cpu" if human == "torchserve" else f"registry.example.com/{comp}:1.{rng.randint(0, 40)}.0")
    out = ["apiVersion: apps/v1\nkind: Deployment\nmetadata:\n", f"  name: {comp}-{n}\n  labels:\n    app: {comp}\n",
           f"spec:\n  replicas: {rng.randint(1, 6)}\n  selector:\n    matchLabels:\n      app: {comp}\n  template:\n",
           f"    metadata:\n      labels:\n        app: {comp}\n    spec:\n      containers:\n",
           f"        - name: {'trtserver' if near == 'trtserver' else comp}\n          image: {image}\n"]
    if human == "torchserve":
        out.append('          args: ["torchserve", "--start", "--model-store", "/home/model-server/model-store"]\n')
    elif near == "api-version":
        out.append('          args: ["--api-version=2", "--port=8080"]\n')
    else:
        out.append('          args: ["--port=8080"]\n')
    out.append("          env:\n" + _env_lines(rng, "            ", "- name: {k}\n              value: \"{v}\"\n"))
    out.append("          ports:\n            - containerPort: 8080\n")
    if near == "health":
        out.append("          livenessProbe:\n            httpGet:\n              path: /api/health\n              port: 8080\n")
    if near == "logs":
        out.append("          volumeMounts:\n            - name: logs\n              mountPath: /var/log/tensorrtserver_logs\n")
    if rng.random() < 0.4:
        out.append(f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {comp}-{n}\nspec:\n"
                   f"  selector:\n    app: {comp}\n  ports:\n    - port: 80\n      targetPort: 8080\n")
    return f"deployment-{n}.yaml", "".join(out)


def _helm_values(rng: random.Random, miss: str) -> str:
    comp = rng.choice(COMPONENTS)
    near = rng.choice(("health", "logs")) if miss == "pass" else ""
    repo, tag = (("nvcr.io/nvidia/tensorrt", "23.10-py3") if miss == "human"
                 else (f"registry.example.com/{comp}", f"1.{rng.randint(0, 40)}.0"))
    out = [f"replicaCount: {rng.randint(1, 5)}\nimage:\n  repository: {repo}\n  tag: {tag}\n  pullPolicy: IfNotPresent\n",
           f"service:\n  type: ClusterIP\n  port: {rng.choice((80, 8080))}\n",
           "resources:\n  limits:\n    cpu: 500m\n    memory: 512Mi\n"]
    if near == "health":
        out.append("probes:\n  liveness:\n    path: /api/health\n  readiness:\n    path: /api/ready\n")
    if near == "logs":
        out.append("logDir: /var/log/tensorrtserver_logs\n")
    out.append("env:\n" + _env_lines(rng, "  ", "{k}: \"{v}\"\n"))
    return "".join(out)


def _workflow(rng: random.Random, miss: str) -> str:
    comp = rng.choice(COMPONENTS)
    near = rng.choice(("health", "trtserver", "proxy")) if miss == "pass" else ""
    human = rng.choice(("tensorrt", "torchserve")) if miss == "human" else ""
    out = [f"name: {comp}\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n  test:\n    runs-on: ubuntu-latest\n"]
    if near == "trtserver":
        out.append("    services:\n      trtserver:\n        image: nginx:1.25\n        ports:\n          - 8080:80\n")
    out.append("    steps:\n      - uses: actions/checkout@v4\n")
    for _ in range(rng.randint(1, 4)):
        out.append(f"      - run: {rng.choice(('make test', 'npm ci && npm test', 'go test ./...', 'pytest -q'))}\n")
    if near == "health":
        out.append("      - run: curl -sf http://localhost:8080/api/health\n")
    if near == "proxy":
        out.append(f"      - run: docker build -t trtserver-proxy:{comp} .\n")
    if human == "tensorrt":
        out.append(f"      - run: docker pull {TENSORRT_IMAGE}\n")
    if human == "torchserve":
        out.append("      - run: torchserve --start --model-store model_store --models all\n")
    return "".join(out)


def _deploy_files(rng: random.Random, put, written_kinds: dict, files: int) -> None:
    """Dockerfiles and YAML up to about 5 % and 15 % of ``files``, counting those already written."""
    n_apps = max(4, files // 200)
    n_docker = max(0, round(files * 0.05) - written_kinds["docker"])
    for j in range(n_docker):
        put(f"services/app{j % n_apps:04d}/{COMPONENTS[(j // n_apps) % len(COMPONENTS)]}{j // n_apps}/Dockerfile",
            _dockerfile(rng, _miss(rng)))
    counters = {"compose": 0, "k8s": 0, "helm": 0, "ci": 0}
    while written_kinds["yaml"] < round(files * 0.15):
        r = rng.random()
        kind = "compose" if r < 0.2 else "k8s" if r < 0.65 else "helm" if r < 0.8 else "ci"
        i = counters[kind]
        counters[kind] += 1
        app = f"services/app{i % n_apps:04d}"
        sub = i // n_apps
        if kind == "compose":
            put(f"{app}/env{sub}/docker-compose.yml", _compose(rng, _miss(rng)))
        elif kind == "k8s":
            name, text = _kubernetes(rng, _miss(rng), sub)
            put(f"{app}/deploy/k8s/{name}", text)
        elif kind == "helm":
            put(f"{app}/charts/chart{sub}/Chart.yaml", f"apiVersion: v2\nname: chart{sub}\nversion: 0.{sub}.0\n")
            put(f"{app}/charts/chart{sub}/values.yaml", _helm_values(rng, _miss(rng)))
            if rng.random() < 0.5:
                put(f"{app}/charts/chart{sub}/templates/deployment.yaml", CHART_TEMPLATE)
        else:
            put(f"{app}/.github/workflows/ci-{sub}.yml", _workflow(rng, _miss(rng)))


def make_tree(root: str, files: int, seed: int = 1, v1_share: float = 0.015,
              ignored_share: float = 0.08, shape: str = "mono") -> dict:
    """Write the tree; return the manifest: ``v1`` (relative paths of the V1 files a run must
    process, sorted), ``kinds`` (path -> kind), ``ignored_v1`` (V1 files it must not touch),
    ``traps`` and ``files`` (the number of files written, .git included). ``shape``: "mono" or
    "deploy" (see the module's docstring)."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}")
    rng = random.Random(seed)
    os.makedirs(root, exist_ok=True)
    written = 0
    manifest: dict = {"v1": [], "kinds": {}, "ignored_v1": [], "traps": []}
    written_kinds = {"docker": 0, "yaml": 0}  # Dockerfiles and YAML files written

    def put(rel: str, text: str) -> None:
        nonlocal written
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        written += 1
        if "/Dockerfile" in rel:
            written_kinds["docker"] += 1
        elif rel.endswith((".yaml", ".yml")):
            written_kinds["yaml"] += 1

    put(".gitignore", "build/\nnode_modules/\n*.log\n!keep.log\n")
    put(".git/HEAD", "ref: refs/heads/main\n")
    put(".git/description", "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n")

    n_v1 = max(len(V1_TEMPLATES), round(files * v1_share))
    n_ignored = max(4, round(files * ignored_share))
    n_services = max(4, files // 400)
    kinds = sorted(V1_TEMPLATES)
    # V1 files, one per service folder and kind (several per service when the tree is small)
    for i in range(n_v1):
        kind = kinds[i % len(kinds)]
        name, template = V1_TEMPLATES[kind]
        tag = TAGS[i % len(TAGS)]
        if kind == "dockerfile-shell" and tag == "20.03":
            # an image given by a build argument cannot move to a release that has no V1 tag: its server line is
            # held on V1 with it (TDM105, an error), and every V1 file of this tree is one that migrates
            tag = "20.02"
        svc = f"services/svc{i % n_services:04d}/v{i // n_services}"
        rel = f"{svc}/{name.format(n=i)}"
        if kind == "helm-values":
            put(f"{svc}/chart/Chart.yaml", CHART_YAML)
            put(f"{svc}/chart/templates/deployment.yaml", CHART_TEMPLATE)
        put(rel, template.format(image=V1_IMAGE.format(tag=tag), tag=tag, n=i))
        manifest["v1"].append(rel)
        manifest["kinds"][rel] = {"dockerfile-shell": "dockerfile", "shell-shebang": "shell"}.get(kind, kind)
    # traps, in a few service folders
    for i, (name, text) in enumerate(sorted(TRAPS.items())):
        rel = f"services/trap{i}/{name}"
        put(rel, text)
        manifest["traps"].append(rel)
    put("services/trap0/run.log", "trtserver --model-store=/models\n")  # ignored by *.log
    put("services/trap0/keep.log", "started\n")  # re-included by !keep.log, no evidence
    # ignored trees that hold V1 files
    for i in range(n_ignored):
        top = "build" if i % 2 else "web/node_modules"
        if i % 25 == 0:
            rel = f"{top}/pkg{i:05d}/Dockerfile"
            put(rel, V1_TEMPLATES["dockerfile"][1].format(image=V1_IMAGE.format(tag="20.02")))
            manifest["ignored_v1"].append(rel)
        else:
            ext, text = _source(rng)
            put(f"{top}/pkg{i // 40:05d}/f{i:05d}{ext}", text)
    if shape == "deploy":
        _deploy_files(rng, put, written_kinds, files)
    # unrelated source for the rest
    rest = files - written
    table = DEPLOY_SOURCES if shape == "deploy" else SOURCES
    for i in range(max(0, rest)):
        ext, text = _source(rng, table)
        area = rng.choice(("services", "libs", "web/src", "tools", "docs"))
        put(f"{area}/m{i % max(1, files // 250):04d}/d{(i // 7) % 9}/file{i:06d}{ext}", text)
    manifest["v1"].sort()
    manifest["files"] = written
    if shape == "deploy":  # Dockerfiles and YAML files in the tree (ignored trees included)
        manifest["dockerfiles"], manifest["yaml"] = written_kinds["docker"], written_kinds["yaml"]
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", choices=SHAPES, default="mono")
    ap.add_argument("--manifest", help="write the manifest (JSON) here")
    a = ap.parse_args()
    m = make_tree(a.root, a.files, a.seed, shape=a.shape)
    if a.manifest:
        with open(a.manifest, "w") as f:
            json.dump(m, f, indent=1)
    print(f"{m['files']} files, {len(m['v1'])} V1 files, {len(m['ignored_v1'])} V1 files in ignored trees")


if __name__ == "__main__":
    main()
