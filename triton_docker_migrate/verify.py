"""Before anything is written: the new text must parse as the same kind, keep its structure, and
a second pass over it must want no further edit (black's "assert_stable")."""

from __future__ import annotations

from .documents.base import Document
from .model import ProcessingError
from .release import Release


def verify(old: Document, new_text: str, target: Release, build, keep=None, links=None) -> Document:
    """The document of ``new_text``, once it is known to be safe to write. ``keep(doc, findings)``: the
    filters of the first pass (suppressions, --select/--ignore), so that a fix left out on purpose is
    not taken for a pass that did not converge. ``links``: the run's, as the first pass had them."""
    from .rules.engine import check_document

    try:
        new = build(old.path, new_text)
    except ProcessingError as e:
        raise ProcessingError(f"verification failed: the migrated file does not parse ({e.message})") from None
    same = getattr(old, "same_structure", None)
    if same is not None:
        problem = same(new)
        if problem:
            raise ProcessingError(f"verification failed: {problem}")
    again, _ = check_document(new, target, links=links)
    if keep is not None:
        again = keep(new, again)
    pending = [f for f in again if f.fix is not None]
    if pending:
        f = pending[0]
        raise ProcessingError(
            f"verification failed: a second pass would still apply {f.rule} ({f.message}); "
            f"this is a bug in triton-docker-migrate, please report it with the file")
    return new
