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

Scalars are decoded with the offset of every character in ``scalars``.

Refused with ProcessingError (one line, with the line number): text that does not parse,
undefined aliases, duplicate keys, recursive aliases, nesting deeper than ``MAX_DEPTH``
collections, and aliases that would expand past ``ALIAS_LIMIT`` nodes (an alias bomb is refused in
time linear in the composed nodes, never expanded).
"""

from __future__ import annotations

import re
from typing import Iterator

from yaml.error import MarkedYAMLError, YAMLError
from yaml.events import (AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
                         SequenceStartEvent, StreamEndEvent)
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.scanner import Scanner

try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None

from ...intervals import Intervals
from .nodetypes import MappingNode, Node, ScalarNode, SequenceNode
from ...model import ProcessingError
from .scalars import Scalar, decode
from .tags import MAP, SEQ, STR, _table
from .tree import children, walk

ALIAS_LIMIT = 100_000
#: collections nested deeper than this are refused
MAX_DEPTH = 400


class YamlSource:
    """The documents of one YAML text and the scalars in them."""

    def __init__(self, text: str, docs: list[Node], aliases: list[tuple[int, Node]],
                 nodes: list[Node] | None = None) -> None:
        self.text = text
        self.docs = docs  #: root node of each non-empty document
        self.aliases = aliases  #: (offset where an alias is written, the node it names)
        self._by_start: Intervals[Scalar] | None = None
        self._nodes = nodes  #: every node once, in document order (the composer's, or found by ``nodes``)
        #: the program reading the file turns ``$$`` into ``$`` in commands (compose, the kubelet)
        self.dollar_escape = False
        self._keys_marked = False  #: tree.mark_keys
        self._mappings: list[MappingNode] | None = None

    def scalar(self, node: ScalarNode) -> Scalar:
        got = node.decoded
        if got is None:
            got = node.decoded = decode(self.text, node, node.in_flow)
        return got

    @property
    def _scalars(self) -> dict[int, Scalar]:
        """The scalars decoded so far, by node id."""
        return {id(n): n.decoded for n in self.nodes() if isinstance(n, ScalarNode) and n.decoded is not None}

    def scalar_containing(self, start: int, end: int) -> Scalar | None:
        """The mapped scalar whose text holds ``[start, end)``."""
        if self._by_start is None:
            found = (self.scalar(n) for n in self.nodes() if isinstance(n, ScalarNode))
            ordered = sorted((sc for sc in found if sc.offsets is not None), key=lambda sc: sc.start)
            self._by_start = Intervals((sc.start, sc.end, sc) for sc in ordered)
        held = self._by_start.first_holding(start, max(end, start + 1))
        return held[2] if held is not None else None

    def line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def mappings(self) -> list[MappingNode]:
        """Every mapping node once, in document order (listed once: the tree is read-only)."""
        if self._mappings is None:
            self._mappings = [n for n in self.nodes() if isinstance(n, MappingNode)]
        return self._mappings

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
        docs, aliases, nodes = _compose(text)
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
    src = YamlSource(text, docs, aliases, nodes)
    if aliases:  # without one, every node appears once: nothing to expand, nothing recursive
        for root in docs:
            _check_expansion(src, root)
    for node in src.nodes():
        if isinstance(node, MappingNode):
            _check_duplicates(src, node)
    return src


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


def _compose(text: str) -> tuple[list[Node], list[tuple[int, Node]], list[Node]]:
    """The root node of each document of ``text``, (offset, node) of each alias written in it, and
    every node in the order it was made: document order, each node before the nodes in it (the order
    of ``walk``, which meets the node an alias names before the alias).

    One loop over the parser's events with an explicit stack of the open collections: nesting costs
    no Python recursion, and more than ``MAX_DEPTH`` open collections are refused at once."""
    parser = _CParser(text) if _CParser is not None else _PyParser(text)
    shift = _bom_shift(text)
    get = parser.get_event
    docs: list[Node] = []
    aliases: list[tuple[int, Node]] = []
    made: list[Node] = []
    add = made.append
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
                node: Node = ScalarNode(tag, value, ev.start_mark.index + shift, ev.end_mark.index + shift,
                                        ev.style or None)
                node.in_flow = flows[-1]  # where it is written
                add(node)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if len(open_) >= MAX_DEPTH:
                    raise _Refused("YAML nesting too deep", None)
                tag = ev.tag
                if tag is None or tag == "!":
                    tag = MAP if cls is MappingStartEvent else SEQ
                kind = MappingNode if cls is MappingStartEvent else SequenceNode
                node = kind(tag, [], ev.start_mark.index + shift, 0, ev.flow_style)
                node.anchor = ev.anchor  # type: ignore[attr-defined]
                add(node)
                if ev.anchor is not None:
                    anchors[ev.anchor] = node
                open_.append(node)
                flows.append(flows[-1] or bool(ev.flow_style))
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                node = open_.pop()
                flows.pop()
                node.end_index = ev.end_mark.index + shift
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
    return docs, aliases, made


def _bom_shift(text: str) -> int:
    """What to add to libyaml's indexes: it does not count the byte-order mark that opens the text."""
    return 1 if _CParser is not None and text.startswith("\ufeff") else 0


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
        line = src.line(worst[0] if worst else root.start_index)
        raise ProcessingError(f"YAML aliases expand to more than {ALIAS_LIMIT} nodes (an alias bomb?): "
                              f"not processed", line)


def _alias_at(src: YamlSource, node: Node) -> int:
    for off, target in src.aliases:
        if target is node:
            return off
    return node.start_index


def _check_duplicates(src: YamlSource, node: MappingNode) -> None:
    seen: dict[tuple[str, str], int] = {}
    for k, _v in node.value:
        if not isinstance(k, ScalarNode):
            continue
        key = (k.tag, k.value)
        if key in seen:
            raise ProcessingError(f"duplicate key {k.value!r} in a YAML mapping (first at line "
                                  f"{src.line(seen[key])})", src.line(k.start_index))
        seen[key] = k.start_index


# --- mappings -------------------------------------------------------------------------------


def reads_as_str(raw: str) -> bool:
    """``raw`` is one YAML document that holds a string (a value written plain reads back as text)."""
    try:
        docs, _, _ = _compose(raw)
    except (_Refused, YAMLError, UnicodeEncodeError, RecursionError):
        return False
    return len(docs) == 1 and isinstance(docs[0], ScalarNode) and docs[0].tag == STR
