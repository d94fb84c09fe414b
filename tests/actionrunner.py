"""action.yml run as a GitHub runner runs a composite action's steps: each ``run:`` script written to
a file and run by ``bash --noprofile --norc -eo pipefail``, ``${{ inputs.x }}`` substituted in
``run:`` and ``env:`` (with the inputs' defaults), in the workspace, with ``GITHUB_ACTION_PATH``,
``RUNNER_TEMP``, ``GITHUB_WORKSPACE``, ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` set."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import yaml

from gitrepo import ROOT, snapshot_of_this_checkout

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def step(name: str) -> dict:
    [s] = [s for s in ACTION["runs"]["steps"] if s["name"] == name]
    return s


def expand(text: str, inputs: dict[str, str]) -> str:
    def one(m: re.Match) -> str:
        assert m.group(1).startswith("inputs."), m.group(0)
        return inputs[m.group(1)[len("inputs."):]]

    return EXPR.sub(one, text)


class Runner:
    def __init__(self, action_path: pathlib.Path, temp: pathlib.Path) -> None:
        self.action_path = action_path
        self.temp = temp

    def run(self, name: str, workspace: pathlib.Path, **given: str) -> tuple[subprocess.CompletedProcess, dict]:
        """Run the step ``name``: its process, and the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY it wrote."""
        s = step(name)
        inputs = {k: v["default"] for k, v in ACTION["inputs"].items()} | given
        files = {"GITHUB_OUTPUT": self.temp / "output", "GITHUB_STEP_SUMMARY": self.temp / "summary"}
        for f in files.values():
            f.write_text("")
        script = self.temp / "step.sh"
        script.write_text(expand(s["run"], inputs))
        env = {**os.environ,
               "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
               "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_WORKSPACE": str(workspace),
               "GITHUB_ACTION_PATH": str(self.action_path), "RUNNER_TEMP": str(self.temp),
               **{k: str(v) for k, v in files.items()},
               **{k: expand(str(v), inputs) for k, v in s.get("env", {}).items()}}
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                           env=env, capture_output=True, text=True, timeout=600)
        return p, {k: f.read_text() for k, f in files.items()}

    def outputs(self, files: dict) -> dict[str, str]:
        """The action's outputs, from what its steps wrote to GITHUB_OUTPUT."""
        written = dict(line.split("=", 1) for line in files["GITHUB_OUTPUT"].splitlines())
        out = {}
        for name, spec in ACTION["outputs"].items():
            m = re.fullmatch(r"\$\{\{ steps\.migrate\.outputs\.([\w-]+) \}\}", spec["value"])
            out[name] = written[m.group(1)]
        return out


def installed(root: pathlib.Path) -> Runner:
    """The action checked out under ``root`` (a snapshot of this checkout) and its install step run:
    the tool installed by pip into the action's own virtual environment."""
    snapshot_of_this_checkout(root / "action")
    temp = root / "runner-temp"
    temp.mkdir()
    r = Runner(root / "action", temp)
    p, _ = r.run("Install triton-docker-migrate", root)
    assert p.returncode == 0, p.stdout + p.stderr
    from triton_docker_migrate import __version__

    assert p.stdout == f"triton-docker-migrate {__version__}\n"  # the step's last line runs the installed tool
    return r
