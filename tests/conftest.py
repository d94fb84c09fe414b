import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the .out/.findings files of the golden fixtures from the current output")


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


def shared_dir() -> pathlib.Path:
    """../shared beside the checkout. CI sets TDM_REQUIRE_SHARED=1: then a missing shared/ fails."""
    if not SHARED.is_dir():
        if os.environ.get("TDM_REQUIRE_SHARED") == "1" or os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED} is missing: CI must run with ../shared beside the clone")
        pytest.skip("../shared is not beside this checkout")
    return SHARED


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process: exit code, stdout, stderr."""
    from triton_docker_migrate.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out, err = capsys.readouterr()
    return e.value.code, out, err
