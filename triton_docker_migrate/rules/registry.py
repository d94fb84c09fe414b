"""The rule registry: one Rule per stable id, declared in the module of its check (or as a data row
of the table its check reads), and the checks the engine runs over each document.

``rules``, ``explain``, docs/rules and the reports all read this table, so a rule cannot exist in
one place and be missing in another."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from ..model import Finding, Fix, Severity, Span


class FixAvailability(str, enum.Enum):
    ALWAYS = "always"  #: every finding carries a fix
    SOMETIMES = "sometimes"  #: a fix when the case is unambiguous, else a suggestion
    NEVER = "never"  #: report only (needs review)


FAMILIES = {
    "0": "tool",
    "1": "images",
    "2": "paths and binaries",
    "3": "server options",
    "4": "endpoints and ports",
    "5": "environment variables",
    "6": "clients",
    "7": "target-release checks",
    "8": "model repository",
}
#: the modules that declare rules and checks, in the order the engine runs their checks
FAMILY_MODULES = ("argv", "releases", "baseimage", "paths", "clients", "images", "charts", "env", "endpoints",
                  "ports", "follow", "modelrepo", "run", "tool", "sidebyside", "residue")


@dataclass(frozen=True)
class Rule:
    id: str  #: ``TDM`` + 3 digits, stable forever
    name: str  #: kebab-case name of the pattern found
    severity: Severity  #: the usual severity (a check may raise or lower it case by case)
    fix: FixAvailability
    summary: str  #: one line
    doc: str  #: the ``explain`` text: what, why, example, fix safety, source
    min_target: str | None = None  #: the rule applies from this target release on
    max_target: str | None = None  #: ... and before this one
    #: its info findings are notes that leave nothing V1 behind, fixed or not (the others: a finding
    #: whose fix is not applied is never info, CONTRACT.md "Severity")
    note: bool = False
    #: its findings are about the whole run (rollout order, campaign notes), not about their line:
    #: info findings placed on the run's first migrated server line (CONTRACT.md "Run-level
    #: findings"); the markdown report shows them in its "Rollout" section
    run_level: bool = False

    @property
    def family(self) -> str:
        return FAMILIES[self.id[3]]

    def finding(self, span: Span | None, message: str, severity: Severity | str | None = None,
                fix: Fix | None = None, suggestion: str | None = None) -> Finding:
        sev = self.severity if severity is None else Severity(severity)
        return Finding(self.id, span, message, sev, fix, suggestion)


_ID = re.compile(r"^TDM\d{3}$")
REGISTRY: dict[str, Rule] = {}


def rule(id: str, name: str, severity: Severity, fix: FixAvailability, summary: str, doc: str,
         min_target: str | None = None, max_target: str | None = None, note: bool = False,
         run_level: bool = False) -> Rule:
    """Declare (and register) a rule."""
    if not _ID.match(id):
        raise ValueError(f"bad rule id {id}")
    if id in REGISTRY:
        raise ValueError(f"duplicate rule id {id}")
    r = REGISTRY[id] = Rule(id, name, severity, fix, summary, doc, min_target, max_target, note, run_level)
    return r


@dataclass(frozen=True)
class Check:
    """A function over one document that yields findings; ``order`` places it among the others
    (command lines first: later checks follow what they learned)."""

    func: Callable[..., Iterable[Finding]]
    order: int


CHECKS: list[Check] = []


def check(order: int) -> Callable:
    """Register the decorated ``func(doc, ctx)`` as a check."""

    def deco(func: Callable) -> Callable:
        CHECKS.append(Check(func, order))
        CHECKS.sort(key=lambda c: c.order)
        return func

    return deco


def load() -> None:
    """Import every family module (each declares its rules and checks)."""
    import importlib

    for name in FAMILY_MODULES:
        importlib.import_module(f"{__package__}.{name}")


def all_rules() -> list[Rule]:
    load()
    return [REGISTRY[k] for k in sorted(REGISTRY)]


def known(pattern: str) -> bool:
    """``pattern`` names a rule or a family of rules (``TDM3``, ``TDM30``, ``TDM301``) or is ``ALL``."""
    if pattern == "ALL":
        return True
    load()
    return any(r.startswith(pattern) for r in REGISTRY)


def selected(rule_id: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """``select``/``ignore`` take ids or prefixes (``TDM3`` = the options family, ``ALL``)."""

    def match(pats: tuple[str, ...]) -> bool:
        return any(p == "ALL" or rule_id.startswith(p) for p in pats)

    if select and not match(select):
        return False
    return not (ignore and match(ignore))
