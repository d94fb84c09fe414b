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
    #: keep V1 services/objects and add their migrated V2 copies beside them (CONTRACT.md)
    side_by_side: bool = False
    side_by_side_suffix: str = "-v2"  #: the copy's name is the original's with this suffix
    side_by_side_port_offset: int = 100  #: the copy's host ports are this much higher (or a multiple)
    retire_v1: bool = False  #: remove the V1 blocks an earlier --side-by-side run kept
