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
#: V1's framework library folders below /opt/tensorrtserver/lib: V2 keeps them with their backends
V1_FRAMEWORK_LIBS = frozenset({"tensorflow", "pytorch", "caffe2", "onnxruntime"})
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
#: what tritonclient[all] 2.51.0 (target 24.10) requires at least, from its wheel's metadata (Requires-Dist):
#: later clients require no less, so a pin of the requirements file below one of these cannot be installed
#: beside the client that replaces the V1 wheel (rules/clients.py, TDM606)
CLIENT_DEPENDENCY_MINIMUMS_FROM = "24.10"
CLIENT_DEPENDENCY_MINIMUMS = {
    "grpcio": "1.41.0", "protobuf": "3.5.0", "numpy": "1.19.1", "urllib3": "2.0.7", "python-rapidjson": "0.9.1",
    "aiohttp": "3.8.1", "geventhttpclient": "1.4.4", "packaging": "14.1",
}
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

# --- the base OS of the server image, per release (TDM703-TDM709) -------------------------------
# Sources, each row names which:
#   notes   - the Triton release notes of the release ("Contents of the Triton Inference Server
#             container", "Driver Requirements"): docs.nvidia.com/deeplearning/triton-inference-server/
#             release-notes/rel-YY-MM.html (rel_YY-MM.html before 22.09); 24.12's also in the server
#             repository at docs/introduction/release_notes.md (branch r24.12)
#   build   - the server repository's build.py at the release's tag: the CPU-only image is built FROM
#             ubuntu:NN.04, the same Ubuntu as the GPU image's base (ubuntu:20.04 up to v2.33.0 = 23.04,
#             ubuntu:22.04 from v2.34.0 = 23.05, ubuntu:24.04 from v2.52.0 = 24.11); the image's Python is
#             that Ubuntu's python3, which build.py installs with apt for the Python backend
#   compat  - the server repository's docs/introduction/compatibility.md (branch r26.07), table
#             "vllm-python-py3" (24.04-26.07): that image is built on the same base as -py3; its CUDA
#             agrees with the notes at 24.06, 24.10, 24.12, 25.03, 25.10 and 26.02 (25.06: the notes
#             say 12.9.1.010, the table 12.9.0.043; the notes are followed); its driver column is the
#             driver the CUDA release ships with
# The driver is the higher of what the notes and the compat table say (the notes of 24.04-24.06,
# 25.03, 25.10 and 26.02 name an older branch than the CUDA release they cite ships with).


class ImageBase(NamedTuple):
    release: str  #: the image's release (YY.MM, or a V1 tag's release such as 20.03.1)
    ubuntu: str
    python: str  #: the image's python3 (X.Y)
    cuda: str  #: as the source writes it
    driver: str  #: the minimum NVIDIA driver branch on the host (R560: 560 or later)
    #: data-center drivers that CUDA forward compatibility allows instead (each: or later in its branch)
    forward: tuple[str, ...]
    source: str  #: where the values come from (see above)
    interpolated: str = ""  #: what no source states for this release, and how it was filled in

    @property
    def cuda_version(self) -> tuple[int, int]:
        """(major, minor) of the CUDA release."""
        major, minor = self.cuda.split()[0].split(".")[:2]
        return int(major), int(minor)

    @property
    def python_minor(self) -> int:
        return int(self.python.split(".")[1])


_F20 = ("418.xx", "440.30")
_F20B = ("418.xx", "440.30", "450.xx")
_F21 = ("418.40", "440.33", "450.51")
_F21B = ("418.40", "440.33", "450.51", "460.27")
_F21C = ("418.40", "440.33", "450.51", "460.27", "470.57")
_F22 = ("450.51", "470.57", "510.47")
_F22B = ("450.51", "470.57", "510.47", "515.65")
_F23 = ("450.51", "470.57", "510.47", "515.65", "525.85", "530.30")
_F23B = ("450.51", "470.57", "510.47", "525.85", "535.86")
_F23C = ("450.51", "470.57", "510.47", "525.85", "535.86", "545.23")
_F24 = ("470.57", "525.85", "535.86", "545.23")
_U18, _U20, _U22, _U24 = ("18.04", "3.6"), ("20.04", "3.8"), ("22.04", "3.10"), ("24.04", "3.12")
_B20 = "build (ubuntu:20.04)"
_B22 = "build (ubuntu:22.04)"
_B24 = "build (ubuntu:24.04)"
_LATER = "CUDA and driver: no notes read for this release; the next release with notes is assumed (never a lower driver)"
_FWD24 = "forward compatibility as the 24.06/24.08 notes list it"
_FWD13 = ("the notes of CUDA 13 releases repeat the CUDA 12 list (R470-R545); no forward-compatible branch is "
          "listed here: see the CUDA compatibility guide")


def _base(release: str, os: tuple[str, str], cuda: str, driver: str, forward: tuple[str, ...], source: str,
          interpolated: str = "") -> ImageBase:
    return ImageBase(release, os[0], os[1], cuda, driver, forward, source, interpolated)


#: the -py3 server image of every V2 release the rules know (21.01 was never released)
TARGET_BASES: tuple[ImageBase, ...] = (
    _base("20.06", _U18, "11.0.167", "450", _F20, "notes"),
    _base("20.07", _U18, "11.0.194", "450", _F20, "notes"),
    _base("20.08", _U18, "11.0.3", "450", _F20, "notes"),
    _base("20.09", _U18, "11.0.3", "450", _F20, "notes"),
    _base("20.10", _U18, "11.1.0", "455", _F20B, "notes"),
    _base("20.11", _U18, "11.1.0", "455", _F20B, "notes"),
    _base("20.12", _U20, "11.1.1", "455", _F20B, "notes"),
    _base("21.02", _U20, "11.2.0", "460", _F21, "notes (460.27.04)"),
    _base("21.03", _U20, "11.2.1", "460", _F21, "notes (460.32.03)"),
    _base("21.04", _U20, "11.3.0", "465", _F21B, "notes (465.19.01)"),
    _base("21.05", _U20, "11.3.0", "465", _F21B, "notes (465.19.01)"),
    _base("21.06", _U20, "11.3.1", "465", _F21B, "notes of 21.06.1 (465.19.01)",
          "the values of the 21.06.1 re-release"),
    _base("21.07", _U20, "11.4.1", "470", _F21B, "notes of 21.06.1 and 21.08", _LATER),
    _base("21.08", _U20, "11.4.1", "470", _F21B, "notes"),
    _base("21.09", _U20, "11.4.2", "470", _F21B, "notes"),
    _base("21.10", _U20, "11.5.0", "495", _F21C, "notes of 21.09 and 21.11", _LATER),
    _base("21.11", _U20, "11.5.0", "495", _F21C, "notes"),
    _base("21.12", _U20, "11.5.0", "495", _F21C, "notes"),
    _base("22.01", _U20, "11.6.0", "510", _F21C, f"notes; {_B20}"),
    _base("22.02", _U20, "11.6.0", "510", _F21C, f"notes; {_B20}"),
    _base("22.03", _U20, "11.6.1", "510", _F21C, f"notes; {_B20}"),
    _base("22.04", _U20, "11.6.2", "510", _F21C, f"notes; {_B20}"),
    _base("22.05", _U20, "11.7", "515", _F22, f"notes; {_B20}"),
    _base("22.06", _U20, "11.7 Update 1 Preview", "515", _F22, f"notes; {_B20}"),
    _base("22.07", _U20, "11.7 Update 1", "515", _F22, f"notes of 22.06 and 22.08; {_B20}",
          "CUDA and driver: the 22.06 and 22.08 notes agree"),
    _base("22.08", _U20, "11.7 Update 1", "515", _F22, f"notes; {_B20}"),
    _base("22.09", _U20, "11.8.0", "520", _F22B, f"notes; {_B20}"),
    _base("22.10", _U20, "11.8.0", "520", _F22B, f"notes; {_B20}"),
    _base("22.11", _U20, "11.8.0", "520", _F22B, f"notes of 22.10 and 22.12; {_B20}",
          "CUDA and driver: the 22.10 and 22.12 notes agree"),
    _base("22.12", _U20, "11.8.0", "520", _F22B, f"notes; {_B20}"),
    _base("23.01", _U20, "12.1.0", "530", _F23, f"notes of 22.12 and 23.03; {_B20}", _LATER),
    _base("23.02", _U20, "12.1.0", "530", _F23, f"notes of 22.12 and 23.03; {_B20}", _LATER),
    _base("23.03", _U20, "12.1.0", "530", _F23, f"notes; {_B20}"),
    _base("23.04", _U20, "12.1.0", "530", _F23, f"notes; {_B20}"),
    _base("23.05", _U22, "12.1.1", "530", _F23, f"notes; {_B22}"),
    _base("23.06", _U22, "12.1.1", "530", _F23, f"notes; {_B22}"),
    _base("23.07", _U22, "12.1.1", "530", _F23, f"notes; {_B22}"),
    _base("23.08", _U22, "12.2.1", "535", _F23B, f"notes; {_B22}"),
    _base("23.09", _U22, "12.2.1", "535", _F23B, f"notes; {_B22}"),
    _base("23.10", _U22, "12.3.2", "545", _F23C, f"notes of 23.09 and 23.12; {_B22}", _LATER),
    _base("23.11", _U22, "12.3.2", "545", _F23C, f"notes of 23.09 and 23.12; {_B22}", _LATER),
    _base("23.12", _U22, "12.3.2", "545", _F23C, f"notes; {_B22}"),
    _base("24.01", _U22, "12.4", "545", _F24, f"notes of 23.12 and 24.03; {_B22}", _LATER),
    _base("24.02", _U22, "12.4", "545", _F24, f"notes of 23.12 and 24.03; {_B22}", _LATER),
    _base("24.03", _U22, "12.4", "545", _F24, f"notes (driver); {_B22}",
          "CUDA: the 24.03 notes name no version; 12.4 as the 24.04 notes say"),
    _base("24.04", _U22, "12.4.1", "550", _F24, f"notes (CUDA 12.4, driver 545); compat (12.4.1, 550.54.15); {_B22}"),
    _base("24.05", _U22, "12.4.1", "550", _F24, f"notes (CUDA 12.4, driver 545); compat (12.4.1, 550.54.15); {_B22}"),
    _base("24.06", _U22, "12.5.0.23", "555", _F24, f"notes (driver 545); compat (555.42.02); {_B22}"),
    _base("24.07", _U22, "12.5.1", "555", _F24, f"compat (555.42.06); {_B22}", _FWD24),
    _base("24.08", _U22, "12.6.0.022", "560", _F24, f"notes (CUDA 12.6, driver 560); compat; {_B22}"),
    _base("24.09", _U22, "12.6.1.006", "560", _F24, f"compat (560.35.03); {_B22}", _FWD24),
    _base("24.10", _U22, "12.6.2", "560", _F24, f"notes; compat (12.6.2.004, 560.35.03); {_B22}"),
    _base("24.11", _U24, "12.6.3.001", "560", _F24, f"compat (560.35.05); {_B24}", _FWD24),
    _base("24.12", _U24, "12.6.3", "560", _F24, f"notes; compat (560.35.05); {_B24}"),
    _base("25.01", _U24, "12.8.0.038", "570", _F24, f"compat (570.86.10); {_B24}", _FWD24),
    _base("25.02", _U24, "12.8.0.038", "570", _F24, f"compat (570.86.10); {_B24}", _FWD24),
    _base("25.03", _U24, "12.8.1.012", "570", _F24, f"notes (driver 560); compat (570.124.06); {_B24}"),
    _base("25.04", _U24, "12.9.0.036", "575", _F24, f"compat (575.51.02); {_B24}", _FWD24),
    _base("25.05", _U24, "12.9.0.043", "575", _F24, f"compat (575.51.03); {_B24}", _FWD24),
    _base("25.06", _U24, "12.9.1.010", "575", _F24, f"notes; compat (12.9.0.043, 575.51.03); {_B24}"),
    _base("25.07", _U24, "12.9.0.043", "575", _F24, f"compat (575.51.03); {_B24}", _FWD24),
    _base("25.08", _U24, "13.0.1.012", "580", (), f"compat (580.82.07); {_B24}", _FWD13),
    _base("25.09", _U24, "13.0.1.012", "580", (), f"compat (580.82.07); {_B24}", _FWD13),
    _base("25.10", _U24, "13.0.2.006", "580", (), f"notes (driver 575); compat (580.95.05); {_B24}", _FWD13),
    _base("25.11", _U24, "13.0.2.006", "580", (), f"compat (580.95.05); {_B24}", _FWD13),
    _base("25.12", _U24, "13.1.0.036", "590", (), f"compat (590.44.01); {_B24}", _FWD13),
    _base("26.01", _U24, "13.1.1.006", "590", (), f"compat (590.48.01); {_B24}", _FWD13),
    _base("26.02", _U24, "13.1.1", "590", (), f"notes (driver 575); compat (590.48.01); {_B24}", _FWD13),
    _base("26.03", _U24, "13.2.0.046", "595", (), f"compat (595.45.04); {_B24}", _FWD13),
    _base("26.04", _U24, "13.2.1.009", "595", (), f"compat (595.58.03); {_B24}", _FWD13),
    _base("26.05", _U24, "13.2.1.009", "595", (), f"compat (595.58.03); {_B24}", _FWD13),
    _base("26.06", _U24, "13.3.0.035", "610", (), f"compat (610.43.02); {_B24}", _FWD13),
    _base("26.07", _U24, "13.3.0.035", "610", (), f"compat (610.43.02); {_B24}", _FWD13),
)

_U16 = ("16.04", "3.5")
_PY_BY_UBUNTU = "Python: that Ubuntu's python3"
#: the V1 images by their tag's release (the notes of the V1 releases; 20.06-v1 and 20.07-v1 are built on
#: the 20.06 and 20.07 bases, facts sheet "Corrections")
V1_BASES: tuple[ImageBase, ...] = (
    _base("18.09", _U16, "10.0.130", "410", ("384",), "notes"),
    *(_base(r, _U16, "10.0.130", "410", ("384",), "notes of 18.09 and 19.03",
            "all values: 18.09's, the nearest release with notes") for r in ("18.10", "18.11", "18.12", "19.01", "19.02")),
    _base("19.03", _U16, "10.1.105", "418", ("384.111", "410"), "notes", _PY_BY_UBUNTU),
    _base("19.04", _U16, "10.1.105", "418", ("384.111", "410"), "notes", _PY_BY_UBUNTU),
    _base("19.05", _U16, "10.1 Update 1", "418", ("384.111", "410"), "notes", _PY_BY_UBUNTU),
    _base("19.06", _U16, "10.1.168", "418", ("384.111", "410"), "notes", _PY_BY_UBUNTU),
    _base("19.07", _U18, "10.1.168", "418", ("384.111", "410"), "notes (418.67)", _PY_BY_UBUNTU),
    _base("19.08", _U18, "10.1.168", "418", ("384.111", "410"), "notes of 19.07 and 19.10",
          "CUDA: 10.1 as 19.07 and 19.10; " + _PY_BY_UBUNTU),
    _base("19.09", _U18, "10.1.243", "418", ("384.111", "410"), "notes of 19.07 and 19.10",
          "CUDA: 10.1 as 19.07 and 19.10; " + _PY_BY_UBUNTU),
    _base("19.10", _U18, "10.1.243", "418", ("396", "384.111", "410"), "notes", _PY_BY_UBUNTU),
    _base("19.11", _U18, "10.2.89", "440", ("396", "384.111", "410", "418.xx"), "notes (440.30)"),
    _base("19.12", _U18, "10.2.89", "440", ("396", "384.111", "410", "418.xx"), "notes of 19.11 and 20.01",
          "all values: 19.11 and 20.01 agree"),
    _base("20.01", _U18, "10.2.89", "440", ("396", "384.111", "410", "418.xx", "440.30"), "notes (440.33.01)"),
    _base("20.02", _U18, "10.2.89", "440", ("396", "384.111", "410", "418.xx", "440.30"), "notes (440.33.01)"),
    _base("20.03", _U18, "10.2.89", "440", ("396", "384.111", "410", "418.xx", "440.30"), "notes of 20.02 and 20.03.1",
          "all values: 20.02 and 20.03.1 agree"),
    _base("20.03.1", _U18, "10.2.89", "440", ("396", "384.111", "410", "418.xx", "440.30"), "notes (440.33.01)"),
)


def target_base(release) -> ImageBase | None:
    """The base of ``tritonserver:<release>-py3`` (None: a release the table does not know)."""
    text = str(release)
    return next((b for b in TARGET_BASES if b.release == text), None)


def v1_base(tag_release: str, v1_suffix: bool) -> ImageBase | None:
    """The base of the V1 image of ``tag_release`` (``20.06`` with ``-v1``: the 20.06 base)."""
    if v1_suffix:
        return target_base(tag_release)
    return next((b for b in V1_BASES if b.release == tag_release), None)


#: what is said of a V1 image whose tag is not known (a variable, a local name)
V1_BASE_UNKNOWN = "Ubuntu 16.04 or 18.04, Python 3.5 or 3.6, CUDA 10.x"


# --- apt packages the target's Ubuntu does not have (TDM704) -------------------------------------
# Package names per Ubuntu release (packages.ubuntu.com, main/universe of 16.04 xenial, 18.04 bionic,
# 20.04 focal, 22.04 jammy, 24.04 noble). A replacement of None: no package of the same role exists.

class AptRow(NamedTuple):
    pattern: str  #: regular expression matched against the whole package name
    ubuntu: tuple[str, ...]  #: the releases that have it
    replacement: tuple[tuple[str, str], ...]  #: (from Ubuntu release, package) - the last that applies wins
    why: str


APT_PACKAGES: tuple[AptRow, ...] = (
    AptRow(r"python(?:-(?:dev|pip|minimal))?", ("16.04", "18.04"), (("20.04", "python3{suffix}"),),
           "Python 2 (`python`, `python-pip`, `python-dev`) is not installable from Ubuntu 20.04 on"),
    AptRow(r"libssl1\.0\.0", ("16.04", "18.04"), (("20.04", "libssl1.1"), ("22.04", "libssl3")),
           "OpenSSL 1.0 is gone from Ubuntu 20.04 (1.1) and 22.04 (3)"),
    AptRow(r"libssl1\.0-dev", ("18.04",), (("16.04", "libssl-dev"),), "OpenSSL 1.0's headers were Ubuntu 18.04's"),
    AptRow(r"libssl1\.1", ("18.04", "20.04"), (("22.04", "libssl3"),), "OpenSSL 1.1 is gone from Ubuntu 22.04 (3)"),
    AptRow(r"libpng12-(?:0|dev)", ("16.04",), (("18.04", "libpng-dev"),), "libpng 1.2 was Ubuntu 16.04's"),
    AptRow(r"libcurl3", ("16.04", "18.04"), (("20.04", "libcurl4"),), "libcurl3 is gone from Ubuntu 20.04"),
    AptRow(r"libffi6", ("16.04", "18.04"), (("20.04", "libffi7"), ("22.04", "libffi8")),
           "libffi 6 is gone from Ubuntu 20.04"),
    AptRow(r"libreadline[67]", ("16.04", "18.04"), (("20.04", "libreadline8"),),
           "readline 6 and 7 are gone from Ubuntu 20.04"),
    AptRow(r"libgfortran3", ("16.04", "18.04"), (("20.04", "libgfortran5"),), "libgfortran3 is gone from Ubuntu 20.04"),
    AptRow(r"libtiff5", ("16.04", "18.04", "20.04", "22.04"), (("24.04", "libtiff6"),),
           "libtiff5 is gone from Ubuntu 24.04"),
    AptRow(r"libicu(?:55|60|66|70)", (), (("16.04", "{icu}"),),
           "ICU's library is named for its version, which every Ubuntu release changes"),
    AptRow(r"libboost(?:-[a-z_]+)?1\.(?:58|65|71)(?:\.[01])?(?:-dev)?", (), (("16.04", "{boost}"),),
           "Boost's packages are named for its version (1.58 in 16.04, 1.65 in 18.04, 1.71 in 20.04, 1.74 in 22.04, "
           "1.83 in 24.04); the unversioned -dev packages exist in every release"),
    AptRow(r"libprotobuf(?:9v5|10)", ("16.04", "18.04"), (("20.04", "libprotobuf-dev"),),
           "libprotobuf's runtime package is named for its soname (9v5, 10, 17, 23, 32t64)"),
)
#: the package of the Python of each release (python3.N, python3.N-dev, libpython3.N...): the target has
#: only its own (and those UBUNTU_PYTHONS lists); the replacement keeps the suffix
PYTHON_PACKAGE = r"(?P<lib>lib)?python3\.(?P<minor>\d+)(?P<suffix>-(?:dev|venv|minimal|stdlib|distutils|tk))?"
#: ICU per Ubuntu release (the replacement of a libicuNN row)
ICU = {"16.04": "libicu55", "18.04": "libicu60", "20.04": "libicu66", "22.04": "libicu70", "24.04": "libicu74"}
#: Boost per Ubuntu release (the libboost*1.NN* packages)
BOOST = {"16.04": "1.58", "18.04": "1.65", "20.04": "1.71", "22.04": "1.74", "24.04": "1.83"}
#: Python minor versions each Ubuntu release packages (main and universe)
UBUNTU_PYTHONS = {"16.04": (5,), "18.04": (6, 7, 8), "20.04": (8, 9), "22.04": (10, 11), "24.04": (12,)}


# --- pip pins without a wheel for the target's Python (TDM705) -----------------------------------
# The first release with a manylinux x86_64 wheel for each Python (checked with `pip download
# --only-binary=:all: --python-version X.Y` against PyPI: numpy 1.17.2/1.17.3, 1.21.1/1.21.2,
# 1.25.2/1.26.0; tensorflow 2.1.0/2.2.0, 2.7.0/2.8.0, 2.15.0/2.16.1, 1.15.5 has no cp38 wheel;
# torch 1.3.1/1.4.0, 1.10.2/1.11.0, 2.1.2/2.2.0). None: no release has one.

class WheelFloor(NamedTuple):
    package: str  #: the distribution name (normalized: lower case, ``-``)
    first: tuple[tuple[str, str | None], ...]  #: (Python X.Y, first version with a wheel)


WHEEL_FLOORS: tuple[WheelFloor, ...] = (
    WheelFloor("numpy", (("3.8", "1.17.3"), ("3.10", "1.21.2"), ("3.12", "1.26.0"))),
    WheelFloor("tensorflow", (("3.8", "2.2.0"), ("3.10", "2.8.0"), ("3.12", "2.16.1"))),
    WheelFloor("tensorflow-gpu", (("3.8", "2.2.0"), ("3.10", "2.8.0"), ("3.12", None))),
    WheelFloor("torch", (("3.8", "1.4.0"), ("3.10", "1.11.0"), ("3.12", "2.2.0"))),
)


# --- builds for another CUDA than the target's (TDM706) -----------------------------------------
#: apt packages of cuDNN 7, which exists for CUDA 10 only
CUDNN7 = r"libcudnn7(?:-dev|-doc)?"
#: CUDA packages whose names take the CUDA version (``cuda-toolkit-10-2``): the same name exists for
#: every CUDA 11 and 12 release in NVIDIA's repositories for Ubuntu 20.04 and later
CUDA_VERSIONED_PACKAGES = ("cuda-toolkit", "cuda-libraries", "cuda-libraries-dev", "cuda-compat", "cuda-nvrtc",
                           "cuda-cudart", "cuda-nvcc", "cuda-command-line-tools", "cuda-minimal-build",
                           "cuda-runtime")


def cupy_package(cuda: tuple[int, int]) -> str:
    """The CuPy wheel for a CUDA release (cupy-cuda110, -cuda111, then one per major: cuda11x from 11.2)."""
    major, minor = cuda
    if major == 11 and minor < 2:
        return f"cupy-cuda11{minor}"
    return f"cupy-cuda{major}x"

# --- V1 Python client code -> tritonclient ------------------------------------------------------
# V1: tensorrtserver/api/__init__.py of v1.12.0 (shared/corpus/clients/v1/tensorrtserver_api__init__.py)
# and the V1 examples beside it (shared/corpus/clients/v1/*.py); V2: the tritonclient examples
# (shared/corpus/clients/v2/simple_{http,grpc}_*_client.py) and the tritonclient package they use.
# tests/test_python.py checks every V1 name against the V1 library and every V2 name against the
# installed tritonclient.

class ClientRow(NamedTuple):
    module: str  #: the V1 module
    name: str  #: the name inside it ("" the module itself; ``InferContext.run`` a method)
    v2: str  #: the V2 code that replaces it
    note: str  #: what else changes ("" nothing)
    review: bool  #: a use must change (False: the use stays as written once the import changes)
    v2_import: str = ""  #: the V2 import that brings it
    v2_api: tuple[str, ...] = ()  #: the tritonclient names ``v2`` uses (checked by the tests)
    v1_source: str = "tensorrtserver/api/__init__.py"  #: where V1 defines it


_API = "tensorrtserver.api"
_HTTP = "import tritonclient.http as httpclient"
_CLIENT = "tritonclient.http.InferenceServerClient(url)"
_CLIENT_NOTE = ("one V2 client object answers health, status, model control, shared memory and inference; "
                "it takes no protocol (tritonclient.http or tritonclient.grpc decides) and no http_headers "
                "(each call takes headers=)")
_C = ("tritonclient.http.InferenceServerClient",)


def _m(name: str) -> tuple[str, ...]:
    return (f"tritonclient.http.InferenceServerClient.{name}",)


CLIENT_ROWS = (
    ClientRow(_API, "", "tritonclient.http (HTTP) or tritonclient.grpc (gRPC)",
              "the API changed, not only the name: V1 spoke both protocols through ProtocolType, V2 has one "
              "module per protocol", True, _HTTP, ("tritonclient.http", "tritonclient.grpc")),
    ClientRow(_API, "ProtocolType", "the module you import: tritonclient.http or tritonclient.grpc",
              "V2 clients take no protocol argument", True, _HTTP, ("tritonclient.http", "tritonclient.grpc")),
    ClientRow(_API, "ProtocolType.HTTP", "tritonclient.http", "import it instead of passing a protocol", True,
              _HTTP, ("tritonclient.http",)),
    ClientRow(_API, "ProtocolType.GRPC", "tritonclient.grpc", "import it instead of passing a protocol", True,
              "import tritonclient.grpc as grpcclient", ("tritonclient.grpc",)),
    ClientRow(_API, "ProtocolType.from_str",
              "tritonclient.http if protocol.lower() == 'http' else tritonclient.grpc",
              "choose the client module from the string", True, _HTTP, ("tritonclient.http", "tritonclient.grpc")),
    ClientRow(_API, "InferenceServerException", "tritonclient.utils.InferenceServerException", "", False,
              "from tritonclient.utils import InferenceServerException", ("tritonclient.utils.InferenceServerException",)),
    ClientRow(_API, "InferenceServerException.message", "e.message()", "", False, "",
              ("tritonclient.utils.InferenceServerException.message",)),
    ClientRow(_API, "InferenceServerException.server_id", "e.status() or e.debug_details()",
              "V2 exceptions carry no server id", True, "",
              ("tritonclient.utils.InferenceServerException.status",
               "tritonclient.utils.InferenceServerException.debug_details")),
    ClientRow(_API, "InferenceServerException.request_id", "e.debug_details()",
              "V2 exceptions carry no request id", True, "",
              ("tritonclient.utils.InferenceServerException.debug_details",)),
    ClientRow(_API, "ServerHealthContext", _CLIENT, _CLIENT_NOTE, True, _HTTP, _C),
    ClientRow(_API, "ServerHealthContext.is_ready", "client.is_server_ready()", "", True, "", _m("is_server_ready")),
    ClientRow(_API, "ServerHealthContext.is_live", "client.is_server_live()", "", True, "", _m("is_server_live")),
    ClientRow(_API, "ServerStatusContext", _CLIENT, _CLIENT_NOTE, True, _HTTP, _C),
    ClientRow(_API, "ServerStatusContext.get_server_status",
              "client.get_server_metadata(), client.get_model_metadata(model_name), "
              "client.get_model_config(model_name), client.is_model_ready(model_name)",
              "V1 returned one ServerStatus protobuf; V2 answers each question with its own call (JSON over "
              "HTTP, protobuf messages over gRPC)", True, "",
              _m("get_server_metadata") + _m("get_model_metadata") + _m("get_model_config") + _m("is_model_ready")),
    ClientRow(_API, "ModelRepositoryContext", _CLIENT, _CLIENT_NOTE, True, _HTTP, _C),
    ClientRow(_API, "ModelRepositoryContext.get_model_repository_index", "client.get_model_repository_index()",
              "V2 returns a list of the models with their state", True, "", _m("get_model_repository_index")),
    ClientRow(_API, "ModelControlContext", _CLIENT, _CLIENT_NOTE, True, _HTTP, _C),
    ClientRow(_API, "ModelControlContext.load", "client.load_model(model_name)",
              "the server must run with --model-control-mode=explicit", True, "", _m("load_model")),
    ClientRow(_API, "ModelControlContext.unload", "client.unload_model(model_name)",
              "the server must run with --model-control-mode=explicit", True, "", _m("unload_model")),
    ClientRow(_API, "SharedMemoryControlContext", _CLIENT, _CLIENT_NOTE, True, _HTTP, _C),
    ClientRow(_API, "SharedMemoryControlContext.register", "client.register_system_shared_memory(name, key, byte_size)",
              "V2 registers a region by its name, key and size, not by the handle", True, "",
              _m("register_system_shared_memory")),
    ClientRow(_API, "SharedMemoryControlContext.cuda_register",
              "client.register_cuda_shared_memory(name, tritonclient.utils.cuda_shared_memory.get_raw_handle(handle), "
              "device_id, byte_size)", "V2 registers a CUDA region by its raw handle", True, "",
              _m("register_cuda_shared_memory") + ("tritonclient.utils.cuda_shared_memory.get_raw_handle",)),
    ClientRow(_API, "SharedMemoryControlContext.unregister",
              "client.unregister_system_shared_memory(name) or client.unregister_cuda_shared_memory(name)",
              "V2 unregisters a region by its name", True, "",
              _m("unregister_system_shared_memory") + _m("unregister_cuda_shared_memory")),
    ClientRow(_API, "SharedMemoryControlContext.unregister_all",
              "client.unregister_system_shared_memory() and client.unregister_cuda_shared_memory()",
              "without a name V2 unregisters every region of the kind", True, "",
              _m("unregister_system_shared_memory") + _m("unregister_cuda_shared_memory")),
    ClientRow(_API, "SharedMemoryControlContext.get_shared_memory_status",
              "client.get_system_shared_memory_status() and client.get_cuda_shared_memory_status()", "", True, "",
              _m("get_system_shared_memory_status") + _m("get_cuda_shared_memory_status")),
    ClientRow(_API, "InferContext", _CLIENT,
              "the model name and version move to each infer() call, correlation_id to sequence_id=, "
              "streaming=True to the gRPC client's start_stream()", True, _HTTP,
              _C + ("tritonclient.grpc.InferenceServerClient.start_stream",)),
    ClientRow(_API, "InferContext.run",
              "client.infer(model_name, inputs, model_version=str(version), outputs=outputs)",
              "inputs become InferInput(name, shape, datatype) filled with set_data_from_numpy() (one array for "
              "the whole batch, its shape holds the batch size), outputs InferRequestedOutput(name); read results "
              "with result.as_numpy(name); flags become sequence_start=/sequence_end=, corr_id sequence_id=", True,
              "", _m("infer") + ("tritonclient.http.InferInput", "tritonclient.http.InferInput.set_data_from_numpy",
                                 "tritonclient.http.InferRequestedOutput", "tritonclient.http.InferResult.as_numpy")),
    ClientRow(_API, "InferContext.async_run", "client.async_infer(model_name, inputs, outputs=outputs)",
              "over HTTP it returns a request whose get_result() gives the result; the gRPC client takes "
              "callback=", True, "", _m("async_infer") + ("tritonclient.grpc.InferenceServerClient.async_infer",)),
    ClientRow(_API, "InferContext.get_async_run_results", "request.get_result()",
              "the request async_infer() returned (HTTP); the gRPC client calls its callback instead", True, "",
              ("tritonclient.http.InferAsyncRequest.get_result",)),
    ClientRow(_API, "InferContext.get_stat", "client.get_inference_statistics(model_name)",
              "V2 reports the server's statistics per model, not the client's", True, "",
              _m("get_inference_statistics")),
    ClientRow(_API, "InferContext.correlation_id", "sequence_id= of client.infer()", "", True, "", _m("infer")),
    ClientRow(_API, "InferContext.get_last_request_id", "request_id= of client.infer()",
              "V2 requests carry the id the caller gives them", True, "", _m("infer")),
    ClientRow(_API, "InferContext.close", "client.close()", "", True, "", _m("close")),
    ClientRow(_API, "InferContext.ResultFormat", "tritonclient.http.InferRequestedOutput(name)",
              "", True, "", ("tritonclient.http.InferRequestedOutput",)),
    ClientRow(_API, "InferContext.ResultFormat.RAW", "tritonclient.http.InferRequestedOutput(name)",
              "read the output with result.as_numpy(name)", True, "",
              ("tritonclient.http.InferRequestedOutput", "tritonclient.http.InferResult.as_numpy")),
    ClientRow(_API, "InferContext.ResultFormat.CLASS", "tritonclient.http.InferRequestedOutput(name, class_count=k)",
              "the top k classes come back as strings \"value:index[:label]\"", True, "",
              ("tritonclient.http.InferRequestedOutput",)),
    ClientRow(_API, "serialize_string_tensor", "tritonclient.utils.serialize_byte_tensor(tensor)",
              "InferInput.set_data_from_numpy() serializes BYTES tensors itself", True,
              "from tritonclient.utils import serialize_byte_tensor", ("tritonclient.utils.serialize_byte_tensor",)),
    ClientRow(_API, "InferRequestHeader", "the parameters of client.infer()",
              "V2 requests follow the KServe v2 protocol", True, "", _m("infer"), "api.proto (api_pb2)"),
    ClientRow(_API, "InferRequestHeader.FLAG_NONE", "no flag (the default)", "", True, "", _m("infer"),
              "api.proto (api_pb2)"),
    ClientRow(_API, "InferRequestHeader.FLAG_SEQUENCE_START", "sequence_start=True of client.infer()", "", True, "",
              _m("infer"), "api.proto (api_pb2)"),
    ClientRow(_API, "InferRequestHeader.FLAG_SEQUENCE_END", "sequence_end=True of client.infer()", "", True, "",
              _m("infer"), "api.proto (api_pb2)"),
    ClientRow(_API, "InferResponseHeader", "result.get_response()", "V2 responses follow the KServe v2 protocol",
              True, "", ("tritonclient.http.InferResult.get_response",), "api.proto (api_pb2)"),
    ClientRow(_API, "ServerStatus", "client.get_server_metadata() and client.get_model_metadata(model_name)",
              "V2 has no ServerStatus message", True, "", _m("get_server_metadata") + _m("get_model_metadata"),
              "server_status.proto (server_status_pb2)"),
    ClientRow(_API, "SharedMemoryStatus", "client.get_system_shared_memory_status()", "", True, "",
              _m("get_system_shared_memory_status"), "server_status.proto (server_status_pb2)"),
    ClientRow(_API, "ModelRepositoryIndex", "client.get_model_repository_index()", "", True, "",
              _m("get_model_repository_index"), "server_status.proto (server_status_pb2)"),
    ClientRow("tensorrtserver", "", "tritonclient.http or tritonclient.grpc", "the API changed, not only the name",
              True, _HTTP, ("tritonclient.http", "tritonclient.grpc"), "the tensorrtserver wheel"),
    ClientRow("tensorrtserver.api.api_pb2", "", "tritonclient.grpc.service_pb2",
              "V2 speaks the KServe v2 protocol: the messages differ", True,
              "from tritonclient.grpc import service_pb2", ("tritonclient.grpc.service_pb2",), "api.proto"),
    ClientRow("tensorrtserver.api.grpc_service_pb2", "", "tritonclient.grpc.service_pb2",
              "V2 speaks the KServe v2 protocol (ModelInferRequest, ServerReadyRequest ...): the messages differ",
              True, "from tritonclient.grpc import service_pb2", ("tritonclient.grpc.service_pb2",),
              "grpc_service.proto"),
    ClientRow("tensorrtserver.api.grpc_service_pb2_grpc", "", "tritonclient.grpc.service_pb2_grpc",
              "the V2 service is inference.GRPCInferenceService", True,
              "from tritonclient.grpc import service_pb2_grpc", ("tritonclient.grpc.service_pb2_grpc",),
              "grpc_service.proto"),
    ClientRow("tensorrtserver.api.grpc_service_pb2_grpc", "GRPCServiceStub",
              "tritonclient.grpc.service_pb2_grpc.GRPCInferenceServiceStub(channel)",
              "its methods are the KServe v2 ones (ModelInfer, ServerReady, ModelReady ...)", True, "",
              ("tritonclient.grpc.service_pb2_grpc.GRPCInferenceServiceStub",), "grpc_service.proto"),
    ClientRow("tensorrtserver.api.model_config_pb2", "", "tritonclient.grpc.model_config_pb2", "", False,
              "from tritonclient.grpc import model_config_pb2", ("tritonclient.grpc.model_config_pb2",),
              "model_config.proto"),
    ClientRow("tensorrtserver.api.server_status_pb2", "",
              "client.get_server_metadata(), client.get_model_metadata(model_name)",
              "V2 has no status messages", True, _HTTP, _m("get_server_metadata") + _m("get_model_metadata"),
              "server_status.proto"),
    ClientRow("tensorrtserver.shared_memory", "", "tritonclient.utils.shared_memory",
              "create_shared_memory_region, set_shared_memory_region and destroy_shared_memory_region keep their "
              "arguments", False, "import tritonclient.utils.shared_memory as shm",
              ("tritonclient.utils.shared_memory.create_shared_memory_region",
               "tritonclient.utils.shared_memory.set_shared_memory_region",
               "tritonclient.utils.shared_memory.destroy_shared_memory_region"), "the V1 examples (simple_shm_client.py)"),
    ClientRow("tensorrtserver.cuda_shared_memory", "", "tritonclient.utils.cuda_shared_memory",
              "create_shared_memory_region, set_shared_memory_region and destroy_shared_memory_region keep their "
              "arguments", False, "import tritonclient.utils.cuda_shared_memory as cudashm",
              ("tritonclient.utils.cuda_shared_memory.create_shared_memory_region",
               "tritonclient.utils.cuda_shared_memory.set_shared_memory_region",
               "tritonclient.utils.cuda_shared_memory.destroy_shared_memory_region"),
              "the V1 examples (simple_cuda_shm_client.py)"),
)
_CLIENT_INDEX = {(r.module, r.name): r for r in CLIENT_ROWS}


def client_row(module: str, name: str) -> ClientRow | None:
    """The row of a V1 name: its own, else the row of what it belongs to (``InferContext.foo`` ->
    ``InferContext``, a module's unknown member -> the module)."""
    while True:
        row = _CLIENT_INDEX.get((module, name))
        if row is not None:
            return row
        if not name:
            return None
        name = name.rpartition(".")[0]


#: the client modules before 20.09, when the V2 client wheels were tritonclientutils, tritonhttpclient,
#: tritongrpcclient and tritonshmutils (facts sheet, "Clients"); longest names first
CLIENT_MODULES_BEFORE = (
    ("tritonclient.utils.cuda_shared_memory", "tritonshmutils.cuda_shared_memory"),
    ("tritonclient.utils.shared_memory", "tritonshmutils.shared_memory"),
    ("tritonclient.utils", "tritonclientutils"),
    ("tritonclient.http", "tritonhttpclient"),
    ("tritonclient.grpc", "tritongrpcclient"),
)


# --- V1 client code -> V2 with --unsafe-fixes (rules/clientrewrite.py; docs/clients.md) -------------
# Sources: the V1 library (shared/corpus/clients/v1/tensorrtserver_api__init__.py, v1.12.0) and its
# examples; the tritonclient package (http, grpc, utils) and its examples (shared/corpus/clients/v2/).

#: the V1 parameters of the constructors the native rewrite reads, in order
V1_SIGNATURES = {
    "ServerHealthContext": ("url", "protocol", "verbose", "http_headers"),
    "InferContext": ("url", "protocol", "model_name", "model_version", "verbose", "correlation_id", "streaming",
                     "http_headers"),
    "InferContext.run": ("inputs", "outputs", "batch_size", "flags", "corr_id", "priority", "timeout_us"),
    "ProtocolType.from_str": ("value",),
}
#: the V2 module each ProtocolType value stands for
PROTOCOL_MODULES = {"ProtocolType.HTTP": "tritonclient.http", "ProtocolType.GRPC": "tritonclient.grpc"}
#: methods the native rewrite renames (V1 method -> V2 method of InferenceServerClient)
NATIVE_METHODS = {"ServerHealthContext.is_ready": "is_server_ready", "ServerHealthContext.is_live": "is_server_live",
                  "ServerHealthContext.close": "close", "InferContext.close": "close"}
#: what the native rewrite writes for each V1 name it handles (docs/clients.md; rules/clientrewrite.py
#: ``Native``): a program whose every V1 use is one of these is rewritten natively
NATIVE_FORMS = {
    "ProtocolType.HTTP": "the module tritonclient.http",
    "ProtocolType.GRPC": "the module tritonclient.grpc",
    "ProtocolType.from_str": '{"http": tritonclient.http, "grpc": tritonclient.grpc}[s.lower()] (an unknown '
                             "protocol raises KeyError)",
    "ServerHealthContext": "<module>.InferenceServerClient(url, verbose=...), without http_headers",
    "ServerHealthContext.is_ready": "client.is_server_ready()",
    "ServerHealthContext.is_live": "client.is_server_live()",
    "InferContext": "<module>.InferenceServerClient(url, verbose=...) and the model's max_batch_size read from its "
                    "configuration (V1's context read it when created); the model name a constant, no "
                    "correlation_id, no streaming, no http_headers; the context assigned once and used only by run()",
    "InferContext.run": "InferInput per input (one array per batch entry stacked when the model batches), "
                        "InferRequestedOutput per output, infer(); results rebuilt as V1's (one list entry per batch "
                        "entry); literal dicts, no flags, corr_id, priority or timeout",
    "InferContext.ResultFormat.RAW": "InferRequestedOutput(name), read with result.as_numpy(name)",
    "InferContext.ResultFormat.CLASS": "InferRequestedOutput(name, class_count=k); V2's \"value:index:label\" "
                                       "strings read back into V1's (index, value, label) tuples",
    "InferContext.close": "client.close()",
    "ServerHealthContext.close": "client.close()",
    "InferenceServerException": "tritonclient.utils.InferenceServerException",
    "InferenceServerException.message": "e.message()",
}
#: V1 modules -> the module a program imports instead: through the adapter ("{adapter}" its name) or
#: natively (None: no native form)
CLIENT_MODULE_MAP = {
    "tensorrtserver.api": ("{adapter}", None),
    "tensorrtserver.api.api_pb2": ("{adapter}.api_pb2", None),
    "tensorrtserver.api.request_status_pb2": ("{adapter}.request_status_pb2", None),
    "tensorrtserver.api.server_status_pb2": ("{adapter}.server_status_pb2", None),
    "tensorrtserver.api.grpc_service_pb2": ("{adapter}.grpc_service_pb2", None),
    "tensorrtserver.api.grpc_service_pb2_grpc": ("{adapter}.grpc_service_pb2_grpc", None),
    # V2 kept V1's model configuration messages, field numbers and enum values
    "tensorrtserver.api.model_config_pb2": ("tritonclient.grpc.model_config_pb2", "tritonclient.grpc.model_config_pb2"),
    "tensorrtserver.shared_memory": ("{adapter}.shared_memory", None),
}
#: what ``from tensorrtserver.api import *`` also bound that programs use without importing it (the
#: V1 module's own imports, and ``sys`` through the generated api_pb2 it star-imports): the import that
#: binds it now
V1_STAR_MODULES = {
    "sys": "import sys", "os": "import os", "np": "import numpy as np", "struct": "import struct",
    "threading": "import threading", "partial": "from functools import partial", "IntEnum": "from enum import IntEnum",
    "range": "from builtins import range", "text_format": "from google.protobuf import text_format",
}
#: the adapter's surface: the V1 names (inside tensorrtserver.api unless qualified by a module) it
#: implements; tests/test_client_adapter.py checks each against the adapter module
ADAPTER_SURFACE = frozenset({
    "*", "ProtocolType", "ProtocolType.HTTP", "ProtocolType.GRPC", "ProtocolType.from_str",
    "InferenceServerException", "InferenceServerException.message", "InferenceServerException.server_id",
    "InferenceServerException.request_id", "serialize_string_tensor",
    "ServerHealthContext", "ServerHealthContext.is_ready", "ServerHealthContext.is_live",
    "ServerHealthContext.get_last_request_id", "ServerHealthContext.close",
    "ServerStatusContext", "ServerStatusContext.get_server_status", "ServerStatusContext.get_last_request_id",
    "ServerStatusContext.close",
    "ModelRepositoryContext", "ModelRepositoryContext.get_model_repository_index",
    "ModelRepositoryContext.get_last_request_id", "ModelRepositoryContext.close",
    "ModelControlContext", "ModelControlContext.load", "ModelControlContext.unload",
    "ModelControlContext.get_last_request_id", "ModelControlContext.close",
    "SharedMemoryControlContext", "SharedMemoryControlContext.register", "SharedMemoryControlContext.unregister",
    "SharedMemoryControlContext.unregister_all", "SharedMemoryControlContext.get_shared_memory_status",
    "SharedMemoryControlContext.get_last_request_id", "SharedMemoryControlContext.close",
    "InferContext", "InferContext.run", "InferContext.async_run", "InferContext.async_run_with_cb",
    "InferContext.get_async_run_results", "InferContext.get_ready_async_request", "InferContext.get_last_request_id",
    "InferContext.get_last_request_model_name", "InferContext.get_last_request_model_version",
    "InferContext.get_stat", "InferContext.correlation_id", "InferContext.close", "InferContext.ResultFormat",
    "InferContext.ResultFormat.RAW", "InferContext.ResultFormat.CLASS",
    "InferRequestHeader", "InferRequestHeader.FLAG_NONE", "InferRequestHeader.FLAG_SEQUENCE_START",
    "InferRequestHeader.FLAG_SEQUENCE_END", "InferRequestHeader.Input", "InferRequestHeader.Output",
    "InferResponseHeader", "ServerStatus", "SharedMemoryStatus", "ModelRepositoryIndex",
    "api_pb2.InferRequestHeader", "api_pb2.InferRequestHeader.Output", "api_pb2.InferRequestHeader.Input",
    "api_pb2.InferResponseHeader", "grpc_service_pb2.InferRequest", "grpc_service_pb2.InferResponse",
    "grpc_service_pb2.StatusRequest", "grpc_service_pb2.StatusResponse", "grpc_service_pb2.HealthRequest",
    "grpc_service_pb2.HealthResponse", "grpc_service_pb2_grpc.GRPCServiceStub",
    "server_status_pb2.ServerStatus", "server_status_pb2.ModelStatus", "server_status_pb2.ModelVersionStatus",
    "server_status_pb2.ModelReadyState", "server_status_pb2.ServerReadyState", "server_status_pb2.MODEL_READY",
    "server_status_pb2.SERVER_READY", "request_status_pb2.RequestStatusCode", "request_status_pb2.SUCCESS",
    "shared_memory.create_shared_memory_region", "shared_memory.set_shared_memory_region",
    "shared_memory.destroy_shared_memory_region",
})
#: what the adapter does differently from V1 for a name (said in the finding at each use)
ADAPTER_NOTES = {
    "ServerStatusContext.get_server_status":
        "its ServerStatus holds what V2 reports (id, version, ready_state, each model's config and its "
        "versions' readiness and inference and execution counts); uptime_ns, infer_stats and the request "
        "statistics raise V1FieldDropped",
    "InferContext.get_stat":
        "the adapter counts the requests and their total time; cumulative_send_time_ns and "
        "cumulative_receive_time_ns are 0 (V2 clients do not split them; the server's statistics: "
        "client.get_inference_statistics(model_name))",
    "InferContext.run": "inputs and results keep V1's shapes; CLASS values come with the six decimals V2 sends",
    "InferContext.async_run": "the callback runs on the adapter's worker thread, as V1's ran on its own",
    "SharedMemoryControlContext.get_shared_memory_status": "it lists the system shared memory regions V2 reports",
    "InferenceServerException.server_id": "V2 errors name no server: None",
    "InferenceServerException.request_id": "V2 errors name no request: 0",
}


# --- V1 C++ client code -> V2 (TDM605 reports each; rules/clients.py; docs/clients.md) ----------------
# Sources: the V1 C++ client library (server repository, src/clients/c++/library of v1.12.0: request.h,
# request_grpc.h, request_http.h; the same API as src/clients/c++/api_v1/library of 20.03-20.05) and the
# V2 C++ client library (client repository, src/c++/library: grpc_client.h, http_client.h, common.h).
# V2's namespace is triton::client (early V2 releases kept nvidia::inferenceserver::client).

class CppClientRow(NamedTuple):
    v1: str  #: the V1 name: a header, a class, ``Class::Member`` or a method
    kind: str  #: "header", "class" (protocol-specific context), "type" (V1 API type), "method"
    v2: str  #: its V2 counterpart
    note: str = ""


_V2_CLIENT = {"Grpc": "InferenceServerGrpcClient", "Http": "InferenceServerHttpClient"}
_CPP_CONTEXTS = {
    "ServerHealth": "health is client->IsServerLive(&live) and client->IsServerReady(&ready)",
    "ServerStatus": "status is client->ServerMetadata(), ModelMetadata(), ModelConfig() and IsModelReady(); V2 has "
                    "no ServerStatus message (no uptime; statistics per model: ModelInferenceStatistics())",
    "ModelRepository": "the index is client->ModelRepositoryIndex()",
    "ModelControl": "client->LoadModel(name) and UnloadModel(name) (the server runs with "
                    "--model-control-mode=explicit)",
    "SharedMemoryControl": "client->RegisterSystemSharedMemory(name, key, byte_size), RegisterCudaSharedMemory(name, "
                           "raw_handle, device_id, byte_size), UnregisterSystemSharedMemory(name), "
                           "SystemSharedMemoryStatus()",
    "Infer": "one client for every model: the model name and version, the sequence id and flags go into the "
             "InferOptions of each Infer()/AsyncInfer() call; inputs are InferInput, outputs InferRequestedOutput",
}

CPP_CLIENT = (
    CppClientRow("request_grpc.h", "header", "grpc_client.h",
                 "InferenceServerGrpcClient; link libgrpcclient instead of librequest"),
    CppClientRow("request_http.h", "header", "http_client.h",
                 "InferenceServerHttpClient; link libhttpclient instead of librequest"),
    CppClientRow("request.h", "header", "common.h",
                 "InferInput, InferRequestedOutput, InferResult, InferOptions, Error; grpc_client.h and http_client.h "
                 "include it"),
    *(CppClientRow(f"{what}{p}Context", "class", f"{_V2_CLIENT[p]}::Create(&client, url, verbose)", note)
      for what, note in _CPP_CONTEXTS.items() for p in ("Grpc", "Http")),
    CppClientRow("InferGrpcStreamContext", "class", "InferenceServerGrpcClient::Create(&client, url, verbose)",
                 "stream with client->StartStream(callback) and AsyncStreamInfer(options, inputs, outputs)"),
    CppClientRow("ProfileGrpcContext", "class", "none", "V2 has no profiling request: trace with --trace-* "
                                                        "(the trace extension)"),
    CppClientRow("ProfileHttpContext", "class", "none", "V2 has no profiling request: trace with --trace-* "
                                                        "(the trace extension)"),
    CppClientRow("InferContext::Options", "type", "InferOptions",
                 "model name and version, sequence_id_, sequence_start_/sequence_end_, priority_, "
                 "client_timeout_; no batch size: the batch is the first dimension of each input's shape"),
    CppClientRow("InferContext::Input", "type", "InferInput", "InferInput::Create(&input, name, shape, datatype)"),
    CppClientRow("InferContext::Output", "type", "InferRequestedOutput",
                 "InferRequestedOutput::Create(&output, name, class_count)"),
    CppClientRow("InferContext::Result", "type", "InferResult",
                 "result->RawData(name, &buf, &byte_size), StringData(name, &strings); classes come as "
                 "\"value:index:label\" strings"),
    CppClientRow("InferContext::Request", "type", "the callback AsyncInfer() calls with the InferResult"),
    CppClientRow("InferContext::Stat", "type", "InferStat", "client->ClientInferStat(&stat)"),
    CppClientRow("InferContext", "type", "InferenceServerGrpcClient or InferenceServerHttpClient",
                 "one client for every model; options per request (InferOptions)"),
    *(CppClientRow(f"{what}Context", "type", "InferenceServerGrpcClient or InferenceServerHttpClient",
                   "one client object answers health, status, model control, shared memory and inference")
      for what in ("ServerHealth", "ServerStatus", "ModelRepository", "ModelControl", "SharedMemoryControl")),
    CppClientRow("ProfileContext", "type", "none", "V2 has no profiling request: trace with --trace-*"),
    CppClientRow("GetReady", "method", "client->IsServerReady(&ready)"),
    CppClientRow("GetLive", "method", "client->IsServerLive(&live)"),
    CppClientRow("GetServerStatus", "method", "client->ServerMetadata(), ModelMetadata(), ModelConfig()",
                 "V2 answers each question with its own call"),
    CppClientRow("GetModelRepositoryIndex", "method", "client->ModelRepositoryIndex(&index)"),
    CppClientRow("RegisterSharedMemory", "method", "client->RegisterSystemSharedMemory(name, key, byte_size, offset)"),
    CppClientRow("RegisterCudaSharedMemory", "method",
                 "client->RegisterCudaSharedMemory(name, raw_handle, device_id, byte_size)",
                 "V2 registers a CUDA region by its cudaIpcMemHandle_t"),
    CppClientRow("UnregisterSharedMemory", "method",
                 "client->UnregisterSystemSharedMemory(name) or UnregisterCudaSharedMemory(name)"),
    CppClientRow("UnregisterAllSharedMemory", "method",
                 "client->UnregisterSystemSharedMemory() and UnregisterCudaSharedMemory()",
                 "without a name V2 unregisters every region of the kind"),
    CppClientRow("GetSharedMemoryStatus", "method", "client->SystemSharedMemoryStatus() and CudaSharedMemoryStatus()"),
    CppClientRow("SetRunOptions", "method", "an InferOptions passed to each Infer()/AsyncInfer() call"),
    CppClientRow("SetBatchSize", "method", "the first dimension of each input's shape (InferInput::SetShape)",
                 "V2 requests have no batch size of their own"),
    CppClientRow("SetFlags", "method", "InferOptions::sequence_start_ and sequence_end_"),
    CppClientRow("SetCorrelationId", "method", "InferOptions::sequence_id_"),
    CppClientRow("AddRawResult", "method", "InferRequestedOutput::Create(&output, name)"),
    CppClientRow("AddClassResult", "method", "InferRequestedOutput::Create(&output, name, class_count)"),
    CppClientRow("AddSharedMemoryResult", "method", "output->SetSharedMemory(region_name, byte_size, offset)"),
    CppClientRow("GetInput", "method", "InferInput::Create(&input, name, shape, datatype)",
                 "V2 inputs are made by the program, not looked up in the context"),
    CppClientRow("GetOutput", "method", "InferRequestedOutput::Create(&output, name)"),
    CppClientRow("SetRaw", "method", "input->AppendRaw(data, byte_size)"),
    CppClientRow("SetFromString", "method", "input->AppendFromString(strings)"),
    CppClientRow("Run", "method", "client->Infer(&result, options, inputs, outputs)"),
    CppClientRow("AsyncRun", "method", "client->AsyncInfer(callback, options, inputs, outputs)"),
    CppClientRow("GetAsyncRunResults", "method", "the callback AsyncInfer() calls with the InferResult"),
    CppClientRow("GetReadyAsyncRequest", "method", "the callback AsyncInfer() calls with the InferResult"),
    CppClientRow("GetRawAtCursor", "method", "result->RawData(name, &buf, &byte_size)",
                 "V2 gives the whole output at once: no cursor"),
    CppClientRow("GetRaw", "method", "result->RawData(name, &buf, &byte_size)"),
    CppClientRow("GetClassAtCursor", "method", "result->StringData(name, &classes)",
                 "each class is a \"value:index:label\" string"),
    CppClientRow("GetClassCount", "method", "result->StringData(name, &classes) (its size)"),
    CppClientRow("ResetCursors", "method", "none", "V2 results have no cursor"),
    CppClientRow("GetStat", "method", "client->ClientInferStat(&stat)"),
)
