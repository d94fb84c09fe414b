"""8xx: will the target still serve the models? (model configurations of the repository)."""

from __future__ import annotations

from typing import Iterator

from ..model import Finding, Severity
from . import tables as T
from .registry import FixAvailability as F
from .registry import check, rule

E, W = Severity.ERROR, Severity.WARNING
CAFFE2 = rule("TDM801", "caffe2-model", E, F.NEVER, "Caffe2 model, target 20.11 or later",
              "The Caffe2 backend was removed in 20.11: such a model is not served. Convert it (e.g. to ONNX).",
              min_target="20.11")
CUSTOM_BACKEND = rule(
    "TDM802", "v1-custom-backend", E, F.NEVER, "V1 custom backend, target 21.05 or later",
    "`platform: \"custom\"` with a `lib*.so` used the V1 custom backend API, removed in 21.05: port it to "
    "the backend API (`backend: \"python\"` or a C backend).", min_target="21.05")
TENSORFLOW = rule(
    "TDM803", "tensorflow-model", W, F.NEVER, "TensorFlow model and the target's TensorFlow support",
    "TensorFlow 1 models load until 23.04 (then only TF2, a warning); the TensorFlow backend is not "
    "shipped from 25.03 (an error: the model is not served).")
TENSORRT_PLAN = rule("TDM804", "tensorrt-plan", W, F.NEVER, "TensorRT plan: rebuild for the target",
                     "A serialized TensorRT engine only runs on the TensorRT version that built it: rebuild V1 plans.")
RUNTIMES = rule("TDM805", "runtime-compatibility", Severity.INFO, F.NEVER,
                "ONNX / PyTorch model: check runtime compatibility",
                "Still served; check the ONNX opset and TorchScript compatibility with the target's runtimes.",
                note=True)


@check(order=53)
def check_model_config(doc, ctx) -> Iterator[Finding]:
    """The platform or backend of a model configuration, against the target."""
    fields = doc.model_fields()
    if fields is None:
        return
    target = ctx.target
    platform = fields.get("platform")
    backend = fields.get("backend")
    name, span = platform or backend or ("", None)
    if not name:
        return
    if name == "caffe2_netdef" and target.at_least(T.CAFFE2_DROPPED):
        yield CAFFE2.finding(span, f"Caffe2 models are not served from {T.CAFFE2_DROPPED}: convert the model "
                      f"(e.g. to ONNX) before moving to {target}", suggestion="onnxruntime_onnx")
    elif name == "custom" and target.at_least(T.CUSTOM_BACKEND_DROPPED):
        yield CUSTOM_BACKEND.finding(span, f"V1 custom backends (platform \"custom\", a lib*.so) are not loaded from "
                      f"{T.CUSTOM_BACKEND_DROPPED}: port it to the backend API (backend: \"python\" or a C "
                      f"backend)", suggestion='backend: "python"')
    elif name in ("tensorflow_graphdef", "tensorflow_savedmodel", "tensorflow"):
        if target.at_least(T.TF_BACKEND_DROPPED):
            yield TENSORFLOW.finding(span, f"the TensorFlow backend is not shipped from {T.TF_BACKEND_DROPPED}: "
                                     f"target {target} will not serve this model", Severity.ERROR)
        elif target.at_least(T.TF1_DROPPED):
            yield TENSORFLOW.finding(span, f"from {T.TF1_DROPPED} only TensorFlow 2 models load; V1 served TF1 "
                                     f"models: check this one")
    elif name == "tensorrt_plan":
        yield TENSORRT_PLAN.finding(span, "a TensorRT plan only runs on the TensorRT version that built it: "
                                    f"rebuild it for the TensorRT of {target}")
    elif name in ("onnxruntime_onnx", "pytorch_libtorch", "onnxruntime", "pytorch"):
        yield RUNTIMES.finding(span, f"{name} models are still served: check opset / TorchScript "
                               f"compatibility with the runtimes of {target}")
