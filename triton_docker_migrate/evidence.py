"""V1 evidence on raw bytes (CONTRACT.md, "V1 evidence").

``PREFILTER`` is a superset of every kind of evidence: a file it does not match cannot need a
change and is never parsed. ``STRONG`` is the evidence checkable without parsing: a file that
holds it and cannot be processed is an error, not a silent skip."""

from __future__ import annotations

import re

PREFILTER = re.compile(
    rb"tensorrtserver|trtserver|TENSORRT_SERVER|tensorrt-server|perf_client|/api/|tritonserver:20\.0[367]"
    rb"|--(?:allow-poll-model|allow-model-control|http-health-port|grpc-infer-thread|grpc-stream-infer"
    rb"|tf-allow-soft|tf-gpu-memory|tf-add-vgpu|api-version|allow-profiling)"
)

STRONG = re.compile(
    rb"tensorrtserver(?:[:@\s\"'}]|$)"  # a tensorrtserver image reference (any tag) or bare name
    rb"|(?<![\w/.-])(?:[\w.-]+/)*tensorrtserver:"
    rb"|tritonserver:(?:20\.03(?:\.1)?-py3|20\.0[67]-v1-py3)"
    rb"|(?<![\w-])trtserver(?![.\-_A-Za-z0-9])"
    rb"|/opt/tensorrtserver"
    rb"|(?<![\w])(?:NVIDIA_)?TENSORRT_SERVER_(?:VERSION|USER|CPU_ONLY)(?![\w])"
)


def maybe_v1(data: bytes) -> bool:
    return PREFILTER.search(data) is not None


def strong(data: bytes) -> bool:
    return STRONG.search(data) is not None
