"""Which handler owns a file (CONTRACT.md, "Which handler owns a file"; first match wins)."""

from __future__ import annotations

import fnmatch
import os
import re

_TEMPLATE_SUFFIXES = (".j2", ".jinja", ".tmpl", ".tpl", ".in")
_SHEBANG = re.compile(rb"^#![ \t]*\S*?(?:/|env[ \t]+)(?:sh|bash|dash|ksh|zsh)\b")
_YAML = (".yml", ".yaml")


def _chart_root(path: str) -> str | None:
    d = os.path.dirname(os.path.abspath(path))
    for _ in range(6):
        if os.path.isfile(os.path.join(d, "Chart.yaml")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return None


def kind_by_name(path: str) -> str | None:
    """The kind decided by the file name alone, or None (content decides, or text)."""
    name = os.path.basename(path)
    low = name.lower()
    parts = path.replace(os.sep, "/").split("/")
    if name == "Dockerfile" or name.startswith("Dockerfile.") or low.endswith((".dockerfile",)) or \
            name.startswith("Containerfile"):
        return "text" if low.endswith(_TEMPLATE_SUFFIXES) else "dockerfile"
    if fnmatch.fnmatch(low, "docker-compose*.y*ml") or fnmatch.fnmatch(low, "compose*.y*ml"):
        if low.endswith(_YAML):
            return "compose"
    if (len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows" and low.endswith(_YAML)) or \
            name == ".gitlab-ci.yml":
        return "ci"
    chart = _chart_root(path)
    if chart is not None:
        rel = os.path.relpath(os.path.abspath(path), chart).replace(os.sep, "/")
        if rel.startswith("templates/"):
            return "helm-template"
        if "/" not in rel and fnmatch.fnmatch(low, "values*.yaml"):
            return "helm-values"
    if name == "config.pbtxt":
        return "model-config"
    if low.endswith((".sh", ".bash")):
        return "shell"
    if name in ("Makefile", "GNUmakefile", "makefile") or low.endswith(".mk"):
        return "makefile"
    return None


def kind_of(path: str, head: bytes) -> str:
    """The kind of a file, by name first, then by a cheap look at its first bytes."""
    k = kind_by_name(path)
    if k is not None:
        return k
    low = path.lower()
    if low.endswith(_YAML + (".json",)):
        if re.search(rb"(?m)^[ \t\"]*apiVersion[\"]?[ \t]*:", head) and re.search(rb"(?m)^[ \t\"]*kind[\"]?[ \t]*:", head):
            return "kubernetes"
        if "values" in os.path.basename(low) and low.endswith(".yaml") and re.search(rb"(?m)^\s*(repository|tag|args)\s*:", head):
            return "helm-values"
    if _SHEBANG.match(head):
        return "shell"
    return "text"
