"""Which handler owns a file (CONTRACT.md, "Which handler owns a file"; first match wins).

1 dockerfile, 2 compose, 3 ci, 4 helm (inside a chart; elsewhere by the values shape), 5 kubernetes
(by content), 6 model-config, 7 shell (by name, shebang, or an extension-less script that a
Dockerfile of the run COPYs and runs), 8 makefile, 9 text."""

from __future__ import annotations

import os
import re

_TEMPLATE_SUFFIXES = (".j2", ".jinja", ".tmpl", ".tpl", ".in")
_SHEBANG = re.compile(rb"^#![ \t]*\S*?(?:/|env(?:[ \t]+-\S+)*[ \t]+)(?:sh|bash|dash|ksh|zsh)(?![\w.-])")
_YAML = (".yml", ".yaml")
_COMPOSE = re.compile(r"^(?:docker-)?compose[^/]*\.ya?ml$")
_API_VERSION = re.compile(rb"(?m)(?:^[ \t]*|[{,][ \t\r\n]*)[\"']?apiVersion[\"']?[ \t]*:")
_KIND = re.compile(rb"(?m)(?:^[ \t]*|[{,][ \t\r\n]*)[\"']?kind[\"']?[ \t]*:")
_VALUES_SHAPE = re.compile(rb"(?m)^[ \t]*(?:repository|tag|args|extraArgs)[ \t]*:")

#: absolute directory -> the chart folder it is inside, or None
_CHARTS: dict[str, str | None] = {}
#: real paths of extension-less scripts that a Dockerfile of the run COPYs and runs
ENTRYPOINT_SCRIPTS: set[str] = set()


def chart_root(directory: str) -> str | None:
    """The nearest folder at or above ``directory`` that holds a ``Chart.yaml`` (cached)."""
    d = os.path.abspath(directory)
    if d in _CHARTS:
        return _CHARTS[d]
    found: str | None = None
    seen = []
    while True:
        if d in _CHARTS:
            found = _CHARTS[d]
            break
        seen.append(d)
        if os.path.isfile(os.path.join(d, "Chart.yaml")):
            found = d
            break
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    for s in seen:
        _CHARTS[s] = found
    return found


def forget_charts() -> None:
    """A new run: folders may have gained or lost a Chart.yaml."""
    _CHARTS.clear()


def note_directory(directory: str, has_chart: bool) -> None:
    """Discovery saw ``directory``'s entries: remember a Chart.yaml there without a stat later."""
    if has_chart:
        d = os.path.abspath(directory)
        _CHARTS[d] = d


def kind_by_name(path: str) -> str | None:
    """The kind decided by the path alone, or None (content decides, or text)."""
    path = path.replace(os.sep, "/")
    slash = path.rfind("/")
    name = path[slash + 1:]
    low = name.lower()
    if name == "Dockerfile" or name.startswith("Dockerfile.") or low.endswith(".dockerfile") or \
            name.startswith("Containerfile"):
        return "text" if low.endswith(_TEMPLATE_SUFFIXES) else "dockerfile"
    if _COMPOSE.match(low):
        return "compose"
    if low.endswith(_YAML) and (path.endswith("/.github/workflows/" + name) or path == ".github/workflows/" + name):
        return "ci"
    if name == ".gitlab-ci.yml":
        return "ci"
    if "templates/" in path or low.startswith("values") and low.endswith(".yaml"):
        chart = chart_root(path[:slash] if slash > 0 else ("/" if slash == 0 else "."))
        if chart is not None:
            rel = os.path.relpath(os.path.abspath(path), chart).replace(os.sep, "/")
            if rel.startswith("templates/"):
                return "helm-template"
            if "/" not in rel and low.startswith("values") and low.endswith(".yaml"):
                return "helm-values"
    if name == "config.pbtxt":
        return "model-config"
    if low.endswith((".sh", ".bash")):
        return "shell"
    if name in ("Makefile", "GNUmakefile", "makefile") or low.endswith(".mk"):
        return "makefile"
    return None


#: extensions of source and documentation files: of the text kind whatever they hold, unless a
#: shebang names a shell or another rule of ``kind_by_name`` claims the path (see ``text_by_name``)
_TEXT_EXTENSIONS = frozenset(
    ".py .pyi .ipynb .ts .tsx .js .jsx .mjs .cjs .go .rs .java .kt .kts .scala .groovy .gradle .c .h .cc .cpp .cxx "
    ".hpp .hh .cs .fs .rb .php .pl .pm .lua .r .swift .m .mm .dart .ex .exs .erl .hs .clj .proto .sql .graphql "
    ".md .markdown .rst .txt .adoc .org .tex .html .htm .xml .svg .css .scss .sass .less .vue .svelte "
    ".toml .ini .cfg .conf .properties .csv .tsv .lock .tf .hcl .cmake .bzl .bazel".split())


def text_by_name(path: str) -> bool:
    """True when ``kind_of(path, head)`` is "text" for every ``head`` that does not start with
    ``#!`` (``path`` with ``/`` separators): a cheap test for the bulk of a repository's files."""
    name = path[path.rfind("/") + 1:]
    dot = name.rfind(".")
    if dot <= 0 or name[dot:].lower() not in _TEXT_EXTENSIONS:
        return False
    return not name.startswith(("Dockerfile", "Containerfile")) and "templates/" not in path


def kind_of(path: str, head: bytes) -> str:
    """The kind of a file, by name first, then by a cheap look at its first bytes."""
    k = kind_by_name(path)
    if k is not None:
        return k
    low = path.lower()
    if low.endswith(_YAML + (".json",)):
        if _API_VERSION.search(head) and _KIND.search(head):
            return "kubernetes"
        base = os.path.basename(low)
        if "values" in base and low.endswith(".yaml") and _VALUES_SHAPE.search(head):
            return "helm-values"
    if head.startswith(b"#!") and _SHEBANG.match(head):
        return "shell"
    if ENTRYPOINT_SCRIPTS and is_extensionless(path) and os.path.realpath(path) in ENTRYPOINT_SCRIPTS:
        return "shell"
    return "text"


def is_extensionless(path: str) -> bool:
    name = os.path.basename(path)
    return "." not in name.lstrip(".")


# --- Dockerfiles that COPY a script and run it -------------------------------------------------
_INSTR = re.compile(rb"(?im)^[ \t]*(COPY|ADD|ENTRYPOINT|CMD)[ \t]+((?:[^\n]*\\\r?\n)*[^\n]*)")
_FLAG = re.compile(r"^--[\w-]+(?:=\S*)?$")


def entrypoint_sources(dockerfile_path: str, data: bytes) -> list[str]:
    """Sources (as written, relative to the build context) of files a Dockerfile COPYs or ADDs and
    then runs as ENTRYPOINT or CMD (the first word of either)."""
    copies: list[tuple[list[str], str]] = []
    run: list[str] = []
    for m in _INSTR.finditer(data):
        kw = m.group(1).upper()
        body = re.sub(rb"\\\r?\n", b" ", m.group(2)).decode("utf-8", "replace").strip()
        if kw in (b"COPY", b"ADD"):
            words = _words(body)
            words = [w for w in words if not _FLAG.match(w)]
            if len(words) >= 2:
                copies.append((words[:-1], words[-1]))
        else:
            words = _words(body)
            # the program, and paths among its arguments (`["/sbin/tini", "--", "/serve"]`)
            run.extend(w for i, w in enumerate(words) if i == 0 or w.startswith("/"))
    out: list[str] = []
    for srcs, dest in copies:
        for src in srcs:
            base = src.rstrip("/").rsplit("/", 1)[-1]
            if not base or not is_extensionless(base):
                continue
            targets = {dest} if not dest.endswith("/") else set()
            targets.add(dest.rstrip("/") + "/" + base)
            if any(r in targets for r in run):
                out.append(src)
    return out


def _words(body: str) -> list[str]:
    if body.startswith("["):
        import json

        try:
            v = json.loads(body)
            if isinstance(v, list) and all(isinstance(x, str) for x in v):
                return v
        except ValueError:
            pass
    return body.replace('"', " ").replace("'", " ").split()
