"""The one registry of file kinds (CONTRACT.md, "Which handler owns a file"; first match wins).

Each row says how a file is recognised (by its path, or by a cheap look at its first bytes), which
document reader builds it (imported on first use: start-up time), and its comment syntax (whether a
comment may follow code on a line, which the suppression comments rely on). A new file kind is a
reader module under ``documents/`` plus a row here."""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from typing import Callable

_TEMPLATE_SUFFIXES = (".j2", ".jinja", ".tmpl", ".tpl", ".in")
_SHEBANG = re.compile(rb"^#![ \t]*\S*?(?:/|env(?:[ \t]+-\S+)*[ \t]+)(?:sh|bash|dash|ksh|zsh)(?![\w.-])")
_YAML = (".yml", ".yaml")
_COMPOSE = re.compile(r"^(?:docker-)?compose[^/]*\.ya?ml$")
_API_VERSION = re.compile(rb"(?m)(?:^(?:\xef\xbb\xbf)?[ \t]*|[{,][ \t\r\n]*)[\"']?apiVersion[\"']?[ \t]*:")
#: a JSON 6902 patch: its first item is an operation (``- op: add`` in YAML, ``[{"op": "add"`` in JSON)
_JSON_PATCH = re.compile(rb"(?:\xef\xbb\xbf)?(?:[ \t]*(?:#[^\n]*)?\r?\n)*(?:-[ \t]+[\"']?(?P<key>op|path)[\"']?[ \t]*:"
                         rb"|\[\s*\{\s*\"(?P<jkey>op|path)\"\s*:)")
_OP_KEY = re.compile(rb"(?m)(?:^[ \t]+|[{,][ \t\r\n]*)[\"']?op[\"']?[ \t]*:")
_KIND = re.compile(rb"(?m)(?:^(?:\xef\xbb\xbf)?[ \t]*|[{,][ \t\r\n]*)[\"']?kind[\"']?[ \t]*:")
#: a Dockerfile's first instruction (after blank lines, comments and parser directives): a whole FROM
#: line (``from x import y`` is Python), or ARG before it (BuildKit refuses anything else there)
_DOCKERFILE_START = re.compile(rb"(?m)^(?:\xef\xbb\xbf)?(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*(?:"
                               rb"(?i:from)(?:[ \t]+--\S+)*[ \t]+\S+(?:[ \t]+(?i:as)[ \t]+\S+)?[ \t]*\r?$"
                               rb"|(?i:arg)[ \t]+[A-Za-z_]\w*(?:=|[ \t]*\r?$))")
#: a compose file's top-level ``services:`` key
_SERVICES = re.compile(rb"(?m)^(?:\xef\xbb\xbf)?services[ \t]*:[ \t]*(?:#[^\n]*)?\r?$")
#: Google App Engine flexible's ``app.yaml`` of a custom runtime (the Dockerfile beside it is the app's image):
#: top-level ``runtime: custom`` and ``env: flex``
_APP_ENGINE_RUNTIME = re.compile(rb"(?m)^(?:\xef\xbb\xbf)?runtime[ \t]*:[ \t]*[\"']?custom[\"']?[ \t]*(?:#[^\n]*)?\r?$")
_APP_ENGINE_FLEX = re.compile(rb"(?m)^env[ \t]*:[ \t]*[\"']?flex(?:ible)?[\"']?[ \t]*(?:#[^\n]*)?\r?$")
_VALUES_SHAPE = re.compile(rb"(?m)^[ \t]*(?:repository|tag|args|extraArgs|serverArgs|image)[ \t]*:")


@dataclass(frozen=True)
class Path:
    """A path as the rules of the table look at it (``/`` separators)."""

    path: str
    name: str  #: the last component
    low: str  #: ``name`` in lower case


@dataclass(frozen=True)
class Kind:
    name: str  #: the ``kind`` of the reports
    reader: str  #: ``module:callable`` under ``documents/`` that builds the document
    by_name: Callable[[Path], bool] | None = None  #: the path alone decides
    suffixes: tuple[str, ...] = ()  #: name endings (lower case) that make a file of this kind
    sniff: Callable[[Path, bytes], bool] | None = None  #: the path and the first bytes decide
    trailing_comments: bool = True  #: a comment may follow code on the same line
    #: what every path that ``by_name`` claims with a source or documentation extension
    #: (``requirements.txt``, ``supervisor/x.conf``) shows: a lower-case prefix of its file name, or a
    #: folder (a regex for one path component, case-insensitive). ``text_by_name`` asks the row only
    #: then, so the batch run's fast path stays a few string operations per file
    claims_names: tuple[str, ...] = ()
    claims_folders: tuple[str, ...] = ()
    #: what starts a comment line (for a file that could not be read as its kind)
    line_comments: tuple[str, ...] = ("#",)
    #: what opens a comment that may hold a suppression marker (None: ``line_comments``), at the start
    #: of a line or after a blank, or anywhere on the line (``comments_anywhere``: text of any syntax)
    comments: tuple[str, ...] | None = None
    comments_anywhere: bool = False

    def build(self, path: str, text: str):
        return load_reader(self)(path, text)


def load_reader(kind: Kind):
    """The callable that builds a document of ``kind`` (its module imported on first use)."""
    module, _, attr = kind.reader.partition(":")
    return getattr(importlib.import_module(f"{__package__}.documents.{module}"), attr)


# --- by name ---------------------------------------------------------------------------------------

def _dockerfile(p: Path) -> bool:
    low = p.low
    return (low == "dockerfile" or low.startswith("dockerfile.") or low.endswith(".dockerfile")
            or low.startswith("containerfile")) and not low.endswith(_TEMPLATE_SUFFIXES)


def _compose(p: Path) -> bool:
    return bool(_COMPOSE.match(p.low))


def _ci(p: Path) -> bool:
    if p.name == ".gitlab-ci.yml":
        return True
    return p.low.endswith(_YAML) and (p.path.endswith("/.github/workflows/" + p.name)
                                      or p.path == ".github/workflows/" + p.name)


def _chart_relative(p: Path) -> str | None:
    """The path inside its chart, for the files a chart may own."""
    if "templates/" not in p.path and not (p.low.startswith("values") and p.low.endswith(".yaml")):
        return None
    slash = p.path.rfind("/")
    chart = chart_root(p.path[:slash] if slash > 0 else ("/" if slash == 0 else "."))
    if chart is None:
        return None
    return os.path.relpath(os.path.abspath(p.path), chart).replace(os.sep, "/")


def _helm_template(p: Path) -> bool:
    rel = _chart_relative(p)
    return rel is not None and rel.startswith("templates/")


def _helm_values(p: Path) -> bool:
    rel = _chart_relative(p)
    return rel is not None and "/" not in rel and p.low.startswith("values") and p.low.endswith(".yaml")


def _model_config(p: Path) -> bool:
    return p.name == "config.pbtxt"


def _makefile(p: Path) -> bool:
    return p.name in ("Makefile", "GNUmakefile", "makefile")


def _supervisord(p: Path) -> bool:
    """``supervisord.conf``, and ``*.conf`` in a folder whose name starts with ``supervisor``
    (``/etc/supervisor/conf.d/triton.conf`` counts: the folder may be any of its parents)."""
    if p.low == "supervisord.conf":
        return True
    if not p.low.endswith(".conf"):
        return False
    return any(part.lower().startswith("supervisor") for part in p.path.split("/")[:-1])


def _systemd_drop_in(p: Path) -> bool:
    """``*.conf`` in a unit's drop-in folder (``/etc/systemd/system/triton.service.d/override.conf``): it
    sets or overrides the unit's ``[Service]`` settings, ``ExecStart=`` among them."""
    return p.low.endswith(".conf") and p.path.lower()[:len(p.path) - len(p.name)].rstrip("/").endswith(".service.d")


def _unit(p: Path) -> bool:
    return _supervisord(p) or _systemd_drop_in(p)


def _tiltfile(p: Path) -> bool:
    """Tilt's ``Tiltfile`` (Starlark, read as Python): its ``k8s_resource`` port forwards, its local probes."""
    return p.name == "Tiltfile" or p.low.endswith(".tiltfile")


def _requirements(p: Path) -> bool:
    low = p.low
    if low.endswith(".txt"):
        return low.startswith(("requirements", "constraints"))
    if low in ("setup.cfg", "pyproject.toml"):
        return True
    return low.startswith("environment") and low.endswith(_YAML)


# --- by content ------------------------------------------------------------------------------------

def _kustomization(p: Path) -> bool:
    """kustomize's own file: it need not say ``apiVersion``/``kind`` (kustomize assumes them)."""
    return p.name in ("kustomization.yaml", "kustomization.yml", "Kustomization")


def is_helmfile(path: str) -> bool:
    """helmfile's own file (``helmfile.yaml``, or a ``*.yaml`` of a ``helmfile.d`` folder): the Helm releases it
    installs, each a chart with the values it gives (``values:``, ``set:``); it says no ``apiVersion``/``kind``.
    A ``.gotmpl`` file is a template, read as text."""
    p = path.replace(os.sep, "/")
    name = p[p.rfind("/") + 1:].lower()
    return name in ("helmfile.yaml", "helmfile.yml") or name.endswith(_YAML) and p[:len(p) - len(name)].rstrip("/") \
        .rsplit("/", 1)[-1].lower() == "helmfile.d"


def _release_file(p: Path) -> bool:
    """A file of a tool that needs no ``apiVersion``/``kind``, read as a manifest: kustomize's, helmfile's."""
    return _kustomization(p) or is_helmfile(p.path)


def _kubernetes(p: Path, head: bytes) -> bool:
    """A manifest (``apiVersion`` and ``kind``), or a JSON 6902 patch kept in a file of its own (a list of
    ``op``/``path`` operations: a Kustomization names the workload it patches), or an App Engine flexible
    ``app.yaml`` of a custom runtime (``is_app_engine``): read as YAML for the health checks it sends to the
    image of the Dockerfile beside it."""
    return p.low.endswith(_YAML + (".json",)) and bool(_API_VERSION.search(head) and _KIND.search(head)
                                                       or _is_json_patch(head)) or is_app_engine(p.low, head)


def is_app_engine(name: str, head: bytes) -> bool:
    """Google App Engine flexible's service configuration of a custom runtime (``runtime: custom``, ``env:
    flex``; any ``*.yaml`` name, as ``gcloud app deploy`` takes): its image is built from the Dockerfile in
    its folder."""
    return name.endswith(_YAML) and _APP_ENGINE_RUNTIME.search(head) is not None \
        and _APP_ENGINE_FLEX.search(head) is not None


def _is_json_patch(head: bytes) -> bool:
    m = _JSON_PATCH.match(head)
    return m is not None and (m.group("key") == b"op" or _OP_KEY.search(head) is not None)


def _values_shape(p: Path, head: bytes) -> bool:
    return "values" in p.low and p.low.endswith(".yaml") and bool(_VALUES_SHAPE.search(head))


def _shebang(p: Path, head: bytes) -> bool:
    if head.startswith(b"#!") and _SHEBANG.match(head):
        return True
    return bool(ENTRYPOINT_SCRIPTS) and is_extensionless(p.path) and os.path.realpath(p.path) in ENTRYPOINT_SCRIPTS


#: the table, in the contract's order (by-name rows are tried first, then content sniffs)
KINDS = (
    Kind("dockerfile", "dockerfile:DockerfileDoc", by_name=_dockerfile, trailing_comments=False,
         claims_names=("dockerfile", "containerfile")),
    Kind("compose", "compose:ComposeDoc", by_name=_compose),
    Kind("ci", "ciworkflow:CiDoc", by_name=_ci),
    Kind("helm-template", "helmtemplate:build", by_name=_helm_template, claims_folders=("templates",),
         comments=("{{/*", "{{- /*", "#")),
    Kind("helm-values", "helmvalues:HelmValuesDoc", by_name=_helm_values, sniff=_values_shape),
    Kind("kubernetes", "kubernetes:build", by_name=_release_file, sniff=_kubernetes),
    Kind("model-config", "modelconfig:ModelConfigDoc", by_name=_model_config),
    Kind("shell", "shell:ShellDoc", suffixes=(".sh", ".bash"), sniff=_shebang),
    Kind("makefile", "makefile:MakefileDoc", by_name=_makefile, suffixes=(".mk",)),
    Kind("hcl", "hcl:build", suffixes=(".tf", ".tfvars", ".tfvars.json", ".hcl", ".nomad"), line_comments=("#", "//", "/*")),
    Kind("unit", "unit:UnitDoc", by_name=_unit, suffixes=(".service",), trailing_comments=False,
         claims_names=("supervisord.conf",), claims_folders=("supervisor[^/]*", r"[^/]*\.service\.d"),
         line_comments=("#", ";")),
    Kind("python", "python:PythonDoc", by_name=_tiltfile, suffixes=(".py",)),
    Kind("requirements", "requirements:RequirementsDoc", by_name=_requirements,
         claims_names=("requirements", "constraints", "setup.cfg", "pyproject.toml"), line_comments=("#", ";")),
    Kind("text", "text:TextDoc", line_comments=("#", "//", ";", "--", "<!--"),
         comments=("#", "//", "/*", "<!--", "--", ";", "%", "{{/*", "{{- /*", "'", "REM ", "rem ", "::", '"'),
         comments_anywhere=True),
)
BY_NAME = {k.name: k for k in KINDS}
_ORDER = {k.name: i for i, k in enumerate(KINDS)}
#: sniffs in the contract's order: Kubernetes manifests, then Helm values outside charts, then scripts
_SNIFFS = tuple(k for k in (BY_NAME["kubernetes"], BY_NAME["helm-values"], BY_NAME["shell"]))


def get(name: str) -> Kind:
    """The row of kind ``name``; a kind without a reader of its own is read as text."""
    return BY_NAME.get(name, BY_NAME["text"])


def _path(path: str) -> Path:
    path = path.replace(os.sep, "/")
    name = path[path.rfind("/") + 1:]
    return Path(path, name, name.lower())


def kind_by_name(path: str) -> str | None:
    """The kind decided by the path alone, or None (content decides, or text)."""
    p = _path(path)
    for k in KINDS:
        if k.by_name is not None and k.by_name(p) or k.suffixes and p.low.endswith(k.suffixes):
            return k.name
    return None


def kind_of(path: str, head: bytes) -> str:
    """The kind of a file: the first row of the table, in the contract's order, that claims it by
    its name or by a cheap look at its first bytes (``serve.py`` with a ``#!/bin/sh`` line is a
    shell script: the shell row comes before the python row). Standard input without a name (``-``)
    has no name to go by: its kind is read from its first bytes alone."""
    if path == "-":
        return _unnamed(head)
    k = kind_by_name(path)
    p = _path(path)
    for row in _SNIFFS:
        if k is not None and _ORDER[row.name] > _ORDER[k]:
            continue
        if row.sniff is not None and row.sniff(p, head):
            return row.name
    if k is None and p.low.endswith(_YAML) and named_by_compose(path):
        return "compose"
    return k or "text"


def _unnamed(head: bytes) -> str:
    """The kind of text that has no name (``migrate -`` without ``--stdin-filename``), read from its
    first bytes alone, most specific first: a Kubernetes manifest (``apiVersion`` and ``kind``), a
    Python module (an import statement before anything else), a Dockerfile (its first instruction),
    a compose file (a top-level ``services:``), a GitHub workflow (top-level ``on:`` and ``jobs:``), a
    shell script (its ``#!`` line), a systemd unit or supervisord program (a ``[Service]`` or
    ``[program:...]`` section), HCL (a top-level ``resource "..." {`` block and the like), a Makefile
    (a rule with a tab-indented recipe), and a shell script whose first command runs the server or a
    container (a line copied from a README); else text."""
    if _API_VERSION.search(head) and _KIND.search(head):
        return "kubernetes"
    if _PYTHON_START.match(head):
        return "python"
    if _DOCKERFILE_START.match(head):
        return "dockerfile"
    if _SERVICES.search(head):
        return "compose"
    if _WORKFLOW_ON.search(head) and _WORKFLOW_JOBS.search(head):
        return "ci"
    if head.startswith(b"#!") and _SHEBANG.match(head):
        return "shell"
    if _UNIT_SECTION.search(head):
        return "unit"
    if _HCL_BLOCK.search(head):
        return "hcl"
    if _MAKE_RULE.search(head):
        return "makefile"
    if _COMMAND_START.match(head):
        return "shell"
    return "text"


#: blank lines and comments before the first line of code
_LEAD = rb"^(?:\xef\xbb\xbf)?(?:[ \t]*(?:#[^\n]*)?\r?\n)*"
_NAMES = (rb"[A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?)*"
          rb"[ \t]*(?:#[^\n]*)?\r?$")
#: a Python import as the first line of code (a whole statement: prose that starts with "import" is not)
_PYTHON_START = re.compile(rb"(?m)" + _LEAD + rb"(?:import[ \t]+" + _NAMES
                           + rb"|from[ \t]+\.*[A-Za-z_][\w.]*[ \t]+import[ \t]*(?:\(|\*|" + _NAMES + rb"))")
_WORKFLOW_ON = re.compile(rb"(?m)^[\"']?on[\"']?[ \t]*:")
_WORKFLOW_JOBS = re.compile(rb"(?m)^jobs[ \t]*:[ \t]*(?:#[^\n]*)?\r?$")
_UNIT_SECTION = re.compile(rb"(?m)^\[(?:Service|program:[^\]\n]+)\][ \t]*\r?$")
_HCL_BLOCK = re.compile(rb'(?m)^(?:resource|data|job|module|variable|provider|locals|terraform)'
                        rb'(?:[ \t]+"[^"\n]*")*[ \t]*\{[ \t]*\r?$')
_MAKE_RULE = re.compile(rb"(?m)^[\w.$()/%-]+(?:[ \t]+[\w.$()/%-]+)*[ \t]*::?(?![=:])[^\n]*\n(?:#[^\n]*\n)*\t[^\n]*\S")
#: a first line of code that is a command running the server (by name or path, followed by an
#: option, a variable, a quote, an operator or the line's end) or a container, possibly after
#: ``exec``, ``nohup``, ``sudo``, ``env`` or variable assignments
_COMMAND_START = re.compile(
    rb"(?m)" + _LEAD + rb"[ \t]*(?:(?:exec|nohup|sudo|env|[A-Za-z_]\w*=\S*)[ \t]+)*(?:"
    rb"(?:\S*/)?(?:trtserver|tritonserver)(?:[ \t]*(?:[-$\"'&;|]|\\?\r?$))"
    rb"|(?:nvidia-docker|docker|podman)[ \t]+run[ \t])")


#: extensions of source and documentation files: of the text kind whatever they hold, unless a
#: shebang names a shell or a row of the table claims the path (see ``text_by_name``); the suffixes
#: of the table's rows are not among them
_TEXT_EXTENSIONS = frozenset(
    ".py .pyi .ipynb .ts .tsx .js .jsx .mjs .cjs .go .rs .java .kt .kts .scala .groovy .gradle .c .h .cc .cpp .cxx "
    ".hpp .hh .cs .fs .rb .php .pl .pm .lua .r .swift .m .mm .dart .ex .exs .erl .hs .clj .proto .sql .graphql "
    ".md .markdown .rst .txt .adoc .org .tex .html .htm .xml .svg .css .scss .sass .less .vue .svelte "
    ".toml .ini .cfg .conf .properties .csv .tsv .lock .tf .hcl .cmake .bzl .bazel".split()
) - {s for k in KINDS for s in k.suffixes}


_CLAIMED_NAMES = tuple(n for k in KINDS for n in k.claims_names)
_CLAIMED_FOLDERS = re.compile(r"(?:^|/)(?:" + "|".join(f for k in KINDS for f in k.claims_folders) + r")/", re.I)


def text_by_name(path: str) -> bool:
    """True when ``kind_of(path, head)`` is "text" for every ``head`` that does not start with
    ``#!`` (``path`` with ``/`` separators): a cheap test for the bulk of a repository's files.
    A row of the table that claims the path by its name (``requirements.txt``, ``setup.cfg``,
    ``supervisor/conf.d/x.conf``, ``Dockerfile.txt``) wins over the extension."""
    name = path[path.rfind("/") + 1:]
    dot = name.rfind(".")
    if dot <= 0 or name[dot:].lower() not in _TEXT_EXTENSIONS:
        return False
    if name.lower().startswith(_CLAIMED_NAMES) or _CLAIMED_FOLDERS.search(path) is not None:
        return kind_by_name(path) is None
    return True


def is_dotenv(path: str) -> bool:
    """An environment file (``.env``, ``.env.prod``, ``triton.env``): ``NAME=value`` lines that compose,
    systemd and shell scripts read, whose values may hold a server command line's options."""
    name = os.path.basename(path).lower()
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def is_extensionless(path: str) -> bool:
    name = os.path.basename(path)
    return "." not in name.lstrip(".")


# --- charts: which folders hold a Chart.yaml ------------------------------------------------------
#: absolute directory -> the chart folder it is inside, or None
_CHARTS: dict[str, str | None] = {}


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
    """A new run: folders may have gained or lost a Chart.yaml (or a compose file)."""
    _CHARTS.clear()
    _COMPOSE_NAMED.clear()


def note_directory(directory: str, has_chart: bool) -> None:
    """Discovery saw ``directory``'s entries: remember a Chart.yaml there without a stat later."""
    if has_chart:
        d = os.path.abspath(directory)
        _CHARTS[d] = d


# --- Dockerfiles that COPY a script and run it ------------------------------------------------------
#: real paths of extension-less scripts that a Dockerfile of the run COPYs and runs
ENTRYPOINT_SCRIPTS: set[str] = set()
_INSTR = re.compile(rb"(?im)^[ \t]*(FROM|WORKDIR|COPY|ADD|ENTRYPOINT|CMD)[ \t]+((?:[^\n]*\\\r?\n)*[^\n]*)")
_FLAG = re.compile(r"^--[\w-]+(?:=\S*)?$")


def entrypoint_sources(dockerfile_path: str, data: bytes) -> list[str]:
    """Sources (as written, relative to the build context) of files a Dockerfile COPYs or ADDs and
    then runs as ENTRYPOINT or CMD (the first word of either); a path relative to the working folder
    (``WORKDIR /app``, ``COPY serve .``, ``CMD ["./serve"]``) is that folder's."""
    from .documents.dockerfile import IMAGE_WORKDIR, in_folder

    copies: list[tuple[list[str], str]] = []
    run: list[str] = []
    workdir: str | None = IMAGE_WORKDIR
    for m in _INSTR.finditer(data):
        kw = m.group(1).upper()
        body = re.sub(rb"\\\r?\n", b" ", m.group(2)).decode("utf-8", "replace").strip()
        if kw == b"FROM":
            workdir = IMAGE_WORKDIR
        elif kw == b"WORKDIR":
            workdir = in_folder(workdir, body) if workdir is not None and body and "$" not in body else None
        elif kw in (b"COPY", b"ADD"):
            words = _words(body)
            words = [w for w in words if not _FLAG.match(w)]
            if len(words) < 2:
                continue
            dest = words[-1]
            if not dest.startswith("/"):
                folder = dest.endswith("/") or dest in (".", "..") or dest.endswith(("/.", "/.."))
                got = in_folder(workdir, dest) if workdir is not None else None
                if got is None:
                    continue
                dest = got.rstrip("/") + "/" if folder else got
            copies.append((words[:-1], dest))
        else:
            words = _words(body)
            # the program, and paths among its arguments (`["/sbin/tini", "--", "/serve"]`)
            run.extend(w for i, w in enumerate(words) if i == 0 or w.startswith(("/", "./", "../")))
    # the container's commands run in the image's last working folder
    run = [w if w.startswith("/") else in_folder(workdir, w) or "" for w in run
           if w.startswith("/") or "/" in w and workdir is not None]
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


# --- files that compose files read as compose files ------------------------------------------------
#: folder -> the real paths of the files that the compose files in it name (``extends: {file: ...}``, ``include``)
_COMPOSE_NAMED: dict[str, frozenset[str]] = {}
_COMPOSE_READ = 1 << 20


def named_by_compose(path: str) -> bool:
    """Whether a compose file near the YAML file at ``path`` reads it as a compose file (``extends: {file: ...}``,
    ``include``), as ``docker compose`` does whatever its name (``common.yml``): then it is of the compose kind.
    Near: in its folder or the two above, or in a folder just below one of its folder and its parent (a sibling
    folder: ``file: ../common/gpu.yml``)."""
    real = os.path.realpath(path)
    here = os.path.dirname(real)
    up = os.path.dirname(here)
    folders = [here, up, os.path.dirname(up)]
    for d in (here, up):
        try:
            with os.scandir(d) as it:
                folders += [e.path for e in it if e.is_dir(follow_symlinks=False) and e.path != here]
        except OSError:
            continue
    return any(real in _named_in(d) for d in dict.fromkeys(folders))


def _named_in(folder: str) -> frozenset[str]:
    got = _COMPOSE_NAMED.get(folder)
    if got is not None:
        return got
    from .atomic import read_regular  # never a FIFO, socket or device
    from .documents.compose import named_files

    out: set[str] = set()
    try:
        with os.scandir(folder) as it:
            names = [e.name for e in it if _COMPOSE.match(e.name.lower()) and e.is_file()]
    except OSError:
        names = []
    for name in names:
        path = os.path.join(folder, name)
        try:
            data = read_regular(path, _COMPOSE_READ)[0]
        except OSError:
            continue
        if b"extends" not in data and b"include" not in data:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.update(os.path.realpath(f) for f in named_files(path, text))
    _COMPOSE_NAMED[folder] = got = frozenset(out)
    return got
