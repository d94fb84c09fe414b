"""Properties over generated Dockerfiles and shell scripts built around V1 server command lines
(tests/strategies.py): no failure, the output re-parses, a second run changes nothing, the bytes
outside the reported edits are the input's, and the V2 server argv holds no option V2 refuses."""

from __future__ import annotations

import os
import pathlib
import posixpath
import re
import shlex
import tempfile

from hypothesis import HealthCheck, given, settings

from strategies import (bash_n, compose_files, dockerfiles, load_yaml, parse_dockerfile, shell_scripts,
                        v1_only_options)
from triton_docker_migrate.model import Status
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.settings import Settings

#: TDM_EXAMPLES=5000 for a longer hunt; CI runs the bounded default
PROPS = settings(derandomize=True, max_examples=int(os.environ.get("TDM_EXAMPLES", "120")), deadline=None,
                 database=None, suppress_health_check=[HealthCheck.too_slow])
SETTINGS = Settings()
V1_TOKENS = re.compile(r"trtserver|tensorrtserver|tritonserver:20\.03|--")


def _migrate(name: str, text: str):
    with tempfile.TemporaryDirectory() as d:
        p = pathlib.Path(d) / name
        p.write_bytes(text.encode())
        return process_file(str(p), name, SETTINGS)


def _check_common(name: str, src: str, res, editable=None) -> str:
    """``editable(src, edit)``: may this edit be there (default: its logical line holds V1 content)."""
    assert res.status is not Status.FAILED, res.error
    assert res.status is Status.CHANGED
    out = res.new.decode("utf-8")
    # the output is the input with exactly the reported edits applied, nothing else
    edits = sorted(dict.fromkeys(e for f in res.findings if f.fixed and f.fix for e in f.fix.edits),
                   key=lambda e: (e.span.start, e.span.end))
    pos = 0
    rebuilt = []
    for e in edits:
        assert e.span.start >= pos
        rebuilt += [src[pos:e.span.start], e.content]
        pos = e.span.end
    rebuilt.append(src[pos:])
    assert "".join(rebuilt) == out
    # and no edit touches a logical line (continuations joined) without V1 content
    for e in edits:
        if editable is not None:
            assert editable(src, e), (e, src)
            continue
        a, b = _logical_line(src, e.span.start)
        assert V1_TOKENS.search(src[a:b]), (e, src[a:b])
    # a second run wants nothing more
    again = _migrate(name, out)
    assert again.status in (Status.SKIPPED, Status.UNCHANGED), (again.status, again.error)
    assert again.new in (None, res.new)
    return out


def _logical_line(src: str, offset: int) -> tuple[int, int]:
    """[start, end) of the physical lines around ``offset`` joined by a trailing \\ or `."""
    a = src.rfind("\n", 0, offset) + 1
    while a > 0 and src[:a - 1].rstrip("\r").endswith(("\\", "`")):
        a = src.rfind("\n", 0, a - 1) + 1
    b = src.find("\n", offset)
    while b >= 0 and src[:b].rstrip("\r").endswith(("\\", "`")):
        b = src.find("\n", b + 1)
    return a, len(src) if b < 0 else b


def _server_argv(words: list[str]) -> list[str]:
    for i, w in enumerate(words):
        if posixpath.basename(w) in ("tritonserver", "trtserver"):
            assert posixpath.basename(w) == "tritonserver", words
            return words[i + 1:]
    raise AssertionError(f"no server in {words}")


def _dockerfile_server_argvs(out: str) -> list[list[str]]:
    """The server argv of each RUN/CMD/ENTRYPOINT, an exec-form ENTRYPOINT joined with its CMD."""
    argvs: list[list[str]] = []
    entry: list[str] | None = None
    for c in parse_dockerfile(out.encode()):
        cmd = c.cmd.upper()
        if cmd not in ("RUN", "CMD", "ENTRYPOINT"):
            continue
        words = list(c.value) if c.json else shlex.split(c.value[0].split("||")[0])
        if cmd == "ENTRYPOINT":
            entry = words
            argvs.append(words)
        elif cmd == "CMD" and entry is not None and argvs and argvs[-1] is entry:
            argvs[-1] = entry + words
        else:
            argvs.append(words)
    return [_server_argv(a) for a in argvs if any(posixpath.basename(w) in ("tritonserver", "trtserver")
                                                  for w in a)]


@PROPS
@given(dockerfiles())
def test_dockerfile_properties(src):
    res = _migrate("Dockerfile", src)
    out = _check_common("Dockerfile", src, res)
    assert [c.cmd for c in parse_dockerfile(out.encode())] == [c.cmd for c in parse_dockerfile(src.encode())]
    argvs = _dockerfile_server_argvs(out)
    assert argvs, out
    for argv in argvs:
        assert v1_only_options(argv) == [], (argv, out)
        assert not any(a.startswith("--model-store") for a in argv)
    assert "tensorrtserver" not in out.replace("\\opt\\tensorrtserver", "")
    assert "trtserver" not in out


def _shell_server_argv(out: str) -> list[str]:
    joined = out.replace("\\\n", " ")
    line = next(ln for ln in joined.splitlines() if "tritonserver" in ln and not ln.lstrip().startswith("#"))
    return _server_argv(shlex.split(line))


@PROPS
@given(shell_scripts())
def test_shell_script_properties(src):
    res = _migrate("run.sh", src)
    out = _check_common("run.sh", src, res)
    ok, msg = bash_n(out.encode())
    assert ok, msg
    argv = _shell_server_argv(out)
    assert v1_only_options(argv) == [], (argv, out)
    assert not any(a.startswith("--model-store") for a in argv)
    assert "trtserver" not in out and "tensorrtserver" not in out


# falsifying examples the properties found once, kept with their exact output
FOUND = [
    ('ENTRYPOINT ["trtserver"]\nCMD ["--allow-profiling=false"]\n',
     'ENTRYPOINT ["tritonserver", "--model-control-mode=poll", "--strict-model-config=true"]\nCMD []\n'),
    ('ENTRYPOINT ["trtserver"]\nCMD ["--http-health-port" , "8003" , "--tf-add-vgpu" , "0;1;2048"]\n',
     'ENTRYPOINT ["tritonserver", "--model-control-mode", "poll", "--strict-model-config", "true"]\nCMD []\n'),
    ('ENTRYPOINT ["trtserver"]\nCMD ["--grpc-infer-thread-count=200", "--allow-profiling=false", "--api-ve=2", '
     '"--log-verbose", "1"]\n',
     'ENTRYPOINT ["tritonserver", "--model-control-mode=poll", "--strict-model-config=true"]\nCMD ["--log-verbose", "1"]\n'),
    ('ENTRYPOINT ["trtserver"]\nCMD ["--api-version", "2", "--log-verbose", "1", "--allow-profiling", "false"]\n',
     'ENTRYPOINT ["tritonserver", "--model-control-mode", "poll", "--strict-model-config", "true"]\n'
     'CMD ["--log-verbose", "1"]\n'),
    ('CMD trtserver --api-version=2 --load-model=x "$@"\n',
     'CMD tritonserver --model-control-mode=poll --strict-model-config=true "$@"\n'),
]


def test_found_examples():
    head = "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
    for src, want in FOUND:
        res = _migrate("Dockerfile", head + src)
        out = _check_common("Dockerfile", head + src, res)
        assert out == head.replace("tensorrtserver:20.02", "tritonserver:24.10") + want


def _compose_editable(src: str, e) -> bool:
    """Edits stay inside the triton service or the anchor it uses, never in comments or the web
    service."""
    start = src.find("  triton:")
    web = src.find("  web:")
    line_start = src.rfind("\n", 0, e.span.start) + 1
    if src[line_start:e.span.start].lstrip().startswith("#"):
        return False
    in_anchor = src.startswith("x-triton") and e.span.end <= src.find("services:")
    return in_anchor or start <= e.span.start and (web < 0 or e.span.end <= web)


@PROPS
@given(compose_files())
def test_compose_properties(src):
    res = _migrate("compose.yaml", src)
    out = _check_common("compose.yaml", src, res, _compose_editable)
    before, after = load_yaml(src.encode()), load_yaml(out.encode())
    assert after["services"].get("web") == before["services"].get("web")
    triton = after["services"]["triton"]
    assert triton["image"].startswith("nvcr.io/nvidia/tritonserver:24.10")
    cmd = triton["command"]
    argv = shlex.split(cmd) if isinstance(cmd, str) else cmd
    assert posixpath.basename(argv[0]) == "tritonserver", argv
    assert v1_only_options(argv[1:]) == [], (argv, out)
    assert not any(a.startswith("--model-store") for a in argv)
