"""7xx: the base-image jump. A Dockerfile stage built FROM the V1 server image runs its own RUN lines
on the V1 image's Ubuntu, Python and CUDA; migrated, the same lines run on the target's. What that
breaks, line by line: apt packages the target's Ubuntu does not have (TDM704), pip pins without a
wheel for the target's Python (TDM705), packages built for another CUDA (TDM706), paths of another
Python (TDM707) and of another CUDA (TDM708). The facts are rows of ``tables.py`` with their sources
(``TARGET_BASES``, ``V1_BASES``, ``APT_PACKAGES``, ``WHEEL_FLOORS``); TDM703 (``releases.py``) says
what changed under the stage as a whole."""

from __future__ import annotations


import re
from typing import Iterator

from .. import facts
from ..documents.commands import basename, command_index
from ..documents.sites import BaseImage, CommandSite, Region
from ..intervals import Intervals
from ..model import Finding, Severity
from ..release import NEWEST_KNOWN, Release
from ..syntax.shellwords import Word
from . import tables as T
from .registry import FixAvailability as F
from .registry import check, rule

W = Severity.WARNING
_SEE = "The rows and their sources are in TDM703's table (`triton-docker-migrate explain TDM703`)."

APT_PACKAGE = rule(
    "TDM704", "base-apt-package", W, F.NEVER, "apt-get install of a package the target's Ubuntu does not have",
    "In a stage built on the V1 server image, `apt-get install` names a package that the Ubuntu release of the "
    "target's image does not have: renamed (a library named for its version or soname: libssl1.0.0 -> libssl1.1 "
    "-> libssl3, libicu60 -> libicu70, libffi6 -> libffi8, Boost 1.65 -> 1.74), gone (Python 2: `python`, "
    "`python-pip`, `python-dev` from 20.04), or the Python of another release (`python3.6`, `python3.6-dev`, "
    "`libpython3.6`: each Ubuntu packages its own Python). The build stops at that line. The suggestion names "
    "the package of the same role in the target's Ubuntu where one exists. Sources: the package names of Ubuntu "
    "16.04, 18.04, 20.04, 22.04 and 24.04 (packages.ubuntu.com), kept as data (`APT_PACKAGES`, written by hand: "
    "see docs/facts-notes.md); the Ubuntu of each image: " + _SEE)
PYTHON_WHEEL = rule(
    "TDM705", "base-python-wheel", W, F.NEVER, "pip pin without a wheel for the target's Python",
    "In a stage built on the V1 server image, `pip install` pins a version that has no wheel for the Python of "
    "the target's image (V1 had Python 3.5/3.6; the targets have 3.6, 3.8, 3.10 or 3.12): pip then builds from "
    "source, which fails without compilers and headers, or finds nothing at all (`tensorflow==1.15` has no "
    "wheel for Python 3.8 or later). The first releases with a wheel are a table (`WHEEL_FLOORS`): numpy 1.17.3 "
    "(3.8), 1.21.2 (3.10), 1.26.0 (3.12); tensorflow 2.2.0, 2.8.0, 2.16.1 (tensorflow-gpu: none for 3.12); "
    "torch 1.4.0, 1.11.0, 2.2.0 - each checked against PyPI with `pip download --only-binary=:all: "
    "--python-version`. A wheel file whose Python tag is another Python's (`-cp36-`) is reported too. " + _SEE)
CUDA_BUILD = rule(
    "TDM706", "base-cuda-build", W, F.NEVER, "A package built for another CUDA than the target's",
    "In a stage built on the V1 server image (CUDA 10.x; 20.06-v1/20.07-v1: CUDA 11.0), a package built for "
    "that CUDA: `cupy-cuda100`/`cupy-cuda101` (they load the CUDA 10 runtime the target's image does not have: "
    "cupy-cuda11x, cupy-cuda12x or cupy-cuda13x match the target's CUDA), torch/torchvision `+cu100`/`+cu101`/"
    "`+cu102` builds (CUDA 10 builds carry no kernels for GPUs newer than Turing and bring a second CUDA), apt "
    "version pins `=...+cuda10.2`, cuDNN 7 (`libcudnn7`, CUDA 10 only: the target's image ships its own cuDNN) "
    "and versioned CUDA packages (`cuda-toolkit-10-2` -> the target's `cuda-toolkit-12-6`). Reported when the "
    "CUDA named is of another major version than the target's. " + _SEE)
PYTHON_PATH = rule(
    "TDM707", "base-python-path", W, F.NEVER, "A path or interpreter of another Python than the target's",
    "In a stage built on the V1 server image, `/usr/lib/python3.6/...`, `/usr/local/lib/python3.6/dist-packages`, "
    "`/usr/include/python3.6m` or the interpreter `python3.6`/`pip3.6`: the target's image has its own Python "
    "(3.8 from 20.12, 3.10 from 23.05, 3.12 from 24.11), so the path is empty and the command is missing. "
    "The suggestion is the same path for the target's Python (`python3` for an interpreter). " + _SEE)
CUDA_PATH = rule(
    "TDM708", "base-cuda-path", W, F.NEVER, "A path of another CUDA release than the target's",
    "In a stage built on the V1 server image, `/usr/local/cuda-10.2/...`: the target's image installs its own "
    "CUDA release under `/usr/local/cuda-X.Y` with `/usr/local/cuda` pointing at it, so a path naming another "
    "release does not exist there. Suggestion: `/usr/local/cuda`. " + _SEE)


# --- the two sides of the jump ------------------------------------------------------------------

def target_base(target: Release) -> tuple[T.ImageBase, str]:
    """The base of the target's image, and a note when it is not the target's own row."""
    own = T.target_base(target)
    if own is not None:
        return own, ""
    newest = T.target_base(NEWEST_KNOWN)
    assert newest is not None
    return newest, f" (as {NEWEST_KNOWN}, the newest release the rules know)"


def v1_base(image: str) -> T.ImageBase | None:
    """The base of a V1 image reference (None: its tag is not a release tag)."""
    m = facts.IMAGE_RE.search(image.strip())
    tag = m.group("tag") if m else None
    tm = facts.V1_TAG.match(tag or "")
    if not tm:
        return None
    return T.v1_base(tm.group("ver"), bool(tm.group("v1")))


def describe(b: T.ImageBase) -> str:
    text = f"Ubuntu {b.ubuntu}, Python {b.python}, CUDA {b.cuda}"
    return text + (" (interpolated)" if b.interpolated.startswith(("CUDA", "all")) else "")


def describe_v1(image: str) -> str:
    b = v1_base(image)
    return describe(b) if b is not None else T.V1_BASE_UNKNOWN


def _cuda_of(text: str) -> tuple[int, int] | None:
    m = re.match(r"(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


# --- the sites of a stage -----------------------------------------------------------------------

def _by_stage(doc, bases: list[BaseImage]) -> tuple[list[list[CommandSite]], list[list[Region]]]:
    """For each of ``bases``: the commands whose first word is in one of its RUN lines, and the
    regions (not the image itself) that start in its stage - in the document's order, found in one
    pass over each (stages do not overlap)."""
    runs = Intervals((r.start, r.end, k) for k, b in enumerate(bases) for r in b.runs)
    stages = Intervals((b.stage.start, b.stage.end, k) for k, b in enumerate(bases) if b.stage is not None)
    commands: list[list[CommandSite]] = [[] for _ in bases]
    regions: list[list[Region]] = [[] for _ in bases]
    for site in doc.commands():
        if site.words:
            span = site.words[0].span
            held = runs.first_holding(span.start, span.end)
            if held is not None:
                commands[held[2]].append(site)
    for r in doc.regions():
        if r.text and not r.image_context:
            held = stages.first_holding(r.off(0), r.off(0) + 1)
            if held is not None:
                regions[held[2]].append(r)
    return commands, regions


_APT = {"apt-get", "apt", "aptitude"}
_APT_VALUE = {"-o", "--option", "-t", "--target-release", "--default-release", "-c", "--config-file"}


def apt_install_words(site: CommandSite) -> list[Word]:
    """The package words of ``apt-get install`` (``apt install``, ``aptitude install``)."""
    ws = site.words
    ci = command_index(ws)
    if ci is None or ws[ci].dynamic or basename(ws[ci].value) not in _APT:
        return []
    words = operands(ws, ci + 1, _APT_VALUE)
    if not words or words[0].value != "install":
        return []
    return words[1:]


def operands(ws: list[Word], i: int, takes_value) -> list[Word]:
    """The words from ``ws[i]`` on that are not options (nor the value of an option in
    ``takes_value``), leaving out those known only at run time."""
    out: list[Word] = []
    while i < len(ws):
        v = ws[i].value
        if v in takes_value:
            i += 2
            continue
        if not v.startswith("-") and not ws[i].dynamic:
            out.append(ws[i])
        i += 1
    return out


_PIP = re.compile(r"^(?:pip[\d.]*|pipx)$")
_PIP_VALUE = {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-f", "--find-links", "-i",
              "--index-url", "--extra-index-url", "-t", "--target", "--prefix", "--root", "--trusted-host",
              "--platform", "--python-version", "--implementation", "--abi", "--src", "--upgrade-strategy",
              "--progress-bar", "--cache-dir", "--log", "--proxy", "--timeout", "--retries", "--cert",
              "--client-cert", "--global-option", "--install-option", "--config-settings", "-C"}


def pip_install_words(site: CommandSite) -> list[Word]:
    """The requirement words of ``pip install`` (``pip3``, ``python -m pip``, ``uv pip``)."""
    ws = site.words
    ci = command_index(ws)
    if ci is None or ws[ci].dynamic:
        return []
    i = ci
    base = basename(ws[i].value)
    if re.match(r"^python[\d.]*$", base) and i + 2 < len(ws) and ws[i + 1].value == "-m" and _PIP.match(ws[i + 2].value):
        i += 2
    elif base == "uv" and i + 1 < len(ws) and ws[i + 1].value == "pip":
        i += 1
    elif not _PIP.match(base):
        return []
    if i + 1 >= len(ws) or ws[i + 1].value != "install":
        return []
    return operands(ws, i + 2, _PIP_VALUE)


# --- apt packages (TDM704) ----------------------------------------------------------------------

def _replacement(row: T.AptRow, name: str, ubuntu: str) -> str | None:
    chosen = None
    for since, pkg in row.replacement:
        if Release(ubuntu) >= Release(since):
            chosen = pkg
    if chosen is None:
        return None
    if "{icu}" in chosen:
        return T.ICU[ubuntu]
    if "{boost}" in chosen:
        m = re.match(r"libboost(-[a-z_]+)?1\.\d+", name)
        return f"libboost{(m.group(1) if m else '') or ''}-dev"
    m = re.match(r"python(-\w+)?$", name)
    return chosen.format(suffix=(m.group(1) or "") if m else "")


def _available(row: T.AptRow, name: str, ubuntu: str) -> bool:
    if row.ubuntu:
        return ubuntu in row.ubuntu
    if name.startswith("libicu"):
        return T.ICU.get(ubuntu) == name
    m = re.search(r"1\.(\d+)", name)
    return bool(m) and T.BOOST.get(ubuntu) == f"1.{m.group(1)}"


def check_apt(word: Word, tb: T.ImageBase, image: str, note: str) -> Iterator[Finding]:
    name = re.split(r"[=/]", word.value, maxsplit=1)[0].split(":")[0]
    where = f"Ubuntu {tb.ubuntu}, the base of tritonserver:{tb.release}-py3{note}"
    m = re.fullmatch(T.PYTHON_PACKAGE, name)
    if m:
        minor = int(m.group("minor"))
        if minor in T.UBUNTU_PYTHONS.get(tb.ubuntu, ()):
            return
        suffix = m.group("suffix") or ""
        new = f"libpython{tb.python}{suffix}" if m.group("lib") else f"python3{suffix}"
        yield APT_PACKAGE.finding(word.span, f"apt package {name}: {where}, packages Python {tb.python}, not 3.{minor} "
                                  f"(the V1 image was {describe_v1(image)})", suggestion=new)
        return
    for row in T.APT_PACKAGES:
        if not re.fullmatch(row.pattern, name) or _available(row, name, tb.ubuntu):
            continue
        new = _replacement(row, name, tb.ubuntu)
        yield APT_PACKAGE.finding(word.span, f"apt package {name} is not in {where}: {row.why}", suggestion=new)
        return


# --- pip pins (TDM705) --------------------------------------------------------------------------

_REQ = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?P<spec>[<>=!~][^;]*)?(?:;.*)?$")
_WHL = re.compile(r"(?:^|/)(?P<dist>[A-Za-z0-9_.]+)-(?P<ver>[^-/]+)(?:-\d[^-/]*)?-(?P<py>cp\d+|py\d+)-[^/]*\.whl$")


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for p in text.split("+")[0].split("."):
        m = re.match(r"\d+", p)
        if not m:
            break
        parts.append(int(m.group()))
    return tuple(parts)


def _below(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    n = max(len(a), len(b))
    return a + (0,) * (n - len(a)) < b + (0,) * (n - len(b))


def highest_allowed(spec: str) -> tuple[tuple[int, ...], bool] | None:
    """The upper bound a specifier list sets: (version, inclusive); None when it sets none."""
    best: tuple[tuple[int, ...], bool] | None = None
    for clause in spec.split(","):
        m = re.match(r"\s*(===|==|~=|<=|<|!=|>=|>)\s*(\S+)", clause)
        if not m:
            continue
        op, v = m.groups()
        bound: tuple[tuple[int, ...], bool] | None = None
        if op in ("==", "==="):
            if v.endswith(".*"):
                base = _version(v[:-2])
                bound = (base[:-1] + (base[-1] + 1,), False) if base else None
            else:
                bound = (_version(v), True)
        elif op == "<=":
            bound = (_version(v), True)
        elif op == "<":
            bound = (_version(v), False)
        elif op == "~=":
            base = _version(v)[:-1]
            bound = (base[:-1] + (base[-1] + 1,), False) if base else None
        if bound and bound[0] and (best is None or _below(bound[0], best[0])):
            best = bound
    return best


def check_pip(word: Word, tb: T.ImageBase, image: str, note: str) -> Iterator[Finding]:
    value = word.value
    target_py = tb.python
    w = _WHL.search(value)
    if w:
        tag = w.group("py")
        if tag.startswith("cp") and tag != "cp" + target_py.replace(".", ""):
            yield PYTHON_WHEEL.finding(word.span, f"the wheel {value.rsplit('/', 1)[-1]} is built for Python "
                                       f"{tag[2]}.{tag[3:]}; tritonserver:{tb.release}-py3{note} has Python {target_py}",
                                       suggestion=f"a {w.group('dist')} wheel for cp{target_py.replace('.', '')}")
        return
    m = _REQ.match(value)
    if not m:
        return
    name = m.group("name").lower().replace("_", "-")
    row = next((r for r in T.WHEEL_FLOORS if r.package == name), None)
    if row is None:
        return
    first = dict(row.first)
    if target_py not in first:
        return
    floor = first[target_py]
    spec = (m.group("spec") or "").strip()
    image_py = f"tritonserver:{tb.release}-py3{note} has Python {target_py}"
    if floor is None:
        instead = "tensorflow[and-cuda]" if name == "tensorflow-gpu" else None
        yield PYTHON_WHEEL.finding(word.span, f"{name} has no wheel for Python {target_py} at all: {image_py} (the V1 "
                                   f"image had {_v1_python(image)})", suggestion=instead)
        return
    bound = highest_allowed(spec) if spec else None
    if bound is None:
        return
    top, inclusive = bound
    fl = _version(floor)
    if _below(top, fl) or (not inclusive and not _below(fl, top)):
        yield PYTHON_WHEEL.finding(word.span, f"{value}: no {name} release this allows has a wheel for Python "
                                   f"{target_py} (the first is {floor}); {image_py}, the V1 image had "
                                   f"{_v1_python(image)}", suggestion=f"{name}>={floor}")


def _v1_python(image: str) -> str:
    b = v1_base(image)
    return f"Python {b.python}" if b is not None else "Python 3.5 or 3.6"


# --- builds for another CUDA (TDM706) -----------------------------------------------------------

_CUPY = re.compile(r"^cupy-cuda(?P<v>\d+)(?P<x>x?)$")
_LOCAL_CU = re.compile(r"\+cu(?P<v>\d+)\b")
_APT_CUDA_PIN = re.compile(r"\+cuda(?P<major>\d+)\.(?P<minor>\d+)")
_CUDA_PKG = re.compile(r"^cuda-(?P<name>[a-z][a-z-]*?)-(?P<major>\d+)-(?P<minor>\d+)$")


def _cu_digits(v: str, x: bool) -> tuple[int, int | None]:
    """``100`` -> (10, 0), ``92`` -> (9, 2), ``11`` with ``x`` -> (11, None)."""
    if x:
        return int(v), None
    return int(v[:-1]), int(v[-1])


def check_cuda_pip(word: Word, tb: T.ImageBase, image: str, note: str) -> Iterator[Finding]:
    m = _REQ.match(word.value)
    if not m:
        return
    name = m.group("name").lower()
    tmaj, tmin = tb.cuda_version
    image_cuda = f"tritonserver:{tb.release}-py3{note} has CUDA {tb.cuda}"
    cm = _CUPY.match(name)
    if cm:
        major, minor = _cu_digits(cm.group("v"), bool(cm.group("x")))
        if major != tmaj:
            built = f"{major}.x" if minor is None else f"{major}.{minor}"
            yield CUDA_BUILD.finding(word.span, f"{name} loads the CUDA {built} runtime, which the image does not have: "
                                     f"{image_cuda}", suggestion=T.cupy_package((tmaj, tmin)))
        return
    lm = _LOCAL_CU.search(m.group("spec") or "")
    if lm and name in ("torch", "torchvision", "torchaudio"):
        major, minor = _cu_digits(lm.group("v"), False)
        if major != tmaj:
            yield CUDA_BUILD.finding(word.span, f"{word.value} is a build for CUDA {major}.{minor}: it brings its own "
                                     f"CUDA {major} libraries beside the image's and has no kernels for GPUs newer "
                                     f"than its CUDA knew; {image_cuda}",
                                     suggestion=f"a {name} build for CUDA {tmaj} (+cu{tmaj}{tmin})")


def check_cuda_apt(word: Word, tb: T.ImageBase, image: str, note: str) -> Iterator[Finding]:
    value = word.value
    name = value.split("=", 1)[0]
    tmaj, tmin = tb.cuda_version
    image_cuda = f"tritonserver:{tb.release}-py3{note} has CUDA {tb.cuda}"
    if re.fullmatch(T.CUDNN7, name):
        yield CUDA_BUILD.finding(word.span, f"apt package {name}: cuDNN 7 exists for CUDA 10 only; {image_cuda} and "
                                 f"ships the cuDNN built for it: remove the package from the list")
        return
    pin = _APT_CUDA_PIN.search(value)
    if pin and int(pin.group("major")) != tmaj:
        yield CUDA_BUILD.finding(word.span, f"{value} pins a build for CUDA {pin.group('major')}.{pin.group('minor')}; "
                                 f"{image_cuda}: no such build exists for it", suggestion=name)
        return
    cm = _CUDA_PKG.match(name)
    if cm and int(cm.group("major")) != tmaj:
        new = f"cuda-{cm.group('name')}-{tmaj}-{tmin}" if f"cuda-{cm.group('name')}" in T.CUDA_VERSIONED_PACKAGES \
            else None
        yield CUDA_BUILD.finding(word.span, f"apt package {name} is CUDA {cm.group('major')}.{cm.group('minor')}'s; "
                                 f"{image_cuda}", suggestion=new)


# --- paths (TDM707, TDM708) ---------------------------------------------------------------------

#: a path starts a word, a value (``=``, ``:``) or a compiler flag's argument (``-I/usr/include/...``)
_PATH_START = r"(?:^|(?<=[\s:='\"(,;\[{])|(?<=-[A-Za-z]))"
_PY_PATH = re.compile(_PATH_START + r"/usr/(?:(?:local/)?(?P<dir>lib|include)/python3\.(?P<minor>\d+)(?P<m>m?)"
                      r"|bin/python3\.(?P<binminor>\d+))(?![\w.])")
_CUDA_PATH = re.compile(_PATH_START + r"/usr/local/cuda-(?P<major>\d+)\.(?P<minor>\d+)(?![\w.])")
_INTERPRETER = re.compile(r"^(?:python|pip)3\.(?P<minor>\d+)$")


def check_paths(region: Region, tb: T.ImageBase, note: str) -> Iterator[Finding]:
    text = region.text
    tminor = tb.python_minor
    if "/usr/" not in text:
        return
    for m in _PY_PATH.finditer(text):
        minor = int(m.group("minor") or m.group("binminor"))
        if minor == tminor:
            continue
        path = m.group(0)
        if m.group("binminor"):
            new = "/usr/bin/python3"
        else:
            new = path[: m.start("minor") - m.start()] + str(tminor)
        yield PYTHON_PATH.finding(region.span(m.start(), m.end()),
                                  f"{path} is Python 3.{minor}'s; tritonserver:{tb.release}-py3{note} has Python "
                                  f"{tb.python}", suggestion=new)
    tcuda = tb.cuda_version
    for m in _CUDA_PATH.finditer(text):
        if (int(m.group("major")), int(m.group("minor"))) == tcuda:
            continue
        yield CUDA_PATH.finding(region.span(m.start(), m.end()),
                                f"{m.group(0)} is CUDA {m.group('major')}.{m.group('minor')}'s; tritonserver:"
                                f"{tb.release}-py3{note} has CUDA {tb.cuda} in /usr/local/cuda-{tcuda[0]}.{tcuda[1]} "
                                f"(/usr/local/cuda points at it)", suggestion="/usr/local/cuda")


def check_interpreter(site: CommandSite, tb: T.ImageBase, note: str) -> Iterator[Finding]:
    ci = command_index(site.words)
    if ci is None:
        return
    w = site.words[ci]
    m = _INTERPRETER.match(w.value)
    if w.dynamic or not m or int(m.group("minor")) == tb.python_minor:
        return
    yield PYTHON_PATH.finding(w.span, f"{w.value} is Python 3.{m.group('minor')}'s interpreter; tritonserver:"
                              f"{tb.release}-py3{note} has Python {tb.python}: {w.value} is not there",
                              suggestion=w.value.split("3.")[0] + "3")


# --- the check ----------------------------------------------------------------------------------

@check(order=51)
def check_base_jump(doc, ctx) -> Iterator[Finding]:
    """Each stage built on the V1 server (or SDK) image: its RUN lines and paths against the target's base."""
    bases = [b for b in doc.base_images() if b.v1 and b.stage is not None]
    if not bases:
        return
    tb, note = target_base(ctx.target)
    commands, regions = _by_stage(doc, bases)
    for k, base in enumerate(bases):
        for site in commands[k]:
            for w in apt_install_words(site):
                found = list(check_cuda_apt(w, tb, base.image, note))
                yield from found or check_apt(w, tb, base.image, note)
            for w in pip_install_words(site):
                yield from check_cuda_pip(w, tb, base.image, note)
                yield from check_pip(w, tb, base.image, note)
            yield from check_interpreter(site, tb, note)
        for region in regions[k]:
            yield from check_paths(region, tb, note)
