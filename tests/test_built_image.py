"""An image built in the run from a V1 Dockerfile and run elsewhere by its name (rules/follow.py,
``image_link``): the container that runs it without a command of its own is that Dockerfile's server, so
its probes, the Services and routes that reach its pods, and the URLs that reach its published ports
follow the migration.

``fixtures/trees/built-image`` (its exact output is tests/test_run_level.py's golden): ``docker/Dockerfile``
runs ``trtserver``; its image is named by ``docker build -t`` (twice) in the Makefile, by
``docker/build-push-action``'s ``tags`` (a tag set when the build runs), by a Bake target's ``tags``, by
Skaffold's ``image`` and by compose's ``image:`` beside ``build:``; Deployments, a compose service and a
``docker run`` run those names in other files. Near misses: an image of the same registry path built from
a Python Dockerfile, another application's image whose name starts the same, and a tag the run does not
build (a warning: it may be an image built before the migration)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

import realserver as R
from conftest import FIXTURES, cli
from triton_docker_migrate.rules.follow import split_image

TREE = FIXTURES / "trees" / "built-image"

#: what the first run says of the files that run the image, and only those: (path, line, rule, severity, fixed)
FOLLOWED = [
    ("compose.yaml", 9, "TDM408", "info", True),
    ("deploy/inference.yaml", 22, "TDM408", "info", True),
    ("deploy/inference.yaml", 26, "TDM408", "info", True),
    ("deploy/inference.yaml", 48, "TDM408", "info", True),
    ("deploy/others.yaml", 19, "TDM408", "info", True),
    ("deploy/others.yaml", 40, "TDM408", "info", True),
    ("deploy/others.yaml", 61, "TDM408", "info", True),
    ("deploy/others.yaml", 82, "TDM408", "warning", False),
    ("scripts/smoke.sh", 4, "TDM408", "info", True),
]
#: files that only build images or run other applications' images: never changed
UNTOUCHED = ["Makefile", ".github/workflows/image.yml", "docker-bake.hcl", "skaffold.yaml", "deploy/web.yaml",
             "web/Dockerfile"]


def _tree(tmp_path: Path, monkeypatch) -> Path:
    work = tmp_path / "tree"
    shutil.copytree(TREE, work)
    monkeypatch.chdir(work)
    return work


def _report(capsys, *args: str) -> tuple[int, dict]:
    code, out, _err = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", *args)
    return code, json.loads(out)


def _probe_paths(path: Path) -> dict[str, list[str]]:
    """Deployment name -> its containers' probe paths, read with PyYAML (not the tool's reader)."""
    out: dict[str, list[str]] = {}
    for d in yaml.safe_load_all(path.read_text()):
        if d and d.get("kind") == "Deployment":
            for c in d["spec"]["template"]["spec"]["containers"]:
                out.setdefault(d["metadata"]["name"], []).extend(
                    c[p]["httpGet"]["path"] for p in ("readinessProbe", "livenessProbe") if p in c)
    return out


def test_the_first_run_follows_exactly_the_containers_that_run_the_built_image(tmp_path, monkeypatch, capsys):
    _tree(tmp_path, monkeypatch)
    code, report = _report(capsys, ".")
    assert code == 1
    got = [(f["path"], f["line"], f["rule"], f["severity"], f["fixed"]) for f in report["findings"]
           if f["rule"] in ("TDM407", "TDM408")]
    assert got == FOLLOWED
    changed = {f["path"] for f in report["files"] if f["changed"]}
    assert changed == {"compose.yaml", "deploy/inference.yaml", "deploy/others.yaml", "deploy/batch.yaml",
                       "docker/Dockerfile", "scripts/smoke.sh"}
    assert not changed & set(UNTOUCHED)
    # the finding says why the container is the server: the image, the Dockerfile and the file that builds it
    probe = next(f for f in report["findings"] if (f["path"], f["line"]) == ("deploy/others.yaml", 19))
    assert "runs ghcr.io/acme/inference:3f2a9c1, built from docker/Dockerfile by .github/workflows/image.yml:12" \
        in probe["message"]
    canary = next(f for f in report["findings"] if (f["path"], f["line"]) == ("deploy/others.yaml", 82))
    assert canary["suggestion"] == "/v2/health/ready"


def test_the_migrated_tree_starts_on_v2_and_passes_the_gate(tmp_path, monkeypatch, capsys):
    work = _tree(tmp_path, monkeypatch)
    assert cli(capsys, "migrate", ".")[0] == 0
    for name, paths in {**_probe_paths(work / "deploy/inference.yaml"), **_probe_paths(work / "deploy/others.yaml")}.items():
        if name != "inference-canary":
            assert all(p.startswith("/v2/health/") for p in paths), (name, paths)
    assert _probe_paths(work / "deploy/web.yaml") == {"web": ["/api/health/ready", "/api/health/live"]}
    # the tag the run does not build stays a warning until a person has looked (the gate stays closed) ...
    code, report = _report(capsys, ".")
    assert (code, [(f["path"], f["line"], f["severity"]) for f in report["findings"]]) == \
        (1, [("deploy/others.yaml", 82, "warning")])
    # ... and once its suggestion is taken, the gate passes
    others = work / "deploy/others.yaml"
    lines = others.read_text().splitlines(keepends=True)
    lines[81] = lines[81].replace("/api/health/ready", report["findings"][0]["suggestion"])
    others.write_text("".join(lines))
    code, report = _report(capsys, ".")
    assert (code, report["findings"]) == (0, [])


def test_the_real_server_of_the_migrated_image_answers_the_followed_probes(tmp_path, monkeypatch, capsys):
    """The migrated Dockerfile's CMD, started with the real V2 ``tritonserver``: every probe path of the
    Deployments that run its image (read with PyYAML) answers 200 on the HTTP port, where the V1 paths they
    had are refused; the Deployment that gives its own command starts with its migrated command and args."""
    work = _tree(tmp_path, monkeypatch)
    before = {**_probe_paths(work / "deploy/inference.yaml"), **_probe_paths(work / "deploy/others.yaml")}
    assert cli(capsys, "migrate", ".")[0] == 0
    after = {**_probe_paths(work / "deploy/inference.yaml"), **_probe_paths(work / "deploy/others.yaml")}
    cmd = next(json.loads(line[4:]) for line in (work / "docker/Dockerfile").read_text().splitlines()
               if line.startswith("CMD "))
    batch = next(d for d in yaml.safe_load_all((work / "deploy/batch.yaml").read_text()))
    c = batch["spec"]["template"]["spec"]["containers"][0]
    repo = tmp_path / "models"
    repo.mkdir()
    for argv, paths in ((cmd, sorted({p for name, ps in after.items() if name != "inference-canary" for p in ps})),
                        (c["command"] + c["args"], [c["readinessProbe"]["httpGet"]["path"]])):
        with R.running(argv, repo) as srv:
            assert srv.ready, srv.result(None).explain()
            assert paths and {p: R.request(srv.ports[0], "GET", p)[0] for p in paths} == {p: 200 for p in paths}
            old = sorted({p for ps in before.values() for p in ps})
            assert all(R.request(srv.ports[0], "GET", p)[0] in (400, 404) for p in old)


def test_a_tree_with_only_the_dockerfile_migrated_keeps_the_gate_closed(tmp_path, monkeypatch, capsys):
    _tree(tmp_path, monkeypatch)
    assert cli(capsys, "migrate", "docker/Dockerfile")[0] == 0
    code, report = _report(capsys, ".")
    assert code == 1
    got = {(f["path"], f["line"]) for f in report["findings"] if f["rule"] == "TDM408"}
    assert {("deploy/inference.yaml", 22), ("deploy/inference.yaml", 26), ("deploy/inference.yaml", 48),
            ("deploy/others.yaml", 19), ("deploy/others.yaml", 40), ("deploy/others.yaml", 61),
            ("deploy/others.yaml", 82)} <= got
    msg = next(f["message"] for f in report["findings"] if (f["path"], f["line"]) == ("deploy/inference.yaml", 22))
    assert "the V2 server at docker/Dockerfile:3 (it runs registry.example.com/ml/inference:1.4, built from " \
           "docker/Dockerfile by Makefile:2)" in msg


def _run_one(tmp_path, monkeypatch, capsys, build: str, image: str, dockerfile: str = "") -> list[tuple[str, bool]]:
    root = tmp_path / "t"
    (root / "docker").mkdir(parents=True)
    (root / "docker/Dockerfile").write_text(dockerfile or 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n'
                                            'CMD ["trtserver", "--model-store=/models"]\n')
    (root / "build.sh").write_text(f"#!/bin/sh\n{build}\n")
    (root / "deploy.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n"
        f"      image: {image}\n      readinessProbe:\n        httpGet:\n          path: /api/health/ready\n"
        "          port: 8000\n")
    monkeypatch.chdir(root)
    _code, report = _report(capsys, ".")
    return [(f["severity"], f["fixed"]) for f in report["findings"] if f["path"] == "deploy.yaml"]


FIXED, WARNED, NOTHING = [("info", True)], [("warning", False)], []


@pytest.mark.parametrize("build, image, expected", [
    pytest.param("docker build -t reg.io/ml/infer:1.4 docker", "reg.io/ml/infer:1.4", FIXED, id="same-tag"),
    pytest.param("docker build --tag=reg.io/ml/infer:1.4 docker", "reg.io/ml/infer", FIXED, id="run-untagged"),
    pytest.param("docker build -t reg.io/ml/infer docker", "reg.io/ml/infer:latest", FIXED, id="built-untagged"),
    pytest.param('docker build -t "reg.io/ml/infer:$VERSION" docker', "reg.io/ml/infer:2.0", FIXED, id="tag-at-run-time"),
    pytest.param("docker build -t infer:1 docker", "docker.io/library/infer:1", FIXED, id="docker-hub-spelled-out"),
    pytest.param("docker build -t reg.io/ml/infer:1.4 docker", "reg.io/ml/infer:1.3", WARNED, id="another-tag"),
    pytest.param("docker build -t reg.io/ml/infer:1.4 docker", "reg.io/ml/infer@sha256:" + "a" * 64, WARNED,
                 id="digest"),
    pytest.param("docker build -t reg.io/ml/infer:1.4 docker", "reg.io/ml/infer-ui:1.4", NOTHING, id="other-repository"),
    pytest.param("docker build -t reg.io/ml/infer:1.4 docker", "other.io/ml/infer:1.4", NOTHING, id="other-registry"),
    pytest.param("docker build -t reg.io/ml/infer:1.4 docker", "reg.io/ml/infer:1.4\n      command: [python, app.py]",
                 NOTHING, id="own-command"),
])
def test_which_images_are_the_built_one(tmp_path, monkeypatch, capsys, build, image, expected):
    assert _run_one(tmp_path, monkeypatch, capsys, build, image) == expected


def test_an_image_built_from_a_dockerfile_without_triton_is_not_a_server(tmp_path, monkeypatch, capsys):
    assert _run_one(tmp_path, monkeypatch, capsys, "docker build -t reg.io/ml/infer:1.4 docker", "reg.io/ml/infer:1.4",
                    dockerfile='FROM python:3.10\nCMD ["python", "app.py"]\n') == NOTHING


@pytest.mark.parametrize("image, expected", [
    ("reg.io/ml/infer:1.4", ("reg.io/ml/infer", "1.4", False)),
    ("reg.io:5000/ml/infer", ("reg.io:5000/ml/infer", None, False)),
    ("reg.io:5000/ml/infer:1", ("reg.io:5000/ml/infer", "1", False)),
    ("docker.io/library/ubuntu:22.04", ("ubuntu", "22.04", False)),
    ("reg.io/infer@sha256:ab", ("reg.io/infer", None, True)),
])
def test_split_image(image, expected):
    assert split_image(image) == expected


# --- options alone given to an image whose ENTRYPOINT is the server ----------------------------------

ARGS_TREE = FIXTURES / "trees" / "built-image-args"


def test_options_given_to_the_built_image_start_behind_its_migrated_entrypoint(tmp_path, monkeypatch, capsys):
    """``fixtures/trees/built-image-args`` (its exact output is tests/test_run_level.py's golden): the Dockerfile's
    ENTRYPOINT is the V1 server, its CMD the options; Deployments, compose services (one builds the Dockerfile)
    and a ``docker run`` give the built image options alone, which replace that CMD. After the migration, the
    migrated ENTRYPOINT with each of those options (read with PyYAML and shlex, not the tool's readers) starts the
    real V2 server polling as V1 did; the options given to another tag and to a digest are left, with warnings
    whose suggested options start it too. The original options V1 alone had are refused (the oracle has teeth)."""
    import shlex

    work = tmp_path / "tree"
    shutil.copytree(ARGS_TREE, work)
    monkeypatch.chdir(work)
    _code, report = _report(capsys, ".")
    maybe = {f["path"]: f["suggestion"] for f in report["findings"] if f["rule"] == "TDM110" and f["severity"] == "warning"
             and f["path"] in ("deploy/canary.yaml", "scripts/pinned.sh")}
    before = yaml.safe_load((work / "deploy/tensorflow.yaml").read_text())
    assert cli(capsys, "migrate", ".")[0] == 0
    entry = json.loads((work / "docker/Dockerfile").read_text().splitlines()[2].split(None, 1)[1])
    # V1's defaults on the ENTRYPOINT, before the CMD the options given to the image replace (written so that a
    # setting among those options still decides)
    assert entry == ["/opt/tritonserver/bin/tritonserver", "--model-control-mode=poll", "--strict-model-config=true"]

    def args(path: str) -> list[str]:
        first = next(yaml.safe_load_all((work / path).read_text()))
        return first["spec"]["template"]["spec"]["containers"][0]["args"]

    compose = yaml.safe_load((work / "compose.yaml").read_text())["services"]
    script = shlex.split((work / "scripts/serve.sh").read_text().splitlines()[2])
    given = {
        "deploy/inference.yaml": args("deploy/inference.yaml"),
        "deploy/tensorflow.yaml": args("deploy/tensorflow.yaml"),
        "compose triton": compose["triton"]["command"],
        "compose api": shlex.split(compose["api"]["command"]),
        "scripts/serve.sh": script[script.index("registry.example.com/ml/inference:1.4") + 1:],
        "deploy/canary.yaml (suggested)": json.loads(f"[{maybe['deploy/canary.yaml']}]"),
        "scripts/pinned.sh (suggested)": shlex.split(maybe["scripts/pinned.sh"]),
    }
    assert args("deploy/canary.yaml") == ["--model-store=/models"]  # left for a person to decide
    assert all(a[0].startswith("--model-repository=") for a in given.values()), given
    results = R.run_all([R.Job(tuple(entry + a)) for a in given.values()])
    for what, res in zip(given, results):
        assert res.ready, f"{what}\n{res.explain()}"
        assert res.options.get("model_control_mode") == "MODE_POLL", f"{what}\n{res.explain()}"
    old = before["spec"]["template"]["spec"]["containers"][0]["args"]
    assert R.refused(["tritonserver", *old], tmp_path).refused


# --- a Helm chart whose values write the image (fixtures/trees/chart-built-image) ---------------------

CHART_TREE = FIXTURES / "trees" / "chart-built-image"


def _helm_images(chart: Path, overlay: str | None = None) -> list[str]:
    """The images of the containers ``helm template`` renders (Helm's own engine), with the chart's
    ``values.yaml`` and, given, one other values file over it (``-f``)."""
    import helm_python

    values = yaml.safe_load((chart / overlay).read_text()) if overlay else {}
    c = helm_python.Chart.load(str(chart))
    try:
        out = c.render(values, name="rel", namespace="default")
    finally:
        c.close()
    return [k["image"] for _name, text in sorted(out.items()) for o in yaml.safe_load_all(text)
            if isinstance(o, dict) and o.get("kind") == "Deployment"
            for k in o["spec"]["template"]["spec"]["containers"]]


def _seen_images(chart: Path) -> list[list[str]]:
    """Each container's images as the follow-through sees them: the image the chart's own values render,
    then the others (``ContainerSite.image``, ``also``)."""
    from triton_docker_migrate import charts
    from triton_docker_migrate.pipeline import build_document, link_chart

    unit = charts.unit_of(str(chart))
    docs = {m.path: build_document(m.kind, m.path, Path(m.path).read_text()) for m in unit.members}
    link_chart(unit, docs)
    return [[c.image, *c.also] for m in unit.members if m.kind == "helm-template" and hasattr(docs[m.path], "containers")
            for pod in docs[m.path].topology().pods for c in pod.containers]


@pytest.mark.parametrize("chart, overlays", [("inference", []), ("registry", []), ("canary", ["values-previous.yaml"]),
                                             ("web", [])])
def test_a_chart_container_runs_the_image_helm_renders_from_its_values(chart, overlays):
    root = CHART_TREE / "charts" / chart
    rendered = [list(x) for x in zip(_helm_images(root), *(_helm_images(root, o) for o in overlays))]
    assert [list(dict.fromkeys(x)) for x in rendered] == _seen_images(root)
