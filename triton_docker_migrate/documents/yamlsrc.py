"""A YAML file as composed nodes, with the code-point position of every scalar character.

The text is parsed into events by libyaml (PyYAML's ``CParser``; PyYAML's pure-Python parser, which
gives the same events, when libyaml is missing), and a small composer here builds PyYAML's node
classes from them: each node keeps the start and end marks of its events (code-point indexes into the
text), its style, its tag and its ``anchor``. Plain scalars are typed by the regexes of ruamel.yaml's
YAML 1.2 resolver (``yes`` and ``on`` are strings, ``true`` a bool, ``0o17`` an integer, ``20.10`` a
float), or by its YAML 1.1 ones in a document that opens with ``%YAML 1.1``. The composer records
where each alias is written, bounds the nesting depth without recursion (an explicit stack), and lets
a later anchor of the same name win. libyaml reads NEL, LS and PS as line breaks (as YAML 1.1 and the
Go YAML parsers of compose and kubectl do).

Marks do not say where each character of a scalar's value comes from: quotes, escapes, line folding
and block indentation sit in between. This module decodes each scalar itself from the original text,
keeps the offset of every decoded character, and trusts the result only when it equals the parser's
value. Nothing is ever dumped: edits are spans of the original text.

Refused with ProcessingError (one line, with the line number): text that does not parse,
undefined aliases, duplicate keys, recursive aliases, nesting deeper than ``MAX_DEPTH``
collections, and aliases that would expand past ``ALIAS_LIMIT`` nodes (an alias bomb is refused in
time linear in the composed nodes, never expanded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from yaml.error import Mark, MarkedYAMLError, YAMLError
from yaml.events import (AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
                         SequenceStartEvent, StreamEndEvent)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode  # the handlers import them from here
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.scanner import Scanner

try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None

from ..model import ProcessingError

#: nodes that aliases may add to a document beyond the nodes written in it
ALIAS_LIMIT = 100_000
#: collections nested deeper than this are refused
MAX_DEPTH = 400
STR = "tag:yaml.org,2002:str"
MERGE = "tag:yaml.org,2002:merge"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
_INT_OR_STR = {STR, "tag:yaml.org,2002:int"}

_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # libyaml's line breaks (YAML 1.1: NEL, LS, PS too)
_BLOCK_HEADER = re.compile(
    r"[|>]([+-]?)([1-9]?)([+-]?)[ \t]*(?:#[^\r\n\x85\u2028\u2029]*)?(?:\r\n|[\n\r\x85\u2028\u2029])")
_HEX = {"x": 2, "u": 4, "U": 8}
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
            "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
            "_": "\xa0", "L": "\u2028", "P": "\u2029"}


# --- implicit tags of plain scalars -------------------------------------------------------------
# The implicit resolvers of ruamel.yaml's resolver.py (0.18/0.19), copied with their versions, tags,
# regexes and first characters in ruamel's order: the first that matches a plain scalar gives its
# tag, anything else is a string.
_IMPLICIT = [
    ([(1, 2)], "tag:yaml.org,2002:bool",
     """^(?:true|True|TRUE|false|False|FALSE)$""",
     "tTfF"),
    ([(1, 1)], "tag:yaml.org,2002:bool",
     """^(?:y|Y|yes|Yes|YES|n|N|no|No|NO
        |true|True|TRUE|false|False|FALSE
        |on|On|ON|off|Off|OFF)$""",
     "yYnNtTfFoO"),
    ([(1, 2)], "tag:yaml.org,2002:float",
     """^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""",
     "-+0123456789."),
    ([(1, 1)], "tag:yaml.org,2002:float",
     """^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*  # sexagesimal float
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""",
     "-+0123456789."),
    ([(1, 2)], "tag:yaml.org,2002:int",
     """^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
     "-+0123456789"),
    ([(1, 1)], "tag:yaml.org,2002:int",
     """^(?:[-+]?0b[0-1_]+
        |[-+]?0?[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+
        |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",  # sexagesimal int
     "-+0123456789"),
    ([(1, 2), (1, 1)], "tag:yaml.org,2002:merge",
     """^(?:<<)$""",
     "<"),
    ([(1, 2), (1, 1)], "tag:yaml.org,2002:null",
     """^(?: ~
        |null|Null|NULL
        | )$""",
     ["~", "n", "N", ""]),
    ([(1, 2), (1, 1)], "tag:yaml.org,2002:timestamp",
     """^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \\t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?
        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
     "0123456789"),
    ([(1, 2), (1, 1)], "tag:yaml.org,2002:value",
     """^(?:=)$""",
     "="),
]


def _resolvers(version: tuple[int, int]) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """First character of a plain scalar -> the (tag, regex) pairs to try, in order."""
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for versions, tag, regex, first in _IMPLICIT:
        if version in versions:
            rx = re.compile(regex, re.X)
            for ch in first:
                table.setdefault(ch, []).append((tag, rx))
    return table


_RESOLVE_12 = _resolvers((1, 2))
_RESOLVE_11: dict[str, list[tuple[str, re.Pattern[str]]]] = {}  # built for the first ``%YAML 1.1`` document


def _table(version: tuple[int, int] | None) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    if version != (1, 1):
        return _RESOLVE_12
    if not _RESOLVE_11:
        _RESOLVE_11.update(_resolvers((1, 1)))
    return _RESOLVE_11


def resolve(value: str, version: tuple[int, int] | None = None) -> str:
    """The tag of a plain, untagged scalar (YAML 1.2 unless ``version`` is (1, 1))."""
    for tag, rx in _table(version).get(value[:1], ()):
        if rx.match(value):
            return tag
    return STR


@dataclass
class Scalar:
    """A scalar node as written: its value and the document offset of each value character."""

    node: ScalarNode
    value: str  #: the decoded value (the parser's)
    style: str  #: "" plain, '"', "'", "|" or ">"
    start: int  #: offset of the first character of the scalar itself (after anchor and tag)
    end: int  #: offset after its last character (closing quote; last content line of a block)
    flow: bool  #: inside a flow collection (``[...]``, ``{...}``)
    offsets: list[int] | None = None  #: None when the characters could not be mapped
    #: offsets whose value character is not a one-to-one copy (escapes, folds), with raw length
    irregular: dict[int, int] = field(default_factory=dict)

    @property
    def quote(self) -> str:
        return self.style if self.style in ("'", '"') else ""

    @property
    def inner_end(self) -> int:
        """Where text appended to the value goes."""
        return self.end - 1 if self.quote else self.end

    @property
    def is_str(self) -> bool:
        return self.node.tag == STR

    def is_clean(self, i: int = 0, j: int | None = None) -> bool:
        """``value[i:j]`` is written verbatim, one document character per value character."""
        if self.offsets is None:
            return False
        j = len(self.value) if j is None else j
        offs = self.offsets[i:j]
        return all(o not in self.irregular for o in offs) and (not offs or offs[-1] - offs[0] == len(offs) - 1)


class YamlSource:
    """The documents of one YAML text and the scalars in them."""

    def __init__(self, text: str, docs: list[Node], aliases: list[tuple[int, Node]]) -> None:
        self.text = text
        self.docs = docs  #: root node of each non-empty document
        self.aliases = aliases  #: (offset where an alias is written, the node it names)
        self._scalars: dict[int, Scalar | None] = {}
        self._by_start: list[Scalar] | None = None
        self._nodes: list[Node] | None = None

    def scalar(self, node: ScalarNode) -> Scalar:
        key = id(node)
        got = self._scalars.get(key)
        if got is None:
            got = decode(self.text, node, getattr(node, "in_flow", False))
            self._scalars[key] = got
        return got

    def scalar_containing(self, start: int, end: int) -> Scalar | None:
        """The mapped scalar whose text holds ``[start, end)``."""
        if self._by_start is None:
            found = (self.scalar(n) for n in self.nodes() if isinstance(n, ScalarNode))
            self._by_start = sorted((sc for sc in found if sc.offsets is not None), key=lambda sc: sc.start)
        for sc in self._by_start:
            if sc.start > start:
                break
            if start < sc.end and end <= sc.end:
                return sc
        return None

    def line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def nodes(self) -> Iterator[Node]:
        """Every node once, in document order of first appearance (listed once: the tree is
        read-only)."""
        if self._nodes is None:
            seen: set[int] = set()
            self._nodes = [n for root in self.docs for n in walk(root, seen)]
        return iter(self._nodes)


_BRACKET = re.compile(r"[\[\]{}]")


def _flow_too_deep(text: str) -> bool:
    """More than ``MAX_DEPTH`` flow collections open at once (brackets counted as written, which
    can only over-count: a real file never has hundreds of unmatched ones). libyaml's scanner reads
    a flow collection's tokens ahead, so its own nesting limit would answer before the composer's."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for m in _BRACKET.finditer(text):
        if m.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif depth:
            depth -= 1
    return False


def load(text: str) -> YamlSource:
    """Compose every document of ``text``; refuse what cannot be edited safely."""
    if _flow_too_deep(text):
        raise ProcessingError("YAML nesting too deep")
    try:
        docs, aliases = _compose(text)
    except _Refused as e:
        raise ProcessingError(e.message, e.line) from None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ProcessingError(f"YAML parse error: {_one_line(e, text)}", mark.line + 1 if mark else None) from None
    except ReaderError as e:
        raise ProcessingError(f"YAML parse error: {_reader_problem(e)}", _reader_line(text, e)) from None
    except UnicodeEncodeError as e:  # a lone surrogate: libyaml reads UTF-8
        raise ProcessingError(f"YAML parse error: unacceptable character #x{ord(text[e.start]):04x}: special "
                              f"characters are not allowed", text.count("\n", 0, e.start) + 1) from None
    except YAMLError as e:
        raise ProcessingError(f"YAML parse error: {_one_line(e)}") from None
    except RecursionError:  # not expected: the composer keeps its own stack
        raise ProcessingError("YAML nesting too deep") from None
    src = YamlSource(text, docs, aliases)
    if aliases:  # without one, every node appears once: nothing to expand, nothing recursive
        for root in docs:
            _check_expansion(src, root)
    for node in src.nodes():
        if isinstance(node, MappingNode):
            _check_duplicates(src, node)
    return src


def reads_as_str(raw: str) -> bool:
    """``raw`` is one YAML document that holds a string (a value written plain reads back as text)."""
    try:
        docs, _ = _compose(raw)
    except (_Refused, YAMLError, UnicodeEncodeError, RecursionError):
        return False
    return len(docs) == 1 and isinstance(docs[0], ScalarNode) and docs[0].tag == STR


class _Refused(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


class _PyParser(Reader, Scanner, Parser):
    """PyYAML's pure-Python parser: the same events as libyaml's."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


def _compose(text: str) -> tuple[list[Node], list[tuple[int, Node]]]:
    """The root node of each document of ``text``, and (offset, node) of each alias written in it.

    One loop over the parser's events with an explicit stack of the open collections: nesting costs
    no Python recursion, and more than ``MAX_DEPTH`` open collections are refused at once."""
    parser = _CParser(text) if _CParser is not None else _PyParser(text)
    shift = _bom_shift(text)
    get = parser.get_event
    docs: list[Node] = []
    aliases: list[tuple[int, Node]] = []
    get()  # StreamStartEvent
    while True:
        ev = get()
        if ev.__class__ is StreamEndEvent:
            break
        table = _table(ev.version)  # DocumentStartEvent
        anchors: dict[str, Node] = {}
        open_: list[Node] = []  # the collections being composed, outermost first
        flows: list[bool] = [False]  # whether each is inside a flow collection (``[...]``, ``{...}``)
        root: Node | None = None
        while True:
            ev = get()
            cls = ev.__class__
            if cls is ScalarEvent:
                tag = ev.tag
                value = ev.value
                if tag is None or tag == "!":
                    tag = STR
                    if ev.implicit[0]:
                        for t, rx in table.get(value[:1], ()):
                            if rx.match(value):
                                tag = t
                                break
                node: Node = ScalarNode(tag, value, ev.start_mark, ev.end_mark, ev.style or None)
                node.in_flow = flows[-1]  # type: ignore[attr-defined]  # where it is written
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if len(open_) >= MAX_DEPTH:
                    raise _Refused("YAML nesting too deep", None)
                tag = ev.tag
                if tag is None or tag == "!":
                    tag = MAP if cls is MappingStartEvent else SEQ
                kind = MappingNode if cls is MappingStartEvent else SequenceNode
                node = kind(tag, [], ev.start_mark, None, ev.flow_style)
                node.anchor = ev.anchor  # type: ignore[attr-defined]
                if ev.anchor is not None:
                    anchors[ev.anchor] = node
                open_.append(node)
                flows.append(flows[-1] or bool(ev.flow_style))
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                node = open_.pop()
                flows.pop()
                node.end_mark = ev.end_mark
                if cls is MappingEndEvent:
                    flat = node.value
                    node.value = list(zip(flat[0::2], flat[1::2]))
                if open_:
                    open_[-1].value.append(node)
                else:
                    root = node
                continue
            elif cls is AliasEvent:
                node = anchors.get(ev.anchor)  # type: ignore[assignment]
                if node is None:
                    raise _Refused(f"YAML parse error: found undefined alias {ev.anchor!r}", ev.start_mark.line + 1)
                aliases.append((ev.start_mark.index + shift, node))
                if open_:
                    open_[-1].value.append(node)
                else:
                    root = node
                continue
            else:  # DocumentEndEvent
                break
            node.anchor = ev.anchor  # type: ignore[attr-defined]
            if ev.anchor is not None:
                anchors[ev.anchor] = node
            if open_:
                open_[-1].value.append(node)
            else:
                root = node
        if root is not None:
            docs.append(root)
    if shift:
        _shift_marks(docs, shift)
    return docs, aliases


def _bom_shift(text: str) -> int:
    """What to add to libyaml's indexes: it does not count the byte-order mark that opens the text."""
    return 1 if _CParser is not None and text.startswith("\ufeff") else 0


def _shift_marks(docs: list[Node], shift: int) -> None:
    seen: set[int] = set()
    for root in docs:
        for node in walk(root, seen):
            for attr in ("start_mark", "end_mark"):
                m = getattr(node, attr)
                setattr(node, attr, Mark(m.name, m.index + shift, m.line, m.column, None, None))


def _reader_problem(e: ReaderError) -> str:
    return f"unacceptable character #x{e.character:04x}: {e.reason}" if isinstance(e.character, int) \
        else str(e.reason)


def _reader_line(text: str, e: ReaderError) -> int | None:
    """The line of a character the reader refused (libyaml gives a UTF-8 byte offset, PyYAML's
    pure-Python reader a code-point index)."""
    if not isinstance(e.position, int):
        return None
    index = e.position
    if _CParser is not None:
        index = len(text.encode("utf-8", "surrogatepass")[:e.position].decode("utf-8", "ignore"))
    return text.count("\n", 0, index) + 1


def _one_line(e: Exception, text: str = "") -> str:
    if isinstance(e, MarkedYAMLError):
        parts = [p for p in (e.context, e.problem) if p]
        msg = ", ".join(str(p).strip() for p in parts) or "invalid YAML"
        at = e.problem_mark.index + _bom_shift(text) if e.problem_mark is not None else -1
        if "found character that cannot start" in msg and 0 <= at < len(text):
            msg = msg.replace("found character that", f"found character {text[at]!r} that")  # libyaml omits it
    else:
        msg = str(e).strip() or type(e).__name__
    return " ".join(msg.split())


def children(node: Node) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for k, v in node.value:
            yield k
            yield v


def walk(root: Node, seen: set[int]) -> Iterator[Node]:
    """``root`` and every node below it not in ``seen`` (which it fills), in document order;
    aliases and ``<<`` merges are followed once."""
    stack = [root]
    push, extend = stack.append, stack.extend
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):
            for k, v in reversed(node.value):
                push(v)
                push(k)
        elif isinstance(node, SequenceNode):
            extend(reversed(node.value))


def reachable(node: Node) -> set[int]:
    """Ids of every node below ``node`` (itself included; aliases and ``<<`` merges followed)."""
    seen: set[int] = set()
    for _ in walk(node, seen):
        pass
    return seen


def _check_expansion(src: YamlSource, root: Node) -> None:
    """Size of the tree once every alias is expanded, computed once per node (linear time)."""
    size: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    unique = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, post = stack.pop()
        nid = id(node)
        if post:
            size[nid] = 1 + sum(size[id(c)] for c in children(node))
            state[nid] = 2
            continue
        if state.get(nid) == 2:
            continue
        state[nid] = 1
        unique += 1
        stack.append((node, True))
        for c in children(node):
            s = state.get(id(c))
            if s == 1:
                line = src.line(_alias_at(src, c))
                raise ProcessingError("YAML alias refers to a node that contains it (recursive alias)", line)
            if s is None:
                stack.append((c, False))
    if size[id(root)] - unique > ALIAS_LIMIT:
        worst = max((a for a in src.aliases if id(a[1]) in size), key=lambda a: size[id(a[1])], default=None)
        line = src.line(worst[0]) if worst else root.start_mark.line + 1
        raise ProcessingError(f"YAML aliases expand to more than {ALIAS_LIMIT} nodes (an alias bomb?): "
                              f"not processed", line)


def _alias_at(src: YamlSource, node: Node) -> int:
    for off, target in src.aliases:
        if target is node:
            return off
    return node.start_mark.index


def _check_duplicates(src: YamlSource, node: MappingNode) -> None:
    seen: dict[tuple[str, str], int] = {}
    for k, _v in node.value:
        if not isinstance(k, ScalarNode):
            continue
        key = (k.tag, k.value)
        if key in seen:
            raise ProcessingError(f"duplicate key {k.value!r} in a YAML mapping (first at line {seen[key]})",
                                  k.start_mark.line + 1)
        seen[key] = k.start_mark.line + 1


# --- mappings -------------------------------------------------------------------------------

def key_of(node: Node) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def items(node: Node | None) -> list[tuple[Node, Node]]:
    """Key/value pairs of a mapping with ``<<`` merges resolved (explicit keys win, then the
    merged mappings in order), as docker compose and YAML 1.1 merge them."""
    if not isinstance(node, MappingNode):
        return []
    if not any(k.value == "<<" for k, _ in node.value if isinstance(k, ScalarNode)):
        return node.value
    own: list[tuple[Node, Node]] = []
    merged: list[tuple[Node, Node]] = []
    for k, v in node.value:
        if isinstance(k, ScalarNode) and (k.tag == MERGE or (k.value == "<<" and k.style is None)):
            sources = v.value if isinstance(v, SequenceNode) else [v]
            for s in sources:
                merged.extend(items(s))
        else:
            own.append((k, v))
    names = {key_of(k) for k, _ in own}
    out = list(own)
    for k, v in merged:
        name = key_of(k)
        if name not in names:
            names.add(name)
            out.append((k, v))
    return out


def get(node: Node | None, key: str) -> Node | None:
    """The value of ``key`` in a mapping: its own key first, then the mappings merged in."""
    if not isinstance(node, MappingNode):
        return None
    merges = False
    for k, v in node.value:
        if isinstance(k, ScalarNode):
            if k.value == key:
                return v
            if k.value == "<<":
                merges = True
    if merges:
        for k, v in items(node):
            if key_of(k) == key:
                return v
    return None


def merge_sources(node: Node | None) -> list[Node]:
    """The mappings a mapping merges in through ``<<``."""
    if not isinstance(node, MappingNode):
        return []
    out: list[Node] = []
    for k, v in node.value:
        if isinstance(k, ScalarNode) and (k.tag == MERGE or (k.value == "<<" and k.style is None)):
            out.extend(v.value if isinstance(v, SequenceNode) else [v])
    return out


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null")


# --- scalar decoding ------------------------------------------------------------------------

def _content_start(text: str, i: int) -> int:
    """Skip a node's anchor and tag properties."""
    n = len(text)
    while i < n and text[i] in "&!":
        if text.startswith("!<", i):
            j = text.find(">", i)
            i = n if j < 0 else j + 1
        else:
            while i < n and text[i] not in " \t\r\n,[]{}":
                i += 1
        while i < n and text[i] in " \t\r\n":
            i += 1
    return i


def decode(text: str, node: ScalarNode, flow: bool) -> Scalar:
    style = node.style or ""
    start = _content_start(text, node.start_mark.index)
    end = node.end_mark.index
    expected = node.value
    sc = Scalar(node, expected, style, start, end, flow)
    if style == "" and (start > end or text[start:end].strip() == "" and expected == ""):
        sc.start = sc.end = end = max(start, end) if expected == "" else end
        if expected == "":
            sc.offsets = []
            sc.start = sc.end = node.end_mark.index
            return sc
    try:
        if style in ("|", ">"):
            got = _block(text, start, end, expected)
            if got is not None:
                pieces, sc.end = got
            else:
                pieces = None
        elif style == '"':
            pieces = _double(text, start + 1, end - 1)
        elif style == "'":
            pieces = _flowed(text, start + 1, end - 1, single=True)
        else:
            pieces = _flowed(text, start, end, single=False)
    except (IndexError, ValueError):
        pieces = None
    if pieces is None or "".join(p[0] for p in pieces) != expected:
        return sc
    sc.offsets = [p[1] for p in pieces]
    for ch, off, n in pieces:
        if n != 1 or ch != text[off]:
            sc.irregular[off] = max(n, sc.irregular.get(off, 0))
    return sc


Piece = tuple[str, int, int]  # decoded character, raw offset, raw length


def _lines(text: str, a: int, b: int) -> list[tuple[int, int, int]]:
    """(start, end, break_length) of each line of ``text[a:b]``; the last has break length 0."""
    out = []
    pos = a
    for m in _BREAK.finditer(text, a, b):
        out.append((pos, m.start(), m.end() - m.start()))
        pos = m.end()
    out.append((pos, b, 0))
    return out


def _fold(out: list[Piece], at: int, to: int, empties: int, space: bool) -> None:
    """The break folded between two lines of a flow scalar (raw text ``[at, to)``): one newline per
    empty line in between, else a space (unless ``space`` is false)."""
    if empties:
        out.append(("\n", at, to - at))
        out.extend([("\n", at, 0)] * (empties - 1))
    elif space:
        out.append((" ", at, to - at))


def _flowed(text: str, a: int, b: int, single: bool) -> list[Piece]:
    """Plain and single-quoted scalars: line folding, and ``''`` in single quotes."""
    lines = _lines(text, a, b)
    out: list[Piece] = []
    empties = 0
    fold_at = -1
    for idx, (s, e, brk) in enumerate(lines):
        first, last = idx == 0, idx == len(lines) - 1
        cs, ce = s, e
        if not first:
            while cs < ce and text[cs] in " \t":
                cs += 1
        if not last:
            while ce > cs and text[ce - 1] in " \t":
                ce -= 1
        if not first and cs == ce and not last:
            empties += 1
            continue
        if not first:
            _fold(out, fold_at, cs, empties, space=True)
        empties = 0
        k = cs
        while k < ce:
            if single and text[k] == "'":
                if text[k + 1] != "'":
                    raise ValueError("lone quote")
                out.append(("'", k, 2))
                k += 2
                continue
            out.append((text[k], k, 1))
            k += 1
        fold_at = ce
    return out


def _double(text: str, a: int, b: int) -> list[Piece]:
    lines = _lines(text, a, b)
    out: list[Piece] = []
    empties = 0
    fold_at = -1
    escaped_break = False
    for idx, (s, e, brk) in enumerate(lines):
        first, last = idx == 0, idx == len(lines) - 1
        cs, ce = s, e
        if not first:
            while cs < ce and text[cs] in " \t":
                cs += 1
        joined = False
        if not last and ce > cs and text[ce - 1] == "\\" and _odd_backslashes(text, cs, ce):
            ce -= 1
            joined = True
        elif not last:
            while ce > cs and text[ce - 1] in " \t":
                ce -= 1
        if not first and cs == ce and not last and not joined:
            empties += 1
            continue
        if not first:
            _fold(out, fold_at, cs, empties, space=not escaped_break)  # an escaped break folds to nothing
        empties = 0
        k = cs
        while k < ce:
            c = text[k]
            if c != "\\":
                out.append((c, k, 1))
                k += 1
                continue
            esc = text[k + 1]
            if esc in _HEX:
                n = _HEX[esc]
                digits = text[k + 2 : k + 2 + n]
                if len(digits) != n:
                    raise ValueError("short escape")
                out.append((chr(int(digits, 16)), k, 2 + n))
                k += 2 + n
                continue
            if esc not in _ESCAPES:
                raise ValueError("unknown escape")
            out.append((_ESCAPES[esc], k, 2))
            k += 2
        fold_at = ce
        escaped_break = joined
    return out


def _odd_backslashes(text: str, lo: int, end: int) -> bool:
    n = 0
    k = end - 1
    while k >= lo and text[k] == "\\":
        n += 1
        k -= 1
    return n % 2 == 1


def _block(text: str, start: int, end: int, expected: str) -> tuple[list[Piece], int] | None:
    """Literal and folded block scalars; the indentation is found by trying the candidates."""
    folded = text[start] == ">"
    m = _BLOCK_HEADER.match(text, start)
    if not m:
        return None
    chomp = m.group(1) or m.group(3)
    lines = _lines(text, m.end(), end)
    if lines and lines[-1][0] == lines[-1][1]:
        lines = lines[:-1]  # the empty remainder after the last break
    widths = [len(text[s:e]) - len(text[s:e].lstrip(" ")) for s, e, _ in lines if text[s:e].strip(" \t")]
    auto = min(widths) if widths else 0
    for indent in range(auto, 0, -1) if auto else [0]:
        pieces, last = _block_pieces(text, lines, indent, folded, chomp)
        if "".join(p[0] for p in pieces) == expected:
            return pieces, last
    return None


def _block_pieces(text: str, lines, indent: int, folded: bool, chomp: str) -> tuple[list[Piece], int]:
    content: list[tuple[int, int, int, int]] = []  # (content start, end, break start, break length)
    for s, e, brk in lines:
        cs = min(s + indent, e)
        if text[s:cs].strip(" ") != "":
            cs = s
        if text[s:e].strip(" \t") == "" and e - s <= indent:
            cs = e
        content.append((cs, e, e, brk))
    last_text = max((i for i, c in enumerate(content) if c[1] > c[0]), default=-1)
    out: list[Piece] = []
    end_off = content[last_text][1] if last_text >= 0 else (lines[0][0] if lines else 0)

    def more_indented(i: int) -> bool:
        cs, ce = content[i][0], content[i][1]
        return cs < ce and text[cs] in " \t"

    def is_empty(i: int) -> bool:
        return content[i][0] == content[i][1]

    for i in range(last_text + 1):
        cs, ce, bs, bl = content[i]
        for k in range(cs, ce):
            out.append((text[k], k, 1))
        if i == last_text:
            break
        if folded and not is_empty(i) and not more_indented(i):
            # the break after a text line folds when the next text line follows
            j = i + 1
            while j <= last_text and is_empty(j):
                j += 1
            if j <= last_text and not more_indented(j):
                if j == i + 1:
                    out.append((" ", bs, bl))
                continue  # dropped: the empty lines in between give the newlines
        out.append(("\n", bs, bl))
    # trailing breaks (chomping)
    if last_text >= 0:
        tail = [(content[i][2], content[i][3]) for i in range(last_text, len(content)) if content[i][3]]
    else:
        tail = [(c[2], c[3]) for c in content if c[3]]
    if chomp == "-" or last_text < 0 and chomp != "+":
        tail = []
    elif chomp != "+":
        tail = tail[:1]
    out.extend(("\n", s, n) for s, n in tail)
    return out, end_off


# --- shared by the YAML documents ---------------------------------------------------------------

def refuse_unmapped(src: YamlSource, sc: Scalar) -> None:
    if _evidence().maybe_v1(sc.value.encode("utf-8", "replace")):
        raise ProcessingError("cannot map the characters of this YAML scalar to the file: edit it by hand",
                              src.line(sc.start))

def keys_and_parents(src: YamlSource) -> tuple[set[int], dict[int, str]]:
    """Ids of every mapping key, and the key each value (and list item) stands under."""
    keys: set[int] = set()
    parent: dict[int, str] = {}
    for node in src.nodes():
        if isinstance(node, MappingNode):
            for k, v in node.value:
                keys.add(id(k))
                name = key_of(k)
                if name is not None and id(v) not in parent:
                    parent[id(v)] = str(name)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                if id(item) not in parent and id(node) in parent:
                    parent[id(item)] = parent[id(node)]
    return keys, parent

def node_end(src: YamlSource, node: Node) -> int:
    """Offset after the last character of a node's content (block collections end at their last
    value, not at the next token)."""
    if isinstance(node, ScalarNode):
        return src.scalar(node).end
    if getattr(node, "flow_style", False):
        return node.end_mark.index
    kids = [c for c in children(node)]
    if not kids:
        return node.end_mark.index
    return max(node_end(src, c) for c in kids[-2:])

def same_structure(old: YamlSource, new: YamlSource, editable: frozenset[str],
                   retypable: frozenset[str] = frozenset()) -> str | None:
    """The new text composes to the same shape: same documents, keys and scalar types; only the
    sequences named in ``editable`` (command words, ports) may change, and the scalars named in
    ``retypable`` may turn from a string to an integer (a port name to a port number)."""
    if len(old.docs) != len(new.docs):
        return f"the number of YAML documents changed ({len(old.docs)} before, {len(new.docs)} after)"
    for a, b in zip(old.docs, new.docs):
        problem = _same(a, b, "", set(), editable, retypable)
        if problem:
            return problem
    return None

def _same(a: Node, b: Node, path: str, seen: set[tuple[int, int]], editable: frozenset[str],
          retypable: frozenset[str]) -> str | None:
    if (id(a), id(b)) in seen:
        return None
    seen.add((id(a), id(b)))
    where = path or "the document"
    if type(a) is not type(b):
        return f"{where} changed from a {type(a).__name__[:-4].lower()} to a {type(b).__name__[:-4].lower()}"
    if isinstance(a, ScalarNode):
        if a.tag != b.tag and not (path.rsplit(".", 1)[-1] in retypable and {a.tag, b.tag} <= _INT_OR_STR):
            return f"{where} changed type ({a.tag.rsplit(':', 1)[-1]} -> {b.tag.rsplit(':', 1)[-1]})"
        return None
    if isinstance(a, MappingNode):
        ka = [(key_of(k), k.tag) for k, _ in a.value]
        kb = [(key_of(k), k.tag) for k, _ in b.value]
        if ka != kb:
            return f"the keys of {where} changed"
        for (k, va), (_, vb) in zip(a.value, b.value):
            problem = _same(va, vb, f"{path}.{key_of(k)}" if path else str(key_of(k)), seen, editable, retypable)
            if problem:
                return problem
        return None
    last = re.sub(r"(?:\[\d+\])+$", "", path).rsplit(".", 1)[-1]
    if last in editable:
        # the items are the edited values: only what kind of node each is must stay
        if len(a.value) == len(b.value) and any(type(x) is not type(y) for x, y in zip(a.value, b.value)):
            return f"the items of {where} changed kind"
        return None
    if len(a.value) != len(b.value):
        return f"the length of {where} changed"
    for i, (x, y) in enumerate(zip(a.value, b.value)):
        problem = _same(x, y, f"{path}[{i}]", seen, editable, retypable)
        if problem:
            return problem
    return None


def _evidence():
    from .. import evidence

    return evidence


def string_values(src: YamlSource, skip: set[int] | dict = frozenset()) -> Iterator[tuple[ScalarNode, Scalar, str]]:
    """Every non-empty string value of the document that is not a key (nor in ``skip``), with its
    decoded scalar and the key it stands under. A value whose characters cannot be mapped to the file
    is refused when it holds V1 evidence (``refuse_unmapped``) and left out otherwise."""
    keys, parent_key = keys_and_parents(src)
    for node in src.nodes():
        if not isinstance(node, ScalarNode) or id(node) in keys or id(node) in skip:
            continue
        sc = src.scalar(node)
        if not sc.is_str or not sc.value:
            continue
        if sc.offsets is None:
            refuse_unmapped(src, sc)
            continue
        yield node, sc, parent_key.get(id(node), "")


def env_name_nodes(mappings: Iterable[Node], keys: tuple[str, ...] = ("env",)) -> dict[int, ScalarNode]:
    """The ``name`` scalar of each entry of the ``env``-style lists of ``mappings`` (a variable being
    defined, not a value)."""
    out: dict[int, ScalarNode] = {}
    for m in mappings:
        for key in keys:
            env = get(m, key)
            if isinstance(env, SequenceNode):
                for item in env.value:
                    name = get(item, "name")
                    if isinstance(name, ScalarNode):
                        out[id(name)] = name
    return out
