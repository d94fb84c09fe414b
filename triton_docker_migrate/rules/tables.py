"""The migration facts as data rows (source: shared/triton-v1-v2.md, checked against the real
2.51.0 server where it could be). Checks in the family modules read these rows; adding an option,
path or variable is adding a row here."""

from __future__ import annotations

from typing import NamedTuple

from ..facts import (NO_ARGUMENT, V1_OPTIONS, V1_OPTIONS_BY_RELEASE, V1_TRITONSERVER_TAGS,  # noqa: F401
                     V2_OPTIONS)  # (the rules read them here)

# --- server options -------------------------------------------------------------------------

class RenamedOption(NamedTuple):
    id: str
    name: str  #: the rule's name
    option: str
    new: str
    note: str
    summary: str
    doc: str


class RemovedOption(NamedTuple):
    id: str
    name: str  #: the rule's name
    option: str
    why: str  #: the finding's message
    severity: str  #: info | warning
    summary: str
    doc: str
    back_from: str | None = None  #: release from which V2 accepts it again
    valid_range: tuple[int, int] | None = None  #: values accepted once it is back
    removed_from: str = "20.06"  #: first target release that refuses it
    fix: str = "always"  #: the rule's fix availability


class BackendOption(NamedTuple):
    id: str
    name: str  #: the rule's name
    option: str
    backend: str
    setting: str
    renamed_from: str  #: first release that refuses the V1 name
    summary: str
    doc: str


RENAMED_OPTIONS = (
    RenamedOption(
        "TDM301", "model-store-option", "model-store", "model-repository",
        "--model-store is the deprecated spelling of --model-repository",
        "--model-store -> --model-repository",
        "V1 called `--model-store` deprecated; V2 still accepts it but documents `--model-repository`. "
        "The form (`=` or a separate value) is kept. Only V1 command lines are rewritten. Source: S2, S4.",
    ),
)

REMOVED_OPTIONS = (
    RemovedOption(
        "TDM302", "api-version-option", "api-version", "--api-version was removed in V2", "info",
        "--api-version removed",
        "`--api-version` (1.12/1.13) is gone: V2 refuses to start with it. It is dropped with its value; "
        "when it was 1, the clients spoke the V1 protocol and must move to V2 (warning).",
    ),
    RemovedOption(
        "TDM303", "grpc-infer-thread-count-option", "grpc-infer-thread-count",
        "--grpc-infer-thread-count was removed in V2 (back in 25.04 with range 2-128)", "info",
        "--grpc-infer-thread-count removed (until 25.04)",
        "Removed in 2.0.0; V2 refuses to start with it before 25.04. From 25.04 (2.57.0) it is back with "
        "range 2-128: kept when the value fits, dropped otherwise (V1's usual 1 makes 2.57 exit).",
        back_from="25.04", valid_range=(2, 128), fix="sometimes",
    ),
    RemovedOption(
        "TDM304", "grpc-stream-infer-thread-count-option", "grpc-stream-infer-thread-count",
        "--grpc-stream-infer-thread-count was removed in V2", "info",
        "--grpc-stream-infer-thread-count removed",
        "V2 refuses to start with it: dropped with its value.",
    ),
    RemovedOption(
        "TDM305", "http-health-port-option", "http-health-port",
        "--http-health-port was removed in V2: health is served on the HTTP port", "warning",
        "--http-health-port removed",
        "V2 serves health on the HTTP port (`--http-port`, default 8000) and refuses `--http-health-port`. "
        "It is dropped; health checks, probes and port mappings that used the health port are moved to "
        "the HTTP port in the same file (TDM401, TDM406).",
    ),
    RemovedOption(
        "TDM306", "allow-profiling-option", "allow-profiling", "--allow-profiling was removed (already in V1 19.10)",
        "info", "--allow-profiling removed", "Only V1 19.05-19.09 had it; V2 refuses it. Dropped.",
    ),
    RemovedOption(
        "TDM309", "tf-add-vgpu-option", "tf-add-vgpu",
        "--tf-add-vgpu was removed in 2.2.0 (20.08) and has no V2 equivalent: virtual GPUs for "
        "TensorFlow must be configured another way (model instance groups)", "warning",
        "--tf-add-vgpu removed, no equivalent",
        "Removed in 2.2.0 (20.08) with no V2 equivalent: dropped so that the server starts; the virtual GPU "
        "split it configured is gone - review.",
        removed_from="20.08",
    ),
)

BACKEND_OPTIONS = (
    BackendOption("TDM307", "tf-allow-soft-placement-option", "tf-allow-soft-placement", "tensorflow",
                  "allow-soft-placement", "20.08",
                  "--tf-allow-soft-placement -> --backend-config=tensorflow,allow-soft-placement=",
                  "Renamed in 2.2.0 (20.08); 20.06 and 20.07 still take the V1 name, so the rule applies from 20.08."),
    BackendOption("TDM308", "tf-gpu-memory-fraction-option", "tf-gpu-memory-fraction", "tensorflow",
                  "gpu-memory-fraction", "20.08",
                  "--tf-gpu-memory-fraction -> --backend-config=tensorflow,gpu-memory-fraction=",
                  "Renamed in 2.2.0 (20.08), applied from that target on."),
)

MODEL_CONTROL_OPTIONS = ("allow-poll-model-repository", "allow-model-control", "model-control-mode")
TF_OPTIONS = ("tf-allow-soft-placement", "tf-gpu-memory-fraction", "tf-add-vgpu")

# --- images ---------------------------------------------------------------------------------

# --- paths ----------------------------------------------------------------------------------


class PathRow(NamedTuple):
    v1: str  #: exact path (a prefix of longer paths only when ``tree``)
    v2: str
    tree: bool  #: everything below maps too (``/opt/tensorrtserver/lib/x.so``)


#: /opt/tensorrtserver paths that V1 images shipped; anything else below it is the user's own.
V1_PATHS = (
    PathRow("/opt/tensorrtserver/bin/trtserver", "/opt/tritonserver/bin/tritonserver", False),
    PathRow("/opt/tensorrtserver/bin", "/opt/tritonserver/bin", False),
    PathRow("/opt/tensorrtserver/lib", "/opt/tritonserver/lib", True),
    PathRow("/opt/tensorrtserver/include", "/opt/tritonserver/include", True),
    PathRow("/opt/tensorrtserver", "/opt/tritonserver", False),
)
ENTRYPOINT_V1 = "/opt/tensorrtserver/nvidia_entrypoint.sh"
ENTRYPOINT_V2_OLD = "/opt/tritonserver/nvidia_entrypoint.sh"  # up to 22.02
ENTRYPOINT_V2_NEW = "/opt/nvidia/nvidia_entrypoint.sh"  # 22.03 on
ENTRYPOINT_MOVED = "22.03"

# --- environment variables ------------------------------------------------------------------


class EnvRow(NamedTuple):
    v1: str
    v2: str


ENV_VARS = (
    EnvRow("NVIDIA_TENSORRT_SERVER_VERSION", "NVIDIA_TRITON_SERVER_VERSION"),
    EnvRow("TENSORRT_SERVER_VERSION", "TRITON_SERVER_VERSION"),
    EnvRow("TENSORRT_SERVER_USER", "TRITON_SERVER_USER"),
    EnvRow("TENSORRT_SERVER_CPU_ONLY", "TRITON_SERVER_CPU_ONLY"),
)
V1_USER, V2_USER = "tensorrt-server", "triton-server"

# --- clients --------------------------------------------------------------------------------
CLIENT_PACKAGE_FROM = "20.09"  # tritonclient[...] wheels from 2.3.0
#: every release of the ``tritonclient`` wheel on PyPI, newest first.
#: Source: ``pip index versions tritonclient``, read 2026-12-06 (data, never fetched at run time).
#: Not every server release has a client of its own version (no 2.72.0; 23.08's is 2.37.0.9383150).
TRITONCLIENT_VERSIONS = (
    "2.73.0", "2.71.0", "2.70.0", "2.69.0", "2.68.0", "2.67.0", "2.66.0", "2.65.0", "2.64.0", "2.63.0",
    "2.62.0", "2.61.0", "2.60.0", "2.59.0", "2.58.0", "2.57.0", "2.56.0", "2.55.0", "2.54.0", "2.53.0",
    "2.52.0", "2.51.0", "2.50.0", "2.49.0", "2.48.0", "2.47.0", "2.46.0", "2.45.0", "2.44.0", "2.43.0",
    "2.42.0", "2.41.1", "2.41.0", "2.40.0", "2.39.0", "2.38.0", "2.37.0.9383150", "2.36.0", "2.35.0", "2.34.0",
    "2.33.0", "2.32.0", "2.31.0", "2.30.0", "2.29.0", "2.28.0", "2.27.0", "2.26.0", "2.25.0", "2.24.0",
    "2.23.0", "2.22.4", "2.22.3", "2.22.0", "2.21.0", "2.20.0", "2.19.0", "2.18.0", "2.17.0", "2.16.0",
    "2.15.0", "2.14.2", "2.14.0", "2.13.0", "2.12.0", "2.11.0", "2.10.0", "2.9.0", "2.8.0", "2.7.0",
    "2.6.0", "2.5.0", "2.4.0", "2.3.0",
)
#: the V2 client wheels of 20.06-20.08 (2.0.0-2.2.0), before tritonclient: in the release's client SDK
#: image and clients tarball only (none of them is on PyPI: ``pip index versions`` finds none)
EARLY_CLIENT_WHEELS = ("tritonclientutils", "tritonhttpclient", "tritongrpcclient")
PERF_ANALYZER_FROM = "20.10"
SDK_SUFFIX_FROM = "20.12"  # -py3-sdk (before: -py3-clientsdk)

# --- target-release checks ------------------------------------------------------------------
TF1_DROPPED = "23.04"
CAFFE2_DROPPED = "20.11"
CUSTOM_BACKEND_DROPPED = "21.05"
TF_BACKEND_DROPPED = "25.03"
STRICT_DEFAULT_FALSE = "22.07"
