"""action.yml, the composite GitHub Action: its shape, then its steps run as the runner runs them
(``bash --noprofile --norc -eo pipefail`` on the script, ``${{ inputs.x }}`` substituted, the
``GITHUB_*``/``RUNNER_TEMP`` variables set) in a temporary git repository holding a V1 Dockerfile.
The install step really installs the tool from a snapshot of this checkout into its own virtual
environment (pip, as on a runner); each mode's output is compared with the tool's own."""

from __future__ import annotations

import json
import os
import re
import shutil

import jsonschema
import pytest

from actionrunner import ACTION, EXPR, Runner, step
from conftest import cli, shared_dir
from gitrepo import git, new_repo

V1 = 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
V2 = ('FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCMD ["tritonserver", "--model-repository=/models", '
      '"--model-control-mode=poll", "--disable-auto-complete-config"]\n')
CHANGES_NEEDED = ("::error title=triton-docker-migrate::changes needed: V1 files would change (run "
                  "'triton-docker-migrate migrate' on them, or this action with mode: fix, and commit the result), "
                  "or findings need review (--fail-on-review)\n")
REVIEW_NEEDED = ("::error title=triton-docker-migrate::findings need review (--fail-on-review): see the "
                 "annotations and the job summary\n")
FAILED = ("::error title=triton-docker-migrate::a usage error, or a file could not be processed (exit 2): see "
          "the lines above\n")
SUMMARY_LINE = re.compile(r"\d+ files? scanned, .* \(\d+\.\d\ds\)\n")


def test_shape():
    assert set(ACTION) == {"name", "description", "author", "branding", "inputs", "outputs", "runs"}
    assert ACTION["name"] == "triton-docker-migrate" and isinstance(ACTION["description"], str)
    inputs = ACTION["inputs"]
    assert {k: v["default"] for k, v in inputs.items()} == {
        "paths": ".", "mode": "check", "args": "", "sarif": "", "python": "python3"}
    assert all(isinstance(v["description"], str) and v["required"] is False for v in inputs.values())
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    assert [s["name"] for s in steps] == ["Install triton-docker-migrate", "Run triton-docker-migrate"]
    for s in steps:
        assert s["shell"] == "bash" and isinstance(s["run"], str)
        assert set(s) <= {"name", "id", "shell", "env", "run"}
        assert not EXPR.search(s["run"])  # inputs reach the scripts through env:, never pasted into them
        for value in s.get("env", {}).values():
            m = EXPR.fullmatch(value)
            assert m and m.group(1).startswith("inputs.") and m.group(1)[7:] in inputs
    assert {k: v["value"] for k, v in ACTION["outputs"].items()} == {
        "exit-code": "${{ steps.migrate.outputs.exit-code }}", "report": "${{ steps.migrate.outputs.report }}"}
    assert step("Run triton-docker-migrate")["id"] == "migrate"


def tool(capsys, workspace, *args) -> tuple[int, str]:
    old = os.getcwd()
    os.chdir(workspace)
    try:
        code, out, _ = cli(capsys, *args)
    finally:
        os.chdir(old)
    return code, out


@pytest.fixture
def runner(action_runner):
    return action_runner


@pytest.fixture
def repo(tmp_path):
    return new_repo(tmp_path / "repo", {"Dockerfile": V1, "README.md": "hello\n"})


def test_check_mode_fails_with_annotations_and_writes_nothing(runner, repo, capsys):
    p, files = runner.run("Run triton-docker-migrate", repo)
    assert p.returncode == 1
    _, annotations = tool(capsys, repo, "migrate", "--check", "--format", "github", ".")
    _, report = tool(capsys, repo, "migrate", "--check", "--format", "markdown", ".")
    assert annotations.startswith("::notice file=Dockerfile,line=1,col=6,endLine=1,endColumn=45,title=TDM101::")
    assert p.stdout == annotations + CHANGES_NEEDED
    assert SUMMARY_LINE.fullmatch(p.stderr)
    report_path = runner.temp / "triton-docker-migrate.md"
    assert files["GITHUB_OUTPUT"] == f"exit-code=1\nreport={report_path}\n"
    assert runner.outputs(files) == {"exit-code": "1", "report": str(report_path)}
    assert report_path.read_text() == report and files["GITHUB_STEP_SUMMARY"] == report
    assert (repo / "Dockerfile").read_text() == V1 and git(repo, "status", "--porcelain") == ""


def test_diff_mode_prints_the_diff_in_a_group(runner, repo, capsys):
    p, files = runner.run("Run triton-docker-migrate", repo, mode="diff")
    assert p.returncode == 1
    _, diff = tool(capsys, repo, "migrate", "--diff", ".")
    _, annotations = tool(capsys, repo, "migrate", "--check", "--format", "github", ".")
    assert diff.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
    assert p.stdout == ("::group::triton-docker-migrate: the diff\n" + diff + "::endgroup::\n" + annotations
                        + CHANGES_NEEDED)
    assert files["GITHUB_OUTPUT"].startswith("exit-code=1\n")
    assert (repo / "Dockerfile").read_text() == V1 and git(repo, "status", "--porcelain") == ""


def test_fix_mode_migrates_in_place_and_reports_what_was_written(runner, repo, tmp_path, capsys):
    twin = tmp_path / "twin"
    shutil.copytree(repo, twin)
    _, annotations = tool(capsys, repo, "migrate", "--check", "--format", "github", ".")
    p, files = runner.run("Run triton-docker-migrate", repo, mode="fix")
    assert p.returncode == 0, p.stderr
    assert p.stdout == annotations  # on the lines of the commit being checked
    assert (repo / "Dockerfile").read_text() == V2
    assert git(repo, "status", "--porcelain") == " M Dockerfile\n"
    code, report = tool(capsys, twin, "migrate", "--format", "markdown", ".")
    assert code == 0 and report.splitlines()[2].startswith("Migrated from Triton V1")
    assert (runner.temp / "triton-docker-migrate.md").read_text() == report == files["GITHUB_STEP_SUMMARY"]
    assert files["GITHUB_OUTPUT"].startswith("exit-code=0\n")


def test_sarif_is_written_where_asked(runner, repo, capsys):
    # first: once written, the log is itself a file with V1 evidence for a later run
    _, sarif = tool(capsys, repo, "migrate", "--check", "--format", "sarif", ".")
    p, _ = runner.run("Run triton-docker-migrate", repo, sarif="reports/triton.sarif")
    assert p.returncode == 1
    written = (repo / "reports" / "triton.sarif").read_text()
    assert written == sarif
    log = json.loads(written)
    jsonschema.Draft202012Validator(json.loads((shared_dir() / "schema" / "sarif-2.1.0.json").read_text())).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]][0] == "TDM101"


def test_paths_and_args(runner, tmp_path, capsys):
    repo = new_repo(tmp_path / "repo", {"svc/Dockerfile": V1, "svc/img.Dockerfile":
                                        "FROM nvcr.io/nvidia/tensorrtserver:latest\n",
                                        "api/Dockerfile": V1, "other/Dockerfile": V1})
    p, files = runner.run("Run triton-docker-migrate", repo, mode="fix", paths="svc\napi/Dockerfile",
                          args="--target-version 23.05  --fail-on-review")
    assert p.returncode == 1 and p.stdout.endswith(REVIEW_NEEDED)  # TDM104 needs a person
    assert files["GITHUB_OUTPUT"].startswith("exit-code=1\n")
    for name in ("svc/Dockerfile", "api/Dockerfile"):
        assert (repo / name).read_text().startswith("FROM nvcr.io/nvidia/tritonserver:23.05-py3\n")
    assert (repo / "other" / "Dockerfile").read_text() == V1
    assert "::warning file=svc/img.Dockerfile,line=1,col=6," in p.stdout


def test_an_unprocessable_file_is_exit_2(runner, tmp_path):
    repo = new_repo(tmp_path / "repo", {"Dockerfile": b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n\xff\n"})
    p, files = runner.run("Run triton-docker-migrate", repo)
    assert p.returncode == 2 and p.stdout.endswith(FAILED)
    assert p.stderr.startswith("Dockerfile:2: error: invalid UTF-8 (byte 45)\n")
    assert files["GITHUB_OUTPUT"].startswith("exit-code=2\n")


def test_an_unknown_mode_is_exit_2(runner, repo):
    p, files = runner.run("Run triton-docker-migrate", repo, mode="lint")
    assert p.returncode == 2
    assert p.stdout == "::error title=triton-docker-migrate::mode must be check, diff or fix, not 'lint'\n"
    assert files["GITHUB_OUTPUT"] == ""


def test_an_old_python_is_refused_with_a_message(tmp_path):
    fake = tmp_path / "python3.8"
    fake.write_text("#!/bin/sh\nexit 1\n")  # what `python -c 'sys.exit(version < (3, 11))'` says on 3.8
    fake.chmod(0o755)
    r = Runner(tmp_path, tmp_path)
    p, _ = r.run("Install triton-docker-migrate", tmp_path, python=str(fake))
    assert p.returncode == 2
    assert p.stdout == (f"::error title=triton-docker-migrate::needs Python 3.11 or later as '{fake}' (add "
                        "actions/setup-python before this action, or set the python input)\n")
