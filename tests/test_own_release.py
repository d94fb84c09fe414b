"""A server line on a V2 image written with its release keeps that image (only V1 images move): its options are
judged against that release, not the target (rules/argv.py ``line_release``)."""

from __future__ import annotations

import json

from conftest import cli


def _compose(image: str, *options: str) -> str:
    words = ", ".join(f'"{w}"' for w in ("tritonserver", "--model-repository=/srv/models", *options))
    return f"services:\n  inference:\n    image: {image}\n    command: [{words}]\n"


def _run(tmp_path, monkeypatch, capsys, text: str, *args: str) -> tuple[int, dict, str]:
    (tmp_path / "compose.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", *args, ".")
    _, diff, _ = cli(capsys, "migrate", "--diff", *args, ".")
    return code, json.loads(out), "".join(line for line in diff.splitlines(True) if line.startswith(("-", "+")))


def _rules(report) -> list[tuple[str, str, bool]]:
    return [(f["rule"], f["severity"], f["fixed"]) for f in report["findings"]]


def test_a_thread_count_its_newer_image_takes_stays(tmp_path, monkeypatch, capsys):
    code, report, diff = _run(tmp_path, monkeypatch, capsys,
                              _compose("nvcr.io/nvidia/tritonserver:25.04-py3", "--grpc-infer-thread-count=16"))
    assert (code, _rules(report), diff) == (0, [], "")


def test_a_thread_count_its_own_image_refuses_is_dropped(tmp_path, monkeypatch, capsys):
    # 25.04 takes 2-128: a 1 stops that server, whatever the target
    code, report, diff = _run(tmp_path, monkeypatch, capsys,
                              _compose("nvcr.io/nvidia/tritonserver:25.04-py3", "--grpc-infer-thread-count=1"))
    assert code == 1 and _rules(report) == [("TDM303", "warning", True)]
    assert "(25.04)" in report["findings"][0]["message"] and "-grpc-infer-thread-count" in diff


def test_tensorflow_options_of_2007_are_noted_not_renamed(tmp_path, monkeypatch, capsys):
    code, report, diff = _run(tmp_path, monkeypatch, capsys, _compose(
        "nvcr.io/nvidia/tritonserver:20.07-py3", "--tf-gpu-memory-fraction=0.5", "--tf-allow-soft-placement=true"))
    assert (code, diff) == (0, "")
    assert _rules(report) == [("TDM320", "info", False)] * 2  # no TDM702: 20.07 serves TF1 models


def test_an_option_no_v2_release_took_still_goes_on_an_old_v2_image(tmp_path, monkeypatch, capsys):
    code, report, diff = _run(tmp_path, monkeypatch, capsys,
                              _compose("nvcr.io/nvidia/tritonserver:20.07-py3", "--api-version=2"))
    assert _rules(report) == [("TDM302", "info", True)] and "-api-version" in diff


def test_a_line_whose_image_is_not_a_release_is_judged_against_the_target(tmp_path, monkeypatch, capsys):
    code, report, diff = _run(tmp_path, monkeypatch, capsys,
                              _compose("nvcr.io/nvidia/tritonserver:${TAG}", "--tf-gpu-memory-fraction=0.5"))
    assert ("TDM308", "info", True) in _rules(report) and "backend-config=tensorflow" in diff
