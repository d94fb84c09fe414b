"""Frozen run settings: command-line flags merged over the configuration file."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .release import DEFAULT_TARGET, Release


class WriteBack(enum.Enum):
    YES = "yes"  #: write fixes in place
    DIFF = "diff"  #: print a unified diff, write nothing
    CHECK = "check"  #: write nothing, report through the exit code
    DIFF_CHECK = "diff-check"

    @property
    def writes(self) -> bool:
        return self is WriteBack.YES

    @property
    def diff(self) -> bool:
        return self in (WriteBack.DIFF, WriteBack.DIFF_CHECK)


@dataclass(frozen=True)
class Settings:
    target: Release = field(default_factory=lambda: Release(DEFAULT_TARGET))
    write_back: WriteBack = WriteBack.YES
    output_format: str = "text"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on_review: bool = False
    exit_zero: bool = False
    quiet: bool = False
    statistics: bool = False
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    jobs: int = 0  #: worker processes (0: decide from the number of candidates)
    unsafe_fixes: bool = False  #: apply fixes that can change behaviour (client code rewrites)
    client_adapter: str | None = None  #: where the client adapter module goes (None: beside each program)
