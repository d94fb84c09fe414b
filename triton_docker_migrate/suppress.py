"""Suppression comments (CONTRACT.md, "Suppression").

- ``triton-docker-migrate: ignore[TDM301,TDM302]`` in a comment on the line before the first line
  of the construct that holds a finding suppresses it (a Dockerfile instruction or a shell command
  spanning continuation lines counts as one construct: the comment goes above its first line).
- The same at the end of the finding's own line, in formats with trailing comments (YAML, shell,
  Makefile, config.pbtxt, text) - not after a Dockerfile instruction, where ``#`` mid-line is not
  a comment.
- systemd units, supervisord and setup.cfg files also take ``;`` comment lines.
- In the text kind the marker counts in any comment syntax (``#``, ``//``, ``/* */``, ``<!-- -->``,
  ``--``, ``;``, ``%``, ``REM``...).
- ``triton-docker-migrate: ignore-file`` in a comment in the first five lines skips the file.
- JSON has no comments: JSON files are suppressed through configuration (per-file-ignores) only.
- A suppression removes the finding and its edit. A rule named in a suppression that matches no
  finding is reported as TDM002 (warning) at the comment.

Ids may be given in full (``TDM301``) or as a prefix (``TDM3``: the whole family)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from . import kinds
from .model import Finding, Span

MARKER = re.compile(r"triton-docker-migrate:[ \t]*(?:(?P<file>ignore-file)(?![\w-])|ignore\[(?P<codes>[^\]\r\n]*)\])")
_CODE = re.compile(r"^TDM\d{1,3}$")
FILE_LINES = 5
@dataclass
class Marker:
    start: int  #: document offset of ``triton-docker-migrate:``
    end: int
    line: int  #: 1-based
    standalone: bool  #: the comment is the whole line
    file: bool  #: ignore-file
    codes: tuple[str, ...] = ()
    used: set[str] = field(default_factory=set)

    def covers(self, rule: str) -> str | None:
        for c in self.codes:
            if rule == c or (len(c) < 6 and rule.startswith(c)):
                return c
        return None


def _is_json(doc) -> bool:
    return doc.path.lower().endswith(".json")


def _opener(kind: str, before: str) -> int | None:
    """Where the comment holding the marker starts in ``before`` (the line up to the marker): the
    first of the kind's comment openers (kinds.py) at the start of the line or after a blank, or
    anywhere for kinds whose comments may be of any syntax."""
    row = kinds.get(kind)
    best = None
    for op in row.comments or row.line_comments:
        i = before.find(op)
        while i >= 0 and not row.comments_anywhere and i > 0 and before[i - 1] not in " \t\ufeff":
            i = before.find(op, i + 1)
        if i >= 0 and (best is None or i < best):
            best = i
    return best


def markers(doc) -> list[Marker]:
    cached = getattr(doc, "_tdm_markers", None)
    if cached is not None:
        return cached
    out: list[Marker] = []
    text = doc.text
    if "triton-docker-migrate:" in text and not _is_json(doc):
        kind = doc.kind
        for m in MARKER.finditer(text):
            ls = text.rfind("\n", 0, m.start()) + 1
            before = text[ls:m.start()]
            at = _opener(kind, before)
            if at is None:
                continue
            standalone = before[:at].strip().lstrip("\ufeff") == ""
            if not standalone and not kinds.get(kind).trailing_comments:
                continue  # after a Dockerfile instruction: part of the instruction, not a comment
            line = doc.position(m.start())[0]
            codes: tuple[str, ...] = ()
            if m.group("codes") is not None:
                codes = tuple(c for c in re.split(r"[\s,]+", m.group("codes").strip()) if c)
            out.append(Marker(m.start(), m.end(), line, standalone, m.group("file") is not None, codes))
    try:
        doc._tdm_markers = out
    except AttributeError:
        pass
    return out


def skip_file(doc) -> bool:
    """True when an ``ignore-file`` marker sits in a comment in the first five lines."""
    return any(mk.file and mk.line <= FILE_LINES for mk in markers(doc))


def construct_line(doc, offset: int) -> int:
    """1-based first line of the construct holding ``offset``: the Dockerfile instruction, or the
    logical line (backslash continuations joined) in other kinds; a document may say better
    through ``construct_start(offset)``."""
    hook = getattr(doc, "construct_start", None)
    if hook is not None:
        start = hook(offset)
        if start is not None:
            return doc.position(start)[0]
    instructions = getattr(doc, "instructions", None)
    if instructions:
        for ins in instructions:
            if ins.start <= offset <= max(ins.end, ins.start):
                return ins.line
    ls = doc.line_starts
    k = bisect.bisect_right(ls, offset) - 1
    text = doc.text
    while k > 0:
        prev = text[ls[k - 1]:ls[k]].rstrip("\r\n")
        if not prev.endswith("\\") or prev.endswith("\\\\"):
            break
        k -= 1
    return k + 1


def apply(doc, findings: list[Finding], report_unused: bool = True) -> list[Finding]:
    """``findings`` less the suppressed ones, plus TDM002 for suppressions that matched nothing."""
    from .rules.tool import unused_suppression

    mks = [mk for mk in markers(doc) if not mk.file]
    file_mks = [mk for mk in markers(doc) if mk.file and mk.line > FILE_LINES]
    if not mks and not file_mks:
        return findings
    for mk in mks:
        mk.used = set()
    above: dict[int, list[Marker]] = {}
    trailing: dict[int, list[Marker]] = {}
    for mk in mks:
        if mk.standalone:
            above.setdefault(mk.line + 1, []).append(mk)
        else:
            trailing.setdefault(mk.line, []).append(mk)
    out: list[Finding] = []
    for f in findings:
        if f.span is None or f.rule == "TDM002":
            out.append(f)
            continue
        cands = list(trailing.get(doc.position(f.span.start)[0], ()))
        if above:
            cands += above.get(construct_line(doc, f.span.start), ())
        hit = False
        for mk in cands:
            code = mk.covers(f.rule) or (mk.covers(f.origin) if f.origin else None)
            if code is not None:
                mk.used.add(code)
                hit = True
        if not hit:
            out.append(f)
    if report_unused:
        for mk in mks:
            unused = [c for c in mk.codes if c not in mk.used]
            if not mk.codes:
                msg = "suppression names no rule: write the ids, e.g. ignore[TDM301]"
            elif not unused:
                continue
            else:
                bad = [c for c in unused if not _CODE.match(c)]
                where = "of the line below" if mk.standalone else "on this line"
                msg = (f"unused suppression: {', '.join(unused)} "
                       f"{'matches' if len(unused) == 1 else 'match'} no finding {where}")
                if bad:
                    msg += f" ({', '.join(bad)}: not a rule id)"
            out.append(unused_suppression(Span(mk.start, mk.end), msg))
        for mk in file_mks:
            out.append(unused_suppression(Span(mk.start, mk.end),
                                          f"ignore-file counts only in the first {FILE_LINES} lines; this one is on "
                                          f"line {mk.line}"))
    return out
