"""6xx: the V1 client wheel and client tools."""

from __future__ import annotations

import os
import re
from typing import Iterator

from .. import evidence, facts
from ..documents.commands import basename, command_index
from ..documents.sites import CommandSite, Region, Requirement
from ..model import Finding, Fix, Severity, Span
from ..release import Release
from . import tables as T
from .paths import site_edit
from .registry import FixAvailability as F
from .registry import check, rule

CLIENT_WHEEL = rule(
    "TDM601", "v1-client-wheel", Severity.WARNING, F.SOMETIMES, "The tensorrtserver client wheel -> tritonclient[all]",
    "The V1 Python client wheel `tensorrtserver`, wherever it is installed from - a requirement in "
    "`requirements*.txt`/`constraints*.txt`, `pyproject.toml`, `setup.cfg`, `setup.py` or a conda "
    "`environment.yml`, or `pip install` / `pip download` in any command (a version, `tensorrtserver-*.whl`, "
    "a wheel path or URL, a V1 release's clients tarball) - becomes `tritonclient[all]` (in a `constraints*.txt` "
    "file `tritonclient` alone: pip refuses extras in constraints); `pipenv install`, "
    "`poetry add`, `uv add` (which record it in the project's dependency file too) and `easy_install` are "
    "reported with the replacement. A pinned V1 requirement is "
    "pinned to the target's client: the newest `tritonclient` on PyPI that is not above the target's "
    "server version (23.08: 2.37.0.9383150; the versions are a table of the tool, read from PyPI, never "
    "fetched by a run); a lower bound stays a lower bound; an unpinned one stays unpinned; markers are "
    "kept. Always a warning, also when fixed: the client API changed (`tritonclient.http` / "
    "`tritonclient.grpc`), so code using it must be ported. No fix, only a suggestion, where the "
    "replacement is not exact: a version set by a variable, a requirement pinned by `--hash` (the new "
    "one needs hashes of its own), an editable checkout, a Poetry table entry, a target whose client "
    "version is not known, and targets before 20.09, whose client wheels (`tritonclientutils`, "
    "`tritonhttpclient`, `tritongrpcclient`) ship only in the release's client SDK image and tarball.")
PERF_CLIENT = rule(
    "TDM602", "perf-client", Severity.WARNING, F.ALWAYS, "perf_client -> perf_analyzer (20.10)",
    "The V1 benchmarking tool is `perf_analyzer` from 20.10; check the flags used. Where the command runs in a "
    "V2 Triton image that stays as it is (`docker run tritonserver:20.09-py3-clientsdk perf_client`, a stage or "
    "container on it), it is left alone: before 20.10 that image has only `perf_client`; from 20.10 an info note "
    "names `perf_analyzer`. The same holds in a run that holds no V1 (no file names a V1 image, `trtserver` or "
    "the `tensorrtserver` client; nothing else is reported above info): there `perf_client` is V2's own tool "
    "wherever it runs (a script or launcher beside a V2 SDK image's Dockerfile): nothing when every V2 Triton "
    "image of the run is before 20.10, else an info note. A path to `perf_client` "
    "(`/workspace/bin/perf_client`) is a file of the user's, reported by TDM206 and not renamed. A command of a "
    "container whose image is another party's (`image: mycorp/perf_client:1.0`, not built by the file, not "
    "Triton's) is that image's own program: left alone, an info note.")
CLIENT_IMPORT = rule(
    "TDM603", "v1-client-import", Severity.WARNING, F.SOMETIMES, "Code uses the V1 client library",
    "`import tensorrtserver.api`, `from tensorrtserver.api import InferContext, ProtocolType` and the code "
    "that uses what they bring: the V1 Python client (`tensorrtserver` wheel) speaks the V1 protocol, "
    "which V2 servers refuse, and its API is gone. Each import, and each call, attribute or name whose V2 "
    "form differs, is reported with the `tritonclient` code that replaces it: `ServerHealthContext(url, "
    "protocol).is_ready()` -> `tritonclient.http.InferenceServerClient(url).is_server_ready()`, "
    "`InferContext(url, protocol, model, version).run(inputs, outputs, batch_size)` -> `InferInput`/"
    "`InferRequestedOutput` and `client.infer(model, inputs, outputs=...)`, `ProtocolType.HTTP`/`GRPC` -> "
    "the module `tritonclient.http`/`tritonclient.grpc`, `InferenceServerException` -> "
    "`tritonclient.utils.InferenceServerException`, `tensorrtserver.shared_memory` -> "
    "`tritonclient.utils.shared_memory`. Uses that stay as written once the import changes (catching "
    "`InferenceServerException`, the shared-memory helpers) are named by the import's finding only. "
    "The fix is unsafe (it can change behaviour): `--unsafe-fixes` applies it, and without the flag each "
    "finding's suggestion shows the change. Per program, one of: a native rewrite when every V1 use has "
    "an exact V2 form (imports and exceptions, `ProtocolType` -> the module `tritonclient.http`/`grpc`, "
    "health, `InferContext(...)` and its `run({...}, {...}, batch_size)` statements with literal dicts -> "
    "`InferInput`/`InferRequestedOutput`/`infer()` keeping V1's input and result shapes, `ResultFormat.CLASS` "
    "-> `class_count=k` with V1's `(index, value, label)` tuples rebuilt); else the client adapter: the "
    "program's imports point at `triton_v1_compat`, a module the run writes beside it (or at "
    "`--client-adapter PATH`; never over a file it did not write) that implements the V1 API on "
    "tritonclient (contexts, async and streaming inference, sequences, system shared memory, the V1 gRPC "
    "service); else nothing, and each use stays a warning with its V2 replacement (CUDA shared memory, "
    "names neither covers). A finding per use says which was done; an applied fix stays a warning "
    "(behaviour may differ: docs/clients.md). For targets before "
    "20.09 the suggestions name the wheels of that time (`tritonhttpclient`, `tritongrpcclient`, "
    "`tritonclientutils`, `tritonshmutils`). Sources: V1 `tensorrtserver/api/__init__.py` and examples of "
    "v1.12.0, the `tritonclient` examples (shared/corpus/clients/).")

_PIP = re.compile(r"^(?:pip[\d.]*|uv|pipx)$")
_SPEC = re.compile(r"^tensorrtserver(?P<extras>\[[^\]]*\])?(?P<pin>(?:===|==|~=|!=|<=|>=|<|>).*)?$", re.I)
#: a wheel (or sdist) of the V1 client, by path or URL, any version or a glob (``tensorrtserver-*.whl``,
#: ``tensorrtserver*.whl``)
_WHEEL = re.compile(r"(?:^|[/=])tensorrtserver(?:-(?P<ver>[^-/]+)(?:-[^/]*)?|[*?\[][^/]*)\.(?:whl|tar\.gz|zip)(?:[#?]|$)",
                    re.I)
#: a V1 release's clients tarball (``.../v1.10.0/v1.10.0_ubuntu1804.clients.tar.gz``)
_TARBALL = re.compile(r"(?:^|/)v(?P<ver>1\.\d+\.\d+)_[\w.-]*clients\.tar\.gz(?:[#?]|$)")
_IMPORT = re.compile(r"(?<![\w.])(?:from\s+tensorrtserver(?:\.[\w.]+)?\s+import|import\s+tensorrtserver)\b")
_PROJECT_FILES = {"pipenv": "Pipfile", "poetry": "pyproject.toml", "uv": "pyproject.toml"}
#: the V1 client as another installer names it (``tensorrtserver@^1.12`` for poetry)
_OTHER_SPEC = re.compile(r"^tensorrtserver(?:\[[^\]]*\])?(?:[@=<>~!^ ].*)?$", re.I)
_OPS = re.compile(r"===|==|~=|!=|<=|>=|<|>")
_PORTED = "the client API changed (tritonclient.http / tritonclient.grpc), so code using it must be ported"


def _pip_args(site: CommandSite, ci: int) -> list[int]:
    """Indices of the package arguments of ``pip install`` / ``python -m pip install``."""
    ws = site.words
    i = ci
    base = basename(ws[i].value)
    if re.match(r"^python[\d.]*$", base) and i + 2 < len(ws) and ws[i + 1].value == "-m" and _PIP.match(ws[i + 2].value):
        i += 2
    elif not _PIP.match(base):
        return []
    rest = [k for k in range(i + 1, len(ws))]
    if not rest or ws[rest[0]].value not in ("install", "download"):
        if len(rest) >= 2 and ws[rest[0]].value == "pip" and ws[rest[1]].value == "install":  # uv pip install
            rest = rest[1:]
        else:
            return []
    return _packages(ws, rest[1:])


def _packages(ws, rest: list[int]) -> list[int]:
    """The words of ``rest`` that are not options, nor the value of one that takes it (``-d wheels``)."""
    out, skip = [], False
    for k in rest:
        v = ws[k].value
        if skip:
            skip = False
        elif v in _VALUED_OPTIONS:
            skip = True
        elif not v.startswith("-"):
            out.append(k)
    return out


#: the installers' options that take the next word as their value (pip's, pipenv's, poetry's)
_VALUED_OPTIONS = frozenset({"-d", "--dest", "-r", "--requirement", "-c", "--constraint", "-i", "--index-url",
                             "--extra-index-url", "-f", "--find-links", "-t", "--target", "--python", "--group",
                             "-G", "--source", "-e", "--editable", "--platform", "--python-version", "--root",
                             "--prefix", "--src", "--upgrade-strategy", "--progress-bar", "--only-binary",
                             "--no-binary", "--implementation", "--abi", "--extras", "-E", "--optional",
                             "--categories", "--package"})


def _other_installer_args(site: CommandSite, ci: int) -> list[int]:
    """Indices of the package arguments of the installers whose specifiers are not pip's to rewrite
    (``pipenv install``, ``poetry add``, ``uv add``, ``easy_install``): reported, with the V2 client."""
    ws = site.words
    base = basename(ws[ci].value)
    if base == "easy_install":
        return _packages(ws, list(range(ci + 1, len(ws))))
    if base in ("pipenv", "poetry", "uv") and ci + 1 < len(ws) and ws[ci + 1].value == (
            "install" if base == "pipenv" else "add"):
        return _packages(ws, list(range(ci + 2, len(ws))))
    return []


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def client_pin(target: Release) -> str | None:
    """The ``tritonclient`` version for ``target``: the newest on PyPI that is not above the target's
    server version, comparing major.minor.micro (a build suffix, as in 2.37.0.9383150, belongs to its
    release). None when the server version is not known or no such client exists."""
    server = target.server_version
    if server is None:
        return None
    top = _release(server)[:3]
    fitting = [(r, v) for r, v in _CLIENT_RELEASES if r[:3] <= top]
    return max(fitting, key=lambda rv: rv[0])[1] if fitting else None


#: each tritonclient version and its release numbers (read once: a pin is looked up per requirement)
_CLIENT_RELEASES = [(_release(v), v) for v in T.TRITONCLIENT_VERSIONS]


def wanted(pin: str, target: Release) -> tuple[str | None, str]:
    """What to install instead of a V1 client requirement whose version is ``pin`` ("none", "exact"
    or "lower"): (the requirement, or None when it cannot be written exactly; why not)."""
    if not target.at_least(T.CLIENT_PACKAGE_FROM):
        return None, (f"targets before {T.CLIENT_PACKAGE_FROM} have no tritonclient: their client wheels "
                      f"({', '.join(T.EARLY_CLIENT_WHEELS)}) ship in the release's client SDK image and clients "
                      f"tarball, not on PyPI: install them from there")
    if pin == "none":
        return "tritonclient[all]", ""
    version = client_pin(target)
    if version is None:
        return None, (f"the tritonclient version of target {target} is not known to this tool: pin the newest "
                      f"tritonclient that is not above your server's version")
    return f"tritonclient[all]{'>=' if pin == 'lower' else '=='}{version}", ""


def _suggestion(target: Release) -> str:
    if not target.at_least(T.CLIENT_PACKAGE_FROM):
        return " ".join(T.EARLY_CLIENT_WHEELS)
    version = client_pin(target)
    return f"tritonclient[all]=={version}" if version else "tritonclient[all]"


def _pin_of(spec: str) -> str:
    """How a version specifier pins: "none", "lower" (only ``>=``/``>``) or "exact"."""
    ops = _OPS.findall(spec)
    if not ops:
        return "exact" if re.search(r"\d", spec) else "none"
    return "lower" if set(ops) <= {">=", ">"} else "exact"


def _wheel_finding(span, old: str, pin: str, target: Release, edit, reason: str = "", extras: bool = True) -> Finding:
    """The TDM601 finding for V1 client ``old`` at ``span``: fixed by ``edit(spec)`` when the
    replacement is exact (``edit`` None: a kind that only reports, the replacement suggested), else a
    warning that says what to install (``reason``: why there is no fix). ``extras``: False in a pip
    constraints file, which takes a name and a version only ("Constraints cannot have extras")."""
    spec, why = wanted(pin, target)
    if spec is not None and not extras:
        spec = spec.replace("[all]", "")
    if spec is not None and not reason:
        fix = Fix.of(f"Install {spec}", edit(spec)) if edit is not None else None
        return CLIENT_WHEEL.finding(span, f"the V1 client wheel ({old}) -> {spec}: {_PORTED}", fix=fix,
                                    suggestion=None if fix else spec)
    if spec is None:
        return CLIENT_WHEEL.finding(span, f"the V1 client wheel ({old}): {why}; {_PORTED}",
                                    suggestion=_suggestion(target))
    return CLIENT_WHEEL.finding(span, f"the V1 client wheel ({old}): {reason or 'not rewritten here'}; install "
                                f"{spec} instead: {_PORTED}", suggestion=spec)


@check(order=21)
def check_client_commands(doc, ctx) -> Iterator[Finding]:
    foreign = _foreign_images(doc, ctx)
    for site in doc.commands():
        yield from check_commands(site, command_index(site.words), ctx.target, site.image in foreign)


def _foreign_images(doc, ctx) -> frozenset[str]:
    """The images this file runs containers of (a compose service without ``build``, a ``docker run``) that are
    another party's: no Triton image, none the file builds, none named for the server nor written with a variable
    (``mycorp/perf_client:1.0``). A Dockerfile's stage base is not one: its stage may copy files from a V1 SDK
    stage."""
    if doc.kind == "dockerfile" or "perf_client" not in doc.text:
        return frozenset()
    from .endpoints import may_run_triton

    try:
        topo = ctx.topology()
    except Exception:  # a document that cannot say: no image is known as another's
        return frozenset()
    built = {t for b in getattr(topo, "builds", ()) for t in b.tags}
    images = [c.image for c in getattr(topo, "compose", ()) if not c.build and not c.options] + \
        [d.image for d in getattr(topo, "docker_runs", ()) if not d.options]
    return frozenset(i for i in images if i and i not in built and not may_run_triton(i, ()))


@check(order=34)
def check_client_text(doc, ctx) -> Iterator[Finding]:
    if doc.kind == "text":
        for region in doc.regions():
            yield from check_text(region, ctx.target)


def check_commands(site: CommandSite, ci: int | None, target: Release, foreign: bool = False) -> Iterator[Finding]:
    """``foreign``: the command runs in a container of another party's image (``_foreign_images``)."""
    if ci is None:
        return
    ws = site.words
    cmd = ws[ci]
    if not cmd.dynamic and basename(cmd.value) == "perf_client" and "/" not in cmd.value:
        # (a path to it is a file of the user's, not the SDK image's command: TDM206 reports it, nothing renames it)
        if foreign:
            # ``image: mycorp/perf_client:1.0`` with ``command: perf_client ...``: that image's own program, which
            # need not be V1's tool (nor have perf_analyzer beside it)
            i = len(cmd.value) - len("perf_client")
            note = PERF_CLIENT.finding(cmd.sub(i, len(cmd.value)), f"perf_client runs in {site.image.strip()}, "
                                       "which is not a Triton image: left as it is; if it is V1's perf_client, the "
                                       "image must move to a V2 client SDK and the tool to perf_analyzer",
                                       Severity.INFO, suggestion="perf_analyzer")
            note.advisory = True
            yield note
        else:
            yield from _perf_client(site, cmd, target)
    for k in _pip_args(site, ci):
        w = ws[k]
        v = w.value
        m, wm, tm = _SPEC.match(v), _WHEEL.search(v), _TARBALL.search(v)
        if w.dynamic:
            if m or wm or tm or re.match(r"^(?:[^$]*/)?tensorrtserver(?:[-=<>~!\[]|$)", v, re.I):
                yield _wheel_finding(w.span, v, "exact", target, None,
                                     "its version or path is set at run time (a V1 client)")
            continue
        if not m and not wm and not tm:
            continue
        pin = "exact" if wm or tm else _pin_of(m.group("pin") or "")
        yield _wheel_finding(w.span, v, pin, target, lambda spec, w=w: site_edit(site, w, 0, len(w.value), spec))
    for k in _other_installer_args(site, ci):
        w = ws[k]
        if _OTHER_SPEC.match(w.value):
            tool = basename(ws[ci].value)
            why = ("easy_install is no longer part of setuptools" if tool == "easy_install" else
                   f"{tool} also records it in the project's dependency file ({_PROJECT_FILES[tool]}), which "
                   f"must change with it")
            yield _wheel_finding(w.span, w.value, "exact", target, None, f"{why}: not rewritten here")


def _perf_client(site: CommandSite, cmd, target: Release) -> Iterator[Finding]:
    """``perf_client`` run as a command: renamed for a V1 client (the V1 SDK image, or an image not known), left
    alone in a V2 Triton image that stays as it is (perf_client is not V1: the V2 SDK images before 20.10 have
    only it, later ones have perf_analyzer beside it for a while), and in a run that holds no V1 (its V2 images
    decide, as a V2 image of the command's own does)."""
    i = len(cmd.value) - len("perf_client")
    span = cmd.sub(i, len(cmd.value))
    info = facts.classify(site.image) if site.image else None
    run = evidence.v2_run_releases()
    if (info is None or not info.triton) and run is not None:
        # the run holds no V1: perf_client is the V2 SDK's own tool, of the run's V2 images
        if all(r is not None and r < T.PERF_ANALYZER_FROM for r in run) if run else not target.at_least(
                T.PERF_ANALYZER_FROM):
            return  # their SDK has only perf_client
        note = PERF_CLIENT.finding(span, "the run holds no V1 (no V1 image, no trtserver, no tensorrtserver "
                                   "client): this perf_client is V2's; from 20.10 the tool is called perf_analyzer "
                                   "(perf_client stayed a link for a while): rename it when the images move on",
                                   Severity.INFO, suggestion="perf_analyzer")
        note.advisory = True  # nothing V1 is left: a note, never the gate's
        yield note
        return
    if info is not None and info.triton and not info.v1:
        release = image_release(site.image)
        if release is not None and release < T.PERF_ANALYZER_FROM:
            return  # its own command: perf_analyzer does not exist there
        note = PERF_CLIENT.finding(span, f"{site.image.strip()} is V2 and not migrated here: its perf_client is not V1; "
                                   "from 20.10 the tool is called perf_analyzer (perf_client stayed a link for a "
                                   "while): rename it when this image moves on", Severity.INFO, suggestion="perf_analyzer")
        note.advisory = True  # nothing V1 is left: a note, never the gate's
        yield note
        return
    if target.at_least(T.PERF_ANALYZER_FROM):
        yield PERF_CLIENT.finding(span, "perf_client is perf_analyzer from 20.10; its options are mostly the same, its "
                                  "output and protocol are V2: check the flags used",
                                  fix=Fix.of("Use perf_analyzer", site_edit(site, cmd, i, len(cmd.value), "perf_analyzer")))


def image_release(image: str) -> Release | None:
    """The release of a Triton image's tag (``tritonserver:20.09-py3-clientsdk`` -> 20.09); None when its tag
    does not say (a variable, ``latest``)."""
    m = facts.IMAGE_RE.search(image)
    tag = m.group("tag") if m is not None else None
    v = re.match(r"(\d{2}\.\d{2})(?![\d])", tag or "")
    try:
        return Release(v.group(1)) if v is not None else None
    except ValueError:
        return None


@check(order=35)
def check_requirements(doc, ctx) -> Iterator[Finding]:
    """Requirements the document declares (requirements files, dependency lists, setup.py)."""
    constraints = os.path.basename(doc.path).lower().startswith("constraints")
    reqs = doc.requirements()
    # ``tritonclient`` required beside the V1 wheel (a half-done move): a second, different pin would not resolve
    v2 = next((r for r in reqs if re.sub(r"[-_.]+", "-", r.name).lower() == "tritonclient"), None)
    for req in reqs:
        if v2 is not None and is_v1_requirement(req):
            line = doc.position(v2.span.start)[0]
            yield CLIENT_WHEEL.finding(req.span, f"the V1 client wheel ({req.text}): tritonclient is required here already "
                                       f"(line {line}: {v2.text}); remove this line (a second tritonclient pin would not "
                                       f"resolve): {_PORTED}")
            continue
        f = check_requirement(req, ctx.target, extras=not constraints)
        if f is not None:
            yield f
    if v2 is None and any(is_v1_requirement(r) for r in reqs):
        yield from _dependency_pins(reqs, ctx.target)


CLIENT_DEPENDENCY = rule(
    "TDM606", "client-dependency-pin", Severity.WARNING, F.NEVER,
    "A pin below what the tritonclient that replaces the V1 wheel needs",
    "Beside the V1 client wheel, a requirement of the same file that pins one of the V2 client's dependencies "
    "below the version the target's client needs (`grpcio==1.19.0`: tritonclient 2.51.0 needs `grpcio>=1.41.0`; "
    "also `protobuf`, `numpy`, `urllib3`, `python-rapidjson`, `aiohttp`, `geventhttpclient`, `packaging`) makes "
    "pip fail to resolve the file once the wheel is replaced. Reported for targets from 24.10 (the minimums are "
    "2.51.0's, read from its wheel's metadata; later clients need no less); raise or drop the pin. Source: the "
    "tritonclient 2.51.0 wheel's Requires-Dist.")
#: a version specifier's clauses that bound it from above
_UPPER = re.compile(r"(===?|<=|<|~=)\s*(\d+(?:\.\d+)*)")


def _highest(spec: str) -> tuple[tuple[int, ...], bool] | None:
    """The highest version a specifier allows, and whether that version itself is allowed (``<2.0``: not);
    None when nothing bounds it from above."""
    best: tuple[tuple[int, ...], bool] | None = None
    for op, v in _UPPER.findall(spec):
        top, allowed = _release(v), op != "<"
        if op == "~=":  # ``~=1.4.2``: below 1.5
            parts = _release(v)
            top, allowed = (parts[:-2] + (parts[-2] + 1,)) if len(parts) > 1 else (parts[0] + 1,), False
        if best is None or (top, allowed) < best:
            best = (top, allowed)
    return best


def _dependency_pins(reqs: list[Requirement], target: Release) -> Iterator[Finding]:
    """TDM606: the pins of the file that the client replacing its V1 wheel cannot be installed with."""
    if not target.at_least(T.CLIENT_DEPENDENCY_MINIMUMS_FROM):
        return
    client = client_pin(target)
    for req in reqs:
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        least = T.CLIENT_DEPENDENCY_MINIMUMS.get(name)
        if least is None or "$" in req.text:
            continue
        spec = re.sub(r"^[\w.-]+\s*(?:\[[^\]]*\])?", "", _split_marker(req.text)[0])
        top = _highest(spec)
        need = _release(least)
        if top is None or top[0] > need or top[0] == need and top[1]:
            continue
        yield CLIENT_DEPENDENCY.finding(
            req.span, f"{req.text.strip()}: tritonclient {client or 'of the target'}, which replaces the V1 client "
            f"wheel here, needs {req.name}>={least}: pip cannot install both; raise or drop this pin",
            suggestion=f"{req.name}>={least}")


def _split_marker(text: str) -> tuple[str, str]:
    """A PEP 508 requirement and its environment marker (``"; python_version < '3.8'"`` with the white
    space before it); after a URL the ';' needs white space before it (PEP 508, pip)."""
    mk = re.search(r"\s+;" if "/" in text else r"\s*;", text)
    return (text[:mk.start()], text[mk.start():]) if mk else (text, "")


def is_v1_requirement(req: Requirement) -> bool:
    name = re.sub(r"[-_.]+", "-", req.name).lower()
    body = _split_marker(req.text)[0]
    return name == "tensorrtserver" or bool(_TARBALL.search(body) or _WHEEL.search(body))


_POETRY = re.compile(r"^[\"']?[\w.-]+[\"']?[ \t]*=[ \t]*(?P<q>[\"'])(?P<c>.*)(?P=q)[ \t]*$")


def check_requirement(req: Requirement, target: Release, extras: bool = True) -> Finding | None:
    if not is_v1_requirement(req):
        return None
    text = req.text
    reason = ""
    marker = ""
    poetry = _POETRY.match(text)
    if poetry is not None:
        pin = "none" if poetry.group("c").strip() in ("", "*") else _pin_of(poetry.group("c"))
    else:
        body, marker = _split_marker(text)  # the marker is kept
        if _TARBALL.search(body) or _WHEEL.search(body):
            pin = "exact"
        else:
            spec = re.sub(r"^[\w.-]+\s*(?:\[[^\]]*\])?", "", body)
            pin = "exact" if "@" in spec else _pin_of(spec)
    if req.editable:
        reason = "an editable checkout of the V1 client is not rewritten"
    elif "$" in text:
        reason = "its version is set by a variable (a V1 client version)"
    elif req.hashed:
        reason = ("it is pinned by --hash: the new requirement needs hashes of its own (pip hash, pip-compile "
                  "--generate-hashes)")
    elif req.replacer is None:
        reason = "this form cannot be rewritten exactly"
    return _wheel_finding(req.span, text, pin, target, lambda spec: req.replace(spec + marker), reason, extras)


_REQUIREMENT = re.compile(r"^[ \t]*(?P<spec>tensorrtserver(?:\[[^\]]*\])?(?:[ \t]*(?:==|>=|~=|<=)[ \t]*[\w.*]+)?)[ \t]*(?:[;#]|$)")


def check_text(region: Region, target: Release) -> Iterator[Finding]:
    """Files without a handler: imports of the V1 client and requirement lines naming its wheel."""
    m = _REQUIREMENT.match(region.text.rstrip("\r\n"))
    if m:
        spec = m.group("spec")
        pin = _pin_of(re.sub(r"^tensorrtserver(?:\[[^\]]*\])?", "", spec))
        yield _wheel_finding(region.span(m.start("spec"), m.end("spec")), spec, pin, target, None)
    for m in _IMPORT.finditer(region.text):
        yield CLIENT_IMPORT.finding(region.span(m.start(), m.end()),
                                    "code imports the V1 client library: port it to tritonclient.http / "
                                    "tritonclient.grpc (the API changed, not only the name)",
                                    suggestion="import tritonclient.http as httpclient")


# --- V1 client code (documents that read code: client_uses) ------------------------------------

@check(order=35)
def check_client_code(doc, ctx) -> Iterator[Finding]:
    uses = doc.client_uses()
    if not uses:
        return
    rows = [T.client_row(u.module, u.name) for u in uses]
    found = []
    for use, row in zip(uses, rows):
        if use.kind == "import":
            found.append(_import_finding(use, row, [r for u, r in zip(uses, rows) if u.kind != "import"], ctx.target))
        elif row is not None and row.review:
            found.append(_use_finding(use, row, ctx.target))
    from .clientrewrite import plan

    rewritten = plan(doc, ctx, CLIENT_IMPORT, uses, found)
    yield from rewritten if rewritten is not None else found


def _v2(text: str, target: Release) -> str:
    """``text`` with the client modules the target's release had (tritonhttpclient ... before 20.09)."""
    if target.at_least(T.CLIENT_PACKAGE_FROM):
        return text
    for new, old in T.CLIENT_MODULES_BEFORE:
        text = text.replace(new, old)
    return text


def _import_finding(use, row, used_rows, target: Release) -> Finding:
    where = use.module if not use.name or use.name == "*" else f"{use.name} from {use.module}"
    if use.name == "*":
        # the imports that bring what the file uses
        lines = [r.v2_import for r in used_rows if r is not None and r.v2_import]
        lines = list(dict.fromkeys(lines)) or [row.v2_import if row else "import tritonclient.http as httpclient"]
        msg = (f"imports everything from the V1 client library ({use.module}): import what the code uses from "
               f"tritonclient instead (the API changed, not only the names)")
        return CLIENT_IMPORT.finding(use.span, _v2(msg, target), suggestion=_v2("; ".join(lines), target))
    if row is None:
        msg = f"imports {where} of the V1 client library: port it to tritonclient.http / tritonclient.grpc"
        return CLIENT_IMPORT.finding(use.span, _v2(msg, target), suggestion=_v2("import tritonclient.http as httpclient", target))
    what = "imports the V1 client library " + where if not use.name else f"imports {where} (V1 client library)"
    msg = f"{what}: V2 has {row.v2}" + (f"; {row.note}" if row.note else "")
    return CLIENT_IMPORT.finding(use.span, _v2(msg, target), suggestion=_v2(row.v2_import or row.v2, target))


def _use_finding(use, row, target: Release) -> Finding:
    name = use.name if use.name == row.name or not row.name else f"{use.name} ({row.name})"
    msg = f"V1 client {name}: V2 has {row.v2}" + (f"; {row.note}" if row.note else "")
    return CLIENT_IMPORT.finding(use.span, _v2(msg, target), suggestion=_v2(row.v2, target))


# --- V1 C++ client code (C and C++ sources: the text kind, report only) -----------------------------

CPP_CLIENT = rule(
    "TDM605", "v1-cpp-client", Severity.WARNING, F.NEVER, "Code uses the V1 C++ client library",
    "A C or C++ source (`.cc`, `.cpp`, `.h`, ...) written against the V1 C++ client library - it includes "
    "`request_grpc.h` or `request_http.h` (or `request.h` from V1's `src/clients/c++`), or makes a context with "
    "one of its protocol classes (`InferGrpcContext::Create`, `ServerHealthHttpContext::Create`, ...). That "
    "library spoke the V1 protocol and is gone: V2's is `grpc_client.h` / `http_client.h` (`libgrpcclient` / "
    "`libhttpclient`), one `InferenceServerGrpcClient` or `InferenceServerHttpClient` per server instead of a "
    "context per task and model, `InferInput`, `InferRequestedOutput`, `InferOptions` and `InferResult` "
    "instead of `InferContext::Input`, `Output`, `Options` and `Result`. Each V1 header, class, type and "
    "method of such a file is reported with its V2 counterpart (the table in docs/clients.md). No fix: "
    "C++ code is ported by hand (a C++ client is not rewritten or run through an adapter). Comments "
    "(`//`, `/* */`) are not read; preprocessor lines are. Sources: the V1 library's headers (v1.12.0 "
    "`src/clients/c++/library`), the V2 client library (`src/c++/library` of the client repository).")

_CPP_ROWS = {r.v1: r for r in T.CPP_CLIENT}
_CPP_INCLUDE = re.compile(r"#\s*include\s*[<\"](?P<path>[^>\"\n]+)[>\"]")
_CPP_CLASS = re.compile(r"\b(?:" + "|".join(re.escape(r.v1) for r in T.CPP_CLIENT if r.kind == "class") + r")\b")
_CPP_TYPE = re.compile(r"\b(?:" + "|".join(re.escape(r.v1) for r in sorted(
    (r for r in T.CPP_CLIENT if r.kind == "type"), key=lambda r: -len(r.v1))) + r")\b"
    r"(?!::(?:" + "|".join(r.v1.partition("::")[2] for r in T.CPP_CLIENT if "::" in r.v1) + r")\b)")
_CPP_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_CPP_METHOD = re.compile(r"(?:->|\.)\s*(?P<name>" + "|".join(
    re.escape(r.v1) for r in T.CPP_CLIENT if r.kind == "method") + r")\s*\(")


def _blank(m: re.Match) -> str:
    return " " * len(m.group(0))


def _cpp_header(path: str, v1_file: bool) -> str | None:
    """The V1 header an ``#include`` names (None: not one)."""
    name = path.rsplit("/", 1)[-1]
    if name in ("request_grpc.h", "request_http.h"):
        return name
    if name == "request.h" and (path.endswith(("library/request.h", "c++/request.h")) or v1_file):
        return name
    return None


def cpp_client_uses(doc) -> list[tuple[int, int, T.CppClientRow]]:
    """The V1 C++ client API in a C or C++ source, outside comments: (start, end, row); nothing when the
    file does not use the V1 library (no V1 header, no V1 protocol context)."""
    if not getattr(doc, "c_family", False):
        return []
    regions = doc.regions()
    v1_file = any(_cpp_header(m.group("path"), False) for r in regions for m in _CPP_INCLUDE.finditer(r.text)) \
        or any(_CPP_CLASS.search(_CPP_STRING.sub(_blank, r.text)) for r in regions)
    if not v1_file:
        return []
    out: list[tuple[int, int, T.CppClientRow]] = []
    for region in regions:
        text = region.text
        for m in _CPP_INCLUDE.finditer(text):
            header = _cpp_header(m.group("path"), True)
            if header:
                out.append((region.base + m.start("path"), region.base + m.end("path"), _CPP_ROWS[header]))
        strings = [(m.start(), m.end()) for m in _CPP_STRING.finditer(text)]  # a name in a literal is no use

        def code(i: int) -> bool:
            return not any(a <= i < b for a, b in strings)

        for rx in (_CPP_CLASS, _CPP_TYPE):
            for m in rx.finditer(text):
                if code(m.start()):
                    out.append((region.base + m.start(), region.base + m.end(), _CPP_ROWS[m.group(0)]))
        for m in _CPP_METHOD.finditer(text):
            if code(m.start()):
                out.append((region.base + m.start("name"), region.base + m.end("name"), _CPP_ROWS[m.group("name")]))
    return sorted(out, key=lambda u: (u[0], u[1]))


@check(order=36)
def check_cpp_client(doc, ctx) -> Iterator[Finding]:
    for start, end, row in cpp_client_uses(doc):
        what = {"header": "includes the V1 C++ client header", "class": "V1 C++ client class",
                "type": "V1 C++ client type", "method": "V1 C++ client call"}[row.kind]
        name = f"{row.v1}()" if row.kind == "method" else row.v1
        v2 = "no V2 counterpart" if row.v2 == "none" else f"V2 has {row.v2}"
        msg = f"{what} {name}: {v2}" + (f"; {row.note}" if row.note else "")
        yield CPP_CLIENT.finding(Span(start, end), msg, suggestion=None if row.v2 == "none" else row.v2)
