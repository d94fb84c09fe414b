"""``--format markdown``: the pull-request body for campaign engines (multi-gitter, Sourcegraph Batch
Changes, a GitHub Actions matrix; see docs/campaigns.md).

Sections, in order: a summary table (files scanned, with V1, changed, failed; findings by severity;
target release and tool version), the changed files each with its diff folded in a ``<details>``
block, the findings that need a person (warning and error) grouped by rule with a link to the rule's
page under docs/rules/, and "Rollout": the run-level findings when the run has any, else the
checklist for a gradual move.

GitHub refuses a body longer than 65,536 characters. A report that would be longer is shortened:
diffs first (kept in path order while they fit), then the findings listed under each rule (down to
ten each), then the list of changed files (the change itself holds them all), and only then fewer than ten findings per
rule; a note at the top says what was left out and how to see it all. The size is
counted in UTF-16 code units, which is never less than the count of characters.

Everything read from the tree (paths, messages, suggestions, diffs) is escaped for where it lands:
HTML inside ``<summary>``, backslash escapes in text, code spans and fences longer than any run of
backticks in their content."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .. import __version__
from ..model import FileResult, Severity
from .diff import unified_diff
from .summary import all_findings, summary

LIMIT = 65_536
TOOL = "triton-docker-migrate"
#: findings listed under each rule before the list of changed files is shortened
PER_RULE_FLOOR = 10
#: room kept for the note that says what was cut
_NOTE_ROOM = 1_200


def size(text: str) -> int:
    """Length as GitHub counts it at most: UTF-16 code units (a character outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


# --- escaping -----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\udc80-\udcff]")
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$@&])")


def _printable(s: str) -> str:
    """Control characters and undecodable bytes (surrogate escapes) as ``\\n``, ``\\t``, ``\\xNN``."""

    def one(m: re.Match) -> str:
        c = m.group(0)
        if c == "\n":
            return "\\n"
        if c == "\t":
            return "\\t"
        if c == "\r":
            return "\\r"
        o = ord(c)
        return f"\\x{o - 0xDC00 if o >= 0xDC80 else o:02x}"

    return _CONTROL.sub(one, s)


def _text(s: str) -> str:
    """Inline text: one line, every character that could start markup backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", _printable(s))


def _code(s: str) -> str:
    """An inline code span holding ``s`` literally (one line)."""
    s = _printable(s)
    longest = max((len(r) for r in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith(("`", " ")) or s.endswith(("`", " ")) else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _html(s: str) -> str:
    return html.escape(_printable(s), quote=True)


def _fenced(body: str, info: str) -> str:
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if body and not body.endswith("\n"):
        body += "\n"
    longest = max((len(r) for r in re.findall(r"^ {0,3}(`{3,})", body, re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}{fence}\n"


# --- what the report holds ----------------------------------------------------------------------


def _rules() -> dict:
    from ..rules.registry import REGISTRY, all_rules

    all_rules()
    return REGISTRY


def rule_link(rule_id: str) -> str | None:
    """``docs/rules/<family>.md#tdmxxx`` for a known rule."""
    from ..rules.docs import doc_link

    r = _rules().get(rule_id)
    return None if r is None else doc_link(r)


def _pos(r: FileResult, f) -> str:
    if f.line and f.column:
        return f"{r.path}:{f.line}:{f.column}"
    if f.line:
        return f"{r.path}:{f.line}"
    return r.path


@dataclass(frozen=True)
class Plan:
    """What goes in: ``diffs`` the paths whose diff is shown (None: all), ``per_rule`` the findings
    listed under each rule (None: all), ``files`` the changed files listed (None: all)."""

    diffs: frozenset | None = None
    per_rule: int | None = None
    files: int | None = None


class _Report:
    def __init__(self, results: list[FileResult], settings, limit: int = LIMIT) -> None:
        self.settings = settings
        self.limit = limit
        self.writes = settings.write_back.writes
        self.summary = summary(results)
        registry = _rules()
        self.changed = [r for r in sorted(results, key=lambda r: r.path) if r.changed and r.error is None]
        self.run_level: list[tuple[FileResult, object]] = []
        groups: dict[str, list[tuple[FileResult, object]]] = {}
        for r, f in all_findings(results):
            rule = registry.get(f.rule)
            if rule is not None and rule.run_level:
                self.run_level.append((r, f))
            elif f.severity is not Severity.INFO:
                groups.setdefault(f.rule, []).append((r, f))

        def order(item):
            rule_id, members = item
            return (-max(f.severity.rank for _, f in members), rule_id)

        self.review = sorted(groups.items(), key=order)
        self._diffs: dict[str, str] = {}

    # pieces ------------------------------------------------------------------------------------

    def diff(self, r: FileResult) -> str:
        if r.path not in self._diffs:
            self._diffs[r.path] = unified_diff(r.path, r.original if not r.created else None, r.new or b"")
        return self._diffs[r.path]

    def header(self) -> str:
        t = self.settings.target
        server = t.server_version
        target = f"**{t}**" + (f" (Triton server {server})" if server else "")
        what = "Triton V1 (TensorRT Inference Server) to Triton V2"
        if self.writes:
            lead = f"Migrated from {what} by {TOOL} {__version__} for target release {target}."
        else:
            lead = (f"What {TOOL} {__version__} would change to migrate from {what} for target release "
                    f"{target}; nothing was written.")
        return f"## Triton V1 → V2 migration\n\n{lead}\n\n"

    def table(self) -> str:
        s = self.summary
        f = s["findings"]
        t = self.settings.target
        server = t.server_version
        rows = [
            ("files scanned", s["files_scanned"]),
            ("files with V1", s["files_with_v1"]),
            ("files changed" if self.writes else "files that would change", s["files_changed"]),
            ("files that could not be processed", s["files_failed"]),
            ("findings: error", f["error"]),
            ("findings: warning", f["warning"]),
            ("findings: info", f["info"]),
            ("target release", f"{t}" + (f" (server {server})" if server else "")),
            ("tool", f"{TOOL} {__version__}"),
        ]
        return "| summary | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows) + "\n"

    def file_block(self, r: FileResult, with_diff: bool) -> str:
        fixed = sorted({f.rule for f in r.findings if f.fixed})
        what = (f"{_n(sum(1 for f in r.findings if f.fixed), 'fix', 'fixes')} ({', '.join(fixed)})" if fixed
                else "follow-through edits")
        if r.original is None:
            what = "new file; " + what
        head = f"<details>\n<summary><code>{_html(r.path)}</code> · {_html(r.kind)} · {what}</summary>\n\n"
        if with_diff:
            body = _fenced(self.diff(r), "diff")
        else:
            body = "*Diff left out to keep this report within GitHub's size limit (see the note at the top).*\n"
        return head + body + "\n</details>\n\n"

    def changes(self, plan: Plan) -> str:
        title = "Changed files" if self.writes else "Files that would change"
        out = [f"### {title} ({len(self.changed)})\n\n"]
        if not self.changed:
            out.append("No file changed.\n\n" if self.writes else "No file would change.\n\n")
            return "".join(out)
        shown = self.changed if plan.files is None else self.changed[:plan.files]
        for r in shown:
            out.append(self.file_block(r, plan.diffs is None or r.path in plan.diffs))
        if len(shown) < len(self.changed):
            out.append(f"… and {_n(len(self.changed) - len(shown), 'more changed file')}, not listed here.\n\n")
        return "".join(out)

    def finding_item(self, r: FileResult, f) -> str:
        line = f"- {_code(_pos(r, f))} {_text(f.message)}"
        if f.fixed:
            line += " *(changed by the tool: check it)*" if self.writes else " *(the tool changes this: check it)*"
        if f.suggestion and not f.fixed:
            line += f" — suggestion: {_code(f.suggestion)}"
        return line + "\n"

    def review_section(self, plan: Plan) -> str:
        n = sum(len(m) for _, m in self.review)
        out = [f"### Needs review ({_n(n, 'finding')})\n\n"]
        if not n:
            out.append("Nothing needs a person: every finding is a mechanical change.\n\n")
            return "".join(out)
        registry = _rules()
        for rule_id, members in self.review:
            rule = registry.get(rule_id)
            link = rule_link(rule_id)
            ident = f"[{rule_id}]({link})" if link else rule_id
            counts = {}
            for _, f in members:
                counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
            sev = ", ".join(_n(counts[s], s) for s in ("error", "warning") if s in counts)
            name = f" {_text(rule.name)}" if rule else ""
            out.append(f"#### {ident}{name} ({sev})\n\n")
            if rule is not None:
                out.append(f"{_text(rule.summary)}. `{TOOL} explain {rule_id}` tells more.\n\n")
            shown = members if plan.per_rule is None else members[:plan.per_rule]
            out.extend(self.finding_item(r, f) for r, f in shown)
            if len(shown) < len(members):
                out.append(f"- … and {len(members) - len(shown)} more, not listed here.\n")
            out.append("\n")
        return "".join(out)

    def rollout(self) -> str:
        out = ["### Rollout\n\n"]
        if self.run_level:
            for r, f in self.run_level:
                out.append(f"- {_text(f.message)} ({_code(_pos(r, f))})\n")
            return "".join(out) + "\n"
        out.append("- [ ] Migrate the clients and the servers together, or keep a V1 server running beside the V2 "
                   "one until every client speaks V2 (V2 serves none of V1's `/api/` endpoints).\n"
                   "- [ ] Validate the V2 deployment in a test environment before production.\n"
                   "- [ ] Measure the V2 server with `perf_analyzer` and compare with the V1 server's figures "
                   "(`perf_analyzer` speaks only V2; V1's `perf_client` measures the V1 server).\n\n")
        return "".join(out)

    def note(self, plan: Plan) -> str:
        cut = []
        listed = self.changed if plan.files is None else self.changed[:plan.files]
        if plan.diffs is not None:
            n = sum(1 for r in listed if r.path not in plan.diffs)
            if n:
                cut.append(f"the diffs of {_n(n, 'file')}")
        if plan.per_rule is not None:
            n = sum(max(0, len(m) - plan.per_rule) for _, m in self.review)
            if n:
                cut.append(_n(n, "finding"))
        if plan.files is not None and plan.files < len(self.changed):
            cut.append(_n(len(self.changed) - plan.files, "changed file"))
        if not cut:
            return ""
        what = ", ".join(cut[:-1]) + (" and " if len(cut) > 1 else "") + cut[-1]
        how = ("this change's own diff holds every edit; for every diff and finding, run "
               f"`{TOOL} migrate --diff` on the same paths of the tree before the change"
               if self.writes else
               f"run `{TOOL} migrate --diff` on the same paths: it prints every diff and every finding")
        return (f"> **Shortened** to fit GitHub's limit of {self.limit:,} characters; left out: {what}. "
                f"To see it all, {how}.\n\n")

    def render(self, plan: Plan) -> str:
        return (self.header() + self.note(plan) + self.table() + self.changes(plan) + self.review_section(plan)
                + self.rollout())


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _largest(lo: int, hi: int, fits) -> int | None:
    """The largest n in [lo, hi] with fits(n), assuming fits is monotone decreasing; None if none."""
    if not fits(lo):
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def render_limited(results: list[FileResult], settings, limit: int = LIMIT) -> str:
    rep = _Report(results, settings, limit)
    full = rep.render(Plan())
    if size(full) <= limit:
        return full
    budget = max(0, limit - _NOTE_ROOM)

    def fits(plan: Plan) -> bool:
        return size(rep.render(plan)) <= budget

    # 1. diffs: without any, then each one added back in path order while it fits
    none = Plan(diffs=frozenset())
    base = size(rep.render(none))
    if base <= budget:
        kept: set[str] = set()
        total = base
        for r in rep.changed:
            extra = size(rep.file_block(r, True)) - size(rep.file_block(r, False))
            if total + extra <= budget:
                kept.add(r.path)
                total += extra
        plan = Plan(diffs=frozenset(kept))
    else:
        # 2. long finding lists: as many findings under each rule as fit, at least PER_RULE_FLOOR
        longest = max((len(m) for _, m in rep.review), default=0)
        floor = min(PER_RULE_FLOOR, longest)
        k = _largest(floor, longest, lambda n: fits(Plan(diffs=frozenset(), per_rule=n)))
        if k is not None:
            plan = Plan(diffs=frozenset(), per_rule=k)
        else:
            # 3. the list of changed files (the change itself holds them all), 4. then fewer findings
            m = _largest(0, len(rep.changed), lambda n: fits(Plan(diffs=frozenset(), per_rule=floor, files=n)))
            if m is not None:
                plan = Plan(diffs=frozenset(), per_rule=floor, files=m)
            else:
                k = _largest(0, floor, lambda n: fits(Plan(diffs=frozenset(), per_rule=n, files=0)))
                plan = Plan(diffs=frozenset(), per_rule=k or 0, files=0)
    text = rep.render(plan)
    if size(text) > limit:  # only when the rule headings alone are too long: cut the text itself
        end = "\n\n*… cut here to fit GitHub's size limit.*\n"
        cut = text[:max(0, limit - size(end))]
        while size(cut) + size(end) > limit:
            cut = cut[:-1]
        text = cut + end
    return text


def render(results: list[FileResult], settings) -> str:
    return render_limited(results, settings, LIMIT)
