"""Hypothesis strategies for tests/test_dockerfile_reader.py: Dockerfiles built from instructions
(every keyword, flags, JSON and shell forms, ONBUILD, HEALTHCHECK, ENV/LABEL forms, heredocs) cut by
continuations with either escape character, comment and empty lines inside them, CRLF and lone CR,
a BOM and directives; and mutations of real Dockerfiles.

No text holds NUL or a lone surrogate: the oracle (the ``dockerfile`` package) passes the text to Go
as a C string, which ends at the first NUL, and cannot encode a surrogate to UTF-8 at all.
"""

from __future__ import annotations

from hypothesis import strategies as st

KEYWORDS = ["FROM", "RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "ENV", "LABEL", "ARG", "EXPOSE", "HEALTHCHECK",
            "ONBUILD", "SHELL", "VOLUME", "WORKDIR", "USER", "MAINTAINER", "STOPSIGNAL", "UNKNOWN"]
#: characters for words: quotes, escapes, `$`, brackets, and non-ASCII ones; "é" and "à" hold bytes
#: BuildKit's byte-level flag reader takes for spaces (0xA0) or spreads over several characters
WORD_CHARS = st.sampled_from(list("abcxyz019-_./:=@,+") + ["$", "{", "}", '"', "'", "\\", "`", "[", "]", "#",
                                                            "é", "à", "Å", "☃", "\u00a0", "\u2003", "💡", "<"])
SPACES = st.sampled_from([" ", "  ", "\t", " \t", "\u00a0", "\v", "\f"])
FLAGS = st.sampled_from(["--mount=type=cache,target=/root/.cache", "--network=none", "--platform=$BUILDPLATFORM",
                         "--from=builder", "--chown=1000:1000", "--link", "--interval=5s", "--timeout=3s",
                         "--retries=3", '--mount="type=secret,id=a b"', "--chmod=0755", "--security=insecure",
                         "--x=é", "--", "--'q'", "--a\\ b"])
JSON_STRINGS = st.sampled_from(["sh", "-c", "echo hi", "a b", "", "\\\"", "\\\\", "\\/", "\\n\\t", "\\u00e9",
                                "\\ud83d\\ude00", "\\ud800", "\\udc00x", "é☃", "💡", "$HOME", "<<EOF", "'q'"])
JSON_OTHER = st.sampled_from(["1", "-2.5e3", "1e999", "true", "null", "[]", '["x"]', '{"a": 1}', "{}"])
HEREDOC_NAMES = st.sampled_from(["EOF", "END", "X", "eof1", "A_B"])
BODY_LINES = st.sampled_from(["echo hello", "\techo tab", "print('hi')", "import sys", "  indented", "",
                              "# not a comment", "RUN not an instruction", "EOFX", "$HOME ${X}", "\\", "é☃"])


def words(min_size: int = 1, max_size: int = 4) -> st.SearchStrategy[str]:
    word = st.text(WORD_CHARS, min_size=1, max_size=6)
    return st.lists(word, min_size=min_size, max_size=max_size).map(" ".join)


@st.composite
def json_array(draw) -> str:
    """A JSON array, mostly of strings; sometimes of something else (BuildKit refuses it), with a
    number too large for a float64 (BuildKit reads the shell form), broken, or followed by more."""
    items = [draw(JSON_OTHER) if draw(st.integers(0, 14)) == 0 else '"%s"' % draw(JSON_STRINGS)
             for _ in range(draw(st.integers(0, 4)))]
    text = "[" + draw(st.sampled_from([", ", ",", " , ", ",\t"])).join(items) + "]"
    broken = draw(st.integers(0, 7))
    if broken == 0 and len(text) > 2:
        cut = draw(st.integers(1, len(text) - 1))
        text = text[:cut] + draw(st.sampled_from(["", "'", "[", '"', ",", "x"])) + text[cut + 1:]
    elif broken == 1:
        text += draw(st.sampled_from([" trailing", "]", ' ["b"]']))
    return text


@st.composite
def heredoc_marker(draw) -> tuple[str, str, bool]:
    """(marker as written, name, strip tabs)."""
    name = draw(HEREDOC_NAMES)
    fd = draw(st.sampled_from(["", "", "", "3", "12"]))
    dash = draw(st.sampled_from(["", "", "-"]))
    quoted = draw(st.sampled_from([name, name, f"'{name}'", f'"{name}"', f'"{name[0]}"{name[1:]}']))
    return f"{fd}<<{dash}{quoted}", name, dash == "-"


@st.composite
def heredoc_bodies(draw, markers: list[tuple[str, str, bool]], nl: str) -> str:
    out = []
    for _, name, strip in markers:
        out.extend(line + nl for line in draw(st.lists(BODY_LINES, max_size=3)))
        if draw(st.integers(0, 19)):  # sometimes never terminated
            out.append(("\t" if strip and draw(st.booleans()) else "") + name + nl)
    return "".join(out)


@st.composite
def instruction(draw, depth: int = 0) -> tuple[str, list[tuple[str, str, bool]]]:
    """(the instruction's line, the heredocs it opens)."""
    kw = draw(st.sampled_from(KEYWORDS))
    kw = draw(st.sampled_from([kw, kw, kw.lower(), kw.capitalize()]))
    sp = draw(SPACES)
    flags = draw(st.lists(FLAGS, max_size=2)) if kw.upper() in ("RUN", "COPY", "ADD", "FROM", "HEALTHCHECK") else []
    head = kw + "".join(sp + f for f in flags)
    upper = kw.upper()
    markers: list[tuple[str, str, bool]] = []
    if upper == "ONBUILD" and depth < 2 and draw(st.integers(0, 5)):
        inner, markers = draw(instruction(depth + 1))
        return head + sp + inner, markers
    if upper == "HEALTHCHECK":
        kind = draw(st.sampled_from(["CMD", "CMD", "NONE", "cmd", ""]))
        rest = draw(st.one_of(json_array(), words())) if kind.upper() == "CMD" else ""
        return (head + sp + kind + sp + rest).rstrip(" "), markers
    if upper in ("ENV", "LABEL"):
        pairs = draw(st.lists(st.tuples(st.sampled_from(["A", "b_c", "x.y", "Q"]),
                                        st.sampled_from(["1", '"a b"', "'c d'", "e\\ f", "", "$X", "é"])),
                              min_size=1, max_size=3))
        form = draw(st.integers(0, 3))
        if form == 0:  # the old form: KEY name value
            return head + sp + pairs[0][0] + sp + draw(words()), markers
        if form == 1:  # a word without '=' among the pairs, or a lone name: BuildKit refuses
            return head + sp + " ".join(f"{k}={v}" for k, v in pairs) + " " + draw(st.sampled_from(["z", ""])), markers
        return head + sp + " ".join(f"{k}={v}" for k, v in pairs), markers
    if upper in ("RUN", "COPY", "ADD") and draw(st.integers(0, 2)) == 0:
        markers = draw(st.lists(heredoc_marker(), min_size=1, max_size=2))
        parts = [m for m, _, _ in markers]
        if upper == "RUN":
            parts.insert(0, draw(st.sampled_from(["", "python3", "cat", "sh -c 'x'", "bash -e"])))
            if draw(st.booleans()):
                parts.append(draw(st.sampled_from(["&& echo done", "> /tmp/out", "| tee x"])))
        else:
            parts.append("/dst/")
        return head + sp + " ".join(p for p in parts if p), markers
    if upper in ("CMD", "ENTRYPOINT", "RUN", "SHELL", "COPY", "ADD", "VOLUME") and draw(st.booleans()):
        return head + sp + draw(json_array()), markers
    if draw(st.integers(0, 9)) == 0:
        return head, markers  # no arguments
    return head + sp + draw(words()), markers


@st.composite
def continued(draw, line: str, escape: str, nl: str) -> str:
    """``line`` cut at some spaces (or anywhere) by escape + newline, with comment lines, empty lines
    and indentation after some cuts."""
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(line))), max_size=3))))
    out, prev = [], 0
    for c in cuts:
        if c >= len(line):
            continue
        out.append(line[prev:c])
        out.append(escape + draw(st.sampled_from(["", "", " ", "\t "])) + nl)
        for _ in range(draw(st.integers(0, 2))):
            out.append(draw(st.sampled_from(["# a comment", "  # indented comment", "", "   ", "#"])) + nl)
        out.append(draw(st.sampled_from(["", "", "  ", "\t"])))
        prev = c
    out.append(line[prev:])
    if draw(st.integers(0, 9)) == 0:  # a continuation at the very end
        out.append(escape + draw(st.sampled_from(["", " "])))
    return "".join(out)


@st.composite
def dockerfiles(draw) -> str:
    escape = draw(st.sampled_from(["\\", "\\", "`"]))
    nl = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    out = ["\ufeff"] if draw(st.integers(0, 5)) == 0 else []
    directives = []
    if escape == "`" or draw(st.integers(0, 3)) == 0:
        directives.append(draw(st.sampled_from(["# escape=", "#escape=", "# ESCAPE = ", "  # Escape\t=\t"])) + escape)
    if draw(st.integers(0, 4)) == 0:
        directives.insert(draw(st.integers(0, len(directives))),
                          draw(st.sampled_from(["# syntax=docker/dockerfile:1", "# syntax = x y ", "# check=skip=all",
                                                "# escape=x", "# syntax=a", "# hello", "#directive=v", ""])))
    out.extend(d + nl for d in directives)
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            out.append(draw(st.sampled_from(["# comment", "", "   ", "\t# x \\", "#"])) + nl)
            continue
        line, markers = draw(instruction())
        line = draw(st.sampled_from(["", "", "  ", "\t"])) + line
        text = draw(continued(line, escape, nl))
        out.append(text + draw(st.sampled_from([nl, nl, nl, "\r" + nl, " " + nl])))
        if markers:
            out.append(draw(heredoc_bodies(markers, nl)))
    text = "".join(out)
    if draw(st.integers(0, 9)) == 0:
        text = text.rstrip("\r\n")
    return text


#: what a mutation inserts
INSERTS = ["\\", "`", "\n", "\r\n", "\r", '"', "'", "[", "]", "<<", "<<EOF\n", "#", "# escape=`\n", " ", "\t",
           "--", "=", "$", "${", "}", ",", "{", "é", "\u00a0", "ONBUILD ", "EOF\n"]


@st.composite
def mutated(draw, texts: list[str]) -> str:
    """One of ``texts`` with a few characters deleted, duplicated or inserted."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.integers(0, 2))
        if op == 0:
            text = text[:i] + text[i + draw(st.integers(1, 3)):]
        elif op == 1:
            j = min(len(text), i + draw(st.integers(1, 40)))
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i] + draw(st.sampled_from(INSERTS)) + text[i:]
    return text
