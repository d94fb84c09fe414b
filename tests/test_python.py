"""The python kind (documents/python.py, syntax/pyliterals.py): positions from ast, string literals
mapped character by character, launchers and container specs as command lines, regions, setup.py
requirements, V1 client code as sites, the TDM603 table against both client libraries, and the
migrated fixtures against the Python compiler."""

from __future__ import annotations

import ast
import importlib
import json
import pathlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, cli, shared_dir
from golden import run_fixture, settings_for
from triton_docker_migrate import kinds
from triton_docker_migrate.documents.python import PythonDoc, pure_node
from triton_docker_migrate.documents.shell import server_argv
from triton_docker_migrate.documents.sites import CommandLine
from triton_docker_migrate.model import ProcessingError, Severity, Status
from triton_docker_migrate.release import Release
from triton_docker_migrate.rules import tables as T
from triton_docker_migrate.rules.engine import check_document
from triton_docker_migrate.syntax.pyliterals import py_literal
from triton_docker_migrate.writer import apply, choose_fixes

PYTHON_FIXTURES = sorted(p for p in (FIXTURES / "python").glob("*.py"))
#: the generated literals hold invalid escapes on purpose; the tests' own ast calls warn of them
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning",
                                        "ignore:invalid escape sequence:SyntaxWarning")


def doc(text: str, path: str = "launch.py") -> PythonDoc:
    return PythonDoc(path, text)


def migrate(text: str, path: str = "launch.py", target: str = "24.10") -> tuple[str, list]:
    d = doc(text, path)
    findings, _ = check_document(d, Release(target))
    new = apply(text, choose_fixes(findings))
    again = doc(new, path)
    assert d.same_structure(again) is None
    more, _ = check_document(again, Release(target))
    assert [f.rule for f in more if f.fix is not None] == []
    return new, findings


# --- positions ------------------------------------------------------------------------------------

@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_offsets_are_code_points_whatever_the_line_ends_and_bytes(newline, bom):
    """ast columns are UTF-8 bytes and a lone CR ends a line for Python: the regions still point at
    the very characters of the literals."""
    text = bom + newline.join([
        "# é€ 𝄞 — a comment with wide characters",
        'x = "é€"; y = "𝄞 trtserver"',
        'cmd = ["trtserver", "--model-store=/m€"]',
        "",
    ])
    d = doc(text)
    regions = d.regions()
    assert [r.text for r in regions] == ["é€", "𝄞 trtserver", "trtserver", "--model-store=/m€"]
    for r in regions:
        assert text[r.base:r.base + len(r.text)] == r.text
    assert server_argv(d) == [["trtserver", "--model-store=/m€"]]


def test_docstrings_comments_and_string_statements_are_no_regions():
    text = ('"""Module: trtserver --model-store=/m."""\n'
            "class A:\n"
            "    '''Class: nvcr.io/nvidia/tensorrtserver:20.02-py3'''\n"
            "    def f(self):\n"
            "        \"\"\"/opt/tensorrtserver/bin/trtserver\"\"\"\n"
            "        'a string used as a comment: trtserver'\n"
            "        # trtserver --api-version=2\n"
            "        return 'kept'\n")
    d = doc(text)
    assert [r.text for r in d.regions()] == ["kept"]
    assert d.command_lines() == [] and d.triton is False


def test_a_string_split_by_escapes_gives_exact_regions():
    text = 'x = "nvcr.io/nvidia/tensorrtserver:20.02-py3\\tand\\x20/opt/tensorrtserver/lib" "€/api/health/ready"\n'
    d = doc(text)
    assert [r.text for r in d.regions()] == ["nvcr.io/nvidia/tensorrtserver:20.02-py3", "and", "/opt/tensorrtserver/lib",
                                             "€/api/health/ready"]
    new, findings = migrate(text)
    assert new == 'x = "nvcr.io/nvidia/tritonserver:24.10-py3\\tand\\x20/opt/tritonserver/lib" "€/v2/health/ready"\n'
    assert sorted(f.rule for f in findings) == ["TDM101", "TDM201", "TDM401"]


# --- literals: every character mapped exactly, or said not to be --------------------------------

_PLAIN = st.sampled_from(list("abcXYZ019 -_=/.:,;!?@%+~") + ["é", "€", "𝄞", "\u00a0", "中"])
_ASCII_PLAIN = st.sampled_from(list("abcXYZ019 -_=/.:,;!?@%+~"))


@st.composite
def literals(draw):
    """(source of a literal, its value as the reader shows it, indices of inexact characters)."""
    pieces = []
    value: list[str] = []
    inexact: set[int] = set()
    for _ in range(draw(st.integers(1, 3))):
        prefix = draw(st.sampled_from(["", "r", "R", "u", "U", "b", "B", "rb", "Br", "f", "F", "rf", "fR"]))
        if pieces and ("b" in prefix.lower()) != ("b" in pieces[0][0].lower()):
            prefix = pieces[0][0]  # bytes and str do not concatenate
        quote = draw(st.sampled_from(['"', "'", '"""', "'''"]))
        low = prefix.lower()
        raw, fstr, is_bytes = "r" in low, "f" in low, "b" in low
        body = []
        for _ in range(draw(st.integers(0, 12))):
            kind = draw(st.sampled_from(["plain", "plain", "plain", "escape", "newline", "brace", "field"]))
            if kind == "plain":
                c = draw(_ASCII_PLAIN if is_bytes else _PLAIN)
                body.append(c)
                value.append(c)
            elif kind == "escape" and not raw:
                options = [("\\n", "\n"), ("\\t", "\t"), ("\\\\", "\\"), ("\\x41", "A"), ("\\101", "A"),
                           ("\\" + quote[0], quote[0]), ("\\\n", ""), ("\\\r\n", "")]
                if draw(st.booleans()):  # an unknown escape: the backslash stays, both inexact
                    c = draw(st.sampled_from("qzQ"))
                    body.append("\\" + c)
                    inexact.update((len(value), len(value) + 1))
                    value.extend("\\" + c)
                    continue
                if not is_bytes:
                    options += [("\\u00e9", "é"), ("\\N{BULLET}", "•"), ("\\U0001d11e", "𝄞")]
                src, ch = draw(st.sampled_from(options))
                body.append(src)
                if ch:
                    inexact.add(len(value))
                    value.append(ch)
            elif kind == "escape":  # raw: a backslash stays, and keeps the next character
                nxt = draw(st.sampled_from(["n", "\\", quote[0], "x"]))
                body.append("\\" + nxt)
                inexact.update((len(value), len(value) + 1))  # an edit there would pair them otherwise
                value.extend("\\" + nxt)
            elif kind == "newline" and len(quote) == 3:
                nl = draw(st.sampled_from(["\n", "\r\n"]))
                body.append(nl)
                if nl != "\n":
                    inexact.add(len(value))
                value.append("\n")
            elif kind == "brace" and fstr:
                c = draw(st.sampled_from("{}"))
                body.append(c * 2)
                inexact.add(len(value))
                value.append(c)
            elif kind == "field" and fstr:
                other = "'" if quote[0] == '"' else '"'
                expr = draw(st.sampled_from(["{x}", "{x!r}", "{x:>{w}}", "{d[" + other + "k" + other + "]}", "{x:#x}"]))
                body.append(expr)
                chunk = "$" + expr
                inexact.update(range(len(value), len(value) + len(chunk)))
                value.extend(chunk)
        if raw and body and body[-1].endswith("\\") and not body[-1].endswith("\\\\"):
            body.append("z")
            value.append("z")
        pieces.append((prefix, quote, "".join(body)))
    sep = draw(st.sampled_from([" ", "  ", "\n    ", " \\\n    ", "  # a comment\n    "]))
    source = sep.join(p + q + b + q for p, q, b in pieces)
    return "(" + source + ")", "".join(value), frozenset(inexact)


@settings(derandomize=True, max_examples=1500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(literals(), st.sampled_from(["", "é = 'x€'; ", "# 𝄞\n"]))
def test_every_literal_maps_its_value_exactly_or_says_where_it_cannot(lit, before):
    source, value, inexact = lit
    text = f"{before}x = {source}\nw = d = 1\n"
    tree = ast.parse(text)  # the strategy writes valid literals only
    d = doc(text)
    node = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "x")  # type: ignore[attr-defined]
    found = d.literal(node)
    assert found is not None, source
    assert found.value == value
    assert found.inexact == inexact
    for k, ch in enumerate(found.value):
        if k not in inexact:
            assert text[found.offsets[k]] == ch and found.ends[k] == found.offsets[k] + 1
        assert found.start <= found.offsets[k] <= found.ends[k] <= found.end
    if isinstance(node, ast.Constant):
        want = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        assert found.value == want
    # and the regions are exactly the document's text
    for r in d.regions():
        assert text[r.base:r.base + len(r.text)] == r.text


@settings(derandomize=True, max_examples=600, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(literals(), min_size=1, max_size=4), st.data())
def test_list_items_are_rewritten_deleted_and_added_as_python_reads_them(items, data):
    """Edits through the list syntax: the list reads back (ast.literal_eval) with exactly the new
    values, whatever the items' prefixes, quotes and escapes (f-strings: in place or refused)."""
    plain = [(s, v) for s, v, _ in items if not isinstance(ast.parse(s, mode="eval").body, ast.JoinedStr)]
    if not plain:
        return
    bytes_list = plain[0][0].lstrip("(").lower().startswith(("b", "rb", "br"))
    plain = [(s, v) for s, v in plain if s.lstrip("(").lower().startswith(("b", "rb", "br")) == bytes_list]
    seps = [data.draw(st.sampled_from([", ", ",\n    ", ",  # note\n    ", " ,"])) for _ in plain]
    tail = data.draw(st.sampled_from(["", ",", ",  # last\n", "  # last\n"]))
    text = "cmd = [" + "".join(x + sep for (x, _), sep in zip(plain, [*seps[:-1], ""])) + tail + "]\nsubprocess.run(cmd)\n"
    d = doc(text)
    (site,) = d.commands()
    words, seg = site.words, site.segment
    assert [w.value for w in words] == [v for _, v in plain]
    cl = CommandLine(text, [seg], None, True)
    k = data.draw(st.integers(0, len(words) - 1))
    w = words[k]
    i = data.draw(st.integers(0, len(w.value)))
    j = data.draw(st.integers(i, len(w.value)))
    new = data.draw(st.sampled_from(["tritonserver", "model-repository", "", "a b", "x'y\"z", "é", "\\"]))
    if bytes_list and not new.isascii():
        new = "ascii"
    expected = [v for _, v in plain]
    expected[k] = w.value[:i] + new + w.value[j:]
    edited = apply(text, [cl.replace_value(w, seg, i, j, new)])
    got = ast.literal_eval(ast.parse(edited).body[0].value)  # type: ignore[attr-defined]
    assert [x.decode("latin-1") if isinstance(x, bytes) else x for x in got] == expected
    # delete one item, or add two after it
    if data.draw(st.booleans()) and len(words) > 1:
        edited = apply(text, [cl.delete(w, seg)])
        del expected[k]
        expected_after = [v for _, v in plain]
        del expected_after[k]
    else:
        edited = apply(text, [cl.insert_after(w, seg, ["--model-control-mode=poll", "a 'b'"])])
        expected_after = [v for _, v in plain]
        expected_after[k + 1:k + 1] = ["--model-control-mode=poll", "a 'b'"]
    got = ast.literal_eval(ast.parse(edited).body[0].value)  # type: ignore[attr-defined]
    assert [x.decode("latin-1") if isinstance(x, bytes) else x for x in got] == expected_after


def test_reading_a_file_prints_no_warning():
    """CPython warns of invalid escapes while it compiles: the reader keeps that off stderr."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = doc('import os\nos.system("trtserver --model-store=/m\\q")\n')  # an invalid escape: \q
    assert caught == [] and server_argv(d) == [["trtserver", "--model-store=/mq"]]


def test_py_literal_reads_back():
    for value in ["", "a'b\"c", "\\", "\n\r\t\x00\x7f", "é€𝄞", "\u2028\u0085", "{x}"]:
        for q in "'\"":
            assert ast.literal_eval(py_literal(value, q)) == value
    assert ast.literal_eval(py_literal("a\xff", '"', is_bytes=True)) == b"a\xff"


# --- launchers ---------------------------------------------------------------------------------

LAUNCHERS = [
    pytest.param('import subprocess\nsubprocess.Popen(["trtserver", "--model-store=/m"])\n',
                 [["trtserver", "--model-store=/m"]], id="popen-list"),
    pytest.param('import subprocess as sp\nsp.run(args=("trtserver", "--model-store", "/m"))\n',
                 [["trtserver", "--model-store", "/m"]], id="alias-args-tuple"),
    pytest.param('from subprocess import check_call\ncheck_call("trtserver --model-store=/m", shell=True)\n',
                 [["trtserver", "--model-store=/m"]], id="shell-true"),
    pytest.param('import os\nos.system("exec trtserver --model-store=/m > /log 2>&1 &")\n',
                 [["trtserver", "--model-store=/m"]], id="os-system"),
    pytest.param('import os\nos.execv("/opt/tensorrtserver/bin/trtserver", ["trtserver", "--model-store=/m"])\n',
                 [["trtserver", "--model-store=/m"]], id="execv"),
    pytest.param('import os\nos.execlp("trtserver", "trtserver", "--model-store=/m")\n',
                 [["trtserver", "--model-store=/m"]], id="execlp"),
    pytest.param('import os\nos.spawnlpe(os.P_NOWAIT, "trtserver", "trtserver", "--model-store=/m", env)\n',
                 [["trtserver", "--model-store=/m"]], id="spawnlpe"),
    pytest.param('import asyncio\nasyncio.create_subprocess_exec("trtserver", "--model-store=/m")\n',
                 [["trtserver", "--model-store=/m"]], id="asyncio-exec"),
    pytest.param('import asyncio\nasyncio.create_subprocess_shell("trtserver --model-store=/m")\n',
                 [["trtserver", "--model-store=/m"]], id="asyncio-shell"),
    pytest.param('import shlex, subprocess\nsubprocess.run(shlex.split("trtserver --model-store \'/a b\'"))\n',
                 [["trtserver", "--model-store", "/a b"]], id="shlex-split"),
    pytest.param('import shlex, subprocess\ndef f(d):\n    subprocess.run(shlex.split(f"trtserver --model-store={d} -x"))\n',
                 [["trtserver", "--model-store=${d}", "-x"]], id="shlex-split-f-string"),
    pytest.param('import subprocess\nsubprocess.run("trtserver --model-store=/m".split())\n',
                 [["trtserver", "--model-store=/m"]], id="str-split"),
    pytest.param('import subprocess\nsubprocess.run(["bash", "-c", "trtserver --model-store=/m"])\n',
                 [["trtserver", "--model-store=/m"]], id="bash-c-in-list"),
    pytest.param('import subprocess\ncmd = ["trtserver"]\ncmd += ["--model-store=/m"]\ncmd.extend(["--log-verbose=1"])\n'
                 'subprocess.run(cmd + extra)\n',
                 [["trtserver", "--model-store=/m", "--log-verbose=1", "${extra}"]], id="list-variable-grows"),
    pytest.param('import subprocess\ndef f(d):\n    subprocess.run(["trtserver", "--model-store", d, *rest, "--x=" + d])\n',
                 [["trtserver", "--model-store", "${d}", "${*rest}", "--x=${d}"]], id="expressions"),
    pytest.param('import subprocess\nARGS = ["--model-store=/m", "--api-version=2"]\nsubprocess.run(["trtserver", *ARGS, "-x"])\n',
                 [["trtserver", "--model-store=/m", "--api-version=2", "-x"]], id="starred-list-variable"),
    pytest.param('import subprocess\nsubprocess.run(["docker", "run", "--rm", "nvcr.io/nvidia/tensorrtserver:20.02-py3", '
                 '"trtserver", "--model-store=/m"])\n', [["trtserver", "--model-store=/m"]], id="docker-run"),
    pytest.param('import docker\ndocker.from_env().containers.run("nvcr.io/nvidia/tensorrtserver:20.02-py3", '
                 '"trtserver --model-store=/m", detach=True)\n', [["trtserver", "--model-store=/m"]], id="docker-sdk"),
    pytest.param('from kubernetes import client\nclient.V1Container(name="t", image="nvcr.io/nvidia/tensorrtserver:20.02-py3",'
                 ' args=["--model-store=/m"])\n', [["tritonserver", "--model-store=/m"]], id="k8s-args-only"),
    pytest.param('spec = {"name": "t", "image": "x", "command": ["trtserver"], "args": ["--model-store=/m"]}\n',
                 [["trtserver", "--model-store=/m"]], id="dict-container"),
    pytest.param('SERVER_CMD = "trtserver --model-store=/m --api-version=2"\n',
                 [["trtserver", "--model-store=/m", "--api-version=2"]], id="assigned-string"),
    pytest.param('ARGS = ["trtserver", "--model-store=/m"]\n', [["trtserver", "--model-store=/m"]], id="assigned-list"),
    pytest.param('runner.start(["trtserver", "--model-store=/m"], ("trtserver", "x"))\n',
                 [["trtserver", "--model-store=/m"]], id="own-function-list"),
    pytest.param('import subprocess\nsubprocess.run(["trtserver", "--help"])\n', [], id="help-only"),
    pytest.param('NAMES = ["trtserver", "tritonserver"]\nprint("trtserver --model-store is gone")\n', [],
                 id="not-commands"),
    pytest.param('import subprocess\nsubprocess.run(["tritonserver", "--model-repository=/m"])\n',
                 [["tritonserver", "--model-repository=/m"]], id="v2"),
]


@pytest.mark.parametrize("text,argvs", LAUNCHERS)
def test_launchers(text, argvs):
    assert server_argv(doc(text)) == argvs


def test_v1_line_and_its_binary():
    d = doc('import os\nos.execv("/opt/tensorrtserver/bin/trtserver", ["trtserver", "--model-store=/m"])\n')
    (cl,) = d.command_lines()
    assert cl.v1 and cl.binary is not None and cl.binary.value == "trtserver"
    # the program path is a command site of its own: renamed with the argv list
    new, _ = migrate(d.text)
    assert new == 'import os\nos.execv("/opt/tritonserver/bin/tritonserver", ["tritonserver", "--model-repository=/m", ' \
                  '"--model-control-mode=poll", "--disable-auto-complete-config"])\n'


def test_an_f_string_split_by_shlex_is_migrated_around_its_placeholders():
    new, findings = migrate('import shlex, subprocess\ndef f(d):\n'
                            '    subprocess.run(shlex.split(f"trtserver --model-store={d} --api-version=2"))\n')
    assert new == ('import shlex, subprocess\ndef f(d):\n    subprocess.run(shlex.split(f"tritonserver --model-repository={d} '
                   '--model-control-mode=poll --disable-auto-complete-config"))\n')
    assert {"TDM202", "TDM301", "TDM302", "TDM310", "TDM314"} <= {f.rule for f in findings}
    # "...".split() of an f-string splits whatever the placeholder holds as it comes: left as it is
    # (the pipeline's TDM003 says the V1 left there)
    text = 'import subprocess\ndef f(d):\n    subprocess.run(f"trtserver --model-store={d}".split())\n'
    assert migrate(text)[0] == text


def test_new_option_goes_after_a_value_held_in_a_variable():
    """CONTRACT.md, "Where new options go": never between an option and its value."""
    new, _ = migrate('import subprocess\ndef f(d, extra):\n    subprocess.run(["trtserver", "--model-store", d, *extra])\n')
    assert new == ('import subprocess\ndef f(d, extra):\n    subprocess.run(["tritonserver", "--model-repository", d, '
                   '"--model-control-mode", "poll", "--strict-model-config", "true", *extra])\n')


def test_a_program_string_without_a_shell_is_renamed_only():
    """``subprocess.run("trtserver")`` runs the program named by the string: the binary is renamed;
    no argument can be added, and no server line is read (V1 refused to start without
    --model-store)."""
    text = 'import subprocess\nsubprocess.run("trtserver")\n'
    new, findings = migrate(text)
    assert new == 'import subprocess\nsubprocess.run("tritonserver")\n'
    assert [(f.rule, f.severity.value) for f in findings] == [("TDM202", "info")]
    assert doc(text).command_lines() == []


def test_words_written_with_escapes_are_rewritten_whole():
    new, _ = migrate('import subprocess\nsubprocess.run(["trtserver", "--model-st\\x6fre=/m", "--api-version\\x3d2"])\n')
    assert new == ('import subprocess\nsubprocess.run(["tritonserver", "--model-repository=/m", '
                   '"--model-control-mode=poll", "--disable-auto-complete-config"])\n')


def test_an_fstring_option_is_renamed_in_place():
    new, _ = migrate('import subprocess\ndef f(d):\n    subprocess.run(["trtserver", f"--model-store={d}"])\n')
    assert new == ('import subprocess\ndef f(d):\n    subprocess.run(["tritonserver", f"--model-repository={d}", '
                   '"--model-control-mode=poll", "--disable-auto-complete-config"])\n')


def test_an_edit_that_needs_an_escape_in_a_raw_string_fails_loudly(tmp_path):
    """A raw string cannot hold a quote of its own kind: the file is an error, never broken."""
    p = tmp_path / "launch.py"
    p.write_text("import os\nos.system(r'trtserver --model-store=/m --tf-add-vgpu=\"1;2;3\" --log-verbose=1')\n")
    res = run_fixture(p)
    assert res.status is Status.CHANGED
    compile(res.new.decode(), str(p), "exec")


def test_deleting_items_keeps_comments_and_commas():
    text = ('import subprocess\ncmd = [\n    "trtserver",\n    "--allow-poll-model-repository=false",\n'
            '    "--model-store=/m",  # the models\n'
            '    "--api-version=2",\n    "--log-verbose=1",  # chatty\n    "--http-health-port=8005"\n]\n'
            'subprocess.run(cmd)\n')
    new, _ = migrate(text)
    assert new == ('import subprocess\ncmd = [\n    "tritonserver",\n    "--model-control-mode=none",\n'
                   '    "--model-repository=/m",  # the models\n'
                   '    "--log-verbose=1",  # chatty\n]\nsubprocess.run(cmd)\n')


# --- requirements ----------------------------------------------------------------------------------

def test_setup_py_requirements():
    text = (FIXTURES / "python" / "setup.py").read_text()
    d = doc(text, "pkg/setup.py")
    reqs = d.requirements()
    assert [(r.name, r.text, text[r.span.start:r.span.end]) for r in reqs] == [
        ("numpy", "numpy>=1.16", "numpy>=1.16"),
        ("tensorrtserver", "tensorrtserver==1.10.0", "tensorrtserver==1.10.0"),
        ("grpcio", "grpcio", "grpcio"),
        ("pillow", "pillow", "pillow"),
        ("tensorrtserver", 'tensorrtserver[grpc]>=1.9 ; python_version >= "3.6"',
         'tensorrtserver[grpc]>=1.9 ; python_version >= "3.6"'),
    ]
    new = apply(text, [reqs[1].replace("tritonclient[all]==2.51.0"),
                       reqs[4].replace('tritonclient[grpc] ; python_version >= "3.6"')])
    tree = ast.parse(new)
    call = tree.body[1].value  # type: ignore[attr-defined]
    kw = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg in ("install_requires", "extras_require")}
    assert kw == {"install_requires": ["numpy>=1.16", "tritonclient[all]==2.51.0", "grpcio"],
                  "extras_require": {"images": ["pillow"], "trt": ['tritonclient[grpc] ; python_version >= "3.6"']}}
    # only in setup.py
    assert doc(text, "pkg/other.py").requirements() == []


def test_requirements_through_a_name_and_with_escapes():
    text = 'import setuptools\nREQ = ["tensorrtserver\\x3d=1.10.0"]\nsetuptools.setup(install_requires=REQ)\n'
    (r,) = doc(text, "setup.py").requirements()
    assert (r.name, r.text, text[r.span.start:r.span.end]) == ("tensorrtserver", "tensorrtserver==1.10.0",
                                                               '"tensorrtserver\\x3d=1.10.0"')
    assert apply(text, [r.replace("tritonclient[all]")]) == \
        'import setuptools\nREQ = ["tritonclient[all]"]\nsetuptools.setup(install_requires=REQ)\n'


# --- V1 client code ----------------------------------------------------------------------------------

def test_client_uses():
    text = ("import tensorrtserver.api as trt\n"
            "from tensorrtserver.api import InferContext, InferenceServerException as E\n"
            "import tensorrtserver.shared_memory as shm\n"
            "class C:\n"
            "    def __init__(self, url):\n"
            "        self.ctx = InferContext(url, trt.ProtocolType.GRPC, 'm', -1)\n"
            "    def go(self):\n"
            "        try:\n"
            "            return self.ctx.run({}, {'o': InferContext.ResultFormat.RAW}, 1)\n"
            "        except E as e:\n"
            "            print(e.message(), e.server_id())\n"
            "def ready(url):\n"
            "    h = shm.create_shared_memory_region('a', '/a', 8)\n"
            "    return trt.ServerHealthContext(url, trt.ProtocolType.HTTP).is_ready()\n")
    uses = doc(text).client_uses()
    assert [(u.kind, u.module, u.name, u.text) for u in uses] == [
        ("import", "tensorrtserver.api", "", "tensorrtserver.api as trt"),
        ("import", "tensorrtserver.api", "InferContext", "InferContext"),
        ("import", "tensorrtserver.api", "InferenceServerException", "InferenceServerException as E"),
        ("import", "tensorrtserver.shared_memory", "", "tensorrtserver.shared_memory as shm"),
        ("call", "tensorrtserver.api", "InferContext", "InferContext"),
        ("attribute", "tensorrtserver.api", "ProtocolType.GRPC", "trt.ProtocolType.GRPC"),
        ("call", "tensorrtserver.api", "InferContext.run", "self.ctx.run"),
        ("attribute", "tensorrtserver.api", "InferContext.ResultFormat.RAW", "InferContext.ResultFormat.RAW"),
        ("name", "tensorrtserver.api", "InferenceServerException", "E"),
        ("call", "tensorrtserver.api", "InferenceServerException.message", "e.message"),
        ("call", "tensorrtserver.api", "InferenceServerException.server_id", "e.server_id"),
        ("call", "tensorrtserver.shared_memory", "create_shared_memory_region", "shm.create_shared_memory_region"),
        ("call", "tensorrtserver.api", "ServerHealthContext", "trt.ServerHealthContext"),
        ("attribute", "tensorrtserver.api", "ProtocolType.HTTP", "trt.ProtocolType.HTTP"),
        ("call", "tensorrtserver.api", "ServerHealthContext.is_ready", "is_ready"),
    ]
    d = doc(text)
    findings, _ = check_document(d, Release("24.10"))
    got = [(d.position(f.span.start), f.suggestion) for f in findings if f.rule == "TDM603"]
    assert got == [
        ((1, 8), "import tritonclient.http as httpclient"),
        ((2, 32), "import tritonclient.http as httpclient"),
        ((2, 46), "from tritonclient.utils import InferenceServerException"),
        ((3, 8), "import tritonclient.utils.shared_memory as shm"),
        ((6, 20), "tritonclient.http.InferenceServerClient(url)"),
        ((6, 38), "tritonclient.grpc"),
        ((9, 20), "client.infer(model_name, inputs, model_version=str(version), outputs=outputs)"),
        ((9, 43), "tritonclient.http.InferRequestedOutput(name)"),
        ((11, 32), "e.status() or e.debug_details()"),
        ((14, 12), "tritonclient.http.InferenceServerClient(url)"),
        ((14, 41), "tritonclient.http"),
        ((14, 64), "client.is_server_ready()"),
    ]
    assert all(f.fix is None and f.severity.value == "warning" for f in findings)


def test_client_suggestions_name_the_wheels_of_the_target():
    findings, _ = check_document(doc("import tensorrtserver.api\nimport tensorrtserver.shared_memory as s\n"),
                                 Release("20.07"))
    assert [f.suggestion for f in findings] == ["import tritonhttpclient as httpclient",
                                                "import tritonshmutils.shared_memory as shm"]


def test_code_that_imports_the_adapter_or_tritonclient_is_no_v1():
    d = doc("import triton_v1_compat as trt\nimport tritonclient.http as httpclient\nctx = trt.InferContext('u')\n")
    assert d.client_uses() == [] and d.triton is False


# --- the table, against both client libraries ------------------------------------------------------

def _v1_api() -> set[str]:
    """Names the V1 library defines: classes, their methods and class attributes (one level of
    nested classes), module functions."""
    src = (shared_dir() / "corpus" / "clients" / "v1" / "tensorrtserver_api__init__.py").read_text()
    names: set[str] = set()

    def walk(body, prefix: str) -> None:
        for n in body:
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                names.add(prefix + n.name)
                if isinstance(n, ast.ClassDef):
                    walk(n.body, prefix + n.name + ".")
            elif isinstance(n, ast.Assign):
                names.update(prefix + t.id for t in n.targets if isinstance(t, ast.Name))

    walk(ast.parse(src).body, "")
    return names


def test_every_v1_name_of_the_table_is_in_the_v1_library():
    defined = _v1_api()
    for row in T.CLIENT_ROWS:
        if row.module == "tensorrtserver.api" and row.name and row.v1_source == "tensorrtserver/api/__init__.py":
            assert row.name in defined, row.name
    # and the star import binds what the library defines (the protobuf messages come from api_pb2)
    from triton_docker_migrate import facts

    assert set(facts.V1_CLIENT_API) - defined == {"InferRequestHeader", "InferResponseHeader", "ServerStatus",
                                                  "SharedMemoryStatus", "ModelRepositoryIndex"}
    assert set(facts.V1_CLIENT_CLASSES) <= defined


def _resolves(dotted: str) -> bool:
    """``dotted`` names a module or an attribute of the installed tritonclient."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for p in parts[k:]:
            if not hasattr(obj, p):
                return False
            obj = getattr(obj, p)
        return True
    return False


def test_every_v2_name_of_the_table_is_in_tritonclient():
    pytest.importorskip("tritonclient.http", reason="tritonclient comes with the test dependency nvidia-pytriton")
    names = {n for row in T.CLIENT_ROWS for n in row.v2_api}
    assert len(names) > 30
    missing = sorted(n for n in names if not (n.startswith("tritonclient.utils.cuda_shared_memory") or _resolves(n)))
    assert missing == []
    # the CUDA helpers need the CUDA driver to import: read their module instead
    spec = importlib.util.find_spec("tritonclient.utils.cuda_shared_memory")
    src = pathlib.Path(spec.origin).read_text()  # type: ignore[union-attr, arg-type]
    defined = {n.name for n in ast.parse(src).body if isinstance(n, ast.FunctionDef)}
    for n in names:
        if n.startswith("tritonclient.utils.cuda_shared_memory."):
            assert n.rsplit(".", 1)[1] in defined, n


def test_every_row_is_reachable_and_rows_fall_back_to_their_owner():
    assert T.client_row("tensorrtserver.api", "InferContext.nothing_like_this").name == "InferContext"
    assert T.client_row("tensorrtserver.shared_memory", "whatever").name == ""
    assert T.client_row("elsewhere", "x") is None
    assert len({(r.module, r.name) for r in T.CLIENT_ROWS}) == len(T.CLIENT_ROWS)


# --- the real V1 and V2 client programs ---------------------------------------------------------------

def test_v1_client_programs_are_reported_never_changed(tmp_path, monkeypatch, capsys):
    src = shared_dir() / "corpus" / "clients" / "v1"
    for p in src.glob("*.py"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "migrate", "--format", "json", ".")
    report = json.loads(out)
    assert code == 0 and report["summary"]["files_failed"] == 0
    assert {f["path"] for f in report["files"]} == {p.name for p in src.glob("*.py")}
    assert {f["kind"] for f in report["files"]} == {"python"}
    assert not any(f["changed"] for f in report["files"])
    for p in src.glob("*.py"):
        assert (tmp_path / p.name).read_bytes() == p.read_bytes()
    # every import of the V1 library is on a line with a warning
    for p in src.glob("*.py"):
        lines = {f["line"] for f in report["findings"] if f["path"] == p.name and f["severity"] == "warning"}
        for n, line in enumerate(p.read_text().splitlines(), 1):
            code_part = line.split("#")[0]
            if "tensorrtserver" in code_part and ("import" in code_part):
                assert n in lines, (p.name, n, line)


def test_v2_client_programs_are_untouched_and_silent(tmp_path):
    for p in (shared_dir() / "corpus" / "clients" / "v2").glob("*.py"):
        d = PythonDoc(str(p), p.read_text())
        findings, _ = check_document(d, Release("24.10"))
        assert findings == [] and d.command_lines() == [] and d.client_uses() == [], p.name


def test_a_launcher_added_to_a_v2_client_changes_only_itself(tmp_path):
    """The corpus property: a V1 launcher appended to a real program is migrated, and every byte of
    the program before it stays."""
    stanza = ('\n\ndef _serve():\n    import subprocess\n    return subprocess.Popen(["trtserver", '
              '"--model-store=/models", "--api-version=2"])\n')
    for p in (shared_dir() / "corpus" / "clients" / "v2").glob("*.py"):
        original = p.read_bytes()
        target = tmp_path / p.name
        target.write_bytes(original + stanza.encode())
        res = run_fixture(target)
        assert res.status is Status.CHANGED, (p.name, res.error)
        assert res.new.startswith(original)
        assert res.new[len(original):].decode() == stanza.replace(
            '["trtserver", "--model-store=/models", "--api-version=2"]',
            '["tritonserver", "--model-repository=/models", "--model-control-mode=poll", '
            '"--disable-auto-complete-config"]')


# --- the migrated fixtures, against the Python compiler ---------------------------------------------

def _masked_dump(src: str) -> str:
    """``ast.dump`` with every string constant masked and the string items of lists and tuples left
    out (what an edit of a command line may change)."""

    class Mask(ast.NodeTransformer):
        def visit_Constant(self, node):
            return ast.Constant("S") if isinstance(node.value, (str, bytes)) else node

        def visit_List(self, node):
            # (an item that code writes and that only computes a value - ``str(port)``, an f-string - may be
            # removed whole with the option before it)
            node.elts = [e for e in node.elts if not (isinstance(e, ast.Constant) and isinstance(e.value, (str, bytes)))
                         and not (not isinstance(e, ast.Constant) and pure_node(e))]
            return self.generic_visit(node)

        visit_Tuple = visit_List

        def visit_JoinedStr(self, node):
            # an f-string's text around its fields is a command line's words too (``f"{BIN} --model-store={REPO}"``:
            # options are added after its last field; a field that only computes a value may go with its word)
            node.values = [v for v in node.values if not isinstance(v, ast.Constant)
                           and not (isinstance(v, ast.FormattedValue) and pure_node(v))]
            return self.generic_visit(node)

        def visit_Call(self, node):
            # asyncio.create_subprocess_exec("trtserver", ...), os.execlp(...), sh.Command(p)(...): a command's
            # words given one an argument
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if isinstance(f, ast.Call) or name == "create_subprocess_exec" or name[:5] in ("execl", "spawn") and "v" not in name:
                node.args = [a for a in node.args if not (isinstance(a, ast.Constant) and isinstance(a.value, (str, bytes)))]
            return self.generic_visit(node)

        def visit_Expr(self, node):
            # ``cmd.append("--api-version=2")``: a statement an edit may delete whole (it adds one string)
            c = node.value
            if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr in ("append", "insert") \
                    and isinstance(c.func.value, ast.Name) and c.args and isinstance(c.args[-1], ast.Constant) \
                    and isinstance(c.args[-1].value, str) and not c.keywords:
                return None
            return self.generic_visit(node)

    return ast.dump(Mask().visit(ast.parse(src)))


@pytest.mark.parametrize("path", PYTHON_FIXTURES, ids=[p.name for p in PYTHON_FIXTURES])
def test_migrated_fixture_compiles_and_keeps_its_code(path):
    res = run_fixture(path)
    assert res.status is not Status.FAILED, res.error
    new = res.new.decode("utf-8")
    compile(new, str(path), "exec")
    if settings_for(path).unsafe_fixes:
        # client code rewritten on purpose (--unsafe-fixes): the pipeline's verify step compared what the
        # rewrite left alone, and the rewritten programs run against the real server (test_clients_live.py)
        return
    # (the probe ports of the Kubernetes client objects and dicts are numbers an edit may change)
    assert _masked_dump(path.read_text()) == _masked_dump(new) or path.name in ("kubeflow-pipeline.py", "health-port.py")
    # outside the string literals (and list items that are literals) nothing changed: the masked
    # trees agree (the pipeline's probe port is the one number an edit may change)
    d_old, d_new = PythonDoc(str(path), path.read_text()), PythonDoc(str(path), new)
    assert d_old.same_structure(d_new) is None


def test_same_structure_sees_code_changes():
    a = doc('import subprocess\nsubprocess.run(["trtserver", "--api-version=2"], check=True)\n')
    assert a.same_structure(doc('import subprocess\nsubprocess.run(["x"], check=True)\n')) is None
    assert a.same_structure(doc('import subprocess\nsubprocess.run(["x"], check=False)\n')) is not None
    assert a.same_structure(doc('import subprocess\nsubprocess.run(["x"] + y, check=True)\n')) is not None


# --- kinds, bad input and the batch run's fast path --------------------------------------------------

def test_kind_rows():
    assert kinds.kind_of("a/launch.py", b"import os\n") == "python"
    assert kinds.kind_of("a/launch.py", b"#!/usr/bin/env python3\n") == "python"
    assert kinds.kind_of("a/serve.py", b"#!/bin/sh\nexec trtserver\n") == "shell"  # the shell row comes first
    assert kinds.kind_of("a/types.pyi", b"x: int\n") == "text"
    assert not kinds.text_by_name("a/launch.py")


def test_unreadable_python_with_v1_evidence_is_an_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.py").write_text("import os\n\nos.system('trtserver --model-store=/m'\n")
    (tmp_path / "weak.py").write_text("def f(:\n    return '/api/health/ready'\n")  # weak evidence only
    (tmp_path / "py2.py").write_text("print 'hello'\n")  # no evidence
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    report = json.loads(out)
    assert code == 2
    assert [(f["path"], f["error"] is not None) for f in report["files"]] == [("bad.py", True)]
    assert err.splitlines()[0].startswith("bad.py:3: error: cannot read the Python file: ")
    with pytest.raises(ProcessingError) as e:
        doc("x = (1,\n")
    assert e.value.line == 1


def test_python_files_without_the_prefilter_literals_are_never_parsed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for i in range(20):
        (tmp_path / f"m{i}.py").write_text("import subprocess\nsubprocess.run(['echo', 'tritonserver'])\n")
    (tmp_path / "serve.py").write_text("import subprocess\nsubprocess.run(['trtserver', '--model-store=/m'])\n")
    parsed: list[str] = []
    real = ast.parse

    def counting(src, *a, **k):
        parsed.append(k.get("filename") or (a[0] if a else ""))
        return real(src, *a, **k)

    monkeypatch.setattr(ast, "parse", counting)
    code, out, err = cli(capsys, "migrate", "--check", "--jobs", "1", "--format", "json", "--statistics", ".")
    report = json.loads(out)
    assert code == 1 and [f["path"] for f in report["files"]] == ["serve.py"]
    assert report["summary"]["files_scanned"] == 21
    assert sorted(pathlib.Path(p).name for p in parsed) == ["serve.py", "serve.py"]  # the file and its check


def test_suppression_above_a_statement_spanning_lines():
    text = ("import subprocess\n"
            "# triton-docker-migrate: ignore[TDM310]\n"
            "subprocess.run([\n"
            "    'trtserver',\n"
            "    '--model-store=/m',\n"
            "])\n")
    from triton_docker_migrate import suppress

    d = doc(text)
    findings, _ = check_document(d, Release("24.10"))
    kept = suppress.apply(d, findings)
    assert "TDM310" in {f.rule for f in findings} and "TDM310" not in {f.rule for f in kept}


@pytest.mark.parametrize("source, style, value", [
    ('"trtserver --model-store=%s --http-port=%d"', "PERCENT", "trtserver --model-store=${%s} --http-port=${%d}"),
    ('"100%% --x=%(name)s"', "PERCENT", "100% --x=${%(name)s}"),
    ('"trtserver --model-store={} --x={{y}}"', "BRACES", "trtserver --model-store=${_} --x={y}"),
    ('"a={p!r:>4}" " b"', "BRACES", "a=${p!r:>4} b"),
])
def test_format_placeholders_read_as_run_time_values(source, style, value):
    """A string formatted with % or .format(): each placeholder reads as an expansion (never edited),
    an escaped percent sign or brace as the one character it gives; every other character keeps its
    place in the file, across implicitly joined tokens."""
    from triton_docker_migrate.syntax import pyliterals as P

    node = ast.parse(source).body[0].value
    lit = P.read_literal(source, 0, len(source), node.value)
    got = P.with_placeholders(lit, getattr(P, style))
    assert got.value == value
    for k, ch in enumerate(got.value):
        if k not in got.inexact:
            assert source[got.offsets[k]] == ch
    assert all(got.value[a] == "$" for a, _ in got.fields)
    assert [got.value[b] for b in got.breaks] == [lit.value[b] for b in lit.breaks]


# --- shapes of this project's own test files, which once failed (an internal error, or a verification
# that refused the tool's own edit) --------------------------------------------------------------------

def _processed(tmp_path, capsys, text: str) -> tuple[int, str, str]:
    p = tmp_path / "launch.py"
    p.write_text(text)
    code, out, err = cli(capsys, "migrate", "--diff", str(p))
    assert "TDM001" not in out + err and "internal error" not in out + err
    return code, out, err


def test_a_dict_that_unpacks_another_is_read(tmp_path, capsys):
    """``{**BASE, "k": v}``: ast gives None for the key of ``**BASE`` (the file's digest read it as a node)."""
    text = ('import subprocess\nBASE = {"image": "nvcr.io/nvidia/tensorrtserver:20.02-py3"}\n'
            'CFG = {**BASE, "name": "scorer", **{"x": 1}}\n')
    _code, out, _err = _processed(tmp_path, capsys, text)
    assert '+BASE = {"image": "nvcr.io/nvidia/tritonserver:24.10-py3"}' in out
    new, _findings = migrate(text)
    assert new == text.replace("tensorrtserver:20.02", "tritonserver:24.10")


def test_options_go_after_a_closing_quote_written_as_an_escape():
    """A command inside a string whose last word ends with an escaped quote (``\\"``): the new options go
    after the whole escape, never between its backslash and its quote."""
    text = pathlib.Path(FIXTURES / "python" / "escaped-quote-command.py").read_text()
    new, findings = migrate(text)
    assert new.splitlines()[4] == ('        "        \\"\\"\\"/opt/tritonserver/bin/tritonserver\\"\\"\\" '
                                   '--model-control-mode=poll --disable-auto-complete-config\\n"')
    ast.parse(new)
    assert sorted(f.rule for f in findings if f.fix) == ["TDM101", "TDM201", "TDM310", "TDM314"]


def test_a_server_name_alone_and_a_server_in_text_in_one_file(tmp_path, capsys):
    """A string that is only ``trtserver`` followed by an option, and another that runs it inside text:
    the residue pass looks both up among the readers' command words (it once built two kinds of rows)."""
    text = ('import subprocess\nx = ["é€", "𝄞 trtserver", "trtserver", "--model-store=/m€"]\n'
            'y = (\'"""Module: trtserver --model-store=/m."""\\n\' "        return \'kept\'\\n")\n'
            'subprocess.Popen(["trtserver", "--model-store=/m"])\n')
    code, out, err = _processed(tmp_path, capsys, text)
    assert '+subprocess.Popen(["tritonserver", "--model-repository=/m"' in out
    assert "TDM003" in out + err  # the strings no reader takes as commands are V1 left, said so


def test_a_command_string_built_with_plus_is_v1_left_where_it_is_written(tmp_path, capsys):
    """``"trtserver " + "--model-store=" + repo + " --api-version=2"``: no reader takes the sum apart, so the
    binary is V1 left, said where it stands (it was passed over as a name, and the line passed the gate)."""
    code, out, err = _processed(tmp_path, capsys, 'import os\nREPO = "/m"\n'
                                'os.system("trtserver " + "--model-store=" + REPO + " --api-version=2")\n')
    assert "launch.py:3:12: TDM003 warning: V1 evidence left: 'trtserver'" in out + err  # the warning covers the line


# --- argv lists built with list methods, copies and dict items ------------------------------------

def _migrated(text: str, tmp_path, name: str = "launch.py") -> tuple[str, list]:
    p = tmp_path / name
    p.write_text(text)
    res = run_fixture(p)
    assert res.status is not Status.FAILED, res.error
    return res.new.decode(), res.findings


def test_appended_options_are_rewritten_where_they_are_written_and_never_receive_new_ones(tmp_path):
    new, findings = _migrated(
        'import os, sys\n'
        'ARGS = ["--model-store", os.environ.get("MODELS", "/models")]\n'
        'if os.environ.get("POLL"):\n'
        '    ARGS.append("--allow-poll-model-repository=true")\n'
        'ARGS.append("--api-version=2")  # old protocol\n'
        'ARGS.append("--log-verbose=1")\n'
        'os.execvp("trtserver", ["trtserver"] + ARGS + sys.argv[1:])\n', tmp_path)
    assert new == (
        'import os, sys\n'
        'ARGS = ["--model-repository", os.environ.get("MODELS", "/models"), "--model-control-mode=poll", '
        '"--strict-model-config=true"]\n'
        'if os.environ.get("POLL"):\n'
        '    ARGS.append("--model-control-mode=poll")\n'
        'ARGS.append("--log-verbose=1")\n'
        'os.execvp("tritonserver", ["tritonserver"] + ARGS + sys.argv[1:])\n')
    # the mode is set in a branch only: V1 polled on the other runs, so the default goes before the branch's
    assert {(f.rule, f.fixed) for f in findings} >= {("TDM311", True), ("TDM302", True), ("TDM310", True)}
    assert not [f for f in findings if f.rule == "TDM003"]


@pytest.mark.parametrize("body,line", [
    # the only statement of its block: deleting it would leave ``if ...:`` empty
    ('if os.environ.get("OLD"):\n    cmd.append("--api-version=2")\n', 4),
    # not alone on its line
    ('cmd.append("--log-verbose=1"); cmd.append("--api-version=2")\n', 3),
    ('if os.environ.get("OLD"): cmd.append("--api-version=2")\n', 3),
    # an option and its value in two statements that are a whole block
    ('if os.environ.get("OLD"):\n    cmd.append("--api-version")\n    cmd.append("2")\n', 4),
    # written as an f-string: not a statement the verify step lets an edit delete
    ('cmd.append(f"--api-version={2}")\nprint(cmd)\n', 3),
])
def test_an_appended_option_that_cannot_go_alone_is_left_and_reported(tmp_path, body, line):
    text = 'import os, subprocess\ncmd = ["trtserver", "--model-store=/m"]\n' + body + 'subprocess.run(cmd)\n'
    new, findings = _migrated(text, tmp_path)
    assert new.splitlines()[2:-1] == text.splitlines()[2:-1]  # the statements stay as written
    api = [f for f in findings if f.rule == "TDM302"]
    assert len(api) == 1 and not api[0].fixed and api[0].severity is Severity.WARNING
    assert api[0].line == line and "remove it by hand" in api[0].message
    compile(new, "launch.py", "exec")


def test_appended_words_pair_an_option_with_its_value_across_statements(tmp_path):
    new, findings = _migrated(
        'import subprocess\ncmd = ["trtserver"]\ncmd.append("--model-store")\ncmd.append("/models")\n'
        'cmd.append("--api-version")\ncmd.append("2")\ncmd.append("--log-verbose=1")\nsubprocess.run(cmd)\n',
        tmp_path)
    assert new == (
        'import subprocess\ncmd = ["tritonserver", "--model-control-mode", "poll", "--disable-auto-complete-config"]\n'
        'cmd.append("--model-repository")\ncmd.append("/models")\ncmd.append("--log-verbose=1")\n'
        'subprocess.run(cmd)\n')


def test_insert_at_a_known_place_is_read_and_deleted_with_its_statement(tmp_path):
    new, _ = _migrated('import subprocess\ncmd = ["trtserver", "--model-store=/m"]\n'
                       'cmd.insert(1, "--api-version=2")\ncmd.insert(1, "--strict-model-config=false")\n'
                       'subprocess.run(cmd)\n', tmp_path)
    assert new == ('import subprocess\ncmd = ["tritonserver", "--model-repository=/m", "--model-control-mode=poll"]\n'
                   'cmd.insert(1, "--strict-model-config=false")\nsubprocess.run(cmd)\n')


@pytest.mark.parametrize("text,expected", [
    # a dict of settings
    ('CONFIG = {"binary": "trtserver", "args": ["--model-store=/m", "--api-version=2"]}\n'
     'subprocess.run([CONFIG["binary"]] + CONFIG["args"])\n',
     'CONFIG = {"binary": "tritonserver", "args": ["--model-repository=/m", "--model-control-mode=poll", '
     '"--disable-auto-complete-config"]}\n'
     'subprocess.run([CONFIG["binary"]] + CONFIG["args"])\n'),
    # a copy of a tuple, then appended to
    ('BASE = ("trtserver", "--model-store=/m")\ncmd = list(BASE)\ncmd.append("--api-version=2")\n'
     'subprocess.Popen(cmd)\n',
     'BASE = ("tritonserver", "--model-repository=/m", "--model-control-mode=poll", '
     '"--disable-auto-complete-config")\ncmd = list(BASE)\nsubprocess.Popen(cmd)\n'),
    # itertools.chain
    ('opts = ["--model-store=/m", "--api-version=2"]\nsubprocess.run(list(itertools.chain(["trtserver"], opts)))\n',
     'opts = ["--model-repository=/m", "--model-control-mode=poll", "--disable-auto-complete-config"]\n'
     'subprocess.run(list(itertools.chain(["tritonserver"], opts)))\n'),
])
def test_copies_chains_and_dict_items_are_read_as_the_lists_they_hold(tmp_path, text, expected):
    new, findings = _migrated("import itertools, subprocess\n" + text, tmp_path)
    assert new == "import itertools, subprocess\n" + expected
    assert all(f.fixed or f.rule in ("TDM604", "TDM709") for f in findings)


def test_a_slice_assignment_is_a_change_known_only_at_run_time(tmp_path):
    _, findings = _migrated('import subprocess\nargs = ["trtserver", "--model-store=/m"]\n'
                            'args[1:] = ["--model-store=/m", "--api-version=2"]\nsubprocess.run(args)\n', tmp_path)
    assert [(f.rule, f.line, f.severity) for f in findings if f.rule == "TDM316"] == [("TDM316", 3, Severity.WARNING)]


@pytest.mark.parametrize("new", [
    'import os\ncmd = ["a"]\nos.execv("a", cmd)\n',  # the statement deleted
    'import os\ncmd = ["a"]\nif x:\n    cmd.append("b")\nos.execv("a", cmd)\n',  # its string changed
])
def test_same_structure_accepts_deleted_append_statements(new):
    old = doc('import os\ncmd = ["a"]\nif x:\n    cmd.append("--api-version=2")\nos.execv("a", cmd)\n')
    if "if x" not in new:
        old = doc('import os\ncmd = ["a"]\ncmd.append("--api-version=2")\nos.execv("a", cmd)\n')
    assert old.same_structure(doc(new)) is None


@pytest.mark.parametrize("new", [
    'import os\ncmd.append("b")\ncmd = ["a"]\nos.execv("a", cmd)\n',  # moved
    'import os\ncmd = ["a"]\ncmd.append("b")\ncmd.append("b")\nos.execv("a", cmd)\n',  # added
    'import os\ncmd = ["a"]\nargs.append("b")\nos.execv("a", cmd)\n',  # another list
    'import os\ncmd = ["a"]\ncmd.append(b)\nos.execv("a", cmd)\n',  # not a string
    'import os\ncmd = ["a"]\ncmd.insert(1, "b")\nos.execv("a", cmd)\n',  # another method
    'import os\ncmd = ["a"]\nif x:\n    cmd.append("b")\nos.execv("a", cmd)\n',  # into a block
])
def test_same_structure_refuses_any_other_change_of_append_statements(new):
    old = doc('import os\ncmd = ["a"]\ncmd.append("b")\nos.execv("a", cmd)\n')
    assert old.same_structure(doc(new)) is not None


def test_the_binary_held_as_a_launchers_program_is_v1_left(tmp_path, capsys):
    """A dataclass or a constant that holds the program a launcher runs (``binary: str = "trtserver"``,
    ``SERVER_BIN = "/opt/bin/trtserver"``, ``{"cmd": "trtserver"}``), run as ``[cfg.binary, *cfg.args]``: no
    reader takes it as a command line, and a string that is only the binary was read as a name - silent.
    Held under a name that says it is a program it is V1 left; a host, a list of names and a message are not."""
    text = ('import subprocess\nfrom dataclasses import dataclass\n\n\n@dataclass\nclass Server:\n'
            '    binary: str = "trtserver"\n\n\nSERVER_BIN = "/opt/bin/trtserver"\nSPEC = {"cmd": "trtserver"}\n'
            'SERVER_HOST = "trtserver"\nNAMES = ["trtserver", "tritonserver"]\nprint("trtserver")\n\n\n'
            'def start(s: Server):\n    return subprocess.Popen([s.binary])\n')
    _code, out, err = _processed(tmp_path, capsys, text)
    flagged = sorted(int(m) for m in re.findall(r"launch\.py:(\d+):\d+: TDM003 warning", out + err))
    assert flagged == [7, 10, 11]


def test_exec_given_its_own_argv_list_runs_the_server_that_list_names(tmp_path):
    # os.execv(argv[0], argv): the list is the server's argv, even once its name was renamed (a second run)
    new, findings = _migrated(
        'import os\nSERVER = "/opt/tritonserver/bin/tritonserver"\n'
        'def serve():\n    argv = [SERVER, "--model-repository=/m", "--http-health-port=8005"]\n'
        '    os.execv(argv[0], argv)\n', tmp_path)
    assert '"--http-health-port=8005"' not in new and '"--model-repository=/m"' in new
    assert [(f.rule, f.fixed) for f in findings if f.rule == "TDM305"] == [("TDM305", True)]


@pytest.mark.parametrize("call", [
    'subprocess.run([BIN, "--http-health-port", str(port)])',
    'subprocess.run([BIN, "--model-store=/m", "--http-health-port", str(port)])',
    'subprocess.run([BIN, "--model-store=/m", "--http-health-port=" + str(port)])',
    'subprocess.run([BIN, "--model-store=/m", f"--http-health-port={port}"])',
    'os.execv(BIN, [BIN, "--http-health-port", str(port)])',
])
def test_an_option_whose_item_code_writes_goes_whole(tmp_path, call):
    # the value is code that only computes a value (``str(port)``, an f-string's field): the option goes with
    # it, whole items, as a string item does - never a V2 line that keeps the V1-only option
    text = f'import os, subprocess\nBIN = "trtserver"\nport = 8005\n{call}\n'
    new, findings = _migrated(text, tmp_path)
    assert "--http-health-port" not in new.splitlines()[3] and "port" not in new.splitlines()[3]
    assert 'BIN = "tritonserver"' in new
    health = [f for f in findings if f.rule == "TDM305"]
    assert len(health) == 1 and health[0].fixed
    compile(new, "launch.py", "exec")


@pytest.mark.parametrize("call,code", [
    ('subprocess.run([BIN, "--model-store=/m", "--http-health-port", next_port()])', "`next_port()`, Python code"),
    ('subprocess.run([BIN, "--model-store=/m", f"--http-health-port={ports.pop()}"])', "an f-string"),
    ('subprocess.run(f"{BIN} --model-store=/m --http-health-port={ports.pop()}", shell=True)', "f-string's field"),
])
def test_an_option_whose_value_code_acts_holds_the_line(tmp_path, call, code):
    # the value's code does something (takes a port): it is not removed, so the whole line stays V1 - the
    # constant that names its binary too - each change a warning that says why
    text = f'import os, subprocess\nBIN = "trtserver"\nports = [8005]\n{call}\n'
    new, findings = _migrated(text, tmp_path)
    assert new == text
    health = [f for f in findings if f.rule == "TDM305"]
    assert len(health) == 1 and not health[0].fixed and code in health[0].message
    held = [f for f in findings if f.rule != "TDM305" and not f.advisory and f.rule not in ("TDM604", "TDM709")]
    assert {f.rule for f in held} >= {"TDM202", "TDM301"}
    assert all(not f.fixed and f.severity is Severity.WARNING and "held on V1 with its whole command line: TDM305"
               in f.message for f in held)


@pytest.mark.parametrize("call", [
    'sh.Command(BIN)("--http-health-port=8005")',
    'pexpect.spawn(BIN, ["--http-health-port=8005"])',
    'os.execv(BIN, ["launcher", "--http-health-port=8005"])',
])
def test_nothing_is_added_after_a_program_a_name_gives(tmp_path, call):
    # the program's word is the string assigned to the name: a word added after it would make a tuple there
    new, findings = _migrated(f'import os, sh, pexpect\nBIN = "trtserver"\n{call}\n', tmp_path)
    assert 'BIN = "tritonserver"\n' in new and "--http-health-port" not in new
    poll = [f for f in findings if f.rule == "TDM310"]
    assert len(poll) == 1 and not poll[0].fixed and "add --model-control-mode=poll by hand" in poll[0].message


def test_a_value_code_writes_is_not_rewritten_and_its_line_is_told(tmp_path):
    # --tf-gpu-memory-fraction's value would take a prefix: a call writes it, so the finding asks for it by
    # hand (no error for the whole file, no word of an f-string that is not there)
    new, findings = _migrated(
        'import os\nTRTSERVER = "/opt/tensorrtserver/bin/trtserver"\n'
        'def main(opts):\n    argv = [TRTSERVER, "--model-store", opts.models]\n'
        '    argv += ["--tf-gpu-memory-fraction", str(opts.gpu_mem)]\n    os.execve(TRTSERVER, argv, {})\n', tmp_path)
    assert '"--model-repository", opts.models' in new and '["--tf-gpu-memory-fraction", str(opts.gpu_mem)]' in new
    tf = [f for f in findings if f.rule == "TDM308"]
    assert len(tf) == 1 and not tf[0].fixed and tf[0].line == 5
    assert "`str(opts.gpu_mem)`, Python code, not a string literal: make it by hand" in tf[0].message
    assert not [f for f in findings if f.rule == "TDM001"]
