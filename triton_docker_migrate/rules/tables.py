"""The migration facts as data rows (source: shared/triton-v1-v2.md, checked against the real
2.51.0 server where it could be). Checks in the family modules read these rows; adding an option,
path or variable is adding a row here."""

from __future__ import annotations

from typing import NamedTuple

# --- server options -------------------------------------------------------------------------

#: every option the V1 server parsed (S2, r19.xx-r20.07); all take an argument except --help.
V1_OPTIONS = (
    "help", "log-verbose", "log-info", "log-warning", "log-error", "id", "model-store",
    "model-repository", "exit-on-error", "strict-model-config", "strict-readiness",
    "allow-profiling", "allow-http", "http-port", "http-health-port", "http-thread-count",
    "allow-grpc", "grpc-port", "grpc-infer-thread-count", "grpc-stream-infer-thread-count",
    "grpc-infer-allocation-pool-size", "allow-metrics", "allow-gpu-metrics", "metrics-port",
    "allow-poll-model-repository", "repository-poll-secs", "allow-model-control",
    "model-control-mode", "load-model", "exit-timeout-secs", "tf-allow-soft-placement",
    "tf-gpu-memory-fraction", "tf-add-vgpu", "api-version", "pinned-memory-pool-byte-size",
    "cuda-memory-pool-byte-size", "min-supported-compute-capability", "trace-file",
    "trace-level", "trace-rate",
)

#: options of the 2.51.0 server (`tritonserver --help`), and which take no argument.
V2_OPTIONS = (
    "help", "id", "exit-timeout-secs", "log-verbose", "log-info", "log-warning", "log-error",
    "log-format", "log-file", "model-store", "model-repository", "exit-on-error",
    "disable-auto-complete-config", "strict-readiness", "model-control-mode",
    "repository-poll-secs", "load-model", "model-config-name", "model-load-thread-count",
    "model-load-retry-count", "model-namespacing", "enable-peer-access", "allow-http",
    "http-address", "http-port", "reuse-http-port", "http-header-forward-pattern",
    "http-thread-count", "http-restricted-api", "allow-grpc", "grpc-address", "grpc-port",
    "reuse-grpc-port", "grpc-header-forward-pattern", "grpc-infer-allocation-pool-size",
    "grpc-use-ssl", "grpc-use-ssl-mutual", "grpc-server-cert", "grpc-server-key",
    "grpc-root-cert", "grpc-infer-response-compression-level", "grpc-keepalive-time",
    "grpc-keepalive-timeout", "grpc-keepalive-permit-without-calls",
    "grpc-http2-max-pings-without-data", "grpc-http2-min-recv-ping-interval-without-data",
    "grpc-http2-max-ping-strikes", "grpc-max-connection-age", "grpc-max-connection-age-grace",
    "grpc-restricted-protocol", "allow-sagemaker", "sagemaker-port", "sagemaker-safe-port-range",
    "sagemaker-thread-count", "allow-vertex-ai", "vertex-ai-port", "vertex-ai-thread-count",
    "vertex-ai-default-model", "allow-metrics", "allow-gpu-metrics", "allow-cpu-metrics",
    "metrics-address", "metrics-port", "metrics-interval-ms", "metrics-config", "trace-config",
    "backend-directory", "backend-config", "repoagent-directory", "cache-config",
    "cache-directory", "rate-limit", "rate-limit-resource", "pinned-memory-pool-byte-size",
    "cuda-memory-pool-byte-size", "cuda-virtual-address-size",
    "min-supported-compute-capability", "buffer-manager-thread-count", "host-policy",
    "model-load-gpu-limit", "strict-model-config", "response-cache-byte-size", "trace-file",
    "trace-level", "trace-rate", "trace-count", "trace-log-frequency",
)
NO_ARGUMENT = frozenset({"help", "disable-auto-complete-config"})


class RenamedOption(NamedTuple):
    id: str
    option: str
    new: str
    note: str


class RemovedOption(NamedTuple):
    id: str
    option: str
    why: str  #: the finding's message
    severity: str  #: info | warning
    back_from: str | None = None  #: release from which V2 accepts it again
    valid_range: tuple[int, int] | None = None  #: values accepted once it is back
    removed_from: str = "20.06"  #: first target release that refuses it


class BackendOption(NamedTuple):
    id: str
    option: str
    backend: str
    setting: str
    renamed_from: str  #: first release that refuses the V1 name


RENAMED_OPTIONS = (
    RenamedOption(
        "TDM301", "model-store", "model-repository",
        "--model-store is the deprecated spelling of --model-repository",
    ),
)

REMOVED_OPTIONS = (
    RemovedOption("TDM302", "api-version", "--api-version was removed in V2", "info"),
    RemovedOption(
        "TDM303", "grpc-infer-thread-count",
        "--grpc-infer-thread-count was removed in V2 (back in 25.04 with range 2-128)", "info",
        back_from="25.04", valid_range=(2, 128),
    ),
    RemovedOption(
        "TDM304", "grpc-stream-infer-thread-count",
        "--grpc-stream-infer-thread-count was removed in V2", "info",
    ),
    RemovedOption(
        "TDM305", "http-health-port",
        "--http-health-port was removed in V2: health is served on the HTTP port", "warning",
    ),
    RemovedOption("TDM306", "allow-profiling", "--allow-profiling was removed (already in V1 19.10)", "info"),
    RemovedOption(
        "TDM309", "tf-add-vgpu",
        "--tf-add-vgpu was removed in 2.2.0 (20.08) and has no V2 equivalent: virtual GPUs for "
        "TensorFlow must be configured another way (model instance groups)", "warning",
        removed_from="20.08",
    ),
)

BACKEND_OPTIONS = (
    BackendOption("TDM307", "tf-allow-soft-placement", "tensorflow", "allow-soft-placement", "20.08"),
    BackendOption("TDM308", "tf-gpu-memory-fraction", "tensorflow", "gpu-memory-fraction", "20.08"),
)

MODEL_CONTROL_OPTIONS = ("allow-poll-model-repository", "allow-model-control", "model-control-mode")
TF_OPTIONS = ("tf-allow-soft-placement", "tf-gpu-memory-fraction", "tf-add-vgpu")

# --- images ---------------------------------------------------------------------------------

#: tags of V1 servers published under the ``tritonserver`` name (facts sheet, "trap")
V1_TRITONSERVER_TAGS = ("20.03", "20.03.1", "20.06-v1", "20.07-v1")

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

# --- endpoints ------------------------------------------------------------------------------


class UrlRow(NamedTuple):
    id: str
    v1: str  #: regex on the path, anchored at its start
    v2: str | None  #: replacement (regex template) when the mapping is one-to-one and safe
    message: str
    suggestion: str | None = None


URLS = (
    UrlRow("TDM401", r"/api/health/live\b", "/v2/health/live", "V1 health endpoint: V2 serves /v2/health/live"),
    UrlRow("TDM401", r"/api/health/ready\b", "/v2/health/ready", "V1 health endpoint: V2 serves /v2/health/ready"),
    UrlRow(
        "TDM402", r"/api/status(?:/[\w.-]+)?", None,
        "V1 status endpoint: V2 has no /api/status; the response format changed (JSON, not "
        "protobuf text), so callers that parse it must change too",
        "GET /v2/health/ready (server), /v2/models/<model>/ready (model readiness), "
        "/v2 (server metadata) or /v2/models/<model> (model metadata)",
    ),
    UrlRow(
        "TDM403", r"/api/infer/[\w.-]+(?:/\d+)?", None,
        "V1 inference endpoint: V2 uses the KServe v2 protocol, the request body differs",
        "POST /v2/models/<model>[/versions/<v>]/infer with a KServe v2 JSON body",
    ),
    UrlRow(
        "TDM404", r"/api/modelcontrol/(?:load|unload)/[\w.-]+", None,
        "V1 model-control endpoint: V2 needs --model-control-mode=explicit and a new URL",
        "POST /v2/repository/models/<model>/load (or /unload)",
    ),
    UrlRow(
        "TDM404", r"/api/repository/index\b", None,
        "V1 repository index (GET): V2 serves it as POST /v2/repository/index",
        "POST /v2/repository/index",
    ),
    UrlRow(
        "TDM405", r"/api/(?:sharedmemorycontrol|profile)\b[\w./-]*", None,
        "V1 endpoint with no one-to-one V2 replacement",
        "/v2/systemsharedmemory/..., /v2/cudasharedmemory/... or /v2/trace/setting",
    ),
)

# --- clients --------------------------------------------------------------------------------
CLIENT_PACKAGE_FROM = "20.09"  # tritonclient[...] wheels from 2.3.0
PERF_ANALYZER_FROM = "20.10"
SDK_SUFFIX_FROM = "20.12"  # -py3-sdk (before: -py3-clientsdk)

# --- target-release checks ------------------------------------------------------------------
TF1_DROPPED = "23.04"
CAFFE2_DROPPED = "20.11"
CUSTOM_BACKEND_DROPPED = "21.05"
TF_BACKEND_DROPPED = "25.03"
STRICT_DEFAULT_FALSE = "22.07"
