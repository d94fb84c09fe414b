"""A reserve of address space for the moment memory runs out.

Under a memory limit (``ulimit -v``) a file too large for the memory left is that file's TDM001
error and the run goes on (``pipeline.process_file``). CPython 3.11 can fail to get there: the
frames a MemoryError unwinds keep their objects, and an exception handler that needs one more small
object finds none and retries forever (``_reserve.c`` says how). The optional C part holds a reserve
that is given back the moment an allocation fails, so that the unwinding has room; ``keep`` holds it
again once the file's memory is released. Without the C part (no compiler at install) there is no
reserve: the run is the same, except that such a limit can stop it.
"""

from __future__ import annotations

#: room for a MemoryError to unwind through every frame of a file's processing (tracebacks, handlers)
RESERVE = 16 << 20

try:
    from ._reserve import keep as _keep
except ImportError:  # built without a compiler
    def _keep(size: int) -> bool:
        return False


def keep() -> bool:
    """Hold the reserve (again, when an allocation failure gave it back); True when it is held."""
    return _keep(RESERVE)
