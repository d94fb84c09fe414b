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
def _bases_doc() -> str:
    """TDM703's table: the base of every release's image, with its sources."""

    def rows(bases) -> str:
        return "".join(f"| {b.release} | {b.ubuntu} | {b.python} | {b.cuda} | {b.driver} | "
                       f"{', '.join(b.forward) or '-'} | {b.source} | {b.interpolated or '-'} |\n" for b in bases)

    head = "| release | Ubuntu | Python | CUDA | driver | forward-compatible drivers | source | interpolated |\n" \
           "|---|---|---|---|---|---|---|---|\n"
    return ("A stage built FROM the V1 server image ran its RUN lines on the V1 image's Ubuntu, Python and CUDA; "
            "migrated, they run on the target image's. The finding names both sides: the V1 image of its tag's "
            "release, and `tritonserver:<target>-py3`. TDM704-TDM708 report the lines that break (apt packages, pip "
            "wheels, CUDA builds, Python and CUDA paths); TDM709 (once per run) the host driver. A target newer than "
            "the table is judged as its newest row.\n\n"
            "Sources. notes: the Triton release notes of the release (docs.nvidia.com/deeplearning/"
            "triton-inference-server/release-notes/rel-YY-MM.html; before 22.09 rel_YY-MM.html), \"Contents of the "
            "Triton Inference Server container\" and \"Driver Requirements\". build: the server repository's "
            "build.py at the release's tag, whose CPU-only image is built FROM ubuntu:NN.04, the GPU image's Ubuntu "
            "(20.04 up to v2.33.0 = 23.04, 22.04 from v2.34.0 = 23.05, 24.04 from v2.52.0 = 24.11); the Python is "
            "that Ubuntu's python3, which build.py installs with apt. compat: the server repository's "
            "docs/introduction/compatibility.md (branch r26.07), table vllm-python-py3, an image on the same base as "
            "-py3 (its CUDA agrees with the notes at 24.06, 24.10, 24.12, 25.03, 25.10 and 26.02; at 25.06 the notes "
            "say 12.9.1.010 and are followed), whose driver column is the driver that CUDA release ships with. The "
            "driver is the higher of the notes' and compat's: the notes of 24.04-24.06, 25.03, 25.10 and 26.02 name "
            "an older branch than the CUDA they cite ships with. Forward-compatible drivers (data-center GPUs, with "
            "the CUDA forward-compatibility package) are the notes' list; the notes of CUDA 13 releases repeat the "
            "CUDA 12 list, which is not given here.\n\n"
            "The target's image (`tritonserver:<release>-py3`):\n\n" + head + rows(T.TARGET_BASES) +
            "\nThe V1 images (by their tag's release; `20.06-v1` and `20.07-v1` are the 20.06 and 20.07 rows above):\n\n"
            + head + rows(T.V1_BASES))


BASE_IMAGE = rule(
    "TDM703", "base-image-changed", Severity.WARNING, F.NEVER, "Image built on the V1 server: base OS changed",
    _bases_doc())


@check(order=11)
def check_tensorflow(doc, ctx) -> list[Finding]:
    """A server configured for TensorFlow, on a target that dropped TensorFlow (1)."""
    out: list[Finding] = []
    for cl, res in ctx.server_lines():
        if not res.uses_tensorflow or cl.report_only:
            continue
        # (a line on a V2 image that stays runs that image's release: ``argv.line_release``)
        target = res.release or ctx.target
        where = cl.binary.span if cl.binary is not None else None
        if target.at_least(T.TF_BACKEND_DROPPED):
            out.append(TF_BACKEND_REMOVED.finding(
                where, f"this server is configured for TensorFlow, whose backend is not shipped from "
                f"{T.TF_BACKEND_DROPPED}: {'target' if target == ctx.target else 'the image of this line,'} {target} will not serve the TensorFlow models (choose a target "
                f"before {T.TF_BACKEND_DROPPED} or convert the models)"))
        elif target.at_least(T.TF1_DROPPED):
            out.append(TF1_DROPPED.finding(
                where, f"this server is configured for TensorFlow; from {T.TF1_DROPPED} only TensorFlow 2 "
                f"models load: check that the models are TF2"))
    return out


@check(order=50)
def check_base_images(doc, ctx) -> list[Finding]:
    """Images built FROM the V1 server: the base OS, Python and CUDA changed under their RUN lines."""
    from .baseimage import describe, describe_v1, target_base

    tb, note = target_base(ctx.target)
    return [BASE_IMAGE.finding(
        base.span, f"this stage's V1 server image was {describe_v1(base.image)}; tritonserver:{ctx.target}-py3 is "
        f"{describe(tb)}{note}: check the RUN lines of this stage (apt packages, pip wheels, Python and CUDA paths) "
        f"and that the host driver is {tb.driver} or later")
        for base in doc.base_images() if base.v1 and not base.sdk and base.runs]
