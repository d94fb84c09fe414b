"""argv.transform, row by row (facts sheet "Server options" and "Model control"), on small shell command
lines: the exact text after the fixes, and the exact findings (rule, severity, fixed) in text order.
Each ``_fixes`` case has a ``_noop`` case beside it that must stay byte-identical."""

from __future__ import annotations

import pytest

from triton_docker_migrate.rules import argv
from triton_docker_migrate.documents.sites import CommandLine, Segment
from triton_docker_migrate.syntax.quoting import SHELL
from triton_docker_migrate.documents.commands import is_v1_binary, server_word, split
from triton_docker_migrate.syntax.shellwords import lex
from triton_docker_migrate.release import parse_target
from triton_docker_migrate.writer import apply, choose_fixes

I, W, E = "info", "warning", "error"
STRICT = ("TDM314", I, True)  # --disable-auto-complete-config added: V1 relied on strict config (22.07 on)
POLL = ("TDM310", I, True)  # --model-control-mode=poll added (before runtime arguments too: a mode they set wins)
RUNTIME = ("TDM316", W, False)
STORE = ("TDM301", I, True)
KEPT = ("--model-repository=/m --exit-on-error=true --strict-readiness=true --exit-timeout-secs=30 "
        "--http-port=8000 --grpc-port=8001 --metrics-port=8002 --allow-http=true --allow-grpc=true "
        "--allow-metrics=true --allow-gpu-metrics=false --http-thread-count=4 --grpc-infer-allocation-pool-size=8 "
        "--pinned-memory-pool-byte-size=268435456 --cuda-memory-pool-byte-size=0:67108864 "
        "--min-supported-compute-capability=6.0 --log-verbose=0 --log-info=true --log-warning=true "
        "--log-error=true --id=triton-v1 --trace-file=/dev/null --trace-level=OFF --trace-rate=1000 "
        "--repository-poll-secs=15 --strict-model-config=true")


def command_line(src: str) -> CommandLine:
    words = split(lex(src).tokens)[0]
    server = server_word(words)
    assert server is not None, src
    seg = Segment(words[words.index(server):], SHELL)
    return CommandLine(src, [seg], server, is_v1_binary(server.value))


def migrate(src: str, target: str = "24.10") -> tuple[str, list[tuple[str, str, bool]], argv.ArgvResult]:
    res = argv.transform(command_line(src), parse_target(target))
    edits = choose_fixes(res.findings)
    got = sorted(res.findings, key=lambda f: (f.span.start, f.rule))
    return apply(src, edits), [(f.rule, f.severity.value, f.fixed) for f in got], res


# (id, V1/V2 line, target, expected line, expected findings, expected mode or None when not checked)
CASES = [
    # --model-store -> --model-repository, both forms, quotes kept
    ("model-store_eq_fixes", "trtserver --model-store=/m --strict-model-config=false", "24.10",
     "trtserver --model-repository=/m --strict-model-config=false --model-control-mode=poll",
     [POLL, STORE], "poll"),
    ("model-store_space_fixes", "trtserver --model-store /m --strict-model-config false", "24.10",
     "trtserver --model-repository /m --strict-model-config false --model-control-mode poll",
     [POLL, STORE], "poll"),
    ("model-store_quoted_fixes", 'trtserver --model-store="/my models" --strict-model-config="false"', "24.10",
     'trtserver --model-repository="/my models" --strict-model-config="false" --model-control-mode=poll',
     [POLL, STORE], "poll"),
    ("model-store_single-quoted_fixes", "trtserver '--model-store=/m' '--strict-model-config=false'", "24.10",
     "trtserver '--model-repository=/m' '--strict-model-config=false' --model-control-mode=poll",
     [POLL, STORE], "poll"),
    ("model-store_v2-line_noop", "tritonserver --model-store=/m", "24.10",
     "tritonserver --model-store=/m", [], "none"),
    ("model-repository_v1_noop-except-defaults",
     "trtserver --model-repository=/m --strict-model-config=true --repository-poll-secs=0", "24.10",
     "trtserver --model-repository=/m --strict-model-config=true --repository-poll-secs=0", [], "none"),
    # every option V2 kept stays as written (the facts sheet's "kept" row)
    ("kept-options_fixes", f"trtserver {KEPT}", "24.10", f"trtserver {KEPT} --model-control-mode=poll", [POLL], "poll"),
    ("kept-options_20.06_fixes", f"trtserver {KEPT}", "20.06", f"trtserver {KEPT} --model-control-mode=poll",
     [POLL], "poll"),
    # removed options: dropped with their value
    ("api-version_fixes", "trtserver --model-repository=/m --api-version=2 --strict-model-config=true "
     "--repository-poll-secs=0", "24.10",
     "trtserver --model-repository=/m --strict-model-config=true --repository-poll-secs=0",
     [("TDM302", I, True)], "none"),
    ("api-version-1_fixes", "trtserver --api-version 1 --model-repository /m --strict-model-config true "
     "--repository-poll-secs 0", "24.10",
     "trtserver --model-repository /m --strict-model-config true --repository-poll-secs 0",
     [("TDM302", W, True)], "none"),
    ("http-health-port_eq_fixes", "trtserver --model-store=/m --http-health-port=8003 --http-port=9000", "24.10",
     'trtserver --model-repository=/m --http-port=9000 --model-control-mode=poll --disable-auto-complete-config',
     [POLL, STRICT, STORE, ("TDM305", W, True)], "poll"),
    ("http-health-port_space_fixes", "trtserver --model-store=/m --http-health-port 8003 --http-port 8000", "24.10",
     'trtserver --model-repository=/m --http-port 8000 --model-control-mode poll --disable-auto-complete-config',
     [POLL, STRICT, STORE, ("TDM305", W, True)], "poll"),
    ("grpc-infer-thread-count_fixes", "trtserver --model-store=/m --grpc-infer-thread-count=4", "24.10",
     'trtserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config',
     [POLL, STRICT, STORE, ("TDM303", I, True)], "poll"),
    ("grpc-infer-thread-count_25.04_noop", "trtserver --model-repository=/m --grpc-infer-thread-count=4 "
     "--strict-model-config=true --model-control-mode=none", "25.04",
     "trtserver --model-repository=/m --grpc-infer-thread-count=4 --strict-model-config=true "
     "--model-control-mode=none", [], "none"),
    ("grpc-infer-thread-count-1_25.04_fixes", "trtserver --model-repository=/m --grpc-infer-thread-count=1 "
     "--grpc-infer-thread-count 128 --strict-model-config=true --model-control-mode=none", "25.04",
     "trtserver --model-repository=/m --grpc-infer-thread-count 128 --strict-model-config=true "
     "--model-control-mode=none", [("TDM303", W, True)], "none"),
    ("grpc-infer-thread-count-dynamic_25.04", "trtserver --model-repository=/m --grpc-infer-thread-count=$N "
     "--strict-model-config=true --model-control-mode=none", "25.04",
     "trtserver --model-repository=/m --grpc-infer-thread-count=$N --strict-model-config=true "
     "--model-control-mode=none", [("TDM303", W, False)], "none"),
    ("grpc-stream-infer-thread-count_fixes", "trtserver --model-store=/m --grpc-stream-infer-thread-count 2",
     "24.10", 'trtserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config',
     [POLL, STRICT, STORE, ("TDM304", I, True)], "poll"),
    ("allow-profiling_fixes", "trtserver --allow-profiling=false --model-store=/m", "24.10",
     'trtserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config',
     [POLL, STRICT, ("TDM306", I, True), STORE], "poll"),
    # TensorFlow options: renamed from 20.08, --tf-add-vgpu removed from 20.08
    ("tf-allow-soft-placement_fixes", "trtserver --model-store=/m --tf-allow-soft-placement true", "24.10",
     'trtserver --model-repository=/m --backend-config tensorflow,allow-soft-placement=true --model-control-mode=poll --disable-auto-complete-config', [POLL, STRICT, STORE, ("TDM307", I, True)], "poll"),
    ("tf-gpu-memory-fraction_fixes", "trtserver --model-store=/m --tf-gpu-memory-fraction=0.5", "20.08",
     "trtserver --model-repository=/m --backend-config=tensorflow,gpu-memory-fraction=0.5 "
     "--model-control-mode=poll", [POLL, STORE, ("TDM308", I, True)], "poll"),
    ("tf-gpu-memory-fraction_20.07_noop", "trtserver --model-repository=/m --tf-gpu-memory-fraction=0.5 "
     "--model-control-mode=poll", "20.07",
     "trtserver --model-repository=/m --tf-gpu-memory-fraction=0.5 --model-control-mode=poll", [], "poll"),
    ("tf-add-vgpu-double-quoted_fixes", 'trtserver --model-store=/m --tf-add-vgpu "0;2;100" --log-verbose=1',
     "24.10", 'trtserver --model-repository=/m --log-verbose=1 --model-control-mode=poll --disable-auto-complete-config',
     [POLL, STRICT, STORE, ("TDM309", W, True)], "poll"),
    ("tf-add-vgpu-single-quoted_fixes", "trtserver --model-store=/m '--tf-add-vgpu=0;2;100'", "20.08",
     "trtserver --model-repository=/m --model-control-mode=poll", [POLL, STORE, ("TDM309", W, True)], "poll"),
    ("tf-add-vgpu_20.07_noop", "trtserver --model-repository=/m --tf-add-vgpu=\"0;2;100\" "
     "--tf-allow-soft-placement=1 --model-control-mode=poll", "20.07",
     "trtserver --model-repository=/m --tf-add-vgpu=\"0;2;100\" --tf-allow-soft-placement=1 "
     "--model-control-mode=poll", [], "poll"),
    ("tf-options_v2-line_fixes", "tritonserver --model-store=/m --tf-gpu-m=0.5", "24.10",
     "tritonserver --model-store=/m --backend-config=tensorflow,gpu-memory-fraction=0.5",
     [("TDM308", I, True)], "none"),
    ("tf-and-grpc-threads_25.03_fixes", "trtserver --model-store=/m --tf-gpu-memory-fraction=0.5 "
     "--grpc-infer-thread-count=4 --strict-model-config=true", "25.03",
     "trtserver --model-repository=/m --backend-config=tensorflow,gpu-memory-fraction=0.5 "
     "--strict-model-config=true --model-control-mode=poll", [POLL, STORE, ("TDM308", I, True), ("TDM303", I, True)],
     "poll"),
    ("tf-and-grpc-threads_25.04_fixes", "trtserver --model-store=/m --tf-gpu-memory-fraction=0.5 "
     "--grpc-infer-thread-count=4 --strict-model-config=true", "25.04",
     "trtserver --model-repository=/m --backend-config=tensorflow,gpu-memory-fraction=0.5 "
     "--grpc-infer-thread-count=4 --strict-model-config=true --model-control-mode=poll",
     [POLL, STORE, ("TDM308", I, True)], "poll"),
    # --strict-model-config: V1 defaulted to true, V2 to false from 22.07
    ("strict-default_22.06_noop", "trtserver --model-repository=/m --model-control-mode=none", "22.06",
     "trtserver --model-repository=/m --model-control-mode=none", [], "none"),
    ("strict-default_22.07", "trtserver --model-repository=/m --model-control-mode=none", "22.07",
     'trtserver --model-repository=/m --model-control-mode=none --disable-auto-complete-config', [STRICT], "none"),
    # getopt abbreviations resolved against V1, written in full
    ("abbrev-model-repo_fixes", "trtserver --model-repo=/m --strict-model=false", "24.10",
     "trtserver --model-repository=/m --strict-model-config=false --model-control-mode=poll",
     [POLL, ("TDM315", I, True), ("TDM315", I, True)], "poll"),
    ("abbrev-model-s_fixes", "trtserver --model-s /m --strict-model-config=1", "24.10",
     "trtserver --model-repository /m --strict-model-config=1 --model-control-mode=poll",
     [POLL, STORE], "poll"),
    ("abbrev-model-c-ambiguous-in-v2_fixes", "trtserver --model-c=none --model-store=/m", "24.10",
     'trtserver --model-control-mode=none --model-repository=/m --disable-auto-complete-config',
     [STRICT, ("TDM315", I, True), STORE], "none"),
    ("abbrev-model-c_v2-line_fixes", "tritonserver --model-c=none --model-repository=/m", "24.10",
     "tritonserver --model-control-mode=none --model-repository=/m", [("TDM315", I, True)], "none"),
    ("abbrev-accepted_v2-line_noop", "tritonserver --model-repo=/m --strict-model=false", "24.10",
     "tritonserver --model-repo=/m --strict-model=false", [], "none"),
    ("abbrev-ambiguous-in-v1", "trtserver --allow-m=true --model-repository=/m --model-control-mode=none", "24.10",
     'trtserver --allow-m=true --model-repository=/m --model-control-mode=none --disable-auto-complete-config',
     [STRICT, ("TDM317", W, False)], "none"),
    ("abbrev-allow-poll_fixes", "trtserver --allow-poll=true --repository-poll-secs=5", "24.10",
     'trtserver --model-control-mode=poll --repository-poll-secs=5 --disable-auto-complete-config', [STRICT, ("TDM311", I, True)], "poll"),
    ("abbrev-load-model-explicit_fixes", "trtserver --model-control-m explicit --load=a", "24.10",
     'trtserver --model-control-mode explicit --load-model=a --disable-auto-complete-config',
     [STRICT, ("TDM315", I, True), ("TDM315", I, True)], "explicit"),
    ("unknown-option_v1", "trtserver --model-repository=/m --model-control-mode=none --trtis-x=1", "24.10",
     'trtserver --model-repository=/m --model-control-mode=none --trtis-x=1 --disable-auto-complete-config',
     [STRICT, ("TDM317", W, False)], "none"),
    # model control: the table, row by row
    ("mc-none-of-three_fixes", "trtserver --model-repository=/m", "24.10",
     'trtserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config', [POLL, STRICT], "poll"),
    ("mc-none-of-three_v2-line_noop", "tritonserver --model-repository=/m", "24.10",
     "tritonserver --model-repository=/m", [], "none"),
    ("mc-poll-false_fixes", "trtserver --model-repository=/m --allow-poll-model-repository=false", "24.10",
     'trtserver --model-repository=/m --model-control-mode=none --disable-auto-complete-config',
     [STRICT, ("TDM311", I, True)], "none"),
    ("mc-poll-false-and-control-true_fixes", "trtserver --allow-poll-model-repository=false "
     "--allow-model-control=true --model-repository=/m --load-model=a", "24.10",
     'trtserver --model-control-mode=explicit --model-repository=/m --load-model=a --disable-auto-complete-config',
     [STRICT, ("TDM311", I, True), ("TDM312", I, True)], "explicit"),
    ("mc-poll-0-and-control-1_fixes", "trtserver --allow-poll-model-repository 0 --allow-model-control 1 "
     "--model-repository /m", "24.10",
     'trtserver --model-control-mode explicit --model-repository /m --disable-auto-complete-config',
     [STRICT, ("TDM311", I, True), ("TDM312", I, True)], "explicit"),
    ("mc-control-true-alone_fixes", "trtserver --allow-model-control=true --load-model=a --load-model b", "24.10",
     'trtserver --model-control-mode=explicit --load-model=a --load-model b --disable-auto-complete-config', [STRICT, ("TDM312", E, True)],
     "explicit"),
    ("mc-control-false_fixes", "trtserver --allow-model-control=false --model-repository=/m", "24.10",
     'trtserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config', [POLL, STRICT, ("TDM312", I, True)], "poll"),
    ("mc-poll-true_fixes", "trtserver --model-repository=/m --allow-poll-model-repository=true", "24.10",
     'trtserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config', [STRICT, ("TDM311", I, True)], "poll"),
    ("mc-poll-true-space_fixes", "trtserver --model-repository /m --allow-poll-model-repository true "
     "--repository-poll-secs 30", "24.10",
     'trtserver --model-repository /m --model-control-mode poll --repository-poll-secs 30 --disable-auto-complete-config',
     [STRICT, ("TDM311", I, True)], "poll"),
    ("mc-poll-true-secs-0_fixes", "trtserver --model-store /m --allow-poll-model-repository true "
     "--repository-poll-secs 0", "24.10",
     'trtserver --model-repository /m --model-control-mode none --repository-poll-secs 0 --disable-auto-complete-config',
     [STRICT, STORE, ("TDM311", I, True)], "none"),
    ("mc-secs-0_noop", "trtserver --model-repository=/m --repository-poll-secs=0 --strict-model-config=true",
     "24.10", "trtserver --model-repository=/m --repository-poll-secs=0 --strict-model-config=true", [], "none"),
    ("mc-secs-5_fixes", "trtserver --model-repository=/m --repository-poll-secs=5 --strict-model-config=true",
     "24.10", "trtserver --model-repository=/m --repository-poll-secs=5 --strict-model-config=true "
     "--model-control-mode=poll", [POLL], "poll"),
    ("mc-load-model-not-explicit_fixes", "trtserver --repository-poll-secs=0 --load-model=a --model-repository=/m "
     "--load-model b", "24.10", 'trtserver --repository-poll-secs=0 --model-repository=/m --disable-auto-complete-config',
     [STRICT, ("TDM313", W, True), ("TDM313", W, True)], "none"),
    ("mc-load-model-poll_fixes", "trtserver --model-repository=/m --load-model=a", "24.10",
     'trtserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config', [POLL, STRICT, ("TDM313", W, True)], "poll"),
    ("mc-load-model_v2-line_noop", "tritonserver --model-repository=/m --load-model=a", "24.10",
     "tritonserver --model-repository=/m --load-model=a", [], "none"),
    ("mc-mode-given_noop", "trtserver --model-repository=/m --model-control-mode=explicit --load-model=a "
     "--strict-model-config=false", "24.10",
     "trtserver --model-repository=/m --model-control-mode=explicit --load-model=a --strict-model-config=false",
     [], "explicit"),
    ("mc-mode-given-with-v1-options_fixes", "trtserver --model-control-mode=explicit --allow-model-control=true "
     "--allow-poll-model-repository=true --load-model=a", "24.10",
     'trtserver --model-control-mode=explicit --load-model=a --disable-auto-complete-config',
     [STRICT, ("TDM312", I, True), ("TDM311", I, True)], "explicit"),
    ("mc-mode-poll-given-load-model_fixes", "trtserver --model-control-mode=poll --load-model=a "
     "--strict-model-config=0", "24.10", "trtserver --model-control-mode=poll --strict-model-config=0",
     [("TDM313", W, True)], "poll"),
    ("mc-dynamic-poll", "trtserver --model-repository=/m --allow-poll-model-repository=$POLL", "24.10",
     'trtserver --model-repository=/m --allow-poll-model-repository=$POLL --disable-auto-complete-config', [STRICT, ("TDM311", W, False)], None),
    # runtime arguments: the new options go before them, the strict default as --strict-model-config=true (V2 lets
    # --disable-auto-complete-config win over a later --strict-model-config=false, but reads the last value of this)
    ("runtime-args-quoted-at_fixes", 'trtserver --model-store=/m "$@"', "24.10",
     'trtserver --model-repository=/m --model-control-mode=poll --strict-model-config=true "$@"', [POLL, STRICT, STORE, RUNTIME], "poll"),
    ("v1-refused-boolean_fixes", "trtserver --model-store=/m --strict-model-config=on", "24.10",
     "trtserver --model-repository=/m --strict-model-config=on --model-control-mode=poll",
     [POLL, STORE, ("TDM318", E, False)], None),
    ("v1-refused-missing-value_fixes", "trtserver --model-store=/m --tf-allow-soft-placement", "24.10",
     "trtserver --model-repository=/m --tf-allow-soft-placement", [STORE, ("TDM318", E, False)], None),
    ("v1-release-abbreviation_fixes", "trtserver --model-store=/m --allow-p=false", "24.10",
     "trtserver --model-repository=/m --model-control-mode=none --disable-auto-complete-config",
     [STRICT, STORE, ("TDM311", I, True)], "none"),
    ("v1-release-abbreviation-profiling_fixes", "trtserver --model-store=/m --allow-pro=false", "24.10",
     "trtserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config",
     [POLL, STRICT, STORE, ("TDM306", I, True)], "poll"),
    ("runtime-args-only_fixes", 'trtserver "$@"', "24.10", 'trtserver --model-control-mode=poll --strict-model-config=true "$@"',
     [POLL, STRICT, RUNTIME], "poll"),
    ("runtime-args-variable_fixes", "exec trtserver --model-store=/m ${EXTRA_ARGS} --log-verbose=1", "24.10",
     'exec trtserver --model-repository=/m --model-control-mode=poll --strict-model-config=true ${EXTRA_ARGS} --log-verbose=1',
     [POLL, STRICT, STORE, RUNTIME], "poll"),
    ("runtime-args-mode-given", 'trtserver --model-repository=/m --model-control-mode=none '
     '--strict-model-config=true $ARGS', "24.10",
     'trtserver --model-repository=/m --model-control-mode=none --strict-model-config=true $ARGS', [RUNTIME], "none"),
    ("dynamic-value_fixes", "trtserver --model-store=$MODELS --strict-model-config=false", "24.10",
     "trtserver --model-repository=$MODELS --strict-model-config=false --model-control-mode=poll",
     [POLL, STORE], "poll"),
    # half-migrated V2 lines: only options the target refuses are rewritten, no poll default
    ("v2-line-refused-options_fixes", "tritonserver --model-repository=/m --allow-poll-model-repository=false "
     "--http-health-port=8003", "24.10", "tritonserver --model-repository=/m --model-control-mode=none",
     [("TDM311", I, True), ("TDM305", W, True)], "none"),
    ("v2-line-poll-true_fixes", "/opt/tritonserver/bin/tritonserver --model-store=/m "
     "--allow-poll-model-repository=true", "24.10",
     "/opt/tritonserver/bin/tritonserver --model-store=/m --model-control-mode=poll", [("TDM311", I, True)], "poll"),
    ("v2-line_noop", "tritonserver --model-repository=/m --strict-model-config=false --exit-on-error=false", "24.10",
     "tritonserver --model-repository=/m --strict-model-config=false --exit-on-error=false", [], "none"),
    ("v2-line-tf_20.07_noop", "tritonserver --model-repository=/m --tf-allow-soft-placement=true", "20.07",
     "tritonserver --model-repository=/m --tf-allow-soft-placement=true", [], "none"),
    ("v2-line-tf-add-vgpu_20.08_fixes", "tritonserver --model-repository=/m --tf-add-vgpu='0;1;512'", "20.08",
     "tritonserver --model-repository=/m", [("TDM309", W, True)], "none"),
    # continuation lines: the deleted option takes its own line with it, the new one gets a line
    ("continuation-delete_fixes", "trtserver \\\n  --model-store=/m \\\n  --http-health-port=8005 \\\n"
     "  --log-verbose=1", "24.10", 'trtserver \\\n  --model-repository=/m \\\n  --log-verbose=1 \\\n'
     '  --model-control-mode=poll \\\n  --disable-auto-complete-config',
     [POLL, STRICT, STORE, ("TDM305", W, True)], "poll"),
    ("continuation-insert_fixes", "trtserver \\\n  --model-store=/m \\\n  --log-verbose=1", "24.10",
     'trtserver \\\n  --model-repository=/m \\\n  --log-verbose=1 \\\n  --model-control-mode=poll \\\n  --disable-auto-complete-config',
     [POLL, STRICT, STORE], "poll"),
    # lines that print and exit start no server: nothing is added to them
    ("help_noop", "trtserver --help", "24.10", "trtserver --help", [], None),
    ("version_fixes", "trtserver --version", "24.10", "trtserver --version", [("TDM317", W, False)], None),
    ("path-binary_fixes", "/opt/tensorrtserver/bin/trtserver --model-store=/m --strict-model-config=true", "24.10",
     "/opt/tensorrtserver/bin/trtserver --model-repository=/m --strict-model-config=true --model-control-mode=poll",
     [POLL, STORE], "poll"),
]


@pytest.mark.parametrize("src,target,expected,findings,mode",
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_transform(src, target, expected, findings, mode):
    got, got_findings, res = migrate(src, target)
    assert got == expected
    assert got_findings == findings
    if mode is not None:
        assert res.mode == mode


@pytest.mark.parametrize("src,target", [pytest.param(c[3], c[2], id=c[0]) for c in CASES])
def test_second_pass_changes_nothing(src, target):
    """The output of a case, read as the line it now is, wants no further edit."""
    src = src.replace("/opt/tensorrtserver/bin/trtserver", "/opt/tritonserver/bin/tritonserver")
    src = src.replace("trtserver", "tritonserver")
    got, findings, _ = migrate(src, target)
    assert got == src
    assert not [f for f in findings if f[2]]


def test_facts_for_follow_through():
    _, _, res = migrate("trtserver --model-store=/m --http-health-port=8003 --http-port 9000 "
                        "--grpc-port=9001 --tf-gpu-memory-fraction=0.3 \"$@\"")
    assert (res.health_port, res.http_port, res.grpc_port) == ("8003", "9000", "9001")
    assert res.uses_tensorflow and res.runtime_args
    _, _, res = migrate("trtserver --model-store=/m --http-health-port=$HP")
    assert res.health_port is None and res.http_port == "8000" and not res.uses_tensorflow
    assert not res.runtime_args


@pytest.mark.parametrize("typed,table,expected", [
    pytest.param("model-repo", argv.T.V1_OPTIONS, "model-repository", id="unique-prefix"),
    pytest.param("model-store", argv.T.V1_OPTIONS, "model-store", id="exact"),
    pytest.param("model-c", argv.T.V1_OPTIONS, "model-control-mode", id="unique-in-v1"),
    pytest.param("model-c", argv.T.V2_OPTIONS, None, id="ambiguous-in-v2"),
    pytest.param("allow-m", argv.T.V1_OPTIONS, None, id="ambiguous-in-v1"),
    pytest.param("log-verbose", argv.T.V2_OPTIONS, "log-verbose", id="exact-v2"),
    pytest.param("http-health-port", argv.T.V2_OPTIONS, None, id="v1-only"),
])
def test_resolve(typed, table, expected):
    assert argv.resolve(typed, table) == expected


@pytest.mark.parametrize("target,expected", [
    pytest.param("23.03", [], id="23.03-tf1-still-served"),
    pytest.param("23.04", [("TDM702", "warning")], id="23.04-tf2-only"),
    pytest.param("25.02", [("TDM702", "warning")], id="25.02-tf-backend-still-shipped"),
    pytest.param("25.03", [("TDM701", "error")], id="25.03-tf-backend-gone"),
])
def test_tensorflow_target_checks(target, expected):
    """A line with TF options: the engine's target-release findings follow the TF boundaries."""
    from triton_docker_migrate.documents.dockerfile import DockerfileDoc
    from triton_docker_migrate.rules.engine import check_document

    doc = DockerfileDoc("Dockerfile", 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n'
                        'CMD ["trtserver", "--model-store=/m", "--tf-allow-soft-placement=true"]\n')
    findings, ctx = check_document(doc, parse_target(target))
    assert ctx.uses_tensorflow
    assert [(f.rule, f.severity.value) for f in findings if f.rule.startswith("TDM7") and f.rule != "TDM703"] == expected


def test_a_long_line_loses_every_removed_option():
    """Thousands of options, every other one removed: each deletion is settled once (the line used
    to take minutes), and the result holds exactly the options that stay."""
    n = 3000
    src = "trtserver --model-store=/m " + " ".join(f"--api-version=2 --log-verbose={i}" for i in range(n))
    out, found, _ = migrate(src)
    kept = " ".join(f"--log-verbose={i}" for i in range(n))
    assert out == f"trtserver --model-repository=/m {kept} --model-control-mode=poll --disable-auto-complete-config"
    assert [f for f in found if f[0] == "TDM302"] == [("TDM302", I, True)] * n


def test_each_line_keeps_its_own_transform():
    """A document builds its command lines anew on each call: the context knows a line by where its
    words are, so a later check never gets another line's transform (ids of dropped objects recur)."""
    from triton_docker_migrate.pipeline import build_document
    from triton_docker_migrate.rules.context import Context

    v1 = "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3 AS"
    text = (f'{v1} a\nCMD ["sh", "-c", "trtserver --model-store=/m"]\n'
            f"{v1} b\nCMD trtserver --model-store=/m --log-verbose=1\n"
            f'{v1} c\nCMD ["trtserver", "--tf-gpu-memory-fraction=0.5"]\n')
    doc = build_document("dockerfile", "Dockerfile", text)
    ctx = Context(doc, parse_target("24.10"))
    for _ in range(50):
        got = [(doc.position(cl.binary.start)[0], res.uses_tensorflow) for cl, res in ctx.server_lines()]
        assert got == [(2, False), (4, False), (6, True)]
