"""Before anything is written: the new text must parse as the same kind, keep its structure, and
a second pass over it must want no further edit (black's "assert_stable")."""

from __future__ import annotations

from .documents.base import Document
from .model import ProcessingError
from .release import Release


def verify(old: Document, new_text: str, target: Release, build, keep=None, unsafe: bool = False,
           code_edits=(), links=None) -> Document:
    """The document of ``new_text``, once it is known to be safe to write. ``keep(doc, findings)``: the
    filters of the first pass (suppressions, --select/--ignore), so that a fix left out on purpose is
    not taken for a pass that did not converge. ``code_edits``: the edits of applied unsafe fixes
    (client code rewritten): the structure is compared outside them. ``links``: the run's, as the
    first pass had them (``rules/follow.py``)."""
    from .rules.engine import check_document

    try:
        new = build(old.path, new_text)
    except ProcessingError as e:
        raise ProcessingError(f"verification failed: the migrated file does not parse ({e.message})") from None
    same = getattr(old, "same_structure", None)
    if code_edits and hasattr(old, "same_structure_outside"):
        same = lambda n: old.same_structure_outside(n, list(code_edits))  # noqa: E731
    if same is not None:
        problem = same(new)
        if problem:
            raise ProcessingError(f"verification failed: {problem}")
    again, _ = check_document(new, target, links=links)
    if keep is not None:
        again = keep(new, again)
    pending = [f for f in again if f.fix is not None and (unsafe or not f.fix.unsafe)]
    if pending:
        f = pending[0]
        raise ProcessingError(
            f"verification failed: a second pass would still apply {f.rule} ({f.message}); "
            f"this is a bug in triton-docker-migrate, please report it with the file")
    return new
