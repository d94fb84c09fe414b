"""V1 evidence on raw bytes (CONTRACT.md, "V1 evidence").

``PREFILTER`` is a superset of every kind of evidence: a file it does not match cannot need a
change and is never parsed. ``STRONG`` is the evidence checkable without parsing: a file that
holds it and cannot be processed is an error, not a silent skip.

``maybe_v1`` is the hot path of a batch run (every candidate file goes through it): a few
substring scans, which run at memory speed, instead of one alternation regex, which CPython
matches position by position. It accepts everything ``PREFILTER`` accepts."""

from __future__ import annotations

import re

_OPTIONS = (rb"--(?:allow-poll-model|allow-model-control|http-health-port|grpc-infer-thread|grpc-stream-infer"
            rb"|tf-allow-soft|tf-gpu-memory|tf-add-vgpu|api-version|allow-profiling)")

PREFILTER = re.compile(
    rb"tensorrtserver|trtserver|TENSORRT_SERVER|tensorrt-server|perf_client|/api/|tritonserver:20\.0[367]|"
    + _OPTIONS
)

STRONG = re.compile(
    rb"tensorrtserver(?:[:@\s\"'}]|$)"  # a tensorrtserver image reference (any tag) or bare name
    rb"|(?<![\w/.-])(?:[\w.-]+/)*tensorrtserver:"
    rb"|tritonserver:(?:20\.03(?:\.1)?-py3|20\.0[67]-v1-py3)"
    rb"|(?<![\w-])trtserver(?![.\-_A-Za-z0-9])"
    rb"|/opt/tensorrtserver"
    rb"|(?<![\w])(?:NVIDIA_)?TENSORRT_SERVER_(?:VERSION|USER|CPU_ONLY)(?![\w])"
)

#: the same evidence, searched in decoded text
STRONG_TEXT = re.compile(STRONG.pattern.decode("ascii"))
_OPTIONS_RE = re.compile(_OPTIONS)
_PERF_CLIENT = re.compile(rb"perf_client")  # sre's literal search beats ``in`` for this needle
#: what ``maybe_v1`` looks for (``rtserver`` covers both tensorrtserver and trtserver)
_LITERALS = (b"rtserver", b"TENSORRT_SERVER", b"/api/", b"tritonserver:20.0", b"tensorrt-server", b"perf_client")
#: what a file of the text kind can be reported for: weak evidence (URLs, options) needs a Triton
#: context that only strong evidence gives there, so without these the text handler finds nothing
_TEXT_LITERALS = (b"rtserver", b"TENSORRT_SERVER", b"tritonserver:20.0", b"tensorrt-server")


def maybe_v1(data: bytes) -> bool:
    """True when ``data`` may hold V1 evidence (never False when ``PREFILTER`` matches)."""
    if text_may_report(data) or b"/api/" in data or _PERF_CLIENT.search(data) is not None:
        return True
    return _OPTIONS_RE.search(data) is not None


def text_may_report(data: bytes) -> bool:
    """True when a file of the text kind may get a finding (never False when one of
    ``_TEXT_LITERALS`` is in ``data``): two scans for most files."""
    # one scan rules out the four markers that end in "server" in most files
    if b"erver" in data and (b"rtserver" in data or b"rt-server" in data or b"tritonserver:20.0" in data):
        return True
    return b"TENSORRT_SERVER" in data


def strong(data: bytes) -> bool:
    return STRONG.search(data) is not None
