"""Frozen run settings: command-line flags merged over the configuration file that applies to each
file (``config.Resolver``)."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from typing import Any

from .release import DEFAULT_TARGET, Release

#: folders a walk leaves out unless ``--exclude``/``exclude`` replaces the list (CONTRACT.md,
#: "Command line": ruff's list); a trailing ``/`` matches folders only, at any depth. A folder
#: holding ``pyvenv.cfg`` (a virtual environment, whatever its name) is left out with them.
DEFAULT_EXCLUDES = (".git/", ".hg/", ".svn/", ".venv/", "venv/", ".tox/", ".nox/", "node_modules/",
                    "site-packages/", "__pycache__/", ".mypy_cache/", ".ruff_cache/", "build/", "dist/",
                    ".eggs/", "_build/", "buck-out/")


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
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    jobs: int = 0  #: worker processes (0: decide from the number of candidates)
    unsafe_fixes: bool = False  #: apply fixes that can change behaviour (client code rewrites)
    client_adapter: str | None = None  #: where the client adapter module goes (None: beside each program)
    #: keep V1 services/objects and add their migrated V2 copies beside them (CONTRACT.md)
    side_by_side: bool = False
    side_by_side_suffix: str = "-v2"  #: the copy's name is the original's with this suffix
    side_by_side_port_offset: int = 100  #: the copy's host ports are this much higher (or a multiple)
    retire_v1: bool = False  #: remove the V1 blocks an earlier --side-by-side run kept
    #: exit 1 while a finding of this severity or above remains ("warning" is --fail-on-review)
    failure_threshold: str | None = None
    #: (rule id or prefix, "warning"|"error"): findings of the rule are raised to at least that
    severity: tuple[tuple[str, str], ...] = ()
    #: the configuration file these settings come from (None: none applies)
    config_path: str | None = None
    #: (folder the globs are relative to, or None for names at any depth; globs): what the walk
    #: leaves out; empty: ``exclude`` and ``extend_exclude``, relative to the current directory
    exclude_sources: tuple[tuple[str | None, tuple[str, ...]], ...] = ()
    #: the name the stdin text is processed as (``migrate -``); None: not a stdin run
    stdin_filename: str | None = None
    #: resolves the settings of each file from the configuration that applies to it (None: these
    #: settings apply to every file)
    resolver: Any = field(default=None, compare=False, hash=False, repr=False)

    def for_dir(self, folder: str, names: list[str] | None = None) -> "Settings":
        """The settings of the files in ``folder`` (absolute)."""
        if self.resolver is None:
            return self
        return self.resolver.settings_for_dir(self, folder, names)

    def for_file(self, path: str) -> "Settings":
        if self.resolver is None:
            return self
        return self.resolver.settings_for_dir(self, os.path.dirname(os.path.abspath(path)))

    @property
    def threshold(self) -> str | None:
        """The severity from which a remaining finding fails the run (None: none does)."""
        return self.failure_threshold or ("warning" if self.fail_on_review else None)

    @property
    def default_excludes(self) -> bool:
        return self.exclude == DEFAULT_EXCLUDES

    def exclude_lists(self) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
        if self.exclude_sources:
            return self.exclude_sources
        cwd = os.getcwd()
        return tuple(x for x in ((None if self.default_excludes else cwd, self.exclude),
                                 (cwd, self.extend_exclude)) if x[1])

    def raised(self, rule: str, severity):
        """``severity`` of a finding of ``rule`` after the overrides (the longest matching pattern
        decides; an override never lowers)."""
        if not self.severity:
            return severity
        matches = [(0 if p == "ALL" else len(p), level) for p, level in self.severity
                   if p == "ALL" or rule.startswith(p)]
        if not matches:
            return severity
        best = max(matches, key=lambda m: m[0])
        from .model import Severity

        wanted = Severity(best[1])
        return wanted if wanted.rank > severity.rank else severity
