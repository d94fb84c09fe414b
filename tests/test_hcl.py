"""Terraform and Nomad job specs (kind hcl): what the reader reads, and the ecosystem's parsers as
oracles for every fixture's output - tree-sitter-hcl reads it without an error and with the same
blocks and attributes, and python-hcl2 (a second, independent HCL parser) loads input and output to
the same shape, allowing only what the migration may change (command and port lists, removed
``port`` blocks, a new ``args`` list, a probe port turned from a name into a number)."""

from __future__ import annotations

import json
import pathlib
import sys

import hcl2
import pytest
import tree_sitter
import tree_sitter_hcl
from hcl2.utils import SerializationOptions

from conftest import FIXTURES
from golden import inputs, render_findings, run_fixture
from triton_docker_migrate import kinds
from triton_docker_migrate.documents import hcl as D
from triton_docker_migrate.documents.text import TextDoc
from triton_docker_migrate.model import ProcessingError, Status
from triton_docker_migrate.pipeline import build_document, process_file
from triton_docker_migrate.settings import Settings
from triton_docker_migrate.syntax import hcl as H

#: (Terraform's variable values written as JSON are of the kind too, but not HCL: their oracle is JSON's, below)
CASES = [p for p in inputs(FIXTURES) if kinds.kind_by_name(p.name) == "hcl" and not p.name.endswith(".json")]
IDS = [str(p.relative_to(FIXTURES)) for p in CASES]
JSON_CASES = [p for p in inputs(FIXTURES) if kinds.kind_by_name(p.name) == "hcl" and p.name.endswith(".json")]
#: lists whose length the migration may change; keys whose value may turn from a name to a number
LISTS = {"command", "commands", "args", "entrypoint", "ports", "port"}
RETYPED = {"port", "target_port"}
#: mappings whose entries the migration may remove (a Nomad docker task's ``port_map``: the health port's)
ENTRIES_REMOVED = ("port_map",)


def output_of(path: pathlib.Path) -> bytes:
    out = path.with_name(path.name + ".out")
    return (out if out.exists() else path).read_bytes()


def test_fixtures_cover_terraform_and_nomad():
    assert {p.suffix for p in CASES} == {".tf", ".nomad", ".hcl"}
    assert sum(1 for p in CASES if p.with_name(p.name + ".out").exists()) >= 7
    assert any(b"\r\n" in p.read_bytes() for p in CASES)
    assert any(not p.read_bytes().isascii() for p in CASES)


# --- oracles -------------------------------------------------------------------------------------

def _shape(value):
    """A JSON value with its strings left out: what an edit of a string may not change."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


@pytest.mark.parametrize("path", JSON_CASES, ids=[str(p.relative_to(FIXTURES)) for p in JSON_CASES])
def test_tfvars_json_output_is_json_of_the_same_shape(path):
    """``*.tfvars.json`` (Terraform's variable values as JSON): Python's JSON parser reads input and output to
    the same keys, lists and value types; the migration changed some strings."""
    before, after = json.loads(path.read_bytes()), json.loads(output_of(path))
    assert _shape(before) == _shape(after)
    assert before != after


def test_tfvars_json_is_covered():
    assert JSON_CASES


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_tree_sitter_reads_the_output_with_the_same_structure(path):
    data = output_of(path)
    root = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language())).parse(data).root_node
    assert not root.has_error
    before = D.HclDoc(str(path), path.read_bytes().decode("utf-8"))
    after = D.HclDoc(str(path), data.decode("utf-8"))
    assert before.same_structure(after) is None


def test_a_function_call_keeps_its_shape_around_the_strings_an_edit_changes():
    """``jsonencode([{...}])`` is compared without its strings (a command list inside it may grow or
    shrink), but its keys, names and brackets must stay."""
    base = 'resource "aws_ecs_task_definition" "t" {\n  container_definitions = jsonencode([{ image = "a", command = ["x", "y"] }])\n}\n'

    def problem(new: str):
        return D.HclDoc("t.tf", base).same_structure(D.HclDoc("t.tf", new))

    assert problem(base.replace('"x", "y"', '"x", "z", "w"')) is None
    assert problem(base.replace('["x", "y"]', '["x"]')) is None
    assert problem(base.replace("command", "entryPoint")) is not None
    assert problem(base.replace("jsonencode", "yamlencode")) is not None
    assert problem(base.replace('image = "a"', 'image = var.a')) is not None


def test_a_heredoc_read_as_json_keeps_its_shape():
    """Container definitions written as JSON in a heredoc are compared as JSON: a command list may grow or
    shrink, nothing else may change, and the heredoc must still read."""
    base = ('resource "aws_ecs_task_definition" "t" {\n  container_definitions = <<EOT\n'
            '[{"image": "a", "command": ["x", "y"], "essential": true}]\nEOT\n}\n')

    def problem(new: str):
        return D.HclDoc("t.tf", base).same_structure(D.HclDoc("t.tf", new))

    assert problem(base.replace('"x", "y"', '"x", "z", "w"')) is None
    assert problem(base.replace('"command"', '"entryPoint"')) is not None
    assert problem(base.replace('"x", "y"]', '"x", "y"')) is not None  # no longer JSON
    assert problem(base.replace("true", '"true"')) is not None


def test_heredocs_of_containers_load_to_the_same_shape_with_an_independent_parser():
    """The heredocs the reader reads as JSON or YAML (a fixture of each), loaded by PyYAML before and after the
    migration (indentation stripped as ``<<-`` does): the same keys, the lists a fix may change aside (command
    lists, an ECS container's port mappings)."""
    import textwrap

    import yaml

    def shape(v, key=""):
        if isinstance(v, dict):
            return {k: shape(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return None if key in ("command", "args", "entryPoint", "portMappings") else [shape(x, key) for x in v]
        return type(v).__name__

    seen = 0
    for path in CASES:
        before = D.HclDoc(str(path), path.read_bytes().decode("utf-8"))
        after = D.HclDoc(str(path), output_of(path).decode("utf-8"))
        read = [h for h in before._heredocs.values() if h.value is not None]
        for h in read:
            n = after._heredocs[min(after._heredocs, key=lambda k: abs(k - h.heredoc.start))]
            a = yaml.safe_load(textwrap.dedent(h.heredoc.value))
            b = yaml.safe_load(textwrap.dedent(n.heredoc.value))
            assert shape(a) == shape(b), path
            seen += 1
    assert seen >= 5


def _load(data: bytes) -> dict:
    text = data.decode("utf-8").lstrip("\ufeff")
    return hcl2.loads(text, serialization_options=SerializationOptions(strip_string_quotes=True))


def shape_differences(a, b, key: str = "", parents: tuple[str, ...] = ()) -> list[str]:
    """Differences between two loaded HCL documents, less what the migration may change (a list of a
    server's arguments, also where an input variable's default or a local value holds them)."""
    if key in RETYPED and isinstance(a, (str, int)) and isinstance(b, (str, int)):
        return []
    if type(a) is not type(b):
        return [f"{key}: {type(a).__name__} -> {type(b).__name__}"]
    if isinstance(a, dict):
        added = [k for k in b if k not in a]
        kept = [k for k in a if k in b or key not in ENTRIES_REMOVED]  # (a port the migration removed)
        if kept != [k for k in b if k in a] or any(k != "args" for k in added):
            return [f"{key}: keys {list(a)} -> {list(b)}"]
        return [d for k in a if k in b for d in shape_differences(a[k], b[k], str(k), parents + (key,))]
    if isinstance(a, list):
        if key in LISTS or (key == "default" and "variable" in parents) or "locals" in parents:
            return []
        if len(a) != len(b):
            return [f"{key}: length {len(a)} -> {len(b)}"]
        return [d for x, y in zip(a, b) for d in shape_differences(x, y, key, parents)]
    return []


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_python_hcl2_loads_input_and_output_to_the_same_shape(path):
    before, after = _load(path.read_bytes()), _load(output_of(path))
    assert shape_differences(before, after) == []


def test_the_shape_oracle_has_teeth():
    a = _load(b'x {\n  image = "a"\n  args = ["--a", "--b"]\n}\n')
    assert shape_differences(a, _load(b'x {\n  image = "a"\n  args = ["--a"]\n}\n')) == []
    assert shape_differences(a, _load(b'x {\n  image = "a"\n}\n'))
    assert shape_differences(a, _load(b'x {\n  image = 1\n  args = ["--a"]\n}\n'))
    assert shape_differences(a, _load(b'x {\n  args = ["--a"]\n  image = "a"\n}\n'))


# --- which files, and without the grammar ----------------------------------------------------------

@pytest.mark.parametrize("name", ["main.tf", "deploy/triton.nomad", "job.hcl", "MAIN.TF"])
def test_hcl_owns_its_suffixes_and_leaves_the_text_fast_path(name):
    assert kinds.kind_of(name, b"") == "hcl"
    assert not kinds.text_by_name(name)


def test_without_the_grammar_hcl_files_are_reported_as_text(monkeypatch):
    """The ``[hcl]`` extra is optional: without tree-sitter-hcl the file is read as text, its V1
    evidence reported and nothing changed; the run does not fail."""
    monkeypatch.setitem(sys.modules, "tree_sitter_hcl", None)
    path = FIXTURES / "hcl" / "terraform-deployment.tf"
    assert isinstance(build_document("hcl", str(path), path.read_text()), TextDoc)
    res = process_file(str(path), path.name, Settings(), explicit=True)
    assert res.status is Status.UNCHANGED and res.kind == "hcl" and res.error is None
    assert res.new == res.original
    lines = render_findings(res).splitlines()
    assert lines and not [f for f in res.findings if f.fixed]
    assert "38:20 TDM101" in lines[0]


def test_with_the_grammar_hcl_files_are_hcl_documents():
    path = FIXTURES / "hcl" / "terraform-deployment.tf"
    assert isinstance(build_document("hcl", str(path), path.read_text()), D.HclDoc)


# --- bad input --------------------------------------------------------------------------------------

def test_a_syntax_error_with_v1_evidence_is_reported_with_its_line(tmp_path):
    p = tmp_path / "main.tf"
    p.write_text('resource "kubernetes_pod" "t" {\n  spec {\n    image = "nvcr.io/nvidia/tensorrtserver:20.02-py3\n  }\n}\n')
    res = process_file(str(p), "main.tf", Settings())
    assert res.status is Status.FAILED and res.error_line == 3
    assert res.error == "HCL syntax error (unexpected text)" or res.error.startswith("HCL syntax error (missing")
    # TDM001 for the file, and the V1 evidence left in it line by line (TDM003)
    assert [(f.rule, f.line) for f in res.findings] == [("TDM001", 3), ("TDM003", 3)]
    assert p.read_bytes().startswith(b"resource")


def test_a_syntax_error_with_weak_evidence_only_is_skipped(tmp_path):
    p = tmp_path / "main.tf"
    p.write_text('check {\n  path = "/api/health/ready\n')
    res = process_file(str(p), "main.tf", Settings())
    assert res.status is Status.SKIPPED and not res.findings


def test_parse_raises_a_processing_error():
    with pytest.raises(ProcessingError) as e:
        H.parse('a = "x\n')
    assert e.value.line == 1


# --- reading: offsets, strings ----------------------------------------------------------------------

def test_byte_offsets_become_code_point_offsets():
    text = 'a = "é"\n# 🚀 ü\nb = "日本 x"\n'
    chars = H._Chars(text)
    for i in range(len(text) + 1):
        assert chars(len(text[:i].encode("utf-8"))) == i
    t = H.parse(text)
    b = t.root.attr("b").value.string
    assert b.value == "日本 x" and [text[o] for o in b.offsets] == list("日本 x")


@pytest.mark.parametrize("raw,value,dynamic", [
    (r'"plain"', "plain", False),
    (r'"a\"b\\c\n"', 'a"b\\c\n', False),
    (r'"\u00e9\U0001F680"', "é🚀", False),
    (r'"$${x} %%{y}"', "${x} %{y}", False),
    (r'"--model-store=${var.dir}/m"', "--model-store=${var.dir}/m", True),
    (r'"x%{ if true }y%{ endif }"', "x%{ if true }y%{ endif }", True),
])
def test_strings_decode_with_an_offset_per_character(raw, value, dynamic):
    text = f"a = {raw}\n"
    s = H.parse(text).root.attr("a").value.string
    assert (s.value, s.dynamic) == (value, dynamic)
    assert len(s.offsets) == len(s.value)
    for ch, o in zip(s.value, s.offsets):
        assert text[o] == ch or o in s.irregular


@pytest.mark.parametrize("value", ["--x", 'a"b', "back\\slash", "new\nline", "${not}", "%{not}", "tab\t", "é🚀"])
def test_quote_writes_a_literal_that_reads_back_as_the_value(value):
    s = H.parse(f"a = {H.quote(value)}\n").root.attr("a").value.string
    assert (s.value, s.dynamic) == (value, False)


def test_heredoc_value_is_its_lines():
    text = 'a = <<-EOT\n  one ${var.x}\n  two\n  EOT\nb = 1\n'
    s = H.parse(text).root.attr("a").value.string
    assert s.heredoc and s.dynamic and s.value == "  one ${var.x}\n  two\n"


def test_comments_are_never_regions():
    text = ('# trtserver\n// nvcr.io/nvidia/tensorrtserver:20.02-py3\n/* /opt/tensorrtserver */\n'
            'x {\n  a = "keep" # /opt/tensorrtserver\n}\n')
    doc = D.HclDoc("x.tf", text)
    assert [r.text for r in doc.regions()] == ["keep"]
    assert len(doc.tree.comments) == 4


# --- sites ------------------------------------------------------------------------------------------

def test_terraform_command_and_args_are_separate_segments():
    text = ('resource "kubernetes_deployment" "t" {\n  spec {\n    template {\n      spec {\n        container {\n'
            '          image   = "nvcr.io/nvidia/tensorrtserver:20.02-py3"\n'
            '          command = ["trtserver"]\n          args    = ["--model-store=/m", "${var.extra}"]\n'
            '        }\n      }\n    }\n  }\n}\n')
    doc = D.HclDoc("main.tf", text)
    (cl,) = doc.command_lines()
    assert [s.label for s in cl.segments] == ["command", "args"]
    assert cl.v1 and cl.binary.value == "trtserver"
    assert [(w.value, w.is_whole_expansion) for w, _ in cl.args()] == [("--model-store=/m", False),
                                                                        ("${var.extra}", True)]
    assert D.server_argv(doc) == [["trtserver", "--model-store=/m"]]


def test_nomad_args_that_are_an_expression_cannot_take_new_options(tmp_path):
    p = tmp_path / "job.nomad"
    p.write_text('job "j" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n      config {\n'
                 '        image   = "nvcr.io/nvidia/tensorrtserver:20.02-py3"\n        command = "trtserver"\n'
                 '        args    = var.args\n      }\n    }\n  }\n}\n')
    res = process_file(str(p), "job.nomad", Settings())
    assert res.status is Status.FAILED and res.error_line == 7
    assert res.error.startswith("cannot add --model-control-mode=poll: the task's args is not a list")


def test_suppression_comments_in_each_hcl_comment_syntax(tmp_path):
    p = tmp_path / "main.tf"
    p.write_text('x {\n  // triton-docker-migrate: ignore[TDM101]\n  a = "nvcr.io/nvidia/tensorrtserver:20.02-py3"\n'
                 '  b = "nvcr.io/nvidia/tensorrtserver:20.02-py3" /* triton-docker-migrate: ignore[TDM101] */\n'
                 '  # triton-docker-migrate: ignore[TDM201]\n  c = "/opt/tensorrtserver/lib"\n'
                 '  d = "/opt/tensorrtserver/lib"\n}\n')
    res = process_file(str(p), "main.tf", Settings())
    assert [(f.rule, f.line) for f in res.findings] == [("TDM201", 7)]


def test_output_of_every_fixture_is_stable():
    """A second run over each output finds nothing more to fix (test_golden checks the bytes)."""
    for path in CASES:
        res = run_fixture(path)
        assert res.status is not Status.FAILED


# --- the [hcl] extra at its declared floors -----------------------------------------------------------

def test_hcl_extra_floors_are_true(tmp_path):
    """With the ``[hcl]`` extra at its declared minimum versions (uv's ``lowest-direct``), every HCL
    fixture still comes out byte for byte as its golden output."""
    import re
    import subprocess
    import tomllib

    from conftest import ROOT
    from packaging.version import Version

    with open(ROOT / "pyproject.toml", "rb") as f:
        extra = tomllib.load(f)["project"]["optional-dependencies"]["hcl"]
    floors = {m.group(1): m.group(2) for m in (re.match(r"^([\w.-]+)>=([\w.]+)$", d) for d in extra) if m}
    assert set(floors) == {"tree-sitter", "tree-sitter-hcl"}
    venv = tmp_path / "floor"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = str(venv / "bin" / "python")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=900, cwd=ROOT)

    p = run(py, "-m", "pip", "install", "-q", "uv")
    assert p.returncode == 0, p.stderr[-2000:]
    p = run(str(venv / "bin" / "uv"), "pip", "install", "-q", "--python", py, "--resolution", "lowest-direct",
            "-e", f"{ROOT}[hcl]")
    assert p.returncode == 0, p.stderr[-2000:]
    p = run(str(venv / "bin" / "uv"), "pip", "freeze", "--python", py)
    installed = {line.split("==")[0].lower(): line.split("==")[1] for line in p.stdout.splitlines() if "==" in line}
    for name, floor in floors.items():
        assert Version(installed[name]) == Version(floor), f"{name} is {installed.get(name)}, not {floor}"
    script = ("import pathlib, sys\n"
              "from triton_docker_migrate.pipeline import process_file\n"
              "from triton_docker_migrate.settings import Settings\n"
              "for p in map(pathlib.Path, sys.argv[1:]):\n"
              "    res = process_file(str(p), p.name, Settings(), explicit=True)\n"
              "    out = p.with_name(p.name + '.out')\n"
              "    print(p.name, res.new == (out if out.exists() else p).read_bytes(), res.error)\n")
    p = run(py, "-c", script, *map(str, CASES))
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.splitlines() == [f"{c.name} True None" for c in CASES]


# --- mutation fuzz ---------------------------------------------------------------------------------

_STRUCTURAL = '"{}[],\\$%=#/*<\n'


def _mutants(data: str, seed: int, count: int = 60) -> list[str]:
    import random

    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        t = list(data)
        for _ in range(rnd.randint(1, 4)):
            op = rnd.choice(["delete", "insert", "duplicate", "truncate"])
            n = len(t)
            i = rnd.randrange(n + 1)
            if op == "delete" and n:
                del t[i:i + rnd.randint(1, 20)]
            elif op == "insert":
                t[i:i] = rnd.choice(_STRUCTURAL)
            elif op == "duplicate" and n:
                j = rnd.randrange(n)
                t[i:i] = t[j:j + rnd.randint(1, 60)]
            elif op == "truncate":
                t = t[:i]
        out.append("".join(t))
    return out


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_mutated_fixtures_end_in_success_or_a_clean_error(path, tmp_path):
    """Truncated, spliced and broken HCL: a clean result or a one-line error, never an internal error;
    what is written reads back without an error."""
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
    for k, text in enumerate(_mutants(path.read_bytes().decode("utf-8"), seed=k_seed(path))):
        p = tmp_path / f"{k}{path.suffix}"
        p.write_text(text, encoding="utf-8", newline="")
        res = process_file(str(p), p.name, Settings(), explicit=True)
        assert res.error is None or "internal error" not in res.error, (text, res.error)
        if res.status is Status.CHANGED:
            assert not parser.parse(res.new).root_node.has_error, text


def k_seed(path: pathlib.Path) -> int:
    return sum(path.name.encode())


# --- large files: read in runs of top-level blocks ----------------------------------------------------

def _signature(tree: H.Tree) -> list:
    out = []
    for b in tree.blocks():
        out.append((b.type, tuple(b.labels), b.start, b.end, b.body_start, b.body_end))
        for it in b.items:
            if isinstance(it, H.Attribute):
                out.append((it.name, it.start, it.end, [(s.start, s.end, s.value, list(s.offsets), s.dynamic)
                                                        for s in it.value.all_strings()]))
    return out + sorted(tree.comments)


@pytest.mark.parametrize("trap", [False, True], ids=["cut", "cut-inside-a-heredoc"])
def test_a_large_file_reads_the_same_in_runs_of_blocks(monkeypatch, trap):
    """Files above ``CHUNK`` are read one run of whole top-level blocks at a time (tree-sitter's tree
    would take more than 1 GiB for 10 MiB); the tree is the same as when read whole, and a cut that
    falls inside a heredoc (a line that looks like a block's first) falls back to reading it whole."""
    parts = [p.read_bytes().decode("utf-8").replace("\r\n", "\n") for p in CASES if p.suffix == ".tf"]
    if trap:
        parts.insert(0, 'locals {\n  x = <<EOT\n' + "y\n" * 1600 + 'resource "not" "a-block" {\nEOT\n}\n')
    text = "\n".join(parts * 3)
    monkeypatch.setattr(H, "CHUNK", 3000)
    chunked = H._parse_chunks(text)
    assert (chunked is None) == trap
    assert _signature(H.parse(text)) == _signature(H._parse_whole(text))
    if not trap:
        assert _signature(chunked) == _signature(H._parse_whole(text))


def test_a_probe_on_a_v1_endpoint_makes_a_tritonserver_line_v1():
    """CONTRACT.md: a line is V1 when its container's probes use a V1 endpoint (20.06-v1 and 20.07-v1
    run a binary already called tritonserver)."""
    text = ('resource "kubernetes_pod" "t" {\n  spec {\n    container {\n      image = var.image\n'
            '      args  = ["tritonserver", "--model-repository=/m"]\n'
            '      readiness_probe {\n        http_get {\n          path = "%s"\n          port = 8000\n'
            '        }\n      }\n    }\n  }\n}\n')
    (v1,) = D.HclDoc("main.tf", text % "/api/health/ready").command_lines()
    (v2,) = D.HclDoc("main.tf", text % "/v2/health/ready").command_lines()
    assert (v1.v1, v2.v1) == (True, False)
