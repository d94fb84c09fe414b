"""8xx: will the target still serve the models? (model configurations of the repository)."""

from __future__ import annotations

from typing import Iterator

from ..model import Finding, Severity
from ..release import Release
from . import tables as T


def check(doc, target: Release) -> Iterator[Finding]:
    platform = doc.fields.get("platform")
    backend = doc.fields.get("backend")
    name, span = platform or backend or ("", None)
    if not name:
        return
    if name == "caffe2_netdef" and target.at_least(T.CAFFE2_DROPPED):
        yield Finding("TDM801", span, f"Caffe2 models are not served from {T.CAFFE2_DROPPED}: convert the model "
                      f"(e.g. to ONNX) before moving to {target}", Severity.ERROR, suggestion="onnxruntime_onnx")
    elif name == "custom" and target.at_least(T.CUSTOM_BACKEND_DROPPED):
        yield Finding("TDM802", span, f"V1 custom backends (platform \"custom\", a lib*.so) are not loaded from "
                      f"{T.CUSTOM_BACKEND_DROPPED}: port it to the backend API (backend: \"python\" or a C "
                      f"backend)", Severity.ERROR, suggestion='backend: "python"')
    elif name in ("tensorflow_graphdef", "tensorflow_savedmodel", "tensorflow"):
        if target.at_least(T.TF_BACKEND_DROPPED):
            yield Finding("TDM803", span, f"the TensorFlow backend is not shipped from {T.TF_BACKEND_DROPPED}: "
                          f"target {target} will not serve this model", Severity.ERROR)
        elif target.at_least(T.TF1_DROPPED):
            yield Finding("TDM803", span, f"from {T.TF1_DROPPED} only TensorFlow 2 models load; V1 served TF1 "
                          f"models: check this one", Severity.WARNING)
    elif name == "tensorrt_plan":
        yield Finding("TDM804", span, "a TensorRT plan only runs on the TensorRT version that built it: rebuild "
                      f"it for the TensorRT of {target}", Severity.WARNING)
    elif name in ("onnxruntime_onnx", "pytorch_libtorch", "onnxruntime", "pytorch"):
        yield Finding("TDM805", span, f"{name} models are still served: check opset / TorchScript compatibility "
                      f"with the runtimes of {target}", Severity.INFO)
