"""Configuration: ``[tool.triton-docker-migrate]`` in the nearest pyproject.toml upwards from the
current directory, or ``.triton-docker-migrate.toml`` (same keys, no table); the first found wins,
``--config FILE`` overrides both. Flags win over every key."""

from __future__ import annotations

import os
from typing import Any

KEYS = {"target-version", "select", "ignore", "exclude", "extend-exclude", "fail-on-review", "per-file-ignores"}
TABLE = "triton-docker-migrate"
OWN_FILE = ".triton-docker-migrate.toml"


class ConfigError(ValueError):
    pass


def find_config(start: str | None = None) -> str | None:
    d = os.path.abspath(start or os.getcwd())
    while True:
        pp = os.path.join(d, "pyproject.toml")
        if os.path.isfile(pp) and TABLE in _read(pp).get("tool", {}):
            return pp
        own = os.path.join(d, OWN_FILE)
        if os.path.isfile(own):
            return own
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _read(path: str) -> dict[str, Any]:
    import tomllib

    from .syntax.tomlspans import MAX_NESTING, nesting_depth

    try:
        with open(path, "rb") as f:
            data = f.read()
        text = data.decode("utf-8")
        if nesting_depth(text)[0] > MAX_NESTING:  # tomllib reads nesting by recursion
            raise ConfigError(f"{path}: error: not valid TOML: nested more than {MAX_NESTING} levels deep")
        return tomllib.loads(text)
    except OSError as e:
        raise ConfigError(f"{path}: error: cannot read configuration: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: error: not valid UTF-8 (byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: error: not valid TOML: {e}") from None


def load(path: str | None) -> dict[str, Any]:
    """The configuration table (keys as written, values checked), from ``path`` or the one found
    upwards; ``{}`` when there is none."""
    path = path or find_config()
    if path is None:
        return {}
    data = _read(path)
    if os.path.basename(path) == "pyproject.toml" or "tool" in data:
        table = data.get("tool", {})
        data = table.get(TABLE, {}) if isinstance(table, dict) else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: error: [tool.{TABLE}] must be a table")
    unknown = set(data) - KEYS
    if unknown:
        raise ConfigError(f"{path}: error: unknown configuration key(s): {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(sorted(KEYS))})")
    _check(path, data)
    return data


def _check(path: str, data: dict[str, Any]) -> None:
    def bad(key: str, what: str) -> ConfigError:
        return ConfigError(f"{path}: error: {key} must be {what}")

    def strings(key: str) -> None:
        v = data.get(key)
        if v is None:
            return
        if isinstance(v, str):
            return
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise bad(key, "a list of strings")

    if "target-version" in data:
        tv = data["target-version"]
        if not isinstance(tv, str):
            raise bad("target-version", 'a string such as "24.10"')
        from .release import parse_target

        try:
            parse_target(tv)
        except ValueError as e:
            raise ConfigError(f"{path}: error: target-version: {e}") from None
    for key in ("select", "ignore", "exclude", "extend-exclude"):
        strings(key)
    for key in ("select", "ignore"):
        v = data.get(key)
        for rule in ([v] if isinstance(v, str) else v or []):
            for r in rule.split(","):
                if r.strip() and not _rule_pattern(r.strip()):
                    raise ConfigError(f"{path}: error: {key}: {r.strip()!r} is not a rule id or prefix (e.g. TDM301, TDM3)")
                if r.strip() and not _known(r.strip()):
                    raise ConfigError(f"{path}: error: {key}: {r.strip()!r} names no rule "
                                      f"(see `triton-docker-migrate rules`)")
    if "fail-on-review" in data and not isinstance(data["fail-on-review"], bool):
        raise bad("fail-on-review", "true or false")
    pfi = data.get("per-file-ignores")
    if pfi is not None:
        if not isinstance(pfi, dict):
            raise bad("per-file-ignores", 'a table of glob = ["TDM301", ...]')
        for glob, rules in pfi.items():
            if isinstance(rules, str):
                rules = [rules]
            if not isinstance(rules, list) or not all(isinstance(r, str) and _rule_pattern(r) for r in rules):
                raise bad(f"per-file-ignores[{glob!r}]", 'a list of rule ids (e.g. ["TDM301"])')
            for r in rules:
                if not _known(r):
                    raise ConfigError(f"{path}: error: per-file-ignores[{glob!r}]: {r!r} names no rule "
                                      f"(see `triton-docker-migrate rules`)")


def _known(pattern: str) -> bool:
    from .rules.registry import known

    return known(pattern)


def _rule_pattern(text: str) -> bool:
    import re

    return text == "ALL" or re.fullmatch(r"TDM\d{0,3}", text) is not None
