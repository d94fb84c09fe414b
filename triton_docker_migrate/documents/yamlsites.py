"""Command sites and server command lines of documents written in YAML: list items (block ``- x``
or flow ``[x, y]``) and strings split into words like a shell (compose ``command: trtserver
--model-store=/m``, ``sh -c`` scripts)."""

from __future__ import annotations

import re
from array import array
from typing import Callable

from ..model import Span
from ..syntax.shellwords import ShellSyntaxError, Word, lex
from ..syntax.yamlquote import YamlListSyntax, YamlShellSyntax
from ..syntax.yamlsrc import MappingNode, Node, Scalar, ScalarNode, SequenceNode, YamlSource, items, refuse_unmapped
from . import commands as C
from . import held as H
from .dockerrun import sub_word
from .sites import BuildArgument, CommandLine, CommandSite, Segment, is_foreign

_COMPOSE_VAR = re.compile(r"(?<!\$)(?:\$\$)*\$(?:\{|[A-Za-z_])")


def item_word(sc: Scalar, dynamic_re: re.Pattern = _COMPOSE_VAR) -> Word:
    """One list item as a word (no shell: the value is the argument)."""
    return Word(sc.start, sc.end, sc.value, array("q", sc.offsets or ()), bool(dynamic_re.search(sc.value)),
                sc.quote, sc.inner_end)


def split_words(src: YamlSource, sc: Scalar, argv: bool) -> list[list[Word]]:
    """Words of a string scalar. ``argv``: one argument list, split like compose does (newlines
    are spaces, the first operator ends it); else shell commands (``CMD-SHELL``)."""
    if sc.offsets is None:
        return []
    try:
        lexed = lex(sc.value, sc.offsets, dollar_escape=src.dollar_escape)
    except ShellSyntaxError:
        return []
    tokens = lexed.tokens
    if argv:
        tokens = [t for t in tokens if t.kind != "newline"]
        cut = next((i for i, t in enumerate(tokens) if t.kind != "word"), len(tokens))
        tokens = tokens[:cut]
    groups = C.split(tokens)
    for ws in groups:
        for w in ws:
            _fix_end(w, sc)
    return groups


def _fix_end(w: Word, sc: Scalar) -> None:
    """A word that ends in an escape (``\\"`` in a double-quoted scalar) ends after the escape."""
    last = w.end - 1
    n = sc.irregular.get(last)
    if n:
        w.end = last + n


def nested_sites(src: YamlSource, segs: list[Segment | None], text: str, triton: bool) -> list[CommandSite]:
    """``sh -c "..."`` scripts in the words of ``segs`` (an entrypoint and its command), with a
    syntax that escapes for every layer around them."""
    out: list[CommandSite] = []
    present = [s for s in segs if s is not None and not is_reset(s)]
    if not present:
        return out
    words = [w for s in present for w in s.words]
    #: the scalar of each script word and the syntax of its commands (one per script, not per command)
    scripts: dict[int, tuple[Scalar, YamlShellSyntax] | None] = {}
    for site in C.nested(Segment(words, present[0].syntax, present[0].label), text, triton,
                         src.dollar_escape):
        if not site.words:
            continue
        owner = next(((w, s) for s in present for w in s.words if w.start <= site.words[0].start < w.end), None)
        if owner is None:
            continue
        script, seg = owner
        if id(script) not in scripts:
            sc = src.scalar_containing(script.start, script.end)
            outer = script.quote if isinstance(seg.syntax, YamlShellSyntax) else None
            scripts[id(script)] = (sc, YamlShellSyntax(src, sc, outer)) if sc is not None else None
        found = scripts[id(script)]
        if found is None:
            continue
        sc, syntax = found
        for w in site.words:
            _fix_end(w, sc)
        site.segment = Segment(site.words, syntax, seg.label)
        out.append(site)
    return out


# --- segments and server command lines ------------------------------------------------------------

def is_reset(seg: Segment) -> bool:
    """An entrypoint written ``[""]``: no entrypoint at all (GitLab services, docker), so the command
    is the whole command line."""
    return bool(seg.words) and all(w.value == "" for w in seg.words)


def segment(src: YamlSource, node: Node | None, label: str, argv: bool = True,
            dynamic_re: re.Pattern = _COMPOSE_VAR) -> Segment | None:
    """Words of a command: a string split like a shell (``argv``: as one argument list), or a list
    of strings, one word per item. None when the node is neither."""
    if isinstance(node, ScalarNode):
        sc = src.scalar(node)
        if not sc.is_str:
            return None
        if sc.offsets is None:
            refuse_unmapped(src, sc)
            return None
        groups = split_words(src, sc, argv=argv)
        return Segment(groups[0], YamlShellSyntax(src, sc), label) if groups else None
    if isinstance(node, SequenceNode) and node.value and all(isinstance(i, ScalarNode) for i in node.value):
        scs = [src.scalar(i) for i in node.value]
        for sc in scs:
            if sc.offsets is None:
                refuse_unmapped(src, sc)
                return None
        flow = bool(node.flow_style) or scs[0].flow
        return Segment([item_word(sc, dynamic_re) for sc in scs], YamlListSyntax(src, not node.flow_style, flow),
                       label)
    return None


def server_lines(src: YamlSource, entry: Segment | None, cmd: Segment | None, v1: bool,
                 extra: dict, held: Callable[[Word], list[H.Held] | None] | None = None,
                 held_argv: Callable[[Word], list[H.Held] | None] | None = None) -> list[CommandLine]:
    """Server command lines of one container: the binary in the entrypoint (its options there or in
    the command), in the command (after an entrypoint that only wraps it), options alone in the
    command of a Triton image, or a ``sh -c`` script in either. Tokens never move between them.
    ``held``: the words a variable expanded in a ``sh -c`` script holds (the container's environment);
    ``held_argv``: the same for an item of the lists themselves (Kubernetes' ``$(NAME)``)."""
    out: list[CommandLine] = []
    text = src.text
    if entry is not None and is_reset(entry):
        entry = None

    def line(segs: list[Segment], server: Word | None) -> CommandLine:
        is_v1 = v1 or (server is not None and C.is_v1_binary(server.value))
        return CommandLine(text, segs, server, is_v1, segs[0].label, dict(extra))

    def from_server(seg: Segment, server: Word) -> Segment:
        return Segment(seg.words[seg.words.index(server):], seg.syntax, seg.label)

    def line_of(segs: list[Segment], server: Word | None) -> CommandLine:
        if held_argv is not None:
            segs = [part for seg in segs for part in H.splice(seg.words, seg.syntax, seg.label, held_argv)]
        return line(segs, server)

    if entry is not None:
        i = C.command_index(entry.words + (cmd.words if cmd else []))
        if i is not None and i < len(entry.words):
            server = C.server_word(entry.words[i:])
            if server is not None:
                out.append(line_of([from_server(entry, server)] + ([cmd] if cmd else []), server))
        elif i is not None and cmd is not None:
            server = C.server_word(cmd.words[i - len(entry.words):])
            if server is not None:
                out.append(line_of([from_server(cmd, server)], server))
    elif cmd is not None:
        server = C.server_word(cmd.words)
        if server is not None:
            out.append(line_of([from_server(cmd, server)], server))
        elif cmd.words and cmd.words[0].value.startswith("--"):
            out.append(line_of([cmd], None))
    for site in nested_sites(src, [entry, cmd], text, True):
        server = C.server_word(site.words)
        if server is None:
            continue
        if held is None:
            out.append(line([from_server(site.segment, server)], server))
        else:
            seg = site.segment
            out.append(line(H.splice(seg.words[seg.words.index(server):], seg.syntax, seg.label, held), server))
    return out


def unique_sites(sites: list[CommandSite]) -> list[CommandSite]:
    """``sites`` without repeats (the same words reached twice, e.g. through an alias), in order."""
    seen: set[tuple[int, ...]] = set()
    out: list[CommandSite] = []
    for site in sites:
        key = tuple(id(w) for w in site.words)
        if key not in seen:
            seen.add(key)
            out.append(site)
    return out


def line_words(lines: list[CommandLine]) -> list[int]:
    """Where the words of ``lines`` written in this file start (the lists the verify step lets change
    length, wherever they are written: under an ``x-`` anchor, a values key a template expands)."""
    return [w.start for cl in lines for seg in cl.segments for w in seg.words if not is_foreign(w.span)]


def owners(lines) -> dict[int, object]:
    """``id(line)`` -> the first owner paired with it, for (server line, owner) pairs."""
    out: dict[int, object] = {}
    for cl, owner in lines:
        out.setdefault(id(cl), owner)
    return out


def env_values(src: YamlSource, env: Node | None) -> list[tuple[str, Word | None]]:
    """Each variable of an ``environment:`` (compose), ``env:`` (GitHub Actions) or ``variables:``
    (GitLab) - a mapping or a ``NAME=value`` list - and the word of its string value (None: no
    value, or not a string written where it can be edited). A mapping's ``<<`` merges are resolved: a
    value merged in is the word where the merged mapping writes it."""
    out: list[tuple[str, Word | None]] = []
    if isinstance(env, MappingNode):
        for k, v in items(env):
            if not isinstance(k, ScalarNode):
                continue
            sc = src.scalar(v) if isinstance(v, ScalarNode) else None
            ok = sc is not None and sc.is_str and sc.offsets is not None
            out.append((str(k.value), item_word(sc) if ok else None))
    elif isinstance(env, SequenceNode):
        for item in env.value:
            if isinstance(item, ScalarNode):
                sc = src.scalar(item)
                name, eq, _ = str(item.value).partition("=")
                ok = eq and sc.offsets is not None
                out.append((name, sub_word(item_word(sc), len(name) + 1) if ok else None))
    return out


def build_arguments(src: YamlSource, args: Node | None, dockerfile: str) -> list[BuildArgument]:
    """The values a build gives to the build arguments of ``dockerfile``: a mapping (compose ``args:``,
    Skaffold ``buildArgs:``) or a list of ``NAME=value`` (compose)."""
    if isinstance(args, MappingNode):
        pairs = [(str(k.value), v) for k, v in args.value if isinstance(k, ScalarNode)]
    elif isinstance(args, SequenceNode):
        pairs = [(None, v) for v in args.value]
    else:
        return []
    out = []
    for name, node in pairs:
        if not isinstance(node, ScalarNode) or node.value is None or "$" in str(node.value):
            continue  # no value (taken from the environment), or interpolated
        sc = src.scalar(node)
        text, offsets = sc.value, sc.offsets
        if name is None:  # ``- NAME=value``
            name, eq, _ = text.partition("=")
            if not eq:
                continue
            text, offsets = text[len(name) + 1:], offsets[len(name) + 1:] if offsets is not None else None
        if not text:
            continue
        editable = isinstance(offsets, range) and sc.style not in ("|", ">")
        span = Span(offsets[0], offsets[-1] + 1) if editable else Span(sc.start, sc.end)
        out.append(BuildArgument(name, text, span, dockerfile, editable))
    return out
