"""``--format markdown`` (the pull-request body for campaign engines) read back through a real
CommonMark parser (markdown-it-py, with GitHub's tables): its headings, summary table, one folded
diff per changed file, findings grouped by rule with links that resolve to docs/rules/, the rollout
section, escaping of what comes from the tree, and GitHub's 65,536-character body limit.
Also ``rules --format json``."""

from __future__ import annotations

import json
import pathlib
import re

import pytest
from markdown_it import MarkdownIt

from triton_docker_migrate import __version__
from triton_docker_migrate.report import markdown

from conftest import cli

ROOT = pathlib.Path(__file__).resolve().parent.parent
MD = MarkdownIt("commonmark").enable("table")

V1 = 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
V2 = ('FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCMD ["tritonserver", "--model-repository=/models", '
      '"--model-control-mode=poll", "--disable-auto-complete-config"]\n')
CHECKLIST = [
    "[ ] Migrate the clients and the servers together, or keep a V1 server running beside the V2 one until "
    "every client speaks V2 (V2 serves none of V1's /api/ endpoints).",
    "[ ] Validate the V2 deployment in a test environment before production.",
    "[ ] Measure the V2 server with perf_analyzer and compare with the V1 server's figures (perf_analyzer speaks "
    "only V2; V1's perf_client measures the V1 server).",
]
WEIRD = "we*ird_[x]<b>`.Dockerfile"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(V1)
    # TDM104 (warning, no fix); `_x_` would be emphasis if the message were not escaped
    (tmp_path / "svc" / "img.Dockerfile").write_text("FROM nvcr.io/nvidia/tensorrtserver:_x_\n")
    (tmp_path / "svc" / "bad.Dockerfile").write_bytes(b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n\xff\n")
    (tmp_path / WEIRD).write_text("FROM nvcr.io/nvidia/tensorrtserver:latest\n")
    (tmp_path / "README.md").write_text("hello\n")
    return tmp_path


# --- reading the parsed document ----------------------------------------------------------------

def text_of(inline) -> str:
    """The visible text of an inline token (code spans' content included, markup left out)."""
    return "".join(c.content for c in inline.children or () if c.type in ("text", "code_inline", "softbreak"))


def headings(tokens) -> list[tuple[str, str]]:
    return [(t.tag, text_of(tokens[i + 1])) for i, t in enumerate(tokens) if t.type == "heading_open"]


def section(tokens, title: str) -> list:
    """The tokens after the h2/h3 heading ``title`` up to the next heading of the same or a higher level."""
    for i, t in enumerate(tokens):
        if t.type == "heading_open" and text_of(tokens[i + 1]) == title:
            out = []
            for u in tokens[i + 3:]:
                if u.type == "heading_open" and u.tag <= t.tag:
                    break
                out.append(u)
            return out
    raise AssertionError(f"no heading {title!r}")


def table_rows(tokens) -> list[list[str]]:
    rows, row = [], None
    for i, t in enumerate(tokens):
        if t.type == "tr_open":
            row = []
        elif t.type in ("th_open", "td_open"):
            row.append(text_of(tokens[i + 1]))
        elif t.type == "tr_close":
            rows.append(row)
    return rows


def list_items(tokens) -> list[str]:
    """The text of each top-level list item's paragraph."""
    return [text_of(tokens[i + 2]) for i, t in enumerate(tokens) if t.type == "list_item_open" and t.level in (1, 0)
            and tokens[i + 1].type == "paragraph_open"]


def details(tokens) -> list[tuple[str, str | None, str | None]]:
    """Each <details> block: (its opening HTML with the summary, the fence's info string or None,
    the fence's content or the paragraph's text), checking each one is closed."""
    out = []
    for i, t in enumerate(tokens):
        if t.type == "html_block" and t.content.startswith("<details>"):
            body = tokens[i + 1]
            if body.type == "fence":
                out.append((t.content, body.info, body.content))
                close = tokens[i + 2]
            else:
                assert body.type == "paragraph_open"
                out.append((t.content, None, text_of(tokens[i + 2])))
                close = tokens[i + 4]
            assert close.type == "html_block" and close.content == "</details>\n"
    return out


def links(tokens) -> list[str]:
    return [c.attrGet("href") for t in tokens if t.type == "inline" for c in t.children or () if c.type == "link_open"]


def github_anchors(path: pathlib.Path) -> set[str]:
    """The anchors GitHub gives the headings of a markdown file."""
    out = set()
    for tag, text in headings(MD.parse(path.read_text(encoding="utf-8"))):
        out.add(re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-"))
    return out


def assert_links_resolve(tokens) -> list[str]:
    hrefs = links(tokens)
    for href in hrefs:
        path, _, anchor = href.partition("#")
        assert not path.startswith(("/", "http")), href  # relative to the repository root
        target = ROOT / path
        assert target.is_file(), href
        assert anchor in github_anchors(target), href
    return hrefs


def expected_table(summary: dict, written: bool) -> list[list[str]]:
    f = summary["findings"]
    return [["summary", "value"],
            ["files scanned", str(summary["files_scanned"])],
            ["files with V1", str(summary["files_with_v1"])],
            ["files changed" if written else "files that would change", str(summary["files_changed"])],
            ["files that could not be processed", str(summary["files_failed"])],
            ["findings: error", str(f["error"])], ["findings: warning", str(f["warning"])],
            ["findings: info", str(f["info"])],
            ["target release", "24.10 (server 2.51.0)"],
            ["tool", f"triton-docker-migrate {__version__}"]]


# --- the report ---------------------------------------------------------------------------------

def test_check_mode_report_structure(tree, capsys):
    code, out, err = cli(capsys, "migrate", "--check", "--format", "markdown", ".")
    assert code == 2  # bad.Dockerfile
    _, js, _ = cli(capsys, "migrate", "--diff", "--check", "--format", "json", ".")
    report = json.loads(js)
    tokens = MD.parse(out)
    assert headings(tokens) == [
        ("h2", "Triton V1 → V2 migration"),
        ("h3", "Files that would change (1)"),
        ("h3", "Needs review (3 findings)"),
        ("h4", "TDM001 unprocessable-file (1 error)"),
        ("h4", "TDM104 v1-image-unknown-tag (2 warnings)"),
        ("h3", "Rollout"),
    ]
    assert out.splitlines()[2] == (
        f"What triton-docker-migrate {__version__} would change to migrate from Triton V1 (TensorRT Inference "
        "Server) to Triton V2 for target release **24.10** (Triton server 2.51.0); nothing was written.")
    assert table_rows(tokens) == expected_table(report["summary"], written=False)
    assert report["summary"]["files_changed"] == 1 and report["summary"]["files_failed"] == 1
    # one folded diff per changed file: the very diff --diff prints
    [(opening, info, body)] = details(tokens)
    assert opening == ("<details>\n<summary><code>svc/Dockerfile</code> · dockerfile · 5 fixes "
                       "(TDM101, TDM202, TDM301, TDM310, TDM314)</summary>\n")
    assert info == "diff"
    assert body == next(f["diff"] for f in report["files"] if f["path"] == "svc/Dockerfile")
    # what needs a person, by rule, each with its position, message and suggestion
    review = section(tokens, "Needs review (3 findings)")
    assert list_items(review) == [
        "svc/bad.Dockerfile:2 invalid UTF-8 (byte 45)",
        "svc/img.Dockerfile:1:6 nvcr.io/nvidia/tensorrtserver:_x_: tag '_x_' is not a release tag; the V2 image is "
        "tritonserver:24.10-py3 (or a variant such as -py3-sdk, -py3-min) — suggestion: "
        "nvcr.io/nvidia/tritonserver:24.10-py3",
        f"{WEIRD}:1:6 nvcr.io/nvidia/tensorrtserver:latest: tag 'latest' is not a release tag; the V2 image is "
        "tritonserver:24.10-py3 (or a variant such as -py3-sdk, -py3-min) — suggestion: "
        "nvcr.io/nvidia/tritonserver:24.10-py3",
    ]
    warnings = [f for f in report["findings"] if f["severity"] != "info"]
    assert len(list_items(review)) == len(warnings)
    assert assert_links_resolve(tokens) == ["docs/rules/tool.md#tdm001", "docs/rules/images.md#tdm104"]
    # the run moves a server: its run-level notes (rollout order, host driver) are the section
    assert list_items(section(tokens, "Rollout")) == [
        f"{f['message']} ({f['path']}:{f['line']}:{f['column']})" for f in report["findings"]
        if f["rule"] in ("TDM604", "TDM709")]


def test_in_place_report_describes_what_was_written(tree, capsys):
    (tree / "svc" / "bad.Dockerfile").unlink()
    code, out, err = cli(capsys, "migrate", "--format", "markdown", ".")
    assert code == 0 and (tree / "svc" / "Dockerfile").read_text() == V2
    tokens = MD.parse(out)
    assert [h for _, h in headings(tokens)][:3] == ["Triton V1 → V2 migration", "Changed files (1)",
                                                    "Needs review (2 findings)"]
    assert out.splitlines()[2] == (
        f"Migrated from Triton V1 (TensorRT Inference Server) to Triton V2 by triton-docker-migrate {__version__} "
        "for target release **24.10** (Triton server 2.51.0).")
    assert table_rows(tokens)[3] == ["files changed", "1"]
    [(_, info, body)] = details(tokens)
    from triton_docker_migrate.report.diff import unified_diff

    assert info == "diff" and body == unified_diff("svc/Dockerfile", V1.encode(), V2.encode())


def test_nothing_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM nvcr.io/nvidia/tritonserver:24.10-py3\n")
    code, out, err = cli(capsys, "migrate", "--check", "--format", "markdown", ".")
    assert code == 0
    tokens = MD.parse(out)
    assert [h for _, h in headings(tokens)] == ["Triton V1 → V2 migration", "Files that would change (0)",
                                                "Needs review (0 findings)", "Rollout"]
    assert "No file would change.\n" in out
    assert "Nothing needs a person: every finding is a mechanical change.\n" in out
    assert details(tokens) == []


def test_rollout_shows_the_run_level_findings(tree, capsys):
    """Run-level findings (rules declared ``run_level``: the rollout order TDM604 and the host driver TDM709,
    info on the run's first migrated server line) replace the checklist."""
    code, out, err = cli(capsys, "migrate", "--check", "--format", "markdown", "svc/Dockerfile")
    assert code == 1
    _, js, _ = cli(capsys, "migrate", "--check", "--format", "json", "svc/Dockerfile")
    notes = [f for f in json.loads(js)["findings"] if f["rule"] in ("TDM604", "TDM709")]
    tokens = MD.parse(out)
    assert [n["rule"] for n in notes] == ["TDM604", "TDM709"]
    assert list_items(section(tokens, "Rollout")) == [f"{n['message']} (svc/Dockerfile:1:6)" for n in notes]


def test_rollout_is_the_checklist_when_no_server_moves(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM python:3.8-slim\nRUN pip install tensorrtserver==1.10.0\n")
    code, out, err = cli(capsys, "migrate", "--check", "--format", "markdown", ".")
    assert code == 1
    assert list_items(section(MD.parse(out), "Rollout")) == CHECKLIST


def test_what_comes_from_the_tree_is_escaped(tree, capsys):
    """A name with markup characters is literal text: no tag, no link, no emphasis appears."""
    code, out, err = cli(capsys, "migrate", "--check", "--format", "markdown", ".")
    tokens = MD.parse(out)
    inline = [c for t in tokens if t.type == "inline" for c in t.children or ()]
    assert {c.type for c in inline} <= {"text", "code_inline", "strong_open", "strong_close", "em_open",
                                        "em_close", "link_open", "link_close", "softbreak"}
    assert not any(c.type == "em_open" for c in inline)
    assert [c.type for c in inline if c.type == "strong_open"] == ["strong_open"]  # the target release
    assert len(links(tokens)) == 2  # the two rule links, nothing from the tree
    assert f"{WEIRD}:1:6" in [c.content for c in inline if c.type == "code_inline"]
    # in the <summary> HTML a name is escaped for HTML
    (tree / "svc" / "bad.Dockerfile").unlink()
    (tree / WEIRD).write_text(V1)
    code, out, err = cli(capsys, "migrate", "--check", "--format", "markdown", WEIRD)
    [(opening, _, _)] = details(MD.parse(out))
    assert opening.startswith("<details>\n<summary><code>we*ird_[x]&lt;b&gt;`.Dockerfile</code> · dockerfile")


def test_a_diff_holding_backtick_fences_stays_in_its_block(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.sh").write_text("#!/bin/sh\n# ````\n# ```diff\ntrtserver --model-store=/models\n")
    code, out, err = cli(capsys, "migrate", "--check", "--format", "markdown", ".")
    assert code == 1
    [(_, info, body)] = details(MD.parse(out))
    assert info == "diff" and "# ````\n" in body and body.endswith("+tritonserver --model-repository=/models "
                                                                    "--model-control-mode=poll "
                                                                    "--disable-auto-complete-config\n")


# --- GitHub's body limit ------------------------------------------------------------------------

def big_tree(root: pathlib.Path, changed: int, warned: int) -> None:
    """``changed`` V1 Dockerfiles, each with a long diff, and ``warned`` files with one TDM104 each."""
    body = "".join(f"RUN ln -s /opt/tensorrtserver/lib/libstep{k}.so /usr/lib/libstep{k}.so\n" for k in range(12))
    for i in range(changed):
        d = root / f"svc{i:03d}"
        d.mkdir()
        (d / "Dockerfile").write_text(f"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n{body}"
                                      f'CMD ["trtserver", "--model-store=/models/{i}"]\n')
    for i in range(warned):
        (root / f"w{i:03d}.Dockerfile").write_text("FROM nvcr.io/nvidia/tensorrtserver:latest\n")


def review_groups(tokens) -> dict[str, tuple[int, int]]:
    """Under "Needs review": rule -> (findings listed, the N of "… and N more")."""
    out = {}
    for i, t in enumerate(tokens):
        if t.type == "heading_open" and t.tag == "h4":
            rule = text_of(tokens[i + 1]).split()[0]
            items = list_items(section(tokens, text_of(tokens[i + 1])))
            more = [int(re.fullmatch(r"… and (\d+) more, not listed here\.", x).group(1)) for x in items
                    if x.startswith("…")]
            out[rule] = (len([x for x in items if not x.startswith("…")]), sum(more))
    return out


def test_a_large_run_fits_githubs_limit_and_says_what_was_cut(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    big_tree(tmp_path, changed=80, warned=20)
    code, out, err = cli(capsys, "migrate", "--check", "--format", "markdown", ".")
    assert code == 1
    assert len(out) <= 65_536 and len(out.encode("utf-16-le")) // 2 <= 65_536
    tokens = MD.parse(out)
    blocks = details(tokens)
    assert len(blocks) == 80  # every changed file is listed; diffs went first
    shown = [b for b in blocks if b[1] == "diff"]
    assert 0 < len(shown) < 80
    # the diffs kept are the first ones in path order (they are all about as long)
    assert [b[0] for b in shown] == [b[0] for b in blocks[:len(shown)]]
    assert all(b[2] == "Diff left out to keep this report within GitHub's size limit (see the note at the top)."
               for b in blocks[len(shown):])
    # every finding that needs a person is still listed: TDM703 (base image) per Dockerfile, TDM104
    assert review_groups(tokens) == {"TDM703": (80, 0), "TDM104": (20, 0)}
    note = text_of(next(tokens[i + 2] for i, t in enumerate(tokens) if t.type == "blockquote_open"))
    assert note == (f"Shortened to fit GitHub's limit of 65,536 characters; left out: the diffs of {80 - len(shown)} "
                    "files. To see it all, run triton-docker-migrate migrate --diff on the same paths: it prints "
                    "every diff and every finding.")
    # the full report would not have fitted
    from triton_docker_migrate.batch.run import process_all
    from triton_docker_migrate.settings import Settings, WriteBack

    settings = Settings(write_back=WriteBack.CHECK, output_format="markdown", jobs=1)
    results = process_all(["."], settings)
    assert len(markdown.render_limited(results, settings, 10**7)) > 65_536


@pytest.fixture(scope="module")
def big_results(tmp_path_factory):
    import os

    from triton_docker_migrate.batch.run import process_all
    from triton_docker_migrate.settings import Settings, WriteBack

    root = tmp_path_factory.mktemp("big")
    big_tree(root, changed=40, warned=60)
    old = os.getcwd()
    os.chdir(root)
    try:
        settings = Settings(write_back=WriteBack.CHECK, output_format="markdown", jobs=1)
        return process_all(["."], settings), settings
    finally:
        os.chdir(old)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@pytest.mark.parametrize("limit", [2_500, 3_000, 5_000, 8_000, 12_000, 20_000, 40_000, 65_536])
def test_what_is_cut_first(big_results, limit):
    """Diffs go first, then findings beyond ten per rule, then the list of changed files; whatever
    the limit, the report fits, parses, and the note counts exactly what is missing."""
    results, settings = big_results
    out = markdown.render_limited(results, settings, limit)
    assert markdown.size(out) <= limit
    tokens = MD.parse(out)
    blocks = details(tokens)
    diffs = sum(1 for b in blocks if b[1] == "diff")
    groups = review_groups(tokens)
    totals = {"TDM104": 60, "TDM703": 40}
    assert list(groups) == ["TDM104", "TDM703"]
    assert {rule: shown + more for rule, (shown, more) in groups.items()} == totals
    findings_cut = sum(more for _, more in groups.values())
    more_files = re.search(r"… and (\d+) more changed files?, not listed here", out)
    listed = len(blocks)
    assert listed + (int(more_files.group(1)) if more_files else 0) == 40
    if findings_cut:
        assert diffs == 0  # findings are cut only once no diff is left
    if listed < 40:  # the list of files goes before the tenth finding of a rule
        assert all(shown <= 10 for shown, _ in groups.values())
        assert all(shown == 10 for shown, _ in groups.values()) or listed == 0
    cut = []
    if diffs < listed:
        cut.append("the diffs of " + plural(listed - diffs, "file"))
    if findings_cut:
        cut.append(plural(findings_cut, "finding"))
    if listed < 40:
        cut.append(plural(40 - listed, "changed file"))
    if cut:
        what = ", ".join(cut[:-1]) + (" and " if len(cut) > 1 else "") + cut[-1]
        assert f"; left out: {what}. To see it all" in out
    else:
        assert "Shortened" not in out and diffs == 40


def test_the_cut_levels_are_all_reached(big_results):
    results, settings = big_results
    seen = set()
    for limit in range(2_000, 130_000, 2_000):
        out = markdown.render_limited(results, settings, limit)
        seen.add(("diffs" in out.split("left out:")[1].split(".")[0]) if "left out:" in out else "all")
        if "more changed file" in out:
            seen.add("files")
        if re.search(r"… and \d+ more, not listed here", out):
            seen.add("findings")
    assert seen == {"all", True, False, "files", "findings"}


def test_below_the_rule_headings_the_text_itself_is_cut(big_results):
    results, settings = big_results
    out = markdown.render_limited(results, settings, 1_000)
    assert markdown.size(out) <= 1_000 and out.endswith("\n\n*… cut here to fit GitHub's size limit.*\n")


# --- rules --format json ------------------------------------------------------------------------

def test_rules_json(capsys):
    from triton_docker_migrate.rules.registry import all_rules

    code, out, err = cli(capsys, "rules", "--format", "json")
    assert code == 0 and err == ""
    rules = json.loads(out)
    assert [r["id"] for r in rules] == [r.id for r in all_rules()]
    by_id = {r["id"]: r for r in rules}
    assert by_id["TDM101"] == {
        "id": "TDM101", "name": "v1-server-image", "family": "images", "severity": "info", "fix": "always",
        "summary": "V1 server image -> tritonserver of the target release", "min_target": None, "max_target": None,
        "docs": "docs/rules/images.md#tdm101"}
    for r, rule in zip(rules, all_rules()):
        assert set(r) == {"id", "name", "family", "severity", "fix", "summary", "min_target", "max_target", "docs"}
        assert (r["name"], r["family"], r["severity"], r["fix"], r["summary"], r["min_target"], r["max_target"]) == (
            rule.name, rule.family, rule.severity.value, rule.fix.value, rule.summary, rule.min_target,
            rule.max_target)
        path, _, anchor = r["docs"].partition("#")
        assert (ROOT / path).is_file() and anchor in github_anchors(ROOT / path)
    code, out, err = cli(capsys, "rules")
    assert code == 0 and out.splitlines()[0].startswith("TDM001  unprocessable-file")
    code, out, err = cli(capsys, "rules", "--format", "sarif")
    assert code == 2 and out == "" and err == "triton-docker-migrate: error: rules --format must be text or json\n"
