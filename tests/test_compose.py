"""docker-compose: migrated fixtures are valid compose files with the same structure; real compose
files nobody here wrote stay byte-identical, and a V1 service added to them is the only part that
changes; broken input fails cleanly; the YAML writer keeps values exact in every scalar style."""

from __future__ import annotations

import json
import pathlib
import re
import shlex
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from ruamel.yaml import YAML

from golden import adds_or_removes_units
from conftest import FIXTURES, migrate_text, same_shape, shared_dir
from strategies import run_cli, run_inprocess
from triton_docker_migrate.documents import compose as compose_mod
from triton_docker_migrate.syntax import yamlsrc
from triton_docker_migrate.documents.compose import ComposeDoc, server_argv
from triton_docker_migrate.syntax.yamlquote import double_quoted, render
from triton_docker_migrate.model import ProcessingError
from triton_docker_migrate.release import Release
from triton_docker_migrate.rules import tables as T
from triton_docker_migrate.rules.engine import check_document

COMPOSE = FIXTURES / "compose"
INPUTS = sorted(p for p in COMPOSE.glob("compose.*.yaml"))
MIGRATED = [p for p in INPUTS if p.with_name(p.name + ".out").exists()]
#: fixtures whose output keeps its units (side-by-side copies and retired units: tests/test_side_by_side.py)
SAME_UNITS = [p for p in MIGRATED if not adds_or_removes_units(p)]
SAFE = YAML(typ="safe", pure=True)
LISTS = set(compose_mod.EDITABLE_SEQUENCES)


def _load(data: bytes):
    docs = [d for d in SAFE.load_all(data.decode("utf-8-sig")) if d is not None]
    assert len(docs) == 1
    return docs[0]


def _schema() -> Draft7Validator:
    return Draft7Validator(json.loads((shared_dir() / "schema" / "compose-spec.json").read_text()))


# --- fixtures: schema, structure, server command lines ------------------------------------------


def test_fixtures_cover_the_forms():
    names = {p.name for p in INPUTS}
    assert len(MIGRATED) >= 20
    assert "compose.traps.yaml" in names and not (COMPOSE / "compose.traps.yaml.out").exists()
    assert not (COMPOSE / "compose.traps.yaml.findings").exists()


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_fixture_valid_compose_before_and_after(path):
    validator = _schema()
    out = path.with_name(path.name + ".out")
    for data in (path.read_bytes(), out.read_bytes() if out.exists() else None):
        if data is None:
            continue
        errors = [e.message for e in validator.iter_errors(_load(data))]
        assert errors == []


@pytest.mark.parametrize("path", SAME_UNITS, ids=[p.name for p in SAME_UNITS])
def test_migrated_fixture_has_the_same_structure(path):
    before = _load(path.read_bytes())
    after = _load(path.with_name(path.name + ".out").read_bytes())
    assert same_shape(before, after, LISTS) == []
    # and the values that changed are the ones the migration is about
    changed = _changed_values(before, after)
    assert changed, "nothing changed"
    for old, new in changed:
        assert re.search(r"tensorrtserver|trtserver|tritonserver:20\.0[367]|/api/|--|perf_client|8005|9005|TENSORRT|tensorrt-server",
                         str(old)), (old, new)


def _changed_values(a, b) -> list[tuple]:
    if isinstance(a, dict):
        return [c for k in a for c in _changed_values(a[k], b[k])]
    if isinstance(a, list):
        if len(a) != len(b):
            return [(a, b)]
        return [c for x, y in zip(a, b) for c in _changed_values(x, y)]
    return [] if a == b else [(a, b)]


@pytest.mark.parametrize("path", MIGRATED, ids=[p.name for p in MIGRATED])
def test_migrated_server_lines_are_v2_lines(path):
    """Every server command line left in a migrated fixture names the V2 binary and only options
    the 2.51.0 server accepts, written out in full - or is held on V1 whole, on an image that stays V1
    (the fixture's findings hold TDM105 or TDM109 for it)."""
    out = path.with_name(path.name + ".out")
    doc = ComposeDoc(str(out), out.read_bytes().decode("utf-8"))
    findings = path.with_name(path.name + ".findings").read_text()
    for argv in server_argv(doc):
        if argv[0].rsplit("/", 1)[-1] == "trtserver":
            assert re.search(r"TDM10[59] error .* held on V1", findings), argv
            continue
        assert argv[0].rsplit("/", 1)[-1] == "tritonserver", argv
        opts = [a[2:].partition("=")[0] for a in argv[1:] if a.startswith("--")]
        assert opts and all(o in T.V2_OPTIONS for o in opts), argv
        assert not set(opts) & {"model-store", "http-health-port", "api-version", "allow-model-control",
                                "allow-poll-model-repository", "grpc-stream-infer-thread-count"}


def test_server_argv_of_split_and_nested_lines():
    doc = ComposeDoc("compose.yaml", (COMPOSE / "compose.entrypoint-split.yaml.out").read_text())
    assert server_argv(doc) == [
        ["/opt/tritonserver/bin/tritonserver", "--model-repository=/models", "--http-port=9000",
         "--model-control-mode=poll", "--disable-auto-complete-config"],
        ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"],
    ]
    doc = ComposeDoc("compose.yaml", (COMPOSE / "compose.sh-c.yaml.out").read_text())
    assert server_argv(doc) == [
        ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"],
        ["tritonserver", "--model-repository=${MODEL_DIR:-/models}", "--model-control-mode=poll", "--disable-auto-complete-config"],
        ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"],
    ]


# --- real compose files ------------------------------------------------------------------------


def _awesome() -> list[pathlib.Path]:
    return sorted((shared_dir() / "corpus" / "awesome-compose").iterdir())


def pytest_generate_tests(metafunc):
    if "awesome" in metafunc.fixturenames:
        from conftest import SHARED

        files = sorted((SHARED / "corpus" / "awesome-compose").iterdir()) if SHARED.is_dir() else []
        metafunc.parametrize("awesome", files, ids=[p.name for p in files])


def test_awesome_compose_present():
    assert len(_awesome()) >= 10


def test_awesome_untouched_and_parsed_without_findings(awesome, tmp_path):
    dest = tmp_path / "compose.yaml"
    dest.write_bytes(awesome.read_bytes())
    code, report, err = run_inprocess(["compose.yaml"], tmp_path)
    assert code == 0, err
    assert dest.read_bytes() == awesome.read_bytes()
    assert report["findings"] == []
    # the prefilter skips them: parse them anyway
    doc = ComposeDoc(str(dest), awesome.read_text(encoding="utf-8"))
    findings, _ = check_document(doc, Release("24.10"))
    assert findings == []
    assert doc.command_lines() == []


V1_FLOW = [
    "triton-v1:",
    "  image: nvcr.io/nvidia/tensorrtserver:20.02-py3",
    '  command: ["trtserver", "--model-store=/models", "--http-health-port=8005"]',
    "  ports:",
    '    - "8000:8000"',
    '    - "8005:8005"',
    "  healthcheck:",
    '    test: ["CMD", "curl", "-f", "http://localhost:8005/api/health/ready"]',
]
V2_FLOW = [
    "triton-v1:",
    "  image: nvcr.io/nvidia/tritonserver:24.10-py3",
    '  command: ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"]',
    "  ports:",
    '    - "8000:8000"',
    "  healthcheck:",
    '    test: ["CMD", "curl", "-f", "http://localhost:8000/v2/health/ready"]',
]
V1_BLOCK = [
    "triton-v1:",
    "  image: nvcr.io/nvidia/tensorrtserver:20.02-py3",
    "  command:",
    "    - trtserver",
    "    - --model-store=/models",
    "    - --api-version=2",
    "  environment:",
    "    - LD_LIBRARY_PATH=/opt/tensorrtserver/lib",
]
V2_BLOCK = [
    "triton-v1:",
    "  image: nvcr.io/nvidia/tritonserver:24.10-py3",
    "  command:",
    "    - tritonserver",
    "    - --model-repository=/models",
    "    - --model-control-mode=poll",
    "    - --disable-auto-complete-config",
    "  environment:",
    "    - LD_LIBRARY_PATH=/opt/tritonserver/lib",
]


def _inject(data: bytes, stanza: list[str], where: str) -> tuple[bytes, int, int]:
    """``data`` with ``stanza`` added as a service (first or last of ``services:``), indented like
    the file's services; returns the new bytes and the range of the added part."""
    nl = b"\r\n" if b"\r\n" in data else b"\n"
    lines = data.split(nl)
    at = next(i for i, ln in enumerate(lines) if ln.rstrip() == b"services:")
    first = next(i for i in range(at + 1, len(lines)) if lines[i].strip() and not lines[i].lstrip().startswith(b"#"))
    indent = len(lines[first]) - len(lines[first].lstrip(b" "))

    def reindent(s: str) -> bytes:
        body = s.lstrip(" ")
        return (" " * (indent * ((len(s) - len(body)) // 2 + 1)) + body).encode()

    block = nl.join(reindent(s) for s in stanza)
    if where == "first":
        pos = at + 1
    else:
        pos = next((i for i in range(first, len(lines)) if lines[i][:1] not in (b" ", b"#", b"")), len(lines))
        while pos > first + 1 and not lines[pos - 1].strip():
            pos -= 1
    head = nl.join(lines[:pos])
    if pos == len(lines):
        return head + nl + block, len(head), len(head) + len(nl) + len(block)
    tail = nl.join(lines[pos:])
    return head + nl + block + nl + tail, len(head) + len(nl), len(head) + 2 * len(nl) + len(block)


@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize("v1,v2", [(V1_FLOW, V2_FLOW), (V1_BLOCK, V2_BLOCK)], ids=["flow", "block"])
def test_awesome_with_a_v1_service_changes_only_that_service(awesome, where, v1, v2, tmp_path):
    original = awesome.read_bytes()
    injected, start, end = _inject(original, v1, where)
    expected, _, _ = _inject(original, v2, where)
    dest = tmp_path / "compose.yaml"
    dest.write_bytes(injected)
    code, report, err = run_inprocess(["compose.yaml"], tmp_path)
    assert code == 0, err
    got = dest.read_bytes()
    assert got[:start] == injected[:start]
    assert got[len(got) - (len(injected) - end):] == injected[end:]
    assert got == expected
    assert _schema().iter_errors(_load(got)) is not None and not list(_schema().iter_errors(_load(got)))
    assert same_shape(_load(injected), _load(got), LISTS) == []
    first_line = injected[:start].count(b"\n") + 1
    last_line = injected[:end].count(b"\n") + 1
    assert {f["line"] for f in report["findings"]} <= set(range(first_line, last_line + 1))
    code2, report2, _ = run_inprocess(["compose.yaml"], tmp_path)
    assert code2 == 0 and dest.read_bytes() == expected
    assert [f for f in report2["findings"] if f["fixed"]] == []


# --- bad input -----------------------------------------------------------------------------------

BAD = {
    "broken": ("services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
               "    command: [\"trtserver\", \"--model-store=/models\"\n  web:\n    image: nginx\n", 5,
               "YAML parse error"),
    "duplicate-key": ("services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                      "    command: trtserver --model-store=/models\n    image: nginx\n", 5, "duplicate key 'image'"),
    "duplicate-service": ("services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                          "  triton:\n    image: nginx\n", 4, "duplicate key 'triton'"),
    "tab-indent": ("services:\n\ttriton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n", 2,
                   "YAML parse error"),
    "undefined-alias": ("services:\n  triton:\n    <<: *base\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n",
                        3, "undefined alias"),
    "recursive-alias": ("x: &a\n  - *a\nservices:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n", 2,
                        "recursive alias"),
}


def _bomb(levels: int = 12, width: int = 10) -> str:
    lines = ['x-a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"x-a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines += ["services:", "  triton:", "    image: nvcr.io/nvidia/tensorrtserver:20.02-py3",
              f"    command: *a{levels - 1}"]
    return "\n".join(lines) + "\n"


BAD["alias-bomb"] = (_bomb(), 16, "alias bomb")  # the alias that expands the most


@pytest.mark.parametrize("name", sorted(BAD), ids=sorted(BAD))
def test_bad_yaml_with_v1_evidence_fails_cleanly(name, tmp_path):
    text, line, words = BAD[name]
    dest = tmp_path / "docker-compose.yml"
    dest.write_text(text)
    started = time.monotonic()
    proc = run_cli("migrate", "--format", "json", "docker-compose.yml", cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert proc.returncode == 2
    assert dest.read_text() == text
    err = proc.stderr.decode()
    assert "Traceback" not in err
    errors = [ln for ln in err.splitlines() if ": error: " in ln]
    assert len(errors) == 1
    assert errors[0].startswith(f"docker-compose.yml:{line}: error: ")
    assert words in errors[0]
    report = json.loads(proc.stdout)
    assert report["files"][0]["error"] and [f["rule"] for f in report["findings"] if f["rule"] != "TDM003"] == ["TDM001"]
    # the V1 left in the untouched file is named line by line (no silent V1)
    v1_lines = [i + 1 for i, ln in enumerate(text.splitlines()) if "tensorrtserver" in ln or "trtserver" in ln]
    assert [f["line"] for f in report["findings"] if f["rule"] == "TDM003"] == v1_lines


def test_alias_bomb_is_refused_in_linear_time():
    started = time.monotonic()
    with pytest.raises(ProcessingError) as e:
        yamlsrc.load(_bomb(levels=30, width=30))  # 30**30 nodes once expanded
    assert time.monotonic() - started < 2
    assert e.value.line is not None


def test_anchors_used_many_times_are_fine():
    text = ("x-env: &env\n  - A=1\nservices:\n" + "".join(
        f"  s{i}:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n    environment: *env\n" for i in range(50)))
    doc = ComposeDoc("compose.yaml", text)
    assert len(doc.services) == 50


def test_weak_evidence_only_and_broken_is_skipped_silently(tmp_path):
    text = "services:\n  a:\n    command: [x, --http-health-port=1\n"
    (tmp_path / "compose.yaml").write_text(text)
    code, report, err = run_inprocess(["."], tmp_path)
    assert code == 0, err
    assert report["files"] == [] and report["findings"] == []


# --- verification ---------------------------------------------------------------------------------


def test_same_structure_catches_changed_types_and_keys():
    base = "services:\n  t:\n    image: x\n    ports: ['8000']\n    command: [a, b]\n"
    old = ComposeDoc("c.yaml", base)
    assert old.same_structure(ComposeDoc("c.yaml", base.replace("[a, b]", "[a]"))) is None
    assert "type" in old.same_structure(ComposeDoc("c.yaml", base.replace("image: x", "image: 1")))
    assert "keys" in old.same_structure(ComposeDoc("c.yaml", base.replace("image: x", "images: x")))
    assert old.same_structure(ComposeDoc("c.yaml", base.replace("['8000']", "[]"))) is None
    assert "length" in ComposeDoc("c.yaml", base.replace("ports", "volumes")).same_structure(
        ComposeDoc("c.yaml", base.replace("ports", "volumes").replace("['8000']", "[]")))


def test_env_file_with_v1_settings_is_reported(tmp_path):
    (tmp_path / "triton.env").write_text("LD_LIBRARY_PATH=/opt/tensorrtserver/lib\nOTHER=1\n")
    (tmp_path / "plain.env").write_text("OTHER=1\n")
    text = ("services:\n  triton:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
            "    env_file:\n      - plain.env\n      - triton.env\n      - missing.env\n")
    (tmp_path / "compose.yaml").write_text(text)
    doc = ComposeDoc(str(tmp_path / "compose.yaml"), text)
    findings, _ = check_document(doc, Release("24.10"))
    env = [f for f in findings if f.rule == "TDM501"]
    assert len(env) == 1 and env[0].fix is None
    assert "env_file triton.env holds V1 settings (line 1)" in env[0].message
    assert env[0].suggestion is None  # running the tool on an env file changes nothing: no command to suggest
    assert doc.position(env[0].span.start) == (6, 9)


def test_only_triton_services_change():
    text = ("services:\n  app:\n    image: myorg/app:1\n    command: [\"server\", \"--http-health-port=1\"]\n"
            "    healthcheck:\n      test: curl -f localhost/api/health/ready\n"
            "  trtserver:\n    image: redis\n    command: trtserver.sh --model-store=/m\n")
    doc = ComposeDoc("compose.yaml", text)
    findings, _ = check_document(doc, Release("24.10"))
    assert findings == []
    assert [s.triton for s in doc.services] == [False, False]


def test_triton_by_command_alone():
    text = "services:\n  s:\n    image: my-build\n    command: /opt/tensorrtserver/bin/trtserver --model-store=/m\n"
    doc = ComposeDoc("compose.yaml", text)
    assert doc.services[0].triton and doc.services[0].v1
    assert server_argv(doc) == [["/opt/tensorrtserver/bin/trtserver", "--model-store=/m"]]


# --- the YAML writer: values stay exact ------------------------------------------------------------

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
                | st.sampled_from(list(" \t:#,[]{}&*!|>'\"%@`-?\\\n")), max_size=20)


@settings(derandomize=True, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(value=_TEXT, style=st.sampled_from(["", "'", '"']), flow=st.booleans())
def test_render_reads_back_as_the_same_string(value, style, flow):
    raw = render(value, style, flow)
    text = f"k: [{raw}]\n" if flow else f"k: {raw}\n"
    loaded = SAFE.load(text)["k"]
    assert (loaded[0] if flow else loaded) == value
    if style:  # the quoting style is kept unless single quotes cannot carry the value
        assert raw[0] == style or (style == "'" and raw[0] == '"' and any(
            c in "\n\t\r\x85\u2028\u2029" or not (0x20 <= ord(c) < 0x7F or ord(c) >= 0xA0) for c in value))


@settings(derandomize=True, max_examples=300)
@given(value=_TEXT | st.text(max_size=10))
def test_double_quoted_is_json_and_yaml(value):
    """Manifests may be JSON: a double-quoted scalar the writer produces is a JSON string too."""
    raw = double_quoted(value)
    assert json.loads(raw) == value
    assert SAFE.load(f"k: {raw}\n")["k"] == value


_WORD = st.text(alphabet=st.sampled_from(list("abz019-=/._:,#'\" {}[]&*!|%@$")), min_size=1, max_size=12)


def _styled(value: str, style: str) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"':
        return json.dumps(value)
    return value


@settings(derandomize=True, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(st.sampled_from([("--model-store=/m",), ("--log-verbose=1",), ("--strict-model-config=false",),
                                       ("--model-store", "/models"), ("--tf-gpu-memory-fraction=0.5",),
                                       ("--api-version=2",), ("--http-health-port", "8005")]), max_size=5),
       style=st.sampled_from(["", "'", '"']), block=st.booleans(), crlf=st.booleans(), final_nl=st.booleans())
def test_migrated_command_lists_read_back_as_v2_argv(items, style, block, crlf, final_nl):
    argv = ["trtserver", *[w for option in items for w in option]]
    if block:
        cmd = "    command:\n" + "".join(f"      - {_styled(a, style)}\n" for a in argv)
    else:
        cmd = "    command: [" + ", ".join(_styled(a, style) if style else a for a in argv) + "]\n"
        if not style and any("," in a for a in argv):
            cmd = "    command: [" + ", ".join(json.dumps(a) for a in argv) + "]\n"
    text = "services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n" + cmd
    if not final_nl:
        text = text[:-1]
    if crlf:
        text = text.replace("\n", "\r\n")
    new = _migrate(text)
    assert new.count("\r\n") == new.count("\n") if crlf else "\r" not in new
    assert new.endswith("\n") == final_nl
    loaded = SAFE.load(new)["services"]["t"]["command"]
    assert loaded[0] == "tritonserver"
    opts = [a[2:].partition("=")[0] for a in loaded if a.startswith("--")]
    assert all(o in T.V2_OPTIONS for o in opts)
    assert not set(opts) & {"model-store", "api-version", "http-health-port"}
    assert "model-control-mode" in opts


@settings(derandomize=True, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(_WORD.filter(lambda w: w.strip() and "=" not in w[:2]), max_size=3),
       yaml_style=st.sampled_from(["", "'", '"', ">", "|"]))
def test_string_commands_split_back_to_the_same_words(words, yaml_style):
    """A command string keeps every word it had (as compose splits it) and gains the new option."""
    argv = ["trtserver", "--model-store=/m", *[w for w in words if not w.startswith("-")]]
    line = " ".join(shlex.quote(a) for a in argv)
    if yaml_style in (">", "|"):
        scalar = f"{yaml_style}\n      " + line + "\n"
    else:
        scalar = render(line, yaml_style, False) + "\n"
    text = "services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n    command: " + scalar
    try:
        SAFE.load(text)
    except Exception:
        return  # not a YAML input a user could have
    new = _migrate(text)
    got = shlex.split(SAFE.load(new)["services"]["t"]["command"])
    assert got == ["tritonserver", "--model-repository=/m", *argv[2:], "--model-control-mode=poll", "--disable-auto-complete-config"] or (
        got[:2] == ["tritonserver", "--model-repository=/m"] and "--model-control-mode=poll" in got)
    assert [w for w in got if w not in ("--model-control-mode=poll", "--disable-auto-complete-config")][2:] == argv[2:]


def _migrate(text: str) -> str:
    return migrate_text(ComposeDoc, "compose.yaml", text)


def test_compose_1_file_with_services_at_the_top_level():
    """The legacy Compose 1 format (no ``version``, no ``services``: each top-level entry is a service),
    common in V1-era repositories: its services migrate as any (before, the image moved and the
    ``trtserver`` command stayed, which the V2 image cannot run); a file with ``version`` or another
    top-level shape is not read that way."""
    from triton_docker_migrate.documents.compose import ComposeDoc

    text = ("triton:\n  image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n  command: trtserver --model-store=/m\n"
            "  ports: [\"8000:8000\"]\nredis:\n  image: redis:6\n")
    assert migrate_text(ComposeDoc, "docker-compose.yml", text) == (
        "triton:\n  image: nvcr.io/nvidia/tritonserver:24.10-py3\n"
        "  command: tritonserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config\n"
        "  ports: [\"8000:8000\"]\nredis:\n  image: redis:6\n")
    assert [s.name for s in ComposeDoc("docker-compose.yml", text).services] == ["triton", "redis"]
    assert ComposeDoc("docker-compose.yml", "version: '3'\n" + text).services == []
    assert ComposeDoc("docker-compose.yml", "name: x\n" + text).services == []


def test_compose_1_file_refuses_a_side_by_side_copy(tmp_path, capsys, monkeypatch):
    from conftest import cli

    text = "triton:\n  image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n  command: trtserver --model-store=/m\n"
    (tmp_path / "docker-compose.yml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, out, _err = cli(capsys, "migrate", "--side-by-side", "--format", "json", "docker-compose.yml")
    report = json.loads(out)
    assert (tmp_path / "docker-compose.yml").read_text() == text
    kept = [f for f in report["findings"] if f["rule"] == "TDM005"]
    assert len(kept) == 1 and "a Compose 1 file (its services at the top level) has no place for a copy" \
        in kept[0]["message"]
