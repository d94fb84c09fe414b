"""docs/ci.md, docs/campaigns.md and the README can be followed as written: nothing installs the
tool by its name from PyPI (it is not published), the install commands of docs/ci.md work when the
placeholders are filled in (run for real, with pip, into a fresh virtual environment), the workflow
snippets use only the action's inputs and outputs, and every relative link resolves."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

from markdown_it import MarkdownIt
from ruamel.yaml import YAML

from actionrunner import ACTION
from gitrepo import ROOT, snapshot_of_this_checkout

MD = MarkdownIt("commonmark").enable("table")
DOCS = [ROOT / "README.md", ROOT / "docs" / "ci.md", ROOT / "docs" / "campaigns.md"]
TEXTS = DOCS + [ROOT / "action.yml", *sorted((ROOT / "examples" / "campaigns").iterdir())]
REPO_URL = "https://github.com/<owner>/<repo>"


def blocks(path: pathlib.Path, lang: str) -> list[str]:
    return [t.content for t in MD.parse(path.read_text(encoding="utf-8")) if t.type == "fence" and t.info == lang]


def test_nothing_installs_the_tool_by_name_from_an_index():
    """`pip install triton-docker-migrate` (or with an extra) fails until the package is published:
    every install names a path, a wheel, or the repository (a direct reference)."""
    pip = re.compile(r"pip install ([^\n`]*)")
    seen = 0
    for path in TEXTS:
        text = path.read_text(encoding="utf-8")
        for m in pip.finditer(text):
            if text.startswith("` fails", m.end()):
                continue  # docs/ci.md says that this one fails
            args = re.split(r"&&|;|\|| #| >", m.group(1))[0]  # this command's own arguments
            if not re.search(r"triton[-_]docker[-_]migrate|\.\[|\"\$|^\.|git\+", args):
                continue  # another package (the README's `pip install tensorrtserver` is what gets migrated)
            seen += 1
            for word in re.findall(r"\"[^\"]*\"|'[^']*'|\S+", args):
                word = word.strip("\"'")
                if re.fullmatch(r"triton[-_]docker[-_]migrate(\[[\w,]+\])?", word):
                    raise AssertionError(f"{path.name}: `pip install {args}` installs from an index")
    assert seen == 12


def run_sh(script: str, cwd: pathlib.Path, venv: pathlib.Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": str(venv / "bin") + os.pathsep + os.environ["PATH"], "VIRTUAL_ENV": str(venv)}
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def test_the_install_commands_of_ci_md_work(tmp_path):
    """Each line of docs/ci.md's install block, placeholders filled with a snapshot of this checkout
    (a git repository reached by a file:// URL) and its commit sha, run in a fresh virtual environment."""
    sha = snapshot_of_this_checkout(tmp_path / "repo")
    [install] = [b for b in blocks(ROOT / "docs" / "ci.md", "sh") if "pip install" in b]
    commands = [line for line in install.splitlines() if line and not line.startswith("#")]
    assert commands == [
        'pip install "git+https://github.com/<owner>/<repo>@<ref>"',
        'pip install "triton-docker-migrate[hcl] @ git+https://github.com/<owner>/<repo>@<ref>"',
        "pip wheel --no-deps -w dist . && pip install dist/triton_docker_migrate-*.whl",
    ]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # a current pip, as CI images have (the pip bundled with an older Python refuses direct references
    # to file:// URLs, which stand in for the https one here)
    assert run_sh("python -m pip install --quiet --upgrade pip", tmp_path, venv).returncode == 0
    for command in commands:
        filled = command.replace(REPO_URL, f"file://{tmp_path / 'repo'}").replace("<ref>", sha)
        p = run_sh(filled + " --quiet --disable-pip-version-check", tmp_path / "repo", venv)
        assert p.returncode == 0, f"{filled}\n{p.stdout}\n{p.stderr}"
        p = run_sh("triton-docker-migrate --version", tmp_path, venv)
        assert p.returncode == 0 and p.stdout.startswith("triton-docker-migrate ")
    p = run_sh("python -c 'import tree_sitter_hcl'", tmp_path, venv)
    assert p.returncode == 0  # the [hcl] extra came with the second line


def steps_of(doc) -> list[dict]:
    if isinstance(doc, list):
        return doc
    return [s for job in doc.get("jobs", {}).values() for s in job.get("steps", [])]


def test_workflow_snippets_use_the_action_as_it_is():
    yaml = YAML(typ="safe")
    used = 0
    for path in (ROOT / "docs" / "ci.md", ROOT / "docs" / "campaigns.md"):
        for block in blocks(path, "yaml"):
            doc = yaml.load(block)
            for s in steps_of(doc) if isinstance(doc, (dict, list)) else []:
                if s.get("uses") == "<owner>/<repo>@<ref>":
                    used += 1
                    assert set(s.get("with", {})) <= set(ACTION["inputs"]), s
                    assert s["with"].get("mode", "check") in ("check", "diff", "fix")
                for value in (s.get("with") or {}).values():
                    for out in re.findall(r"steps\.tdm\.outputs\.([\w-]+)", str(value)):
                        assert out in ACTION["outputs"]
    assert used == 2


def test_pre_commit_snippet_names_the_shipped_hooks():
    yaml = YAML(typ="safe")
    hooks = {h["id"] for h in yaml.load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    [config] = [yaml.load(b) for b in blocks(ROOT / "docs" / "ci.md", "yaml") if "repos:" in b]
    [repo] = config["repos"]
    assert repo["repo"] == REPO_URL
    assert {h["id"] for h in repo["hooks"]} <= hooks


def test_relative_links_resolve():
    for path in DOCS:
        tokens = MD.parse(path.read_text(encoding="utf-8"))
        for t in tokens:
            for c in t.children or ():
                href = c.attrGet("href") if c.type == "link_open" else None
                if href and not re.match(r"[a-z]+:", href):
                    target = (path.parent / href.partition("#")[0]).resolve()
                    assert target.exists(), f"{path.name}: {href}"


def test_readme_points_at_ci_and_campaigns():
    tokens = MD.parse((ROOT / "README.md").read_text(encoding="utf-8"))
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "CI and campaigns" in headings
    i = headings.index("CI and campaigns")
    links = []
    start = [k for k, t in enumerate(tokens) if t.type == "heading_open"][i]
    for t in tokens[start + 3:]:
        if t.type == "heading_open":
            break
        links += [c.attrGet("href") for c in t.children or () if c.type == "link_open"]
    assert {"docs/ci.md", "docs/campaigns.md"} <= set(links)
