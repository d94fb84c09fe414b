"""The project's Dockerfile reader (triton_docker_migrate.syntax.dockerfile) reads what BuildKit reads.

BuildKit's own parser (the PyPI ``dockerfile`` package, BuildKit v0.12.5 in Go) is the oracle: on the
parser's test files, the project's fixtures, generated Dockerfiles and mutated real ones, both read
the same instructions (keyword, ONBUILD's inner keyword, JSON form, original text, lines, flags,
values, heredocs) or both refuse the file. The offsets only this reader gives are checked against the
text itself.
"""

from __future__ import annotations

import ctypes
import re
import subprocess
import sys
import textwrap

import dockerfile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, shared_dir
from dockerfile_gen import dockerfiles, mutated
from triton_docker_migrate.syntax.dockerfile import DockerfileSyntaxError, parse

GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
           "\u2028\u2029\u202f\u205f\u3000"


def _c_string(s: str) -> str:
    """What reaches Python through the oracle's C strings: everything before the first NUL."""
    return s.split("\0", 1)[0]


def oracle(text: str) -> list[tuple] | None:
    """BuildKit's reading, or None where it refuses the file. A UnicodeDecodeError is a refusal too:
    BuildKit read a flag or a HEALTHCHECK type byte by byte and cut a character in two."""
    try:
        commands = dockerfile.parse_string(text)
    except (dockerfile.GoParseError, UnicodeDecodeError):
        return None
    return [(_dispatched(c.cmd), c.sub_cmd and _dispatched(c.sub_cmd), c.json, c.original or "", c.start_line,
             c.end_line, c.flags, c.value, tuple((h.name, h.file_descriptor, h.content) for h in c.heredocs))
            for c in commands]


def _dispatched(keyword: str | None) -> str:
    """The keyword as BuildKit dispatches it, upper-case: Go's strings.ToLower maps U+0130 to "i" and
    the Kelvin sign to "k" (so "HEALTHCHEC\u212a" is a HEALTHCHECK), Python's lower() does not."""
    key = (keyword or "").translate({0x130: "i", 0x212A: "k"}).lower()
    return key.upper() if key in dockerfile.all_cmds() else (keyword or "").upper()


def ours(text: str) -> list[tuple] | None:
    try:
        df = parse(text)
    except DockerfileSyntaxError as e:
        assert "\n" not in e.message and (e.line is None or e.line >= 1)
        return None
    check_offsets(text, df)
    return [_as_command(i) for i in df.instructions]


def _as_command(i) -> tuple:
    """An instruction as the oracle's Command shows it. Its file descriptor is a C long. ONBUILD's
    heredocs are missing from a Command: BuildKit hangs them on the ONBUILD node, the package looks
    for them on the inner one (asottile/dockerfile parse.go), and so neither adds them to ``original``."""
    c, heredocs, original = _c_string, i.heredocs, i.original
    if i.cmd == "ONBUILD" and heredocs:
        heredocs, original = (), original.split("\n", 1)[0]
    return (i.cmd, i.sub_cmd, i.json, c(original), i.start_line, i.end_line, tuple(map(c, i.flags)),
            tuple(map(c, i.value)), tuple((h.name, ctypes.c_long(h.file_descriptor).value, c(h.content))
                                          for h in heredocs))


def agree(text: str) -> None:
    expected, got = oracle(text), ours(text)
    assert got == expected, f"{text!r}\nBuildKit: {expected}\nours:     {got}"


def _split_keyword(line: str) -> tuple[str, str]:
    """BuildKit's splitCommand on a logical line: the keyword and the text after it."""
    parts = re.split("[\t\v\f\r ]+", line.strip(GO_SPACE), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def check_offsets(text: str, df) -> None:
    for span in df.comments:
        assert text[span.start] == "#"
    for ins in df.instructions:
        line = ins.original.split("\n", 1)[0] if ins.heredocs else ins.original
        keyword, after = _split_keyword(line)
        written = text[ins.keyword.start:ins.keyword.end]
        assert ins.start == ins.keyword.start <= ins.end <= len(text)
        assert text[ins.start:ins.end].startswith(written)
        assert ins.end == len(text) or text[ins.end] in "\r\n"
        if "\n" not in written:  # a continuation can cut a keyword in two
            assert written == keyword
        if ins.inner_keyword is None:
            assert ins.logical == after
        else:
            assert ins.inner_keyword.start >= ins.keyword.end and after.endswith(ins.logical)
        assert len(ins.offsets) == len(ins.logical)
        assert all(text[o] == ch for o, ch in zip(ins.offsets, ins.logical))
        assert all(ins.offset(i) == o for i, o in enumerate(ins.offsets))
        assert len(ins.flag_spans) == len(ins.flags)
        assert all(text[s.start] == "-" and s.end <= ins.end for s in ins.flag_spans)
        if ins.cmd in ("RUN", "CMD", "ENTRYPOINT", "SHELL") and not ins.json and ins.value:
            assert ins.logical[ins.args_start:] == ins.value[0]
        for h in ins.heredocs:
            assert text[h.body.start:h.body.end] == h.content
            assert h.body.end == h.terminator.start and h.terminator.end <= ins.end
            term = text[h.terminator.start:h.terminator.end]
            assert (term.lstrip("\t") if h.strip_tabs else term) == h.name


# --- the parser's own test files and the project's fixtures ------------------------------------

def _fixture_dockerfiles() -> list:
    names = ("*Dockerfile*", "Containerfile*")
    files = {p for n in names for p in FIXTURES.rglob(n) if p.suffix not in (".findings", ".args")}
    return sorted(files)


def test_fixtures_read_as_buildkit_reads_them():
    fixtures = _fixture_dockerfiles()
    assert len(fixtures) >= 90
    for path in fixtures:
        agree(path.read_text(encoding="utf-8"))


def test_buildkit_parser_test_files_read_as_buildkit_reads_them():
    corpus = shared_dir() / "corpus"
    files = sorted((corpus / "buildkit-parser").glob("*.Dockerfile"))
    negative = sorted((corpus / "buildkit-parser-negative").iterdir())
    assert len(files) >= 30 and len(negative) >= 4
    for path in files + negative:
        agree(path.read_text(encoding="utf-8"))
    for path in negative:  # BuildKit refuses every one of them
        assert ours(path.read_text(encoding="utf-8")) is None, path.name


CASES = [
    # directives: only at the top, case-insensitive, once each; an empty line or comment ends them
    "# escape=`\nFROM x\nRUN a `\n  b\n",
    "#ESCAPE = `  \nRUN a `\n b\n",
    "# syntax=x\n# escape=`\nRUN a `\n b\n",
    "\n# escape=`\nRUN a `\n b\n",
    "# hello\n# escape=`\nRUN a `\n b\n",
    "# check=skip=all\n# escape=`\nRUN a `\n b\n",
    "# escape=`\n# escape=`\nFROM x\n",
    "# escape=x\nFROM x\n",
    "# escape= \nFROM x\n",
    "# escape=\nFROM x\n",
    "# syntax=a\n# syntax=b\nFROM x\n",
    "  # escape=`\nRUN a `\n b\n",
    "\ufeff# escape=`\nRUN a `\n b\n",
    "\ufeff\ufeffFROM x\n",
    # line ends: CRLF, CRs before LF, a lone CR inside a line
    "FROM x\r\nRUN a \\\r\n  b\r\n",
    "RUN a \\\r\r\n b\n",
    "FROM a\rRUN b\n",
    "RUN a \\\r \n b\n",
    # continuations: spaces after the escape, escaped escapes, comments and empty lines inside
    "RUN a \\  \t\n b\n",
    "RUN a \\\\\nRUN b\n",
    "RUN a \\\\\\\n b\n",
    "RUN a \\\n# c\n\n   \n  # d \\\n b\n",
    "\\\nRUN x\n",
    "\\\n",
    "\\\n \\\n",
    "RU\\\nN x\n",
    "RUN echo \\",
    "RUN echo \\\r\n",
    "RUN echo \\\n",
    "RUN echo \\\n# only a comment after\n",
    "# escape=`\nRUN echo `",
    # JSON or shell form
    'CMD ["a", "b"]\n', 'CMD ["a", 1]\n', "CMD [1e999]\n", 'CMD ["a"] junk\n', "CMD []\n", "CMD [\n",
    'CMD ["\\ud800\\ud800\\udc00", "\\udc00"]\n', "CMD " + "[" * 10001 + "]" * 10001 + "\n",
    "CMD " + "[" * 10000 + "]" * 10000 + "\n", 'CMD [["a"]]\n', "CMD\u00a0[\"a\"]\n", 'RUN --mount=x ["a"]\n',
    'COPY ["a", "b"]\n', "COPY [\"a\",\n", 'VOLUME ["/a", "/b"]\n', "VOLUME /a /b\n", "SHELL [\"sh\", \"-c\"]\n",
    # flags
    "RUN --mount=type=cache,target=/x --network=none echo\n", 'COPY --chown="a b" --link x y\n',
    "RUN -- echo\n", "RUN --\n", "RUN --x\n", "RUN --x=é y\n", "RUN --x=\u1161 y\n", "FOO --x=\u1161 y\n",
    "RUN --x=\u0085 y\n", "RUN --'a b' --\"\" c\n", "RUN --a\\\n",
    # HEALTHCHECK, ONBUILD, ENV/LABEL, ARG, others
    "HEALTHCHECK NONE\n", "HEALTHCHECK --interval=5s --timeout=3s CMD curl -f http://x/ || exit 1\n",
    'HEALTHCHECK CMD ["curl", "x"]\n', "HEALTHCHECK\n", "HEALTHCHECK CMDà x\n", "HEALTHCHECK CMD\v\fx\n",
    "ONBUILD\n", "ONBUILD RUN --mount=x echo\n", "ONBUILD ONBUILD RUN x\n", "ONBUILD ONBUILD\n",
    "ONBUILD --x RUN y\n", 'ONBUILD CMD ["a"]\n', "ONBUILD ONBUILD CMD [1]\n", "ONBUILD FOO bar\n",
    "ONBUILD RUN <<EOF\nx\nEOF\n", "ONBUILD ONBUILD RUN <<EOF\n",
    "ENV a b c\n", "ENV a=b c=\"d e\"\n", "ENV a\n", "ENV a=b c\n", "ENV\n", "ENV a\u00a0b\n", "LABEL \"a b\"=c\n",
    "ARG a b=c 'd e'\n", "ARG\n", "MAINTAINER  me  \n", "EXPOSE 80\t443\n", "FROM a AS b\n", "FOO bar\n", "FOO\n",
    "STOPSIGNAL SIGKILL\nUSER a\nWORKDIR /w\n", "HEALTHCHEC\u212a NONE\n", "MA\u0130NTAINER x\n",
    # heredocs
    "RUN <<EOF\necho hi\nEOF\n", "RUN <<-EOF\n\techo hi\n\tEOF\n", "RUN <<'EOF'\n$x\nEOF\n",
    'RUN <<"EOF" cat\n$x\nEOF\n', "COPY <<a <<b /dst/\n1\na\n2\nb\n", "RUN 3<<EOF cat <&3\nx\nEOF\n",
    "RUN 99999999999999999999<<EOF\nx\nEOF\n", "RUN python3 <<EOF\nimport sys\nprint(sys.argv)\nEOF\n",
    "RUN <<EOF\nx\n", "RUN <<EOF\nx\nEOF", "RUN <<EOF\r\nx\r\nEOF\r\n", "RUN <<EOF \\\n  && echo\nx\nEOF\n",
    "RUN ['<<EOF']\n", 'RUN ["<<EOF"]\n', "RUN '<<EOF'\n", "RUN cat<<EOF\n", "RUN <<\n", "RUN <<''\n",
    "RUN <<'EOF\n", "RUN <<EOF'\nx\n", 'RUN <<"a b"\na b\n', "RUN <<E\\OF\nx\nEOF\n", "RUN <<${a:-EOF}\n${a:-EOF}\n",
    "RUN <<EOF ${\nx\nEOF\n", "RUN <<EOF ${a\nx\nEOF\n", "RUN <<EOF ${a b}\nx\nEOF\n", "RUN <<$a\n$a\n",
    'RUN <<"EOF\\"\nx\n', "RUN \ufeff<<EOF\nx\nEOF\n", "RUN <<\ufeffEOF\nEOF\n", "RUN <<EOF <<EOF\n1\nEOF\n2\nEOF\n",
    'RUN <<"${a:-"b c"}"\nx\n', "RUN <<EOF\n# not a comment\n\nEOF\n",
    # a word BuildKit's shell lexer reads on the line, split inside ${...}, that it cannot read alone
    'RUN <<${a:-"b c"}\nx\n', "RUN <<${a:-'b c'}\n", "RUN <<${a:-b\\ c}\n",
    # ParseHeredoc refuses these words, but the line's lexer fails first and so finds no heredoc
    "RUN <<'EOF\n", 'RUN <<"EOF\n', "RUN <<EOF'\n", 'RUN <<EOF"\n',
    # no instructions
    "", "\n", "# only a comment\n", "\ufeff", "   \n\t\n",
]


@pytest.mark.parametrize("text", CASES)
def test_edge_cases_read_as_buildkit_reads_them(text):
    agree(text)


def test_lines_too_long_for_buildkits_scanner_are_refused():
    """bufio.Scanner holds 65,536 bytes: a line of 65,535 bytes and its LF; more is an error. (The
    oracle takes about half a second on each such line, so only the edges are asked of it.)"""
    agree("FROM a\nRUN " + "x" * 65531 + "\n")
    agree("FROM a\nRUN " + "x" * 65532)
    agree("RUN " + "\u00e9" * 32765 + "x\r\n")
    for n, tail in ((65531, "\r\n"), (65531, ""), (65532, "\n"), (65532, "\r\n")):
        with pytest.raises(DockerfileSyntaxError) if n + len(tail.rstrip("\n")) > 65531 else _no_error():
            parse("FROM a\nRUN " + "x" * n + tail)


class _no_error:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_trailing_escape_reads_or_raises_a_clean_error():
    for text in ("RUN echo \\", "RUN echo \\\r\n", "\\", "`", "# escape=`\nRUN a `", "RUN a \\\n\\", "\\\r\n"):
        try:
            df = parse(text)
        except DockerfileSyntaxError as e:
            assert e.line is None or e.line >= 1
        else:
            assert df.instructions
        agree(text)
    assert parse("RUN echo \\").instructions[0].value == ("echo",)


def test_the_api():
    text = "\ufeff# syntax=docker/dockerfile:1\n# escape=`\nFROM a AS b\n# c\nONBUILD RUN --mount=x `\n  # inner\n  echo hi\n"
    df = parse(text)
    assert df.escape == "`" and df.directives == {"syntax": "docker/dockerfile:1", "escape": "`"}
    assert [text[s.start:s.end] for s in df.comments] == ["# syntax=docker/dockerfile:1", "# escape=`", "# c",
                                                          "# inner"]
    onbuild = df.instructions[1]
    assert (onbuild.cmd, onbuild.sub_cmd, onbuild.value) == ("ONBUILD", "RUN", ("echo hi",))
    assert text[onbuild.inner_keyword.start:onbuild.inner_keyword.end] == "RUN"
    assert onbuild.logical == "--mount=x   echo hi" and onbuild.logical[onbuild.args_start:] == "echo hi"
    text = "RUN --mount=type=cache,target=/x \\\n  --network=none python3 <<'EOF'\n\tprint(1)\nEOF\n"
    ins = parse(text).instructions[0]
    assert ins.flags == ("--mount=type=cache,target=/x", "--network=none")
    assert [text[s.start:s.end] for s in ins.flag_spans] == list(ins.flags)
    assert ins.logical[ins.args_start:] == "python3 <<'EOF'" and ins.end == len(text) - 1
    (doc,) = ins.heredocs
    assert (doc.name, doc.expand, doc.strip_tabs, doc.content) == ("EOF", False, False, "\tprint(1)\n")
    with pytest.raises(DockerfileSyntaxError) as e:
        parse("FROM a\nRUN <<EOF\nx\n")
    assert e.value.line == 2 and "\n" not in str(e.value)


# --- generated and mutated Dockerfiles ----------------------------------------------------------

@settings(derandomize=True, max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles())
def test_generated_dockerfiles_read_as_buildkit_reads_them(text):
    agree(text)


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    corpus = shared_dir() / "corpus"
    paths = sorted((corpus / "buildkit-parser").glob("*.Dockerfile")) + _fixture_dockerfiles()[::3]
    return [p.read_text(encoding="utf-8") for p in paths]


@settings(derandomize=True, max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_dockerfiles_read_as_buildkit_reads_them(corpus_texts, data):
    agree(data.draw(mutated(corpus_texts)))


# --- linear time and memory, without a clock ------------------------------------------------------

def test_large_inputs_read_in_linear_time_and_memory_under_limits():
    """Each input would take minutes if any step were quadratic; the child process has 60 s of CPU
    (they take about 6 s) and 3 GiB of address space for all of them together."""
    script = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        from triton_docker_migrate.syntax.dockerfile import parse
        cases = {
            "20,000 FROM lines": "".join(f"FROM img{i}:tag AS s{i}\\n" for i in range(20000)),
            "200,000 continuation lines": "RUN echo \\\\\\n" + "  arg \\\\\\n# c\\n\\n" * 200000 + "  end\\n",
            "10 MiB": "RUN apt-get install -y --no-install-recommends curl  # x\\n" * 180000,
            "a 6 MiB heredoc": "RUN <<EOF\\n" + "echo hello world\\n" * 400000 + "EOF\\n",
            "ONBUILD nested 8,000 times": "ONBUILD " * 8000 + "RUN x\\n",
            "ONBUILD with flags nested": "ONBUILD --\\u00e9=1 " * 4000 + "RUN x\\n",
            "${ nested 10,000 times": "RUN <<EOF " + "${a:-" * 10000 + "}" * 10000 + "\\nEOF\\n",
            "JSON nested 20,000 deep": "CMD " + "[" * 20000 + "]" * 20000 + "\\n",
            "30,000 spaces": "RUN" + " " * 30000 + "x \\\\" + " " * 30000 + "\\n" + "\\t" * 60000 + "y\\n",
            "a 60,000-character flag": "RUN --mount=" + "\\u00e9" * 30000 + " x\\n",
            "long JSON": "CMD [" + ",".join(['"\\\\u0041b"'] * 6000) + "]\\n",
        }
        for name, text in cases.items():
            print(name, end=" ", flush=True)
            df = parse(text)
            sum(len(i.offsets) for i in df.instructions)
            print(name, len(df.instructions))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert proc.stdout.count("\n") == 11


def test_many_server_stages_and_services_migrate_in_linear_time(tmp_path):
    """The checks of each stage (or service) must not walk the whole file again: four times the stages
    make about four times the work, not sixteen (the contract: time grows linearly with a file).
    Counted as lines of Python run (loops that call nothing included), not timed: a loaded machine
    cannot change the count."""
    from workload import lines_run

    from triton_docker_migrate.pipeline import process_file
    from triton_docker_migrate.settings import Settings

    def stage(i: int) -> str:
        return (f"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3 AS s{i}\nRUN pip install tensorrtserver==1.12.0\n"
                f"CMD trtserver --model-store=/m{i} --log-verbose $V{i}\n")

    def service(i: int) -> str:
        return (f"  s{i}:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                f"    command: trtserver --model-store=/m{i}\n")

    def calls(name: str, text: str) -> int:
        p = tmp_path / name
        p.write_text(text)
        res, count = lines_run(lambda: process_file(str(p), name, Settings(), explicit=True))
        assert res.error is None and res.new != res.original
        return count

    for name, head, one in (("Dockerfile", "", stage), ("compose.yaml", "services:\n", service)):
        calls(name, head + one(0))  # imports and first-use caches
        small = calls(name, head + "".join(one(i) for i in range(100)))
        large = calls(name, head + "".join(one(i) for i in range(400)))
        assert large < 4.6 * small, (name, small, large)  # linear: about 4; quadratic: about 16
