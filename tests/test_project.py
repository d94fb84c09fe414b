"""The README's two set-up commands are the ones the project really uses."""

from __future__ import annotations

import re

from conftest import ROOT


def _commands(section: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    body = text.split(f"## {section}", 1)[1]
    block = re.search(r"```sh\n(.*?)```", body, re.S)
    assert block, section
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_ci_runs_exactly_the_readme_test_command():
    (command,) = _commands("Run the whole test suite")
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert command in ci


def test_readme_example_exists():
    (command,) = _commands("Set up and try it (fresh machine)")
    path = command.rsplit(" ", 1)[-1]
    assert (ROOT / path).is_file()
