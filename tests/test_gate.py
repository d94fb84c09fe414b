"""The gate: ``--failure-threshold error|warning`` beside ``--fail-on-review``, severity overrides in
the configuration (they only raise), both per file and flowing to every report and to the exit
code; the tool's own reports never count as V1 evidence; failed files with strong V1 evidence
count as files with V1."""

from __future__ import annotations

import json
import re

import pytest
from markdown_it import MarkdownIt

from conftest import cli

V1 = 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
TAGGED = "FROM nvcr.io/nvidia/tensorrtserver:latest\n"  # TDM104: a warning


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _severities(capsys, *args) -> dict[str, set[str]]:
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", *args)
    assert code in (0, 1), err
    found: dict[str, set[str]] = {}
    for f in json.loads(out)["findings"]:
        found.setdefault(f["rule"], set()).add(f["severity"])
    return found


def test_severity_overrides_raise_and_reach_every_report(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    (tree / "pyproject.toml").write_text('[tool.triton-docker-migrate.severity]\nTDM101 = "error"\nTDM3 = "warning"\n'
                                         'TDM301 = "error"\n')
    sev = _severities(capsys, ".")
    assert sev == {"TDM101": {"error"}, "TDM202": {"info"}, "TDM301": {"error"}, "TDM310": {"warning"},
                   "TDM314": {"warning"}, "TDM604": {"info"}, "TDM709": {"info"}}  # TDM301 over TDM3: the longest
    _, out, _ = cli(capsys, "migrate", "--check", "--format", "sarif", ".")
    levels = {r["ruleId"]: r["level"] for r in json.loads(out)["runs"][0]["results"]}
    assert levels == {"TDM101": "error", "TDM202": "note", "TDM301": "error", "TDM310": "warning", "TDM314": "warning",
                      "TDM604": "note", "TDM709": "note"}
    _, out, _ = cli(capsys, "migrate", "--check", "--format", "github", ".")
    assert out.startswith("::error file=Dockerfile,line=1,col=6,endLine=1,endColumn=45,title=TDM101::")
    _, out, _ = cli(capsys, "migrate", "--check", ".")
    assert out.startswith("Dockerfile:1:6: TDM101 error: ")
    _, out, _ = cli(capsys, "migrate", "--check", "--format", "markdown", ".")
    headings = [t.content for t in MarkdownIt("commonmark").parse(out) if t.type == "inline"
                and t.content.startswith("[TDM")]
    assert [re.sub(r"\]\(.*?\)", "]", h, count=1) for h in headings] == [
        "[TDM101] v1-server-image (1 error)", "[TDM301] model-store-option (1 error)",
        "[TDM310] model-control-default (1 warning)", "[TDM314] strict-model-config-default (1 warning)"]
    # exit codes: the raised findings are what the gate sees
    code, _, _ = cli(capsys, "migrate", "--check", "--failure-threshold", "error", ".")
    assert code == 1
    code, _, _ = cli(capsys, "migrate", "--failure-threshold", "error", ".")  # written, still an error
    assert code == 1 and (tree / "Dockerfile").read_text().startswith("FROM nvcr.io/nvidia/tritonserver:24.10")
    code, _, err = cli(capsys, "migrate", "--check", ".")
    assert code == 0 and "0 errors, 0 warnings" in err  # nothing left to find


def test_an_override_never_lowers(tree, capsys):
    (tree / "img.Dockerfile").write_text(TAGGED)
    (tree / "bad.Dockerfile").write_bytes(b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n\xff\n")
    (tree / ".triton-docker-migrate.toml").write_text('[severity]\nTDM0 = "warning"\nTDM1 = "warning"\n')
    sev = _severities_failed(capsys)
    assert sev["TDM001"] == {"error"} and sev["TDM104"] == {"warning"}
    (tree / ".triton-docker-migrate.toml").write_text('[severity]\nTDM104 = "info"\n')
    code, out, err = cli(capsys, "migrate", "--check", ".")
    assert (code, out) == (2, "")
    assert err == (f"{tree / '.triton-docker-migrate.toml'}: error: severity['TDM104'] must be \"warning\" or "
                   f"\"error\" (an override only raises a rule's severity; nothing lowers it)\n")


def _severities_failed(capsys) -> dict[str, set[str]]:
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    assert code == 2
    found: dict[str, set[str]] = {}
    for f in json.loads(out)["findings"]:
        found.setdefault(f["rule"], set()).add(f["severity"])
    return found


@pytest.mark.parametrize("content,message", [
    ('[severity]\nTDM999 = "error"\n', "severity: 'TDM999' names no rule (see `triton-docker-migrate rules`)"),
    ('[severity]\nE501 = "error"\n', "severity: 'E501' is not a rule id or prefix (e.g. TDM301, TDM3)"),
    ('severity = "error"\n', 'severity must be a table of rule = "warning" or "error" (e.g. TDM317 = "error")'),
    ('failure-threshold = "info"\n', 'failure-threshold must be "warning" or "error"'),
    ('failure-threshold = "error"\nfail-on-review = true\n',
     'fail-on-review = true is failure-threshold = "warning"; it contradicts failure-threshold = \'error\''),
])
def test_bad_gate_configuration_is_a_usage_error(tree, capsys, content, message):
    (tree / "Dockerfile").write_text(V1)
    (tree / ".triton-docker-migrate.toml").write_text(content)
    code, out, err = cli(capsys, "migrate", ".")
    assert (code, out) == (2, "")
    assert err == f"{tree / '.triton-docker-migrate.toml'}: error: {message}\n"
    assert (tree / "Dockerfile").read_text() == V1


def test_failure_threshold(tree, capsys):
    (tree / "img.Dockerfile").write_text(TAGGED)  # a warning, no error
    assert cli(capsys, "migrate", ".")[0] == 0
    assert cli(capsys, "migrate", "--failure-threshold", "warning", ".")[0] == 1
    assert cli(capsys, "migrate", "--fail-on-review", ".")[0] == 1
    assert cli(capsys, "migrate", "--failure-threshold", "error", ".")[0] == 0
    assert cli(capsys, "migrate", "--failure-threshold", "warning", "--exit-zero", ".")[0] == 0
    # an error: both thresholds fail
    (tree / "x.Dockerfile").write_text("FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nRUN make trtis\n")
    sev = _severities(capsys, ".")
    assert "error" in set().union(*sev.values())
    assert cli(capsys, "migrate", "--check", "--failure-threshold", "error", "x.Dockerfile")[0] == 1
    # from the configuration; the flag wins
    (tree / ".triton-docker-migrate.toml").write_text('failure-threshold = "warning"\n')
    assert cli(capsys, "migrate", "img.Dockerfile")[0] == 1
    assert cli(capsys, "migrate", "--failure-threshold", "error", "img.Dockerfile")[0] == 0


def test_the_threshold_is_that_of_each_file(tree, capsys):
    """A sub-project that gates on review gates on its own files only."""
    (tree / "strict").mkdir()
    (tree / "strict" / ".triton-docker-migrate.toml").write_text("fail-on-review = true\n")
    (tree / "img.Dockerfile").write_text(TAGGED)
    assert cli(capsys, "migrate", ".")[0] == 0
    (tree / "strict" / "img.Dockerfile").write_text(TAGGED)
    assert cli(capsys, "migrate", ".")[0] == 1
    assert cli(capsys, "migrate", "img.Dockerfile")[0] == 0


# --- the tool's own reports --------------------------------------------------------------------

def test_own_reports_are_never_evidence(tree, capsys):
    (tree / "Dockerfile").write_text(V1)
    (tree / "img.Dockerfile").write_text(TAGGED)
    reports = {"triton-docker-migrate.sarif": "sarif", "report.json": "json", "pr-body.md": "markdown",
               "findings.txt": "text", "annotations.log": "github"}
    for name, fmt in reports.items():
        _, out, _ = cli(capsys, "migrate", "--check", "--format", fmt, "--statistics" * (fmt == "text"), "Dockerfile",
                        "img.Dockerfile")
        assert "tensorrtserver" in out
        (tree / name).write_text(out)
    # the same SARIF under a name that says nothing: recognised by its content
    (tree / "deploy-notes").mkdir()
    (tree / "deploy-notes" / "scan.yaml").write_text((tree / "triton-docker-migrate.sarif").read_text())
    code, out, _ = cli(capsys, "migrate", "--check", "--format", "json", ".")
    report = json.loads(out)
    assert [f["path"] for f in report["files"]] == ["Dockerfile", "img.Dockerfile"]
    assert {f["path"] for f in report["findings"]} == {"Dockerfile", "img.Dockerfile"}
    code, out, _ = cli(capsys, "migrate", "--show-files", ".")
    assert out.splitlines() == [
        "Dockerfile\tdockerfile",
        "annotations.log\tskipped: a github report of triton-docker-migrate",
        "deploy-notes/scan.yaml\tskipped: a sarif report of triton-docker-migrate",
        "findings.txt\tskipped: a text report of triton-docker-migrate",
        "img.Dockerfile\tdockerfile",
        "pr-body.md\tskipped: a markdown report of triton-docker-migrate",
        "report.json\tskipped: a json report of triton-docker-migrate",
        "triton-docker-migrate.sarif\tskipped: a sarif report of triton-docker-migrate",
    ]
    # named, as pre-commit names staged files: listed, nothing found, nothing changed
    code, out, _ = cli(capsys, "migrate", "--check", "--format", "json", "triton-docker-migrate.sarif", "report.json")
    assert code == 0
    report = json.loads(out)
    assert report["findings"] == [] and [(f["path"], f["changed"]) for f in report["files"]] == [
        ("report.json", False), ("triton-docker-migrate.sarif", False)]


def test_a_report_of_another_tool_is_still_read(tree, capsys):
    sarif = json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "hadolint"}}, "results": [
        {"message": {"text": "image nvcr.io/nvidia/tensorrtserver:20.02-py3 pinned"}}]}]})
    (tree / "hadolint.sarif").write_text(sarif)
    code, out, _ = cli(capsys, "migrate", "--check", "--format", "json", ".")
    assert [f["path"] for f in json.loads(out)["files"]] == ["hadolint.sarif"]


# --- files with V1 --------------------------------------------------------------------------------

def test_failed_files_with_strong_evidence_count_as_files_with_v1(tree, capsys):
    (tree / "bad.Dockerfile").write_bytes(b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n\xff\n")  # not UTF-8
    (tree / "wide.sh").write_bytes("docker run nvcr.io/nvidia/tensorrtserver:20.02-py3\n".encode("utf-16"))
    (tree / "big.Dockerfile").write_bytes(b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n" + b"#" * (10 << 20))
    (tree / "plain.Dockerfile").write_bytes(b"FROM busybox\n\0\n")  # named, not text: fails, no V1 in it
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", "bad.Dockerfile", "wide.sh",
                         "big.Dockerfile", "plain.Dockerfile", "missing.Dockerfile")
    assert code == 2
    s = json.loads(out)["summary"]
    assert (s["files_failed"], s["files_with_v1"]) == (5, 3)
    code, out, _ = cli(capsys, "migrate", "--check", "--format", "markdown", "bad.Dockerfile", "plain.Dockerfile")
    assert "| files with V1 | 1 |\n" in out


@pytest.mark.parametrize("name, text, line, code", [
    ("nginx/triton.conf", "upstream triton { server triton:8000; }\nserver {\n  location /health {\n"
                          "    proxy_pass http://triton/api/health/ready;\n  }\n}\n", 4, 1),
    # a bare path in a proxy configuration that routes to a target named for the server: a route to it
    ("haproxy.cfg", "backend trtis\n  option httpchk GET /api/health/live\n  server s1 trtis-0:8000 check\n", 2, 1),
    ("haproxy.cfg", "backend shop\n  option httpchk GET /api/health/live\n  server s1 shop-0:8000 check\n", None, 0),
    # documentation prose is history, reported outside the gate (TDM003 info)
    ("docs/ops.md", "Probe it with `curl -f http://inference-server:8000/api/status`.\n", 1, 0),
])
def test_a_walk_reports_v1_endpoints_of_text_files_as_naming_them_does(tree, capsys, name, text, line, code):
    """A file of the text kind (an nginx route, a runbook) whose URL to a host named for the server
    keeps a V1 endpoint: a walk reports it as naming the file does (the walk skipped it: the gate
    passed with V1 left). So does a bare path in a proxy configuration whose route target is named for
    the server; a bare path routed elsewhere stays unreported either way."""
    (tree / name).parent.mkdir(parents=True, exist_ok=True)
    (tree / name).write_text(text)
    walked = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    named = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", name)
    lines = [[f["line"] for f in json.loads(out)["findings"]] for _, out, _ in (walked, named)]
    assert lines[0] == lines[1] == ([line] if line else [])
    assert walked[0] == named[0] == code


def _closed_gate(capsys) -> dict:
    """The JSON report of ``--check --fail-on-review`` over the tree, which must keep the gate closed."""
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    assert code == 1
    return json.loads(out)


def test_a_server_list_in_a_ci_file_of_no_known_kind_gets_a_suggestion_that_runs(tree, capsys):
    """CircleCI's ``command: ["trtserver", "--model-store=/m"]`` is text (CONTRACT.md: ci is GitHub and
    GitLab): reported, not changed - and the suggestion is the list as V2 needs it (it put the new options
    inside the last item's quotes and kept the V1 binary)."""
    text = ('version: 2.1\njobs:\n  test:\n    docker:\n      - image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n'
            '        command: ["trtserver", "--model-store=/models"]\n')
    (tree / ".circleci").mkdir()
    (tree / ".circleci" / "config.yml").write_text(text)
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    report = json.loads(out)
    assert code == 1 and report["files"][0]["changed"] is False
    on_line = {f["suggestion"] for f in report["findings"] if f["line"] == 6}
    assert on_line == {'command: ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", '
                       '"--disable-auto-complete-config"]'}


def test_a_server_list_over_several_lines_of_no_known_kind_is_read_whole(tree, capsys):
    """A Go ``[]string{`` of the server's argv, one item a line (text): the mode is judged from the whole list
    (``--allow-poll-model-repository=false`` two lines below the binary: V1 did not poll), and the options added
    are items of their own after the last option - not words inside the binary's item, which exec would take
    for the program's name. A list with an item that is no plain string cannot be read whole: no replacement
    is suggested, the message says so."""
    (tree / "args.go").write_text(
        'package run\n\nfunc argv() []string {\n\treturn []string{\n\t\t"trtserver",\n'
        '\t\t"--model-store=/srv/models",\n\t\t"--allow-poll-model-repository=false",\n\t}\n}\n')
    (tree / "server.libsonnet").write_text(
        '{\n  image: "nvcr.io/nvidia/tensorrtserver:20.02-py3",\n  args: [\n    "trtserver",\n'
        '    "--model-store=" + $.params.repo,\n  ],\n}\n')
    report = _closed_gate(capsys)
    go = {(f["line"], f["rule"]): f for f in report["findings"] if f["path"] == "args.go"}
    assert set(go) == {(5, "TDM202"), (5, "TDM314"), (6, "TDM301"), (7, "TDM311")}
    assert go[5, "TDM202"]["suggestion"] == '"tritonserver",'
    assert go[7, "TDM311"]["suggestion"] == '"--model-control-mode=none", "--disable-auto-complete-config",'
    jsonnet = {(f["line"], f["rule"]): f for f in report["findings"] if f["path"] == "server.libsonnet"}
    assert jsonnet[4, "TDM202"]["suggestion"] == '"tritonserver",'
    for rule in ("TDM310", "TDM314"):
        assert jsonnet[4, rule]["suggestion"] is None
        assert "cannot be read whole" in jsonnet[4, rule]["message"]


def test_a_template_action_on_a_server_line_of_no_known_kind_is_one_value(tree, capsys):
    """An Ansible task's ``command: "trtserver {{ args | join(' ') }}"`` (text): the suggestion put the new
    options inside the Jinja action, before its ``|`` (read as a pipe); the action is one value known at
    render time, so the options go beside it, and the options it adds are reported as such."""
    text = ('- name: Start inference server\n  community.docker.docker_container:\n    name: triton\n'
            '    image: "nvcr.io/nvidia/tensorrtserver:20.02-py3"\n'
            '    command: "trtserver {{ triton_args | join(\' \') }}"\n')
    (tree / "playbook.yml").write_text(text)
    report = _closed_gate(capsys)
    on_line = {f["rule"]: (f["suggestion"], f["message"]) for f in report["findings"] if f["line"] == 5}
    # (options come at run time: the strict default is written in the form a later --strict-model-config=false overrides)
    assert on_line["TDM202"][0] == ('command: "tritonserver --model-control-mode=poll --strict-model-config=true'
                                    ' {{ triton_args | join(\' \') }}"')
    assert on_line["TDM316"][1].startswith("{{…}}: options are added at run time here")


def test_v1_only_options_held_in_an_env_file_beside_a_model_repository_are_v1_left(tree, capsys):
    """The server is V2 everywhere it is named, but its options are held apart - a compose ``.env``, a
    systemd ``EnvironmentFile``, a configuration of no known kind - and still give V1-only options: V2
    refuses to start, and the gate passed. A V1-only option beside a model repository option is the
    server's wherever it is written; the message says what V2 needs. TorchServe's ``--model-store`` and V2's
    own options stay silent."""
    (tree / ".env").write_text("SERVER_ARGS=--model-store=/models --api-version=2\nMODEL_REPO=/models\n")
    (tree / "docker-compose.yml").write_text(
        'services:\n  infer:\n    image: ${REGISTRY}/inference:${VERSION}\n'
        '    command: ["sh", "-c", "tritonserver $${SERVER_ARGS}"]\n    env_file: .env\n')
    (tree / "triton.service").write_text(
        "[Service]\nEnvironmentFile=/etc/default/triton\nExecStart=/usr/bin/tritonserver $TRITON_OPTS\n")
    (tree / "default").mkdir()
    (tree / "default" / "triton").write_text('TRITON_OPTS="--model-repository=/m --grpc-infer-thread-count=8"\n')
    (tree / "serving.conf").write_text("opts = --model-store /models --allow-poll-model-repository=false\n")
    (tree / "torchserve.txt").write_text("torchserve --start --model-store model_store --models all\n")
    (tree / "v2.conf").write_text("opts = --model-repository=/models --model-control-mode=poll\n")
    report = _closed_gate(capsys)
    got = [(f["path"], f["line"], f["rule"], f["severity"]) for f in report["findings"]]
    assert got == [(".env", 1, "TDM003", "warning"), ("default/triton", 1, "TDM003", "warning"),
                   ("serving.conf", 1, "TDM003", "warning")]
    messages = [f["message"] for f in report["findings"]]
    assert "'--api-version' (--api-version was removed in V2: a V2 server given it refuses to start)" in messages[0]
    assert "'--allow-poll-model-repository' (V2 has --model-control-mode=poll|none instead" in messages[2]
    assert all(f["changed"] is False for f in report["files"])


def test_v1_only_options_under_a_name_that_names_the_server_are_v1_left(tree, capsys):
    """A ConfigMap key ``TRITON_ARGS`` or an env file's ``TRITON_SERVER_ARGS=`` holding V1-only options (no
    model repository beside them): the server that takes them refuses to start, and the gate passed. Other
    programs' keys with the same options stay silent."""
    (tree / "cm.yaml").write_text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags}\ndata:\n'
                                  '  TRITON_ARGS: "--api-version=2 --log-verbose=1"\n'
                                  '  PROXY_ARGS: "--api-version=2"\n')
    (tree / "triton.env").write_text('TRITON_SERVER_ARGS="--grpc-infer-thread-count=8 --log-verbose=1"\n'
                                     'WEB_ARGS="--http-health-port=9000"\n')
    report = _closed_gate(capsys)
    assert [(f["path"], f["line"], f["rule"], f["severity"]) for f in report["findings"]] == [
        ("cm.yaml", 5, "TDM003", "warning"), ("triton.env", 1, "TDM003", "warning")]


def test_a_v1_url_in_code_that_imports_a_triton_client_is_the_servers(tree, capsys):
    """A smoke test or a notebook that talks to Triton through ``tritonclient`` and still asks
    ``http://localhost:8000/api/status`` passed the gate (no server in the run, no host named for it): code
    that imports a Triton client reaches a Triton server with its URLs. Its own routes (bare paths of a
    gateway that uses the client) are not URLs to the server and stay."""
    (tree / "smoke.py").write_text(
        "import requests\nimport tritonclient.http as httpclient\n\n"
        "client = httpclient.InferenceServerClient('localhost:8000')\n"
        "requests.get('http://localhost:8000/api/health/ready').raise_for_status()\n"
        "print(requests.get('http://localhost:8000/api/status').text)\n")
    (tree / "demo.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": [
        "from tritonclient.grpc import InferenceServerClient\n",
        "!curl -s localhost:8000/api/status/resnet50\n"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}))
    gateway = ("import tritonclient.http as httpclient\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
               "@app.get('/api/health')\ndef health():\n"
               "    return {'ok': httpclient.InferenceServerClient('localhost:8000').is_server_ready()}\n")
    (tree / "gateway.py").write_text(gateway)
    report = _closed_gate(capsys)
    got = [(f["path"], f["line"], f["rule"], f["severity"]) for f in report["findings"]]
    assert got == [("demo.ipynb", 1, "TDM402", "warning"), ("smoke.py", 5, "TDM401", "info"),
                   ("smoke.py", 6, "TDM402", "warning")]
    cli(capsys, "migrate", ".")
    assert "'http://localhost:8000/v2/health/ready'" in (tree / "smoke.py").read_text()
    assert (tree / "gateway.py").read_text() == gateway


def test_the_v1_client_pinned_in_a_file_of_no_known_kind_is_v1_left(tree, capsys):
    """``deps = tensorrtserver==1.10.0`` in tox.ini (text): the V1 client package, which V2 servers refuse,
    stayed with no word while the same file's server line was reported."""
    (tree / "tox.ini").write_text("[testenv:e2e]\ncommands =\n    docker run -d nvcr.io/nvidia/tensorrtserver:20.02-py3"
                                  " trtserver --model-store=/m\nsetenv = X=1\n\nextras = test\ndeps = tensorrtserver==1.10.0\n")
    report = _closed_gate(capsys)
    assert [(f["line"], f["rule"], f["severity"]) for f in report["findings"] if f["line"] == 7] == [
        (7, "TDM003", "warning")]


_COMPOSE_V2 = ("services:\n  triton:\n    image: nvcr.io/nvidia/tritonserver:24.10-py3\n"
               "    command: tritonserver ${SERVER_ARGS}\n")


@pytest.mark.parametrize("name, env, lines", [
    # compose reads .env for ${SERVER_ARGS}: V2 refuses --api-version and --allow-poll-model-repository
    (".env", "SERVER_ARGS=--model-repository=/models --api-version=2 --allow-poll-model-repository=true\n", {1}),
    ("deploy/triton.env", "X=1\nexport SERVER_ARGS='--model-store=/m --tf-gpu-memory-fraction=0.5'\n", {2}),
    # another program's options (Azure's --api-version beside one the server never had): not the server's
    (".env", "AZ_ARGS=--api-version=2021-04-01 --resource-group ml\n", set()),
])
def test_server_options_in_an_environment_file_are_v1_left(tree, capsys, name, env, lines):
    (tree / "docker-compose.yml").write_text(_COMPOSE_V2)
    (tree / name).parent.mkdir(exist_ok=True)
    (tree / name).write_text(env)
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    found = json.loads(out)["findings"]
    assert {f["line"] for f in found if f["path"] == name and f["severity"] == "warning"} == lines
    assert code == (1 if lines else 0)


def test_a_v1_endpoint_beside_a_v2_server_in_a_ci_file_of_no_known_kind_is_v1_left(tree, capsys):
    (tree / "azure-pipelines.yml").write_text(
        "resources:\n  containers:\n    - container: triton\n      image: nvcr.io/nvidia/tritonserver:24.10-py3\n"
        "services:\n  triton: triton\nsteps:\n  - script: until curl -sf localhost:8000/api/health/ready; do sleep 2; done\n")
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    assert [(f["line"], f["rule"], f["severity"]) for f in json.loads(out)["findings"]] == [(8, "TDM401", "warning")]
    assert code == 1


@pytest.mark.parametrize("name", [".github/actions/serve/action.yml", "Jenkinsfile"])
def test_v1_options_beside_a_v2_server_in_a_file_of_no_known_kind_are_v1_left(tree, capsys, name):
    """A file of no known kind that names the V2 server and keeps V1-only options (a Docker action's
    args, a Jenkinsfile's command): a walk reads it (its prefilter looked for strong evidence only)."""
    (tree / name).parent.mkdir(parents=True, exist_ok=True)
    (tree / name).write_text("runs:\n  image: docker://nvcr.io/nvidia/tritonserver:24.10-py3\n  entrypoint: tritonserver\n"
                             "  args:\n    - --model-repository=/models\n    - --api-version=2\n")
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    assert [(f["line"], f["rule"]) for f in json.loads(out)["findings"]] == [(6, "TDM003")]
    assert code == 1


def test_a_plain_flow_list_in_a_ci_file_of_no_known_kind_is_read_as_the_list(tree, capsys):
    """``command: [trtserver, --model-store=/models, --exit-on-error=false]`` (YAML's plain flow list, in a
    CircleCI file): its items are the words (the ``]`` and the commas were read as part of them: a false
    "V1 refused this line" error, and a suggestion with the new options after the list)."""
    text = ('version: 2.1\njobs:\n  test:\n    docker:\n      - image: nvcr.io/nvidia/tensorrtserver:19.10-py3\n'
            '        command: [trtserver, --model-store=/models, --exit-on-error=false]\n')
    (tree / ".circleci").mkdir()
    (tree / ".circleci" / "config.yml").write_text(text)
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    found = [f for f in json.loads(out)["findings"] if f["line"] == 6]
    assert code == 1 and "TDM318" not in {f["rule"] for f in found}
    assert {f["suggestion"] for f in found} == {
        'command: [tritonserver, --model-repository=/models, --exit-on-error=false, "--model-control-mode=poll", '
        '"--disable-auto-complete-config"]'}


def test_a_systemd_drop_in_is_a_unit(tree, capsys):
    """``triton.service.d/override.conf`` overrides the unit's command: it is read as a unit (it was text,
    whose prefilter looked for strong evidence only: a half-migrated drop-in passed the gate)."""
    (tree / "triton.service.d").mkdir()
    (tree / "triton.service.d" / "override.conf").write_text(
        "[Service]\nExecStart=\nExecStart=/opt/tritonserver/bin/tritonserver --model-repository=/m --api-version=2\n")
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    report = json.loads(out)
    assert [(f["line"], f["rule"]) for f in report["findings"]] == [(3, "TDM302")]
    assert [(f["kind"], f["changed"]) for f in report["files"]] == [("unit", True)] and code == 1


@pytest.mark.parametrize("name", ["packaging/triton.default", "etc/default/triton"])
def test_server_options_in_a_unit_environment_file_are_v1_left(tree, capsys, name):
    """``/etc/default/triton`` (kept as ``triton.default`` or under its own name), which a unit reads with
    ``EnvironmentFile=``: its server options are V1 left (a walk skipped it: no strong evidence)."""
    (tree / name).parent.mkdir(parents=True)
    (tree / name).write_text('TRITON_ARGS="--model-repository=/srv/models --allow-poll-model-repository=true"\n')
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    assert [(f["path"], f["line"], f["rule"]) for f in json.loads(out)["findings"]] == [(name, 1, "TDM003")]
    assert code == 1


def test_v1_in_a_shell_default_is_v1_left_where_no_reader_runs_it(tree, capsys):
    """``${TRITON_BIN:-/opt/tensorrtserver/bin/trtserver}`` and ``${BIN:-trtserver} --model-store=...`` in a
    script the tool does not run (a Jenkinsfile's ``sh``): the default is what runs, and it is V1. Both
    passed the gate: the ``-`` of ``:-`` hid the path and the binary from the last pass."""
    (tree / "Jenkinsfile").write_text(
        "pipeline {\n  agent any\n  stages {\n    stage('serve') {\n      steps {\n"
        "        sh 'LIB=${TRITON_LIB:-/opt/tensorrtserver/lib} ./smoke.sh'\n"
        "        sh '${TRITON_BIN:-trtserver} --model-store=/models &'\n"
        "      }\n    }\n  }\n}\n")
    report = _closed_gate(capsys)
    left = {(f["line"], f["rule"]) for f in report["findings"] if f["severity"] in ("warning", "error")}
    assert {6, 7} <= {line for line, _ in left}, left


def test_a_build_argument_that_makes_a_v1_build_closes_the_gate_until_it_moves(tree, capsys):
    """``build: args: TRITON_VERSION: "20.03"`` (``docker build --build-arg``, build-push-action's ``build-args``,
    Skaffold's ``buildArgs``, a Bake target's ``args``) replaces the ARG default
    that the Dockerfile's migration moved: the build stayed V1 (``tritonserver:20.03-py3``) and the gate
    passed, as the compose file named nothing V1 and was never read. The value moves with the default;
    once the Dockerfile alone was migrated, an old value is caught too (``tritonserver:20.02`` never was V2)."""
    import shutil

    from conftest import FIXTURES

    shutil.copytree(FIXTURES / "trees" / "build-arguments", tree, dirs_exist_ok=True)
    code, _out, _ = cli(capsys, "migrate", "docker/Dockerfile")
    assert code == 0
    report = _closed_gate(capsys)
    left = sorted((f["path"], f["line"]) for f in report["findings"] if f["rule"] == "TDM112")
    assert left == [(".github/workflows/image.yml", 8), (".github/workflows/image.yml", 13), ("Makefile", 2),
                    ("compose.yaml", 7), ("compose.yaml", 15), ("docker-bake.hcl", 4), ("skaffold.yaml", 9),
                    ("tools/build.sh", 4), ("tools/build.sh", 5)]
    code, _out, _ = cli(capsys, "migrate", ".")
    assert code == 0
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", ".")
    assert code == 0, out
    assert "TRITON_VERSION: \"24.10\"" in (tree / "compose.yaml").read_text()
    assert "NODE_VERSION=20.03" in (tree / "tools" / "build.sh").read_text()  # another image's argument


def test_the_v1_client_installed_by_pip_in_a_file_of_no_known_kind_is_v1_left(tree, capsys):
    """A notebook's ``!pip install tensorrtserver`` (text): the name is NVIDIA's V1 client wheel alone, in any
    line of text; it passed the gate once the notebook's imports were ported."""
    import json as _json

    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": ["!pip install tensorrtserver\n", "import tritonclient.http as httpclient\n"]}
    (tree / "client.ipynb").write_text(_json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                   "nbformat_minor": 5}, indent=1))
    report = _closed_gate(capsys)
    assert [(f["rule"], f["line"], f["severity"]) for f in report["findings"]] == [("TDM003", 9, "warning")]


def test_the_v1_binary_held_by_a_containers_environment_is_v1_left(tree, capsys):
    """``env: [{name: TRITON_BIN, value: trtserver}]`` with ``command: ["$(TRITON_BIN)", ...]`` (and compose's
    ``environment: {TRITON_BIN: trtserver}``): the image moved to V2 and the container still ran trtserver,
    with the gate passed. A value that is the V1 binary under a key that names a program is V1 left."""
    (tree / "pod.yaml").write_text(
        'apiVersion: v1\nkind: Pod\nmetadata: {name: t}\nspec:\n  containers:\n    - name: t\n'
        '      image: nvcr.io/nvidia/tritonserver:24.10-py3\n      env:\n        - name: TRITON_BIN\n'
        '          value: trtserver\n      command: ["$(TRITON_BIN)", "--model-repository=/models"]\n')
    (tree / "compose.yaml").write_text(
        'services:\n  t:\n    image: nvcr.io/nvidia/tritonserver:24.10-py3\n    environment:\n'
        '      SERVER_BINARY: trtserver\n      LOG_NAME: trtserver\n'
        '    command: sh -c "$$SERVER_BINARY --model-repository=/models"\n')
    report = _closed_gate(capsys)
    assert sorted((f["path"], f["line"], f["rule"]) for f in report["findings"]) == [
        ("compose.yaml", 5, "TDM003"), ("pod.yaml", 10, "TDM003")]


def test_a_required_build_argument_that_names_a_v1_release_is_migrated(tree, capsys):
    """``ARG TRITON_VERSION`` without a default (every build gives it) and ``FROM .../tritonserver:${TRITON_VERSION}-py3``:
    a compose file building it with ``TRITON_VERSION: "20.03"`` builds the V1 server (20.03 ran V1 under the
    tritonserver name). The value is the target release after the run, and the gate is closed before."""
    (tree / "docker").mkdir()
    (tree / "docker" / "Dockerfile").write_text(
        "ARG TRITON_VERSION\nFROM nvcr.io/nvidia/tritonserver:${TRITON_VERSION}-py3\n"
        'CMD ["tritonserver", "--model-repository=/models"]\n')
    (tree / "compose.yaml").write_text(
        'services:\n  triton:\n    build:\n      context: docker\n      args:\n        TRITON_VERSION: "20.03"\n')
    report = _closed_gate(capsys)
    # the Dockerfile built with that argument runs the V1 server: its line gets V1's defaults written out
    assert [(f["path"], f["rule"], f["severity"]) for f in report["findings"]
            if f["rule"] not in ("TDM604", "TDM709")] == [
        ("compose.yaml", "TDM112", "info"), ("docker/Dockerfile", "TDM310", "info"), ("docker/Dockerfile", "TDM314", "info")]
    code, _out, _ = cli(capsys, "migrate", ".")
    assert code == 0 and 'TRITON_VERSION: "24.10"' in (tree / "compose.yaml").read_text()
    assert '"--model-control-mode=poll", "--disable-auto-complete-config"]' in (tree / "docker" / "Dockerfile").read_text()
    code, _out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", ".")
    assert code == 0
