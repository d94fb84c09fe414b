"""Golden fixtures: ``fixtures/<kind>/<name>`` is an input; ``<name>.out`` the expected bytes
(absent: the file must come out byte-identical); ``<name>.findings`` one line per finding,
``line:col RULE severity[ fixed] message``; ``<name>.args`` extra flags (``--target-version 20.07``,
``--select``/``--ignore``, ``--side-by-side`` with ``--side-by-side-suffix`` and
``--side-by-side-port-offset``, ``--retire-v1``, ``--unsafe-fixes``, ``--client-adapter PATH`` with PATH
relative to the fixture's folder, where the run then stands, as a user's run stands in the folder the
path is relative to)."""

from __future__ import annotations

import contextlib
import os
import pathlib
import shlex

from triton_docker_migrate.release import Release, parse_target
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.settings import Settings

SIDE = (".out", ".findings", ".args")


def inputs(root: pathlib.Path) -> list[pathlib.Path]:
    """The single-file fixtures (``fixtures/trees/`` holds whole trees: tests/test_run_level.py)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in SIDE
                  and (not p.name.startswith(".") or p.name == ".gitlab-ci.yml") and p.name != "Chart.yaml"
                  and p.relative_to(root).parts[0] != "trees")


def settings_for(path: pathlib.Path) -> Settings:
    args_file = path.with_name(path.name + ".args")
    kw = {}
    if args_file.exists():
        args = [p for a in shlex.split(args_file.read_text())
                for p in (a.split("=", 1) if a.startswith("--") and "=" in a else [a])]
        for i, a in enumerate(args):
            if a == "--target-version":
                kw["target"] = parse_target(args[i + 1])
            elif a in ("--select", "--ignore"):
                kw[a[2:]] = tuple(args[i + 1].split(","))
            elif a == "--unsafe-fixes":
                kw["unsafe_fixes"] = True
            elif a == "--client-adapter":
                kw["client_adapter"] = args[i + 1]
            elif a in ("--side-by-side", "--retire-v1"):
                kw[a[2:].replace("-", "_")] = True
            elif a == "--side-by-side-suffix":
                kw["side_by_side_suffix"] = args[i + 1]
            elif a == "--side-by-side-port-offset":
                kw["side_by_side_port_offset"] = int(args[i + 1])
    return Settings(**kw)


def adds_or_removes_units(path: pathlib.Path) -> bool:
    """The fixture runs with --side-by-side or --retire-v1: its output holds more or fewer services
    and objects than its input (tests/test_side_by_side.py judges those)."""
    args_file = path.with_name(path.name + ".args")
    return args_file.exists() and bool({"--side-by-side", "--retire-v1"} & set(shlex.split(args_file.read_text())))


def run_fixture(path: pathlib.Path, settings: Settings | None = None):
    settings = settings or settings_for(path)
    with _in(path.parent if settings.client_adapter else None):
        res = process_file(str(path), path.name, settings, explicit=True)
    return res


@contextlib.contextmanager
def _in(folder: pathlib.Path | None):
    if folder is None:
        yield
        return
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def chart_of(path: pathlib.Path) -> pathlib.Path | None:
    """The top chart folder of a fixture inside a Helm chart (a folder with ``Chart.yaml`` below
    ``fixtures/``), or None."""
    found = None
    for parent in path.parents:
        if parent.name == "fixtures":
            break
        if (parent / "Chart.yaml").exists():
            found = parent
    return found


def migrated_chart(chart: pathlib.Path, dest: pathlib.Path, outputs: bool = True) -> pathlib.Path:
    """A copy of a chart fixture under ``dest`` without the expected-output files, each file as the
    migration leaves it (its ``.out``) when ``outputs``, else as it is."""
    import shutil

    root = dest / chart.name
    for src in chart.rglob("*"):
        if src.is_dir() or src.suffix in SIDE:
            continue
        target = root / src.relative_to(chart)
        target.parent.mkdir(parents=True, exist_ok=True)
        out = src.with_name(src.name + ".out")
        shutil.copyfile(out if outputs and out.exists() else src, target)
    return root


def render_findings(res) -> str:
    lines = []
    for f in sorted(res.findings, key=lambda f: (f.line or 0, f.column or 0, f.rule)):
        pos = f"{f.line}:{f.column}" if f.line else "-"
        lines.append(f"{pos} {f.rule} {f.severity.value}{' fixed' if f.fixed else ''} {f.message}")
    return "".join(line + "\n" for line in lines)


__all__ = ["adds_or_removes_units", "chart_of", "inputs", "migrated_chart", "run_fixture", "render_findings",
           "settings_for", "Release"]
