"""Reading composed YAML: children and walks (aliases and ``<<`` merges followed), mapping lookups
as docker compose and YAML 1.1 merge them, where a node ends in the text, and the structure check
that the verify step runs on a migrated file."""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Iterable, Iterator


from ...model import ProcessingError
from .nodetypes import MappingNode, Node, ScalarNode, SequenceNode
from .tags import _INT_OR_STR, MERGE

if TYPE_CHECKING:  # the tree helpers only read what a YamlSource holds
    from .nodes import YamlSource
    from .scalars import Scalar

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
    for k, v in node.value:  # (the value compared first: a collection key's is a list, never equal)
        name = k.value
        if name == key:
            if isinstance(k, ScalarNode):
                return v
        elif name == "<<" and isinstance(k, ScalarNode):
            merges = True
    if merges:
        for k, v in items(node):
            if key_of(k) == key:
                return v
    return None


def has_any(node: Node | None, keys: frozenset[str]) -> bool:
    """A mapping with one of ``keys`` written in it, or a ``<<`` merge (where ``get`` may find them):
    one pass, where asking ``get`` for each key reads the mapping once a key."""
    if not isinstance(node, MappingNode):
        return False
    for k, _ in node.value:
        if isinstance(k, ScalarNode) and (k.value in keys or k.value == "<<"):
            return True
    return False


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

def refuse_unmapped(src: YamlSource, sc: Scalar) -> None:
    if _evidence().maybe_v1(sc.value.encode("utf-8", "replace")):
        raise ProcessingError("cannot map the characters of this YAML scalar to the file: edit it by hand",
                              src.line(sc.start))

def mark_keys(src: YamlSource) -> None:
    """Mark every mapping key (``is_key``) and the key each value (and list item) stands under
    (``parent_key``) on the nodes themselves (once per source: the tree is read-only)."""
    if src._keys_marked:
        return
    src._keys_marked = True
    for node in src.nodes():
        if isinstance(node, MappingNode):
            for k, v in node.value:
                k.is_key = True
                if v.parent_key is None and isinstance(k, ScalarNode):
                    v.parent_key = str(k.value)
        elif isinstance(node, SequenceNode) and node.parent_key is not None:
            for item in node.value:
                if item.parent_key is None:
                    item.parent_key = node.parent_key

def node_end(src: YamlSource, node: Node) -> int:
    """Offset after the last character of a node's content (block collections end at their last
    value, not at the next token)."""
    if isinstance(node, ScalarNode):
        return src.scalar(node).end
    if getattr(node, "flow_style", False):
        return node.end_index
    if not node.value:
        return node.end_index
    # the last two children: a mapping's last key and value, a sequence's last two items
    last = node.value[-1] if isinstance(node, MappingNode) else node.value[-2:]
    return max(node_end(src, c) for c in last)

def same_structure(old: YamlSource, new: YamlSource, editable: frozenset[str],
                   retypable: frozenset[str] = frozenset(), lists: Iterable[int] = ()) -> str | None:
    """The new text composes to the same shape: same documents, keys and scalar types; only the
    sequences named in ``editable`` (command words, ports) and the sequences of ``old`` that hold
    one of the offsets ``lists`` (the words of its command lines, wherever the list is written: under
    an ``x-`` anchor, a values key a template expands) may change, and the scalars named in
    ``retypable`` may turn from a string to an integer (a port name to a port number)."""
    if len(old.docs) != len(new.docs):
        return f"the number of YAML documents changed ({len(old.docs)} before, {len(new.docs)} after)"
    held = sequences_holding(old, lists)
    # (without an alias, every node is met once: no pair of nodes to remember)
    seen: set[tuple[int, int]] | None = set() if old.aliases or new.aliases else None
    for a, b in zip(old.docs, new.docs):
        problem = _same(a, b, "", seen, editable, retypable, held)
        if problem:
            return problem
    return None

def sequences_holding(src: YamlSource, offsets: Iterable[int]) -> frozenset[int]:
    """The ids of the sequence nodes of ``src`` with a scalar item written around one of ``offsets``."""
    points = sorted(set(offsets))
    out: set[int] = set()
    if not points:
        return frozenset()
    for node in src.nodes():
        if not isinstance(node, SequenceNode):
            continue
        for item in node.value:
            if isinstance(item, ScalarNode):
                sc = src.scalar(item)
                i = bisect.bisect_left(points, sc.start)
                if i < len(points) and points[i] < max(sc.end, sc.start + 1):
                    out.add(id(node))
                    break
    return frozenset(out)


def _same(a: Node, b: Node, path: str, seen: set[tuple[int, int]] | None, editable: frozenset[str],
          retypable: frozenset[str], held: frozenset[int] = frozenset()) -> str | None:
    """(Two scalars of the same tag are passed over by the loops below: their path is never made.)"""
    if seen is not None:
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
            if va.__class__ is ScalarNode and vb.__class__ is ScalarNode and va.tag == vb.tag:
                continue
            problem = _same(va, vb, f"{path}.{key_of(k)}" if path else str(key_of(k)), seen, editable, retypable,
                            held)
            if problem:
                return problem
        return None
    last = re.sub(r"(?:\[\d+\])+$", "", path).rsplit(".", 1)[-1]
    if last in editable or id(a) in held:
        # the items are the edited values: only what kind of node each is must stay
        if len(a.value) == len(b.value) and any(type(x) is not type(y) for x, y in zip(a.value, b.value)):
            return f"the items of {where} changed kind"
        return None
    if len(a.value) != len(b.value):
        return f"the length of {where} changed"
    for i, (x, y) in enumerate(zip(a.value, b.value)):
        if x.__class__ is ScalarNode and y.__class__ is ScalarNode and x.tag == y.tag:
            continue
        problem = _same(x, y, f"{path}[{i}]", seen, editable, retypable, held)
        if problem:
            return problem
    return None


def _evidence():
    from ... import evidence

    return evidence


def string_values(src: YamlSource, skip: set[int] | dict = frozenset()) -> Iterator[tuple[ScalarNode, Scalar, str]]:
    """Every non-empty string value of the document that is not a key (nor in ``skip``), with its
    decoded scalar and the key it stands under. A value whose characters cannot be mapped to the file
    is refused when it holds V1 evidence (``refuse_unmapped``) and left out otherwise."""
    mark_keys(src)
    for node in src.nodes():
        if not isinstance(node, ScalarNode) or node.is_key or id(node) in skip:
            continue
        sc = src.scalar(node)
        if not sc.is_str or not sc.value:
            continue
        if sc.offsets is None:
            refuse_unmapped(src, sc)
            continue
        yield node, sc, node.parent_key or ""


def env_name_nodes(mappings: Iterable[Node], keys: tuple[str, ...] = ("env",)) -> dict[int, ScalarNode]:
    """The ``name`` scalar of each entry of the ``env``-style lists of ``mappings`` (a variable being
    defined, not a value)."""
    out: dict[int, ScalarNode] = {}
    names = frozenset(keys)
    for m in mappings:
        if not has_any(m, names):
            continue
        for key in keys:
            env = get(m, key)
            if isinstance(env, SequenceNode):
                for item in env.value:
                    name = get(item, "name")
                    if isinstance(name, ScalarNode):
                        out[id(name)] = name
    return out
