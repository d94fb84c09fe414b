"""A YAML file as composed nodes, with the code-point position of every scalar character.

ruamel.yaml's composer gives each node start and end marks (code-point indexes into the text) but
not where each character of a scalar's value comes from: quotes, escapes, line folding and block
indentation sit in between. This module decodes each scalar itself from the original text,
keeps the offset of every decoded character, and trusts the result only when it equals ruamel's
value. Nothing is ever dumped: edits are spans of the original text.

Refused with ProcessingError (one line, with the line number): text that does not parse,
duplicate keys, recursive aliases, and aliases that would expand past ``ALIAS_LIMIT`` nodes (an
alias bomb is refused in time linear in the composed nodes, never expanded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..model import ProcessingError

#: nodes that aliases may add to a document beyond the nodes written in it
ALIAS_LIMIT = 100_000
MAX_DEPTH = 400
STR = "tag:yaml.org,2002:str"
MERGE = "tag:yaml.org,2002:merge"
_INT_OR_STR = {STR, "tag:yaml.org,2002:int"}

_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_HEX = {"x": 2, "u": 4, "U": 8}
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
            "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
            "_": "\xa0", "L": "\u2028", "P": "\u2029"}


@dataclass
class Scalar:
    """A scalar node as written: its value and the document offset of each value character."""

    node: ScalarNode
    value: str  #: the decoded value (ruamel's, without its fold markers)
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


class _TrackingComposer(Composer):
    """Records where each alias is written (the composed tree only keeps the anchored node)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.parser.check_event(AliasEvent):
            mark = self.parser.peek_event().start_mark
            node = super().compose_node(parent, index)
            self.loader.tdm_aliases.append((mark, node))
            return node
        return super().compose_node(parent, index)


class YamlSource:
    """The documents of one YAML text and the scalars in them."""

    def __init__(self, text: str, docs: list[Node], aliases: list[tuple[int, Node]]) -> None:
        self.text = text
        self.docs = docs  #: root node of each non-empty document
        self.aliases = aliases  #: (offset where an alias is written, the node it names)
        self._scalars: dict[int, Scalar | None] = {}
        self._flow: dict[int, bool] = {}
        self._by_start: list[Scalar] | None = None
        for root in docs:
            self._mark_flow(root)

    def _mark_flow(self, root: Node) -> None:
        stack = [(root, False)]
        seen: set[int] = set()
        while stack:
            node, flow = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ScalarNode):
                self._flow[id(node)] = flow
                continue
            inner = flow or bool(getattr(node, "flow_style", False))
            for child in children(node):
                stack.append((child, inner))

    def scalar(self, node: ScalarNode) -> Scalar:
        key = id(node)
        got = self._scalars.get(key)
        if got is None:
            got = decode(self.text, node, self._flow.get(key, False))
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
        """Every node once, in document order of first appearance."""
        seen: set[int] = set()
        for root in self.docs:
            yield from walk(root, seen)


def load(text: str) -> YamlSource:
    """Compose every document of ``text``; refuse what cannot be edited safely."""
    y = YAML(typ="safe", pure=True)  # no comment tokens: a third of the time of the round-trip loader
    y.Composer = _TrackingComposer
    y.max_depth = MAX_DEPTH
    y.tdm_aliases = []  # type: ignore[attr-defined]
    body = text
    try:
        docs = [d for d in y.compose_all(body) if d is not None]
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ProcessingError(f"YAML parse error: {_one_line(e)}", mark.line + 1 if mark else None) from None
    except YAMLError as e:
        raise ProcessingError(f"YAML parse error: {_one_line(e)}") from None
    except RecursionError:
        raise ProcessingError("YAML nesting too deep") from None
    aliases = [(m.index, n) for m, n in y.tdm_aliases]  # type: ignore[attr-defined]
    src = YamlSource(text, docs, aliases)
    for root in docs:
        _check_expansion(src, root)
    for node in src.nodes():
        if isinstance(node, MappingNode):
            _check_duplicates(src, node)
    return src


def _one_line(e: Exception) -> str:
    if isinstance(e, MarkedYAMLError):
        parts = [p for p in (e.context, e.problem) if p]
        msg = ", ".join(str(p).strip() for p in parts) or "invalid YAML"
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
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(reversed(list(children(node))))


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
    expected = node.value.replace("\a", "") if style == ">" else node.value
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
            if empties:
                out.append(("\n", fold_at, cs - fold_at))
                out.extend([("\n", fold_at, 0)] * (empties - 1))
            else:
                out.append((" ", fold_at, cs - fold_at))
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
        if not first and not escaped_break:
            if empties:
                out.append(("\n", fold_at, cs - fold_at))
                out.extend([("\n", fold_at, 0)] * (empties - 1))
            else:
                out.append((" ", fold_at, cs - fold_at))
        elif not first and escaped_break and empties:
            out.append(("\n", fold_at, cs - fold_at))
            out.extend([("\n", fold_at, 0)] * (empties - 1))
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
    m = re.compile(r"[|>]([+-]?)([1-9]?)([+-]?)[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r)").match(text, start)
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
