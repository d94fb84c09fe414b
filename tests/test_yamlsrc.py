"""yamlsrc: libyaml's events composed here into nodes whose marks, tags and alias sites are the ones
the documents rely on; plain scalars typed as ruamel.yaml's YAML 1.2 resolver types them; nesting
bounded without recursion; code-point offsets exact after a BOM, with CRLF, CR or NEL line breaks."""

from __future__ import annotations

import inspect
import sys
import warnings

import pytest
from ruamel.yaml import YAML

from triton_docker_migrate.syntax import yamlsrc as Y
from triton_docker_migrate.model import ProcessingError

T = "tag:yaml.org,2002:"


def _value_node(text: str):
    return Y.get(Y.load(text).docs[0], "k")


# --- implicit tags --------------------------------------------------------------------------------

# plain scalar -> its tag in YAML 1.2 and in a %YAML 1.1 document (ruamel.yaml 0.18/0.19's answers)
PLAIN = [
    ("yes", "str", "bool"), ("no", "str", "bool"), ("on", "str", "bool"), ("off", "str", "bool"),
    ("y", "str", "bool"), ("n", "str", "bool"),
    ("true", "bool", "bool"), ("True", "bool", "bool"), ("TRUE", "bool", "bool"), ("tRue", "str", "str"),
    ("false", "bool", "bool"),
    ("null", "null", "null"), ("Null", "null", "null"), ("NULL", "null", "null"), ("~", "null", "null"),
    ("", "null", "null"),
    ("0o17", "int", "str"), ("017", "int", "int"), ("0755", "int", "int"), ("08", "int", "str"),
    ("0x1F", "int", "int"), ("-0x1f", "int", "int"), ("0b101", "int", "int"), ("0b2", "str", "str"),
    ("0o8", "str", "str"), ("0x", "str", "str"),
    ("1_000", "int", "int"), ("1_", "int", "int"), ("_", "str", "str"), ("+1", "int", "int"), ("-1", "int", "int"),
    ("0", "int", "int"),
    ("1.5", "float", "float"), ("20.10", "float", "float"), ("1.", "float", "float"), ("1e3", "float", "float"),
    ("1E+3", "float", "float"), ("1e", "str", "str"), (".5", "float", "float"), ("-.5", "float", "str"),
    ("+.5e-3", "float", "str"), (".inf", "float", "float"), ("-.Inf", "float", "float"),
    (".NaN", "float", "float"), (".nan", "float", "float"),
    ("1:20", "str", "int"), ("190:20:30", "str", "int"), ("1:20.5", "str", "float"),
    ("2001-12-14", "timestamp", "timestamp"), ("2001-12-14t21:59:43.10-05:00", "timestamp", "timestamp"),
    ("2001-12-14 21:59:43.10 -5", "timestamp", "timestamp"), ("2001-1-4", "str", "str"),
    ("<<", "merge", "merge"), ("=", "value", "value"),
    ("24.10-py3", "str", "str"), ("20.02-py3", "str", "str"), ("v1", "str", "str"), ("1.2.3", "str", "str"),
]


@pytest.mark.parametrize("value,tag12,tag11", PLAIN, ids=[repr(p[0]) for p in PLAIN])
def test_plain_scalars_are_typed_like_ruamel(value, tag12, tag11):
    assert _value_node(f"k: {value}\n").tag == T + tag12
    assert _value_node(f"%YAML 1.1\n---\nk: {value}\n").tag == T + tag11
    assert Y.resolve(value) == T + tag12 and Y.resolve(value, (1, 1)) == T + tag11


def test_the_table_is_what_ruamel_says():
    """The expectations above are ruamel.yaml's (a fresh loader each time: ruamel keeps a %YAML
    version on the loader object)."""
    def ruamel_tag(text: str) -> str:
        return YAML(typ="safe", pure=True).compose(text).value[0][1].tag

    for value, tag12, tag11 in PLAIN:
        assert ruamel_tag(f"k: {value}\n") == T + tag12, value
        assert ruamel_tag(f"%YAML 1.1\n---\nk: {value}\n") == T + tag11, value


@pytest.mark.parametrize("written,tag", [
    ("'1'", T + "str"), ('"true"', T + "str"), ("|\n  1\n", T + "str"), (">-\n  null\n", T + "str"),
    ("!!str 1", T + "str"), ("!!int '1'", T + "int"), ("!!binary aGk=", T + "binary"),
    ("!foo x", "!foo"), ("!<tag:example.com,2000:x> y", "tag:example.com,2000:x"),
    ("! 12", T + "int"), ("! '12'", T + "int"),  # the non-specific tag resolves as plain (as ruamel did)
    ("!reference [a, b]", "!reference"), ("[a]", T + "seq"), ("{a: 1}", T + "map"), ("! [a]", T + "seq"),
])
def test_explicit_tags_and_styles(written, tag):
    assert _value_node(f"k: {written}\n").tag == tag


def test_tag_handles_are_expanded():
    src = Y.load("%TAG !e! tag:example.com,2000:\n---\nk: !e!x y\n")
    assert Y.get(src.docs[0], "k").tag == "tag:example.com,2000:x"


def test_yaml_1_1_directive_applies_to_its_document_only():
    """ruamel.yaml kept a %YAML 1.1 for the rest of the stream; YAML says a directive is for its document."""
    src = Y.load("%YAML 1.1\n---\na: yes\nb: 010\nc: 1:20\nd: 0o17\ne: 08\n---\na: yes\nd: 0o17\n")
    first, second = src.docs
    assert [(k.value, v.tag) for k, v in first.value] == [
        ("a", T + "bool"), ("b", T + "int"), ("c", T + "int"), ("d", T + "str"), ("e", T + "str")]
    assert [(k.value, v.tag) for k, v in second.value] == [("a", T + "str"), ("d", T + "int")]


@pytest.mark.parametrize("raw,expected", [
    ("24.10-py3", True), ("yes", True), ("v1", True), ("20.10", False), ("true", False), ("2001-12-14", False),
    ("~", False), ("<<", False), ("a: b", False), ("[a]", False), ("", False), ("a\n---\nb", False),
    ("!!str 20.10", True), ("!!binary aGk=", False), ("'x", False),
])
def test_reads_as_str(raw, expected):
    assert Y.reads_as_str(raw) is expected


# --- nodes, marks, aliases ------------------------------------------------------------------------

def test_styles_marks_and_anchors():
    text = "a: &n plain\nb: 'single'\nc: \"double\"\nd: |\n  lit\ne: >\n  fold\n  ed\nf: [x]\ng: {h: 1}\n"
    src = Y.load(text)
    got = [(k.value, v.style if isinstance(v, Y.ScalarNode) else v.flow_style, v.anchor,
            text[v.start_index:v.end_index]) for k, v in src.docs[0].value]
    assert got == [("a", None, "n", "&n plain"), ("b", "'", None, "'single'"), ("c", '"', None, '"double"'),
                   ("d", "|", None, "|\n  lit\n"), ("e", ">", None, ">\n  fold\n  ed\n"),
                   ("f", True, None, "[x]"), ("g", True, None, "{h: 1}")]
    assert Y.get(src.docs[0], "e").value == "fold ed\n"  # no fold markers in the value
    assert src.docs[0].flow_style is False and src.docs[0].tag == T + "map"


def test_alias_offsets_are_where_the_aliases_are_written():
    text = "x-img: &img nvcr.io/nvidia/tensorrtserver:20.02-py3\nservices:\n  t:\n    image: *img\n" \
           "    labels: {a: *img}\n"
    for prefix, shift in (("", 0), ("\ufeff", 1)):
        src = Y.load(prefix + text)
        target = Y.get(src.docs[0], "x-img")
        assert [(off, node is target) for off, node in src.aliases] == [(78 + shift, True), (99 + shift, True)]
        assert [(prefix + text)[off:off + 4] for off, _ in src.aliases] == ["*img", "*img"]
        assert target.anchor == "img" and target.start_index == 7 + shift


def test_a_redefined_anchor_names_the_later_node_from_then_on(capsys):
    text = "a: &x 1\nb: *x\nc: &x 2\nd: *x\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        src = Y.load(text)
    root = src.docs[0]
    assert [(off, node.value) for off, node in src.aliases] == [(11, "1"), (25, "2")]
    assert Y.get(root, "b") is Y.get(root, "a") and Y.get(root, "d") is Y.get(root, "c")
    assert capsys.readouterr() == ("", "")


def test_undefined_alias():
    with pytest.raises(ProcessingError) as e:
        Y.load("a: 1\nb:\n  - *nowhere\n")
    assert (str(e.value), e.value.line) == ("YAML parse error: found undefined alias 'nowhere'", 3)


# --- nesting --------------------------------------------------------------------------------------

def _depth(node) -> int:
    depth = 0
    while isinstance(node, (Y.SequenceNode, Y.MappingNode)):
        depth += 1
        node = node.value[0] if isinstance(node, Y.SequenceNode) else node.value[0][1]
    return depth


@pytest.mark.parametrize("make", [
    lambda n: "[" * n + "x" + "]" * n + "\n",
    lambda n: "".join("  " * i + "k:\n" for i in range(n - 1)) + "  " * (n - 1) + "k: v\n",
], ids=["flow", "block"])
def test_nesting_up_to_the_limit_loads_and_one_more_is_refused(make):
    assert _depth(Y.load(make(Y.MAX_DEPTH)).docs[0]) == Y.MAX_DEPTH == 400
    with pytest.raises(ProcessingError) as e:
        Y.load(make(Y.MAX_DEPTH + 1))
    assert (str(e.value), e.value.line) == ("YAML nesting too deep", None)


def test_deep_nesting_needs_no_python_recursion():
    """20,000 open brackets are refused, and the limit loads with the interpreter's recursion limit
    barely above the caller's frames."""
    with pytest.raises(ProcessingError) as e:
        Y.load("labels: " + "[" * 20000 + "]" * 20000 + "\n")
    assert str(e.value) == "YAML nesting too deep"
    text = "[" * Y.MAX_DEPTH + "x" + "]" * Y.MAX_DEPTH + "\n"
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 50)
    try:
        src = Y.load(text)
    finally:
        sys.setrecursionlimit(old)
    assert _depth(src.docs[0]) == Y.MAX_DEPTH


# --- offsets with every kind of line break --------------------------------------------------------

def _scalars(text: str):
    src = Y.load(text)
    out = []
    for n in src.nodes():
        if isinstance(n, Y.ScalarNode):
            sc = src.scalar(n)
            out.append((sc.value, sc.start, sc.end, None if sc.offsets is None else list(sc.offsets), dict(sc.irregular)))
    return out


BODY = "name: é😀{nl}command: [trtserver, \"--model-store=/m\"]{nl}args: |{nl}  a{nl}  b{nl}"


def test_offsets_after_a_byte_order_mark():
    text = "\ufeff" + BODY.format(nl="\n")
    assert _scalars(text) == [
        ("name", 1, 5, [1, 2, 3, 4], {}),
        ("é😀", 7, 9, [7, 8], {}),
        ("command", 10, 17, list(range(10, 17)), {}),
        ("trtserver", 20, 29, list(range(20, 29)), {}),
        ("--model-store=/m", 31, 49, list(range(32, 48)), {}),
        ("args", 51, 55, [51, 52, 53, 54], {}),
        ("a\nb\n", 57, 66, [61, 62, 65, 66], {}),
    ]
    assert text[7:9] == "é😀" and text[61] + text[65] == "ab"


@pytest.mark.parametrize("nl", ["\r\n", "\r", "\x85"], ids=["crlf", "cr", "nel"])
def test_offsets_with_crlf_cr_and_nel_line_breaks(nl):
    text = BODY.format(nl=nl)
    w = len(nl) - 1  # what each line break adds beyond one character
    assert _scalars(text) == [
        ("name", 0, 4, [0, 1, 2, 3], {}),
        ("é😀", 6, 8, [6, 7], {}),
        ("command", 9 + w, 16 + w, list(range(9 + w, 16 + w)), {}),
        ("trtserver", 19 + w, 28 + w, list(range(19 + w, 28 + w)), {}),
        ("--model-store=/m", 30 + w, 48 + w, list(range(31 + w, 47 + w)), {}),
        ("args", 50 + 2 * w, 54 + 2 * w, list(range(50 + 2 * w, 54 + 2 * w)), {}),
        ("a\nb\n", 56 + 2 * w, 65 + 4 * w, [60 + 3 * w, 61 + 3 * w, 64 + 4 * w, 65 + 4 * w],
         {61 + 3 * w: len(nl), 65 + 4 * w: len(nl)}),
    ]
    assert text[60 + 3 * w] == "a" and text[61 + 3 * w:62 + 4 * w] == nl


def test_the_pure_python_parser_composes_the_same_nodes(monkeypatch):
    """Without libyaml the same events come from PyYAML's own parser (its marks count the BOM)."""
    text = "\ufeffx: &a [1, 'two', {k: yes}]\ny: *a\nz: |\r\n  é😀\r\n"

    def shape(src):
        return [(type(n).__name__, n.tag, n.value if isinstance(n, Y.ScalarNode) else None,
                 getattr(n, "style", None), n.start_index, n.end_index, n.anchor)
                for n in src.nodes()], [(off, node.start_index) for off, node in src.aliases]

    with_libyaml = shape(Y.load(text))
    from triton_docker_migrate.syntax.yamlsrc import nodes

    monkeypatch.setattr(nodes, "_CParser", None)
    assert shape(Y.load(text)) == with_libyaml
    assert with_libyaml[1] == [(31, 4)]


# --- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,message,line", [
    ("services:\n\ttriton:\n    image: x\n",
     "YAML parse error: while scanning for the next token, found character '\\t' that cannot start any token", 2),
    ("a: [b, c\n", "YAML parse error: while parsing a flow sequence, did not find expected ',' or ']'", 2),
    ("a: b: c\n", "YAML parse error: mapping values are not allowed in this context", 1),
    ("a: éééé\x07\nb: 1\nc: 2\n",  # libyaml counts UTF-8 bytes here: the line is found by characters
     "YAML parse error: unacceptable character #x0007: control characters are not allowed", 1),
    ("a: b\nc: \ud800\n", "YAML parse error: unacceptable character #xd800: special characters are not allowed", 2),
    ("%YAML 2.0\n---\na\n", "YAML parse error: found incompatible YAML document", 1),
])
def test_parse_errors_are_one_line_with_the_line_number(text, message, line):
    with pytest.raises(ProcessingError) as e:
        Y.load(text)
    assert (str(e.value), e.value.line) == (message, line)
