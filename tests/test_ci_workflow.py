"""CI pipelines (GitHub Actions, GitLab CI): third-party workflows untouched, a V1 job added to each
changes only that job, migrated fixtures keep their YAML structure, scripts that do not map one
character to one are reported and left alone."""

from __future__ import annotations

import pathlib
import re

import pytest

from conftest import FIXTURES, SHARED, shared_dir
from golden import inputs
from strategies import corpus_files, newline_of, place
from triton_docker_migrate.documents.ciworkflow import CiDoc
from triton_docker_migrate.release import Release
from triton_docker_migrate.rules.engine import check_document
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.settings import Settings

WORKFLOWS = corpus_files(SHARED, "workflows") if SHARED.is_dir() else []
IDS = [p.name for p in WORKFLOWS]
TARGET = Release("24.10")

GITHUB_JOB = """\
{i}v1-triton:
{i}  runs-on: ubuntu-latest
{i}  services:
{i}    triton:
{i}      image: nvcr.io/nvidia/{img}
{i}  steps:
{i}    - run: |
{i}        docker run -d nvcr.io/nvidia/{img} {cmd}
"""
GITLAB_JOB = """\
v1-triton:
  image: nvcr.io/nvidia/{img}
  services:
    - name: nvcr.io/nvidia/{img}
      alias: triton
  script:
    - {cmd} &
"""
V1 = {"img": "tensorrtserver:20.02-py3", "cmd": "trtserver --model-store=/m"}
V2 = {"img": "tritonserver:24.10-py3",
      "cmd": "tritonserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config"}


def _process(path: pathlib.Path):
    return process_file(str(path), path.name, Settings(), explicit=True)


def test_corpus_workflows_present():
    assert shared_dir().joinpath("corpus", "workflows").is_dir()
    assert len(WORKFLOWS) == 10


@pytest.mark.parametrize("src", WORKFLOWS, ids=IDS)
def test_corpus_untouched(src, tmp_path):
    dest = place(src, tmp_path)
    data = dest.read_bytes()
    doc = CiDoc(str(dest), data.decode("utf-8"))
    findings, _ = check_document(doc, TARGET)
    assert [(f.rule, f.message) for f in findings] == []
    assert doc.command_lines() == []
    res = _process(dest)
    assert res.kind == "ci"
    assert res.error is None
    assert res.new == data
    assert res.findings == []


def _with_v1_job(data: str, gitlab: bool, values: dict) -> str:
    nl = newline_of(data.encode())
    nl = nl.decode() if isinstance(nl, bytes) else nl
    if gitlab:
        if not data.endswith("\n"):
            data += nl
        return data + GITLAB_JOB.format(**values).replace("\n", nl)
    m = re.search(r"^jobs:[ \t]*\r?\n", data, re.M)
    assert m, "a workflow has jobs"
    rest = data[m.end():]
    indent = re.search(r"^([ \t]+)[\w-]", rest, re.M).group(1)
    job = GITHUB_JOB.format(i=indent, **values).replace("\n", nl)
    return data[:m.end()] + job + rest


@pytest.mark.parametrize("src", WORKFLOWS, ids=IDS)
def test_corpus_with_v1_job(src, tmp_path):
    dest = place(src, tmp_path)
    gitlab = dest.name == ".gitlab-ci.yml"
    text = dest.read_bytes().decode("utf-8")
    dest.write_bytes(_with_v1_job(text, gitlab, V1).encode("utf-8"))
    res = _process(dest)
    assert res.error is None
    assert res.new.decode("utf-8") == _with_v1_job(text, gitlab, V2)
    assert res.findings and all(f.fixed or f.rule == "TDM314" for f in res.findings)
    # the output reads back as the same YAML, and a second run changes nothing
    assert CiDoc(str(dest), _with_v1_job(text, gitlab, V1)).same_structure(
        CiDoc(str(dest), res.new.decode("utf-8"))) is None
    dest.write_bytes(res.new)
    again = _process(dest)
    assert again.new == res.new
    assert not [f for f in again.findings if f.fixed]


CI_FIXTURES = [p for p in inputs(FIXTURES / "ci")]


@pytest.mark.parametrize("path", CI_FIXTURES, ids=[str(p.relative_to(FIXTURES)) for p in CI_FIXTURES])
def test_fixture_same_structure(path):
    assert CI_FIXTURES
    out = path.with_name(path.name + ".out")
    new = out.read_text() if out.exists() else path.read_text()
    old_doc, new_doc = CiDoc(str(path), path.read_text()), CiDoc(str(path), new)
    assert old_doc.same_structure(new_doc) is None
    findings, _ = check_document(new_doc, TARGET)
    assert [f.rule for f in findings if f.fix is not None] == []


def _write(tmp_path: pathlib.Path, body: str, gitlab: bool = False) -> pathlib.Path:
    dest = tmp_path / (".gitlab-ci.yml" if gitlab else ".github/workflows/ci.yml")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(body)
    return dest


def test_escaped_run_is_reported_not_changed(tmp_path):
    body = ('jobs:\n  a:\n    runs-on: x\n    steps:\n'
            '      - run: "trtserver --model-store=/m\\n  echo ${{ github.sha }}"\n')
    res = _process(_write(tmp_path, body))
    assert res.new.decode() == body
    rules = sorted(f.rule for f in res.findings)
    assert rules == ["TDM202", "TDM301", "TDM310", "TDM314"]
    assert all(not f.fixed and "not changed" in f.message for f in res.findings)
    # the suggestion is the line as it would read with every change the findings on it make
    assert next(f for f in res.findings if f.rule == "TDM202").suggestion == (
        '- run: "tritonserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config'
        '\\n echo ${{ github.sha }}"')


def test_expressions_anchors_references_kept(tmp_path):
    body = ("variables:\n  IMG: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
            ".base: &base\n  before_script:\n    - echo ${CI_JOB_ID}\n"
            "job:\n  <<: *base\n  script:\n    - !reference [.base, before_script]\n"
            "    - trtserver --model-store=$MODELS  # trtserver --model-store kept in the comment\n")
    res = _process(_write(tmp_path, body, gitlab=True))
    assert res.new.decode() == body.replace("tensorrtserver:20.02", "tritonserver:24.10").replace(
        "trtserver --model-store=$MODELS ", "tritonserver --model-repository=$MODELS --model-control-mode=poll "
        "--disable-auto-complete-config ")


def test_service_options_health_url_only_for_triton(tmp_path):
    body = ("jobs:\n  a:\n    runs-on: x\n    services:\n"
            "      web:\n        image: nginx\n        options: --health-cmd 'curl localhost/api/health'\n"
            "      triton:\n        image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
            "        options: >-\n          --health-cmd \"curl -f localhost:8000/api/health/live\"\n")
    res = _process(_write(tmp_path, body))
    new = res.new.decode()
    assert "localhost/api/health'" in new
    assert "localhost:8000/v2/health/live" in new


def test_other_service_health_url_kept_in_a_triton_file(tmp_path):
    body = ("env:\n  READY: http://localhost:8000/api/health/ready\n"
            "jobs:\n  a:\n    runs-on: x\n    services:\n"
            "      db:\n        image: postgres:16\n"
            "        options: --health-cmd 'curl -f localhost:8000/api/health/ready'\n"
            "    steps:\n      - run: trtserver --model-store=/m\n")
    res = _process(_write(tmp_path, body))
    assert res.new.decode() == body.replace("READY: http://localhost:8000/api", "READY: http://localhost:8000/v2").replace(
        "trtserver --model-store=/m",
        "tritonserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config")


def test_docker_action_and_with_image(tmp_path):
    body = ("jobs:\n  a:\n    runs-on: x\n    steps:\n"
            "      - uses: docker://nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
            "      - uses: some/action@v1\n        with:\n          image: 'nvcr.io/nvidia/tensorrtserver:20.02-py3'\n")
    res = _process(_write(tmp_path, body))
    assert res.new.decode() == body.replace("tensorrtserver:20.02", "tritonserver:24.10")
    assert [f.rule for f in res.findings] == ["TDM101", "TDM101"]


def test_v1_variable_names_reported(tmp_path):
    body = ("variables:\n  TENSORRT_SERVER_USER: triton\n"
            "job:\n  image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n  script:\n    - echo hi\n")
    res = _process(_write(tmp_path, body, gitlab=True))
    assert res.new.decode() == body.replace("tensorrtserver:20.02", "tritonserver:24.10")
    f = next(f for f in res.findings if f.rule == "TDM501")
    assert (f.line, f.column, f.fixed) == (2, 3, False)


def test_suppressed_line_left_alone(tmp_path):
    body = ("jobs:\n  a:\n    runs-on: x\n"
            "    # triton-docker-migrate: ignore[TDM101]\n"
            "    container: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
            "    steps:\n      - run: |\n          trtserver --model-store=/m  # triton-docker-migrate: ignore[TDM301]\n")
    res = _process(_write(tmp_path, body))
    assert res.new.decode() == body.replace("trtserver --model-store=/m ",
                                            "tritonserver --model-store=/m --model-control-mode=poll "
                                            "--disable-auto-complete-config ")


def test_literal_run_with_crlf_and_heredoc(tmp_path):
    body = ("jobs:\r\n  a:\r\n    runs-on: x\r\n    steps:\r\n      - run: |\r\n"
            "          cat > cfg <<EOF\r\n          trtserver\r\n          EOF\r\n"
            "          trtserver --model-store=/m\r\n")
    res = _process(_write(tmp_path, body))
    assert res.error is None
    new = res.new.decode()
    assert new.endswith("          tritonserver --model-repository=/m --model-control-mode=poll "
                        "--disable-auto-complete-config\r\n")
    assert new.count("\r\n") == body.count("\r\n")
