"""The command line: exit codes of every mode, stdout/stderr separation, lazy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import cli

V1 = textwrap.dedent("""\
    FROM nvcr.io/nvidia/tensorrtserver:20.02-py3
    CMD ["trtserver", "--model-store=/models"]
    """)
V2 = "FROM nvcr.io/nvidia/tritonserver:24.10-py3\n"
WARNING = "FROM nvcr.io/nvidia/tensorrtserver:latest\n"  # TDM104: no fix, a person must choose


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_migrate_without_path_is_a_usage_error(tree, capsys):
    code, out, err = cli(capsys, "migrate")
    assert code == 2
    assert out == ""
    assert err == "triton-docker-migrate: error: migrate needs at least one PATH (nothing is rewritten by accident)\n"


def test_no_command_is_a_usage_error(tree, capsys):
    code, out, err = cli(capsys)
    assert code == 2 and out == "" and "migrate" in err


@pytest.mark.parametrize("args, message", [
    (["--format", "xml", "."], "--format must be one of text, json, sarif, github, markdown"),
    (["--target-version", "19.10", "."], "--target-version: target 19.10 is not a V2 release"),
    (["--target-version", "24", "."], "--target-version: not a release: '24'"),
    (["--target-version", "21.01", "."], "--target-version: there was no release 21.01 (after 20.12 came 21.02)"),
    (["--select", "E501", "."], "--select: 'E501' is not a rule id or prefix"),
    (["--jobs", "-1", "."], "--jobs must be 0 (automatic) or more"),
])
def test_bad_flags_exit_2(tree, capsys, args, message):
    (tree / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", *args)
    assert code == 2
    assert out == ""
    assert err.startswith(f"triton-docker-migrate: error: {message}")
    assert (tree / "Dockerfile").read_text() == V1


def test_in_place_writes_and_exits_0(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", ".")
    assert code == 0
    assert (tree / "Dockerfile").read_text() == (
        "FROM nvcr.io/nvidia/tritonserver:24.10-py3\n"
        'CMD ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"]\n')
    assert "Dockerfile:1:6: TDM101 info:" in out
    assert err.startswith("1 file scanned, 1 with V1, 1 changed, 0 failed; findings: 0 errors, 0 warnings, 7 info (")


def test_check_exits_1_and_writes_nothing(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", "--check", ".")
    assert code == 1
    assert (tree / "Dockerfile").read_text() == V1
    assert "1 would change" in err


def test_diff_exits_1_prints_the_diff_and_writes_nothing(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", "--diff", "Dockerfile")
    assert code == 1
    assert out.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,2 @@\n"
                          "-FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n")
    assert (tree / "Dockerfile").read_text() == V1


def test_diff_check_together(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", "--diff", "--check", "--format", "json", ".")
    assert code == 1
    report = json.loads(out)
    assert report["files"][0]["diff"].startswith("--- a/Dockerfile\n")
    assert (tree / "Dockerfile").read_text() == V1


@pytest.mark.parametrize("mode", [[], ["--check"], ["--diff"], ["--diff", "--check"]])
def test_nothing_to_do_exits_0(tree, capsys, mode):
    (tree / "Dockerfile").write_text(V2)
    (tree / "notes.txt").write_text("nothing here\n")
    code, out, err = cli(capsys, "migrate", *mode, ".")
    assert code == 0
    assert out == ""
    assert err.startswith("2 files scanned, 0 with V1, 0 ")


def test_exit_zero_turns_1_into_0(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    code, _, _ = cli(capsys, "migrate", "--check", "--exit-zero", ".")
    assert code == 0


def test_exit_zero_never_turns_2_into_0(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", "--check", "--exit-zero", ".", "missing.yaml")
    assert code == 2
    assert "missing.yaml: error: no such file or directory\n" in err


def test_fail_on_review(tree, capsys):
    (tree / "Dockerfile").write_text(WARNING)
    code, _, _ = cli(capsys, "migrate", ".")
    assert code == 0
    code, _, _ = cli(capsys, "migrate", "--fail-on-review", ".")
    assert code == 1
    assert (tree / "Dockerfile").read_text() == WARNING
    code, _, _ = cli(capsys, "migrate", "--fail-on-review", "--exit-zero", ".")
    assert code == 0


def test_unprocessable_file_exits_2_and_the_others_are_migrated(tree, capsys):
    (tree / "a").mkdir()
    (tree / "a" / "Dockerfile").write_bytes(b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nRUN echo \xff\n")
    (tree / "b").mkdir()
    (tree / "b" / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", "--format", "json", ".")
    assert code == 2
    assert "a/Dockerfile:2: error: invalid UTF-8 (byte 54)\n" in err
    report = json.loads(out)
    assert [(f["path"], f["changed"], f["error"]) for f in report["files"]] == [
        ("a/Dockerfile", False, "invalid UTF-8 (byte 54)"), ("b/Dockerfile", True, None)]
    assert (tree / "b" / "Dockerfile").read_text().startswith("FROM nvcr.io/nvidia/tritonserver:24.10-py3\n")
    assert (tree / "a" / "Dockerfile").read_bytes().startswith(b"FROM nvcr.io/nvidia/tensorrtserver")


def test_stdout_carries_only_the_format(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".", "gone")
    assert code == 2
    json.loads(out)  # nothing else on stdout
    assert "gone: error: no such file or directory" in err


def test_quiet_drops_the_summary_line_never_the_report(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    code, loud, loud_err = cli(capsys, "migrate", "--check", ".")
    assert code == 1 and loud_err.count("\n") == 1 and " 1 with V1, 1 would change, 0 failed" in loud_err
    code, out, err = cli(capsys, "migrate", "--check", "--quiet", ".")
    assert code == 1 and out == loud and err == ""
    assert out.startswith("Dockerfile:1:6: TDM101 info: ")
    code, out, err = cli(capsys, "migrate", "--check", "--quiet", ".", "gone")
    assert code == 2 and err == "gone: error: no such file or directory\n"
    assert out == loud + "gone: TDM001 error: no such file or directory\n"


def test_version_rules_explain(tree, capsys):
    from triton_docker_migrate import __version__

    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out == f"triton-docker-migrate {__version__}\n"
    code, out, _ = cli(capsys, "rules")
    assert code == 0 and out.splitlines()[0].startswith("TDM001  unprocessable-file")
    code, out, _ = cli(capsys, "explain", "tdm002")
    assert code == 0 and out.startswith("TDM002 (unused-suppression) - tool\n")
    code, out, err = cli(capsys, "explain", "TDM999")
    assert code == 2 and err.startswith("triton-docker-migrate: error: unknown rule 'TDM999'")


def test_help_imports_nothing_heavy():
    """`--help` and the import of the CLI must not pull in the parsers, YAML, rich or pathspec."""
    code = ("import sys, contextlib, io\n"
            "from triton_docker_migrate.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
            "heavy = [m for m in ('typer', 'click', 'pydantic', 'rich', 'yaml', 'ruamel', 'dockerfile', 'pathspec',\n"
            "         'multiprocessing', 'triton_docker_migrate.runner', 'triton_docker_migrate.rules.engine')\n"
            "         if m in sys.modules]\n"
            "print(heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "[]\n"


def test_module_entry_point(tmp_path):
    (tmp_path / "Dockerfile").write_text(V1)
    p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", "--check", "--format", "json", "."],
                       cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert p.returncode == 1
    assert json.loads(p.stdout)["summary"]["files_changed"] == 1
    assert "\x1b" not in p.stderr


def test_pre_commit_hooks(tree, capsys):
    """Both hooks run as pre-commit runs them: the entry plus the staged file names."""
    import pathlib
    import shlex

    from ruamel.yaml import YAML

    hooks = YAML(typ="safe").load(pathlib.Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml")
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"triton-docker-migrate-check", "triton-docker-migrate"}
    for h in hooks:
        assert h["language"] == "python" and h["types"] == ["text"]
    (tree / "Dockerfile").write_text(V1)
    (tree / "README.md").write_text("hello\n")
    check = shlex.split(by_id["triton-docker-migrate-check"]["entry"])
    assert check[0] == "triton-docker-migrate"
    code, out, err = cli(capsys, *check[1:], "Dockerfile", "README.md")
    assert code == 1 and (tree / "Dockerfile").read_text() == V1
    fix = shlex.split(by_id["triton-docker-migrate"]["entry"])
    code, out, err = cli(capsys, *fix[1:], "Dockerfile", "README.md")
    assert code == 0 and (tree / "Dockerfile").read_text() != V1
    code, out, err = cli(capsys, *check[1:], "Dockerfile", "README.md")
    assert code == 0
