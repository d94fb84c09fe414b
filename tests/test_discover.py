"""Discovery: .gitignore at every level with negations, excludes, named files, symlinks, loops."""

from __future__ import annotations

import os

import pytest

from triton_docker_migrate.discover import discover


def files(root, spec: dict[str, str]) -> None:
    for rel, text in spec.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def found(paths, exclude=(), warnings=None) -> list[str]:
    warn = warnings.append if warnings is not None else (lambda m: pytest.fail(f"unexpected warning: {m}"))
    return [c.display for c in discover(paths, tuple(exclude), warn=warn)]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_gitignore_levels_and_negations(tree):
    files(tree, {
        ".gitignore": "*.log\n!keep.log\nbuild/\n/top-only.txt\n# a comment\n\\#hash.txt\n",
        "a.log": "", "keep.log": "", "top-only.txt": "", "#hash.txt": "", "x.txt": "",
        "build/Dockerfile": "", "sub/build/Dockerfile": "",
        "sub/top-only.txt": "", "sub/deep/keep.log": "", "sub/deep/other.log": "",
        "sub/.gitignore": "secret*\n!secret-ok.yaml\n*.md\n",
        "sub/secret.yaml": "", "sub/secret-ok.yaml": "", "sub/README.md": "",
        "sub/inner/.gitignore": "!README.md\n", "sub/inner/README.md": "", "sub/inner/secret.txt": "",
        "other/README.md": "",
    })
    assert found(["."]) == [
        ".gitignore", "keep.log", "x.txt",
        "other/README.md",
        "sub/.gitignore", "sub/secret-ok.yaml", "sub/top-only.txt",
        "sub/deep/keep.log",
        "sub/inner/.gitignore", "sub/inner/README.md",
    ]


def test_negation_cannot_reinclude_below_an_ignored_folder(tree):
    files(tree, {".gitignore": "gen/\n!gen/keep.yaml\n", "gen/keep.yaml": "", "ok.yaml": ""})
    assert found(["."]) == [".gitignore", "ok.yaml"]


def test_git_folder_is_never_entered(tree):
    files(tree, {".git/config": "", ".git/hooks/pre-commit": "", "src/.git": "gitdir: x\n", "a.txt": ""})
    assert found(["."]) == ["a.txt"]


def test_gitignore_above_the_walked_folder_applies_inside_a_checkout(tree):
    files(tree, {".git/HEAD": "", ".gitignore": "*.gen.yaml\n", "svc/a.gen.yaml": "", "svc/b.yaml": ""})
    assert found(["svc"]) == ["svc/b.yaml"]


def test_gitignore_above_does_not_apply_outside_a_checkout(tree):
    files(tree, {".gitignore": "*.gen.yaml\n", "svc/a.gen.yaml": "", "svc/b.yaml": ""})
    assert found(["svc"]) == ["svc/a.gen.yaml", "svc/b.yaml"]


def test_named_ignored_folder_is_walked(tree):
    files(tree, {".git/HEAD": "", ".gitignore": "build/\n", "build/Dockerfile": "", "build/x/y.sh": ""})
    assert found(["build"]) == ["build/Dockerfile", "build/x/y.sh"]
    assert found(["."]) == [".gitignore"]


def test_named_files_are_always_candidates(tree):
    files(tree, {".gitignore": "*.log\n", "run.log": "", "vendor/x.yaml": ""})
    cands = list(discover(["run.log", "vendor/x.yaml"], ("vendor/",), warn=pytest.fail))
    assert [(c.display, c.explicit) for c in cands] == [("run.log", True), ("vendor/x.yaml", True)]


def test_exclude_globs(tree):
    files(tree, {"vendor/a.yaml": "", "src/vendor/b.yaml": "", "src/c.gen.yaml": "", "src/d.yaml": "",
                 "docs/e.md": "", "src/docs/f.md": ""})
    assert found(["."], ["vendor/", "*.gen.yaml", "/docs"]) == ["src/d.yaml", "src/docs/f.md"]
    assert found(["src"], ["src/vendor"]) == ["src/c.gen.yaml", "src/d.yaml", "src/docs/f.md"]


def test_each_file_once(tree):
    files(tree, {"a/x.yaml": "", "a/b/y.yaml": "", "z.yaml": ""})
    assert found([".", "a", "a/b/y.yaml", "./z.yaml", "z.yaml"]) == ["a/b/y.yaml", "z.yaml", "a/x.yaml"]
    assert found(["a/b", "a"]) == ["a/b/y.yaml", "a/x.yaml"]


def test_absolute_paths_stay_absolute(tree):
    files(tree, {"d/x.yaml": ""})
    assert found([str(tree / "d")]) == [str(tree / "d" / "x.yaml")]
    assert found(["./d/../d"]) == ["d/x.yaml"]


def test_symlink_out_of_the_tree_is_warned_and_not_followed(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "Dockerfile").write_text("FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n")
    files(tree, {"repo/a.yaml": ""})
    os.symlink(outside / "Dockerfile", tree / "repo" / "Dockerfile")
    os.symlink(outside, tree / "repo" / "ext")
    warnings: list[str] = []
    assert found(["repo"], warnings=warnings) == ["repo/a.yaml"]
    assert warnings == ["repo/Dockerfile: warning: symlink leaves the tree; not followed",
                        "repo/ext: warning: symlink leaves the tree; not followed"]


def test_named_symlink_is_followed_and_reported_by_its_real_path(tree, tmp_path_factory):
    """CONTRACT.md "Bad input": a named symlink (to a file or a folder, in or out of the current
    directory) is followed and its real path reported; so is a named path through a symlink, with
    ``..`` resolved through the file system (never by string)."""
    outside = tmp_path_factory.mktemp("outside")
    (outside / "Dockerfile").write_text("x\n")
    (outside / "sub").mkdir()
    (outside / "sub" / "compose.yaml").write_text("x\n")
    os.symlink(outside / "Dockerfile", tree / "Dockerfile")
    os.symlink(outside / "sub", tree / "linkdir")
    rel = os.path.relpath(outside, tree)
    assert rel.startswith("../")
    warnings: list[str] = []
    assert found(["Dockerfile"], warnings=warnings) == [f"{rel}/Dockerfile"]
    assert found(["linkdir"], warnings=warnings) == [f"{rel}/sub/compose.yaml"]
    assert found(["linkdir/compose.yaml"], warnings=warnings) == [f"{rel}/sub/compose.yaml"]
    # the link, then its parent: the folder outside, not the current directory
    assert found(["linkdir/../Dockerfile"], warnings=warnings) == [f"{rel}/Dockerfile"]
    assert found([str(tree / "linkdir")], warnings=warnings) == [str(outside / "sub" / "compose.yaml")]
    assert warnings == []


def test_the_tree_is_the_set_of_named_real_paths(tree, tmp_path_factory):
    """A link met by the walk that points into another named path stays in the tree (skipped
    silently: that path's own walk reaches its target); one that leaves every named path is warned
    about once and never followed."""
    other = tmp_path_factory.mktemp("other")
    (other / "Dockerfile").write_text("x\n")
    files(tree, {"repo/a.yaml": ""})
    os.symlink(other / "Dockerfile", tree / "repo" / "Dockerfile")
    warnings: list[str] = []
    assert found(["repo", str(other)], warnings=warnings) == ["repo/a.yaml", str(other / "Dockerfile")]
    assert warnings == []
    assert found(["repo"], warnings=warnings) == ["repo/a.yaml"]
    assert warnings == ["repo/Dockerfile: warning: symlink leaves the tree; not followed"]


def test_temporary_files_of_the_writer_are_never_candidates(tree):
    files(tree, {".tdm-123-abc_xyz9.tmp": "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n",
                 ".tdm-oldstyle1.tmp": "", "d/.tdm-9-x.tmp": "", "d/Dockerfile": "", ".tdm-notes.txt": ""})
    assert found(["."]) == [".tdm-notes.txt", "d/Dockerfile"]


def test_symlink_inside_the_tree_reaches_its_target_once(tree):
    files(tree, {"real/Dockerfile": ""})
    os.symlink("real/Dockerfile", tree / "Dockerfile")
    os.symlink("real", tree / "alias")
    assert found(["."]) == ["real/Dockerfile"]
    # named: resolved, processed (and written) as its target
    assert found(["Dockerfile", "real/Dockerfile"]) == ["real/Dockerfile"]


def test_symlink_loop_terminates(tree):
    files(tree, {"a/x.yaml": ""})
    os.symlink("..", tree / "a" / "up")
    os.symlink("loop2", tree / "loop1")
    os.symlink("loop1", tree / "loop2")
    os.symlink(tree / "a", tree / "a" / "self")
    # links that stay inside the tree (even circular ones) are skipped without a word
    assert found(["."]) == ["a/x.yaml"]


def test_fifo_is_not_a_candidate(tree):
    files(tree, {"a.yaml": ""})
    os.mkfifo(tree / "pipe")
    assert found(["."]) == ["a.yaml"]


# --- which handler owns a file (CONTRACT.md table; first match wins) ----------------------------
from triton_docker_migrate import kinds  # noqa: E402

K8S = b"apiVersion: apps/v1\nkind: Deployment\n"


@pytest.mark.parametrize("path, head, kind", [
    ("Dockerfile", b"", "dockerfile"),
    ("svc/Dockerfile.gpu", b"", "dockerfile"),
    ("svc/server.Dockerfile", b"", "dockerfile"),
    ("svc/server.dockerfile", b"", "dockerfile"),
    ("Containerfile.dev", b"", "dockerfile"),
    ("Dockerfile.j2", b"", "text"),
    ("Dockerfile.in", b"", "text"),
    ("Containerfile.tmpl", b"", "text"),
    ("docker-compose.yml", b"", "compose"),
    ("docker-compose.prod.yaml", b"", "compose"),
    ("compose.yaml", K8S, "compose"),
    ("compose-override.yml", b"", "compose"),
    ("docker-compose.json", b"", "text"),
    (".github/workflows/ci.yml", b"", "ci"),
    ("repo/.github/workflows/ci.yaml", K8S, "ci"),
    ("repo/.github/ci.yaml", b"", "text"),
    (".gitlab-ci.yml", b"", "ci"),
    ("deploy/app.yaml", K8S, "kubernetes"),
    ("deploy/app.json", b'{\n  "apiVersion": "v1",\n  "kind": "Pod"\n}', "kubernetes"),
    ("deploy/min.json", b'{"apiVersion":"v1","kind":"Pod"}', "kubernetes"),
    ("deploy/list.yml", b"---\n# c\napiVersion: v1\nkind: List\n", "kubernetes"),
    # a byte-order mark before the first key (an editor on Windows): the same manifest
    ("deploy/bom.yaml", b"\xef\xbb\xbfapiVersion: v1\r\nkind: Pod\r\n", "kubernetes"),
    ("gae/bom.yaml", b"\xef\xbb\xbfruntime: custom\r\nenv: flex\r\n", "kubernetes"),
    ("deploy/app.yaml", b"apiVersion: v2\nname: x\n", "text"),
    # a JSON 6902 patch kept in a file of its own (a kustomization names its target)
    ("overlays/prod/probes.yaml", b"# probes\n- op: add\n  path: /spec/template/spec/containers/0/readinessProbe\n",
     "kubernetes"),
    ("overlays/prod/probes.json", b'[\n  {"op": "add", "path": "/spec/template"}]', "kubernetes"),
    ("deploy/list.yaml", b"- name: a\n  path: /x\n", "text"),
    ("deploy/mounts.yaml", b"- path: /x\n  name: a\n", "text"),
    ("overlays/a/patch.yaml", b"- path: /spec/template/spec/containers/0/args\n  op: replace\n", "kubernetes"),
    ("deploy/ops.txt", b"- op: add\n", "text"),
    # App Engine flexible, a custom runtime: read as YAML for the checks it sends to the Dockerfile's image
    ("gae/app.yaml", b"runtime: custom\nenv: flex\nreadiness_check:\n  path: /api/health/ready\n", "kubernetes"),
    ("gae/ranker.yaml", b"# c\nenv: 'flexible'\nruntime: \"custom\"  # built here\n", "kubernetes"),
    ("gae/app.yaml", b"runtime: python\nenv: flex\n", "text"),  # App Engine builds the image itself
    ("gae/app.yaml", b"runtime: custom\nenv: standard\n", "text"),
    ("gae/app.txt", b"runtime: custom\nenv: flex\n", "text"),
    ("deploy/my-values.yaml", b"image:\n  repository: nvcr.io/nvidia/tensorrtserver\n  tag: 20.02-py3\n", "helm-values"),
    ("deploy/my-values.yaml", K8S + b"image: x\n", "kubernetes"),
    ("deploy/values.yml", b"image:\n  repository: x\n", "text"),
    ("deploy/settings.yaml", b"image:\n  repository: x\n", "text"),
    ("models/m/config.pbtxt", b"", "model-config"),
    ("run.sh", b"", "shell"),
    ("lib.bash", b"", "shell"),
    ("bin/serve", b"#!/bin/bash\n", "shell"),
    ("bin/serve", b"#!/usr/bin/env sh\n", "shell"),
    ("bin/serve", b"#!/usr/bin/env -S bash -e\n", "shell"),
    ("bin/serve", b"#! /bin/dash\n", "shell"),
    ("bin/serve", b"#!/bin/zsh -f\n", "shell"),
    ("bin/serve", b"#!/usr/bin/python3\n", "text"),
    ("bin/serve", b"#!/bin/shellcheck\n", "text"),
    ("Makefile", b"", "makefile"),
    ("GNUmakefile", b"", "makefile"),
    ("sub/makefile", b"", "makefile"),
    ("rules.mk", b"", "makefile"),
    ("README.md", b"", "text"),
    ("Tiltfile", b"", "python"),
    ("infra/terraform.tfvars", b"", "hcl"),
    ("envs/prod.auto.tfvars", b"", "hcl"),
    ("dev/triton.tiltfile", b"", "python"),
    ("tiltfile.md", b"", "text"),
])
def test_kind_of(path, head, kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kinds.forget_charts()
    assert kinds.kind_of(path, head) == kind


def test_helm_chart_kinds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kinds.forget_charts()
    files(tmp_path, {"charts/inf/Chart.yaml": "apiVersion: v2\n", "charts/inf/values.yaml": "",
                     "charts/inf/values-prod.yaml": "", "charts/inf/templates/deploy.yaml": "",
                     "charts/inf/templates/sub/svc.yaml": "", "charts/inf/ci/values.yaml": "",
                     "charts/inf/docker-compose.yaml": "", "other/templates/x.yaml": ""})
    assert kinds.kind_of("charts/inf/values.yaml", b"") == "helm-values"
    assert kinds.kind_of("charts/inf/values-prod.yaml", b"") == "helm-values"
    assert kinds.kind_of("charts/inf/templates/deploy.yaml", K8S) == "helm-template"
    assert kinds.kind_of("charts/inf/templates/sub/svc.yaml", b"") == "helm-template"
    assert kinds.kind_of(str(tmp_path / "charts/inf/templates/deploy.yaml"), b"") == "helm-template"
    assert kinds.kind_of("charts/inf/ci/values.yaml", b"") == "text"  # not at the chart's top
    assert kinds.kind_of("charts/inf/docker-compose.yaml", b"") == "compose"  # rule 2 comes first
    assert kinds.kind_of("other/templates/x.yaml", K8S) == "kubernetes"  # no Chart.yaml above


def test_files_a_compose_file_extends_or_includes_are_compose(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kinds.forget_charts()
    files(tmp_path, {
        "docker-compose.yml": "services:\n  a:\n    extends: {file: common.yml, service: base}\n",
        "app/compose.yaml": "include:\n  - ../infra/db.yaml\n  - path: [../infra/gpu.yml]\n"
                            "services:\n  b:\n    extends:\n      file: ../shared/${BASE:-base}.yml\n      service: x\n",
        "common.yml": "", "infra/db.yaml": "", "infra/gpu.yml": "", "shared/base.yml": "",
        "notes.yml": "", "infra/other.yml": ""})
    for path in ("common.yml", "infra/db.yaml", "infra/gpu.yml", "shared/base.yml"):
        assert kinds.kind_of(path, b"services: {}\n") == "compose", path
    assert kinds.kind_of("notes.yml", b"a: 1\n") == "text"  # named by no compose file
    assert kinds.kind_of("infra/other.yml", b"a: 1\n") == "text"
    assert kinds.kind_of("infra/gpu.yml", K8S) == "kubernetes"  # the table's rows come first


def test_entrypoint_sources():
    df = (b"FROM x\nCOPY --chown=1000 --chmod=755 serve run.sh /usr/local/bin/\n"
          b"ADD entry /entry\nCOPY lib/helper /opt/helper\n"
          b'ENTRYPOINT ["/sbin/tini", "--", "/entry"]\nCMD /usr/local/bin/serve --port 8000\n')
    assert kinds.entrypoint_sources("Dockerfile", df) == ["serve", "entry"]
    assert kinds.entrypoint_sources("Dockerfile", b"FROM x\nCOPY serve /serve\n") == []


def test_gitignore_patterns_in_a_fresh_interpreter():
    """Ignore patterns read through pathspec's public API, in a process that imported nothing else."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from triton_docker_migrate.discover import IgnoreFile\n"
        "ig = IgnoreFile('/r', ['build/', '*.log', '!keep.log'])\n"
        "assert ig.match('/r/build', True) is True and ig.match('/r/keep.log', False) is False\n"
        "assert ig.match('/r/x.log', False) is True and ig.match('/r/src', True) is None\n"
        "print('ok')\n")
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, "ok\n", "")
