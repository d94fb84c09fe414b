"""``migrate -`` with ``--stdin-filename``: the text read from standard input, processed as the file it
names (kind, configuration) without reading or writing that file; the migrated text (or the diff)
on stdout byte for byte, the report on stderr, exit codes as for a file on disk."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

V1_CRLF = (b'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\r\n'
           b'# keep this comment\r\nCMD ["trtserver", "--model-store=/models"]\r\n')
COMPOSE = (b"services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
           b"    command: trtserver --model-store=/models\n")


def stdin_run(args: list[str], data: bytes, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", *args], input=data, cwd=cwd,
                          capture_output=True, timeout=120)


@pytest.fixture
def disk(tmp_path):
    """The same file on disk: what an in-place run makes of it is what stdin mode must print."""
    def migrated(name: str, data: bytes, *flags: str) -> bytes:
        d = tmp_path / "disk"
        shutil.rmtree(d, ignore_errors=True)
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
        p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", *flags, name], cwd=d,
                           capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return (d / name).read_bytes()
    return migrated


def test_fix_mode_prints_the_migrated_text_byte_for_byte(tmp_path, disk):
    (tmp_path / "Dockerfile").write_bytes(b"FROM busybox\n")  # the named file itself is never touched
    p = stdin_run(["-", "--stdin-filename", "Dockerfile"], V1_CRLF, tmp_path)
    assert p.returncode == 0
    assert p.stdout == disk("Dockerfile", V1_CRLF) != V1_CRLF
    assert b"\r\n" in p.stdout and b"# keep this comment\r\n" in p.stdout
    err = p.stderr.decode().splitlines()
    assert err[0] == "Dockerfile:1:6: TDM101 info: V1 server image tensorrtserver:20.02-py3 -> tritonserver:24.10-py3 " \
                     "[fixed]"
    assert err[-1].startswith("1 file scanned, 1 with V1, 1 changed, 0 failed; findings: 0 errors, 0 warnings, ")
    assert (tmp_path / "Dockerfile").read_bytes() == b"FROM busybox\n"


def test_the_name_decides_the_kind(tmp_path, disk):
    p = stdin_run(["--stdin-filename", "deploy/docker-compose.yml"], COMPOSE, tmp_path)  # no PATH: stdin, as ruff
    assert p.returncode == 0 and p.stdout == disk("deploy/docker-compose.yml", COMPOSE) != COMPOSE
    # the same text as a text file: reported, never changed
    p = stdin_run(["-", "--stdin-filename", "notes.txt"], COMPOSE, tmp_path)
    assert p.returncode == 0 and p.stdout == COMPOSE
    assert p.stderr.decode().startswith("notes.txt:3:12: TDM")
    # no name: the first bytes decide (a shell script by its #! line)
    script = b"#!/bin/sh\nexec trtserver --model-store=/models\n"
    p = stdin_run(["-"], script, tmp_path)
    assert p.returncode == 0 and p.stdout == b"#!/bin/sh\nexec tritonserver --model-repository=/models " \
                                              b"--model-control-mode=poll --disable-auto-complete-config\n"
    assert p.stderr.decode().startswith("-:2:6: TDM")
    # a Dockerfile by its first instruction (after comments and directives), a compose file by its
    # top-level services:, a manifest by apiVersion and kind: each migrated as the named file would be
    for name, text in (("Dockerfile", b"# syntax=docker/dockerfile:1\n\n" + V1_CRLF), ("docker-compose.yml", COMPOSE),
                       ("pod.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: t}\nspec:\n  containers:\n"
                                    b"    - name: t\n      image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                                    b"      args: [trtserver, --model-store=/models]\n")):
        p = stdin_run(["-"], text, tmp_path)
        assert p.returncode == 0 and p.stdout == disk(name, text) != text
    # prose stays text
    p = stdin_run(["-"], b"Run trtserver --model-store=/models on the host.\n", tmp_path)
    assert p.returncode == 0 and p.stdout == b"Run trtserver --model-store=/models on the host.\n"


#: text piped in without a name, as users paste it from a README or a host, and the name it would
#: have on disk: the first bytes alone must give the same migration as the named file
NAMELESS = (
    ("run.sh", b"trtserver --model-store=/models --http-port=8000\n"),
    ("run.sh", b"# start it\nexec /opt/tensorrtserver/bin/trtserver \\\n  --model-store=/models\n"),
    ("run.sh", b"docker run --rm nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/models\n"),
    ("triton.service", b"[Unit]\nDescription=Inference\n\n[Service]\n"
                       b"ExecStart=/opt/tensorrtserver/bin/trtserver --model-store=/models\n"),
    ("supervisor/triton.conf", b"[program:triton]\ncommand=trtserver --model-store=/models\n"),
    ("main.tf", b'resource "docker_container" "triton" {\n  image   = "nvcr.io/nvidia/tensorrtserver:20.02-py3"\n'
                b'  command = ["trtserver", "--model-store=/models"]\n}\n'),
    ("triton.nomad", b'job "triton" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n      config {\n'
                     b'        image = "nvcr.io/nvidia/tensorrtserver:20.02-py3"\n'
                     b'        args  = ["trtserver", "--model-store=/models"]\n      }\n    }\n  }\n}\n'),
    ("Makefile", b"MODELS ?= /models\n\nserve:\n\ttrtserver --model-store=$(MODELS)\n"),
    (".github/workflows/t.yml", b"on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                                b"      - run: trtserver --model-store=/models &\n"),
    ("client.py", b"from tensorrtserver.api import ServerHealthContext\n\nctx = ServerHealthContext('localhost:8000')\n"),
)


@pytest.mark.parametrize("name, text", NAMELESS, ids=[n for n, _ in NAMELESS])
def test_nameless_text_is_read_as_the_file_it_looks_like(tmp_path, disk, name, text):
    p = stdin_run(["-"], text, tmp_path)
    named = stdin_run(["-", "--stdin-filename", name], text, tmp_path)
    assert p.returncode == named.returncode == 0
    assert p.stdout == named.stdout == disk(name, text)
    # the same findings as the named text (their lines and columns), only the name differs
    assert p.stderr.decode().splitlines()[:-1] == [
        line.replace(name + ":", "-:", 1) for line in named.stderr.decode().splitlines()[:-1]]
    assert b"trtserver" not in p.stdout or name == "client.py"


@pytest.mark.parametrize("text", [b"Run trtserver --model-store=/models on the host.\n",
                                  b"trtserver is the V1 server; see below.\n",
                                  b"import the models first, then start trtserver --model-store=/m\n",
                                  b"from there import the files and run trtserver\n",
                                  b"Usage: trtserver --model-store=/models\n"])
def test_nameless_prose_stays_text(tmp_path, text):
    p = stdin_run(["-"], text, tmp_path)
    assert p.returncode == 0 and p.stdout == text


def test_check_and_diff(tmp_path):
    p = stdin_run(["--check", "-", "--stdin-filename", "svc/Dockerfile"], V1_CRLF, tmp_path)
    assert (p.returncode, p.stdout) == (1, b"")
    assert "svc/Dockerfile:1:6: TDM101 info: V1 server image tensorrtserver:20.02-py3 -> tritonserver:24.10-py3 " \
           "[fixable]\n" in p.stderr.decode()
    for flags in (["--diff"], ["--diff", "--check"]):
        p = stdin_run([*flags, "-", "--stdin-filename", "svc/Dockerfile"], V1_CRLF, tmp_path)
        assert p.returncode == 1
        assert p.stdout.startswith(b"--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n@@ -1,3 +1,3 @@\n"
                                   b"-FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\r\n")
        assert b"--- a/" not in p.stderr  # the diff once, on stdout
    # nothing to do: the input back, exit 0 in every mode
    v2 = b"FROM nvcr.io/nvidia/tritonserver:24.10-py3\n"
    for flags, out in (([], v2), (["--check"], b""), (["--diff"], b"")):
        p = stdin_run([*flags, "-", "--stdin-filename", "Dockerfile"], v2, tmp_path)
        assert (p.returncode, p.stdout) == (0, out)


def test_the_report_in_the_chosen_format_goes_to_stderr(tmp_path):
    p = stdin_run(["-q", "--format", "json", "-", "--stdin-filename", "Dockerfile"], V1_CRLF, tmp_path)
    assert p.returncode == 0 and p.stdout.startswith(b"FROM nvcr.io/nvidia/tritonserver:24.10-py3\r\n")
    report = json.loads(p.stderr)
    assert report["files"] == [{"path": "Dockerfile", "kind": "dockerfile", "changed": True, "error": None}]
    assert report["summary"]["files_changed"] == 1
    # --diff with a JSON report: the report is the one object on stdout, the diff in it, as for a file
    # on disk (CONTRACT.md, "The JSON report": one object); nothing on stderr
    p = stdin_run(["--diff", "--format", "json", "-", "--stdin-filename", "Dockerfile"], V1_CRLF, tmp_path)
    report = json.loads(p.stdout)
    assert p.returncode == 1 and report["summary"]["files_changed"] == 1 and p.stderr == b""
    assert report["files"][0]["diff"].startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
    p = stdin_run(["--diff", "--format", "json", "-"], V1_CRLF, tmp_path)  # no name: the same
    assert p.returncode == 1 and json.loads(p.stdout)["files"][0]["diff"].startswith("--- a/-\n")
    p = stdin_run(["--check", "--format", "sarif", "-", "--stdin-filename", "Dockerfile"], V1_CRLF, tmp_path)
    assert p.returncode == 1 and p.stdout == b"" and json.loads(p.stderr)["runs"][0]["results"]
    p = stdin_run(["--check", "--format", "github", "-", "--stdin-filename", "Dockerfile"], V1_CRLF, tmp_path)
    assert p.stdout == b"" and p.stderr.decode().startswith("::notice file=Dockerfile,line=1,col=6,")


def test_input_that_cannot_be_processed_comes_back_unchanged(tmp_path):
    bad = b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nRUN echo \xff\n"
    p = stdin_run(["-", "--stdin-filename", "Dockerfile"], bad, tmp_path)
    assert (p.returncode, p.stdout) == (2, bad)
    err = p.stderr.decode().splitlines()
    assert err[0] == "Dockerfile:2: error: invalid UTF-8 (byte 54)"
    assert err[-1].startswith("1 file scanned, 1 with V1, 0 changed, 1 failed;")


def test_the_configuration_of_the_named_file_applies(tmp_path):
    (tmp_path / "proj" / "deploy").mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text(
        '[tool.triton-docker-migrate]\ntarget-version = "22.07"\nfail-on-review = true\n'
        '[tool.triton-docker-migrate.per-file-ignores]\n"deploy/*" = ["TDM3"]\n')
    p = stdin_run(["--check", "--format", "json", "-q", "-", "--stdin-filename", "proj/deploy/Dockerfile"], V1_CRLF,
                  tmp_path)
    report = json.loads(p.stderr)
    assert report["target"] == "22.07"
    rules = sorted({f["rule"] for f in report["findings"]})
    assert rules == ["TDM101", "TDM202"]  # TDM3xx left out for deploy/*
    # fail-on-review from the same configuration: a warning fails the run
    p = stdin_run(["-", "--stdin-filename", "proj/deploy/Dockerfile"], b"FROM nvcr.io/nvidia/tensorrtserver:latest\n",
                  tmp_path)
    assert p.returncode == 1 and p.stdout == b"FROM nvcr.io/nvidia/tensorrtserver:latest\n"
