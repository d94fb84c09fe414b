"""Configuration: ``[tool.triton-docker-migrate]`` in the nearest pyproject.toml upwards from the
current directory, or ``.triton-docker-migrate.toml`` (same keys, no table); ``--config`` wins."""

from __future__ import annotations

import os
from typing import Any

KEYS = {"target-version", "select", "ignore", "exclude", "extend-exclude", "fail-on-review", "per-file-ignores"}


class ConfigError(ValueError):
    pass


def find_config(start: str | None = None) -> str | None:
    d = os.path.abspath(start or os.getcwd())
    while True:
        pp = os.path.join(d, "pyproject.toml")
        if os.path.isfile(pp) and "tool" in _read(pp) and "triton-docker-migrate" in _read(pp).get("tool", {}):
            return pp
        own = os.path.join(d, ".triton-docker-migrate.toml")
        if os.path.isfile(own):
            return own
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _read(path: str) -> dict[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: error: cannot read configuration: {e}") from None


def load(path: str | None) -> dict[str, Any]:
    """The configuration table (keys as written), from ``path`` or the one found upwards."""
    path = path or find_config()
    if path is None:
        return {}
    data = _read(path)
    if os.path.basename(path) == "pyproject.toml" or "tool" in data:
        data = data.get("tool", {}).get("triton-docker-migrate", {})
    unknown = set(data) - KEYS
    if unknown:
        raise ConfigError(f"{path}: error: unknown configuration key(s): {', '.join(sorted(unknown))}")
    return data
