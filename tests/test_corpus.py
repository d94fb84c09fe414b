"""Round trip over third-party files (../shared/corpus): untouched as they are; with V1 content
injected, changed only inside the injected part; byte-level details kept."""

from __future__ import annotations

import json
import pathlib

import pytest

from conftest import shared_dir
from strategies import (CORPUS_KINDS, V1_ENV, V1_RUN, V1_STANZA, V2_ENV, V2_RUN, V2_STANZA, corpus_files,
                        inject_dockerfile, newline_of, parse_dockerfile, place, run_cli,
                        run_inprocess)
from triton_docker_migrate import kinds
from triton_docker_migrate.model import ProcessingError
from triton_docker_migrate.release import Release
from triton_docker_migrate.rules.engine import check_document
from triton_docker_migrate.pipeline import build_document


def _corpus(*folders: str) -> list[pathlib.Path]:
    return corpus_files(shared_dir(), *folders)


def _ids(paths: list[pathlib.Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


def pytest_generate_tests(metafunc):
    # parametrize at collection time; shared_dir() fails (in CI) or skips when ../shared is missing
    for name, folders in (("corpus_file", ()), ("dockerfile", ("buildkit-parser", "buildkit-parser-negative"))):
        if name in metafunc.fixturenames:
            from conftest import SHARED

            files = corpus_files(SHARED, *folders) if SHARED.is_dir() else []
            metafunc.parametrize(name, files, ids=_ids(files))


NEGATIVE_PARSE_ERRORS = {"env_no_value.Dockerfile", "shykes-nested-json.Dockerfile"}


def test_corpus_is_present():
    files = _corpus()
    assert {p.parent.name for p in files} == set(CORPUS_KINDS)
    assert len(files) > 100


# --- as they are ---------------------------------------------------------------------------


def test_placed_under_its_kind(corpus_file, tmp_path):
    dest = place(corpus_file, tmp_path)
    assert kinds.kind_of(str(dest), dest.read_bytes()[:8192]) == CORPUS_KINDS[corpus_file.parent.name]


def _tree_of_everything(root: pathlib.Path) -> dict[pathlib.Path, bytes]:
    placed = {}
    for i, src in enumerate(_corpus()):
        dest = place(src, root / f"{i:03d}")
        placed[dest] = dest.read_bytes()
    return placed


def test_whole_corpus_untouched_by_the_cli(tmp_path):
    placed = _tree_of_everything(tmp_path / "tree")
    p = run_cli("migrate", "--format", "json", "tree", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["files"] == [] and report["findings"] == []
    s = report["summary"]
    assert (s["files_with_v1"], s["files_changed"], s["files_failed"], s["fixed"]) == (0, 0, 0, 0)
    assert s["files_scanned"] >= len(placed)
    assert b"Traceback" not in p.stderr
    for path, data in placed.items():
        assert path.read_bytes() == data, path


def test_whole_corpus_named_explicitly_untouched(tmp_path):
    placed = _tree_of_everything(tmp_path)
    names = [str(p.relative_to(tmp_path)) for p in placed]
    code, report, err = run_inprocess(names, tmp_path)
    assert code == 0, err
    assert report["findings"] == []
    assert sorted(f["path"] for f in report["files"]) == sorted(n.replace("\\", "/") for n in names)
    assert all(f["changed"] is False and f["error"] is None for f in report["files"])
    for path, data in placed.items():
        assert path.read_bytes() == data, path


def test_parsed_anyway_no_finding(corpus_file, tmp_path):
    """The prefilter skips every corpus file; parse them anyway so that false positives in the
    documents and rules cannot hide behind it."""
    kind = CORPUS_KINDS[corpus_file.parent.name]
    dest = place(corpus_file, tmp_path)
    text = dest.read_bytes().decode("utf-8")
    try:
        doc = build_document(kind, str(dest), text)
        findings, _ = check_document(doc, Release("24.10"))
    except ProcessingError as e:
        # only the parser's negative inputs may fail, and only as a clean ProcessingError
        assert corpus_file.parent.name == "buildkit-parser-negative", e.message
        assert "\n" not in e.message
        return
    assert corpus_file.parent.name != "buildkit-parser-negative" or corpus_file.name not in NEGATIVE_PARSE_ERRORS
    assert [(f.rule, f.message) for f in findings] == []


# --- V1 injected into Dockerfiles ------------------------------------------------------------


def _check_migrated(tmp_path: pathlib.Path, dest: pathlib.Path, injected: bytes, expected: bytes, first: int,
                    n_lines: int) -> None:
    code, report, err = run_inprocess(["."], tmp_path)
    assert code == 0, err
    got = dest.read_bytes()
    assert got == expected
    # every finding sits on the injected lines
    lines = {f["line"] for f in report["findings"]}
    assert lines and lines <= set(range(first, first + n_lines)), (first, lines)
    # the output still parses as the same instructions
    before = [c.cmd for c in parse_dockerfile(injected)]
    assert [c.cmd for c in parse_dockerfile(got)] == before
    # a second run finds nothing left to change
    code2, report2, err2 = run_inprocess(["."], tmp_path)
    assert code2 == 0, err2
    assert dest.read_bytes() == expected
    assert [f for f in report2["files"] if f["changed"]] == []
    assert [f for f in report2["findings"] if f["fixed"]] == []


def test_dockerfile_v1_stanza_appended(dockerfile, tmp_path):
    data = dockerfile.read_bytes()
    case = inject_dockerfile(data, V1_STANZA, V2_STANZA, "end")
    if case is None:  # the file ends inside an instruction (a continuation at EOF): put it first
        case = inject_dockerfile(data, V1_STANZA, V2_STANZA, "start")
    if dockerfile.name in NEGATIVE_PARSE_ERRORS:
        assert case is None
        return  # see test_negative_with_v1_evidence_is_a_clean_error
    assert case is not None
    injected, expected, first = case
    dest = place(dockerfile, tmp_path, injected)
    _check_migrated(tmp_path, dest, injected, expected, first, 2)


@pytest.mark.parametrize("v1,v2", [(V1_RUN, V2_RUN), (V1_ENV, V2_ENV)], ids=["RUN", "ENV"])
def test_dockerfile_v1_line_inserted_mid_file(dockerfile, v1, v2, tmp_path):
    data = dockerfile.read_bytes()
    if dockerfile.parent.name == "buildkit-parser-negative":
        return
    case = inject_dockerfile(data, (v1,), (v2,), "middle")
    assert case is not None
    injected, expected, first = case
    assert first > 1 or len(parse_dockerfile(data)) == 1
    dest = place(dockerfile, tmp_path, injected)
    _check_migrated(tmp_path, dest, injected, expected, first, 1)


def test_negative_without_evidence_skipped_silently(tmp_path):
    placed = [place(src, tmp_path / src.stem) for src in _corpus("buildkit-parser-negative")]
    p = run_cli("migrate", "--format", "json", ".", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["files"] == []
    assert all(d.read_bytes() == s.read_bytes() for d, s in zip(placed, _corpus("buildkit-parser-negative")))


def test_negative_with_v1_evidence_is_a_clean_error(tmp_path):
    """The parser's negative inputs with a V1 stanza: a clean migration when BuildKit then reads
    them (empty, only comments), else one error line each, exit 2, files untouched, and the good
    V1 file beside them still migrated."""
    good = tmp_path / "good" / "Dockerfile"
    good.parent.mkdir()
    good.write_bytes(b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n")
    originals = {}
    for src in _corpus("buildkit-parser-negative"):
        nl = newline_of(src.read_bytes())
        data = src.read_bytes() + nl.join(x.encode() for x in V1_STANZA) + nl
        originals[place(src, tmp_path / src.stem, data)] = data
    p = run_cli("migrate", "--format", "json", ".", cwd=tmp_path)
    assert p.returncode == 2
    stderr = p.stderr.decode()
    assert "Traceback" not in stderr
    report = json.loads(p.stdout)
    errors = {f["path"]: f["error"] for f in report["files"] if f["error"]}
    assert sorted(errors) == sorted(f"{pathlib.Path(n).stem}/Dockerfile" for n in NEGATIVE_PARSE_ERRORS)
    for path, message in errors.items():
        assert message.startswith("Dockerfile parse error: ")
        assert [ln for ln in stderr.splitlines() if ln.startswith(path)] != []
        line = next(ln for ln in stderr.splitlines() if ln.startswith(path))
        assert line.startswith(f"{path}:") and f": error: {message}" in line
        assert any(f["rule"] == "TDM001" and f["path"] == path for f in report["findings"])
    for dest, data in originals.items():
        rel = str(dest.relative_to(tmp_path))
        if rel in errors:
            assert dest.read_bytes() == data
        else:
            assert dest.read_bytes().endswith(("\n".join(V2_STANZA) + "\n").encode())
    assert good.read_bytes() == b"FROM nvcr.io/nvidia/tritonserver:24.10-py3\n"


# --- byte-level details ----------------------------------------------------------------------

TEMPLATE_IN = """\
# syntax=docker/dockerfile:1.4
ARG BASE=nvcr.io/nvidia/tensorrtserver:20.02-py3
FROM ${BASE} AS server
ENV PATH=/opt/tensorrtserver/bin:${PATH} \\
    LD_LIBRARY_PATH=/opt/tensorrtserver/lib
RUN apt-get update && \\
    # a comment inside a continuation: trtserver --model-store=/x stays
    apt-get install -y --no-install-recommends curl && \\

    rm -rf /var/lib/apt/lists/*
COPY <<EOF /etc/motd
served by a Triton server
EOF
RUN <<EOT bash
set -e
ls /opt/tensorrtserver/lib
EOT
HEALTHCHECK CMD curl -f localhost:8000/api/health/ready || exit 1
CMD trtserver \\
    --model-store=/models \\
    --strict-model-config=false
"""
TEMPLATE_OUT = """\
# syntax=docker/dockerfile:1.4
ARG BASE=nvcr.io/nvidia/tritonserver:24.10-py3
FROM ${BASE} AS server
ENV PATH=/opt/tritonserver/bin:${PATH} \\
    LD_LIBRARY_PATH=/opt/tritonserver/lib
RUN apt-get update && \\
    # a comment inside a continuation: trtserver --model-store=/x stays
    apt-get install -y --no-install-recommends curl && \\

    rm -rf /var/lib/apt/lists/*
COPY <<EOF /etc/motd
served by a Triton server
EOF
RUN <<EOT bash
set -e
ls /opt/tritonserver/lib
EOT
HEALTHCHECK CMD curl -f localhost:8000/v2/health/ready || exit 1
CMD tritonserver \\
    --model-repository=/models \\
    --strict-model-config=false \\
    --model-control-mode=poll
"""


def _crlf(s: bytes) -> bytes:
    return s.replace(b"\n", b"\r\n")


def _mixed(s: bytes) -> bytes:
    """CRLF on every other line, counted on the input; the output gains one line (the added
    option) after the last input line, so the transformation maps both alike."""
    lines = s.split(b"\n")
    return b"".join(ln + (b"\r\n" if i % 2 else b"\n") for i, ln in enumerate(lines[:-1])) + lines[-1]


def _tabs(s: bytes) -> bytes:
    return s.replace(b"\n    ", b"\n\t")


def _trailing_spaces(s: bytes) -> bytes:
    """Spaces and tabs after every line that is not a continuation, inside the heredocs too."""
    keep = (b"EOF", b"EOT")  # a heredoc terminator must stand alone on its line
    return b"\n".join(ln if ln.endswith(b"\\") or not ln or ln in keep else ln + b" \t " for ln in s.split(b"\n"))


VARIANTS = {
    "lf": lambda s: s,
    "crlf": _crlf,
    "bom": lambda s: b"\xef\xbb\xbf" + s,
    "bom-crlf": lambda s: b"\xef\xbb\xbf" + _crlf(s),
    "no-final-newline": lambda s: s.rstrip(b"\n"),
    "crlf-no-final-newline": lambda s: _crlf(s).rstrip(b"\r\n"),
    "tabs": _tabs,
    "trailing-spaces": _trailing_spaces,
}


def _migrate_one(tmp_path: pathlib.Path, name: str, data: bytes) -> tuple[bytes, dict]:
    dest = tmp_path / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    code, report, err = run_inprocess(["."], tmp_path)
    assert code == 0, err
    return dest.read_bytes(), report


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_byte_level_details_kept(variant, tmp_path):
    f = VARIANTS[variant]
    src, want = f(TEMPLATE_IN.encode()), f(TEMPLATE_OUT.encode())
    got, report = _migrate_one(tmp_path, "Dockerfile", src)
    assert got == want
    assert len(parse_dockerfile(got)) == len(parse_dockerfile(src))
    again, report2 = _migrate_one(tmp_path, "Dockerfile", got)
    assert again == want and [f for f in report2["files"] if f["changed"]] == []


def test_mixed_line_endings_kept(tmp_path):
    src = _mixed(TEMPLATE_IN.encode())
    got, _ = _migrate_one(tmp_path, "Dockerfile", src)
    # every original line keeps its own ending; the added continuation copies the CMD line's
    # continuation (CRLF here), and the last line keeps its LF
    last = b"    --strict-model-config=false \\\n    --model-control-mode=poll\n"
    base = _mixed(TEMPLATE_OUT.encode().replace(last, b"    --strict-model-config=false\n"))
    assert base.endswith(b"--strict-model-config=false\n")
    want = base[:-1] + b" \\\r\n    --model-control-mode=poll\n"
    assert got == want


ESCAPE_IN = """\
# escape=`
FROM nvcr.io/nvidia/tensorrtserver:20.02-py3
WORKDIR C:\\models
RUN echo C:\\opt\\tensorrtserver\\bin `
    && ls /opt/tensorrtserver/bin
CMD trtserver `
    --model-store=C:\\models `
    --api-version=2
"""
ESCAPE_OUT = """\
# escape=`
FROM nvcr.io/nvidia/tritonserver:24.10-py3
WORKDIR C:\\models
RUN echo C:\\opt\\tensorrtserver\\bin `
    && ls /opt/tritonserver/bin
CMD tritonserver `
    --model-repository=C:\\models `
    --model-control-mode=poll `
    --disable-auto-complete-config
"""


def test_escape_directive_backtick(tmp_path):
    got, _ = _migrate_one(tmp_path, "Dockerfile", ESCAPE_IN.encode())
    assert got == ESCAPE_OUT.encode()
    assert [c.cmd for c in parse_dockerfile(got)] == ["FROM", "WORKDIR", "RUN", "CMD"]


def test_long_lines(tmp_path):
    """60 000-character lines before, inside and after the server line: kept, in bounded time."""
    import time

    long_arg = "x" * 60_000
    src = (f"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
           f"LABEL blob=\"{long_arg}\"\n"
           f"CMD trtserver --model-store=/{long_arg} --log-verbose=1\n"
           f"RUN echo {long_arg}\n").encode()
    want = src.replace(b"tensorrtserver:20.02", b"tritonserver:24.10").replace(
        b"CMD trtserver --model-store=", b"CMD tritonserver --model-repository=").replace(
        b"--log-verbose=1\n", b"--log-verbose=1 --model-control-mode=poll --disable-auto-complete-config\n")
    t0 = time.monotonic()
    got, _ = _migrate_one(tmp_path, "Dockerfile", src)
    assert time.monotonic() - t0 < 30
    assert got == want


def test_line_longer_than_buildkit_accepts(tmp_path):
    """BuildKit (so `docker build`) refuses a line over 64 KiB: a clean error, file untouched."""
    src = b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nRUN echo " + b"y" * 200_000 + b"\nCMD trtserver\n"
    (tmp_path / "Dockerfile").write_bytes(src)
    p = run_cli("migrate", ".", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.decode().splitlines()[0] == (
        "Dockerfile:2: error: Dockerfile parse error: line longer than 65535 bytes")
    assert (tmp_path / "Dockerfile").read_bytes() == src


# --- V1 injected into shell scripts and Makefiles ----------------------------------------------

SHELL_V1 = b"docker run --rm nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/m"
SHELL_V2 = (b"docker run --rm nvcr.io/nvidia/tritonserver:24.10-py3 tritonserver --model-repository=/m "
            b"--model-control-mode=poll --disable-auto-complete-config")


def _shell_files() -> list[pathlib.Path]:
    from conftest import SHARED

    return corpus_files(SHARED, "shell") if SHARED.is_dir() else []


def _inject_lines(data: bytes, v1: bytes, v2: bytes, where: str) -> tuple[bytes, bytes, int]:
    """``v1``/``v2`` as a whole line at the end, or after the first line; (input, expected, line)."""
    nl = newline_of(data)
    if where == "end":
        lead = nl if data and not data.endswith(b"\n") else b""
        return data + lead + v1 + nl, data + lead + v2 + nl, (data + lead).count(b"\n") + 1
    at = data.index(b"\n") + 1
    return data[:at] + v1 + nl + data[at:], data[:at] + v2 + nl + data[at:], 2


@pytest.mark.parametrize("where", ["end", "after-first-line"])
@pytest.mark.parametrize("script", _shell_files(), ids=_ids(_shell_files()))
def test_shell_docker_run_injected(script, where, tmp_path):
    from strategies import bash_n

    injected, expected, line = _inject_lines(script.read_bytes(), SHELL_V1, SHELL_V2, where)
    assert bash_n(injected)[0]
    dest = place(script, tmp_path, injected)
    code, report, err = run_inprocess(["."], tmp_path)
    assert code == 0, err
    got = dest.read_bytes()
    assert got == expected
    assert {f["line"] for f in report["findings"]} == {line}
    ok, msg = bash_n(got)
    assert ok, msg
    code2, report2, err2 = run_inprocess(["."], tmp_path)
    assert code2 == 0 and dest.read_bytes() == expected
    assert [f for f in report2["findings"] if f["fixed"]] == []


MAKE_V1 = b"\ntriton-serve:\n\tdocker run --rm nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/m\n"


def test_makefile_recipe_injected(tmp_path):
    import subprocess

    for src in _corpus("makefiles"):
        data = src.read_bytes()
        root = tmp_path / src.name
        injected = data + (b"" if data.endswith(b"\n") else b"\n") + MAKE_V1
        expected = injected.replace(MAKE_V1, b"\ntriton-serve:\n\t" + SHELL_V2 + b"\n")
        dest = place(src, root, injected)
        code, report, err = run_inprocess(["."], root)
        assert code == 0, (src.name, err)
        assert dest.read_bytes() == expected, src.name
        first = injected.count(b"\n")  # the recipe line is the last line
        assert {f["line"] for f in report["findings"]} == {first}, src.name
        # where make can read the file at all here (no missing includes), it runs the V2 line
        before = subprocess.run(["make", "-n", "-f", "-", "triton-serve"], input=injected, capture_output=True,
                                cwd=root)
        if before.returncode == 0:
            after = subprocess.run(["make", "-n", "-f", "-", "triton-serve"], input=expected, capture_output=True,
                                   cwd=root)
            assert after.returncode == 0 and after.stdout.strip() == SHELL_V2, (src.name, after.stderr)


# --- V1 injected into compose files ------------------------------------------------------------


def _compose_files() -> list[pathlib.Path]:
    from conftest import SHARED

    return corpus_files(SHARED, "awesome-compose") if SHARED.is_dir() else []


@pytest.mark.parametrize("compose", _compose_files(), ids=_ids(_compose_files()))
def test_compose_v1_service_injected(compose, tmp_path):
    from strategies import inject_compose, load_yaml

    data = compose.read_bytes()
    injected, expected, line = inject_compose(data)
    dest = place(compose, tmp_path, injected)
    code, report, err = run_inprocess(["."], tmp_path)
    assert code == 0, err
    got = dest.read_bytes()
    assert got == expected
    assert {f["line"] for f in report["findings"]} <= {line + 1, line + 2}
    # the YAML reads back as the original services plus the migrated one
    before, after = load_yaml(data), load_yaml(got)
    triton = after["services"].pop("triton")
    assert after == before
    assert triton == {"image": "nvcr.io/nvidia/tritonserver:24.10-py3",
                      "command": ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"]}
    code2, report2, err2 = run_inprocess(["."], tmp_path)
    assert code2 == 0 and dest.read_bytes() == expected
    assert [f for f in report2["findings"] if f["fixed"]] == []


SHELL_IN = b"""#!/bin/bash
set -euo pipefail
# trtserver in a comment stays
docker run --rm --gpus all \\
\t-p 8000:8000 \\
\tnvcr.io/nvidia/tensorrtserver:20.02-py3 \\
\ttrtserver --model-store=/models \\
\t--allow-poll-model-repository=false
cat <<EOF
trtserver is only text in this heredoc
EOF
exec /opt/tensorrtserver/bin/trtserver --model-store=/m "$@"
"""
SHELL_OUT = b"""#!/bin/bash
set -euo pipefail
# trtserver in a comment stays
docker run --rm --gpus all \\
\t-p 8000:8000 \\
\tnvcr.io/nvidia/tritonserver:24.10-py3 \\
\ttritonserver --model-repository=/models \\
\t--model-control-mode=none \\
\t--disable-auto-complete-config
cat <<EOF
trtserver is only text in this heredoc
EOF
exec /opt/tritonserver/bin/tritonserver --model-repository=/m --model-control-mode=poll --strict-model-config=true "$@"
"""
COMPOSE_IN = b"""services:
  triton:
    image: nvcr.io/nvidia/tensorrtserver:20.02-py3   # the server
    command:
      - trtserver
      - --model-store=/models
    ports: ["8000:8000"]
"""
COMPOSE_OUT = b"""services:
  triton:
    image: nvcr.io/nvidia/tritonserver:24.10-py3   # the server
    command:
      - tritonserver
      - --model-repository=/models
      - --model-control-mode=poll
      - --disable-auto-complete-config
    ports: ["8000:8000"]
"""
_NO_HEREDOC = (b"cat <<EOF\ntrtserver is only text in this heredoc\nEOF\n", b"")  # bash reads CRLF heredocs to EOF


# YAML indents with spaces only (tabs there: a parse error); trailing spaces and tabs are kept
_SCRIPT_CASES = [("run.sh", v) for v in sorted(VARIANTS)] + \
    [("compose.yaml", v) for v in sorted(VARIANTS) if v != "tabs"]


@pytest.mark.parametrize("name,variant", _SCRIPT_CASES)
def test_byte_level_details_kept_in_scripts_and_compose(name, variant, tmp_path):
    f = VARIANTS[variant]
    src, want = (SHELL_IN, SHELL_OUT) if name == "run.sh" else (COMPOSE_IN, COMPOSE_OUT)
    if "crlf" in variant and name == "run.sh":
        src, want = src.replace(*_NO_HEREDOC), want.replace(*_NO_HEREDOC)
    expected = f(want)
    if name == "compose.yaml" and variant == "trailing-spaces":
        f = lambda s: s.replace(b"\n", b" \t \n")  # noqa: E731
        expected = f(want).replace(b"--model-control-mode=poll \t \n", b"--model-control-mode=poll\n").replace(
            b"--disable-auto-complete-config \t \n", b"--disable-auto-complete-config\n")  # new lines
    got, _ = _migrate_one(tmp_path, name, f(src))
    assert got == expected
    again, report2 = _migrate_one(tmp_path, name, got)
    assert again == expected and [x for x in report2["files"] if x["changed"]] == []


# --- V1 injected into Kubernetes manifests ------------------------------------------------------


def _k8s_yaml_files() -> list[pathlib.Path]:
    from conftest import SHARED

    return [p for p in corpus_files(SHARED, "k8s") if p.suffix != ".json"] if SHARED.is_dir() else []


@pytest.mark.parametrize("manifest", _k8s_yaml_files(), ids=_ids(_k8s_yaml_files()))
def test_k8s_v1_deployment_appended(manifest, tmp_path):
    from strategies import inject_k8s, load_yaml_all

    data = manifest.read_bytes()
    injected, expected, first = inject_k8s(data)
    dest = place(manifest, tmp_path, injected)
    code, report, err = run_inprocess(["."], tmp_path)
    assert code == 0, err
    got = dest.read_bytes()
    assert got == expected
    assert {f["line"] for f in report["findings"]} <= set(range(first, first + 12))
    docs_before, docs_after = load_yaml_all(data), load_yaml_all(got)
    assert docs_after[:-1] == docs_before
    container = docs_after[-1]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"]
    code2, report2, _ = run_inprocess(["."], tmp_path)
    assert code2 == 0 and dest.read_bytes() == expected
    assert [f for f in report2["findings"] if f["fixed"]] == []
