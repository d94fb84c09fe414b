"""examples/campaigns/ run against several local git repositories, each engine emulated as it
behaves (what each one does with the script's exit code, its output and the changed files):

- multi-gitter with --manual-commit: clone, feature branch, run ``migrate.sh`` in the clone; a
  non-zero exit skips the repository; the pull request's title and body come from the first new
  commit (lindell/multi-gitter, internal/multigitter/run.go);
- Sourcegraph Batch Changes: the spec validated against the batch-spec JSON schema, its step's
  ``run`` executed by ``sh`` in the workspace with the step's ``env``, ``step.stdout`` as the output
  the changeset body is templated from, no changeset without a diff, a failed workspace on non-zero;
- a GitHub Actions matrix: the workflow's shape, then per repository the action's steps (as in
  tests/test_action.py) and what create-pull-request does (nothing without a change).

Every report is compared with the tool's own markdown report of the same repository."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import jsonschema
import pytest
from ruamel.yaml import YAML

from actionrunner import ACTION
from conftest import cli, shared_dir
from gitrepo import GIT_ENV, ROOT, git, new_repo

EXAMPLES = ROOT / "examples" / "campaigns"
V1 = 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
V2 = ('FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCMD ["tritonserver", "--model-repository=/models", '
      '"--model-control-mode=poll", "--disable-auto-complete-config"]\n')
TITLE = "Migrate Triton V1 deployments to Triton V2"
REPOS = {
    "gateway": {"Dockerfile": V1, "README.md": "gateway\n"},
    "ranking": {"deploy/Dockerfile": V1, "tools/img.Dockerfile": "FROM nvcr.io/nvidia/tensorrtserver:latest\n"},
    "current": {"Dockerfile": "FROM nvcr.io/nvidia/tritonserver:24.10-py3\n", "README.md": "already V2\n"},
    "broken": {"Dockerfile": V1, "bad.Dockerfile": b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n\xff\n"},
}


def load_yaml(path: pathlib.Path):
    """YAML 1.2, as Sourcegraph and GitHub read it (``on`` is a key, not a boolean)."""
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@pytest.fixture
def origins(tmp_path):
    return {name: new_repo(tmp_path / "origins" / name, files) for name, files in REPOS.items()}


def expected_report(capsys, origin: pathlib.Path, tmp: pathlib.Path, *args: str) -> str:
    """The tool's in-place markdown report for a copy of ``origin``."""
    twin = tmp / f"twin-{origin.name}"
    shutil.copytree(origin, twin)
    old = os.getcwd()
    os.chdir(twin)
    try:
        code, out, _ = cli(capsys, "migrate", *args, "--format", "markdown", ".")
    finally:
        os.chdir(old)
    assert code == 0
    return out


def tool_path() -> str:
    return os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]


def assert_untouched(origin: pathlib.Path, head: str) -> None:
    assert git(origin, "rev-parse", "HEAD").strip() == head
    assert git(origin, "branch", "--format=%(refname:short)") == "main\n"
    assert git(origin, "status", "--porcelain") == ""


# --- multi-gitter --------------------------------------------------------------------------------

def multi_gitter_run(script: pathlib.Path, origin: pathlib.Path, work: pathlib.Path, branch: str, env: dict):
    """What multi-gitter's runSingleRepo does with --manual-commit: (result, process, clone),
    result being "skipped" (non-zero exit), "no change" or (title, body, commits)."""
    clone = work / origin.name
    git(work, "clone", "-q", str(origin), str(clone))
    git(clone, "checkout", "-q", "-b", branch)
    before = git(clone, "rev-parse", "HEAD").strip()
    p = subprocess.run([str(script)], cwd=clone, capture_output=True, text=True,
                       env={**os.environ, **GIT_ENV, **env, "REPOSITORY": f"my-org/{origin.name}"})
    if p.returncode != 0:
        return "skipped", p, clone
    commits = git(clone, "rev-list", "--reverse", f"{before}..HEAD").split()
    if not commits:
        return "no change", p, clone
    message = git(clone, "log", "-1", "--format=%B", commits[0])
    title, _, body = message.partition("\n")
    return (title.strip(), body.strip(), len(commits)), p, clone


def test_multi_gitter_script(origins, tmp_path, capsys):
    script = EXAMPLES / "migrate.sh"
    assert os.access(script, os.X_OK)
    heads = {n: git(o, "rev-parse", "HEAD").strip() for n, o in origins.items()}
    work = tmp_path / "work"
    work.mkdir()
    env = {"PATH": tool_path(), "TDM_ARGS": "--target-version 24.10"}
    results = {n: multi_gitter_run(script, o, work, "triton-v2-migration", env) for n, o in origins.items()}

    for name in ("gateway", "ranking"):
        result, p, clone = results[name]
        report = expected_report(capsys, origins[name], tmp_path, "--target-version", "24.10")
        assert result == (TITLE, report.strip(), 1), p.stderr  # one commit; the pull request's body is the report
        # the commit message is the title and the report, byte for byte
        raw = git(clone, "cat-file", "commit", "HEAD")
        assert raw.split("\n\n", 1)[1] == f"{TITLE}\n\n{report}"
        assert git(clone, "status", "--porcelain") == ""
        assert git(clone, "rev-parse", "--abbrev-ref", "HEAD") == "triton-v2-migration\n"
        assert p.stdout == ""
    gateway = results["gateway"][2]
    assert (gateway / "Dockerfile").read_text() == V2
    assert git(gateway, "show", "--stat", "--format=", "HEAD") .split("\n")[0].startswith(" Dockerfile |")
    ranking = results["ranking"][2]
    assert (ranking / "deploy" / "Dockerfile").read_text() == V2
    assert git(ranking, "diff", "--name-only", "HEAD~1", "HEAD") == "deploy/Dockerfile\n"
    assert "#### [TDM104]" in results["ranking"][0][1]  # the tag a person must choose is in the body

    result, p, clone = results["current"]
    assert result == "skipped" and p.returncode == 1
    assert p.stderr.endswith("triton-docker-migrate: nothing to migrate in my-org/current\n")
    assert git(clone, "rev-list", "--count", "main..HEAD") == "0\n" and git(clone, "status", "--porcelain") == ""

    result, p, clone = results["broken"]
    assert result == "skipped" and p.returncode == 2
    assert "bad.Dockerfile:2: error: invalid UTF-8 (byte 45)\n" in p.stderr
    assert p.stderr.endswith("triton-docker-migrate: exit 2 in my-org/broken: not committed (see the errors above)\n")
    assert git(clone, "rev-list", "--count", "main..HEAD") == "0\n"

    for name, origin in origins.items():  # multi-gitter works in clones: the repositories are as they were
        assert_untouched(origin, heads[name])


def test_multi_gitter_script_exits_2_on_a_usage_error(origins, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    result, p, clone = multi_gitter_run(EXAMPLES / "migrate.sh", origins["gateway"], work, "b",
                                        {"PATH": tool_path(), "TDM_ARGS": "--target-version 19.10"})
    assert result == "skipped" and p.returncode == 2
    assert git(clone, "status", "--porcelain") == ""


# --- Sourcegraph Batch Changes -------------------------------------------------------------------

def test_batch_spec_validates_against_the_schema():
    spec = load_yaml(EXAMPLES / "batch-spec.yaml")
    schema = json.loads((shared_dir() / "schema" / "batch_spec.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(spec)
    [step] = spec["steps"]
    assert step["container"] == "python:3.11-slim"
    assert step["outputs"] == {"report": {"value": "${{ step.stdout }}"}}
    assert spec["changesetTemplate"]["body"] == "${{ outputs.report }}"
    # the schema is not a rubber stamp: a spec without a container for its step is refused
    broken = {**spec, "steps": [{k: v for k, v in step.items() if k != "container"}]}
    assert not jsonschema.Draft7Validator(schema).is_valid(broken)


def sourcegraph_execute(spec: dict, workspace: pathlib.Path, tmp: pathlib.Path):
    """One workspace: the step's ``run`` by ``sh`` (the container's shell) with the step's ``env``;
    returns the process, the changeset (title, body, branch, commit message) or None, and pip's log."""
    [step] = spec["steps"]
    shims = tmp / "shims"
    shims.mkdir(exist_ok=True)
    log = tmp / "pip.log"
    # the container's pip: this test's environment already has the tool; record what would be installed
    (shims / "pip").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\n')
    (shims / "pip").chmod(0o755)
    script = tmp / "step.sh"
    script.write_text(step["run"])
    p = subprocess.run(["sh", str(script)], cwd=workspace, capture_output=True, text=True,
                       env={**os.environ, **{k: str(v) for k, v in step["env"].items()},
                            "PATH": str(shims) + os.pathsep + tool_path()})
    if p.returncode != 0:
        return p, None, log.read_text()
    outputs = {"report": p.stdout}  # ${{ step.stdout }}
    tpl = spec["changesetTemplate"]
    assert "${{" not in tpl["title"] + tpl["branch"] + tpl["commit"]["message"]
    if not git(workspace, "status", "--porcelain"):
        return p, None, log.read_text()  # no diff: no changeset
    body = tpl["body"].replace("${{ outputs.report }}", outputs["report"])
    git(workspace, "checkout", "-q", "-b", tpl["branch"])
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", tpl["commit"]["message"])
    return p, (tpl["title"], body, tpl["branch"], tpl["commit"]["message"]), log.read_text()


def test_batch_spec_step(origins, tmp_path, capsys):
    spec = load_yaml(EXAMPLES / "batch-spec.yaml")
    runs = {}
    for name, origin in origins.items():
        workspace = tmp_path / "workspaces" / name
        git(tmp_path, "clone", "-q", str(origin), str(workspace))
        (tmp_path / name).mkdir()
        runs[name] = (workspace, *sourcegraph_execute(spec, workspace, tmp_path / name))
    install = "install --quiet --disable-pip-version-check https://github.com/<owner>/<repo>/archive/<ref>.tar.gz\n"
    for name in ("gateway", "ranking"):
        workspace, p, changeset, pip_log = runs[name]
        assert p.returncode == 0 and pip_log == install
        report = expected_report(capsys, origins[name], tmp_path, "--target-version", "24.10")
        assert changeset == (TITLE, report, "triton-v2-migration",
                             "Migrate Triton V1 deployments to Triton V2 (triton-docker-migrate)")
        assert git(workspace, "rev-list", "--count", "main..triton-v2-migration") == "1\n"
        assert git(workspace, "status", "--porcelain") == ""  # the report was not left in the workspace
    workspace, p, changeset, _ = runs["current"]
    assert p.returncode == 0 and changeset is None
    assert p.stdout.startswith("## Triton V1 → V2 migration\n")
    assert git(workspace, "status", "--porcelain") == ""
    workspace, p, changeset, _ = runs["broken"]
    assert p.returncode == 2 and changeset is None
    assert "bad.Dockerfile:2: error: invalid UTF-8 (byte 45)\n" in p.stderr


# --- GitHub Actions matrix -----------------------------------------------------------------------

def test_github_matrix_workflow_shape():
    wf = load_yaml(EXAMPLES / "github-matrix.yml")
    assert wf["on"] == "workflow_dispatch"
    job = wf["jobs"]["migrate"]
    assert job["strategy"]["fail-fast"] is False
    assert job["strategy"]["matrix"]["repository"] == ["my-org/inference-gateway", "my-org/ranking-service",
                                                       "my-org/ml-platform"]
    checkout, tdm, pr = job["steps"]
    assert checkout["uses"] == "actions/checkout@v4"
    assert checkout["with"]["repository"] == "${{ matrix.repository }}"
    assert tdm["uses"] == "<owner>/<repo>@<ref>" and tdm["id"] == "tdm"
    assert set(tdm["with"]) <= set(ACTION["inputs"]) and tdm["with"]["mode"] == "fix"
    assert pr["uses"] == "peter-evans/create-pull-request@v7"
    assert pr["with"]["body-path"] == "${{ steps.tdm.outputs.report }}"
    assert set(pr["with"]) == {"token", "branch", "title", "commit-message", "body-path"}


def test_github_matrix_jobs(origins, tmp_path, capsys, action_runner):
    """Each matrix job: checkout, the action with the workflow's inputs, create-pull-request (which
    commits to its branch when the job changed files, and does nothing otherwise)."""
    wf = load_yaml(EXAMPLES / "github-matrix.yml")
    checkout, tdm, pr = wf["jobs"]["migrate"]["steps"]
    inputs = {k: str(v) for k, v in tdm["with"].items()}
    for name, origin in origins.items():
        workspace = tmp_path / "jobs" / name
        git(tmp_path, "clone", "-q", str(origin), str(workspace))
        p, files = action_runner.run("Run triton-docker-migrate", workspace, **inputs)
        outputs = action_runner.outputs(files)
        if name == "broken":
            assert p.returncode == 2 and outputs["exit-code"] == "2"  # the job fails; the next steps do not run
            continue
        assert p.returncode == 0, p.stdout + p.stderr
        body = pathlib.Path(outputs["report"]).read_text()  # body-path
        changed = git(workspace, "status", "--porcelain") != ""
        if name == "current":
            assert not changed  # create-pull-request: nothing to propose
            continue
        assert changed
        assert body == expected_report(capsys, origin, tmp_path, "--target-version", "24.10")
        git(workspace, "checkout", "-q", "-b", pr["with"]["branch"])
        git(workspace, "commit", "-q", "-am", pr["with"]["commit-message"])
        assert git(workspace, "rev-list", "--count", "main..triton-v2-migration") == "1\n"
        assert git(workspace, "status", "--porcelain") == ""
