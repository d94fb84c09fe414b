"""Shell scripts: the fixtures against bash and shellcheck, the third-party corpus, and the document's
own reading of commands, docker run lines, variables and here-documents."""

from __future__ import annotations

import json
import pathlib
import subprocess

import pytest

from conftest import FIXTURES, SHARED, shared_dir
from golden import inputs
from triton_docker_migrate.documents.shell import ShellDoc, parse_docker_run, publish_ports, server_argv
from triton_docker_migrate.syntax.shellwords import lex
from triton_docker_migrate.documents import commands as C
from triton_docker_migrate.model import Status
from triton_docker_migrate.release import Release
from triton_docker_migrate.rules.engine import check_document
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.settings import Settings

TARGET = Release("24.10")
SHELL_FIXTURES = inputs(FIXTURES / "shell")
CORPUS = sorted((SHARED / "corpus" / "shell").glob("*")) if SHARED.is_dir() else []


def _out(path: pathlib.Path) -> bytes:
    out = path.with_name(path.name + ".out")
    return out.read_bytes() if out.exists() else path.read_bytes()


def _codes(data: bytes) -> set[int]:
    res = subprocess.run(["shellcheck", "-f", "json", "-"], input=data, capture_output=True, check=False)
    assert res.returncode in (0, 1), res.stderr.decode()
    return {c["code"] for c in json.loads(res.stdout)}


def _bash_n(data: bytes) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-n"], input=data, capture_output=True, check=False)


def _migrate(tmp_path: pathlib.Path, name: str, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return process_file(str(p), name, Settings(), explicit=True)


# --- the golden fixtures against real tools ------------------------------------------------


def test_there_are_shell_fixtures():
    assert len(SHELL_FIXTURES) >= 15


@pytest.mark.parametrize("path", SHELL_FIXTURES, ids=[p.name for p in SHELL_FIXTURES])
def test_fixture_input_and_output_pass_bash_n(path):
    for data in (path.read_bytes(), _out(path)):
        res = _bash_n(data)
        assert res.returncode == 0, res.stderr.decode()


@pytest.mark.parametrize("path", SHELL_FIXTURES, ids=[p.name for p in SHELL_FIXTURES])
def test_fixture_output_adds_no_shellcheck_code(path):
    before, after = _codes(path.read_bytes()), _codes(_out(path))
    assert after <= before, f"new shellcheck codes: {sorted(after - before)}"


def test_shellcheck_sees_a_broken_script():
    # the oracle works: a quoting error is a code, and bash -n refuses it
    assert _codes(b"#!/bin/sh\necho \"$(\n") and _bash_n(b"echo \"$(\n").returncode != 0


# --- the third-party corpus ------------------------------------------------------------------


def test_corpus_is_there():
    assert len(sorted((shared_dir() / "corpus" / "shell").glob("*"))) >= 15


@pytest.mark.parametrize("src", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_unchanged(src, tmp_path):
    res = _migrate(tmp_path, "script.sh", src.read_bytes())
    assert res.status is Status.UNCHANGED
    assert res.new == src.read_bytes()
    assert res.findings == []


@pytest.mark.parametrize("src", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_document_finds_nothing_even_in_a_triton_context(src):
    # bypass the prefilter: the document itself must not read these scripts as V1
    doc = ShellDoc(str(src), src.read_text())
    assert doc.command_lines() == []
    findings, _ = check_document(doc, TARGET)
    assert findings == []
    doc.triton = True  # as if the script also started a V1 server
    findings, _ = check_document(doc, TARGET)
    assert findings == []


V1_LINE = "docker run -d -p 8000:8000 nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/models\n"
V2_LINE = ("docker run -d -p 8000:8000 nvcr.io/nvidia/tritonserver:24.10-py3 tritonserver "
           "--model-repository=/models --model-control-mode=poll --disable-auto-complete-config\n")


@pytest.mark.parametrize("src", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_with_a_v1_line_appended_changes_only_that_line(src, tmp_path):
    text = src.read_text()
    nl = "\r\n" if "\r\n" in text else "\n"
    if not text.endswith("\n"):
        text += nl
    res = _migrate(tmp_path, "script.sh", (text + V1_LINE.replace("\n", nl)).encode())
    assert res.status is Status.CHANGED, res.error
    assert res.new == (text + V2_LINE.replace("\n", nl)).encode()
    assert _bash_n(res.new).returncode == 0


# --- docker run ------------------------------------------------------------------------------


def _words(line: str):
    return [t.word for t in lex(line).tokens if t.word is not None]


@pytest.mark.parametrize("line, image, entry, after", [
    pytest.param("docker run img trtserver --model-store=/m", "img", None, ["trtserver", "--model-store=/m"],
                 id="plain"),
    pytest.param("docker run -it --rm -p8000:8000 -p 8001:8001 -v /a:/b --name x --gpus all --shm-size=1g "
                 "--ulimit memlock=-1 -w /w -u 1000:1000 --network host --runtime nvidia --ipc=host -e A=1 "
                 "--env B=2 img cmd", "img", None, ["cmd"], id="value-options"),
    pytest.param("docker run --entrypoint trtserver img --model-store=/m", "img", "trtserver",
                 ["--model-store=/m"], id="entrypoint"),
    pytest.param("docker run --entrypoint=/opt/tensorrtserver/bin/trtserver img", "img",
                 "/opt/tensorrtserver/bin/trtserver", [], id="entrypoint-eq"),
    pytest.param("docker run -itd -P --init --privileged img", "img", None, [], id="bool-bundle"),
    pytest.param("docker run -itp 80:80 img x", "img", None, ["x"], id="bundle-with-value"),
    pytest.param("docker -H tcp://h:2376 --tls container run --rm img x", "img", None, ["x"], id="global-flags"),
    pytest.param("podman run --replace --pull=always --name n img", "img", None, [], id="podman"),
    pytest.param("nvidia-docker run $DOCKER_ARGS nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver",
                 "nvcr.io/nvidia/tensorrtserver:20.02-py3", None, ["trtserver"], id="expansion-before-image"),
    pytest.param("docker run --rm \"$IMAGE\" --model-store=/m", "$IMAGE", None, ["--model-store=/m"],
                 id="image-variable"),
    pytest.param("docker create --name c img trtserver", "img", None, ["trtserver"], id="create"),
    pytest.param("docker run -d $GPU_FLAGS $IMAGE trtserver --model-store=/m", "$IMAGE", None,
                 ["trtserver", "--model-store=/m"], id="expansion-before-image-variable-then-server"),
    pytest.param("docker run $A --name trtserver -p 80:80 ${B} ${IMG} /opt/tensorrtserver/bin/trtserver", "${IMG}",
                 None, ["/opt/tensorrtserver/bin/trtserver"], id="expansions-and-options-before-image-variable"),
    pytest.param("docker run --rm $IMAGE /opt/tensorrtserver/bin/trtserver", "$IMAGE", None,
                 ["/opt/tensorrtserver/bin/trtserver"], id="server-path-after-image-variable"),
    pytest.param("docker run --rm $IMAGE env X=1 trtserver", "$IMAGE", None, ["env", "X=1", "trtserver"],
                 id="image-variable-then-env"),
])
def test_parse_docker_run(line, image, entry, after):
    dr = parse_docker_run(_words(line), 0)
    assert dr is not None
    assert dr.image is not None and dr.image.value == image
    assert (dr.entry.value if dr.entry else None) == entry
    assert [w.value for w in dr.after] == after


@pytest.mark.parametrize("text, image", [
    pytest.param('OPTS="--runtime=nvidia"\nIMAGE=nvcr.io/nvidia/tensorrtserver:20.02-py3\ndocker run -d $OPTS "$IMAGE"\n',
                 "$IMAGE", id="options-variable-then-v1-image-variable"),
    pytest.param("IMAGE=nvcr.io/nvidia/tensorrtserver:20.02-py3\ndocker run -d $OPTS ${IMAGE} --model-store=/m\n",
                 "${IMAGE}", id="unknown-expansion-then-v1-image-variable"),
    pytest.param("IMAGE=nvcr.io/nvidia/tensorrtserver:20.02-py3\nARGS=--model-store=/m\ndocker run $IMAGE $ARGS\n",
                 "$IMAGE", id="image-variable-then-its-arguments"),
])
def test_image_variable_after_options_variable(text, image):
    """A variable whose value is a Triton image is the image, after an expansion in the options' place."""
    runs = ShellDoc("x.sh", text).runs
    assert [r.image.value for r in runs] == [image] and runs[0].info.v1


@pytest.mark.parametrize("line", ["docker build -t x .", "docker exec c trtserver", "docker pull img",
                                  "docker image ls"])
def test_other_docker_commands_are_not_runs(line):
    assert parse_docker_run(_words(line), 0) is None


def test_entrypoint_eq_word_points_into_the_option():
    text = "docker run --entrypoint=trtserver img"
    dr = parse_docker_run(_words(text), 0)
    assert text[dr.entry.start:dr.entry.end] == "trtserver"


@pytest.mark.parametrize("value, expected", [
    ("8000:8000", ("8000", "8000")), ("9005:8005", ("9005", "8005")), ("127.0.0.1:9000:8000", ("9000", "8000")),
    ("[::1]:8000:8000", ("8000", "8000")), ("8000", (None, "8000")), ("8000/tcp", (None, "8000")),
    ("${HTTP_PORT}:8000", ("${HTTP_PORT}", "8000")), ("8000-8002:8000-8002", None), ("$P", None),
])
def test_publish_ports(value, expected):
    assert publish_ports(value) == expected


# --- command lines and what is not one ----------------------------------------------------------


def _lines(text: str):
    doc = ShellDoc("x.sh", text)
    return doc, [(cl.binary.value if cl.binary else None, cl.v1, [w.value for w, _ in cl.args()])
                 for cl in doc.command_lines()]


@pytest.mark.parametrize("text, expected", [
    pytest.param("trtserver --model-store=/m\n", [("trtserver", True, ["--model-store=/m"])], id="bare"),
    pytest.param("exec ./bin/trtserver \"$@\"\n", [("./bin/trtserver", True, ["$@"])], id="exec"),
    pytest.param("if true; then trtserver --x=1; fi\n", [("trtserver", True, ["--x=1"])], id="after-then"),
    pytest.param("timeout -s KILL 60 trtserver --x=1\n", [("trtserver", True, ["--x=1"])], id="timeout"),
    pytest.param("sh -c 'trtserver --x=1'\n", [("trtserver", True, ["--x=1"])], id="sh-c"),
    pytest.param("V=$(trtserver --x=1)\n", [("trtserver", True, ["--x=1"])], id="substitution"),
    pytest.param("eval trtserver --x=1\n", [("trtserver", True, ["--x=1"])], id="eval"),
    pytest.param("CMD=\"trtserver --x=1\"\n$CMD\n", [("trtserver", True, ["--x=1"])], id="variable"),
    pytest.param("S=trtserver\n$S --x=1\n", [("$S", True, ["--x=1"])], id="binary-variable"),
    pytest.param("docker run nvcr.io/nvidia/tritonserver:20.07-v1-py3 tritonserver --x=1\n",
                 [("tritonserver", True, ["--x=1"])], id="v1-image-v2-name"),
    pytest.param("docker run nvcr.io/nvidia/tritonserver:24.10-py3 tritonserver --x=1\n",
                 [("tritonserver", False, ["--x=1"])], id="v2-image"),
    pytest.param("I=nvcr.io/nvidia/tensorrtserver:20.02-py3\ndocker run $I --x=1\n",
                 [(None, True, ["--x=1"])], id="options-after-v1-image"),
    pytest.param("docker run --entrypoint trtserver img --x=1\n", [("trtserver", True, ["img", "--x=1"])],
                 id="entrypoint-args-start-at-image"),
    pytest.param("bash <<'EOF'\ntrtserver --x=1\nEOF\n", [("trtserver", True, ["--x=1"])], id="heredoc-to-bash"),
    pytest.param("cat <<'EOF'\ntrtserver --x=1\nEOF\n", [], id="heredoc-is-data"),
    pytest.param("echo \"trtserver --x=1\"\n", [], id="echo"),
    pytest.param("# trtserver --x=1\n", [], id="comment"),
    pytest.param("TRTSERVER_PORT=1 run\n", [], id="variable-name"),
    pytest.param("/opt/trtserver-go/bin/run --x=1\n", [], id="other-binary"),
    pytest.param("docker run --name trtserver img\n", [], id="container-name"),
    pytest.param("A=(--x=1\n  --y 2)\nA+=(--z=3)\ntrtserver \"${A[@]}\" --w=4\n",
                 [("trtserver", True, ["--x=1", "--y", "2", "--z=3", "--w=4"])], id="array"),
    pytest.param("A=(--x=1)\nA=(--y=2)\ntrtserver \"${A[@]}\"\n", [("trtserver", True, ["${A[@]}"])],
                 id="array-assigned-twice"),
    pytest.param("trtserver ${A[*]}\nA=(--x=1)\n", [("trtserver", True, ["${A[*]}"])], id="array-after-use"),
    pytest.param("kubectl run trtis --image=nvcr.io/nvidia/tensorrtserver:20.02-py3 --port=8000 -- "
                 "trtserver --model-store=/m\n", [("trtserver", True, ["--model-store=/m"])], id="kubectl-run"),
    pytest.param("kubectl run t --image nvcr.io/nvidia/tritonserver:20.03-py3 -- --model-store=/m\n",
                 [(None, True, ["--model-store=/m"])], id="kubectl-run-options"),
    pytest.param("ssh -p 2222 -i key -tt gpu-host docker run --rm tensorrtserver:20.02-py3 trtserver --x=1\n",
                 [("trtserver", True, ["--x=1"])], id="ssh-words"),
    pytest.param("ssh gpu-host 'nohup trtserver --x=1 &'\n", [("trtserver", True, ["--x=1"])], id="ssh-string"),
    pytest.param("sudo -u triton -E trtserver --x=1\n", [("trtserver", True, ["--x=1"])], id="sudo-user"),
    pytest.param("singularity exec --nv docker://nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --x=1\n",
                 [("trtserver", True, ["--x=1"])], id="singularity"),
    pytest.param("nerdctl run --rm nvcr.io/nvidia/tritonserver:20.07-v1-py3 tritonserver --x=1\n",
                 [("tritonserver", True, ["--x=1"])], id="nerdctl"),
    pytest.param("trtserver --help\n", [], id="help"),
    pytest.param("docker run nvcr.io/nvidia/tensorrt:20.02-py3 --x=1\n", [], id="tensorrt-sdk-image"),
    pytest.param("S=trtserver\necho $S\n", [], id="binary-variable-not-run"),
])
def test_command_lines(text, expected):
    _, got = _lines(text)
    assert got == expected


def test_regions_exclude_comments_and_data_heredocs():
    text = "a # trtserver\ncat <<EOF\nnvcr.io/nvidia/tensorrtserver:20.02-py3\nEOF\nb\n"
    doc = ShellDoc("x.sh", text)
    joined = "".join(r.text for r in doc.regions() if not r.report_only)
    assert "trtserver" not in joined and "tensorrtserver" not in joined
    assert joined == "a \ncat <<EOF\nEOF\nb\n"
    # the here-document's data is read, to be reported, never edited
    assert [r.text for r in doc.regions() if r.report_only] == ["nvcr.io/nvidia/tensorrtserver:20.02-py3\n"]
    # each region's text is the document's text at its offsets
    for r in doc.regions():
        assert text[r.base:r.base + len(r.text)] == r.text


def test_nested_comments_are_excluded_too():
    text = "bash -c 'x # trtserver --model-store=/m\ny'\n"
    doc = ShellDoc("x.sh", text)
    assert "trtserver" not in "".join(r.text for r in doc.regions())
    assert doc.command_lines() == []


def test_bom_and_crlf():
    text = "\ufeff#!/bin/sh\r\ntrtserver --model-store=/m \\\r\n  --log-verbose=1\r\n"
    doc = ShellDoc("x.sh", text)
    (cl,) = doc.command_lines()
    assert [w.value for w, _ in cl.args()] == ["--model-store=/m", "--log-verbose=1"]
    assert text[cl.binary.start:cl.binary.end] == "trtserver"


def test_a_server_in_a_script_makes_its_urls_triton():
    assert ShellDoc("x.sh", "tritonserver --model-repository=/m\ncurl x:8000/api/health/ready\n").triton
    assert not ShellDoc("x.sh", "curl x:8000/api/health/ready\n# trtserver\necho trtserver\n").triton
    assert ShellDoc("x.sh", "echo $TENSORRT_SERVER_VERSION\n").triton


# --- server_argv (for the real-server tests) ---------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("docker-run-continuations.sh",
     [["tritonserver", "--model-repository=/models", "--log-verbose=1", "--model-control-mode=poll", "--disable-auto-complete-config"]]),
    ("docker-entrypoint-option.sh",
     [["tritonserver", "--model-repository", "/m", "--repository-poll-secs", "30", "--model-control-mode", "poll",
       "--disable-auto-complete-config"],
      ["/opt/tritonserver/bin/tritonserver", "--model-control-mode=poll", "--disable-auto-complete-config"],
      ["tritonserver", "--model-repository=/m", "--model-control-mode=poll", "--disable-auto-complete-config"]]),
    ("docker-run-options-after-image.sh",
     [["tritonserver", "--model-repository=/models", "--model-control-mode=explicit", "--load-model=resnet50",
       "--load-model=densenet", "--disable-auto-complete-config"]]),
    ("variables.sh",
     [["tritonserver", "--model-repository=/models", "--backend-config=tensorflow,gpu-memory-fraction=0.5",
       "--model-control-mode=poll", "--disable-auto-complete-config"],
      ["$SERVER", "--model-repository=/models", "--exit-on-error=true", "--model-control-mode=poll", "--disable-auto-complete-config"]]),
])
def test_server_argv_of_migrated_fixtures(name, expected):
    path = FIXTURES / "shell" / name
    doc = ShellDoc(str(path), _out(path).decode())
    assert server_argv(doc) == expected


# --- bad input ---------------------------------------------------------------------------------


def test_unreadable_script_with_strong_evidence_is_an_error(tmp_path):
    res = _migrate(tmp_path, "run.sh", b"#!/bin/sh\ntrtserver --model-store=/m\necho 'oops\n")
    assert res.status is Status.FAILED
    assert [(f.rule, f.line) for f in res.findings] == [("TDM001", 3), ("TDM003", 2)]
    assert res.error_line == 3


def test_unreadable_script_with_weak_evidence_only_is_skipped(tmp_path):
    p = tmp_path / "run.sh"
    p.write_bytes(b"curl localhost:8000/api/health/ready\necho 'oops\n")
    res = process_file(str(p), "run.sh", Settings())
    assert res.status is Status.SKIPPED and res.findings == []


def test_shebang_file_without_extension_is_shell(tmp_path):
    res = _migrate(tmp_path, "start-server", b"#!/usr/bin/env bash\nexec trtserver --model-store=/m\n")
    assert res.kind == "shell"
    assert res.new == (b"#!/usr/bin/env bash\nexec tritonserver --model-repository=/m --model-control-mode=poll "
                       b"--disable-auto-complete-config\n")


def test_command_index_of_commands_module_is_used_past_keywords():
    # the engine's command word for a site must be the server, so the binary gets renamed
    doc = ShellDoc("x.sh", "while true; do trtserver --model-store=/m; done\n")
    sites = [s for s in doc.commands() if s.words and C.server_word(s.words) is not None]
    assert sites and sites[0].words[C.command_index(sites[0].words)].value == "trtserver"


@pytest.mark.parametrize("line,kind,name,namespace,ports", [
    ("kubectl -n ml port-forward svc/inference 18000:80", "service", "inference", "ml", [("18000", "80")]),
    ("kubectl port-forward --namespace=ml deployment/scorer 8000:http 8002", "deployment", "scorer", "ml",
     [("8000", "http"), ("8002", "8002")]),
    ("kubectl port-forward --address 0.0.0.0 pod/triton-0 8000:8000 :8001", "pod", "triton-0", None, [("8000", "8000")]),
    ("kubectl port-forward triton-0 9000:8000", "pod", "triton-0", None, [("9000", "8000")]),
])
def test_kubectl_port_forward_is_read(line, kind, name, namespace, ports):
    from triton_docker_migrate.documents.dockerrun import port_forward

    f = port_forward(line.split())
    assert (f.kind, f.name, f.namespace, f.ports) == (kind, name, namespace, ports)


@pytest.mark.parametrize("line", ["kubectl get pods", "kubectl port-forward svc/x :8000", "kubectl port-forward 8000:80"])
def test_what_forwards_no_known_host_port_is_not_a_forward(line):
    from triton_docker_migrate.documents.dockerrun import port_forward

    assert port_forward(line.split()) is None


@pytest.mark.parametrize("script", [
    # the tag's variable is used for something else too: changing it would change more than the image
    'IMAGE=nvcr.io/nvidia/tensorrtserver\nTAG=20.02-py3\necho "tag $TAG"\ndocker run "$IMAGE:$TAG" trtserver --model-store=/m\n',
    # the repository's variable is used alone somewhere
    'IMAGE=nvcr.io/nvidia/tensorrtserver\nTAG=20.02-py3\necho "$IMAGE"\ndocker run "$IMAGE:$TAG" trtserver --model-store=/m\n',
    # two tags for one repository
    'IMAGE=nvcr.io/nvidia/tensorrtserver\nA=20.02-py3\nB=19.10-py3\ndocker pull "$IMAGE:$A"\n'
    'docker run "$IMAGE:$B" trtserver --model-store=/m\n',
])
def test_an_image_in_two_variables_used_otherwise_stays_for_review(tmp_path, script):
    """``$IMAGE:$TAG`` is migrated with both values only when each variable is set once and used only there;
    otherwise the repository stays (TDM104) and the line that runs on it is an error (TDM105)."""
    res = _migrate(tmp_path, "run.sh", ("#!/bin/sh\n" + script).encode())
    assert b"tensorrtserver" in res.new
    assert {"TDM104", "TDM105"} <= {f.rule for f in res.findings}


@pytest.mark.parametrize("script", [
    'case "$1" in\n  trtserver|serve)\n    sync\n    ;;\nesac\n',
    'case $1 in (trtserver) sync ;& serve) sync;;& *) sync;; esac\n',
    'if true; then case "$1"\nin trtserver) sync;; esac; fi\n',
    'trtserver|serve) sync ;;\n',  # the case line is not in the text read (a CI script's list item)
    'x=$(case "$1" in trtserver) echo server;; *) (cd /tmp && ls);; esac)\n',
])
def test_case_patterns_are_no_commands(script):
    commands = C.split(lex(script).tokens)
    assert not any(C.command_index(words) is not None and words[C.command_index(words)].value == "trtserver"
                   for words in commands)
    patterns = [words for words in commands if isinstance(words, C.CasePattern)]
    assert all(C.command_index(words) is None for words in patterns)
    if "$(" not in script:
        assert [w.value for w in patterns[0]][0] == "trtserver"
        assert [w.value for ws in commands for w in ws if w.value == "sync"]


def test_a_folder_named_trtserver_makes_no_triton_context(tmp_path):
    """A path's component (``./cmd/trtserver``, ``/var/log/trtserver``) is no command word: the script's readiness
    loop on port 8000 waits for the program it starts, not for the server (CONTRACT.md, "V1 evidence")."""
    res = _migrate(tmp_path, "start.sh", b"#!/bin/sh\nset -e\ngo build -o bin/gateway ./cmd/trtserver\n"
                   b"mkdir -p /var/log/trtserver\n./bin/gateway --listen :8000 --log-dir /var/log/trtserver &\n"
                   b"until curl -sf http://localhost:8000/api/health/ready; do sleep 1; done\n")
    assert not [f for f in res.findings if f.rule.startswith("TDM4")]
    assert b"/api/health/ready" in res.new


@pytest.mark.parametrize("line, left", [
    pytest.param("$WRAPPER trtserver --model-store=/m", True, id="wrapper-variable"),
    pytest.param("$WRAPPER trtserver $ARGS", True, id="wrapper-variable-then-expansion"),
    pytest.param("docker run $OPTS $IMAGE env X=1 trtserver --model-store=/m", True, id="unread-image-then-env"),
    pytest.param("$DOCKER exec trtserver ls /m", False, id="container-named-for-the-server"),
])
def test_server_after_an_unread_command_word_is_evidence(line, left):
    from triton_docker_migrate.rules.residue import evidence_in

    pieces = evidence_in(ShellDoc("x.sh", line + "\n"), TARGET)
    assert any(p.text == "trtserver" for p in pieces) is left
