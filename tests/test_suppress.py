"""Suppression comments, exactly as CONTRACT.md describes them."""

from __future__ import annotations

import json

import pytest

from triton_docker_migrate.cli import main

IMG = "nvcr.io/nvidia/tensorrtserver:20.02-py3"


def run(capsys, tmp_path, name: str, text: str, *flags: str) -> tuple[dict, str]:
    """--check --format json over one file: (the report, the bytes it would write)."""
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["migrate", "--diff", "--format", "json", *flags, name])
    report = json.loads(capsys.readouterr().out)
    diff = report["files"][0]["diff"] if report["files"] else ""
    return report, diff


def plus_minus(diff: str) -> list[str]:
    return [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def col(text: str, line: int) -> int:
    """Column of the marker on ``line`` (1-based, code points)."""
    return text.splitlines()[line - 1].index("triton-docker-migrate") + 1


def rules(report) -> list[tuple[int, str]]:
    """The findings of the file (the run-level notes TDM604/TDM709 have their own tests, tests/test_run_level.py)."""
    return [(f["line"], f["rule"]) for f in report["findings"] if f["rule"] not in ("TDM604", "TDM709")]


@pytest.fixture(autouse=True)
def _cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_dockerfile_line_above_the_instruction(capsys, tmp_path):
    text = (f"# triton-docker-migrate: ignore[TDM101]\nFROM {IMG}\n"
            f"# triton-docker-migrate: ignore[TDM301]\n"
            'CMD ["trtserver", \\\n     "--model-store=/models"]\n')
    report, diff = run(capsys, tmp_path, "Dockerfile", text)
    assert (2, "TDM101") not in rules(report)
    assert all(r != "TDM301" for _, r in rules(report))  # the instruction spans two lines: one construct
    assert "TDM002" not in [r for _, r in rules(report)]
    # the suppressed findings' edits are gone too: the image and --model-store stay
    assert plus_minus(diff) == ['-CMD ["trtserver", \\', '-     "--model-store=/models"]',
                                '+CMD ["tritonserver", \\', '+     "--model-store=/models", \\',
                                '+     "--model-control-mode=poll", \\', '+     "--disable-auto-complete-config"]']


def test_dockerfile_comment_above_a_continuation_line_is_not_the_construct(capsys, tmp_path):
    text = (f"FROM {IMG}\n"
            'CMD ["trtserver", \\\n'
            "# triton-docker-migrate: ignore[TDM301]\n"
            '     "--model-store=/models"]\n')
    report, diff = run(capsys, tmp_path, "Dockerfile", text)
    assert (4, "TDM301") in rules(report)
    assert (3, "TDM002") in rules(report)
    f = [f for f in report["findings"] if f["rule"] == "TDM002"][0]
    assert (f["column"], f["end_column"], f["severity"]) == (3, 40, "warning")
    assert f["message"] == "unused suppression: TDM301 matches no finding of the line below"


def test_dockerfile_has_no_trailing_comments(capsys, tmp_path):
    text = f"FROM {IMG} # triton-docker-migrate: ignore[TDM101]\n"
    report, diff = run(capsys, tmp_path, "Dockerfile", text)
    assert [r for _, r in rules(report)].count("TDM101") == 1
    assert "TDM002" not in [r for _, r in rules(report)]  # not a comment at all, so not a suppression


def test_shell_trailing_and_above_a_continued_command(capsys, tmp_path):
    text = ("#!/bin/sh\n"
            "# triton-docker-migrate: ignore[TDM202]\n"
            "trtserver \\\n"
            "  --model-store=/models --model-control-mode=none\n"
            f"docker pull {IMG}  # triton-docker-migrate: ignore[TDM101]\n")
    report, diff = run(capsys, tmp_path, "run.sh", text)
    assert rules(report) == [(3, "TDM314"), (4, "TDM301")]
    assert plus_minus(diff) == ["-  --model-store=/models --model-control-mode=none",
                                "+  --model-repository=/models --model-control-mode=none --disable-auto-complete-config"]


def test_prefix_and_several_ids(capsys, tmp_path):
    text = ("#!/bin/sh\n"
            "trtserver --model-store=/models --api-version=2 --model-control-mode=none"
            "  # triton-docker-migrate: ignore[TDM3, TDM202]\n")
    report, diff = run(capsys, tmp_path, "run.sh", text)
    assert rules(report) == []
    assert [(f["path"], f["changed"]) for f in report["files"]] == [("run.sh", False)]  # named: listed
    assert diff == ""


def test_unused_ids_are_reported_at_the_comment(capsys, tmp_path):
    text = f"#!/bin/sh\ndocker pull {IMG}  # triton-docker-migrate: ignore[TDM101,TDM999,E501]\n"
    report, _ = run(capsys, tmp_path, "pull.sh", text)
    assert [(f["line"], f["column"], f["rule"], f["message"]) for f in report["findings"]] == [
        (2, col(text, 2), "TDM002", "unused suppression: TDM999, E501 match no finding on this line (E501: not a rule id)")]


def test_yaml_trailing_comment(capsys, tmp_path):
    text = (f"services:\n  triton:\n    image: {IMG}  # triton-docker-migrate: ignore[TDM101]\n"
            f"  sdk:\n    image: {IMG}\n")
    report, diff = run(capsys, tmp_path, "compose.yaml", text)
    assert rules(report) == [(5, "TDM101")]
    assert plus_minus(diff) == [f"-    image: {IMG}", "+    image: nvcr.io/nvidia/tritonserver:24.10-py3"]


def test_text_kind_any_comment_syntax(capsys, tmp_path):
    text = (f"<!-- triton-docker-migrate: ignore[TDM101] -->\ndocker pull {IMG}\n"
            f"docker pull {IMG} // triton-docker-migrate: ignore[TDM101]\n"
            f"docker pull {IMG}\n")
    report, _ = run(capsys, tmp_path, "NOTES.md", text)
    # prose: the image is reported as TDM003 info (CONTRACT.md); a suppression of TDM101 still covers it
    assert rules(report) == [(4, "TDM003")]
    assert "TDM101: V1 server image" in report["findings"][0]["message"]


def test_ignore_file_in_the_first_five_lines(capsys, tmp_path):
    head = "#!/bin/sh\n# a\n# b\n# c\n"
    report, diff = run(capsys, tmp_path, "a.sh", head + "# triton-docker-migrate: ignore-file\n"
                       f"docker pull {IMG}\n")
    assert report["findings"] == [] and diff == ""
    report, diff = run(capsys, tmp_path, "b.sh", head + "# d\n# triton-docker-migrate: ignore-file\n"
                       f"docker pull {IMG}\n")
    assert rules(report) == [(6, "TDM002"), (7, "TDM101")]
    assert report["findings"][0]["message"] == "ignore-file counts only in the first 5 lines; this one is on line 6"


def test_json_files_take_no_comments_only_configuration(capsys, tmp_path):
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
                "spec": {"containers": [{"name": "s", "image": IMG,
                                         "args": ["# triton-docker-migrate: ignore-file"]}]}}
    text = json.dumps(manifest, indent=2) + "\n"
    report, _ = run(capsys, tmp_path, "pod.json", text)
    assert "TDM101" in [r for _, r in rules(report)]
    (tmp_path / "pyproject.toml").write_text('[tool.triton-docker-migrate]\nper-file-ignores = {"*.json" = ["TDM1"]}\n')
    report, _ = run(capsys, tmp_path, "pod.json", text)
    assert "TDM101" not in [r for _, r in rules(report)]


def test_a_suppression_of_a_rule_left_out_by_select_is_still_used(capsys, tmp_path):
    text = f"# triton-docker-migrate: ignore[TDM101]\nFROM {IMG}\nENV TENSORRT_SERVER_VERSION=1\n"
    report, _ = run(capsys, tmp_path, "Dockerfile", text, "--select", "TDM5")
    assert rules(report) == [(3, "TDM501")]


def test_tdm002_can_be_ignored(capsys, tmp_path):
    text = f"# triton-docker-migrate: ignore[TDM999]\nFROM {IMG}\n"
    report, _ = run(capsys, tmp_path, "Dockerfile", text, "--ignore", "TDM002,TDM7")
    assert rules(report) == [(2, "TDM101")]
