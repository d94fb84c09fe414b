"""0xx: the tool itself - a file it could not process, a suppression that matched nothing."""

from __future__ import annotations

from ..model import Finding, Severity, Span
from .registry import FixAvailability as F
from .registry import rule

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
