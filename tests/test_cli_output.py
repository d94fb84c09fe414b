"""What the command line prints: stdout holds exactly the chosen format for every combination of
flags (or the combination is a usage error), the wording of counts and tags, the text report on a
terminal and piped, ruff's statistics table, a command's own usage, a closed pipe."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import cli
from strategies import run_cli

V1 = 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
TAGGED = "FROM nvcr.io/nvidia/tensorrtserver:latest\n"  # TDM104: a warning, no fix
FORMATS = ("text", "json", "sarif", "github", "markdown")
MODES = ((), ("--check",), ("--diff",), ("--diff", "--check"))
#: (format, flag) pairs that cannot be honoured, and the reason the usage error gives
UNHONOURED = {
    ("sarif", "--diff"): "--diff cannot be honoured with --format sarif: SARIF has no place for a unified diff "
                         "(with --check, each fix is in the log's `fixes`)",
    ("github", "--diff"): "--diff cannot be honoured with --format github: workflow commands have no place for a "
                          "unified diff",
    ("github", "--statistics"): "--statistics cannot be honoured with --format github: workflow commands have no "
                                "place for a table",
    ("markdown", "--statistics"): "--statistics cannot be honoured with --format markdown: the pull-request body "
                                  "has no statistics table",
}
FINDING = re.compile(r"^[^\s:][^:]*:\d+(?::\d+)?: TDM\d{3} (?:info|warning|error): .+$")


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text(V1)
    (tmp_path / "img.Dockerfile").write_text(TAGGED)
    return tmp_path


def _check_format(fmt: str, out: str, diff: bool, statistics: bool) -> None:
    """``out`` is exactly one document of ``fmt`` and nothing else."""
    if fmt == "text":
        lines = out.splitlines()
        if diff:
            assert lines[0] == "--- a/Dockerfile"
            lines = lines[lines.index("+CMD [\"tritonserver\", \"--model-repository=/models\", "
                                      "\"--model-control-mode=poll\", \"--disable-auto-complete-config\"]") + 1:]
        stats = [ln for ln in lines if re.fullmatch(r"\d+\tTDM\d{3}\t\[[ *]\] [\w-]+", ln)]
        assert [ln for ln in lines if ln not in stats and not FINDING.match(ln)] == []
        assert bool(stats) == statistics and len(lines) - len(stats) == 8
    elif fmt in ("json", "sarif"):
        doc = json.loads(out)
        if fmt == "sarif":
            assert doc["version"] == "2.1.0" and len(doc["runs"][0]["results"]) == 8
            assert ("rules" in doc["runs"][0]["properties"]["summary"]) == statistics
        else:
            assert len(doc["findings"]) == 8 and ("rules" in doc["summary"]) == statistics
            assert all(("diff" in f) == diff for f in doc["files"])
    elif fmt == "github":
        lines = out.splitlines()
        assert len(lines) == 8 and all(re.match(r"^::(notice|warning|error) file=", ln) for ln in lines)
    else:
        from markdown_it import MarkdownIt

        assert out.startswith("## Triton V1 → V2 migration\n")
        tokens = MarkdownIt("commonmark").enable("table").parse(out)
        assert [t.content for t in tokens if t.type == "inline" and t.content.startswith(("Changed", "Files that"))]


@pytest.mark.parametrize("fmt,mode,statistics,quiet", list(itertools.product(
    FORMATS, MODES, (False, True), (False, True))))
def test_stdout_holds_exactly_the_chosen_format(tree, capsys, fmt, mode, statistics, quiet):
    args = ["migrate", *mode, "--format", fmt] + (["--statistics"] if statistics else []) + (["-q"] if quiet else [])
    code, out, err = cli(capsys, *args, ".")
    wrong = [UNHONOURED[(fmt, flag)] for flag in (*mode, "--statistics" if statistics else "")
             if (fmt, flag) in UNHONOURED]
    if wrong:
        assert (code, out) == (2, "")
        assert err == f"triton-docker-migrate: error: {wrong[0]}\n"
        assert (tree / "Dockerfile").read_text() == V1
        return
    assert code == (1 if mode else 0)
    _check_format(fmt, out, "--diff" in mode, statistics)
    assert err == "" if quiet else re.fullmatch(r"2 files scanned, 2 with V1, 1 (changed|would change), 0 failed; "
                                                r"findings: 0 errors, 1 warning, 7 info \(\d+\.\d\ds\)\n", err)


@pytest.mark.parametrize("show", ["--show-files", "--show-settings"])
@pytest.mark.parametrize("extra,message", [
    (["--diff"], "{show} processes no file: --diff cannot be honoured with it"),
    (["--check"], "{show} processes no file: --check cannot be honoured with it"),
    (["--statistics"], "{show} processes no file: --statistics cannot be honoured with it"),
    (["--format", "sarif"], "{show} prints text or json, not sarif"),
    (["--format", "markdown"], "{show} prints text or json, not markdown"),
    (["--format", "github"], "{show} prints text or json, not github"),
    (["--show-files", "--show-settings"], "--show-files and --show-settings are separate questions: ask one"),
])
def test_show_flags_refuse_what_they_cannot_honour(tree, capsys, show, extra, message):
    code, out, err = cli(capsys, "migrate", show, *extra, "Dockerfile")
    assert (code, out) == (2, "")
    assert err == f"triton-docker-migrate: error: {message.format(show=show)}\n"


@pytest.mark.parametrize("args,message", [
    (["-", "Dockerfile"], "'-' (standard input) is the only PATH of its run"),
    (["--stdin-filename", "Dockerfile", "Dockerfile"],
     "--stdin-filename names the standard input: give PATH '-' alone (or no PATH)"),
    (["--show-files", "-"], "--show-files processes no file: standard input cannot be honoured with it"),
    (["--show-settings", "Dockerfile", "img.Dockerfile"],
     "--show-settings needs exactly one PATH (the file or folder whose settings to show)"),
    (["--failure-threshold", "info", "."], "--failure-threshold must be warning or error, not 'info'"),
    (["--failure-threshold", "error", "--fail-on-review", "."],
     "--fail-on-review is --failure-threshold warning; it contradicts --failure-threshold error"),
])
def test_other_combinations_that_cannot_be_honoured(tree, capsys, args, message):
    code, out, err = cli(capsys, "migrate", *args)
    assert (code, out, err) == (2, "", f"triton-docker-migrate: error: {message}\n")
    assert (tree / "Dockerfile").read_text() == V1


# --- wording ------------------------------------------------------------------------------------

def test_fixable_where_nothing_was_written_fixed_where_it_was(tree, capsys):
    for mode in (["--check"], ["--diff"]):
        _, out, _ = cli(capsys, "migrate", *mode, ".")
        assert "Dockerfile:1:6: TDM101 info: V1 server image tensorrtserver:20.02-py3 -> tritonserver:24.10-py3 " \
               "[fixable]\n" in out and "[fixed]" not in out
        _, out, _ = cli(capsys, "migrate", *mode, "--format", "github", ".") if mode == ["--check"] else (0, "", "")
        assert "[fixed]" not in out
    _, out, _ = cli(capsys, "migrate", "--check", "--format", "github", ".")
    assert "tritonserver:24.10-py3 [fixable]\n" in out
    _, out, _ = cli(capsys, "migrate", "--format", "github", ".")
    assert "tritonserver:24.10-py3 [fixed]\n" in out and "[fixable]" not in out


def test_counts_are_plural_correct(tree, capsys):
    _, _, err = cli(capsys, "migrate", "--check", "Dockerfile")
    assert err.startswith("1 file scanned, 1 with V1, 1 would change, 0 failed; findings: 0 errors, 0 warnings, "
                          "7 info (")
    _, _, err = cli(capsys, "migrate", "--check", "img.Dockerfile")
    assert err.startswith("1 file scanned, 1 with V1, 0 would change, 0 failed; findings: 0 errors, 1 warning, ")
    (tree / "bad.Dockerfile").write_bytes(b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n\xff\n")
    _, _, err = cli(capsys, "migrate", "--check", "bad.Dockerfile", "img.Dockerfile")
    assert err.splitlines()[-1].startswith("2 files scanned, 2 with V1, 0 would change, 1 failed; findings: 1 error, "
                                           "1 warning, 0 info (")


def test_help_offers_only_the_formats_that_render(capsys):
    from triton_docker_migrate import cli as cli_mod
    from triton_docker_migrate.batch.run import _renderer

    with pytest.raises(SystemExit):
        cli_mod.main(["migrate", "--help"])
    out = capsys.readouterr().out
    offered = re.search(r"--format FORMAT\s+(.*?)\(default text\)", out, re.S).group(1)
    offered = re.findall(r"\w+", offered.replace(" or ", " "))
    assert offered == list(cli_mod.FORMATS)
    assert all(_renderer(f) is not None for f in offered)


def test_an_unknown_flag_gets_the_usage_of_its_command(tree, capsys):
    code, out, err = cli(capsys, "migrate", "--frobnicate", ".")
    assert (code, out) == (2, "")
    assert err.startswith("usage: triton-docker-migrate migrate [-h] [--diff] [--check]")
    assert err.endswith("triton-docker-migrate migrate: error: unrecognized arguments: --frobnicate\n")
    code, out, err = cli(capsys, "rules", "--frobnicate")
    assert code == 2 and err.startswith("usage: triton-docker-migrate rules [-h]")
    assert (tree / "Dockerfile").read_text() == V1


@pytest.mark.parametrize("args", [["rules"], ["rules", "--format", "json"], ["explain", "TDM301"], ["--help"],
                                  ["migrate", "--check", "."], ["migrate", "--show-files", "."]])
def test_a_closed_pipe_ends_quietly(tmp_path, args):
    """`rules | head`: the reader is gone before the first byte; no traceback, no message."""
    (tmp_path / "Dockerfile").write_text(V1)
    r, w = os.pipe()
    os.close(r)
    try:
        p = subprocess.Popen([sys.executable, "-m", "triton_docker_migrate", *args], cwd=tmp_path, stdout=w,
                             stderr=subprocess.PIPE)
    finally:
        os.close(w)
    _, err = p.communicate(timeout=120)
    if args[0] == "migrate" and "--show-files" not in args:
        assert p.returncode == 1 and err.decode().startswith("1 file scanned, ")
    else:
        assert (p.returncode, err) == (0, b"")
    head = subprocess.run(f"{sys.executable} -m triton_docker_migrate rules | head -n 1", shell=True, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert head.stdout.startswith("TDM001  ") and head.stderr == ""


# --- statistics ---------------------------------------------------------------------------------

def test_statistics_count_id_name_fixable_by_count(tree, capsys):
    (tree / "b").mkdir()
    (tree / "b" / "Dockerfile").write_text(V1 + "COPY --from=nvcr.io/nvidia/tensorrtserver:latest\n")
    (tree / "c.Dockerfile").write_text(TAGGED)
    code, out, err = cli(capsys, "migrate", "--check", "--statistics", "--select", "TDM1,TDM2,TDM7", ".")
    table = [ln for ln in out.splitlines() if "\t" in ln]
    # most frequent first, then by id; [*]: every finding of the rule is fixable
    assert table == [
        "3\tTDM104\t[ ] v1-image-unknown-tag",
        "2\tTDM101\t[*] v1-server-image",
        "2\tTDM202\t[*] v1-binary",
        "1\tTDM709\t[ ] host-driver",  # once per run that moves servers
    ]


# --- the text report on a terminal -------------------------------------------------------------

def _on_a_terminal(args: list[str], cwd, env: dict) -> str:
    import pty

    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "triton_docker_migrate", *args], cwd=cwd, stdout=slave,
                         stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    assert p.wait(timeout=120) == 1
    return data.decode().replace("\r\n", "\n")


def _env(**over) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm", **over)
    return env


RICH = """\
Dockerfile:1:6: TDM101 info: V1 server image tensorrtserver:20.02-py3 -> tritonserver:24.10-py3 [fixable]
  |
1 | FROM nvcr.io/nvidia/tensorrtserver:20.02-py3
  |      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
  = fix: FROM nvcr.io/nvidia/tritonserver:24.10-py3

"""
RICH_TAGGED = """\
img.Dockerfile:1:6: TDM104 warning: nvcr.io/nvidia/tensorrtserver:latest: tag 'latest' is not a release tag; \
the V2 image is tritonserver:24.10-py3 (or a variant such as -py3-sdk, -py3-min)
  |
1 | FROM nvcr.io/nvidia/tensorrtserver:latest
  |      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
  = suggestion: nvcr.io/nvidia/tritonserver:24.10-py3

"""


def test_text_report_on_a_terminal_and_piped(tree):
    args = ["migrate", "--check", "--target-version", "24.10", "."]
    plain = _on_a_terminal(args, tree, _env(NO_COLOR="1"))
    assert "\x1b" not in plain
    assert plain.startswith(RICH)
    assert RICH_TAGGED in plain
    assert plain.endswith("Found 8 findings (5 fixable with 'triton-docker-migrate migrate --target-version 24.10 "
                          ".').\n")
    # a fix that adds an option: the preview is the line it makes
    assert "  = fix: CMD [\"trtserver\", \"--model-store=/models\", \"--model-control-mode=poll\"]\n" in plain
    coloured = _on_a_terminal(args, tree, _env())
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert "\x1b[1;36mTDM101\x1b[0m" in coloured and "\x1b[33;1m^^^^" in coloured  # info cyan, warning carets yellow
    # piped: one line per finding, exactly as in-process; FORCE_COLOR colours it, NO_COLOR wins
    piped = run_cli(*args, cwd=tree).stdout.decode()
    assert [ln for ln in piped.splitlines() if not FINDING.match(ln)] == [] and len(piped.splitlines()) == 8
    forced = subprocess.run([sys.executable, "-m", "triton_docker_migrate", *args], cwd=tree, capture_output=True,
                            env=_env(FORCE_COLOR="1"), text=True).stdout
    assert "\x1b[" in forced and re.sub(r"\x1b\[[0-9;]*m", "", forced) == piped
    both = subprocess.run([sys.executable, "-m", "triton_docker_migrate", *args], cwd=tree, capture_output=True,
                          env=_env(FORCE_COLOR="1", NO_COLOR="1"), text=True).stdout
    assert both == piped


def test_terminal_layout_escapes_and_aligns(tmp_path):
    """Tabs and wide characters before the span keep the caret under it; control characters in the
    source line are shown escaped; a fix in place writes: "fixed", and the closing line counts."""
    from triton_docker_migrate.report.stream import Terminal
    from triton_docker_migrate.report.text import render
    from triton_docker_migrate.pipeline import process_file
    from triton_docker_migrate.settings import Settings

    p = tmp_path / "run.sh"
    p.write_text("#!/bin/sh\n\t# 日本\necho 日本\tdocker run nvcr.io/nvidia/tensorrtserver:20.02-py3 # \x1b]0;t\x07\n")
    r = process_file(str(p), "run.sh", Settings(), explicit=True)
    out = render([r], Settings(), Terminal(rich=True, colour=False, command="x"))
    # "echo " 5 columns, 日本 4, the tab 4, "docker run " 11: the caret starts in column 25
    assert "3 | echo 日本    docker run nvcr.io/nvidia/tensorrtserver:20.02-py3 # \\x1b]0;t\\x07\n" \
           "  | " + " " * 24 + "^" * len("nvcr.io/nvidia/tensorrtserver:20.02-py3") + "\n" in out
    assert "\x1b" not in out
    assert len(r.findings) == 1 and out.endswith("Found 1 finding (1 fixed, 0 remaining).\n")
    quiet = render([r], Settings(quiet=True), Terminal(rich=True, colour=False, command="x"))
    assert quiet == out[:-len("Found 1 finding (1 fixed, 0 remaining).\n")]
