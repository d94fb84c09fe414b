"""1xx: server and client SDK image references."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..documents.base import Region
from ..model import Edit, Finding, Fix, Severity
from ..release import Release
from . import tables as T

# [registry[:port]/][namespace/...]name[:tag][@digest]; the name must start a path component
IMAGE_RE = re.compile(
    r"(?<![\w./@$])(?<![^:]-)"
    r"(?P<prefix>(?:[A-Za-z0-9][\w.-]*(?::\d+)?/)(?:[\w.-]+/)*)?"
    r"(?P<repo>tensorrtserver|tritonserver)"
    r"(?::(?P<tag>(?:[\w.+-]|\$\{[^}]*\}|\$\w+)+))?"
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


def check(region: Region, target: Release) -> Iterator[Finding]:
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
