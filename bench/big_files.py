"""Memory and time of one large file of each kind (not a test; never run in CI).

CONTRACT.md ("Bad input"): memory and time grow linearly with a file's size; any accepted file (up
to 10 MiB) is processed in seconds and well under 1 GiB. For each kind this generates a file of the
sizes asked for (whole blocks, as many as fit), in two families of shapes:

- dense: the kind's own fixture-like V1 content repeated, every repetition a real construct of the
  kind (a service, a stage, a recipe, a resource, a document ...): V1 from end to end; with the
  attack's 20,000 ``FROM`` lines (``dockerfile-from`` at 1 MiB);
- sparse: one V1 server among a lot of ordinary text (other applications' Deployments and Services, a long script in a YAML block scalar or a
  ConfigMap, plain values, a long RUN, a long shell script, plain Python, prose) - what a large
  real file looks like.

Each file is processed with ``pipeline.process_file`` in a fresh child process, which prints its CPU
seconds (user + system), its peak RSS (``ru_maxrss``) and the result. Results: bench/RESULTS.md,
"Large files".

    python bench/big_files.py [--sizes 1,5,10] [--kinds dockerfile,compose,...]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1024 * 1024

DOCKER_STAGE = ("FROM nvcr.io/nvidia/tensorrtserver:20.02-py3 AS s{i}\n"
                "ENV TENSORRT_SERVER_VERSION=1.10.0 PATH=/opt/tensorrtserver/bin:$PATH\n"
                "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
                "COPY --from=s{i} /opt/tensorrtserver/lib /opt/lib{i}\n"
                "HEALTHCHECK CMD curl -f http://localhost:8000/api/health/ready || exit 1\n"
                "CMD [\"trtserver\", \"--model-store=/models/{i}\", \"--http-port=8000\"]\n")
COMPOSE_SERVICE = ("  triton{i}:\n"
                   "    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                   "    command: [\"trtserver\", \"--model-store=/models\", \"--grpc-port=8001\"]\n"
                   "    ports: [\"8000:8000\", \"8001:8001\"]\n"
                   "    environment:\n      - NVIDIA_VISIBLE_DEVICES=all\n"
                   "    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8000/api/health/ready\"]\n")
K8S_DOC = ("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: triton{i}\nspec:\n  template:\n"
           "    spec:\n      containers:\n        - name: triton\n"
           "          image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
           "          command: [\"trtserver\"]\n          args: [\"--model-store=/models\"]\n"
           "          readinessProbe:\n            httpGet: {{path: /api/health/ready, port: 8000}}\n")
SHELL_LINE = ("docker run --rm -p 8000:8000 -v /m{i}:/models nvcr.io/nvidia/tensorrtserver:20.02-py3 "
              "trtserver --model-store=/models --http-port=8000 # run {i}\n"
              "if [ -n \"$X{i}\" ]; then echo \"$(date) started {i}\"; fi\n")
MAKE_RECIPE = ("serve{i}:\n\ttrtserver --model-store=/models/{i} --http-port=8000\n"
               "\tdocker run nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=$(MODELS)\n")
HCL_RESOURCE = ("resource \"docker_container\" \"triton{i}\" {{\n"
                "  name    = \"triton{i}\"\n  image   = \"nvcr.io/nvidia/tensorrtserver:20.02-py3\"\n"
                "  command = [\"trtserver\", \"--model-store=/models\"]\n"
                "  ports {{\n    internal = 8000\n    external = 8000\n  }}\n}}\n")
CI_JOB = ("  job{i}:\n    runs-on: ubuntu-latest\n    container: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
          "    steps:\n      - run: trtserver --model-store=/models --exit-on-error=false &\n"
          "      - run: curl -f localhost:8000/api/health/ready\n")
UNIT = ("[Unit]\nDescription=Triton {i}\n[Service]\n"
        "ExecStart=/usr/bin/docker run --rm nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/m{i}\n")
TEXT = ("Run `trtserver --model-store=/models` in nvcr.io/nvidia/tensorrtserver:20.02-py3 ({i}).\n"
        "    docker run nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/m\n\n")
REQS = "tensorrtserver=={v}\nnumpy>=1.{i}\n# comment {i}\n"
VALUES = ("t{i}:\n  image:\n    repository: nvcr.io/nvidia/tensorrtserver\n    tag: 20.02-py3\n"
          "  args: [\"--model-store=/models\", \"--http-port=8000\"]\n")

#: sparse shapes: one V1 server among a lot of ordinary text (long scalars, long lines, big scripts)
SCRIPT_LINE = "echo \"step {i}: $(date +%s) $HOME/work/{i}\" >> /var/log/setup.log && ls -la /opt/app/{i} | wc -l\n"
YAML_SCRIPT = ("services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
               "    command:\n      - sh\n      - -c\n      - |\n        trtserver --model-store=/models &\n")
CONFIGMAP = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: t}}\nspec:\n  template:\n    spec:\n"
             "      containers:\n        - name: t\n          image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
             "          args: [\"--model-store=/models\"]\n---\napiVersion: v1\nkind: ConfigMap\n"
             "metadata: {{name: scripts}}\ndata:\n  setup.sh: |\n")
PLAIN_VALUES = "key{i}:\n  name: value-{i}\n  list: [a{i}, b{i}, \"c {i}\"]\n"
PYTHON_LAUNCH = ("def start{i}(models=\"/m{i}\"):\n"
                 "    subprocess.run([\"trtserver\", \"--model-store=\" + models, \"--http-port=8000\"], check=True)\n"
                 "    os.system(\"trtserver --model-store /m{i} &\")\n"
                 "    return requests.get(f\"http://localhost:8000/api/health/ready?n={{models}}\").ok\n\n\n")
PYTHON_CLIENT = ("def infer{i}(ctx, data):\n"
                 "    ctx = InferContext(URL, ProtocolType.HTTP, \"model{i}\", -1, verbose=False)\n"
                 "    return ctx.run({{\"input\": (data,)}}, {{\"output\": InferContext.ResultFormat.RAW}}, 1)\n\n\n")
PYTHON_PLAIN = ("class Thing{i}:\n    \"\"\"A docstring {i}.\"\"\"\n\n"
                "    def value(self, x: int = {i}) -> int:\n        y = [x * k for k in range(10) if k % 3]\n"
                "        return sum(y) + len(\"text {i}\")\n\n\n")
TEMPLATE = ("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ .Release.Name }}}}-t{i}\n"
            "spec:\n  template:\n    spec:\n      containers:\n        - name: triton\n"
            "          image: \"{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag }}}}\"\n"
            "          args: [\"trtserver\", \"--model-store=/models\"]\n"
            "          {{{{- if .Values.probe }}}}\n          readinessProbe:\n"
            "            httpGet: {{path: /api/health/ready, port: 8000}}\n          {{{{- end }}}}\n")
MODEL_CONFIG = ("input {{\n  name: \"in{i}\"\n  data_type: TYPE_FP32\n  dims: [ 3, 224, 224 ]\n}}\n"
                "output {{\n  name: \"out{i}\"\n  data_type: TYPE_FP32\n  dims: [ 1000 ]\n}}\n")

OTHER_APP = ("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web{i}}}\nspec:\n  template:\n"
             "    metadata: {{labels: {{app: web{i}}}}}\n"
             "    spec: {{containers: [{{name: web, image: 'nginx:1.25', ports: [{{containerPort: 80}}]}}]}}\n"
             "---\napiVersion: v1\nkind: Service\nmetadata: {{name: web{i}}}\n"
             "spec: {{selector: {{app: web{i}}}, ports: [{{port: 80}}]}}\n")

KINDS = {
    # name: (file name, header, repeated block)
    "dockerfile": ("Dockerfile", "", DOCKER_STAGE),
    "dockerfile-from": ("Dockerfile", "", "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3 AS s{i}\n"),
    "compose": ("compose.yaml", "services:\n", COMPOSE_SERVICE),
    "kubernetes": ("deploy.yaml", "", K8S_DOC),
    "helm-values": ("values.yaml", "", VALUES),
    "ci": (".github/workflows/ci.yml", "on: push\njobs:\n", CI_JOB),
    "shell": ("run.sh", "#!/bin/sh\nset -e\n", SHELL_LINE),
    "makefile": ("Makefile", "MODELS = /models\n", MAKE_RECIPE),
    "hcl": ("main.tf", "", HCL_RESOURCE),
    "unit": ("triton.service", "", UNIT),
    "requirements": ("requirements.txt", "", REQS),
    "text": ("NOTES.txt", "", TEXT),
    "python": ("launch.py", "import os\nimport subprocess\n\nimport requests\n\n\n", PYTHON_LAUNCH),
    "python-client": ("client.py", "from tensorrtserver.api import InferContext, ProtocolType\n\nURL = \"localhost:8000\"\n\n\n",
                      PYTHON_CLIENT),
    "helm-template": ("templates/deploy.yaml", "", TEMPLATE),
    "model-config": ("config.pbtxt", "name: \"m\"\nplatform: \"tensorrt_plan\"\nmax_batch_size: 8\n", MODEL_CONFIG),
    # sparse
    "compose-script": ("compose.yaml", YAML_SCRIPT, "        " + SCRIPT_LINE),
    "kubernetes-configmap": ("deploy.yaml", CONFIGMAP, "    " + SCRIPT_LINE),
    "helm-values-plain": ("values.yaml", "image:\n  repository: nvcr.io/nvidia/tensorrtserver\n  tag: 20.02-py3\n",
                          PLAIN_VALUES),
    "dockerfile-run": ("Dockerfile", "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD [\"trtserver\"]\nRUN true \\\n",
                       " && " + SCRIPT_LINE.rstrip("\n") + " \\\n"),
    "shell-script": ("run.sh", "#!/bin/sh\ntrtserver --model-store=/models &\n", SCRIPT_LINE),
    "python-plain": ("launch.py", "import os\n\nos.system(\"trtserver --model-store /m &\")\n\n\n", PYTHON_PLAIN),
    # one V1 server among many other applications' Deployments and Services (a rendered bundle)
    "kubernetes-bundle": ("deploy.yaml", K8S_DOC.format(i=0), OTHER_APP),
    "text-plain": ("NOTES.txt", "Run trtserver --model-store=/models.\n", "Ordinary prose line {i} about nothing V1.\n"),
}


def generate(kind: str, size: int) -> tuple[str, bytes]:
    name, header, block = KINDS[kind]
    parts = [header]
    total = len(header)
    i = 0
    while True:  # whole blocks, as many as fit in ``size`` (10 MiB stays under the cap)
        b = block.format(i=i, v=f"1.{i % 10}.0")
        if total + len(b) > size:
            break
        parts.append(b)
        total += len(b)
        i += 1
    data = "".join(parts).encode()  # helm kinds: the chart's Chart.yaml is written beside it (child)
    return name, data


def child(kind: str, size: int) -> None:
    """Process one generated file; print CPU seconds, peak RSS (MiB), status, error."""
    sys.path.insert(0, ROOT)
    from triton_docker_migrate import kinds as K
    from triton_docker_migrate.pipeline import process_file
    from triton_docker_migrate.settings import Settings

    name, data = generate(kind, size)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        if kind in ("helm-values", "helm-template"):
            with open(os.path.join(d, "Chart.yaml"), "w") as f:
                f.write("apiVersion: v2\nname: c\nversion: 0.1.0\n")
        cwd = os.getcwd()
        os.chdir(d)
        try:
            K.forget_charts()
            before = resource.getrusage(resource.RUSAGE_SELF)
            r = process_file(name, name, Settings(), explicit=True)
            after = resource.getrusage(resource.RUSAGE_SELF)
        finally:
            os.chdir(cwd)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"{cpu:.2f} {after.ru_maxrss / 1024:.0f} {r.status.value} {len(r.findings)} {r.error or ''}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,5,10", help="MiB, comma-separated")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--child", nargs=2, metavar=("KIND", "BYTES"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], int(a.child[1]))
        return
    print(f"{'kind':16} {'size':>8} {'CPU s':>7} {'peak MiB':>9}  result")
    for kind in a.kinds.split(","):
        for mib in a.sizes.split(","):
            size = int(float(mib) * MIB) - 64
            p = subprocess.run([sys.executable, __file__, "--child", kind, str(size)], capture_output=True, text=True)
            if p.returncode != 0:
                print(f"{kind:16} {mib:>6}Mi  failed: {p.stderr.strip().splitlines()[-1:]}")
                continue
            cpu, rss, status, n, *err = p.stdout.split(" ", 4)
            print(f"{kind:16} {mib:>6}Mi {float(cpu):7.2f} {float(rss):9.0f}  {status}, {n} findings {' '.join(err).strip()[:60]}",
                  flush=True)


if __name__ == "__main__":
    main()
