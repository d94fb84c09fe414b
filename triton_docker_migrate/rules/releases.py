"""7xx: what the target release changes under a migrated deployment (backends dropped, the base
image of images built on the server)."""

from __future__ import annotations

from ..model import Finding, Severity
from . import tables as T
from .registry import FixAvailability as F
from .registry import check, rule

TF_BACKEND_REMOVED = rule(
    "TDM701", "tensorflow-backend-removed", Severity.ERROR, F.NEVER, "TensorFlow options, target without TensorFlow",
    "From 25.03 the TensorFlow backend is no longer shipped: a deployment that configures TensorFlow "
    "will not serve its models on that target. Choose an older target or convert the models.",
    min_target="25.03")
TF1_DROPPED = rule(
    "TDM702", "tensorflow1-dropped", Severity.WARNING, F.NEVER, "TensorFlow 1 models, target 23.04 or later",
    "V1 served TensorFlow 1 models; from 23.04 only TensorFlow 2 is supported. Check the models.",
    min_target="23.04")
BASE_IMAGE = rule(
    "TDM703", "base-image-changed", Severity.WARNING, F.NEVER, "Image built on the V1 server: base OS changed",
    "V1 images were Ubuntu 18.04, Python 3.6, CUDA 10; 24.10 is Ubuntu 22.04, Python 3.10, CUDA 12. "
    "RUN lines of a stage built FROM the server image (apt, pip) may break, and the host driver must "
    "support the new CUDA.")


@check(order=11)
def check_tensorflow(doc, ctx) -> list[Finding]:
    """A server configured for TensorFlow, on a target that dropped TensorFlow (1)."""
    out: list[Finding] = []
    target = ctx.target
    for cl, res in ctx.server_lines():
        if not res.uses_tensorflow or cl.report_only:
            continue
        where = cl.binary.span if cl.binary is not None else None
        if target.at_least(T.TF_BACKEND_DROPPED):
            out.append(TF_BACKEND_REMOVED.finding(
                where, f"this server is configured for TensorFlow, whose backend is not shipped from "
                f"{T.TF_BACKEND_DROPPED}: target {target} will not serve the TensorFlow models (choose a target "
                f"before {T.TF_BACKEND_DROPPED} or convert the models)"))
        elif target.at_least(T.TF1_DROPPED):
            out.append(TF1_DROPPED.finding(
                where, f"this server is configured for TensorFlow; from {T.TF1_DROPPED} only TensorFlow 2 "
                f"models load: check that the models are TF2"))
    return out


@check(order=50)
def check_base_images(doc, ctx) -> list[Finding]:
    """Images built FROM the V1 server: the base OS and Python changed under their RUN lines."""
    return [BASE_IMAGE.finding(
        base.span, "the V1 server image was Ubuntu 18.04 / Python 3.6 / CUDA 10; the V2 image of the target "
        "is a newer Ubuntu, Python and CUDA: check the RUN lines of this stage (apt packages, pip "
        "wheels) and that the host driver supports the new CUDA")
        for base in doc.base_images() if base.v1 and not base.sdk and base.runs]
