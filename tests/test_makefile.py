"""Makefiles: the fixtures against GNU make (dry run) and bash, the third-party corpus, and how
recipe lines become shell text."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import FIXTURES, SHARED, shared_dir
from golden import inputs
from triton_docker_migrate.documents.makefile import MakefileDoc, _logical_lines, braced, make_to_shell
from triton_docker_migrate.documents.shell import server_argv
from triton_docker_migrate.model import Status
from triton_docker_migrate.release import Release
from triton_docker_migrate.rules.engine import check_document
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.settings import Settings

TARGET = Release("24.10")
MAKE_FIXTURES = inputs(FIXTURES / "makefile")
CORPUS = sorted((SHARED / "corpus" / "makefiles").glob("*")) if SHARED.is_dir() else []
_RULE = re.compile(r"^([A-Za-z0-9][\w.-]*)[ \t]*:(?!=)", re.M)


def _out(path: pathlib.Path) -> bytes:
    out = path.with_name(path.name + ".out")
    return out.read_bytes() if out.exists() else path.read_bytes()


def _dry_run(tmp_path: pathlib.Path, data: bytes) -> str:
    """`make -n` of every target: the recipes exactly as make hands them to the shell."""
    assert shutil.which("make"), "GNU make is needed by these tests"
    mk = tmp_path / "Makefile"
    mk.write_bytes(data.replace(b"\r\n", b"\n"))  # GNU make reads CRLF too; bash -n would not
    # a `+` recipe line runs even under -n: the fixtures must not have one
    assert not re.search(rb"^\t[@-]*\+", data, re.M)
    script = []
    for target in dict.fromkeys(_RULE.findall(data.decode().replace("\r\n", "\n"))):
        res = subprocess.run(["make", "-n", "-B", "-f", str(mk), target], cwd=tmp_path, capture_output=True,
                             check=False)
        assert res.returncode == 0, res.stderr.decode()
        script.append(res.stdout.decode())
    return "".join(script)


def _migrate(tmp_path: pathlib.Path, name: str, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return process_file(str(p), name, Settings(), explicit=True)


# --- fixtures against make and bash ----------------------------------------------------------


def test_there_are_makefile_fixtures():
    assert len(MAKE_FIXTURES) >= 5


@pytest.mark.parametrize("path", MAKE_FIXTURES, ids=[str(p.relative_to(FIXTURES)) for p in MAKE_FIXTURES])
def test_migrated_recipes_are_valid_shell_as_make_expands_them(path, tmp_path):
    before = _dry_run(tmp_path, path.read_bytes())
    after = _dry_run(tmp_path, _out(path))
    assert before.strip() and after.strip()
    res = subprocess.run(["bash", "-n"], input=after.encode(), capture_output=True, check=False)
    assert res.returncode == 0, res.stderr.decode()
    if path.with_name(path.name + ".out").exists():
        assert before != after


def test_dry_run_of_serve_fixture_is_the_v2_command(tmp_path):
    out = _dry_run(tmp_path, _out(FIXTURES / "makefile" / "serve" / "Makefile"))
    assert ("\tnvcr.io/nvidia/tritonserver:24.10-py3 \\\n\ttritonserver --model-repository=/models \\\n"
            "\t\t--repository-poll-secs= \\\n\t\t--model-control-mode=poll \\\n\t\t--disable-auto-complete-config\n") in out
    assert "8005" not in out


# --- corpus ------------------------------------------------------------------------------------


def test_corpus_is_there():
    assert len(sorted((shared_dir() / "corpus" / "makefiles").glob("*"))) >= 5


@pytest.mark.parametrize("src", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_unchanged(src, tmp_path):
    res = _migrate(tmp_path, "Makefile", src.read_bytes())
    assert res.status is Status.UNCHANGED
    assert res.new == src.read_bytes()
    assert res.findings == []


@pytest.mark.parametrize("src", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_document_finds_nothing_even_in_a_triton_context(src):
    doc = MakefileDoc(str(src), src.read_text())
    assert doc.command_lines() == []
    assert doc.sites  # the recipes were read
    findings, _ = check_document(doc, TARGET)
    assert findings == []
    doc.triton = True
    findings, _ = check_document(doc, TARGET)
    assert findings == []


V1_RULE = ("\ntrtis-serve:\n\t$(DOCKER) run --rm -p 8000:8000 nvcr.io/nvidia/tensorrtserver:20.02-py3 \\\n"
           "\t\ttrtserver --model-store=/models\n")
V2_RULE = ("\ntrtis-serve:\n\t$(DOCKER) run --rm -p 8000:8000 nvcr.io/nvidia/tritonserver:24.10-py3 \\\n"
           "\t\ttritonserver --model-repository=/models --model-control-mode=poll --disable-auto-complete-config\n")


@pytest.mark.parametrize("src", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_with_a_v1_rule_appended_changes_only_that_rule(src, tmp_path):
    text = src.read_text()
    if not text.endswith("\n"):
        text += "\n"
    res = _migrate(tmp_path, "Makefile", (text + V1_RULE).encode())
    assert res.status is Status.CHANGED, res.error
    assert res.new == (text + V2_RULE).encode()


def test_corpus_recipes_with_docker_variables_are_docker_runs():
    src = shared_dir() / "corpus" / "makefiles" / "k8s-device-plugin_Makefile"
    doc = MakefileDoc(str(src), src.read_text())
    images = [r.image.value for r in doc.runs]
    assert images == ["${BUILDIMAGE}", "${BUILDIMAGE}"]
    assert [w.value for w in doc.runs[0].after] == ["make", "${*}"]


# --- reading make ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, shell", [
    ("echo $$HOME", "echo $HOME"),
    ("$(DOCKER) run $(IMAGE)", "${DOCKER} run ${IMAGE}"),
    ("${X} $@ $< $*", "${X} ${@} ${<} ${*}"),
    ("$(shell echo $(A))", "${shell echo ${A}}"),
    ("for f in $$(ls); do echo $$f; done", "for f in $(ls); do echo $f; done"),
])
def test_make_to_shell(raw, shell):
    text, offsets = make_to_shell(raw, 0, len(raw))
    assert text == shell
    assert len(offsets) == len(text)
    # every character comes from the make text, in order
    assert offsets == sorted(offsets) and all(0 <= o < len(raw) for o in offsets)


def test_braced_keeps_length_and_plain_parentheses():
    raw = "A := $(call f,(x)) $$(y) (z)"
    assert braced(raw) == "A := ${call f,(x)} $$(y) (z)"


def test_logical_lines_join_continuations():
    t = "A = 1 \\\n  2\nb:\n\tx \\\r\n\ty\n"
    assert [t[a:b] for a, b in _logical_lines(t, 0)] == ["A = 1 \\\n  2", "b:", "\tx \\\r\n\ty"]


def _doc(text: str) -> MakefileDoc:
    return MakefileDoc("Makefile", text)


def test_recipe_prefixes_and_inline_recipes():
    doc = _doc("a:\n\t@-trtserver --model-store=/m\nb: c ; +trtserver --model-store=/n\n")
    assert server_argv(doc) == [["trtserver", "--model-store=/m"], ["trtserver", "--model-store=/n"]]


def test_comments_defines_and_non_recipes_are_not_commands():
    text = ("# trtserver --model-store=/m\n"
            "define X\n\ttrtserver --model-store=/m\nendef\n"
            "\ttrtserver --model-store=/before-any-rule\n"
            "A = 1 # trtserver\n"
            "b:\n\t# trtserver --model-store=/m\n\techo \\# trtserver\n")
    doc = _doc(text)
    assert doc.command_lines() == []
    joined = "".join(r.text for r in doc.regions())
    assert "# trtserver" not in joined.replace("\\#", "")
    assert "A = 1 " in joined and "echo \\# trtserver" in joined


def test_recipeprefix():
    doc = _doc(".RECIPEPREFIX = >\na:\n> trtserver --model-store=/m\n")
    assert server_argv(doc) == [["trtserver", "--model-store=/m"]]


def test_conditionals_keep_the_recipe_open():
    doc = _doc("a:\n\techo 1\nifeq ($(X),1)\n\ttrtserver --model-store=/m\nendif\n")
    assert server_argv(doc) == [["trtserver", "--model-store=/m"]]


def test_variable_image_resolves_through_make_variables():
    doc = _doc("TAG ?= 20.02\nIMG = nvcr.io/nvidia/tensorrtserver:$(TAG)-py3\na:\n\tdocker run $(IMG) --model-store=/m\n")
    (cl,) = doc.command_lines()
    assert cl.binary is None and cl.v1


def test_unreadable_recipe_with_strong_evidence_is_an_error(tmp_path):
    res = _migrate(tmp_path, "Makefile", b"a:\n\ttrtserver --model-store='/m\n")
    assert res.status is Status.FAILED and res.error_line == 2


def test_unreadable_recipe_without_evidence_is_left_alone():
    doc = _doc("a:\n\techo 'x\nb:\n\ttrtserver --model-store=/m\n")
    assert server_argv(doc) == [["trtserver", "--model-store=/m"]]


@pytest.mark.parametrize("body, triton", [
    ("docker run --rm $(IMAGE) \\\n  tritonserver $(ARGS)", True),
    ("docker run --rm nvcr.io/nvidia/tritonserver:24.10-py3 $(ARGS)", True),
    ("/opt/tritonserver/bin/tritonserver --model-repository=$(1)", True),
    ("# tritonserver --model-repository=/m", False),  # a comment of the recipe it is expanded into
    ("docker run --name tritonserver $(TRT_IMAGE) trtexec --onnx=$(1)", False),  # a name, not the server
])
def test_a_define_that_runs_the_server_makes_the_file_the_servers(body, triton):
    """A ``define`` body is no command line, but one that runs the server (or names its image) makes
    the recipes' V1 endpoints Triton's (they passed the gate silently)."""
    doc = _doc(f"define SERVE\n{body}\nendef\nready:\n\tcurl -sf localhost:8000/api/health/ready\n")
    assert doc.command_lines() == []
    assert doc.triton is triton


def test_a_binary_built_from_a_folder_named_trtserver_makes_no_triton_context():
    """``go build ./cmd/trtserver`` names a folder of the project, not the server run: the health URL of another
    recipe, on a port no server of the file answers on, is the project's own (CONTRACT.md, "V1 evidence")."""
    doc = MakefileDoc("Makefile", "GO ?= go\n\nbuild:\n\t$(GO) build -o bin/gateway ./cmd/trtserver\n\n"
                      "health:\n\tcurl -f localhost:9000/api/health/ready\n\tcurl -fs http://localhost:9000/api/status\n")
    findings, _ = check_document(doc, TARGET)
    assert not [f for f in findings if f.rule.startswith("TDM4")]
