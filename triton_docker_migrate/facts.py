"""What the readers and the rules both need to know of Triton: the server options of V1 and V2,
and what an image reference names (Triton at all, a V1 server, a client SDK). Rule rows live in
``rules/tables.py``; the byte prefilter's literals (``evidence``) are derived from these tables."""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- names --------------------------------------------------------------------------------------

V1_IMAGE_NAME = V1_IMAGE = "tensorrtserver"  #: the V1 image (and client wheel, and install folder) name
V1_BINARY = "trtserver"
V1_INSTALL_DIR = "/opt/tensorrtserver"
#: what may stand before the V1 install folder where it is a path of its own: not a word, a name or a
#: longer path (``x-/opt``, ``~/opt``); a compiler's ``-L``/``-I``; a shell default (``${BIN:-/opt/...}``)
V1_INSTALL_DIR_BEFORE = r"(?:(?<![\w.~-])|(?<=(?<![\w-])-[LI])|(?<=:-))"
V1_USER = "tensorrt-server"  #: the user of the V1 images
V1_REPOSITORY = "tensorrt-inference-server"  #: the V1 sources and release tarballs on GitHub
#: where the V1 releases' files (the clients tarballs, wheels) are downloaded from: any release of the V1
#: repository, and the ``v1.x`` releases of the repository it was renamed to (NVIDIA/triton-inference-server,
#: which published v1.10.0 to v1.12.0 under that name) and of its present home, triton-inference-server/server
V1_RELEASE_DOWNLOAD = (r"github\.com/(?:NVIDIA/" + re.escape(V1_REPOSITORY) + r"/releases/download/"
                       r"|(?:NVIDIA/triton-inference-server|triton-inference-server/server)/releases/download/v1\.)")
#: what each such address holds (the byte prefilter's literals, ``evidence``)
V1_RELEASE_DOWNLOAD_LITERALS = (V1_REPOSITORY, "-inference-server/releases/download/v1.",
                                "inference-server/server/releases/download/v1.")
V1_PERF_CLIENT = "perf_client"
V1_ENDPOINT_PREFIX = "/api/"  #: V1's HTTP API (V2's is /v2/)
#: KFServing's API group: its ``tensorrt`` predictor runs the V1 server (``rules/images.py``, TDM111)
KFSERVING_API = "serving.kubeflow.org"
#: the key of a KServe predictor's image tag (a ``triton`` predictor of a V1 release of ``tritonserver``)
SERVING_RUNTIME_VERSION = "runtimeVersion"
#: the V1 endpoints: /api/ and one of these (CONTRACT.md, "V1 evidence")
V1_ENDPOINT_WORDS = ("health", "status", "infer", "modelcontrol", "sharedmemorycontrol", "repository", "profile")
V1_ENDPOINT = re.compile(r"(?<![\w.-])/api/(?:" + "|".join(V1_ENDPOINT_WORDS) + r")(?![\w-])")
#: the metrics only V1 exported (2.0.0 split the compute duration and dropped the load ratio, a
#: histogram: its ``_bucket``/``_sum``/``_count`` series go with it): name -> what V2 has instead
V1_METRICS = {
    "nv_inference_load_ratio": None,
    "nv_inference_compute_duration_us": ("nv_inference_compute_input_duration_us + "
                                         "nv_inference_compute_infer_duration_us + "
                                         "nv_inference_compute_output_duration_us"),
}
#: V1's gRPC service (V2's is ``inference.GRPCInferenceService``, with other methods and messages)
V1_GRPC_SERVICE = "nvidia.inferenceserver.GRPCService"
#: the variables the V1 image set (the rules' table maps each to its V2 name)
V1_ENV_VARS = ("NVIDIA_TENSORRT_SERVER_VERSION", "TENSORRT_SERVER_VERSION", "TENSORRT_SERVER_USER",
               "TENSORRT_SERVER_CPU_ONLY")

#: a host name that names the inference server: a URL to it, or a route to it, is a Triton context
#: even in a file that does not start the server (a readiness loop, a client, an Ingress)
TRITON_HOST = re.compile(r"(?i)triton|trtis|trtserver|tensorrt|inference-?server")
#: the server's options for its ports and their defaults (V1 and V2 alike)
DEFAULT_PORTS = (("http-port", 8000), ("grpc-port", 8001), ("metrics-port", 8002))
#: hosts that are the machine itself (a server it runs, or publishes a port of, answers there)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1", "host.docker.internal"})

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
#: the options of each line of V1 releases, which decide what an abbreviation meant there
#: (facts sheet: --allow-profiling only in 19.05-19.09, --api-version only in 1.12/1.13 = 20.03-20.07-v1)
_V1_BASE = tuple(o for o in V1_OPTIONS if o not in ("allow-profiling", "api-version"))
V1_OPTIONS_BY_RELEASE = {
    "19.05-19.09": _V1_BASE + ("allow-profiling",),
    "19.10-20.02": _V1_BASE,
    "20.03-20.07": _V1_BASE + ("api-version",),
}
#: V1 options that V2 refuses (some come back later or under another name: the rules know when)
V1_ONLY_OPTIONS = ("api-version", "grpc-infer-thread-count", "grpc-stream-infer-thread-count", "http-health-port",
                   "allow-profiling", "tf-add-vgpu", "tf-allow-soft-placement", "tf-gpu-memory-fraction",
                   "allow-poll-model-repository", "allow-model-control")
#: of those, the names only the V1 server ever had: a command line that gives one is the V1 server's,
#: whatever image runs it (one built from a V1 Dockerfile elsewhere)
V1_SERVER_ONLY_OPTIONS = frozenset({"allow-poll-model-repository", "allow-model-control", "tf-add-vgpu",
                                    "tf-gpu-memory-fraction", "tf-allow-soft-placement"})


# --- images ---------------------------------------------------------------------------------

#: tags of V1 servers published under the ``tritonserver`` name (facts sheet, "trap")
V1_TRITONSERVER_TAGS = ("20.03", "20.03.1", "20.06-v1", "20.07-v1")

# [registry[:port]/][namespace/...]name[:tag][@digest]; the name must start a path component; the
# registry may be a variable (``${REGISTRY}/tensorrtserver:20.02-py3``, ``$REG/...``, make's ``$(REG)/``,
# Terraform's ``${var.registry}/``, GitHub's ``${{ env.REGISTRY }}/``, a chart's ``{{ .Values.registry }}/``, masked as
# ``$`` and U+2063 by syntax/gotemplate.py): the repository's name is V1 whatever the registry holds
IMAGE_RE = re.compile(
    r"(?:(?<=docker://)|(?<![\w./@$])(?<![^:]-))"
    r"(?P<prefix>(?:(?:[A-Za-z0-9][\w.-]*(?::\d+)?|\$\{[\w.]+(?::?[-=][^}\s]*)?\}|\$?\{\{[^{}]*\}\}|\$\u2063+|\$\([\w.]+\)|\$[A-Za-z_]\w*)/)(?:[\w.-]+/)*)?"
    r"(?P<repo>tensorrtserver|tritonserver)"
    r"(?::(?P<tag>(?:[\w+-]|\.(?=[\w+$-])|\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\w+)+))?"  # a full stop ends a sentence
    r"(?P<digest>@sha256:[0-9a-fA-F]{64})?"
    r"(?![\w/@*-])(?!\.[\w])"  # a full stop after the tag ends the sentence, not the reference; a glob
    # (``install/python/tensorrtserver*.whl``) is a file's name
)
V1_TAG = re.compile(r"^(?P<ver>\d{2}\.\d{2}(?:\.\d+)?)(?P<v1>-v1)?-py3(?P<flavour>-clientsdk)?$")
#: the last release published as ``tensorrtserver`` (facts sheet, "Releases, images": 20.02, server 1.11.0); the
#: later V1 releases came out as ``tritonserver`` only (20.03, 20.03.1, 20.06-v1, 20.07-v1)
V1_LAST_TENSORRTSERVER = (20, 2)


def tensorrtserver_tag_exists(tag: str) -> bool:
    """``tensorrtserver:<tag>`` was published: a release tag up to 20.02, without the ``-v1`` of the V1 releases
    that came out as ``tritonserver`` (``tensorrtserver:20.12-py3`` never existed: nothing maps it)."""
    m = V1_TAG.match(tag)
    if m is None or m.group("v1"):
        return False
    yy, mm = m.group("ver").split(".")[:2]
    return (int(yy), int(mm)) <= V1_LAST_TENSORRTSERVER


#: a locally built or third-party image whose name holds the V1 name (``tensorrtserver_build``,
#: ``myorg/tensorrtserver_clients``): V1 inside, but no V2 image stands for it (a path is never one)
LOCAL_V1_IMAGE_RE = re.compile(
    r"(?:(?<![\w./@$-])|(?<=:-))(?!-)(?P<registry>[A-Za-z0-9][\w.-]*(?::\d+)?/)?(?:[\w.-]+/)*"  # (``${X:-default}``)
    r"(?P<name>[\w.-]*tensorrtserver[\w.-]*)(?P<tag>:(?:[\w.+-]|\$\{[^}]*\}|\$\w+)*[\w}])?(?![\w/@-])")


_RELEASE_TAG = re.compile(r"\d{2}\.\d{2}")
#: the hosts of Docker Hub (a reference that names no registry is Docker Hub's too)
DOCKER_HUB = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


def not_nvidias(prefix: str | None) -> str | None:
    """Why a ``tensorrtserver`` reference written after ``prefix`` (``IMAGE_RE``'s group: the registry and path,
    with the final ``/``) is not NVIDIA's image: ``"local"`` with no registry nor namespace (Docker Hub has no
    such official image: a local build or retag), ``"namespace"`` in another Docker Hub user's namespace
    (``someone/tensorrtserver``); ``None`` for NGC (``nvcr.io/nvidia/``), a registry of its own (a mirror, a
    private registry: its path is the user's) or a registry held by a variable, and Docker Hub's ``nvidia/``."""
    parts = [p for p in (prefix or "").split("/") if p]
    if parts and parts[0] not in DOCKER_HUB and (parts[0] == "localhost" or any(c in parts[0] for c in ".:${\u2063")):
        return None
    if parts and parts[0] in DOCKER_HUB:
        parts = parts[1:]
    if not parts or parts == ["library"]:  # (Docker Hub's official images: none of this name)
        return "local"
    return None if parts[0] == "nvidia" else "namespace"


@dataclass
class ImageInfo:
    triton: bool = False  #: a Triton/TRTIS server or SDK image
    v1: bool = False  #: a V1 server or SDK image
    sdk: bool = False
    local_v1: bool = False  #: built on V1 by someone else: no V2 image maps to it (also a V1 image's name with
    #: no registry, or in another Docker Hub namespace: ``tensorrtserver:19.10-py3``, ``someone/tensorrtserver``)


def is_v1_tag(repo: str, tag: str | None) -> bool:
    if repo == "tensorrtserver":
        return True
    if tag is None:
        return False
    m = V1_TAG.match(tag)
    if not m:
        return False
    ver = m.group("ver")
    return (ver in ("20.03", "20.03.1") and not m.group("v1")) or (
        ver in ("20.06", "20.07") and bool(m.group("v1")))


def classify(image: str) -> ImageInfo:
    """What an image reference (as resolved) is: Triton at all, V1, SDK."""
    m = IMAGE_RE.search(image.strip())
    if not m or m.start() != 0 and image.strip()[: m.start()].strip():
        local = LOCAL_V1_IMAGE_RE.fullmatch(image.strip())
        if local and local.group("name") != V1_IMAGE:
            return ImageInfo(local_v1=True)
        return ImageInfo()
    tag = m.group("tag")
    sdk = bool(tag and ("clientsdk" in tag or tag.endswith("-sdk")))
    # (a bare name with a V1 release's tag is NGC's image retagged locally: it moves, with a warning)
    whose = not_nvidias(m.group("prefix")) if m.group("repo") == V1_IMAGE else None
    local = whose == "namespace" or whose == "local" and not (tag and "$" not in tag and _RELEASE_TAG.match(tag))
    return ImageInfo(True, is_v1_tag(m.group("repo"), tag), sdk, local)


def other_image(image: str | None) -> bool:
    """``image`` (as resolved) is known, and is neither a Triton image nor one named as built on V1: the
    program it runs is another one."""
    if not image or "$" in image:
        return False
    info = classify(image)
    return not info.triton and not info.local_v1


#: a V2 server image's tag by its release (``20.07-py3``, ``25.04-pyt-python-py3``, ``24.10-py3-sdk``)
_V2_RELEASE_TAG = re.compile(r"^(?P<ver>\d{2}\.\d{2})(?:\.\d+)?-[\w.-]+$")


def v2_release(image: str) -> str | None:
    """The release (``YY.MM``) of a V2 ``tritonserver`` image written with a literal release tag (the V1
    images published under that name excepted); None for anything else (no tag, a variable, not Triton)."""
    m = IMAGE_RE.search(image.strip())
    if not m or m.group("repo") != "tritonserver" or m.group("tag") is None:
        return None
    tag = m.group("tag")
    t = _V2_RELEASE_TAG.match(tag)
    if t is None or is_v1_tag("tritonserver", tag) or t.group("ver") < "20.06":
        return None
    return t.group("ver")

# --- the V1 Python client library -------------------------------------------------------------

#: the modules of the V1 client wheel (``tensorrtserver``, v1.12.0 ``src/clients/python``)
V1_CLIENT_MODULES = (
    "tensorrtserver", "tensorrtserver.api", "tensorrtserver.api.api_pb2", "tensorrtserver.api.grpc_service_pb2",
    "tensorrtserver.api.grpc_service_pb2_grpc", "tensorrtserver.api.model_config_pb2",
    "tensorrtserver.api.server_status_pb2", "tensorrtserver.shared_memory", "tensorrtserver.cuda_shared_memory",
)
#: what ``from tensorrtserver.api import *`` binds that is the V1 API: the classes and functions of
#: ``tensorrtserver/api/__init__.py`` (v1.12.0) and the messages it re-exports from ``api_pb2`` and
#: ``server_status_pb2``
V1_CLIENT_API = (
    "ProtocolType", "InferenceServerException", "ServerHealthContext", "ServerStatusContext",
    "ModelRepositoryContext", "ModelControlContext", "SharedMemoryControlContext", "InferContext",
    "serialize_string_tensor", "InferRequestHeader", "InferResponseHeader", "ServerStatus", "SharedMemoryStatus",
    "ModelRepositoryIndex",
)
#: the V1 API classes whose instances a program keeps and calls methods on
V1_CLIENT_CLASSES = ("ServerHealthContext", "ServerStatusContext", "ModelRepositoryContext", "ModelControlContext",
                     "SharedMemoryControlContext", "InferContext")


# --- the V1 C++ client library ---------------------------------------------------------------

#: the V1 C++ client library's headers by their V1-only names (``src/clients/c++/library`` of v1.12.0,
#: installed flat in the client SDK); its ``request.h`` counts only under a V1 source path
V1_CPP_HEADERS = ("request_grpc.h", "request_http.h")
V1_CPP_REQUEST_PATHS = ("library/request.h", "c++/request.h")
#: what the protocol-specific contexts are called: ``<what><Grpc|Http>Context`` (and the gRPC stream
#: context), each made by its static ``Create``: a V1 C++ client names one to make any context
V1_CPP_CONTEXTS = ("ServerHealth", "ServerStatus", "ModelRepository", "ModelControl", "SharedMemoryControl",
                   "Profile", "Infer")
V1_CPP_CREATE = ("GrpcContext::Create", "HttpContext::Create", "GrpcStreamContext::Create")
