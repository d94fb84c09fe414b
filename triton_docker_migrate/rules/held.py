"""Holding a server command line on V1 whole: none of its fixes is applied, nor those of what must move with it.

A line is held when part of it cannot move: its image stays V1 (TDM105, TDM109: ``rules/images.py``), or the
document refuses the fix that removes an option V2 refuses to start with (``rules/engine.py``). A V2 line on a
V1 image, or a V2 line that keeps a V1-only option, does not start; the V1 line still does. A chart's image and
command line are held the same way, as one unit (TDM108, ``rules/charts.py``).
"""

from __future__ import annotations

import re
from typing import Callable

from ..documents.sites import is_foreign
from ..model import Finding, Severity


def hold(f: Finding, note: str) -> None:
    """The finding's fix is not applied: what it would write is its suggestion, ``note`` says why."""
    if f.fix is None:
        return
    edits = " ".join(e.content for e in f.fix.edits if e.content).strip()
    f.suggestion = f.suggestion or edits or f.fix.title
    f.fix = None
    if f.severity is Severity.INFO:
        f.severity = Severity.WARNING
    f.message += note


def hold_line(ctx, cl, note: str, within: Callable[[int], bool] | None = None, images: bool = False,
              keep: frozenset[int] = frozenset()) -> None:
    """Hold server line ``cl`` of ``ctx``'s document: the fixes of its transform, those with an edit where the line
    writes its words (``CommandLine.places``: a constant that names its binary too), and those that start where
    ``within`` says (what runs with it on its image); ``images``: the fixes of the images the line runs on too
    (TDM101). Another server line that shares a held edit (one constant names the binary of both) is held as
    well: it would be left half moved. ``keep``: ids of findings left as they are."""
    lines = {id(c): (c, r) for c, r in ctx.server_lines()}
    text = ctx.doc.text
    todo, done = [cl], set()
    while todo:
        line = todo.pop()
        if id(line) in done:
            continue
        done.add(id(line))
        res = ctx.transform(line)
        own = {id(g) for g in res.findings}
        places = line.places()
        name = _named_binary(line)
        if name is not None:  # ``f"{BIN} ..."``: the binary is renamed where the name is assigned
            assigned = re.compile(r"(?m)^[ \t]*" + re.escape(name) + r"[ \t]*(?::[^=\n]*)?=(?!=)")
            places += [(m.start(), text.find("\n", m.end()) % (len(text) + 1)) for m in assigned.finditer(text)]
        lo = min((a for a, _b in places), default=0)
        hi = max((b for _a, b in places), default=0)
        shown = [img for img in line.images if not is_foreign(img)] if images else []
        held = []
        for g in ctx.found:
            if g.fix is None or id(g) in keep:
                continue
            if g.rule.startswith("TDM1"):
                if not (g.rule == "TDM101" and g.span is not None and any(g.span.overlaps(i) for i in shown)):
                    continue
            elif not (id(g) in own or any(a < e.span.end and e.span.start < b or a <= e.span.start < b
                                          for e in g.fix.edits for a, b in places)
                      or g.span is not None and (lo <= g.span.start < hi or within is not None and within(g.span.start))):
                continue
            held.extend(e.span for e in g.fix.edits)
            hold(g, note)
        for other, _res in lines.values():
            if id(other) not in done and not other.report_only and (
                    name is not None and _named_binary(other) == name
                    or any(a < s.end and s.start < b or a <= s.start < b for s in held for a, b in other.places())):
                todo.append(other)


def _named_binary(cl) -> str | None:
    """The name whose value a line's binary word is (``{BIN}`` of an f-string, ``$BIN``), if it is one."""
    b = cl.binary
    m = _NAME_WORD.match(b.value) if b is not None and not is_foreign(b.span) else None
    return m.group(1) or m.group(2) if m else None


_NAME_WORD = re.compile(r"^\$(?:\{([A-Za-z_][\w.]*)\}|([A-Za-z_]\w*))$")
