"""The unit kind: systemd services and supervisord programs, read as their programs read them.

Oracles: ``systemd-analyze verify`` (systemd 252 of the machine; the migrated units must load
without a message), Python's ``configparser`` with supervisord's settings and ``shlex`` (supervisord
splits ``command=`` with it), the real server through tests/test_e2e_server.py (every migrated
command line starts), and the system's own units as a corpus."""

from __future__ import annotations

import configparser
import pathlib
import re
import shlex
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from conftest import FIXTURES, cli
from golden import inputs, run_fixture
from triton_docker_migrate import kinds
from triton_docker_migrate.documents.unit import UnitDoc
from triton_docker_migrate.model import Status
from triton_docker_migrate.pipeline import build_document
from triton_docker_migrate.syntax.inifile import configparser_entries, systemd_entries

UNIT_FIXTURES = [p for p in inputs(FIXTURES) if kinds.kind_by_name(str(p)) == "unit"]
SERVICES = [p for p in UNIT_FIXTURES if p.suffix == ".service"]
SUPERVISOR = [p for p in UNIT_FIXTURES if p.suffix == ".conf"]
SYSTEM_UNITS = sorted(pathlib.Path("/usr/lib/systemd/system").glob("*.service"))


def test_there_are_unit_fixtures():
    assert len(SERVICES) >= 4 and len(SUPERVISOR) >= 2


@pytest.mark.parametrize("path,kind", [
    ("deploy/triton.service", "unit"),
    ("TRITON.SERVICE", "unit"),
    ("supervisord.conf", "unit"),
    ("etc/supervisor/conf.d/triton.conf", "unit"),
    ("supervisord.d/triton.conf", "unit"),
    ("docker/supervisor/triton.conf", "unit"),
    ("etc/nginx/triton.conf", "text"),
    ("triton.conf", "text"),
    ("supervisor.conf.d/notes.txt", "text"),
    ("triton.service.d/override.conf", "unit"),  # a drop-in: it overrides the unit's ExecStart=
    ("etc/systemd/system/triton.service.d/notes.txt", "text"),
])
def test_unit_files_by_name(path, kind):
    assert kinds.kind_of(path, b"[Service]\nExecStart=/usr/bin/trtserver\n") == kind


# --- the line readers ------------------------------------------------------------------------

def test_systemd_reader_joins_continuations_and_skips_comments():
    text = ("[Service]\n"
            "  ExecStart = /bin/a --x=1 \\\n"
            "# a comment inside the continuation\n"
            "   ; and another\n"
            "\t--y=2\\\n"
            "--z \n"
            "Environment=A=1 # not a comment\n"
            "ExecStop=/bin/b \\\\\n"
            "Description=after an escaped backslash\n")
    ini = systemd_entries(text)
    got = [(e.section, e.key, e.value) for e in ini.entries]
    assert got == [("Service", "ExecStart", "/bin/a --x=1  --y=2 --z"),
                   ("Service", "Environment", "A=1 # not a comment"),
                   ("Service", "ExecStop", "/bin/b \\\\"),
                   ("Service", "Description", "after an escaped backslash")]
    for e in ini.entries:
        for ch, off in zip(e.value, e.offsets):
            assert text[off] == ch or (ch == " " and text[off] == "\\")
    assert [text[c.start:c.end] for c in ini.comments] == ["# a comment inside the continuation", "; and another"]


_CP_PIECES = st.sampled_from([
    "[program:a]\n", "[s]\n", "command=trtserver --x=1\n", "command = a ; c\n", "key: v # c\n",
    "    --more=2\n", "\t--tab\n", "  ; indented comment\n", "# comment\n", "\n", "   \n", "k=v;x\n",
    "environment=A=\"1\",B=2\n", "x=\n", "  cont after empty\n", "k = a\r\n", "  b\r\n", "k=v#x ; y\n",
])


@hsettings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(_CP_PIECES, min_size=1, max_size=12))
def test_configparser_reader_reads_as_configparser(pieces):
    text = "".join(pieces)
    cp = configparser.RawConfigParser(inline_comment_prefixes=(";", "#"), strict=False, interpolation=None)
    ini = configparser_entries(text, (";", "#"))
    try:
        cp.read_string(text)
    except configparser.Error:
        assert ini.errors  # refused by both
        return
    assert ini.errors == []
    want = {(s, k): v for s in cp.sections() for k, v in cp.items(s)}
    got = {}
    for e in ini.entries:
        got[(e.section, e.key.lower())] = e.value
        for ch, off in zip(e.value, e.offsets):
            assert text[off] == ch or ch == "\n"
    assert got == want


# --- systemd-analyze verify --------------------------------------------------------------------

@pytest.fixture(scope="module")
def systemd_root(tmp_path_factory):
    """A root for ``systemd-analyze verify --root``: the system's units (targets the fixtures name)."""
    exe = shutil.which("systemd-analyze")
    assert exe is not None, "systemd-analyze is missing: install Debian's systemd package (.ci/run does)"
    root = tmp_path_factory.mktemp("systemd-root")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    return exe, root


def _verify(systemd_root, name: str, text: str) -> subprocess.CompletedProcess:
    exe, root = systemd_root
    units = root / "etc/systemd/system"
    units.mkdir(parents=True, exist_ok=True)
    (units / name).write_text(text)
    entries = systemd_entries(text).entries
    for e in entries:  # stub units for the dependencies the machine lacks (docker.service)
        if e.key in ("Requires", "Wants", "After", "BindsTo"):
            for dep in e.value.split():
                if not (root / "usr/lib/systemd/system" / dep).exists() and not (units / dep).exists():
                    (units / dep).write_text("[Service]\nExecStart=/bin/true\n")
    for e in entries:  # stub executables: verify checks that each one exists
        if not e.key.startswith("Exec"):
            continue
        first = re.sub(r"^(?:[-@:+]|!!?)*", "", e.value).split()[0].strip("\"'")
        stub = root / first.lstrip("/")
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    return subprocess.run([exe, "verify", "--man=no", f"--root={root}", name], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("path", SERVICES, ids=[p.name for p in SERVICES])
def test_migrated_unit_loads_in_systemd(path, systemd_root):
    """systemd reads the migrated unit without a single complaint, as it read the original."""
    res = run_fixture(path)
    assert res.status is not Status.FAILED
    for label, text in (("original", path.read_text()), ("migrated", res.new.decode())):
        done = _verify(systemd_root, path.name, text)
        assert (done.returncode, done.stdout, done.stderr) == (0, "", ""), label


def test_the_systemd_oracle_has_teeth(systemd_root):
    done = _verify(systemd_root, "bad.service", '[Service]\nExecStart=/usr/bin/trtserver "--model-store=/m\n')
    assert done.returncode != 0


def test_exact_command_words_are_systemds(tmp_path):
    """Where the unit document edits a command, its words are those systemd passes (whole-word quotes,
    continuations as blanks): compared with shlex, which splits such lines the same way."""
    for path in SERVICES:
        for text in (path.read_text(), run_fixture(path).new.decode()):
            doc = UnitDoc(path.name, text)
            inexact = [(s, e) for s, e, note in doc.report_only() if "differently" in note]
            for e in doc.command_entries:
                if any(s <= e.offsets[0] < t for s, t in inexact):
                    continue
                value = re.sub(r"^(?:[-@:+]|!!?)*", "", e.value)
                words = [w.value for s in doc.sites for w in s.words
                         if s.label == e.key and e.offsets[0] <= w.start <= e.offsets[-1]]
                argv = shlex.split(value)
                if e.value.startswith("@"):
                    argv = argv[:1] + argv[2:]
                assert words[:len(argv)] == argv, (path.name, e.key)


# --- supervisord: configparser and shlex ---------------------------------------------------------

def _supervisor(text: str) -> configparser.RawConfigParser:
    cp = configparser.RawConfigParser(inline_comment_prefixes=(";", "#"), strict=False, interpolation=None)
    cp.read_string(text)
    return cp


@pytest.mark.parametrize("path", SUPERVISOR, ids=[p.name for p in SUPERVISOR])
def test_migrated_supervisord_reads_the_same_way(path):
    """configparser reads the same sections and keys; each command, split by shlex as supervisord
    splits it (after its %(name)s expansion), is the argv the unit document reads."""
    res = run_fixture(path)
    before, after = _supervisor(path.read_text()), _supervisor(res.new.decode())
    assert [(s, list(before[s])) for s in before.sections()] == [(s, list(after[s])) for s in after.sections()]
    doc = UnitDoc(str(path), res.new.decode())
    for section in after.sections():
        if "command" not in after[section]:
            continue
        command = re.sub(r"%\((\w+)\)s", r"${\1}s", after[section]["command"])
        entry = next(e for e in doc.command_entries if e.section == section)
        words = [w.value for s in doc.sites if s.words and entry.offsets[0] <= s.words[0].start <= entry.offsets[-1]
                 for w in s.words][:len(shlex.split(command))]
        assert words == shlex.split(command)


def test_supervisord_commands_after_migration():
    res = run_fixture(FIXTURES / "unit" / "supervisord.conf")
    cp = _supervisor(res.new.decode())
    assert shlex.split(cp["program:trtserver"]["command"]) == [
        "/opt/tritonserver/bin/tritonserver", "--model-repository=%(ENV_MODEL_REPOSITORY)s",
        "--repository-poll-secs=30", "--model-control-mode=poll", "--disable-auto-complete-config"]
    assert shlex.split(cp["program:client-setup"]["command"]) == [
        "/bin/bash", "-c", "pip install 'tritonclient[all]==2.51.0' && python3 /app/warmup.py"]
    assert shlex.split(shlex.split(cp["program:client-setup"]["command"])[2])[:3] == [
        "pip", "install", "tritonclient[all]==2.51.0"]


# --- reading -----------------------------------------------------------------------------------

def test_exec_prefixes_argv0_and_environment():
    text = ("[Service]\n"
            "Environment=\"TENSORRT_SERVER_VERSION=1.10\" PATH=/opt/tensorrtserver/bin:/bin\n"
            "ExecStart=-@/usr/bin/trtserver trt --model-store=/m\n"
            "ExecStartPost=+/bin/echo ${TENSORRT_SERVER_VERSION}\n")
    doc = UnitDoc("x.service", text)
    [cl] = doc.command_lines()
    assert [w.value for w, _ in cl.args()] == ["--model-store=/m"]
    assert cl.binary.value == "/usr/bin/trtserver" and cl.v1
    assert [(n, text[s.start:s.end]) for n, s in doc.env_definitions()] == [
        ("TENSORRT_SERVER_VERSION", "TENSORRT_SERVER_VERSION"), ("PATH", "PATH")]
    # the V1 variable a command reads comes from the unit's own environment: reported, not renamed alone
    spans = [(text[a:b], note) for a, b, note in doc.report_only()]
    assert spans == [("${TENSORRT_SERVER_VERSION}", " (systemd expands it from the unit's own environment: "
                                                     "rename it there and here together)")]


def test_a_v1_variable_in_a_command_is_reported_not_renamed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = ("[Service]\nEnvironment=TENSORRT_SERVER_VERSION=1.10\n"
            "ExecStart=/usr/bin/trtserver --model-store=/m --id=${TENSORRT_SERVER_VERSION}\n")
    (tmp_path / "t.service").write_text(text)
    code, out, _ = cli(capsys, "migrate", "--format", "json", "t.service")
    import json

    found = {(f["rule"], f["line"], f["column"], f["fixed"]) for f in json.loads(out)["findings"]}
    assert ("TDM501", 2, 13, False) in found and ("TDM501", 3, 54, False) in found
    assert "${TENSORRT_SERVER_VERSION}" in (tmp_path / "t.service").read_text()


def test_user_of_the_host_is_not_the_image_user():
    text = "[Service]\nUser=tensorrt-server\nExecStart=/usr/bin/trtserver --model-store=/m\n"
    res = _migrate("t.service", text)
    assert "User=tensorrt-server\n" in res


def _migrate(name: str, text: str, target: str = "24.10") -> str:
    from triton_docker_migrate.release import Release
    from triton_docker_migrate.rules.engine import check_document
    from triton_docker_migrate.writer import apply, choose_fixes

    doc = build_document(kinds.kind_by_name(name) or "text", name, text)
    findings, _ = check_document(doc, Release(target))
    return apply(text, choose_fixes(findings))


@pytest.mark.parametrize("name,text,want", [
    pytest.param("a.service", "[Service]\nExecStart=/bin/sh -c 'pip install tensorrtserver'\n",
                 "[Service]\nExecStart=/bin/sh -c 'pip install \"tritonclient[all]\"'\n", id="systemd-single-quoted-script"),
    pytest.param("a.service", "[Service]\nExecStart=/usr/bin/pip install \"tensorrtserver==1.10.0\"\n",
                 "[Service]\nExecStart=/usr/bin/pip install \"tritonclient[all]==2.51.0\"\n", id="systemd-quoted-word"),
    pytest.param("supervisord.conf", "[program:c]\ncommand=sh -c 'pip install tensorrtserver'\n",
                 "[program:c]\ncommand=sh -c 'pip install \"tritonclient[all]\"'\n", id="supervisord-single-quoted-script"),
    pytest.param("supervisord.conf", "[program:c]\ncommand=pip install tensorrtserver==1.10.0\n",
                 "[program:c]\ncommand=pip install tritonclient[all]==2.51.0\n", id="supervisord-word"),
    pytest.param("supervisord.conf",
                 "[program:t]\ncommand=trtserver\n  --model-store=/m\n  --api-version=1\n\n[program:u]\ncommand=x\n",
                 "[program:t]\ncommand=tritonserver\n  --model-repository=/m\n  --model-control-mode=poll\n"
                 "  --disable-auto-complete-config\n\n"
                 "[program:u]\ncommand=x\n", id="supervisord-lines"),
])
def test_words_are_written_in_each_layers_syntax(name, text, want):
    assert _migrate(name, text) == want


def test_a_semicolon_comment_suppresses(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = ("[Service]\n; triton-docker-migrate: ignore[TDM601]\n"
            "ExecStartPre=/usr/bin/pip3 install tensorrtserver==1.10.0\n")
    (tmp_path / "t.service").write_text(text)
    code, out, err = cli(capsys, "migrate", "--check", "t.service")
    assert code == 0 and (tmp_path / "t.service").read_text() == text


# --- the system's units as a corpus ----------------------------------------------------------------

def test_system_units_are_there():
    assert len(SYSTEM_UNITS) >= 20


@pytest.mark.parametrize("path", SYSTEM_UNITS, ids=[p.name for p in SYSTEM_UNITS])
def test_system_unit_round_trip(path):
    """A real unit reads without error and wants nothing; with a V1 command appended to its [Service]
    section, only the appended line changes."""
    text = path.read_text()
    assert _migrate(path.name, text) == text
    extra = "ExecStartPost=/usr/bin/trtserver --model-store=/m --allow-poll-model-repository=false\n"
    if "[Service]" not in text:
        text += "\n[Service]\n"
    at = text.index("[Service]") + len("[Service]\n")
    injected = text[:at] + extra + text[at:]
    got = _migrate(path.name, injected)
    assert got == text[:at] + ("ExecStartPost=/usr/bin/tritonserver --model-repository=/m "
                               "--model-control-mode=none --disable-auto-complete-config\n") + text[at:]


# --- mutants ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", UNIT_FIXTURES, ids=[str(p.relative_to(FIXTURES)) for p in UNIT_FIXTURES])
def test_mutants_read_or_are_refused(path, tmp_path):
    """Truncated, spliced, bit-flipped files (tests/test_fuzz.py's mutations): the reader builds the
    document or refuses it with a ProcessingError, and every site it exposes lies inside the text."""
    import random

    from test_fuzz import _mutate
    from triton_docker_migrate.model import ProcessingError

    kind = kinds.kind_by_name(str(path))
    for k in range(60):
        op, data = _mutate(path.read_bytes(), random.Random(f"{path.name}/{k}"))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        name = str(tmp_path / str(k) / path.relative_to(FIXTURES / "unit"))
        try:
            doc = build_document(kind, name, text)
        except ProcessingError:
            continue
        spans = [r.span(0, len(r.text)) for r in doc.regions() if r.text]
        spans += [w.span for s in doc.commands() for w in s.words]
        spans += [w.span for cl in doc.command_lines() for seg in cl.segments for w in seg.words]
        spans += [r.span for r in doc.requirements()] + [s for _, s in doc.env_definitions()]
        spans += [type(spans[0])(a, b) for a, b, _ in doc.report_only()] if spans else []
        assert all(0 <= s.start <= s.end <= len(text) for s in spans), op
        for r in doc.requirements():
            if r.replacer is not None:
                e = r.replace("tritonclient[all]==2.51.0")
                assert r.span.start <= e.span.start <= e.span.end <= max(r.span.end, e.span.end) <= len(text)
