"""What a run walks and with which settings: the default excludes (ruff's list, virtual environments
whatever their name), and configuration resolved per file - the same results whatever the current
directory, also with worker processes, and a configuration that cannot be used stopping the run
before anything is written."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from strategies import run_cli

V1 = b'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
V2 = (b'FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCMD ["tritonserver", "--model-repository=/models", '
      b'"--model-control-mode=poll", "--disable-auto-complete-config"]\n')


def _tree(root: pathlib.Path, files: dict[str, bytes | str]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())


def _report(p: subprocess.CompletedProcess) -> dict:
    assert p.returncode in (0, 1), p.stderr.decode()
    return json.loads(p.stdout)


def _venv(path: pathlib.Path) -> None:
    """A real virtual environment: interpreter symlinks leaving the tree, a pyvenv.cfg."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--symlinks", str(path)], check=True,
                   capture_output=True, timeout=120)
    assert os.path.islink(path / "bin" / "python")
    site = next((path / "lib").glob("python3*")) / "site-packages" / "somepkg"
    site.mkdir(parents=True)
    (site / "Dockerfile").write_bytes(V1)


# --- 1. default excludes ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project as a user has it: real Dockerfiles, a virtual environment (.venv) and another one
    under a name of its own (tools-env), node_modules, build output and a .git folder."""
    root = tmp_path_factory.mktemp("project")
    _tree(root, {
        "deploy/Dockerfile": V1,
        "services/api/Dockerfile.gpu": V1,
        "node_modules/some-lib/Dockerfile": V1,
        "web/node_modules/@scope/pkg/docker/Dockerfile": V1,
        "build/Dockerfile": V1,
        "dist/Dockerfile": V1,
        "__pycache__/Dockerfile": V1,
        ".tox/py311/Dockerfile": V1,
        ".git/hooks/Dockerfile": V1,
        "ignored/Dockerfile": V1,
        ".gitignore": "ignored/\n",
    })
    _venv(root / ".venv")
    _venv(root / "tools-env")
    return root


def test_default_excludes_leave_out_environments_dependencies_and_build_output(project, tmp_path):
    import shutil

    work = tmp_path / "p"
    shutil.copytree(project, work, symlinks=True)
    p = run_cli("migrate", "--check", "--format", "json", ".", cwd=work)
    report = _report(p)
    assert [f["path"] for f in report["files"]] == ["deploy/Dockerfile", "services/api/Dockerfile.gpu"]
    # the interpreter symlinks of both environments leave the tree: not one warning
    assert p.stderr.decode().splitlines() == [p.stderr.decode().splitlines()[-1]]
    assert p.stderr.decode().startswith("3 files scanned, 2 with V1, 2 would change, 0 failed;")  # and .gitignore
    # in place: only those two are written
    p = run_cli("migrate", ".", cwd=work)
    assert p.returncode == 0, p.stderr
    assert (work / "deploy/Dockerfile").read_bytes() == V2
    for rel in ("node_modules/some-lib/Dockerfile", "web/node_modules/@scope/pkg/docker/Dockerfile",
                "build/Dockerfile", "dist/Dockerfile", "__pycache__/Dockerfile", ".tox/py311/Dockerfile",
                ".git/hooks/Dockerfile", "ignored/Dockerfile"):
        assert (work / rel).read_bytes() == V1, rel
    for env in (".venv", "tools-env"):
        assert next((work / env / "lib").glob("python3*/site-packages/somepkg/Dockerfile")).read_bytes() == V1


def test_a_named_path_is_processed_even_when_excluded(project):
    p = run_cli("migrate", "--check", "--format", "json", "build", "node_modules/some-lib/Dockerfile", cwd=project)
    assert [f["path"] for f in _report(p)["files"]] == ["build/Dockerfile", "node_modules/some-lib/Dockerfile"]
    # a named folder is walked; the defaults apply below it
    p = run_cli("migrate", "--check", "--format", "json", "web", cwd=project)
    assert _report(p)["files"] == []


def test_exclude_replaces_the_default_list_and_extend_exclude_adds_to_it(project):
    p = run_cli("migrate", "--check", "--format", "json", "--exclude", "services/,.venv/,tools-env/", ".",
                cwd=project)
    assert [f["path"] for f in _report(p)["files"]] == [
        ".tox/py311/Dockerfile", "__pycache__/Dockerfile", "build/Dockerfile", "deploy/Dockerfile", "dist/Dockerfile",
        "node_modules/some-lib/Dockerfile", "web/node_modules/@scope/pkg/docker/Dockerfile"]
    # .git is never entered and .gitignore still counts
    p = run_cli("migrate", "--check", "--format", "json", "--extend-exclude", "services", ".", cwd=project)
    assert [f["path"] for f in _report(p)["files"]] == ["deploy/Dockerfile"]


def test_show_files_lists_what_a_run_reads(project):
    p = run_cli("migrate", "--show-files", ".", cwd=project)
    assert p.returncode == 0 and p.stderr == b""
    assert p.stdout.decode().splitlines() == [
        ".gitignore\ttext", "deploy/Dockerfile\tdockerfile", "services/api/Dockerfile.gpu\tdockerfile"]


# --- 2. configuration per file ----------------------------------------------------------------

@pytest.fixture
def outer(tmp_path):
    """outer/proj is a project with a pyproject.toml; outer/proj/sub a sub-project with a
    configuration of its own; nothing in outer itself."""
    _tree(tmp_path, {
        "proj/pyproject.toml": ('[tool.triton-docker-migrate]\ntarget-version = "22.07"\nexclude = ["generated/"]\n'
                                '[tool.triton-docker-migrate.per-file-ignores]\n"deploy/*" = ["TDM3"]\n'),
        "proj/deploy/Dockerfile": V1,
        "proj/deploy/generated/Dockerfile": V1,
        "proj/other/Dockerfile": V1,
        "proj/other/build/Dockerfile": V1,
        "proj/sub/.triton-docker-migrate.toml": 'target-version = "20.07"\nignore = ["TDM2"]\n',
        "proj/sub/Dockerfile": V1,
        "proj/sub/generated/Dockerfile": V1,
    })
    return tmp_path


def _findings(report: dict, cwd: pathlib.Path) -> list[tuple]:
    """Findings with absolute paths: comparable between runs from different folders. The run-level
    findings (the rollout of the run: which files it moves) are the run's, not a file's: left out."""
    from triton_docker_migrate.rules.registry import REGISTRY

    return sorted((os.path.normpath(cwd / f["path"]), f["line"], f["column"], f["rule"], f["severity"], f["message"])
                  for f in report["findings"] if not REGISTRY[f["rule"]].run_level)


def test_configuration_applies_per_file_whatever_the_current_directory(outer):
    proj = outer / "proj"
    from_root = _report(run_cli("migrate", "--check", "--format", "json", ".", cwd=proj))
    all_findings = _findings(from_root, proj)
    # proj's exclude replaces the default list for proj's files (other/build is walked); sub has a
    # configuration of its own, without exclude: the defaults, and not proj's generated/
    assert [f["path"] for f in from_root["files"]] == [
        "deploy/Dockerfile", "other/Dockerfile", "other/build/Dockerfile", "sub/Dockerfile", "sub/generated/Dockerfile"]
    by_file: dict[str, set] = {}
    for path, _, _, rule, _, message in all_findings:
        by_file.setdefault(os.path.relpath(path, proj), set()).add(rule)
        if rule == "TDM101":  # each file migrated for the target of its own configuration
            want = "20.07" if "/sub/" in path else "22.07"
            assert message.endswith(f"-> tritonserver:{want}-py3"), (path, message)
    assert not any(r.startswith("TDM3") for r in by_file["deploy/Dockerfile"])  # per-file-ignores, proj-relative
    assert any(r.startswith("TDM3") for r in by_file["other/Dockerfile"])
    assert "TDM202" not in by_file["sub/Dockerfile"] and "TDM202" in by_file["other/Dockerfile"]

    def part(folder: str) -> list[tuple]:
        return [f for f in all_findings if f[0].startswith(str(proj / folder) + os.sep)]

    # from inside deploy: the same per-file-ignores (relative to proj, not to the current directory)
    inside = _report(run_cli("migrate", "--check", "--format", "json", ".", cwd=proj / "deploy"))
    assert _findings(inside, proj / "deploy") == part("deploy")
    assert inside["target"] == "22.07"
    # absolute paths, from elsewhere
    absolute = _report(run_cli("migrate", "--check", "--format", "json", str(proj), cwd=outer))
    assert _findings(absolute, outer) == all_findings
    # a sub-project named from outside the project: its own configuration
    sub = _report(run_cli("migrate", "--check", "--format", "json", "proj/sub", cwd=outer))
    assert _findings(sub, outer) == part("sub")
    assert sub["target"] == "20.07"
    assert [f["path"] for f in sub["files"]] == ["proj/sub/Dockerfile", "proj/sub/generated/Dockerfile"]
    # the other files of the project, from outside: the project's configuration
    other = _report(run_cli("migrate", "--check", "--format", "json", "proj/other", "proj/deploy", cwd=outer))
    assert _findings(other, outer) == sorted(part("deploy") + part("other"))
    assert other["target"] == "22.07"


def test_show_settings_says_which_configuration_applies(outer):
    p = run_cli("migrate", "--show-settings", "proj/deploy/Dockerfile", cwd=outer)
    assert p.returncode == 0 and p.stderr == b""
    assert p.stdout.decode() == (
        "# settings for proj/deploy/Dockerfile (dockerfile)\n"
        f"# from {outer / 'proj' / 'pyproject.toml'}\n"
        'target-version = "22.07"\n'
        "select = []\n"
        "ignore = []\n"
        'exclude = ["generated/"]\n'
        "extend-exclude = []\n"
        "failure-threshold = (none)\n"
        'per-file-ignores = {"deploy/*" = ["TDM3"]}\n'
        '# per-file-ignores for this file: ["TDM3"]\n'
        "severity = {}\n"
        'side-by-side-suffix = "-v2"\n'
        "side-by-side-port-offset = 100\n")
    p = run_cli("migrate", "--show-settings", "--format", "json", "--target-version", "23.05", "--fail-on-review",
                "Dockerfile", cwd=outer / "proj" / "sub")
    s = json.loads(p.stdout)
    assert (s["configuration"], s["target-version"], s["ignore"], s["failure-threshold"], s["exclude"][:3]) == (
        str(outer / "proj" / "sub" / ".triton-docker-migrate.toml"), "23.05", ["TDM2"], "warning",
        [".git/", ".hg/", ".svn/"])


def test_config_flag_applies_to_every_file(outer, tmp_path_factory):
    ci = tmp_path_factory.mktemp("ci") / "ci.toml"
    ci.write_text('target-version = "23.05"\n')
    r = _report(run_cli("migrate", "--check", "--format", "json", "--config", str(ci), "proj", cwd=outer))
    assert r["target"] == "23.05"
    assert {f["message"].rsplit(" ", 1)[-1] for f in r["findings"] if f["rule"] == "TDM101"} == {
        "tritonserver:23.05-py3"}
    # the default excludes apply (the configuration has none): proj/other/build is left out
    assert [f["path"] for f in r["files"]] == [
        "proj/deploy/Dockerfile", "proj/deploy/generated/Dockerfile", "proj/other/Dockerfile",
        "proj/sub/Dockerfile", "proj/sub/generated/Dockerfile"]


def test_per_file_configuration_with_worker_processes(tmp_path):
    """80 files, so that the run hands folders to worker processes: each still gets its own
    configuration, and a bad one found by a worker stops the run with nothing written."""
    files = {f"a/s{i:02d}/Dockerfile": V1 for i in range(40)}
    files.update({f"b/s{i:02d}/Dockerfile": V1 for i in range(40)})
    files["b/.triton-docker-migrate.toml"] = 'target-version = "20.07"\n'
    files["a/s07/pyproject.toml"] = '[tool.triton-docker-migrate]\nignore = ["TDM1"]\n'
    _tree(tmp_path, files)
    serial = _report(run_cli("migrate", "--check", "--format", "json", "--jobs", "1", ".", cwd=tmp_path))
    pooled = _report(run_cli("migrate", "--check", "--format", "json", "--jobs", "2", ".", cwd=tmp_path))
    assert pooled == serial
    images = {f["path"]: f["message"].rsplit(" ", 1)[-1] for f in serial["findings"] if f["rule"] == "TDM101"}
    assert len(images) == 79 and "a/s07/Dockerfile" not in images
    assert {v for k, v in images.items() if k.startswith("a/")} == {"tritonserver:24.10-py3"}
    assert {v for k, v in images.items() if k.startswith("b/")} == {"tritonserver:20.07-py3"}
    # a configuration deep in the tree that cannot be used: one error line, exit 2, nothing written
    (tmp_path / "b" / "s33" / ".triton-docker-migrate.toml").write_text("target-version = 20.07\n")
    for jobs in ("1", "2"):
        p = run_cli("migrate", "--jobs", jobs, ".", cwd=tmp_path)
        assert p.returncode == 2
        assert p.stdout == b""
        assert p.stderr.decode().splitlines() == [
            f"{tmp_path / 'b' / 's33' / '.triton-docker-migrate.toml'}: error: target-version must be a string "
            'such as "24.10"']
        assert all(f.read_bytes() == V1 for f in tmp_path.rglob("Dockerfile"))


def test_a_broken_pyproject_of_another_project_is_not_an_error(tmp_path):
    _tree(tmp_path, {"Dockerfile": V1, "vendor/thing/pyproject.toml": "[project\nname = 'x'\n",
                     "vendor/thing/Dockerfile": V1})
    p = run_cli("migrate", "--check", "--format", "json", ".", cwd=tmp_path)
    assert p.returncode == 1
    assert [f["path"] for f in json.loads(p.stdout)["files"]] == ["Dockerfile", "vendor/thing/Dockerfile"]
    # one that names the tool is its configuration: an error
    (tmp_path / "vendor/thing/pyproject.toml").write_text("[tool.triton-docker-migrate\nignore = []\n")
    p = run_cli("migrate", "--check", ".", cwd=tmp_path)
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.decode().startswith(f"{tmp_path / 'vendor/thing/pyproject.toml'}: error: not valid TOML: ")


def test_own_file_wins_over_pyproject_in_one_folder(tmp_path):
    from triton_docker_migrate.config import find_config

    _tree(tmp_path, {"pyproject.toml": '[tool.triton-docker-migrate]\ntarget-version = "22.07"\n',
                     ".triton-docker-migrate.toml": 'target-version = "23.05"\n', "Dockerfile": V1})
    assert find_config(str(tmp_path)) == str(tmp_path / ".triton-docker-migrate.toml")
    assert _report(run_cli("migrate", "--check", "--format", "json", ".", cwd=tmp_path))["target"] == "23.05"
