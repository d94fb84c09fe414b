"""``--unsafe-fixes`` on V1 client code, through the command line: without the flag nothing changes and
each finding's suggestion is the change; with it the program is rewritten natively or pointed at the
client adapter, which the run creates exclusively (listed, shown by ``--diff`` as a new file, counted by
``--check``), reuses when this version wrote it, and never writes over or through anything else
(CONTRACT.md, "Severity, fixes and review" and "Client code"). The rewritten programs run against the
real server in tests/test_clients_live.py; the golden fixtures (fixtures/python/TDM603-*) hold the exact
rewrites."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from conftest import FIXTURES, cli
from golden import run_fixture
from strategies import run_cli
from triton_docker_migrate import __version__
from triton_docker_migrate.clientadapter import text as adapter_text

NATIVE = FIXTURES / "python" / "TDM603-native.py"
ADAPTER = FIXTURES / "python" / "TDM603-adapter-sequence.py"


def _findings(path: pathlib.Path) -> list[tuple[int, int, str, bool, str | None]]:
    res = run_fixture(path)
    return sorted((f.line, f.column, f.severity.value, f.fixed, f.suggestion) for f in res.findings)


def test_without_the_flag_suggestions_show_the_native_rewrite():
    imports = ("import tritonclient.grpc; from tritonclient.utils import InferenceServerException; "
               "from tritonclient.utils import np_to_triton_dtype")
    run = ('result = []; for result_name, result_value in (("INPUT0", (data,)), ("INPUT1", (data,)),): '
           'result_value = np.stack(result_value) if ctx_max_batch_size else result_value[0]; '
           'result.append(tritonclient.grpc.InferInput(result_name, list(result_value.shape), '
           'np_to_triton_dtype(result_value.dtype))); result[-1].set_data_from_numpy(result_value); '
           'result = ctx.infer(MODEL, result, model_version="1", outputs=[tritonclient.grpc.InferRequestedOutput('
           '"OUTPUT0")]); result = {"OUTPUT0": list(result.as_numpy("OUTPUT0")) if ctx_max_batch_size else '
           '[result.as_numpy("OUTPUT0")]}')
    path = FIXTURES / "python" / "TDM603-native-unflagged.py"
    assert path.read_text() == NATIVE.read_text()
    assert run_fixture(path).new == path.read_bytes()
    assert _findings(path) == [
        (5, 32, "warning", False, imports), (5, 46, "warning", False, imports), (5, 72, "warning", False, imports),
        (5, 86, "warning", False, imports),
        (12, 14, "warning", False, "tritonclient.grpc.InferenceServerClient(URL)"),
        (12, 39, "warning", False, "tritonclient.grpc"),
        (15, 16, "warning", False, "is_server_ready"),
        (25, 11, "warning", False, 'tritonclient.grpc.InferenceServerClient(URL); ctx_max_batch_size = '
                                   'ctx.get_model_config(MODEL, "1").config.max_batch_size'),
        (25, 29, "warning", False, "tritonclient.grpc"),
        (27, 14, "warning", False, run),
    ]
    # with the flag: the same findings, fixed, and the output holds what the suggestions said
    flagged = _findings(NATIVE)
    assert [(a, b, c, True, e) for a, b, c, _, e in _findings(path)] == flagged
    out = (FIXTURES / "python" / "TDM603-native.py.out").read_text()
    assert "    ctx = tritonclient.grpc.InferenceServerClient(URL)  # version 1\n" \
           '    ctx_max_batch_size = ctx.get_model_config(MODEL, "1").config.max_batch_size\n' in out


def test_without_the_flag_suggestions_name_the_adapter():
    path = FIXTURES / "python" / "TDM603-adapter-unflagged.py"
    assert path.read_text() == ADAPTER.read_text()
    assert run_fixture(path).new == path.read_bytes() and run_fixture(path).creates == []
    imports = "from triton_v1_compat import InferContext, InferRequestHeader, ProtocolType"
    assert _findings(path) == [
        (6, 32, "warning", False, imports), (6, 46, "warning", False, imports), (6, 66, "warning", False, imports),
        (12, 14, "warning", False, "triton_v1_compat.InferContext.get_async_run_results"),
        (15, 7, "warning", False, "triton_v1_compat.InferContext"),
        (15, 38, "warning", False, "triton_v1_compat.ProtocolType.GRPC"),
        (19, 13, "warning", False, "triton_v1_compat.InferRequestHeader.FLAG_NONE"),
        (21, 18, "warning", False, "triton_v1_compat.InferRequestHeader.FLAG_SEQUENCE_START"),
        (23, 18, "warning", False, "triton_v1_compat.InferRequestHeader.FLAG_SEQUENCE_END"),
        (24, 5, "warning", False, "triton_v1_compat.InferContext.async_run"),
        (25, 30, "warning", False, "triton_v1_compat.InferContext.ResultFormat.RAW"),
    ]


@pytest.fixture
def program(tmp_path, monkeypatch):
    """A V1 client program that goes on the adapter, alone in a folder that is the current one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stream.py").write_bytes(ADAPTER.read_bytes())
    return tmp_path


def _json(out: str) -> dict:
    return json.loads(out)


def test_diff_shows_the_adapter_as_a_new_file_and_writes_nothing(program, capsys):
    code, out, _ = cli(capsys, "migrate", "--unsafe-fixes", "--diff", "stream.py")
    assert code == 1
    assert "--- /dev/null\n+++ b/triton_v1_compat.py\n@@ -0,0 +1," in out
    assert f"+# triton-docker-migrate {__version__}: V1 client adapter" in out
    assert "-from tensorrtserver.api import InferContext, InferRequestHeader, ProtocolType\n" \
           "+from triton_v1_compat import InferContext, InferRequestHeader, ProtocolType\n" in out
    assert sorted(p.name for p in program.iterdir()) == ["stream.py"]
    assert (program / "stream.py").read_bytes() == ADAPTER.read_bytes()


def test_check_counts_the_adapter_and_json_lists_it(program, capsys):
    code, out, _ = cli(capsys, "migrate", "--unsafe-fixes", "--check", "--format", "json", ".")
    assert code == 1
    report = _json(out)
    assert [(f["path"], f["kind"], f["changed"]) for f in report["files"]] == [
        ("stream.py", "python", True), ("triton_v1_compat.py", "python", True)]
    assert report["summary"]["files_changed"] == 2
    assert sorted(p.name for p in program.iterdir()) == ["stream.py"]


def test_in_place_then_again(program, capsys):
    code, _, _ = cli(capsys, "migrate", "--unsafe-fixes", "-q", ".")
    assert code == 0
    assert (program / "triton_v1_compat.py").read_text() == adapter_text()
    assert (program / "stream.py").read_bytes() == (FIXTURES / "python" / "TDM603-adapter-sequence.py.out").read_bytes()
    # a second run: the program imports the adapter (not V1), the adapter is skipped, nothing to do
    code, out, _ = cli(capsys, "migrate", "--unsafe-fixes", "--check", "--format", "json", ".")
    assert code == 0
    assert _json(out)["files"] == [] and _json(out)["summary"]["files_with_v1"] == 0


def test_a_second_program_reuses_this_versions_adapter(program, capsys):
    cli(capsys, "migrate", "--unsafe-fixes", "-q", "stream.py")
    (program / "again.py").write_bytes(ADAPTER.read_bytes())
    code, out, _ = cli(capsys, "migrate", "--unsafe-fixes", "--format", "json", "again.py")
    assert code == 0
    report = _json(out)
    assert [f["path"] for f in report["files"]] == ["again.py"]
    assert "(triton_v1_compat.py, already there)" in report["findings"][0]["message"]
    assert (program / "again.py").read_bytes() == (program / "stream.py").read_bytes()


def test_without_the_flag_nothing_is_written(program, capsys):
    code, out, _ = cli(capsys, "migrate", "--format", "json", ".")
    assert code == 0
    report = _json(out)
    assert [f["path"] for f in report["files"]] == ["stream.py"]
    assert all(not f["fixed"] and f["severity"] == "warning" and f["suggestion"] for f in report["findings"])
    assert sorted(p.name for p in program.iterdir()) == ["stream.py"]


@pytest.mark.parametrize("kind", ["user-file", "other-version", "symlink", "dangling-symlink", "folder"])
def test_never_over_or_through_what_is_there(program, capsys, kind, tmp_path_factory):
    place = program / "triton_v1_compat.py"
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "target.py"
    if kind == "user-file":
        place.write_text("TIMEOUT = 5\n")
    elif kind == "other-version":
        place.write_text(adapter_text().replace(__version__, "0.0.1", 1))
    elif kind == "symlink":
        elsewhere.write_text(adapter_text())
        place.symlink_to(elsewhere)
    elif kind == "dangling-symlink":
        place.symlink_to(elsewhere)
    else:
        place.mkdir()
    before = {p.name: (p.is_symlink(), p.read_bytes() if p.is_file() and not p.is_symlink() else None)
              for p in program.iterdir()}
    code, out, _ = cli(capsys, "migrate", "--unsafe-fixes", "--format", "json", ".")
    assert code == 0
    report = _json(out)
    assert not any(f["fixed"] for f in report["findings"])
    why = {"other-version": "triton_v1_compat.py is the client adapter of triton-docker-migrate 0.0.1: delete it "
                            "to have this version write its own, or name another place with --client-adapter PATH"}
    expected = why.get(kind, "triton_v1_compat.py is in the way of the client adapter (a file this tool did not "
                             "write): remove it, or name another place with --client-adapter PATH")
    assert report["findings"][0]["message"].endswith(f"--unsafe-fixes does not rewrite this program: {expected}")
    after = {p.name: (p.is_symlink(), p.read_bytes() if p.is_file() and not p.is_symlink() else None)
             for p in program.iterdir()}
    assert after == before
    assert not elsewhere.exists() or elsewhere.read_text() == adapter_text()


def test_client_adapter_elsewhere(program, capsys):
    (program / "lib").mkdir()
    code, _, _ = cli(capsys, "migrate", "--unsafe-fixes", "-q", "--client-adapter", "lib/v1api.py", "stream.py")
    assert code == 0
    assert (program / "lib" / "v1api.py").read_text() == adapter_text()
    assert "from v1api import InferContext, InferRequestHeader, ProtocolType\n" in (program / "stream.py").read_text()
    # a folder names where the adapter goes under its own name
    (program / "two.py").write_bytes(ADAPTER.read_bytes())
    code, _, _ = cli(capsys, "migrate", "--unsafe-fixes", "-q", "--client-adapter", "lib", "two.py")
    assert code == 0 and (program / "lib" / "triton_v1_compat.py").read_text() == adapter_text()


MODULE = "the adapter is a Python module: name a folder or a file NAME.py (NAME a Python identifier)"


@pytest.mark.parametrize("value,why", [("lib/v1-api.py", MODULE), ("lib/adapter.txt", MODULE),
                                       ("missing/", "no such folder"), ("nowhere/x.py", None)])
def test_client_adapter_usage_errors(program, capsys, value, why):
    (program / "lib").mkdir()
    code, out, err = cli(capsys, "migrate", "--unsafe-fixes", "--client-adapter", value, ".")
    assert code == 2 and out == ""
    shown = f"{value}: {why}" if why else "nowhere: no such folder"
    assert err == f"triton-docker-migrate: error: --client-adapter: {shown}\n"
    assert sorted(p.name for p in program.iterdir()) == ["lib", "stream.py"]


def test_a_suppressed_use_keeps_the_whole_program(program, capsys):
    text = ADAPTER.read_text().replace(
        "ctx = InferContext(", "# triton-docker-migrate: ignore[TDM603]\nctx = InferContext(")
    (program / "stream.py").write_text(text)
    code, out, _ = cli(capsys, "migrate", "--unsafe-fixes", "--format", "json", ".")
    assert code == 0
    assert (program / "stream.py").read_text() == text
    assert sorted(p.name for p in program.iterdir()) == ["stream.py"]
    assert not any(f["fixed"] for f in _json(out)["findings"])


def test_an_unwritable_program_is_not_left_importing_a_missing_adapter(program):
    """The adapter is created before the programs that need it are written; a program whose adapter
    could not be created is not written (permissions real: as root, without the capabilities that
    bypass them)."""
    prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search") if os.geteuid() == 0 else ()
    os.chmod(program, 0o555)
    try:
        p = run_cli("migrate", "--unsafe-fixes", "-q", ".", cwd=program, prefix=prefix)
    finally:
        os.chmod(program, 0o755)
    assert p.returncode == 2
    err = p.stderr.decode()
    assert "triton_v1_compat.py: error: cannot create: Permission denied" in err
    assert "stream.py: error: not written: it needs triton_v1_compat.py, which could not be created" in err
    assert (program / "stream.py").read_bytes() == ADAPTER.read_bytes()
    assert sorted(p.name for p in program.iterdir()) == ["stream.py"]


def test_the_client_table_page_is_fresh():
    from conftest import ROOT
    from triton_docker_migrate.rules.clientdocs import page

    assert (ROOT / "docs" / "clients.md").read_text(encoding="utf-8") == page(), \
        "docs/clients.md is stale: run python -m triton_docker_migrate.rules.docs"


# --- C and C++ sources (TDM605: report only) --------------------------------------------------------

def test_c_comments_are_blanked_in_place():
    from triton_docker_migrate.syntax.ccomments import blank_comments

    src = ('#include "request_grpc.h"  // V1\r\n/* InferGrpcContext\n still */ int x; '
           'const char* s = "// not a comment";\n')
    out = blank_comments(src)
    assert len(out) == len(src) and [i for i, c in enumerate(src) if c in "\r\n"] == \
        [i for i, c in enumerate(out) if c in "\r\n"]
    assert out == ('#include "request_grpc.h"  ' + " " * 5 + "\r\n" + " " * 19 + "\n" + " " * 9 +
                   ' int x; const char* s = "// not a comment";\n')


@pytest.mark.parametrize("name,text,found", [
    ("a.cc", '#include "request_http.h"\n', ["request_http.h"]),
    ("a.hpp", '#include <src/clients/c++/library/request.h>\n', ["src/clients/c++/library/request.h"]),
    ("a.cc", '#include "request.h"\n', []),  # a request.h of its own: not the V1 library's
    ("a.cc", 'auto e = nic::ServerHealthHttpContext::Create(&ctx, url);\n', ["ServerHealthHttpContext"]),
    ("a.cc", '// nic::InferGrpcContext::Create(&ctx, url, "m");\n', []),
    ("a.cc", 'puts("InferGrpcContext::Create");\n', []),
    ("a.cs", 'var c = InferGrpcContext::Create(ctx);\n', []),  # not a C or C++ source
    ("a.cc", '#include "request_grpc.h"\nstd::unique_ptr<nic::InferContext> c;\nc->Run(&r);\n',
     ["request_grpc.h", "InferContext", "Run"]),
])
def test_cpp_client_uses(name, text, found):
    from triton_docker_migrate.documents.text import TextDoc
    from triton_docker_migrate.rules.clients import cpp_client_uses

    doc = TextDoc(name, text)
    assert [text[a:b] for a, b, _ in cpp_client_uses(doc)] == found


def test_cpp_sources_pass_the_fast_path(tmp_path):
    """A C++ source is text by its name: the batch run's prefilter lets V1 C++ client code through."""
    from triton_docker_migrate import evidence, kinds

    assert kinds.text_by_name("src/client.cc")
    for code in (b'#include "request_grpc.h"\n', b"nic::InferHttpContext::Create(&c, u, m);\n",
                 b"nic::InferGrpcStreamContext::Create(&c, u, m);\n", b'#include "clients/c++/library/request.h"\n'):
        assert evidence.text_may_report(code), code


@pytest.mark.parametrize("fixture,native", [(NATIVE, True), (ADAPTER, False)])
def test_standard_input_writes_no_adapter(tmp_path, fixture, native):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", "--unsafe-fixes", "--format",
                        "json", "-", "--stdin-filename", "client.py"], input=fixture.read_bytes(), cwd=tmp_path,
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    expected = fixture.with_name(fixture.name + ".out").read_bytes() if native else fixture.read_bytes()
    assert p.stdout == expected
    assert list(tmp_path.iterdir()) == []
    report, _ = json.JSONDecoder().raw_decode(p.stderr.decode())  # the report, then the summary line
    if not native:
        assert report["findings"][0]["message"].endswith(
            "--unsafe-fixes does not rewrite this program: a run on standard input writes no client adapter "
            "(migrate the file on disk)")
        assert not any(f["fixed"] for f in report["findings"])
