"""1xx: server and client SDK image references."""

from __future__ import annotations

import os
import posixpath
import re
from typing import Iterator

from ..documents.sites import ImageKeys, Region
from .. import facts
from ..documents.commands import V1_PROBED, command_index
from ..documents.commands import is_v1_binary as command_is_v1
from ..documents.sites import is_foreign
from ..intervals import Disjoint, covers_any
from ..facts import IMAGE_RE, LOCAL_V1_IMAGE_RE, V1_IMAGE, V1_TAG, ImageInfo, classify, is_v1_tag, \
    tensorrtserver_tag_exists
from ..model import Edit, Finding, Fix, Severity, Span
from ..release import Release
from . import tables as T
from .registry import FixAvailability as F
from .registry import check, rule

SERVER_IMAGE = rule(
    "TDM101", "v1-server-image", Severity.INFO, F.ALWAYS, "V1 server image -> tritonserver of the target release",
    "`nvcr.io/nvidia/tensorrtserver:YY.MM-py3`, and the V1 servers published as `tritonserver:20.03-py3`, "
    "`20.03.1-py3`, `20.06-v1-py3` and `20.07-v1-py3`, become `tritonserver:<target>-py3`. The registry "
    "and path before the name are kept (private mirrors; a `tensorrtserver` in a Docker Hub namespace other than "
    "`nvidia/` is not NVIDIA's image: TDM106; one with no registry and a release's tag, `tensorrtserver:19.10-py3`, "
    "is NVIDIA's retagged locally: it moves to `tritonserver:<target>-py3` with a warning that Docker Hub has no "
    "such image, so the new one must be retagged too or written with its registry), `${VAR:-default}` and ARG indirection are "
    "kept, only the reference changes. A Dockerfile that gives the repository and the tag as two build "
    "arguments (`ARG IMAGE=nvcr.io/nvidia/tensorrtserver`, `ARG TAG=20.02-py3`, `FROM ${IMAGE}:${TAG}`) gets "
    "both defaults changed together, when each argument is used only there (otherwise TDM104); so do two "
    "variables of a script or a Makefile (`\"$IMAGE:$TAG\"`, `$(IMAGE):$(TAG)`: a warning when the caller may set "
    "them, `?=` or `${TAG:-...}`), and a GitLab CI file's `variables:` entry - the file's, or that of the job that holds every "
    "use of it - used only as image tags (`services: [{name: \"...tensorrtserver:${TRTIS_TAG}\"}]`: a warning, since "
    "a project's, group's or pipeline's variable takes precedence). An `image` key and a `tag` key of one mapping in a YAML file of no known kind (a "
    "Clara pipeline's `container: {image: nvcr.io/nvidia/tritonserver, tag: 20.07-v1-py3}`) are one reference too, as "
    "Helm's `repository`/`tag` are: a V1 release there is found (reported: the kind has no fixes), and the server "
    "command of the same mapping is a V1 line. A `@sha256:` digest pinned the V1 image: it is dropped and the "
    "finding is a warning so that you pin the new image. Values for a Helm chart that is not in the run (a "
    "values file with no chart around it, an Argo CD or Flux release of a chart from a chart repository) "
    "are migrated with a warning: the chart's templates run the server on that image, and their command line, "
    "probes and ports must move to V2 together (a V1 chart runs `trtserver`). So is a Kustomization's `images:` "
    "entry whose resources come from another repository (a remote base): the base's server command line, "
    "probes and clients are outside the run and must move to V2 with it. A GitLab CI service is reached by the "
    "names GitLab derives from its image (`nvcr.io__nvidia__tensorrtserver` and `nvcr.io-nvidia-tensorrtserver`, "
    "with or without an `alias:`): they move with the image, so the uses of the old names the file writes (a URL, a "
    "client's `-u` host, a variable) are renamed in the same fix; such a name written elsewhere (a script the job "
    "runs, a client's default URL, a file whose service has moved already) is a warning naming the new host. "
    "An image whose `trtserver` command stays "
    "in text the tool cannot read as a command is held with a warning - the two move together, by hand: in "
    "Python, the image of an object (a container spec: one statement, or assignments to one name and its items; "
    "args built as a string it cannot parse); in a Dockerfile, the base of a build stage (or of the stages built on "
    "it) that holds such text (a `COPY <<EOF` script, an `ONBUILD ENV` value); in a script or a Makefile, an image "
    "variable used on such a line (a here-document's text) or in such a `define` body or rule. Source: S1, facts sheet 'Releases, images'.")
SDK_IMAGE = rule(
    "TDM102", "v1-clientsdk-image", Severity.INFO, F.ALWAYS, "V1 client SDK image -> the target's SDK image",
    "`tensorrtserver:YY.MM-py3-clientsdk` becomes `tritonserver:<target>-py3-sdk` (from 20.12; "
    "`-py3-clientsdk` for 20.06-20.11). The SDK's client libraries speak the V2 protocol: code using "
    "them must be ported (see TDM603).")
LEFT_UNDER_V2 = rule(
    "TDM105", "v1-image-under-v2-command", Severity.ERROR, F.NEVER, "A V2 command line on an image that stays V1",
    "The server command line would move to V2, but the image it runs on stays V1: its tag cannot be mapped "
    "(a variable - also a build argument or a `.env` variable with another use -, no tag, not a release tag) or "
    "it is a locally built V1 image. When that image is named by the container (a compose service also through "
    "`extends`, from the same file or another compose file; a CI service's `command:` runs on the service's image, "
    "and a job's script runs `trtserver` itself in the job's `image:` - GitLab; GitHub's `container:`), the line is "
    "held on V1 with what runs beside it on that image (the rest of a Dockerfile's build stage, of a Python object, "
    "of a compose service, a pod (whose containers reach it on localhost), a CI job: its health check, its paths), "
    "each held finding a warning: the "
    "file still starts V1, and this error stays until the image is set. When the image is built elsewhere on a "
    "locally built V1 image (the base of the Dockerfile a compose service's `build:` builds, or of one that runs "
    "the script as its command), the line is migrated and this error says what to rebuild. V2's options do not "
    "start the V1 server, and the V1 command line does not start V2: set the image to a V2 release of the target "
    "(`tritonserver:<target>-py3`, or an image rebuilt on it) and move the two together.")
LOCAL_IMAGE = rule(
    "TDM106", "v1-local-image", Severity.WARNING, F.NEVER, "A locally built or third-party image of V1",
    "An image whose name holds `tensorrtserver` but is not NVIDIA's (`tensorrtserver_build`, "
    "`myorg/tensorrtserver_clients`): built on V1 by someone else, so no V2 image stands for it. So is the V1 "
    "image's own name with no registry and no release's tag (`tensorrtserver`, `tensorrtserver:latest`: Docker Hub has "
    "no such image, so it is a local build) or in another Docker Hub user's namespace "
    "(`someuser/tensorrtserver:20.02-py3`): renaming it would name an image that does not exist; the suggestion is "
    "NVIDIA's (`nvcr.io/nvidia/tritonserver:<target>-py3`), and a server command line run on it is TDM105. A bare name "
    "(no tag, no registry) counts where it stands as an image: the image of `docker run`, a `docker build -t` "
    "value, an operand of `docker pull`/`push`/`tag`/`save`/`images` (`docker image ls`; also inside a command "
    "substitution, `$(docker image ls -q NAME)`), the value (or default) of a shell variable a "
    "`docker run` or `docker build -t` takes its image from (`TAG=${TAG:-tensorrtserver_client}`, then `docker "
    "run $TAG`), the default of a build argument a `FROM` names its "
    "image with (in free text such a name is a folder's or a service's). Rebuild it on "
    "`tritonserver:<target>-py3` (its own Dockerfile, if it is in the tree, is migrated too). Paths and the "
    "entrypoint of stages built on it are reported, not rewritten: its layout is unknown.")
SOURCE_BUILD = rule(
    "TDM107", "v1-source-build", Severity.ERROR, F.NEVER, "The file builds the V1 server from source",
    "A V1 build (`make trtis`, a bazel target `//src/servers:trtserver`, a checkout of the V1 repository "
    "`tensorrt-inference-server`, files copied into an `/opt/tensorrtserver` the file creates itself): V2 "
    "builds differently (`build.py` of triton-inference-server/server, backends in their own repositories), "
    "so the build must be ported by hand. The paths such a file creates are its own: they are reported, "
    "never rewritten.")
UNKNOWN_TAG = rule(
    "TDM104", "v1-image-unknown-tag", Severity.WARNING, F.SOMETIMES, "V1 image whose tag cannot be mapped",
    "A V1 image without a tag, with a tag set by a variable, or with a tag that is not a release tag - or not one "
    "of the V1 image: `tensorrtserver` was last published as 20.02 (the later V1 releases came out as "
    "`tritonserver`), so `tensorrtserver:20.12-py3` names no image that ever ran: "
    "the tool cannot know which V2 tag to write. The suggestion names the target's server image. In a "
    "Kubernetes manifest a container's image written without a tag is renamed (`nvcr.io/nvidia/tritonserver`, "
    "still without a tag): a kustomize base leaves the tag to an overlay's `images:` entry, which matches "
    "the image by its name and which the run renames too; the finding stays a warning, since the tag must "
    "be set where it is set. A V1 image name given to the image a build produces (a Docker Bake target's `tags`) "
    "is reported, never renamed: renamed, it would publish or shadow NVIDIA's V2 image.")

_BARE_RELEASE = re.compile(r"\d{2}\.\d{2}(?:\.\d+)?")


def _not_mapped(repo: str, tag: str) -> str:
    """Why a V1 image's ``tag`` maps to no V2 tag: not a release tag, or a release never published under the V1
    name (the V1 releases after 20.02 came out as tritonserver; V2 never as tensorrtserver)."""
    if repo == V1_IMAGE and V1_TAG.match(tag):
        return ("not a tag of the V1 image (tensorrtserver's last release is 20.02; the V1 releases after it came "
                "out as tritonserver, and V2 never as tensorrtserver): check which image this ran")
    return "not a release tag"


def new_tag(tag: str, target: Release, repo: str = "") -> str | None:
    """The target's tag for the V1 ``tag`` (of ``repo``, when known: a ``tensorrtserver`` tag that was never
    published maps to nothing)."""
    m = V1_TAG.match(tag)
    # (a tag that is already the target's own release - the tag moved, the repository not yet - maps to itself)
    if not m or repo == V1_IMAGE and not tensorrtserver_tag_exists(tag) and m.group("ver") != str(target):
        return None
    if m.group("flavour"):
        return f"{target}-py3-sdk" if target.at_least(T.SDK_SUFFIX_FROM) else f"{target}-py3-clientsdk"
    return f"{target}-py3"


#: (``${var.name}``: a Terraform variable)
_VAR_TAG = re.compile(r"^\$\{?(?P<name>(?:var\.)?\w+)\}?(?P<suffix>(?:(?:-v1)?-py3(?:-clientsdk)?)?)$")
#: after a repository written as a variable's default, the tag written as another's:
#: ``${IMAGE:-nvcr.io/nvidia/tensorrtserver}:${TAG:-20.02-py3}``
_DEFAULT_PAIR = re.compile(r"\}:\$\{(?P<name>\w+):?-(?P<default>[^}$]*)\}(?![\w.-])")
#: a tag held by a variable with a default: ``${TRTIS_TAG:-19.10}-py3``
_DEFAULT_TAG = re.compile(r"^\$\{(?P<name>\w+):?-(?P<default>[^}$]*)\}(?P<suffix>(?:-v1)?-py3(?:-clientsdk)?)$")


@check(order=30)
def check_images(doc, ctx) -> Iterator[Finding]:
    elsewhere = None
    named = image_names(doc)
    hosts = _service_host_names(doc) | {old for _sp, old, _new, _ref in derived_v1_hosts(doc.text)}
    outputs = getattr(doc, "output_tags", list)()
    for region in doc.regions():
        for f in check_region(region, ctx.target, doc.tag_variable, getattr(doc, "tag_beside", None),
                              untagged_renamed=doc.kind == "kubernetes", named=named):
            if f.rule in (SERVER_IMAGE.id, SDK_IMAGE.id) and f.span is not None and f.fix is not None \
                    and any(sp.start <= f.span.start and f.span.end <= sp.end for sp in outputs):
                f = _output_tag(f, doc.text[f.span.start:f.span.end])
            if f.rule == LOCAL_IMAGE.id and hosts and f.span is not None \
                    and doc.text[f.span.start:f.span.end].split(":", 1)[0] in hosts:
                continue  # ``nvcr.io__nvidia__tensorrtserver:8000``: a host GitLab names a service by, no image
            if f.rule in (SERVER_IMAGE.id, SDK_IMAGE.id, UNKNOWN_TAG.id):
                ctx.v1_image = True
            if f.rule == SERVER_IMAGE.id:
                elsewhere = doc.charts_elsewhere() if elsewhere is None else elsewhere
                _chart_elsewhere(f, elsewhere)
            yield f


def _output_tag(f: Finding, old: str) -> Finding:
    """A V1 image name given to the image a build produces (a Bake target's ``tags``): the build's own name for
    it, which the rename would turn into NVIDIA's V2 image name (pushing over it, or shadowing it locally): a
    warning with the V2 name, no edit, as a tag that maps to no release is reported (TDM104)."""
    new = f.fix.edits[0].content if f.fix is not None and f.fix.edits else None
    return UNKNOWN_TAG.finding(
        f.span, f"{old}: the name this build gives the image it produces (an output tag), not an image it pulls: "
        f"renamed to NVIDIA's V2 image, the build would publish or shadow that image; name the V2 image it now "
        f"produces in a registry of your own, and the files that run it with that name", suggestion=new)


def _service_host_names(doc) -> frozenset[str]:
    """The host names GitLab derives from the images of the file's services (``gitlab_service_names``)."""
    from ..documents.ciworkflow import gitlab_service_names

    services = getattr(doc, "gitlab_services", None)
    return frozenset(n for _sp, ref in (services() if services else ()) if "$" not in ref
                     for n in gitlab_service_names(ref))


@check(order=89)
def check_service_hosts(doc, ctx) -> Iterator[Finding]:
    """A GitLab service reached by the names GitLab derives from its image (no ``alias:``, or besides it:
    ``nvcr.io/nvidia/tensorrtserver:20.02-py3`` -> ``nvcr.io__nvidia__tensorrtserver``,
    ``nvcr.io-nvidia-tensorrtserver``): once the image moves, those names move with it, so the fix that moves
    the image renames the uses of the old names the file writes (``doc.host_uses``: a script's URL, a client's
    ``-u`` host, a variable) in the same change. A use that another fix rewrites with its text is left as it
    is and the image's finding becomes a warning naming the new host. A use of such a name of a V1 image that no
    fix renames - in any file: a script the job runs, a client's default URL - is a warning naming the new host
    (``_derived_hosts_left``)."""
    from ..documents.ciworkflow import gitlab_service_names

    services = getattr(doc, "gitlab_services", lambda: [])
    found = ctx.found
    aliases = getattr(doc, "service_aliases", frozenset)()
    for span, ref in dict.fromkeys(services()):
        if "$" in ref:  # (GitLab derives no name from a reference a variable holds)
            continue
        f = next((f for f in found if f.rule in (SERVER_IMAGE.id, SDK_IMAGE.id, UNKNOWN_TAG.id) and f.fix is not None
                  and f.span is not None and span.contains(f.span)
                  and all(span.contains(e.span) for e in f.fix.edits)), None)
        if f is None:
            continue
        new = _apply_within(doc.text, span, f.fix.edits).strip().strip("\"'")
        others = [e for g in found if g is not f and g.fix is not None for e in g.fix.edits]
        renamed, left = [], []
        for old_name, new_name in zip(gitlab_service_names(ref), gitlab_service_names(new)):
            if old_name == new_name or old_name in aliases:  # (a name an ``alias:`` gives stays)
                continue
            for use in doc.host_uses(old_name):
                # (the same rename, made by the fix of another service of that image, is no other change)
                if any(use.overlaps(e.span) and e != Edit(use, new_name) for e in others):
                    left.append((old_name, new_name))
                else:
                    renamed.append((Edit(use, new_name), old_name, new_name))
        if not renamed and not left:
            continue
        names = " and ".join(n for o, n in zip(gitlab_service_names(ref), gitlab_service_names(new)) if o != n)
        f.message += f"; GitLab names the service after its image: once it moves, the jobs reach it as {names}"
        if renamed:
            f.fix = Fix(tuple(sorted(f.fix.edits + tuple(e for e, _o, _n in renamed),
                                     key=lambda e: (e.span.start, e.span.end))),
                        f.fix.title, f.fix.unsafe, f.fix.creates, f.fix.group, f.fix.group_size)
            uses = len(renamed)
            f.message += (f", and the {uses} use{'s' if uses > 1 else ''} of "
                          + " and ".join(dict.fromkeys(o for _e, o, _n in renamed))
                          + " in this file " + ("are" if uses > 1 else "is") + " renamed with it")
        if left:
            f.severity = Severity.WARNING
            f.message += ("; rename by hand " + ", ".join(f"{o} -> {n}" for o, n in dict.fromkeys(left))
                          + " where another change rewrites the text that names it")
    yield from _derived_hosts_left(doc, found)


#: a host GitLab names a service of a V1 server image by (``nvcr.io/nvidia/tensorrtserver:20.02-py3`` ->
#: ``nvcr.io__nvidia__tensorrtserver``: each ``/`` written ``__``, which no DNS name holds; or the secondary name of
#: NVIDIA's image, ``nvcr.io-nvidia-tensorrtserver``), as a URL's host, before a port or standing alone
_DERIVED_HOST = re.compile(r"(?:(?<=//)|(?<=@)|(?<![\w./@-]))(?P<host>[\w.-]*tensorrtserver)(?![\w-]|\.[\w-])")
_SECONDARY = "nvcr.io-nvidia-tensorrtserver"


def derived_v1_hosts(text: str) -> list[tuple[Span, str, str, str]]:
    """(where, name, the name once the image moves, the image it names) of each host in ``text`` that GitLab
    derives from a V1 server image (``_DERIVED_HOST``): the image moves to ``tritonserver`` with its registry and
    path kept, and the name with it."""
    if "tensorrtserver" not in text:
        return []
    out = []
    for m in _DERIVED_HOST.finditer(text):
        host = m.group("host")
        if not host.endswith("__" + V1_IMAGE) and host != _SECONDARY \
                or text.startswith("/", m.end()) and text[max(0, m.start() - 2):m.start()] != "//":
            continue  # (a path's folder: ``/data/nvcr.io__nvidia__tensorrtserver/x``)
        ref = host.replace("__", "/") if host != _SECONDARY else "nvcr.io/nvidia/tensorrtserver"
        info = classify(ref)
        if info.triton and info.v1 and not info.sdk:
            out.append((Span(m.start("host"), m.end("host")), host, host[:-len(V1_IMAGE)] + "tritonserver", ref))
    return out


def _derived_hosts_left(doc, found: list[Finding]) -> Iterator[Finding]:
    """A use of a host GitLab derives from a V1 server image that no fix renames (another file than the service's:
    a script the job runs, a client's default URL; or a file whose service moved already): once the service's
    image moves, GitLab names the service after the new image and this host reaches nothing."""
    if "tensorrtserver" not in doc.text:
        return
    # (the text the readers read: a comment, never rewritten, is no use of the host)
    left = [(region.span(s.start, s.end), old, new, ref) for region in doc.regions()
            for s, old, new, ref in derived_v1_hosts(region.text) if region.contiguous(s.start, s.end)]
    if not left:
        return
    edits = [e.span for f in found if f.fix is not None for e in f.fix.edits]
    aliases = getattr(doc, "service_aliases", frozenset)()
    for span, old, new, ref in left:
        if old in aliases or any(span.overlaps(e) for e in edits):
            continue  # (a service of the file that is given the name by ``alias:`` keeps it)
        yield SERVER_IMAGE.finding(
            span, f"{old} is the host GitLab names a CI service of the V1 image {ref} by (its "
            f"image without the tag, each / written __ or -): once the service runs tritonserver, GitLab names it "
            f"{new} and {old} reaches nothing: use {new} (or give the service an alias and use it)",
            severity=Severity.WARNING, suggestion=new)


def _apply_within(text: str, span: Span, edits) -> str:
    """The text of ``span`` with ``edits`` (each inside it) applied."""
    out, at = [], span.start
    for e in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        out += [text[at:e.span.start], e.content]
        at = e.span.end
    return "".join(out) + text[at:span.end]


def _chart_elsewhere(f: Finding, elsewhere: list[tuple[Span, str]]) -> None:
    """A V1 server image given to a chart that is not in the run (``Document.charts_elsewhere``): a warning
    that the chart's templates must move with it."""
    chart = next((c for sp, c in elsewhere if f.span is not None and sp.contains(f.span)), None)
    if chart is not None:
        f.severity = Severity.WARNING
        f.message += (f"; {chart} is not in the run: its templates run the server on this image, and their "
                      f"command line, probes and ports must move to V2 with it (a V1 chart runs trtserver, which "
                      f"the V2 image lacks): move the chart to a V2 release too")


def image_names(doc):
    """``named(region, start, end)``: the text of ``region`` there is an image reference by where it stands, bare as
    it may be (``tensorrtserver_client``, which free text does not make one): the image of ``docker run``, a
    ``docker build -t`` value (``dockerrun.names_image``), the value of a variable either takes its image from
    (``TAG=${TAG:-tensorrtserver_client}``, ``docker run $TAG``), the default of a Dockerfile's build argument
    that a ``FROM`` names its image with."""
    from ..documents.dockerrun import names_image

    base_args = doc.base_arguments() if hasattr(doc, "base_arguments") else frozenset()
    held = doc.held_images()  # the values of variables a docker run or build takes its image from

    def named(region: Region, start: int, end: int) -> bool:
        if held:
            span = region.span(start, end)
            if any(h.contains(span) for h in held):
                return True
        if region.label == "ARG" and base_args:
            m = _ARG_VALUE.search(region.text, 0, start)
            if m is not None and m.group(1) in base_args and not region.text[end:end + 1].strip("\"'"):
                return True
        return any(cli in region.text for cli in _CLIS) and names_image(region.text, start, end)

    return named


_CLIS = ("docker", "podman", "nerdctl")
#: the name of a build argument whose default is written right before (``ARG BASE_IMAGE=``)
_ARG_VALUE = re.compile(r"(?:^|\s)(\w+)=[\"']?$")


def check_region(region: Region, target: Release, variables=None, beside=None,
                 untagged_renamed: bool = False, named=None) -> Iterator[Finding]:
    """Image references in ``region``. ``variables(name)`` gives ``(value, span)`` of a build
    argument used only in image tags, so ``tensorrtserver:${V}-py3`` can be migrated with it;
    ``beside(offset)`` the tag variable written beside a repository held by a variable (``FROM
    ${IMAGE}:${TAG}``, ``"$IMAGE:$TAG"``): (IMAGE, TAG, TAG's value, its span, how they are written,
    what else may set them). ``untagged_renamed``: a container's image written without a tag is renamed
    (a Kubernetes manifest: kustomize sets the tag of a base's image by its name, in an ``images:``
    entry that the run renames too)."""
    if "server" not in region.text:  # what every match holds: most regions are ruled out here
        return
    if "tensorrtserver" in region.text:
        yield from _local_images(region, target, named)
    for m in IMAGE_RE.finditer(region.text):
        repo, tag, digest, prefix = m.group("repo"), m.group("tag"), m.group("digest"), m.group("prefix")
        # free text needs a tag or a registry path to be an image (not a package or a word), unless where it stands
        # makes it one (the value of a variable a docker run takes its image from, a FROM's build argument)
        if not region.image_context and tag is None and not prefix \
                and not (named is not None and named(region, m.start(), m.end())):
            continue
        if not region.contiguous(m.start(), m.end()):
            continue
        # (a manifest's untagged name may be a kustomize base's, which an overlay's images: entry maps: below)
        whose = facts.not_nvidias(prefix) if repo == V1_IMAGE and not (tag is None and untagged_renamed) else None
        if whose == "namespace" or whose == "local" and (not tag or "$" in tag or new_tag(tag, target, repo) is None):
            yield _not_nvidias(region.span(m.start(), m.end()), m.group(0), whose, tag, target)
            continue
        if repo == "tritonserver" and not is_v1_tag(repo, tag):
            # V1 under the V2 name only by a tag written apart (a Helm template's ``default "20.03-py3"``)
            pair = beside(region.span(m.start(), m.end()).start) if tag is None and not digest and beside else None
            if pair is None or "$" in pair[2] or not is_v1_tag(repo, pair[2]):
                continue
        span = region.span(m.start(), m.end())
        old = m.group(0)
        vm = _VAR_TAG.match(tag or "")
        var = variables(vm.group("name")) if vm and variables is not None else None
        if vm and var is not None and is_v1_tag(repo, var[0] + vm.group("suffix")):
            value, vspan = var[0], var[1]
            nt = new_tag(value + vm.group("suffix"), target, repo)
            if nt is not None:
                yield _var_tag_fix(m, region, target, vm, value, vspan, nt, var[2] if len(var) > 2 else None)
                continue
        dm = _DEFAULT_TAG.match(tag or "")
        if dm and is_v1_tag(repo, dm.group("default") + dm.group("suffix")):
            nt = new_tag(dm.group("default") + dm.group("suffix"), target, repo)
            if nt is not None:
                yield _default_tag_fix(m, region, target, dm, nt)
                continue
        dp = _DEFAULT_PAIR.match(region.text, m.end()) if tag is None and not digest else None
        if dp is not None and re.search(r"\$\{\w+:?-$", region.text[:m.start()]) and region.contiguous(m.start(), dp.end()):
            d0 = dp.start("default")
            f = _split_pair_fix(m, region, target, dp.group("default"), region.span(d0, d0 + len(dp.group("default"))),
                                "the defaults of two variables", f"wherever {dp.group('name')} or the variable of the "
                                "repository is set, set them to a V2 release of the target too")
            if f is not None:  # ``${IMAGE:-nvcr.io/nvidia/tensorrtserver}:${TAG:-20.02-py3}``
                yield f
                continue
        pair = beside(span.start) if tag is None and beside is not None and not digest else None
        f = _split_pair_fix(m, region, target, *pair[2:]) if pair is not None and "$" not in pair[2] else None
        if f is not None:
            yield f
            continue
        if tag is None and untagged_renamed and region.image_context and repo == "tensorrtserver" \
                and region.text[m.end():].strip() == "":
            # a kustomize base: ``images: [{name: .../tensorrtserver, newTag: 20.02-py3}]`` of an overlay
            # sets the tag, and this run renames that name too - both move, or the entry matches nothing
            new = f"{prefix or ''}tritonserver"
            yield UNKNOWN_TAG.finding(
                span, f"{old}: the V1 image's tag is not written with it (a kustomization's images: entry "
                f"sets it by this name, or it is left to latest): renamed to {new}, as this run renames such "
                f"an entry, so that the entry still matches; where the tag is set, set a V2 release of the "
                f"target (tritonserver:{target}-py3)", Severity.WARNING, Fix.of(f"Use {new}", Edit(span, new)))
            continue
        if tag is None or "$" in tag:
            yield UNKNOWN_TAG.finding(
                span, f"{old}: " + ("the V1 image's tag is not written with it (given apart - a key beside it such "
                                     "as newTag: or tag:, a variable - or left to latest): change both together"
                                     if tag is None else "the V1 image's tag is set by a variable") +
                f"; name a V2 release of the target (e.g. tritonserver:{target}-py3)",
                suggestion=f"{prefix or ''}tritonserver:{target}-py3")
            continue
        nt = new_tag(tag, target, repo)
        if nt is None:
            yield UNKNOWN_TAG.finding(
                span, f"{old}: tag {tag!r} is {_not_mapped(repo, tag)}; the V2 image is tritonserver:{target}-py3 "
                f"(or a variant such as -py3-sdk, -py3-min)", suggestion=f"{prefix or ''}tritonserver:{target}-py3")
            continue
        new = f"{prefix or ''}tritonserver:{nt}"
        sdk = "clientsdk" in tag
        r = SDK_IMAGE if sdk else SERVER_IMAGE
        what = "client SDK image" if sdk else "server image"
        msg = f"V1 {what} {repo}:{tag} -> tritonserver:{nt}"
        sev = Severity.INFO
        if digest:
            msg += " (the @sha256 digest pinned the V1 image and was dropped: pin the new image again)"
            sev = Severity.WARNING
        if whose == "local":  # ``tensorrtserver:19.10-py3``: NGC's image retagged locally under its bare name
            msg += (f" (no registry: a local retag of NVIDIA's image, as Docker Hub has no such image; retag "
                    f"nvcr.io/nvidia/tritonserver:{nt} as {new} where this runs, or write the registry)")
            sev = Severity.WARNING
        edit = Edit(span, new)
        if prefix and "$" in prefix:  # a registry variable stays as written (make's ``$(REG)`` reads as ``${REG}``)
            edit = Edit(region.span(m.start("repo"), m.end()), f"tritonserver:{nt}")
        yield r.finding(span, msg, sev, Fix.of(f"Use {new}", edit))


_MAKE_TARGET = re.compile(r"^(?:trtis|trtserver)(?:[-_.]\w+)?$")


@check(order=25)
def check_source_build(doc, ctx) -> Iterator[Finding]:
    """A file that builds V1 itself."""
    for site in doc.commands():
        words = [w.value for w in site.words]
        i = command_index(site.words)
        if i is None:
            continue
        prog, args = words[i].rsplit("/", 1)[-1], words[i + 1:]
        why = None
        if prog in ("make", "gmake") and any(_MAKE_TARGET.match(a) for a in args):
            why = "make " + next(a for a in args if _MAKE_TARGET.match(a))
        elif prog == "bazel" and any("trtserver" in a for a in args):
            why = "bazel " + next(a for a in args if "trtserver" in a)
        elif prog == "git" and "clone" in args and any(facts.V1_REPOSITORY in a for a in args):
            why = "a checkout of " + facts.V1_REPOSITORY
        elif prog == "cmake" and any(a.startswith("-DTRTIS_") for a in args):
            why = "cmake -DTRTIS_..."
        if why is not None:
            ctx.v1_source_build = True
            yield SOURCE_BUILD.finding(Span(site.words[i].start, site.words[-1].end),
                                       f"this builds the V1 server from source ({why}): V2 builds differently "
                                       "(build.py of triton-inference-server/server): port the build by hand")
    for region in doc.regions():
        if region.label in ("COPY", "ADD") and not region.triton and not region.unknown_base:
            m = re.search(r"(?<![\w.-])/opt/tensorrtserver(?:/[\w.-]*)*\s*$", region.text)
            if m:
                ctx.v1_source_build = True
                yield SOURCE_BUILD.finding(region.span(m.start(), m.end()),
                                           "files copied into an /opt/tensorrtserver this image creates itself (it is "
                                           "not built on a V1 image): a V1 build or install of its own - port it by "
                                           "hand")


def _not_nvidias(span: Span, old: str, whose: str, tag: str | None, target: Release) -> Finding:
    """TDM106 for a V1 image's name that is not NVIDIA's image (``facts.not_nvidias``): renaming it would name an
    image that does not exist (``tritonserver:24.10-py3`` on Docker Hub, ``someone/tritonserver``)."""
    nt = new_tag(tag, target) if tag and "$" not in tag else None
    new = f"nvcr.io/nvidia/tritonserver:{nt or f'{target}-py3'}"
    why = ("is not NVIDIA's image: Docker Hub has no official tensorrtserver image (NVIDIA's is "
           "nvcr.io/nvidia/tensorrtserver), so it names a local build or retag of the V1 image" if whose == "local" else
           "is another Docker Hub user's image, not NVIDIA's (NVIDIA's V1 image is nvcr.io/nvidia/tensorrtserver)")
    return LOCAL_IMAGE.finding(span, f"{old} {why}: no V2 image of that name exists to move it to; use {new} "
                               "(or rebuild the image on it) and retag or push it where this name is used",
                               suggestion=new)


def _local_images(region: Region, target: Release, named=None) -> Iterator[Finding]:
    for m in LOCAL_V1_IMAGE_RE.finditer(region.text):
        if m.group("name") == "tensorrtserver":
            continue
        registry = m.group("registry") or ""
        if not (region.image_context or m.group("tag") or "." in registry or ":" in registry
                or named is not None and named(region, m.start(), m.end())):
            continue  # free text: a name, not an image (unless where it stands makes it one)
        yield LOCAL_IMAGE.finding(region.span(m.start(), m.end()),
                                  f"{m.group(0)} is built on V1 by someone else (its name holds tensorrtserver): no V2 "
                                  f"image maps to it; rebuild it on tritonserver:{target}-py3",
                                  suggestion=f"tritonserver:{target}-py3")


@check(order=60)
def check_v1_image_left_under_v2(doc, ctx) -> Iterator[Finding]:
    """A V1 line on an image that stays V1 (its tag cannot be mapped, a locally built V1 image): the line is held
    on V1 with what runs beside it on that image (never a V2 command line on a V1 image), with an error."""
    left = [f for f in ctx.found if f.rule in (UNKNOWN_TAG.id, LOCAL_IMAGE.id) and f.span is not None
            and f.fix is None]
    from_env = [f for f in ctx.found if f.rule == IMAGE_FROM_ENV_FILE.id and f.severity is Severity.ERROR
                and f.span is not None]
    for cl, res in ctx.server_lines():
        if cl.report_only or not cl.v1 or not any(f.fix for f in res.findings):
            continue
        env = next((g for g in from_env for img in cl.images if g.span.start < img.end and img.start < g.span.end),
                   None)
        if env is not None:  # TDM109 says why: the image's value is a V1 image in the environment file
            hold_with_image(doc, ctx, cl, res, cl.images, env, "TDM109")
            continue
        extended = cl.extra.get("extended_image")
        if extended is not None and not cl.images:
            f = _extended_left(extended, ctx.target)
            if f is not None:
                hold_with_image(doc, ctx, cl, res, (f.span,), f)  # (where extends is written: its service)
                yield f
            continue
        why = next((g for g in left for img in cl.images if g.span.start < img.end and img.start < g.span.end), None)
        if why is None:
            continue
        f = LEFT_UNDER_V2.finding(cl.images[0], "", suggestion=f"tritonserver:{ctx.target}-py3")
        line = hold_with_image(doc, ctx, cl, res, cl.images, f)
        f.message = (f"the server command line that runs on this image (line {line}) is held on V1, with what runs "
                     f"beside it on this image: the image stays V1 ({_reason(doc, why)}), and a V2 command line does "
                     f"not start the V1 server; set the image to a V2 release of the target "
                     f"(tritonserver:{ctx.target}-py3) and migrate the command line with it, or neither starts")
        yield f


def _reason(doc, f: Finding) -> str:
    """Why the image of TDM104/TDM106 finding ``f`` stays V1, in a few words: its message's first clause, and
    for a tag a build argument sets, the other use that keeps its default from changing (the document's
    ``tag_variable_why``)."""
    text = doc.text[f.span.start:f.span.end]
    why = f.message.removeprefix(text + ": ").split(";", 1)[0].split(" (", 1)[0]
    other = getattr(doc, "tag_variable_why", None)
    m = re.search(r"\$\{?(\w+)", text.rsplit(":", 1)[-1] if ":" in text else "")
    more = other(m.group(1)) if other is not None and m is not None else None
    return f"{why}: {more}" if more else why


def hold_with_image(doc, ctx, cl, res, images, said: Finding, rule_id: str = "TDM105") -> int:
    """Hold the server line ``cl`` (its transform ``res``) on V1 because its image stays V1 (``said``, a finding of
    rule ``rule_id``, says so; ``images``: where the line's image is written in this file, none when it is written
    in another): no fix of the line is applied, nor any fix of what runs with it on that image - the rest of a
    Dockerfile's build stage, of a Python object, of a compose service, a manifest's container, a CI job (its health
    check, its paths): the unit moves as one, as a chart's image and command do (TDM108). The line's line number."""
    from .held import hold_line

    words = [w for seg in cl.segments for w in seg.words if not is_foreign(w.span)]
    first = cl.binary.span if cl.binary is not None and not is_foreign(cl.binary.span) else \
        words[0].span if words else said.span
    units = [_units_of(doc, img, first) for img in images if not is_foreign(img)]
    note = f" (held on V1: the image this line runs on stays V1, line {doc.position(said.span.start)[0]}, {rule_id})"
    hold_line(ctx, cl, note, within=lambda at: any(u(at) for u in units))
    return doc.position(first.start)[0]


def _units_of(doc, img: Span, line: Span):
    """What runs on the image at ``img`` with the server line starting at ``line``, as a test of an offset: the
    document's ``same_object`` (a Dockerfile's build stage, a Python object, the uses of a script's image variable)
    or ``same_block`` (a Terraform resource, a Nomad job),
    or in YAML the innermost mapping that holds both (a compose service, a CI job; a container: its pod, whose
    other containers reach it on localhost)."""
    same = getattr(doc, "same_object", None) or getattr(doc, "same_block", None)
    from ..syntax import yamlsrc as Y

    src = getattr(doc, "src", None)
    best = None
    if isinstance(src, Y.YamlSource):
        lo, hi = min(img.start, line.start), max(img.end, line.end)
        seen: set[int] = set()
        pods: dict[int, object] = {}  #: a container's mapping -> the pod spec whose containers list holds it
        for root in src.docs:
            for node in Y.walk(root, seen):
                if not isinstance(node, Y.MappingNode):
                    continue
                for k, v in Y.items(node):
                    if Y.key_of(k) in ("containers", "initContainers") and isinstance(v, Y.SequenceNode):
                        pods.update((id(c), node) for c in v.value)
                if node.start_index <= lo:
                    end = Y.node_end(src, node)
                    if hi <= end and (best is None or end - node.start_index < best[1] - best[0]):
                        best = (node.start_index, end, node)
        if best is not None and id(best[2]) in pods:
            pod = pods[id(best[2])]
            best = (pod.start_index, Y.node_end(src, pod), pod)

    def within(at: int) -> bool:
        if same is not None and (same(img.start, at) or same(line.start, at)):
            return True
        return best is not None and best[0] <= at < best[1]
    return within


def _extended_left(extended, target: Release) -> Finding | None:
    """TDM105 for a compose service whose image is written in the file its ``extends: {file: ...}`` names
    (``(that file's document, its service, where extends is written here)``), when that image stays V1: the image
    rules of that file find it unmapped (its tag a variable, no tag, a locally built V1 image)."""
    base, service, span = extended
    sc = base.src.scalar(service.image_node)
    img = Span(sc.start, sc.end)
    for region in base.regions():
        at = region.span(0, len(region.text))
        if not (at.start < img.end and img.start < at.end):
            continue
        for f in check_region(region, target, base.tag_variable, getattr(base, "tag_beside", None)):
            if f.rule in (UNKNOWN_TAG.id, LOCAL_IMAGE.id) and f.fix is None and f.span is not None \
                    and f.span.start < img.end and img.start < f.span.end:
                where = os.path.relpath(base.path)
                return LEFT_UNDER_V2.finding(
                    span, f"the server command line of this service is held on V1, with what runs beside it: the image "
                    f"it takes from {where} (service {service.name}: {str(service.image_node.value).strip()}) stays V1, "
                    f"and a V2 command line does not start the V1 server; set it to a V2 release of the target "
                    f"(tritonserver:{target}-py3) and migrate the command line with it, or neither starts",
                    suggestion=f"tritonserver:{target}-py3 in {where}")
    return None


#: the V1 server binary named in a piece of evidence
_V1_BINARY_WORD = re.compile(r"(?<![\w.-])trtserver(?![\w.-])")


@check(order=62)
def check_image_beside_unread_server(doc, ctx) -> Iterator[Finding]:
    """A unit that runs one image - a Python object (a container spec), a Dockerfile's build stage, the uses of
    a script's or a Makefile's image variable: the document's ``same_object`` - whose server image moves to V2
    while ``trtserver`` stays in text of the same unit that no reader took as a command (args built as a string
    the tool cannot parse, a ``COPY <<EOF`` script, an ``ONBUILD ENV`` value, a ``define`` body): the image is
    held with it (a V2 image under the V1 command line does not start), as TDM105 holds the reverse."""
    same = getattr(doc, "same_object", None)
    if same is None:
        return iter(())
    moved = [f for f in ctx.found if f.rule == SERVER_IMAGE.id and f.fix is not None and f.span is not None]
    if not moved:
        return iter(())
    from .residue import evidence_in

    prose = covers_any(doc.advisory())
    taken = Disjoint([e.span for f in ctx.found if f.fix is not None for e in f.fix.edits] +
                     [f.span for f in ctx.found if f.span is not None])
    left = [p for p in evidence_in(doc, ctx.target)
            if _V1_BINARY_WORD.search(p.text) and not is_foreign(p.span) and not prose.covers(p.span.start)
            and not taken.overlaps(p.span.start, p.span.end)]
    # server lines of the file the run migrates: an object that holds one moves with its image
    lines = [w.start for cl, res in ctx.server_lines() if not cl.report_only and any(g.fix for g in res.findings)
             for w in cl.segments[0].words[:1] if not is_foreign(w.span)]
    for f in moved:
        beside = [p for p in left if same(f.span.start, p.span.start)]
        if not beside or any(same(f.span.start, a) for a in lines):
            continue
        line = doc.position(beside[0].span.start)[0]
        f.fix = None
        f.severity = Severity.WARNING
        f.message += (f" (held: {doc.same_object_name} runs the V1 server at line {line} in text the tool cannot read "
                      f"as a command, which stays V1; a V2 image under the V1 command line does not start: move the "
                      f"image and that command to V2 together, by hand)")
    return iter(())


@check(order=60)
def check_built_bases(doc, ctx) -> Iterator[Finding]:
    """A V1 line migrated in a container whose image the run builds (compose ``build:``) from a Dockerfile whose
    image is built on a locally built V1 image (TDM105: it stays V1) or on an image the tool cannot map (TDM110):
    the same as when the container names that image itself."""
    cache: dict = {}
    given = {}
    for arg in doc.build_arguments():
        given.setdefault(arg.dockerfile, set()).add(arg.name)
    for cl, res in ctx.server_lines():
        build = cl.extra.get("build")
        if build is None or cl.report_only or not cl.v1 or not any(f.fix for f in res.findings):
            continue
        path, span, target = build
        df = _dockerfile(path, cache)
        stage = _built_stage(df, target) if df is not None else None
        if stage is None or given.get(path, set()) & df.base_arguments():
            continue  # no such stage; or a build argument given here names the base: TDM112's
        base, info = stage.base_image.strip(), classify(stage.base_image)
        where = os.path.relpath(path)
        if stage.local_v1:
            yield _on_local_v1(span, f"the server command line of this service is migrated to V2, but its image is "
                               f"built from {where} on {base}, a locally built V1 image, and stays V1", where, ctx.target)
        elif not info.triton and "$" not in base and _IMAGE_REF.fullmatch(base) and not cl.built:
            by_binary = cl.binary is not None and command_is_v1(cl.binary.value)
            what = cl.binary.value if by_binary else cl.v1_arguments or "V1's options"
            yield _derived(span, f"the image built from {where} on {base}", what, ctx.target)


def _built_stage(df, target: str):
    """The stage a build of ``df`` produces: the one named ``target``, else the last."""
    if not df.stages:
        return None
    if target:
        return next((st for st in df.stages if st.name and st.name.lower() == target.lower()), None)
    return df.stages[-1]


DERIVED_IMAGE = rule(
    "TDM110", "v1-derived-image", Severity.WARNING, F.NEVER, "A V1 server run from an image the tool cannot map",
    "The container runs `trtserver` (or a path below `/opt/tensorrtserver`), or gives its image's entrypoint "
    "arguments only the V1 server had (`--allow-poll-model-repository`, `--tf-gpu-memory-fraction`, ...), from "
    "an image that is not a Triton image the tool knows (`registry.example.com/ml/inference-server:1.4`): an "
    "image built on the V1 server. So does a `tritonserver` line whose container's probe or health check asks for "
    "V1's `/api/health` (the 20.06-v1 and 20.07-v1 images ran V1 under that name), in a manifest, a compose "
    "service or a Dockerfile stage. A compose service that builds its image (`build:`) from a Dockerfile of the "
    "run is judged by what that Dockerfile's stage is built on (its `FROM`, build arguments resolved); so is a "
    "script that starts the server and that a Dockerfile in its folder or up to three folders above COPYs and runs "
    "as its `ENTRYPOINT` or `CMD` (the finding is on the script's server line, migrated as that Dockerfile's own "
    "`CMD` would be; on a locally built V1 image it is TDM105). "
    "The command line is migrated, but the image still holds V1 and has no `tritonserver`: rebuild it on the "
    "target's `tritonserver` image (the Dockerfile that builds it is migrated like any other) and deploy the "
    "new tag together with this change.\n\n"
    "When the run builds the image from a V1 server's Dockerfile whose `ENTRYPOINT` is the server binary and whose "
    "`CMD` holds only its options (`ENTRYPOINT [\"trtserver\"]`, `CMD [\"--model-store=/models\"]`; the image named by "
    "`docker build -t`, `docker/build-push-action`'s `tags`, compose `image:` beside `build:`, ...), a container "
    "that gives that image options alone replaces the `CMD`: a Kubernetes container's `args` without `command`, a "
    "compose service's `command` without `entrypoint` (whose `image:` is the built image, or that builds that "
    "Dockerfile), the words after the image of a `docker run`. Those options are the V1 server's command line, "
    "whatever options they hold, and are migrated as any V1 line (the options V2 refuses, and V1's defaults: "
    "`--model-control-mode=poll`, `--disable-auto-complete-config`, which the migration writes on the "
    "Dockerfile's `CMD` and the container's options replace); this finding, on the image, names the Dockerfile "
    "to rebuild it from. The image must be the same repository, and the same tag when both say one (a tag set "
    "when the build runs matches any); when the container runs another tag of the repository, a digest, or a "
    "repository built from more than one Dockerfile, it may run an image built before the migration: the "
    "options are left as they are, and this finding, on them, is a warning with the options as the migration "
    "would write them.\n\n"
    "A `trtserver` given an option no V1 release had (`--port 8000`: TDM317) on such an image may be a program of "
    "the user's that has the V1 server's name: its compose service, pod container, `docker run` or Dockerfile stage is held - every finding in it "
    "is reported with its change as a suggestion, nothing in it is changed. So is such a `trtserver` that a script "
    "runs itself (no container) when the file names no V1 image, no V1 install folder, and runs in no V1 "
    "container (a ConfigMap's script a V1 pod mounts). The suggestions write the line as the migration would, so "
    "they keep the options V2 refuses too (a mistyped one): the message names them, to fix by hand.")


V1_PREDICTOR = rule(
    "TDM111", "v1-serving-predictor", Severity.WARNING, F.NEVER, "A serving platform starts the V1 server for this file",
    "KFServing's `tensorrt` predictor (`serving.kubeflow.org/v1alpha2` `InferenceService`, and `spec.default.tensorrt` "
    "of a `v1alpha1` `KFService`) runs the V1 "
    "server: KFServing starts `nvcr.io/nvidia/tensorrtserver:<runtimeVersion>` with `trtserver` and its own "
    "V1 options, so the file never names the image or the binary. KServe (`serving.kserve.io/v1beta1`) "
    "has no `tensorrt` predictor: its `triton` predictor runs V2 (`runtimeVersion: <target>-py3`), and "
    "V2 serves the same model repositories. A `triton` predictor whose `runtimeVersion` is a V1 release of "
    "the `tritonserver` image (`20.03-py3`, `20.06-v1-py3`, ...) runs the V1 server too. Move the InferenceService to KServe by hand (the platform "
    "itself, its storage and its ingress change too); clients move to the V2 protocol (`/v2/...`).")


@check(order=30)
def check_serving_predictors(doc, ctx) -> Iterator[Finding]:
    for key, version, span in doc.serving_predictors():
        if key == "tensorrt":
            image = f"tensorrtserver:{version}" if version else "the tensorrtserver image of its default version"
            yield V1_PREDICTOR.finding(
                span, f"the tensorrt predictor runs the V1 server ({image}); KServe's triton predictor runs V2: "
                f"move this InferenceService to serving.kserve.io/v1beta1 with triton: runtimeVersion: "
                f"{ctx.target}-py3")
        elif key == "triton" and version and facts.classify(f"nvcr.io/nvidia/tritonserver:{version}").v1:
            # the 20.03-20.07 images of the V1 server were already named tritonserver
            yield V1_PREDICTOR.finding(
                span, f"the triton predictor with runtimeVersion {version} runs the V1 server "
                f"(tritonserver:{version}); set runtimeVersion: {ctx.target}-py3 (V2) once the platform's "
                f"version starts it, and move its clients to the V2 protocol", suggestion=f"runtimeVersion: {ctx.target}-py3")


#: an image reference as written: a registry path with a tag or a digest (``ubuntu`` alone is left out)
_IMAGE_REF = re.compile(r"[a-z0-9][\w.-]*(?::\d+)?(?:/[\w.-]+)*(?::[\w][\w.-]*|@sha256:[0-9a-f]{64})"
                        r"|[a-z0-9][\w.-]*(?::\d+)?(?:/[\w.-]+)+")


@check(order=61)
def check_derived_images(doc, ctx) -> Iterator[Finding]:
    """A V1 server line run from an image that is neither a Triton image nor a V1 image by name (not
    in a file that builds the V1 server itself: TDM107 says more)."""
    if any(f.rule == SOURCE_BUILD.id for f in ctx.found):
        return
    resolve = getattr(doc, "resolve", None)
    seen: set[tuple[int, int]] = set()
    built: dict = {}
    for cl, res in ctx.server_lines():
        by_binary = cl.binary is not None and command_is_v1(cl.binary.value)
        if cl.report_only or not cl.v1 or not (by_binary or cl.v1_arguments or cl.built):
            continue
        if cl.built is None and "build" in cl.extra and _dockerfile(cl.extra["build"][0], built) is not None:
            continue  # the image is built beside it, from a Dockerfile read: what it is built on decides (above)
        for img in cl.images:
            if is_foreign(img) or (img.start, img.end) in seen:
                continue
            text = _image_text(doc, img, resolve)
            if not _IMAGE_REF.fullmatch(text):
                continue  # a variable, an ARG definition, a template: not an image the file names
            info = classify(text)
            if info.triton or info.local_v1:
                continue
            seen.add((img.start, img.end))
            if cl.built is not None and not by_binary:
                yield _built(img, text, cl.built, ctx.target)
                continue
            what = cl.binary.value if by_binary else cl.v1_arguments if cl.v1_arguments == V1_PROBED \
                else f"its arguments give {cl.v1_arguments}"
            yield _derived(img, text, what, ctx.target)
    for cl in doc.maybe_server_lines():
        yield from _maybe_built(doc, ctx, cl, resolve)
    for span, text, binary in doc.images_run_by_v1():  # a chart's values image, its line in a template
        text = text.strip().removeprefix("docker://")
        info = classify(text)
        if (span.start, span.end) not in seen and _IMAGE_REF.fullmatch(text) and not (info.triton or info.local_v1):
            seen.add((span.start, span.end))
            yield _derived(span, text, f"{binary}, in the chart's templates", ctx.target)


#: how many folders up from a script the Dockerfiles that may run it are looked for (the build context holds it)
_RUNNER_DEPTH = 3


@check(order=61)
def check_run_by_dockerfile(doc, ctx) -> Iterator[Finding]:
    """A script (or launcher) that starts the V1 server and that a Dockerfile of its tree COPYs and runs as its
    ``ENTRYPOINT``/``CMD``: the image it runs in is that Dockerfile's. Built on a locally built V1 image it stays V1
    (TDM105); built on an image the tool cannot map it holds V1 and no ``tritonserver`` (TDM110) - as the
    Dockerfile's own ``CMD`` on such a base is treated: the line is migrated, the finding says to rebuild."""
    if doc.kind not in ("shell", "text", "python") or not doc.path or doc.path == "-":
        return
    lines = [(cl, res) for cl, res in ctx.server_lines() if not cl.report_only and cl.v1 and cl.binary is not None
             and command_is_v1(cl.binary.value) and any(f.fix for f in res.findings)]
    if not lines:
        return
    for where, base, stage in _dockerfiles_running(os.path.realpath(doc.path)):
        info = classify(base)
        for cl, _res in lines:
            span = cl.binary.span
            if stage.local_v1:
                yield _on_local_v1(span, f"{where} runs this script as its command on {base}, a locally built V1 image "
                                   f"that stays V1: the server line migrated here to V2 does not start there", where,
                                   ctx.target)
            elif not info.triton and "$" not in base and _IMAGE_REF.fullmatch(base):
                yield DERIVED_IMAGE.finding(
                    span, f"{where} runs this script as its command on {base}, which is not a Triton image this tool can "
                    f"map: started there with {cl.binary.value}, it is built on V1 and has no tritonserver; the server "
                    f"line migrated here to V2 does not start there: rebuild it on tritonserver:{ctx.target}-py3 and "
                    f"deploy the new image together with this change", suggestion=f"FROM nvcr.io/nvidia/"
                    f"tritonserver:{ctx.target}-py3 in {where}")
        return  # the nearest Dockerfile that runs it


def runner_files(script: str, wanted: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(path, kind) of the files of the kinds ``wanted`` in the folder of ``script`` (a real path) and the
    folders above it (``_RUNNER_DEPTH``), nearest first: where what runs the script as a container's command is."""
    from .. import kinds

    folder = os.path.dirname(script)
    for _ in range(_RUNNER_DEPTH + 1):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            names = []
        for name in names:
            path = os.path.join(folder, name)
            kind = kinds.kind_by_name(path)
            if kind in wanted and os.path.isfile(path):
                yield path, kind
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent


def _dockerfiles_running(script: str) -> Iterator[tuple[str, str, object]]:
    """(Dockerfile as shown, its last stage's base image, that stage) of the Dockerfiles in the script's folder and
    the folders above it whose image runs ``script`` (a real path) as its command, nearest first."""
    cache: dict = {}
    for path, _kind in runner_files(script, ("dockerfile",)):
        df = _dockerfile(path, cache)
        if df is None or not df.stages:
            continue
        last = len(df.stages) - 1
        if any(os.path.realpath(f) == script for f, _what in df.files_run(last, ("ENTRYPOINT", "CMD"))):
            yield os.path.relpath(path), df.stages[last].base_image.strip(), df.stages[last]


def _image_text(doc, img: Span, resolve) -> str:
    text = doc.text[img.start:img.end].strip().strip("\"'")
    if resolve is not None and "$" in text:
        text = resolve(text)
    return text.removeprefix("docker://")


def _built(img: Span, text: str, b, target: Release) -> Finding:
    """Options alone given to an image the run builds from a V1 server's Dockerfile whose ENTRYPOINT is the
    server (``commands.BuiltServer``): migrated as the server's line; the image must be rebuilt with them."""
    return DERIVED_IMAGE.finding(
        img, f"{text} runs the V1 server: it is {b.how}, whose ENTRYPOINT is {b.binary}, and the options given "
        f"here replace its CMD, so they are migrated as the server's command line; {text} holds V1 until it is "
        f"rebuilt from the migrated {b.dockerfile} (tritonserver:{target}-py3): deploy the rebuilt image together "
        f"with these options", suggestion=f"rebuild {text} from the migrated {b.dockerfile}")


def _maybe_built(doc, ctx, cl, resolve) -> Iterator[Finding]:
    """Options alone given to an image that may be the one the run builds from a V1 server's Dockerfile whose
    ENTRYPOINT is the server (another tag, a digest: ``BuiltServer.why``): a warning with the options as the
    migration would write them, never an edit."""
    from ..writer import apply

    words = [w for seg in cl.segments for w in seg.words]
    if not words or any(is_foreign(w.span) for w in words):
        return
    start, end = words[0].start, words[-1].end
    edits = [e for f in ctx.transform(cl).findings if f.fix is not None for e in f.fix.edits]
    if not edits or any(e.span.start < start or e.span.end > end for e in edits):
        return
    try:
        new = apply(doc.text[start:end], [Edit(Span(e.span.start - start, e.span.end - start), e.content) for e in edits])
    except ValueError:
        return
    b = cl.built
    image = _image_text(doc, cl.images[0], resolve) if cl.images else "its image"
    yield DERIVED_IMAGE.finding(
        Span(start, end), f"these options replace the CMD of {image}, which may be the image the run builds from "
        f"{b.dockerfile}, whose ENTRYPOINT is the V1 server {b.binary}; but {b.why}: if it runs the migrated image, "
        f"migrate them as a V1 server line (V2 refuses V1's options, and they replace the CMD where the migration "
        f"writes V1's defaults)", suggestion=new)


def _on_local_v1(span: Span, why: str, where: str, target: Release) -> Finding:
    """A server line migrated to V2 that runs in an image built on a locally built V1 image (``where``: its
    Dockerfile): TDM105, with what to rebuild."""
    return LEFT_UNDER_V2.finding(span, f"{why}: rebuild it on a V2 release of the target (tritonserver:{target}-py3) "
                                 f"together, or neither starts", suggestion=f"FROM nvcr.io/nvidia/tritonserver:{target}-py3 "
                                 f"in {where}")


def _derived(img: Span, text: str, what: str, target: Release) -> Finding:
    built = ("it is built on V1 and has no tritonserver" if what != V1_PROBED else
             "a V1 release (the 20.06-v1 and 20.07-v1 images ran tritonserver with V1's API) does not run "
             "the migrated command line")
    return DERIVED_IMAGE.finding(
        img, f"{text} runs the V1 server ({what}) but is not a Triton image this tool can map: "
        f"{built}; rebuild it on tritonserver:{target}-py3 and deploy "
        f"the new image together with the migrated command line", suggestion=f"FROM nvcr.io/nvidia/"
        f"tritonserver:{target}-py3 in the Dockerfile that builds {text}")


def _split_pair_fix(m, region: Region, target: Release, tag: str, tag_span: Span, where: str,
                    elsewhere: str | None = None) -> Finding | None:
    """A V1 repository (``m``, without its tag) whose tag ``tag`` is written apart, at ``tag_span`` (``where``
    says how): both change together. ``elsewhere``: what else may set them (then a warning)."""
    nt = new_tag(tag, target, m.group("repo"))
    if nt is None:
        return None
    msg = f"V1 image {m.group(0)}:{tag} ({where}) -> {m.group('prefix') or ''}tritonserver:{nt}"
    if elsewhere:
        msg += f": the defaults are migrated; {elsewhere}"
    r = SDK_IMAGE if "clientsdk" in tag else SERVER_IMAGE
    renamed = [Edit(region.span(m.start("repo"), m.end("repo")), "tritonserver")] if m.group("repo") != "tritonserver" else []
    return r.finding(region.span(m.start(), m.end()), msg, Severity.WARNING if elsewhere else Severity.INFO,
                     Fix.of(msg, *renamed, Edit(tag_span, nt)))


def _default_tag_fix(m, region: Region, target: Release, dm, nt: str) -> Finding:
    """``repo:${TAG:-19.10}-py3``: the repository and the default change; where the variable is set,
    it wins over the default, and the tool cannot see that place (a warning)."""
    edits = []
    if m.group("repo") != "tritonserver":
        edits.append(Edit(region.span(m.start("repo"), m.end("repo")), "tritonserver"))
    tag_start = m.start("tag")
    d0 = tag_start + dm.start("default")
    edits.append(Edit(region.span(d0, d0 + len(dm.group("default"))), str(target)))
    suffix, new_suffix = dm.group("suffix"), nt[len(str(target)):]
    if suffix != new_suffix:
        edits.append(Edit(region.span(tag_start + dm.start("suffix"), tag_start + dm.end("suffix")), new_suffix))
    if m.group("digest"):
        edits.append(Edit(region.span(m.start("digest"), m.end("digest")), ""))
    name = dm.group("name")
    msg = (f"V1 image {m.group('repo')}:{m.group('tag')} -> tritonserver:${{{name}:-{target}}}{new_suffix}: the "
           f"default is migrated; wherever {name} is set, set it to {target} too")
    r = SDK_IMAGE if "clientsdk" in suffix else SERVER_IMAGE
    return r.finding(region.span(m.start(), m.end()), msg, Severity.WARNING, Fix.of(msg, *edits))


def _var_tag_fix(m, region: Region, target: Release, vm, value: str, vspan, nt: str, overridden: str | None) -> Finding:
    """``repo:${V}-py3`` with ``ARG V=20.02``: rename the repository (and flavour) in the reference
    and set the argument's default to the target release (``repo:${V}`` with ``V=20.02-py3``: to the
    whole new tag). ``overridden``: what else commonly sets the variable (then a warning)."""
    edits = []
    if m.group("repo") != "tritonserver":
        edits.append(Edit(region.span(m.start("repo"), m.end("repo")), "tritonserver"))
    suffix = vm.group("suffix")
    new_suffix = nt[len(str(target)):]
    if not suffix:  # the variable holds the whole tag
        new_suffix = ""
        edits.append(Edit(vspan, nt))
    else:
        if suffix != new_suffix:
            tag_start = m.start("tag")
            s0 = tag_start + len(m.group("tag")) - len(suffix)
            edits.append(Edit(region.span(s0, m.end("tag")), new_suffix))
        edits.append(Edit(vspan, str(target)))
    if m.group("digest"):
        edits.append(Edit(region.span(m.start("digest"), m.end("digest")), ""))
    new_value = nt if not suffix else str(target)
    msg = (f"V1 image {m.group('repo')}:{m.group('tag')} with {vm.group('name')}={value} -> "
           f"tritonserver:${{{vm.group('name')}}}{new_suffix} with {vm.group('name')}={new_value}")
    r = SDK_IMAGE if "clientsdk" in suffix or "clientsdk" in value else SERVER_IMAGE
    sev = Severity.WARNING if m.group("digest") else Severity.INFO
    if overridden:
        msg += f"; {overridden} ({new_value})"
        sev = Severity.WARNING
    return r.finding(region.span(m.start(), m.end()), msg, sev, Fix.of(msg, *edits))


# --- repository and tag in separate keys (Helm values) ---------------------------------------------

def split_info(ik: ImageKeys) -> ImageInfo:
    """What the image of a repository/tag pair is."""
    tag = ik.tag_value or ik.app_version or None  # (an empty tag: the chart's appVersion, where it is Helm's)
    return classify(ik.repo_value.strip() + (f":{tag}" if tag else ""))


@check(order=50)
def check_split_images(doc, ctx) -> Iterator[Finding]:
    """``repository: .../tensorrtserver`` with ``tag: 20.02-py3`` beside it: both keys change."""
    elsewhere = None
    for ik in doc.split_images():
        f = _split_finding(ik, ctx.target)
        if f is not None:
            if f.rule == SERVER_IMAGE.id:
                elsewhere = doc.charts_elsewhere() if elsewhere is None else elsewhere
                _chart_elsewhere(f, elsewhere)
            yield f


def _split_finding(ik: ImageKeys, target: Release) -> Finding | None:
    tag_elsewhere = getattr(ik, "tag_elsewhere", None)
    if ik.tag_span is None and tag_elsewhere is None:
        return None  # the repository is an image-context region: reported there
    info = split_info(ik)
    era = getattr(ik, "v1_era", False)  # tritonserver with a tag of a V1 release (no such image)
    if not info.triton or not (info.v1 or era):
        return None
    repo = ik.repo_value.strip()
    tag = ik.tag_value or ik.app_version
    name = posixpath.basename(repo)
    whose = facts.not_nvidias(repo[:len(repo) - len(name)]) if name == V1_IMAGE else None
    if whose is not None and tag_elsewhere is None and not getattr(ik, "by_name", False):
        # not NVIDIA's image (no registry, another Docker Hub namespace): both keys stay, as the reference would
        span = ik.tag_span if getattr(ik, "repo_elsewhere", "") else \
            Span(min(ik.repo_span.start, ik.tag_span.start), max(ik.repo_span.end, ik.tag_span.end))
        return _not_nvidias(span, f"{repo}:{tag}", whose, tag if ik.tag_is_str else None, target)
    nt = new_tag(tag, target, name) if ik.tag_is_str else None
    # ``tag: "20.02"`` beside the repository: the release alone, the template that assembles the image
    # writes the suffix (``{{ .Values.image.tag }}-py3``); no V1 image had a tag without one
    bare = nt is None and ik.tag_is_str and _BARE_RELEASE.fullmatch(tag) is not None \
        and (name != V1_IMAGE or tensorrtserver_tag_exists(tag + "-py3"))
    if bare:
        nt = str(target)
    if tag_elsewhere is not None:
        return _repo_finding(ik, target, repo, tag, name, nt, tag_elsewhere)
    if nt is None:
        # both keys stay V1: the finding spans them (each line of V1 left carries it)
        span = ik.tag_span if getattr(ik, "repo_elsewhere", "") else \
            Span(min(ik.repo_span.start, ik.tag_span.start), max(ik.repo_span.end, ik.tag_span.end))
        return UNKNOWN_TAG.finding(span, f"{repo}:{tag}: tag {tag!r} is {_not_mapped(name, tag)}; the V2 image is "
                                   f"tritonserver:{target}-py3 (or a variant such as -py3-sdk, -py3-min)",
                                   suggestion=f"{target}-py3")
    edits = []
    elsewhere = getattr(ik, "repo_elsewhere", "")
    if name != "tritonserver" and not elsewhere:
        rename = ik.rename_repo("tritonserver")
        if rename is None:
            return None
        edits.append(rename)
        edits += ik.rename_others("tritonserver")
    if not (elsewhere and tag == nt):  # a tag already the target's goes with a repository renamed there
        edits.append(ik.set_tag(nt))
    if not edits:
        return None
    sdk = "clientsdk" in tag
    what = "client SDK image" if sdk else "server image"
    msg = f"V1 {what} {name}:{tag} -> tritonserver:{nt} " + (
        f"({getattr(ik, 'tag_what', 'the tag key')}; its repository is set in {elsewhere})" if elsewhere
        else "(repository and tag keys)")
    if bare:
        msg += " (the tag holds the release alone: its suffix is written where the image is assembled)"
    if ik.app_version and not ik.tag_value.strip():
        msg += (f" (the tag key was empty: the chart's templates run its appVersion, {ik.app_version}; the V2 tag is "
                f"written in the tag key, and Chart.yaml's appVersion no longer names the image)")
    if era:
        msg += f": {tag} is the tag of a V1 release, which has no {name} image"
    sev = Severity.INFO
    if whose is not None and getattr(ik, "by_name", False):
        # a Kustomization entry with no newName: its name is renamed with the manifests' untagged images it
        # matches (they are renamed too), but no V2 image of that name exists to pull
        msg += (f"; {repo} is not NVIDIA's image (a local build or retag, or another Docker Hub user's): the entry "
                f"is renamed with the images it matches, but name the image to pull: newName: "
                f"nvcr.io/nvidia/tritonserver")
        sev = Severity.WARNING
    remote = getattr(ik, "remote_resources", "")
    if remote and not sdk:
        msg += (f"; the resources it is set for come from outside this tree ({remote}): their server command line, "
                f"probes and clients must move to V2 with it (a V2 image given a V1 command line does not start)")
        sev = Severity.WARNING
    if ik.digest_span is not None:
        edits.append(ik.clear_digest())
        msg += " (the digest key pinned the V1 image and was emptied: pin the new image again)"
        sev = Severity.WARNING
    return (SDK_IMAGE if sdk else SERVER_IMAGE).finding(ik.repo_span, msg, sev, Fix.of(f"Use tritonserver:{nt}", *edits))


def _repo_finding(ik: ImageKeys, target: Release, repo: str, tag: str, name: str, nt: str | None,
                  tag_elsewhere: str) -> Finding | None:
    """A repository key whose tag is another values file's (a chart's parent overrides one of the two):
    only the repository is changed here; the tag is that file's."""
    overridden = getattr(ik, "overridden_in", "")
    if overridden:
        if name == "tritonserver":
            return None
        rename = ik.rename_repo("tritonserver")
        if rename is None:
            return None
        return SERVER_IMAGE.finding(ik.repo_span, f"V1 server image repository {repo}: the chart never runs it ("
                                    f"{overridden} overrides it); renamed to tritonserver so that no V1 name stays",
                                    fix=Fix.of("Use tritonserver", rename))
    if nt is None:
        return UNKNOWN_TAG.finding(ik.repo_span, f"{repo}:{tag}: the tag that goes with this repository ({tag_elsewhere}) "
                                   f"is not a release tag; the V2 image is tritonserver:{target}-py3",
                                   suggestion=f"{posixpath.dirname(repo) + '/' if '/' in repo else ''}tritonserver")
    if name == "tritonserver":
        return None  # the tag is the other file's to change
    rename = ik.rename_repo("tritonserver")
    if rename is None:
        return None
    sdk = "clientsdk" in tag
    return (SDK_IMAGE if sdk else SERVER_IMAGE).finding(
        ik.repo_span, f"V1 {'client SDK image' if sdk else 'server image'} {name}:{tag} -> tritonserver:{nt} (the "
        f"repository key; its tag is set in {tag_elsewhere})", fix=Fix.of("Use tritonserver", rename))


IMAGE_FROM_ENV_FILE = rule(
    "TDM109", "v1-image-in-env-file", Severity.WARNING, F.NEVER,
    "A V1 image set through the runtime's environment file",
    "`image: ${TRITON_IMAGE}` in a compose file takes its value from the `.env` file beside it, which is "
    "reported but never rewritten. When that value is a V1 image, the service still runs V1; so its server "
    "command line is held on V1 with what runs beside it (its health check), as TDM105 holds a line on an image "
    "that stays V1 - `tritonserver` in a V1 image does not start (an error). Set the variable to the V2 image "
    "and migrate the service in the same change.")
_ENV_LINE = re.compile(r"^[ \t]*(?:export[ \t]+)?([A-Za-z_]\w*)[ \t]*=[ \t]*(.*?)[ \t]*$")


def env_file_values(path: str) -> dict[str, tuple[str, int]]:
    """``NAME=value`` lines of a dotenv file: the value (quotes removed) and its line."""
    from ..atomic import read_regular  # never a FIFO, socket or device

    try:
        data = read_regular(path, 1 << 20)[0]
    except OSError:
        return {}
    out: dict[str, tuple[str, int]] = {}
    for i, raw in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        m = _ENV_LINE.match(raw)
        if m:
            value = m.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            out[m.group(1)] = (value, i)
    return out


def _migrated(value: str, target: Release) -> str | None:
    """``value`` (an image reference) as the image rules would rewrite it, or None."""
    edits = sorted((e for f in check_region(Region(value, image_context=True), target) if f.fix is not None
                    for e in f.fix.edits), key=lambda e: e.span.start)
    if not edits:
        return None
    out, pos = [], 0
    for e in edits:
        if e.span.start < pos:
            return None
        out += [value[pos:e.span.start], e.content]
        pos = e.span.end
    return "".join(out) + value[pos:]


@check(order=16)
def check_interpolated_images(doc, ctx) -> Iterator[Finding]:
    files: dict[str, dict[str, tuple[str, int]]] = {}
    for name, span, v1_line, env in doc.interpolated_images():
        values = files.setdefault(env, env_file_values(env) if env else {})
        if name not in values:
            continue
        value, line = values[name]
        info = classify(value)
        if not (info.v1 or info.local_v1):
            continue
        where = f"{posixpath.basename(env)}:{line}"
        new = _migrated(value, ctx.target)
        if v1_line:
            msg = (f"the image comes from {name} in {where}, a V1 image ({value}) that this run does not change; "
                   f"this service's server command line is held on V1 with it (a V2 command line does not start "
                   f"in a V1 image): set {name} to the V2 image there and migrate the service in the same change")
            yield IMAGE_FROM_ENV_FILE.finding(span, msg, Severity.ERROR, suggestion=f"{name}={new}" if new else None)
        else:
            yield IMAGE_FROM_ENV_FILE.finding(
                span, f"the image comes from {name} in {where}, a V1 image ({value}): migrate it there",
                suggestion=f"{name}={new}" if new else None)


# --- build arguments given from outside the Dockerfile --------------------------------------------

BUILD_ARGUMENT = rule(
    "TDM112", "v1-build-argument", Severity.INFO, F.SOMETIMES, "A build argument that builds on a V1 image",
    "A value given from outside a Dockerfile to one of its build arguments (compose `build: args:`, "
    "`docker build --build-arg NAME=VALUE`) replaces the `ARG` default. When the Dockerfile (read from the "
    "build context) builds on an image named with that argument and the value makes it a V1 image "
    "(`TRITON_VERSION: \"20.03\"` for `FROM nvcr.io/nvidia/tensorrtserver:${TRITON_VERSION}-py3`), the build "
    "stays V1 whatever the Dockerfile's own migration changed: the value becomes the target's, as the `ARG` "
    "default does (a release: the target release; a whole tag: the target's tag), and the Dockerfile must be "
    "migrated in the same change. A value the tool cannot map is a warning; a whole image reference is the "
    "image rules' (TDM101). Either way the server lines of the stages built on that V1 image are V1 lines, "
    "even where the Dockerfile's own `ARG` default names V2: they get the model-control default and the "
    "strict-configuration option.")

_RELEASE_VALUE = re.compile(r"\d{2}\.\d{2}(?:\.\d+)?")
_V1_REPOSITORY = re.compile(r"(?:(?<=/)|^)tensorrtserver(?=[:@]|$)")
_TAG_RELEASE = re.compile(r":(\d{2})\.(\d{2})")


def _v2_release(image: str) -> bool:
    """A V2 release of the Triton image (``tritonserver:20.02-py3`` never existed: V2 began with 20.08)."""
    m = _TAG_RELEASE.search(image)
    info = classify(image)
    return info.triton and not info.v1 and m is not None and (int(m.group(1)), int(m.group(2))) >= (20, 8)


def _v2_once_renamed(image: str) -> bool:
    """``image`` is a V2 release once the Dockerfile's migration renames its repository (the tag is the
    build argument's: ``tensorrtserver:24.10-py3`` becomes ``tritonserver:24.10-py3``)."""
    return _v2_release(_V1_REPOSITORY.sub("tritonserver", image))


def _dockerfile(path: str, cache: dict):
    """The document of the Dockerfile at ``path`` (None: not a readable Dockerfile)."""
    if path not in cache:
        from ..atomic import read_regular  # never a FIFO, socket or device
        from ..documents.dockerfile import DockerfileDoc
        from ..model import ProcessingError

        try:
            text = read_regular(path, 10 * 1024 * 1024)[0].decode("utf-8")
            cache[path] = DockerfileDoc(path, text)
        except (OSError, UnicodeDecodeError, ProcessingError):
            cache[path] = None
    return cache[path]


@check(order=31)
def check_build_arguments(doc, ctx) -> Iterator[Finding]:
    cache: dict = {}
    for arg in doc.build_arguments():
        df = _dockerfile(arg.dockerfile, cache)
        if df is None or arg.name not in df.global_arg_names:
            continue
        if IMAGE_RE.search(arg.value):
            continue  # a whole image reference: the image rules judge it where it is written
        unset = df.bases_with({arg.name: "\0"})
        # a V1 image, or a Triton image of a release before V2 (the Dockerfile migrated, the value not)
        v1 = [i for i in df.bases_with({arg.name: arg.value}) if i not in unset and classify(i).triton
              and not _v2_once_renamed(i)]
        if not v1:
            continue  # the value names no V1 image (or the argument is not in one)
        where = os.path.relpath(arg.dockerfile)
        new = _build_argument_value(df, arg.name, arg.value, ctx.target)
        msg = f"{arg.name}={arg.value} makes {where} build on {v1[0]}, " + (
            "a V1 image" if classify(v1[0]).v1 else "a release before V2 (no such V2 image)")
        if new is None or not arg.editable:
            yield BUILD_ARGUMENT.finding(arg.span, f"{msg}: give it a value that names the target's V2 image "
                                         f"(tritonserver:{ctx.target}-py3), with the Dockerfile migrated",
                                         Severity.WARNING, suggestion=f"{arg.name}={new}" if new else None)
            continue
        yield BUILD_ARGUMENT.finding(arg.span, f"{msg} -> {arg.name}={new}, as its migrated ARG default (migrate "
                                     f"{where} in the same change)", fix=Fix.of(f"Use {new}", Edit(arg.span, new)))


def v1_bases_given(doc) -> list[tuple[str, str, str]]:
    """(Dockerfile real path, name, value) of each build argument ``doc`` gives (compose ``build: args:``,
    ``docker build --build-arg``, a Bake target's ``args``, Skaffold's ``buildArgs``) whose value makes a stage
    of that Dockerfile build on a V1 server image, a whole reference or a tag: the server lines of the stage
    are V1 lines (``batch/finish.given_bases`` reads the Dockerfile again with it)."""
    cache: dict = {}
    out = []
    for arg in doc.build_arguments():
        df = _dockerfile(arg.dockerfile, cache)
        if df is None or arg.name not in df.global_arg_names or not arg.value:
            continue
        unset = df.bases_with({arg.name: "\0"})
        if any(classify(i).v1 for i in df.bases_with({arg.name: arg.value}) if i not in unset):
            out.append((os.path.realpath(arg.dockerfile), arg.name, arg.value))
    return out


def _build_argument_value(df, name: str, value: str, target: Release) -> str | None:
    """What ``value`` becomes: the target release or the target's tag, whichever makes the Dockerfile,
    once migrated, build on a V2 image."""
    unset = df.bases_with({name: "\0"})
    for cand in (str(target) if _RELEASE_VALUE.fullmatch(value) else None, new_tag(value, target)):
        images = [i for i in df.bases_with({name: cand}) if i not in unset] if cand else []
        if images and all(_v2_once_renamed(i) for i in images):
            return cand
    return None


# --- a chart's image tag given from outside the chart ------------------------------------------------

CHART_TAG = rule(
    "TDM113", "v1-chart-tag-value", Severity.INFO, F.SOMETIMES, "A chart value from outside that keeps its image V1",
    "A value given from outside a Helm chart of the tree (`helm upgrade --install NAME ./chart --set "
    "image.tag=20.02-py3`, `--set-string`, a Terraform `helm_release` of a local chart with a `set` block or `values = [yamlencode({...})]`, an Argo CD `Application`'s "
    "`helm.parameters`, `helm.valuesObject` or `helm.values` for a chart at its `source.path`, a Flux `HelmRelease`'s "
    "`spec.values` for a chart path of a `GitRepository`, a helmfile release's `set` or inline `values` for a chart "
    "path) replaces "
    "the chart's own value. When the chart's Triton server container reads its image's tag from that values path "
    "(`image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"`) and the repository is the V1 one the run "
    "migrates (or already `tritonserver`), a release tag before V2 (`NN.NN-py3` before 20.08, `20.06-v1-py3`) "
    "makes the pod run a V1 image, or one that does not exist, under the chart's migrated V2 command line: "
    "the value becomes the target's tag, as the chart's values do, and the chart must be migrated in the same "
    "change. A value not written as it reads (a script's variable, which may serve others) or held by a values "
    "file outside the chart (`-f env/prod-values.yaml`, `values = [file(\"prod-values.yaml\")]`, Argo CD's `valueFiles`, "
    "Flux's `valuesFiles`, a helmfile release's `values:` paths: the warning is where "
    "the command or the release names it) is a "
    "warning with the V2 tag. A repository given beside it "
    "(`--set image.repository=...`) is the image rules' (TDM101); a chart that is not in the tree is left to "
    "TDM101 as well.")

_V2_FROM = (20, 8)


def _server_tags(folder: str, cache: dict) -> list:
    """The chart at ``folder`` (the top of what ``helm install`` installs), linked: where its Triton server
    containers read their image tags (``helmchart.server_tags``); empty when it does not read."""
    return _linked(folder, cache)[0]


def _server_lists(folder: str, cache: dict) -> list:
    """The same chart: the values lists its Triton server containers take command-line words from
    (``helmchart.server_lists``)."""
    return _linked(folder, cache)[1]


def _linked(folder: str, cache: dict) -> tuple[list, list]:
    if folder not in cache:
        from .. import charts
        from ..atomic import read_regular  # never a FIFO, socket or device
        from ..documents.helmchart import server_lists, server_tags
        from ..pipeline import build_document, link_chart

        cache[folder] = ([], [])
        try:
            unit = charts.unit_of(folder)
            docs = {}
            for m in unit.members:
                try:
                    docs[m.path] = build_document(m.kind, m.path, read_regular(m.path, 10 * 1024 * 1024)[0].decode("utf-8"))
                except Exception:  # noqa: BLE001 - a member that does not read is left out, as the chart's own pass does
                    continue
            link_chart(unit, docs)
            cache[folder] = (server_tags(unit, docs), server_lists(unit, docs))
        except Exception:  # noqa: BLE001 - a chart that does not link: its own pass reports it
            pass
    return cache[folder]


@check(order=32)
def check_chart_values(doc, ctx) -> Iterator[Finding]:
    cache: dict = {}
    seen: set[tuple[Span, str]] = set()
    for cv in doc.chart_values():
        m = V1_TAG.match(cv.value)
        if (cv.span, cv.key) in seen:
            continue  # a variable given to two releases: judged once
        seen.add((cv.span, cv.key))
        if not cv.key.endswith("tag") or m is None or m.group("flavour") or cv.items:
            continue
        ver = tuple(int(x) for x in m.group("ver").split(".")[:2])
        if not m.group("v1") and ver >= _V2_FROM:
            continue  # a V2 release
        st = next((t for t in _server_tags(cv.chart, cache) if t.key == cv.key), None)
        if st is None:
            continue  # not where a server container of the chart reads its tag
        repo = (cv.repository if cv.repository is not None else st.repository).strip()
        name = posixpath.basename(repo)
        if name not in ("tensorrtserver", "tritonserver") or cv.repository is not None and name == "tensorrtserver":
            continue  # no Triton image; or the repository and the tag given together: TDM101's
        new = new_tag(cv.value, ctx.target)
        where = os.path.relpath(cv.chart) + "/"
        image = f"{repo}:{cv.value}"
        given = f"{cv.key}={cv.value}" if cv.source is None else f"{cv.key}: {cv.value} in {cv.source}"
        msg = f"{given} makes the chart in {where} run {image} (" + (
            "a V1 image" if classify(image).v1 else "a release before V2: no such V2 image") + \
            "), on which the chart's command line, migrated to V2, does not start"
        if new is None or not cv.editable:
            there = f" in {cv.source}" if cv.source is not None else ""
            yield CHART_TAG.finding(cv.span, f"{msg}: give it the target's tag{there} ({new or f'{ctx.target}-py3'}), "
                                    f"with the chart migrated", Severity.WARNING,
                                    suggestion=f"{cv.key}={new}" if new else None)
            continue
        yield CHART_TAG.finding(cv.span, f"{msg} -> {cv.key}={new}, as the chart's migrated values (migrate {where} "
                                f"in the same change)", fix=Fix.of(f"Use {new}", Edit(cv.span, new)))


CHART_OPTIONS = rule(
    "TDM319", "v1-chart-options-value", Severity.WARNING, F.NEVER,
    "A chart's server options given from outside the chart",
    "A list that a Helm release gives a chart of the tree from outside it (a helmfile release's `values`, a Flux "
    "`HelmRelease`'s `spec.values`, an Argo CD `Application`'s `helm.valuesObject` or `helm.values`, a values file "
    "outside the chart that `helm upgrade --install NAME ./chart -f values-prod.yaml`, a `helm_release`'s `values = "
    "[file(...)]`, Argo CD's `valueFiles`, Flux's `valuesFiles` or a helmfile release's `values:` paths name: the "
    "warning is where the release names the file, and names it) replaces the "
    "chart's own list where the chart's Triton server container takes words of its command line from it "
    "(`range .Values.serverArgs`, `toYaml .Values.args`). The tool migrates the chart's own list together with the "
    "line; the list given from outside is not rewritten. When it holds the V1 server binary or an option V2 "
    "refuses (`--http-health-port`, `--grpc-infer-thread-count`, `--allow-poll-model-repository`, ...), or when the "
    "chart's line is a V1 one that the run moves to V2 (its own list gains the V2 spelling of its options and "
    "V1's defaults kept: `--model-control-mode=poll`, `--disable-auto-complete-config`, which this list drops), "
    "write the list as the chart's migrated list is written.")


@check(order=32)
def check_chart_options(doc, ctx) -> Iterator[Finding]:
    from .residue import _ABBREVIATED, _v1_only

    cache: dict = {}
    seen: set[tuple[Span, str]] = set()
    for cv in doc.chart_values():
        if not cv.items or (cv.span, cv.key) in seen:
            continue
        seen.add((cv.span, cv.key))
        sl = next((x for x in _server_lists(cv.chart, cache) if x.key == cv.key), None)
        if sl is None:
            continue  # not where a server container of the chart takes its words
        v1 = [w for w, _sp in cv.items if command_is_v1(w.strip()) or w.startswith("--")
              and _v1_only(_ABBREVIATED.get(w[2:].split("=", 1)[0], ""), ctx.target)]
        if not v1 and not sl.v1:
            continue
        where = os.path.relpath(sl.template.path)
        here = "given here" if cv.source is None else f"in {cv.source}, the values file given here,"
        if v1:
            msg = (f"{cv.key}: {', '.join(v1)} {here} replace{'s' if len(v1) == 1 else ''} the chart's own list on "
                   f"the server command line of {where}, " + ("which this run migrates to V2" if sl.v1 else "a V2 line")
                   + ": the target refuses V1's options and has no trtserver")
        else:
            msg = (f"{cv.key} {here} replaces the chart's own list on the V1 server command line of {where}, "
                   f"which this run migrates to V2: the options the migration writes into the chart's list (the V2 "
                   f"spelling of its options, V1's defaults kept: --model-control-mode=poll, "
                   f"--disable-auto-complete-config) are not in this one")
        there = "" if cv.source is None else f" in {cv.source}"
        yield CHART_OPTIONS.finding(cv.span, msg + f"; write it{there} as the chart's migrated list is written")
