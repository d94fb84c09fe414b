"""V1 evidence on raw bytes (CONTRACT.md, "V1 evidence"), built from the facts the rules use
(``facts.py``: the V1 names, options, variables and image tags).

``LITERALS`` is a superset of every kind of evidence: a file that holds none of them cannot need a
change and is never parsed. ``TEXT_LITERALS`` is what a file of the text kind can be reported for
(weak evidence - URLs, options - needs a Triton context that only strong evidence gives there, or, for
a V1 endpoint, a URL whose host names the server).
``STRONG`` is the evidence checkable without parsing: a file that holds it and cannot be processed
is an error, not a silent skip.

``maybe_v1`` is the hot path of a batch run (every candidate file goes through it, in C when the
optional extension is built: ``textscan``): substring scans, which run at memory speed, instead of
one alternation regex, which CPython matches position by position."""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from typing import Iterator

from . import facts


def _common_suffix(*words: str) -> str:
    return os.path.commonprefix([w[::-1] for w in words])[::-1]


def _common_infix(words: tuple[str, ...]) -> str:
    """The longest substring every word holds."""
    first = min(words, key=len)
    for n in range(len(first), 0, -1):
        for i in range(len(first) - n + 1):
            if all(first[i:i + n] in w for w in words):
                return first[i:i + n]
    return ""


def unique_prefix(option: str, table: tuple[str, ...], least: int = 8) -> str:
    """The shortest prefix getopt_long reads as ``option`` whatever the V1 release (abbreviations
    count: ``--allow-po=false``), and at least ``least`` characters: a shorter one (``--ap``) would
    hold every ``--append`` of other tools, for abbreviations nobody writes."""
    for n in range(least, len(option) + 1):
        if [o for o in table if o.startswith(option[:n])] == [option]:
            return option[:n]
    return option


#: a V1 endpoint (CONTRACT.md, "V1 evidence"), weak evidence until a context shows the server it reaches
ENDPOINTS = tuple((facts.V1_ENDPOINT_PREFIX + w).encode() for w in facts.V1_ENDPOINT_WORDS)
#: what only V1's own endpoints look like (``/api/health/ready``, not the ``/api/health`` or
#: ``/api/statuses`` of many applications): a file that holds one where no rule could place it may reach
#: a V2 server of the run
_V1_OWN = (r"/api/(?:health/(?:live|ready)|status(?![\w-])|infer/|modelcontrol/|sharedmemorycontrol(?![\w-])"
           r"|repository/index|profile(?![\w-]))")
V1_OWN_ENDPOINT = re.compile(_V1_OWN.encode())
V1_OWN_ENDPOINT_TEXT = re.compile(_V1_OWN)


#: a proxy's route target that names the inference server (nginx ``proxy_pass http://triton:8000;`` or
#: ``upstream trtis``, Envoy ``cluster: trtis``, HAProxy ``backend triton`` / ``use_backend``, Caddy
#: ``reverse_proxy trtis:8000``, a Kong or Traefik ``url: http://trtis:8000``, a ``service:`` or
#: ``host:`` key): a route to it is a Triton context (CONTRACT.md, "V1 evidence"). This is what such a
#: target's word (``[\w.-]``) is written after.
_ROUTE_KEY = re.compile(r"(?im)(?:\bproxy_pass[ \t]+(?:https?|grpcs?)://|^[ \t]*upstream[ \t]+"
                        r"|\breverse_proxy[ \t]+(?:https?://)?"
                        r"|\burl[\"']?[ \t]*[:=][ \t]*[\"']?(?:https?|grpcs?)://"
                        r"|\b(?:cluster|cluster_name|service|service_name|backend|use_backend|default_backend"
                        r"|host)[\"']?[ \t]*[:=]?[ \t]*[\"']?)\Z")
_WORD_BEFORE = re.compile(r"[\w.-]*\Z")
#: how far before a target's word its key may start (``proxy_pass   https://``: a few dozen characters)
_KEY_REACH = 40
#: the names of the server a target may hold, in lower case (a text in ASCII is searched lowered: an
#: ignore-case alternation scans five times slower) and in any case
_TARGET_NAME = re.compile(r"t(?:r(?:iton|tis|tserver)|ensorrt)|inference-?server")
_TARGET_NAME_ANY_CASE = re.compile(_TARGET_NAME.pattern, re.I)


def route_target(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` routes to a target named for the server (nginx ``proxy_pass``/``upstream``,
    Envoy ``cluster``, HAProxy ``backend``, Caddy ``reverse_proxy``, Kong/Traefik ``url:``, ``service:``/``host:``
    keys). Each name of the server is looked at with what stands before it on its line: linear in the text."""
    end = len(text) if end is None else end
    names = _TARGET_NAME.finditer(text.lower(), start, end) if text.isascii() else \
        _TARGET_NAME_ANY_CASE.finditer(text, start, end)
    for m in names:
        line_start = max(text.rfind("\n", 0, m.start()) + 1, start)
        word = _WORD_BEFORE.search(text, max(line_start, m.start() - 200), m.start())
        at = word.start() if word is not None else m.start()
        if _ROUTE_KEY.search(text, max(line_start, at - _KEY_REACH), at) is not None:
            return True
    return False


#: an nginx ``location`` (its own block holds where the route goes)
_LOCATION = re.compile(r"[ \t]*location[ \t]")


def routes_to_server(text: str, at: int) -> bool:
    """Whether the route written at ``at`` in a proxy configuration ``text`` that routes to the server
    (``route_target``, which the callers ask first) goes to it: an nginx ``location`` whose own block names it
    as the target; any other route (an Envoy ``match``, a HAProxy check, a Caddy ``handle``)."""
    line_start = text.rfind("\n", 0, at) + 1
    if _LOCATION.match(text, line_start) is None:
        return True
    start = text.find("{", line_start)
    if start < 0:
        return False
    depth = 0
    for k in range(start, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return route_target(text, start, k)
    return route_target(text, start)


def holds_v1_own_endpoint(data: bytes) -> bool:
    """Whether ``data`` holds one of V1's own endpoints (``V1_OWN_ENDPOINT``; a substring test first), or a
    route that rewrites every request to V1's API (ingress-nginx's ``rewrite-target: /api/$2``)."""
    return b"/api/" in data and (V1_OWN_ENDPOINT.search(data) is not None or _REWRITE_TO_API.search(data) is not None)


_REWRITE_TO_API = re.compile(rb"rewrite-target[\"']?[ \t]*:[ \t]*[\"']?/api/\$")


#: the V1-only options (each as the shortest prefix that reads as it)
_V1_ONLY_OPTION_LITERALS = tuple(("--" + unique_prefix(o, facts.V1_OPTIONS)).encode() for o in facts.V1_ONLY_OPTIONS)
#: what a file of the text kind can be reported for
TEXT_LITERALS = (
    _common_suffix(facts.V1_IMAGE_NAME, facts.V1_BINARY).encode(),  # "rtserver": the image and the binary
    _common_infix(facts.V1_ENV_VARS).strip("_").encode(),  # "TENSORRT_SERVER"
    ("tritonserver:" + os.path.commonprefix(list(facts.V1_TRITONSERVER_TAGS))).encode(),  # V1 under the V2 name
    # ... with its tag in a key of its own beside the image (``image: .../tritonserver`` and ``tag: 20.07-v1-py3``:
    # documents/text.py reads the two as one reference)
    *sorted({(t + "-py3").encode() for t in facts.V1_TRITONSERVER_TAGS}),
    facts.V1_USER.encode(),
    # release tarballs (of the V1 repository, or V1 releases of the repository it became), sources
    *(lit.encode() for lit in facts.V1_RELEASE_DOWNLOAD_LITERALS),
    # V1 C++ client code: its own headers, or a context made by one of its protocol-specific classes
    *(h.encode() for h in facts.V1_CPP_HEADERS + facts.V1_CPP_REQUEST_PATHS + facts.V1_CPP_CREATE),
    # a V1 endpoint: reported in text when its URL's host names the server (an nginx or HAProxy
    # route, a readiness loop of another tool: rules/endpoints.py)
    *ENDPOINTS,
    # names only V1 gave its protocol: removed metrics (a dashboard, an alert, an autoscaler), its gRPC
    # service (grpcurl, a proxy's route)
    *(m.encode() for m in facts.V1_METRICS), facts.V1_GRPC_SERVICE.encode(),
    # a server's options held apart (an env file, a configuration): V1-only options beside a model
    # repository option, under a name that names the server, or in a file that names the V2 server
    # (rules/residue.py, documents/text.py); a model repository option alone is no V1 (TorchServe's
    # ``--model-store``): it is not looked for
    *_V1_ONLY_OPTION_LITERALS,
    # the names only the V1 server's options had, as keys of a configuration a launcher turns into options
    # (``allow-poll-model-repository: false``: rules/residue.py)
    *sorted(o.encode() for o in facts.V1_SERVER_ONLY_OPTIONS),
)
#: what any file can need a change for
LITERALS = TEXT_LITERALS + (facts.V1_ENDPOINT_PREFIX.encode(), facts.V1_PERF_CLIENT.encode(),
                            # a V1 endpoint's path written without its slash, joined to a connection's base URL
                            # (an Airflow HTTP operator's ``endpoint="api/health/ready"``: documents/python.py)
                            b'"api/', b"'api/",
                            facts.KFSERVING_API.encode(), facts.SERVING_RUNTIME_VERSION.encode(),
                            # a value given to a Dockerfile's build argument may make a V1 build without
                            # naming V1 (``--build-arg TRITON_VERSION=20.03``: rules/images.py, TDM112)
                            b"--build-arg", b"build-args", b"buildArgs",
                            # a chart's image tag given from outside the chart may keep its server V1 without
                            # naming V1 (``helm upgrade ./chart --set image.tag=20.02-py3``, a values file that
                            # ``-f`` or a ``helm_release``'s ``values = [file(...)]`` gives: rules/images.py, TDM113)
                            b"image.tag", b"helm upgrade", b"helm install", b"helm_release",
                            # ... or the values a GitOps release gives a chart of the tree (a Flux ``HelmRelease``'s
                            # ``spec.values``, an Argo CD ``Application``'s ``helm.valuesObject`` or ``helm.values``; a
                            # helmfile's releases are read by the file's name: batch/scan.py)
                            b"HelmRelease", b"argoproj.io")

_V1_TRITON_TAGS = "|".join(re.escape(t) for t in facts.V1_TRITONSERVER_TAGS)
STRONG = re.compile((
    rf"{facts.V1_IMAGE_NAME}(?:[:@\s\"'}}]|$)"  # a tensorrtserver image reference (any tag) or bare name
    rf"|(?<![\w/.-])(?:[\w.-]+/)*{facts.V1_IMAGE_NAME}:"
    rf"|tritonserver:(?:{_V1_TRITON_TAGS})-py3"
    rf"|(?<![\w-]){facts.V1_BINARY}(?![.\-_A-Za-z0-9])"
    rf"|{re.escape(facts.V1_INSTALL_DIR)}"
    rf"|(?<![\w])(?:{'|'.join(facts.V1_ENV_VARS)})(?![\w])"
).encode())
#: the same evidence, searched in decoded text
STRONG_TEXT = re.compile(STRONG.pattern.decode("ascii"))


#: what shows that code talks to a Triton server: it imports a Triton client library (V2's, or its first
#: names), runs perf_analyzer (perf_client), runs on a client SDK image, or sends or reads V1's own HTTP
#: headers (``NV-InferRequest``, ``NV-InferResponse``, ``NV-Status``): a URL to one of V1's own
#: endpoints in it is that server's (rules/endpoints.py; its own routes, bare paths, are not)
TRITON_CLIENT = re.compile(r"(?<![\w.])(?:import|from)[ \t]+(?:tritonclient|tritonhttpclient|tritongrpcclient"
                           r"|tritonclientutils|tritonshmutils)(?![\w])"
                           r"|(?<![\w.-])perf_(?:analyzer|client)(?![\w.-])"
                           r"|(?:tritonserver|tensorrtserver):[\w.${}-]*-(?:sdk|clientsdk)(?![\w.-])"
                           # the headers of V1's HTTP protocol (a hand-written client: requests, curl)
                           r"|(?<![\w-])NV-(?:InferRequest|InferResponse|Status)(?![\w-])")


def talks_to_triton(text: str) -> bool:
    return ("triton" in text or "perf_" in text or "tensorrtserver" in text or "NV-" in text) \
        and TRITON_CLIENT.search(text) is not None


def maybe_v1(data: bytes) -> bool:
    """True when ``data`` may hold V1 evidence of any kind."""
    return any(lit in data for lit in LITERALS)


#: a chart value given from outside the chart (``--set image.tag=20.02-py3``): in a chart's own files the same
#: words are mostly a template's reference to its values (``{{ .Values.image.tag }}``), which is no evidence
_TAG_VALUE = b"image.tag"
_NOT_TAG_VALUE = tuple(lit for lit in LITERALS if lit != _TAG_VALUE)
#: how far back a reference's dotted path is followed (``$.Values.a.b.c.image.tag``); a longer one counts
_PATH_REACH = 256
_PATH_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


def chart_may_hold_v1(data: bytes) -> bool:
    """``maybe_v1`` for a file of a Helm chart (its templates and values): ``image.tag`` counts only where it is
    not a template's reference to a values path (``.Values.image.tag``, ``$.Values.triton.image.tag``, ``.image.tag``
    in a ``with`` or ``range``: a dotted path that starts with ``.`` or ``$``). A value given to a chart
    (``--set image.tag=...``, ``--set triton.image.tag=...``, a ``HelmRelease``'s values) is written without them."""
    if any(lit in data for lit in _NOT_TAG_VALUE):
        return True
    at = data.find(_TAG_VALUE)
    while at >= 0:
        start = at
        while start > 0 and at - start < _PATH_REACH and data[start - 1] in _PATH_BYTES:
            start -= 1
        if at - start >= _PATH_REACH or not (data[start:start + 1] == b"." or data[start - 1:start] == b"$"):
            return True
        at = data.find(_TAG_VALUE, at + len(_TAG_VALUE))
    return False


#: what a line may hold V1 by, with no other V1 beside it: what a text file is reported for, but V1's endpoint
#: paths, which many applications share (``/api/health``, ``/api/status``), for V1's own endpoints only
_LINE_LITERALS = tuple(lit for lit in TEXT_LITERALS if lit not in ENDPOINTS)


def line_may_hold_v1(data: bytes) -> bool:
    """Whether a line of a file with no other V1 evidence (a template line the tool could not read, in a chart
    with no V1) may hold V1 by itself: a V1 name, a V1-only option, one of V1's own endpoints."""
    return any(lit in data for lit in _LINE_LITERALS) or holds_v1_own_endpoint(data)


def gives_build_arguments(data: bytes, kind: str | None) -> bool:
    """``data`` may give values to a Dockerfile's build arguments (``docker build --build-arg``, a compose
    service's ``build: args:``, docker/build-push-action's ``build-args:``, Skaffold's ``buildArgs:``, a Bake
    file's ``target``), which can make its build V1 without naming V1 (TDM112)."""
    return b"--build-arg" in data or b"build-args" in data or b"buildArgs" in data \
        or kind == "compose" and b"args" in data and b"build" in data \
        or kind == "hcl" and b"args" in data and b"target" in data


def text_may_report(data: bytes) -> bool:
    """True when a file of the text kind may get a finding."""
    return any(lit in data for lit in TEXT_LITERALS)


def strong(data: bytes) -> bool:
    return STRONG.search(data) is not None


#: a Python statement that imports the V1 client library (``from tensorrtserver.api import ...``): V1 client code
#: whatever else the file holds, so a Python file that has one and does not parse is an error, not skipped
_V1_CLIENT_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+tensorrtserver(?:\.\w+)*[ \t]+import|import[ \t]+tensorrtserver\b)",
                               re.M)


def v1_client_import(data: bytes) -> bool:
    return b"tensorrtserver" in data and _V1_CLIENT_IMPORT.search(data) is not None


#: a V1 name anywhere in a file: the V1 image or client (``tensorrtserver``), the V1 binary or library
#: (``trtserver``, ``libtrtserver.so``)
_V1_NAMES = (b"tensorrtserver", b"trtserver")


def holds_v1(data: bytes) -> bool:
    """``data`` names V1 itself: a V1 image, the V1 server, library or client, a V1 install folder or
    variable. perf_client alone is not V1 (the V2 SDK images had it until 20.10, under that name)."""
    return any(n in data for n in _V1_NAMES) or strong(data)


#: the releases of the run's V2 Triton images (None: a tag that does not say) when the run holds no V1
#: (``batch/finish.v2_tools``); None: the run holds V1, or the file is checked alone
_V2_RUN: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("v2_run", default=None)


@contextlib.contextmanager
def v2_run(releases) -> Iterator[None]:
    """Files checked inside belong to a run that holds no V1 (no V1 image, no ``trtserver``, no
    ``tensorrtserver`` client) and names the V2 Triton images of ``releases``: ``perf_client`` there is V2's own
    tool (renamed ``perf_analyzer`` in 20.10), never V1 evidence - nothing where every image is older, else an
    info note (TDM602); a path to it is no V1 file (TDM206)."""
    token = _V2_RUN.set(tuple(releases))
    try:
        yield
    finally:
        _V2_RUN.reset(token)


def v2_run_releases() -> tuple | None:
    return _V2_RUN.get()
