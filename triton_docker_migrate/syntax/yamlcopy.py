"""New YAML for ``--side-by-side``: a unit of a file (a compose service, a Kubernetes object, a values
entry) loaded with ruamel.yaml's round-trip loader, copied with its anchors and merge keys resolved
(every value its own, no comment carried over), and dumped in the file's own indentation with the
quoting of every scalar kept. Only this mode imports ruamel.yaml; the rest of the tool edits spans of
the original text and never dumps YAML.

The dumped text is checked before anyone uses it: read back, it holds exactly the data of the unit as
the file gives it (``same_data``)."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..model import ProcessingError
from . import yamlsrc as Y
from .yamlsrc import MappingNode, SequenceNode

#: ruamel.yaml folds lines longer than its width: never, for a copy
_WIDTH = 1 << 30


@dataclass(frozen=True)
class Style:
    """How a file indents its block collections (ruamel.yaml's ``indent()``): a mapping's keys
    ``mapping`` columns right of their parent key, a sequence's items ``sequence`` columns right of
    it, their dash ``offset`` columns right of it."""

    mapping: int = 2
    sequence: int = 2
    offset: int = 0


def _yaml(typ: str = "rt"):
    from ruamel.yaml import YAML

    y = YAML(typ=typ, pure=True)
    if typ == "rt":
        y.preserve_quotes = True
    y.allow_duplicate_keys = False
    return y


def load(text: str) -> list[Any]:
    """The documents of ``text``, as ruamel.yaml's round-trip loader reads them."""
    try:
        return [d for d in _yaml().load_all(text.lstrip("\ufeff")) if d is not None]
    except Exception as e:  # ruamel's own errors: a file the tool's reader accepted and ruamel refuses
        raise ProcessingError(f"side by side: ruamel.yaml cannot read the file ({_first_line(e)})") from None


def data(text: str) -> list[Any]:
    """The documents of ``text`` as plain data (YAML 1.2 safe loading, anchors and merges resolved)."""
    try:
        return [_plain(d) for d in _yaml("safe").load_all(text.lstrip("\ufeff")) if d is not None]
    except Exception as e:
        raise ProcessingError(f"side by side: the new text does not read back ({_first_line(e)})") from None


def _first_line(e: Exception) -> str:
    return " ".join(str(e).split())[:200]


def at(docs: list[Any], path: tuple) -> Any:
    """The value at ``path`` (document index, then keys and list indexes)."""
    node = docs[path[0]]
    for k in path[1:]:
        node = node[k]
    return node


def resolved(value: Any, node: Y.Node | None = None) -> Any:
    """A deep copy of a round-trip value: merged keys written out (own keys win, in the place of the
    ``<<`` key when ``node``, the value as the tool's reader composed it, says where that was),
    aliases copied, each collection's block or flow style and each scalar's quoting kept, comments
    and anchors left behind."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        out = CommentedMap()
        keys = list(value.keys())  # a CommentedMap's keys include the merged ones
        if isinstance(node, MappingNode):
            order = {k: i for i, k in enumerate(_key_order(node, set()))}
            keys.sort(key=lambda k: order.get(k if isinstance(k, str) else None, len(order)))
        for k in keys:
            child = Y.get(node, k) if isinstance(node, MappingNode) and isinstance(k, str) else None
            out[_scalar(k)] = resolved(value[k], child)
        if getattr(value, "fa", None) is not None and value.fa.flow_style():
            out.fa.set_flow_style()
        else:
            out.fa.set_block_style()
        return out
    if isinstance(value, list):
        kids = node.value if isinstance(node, SequenceNode) and len(node.value) == len(value) else [None] * len(value)
        seq = CommentedSeq(resolved(v, n) for v, n in zip(value, kids))
        if getattr(value, "fa", None) is not None and value.fa.flow_style():
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    return _scalar(value)


def _key_order(node: MappingNode, seen: set[int]) -> list[str]:
    """The keys of a mapping in the order they read, merged keys where the ``<<`` stands."""
    if id(node) in seen:
        return []
    seen = seen | {id(node)}
    own = {Y.key_of(k) for k, _ in node.value if Y.key_of(k) != "<<"}
    out: list[str] = []
    for k, v in node.value:
        name = Y.key_of(k)
        if name == "<<":
            for src in v.value if isinstance(v, SequenceNode) else [v]:
                if isinstance(src, MappingNode):
                    out += [x for x in _key_order(src, seen) if x not in own and x not in out]
        elif name is not None and name not in out:
            out.append(name)
    return out


def _scalar(value: Any) -> Any:
    """A scalar without the anchor it may carry (an anchored scalar would be dumped with ``&name``)."""
    anchor = getattr(value, "anchor", None)
    if anchor is not None and getattr(anchor, "value", None) is not None:
        from ruamel.yaml.scalarstring import ScalarString

        if isinstance(value, ScalarString):
            return type(value)(str(value))
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
    return value


def like(old: Any, new: str) -> Any:
    """``new`` written as ``old`` is (same quotes, or plain)."""
    from ruamel.yaml.scalarstring import ScalarString

    if isinstance(old, ScalarString):
        return type(old)(new)
    return new


def map_of(pairs: list[tuple[str, Any]], flow: bool = False) -> Any:
    from ruamel.yaml.comments import CommentedMap

    out = CommentedMap()
    for k, v in pairs:
        out[k] = v
    if flow:
        out.fa.set_flow_style()
    return out


def dump(value: Any, style: Style) -> str:
    """``value`` dumped in ``style``, at column 0, as one document without markers. Lines end with
    ``\\n``."""
    y = _yaml()
    y.indent(mapping=style.mapping, sequence=style.sequence, offset=style.offset)
    y.width = _WIDTH
    y.allow_unicode = True
    y.explicit_start = False
    buf = io.StringIO()
    y.dump(value, buf)
    return buf.getvalue()


def style_of(src: Y.YamlSource, start: int, end: int) -> Style:
    """The indentation the block collections between offsets ``start`` and ``end`` use (their most
    common one; ruamel.yaml's defaults where there is none)."""
    text = src.text
    maps: Counter[int] = Counter()
    seqs: Counter[tuple[int, int]] = Counter()

    def col(offset: int) -> int:
        return offset - (text.rfind("\n", 0, offset) + 1)

    for node in src.nodes():
        if not isinstance(node, MappingNode) or getattr(node, "flow_style", False):
            continue
        for k, v in node.value:
            if not (start <= k.start_index < end):
                continue
            if getattr(v, "flow_style", False) or not getattr(v, "value", None):
                continue
            if isinstance(v, MappingNode):
                first = v.value[0][0].start_index
                if src.line(first) != src.line(k.start_index):
                    maps[col(first) - col(k.start_index)] += 1
            elif isinstance(v, SequenceNode):
                item = v.value[0]
                first = item.value[0][0].start_index if isinstance(item, MappingNode) and item.value and \
                    not getattr(item, "flow_style", False) else item.start_index
                dash = text.rfind("-", 0, first)
                if dash < 0 or src.line(dash) != src.line(first) or text[dash + 1:first].strip(" \t"):
                    continue
                seqs[(col(first) - col(k.start_index), col(dash) - col(k.start_index))] += 1
    if not maps or not seqs:  # what the unit does not show, the rest of the file may
        whole = style_of(src, 0, len(text)) if (start, end) != (0, len(text)) else None
        if whole is not None:
            maps = maps or Counter({whole.mapping: 1})
            seqs = seqs or Counter({(whole.sequence, whole.offset): 1})
    mapping = maps.most_common(1)[0][0] if maps else 2
    sequence, offset = seqs.most_common(1)[0][0] if seqs else (mapping, 0)
    if mapping < 1:
        mapping = 2
    if offset < 0 or sequence < offset + 2:
        sequence, offset = max(2, offset + 2), max(0, offset)
    return Style(mapping, sequence, offset)


def indent(text: str, prefix: str, first: str | None = None) -> str:
    """Every non-empty line of ``text`` with ``prefix`` before it (the first line with ``first``):
    block scalars stay valid, as their indentation is relative; empty lines stay empty."""
    out = []
    for i, line in enumerate(text.splitlines(keepends=True)):
        if line.strip("\r\n"):
            out.append((first if i == 0 and first is not None else prefix) + line)
        else:
            out.append(line)
    return "".join(out)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {_plain_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _plain_key(k: Any) -> Any:
    return tuple(_plain(x) for x in k) if isinstance(k, (list, tuple)) else k
