"""The pre-commit hooks of .pre-commit-hooks.yaml through a real pre-commit: a project whose
.pre-commit-config.yaml names this repository (a local path) at a commit sha as ``rev``. pre-commit
clones it, builds its own virtual environment and installs this project there with pip (the only
network use: pip from the package index, for the build backend and the dependencies)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pre_commit  # noqa: F401 - a test dependency: missing, this module fails instead of skipping

from conftest import cli
from gitrepo import GIT_ENV, git, new_repo, snapshot_of_this_checkout

V1 = 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
V2 = ('FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCMD ["tritonserver", "--model-repository=/models", '
      '"--model-control-mode=poll", "--disable-auto-complete-config"]\n')


def run_pre_commit(project: pathlib.Path, home: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never", *args], cwd=project,
                          capture_output=True, text=True, env=env, timeout=900)


def test_hooks_through_pre_commit(tmp_path, monkeypatch, capsys):
    sha = snapshot_of_this_checkout(tmp_path / "tool")
    config = ("repos:\n"
              f"  - repo: {tmp_path / 'tool'}\n"
              f"    rev: {sha}\n"
              "    hooks:\n"
              "      - id: triton-docker-migrate-check\n"
              "      - id: triton-docker-migrate\n")
    project = new_repo(tmp_path / "project", {"Dockerfile": V1, "README.md": "# a project\n",
                                              ".pre-commit-config.yaml": config})
    home = tmp_path / "pre-commit-home"

    # what the tool itself reports for the file, in the hook's mode
    monkeypatch.chdir(project)
    code, report, _ = cli(capsys, "migrate", "--check", "--quiet", "Dockerfile")
    assert code == 1 and report.startswith("Dockerfile:1:6: TDM101 info: ")

    # the check hook fails, prints the findings, writes nothing
    p = run_pre_commit(project, home, "triton-docker-migrate-check", "--all-files")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "triton-docker-migrate (check)" in p.stdout and "- hook id: triton-docker-migrate-check\n" in p.stdout
    assert "- exit code: 1\n\n" + report in p.stdout  # the whole report, and nothing else of the tool's
    assert "files scanned" not in p.stdout
    assert (project / "Dockerfile").read_text() == V1

    # the fix hook rewrites the file; pre-commit fails the run because a hook changed a file
    p = run_pre_commit(project, home, "triton-docker-migrate", "--all-files")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "- files were modified by this hook" in p.stdout
    assert (project / "Dockerfile").read_text() == V2

    # once the change is committed, both hooks pass
    git(project, "commit", "-q", "-am", "V2")
    p = run_pre_commit(project, home, "--all-files")
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count("Passed") == 2
    assert (project / "Dockerfile").read_text() == V2
