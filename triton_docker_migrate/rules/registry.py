"""The rule registry: one Rule per stable id. ``rules``, ``explain``, docs/rules and the checks
all read this table, so a rule cannot exist in one place and be missing in another."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from ..model import Severity


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

    @property
    def family(self) -> str:
        return FAMILIES[self.id[3]]


_ID = re.compile(r"^TDM\d{3}$")
REGISTRY: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if not _ID.match(rule.id):
        raise ValueError(f"bad rule id {rule.id}")
    if rule.id in REGISTRY:
        raise ValueError(f"duplicate rule id {rule.id}")
    REGISTRY[rule.id] = rule
    return rule


def get(rule_id: str) -> Rule:
    return REGISTRY[rule_id]


def all_rules() -> list[Rule]:
    from . import catalog  # noqa: F401  (fills the registry)

    return [REGISTRY[k] for k in sorted(REGISTRY)]


def selected(rule_id: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """``select``/``ignore`` take ids or prefixes (``TDM3`` = the options family, ``ALL``)."""

    def match(pats: tuple[str, ...]) -> bool:
        return any(p == "ALL" or rule_id.startswith(p) for p in pats)

    if select and not match(select):
        return False
    return not (ignore and match(ignore))
