"""Go templates (Helm chart templates) read without rendering: every ``{{ ... }}`` action is found
with its exact span and masked by a placeholder of the same length, so that the rest of the file can
be read as YAML with every offset unchanged (CONTRACT.md: "Helm templates by masking, never helm").

- An action alone on its line (with other actions at most) becomes spaces (its line breaks stay):
  ``{{- if .Values.x }}``, ``{{- end }}``, ``{{/* a comment */}}``, ``{{- include "x" . | nindent 4 }}``.
  Whitespace trimming (``{{-``, ``-}}``) changes the rendered layout, never the source's.
- Inside a line, an action that writes nothing (a comment, ``if``/``else``/``end``/``range``/``with``,
  ``$x := ...``) becomes spaces; one that writes a value becomes ``$`` and ``PAD`` characters: a
  value known only at render time, as ``$VAR`` is in a shell (``image: "{{ .Values.image }}"``).
- Each action is read far enough to say what it refers to: the value paths it reads
  (``.Values.image.tag``, ``.`` inside ``range``/``with``, ``$var`` bound by ``:=``), the helpers it
  includes, and the block it opens or closes.

Nothing is evaluated. Lexing follows text/template: strings, raw strings and character constants may
hold ``}}``; a comment starts right after the opening delimiter and ends right before the closing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: what an action that writes a value is masked with, after its ``$``: a character no chart writes
PAD = "\u2063"
#: a value path: ("Values", "image", "tag"); "[]" stands for an item of a list being ranged over
Path = tuple[str, ...]

#: a masked action that writes a value, as the readers see it
PLACEHOLDER = re.compile("\\$" + PAD + "+")

_KEYWORDS = ("if", "else", "end", "range", "with", "define", "block", "break", "continue")
_OPENERS = ("if", "range", "with", "define", "block")
_ASSIGN = re.compile(r"^\s*(\$\w*)\s*(?:,\s*(\$\w*)\s*)?:?=")
_WORD = re.compile(r"[A-Za-z_]\w*")
#: a field chain: ``.Values.a.b``, ``$.Values.a``, ``$v.x``, ``.`` (the dot), ``$`` (the root)
_CHAIN = re.compile(r"(?<![\w.)\]])(\$\w*)?((?:\.[A-Za-z_]\w*)+|\.(?![\w.]))")
_INCLUDE = re.compile(r"\b(?:include|template)\s+\"((?:[^\"\\]|\\.)*)\"")
#: functions that write a value as YAML (the action is a fragment of YAML, not a scalar)
_YAML_FUNCS = re.compile(r"\b(?:toYaml|toJson|toPrettyJson|toRawJson|nindent|indent)\b")


class TemplateSyntaxError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass
class Action:
    """One ``{{ ... }}``."""

    start: int  #: offset of ``{{``
    end: int  #: offset after ``}}``
    inner: str  #: the text between the delimiters and their trim markers
    kind: str  #: "comment", "control" (a keyword), "assign" (``$x := ...``) or "output"
    keyword: str = ""  #: ``if``, ``else``, ``end``, ``range``, ``with``, ``define``, ``block``, ...
    standalone: bool = False  #: nothing but actions and blanks on its line(s)
    refs: list[Path] = field(default_factory=list)  #: value paths it reads, resolved through dot and variables
    includes: list[str] = field(default_factory=list)  #: helpers it includes (``include``/``template``)
    yaml: bool = False  #: writes YAML (``toYaml``, ``nindent``): a fragment, not a scalar
    dot: Path = ()  #: the dot in effect where the action stands
    block: int | None = None  #: index (in ``blocks``) of the innermost block it stands in
    define: str | None = None  #: the helper whose body it stands in

    @property
    def writes(self) -> bool:
        return self.kind == "output"


@dataclass
class Block:
    """``if``/``range``/``with``/``define``/``block`` ... ``end``."""

    opener: int  #: index of the opening action
    closer: int | None  #: index of its ``end`` (None: never closed)
    keyword: str
    path: Path | None  #: what ``range``/``with`` iterates or binds (its pipeline's first path)
    name: str = ""  #: the helper a ``define``/``block`` defines
    parent: int | None = None  #: the block around it (index in ``blocks``)


@dataclass
class Template:
    text: str  #: the original
    masked: str  #: the same length; every action masked
    actions: list[Action]
    blocks: list[Block]
    error: TemplateSyntaxError | None = None  #: an action that never ends (the rest is left as it is)

    def action_at(self, offset: int) -> Action | None:
        lo, hi = 0, len(self.actions)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.actions[mid].end <= offset:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self.actions) and self.actions[lo].start <= offset:
            return self.actions[lo]
        return None

    def overlapping(self, start: int, end: int) -> list[Action]:
        """Actions that share a character with ``[start, end)`` (a point: strictly inside one)."""
        out = []
        lo, hi = 0, len(self.actions)
        while lo < hi:  # the first action that ends after ``start`` (actions follow each other)
            mid = (lo + hi) // 2
            if self.actions[mid].end <= start:
                lo = mid + 1
            else:
                hi = mid
        for i in range(lo, len(self.actions)):
            a = self.actions[i]
            if a.start >= max(end, start + 1):
                break
            if (a.start < end and start < a.end) or (start == end and a.start < start < a.end):
                out.append(a)
        return out

    def defines(self) -> dict[str, tuple[int, int]]:
        """Helper name -> the span of its body (between ``define`` and its ``end``)."""
        out = {}
        for b in self.blocks:
            if b.keyword in ("define", "block") and b.closer is not None and b.name:
                out.setdefault(b.name, (self.actions[b.opener].end, self.actions[b.closer].start))
        return out


# --- lexing ---------------------------------------------------------------------------------------

def _scan_action(text: str, i: int) -> tuple[int, int, int]:
    """(inner start, inner end, action end) of the action at ``text[i:]`` (``{{``)."""
    n = len(text)
    j = i + 2
    if text.startswith("-", j) and j + 1 < n and text[j + 1] in " \t\r\n":
        j += 1
    k = j
    while k < n and text[k] in " \t\r\n":
        k += 1
    if text.startswith("/*", k):
        close = text.find("*/", k + 2)
        if close < 0:
            raise TemplateSyntaxError("unclosed comment", i)
        m = re.compile(r"(?:[ \t\r\n]+-)?\}\}").match(text, close + 2)
        if not m:
            raise TemplateSyntaxError("comment ends without closing the action", i)
        return j, close + 2, m.end()
    k = j
    while k < n:
        c = text[k]
        if c == '"' or c == "'":
            k += 1
            while k < n and text[k] != c:
                if text[k] == "\\":
                    k += 1
                elif text[k] == "\n":
                    raise TemplateSyntaxError("unterminated quoted string in an action", k)
                k += 1
            if k >= n:
                raise TemplateSyntaxError("unterminated quoted string in an action", i)
            k += 1
            continue
        if c == "`":
            close = text.find("`", k + 1)
            if close < 0:
                raise TemplateSyntaxError("unterminated raw string in an action", i)
            k = close + 1
            continue
        if c == "}" and text.startswith("}}", k):
            inner_end = k
            if k - 1 >= j and text[k - 1] == "-" and k - 2 >= j and text[k - 2] in " \t\r\n":
                inner_end = k - 1
            return j, inner_end, k + 2
        if c == "{" and text.startswith("{{", k):
            raise TemplateSyntaxError("an action opens inside another action", k)
        k += 1
    raise TemplateSyntaxError("unclosed action", i)


def _classify(inner: str) -> tuple[str, str]:
    s = inner.strip()
    if s.startswith("/*"):
        return "comment", ""
    m = _WORD.match(s)
    if m and m.group() in _KEYWORDS and (len(s) == m.end() or not s[m.end()].isalnum() and s[m.end()] != "_"):
        return "control", m.group()
    if _ASSIGN.match(s):
        return "assign", ""
    return "output", ""


def mask(text: str) -> Template:
    """Every action of ``text`` found and masked (see the module's docstring)."""
    actions: list[Action] = []
    error: TemplateSyntaxError | None = None
    pos = 0
    while True:
        i = text.find("{{", pos)
        if i < 0:
            break
        try:
            a, b, end = _scan_action(text, i)
        except TemplateSyntaxError as e:
            error = e
            break
        inner = text[a:b]
        kind, keyword = _classify(inner)
        actions.append(Action(i, end, inner, kind, keyword))
        pos = end
    _mark_standalone(text, actions)
    blocks = _scope(actions)
    out = list(text)
    for act in actions:
        if act.keyword in ("define", "block") and act.standalone and (act.start == 0 or text[act.start - 1] == "\n"):
            # a helper's body is read as a YAML document of its own
            out[act.start:act.end] = "---" + "".join(c if c in "\r\n" else " " for c in text[act.start + 3:act.end])
        elif act.standalone or not act.writes:
            for k in range(act.start, act.end):
                if out[k] not in "\r\n":
                    out[k] = " "
        else:
            out[act.start] = "$"
            for k in range(act.start + 1, act.end):
                out[k] = PAD
    return Template(text, "".join(out), actions, blocks, error)


def shown(text: str) -> str:
    """``text`` with every masked value written as ``{{…}}`` again (for messages)."""
    return PLACEHOLDER.sub("{{…}}", text)


def _mark_standalone(text: str, actions: list[Action]) -> None:
    """An action is standalone when every character of the lines it stands on is a blank or
    belongs to an action."""
    k = 0
    while k < len(actions):
        line_start = text.rfind("\n", 0, actions[k].start) + 1
        group = [k]
        pos = actions[k].end
        while True:
            nl = text.find("\n", pos)
            line_end = len(text) if nl < 0 else nl
            m = k + len(group)
            if m < len(actions) and actions[m].start < line_end and not text[pos:actions[m].start].strip():
                group.append(m)
                pos = actions[m].end
                continue
            break
        alone = not text[line_start:actions[k].start].strip() and not text[pos:line_end].strip()
        # blanks between the actions of the group
        for a, b in zip(group, group[1:]):
            if text[actions[a].end:actions[b].start].strip():
                alone = False
        for g in group:
            actions[g].standalone = alone
        k += len(group)


# --- references -----------------------------------------------------------------------------------

def _paths(expr: str, dot: Path, variables: dict[str, Path]) -> list[Path]:
    out: list[Path] = []
    for m in _CHAIN.finditer(_strip_strings(expr)):
        var, chain = m.group(1), m.group(2)
        fields = tuple(f for f in chain.split(".") if f)
        if var is None:
            base = dot
        elif var == "$":
            base = ()
        elif var in variables:
            base = variables[var]
        else:
            continue
        if var is None and chain == ".":
            out.append(dot)
        else:
            out.append(base + fields)
    return out


def _strip_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\'(?:[^\'\\]|\\.)*\'', lambda m: " " * len(m.group()), expr)


def _scope(actions: list[Action]) -> list[Block]:
    """Blocks, and for every action the dot, the variables and the block it stands in."""
    blocks: list[Block] = []
    stack: list[tuple[int, Path, dict[str, Path]]] = []  # (block index, dot outside it, variables outside it)
    dot: Path = ()
    variables: dict[str, Path] = {"$": ()}
    define: str | None = None
    for idx, act in enumerate(actions):
        act.block = stack[-1][0] if stack else None
        act.define = define
        s = act.inner.strip()
        if act.kind == "comment":
            continue
        act.includes = [m.group(1) for m in _INCLUDE.finditer(s)]
        act.yaml = bool(_YAML_FUNCS.search(_strip_strings(s)))
        if act.kind == "control":
            kw = act.keyword
            rest = s[len(kw):]
            if kw == "end":
                if stack:
                    bi, dot, variables = stack.pop()
                    blocks[bi].closer = idx
                    if blocks[bi].keyword in ("define", "block"):
                        define = None
                act.dot = dot
                continue
            if kw == "else":
                act.dot = stack[-1][1] if stack else dot
                act.refs = _paths(rest, act.dot, variables)
                if stack:  # ``else with``/``else if``: a new binding for the rest of the block
                    _, outer_dot, outer_vars = stack[-1]
                    dot, variables = outer_dot, dict(outer_vars)
                    if rest.strip().startswith("with") and act.refs:
                        dot = act.refs[0]
                continue
            act.dot = dot
            if kw in _OPENERS:
                parent = stack[-1][0] if stack else None
                name = ""
                path: Path | None = None
                inner_vars = dict(variables)
                inner_dot = dot
                if kw in ("define", "block"):
                    m = re.match(r'\s*"((?:[^"\\]|\\.)*)"', rest)
                    name = m.group(1) if m else ""
                    define = name
                    inner_dot, inner_vars = (), {"$": ()}  # a helper's dot: what ``include`` passes, the root
                else:
                    body = rest
                    am = _ASSIGN.match(body)
                    if am:
                        body = body[am.end():]
                    refs = _paths(body, dot, variables)
                    act.refs = refs
                    path = refs[0] if refs else None
                    if kw == "with" and path is not None:
                        inner_dot = path
                        if am:
                            inner_vars[am.group(1)] = path
                    elif kw == "range" and path is not None:
                        item = path + ("[]",)
                        inner_dot = item
                        if am and am.group(2):
                            inner_vars[am.group(1)] = path + ("{}key",)
                            inner_vars[am.group(2)] = item
                        elif am:
                            inner_vars[am.group(1)] = item
                blocks.append(Block(idx, None, kw, path, name, parent))
                stack.append((len(blocks) - 1, dot, variables))
                dot, variables = inner_dot, inner_vars
            continue
        act.dot = dot
        am = _ASSIGN.match(s)
        if am:
            refs = _paths(s[am.end():], dot, variables)
            act.refs = refs
            if refs and len(refs) == 1 and not act.includes:
                variables[am.group(1)] = refs[0]
            continue
        act.refs = _paths(s, dot, variables)
    return blocks


# --- reading the masked text as YAML ------------------------------------------------------------

def blank_line(masked: str, offset: int) -> tuple[str, int, int]:
    """``masked`` with the line holding ``offset`` turned to spaces (its line break kept), and that
    line's span."""
    start = masked.rfind("\n", 0, offset) + 1
    nl = masked.find("\n", offset)
    end = len(masked) if nl < 0 else nl
    if end > start and masked[end - 1] == "\r":
        end -= 1
    return masked[:start] + " " * (end - start) + masked[end:], start, end


def block_end(masked: str, start: int) -> int:
    """The end of the lines after the line at ``start`` that are indented deeper than it (its block)."""
    line_end = masked.find("\n", start)
    if line_end < 0:
        return len(masked)
    line = masked[start:line_end]
    indent = len(line) - len(line.lstrip(" "))
    pos = line_end + 1
    end = line_end
    while pos < len(masked):
        nl = masked.find("\n", pos)
        nl = len(masked) if nl < 0 else nl
        body = masked[pos:nl]
        if body.strip():
            if len(body) - len(body.lstrip(" ")) <= indent:
                break
            end = nl
        pos = nl + 1
    return end
