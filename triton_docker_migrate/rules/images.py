"""1xx: server and client SDK image references."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..documents.sites import Region
from ..model import Edit, Finding, Fix, Severity
from ..release import Release
from . import tables as T

# [registry[:port]/][namespace/...]name[:tag][@digest]; the name must start a path component
IMAGE_RE = re.compile(
    r"(?:(?<=docker://)|(?<![\w./@$])(?<![^:]-))"
    r"(?P<prefix>(?:[A-Za-z0-9][\w.-]*(?::\d+)?/)(?:[\w.-]+/)*)?"
    r"(?P<repo>tensorrtserver|tritonserver)"
    r"(?::(?P<tag>(?:[\w.+-]|\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\w+)+))?"
    r"(?P<digest>@sha256:[0-9a-fA-F]{64})?"
    r"(?![\w./@-])"
)
_V1_TAG = re.compile(r"^(?P<ver>\d{2}\.\d{2}(?:\.\d+)?)(?P<v1>-v1)?-py3(?P<flavour>-clientsdk)?$")


@dataclass
class ImageInfo:
    triton: bool = False  #: a Triton/TRTIS server or SDK image
    v1: bool = False  #: a V1 server or SDK image
    sdk: bool = False


def _is_v1_tag(repo: str, tag: str | None) -> bool:
    if repo == "tensorrtserver":
        return True
    if tag is None:
        return False
    m = _V1_TAG.match(tag)
    if not m:
        return False
    ver = m.group("ver")
    return (ver in ("20.03", "20.03.1") and not m.group("v1")) or (
        ver in ("20.06", "20.07") and bool(m.group("v1")))


def classify(image: str) -> ImageInfo:
    """What an image reference (as resolved) is: Triton at all, V1, SDK."""
    m = IMAGE_RE.search(image.strip())
    if not m or m.start() != 0 and image.strip()[: m.start()].strip():
        return ImageInfo()
    tag = m.group("tag")
    sdk = bool(tag and ("clientsdk" in tag or tag.endswith("-sdk")))
    return ImageInfo(True, _is_v1_tag(m.group("repo"), tag), sdk)


def new_tag(tag: str, target: Release) -> str | None:
    m = _V1_TAG.match(tag)
    if not m:
        return None
    if m.group("flavour"):
        return f"{target}-py3-sdk" if target.at_least(T.SDK_SUFFIX_FROM) else f"{target}-py3-clientsdk"
    return f"{target}-py3"


_VAR_TAG = re.compile(r"^\$\{?(?P<name>\w+)\}?(?P<suffix>(?:-v1)?-py3(?:-clientsdk)?)$")


def check(region: Region, target: Release, variables=None) -> Iterator[Finding]:
    """Image references in ``region``. ``variables(name)`` gives ``(value, span)`` of a build
    argument used only in image tags, so ``tensorrtserver:${V}-py3`` can be migrated with it."""
    if "server" not in region.text:  # what every match holds: most regions are ruled out here
        return
    for m in IMAGE_RE.finditer(region.text):
        repo, tag, digest, prefix = m.group("repo"), m.group("tag"), m.group("digest"), m.group("prefix")
        # free text needs a tag or a registry path to be an image (not a package or a word)
        if not region.image_context and tag is None and not prefix:
            continue
        if repo == "tritonserver" and not _is_v1_tag(repo, tag):
            continue
        if not region.contiguous(m.start(), m.end()):
            continue
        span = region.span(m.start(), m.end())
        old = m.group(0)
        vm = _VAR_TAG.match(tag or "")
        var = variables(vm.group("name")) if vm and variables is not None else None
        if vm and var is not None and _is_v1_tag(repo, var[0] + vm.group("suffix")):
            value, vspan = var
            nt = new_tag(value + vm.group("suffix"), target)
            if nt is not None:
                yield _var_tag_fix(m, region, target, vm, value, vspan, nt)
                continue
        if tag is None or "$" in tag:
            yield Finding(
                "TDM104", span,
                f"{old}: the V1 image's tag is {'not given' if tag is None else 'set by a variable'}; "
                f"name a V2 release of the target (e.g. tritonserver:{target}-py3)",
                Severity.WARNING, suggestion=f"{prefix or ''}tritonserver:{target}-py3")
            continue
        nt = new_tag(tag, target)
        if nt is None:
            yield Finding(
                "TDM104", span,
                f"{old}: tag {tag!r} is not a release tag; the V2 image is tritonserver:{target}-py3 "
                f"(or a variant such as -py3-sdk, -py3-min)", Severity.WARNING,
                suggestion=f"{prefix or ''}tritonserver:{target}-py3")
            continue
        new = f"{prefix or ''}tritonserver:{nt}"
        sdk = "clientsdk" in tag
        rule = "TDM102" if sdk else "TDM101"
        what = "client SDK image" if sdk else "server image"
        msg = f"V1 {what} {repo}:{tag} -> tritonserver:{nt}"
        sev = Severity.INFO
        if digest:
            msg += " (the @sha256 digest pinned the V1 image and was dropped: pin the new image again)"
            sev = Severity.WARNING
        yield Finding(rule, span, msg, sev, Fix.of(f"Use {new}", Edit(span, new)))


def _var_tag_fix(m, region: Region, target: Release, vm, value: str, vspan, nt: str) -> Finding:
    """``repo:${V}-py3`` with ``ARG V=20.02``: rename the repository (and flavour) in the reference
    and set the argument's default to the target release."""
    edits = []
    if m.group("repo") != "tritonserver":
        edits.append(Edit(region.span(m.start("repo"), m.end("repo")), "tritonserver"))
    suffix = vm.group("suffix")
    new_suffix = nt[len(str(target)):]
    if suffix != new_suffix:
        tag_start = m.start("tag")
        s0 = tag_start + len(m.group("tag")) - len(suffix)
        edits.append(Edit(region.span(s0, m.end("tag")), new_suffix))
    edits.append(Edit(vspan, str(target)))
    if m.group("digest"):
        edits.append(Edit(region.span(m.start("digest"), m.end("digest")), ""))
    msg = (f"V1 image {m.group('repo')}:{m.group('tag')} with {vm.group('name')}={value} -> "
           f"tritonserver:${{{vm.group('name')}}}{new_suffix} with {vm.group('name')}={target}")
    rule = "TDM102" if "clientsdk" in suffix else "TDM101"
    sev = Severity.WARNING if m.group("digest") else Severity.INFO
    return Finding(rule, region.span(m.start(), m.end()), msg, sev, Fix.of(msg, *edits))
