"""``--show-files`` and ``--show-settings``, as ruff has them: what a run would read (each file with
its kind, or why it would be passed over), and the settings that apply to one file. Nothing is
processed or written."""

from __future__ import annotations

import json
import os
import sys

from .. import kinds
from ..discover import Discovery, Excludes
from ..settings import Settings
from . import schedule
from .scan import MAX_BYTES, err


def _skipped(path: str) -> tuple[str | None, str | None]:
    """(kind, None) for a file a run reads, or (None, why it is passed over)."""
    from ..atomic import open_regular, read_regular  # never opens a FIFO, socket or device
    from ..ownreport import report_format

    try:
        fd, st = open_regular(path)
        try:
            head = os.read(fd, 8192)
        finally:
            os.close(fd)
    except OSError as e:
        return None, f"cannot read: {e.strerror or e}"
    if st.st_size > MAX_BYTES:
        return None, "larger than 10 MiB"
    if b"\0" in head:
        return None, "not text (NUL bytes)"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"#", b":") or b": TDM" in head:
        try:
            fmt = report_format(read_regular(path, MAX_BYTES)[0])
        except OSError as e:
            return None, f"cannot read: {e.strerror or e}"
        if fmt is not None:
            return None, f"a {fmt} report of triton-docker-migrate"
    return kinds.kind_of(path, head), None


def show_files(paths: list[str], settings: Settings) -> int:
    """Every file the run would read, sorted by path: ``path<TAB>kind``, or ``path<TAB>skipped: why``
    for one it would pass over whatever it holds (with ``--format json``: an array of objects)."""
    kinds.ENTRYPOINT_SCRIPTS.clear()
    kinds.forget_charts()
    code = 0
    present = []
    for p in paths:
        if os.path.lexists(p):
            present.append(p)
        else:
            err(f"{p}: error: no such file or directory")
            code = 2
    rows = []
    for c in Discovery(present, Excludes(settings), warn=err, on_directory=schedule.on_directory):
        kind, why = _skipped(c.path)
        rows.append((c.display, kind, why))
    rows.sort()
    from ..report.terminal import name, utf8

    if settings.output_format == "json":  # UTF-8 whatever the names hold (as the JSON report)
        out = utf8(json.dumps([{"path": p, "kind": k, "skipped": w} for p, k, w in rows], indent=2,
                              ensure_ascii=False) + "\n", json=True)
    else:  # one line per file, whatever its name holds (as the text report)
        out = "".join(f"{name(p)}\t{k if w is None else 'skipped: ' + w}\n" for p, k, w in rows)
    from ..report.stream import write

    write(sys.stdout, out)
    return code


def show_settings(path: str, settings: Settings) -> int:
    """The settings that apply to ``path`` (a file, or the files directly in a folder), with the
    configuration file they come from, in the configuration's own key names."""
    from ..pipeline import per_file_ignored

    folder = os.path.abspath(path) if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    s = settings.for_dir(folder)
    if settings.resolver is not None:
        for e in settings.resolver.take_errors():
            err(e)
            return 2
    is_file = os.path.isfile(path)
    display = path.replace(os.sep, "/")
    fixed = settings.resolver is not None and settings.resolver.fixed is not None
    values = {
        "path": display,
        "kind": _skipped(path)[0] if is_file else None,
        "configuration": s.config_path,
        "configuration-from": "--config" if fixed else "search" if s.config_path else None,
        "target-version": str(s.target),
        "select": list(s.select),
        "ignore": list(s.ignore),
        "exclude": list(s.exclude),
        "extend-exclude": list(s.extend_exclude),
        "per-file-ignores": {g: list(r) for g, r in s.per_file_ignores},
        "per-file-ignores-here": sorted(per_file_ignored(display, s)) if is_file else None,
        "severity": dict(s.severity),
        "failure-threshold": s.threshold,
        "side-by-side-suffix": s.side_by_side_suffix,
        "side-by-side-port-offset": s.side_by_side_port_offset,
        "mode": {"yes": "fix", "diff": "diff", "check": "check", "diff-check": "diff and check"}[s.write_back.value],
        "format": s.output_format,
    }
    if settings.output_format == "json":
        out = json.dumps(values, indent=2, ensure_ascii=False) + "\n"
    else:
        lines = [f"# settings for {display}" + (f" ({values['kind']})" if values["kind"] else "")]
        if s.config_path:
            lines.append(f"# from {s.config_path}" + (" (--config)" if fixed else ""))
        else:
            lines.append("# no configuration file applies: defaults and flags")
        for key in ("target-version", "select", "ignore", "exclude", "extend-exclude", "failure-threshold"):
            lines.append(f"{key} = {_toml(values[key])}")
        lines.append("per-file-ignores = " + _toml(values["per-file-ignores"]))
        if is_file:
            lines.append(f"# per-file-ignores for this file: {_toml(values['per-file-ignores-here'])}")
        lines.append("severity = " + _toml(values["severity"]))
        for key in ("side-by-side-suffix", "side-by-side-port-offset"):
            lines.append(f"{key} = {_toml(values[key])}")
        out = "\n".join(lines) + "\n"
    from ..report.stream import write

    write(sys.stdout, out)
    return 0


def _toml(v) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(x)}" for k, x in v.items()) + "}"
    return json.dumps(v, ensure_ascii=False)
