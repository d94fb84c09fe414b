"""SARIF (schema-valid, code points, rules, fixes), GitHub annotations, statistics, summary line,
progress bar rules."""

from __future__ import annotations

import io
import json
import os

import jsonschema
import pytest

from triton_docker_migrate.report import progress
from triton_docker_migrate.rules.registry import all_rules
from triton_docker_migrate.settings import Settings

from conftest import cli, shared_dir

DOCKERFILE = ("# \u00e9t\u00e9 \u2014 caf\u00e9\n"
              "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
              'CMD ["trtserver", "--model-store=/models"]\n')


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "svc" / "bad.Dockerfile").write_bytes(b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n\xff\n")
    (tmp_path / "svc" / "img.Dockerfile").write_text("FROM nvcr.io/nvidia/tensorrtserver:latest\n")
    return tmp_path


def sarif_schema():
    return json.loads((shared_dir() / "schema" / "sarif-2.1.0.json").read_text())


def test_sarif_is_valid_and_carries_rules_positions_and_fixes(tree, capsys):
    code, out, err = cli(capsys, "migrate", "--check", "--format", "sarif", ".")
    assert code == 2
    log = json.loads(out)
    jsonschema.Draft202012Validator(sarif_schema()).validate(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["columnKind"] == "unicodeCodePoints"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.id for r in all_rules()]
    by_rule = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"]): r
               for r in run["results"]}
    img = by_rule[("svc/Dockerfile", "TDM101")]
    assert img["level"] == "note"
    assert img["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2, "startColumn": 6, "endLine": 2, "endColumn": 45}
    assert run["tool"]["driver"]["rules"][img["ruleIndex"]]["id"] == "TDM101"
    change = {"artifactLocation": {"uri": "svc/Dockerfile", "uriBaseId": "%SRCROOT%"},
              "replacements": [{"deletedRegion": {"startLine": 2, "startColumn": 6, "endLine": 2, "endColumn": 45},
                                "insertedContent": {"text": "nvcr.io/nvidia/tritonserver:24.10-py3"}}]}
    assert img["fixes"] == [{"description": img["fixes"][0]["description"], "artifactChanges": [change]}]
    # an insertion is an empty deleted region
    poll = by_rule[("svc/Dockerfile", "TDM310")]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert poll["deletedRegion"]["startColumn"] == poll["deletedRegion"]["endColumn"]
    warn = by_rule[("svc/img.Dockerfile", "TDM104")]
    assert warn["level"] == "warning" and "fixes" not in warn and warn["properties"]["suggestion"]
    failed = by_rule[("svc/bad.Dockerfile", "TDM001")]
    assert failed["level"] == "error" and failed["message"]["text"] == "invalid UTF-8 (byte 45)"
    assert failed["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}


def test_sarif_after_writing_has_no_fixes(tree, capsys):
    (tree / "svc" / "bad.Dockerfile").unlink()
    code, out, err = cli(capsys, "migrate", "--format", "sarif", str(tree / "svc"))
    assert code == 0
    log = json.loads(out)
    jsonschema.Draft202012Validator(sarif_schema()).validate(log)
    results = log["runs"][0]["results"]
    assert results and not any("fixes" in r for r in results)
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "file://" + str(tree / "svc" / "Dockerfile")}


def test_github_annotations(tree, capsys):
    (tree / "svc" / "bad.Dockerfile").unlink()
    (tree / "svc" / "a,b:c.sh").write_text("#!/bin/sh\ndocker pull nvcr.io/nvidia/tensorrtserver:latest\n")
    code, out, err = cli(capsys, "migrate", "--check", "--format", "github", ".")
    assert code == 1
    lines = out.splitlines()
    assert "::warning file=svc/a%2Cb%3Ac.sh,line=2,col=13,endLine=2,endColumn=49,title=TDM104::" \
           "nvcr.io/nvidia/tensorrtserver:latest: tag 'latest' is not a release tag; the V2 image is " \
           "tritonserver:24.10-py3 (or a variant such as -py3-sdk, -py3-min) " \
           "(suggestion: nvcr.io/nvidia/tritonserver:24.10-py3)" in lines
    assert "::notice file=svc/Dockerfile,line=2,col=6,endLine=2,endColumn=45,title=TDM101::" \
           "V1 server image tensorrtserver:20.02-py3 -> tritonserver:24.10-py3 [fixable]" in lines
    assert all(line.startswith(("::notice ", "::warning ", "::error ")) for line in lines)


def test_github_errors_and_escapes(tree, capsys):
    code, out, err = cli(capsys, "migrate", "--check", "--format", "github", "svc/bad.Dockerfile")
    assert code == 2
    assert out == "::error file=svc/bad.Dockerfile,line=2,title=TDM001::invalid UTF-8 (byte 45)\n"
    from triton_docker_migrate.report.github import _data, _prop

    assert _data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert _prop("a,b:c%") == "a%2Cb%3Ac%25"


def test_statistics(tree, capsys):
    (tree / "svc" / "bad.Dockerfile").unlink()
    code, out, err = cli(capsys, "migrate", "--check", "--statistics", "--format", "json", ".")
    assert json.loads(out)["summary"]["rules"] == {
        "TDM101": 1, "TDM104": 1, "TDM202": 1, "TDM301": 1, "TDM310": 1, "TDM314": 1, "TDM604": 1, "TDM709": 1}
    code, findings, _ = cli(capsys, "migrate", "--check", "--quiet", ".")
    assert findings.startswith("svc/Dockerfile:2:6: TDM101 info: ")  # --quiet keeps the report
    code, out, err = cli(capsys, "migrate", "--check", "--statistics", "--quiet", ".")
    # ruff's table: count, id, [*] when every finding of the rule is fixable, name; by count, then id
    assert out == findings + (
        "1\tTDM101\t[*] v1-server-image\n"
        "1\tTDM104\t[ ] v1-image-unknown-tag\n"
        "1\tTDM202\t[*] v1-binary\n"
        "1\tTDM301\t[*] model-store-option\n"
        "1\tTDM310\t[*] model-control-default\n"
        "1\tTDM314\t[*] strict-model-config-default\n"
        "1\tTDM604\t[ ] rollout-order\n"
        "1\tTDM709\t[ ] host-driver\n")
    assert err == ""
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    assert "rules" not in json.loads(out)["summary"]


def test_summary_line(tree, capsys):
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    last = err.splitlines()[-1]
    # bad.Dockerfile could not be decoded and holds a V1 image: a file with V1 all the same
    assert last.startswith("3 files scanned, 3 with V1, 1 would change, 1 failed; "
                           "findings: 1 error, 1 warning, 7 info (")  # 2: the run-level notes (TDM604, TDM709)
    assert last.endswith("s)")
    assert "\x1b" not in err
    code, out, err = cli(capsys, "migrate", "--format", "json", "svc/Dockerfile")
    assert err.splitlines()[-1].startswith("1 file scanned, 1 with V1, 1 changed, 0 failed;")


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_progress_only_for_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert progress.wanted(Settings(), _Stream(True)) is True
    assert progress.wanted(Settings(), _Stream(False)) is False
    assert progress.wanted(Settings(quiet=True), _Stream(True)) is False
    monkeypatch.setenv("NO_COLOR", "")
    assert progress.wanted(Settings(), _Stream(True)) is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert progress.wanted(Settings(), _Stream(True)) is False


def test_progress_bar_draws_on_a_terminal_and_clears(monkeypatch):
    """The bar itself, on a pseudo-terminal: drawn while files are scanned, gone afterwards."""
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    code = ("from triton_docker_migrate.report import progress\n"
            "from triton_docker_migrate.settings import Settings\n"
            "import time\n"
            "bar = progress.start(Settings())\n"
            "assert bar is not None\n"
            "for i in range(0, 2000, 64):\n"
            "    bar.update(i, f'dir/file{i}.py')\n"
            "    time.sleep(0.002)\n"
            "time.sleep(0.3)\n"
            "bar.stop()\n")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm"
    p = subprocess.run([sys.executable, "-c", code], stderr=slave, stdout=subprocess.PIPE, env=env, timeout=60)
    os.close(slave)
    data = b""
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    os.close(master)
    assert p.returncode == 0
    assert b"files scanned" in data
