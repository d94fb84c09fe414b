"""Configuration, resolved per file as ruff resolves it (CONTRACT.md, "Configuration").

- A file's configuration is the nearest one upwards from its folder: ``.triton-docker-migrate.toml``
  (the keys at the top level) or ``[tool.triton-docker-migrate]`` in a ``pyproject.toml``; in one
  folder the own file wins; a ``pyproject.toml`` without the table is passed over. So a
  sub-project's configuration applies to its own files, whatever the current directory.
- ``--config FILE`` applies to every file of the run and stops the search.
- Paths in a configuration (``exclude``, ``extend-exclude``, ``per-file-ignores``) are relative to
  the folder of the file that holds them; those given as flags, to the current directory.
- Flags win over every key (``--extend-exclude`` adds to ``extend-exclude``).

``Resolver`` does the search (cached per folder and per file, in each process of a run) and turns
a configuration into the ``Settings`` of the files it governs. A configuration file that cannot be
used is a usage error: the first ones (those of the named paths) stop the run before it starts;
one met later is remembered in ``errors`` and stops the run before anything is written."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

KEYS = {"target-version", "select", "ignore", "exclude", "extend-exclude", "fail-on-review", "failure-threshold",
        "per-file-ignores", "severity", "side-by-side-suffix", "side-by-side-port-offset"}
TABLE = "triton-docker-migrate"
OWN_FILE = ".triton-docker-migrate.toml"
PYPROJECT = "pyproject.toml"
THRESHOLDS = ("warning", "error")
#: severities an override may set: it only ever raises a rule's severity (CONTRACT.md, "Severity")
OVERRIDES = ("warning", "error")


class ConfigError(ValueError):
    pass


def _read(path: str) -> dict[str, Any]:
    import tomllib

    from .syntax.tomlspans import MAX_NESTING, nesting_depth

    from .atomic import read_regular  # never a FIFO, socket or device

    try:
        raw = read_regular(path, 10 << 20)[0]
    except OSError as e:
        raise ConfigError(f"{path}: error: cannot read configuration: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: error: not valid UTF-8 (byte {e.start})") from None
    if nesting_depth(text)[0] > MAX_NESTING:  # tomllib reads nesting by recursion
        raise ConfigError(f"{path}: error: not valid TOML: nested more than {MAX_NESTING} levels deep")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: error: not valid TOML: {e}") from None


def _has_table(path: str) -> bool:
    """A ``pyproject.toml`` holds ``[tool.triton-docker-migrate]``. One that is not valid TOML is
    an error only when it names the tool: a broken ``pyproject.toml`` of another project in the tree
    (a test fixture, a vendored package) is none of this tool's business."""
    try:
        data = _read(path)
    except ConfigError:
        from .atomic import read_regular

        try:
            if TABLE.encode() not in read_regular(path, 10 << 20)[0]:
                return False
        except OSError:
            return False
        raise
    tool = data.get("tool")
    return isinstance(tool, dict) and TABLE in tool


def find_config(start: str | None = None) -> str | None:
    """The configuration file that applies to the folder ``start`` (default: the current one)."""
    d = os.path.abspath(start or os.getcwd())
    while True:
        own = os.path.join(d, OWN_FILE)
        if os.path.isfile(own):
            return own
        pp = os.path.join(d, PYPROJECT)
        if os.path.isfile(pp) and _has_table(pp):
            return pp
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def load(path: str | None) -> dict[str, Any]:
    """The configuration table (keys as written, values checked), from ``path`` or the one found
    upwards from the current directory; ``{}`` when there is none."""
    path = path or find_config()
    if path is None:
        return {}
    data = _read(path)
    if os.path.basename(path) == PYPROJECT or "tool" in data:
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
    if "side-by-side-suffix" in data:
        problem = side_by_side_suffix_problem(data["side-by-side-suffix"])
        if problem:
            raise ConfigError(f"{path}: error: side-by-side-suffix: {problem}")
    if "side-by-side-port-offset" in data:
        problem = side_by_side_offset_problem(data["side-by-side-port-offset"])
        if problem:
            raise ConfigError(f"{path}: error: side-by-side-port-offset: {problem}")
    if "fail-on-review" in data and not isinstance(data["fail-on-review"], bool):
        raise bad("fail-on-review", "true or false")
    if "failure-threshold" in data:
        ft = data["failure-threshold"]
        if ft not in THRESHOLDS:
            raise bad("failure-threshold", '"warning" or "error"')
        if data.get("fail-on-review") is True and ft != "warning":
            raise ConfigError(f"{path}: error: fail-on-review = true is failure-threshold = \"warning\"; "
                              f"it contradicts failure-threshold = {ft!r}")
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
    sev = data.get("severity")
    if sev is not None:
        if not isinstance(sev, dict):
            raise bad("severity", 'a table of rule = "warning" or "error" (e.g. TDM317 = "error")')
        for rule, level in sev.items():
            if not _rule_pattern(rule):
                raise ConfigError(f"{path}: error: severity: {rule!r} is not a rule id or prefix (e.g. TDM301, TDM3)")
            if not _known(rule):
                raise ConfigError(f"{path}: error: severity: {rule!r} names no rule (see `triton-docker-migrate rules`)")
            if level not in OVERRIDES:
                raise ConfigError(f"{path}: error: severity[{rule!r}] must be \"warning\" or \"error\" (an override "
                                  f"only raises a rule's severity; nothing lowers it)")


def side_by_side_suffix_problem(value: Any) -> str | None:
    """Why ``value`` cannot be the side-by-side copies' name suffix (None: it can): it becomes part
    of service, object and label names."""
    import re

    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9-]+", value):
        return (f"{value!r} must be lower-case letters, digits and dashes (e.g. \"-v2\"): it becomes part of "
                f"service and object names")
    return None


def side_by_side_offset_problem(value: Any) -> str | None:
    """Why ``value`` cannot be the side-by-side copies' host port offset (None: it can)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60000:
        return f"{value!r} must be a number from 1 to 60000"
    return None


def _rule_pattern(text: str) -> bool:
    import re

    return text == "ALL" or re.fullmatch(r"TDM\d{0,3}", text) is not None


def _known(pattern: str) -> bool:
    from .rules.registry import known

    return known(pattern)


def split(values) -> tuple[str, ...]:
    """Comma-separated lists (from flags or keys) as one tuple."""
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values or ():
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


# --- per-file resolution ------------------------------------------------------------------------

@dataclass(frozen=True)
class Config:
    """One configuration file, read and checked."""

    path: str  #: absolute path of the file
    data: dict  #: its keys (the table of a pyproject.toml)

    @property
    def folder(self) -> str:
        return os.path.dirname(self.path)


_MISSING = object()


class Resolver:
    """Finds the configuration of each folder and gives the settings of the files in it.

    ``flags``: the per-file settings given on the command line, as ``Settings`` field names
    (``target``, ``select``, ``ignore``, ``exclude``, ``extend_exclude``, ``fail_on_review``,
    ``failure_threshold``, ``side_by_side_suffix``, ``side_by_side_port_offset``); ``config_file``:
    ``--config FILE`` (read at once: a bad one is a usage error before the run)."""

    def __init__(self, flags: dict[str, Any] | None = None, config_file: str | None = None,
                 cwd: str | None = None) -> None:
        self.flags = dict(flags or {})
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self.fixed: Config | None = None
        if config_file is not None:
            self.fixed = Config(os.path.join(self.cwd, config_file), load(config_file))
        self._dirs: dict[str, Config | None] = {}
        self._files: dict[str, Config | None] = {}
        self._settings: dict[str | None, Any] = {}
        #: configuration files that could not be used: path -> the error line
        self.errors: dict[str, str] = {}
        self._reported: set[str] = set()

    # the search -------------------------------------------------------------------------------

    def _config_file(self, path: str, own: bool) -> Config | None:
        if path in self._files:
            return self._files[path]
        cfg = None
        try:
            if own or _has_table(path):
                cfg = Config(path, load(path))
        except ConfigError as e:
            self.errors[path] = str(e)
        self._files[path] = cfg
        return cfg

    def config_for_dir(self, folder: str, names: list[str] | None = None) -> Config | None:
        """The configuration of the files in ``folder`` (absolute). ``names``: the folder's entries,
        when the caller has listed it (saves looking for the files)."""
        if self.fixed is not None:
            return self.fixed
        found = self._dirs.get(folder, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        cfg = None
        seen = False
        if names is None or OWN_FILE in names:
            own = os.path.join(folder, OWN_FILE)
            if os.path.isfile(own):
                cfg = self._config_file(own, True)
                seen = True
        if not seen and (names is None or PYPROJECT in names):
            pp = os.path.join(folder, PYPROJECT)
            if os.path.isfile(pp):
                cfg = self._config_file(pp, False)
                seen = cfg is not None or pp in self.errors
        if not seen:
            parent = os.path.dirname(folder)
            cfg = None if parent == folder else self.config_for_dir(parent)
        self._dirs[folder] = cfg
        return cfg

    def take_errors(self) -> list[str]:
        """Errors not handed out yet (a worker process sends its own to the parent)."""
        new = [m for p, m in sorted(self.errors.items()) if p not in self._reported]
        self._reported.update(self.errors)
        return new

    # settings ---------------------------------------------------------------------------------

    def settings_for_dir(self, base, folder: str, names: list[str] | None = None):
        cfg = self.config_for_dir(folder, names)
        key = cfg.path if cfg is not None else None
        s = self._settings.get(key)
        if s is None:
            s = self._settings[key] = self.settings_of(base, cfg)
        return s

    def settings_of(self, base, cfg: Config | None):
        """``base`` (the run's settings) with ``cfg``'s keys and then the flags over the defaults."""
        from dataclasses import replace

        from .release import DEFAULT_TARGET, Release, parse_target
        from .settings import DEFAULT_EXCLUDES

        data = cfg.data if cfg is not None else {}
        folder = cfg.folder if cfg is not None else self.cwd
        f = self.flags
        out: dict[str, Any] = {}
        out["target"] = f["target"] if "target" in f else (
            parse_target(data["target-version"]) if "target-version" in data else Release(DEFAULT_TARGET))
        out["select"] = f["select"] if "select" in f else split(data.get("select", ()))
        out["ignore"] = f["ignore"] if "ignore" in f else split(data.get("ignore", ()))
        if "exclude" in f:
            out["exclude"] = f["exclude"]
            excl_base = self.cwd
        elif "exclude" in data:
            out["exclude"] = split(data["exclude"])
            excl_base = folder
        else:
            out["exclude"] = DEFAULT_EXCLUDES
            excl_base = None
        cfg_extend = split(data.get("extend-exclude", ()))
        flag_extend = f.get("extend_exclude", ())
        out["extend_exclude"] = cfg_extend + flag_extend
        # (folder the globs are relative to - None for the default names, at any depth - , globs)
        out["exclude_sources"] = tuple(x for x in ((excl_base, out["exclude"]), (folder, cfg_extend),
                                                   (self.cwd, flag_extend)) if x[1])
        if "fail_on_review" in f or "failure_threshold" in f:
            out["fail_on_review"] = bool(f.get("fail_on_review"))
            out["failure_threshold"] = f.get("failure_threshold")
        else:
            out["fail_on_review"] = bool(data.get("fail-on-review", False))
            out["failure_threshold"] = data.get("failure-threshold")
        out["per_file_ignores"] = tuple((g, split(r)) for g, r in dict(data.get("per-file-ignores", {})).items())
        out["severity"] = tuple((r, lvl) for r, lvl in dict(data.get("severity", {})).items())
        out["side_by_side_suffix"] = f.get("side_by_side_suffix", data.get("side-by-side-suffix", "-v2"))
        out["side_by_side_port_offset"] = f.get("side_by_side_port_offset", data.get("side-by-side-port-offset", 100))
        out["config_path"] = cfg.path if cfg is not None else None
        return replace(base, resolver=None, **out)
