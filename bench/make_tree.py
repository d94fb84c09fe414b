"""Generate a synthetic monorepo for the batch benchmark (and, small, for the batch tests).

Most files are unrelated source code; about 1.5 % are V1 files of every kind the contract knows
(Dockerfiles, compose, Kubernetes, a Helm chart, CI workflows, shell with and without extension,
Makefiles, plain text), plus traps that look like V1 but hold no evidence. Ignored ``build/`` and
``node_modules/`` trees (root ``.gitignore``) and a ``.git`` folder hold V1 files too: a run must not
touch them. Deterministic for a given seed.

    python bench/make_tree.py DIR --files 20000 [--seed 1] [--manifest FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random

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


def _source(rng: random.Random) -> tuple[str, str]:
    r = rng.random()
    acc = 0.0
    for ext, fn, p in SOURCES:
        acc += p
        if r <= acc:
            break
    size = int(rng.lognormvariate(1.8, 0.9)) + 1  # units of ~400 bytes: median ~2.5 KiB, mean ~4 KiB
    if fn is None:
        return ext, json.dumps({_ident(rng): rng.randint(0, 1000) for _ in range(size * 8)}, indent=2) + "\n"
    return ext, fn(rng, size)


def make_tree(root: str, files: int, seed: int = 1, v1_share: float = 0.015,
              ignored_share: float = 0.08) -> dict:
    """Write the tree; return the manifest: ``v1`` (relative paths of the V1 files a run must
    process, sorted), ``kinds`` (path -> kind), ``ignored_v1`` (V1 files it must not touch),
    ``traps`` and ``files`` (the number of files written, .git included)."""
    rng = random.Random(seed)
    os.makedirs(root, exist_ok=True)
    written = 0
    manifest: dict = {"v1": [], "kinds": {}, "ignored_v1": [], "traps": []}

    def put(rel: str, text: str) -> None:
        nonlocal written
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        written += 1

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
    # unrelated source for the rest
    rest = files - written
    for i in range(max(0, rest)):
        ext, text = _source(rng)
        area = rng.choice(("services", "libs", "web/src", "tools", "docs"))
        put(f"{area}/m{i % max(1, files // 250):04d}/d{(i // 7) % 9}/file{i:06d}{ext}", text)
    manifest["v1"].sort()
    manifest["files"] = written
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--manifest", help="write the manifest (JSON) here")
    a = ap.parse_args()
    m = make_tree(a.root, a.files, a.seed)
    if a.manifest:
        with open(a.manifest, "w") as f:
            json.dump(m, f, indent=1)
    print(f"{m['files']} files, {len(m['v1'])} V1 files, {len(m['ignored_v1'])} V1 files in ignored trees")


if __name__ == "__main__":
    main()
