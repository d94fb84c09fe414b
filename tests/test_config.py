"""Configuration files: where they are found, what they may hold, and that flags win."""

from __future__ import annotations

import json

import pytest

from conftest import cli
from triton_docker_migrate.config import ConfigError, find_config, load

V1 = 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'


def report(capsys, *args: str) -> dict:
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", *args)
    assert code in (0, 1), err
    return json.loads(out)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "Dockerfile").write_text(V1)
    monkeypatch.chdir(tmp_path / "sub" / "deeper")
    return tmp_path


def test_nearest_pyproject_with_the_table_wins(repo):
    (repo / "pyproject.toml").write_text('[tool.triton-docker-migrate]\ntarget-version = "23.05"\n')
    (repo / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no table: look further up
    assert find_config() == str(repo / "pyproject.toml")
    (repo / "sub" / ".triton-docker-migrate.toml").write_text('target-version = "22.01"\n')
    assert find_config() == str(repo / "sub" / ".triton-docker-migrate.toml")
    (repo / "sub" / "deeper" / "pyproject.toml").write_text('[tool.triton-docker-migrate]\nselect = ["TDM1"]\n')
    assert find_config() == str(repo / "sub" / "deeper" / "pyproject.toml")
    assert load(None) == {"select": ["TDM1"]}


def test_no_configuration(repo):
    assert find_config() is None and load(None) == {}


def test_keys_apply_and_flags_win(repo, capsys):
    (repo / "pyproject.toml").write_text(
        '[tool.triton-docker-migrate]\ntarget-version = "20.07"\nignore = ["TDM310"]\n')
    r = report(capsys, ".")
    assert r["target"] == "20.07"
    assert "TDM310" not in [f["rule"] for f in r["findings"]]
    assert [f["message"] for f in r["findings"] if f["rule"] == "TDM101"] == [
        "V1 server image tensorrtserver:20.02-py3 -> tritonserver:20.07-py3"]
    r = report(capsys, "--target-version", "24.10", "--ignore", "TDM1", ".")
    assert r["target"] == "24.10"
    rules = [f["rule"] for f in r["findings"]]
    assert "TDM310" in rules and "TDM101" not in rules  # --ignore replaced the configured list


def test_select_and_fail_on_review(repo, capsys):
    (repo / ".triton-docker-migrate.toml").write_text('select = "TDM2,TDM3"\nfail-on-review = true\n')
    r = report(capsys, ".")
    assert sorted({f["rule"][:4] for f in r["findings"]}) == ["TDM2", "TDM3"]
    (repo / "sub" / "deeper" / "Dockerfile").write_text("FROM nvcr.io/nvidia/tensorrtserver:latest\n")
    (repo / ".triton-docker-migrate.toml").write_text("fail-on-review = true\n")
    code, _, _ = cli(capsys, "migrate", ".")
    assert code == 1  # TDM104 warning remains


def test_per_file_ignores(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)  # globs match the reported path (relative to the current directory) or the name
    (repo / "pyproject.toml").write_text(
        '[tool.triton-docker-migrate.per-file-ignores]\n"sub/deeper/*" = ["TDM3"]\n"Dockerfile" = "TDM101"\n')
    r = report(capsys, "sub")
    rules = [f["rule"] for f in r["findings"]]
    assert "TDM101" not in rules and not any(x.startswith("TDM3") for x in rules)
    assert "TDM202" in rules


def test_exclude_and_extend_exclude(repo, capsys):
    (repo / "sub" / "deeper" / "gen").mkdir()
    (repo / "sub" / "deeper" / "gen" / "Dockerfile").write_text(V1)
    (repo / "sub" / "deeper" / "old.Dockerfile").write_text(V1)
    (repo / "pyproject.toml").write_text('[tool.triton-docker-migrate]\nexclude = ["gen/"]\n')
    assert [f["path"] for f in report(capsys, ".")["files"]] == ["Dockerfile", "old.Dockerfile"]
    assert [f["path"] for f in report(capsys, "--extend-exclude", "old.*", ".")["files"]] == ["Dockerfile"]
    assert [f["path"] for f in report(capsys, "--exclude", "old.*", ".")["files"]] == [
        "Dockerfile", "gen/Dockerfile"]  # --exclude replaces the configured globs


def test_config_flag_overrides_the_found_files(repo, capsys, tmp_path_factory):
    (repo / "pyproject.toml").write_text('[tool.triton-docker-migrate]\ntarget-version = "20.07"\n')
    other = tmp_path_factory.mktemp("cfg") / "ci.toml"
    other.write_text('target-version = "23.01"\n')
    assert report(capsys, "--config", str(other), ".")["target"] == "23.01"


@pytest.mark.parametrize("content, message", [
    ('[tool.triton-docker-migrate]\ntarget_version = "20.07"\n', "unknown configuration key(s): target_version"),
    ('[tool.triton-docker-migrate]\ntarget-version = 20.07\n', 'target-version must be a string such as "24.10"'),
    ('[tool.triton-docker-migrate]\ntarget-version = "19.10"\n',
     "target-version: target 19.10 is not a V2 release (the first V2 release is 20.06)"),
    ('[tool.triton-docker-migrate]\nselect = [301]\n', "select must be a list of strings"),
    ('[tool.triton-docker-migrate]\nignore = ["W503"]\n', "ignore: 'W503' is not a rule id or prefix"),
    ('[tool.triton-docker-migrate]\nfail-on-review = "yes"\n', "fail-on-review must be true or false"),
    ('[tool.triton-docker-migrate]\nper-file-ignores = ["x"]\n', "per-file-ignores must be a table"),
    ('[tool.triton-docker-migrate.per-file-ignores]\n"*.yaml" = [1]\n', "per-file-ignores['*.yaml'] must be a list"),
    ('[tool.triton-docker-migrate\n', "not valid TOML"),
])
def test_bad_configuration_is_one_line_and_exit_2(repo, capsys, content, message):
    (repo / "pyproject.toml").write_text(content)
    code, out, err = cli(capsys, "migrate", "--check", ".")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"{repo / 'pyproject.toml'}: error: ")
    assert message in err
    assert (repo / "sub" / "deeper" / "Dockerfile").read_text() == V1


def test_missing_config_file(repo, capsys):
    code, out, err = cli(capsys, "migrate", "--config", "nope.toml", ".")
    assert code == 2 and err == "nope.toml: error: cannot read configuration: No such file or directory\n"
    with pytest.raises(ConfigError):
        load("nope.toml")
