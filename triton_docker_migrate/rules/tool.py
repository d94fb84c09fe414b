"""0xx: the tool itself - a file it could not process, a suppression that matched nothing."""

from __future__ import annotations

from typing import Iterator

from ..model import Finding, Severity, Span
from .registry import FixAvailability as F
from .registry import check, rule

UNPROCESSABLE = rule(
    "TDM001", "unprocessable-file", Severity.ERROR, F.NEVER, "A file with V1 evidence could not be processed",
    "The file could not be read, decoded, parsed, verified or written (the message says which). "
    "It is left untouched and the run exits 2. Fix the file (or exclude it) and run again.")
UNUSED_SUPPRESSION = rule(
    "TDM002", "unused-suppression", Severity.WARNING, F.NEVER, "A suppression comment matches no finding",
    "A `triton-docker-migrate: ignore[...]` comment suppressed nothing: remove it, or correct the "
    "rule ids it names.")


def unprocessable(message: str, line: int | None = None) -> Finding:
    """The finding of a file that could not be processed."""
    f = UNPROCESSABLE.finding(None, message)
    f.line = line
    return f


def unused_suppression(span: Span, message: str) -> Finding:
    return UNUSED_SUPPRESSION.finding(span, message)


UNREAD_TEMPLATE_LINE = rule(
    "TDM004", "unread-template-line", Severity.WARNING, F.NEVER, "A template line the tool could not read",
    "Helm templates are read as YAML with every `{{ ... }}` action masked by a placeholder of the same length "
    "(the tool never renders a chart). A line that is still not YAML then (a key written by an action, an "
    "`if`/`else` that gives a mapping the same key twice, an action that never closes) is left out: nothing on it "
    "is migrated or checked, and a container with such a line is only reported. Review the line by hand, or "
    "write it so that each branch is YAML on its own. A chart with no V1 (no finding in any of its files, no "
    "strong V1 evidence such as a V1 image) is not reported for such lines, unless the line itself may hold V1 "
    "(a V1 name, a V1-only option, one of V1's own endpoints such as `/api/health/ready`).")


@check(order=5)
def check_unread(doc, ctx) -> Iterator[Finding]:
    """Text the reader could not read: never passed over in silence."""
    for span, why in doc.unread():
        yield UNREAD_TEMPLATE_LINE.finding(span, f"this template line could not be read as YAML with its template "
                                           f"actions masked ({why}): it is neither migrated nor checked; review it")
