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


def test_named_symlink_out_of_the_tree_is_refused(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "Dockerfile").write_text("x\n")
    os.symlink(outside / "Dockerfile", tree / "Dockerfile")
    warnings: list[str] = []
    assert found(["Dockerfile"], warnings=warnings) == []
    assert warnings == ["Dockerfile: warning: symlink leaves the tree; not followed"]


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
