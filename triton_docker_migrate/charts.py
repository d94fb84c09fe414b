"""Helm charts as units of a run (CONTRACT.md, "Which handler owns a file", helm): which folder is a
chart's top, which files belong to it (its values files and templates, and those of its subcharts),
and under which values key each subchart reads its parent's values. A chart is migrated as one
unit: values and the templates that use them together (``documents/helmchart.py`` links them,
``pipeline.process_unit`` runs them).

Only the files' names and each ``Chart.yaml``'s ``name``, ``alias`` and ``dependencies`` are read
here (with YAML safe loading); packaged subcharts (``charts/*.tgz``) are looked into for V1 evidence
without being unpacked."""

from __future__ import annotations

import os
import tarfile
from dataclasses import dataclass, field

from . import evidence, kinds

#: a packaged subchart is read up to this size (members and total), then taken to hold V1
_TGZ_LIMIT = 10 * 1024 * 1024
_MEMBER_SUFFIXES = (".yaml", ".yml", ".tpl", ".json", ".txt")


@dataclass
class SubChart:
    """One chart of a unit: the top chart or a subchart below it."""

    root: str  #: its folder
    prefix: tuple[str, ...] = ()  #: the values key its parents override its values under
    parent: "SubChart | None" = None
    name: str = ""

    def ancestors(self) -> list["SubChart"]:
        out, c = [], self.parent
        while c is not None:
            out.append(c)
            c = c.parent
        return out


@dataclass
class Member:
    path: str  #: path of the file (as the run names it)
    chart: SubChart
    kind: str  #: "helm-values" or "helm-template"


@dataclass
class Unit:
    """A top chart with its subcharts: the files migrated together."""

    root: str
    charts: list[SubChart] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    packaged_v1: list[str] = field(default_factory=list)  #: packaged subcharts that hold V1 evidence


def top_of(path: str) -> str | None:
    """The top chart folder of a file inside a chart: above a subchart (``<top>/charts/<sub>/``)."""
    d = os.path.dirname(os.path.abspath(path))
    root = kinds.chart_root(d)
    if root is None:
        return None
    while True:
        parent = os.path.dirname(root)
        if os.path.basename(parent) != "charts":
            return root
        above = os.path.dirname(parent)
        if not os.path.isfile(os.path.join(above, "Chart.yaml")):
            return root
        root = above


def unit_of(top: str, base: str | None = None) -> Unit:
    """The unit of the chart at ``top``: its files, with paths written relative to ``base`` when
    ``base`` is given (as the run names them), else as found."""
    unit = Unit(top)
    _collect(unit, SubChart(top, (), None, _chart_meta(top)[0]), base)
    return unit


#: Chart.yaml files read, by (path, modification time, size): a chart's templates ask it once per container
_CHART_DATA: dict[tuple[str, int, int], dict | None] = {}


def _chart_data(folder: str) -> dict | None:
    """The chart's ``Chart.yaml`` as data (None: unreadable, or not a mapping)."""
    path = os.path.join(folder, "Chart.yaml")
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _CHART_DATA:
        _CHART_DATA[key] = _read_chart_data(path)
    return _CHART_DATA[key]


def _read_chart_data(path: str) -> dict | None:
    try:
        import yaml

        from .atomic import read_regular  # never a FIFO, socket or device

        data = yaml.load(read_regular(path, 1 << 20)[0], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:  # noqa: BLE001 - an unreadable Chart.yaml names nothing
        return None
    return data if isinstance(data, dict) else None


def chart_field(folder: str, key: str):
    """A top-level field of the chart's ``Chart.yaml`` (``appVersion``), None when it has none."""
    data = _chart_data(folder)
    return data.get(key) if data is not None else None


def _chart_meta(folder: str) -> tuple[str, dict[str, str]]:
    """The chart's name and its dependencies' aliases (dependency name -> alias)."""
    data = _chart_data(folder)
    if data is None:
        return os.path.basename(folder), {}
    name = data.get("name") if isinstance(data.get("name"), str) else os.path.basename(folder)
    aliases = {}
    for dep in data.get("dependencies") or []:
        if isinstance(dep, dict) and isinstance(dep.get("name"), str) and isinstance(dep.get("alias"), str):
            aliases[dep["name"]] = dep["alias"]
    return name, aliases


def subchart_keys(unit: Unit) -> dict[str, frozenset[str]]:
    """For each values file of ``unit``: the top-level keys its chart's subcharts read their values
    under (the dependencies of its ``Chart.yaml``, by alias or name, and the charts in ``charts/``).
    ``--side-by-side`` copies only such entries: the rest configures the chart itself."""
    out = {}
    for m in unit.members:
        if m.kind != "helm-values":
            continue
        keys = {c.prefix[-1] for c in unit.charts if c.parent is m.chart and c.prefix}
        keys |= set(_dependency_keys(m.chart.root))
        out[m.path] = frozenset(keys)
    return out


def _dependency_keys(folder: str) -> list[str]:
    deps = chart_field(folder, "dependencies")
    return [str(d.get("alias") or d["name"]) for d in deps or [] if isinstance(d, dict) and isinstance(d.get("name"), str)]


def _collect(unit: Unit, chart: SubChart, base: str | None) -> None:
    unit.charts.append(chart)
    _, aliases = _chart_meta(chart.root)
    try:
        names = sorted(os.listdir(chart.root))
    except OSError:
        return
    for name in names:
        full = os.path.join(chart.root, name)
        low = name.lower()
        if low.startswith("values") and low.endswith(".yaml") and os.path.isfile(full):
            unit.members.append(Member(_shown(full, base), chart, "helm-values"))
    templates = os.path.join(chart.root, "templates")
    for folder, dirs, files in os.walk(templates):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(folder, name)
            if os.path.isfile(full) and not os.path.islink(full):
                unit.members.append(Member(_shown(full, base), chart, "helm-template"))
    charts_dir = os.path.join(chart.root, "charts")
    if os.path.isdir(charts_dir):
        for name in sorted(os.listdir(charts_dir)):
            full = os.path.join(charts_dir, name)
            if os.path.isdir(full) and os.path.isfile(os.path.join(full, "Chart.yaml")):
                sub_name = _chart_meta(full)[0]
                key = aliases.get(sub_name, sub_name)
                _collect(unit, SubChart(full, chart.prefix + (key,), chart, sub_name), base)
            elif name.endswith((".tgz", ".tar.gz")) and os.path.isfile(full) and packaged_holds_v1(full):
                unit.packaged_v1.append(_shown(full, base))


def is_values_member(path: str, chart: str) -> bool:
    """``path`` is a values file of the chart at ``chart`` (a ``values*.yaml`` beside its ``Chart.yaml``: the run
    migrates it with the chart); a file elsewhere, even below the chart's folder (``chart/env/prod.yaml``), is not."""
    name = os.path.basename(path).lower()
    return os.path.dirname(os.path.abspath(path)) == os.path.abspath(chart) and name.startswith("values") \
        and name.endswith(".yaml")


def _shown(full: str, base: str | None) -> str:
    if base is None:
        return full
    rel = os.path.relpath(full, base)
    return full if rel.startswith("..") else rel


def packaged_holds_v1(path: str) -> bool:
    """A packaged subchart (``charts/x.tgz``) whose templates or values hold V1 evidence. It is never
    unpacked; one that cannot be read, or is too large to read, is taken to hold V1 (it cannot be
    known otherwise, and the unit is then only reported)."""
    try:
        if os.path.getsize(path) > _TGZ_LIMIT:
            return True
        total = 0
        with tarfile.open(path, "r:gz") as tar:
            for m in tar:
                if not m.isfile() or not m.name.lower().endswith(_MEMBER_SUFFIXES):
                    continue
                total += m.size
                if total > _TGZ_LIMIT:
                    return True
                f = tar.extractfile(m)
                if f is not None and evidence.strong(f.read(m.size)):
                    return True
    except (OSError, tarfile.TarError, EOFError):
        return True
    return False
