"""Python-backend models with the contracts of the V1 example clients' models, for the real 2.51.0
server (tests/realserver.py starts it):

- ``simple``: INT32 ``INPUT0``/``INPUT1`` [16] -> ``OUTPUT0`` = sum, ``OUTPUT1`` = difference, batching
  (max_batch_size 8) - the V1 ``simple`` model of the examples' model repository;
- ``simple_string``: the same on decimal strings (TYPE_STRING);
- ``simple_sequence``: a sequence accumulator (INT32 ``INPUT`` [1] -> ``OUTPUT``: the sum of the
  sequence's inputs so far; START resets it), as V1's ``src/custom/sequence`` backend;
- ``image_classifier``: FP32 ``INPUT`` [3, 8, 8] (NCHW) -> FP32 ``OUTPUT`` [10] with a labels file,
  fixed scores (powers of two, exact in the six decimals V2's classification strings carry);
- ``preprocess_resnet50_ensemble``: an ensemble taking encoded image bytes (TYPE_STRING [1]) through a
  Python preprocessing step into ``image_classifier`` - the name and contract of V1's ensemble example.

The Python backend's stub runs outside any virtual environment: each model puts numpy's folder on
its ``sys.path`` (the 0.7.0 stub needs numpy < 2: numpy 2 makes its outputs empty).
"""

from __future__ import annotations

import pathlib

SCORES = [2.0 ** -k for k in range(1, 11)]  # 0.5, 0.25, ... exact in float32 and in six decimals
LABELS = ["tench", "goldfish", "great white shark", "tiger shark", "hammerhead", "electric ray", "stingray",
          "cock", "hen", "ostrich"]
#: the scores the classifier returns, per class index (a permutation of SCORES: not sorted by index)
CLASS_SCORES = [SCORES[i] for i in (3, 0, 5, 1, 9, 2, 8, 4, 7, 6)]
H = W = 8

_HEAD = """import sys
sys.path.append({site!r})  # numpy for the backend's utilities (the stub runs outside the venv)
import numpy as np
import triton_python_backend_utils as pb_utils
"""

_SIMPLE = _HEAD + """

class TritonPythonModel:
    def execute(self, requests):
        out = []
        for r in requests:
            a = pb_utils.get_input_tensor_by_name(r, "INPUT0").as_numpy()
            b = pb_utils.get_input_tensor_by_name(r, "INPUT1").as_numpy()
            if a.dtype == np.object_:
                x = np.array([[int(v) for v in row] for row in a], dtype=np.int32)
                y = np.array([[int(v) for v in row] for row in b], dtype=np.int32)
                s = np.array([[str(v).encode() for v in row] for row in x + y], dtype=np.object_)
                d = np.array([[str(v).encode() for v in row] for row in x - y], dtype=np.object_)
            else:
                s, d = a + b, a - b
            out.append(pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT0", s), pb_utils.Tensor("OUTPUT1", d)]))
        return out
"""

_SIMPLE_CONFIG = """name: "{name}"
backend: "python"
max_batch_size: 8
input [
  {{ name: "INPUT0" data_type: {dtype} dims: [ 16 ] }},
  {{ name: "INPUT1" data_type: {dtype} dims: [ 16 ] }}
]
output [
  {{ name: "OUTPUT0" data_type: {dtype} dims: [ 16 ] }},
  {{ name: "OUTPUT1" data_type: {dtype} dims: [ 16 ] }}
]
instance_group [{{ kind: KIND_CPU count: 1 }}]
"""

_SEQUENCE = _HEAD + """

class TritonPythonModel:
    def initialize(self, args):
        self.acc = {}

    def execute(self, requests):
        out = []
        for r in requests:
            value = int(pb_utils.get_input_tensor_by_name(r, "INPUT").as_numpy().reshape(-1)[0])
            start = int(pb_utils.get_input_tensor_by_name(r, "START").as_numpy().reshape(-1)[0])
            corrid = int(pb_utils.get_input_tensor_by_name(r, "CORRID").as_numpy().reshape(-1)[0])
            total = value if start else self.acc.get(corrid, 0) + value
            self.acc[corrid] = total
            out.append(pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT", np.array([[total]], dtype=np.int32))]))
        return out
"""

_SEQUENCE_CONFIG = """name: "simple_sequence"
backend: "python"
max_batch_size: 8
sequence_batching {
  max_sequence_idle_microseconds: 20000000
  control_input [
    { name: "START" control [{ kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] }] },
    { name: "READY" control [{ kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] }] },
    { name: "CORRID" control [{ kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 }] }
  ]
}
input [{ name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] }]
output [{ name: "OUTPUT" data_type: TYPE_INT32 dims: [ 1 ] }]
instance_group [{ kind: KIND_CPU count: 1 }]
"""

_CLASSIFIER = _HEAD + """

SCORES = np.array({scores!r}, dtype=np.float32)


class TritonPythonModel:
    def execute(self, requests):
        out = []
        for r in requests:
            n = pb_utils.get_input_tensor_by_name(r, "INPUT").as_numpy().shape[0]
            out.append(pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT", np.tile(SCORES, (n, 1)))]))
        return out
"""

_CLASSIFIER_CONFIG = """name: "image_classifier"
backend: "python"
max_batch_size: 8
input [{{ name: "INPUT" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ 3, {h}, {w} ] }}]
output [{{ name: "OUTPUT" data_type: TYPE_FP32 dims: [ 10 ] label_filename: "labels.txt" }}]
instance_group [{{ kind: KIND_CPU count: 1 }}]
"""

_PREPROCESS = _HEAD + """

class TritonPythonModel:
    def execute(self, requests):
        out = []
        for r in requests:
            n = pb_utils.get_input_tensor_by_name(r, "ENCODED").as_numpy().shape[0]
            out.append(pb_utils.InferenceResponse([pb_utils.Tensor("PIXELS", np.zeros((n, 3, {h}, {w}), np.float32))]))
        return out
"""

_PREPROCESS_CONFIG = """name: "image_preprocess"
backend: "python"
max_batch_size: 8
input [{{ name: "ENCODED" data_type: TYPE_STRING dims: [ 1 ] }}]
output [{{ name: "PIXELS" data_type: TYPE_FP32 dims: [ 3, {h}, {w} ] }}]
instance_group [{{ kind: KIND_CPU count: 1 }}]
"""

_ENSEMBLE_CONFIG = """name: "preprocess_resnet50_ensemble"
platform: "ensemble"
max_batch_size: 8
input [{ name: "INPUT" data_type: TYPE_STRING dims: [ 1 ] }]
output [{ name: "OUTPUT" data_type: TYPE_FP32 dims: [ 10 ] label_filename: "labels.txt" }]
ensemble_scheduling {
  step [
    { model_name: "image_preprocess" model_version: -1
      input_map { key: "ENCODED" value: "INPUT" } output_map { key: "PIXELS" value: "pixels" } },
    { model_name: "image_classifier" model_version: -1
      input_map { key: "INPUT" value: "pixels" } output_map { key: "OUTPUT" value: "OUTPUT" } }
  ]
}
"""

MODELS = ("simple", "simple_string", "simple_sequence", "image_classifier", "image_preprocess",
          "preprocess_resnet50_ensemble")


def _model(repo: pathlib.Path, name: str, config: str, code: str | None, site: str, labels: bool = False) -> None:
    d = repo / name
    (d / "1").mkdir(parents=True)
    (d / "config.pbtxt").write_text(config)
    if code is not None:
        (d / "1" / "model.py").write_text(code.replace("{site!r}", repr(site)))
    if labels:
        (d / "labels.txt").write_text("".join(f"{label}\n" for label in LABELS))


def build(repo: pathlib.Path, only: tuple[str, ...] = MODELS) -> pathlib.Path:
    """The models of ``only`` (default: every model above) in ``repo`` (created); an ensemble brings
    the models it runs."""
    import numpy

    site = str(pathlib.Path(numpy.__file__).resolve().parent.parent)
    wanted = set(only)
    if "preprocess_resnet50_ensemble" in wanted:
        wanted |= {"image_preprocess", "image_classifier"}
    unknown = wanted - set(MODELS)
    if unknown:
        raise ValueError(f"no such test model: {sorted(unknown)}")
    repo.mkdir(parents=True, exist_ok=True)
    if "simple" in wanted:
        _model(repo, "simple", _SIMPLE_CONFIG.format(name="simple", dtype="TYPE_INT32"), _SIMPLE, site)
    if "simple_string" in wanted:
        _model(repo, "simple_string", _SIMPLE_CONFIG.format(name="simple_string", dtype="TYPE_STRING"), _SIMPLE,
               site)
    if "simple_sequence" in wanted:
        _model(repo, "simple_sequence", _SEQUENCE_CONFIG, _SEQUENCE, site)
    if "image_classifier" in wanted:
        _model(repo, "image_classifier", _CLASSIFIER_CONFIG.format(h=H, w=W),
               _CLASSIFIER.replace("{scores!r}", repr(CLASS_SCORES)), site, labels=True)
    if "image_preprocess" in wanted:
        _model(repo, "image_preprocess", _PREPROCESS_CONFIG.format(h=H, w=W),
               _PREPROCESS.replace("{h}", str(H)).replace("{w}", str(W)), site)
    if "preprocess_resnet50_ensemble" in wanted:
        _model(repo, "preprocess_resnet50_ensemble", _ENSEMBLE_CONFIG, None, site, labels=True)
    return repo


def images(folder: pathlib.Path, n: int = 3) -> pathlib.Path:
    """``n`` small JPEG files (``img0.jpg`` ...) in ``folder`` (created)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        Image.new("RGB", (16 + k, 12), (40 * k, 80, 120)).save(folder / f"img{k}.jpg")
    return folder
