"""The requirements kind and the client-wheel rule (TDM601) in every carrier.

Oracles: pip's own requirements-file parser (``pip._internal.req.req_file``) reads the same
requirements as the document, before and after; ``packaging.requirements.Requirement`` parses every
requirement the tool wrote; ``tomllib`` (pyproject.toml), ``configparser`` (setup.cfg) and PyYAML
(environment.yml) read the migrated files, with exact expected lists."""

from __future__ import annotations

import configparser
import pathlib
import tomllib

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from packaging.requirements import Requirement as Req
from packaging.version import Version

from conftest import FIXTURES
from golden import inputs, run_fixture
from triton_docker_migrate import kinds
from triton_docker_migrate.documents.requirements import RequirementsDoc, read_pip_lines
from triton_docker_migrate.model import Status
from triton_docker_migrate.pipeline import build_document
from triton_docker_migrate.release import Release
from triton_docker_migrate.rules import tables as T
from triton_docker_migrate.rules.clients import client_pin
from triton_docker_migrate.rules.engine import check_document
from triton_docker_migrate.syntax.tomlspans import TString, scan
from triton_docker_migrate.writer import apply, choose_fixes

REQ = FIXTURES / "requirements"
FIXTURE_FILES = [p for p in inputs(FIXTURES) if kinds.kind_by_name(str(p)) == "requirements"]
PIP_FILES = [p for p in FIXTURE_FILES if p.suffix == ".txt"]


def migrate(name: str, text: str, target: str = "24.10") -> tuple[str, list]:
    doc = build_document(kinds.kind_of(name, text.encode()[:8192]), name, text)
    findings, _ = check_document(doc, Release(target))
    return apply(text, choose_fixes(findings)), findings


def test_there_are_fixtures_of_every_form():
    names = {p.name for p in FIXTURE_FILES}
    assert {"requirements.txt", "constraints.txt", "pyproject.toml", "setup.cfg", "environment.yml"} <= names
    assert len(PIP_FILES) >= 7


@pytest.mark.parametrize("path,kind", [
    ("requirements.txt", "requirements"),
    ("app/requirements-dev.txt", "requirements"),
    ("Requirements_GPU.TXT", "requirements"),
    ("constraints.txt", "requirements"),
    ("setup.cfg", "requirements"),
    ("pkg/pyproject.toml", "requirements"),
    ("environment.yml", "requirements"),
    ("conda/environment-gpu.yaml", "requirements"),
    ("requirements.md", "text"),
    ("docs/requirements.rst", "text"),
    ("tox.ini", "text"),
    ("notes.txt", "text"),
    (".github/workflows/environment.yml", "ci"),  # an earlier row wins
])
def test_requirement_files_by_name(path, kind):
    assert kinds.kind_of(path, b"tensorrtserver==1.10.0\n") == kind


@pytest.mark.parametrize("path,text", [
    ("requirements.txt", False), ("setup.cfg", False), ("pyproject.toml", False), ("constraints-x.txt", False),
    ("notes.txt", True), ("x.cfg", True), ("x.toml", True), ("supervisor/x.conf", False), ("x.conf", True),
    ("Dockerfile.txt", False), ("templates/x.md", True),
])
def test_text_by_name_asks_the_table(path, text):
    """A row that claims a path by its name wins over the text extensions of the fast path."""
    assert kinds.text_by_name(path) is text


# --- pip's reading ---------------------------------------------------------------------------------

def pip_reads(path: pathlib.Path) -> list[tuple[str, bool, bool]]:
    """(requirement, editable, hashed) of each requirement pip reads in ``path``."""
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements

    for nested in ("requirements-base.txt",):
        (path.parent / nested).touch()
    out = []
    for r in parse_requirements(str(path), session=PipSession()):
        out.append((r.requirement.strip(), r.is_editable, bool((r.options or {}).get("hashes"))))
    return out


def _editable_value(text: str) -> str:
    """The path or URL of an ``-e`` requirement as written (``-e x``, ``-ex``, ``--editable=x``)."""
    import re
    import shlex

    return shlex.split(re.sub(r"^(?:-e|--editable)[ \t=]*", "", text))[0]


def doc_reads(name: str, text: str) -> list[tuple[str, bool, bool]]:
    doc = RequirementsDoc(name, text)
    return [(_editable_value(r.text) if r.editable else r.text, r.editable, r.hashed)
            for r in doc.requirements()]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pip's internals import pkg_resources
@pytest.mark.parametrize("path", PIP_FILES, ids=[str(p.relative_to(REQ)) for p in PIP_FILES])
def test_pip_reads_what_the_document_reads(path, tmp_path, monkeypatch):
    monkeypatch.delenv("TRTIS_CLIENT_VERSION", raising=False)
    res = run_fixture(path)
    assert res.status is not Status.FAILED
    for label, data in (("original", path.read_bytes()), ("migrated", res.new)):
        f = tmp_path / label / path.name
        f.parent.mkdir()
        f.write_bytes(data)
        assert pip_reads(f) == doc_reads(path.name, data.decode()), label


_LINE_PIECES = st.sampled_from([
    "tensorrtserver==1.10.0", "numpy", "a>=1 ; python_version > '3'", " # c", "#c", " \\", "\\", " ", "\t",
    "--hash=sha256:" + "0" * 64, "-r x.txt", "-e ./pkg", "https://h/p/tensorrtserver-1.0-py3-none-any.whl",
    "  --hash=sha256:" + "1" * 64, "x @ https://h/x-1.tar.gz", "b[e]~=2.0", "c (>=1)",
])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@hsettings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.lists(_LINE_PIECES, min_size=0, max_size=4).map("".join).filter(lambda line: "\\-" not in line),
                min_size=1, max_size=8))
def test_pip_lines_join_and_cut_as_pip_does(tmp_path_factory, lines):
    from pip._internal.exceptions import InstallationError, RequirementsFileParseError

    text = "\n".join(lines) + "\n"
    d = tmp_path_factory.mktemp("pip")
    (d / "x.txt").touch()
    (d / "pkg").mkdir()
    (d / "pkg" / "setup.py").write_text("")
    f = d / "requirements.txt"
    f.write_text(text)
    try:
        want = pip_reads(f)
    except (InstallationError, RequirementsFileParseError, SystemExit, ValueError):
        return  # pip refuses the file (a --hash without a requirement, an unknown option, bad quoting)
    got = [(_editable_value(r.text) if r.editable else r.text, r.editable, r.hashed)
           for r in RequirementsDoc("requirements.txt", text).requirements()]
    assert got == want


# --- every requirement written parses; exact lists per format ----------------------------------------

def _written(path: pathlib.Path) -> list[str]:
    """Every requirement of the migrated fixture that names tritonclient."""
    res = run_fixture(path)
    doc = RequirementsDoc(path.name, res.new.decode())
    return [r.text for r in doc.requirements() if "tritonclient" in r.text]


@pytest.mark.parametrize("path", [p for p in FIXTURE_FILES if p.name != "pyproject.toml" or "poetry" not in str(p)],
                         ids=lambda p: str(p.relative_to(REQ)))
def test_every_requirement_written_parses(path):
    written = _written(path)
    for text in written:
        r = Req(text)
        # a constraints file takes a name and a version only (pip: "Constraints cannot have extras")
        extras = set() if path.name.lower().startswith("constraints") else {"all"}
        assert (r.name, r.extras) == ("tritonclient", extras), text
        assert all(Version(s.version) in {Version(v) for v in T.TRITONCLIENT_VERSIONS} for s in r.specifier)


def test_pyproject_after_migration():
    res = run_fixture(REQ / "pep621" / "pyproject.toml")
    data = tomllib.loads(res.new.decode())
    assert data["project"]["dependencies"] == [
        "numpy>=1.19", "tritonclient[all]==2.51.0", 'tritonclient[all]>=2.51.0; python_version >= "3.6"']
    assert data["project"]["optional-dependencies"] == {
        "grpc": ["grpcio>=1.29", "tritonclient[all]"], "perf": ["tritonclient[all]==2.51.0"]}
    assert data["build-system"] == tomllib.loads((REQ / "pep621" / "pyproject.toml").read_text())["build-system"]


def test_poetry_after_migration():
    res = run_fixture(REQ / "poetry" / "pyproject.toml")
    data = tomllib.loads(res.new.decode())["tool"]["poetry"]
    assert data["dependencies"] == {"python": "^3.8", "numpy": "^1.19",
                                    "tritonclient": {"version": "2.51.0", "extras": ["all"]}}
    assert data["dev-dependencies"] == {"tritonclient": {"version": "*", "extras": ["all"]}}
    # a table entry (optional, in a group) is reported only: renaming it could break the extras that name it
    assert data["group"]["bench"]["dependencies"] == {"tensorrtserver": {"version": "^1.10", "optional": True}}


def test_setup_cfg_after_migration():
    res = run_fixture(REQ / "setuptools" / "setup.cfg")
    cp = configparser.ConfigParser(interpolation=None)
    cp.read_string(res.new.decode())

    def reqs(value: str) -> list[str]:
        lines = value.splitlines() if "\n" in value else value.split(";")
        return [x.split(" #")[0].strip() for x in lines if x.strip() and not x.strip().startswith("#")]

    assert reqs(cp["options"]["install_requires"]) == ["numpy>=1.19", "tritonclient[all]==2.51.0", "requests"]
    assert reqs(cp["options"]["setup_requires"]) == ["tritonclient[all]>=2.51.0"]
    assert reqs(cp["options.extras_require"]["grpc"]) == ["grpcio>=1.29", 'tritonclient[all]; python_version >= "3.6"']
    for text in reqs(cp["options"]["install_requires"]) + reqs(cp["options.extras_require"]["grpc"]):
        Req(text)


def test_environment_yml_after_migration():
    res = run_fixture(REQ / "conda" / "environment.yml")
    data = yaml.safe_load(res.new.decode())
    assert data["dependencies"][:3] == ["python=3.8", "numpy=1.19", "pip"]
    assert data["dependencies"][3] == {"pip": ["tritonclient[all]==2.51.0",
                                               "tritonclient[all]>=2.51.0 ; python_version >= '3.6'",
                                               "tritonclient[all]==2.51.0", "requests"]}
    for text in data["dependencies"][3]["pip"]:
        Req(text)


# --- the pin --------------------------------------------------------------------------------------

@pytest.mark.parametrize("target,pin", [
    ("24.10", "2.51.0"), ("23.08", "2.37.0.9383150"), ("23.12", "2.41.0"), ("20.09", "2.3.0"), ("21.02", "2.7.0"),
    ("21.05", "2.10.0"), ("22.07", "2.24.0"), ("25.06", "2.59.0"), ("26.07", "2.71.0"),
    ("25.07", "2.59.0"), ("25.08", "2.60.0"), ("26.01", "2.65.0"), ("26.06", "2.70.0"), ("26.08", "2.71.0"),
    ("20.08", None), ("20.06", None), ("26.09", None),
])
def test_client_pin(target, pin):
    """The newest tritonclient on PyPI not above the target's server version (25.07's server is 2.59.1 and
    26.08's 2.72.0, with no client of their own; after 26.08 the server's version is not known)."""
    assert client_pin(Release(target)) == pin


def test_the_table_of_client_versions_is_data():
    versions = [Version(v) for v in T.TRITONCLIENT_VERSIONS]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert T.TRITONCLIENT_VERSIONS[-1] == "2.3.0"  # the first tritonclient (20.09)
    assert "2.37.0" not in T.TRITONCLIENT_VERSIONS and "2.72.0" not in T.TRITONCLIENT_VERSIONS
    source = pathlib.Path(T.__file__).read_text()
    assert "pip index versions tritonclient" in source


# --- pip install in every carrier ---------------------------------------------------------------------

CARRIERS = {
    "install.sh": "#!/bin/sh\n{cmd}\n",
    "Dockerfile": "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3-clientsdk\nRUN {cmd}\n",
    "Makefile": "client:\n\t{cmd}\n",
    "t.service": "[Service]\nExecStartPre={cmd}\n",
    "supervisord.conf": "[program:c]\ncommand={cmd}\n",
    ".gitlab-ci.yml": "test:\n  script:\n    - {cmd}\n",
}


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
@pytest.mark.parametrize("arg,fixed,message", [
    ("tensorrtserver==1.10.0", "tritonclient[all]==2.51.0", "-> tritonclient[all]==2.51.0"),
    ("tensorrtserver", "tritonclient[all]", "-> tritonclient[all]:"),
    ("/opt/tensorrtserver/clients/python/tensorrtserver-*.whl", "tritonclient[all]==2.51.0",
     "-> tritonclient[all]==2.51.0"),
    ("./tensorrtserver-1.10.0-py3-none-linux_x86_64.whl", "tritonclient[all]==2.51.0", "-> tritonclient[all]==2.51.0"),
    ("https://github.com/NVIDIA/triton-inference-server/releases/download/v1.10.0/v1.10.0_ubuntu1804.clients.tar.gz",
     "tritonclient[all]==2.51.0", "-> tritonclient[all]==2.51.0"),
    ("tensorrtserver==${V}", None, "its version or path is set at run time"),
])
def test_pip_install_in_every_carrier(carrier, arg, fixed, message):
    text = CARRIERS[carrier].format(cmd=f"pip install {arg}")
    new, findings = migrate(carrier, text)
    [f] = [f for f in findings if f.rule == "TDM601"]
    assert f.severity.value == "warning" and message in f.message
    if fixed is None:
        assert f.fix is None and f.suggestion == "tritonclient[all]==2.51.0" and new.count(arg) == 1
        return
    assert arg not in new
    # the word reads back as the new requirement in the carrier's own syntax
    doc = build_document(kinds.kind_of(carrier, new.encode()), carrier, new)
    words = [w.value for s in doc.commands() for w in s.words]
    assert fixed in words


def test_pip_install_before_2009_names_the_early_wheels():
    new, findings = migrate("install.sh", "#!/bin/sh\npip install tensorrtserver==1.10.0\n", "20.07")
    [f] = findings
    assert f.fix is None and f.suggestion == "tritonclientutils tritonhttpclient tritongrpcclient"
    assert "not on PyPI" in f.message and new.endswith("tensorrtserver==1.10.0\n")


# --- TOML spans against tomllib --------------------------------------------------------------------

_CHARS = st.text(alphabet=st.sampled_from(list("ab \"'\\\t#=[]{},.\u00e9\n")), max_size=8)


@st.composite
def _toml_string(draw):
    value = draw(_CHARS)
    style = draw(st.sampled_from(["basic", "literal", "ml-basic", "ml-literal"]))
    if style == "literal" and not any(c in value for c in "'\n\t"):
        return f"'{value}'", value
    if style == "ml-literal" and "'''" not in value and not value.endswith("'") and "\t" not in value:
        return f"'''{value}'''", value
    esc = value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    if style == "ml-basic":
        return '"""' + esc + '"""', value
    return '"' + esc.replace("\n", "\\n") + '"', value


_KEYS = st.sampled_from(["a", "b-c", "d_1", '"q.k"', "'lit'", "x.y", '"e f".g'])


@st.composite
def _toml_doc(draw):
    lines = []
    for t in range(draw(st.integers(0, 3))):
        header = draw(st.sampled_from(["[t{}]", "[t{}.sub]", "[[arr{}]]", "[ \"quoted {}\" ]"])).format(t)
        lines.append(header + draw(st.sampled_from(["", "  # c"])))
        used = set()
        for _ in range(draw(st.integers(0, 4))):
            key = draw(_KEYS)
            first = key.split(".")[0]
            if key in used or first in {k.split(".")[0] for k in used}:
                continue
            used.add(key)
            kind = draw(st.sampled_from(["string", "array", "inline", "other"]))
            if kind == "string":
                value = draw(_toml_string())[0]
            elif kind == "array":
                items = [draw(_toml_string())[0] for _ in range(draw(st.integers(0, 3)))]
                sep = draw(st.sampled_from([", ", ",\n  ", " ,# c\n", ","]))
                value = "[" + sep.join(items) + draw(st.sampled_from(["", ",", "\n"])) + "]"
            elif kind == "inline":
                value = "{ " + ", ".join(f"k{i} = {draw(_toml_string())[0]}" for i in range(draw(st.integers(0, 2)))) + " }"
            else:
                value = draw(st.sampled_from(["1", "true", "1979-05-27 07:32:00Z", "3.5", "0x1f", "inf"]))
            lines.append(f"{key} = {value}" + draw(st.sampled_from(["", " # c", "\t"])))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))


@hsettings(max_examples=400, deadline=None, derandomize=True)
@given(_toml_doc())
def test_toml_spans_agree_with_tomllib(text):
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    spans = scan(text)
    for pair in spans.pairs:
        node = data
        for k in pair.path:
            if k.startswith("[") and k.endswith("]") and isinstance(node, list):
                node = node[int(k[1:-1])]
            else:
                node = node[k]
        if isinstance(pair.value, TString):
            assert node == pair.value.value
            assert tomllib.loads("x = " + text[pair.value.span.start:pair.value.span.end])["x"] == node
        assert text[pair.key_span.start:pair.key_span.end].strip()


def test_toml_spans_of_the_fixtures_and_this_project():
    from conftest import ROOT

    for path in [ROOT / "pyproject.toml", REQ / "pep621" / "pyproject.toml", REQ / "poetry" / "pyproject.toml"]:
        text = path.read_text()
        data = tomllib.loads(text)
        for pair in scan(text).pairs:
            node = data
            for k in pair.path:
                node = node[k]
            if isinstance(pair.value, TString):
                assert node == pair.value.value


# --- the readers' own refusals ---------------------------------------------------------------------

def test_pyproject_that_tomllib_refuses_is_a_processing_error():
    """(A run meets such a file first as configuration: a usage error, CONTRACT.md "Configuration".)"""
    from triton_docker_migrate.model import ProcessingError

    with pytest.raises(ProcessingError) as e:
        RequirementsDoc("pyproject.toml", '[project]\ndependencies = ["tensorrtserver==1.10.0"\n')
    assert e.value.message.startswith("cannot read pyproject.toml: ")


def test_setup_cfg_that_setuptools_refuses_is_a_processing_error():
    from triton_docker_migrate.model import ProcessingError

    with pytest.raises(ProcessingError) as e:
        RequirementsDoc("setup.cfg", "[options]\ninstall_requires =\n    tensorrtserver\nnot an option\n")
    assert e.value.line == 4


def test_requirement_lines_keep_everything_around_them():
    text = "a==1\r\ntensorrtserver==1.10.0 ; python_version<'3.9'  # pinned\r\n-c constraints.txt\r\n"
    new, findings = migrate("requirements.txt", text)
    assert new == "a==1\r\ntritonclient[all]==2.51.0 ; python_version<'3.9'  # pinned\r\n-c constraints.txt\r\n"
    assert [p.text for p in read_pip_lines(new)] == ["a==1", "tritonclient[all]==2.51.0 ; python_version<'3.9'",
                                                      "-c constraints.txt"]


# --- mutants ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[str(p.relative_to(FIXTURES)) for p in FIXTURE_FILES])
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
        name = str(tmp_path / str(k) / path.name)
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


def test_a_marker_is_kept_and_never_read_as_the_requirement():
    """(Found by the mutants: a marker holding a V1 file name made the second pass rewrite again.)"""
    text = 'tensorrtserver @ https://h/tensorrtserver-1.10.0-py3-none-any.whl ; sys_platform == "v1.10.0_x.clients.tar.gz"\n'
    new, _ = migrate("requirements.txt", text)
    assert new == 'tritonclient[all]==2.51.0 ; sys_platform == "v1.10.0_x.clients.tar.gz"\n'
    again, findings = migrate("requirements.txt", new)
    assert again == new and findings == []


def test_a_trailing_suppression_comment_in_a_requirements_file(tmp_path, monkeypatch, capsys):
    from conftest import cli

    monkeypatch.chdir(tmp_path)
    text = "tensorrtserver==1.10.0  # triton-docker-migrate: ignore[TDM601]\n"
    (tmp_path / "requirements.txt").write_text(text)
    code, out, err = cli(capsys, "migrate", "--check", "requirements.txt")
    assert code == 0 and (tmp_path / "requirements.txt").read_text() == text
