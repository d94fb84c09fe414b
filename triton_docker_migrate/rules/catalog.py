"""Every rule: id, name, usual severity, fix availability, summary and the ``explain`` text.

Source notes refer to shared/triton-v1-v2.md (S1 the official migration guide, S2 the V1 option
parser, S3 V1 docs, S4 the 2.51.0 server, S5 the server's history)."""

from __future__ import annotations

from ..model import Severity as S
from .registry import FixAvailability as F
from .registry import Rule, register

I, W, E = S.INFO, S.WARNING, S.ERROR

_RULES = [
    # 0xx: the tool itself
    Rule("TDM001", "unprocessable-file", E, F.NEVER, "A file with V1 evidence could not be processed",
         "The file could not be read, decoded, parsed, verified or written (the message says which). "
         "It is left untouched and the run exits 2. Fix the file (or exclude it) and run again."),
    Rule("TDM002", "unused-suppression", W, F.NEVER, "A suppression comment matches no finding",
         "A `triton-docker-migrate: ignore[...]` comment suppressed nothing: remove it, or correct the "
         "rule ids it names."),
    # 1xx: images
    Rule("TDM101", "v1-server-image", I, F.ALWAYS, "V1 server image -> tritonserver of the target release",
         "`nvcr.io/nvidia/tensorrtserver:YY.MM-py3`, and the V1 servers published as `tritonserver:20.03-py3`, "
         "`20.03.1-py3`, `20.06-v1-py3` and `20.07-v1-py3`, become `tritonserver:<target>-py3`. The registry "
         "and path before the name are kept (private mirrors), `${VAR:-default}` and ARG indirection are "
         "kept, only the reference changes. A `@sha256:` digest pinned the V1 image: it is dropped and the "
         "finding is a warning so that you pin the new image. Source: S1, facts sheet 'Releases, images'."),
    Rule("TDM102", "v1-clientsdk-image", I, F.ALWAYS, "V1 client SDK image -> the target's SDK image",
         "`tensorrtserver:YY.MM-py3-clientsdk` becomes `tritonserver:<target>-py3-sdk` (from 20.12; "
         "`-py3-clientsdk` for 20.06-20.11). The SDK's client libraries speak the V2 protocol: code using "
         "them must be ported (see TDM603)."),
    Rule("TDM104", "v1-image-unknown-tag", W, F.NEVER, "V1 image whose tag cannot be mapped",
         "A V1 image without a tag, with a tag set by a variable, or with a tag that is not a release tag: "
         "the tool cannot know which V2 tag to write. The suggestion names the target's server image."),
    # 2xx: paths and binaries
    Rule("TDM201", "v1-install-path", I, F.ALWAYS, "/opt/tensorrtserver paths of the V1 image -> /opt/tritonserver",
         "`/opt/tensorrtserver`, its `bin`, `bin/trtserver`, `lib` and `include` become the `/opt/tritonserver` "
         "equivalents (in PATH, LD_LIBRARY_PATH, WORKDIR, COPY, RUN...). Source: S1, S3."),
    Rule("TDM202", "v1-binary", I, F.ALWAYS, "trtserver as a command -> tritonserver",
         "The V1 server binary `trtserver` is `tritonserver` in V2 images. Only the word that runs as a "
         "command is renamed (after `exec`, `env X=1`, the entrypoint script...): names of services, stages, "
         "log files or variables that merely contain it are left alone."),
    Rule("TDM203", "v1-user-path", W, F.NEVER, "A folder of your own below /opt/tensorrtserver",
         "V1 images shipped little below `/opt/tensorrtserver`; other paths there were created by the "
         "deployment itself. V2 images have no `/opt/tensorrtserver`, so such a path must move, but where "
         "to is yours to decide."),
    Rule("TDM204", "v1-entrypoint-path", I, F.ALWAYS, "The V1 entrypoint script path",
         "`/opt/tensorrtserver/nvidia_entrypoint.sh` is `/opt/tritonserver/nvidia_entrypoint.sh` up to 22.02 "
         "and `/opt/nvidia/nvidia_entrypoint.sh` from 22.03 (the target decides). Source: S5.",
         min_target=None),
    Rule("TDM205", "v1-image-user", I, F.ALWAYS, "The V1 image user tensorrt-server -> triton-server",
         "The user of V1 images, `tensorrt-server` (UID 1000), is `triton-server` (same UID) from 20.03.1 on."),
    # 3xx: server options
    Rule("TDM301", "model-store-option", I, F.ALWAYS, "--model-store -> --model-repository",
         "V1 called `--model-store` deprecated; V2 still accepts it but documents `--model-repository`. "
         "The form (`=` or a separate value) is kept. Only V1 command lines are rewritten. Source: S2, S4."),
    Rule("TDM302", "api-version-option", I, F.ALWAYS, "--api-version removed",
         "`--api-version` (1.12/1.13) is gone: V2 refuses to start with it. It is dropped with its value; "
         "when it was 1, the clients spoke the V1 protocol and must move to V2 (warning)."),
    Rule("TDM303", "grpc-infer-thread-count-option", I, F.SOMETIMES, "--grpc-infer-thread-count removed (until 25.04)",
         "Removed in 2.0.0; V2 refuses to start with it before 25.04. From 25.04 (2.57.0) it is back with "
         "range 2-128: kept when the value fits, dropped otherwise (V1's usual 1 makes 2.57 exit)."),
    Rule("TDM304", "grpc-stream-infer-thread-count-option", I, F.ALWAYS, "--grpc-stream-infer-thread-count removed",
         "V2 refuses to start with it: dropped with its value."),
    Rule("TDM305", "http-health-port-option", W, F.ALWAYS, "--http-health-port removed",
         "V2 serves health on the HTTP port (`--http-port`, default 8000) and refuses `--http-health-port`. "
         "It is dropped; health checks, probes and port mappings that used the health port are moved to "
         "the HTTP port in the same file (TDM401, TDM406)."),
    Rule("TDM306", "allow-profiling-option", I, F.ALWAYS, "--allow-profiling removed",
         "Only V1 19.05-19.09 had it; V2 refuses it. Dropped."),
    Rule("TDM307", "tf-allow-soft-placement-option", I, F.ALWAYS,
         "--tf-allow-soft-placement -> --backend-config=tensorflow,allow-soft-placement=",
         "Renamed in 2.2.0 (20.08); 20.06 and 20.07 still take the V1 name, so the rule applies from 20.08.",
         min_target="20.08"),
    Rule("TDM308", "tf-gpu-memory-fraction-option", I, F.ALWAYS,
         "--tf-gpu-memory-fraction -> --backend-config=tensorflow,gpu-memory-fraction=",
         "Renamed in 2.2.0 (20.08), applied from that target on.", min_target="20.08"),
    Rule("TDM309", "tf-add-vgpu-option", W, F.ALWAYS, "--tf-add-vgpu removed, no equivalent",
         "Removed in 2.2.0 (20.08) with no V2 equivalent: dropped so that the server starts; the virtual GPU "
         "split it configured is gone - review.", min_target="20.08"),
    Rule("TDM310", "model-control-default", I, F.ALWAYS, "V1 polled the model repository by default",
         "A V1 command line without model-control options polled the repository every 15 s; V2's default is "
         "`--model-control-mode=none`, which silently stops picking up new models. The tool adds "
         "`--model-control-mode=poll` after the last option (before `\"$@\"`-style runtime arguments, with "
         "a warning then). Only V1 lines get it. Source: S1, S2."),
    Rule("TDM311", "allow-poll-model-repository-option", I, F.SOMETIMES, "--allow-poll-model-repository removed",
         "`=true` (with polling secs > 0) becomes `--model-control-mode=poll`; `=false` is V2's default and "
         "is dropped. A value known only at run time is reported for review."),
    Rule("TDM312", "allow-model-control-option", I, F.SOMETIMES, "--allow-model-control removed",
         "`=true` becomes `--model-control-mode=explicit`. V1 refused it while polling was on (the default): "
         "such a line could never have started, reported as an error after the fix. `=false` is dropped."),
    Rule("TDM313", "ignored-load-model", W, F.ALWAYS, "--load-model that V1 ignored",
         "`--load-model` worked in V1 only in explicit mode and was ignored otherwise; V2 refuses to start "
         "with it unless `--model-control-mode=explicit`. Dropped (all models still load, as in V1): check "
         "whether explicit mode was meant."),
    Rule("TDM314", "strict-model-config-default", I, F.NEVER, "--strict-model-config default changed (22.07)",
         "V1 defaulted to strict model configuration; from 22.07 V2 auto-completes configurations. That "
         "only accepts more configurations (none V1 loaded is refused). Add "
         "`--disable-auto-complete-config` to keep the strict behaviour.", min_target="22.07"),
    Rule("TDM315", "abbreviated-option", I, F.ALWAYS, "An abbreviated option is written out in full",
         "getopt accepts unambiguous prefixes (`--model-repo=`). V2 has more options, so a prefix unique in "
         "V1 can be ambiguous in V2 (2.51.0 refuses `--model-c=`): the tool writes the full name."),
    Rule("TDM316", "runtime-arguments", W, F.NEVER, "Options added at run time",
         "The command line ends in `\"$@\"`, `$ARGS` or similar: the tool cannot see those options. Check "
         "that they hold no V1-only option and no model-control setting."),
    Rule("TDM317", "unknown-v1-option", W, F.NEVER, "An option V1 did not have",
         "The option is not in the V1 option table: check it against `tritonserver --help`."),
    # 4xx: endpoints and ports
    Rule("TDM401", "v1-health-endpoint", I, F.ALWAYS, "/api/health/{live,ready} -> /v2/health/{live,ready}",
         "Health URLs in HEALTHCHECK, compose health checks, probes, scripts. When the URL used the removed "
         "health port, the port becomes the HTTP port too. Only in a Triton context (a V1/V2 server "
         "image, service or command line): other applications' /api/health stay."),
    Rule("TDM402", "v1-status-endpoint", W, F.NEVER, "/api/status: no one-to-one V2 endpoint",
         "V2 has readiness (`/v2/health/ready`, `/v2/models/<m>/ready`) and metadata (`/v2`, "
         "`/v2/models/<m>`) instead; V1's status was protobuf text, so scripts that grep it change too."),
    Rule("TDM403", "v1-infer-endpoint", W, F.NEVER, "/api/infer: the inference protocol changed",
         "V2 uses the KServe v2 protocol at `/v2/models/<m>[/versions/<v>]/infer`: the body differs."),
    Rule("TDM404", "v1-model-control-endpoint", W, F.NEVER, "V1 model-control / repository endpoints",
         "`POST /v2/repository/models/<m>/load|unload`, `POST /v2/repository/index`; explicit mode needed."),
    Rule("TDM405", "v1-other-endpoint", W, F.NEVER, "V1 shared-memory / profile endpoints",
         "No one-to-one V2 endpoint: `/v2/systemsharedmemory`, `/v2/cudasharedmemory`, `/v2/trace/setting`."),
    Rule("TDM406", "v1-health-port", W, F.SOMETIMES, "The removed V1 health port is still published",
         "A port that only served V1 health (`--http-health-port`) serves nothing in V2: it is removed from "
         "EXPOSE / ports lists that keep other ports, otherwise reported with the HTTP port to use."),
    # 5xx: environment variables
    Rule("TDM501", "v1-env-var", I, F.ALWAYS, "TENSORRT_SERVER_* variables -> TRITON_SERVER_*",
         "`TENSORRT_SERVER_VERSION`, `NVIDIA_TENSORRT_SERVER_VERSION`, `TENSORRT_SERVER_USER`, "
         "`TENSORRT_SERVER_CPU_ONLY` are set by the image; V2 images set the TRITON_ names. Variables of "
         "your own that merely start alike (`TENSORRT_SERVER_VERSION_PIN`) and `TENSORRT_VERSION` (the "
         "TensorRT library) are never touched."),
    # 6xx: clients
    Rule("TDM601", "v1-client-wheel", W, F.SOMETIMES, "The tensorrtserver client wheel -> tritonclient[all]",
         "`pip install tensorrtserver[==1.x]` or a V1 client wheel file becomes `tritonclient[all]` (pinned "
         "to the target's version when the V1 line pinned). A warning: the client API changed, so code "
         "using it must be ported. Targets before 20.09 get a suggestion only."),
    Rule("TDM602", "perf-client", W, F.ALWAYS, "perf_client -> perf_analyzer (20.10)",
         "The V1 benchmarking tool is `perf_analyzer` from 20.10; check the flags used."),
    Rule("TDM603", "v1-client-import", W, F.NEVER, "Code imports the V1 client library",
         "`from tensorrtserver.api import ...`: port to `tritonclient.http` / `tritonclient.grpc`."),
    # 7xx: target-release checks
    Rule("TDM701", "tensorflow-backend-removed", E, F.NEVER, "TensorFlow options, target without TensorFlow",
         "From 25.03 the TensorFlow backend is no longer shipped: a deployment that configures TensorFlow "
         "will not serve its models on that target. Choose an older target or convert the models.",
         min_target="25.03"),
    Rule("TDM702", "tensorflow1-dropped", W, F.NEVER, "TensorFlow 1 models, target 23.04 or later",
         "V1 served TensorFlow 1 models; from 23.04 only TensorFlow 2 is supported. Check the models.",
         min_target="23.04"),
    Rule("TDM703", "base-image-changed", W, F.NEVER, "Image built on the V1 server: base OS changed",
         "V1 images were Ubuntu 18.04, Python 3.6, CUDA 10; 24.10 is Ubuntu 22.04, Python 3.10, CUDA 12. "
         "RUN lines of a stage built FROM the server image (apt, pip) may break, and the host driver must "
         "support the new CUDA."),
    # 8xx: model repository
    Rule("TDM801", "caffe2-model", E, F.NEVER, "Caffe2 model, target 20.11 or later",
         "The Caffe2 backend was removed in 20.11: such a model is not served. Convert it (e.g. to ONNX).",
         min_target="20.11"),
    Rule("TDM802", "v1-custom-backend", E, F.NEVER, "V1 custom backend, target 21.05 or later",
         "`platform: \"custom\"` with a `lib*.so` used the V1 custom backend API, removed in 21.05: port it to "
         "the backend API (`backend: \"python\"` or a C backend).", min_target="21.05"),
    Rule("TDM803", "tensorflow-model", W, F.NEVER, "TensorFlow model and the target's TensorFlow support",
         "TensorFlow 1 models load until 23.04 (then only TF2, a warning); the TensorFlow backend is not "
         "shipped from 25.03 (an error: the model is not served)."),
    Rule("TDM804", "tensorrt-plan", W, F.NEVER, "TensorRT plan: rebuild for the target",
         "A serialized TensorRT engine only runs on the TensorRT version that built it: rebuild V1 plans."),
    Rule("TDM805", "runtime-compatibility", I, F.NEVER, "ONNX / PyTorch model: check runtime compatibility",
         "Still served; check the ONNX opset and TorchScript compatibility with the target's runtimes."),
]

for _r in _RULES:
    register(_r)
