"""Where a unit of a YAML file stands as whole lines (a compose service, a Kubernetes object, a
top-level values entry), whether its first line carries the keep-v1 marker, and which values outside
it it shares (anchors) or that route to it (URLs naming its host): what ``--side-by-side`` and
``--retire-v1`` need from the YAML readers (CONTRACT.md, ``--side-by-side``)."""

from __future__ import annotations

import re

from ..model import Span
from ..syntax import yamlsrc as Y
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode
from .sites import Block, is_foreign

MARKER = "triton-docker-migrate: keep-v1"
#: the annotation that marks a kept object of a JSON manifest (CONTRACT.md, ``--side-by-side``)
KEEP_ANNOTATION = "triton-docker-migrate/keep-v1"
_MARKER = re.compile(r"(?:^|[ \t])(#)[^\n]*?triton-docker-migrate:[ \t]*keep-v1(?![\w-])")
_BLANK_LINE = re.compile(r"[ \t]*\r?\n")
_SEPARATOR = re.compile(r"^---(?:[ \t]|$)")


def lines_of(src: Y.YamlSource, first: int, node: Node, item: bool = False) -> tuple[int, int, int] | None:
    """(start of the line that holds offset ``first``, after the line where ``node`` ends, end of the
    first line before its line break), or None when something else shares those lines (flow style,
    two documents on one line). ``item``: the unit is a block-sequence item (``- `` may precede it)."""
    text = src.text
    start = text.rfind("\n", 0, first) + 1
    before = text[start:first]
    if before.strip(" \t") and not (item and before.strip(" \t") == "-"):
        return None
    end = Y.node_end(src, node)
    nl = text.find("\n", end)
    rest = text[end:nl if nl >= 0 else len(text)].strip(" \t\r")
    if rest and not rest.startswith("#"):
        return None
    after = len(text) if nl < 0 else nl + 1
    first_nl = text.find("\n", first)
    first_end = len(text) if first_nl < 0 else first_nl
    if first_end > 0 and text[first_end - 1:first_end] == "\r":
        first_end -= 1
    return start, after, first_end


def may_keep(src: Y.YamlSource) -> bool:
    """Some line of the file may carry the keep-v1 marker: a file without its words has no kept unit
    (checked before the units are read, which reads every unit's lines)."""
    return "keep-v1" in src.text


def is_kept(src: Y.YamlSource, start: int, first_end: int) -> bool:
    """The line ``[start, first_end)`` carries the keep-v1 marker in a comment."""
    m = _MARKER.search(src.text, start, first_end)
    while m is not None:
        if src.scalar_containing(m.start(1), m.start(1) + 1) is None:
            return True
        m = _MARKER.search(src.text, m.end(), first_end)
    return False


def block(src: Y.YamlSource, name: str, what: str, first: int, node: Node, path: tuple,
          item: bool = False) -> Block:
    """The Block of ``node`` (its first line holds offset ``first``); a unit that does not stand on
    lines of its own gets a refusal."""
    got = lines_of(src, first, node, item) if node.start_index >= first else None
    if got is None and node.start_index < first:  # an alias (``a: *x``): its node is written before it
        nl = src.text.find("\n", first)
        return Block(name, what, Span(first, len(src.text) if nl < 0 else nl), first, path,
                     refusal="its value is an alias of a node written elsewhere (*anchor), so a copy cannot be "
                             "placed beside it")
    if got is None:
        at = Span(first, Y.node_end(src, node))
        return Block(name, what, at, first, path,
                     refusal="it does not stand on lines of its own (flow style), so a copy cannot be placed beside it")
    start, after, first_end = got
    blank = _BLANK_LINE.match(src.text, after)  # the blank line that separates it from the next unit
    return Block(name, what, Span(start, after), first_end, path, kept=is_kept(src, start, first_end),
                 retire_span=Span(start, blank.end() if blank else after))


def json_block(src: Y.YamlSource, name: str, what: str, node: Node, path: tuple,
               items: list[Node] | None = None) -> Block:
    """The Block of an object of a JSON manifest: kept when its ``metadata.annotations`` hold
    ``triton-docker-migrate/keep-v1`` (JSON has no comments), marked by inserting that annotation.
    ``items``: the items of the List it stands in (None: it is the file's one object)."""
    text = src.text
    start, end = node.start_index, Y.node_end(src, node)
    meta = Y.get(node, "metadata")
    ann = Y.get(meta, "annotations")
    kept = isinstance(ann, MappingNode) and any(Y.key_of(k) == KEEP_ANNOTATION for k, _ in ann.value)
    b = Block(name, what, Span(start, end), start, path, kept=kept)
    if not isinstance(meta, MappingNode) or not getattr(meta, "flow_style", False) or not meta.value or \
            (ann is not None and not (isinstance(ann, MappingNode) and getattr(ann, "flow_style", False))):
        b.refusal = "its metadata cannot hold the keep-v1 annotation"
        return b
    entry = f'"{KEEP_ANNOTATION}": "true"'
    if isinstance(ann, MappingNode) and not ann.value:
        b.marker = (ann.start_index + 1, entry)
    else:
        holder = ann if isinstance(ann, MappingNode) else meta
        first = holder.value[0][0].start_index
        gap = text[holder.start_index + 1:first]
        sep = gap if "\n" in gap else " "
        b.marker = (first, (entry if holder is ann else f'"annotations": {{{entry}}}') + "," + sep)
    if items is not None:
        i = next(k for k, it in enumerate(items) if it is node)
        if i > 0:
            b.retire_span = Span(Y.node_end(src, items[i - 1]), end)
        elif len(items) > 1:
            b.retire_span = Span(start, items[1].start_index)
        else:
            b.retire_span = Span(start, end)
    return b


def document_retire_span(src: Y.YamlSource, b: Block) -> Span:
    """The lines of a whole document and one ``---`` separator: the one before it, or (for the first
    document) the one after it."""
    text = src.text
    line_starts = _line_starts_before(text, b.span.start)
    for ls in line_starts:  # backwards over blank and comment lines to a separator
        line = text[ls:text.find("\n", ls) if text.find("\n", ls) >= 0 else len(text)]
        if _SEPARATOR.match(line):
            return Span(ls, b.span.end)
        if line.strip() and not line.lstrip().startswith("#"):
            break
    pos = b.span.end
    while pos < len(text):
        nl = text.find("\n", pos)
        line = text[pos:nl if nl >= 0 else len(text)]
        if _SEPARATOR.match(line):
            return Span(b.span.start, len(text) if nl < 0 else nl + 1)
        if line.strip() and not line.lstrip().startswith("#"):
            break
        pos = len(text) if nl < 0 else nl + 1
    return b.span


def _line_starts_before(text: str, offset: int):
    pos = offset
    while pos > 0:
        prev = text.rfind("\n", 0, pos - 1) + 1
        yield prev
        pos = prev


def shared_spans(src: Y.YamlSource, node: Node, span: Span) -> tuple[Span, ...]:
    """Anchored values that ``node`` reaches through aliases and merges and that stand outside
    ``span``: what the unit shares with the rest of the file."""
    reach = Y.reachable(node)
    out: list[Span] = []
    for _, target in src.aliases:
        if id(target) not in reach:
            continue
        a, b = target.start_index, Y.node_end(src, target)
        if (a < span.start or b > span.end) and Span(a, b) not in out:
            out.append(Span(a, b))
    return tuple(out)


def host_pattern(names: list[str]) -> re.Pattern | None:
    """A URL host (``name``, ``name:8000``) that is one of ``names``."""
    names = [n for n in names if n]
    if not names:
        return None
    return re.compile(r"(?<![\w.-])(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                      + r")(?::\d+(?![\w.])|(?=/))")


def routes(src: Y.YamlSource, names: list[str], outside: list[Span]) -> tuple[Span, ...]:
    """String values outside ``outside`` spans that name one of ``names`` as a URL host."""
    rx = host_pattern(names)
    if rx is None:
        return ()
    out: list[Span] = []
    for node in src.nodes():
        if not isinstance(node, ScalarNode) or not isinstance(node.value, str) or not rx.search(node.value):
            continue
        sc = src.scalar(node)
        if any(o.start <= sc.start < o.end for o in outside):
            continue
        out.append(Span(sc.start, sc.end))
    return tuple(out)


def mark_kept(lines, kept: list[Span]) -> None:
    """Server command lines inside kept blocks are read, never edited (``report_only``)."""
    if not kept:
        return
    for cl in lines:  # (a line a Helm template makes of a values list starts with the template's words)
        first = next((w for w in [cl.binary, *(w for seg in cl.segments for w in seg.words)]
                      if w is not None and not is_foreign(w.span)), None)
        if first is not None and any(s.start <= first.start < s.end for s in kept):
            cl.report_only = True
