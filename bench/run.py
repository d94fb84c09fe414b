"""Batch benchmark (not a test; never run in CI). From one run it prints:

1. ``migrate --check`` wall time on a 20,000-file tree / ``grep -rlE 'tensorrtserver|trtserver' .``
   wall time on the same tree (target <= 2.0);
2. the same ``migrate --check`` on 200,000 files / on 20,000 files (target <= 10.5: linear);
3. peak RSS of the largest single process of the 200,000-file run, worker processes included
   (target <= 120 MiB) - ``wait4``'s ``ru_maxrss`` is the maximum over the process and every
   descendant it reaped, and the pool's workers are reaped by the run;
4. ``triton-docker-migrate --help`` wall time (target <= 150 ms).

Wall times are medians of several runs after a warm-up run (page cache warm, as in CI after checkout),
with grep and the tool alternating so that drift hits both alike.

The tool runs installed (not editable) in a virtual environment under ``--dir``, as users install it;
``--install current`` runs the console script beside this interpreter instead.

    python bench/run.py [--dir /tmp/tdm-bench] [--small 20000] [--large 200000] [--repeat 5] [--install venv]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tree import make_tree  # noqa: E402

TARGETS = {"grep_ratio": 2.0, "scale": 10.5, "rss_mib": 120.0, "help_ms": 150.0}


TOOL: list[str] = []
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tool() -> list[str]:
    return TOOL


def install(base: str, how: str) -> list[str]:
    """The command that runs the tool. ``venv``: the checkout installed (not editable) into a
    virtual environment of this interpreter, as users install it - without the import hook of an
    editable install or whatever ``.pth`` files this interpreter's site-packages holds (both run at
    every start). ``current``: the console script beside this interpreter."""
    if how == "current":
        exe = os.path.join(os.path.dirname(sys.executable), "triton-docker-migrate")
        return [exe] if os.path.exists(exe) else [sys.executable, "-m", "triton_docker_migrate"]
    venv = os.path.join(base, "venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", REPO], check=True)
    # the checkout as it is now (dependencies stay)
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", REPO], check=True)
    return [os.path.join(venv, "bin", "triton-docker-migrate")]


ENV = dict(os.environ)


CPU: dict[str, list[float]] = {}


def timed(cmd: list[str], cwd: str, label: str = "") -> tuple[float, int, int]:
    """(wall seconds, exit code, ru_maxrss KiB of the largest process of the tree); the CPU seconds
    (user + system, reaped children included) are kept under ``label``."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if label:
        CPU.setdefault(label, []).append(ru.ru_utime + ru.ru_stime)
    return wall, p.returncode, ru.ru_maxrss


def tree(base: str, n: int) -> str:
    root = os.path.join(base, f"tree-{n}")
    stamp = os.path.join(base, f"tree-{n}.done")
    if not os.path.exists(stamp):
        shutil.rmtree(root, ignore_errors=True)
        t = time.perf_counter()
        m = make_tree(root, n, seed=1)
        print(f"  generated {m['files']} files ({len(m['v1'])} V1, {len(m['ignored_v1'])} V1 in ignored trees) "
              f"in {time.perf_counter() - t:.1f}s", flush=True)
        open(stamp, "w").close()
    return root


def machine() -> str:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.system()} "
            f"{platform.release()}; load average before the run {load[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.path.join("/tmp", "tdm-bench"))
    ap.add_argument("--small", type=int, default=20000)
    ap.add_argument("--large", type=int, default=200000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--jobs", default="0", help="--jobs for the tool (0: automatic)")
    ap.add_argument("--install", choices=("venv", "current"), default="venv",
                    help="run the checkout installed into a virtual environment (default), or the console "
                         "script beside this interpreter")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    # modules load from cached bytecode, as after pip install (PYTHONDONTWRITEBYTECODE set would
    # compile every module of an editable checkout in every run)
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    if a.install == "current":
        ENV["PYTHONPYCACHEPREFIX"] = os.path.join(a.dir, "pycache")
    else:
        ENV.pop("PYTHONPYCACHEPREFIX", None)  # pip compiled the installed modules
    ENV.pop("NO_COLOR", None)
    TOOL[:] = install(a.dir, a.install)
    cmd = tool() + ["migrate", "--check", "--jobs", a.jobs, "."]
    grep = ["grep", "-rlE", "tensorrtserver|trtserver", "."]
    print(f"machine: {machine()}")
    print(f"tool: {' '.join(cmd)}")
    small = tree(a.dir, a.small)
    large = tree(a.dir, a.large)

    for c in (grep, cmd):  # warm-up
        timed(c, small)
    g, s = [], []
    for _ in range(a.repeat):
        g.append(timed(grep, small, "grep")[0])
        w, code, _ = timed(cmd, small, "small")
        assert code == 1, f"migrate --check exited {code}"
        s.append(w)
    grep_t, small_t = statistics.median(g), statistics.median(s)

    timed(cmd, large)  # warm-up
    big, rss = [], []
    for _ in range(max(1, a.repeat // 2)):
        w, code, maxrss = timed(cmd, large, "large")
        assert code == 1, f"migrate --check exited {code}"
        big.append(w)
        rss.append(maxrss / 1024)
    large_t = statistics.median(big)

    helps = [timed(tool() + ["--help"], a.dir)[0] for _ in range(max(5, a.repeat))]
    help_t = statistics.median(helps) * 1000

    cpu = {k: statistics.median(v) for k, v in CPU.items()}
    rows = [
        (f"migrate --check, {a.small} files / grep", small_t / grep_t, TARGETS["grep_ratio"],
         f"wall {small_t:.3f}s / {grep_t:.3f}s; CPU {cpu['small']:.3f}s / {cpu['grep']:.3f}s"),
        (f"migrate --check, {a.large} / {a.small} files", large_t / small_t, TARGETS["scale"],
         f"wall {large_t:.3f}s / {small_t:.3f}s; CPU {cpu['large']:.3f}s / {cpu['small']:.3f}s"),
        (f"peak RSS, largest process, {a.large} files (MiB)", max(rss), TARGETS["rss_mib"], ""),
        ("triton-docker-migrate --help (ms)", help_t, TARGETS["help_ms"], ""),
    ]
    print()
    print("| figure | value | target | detail |")
    print("|---|---|---|---|")
    for name, value, target, detail in rows:
        ok = "ok" if value <= target else "MISSED"
        print(f"| {name} | {value:.2f} | <= {target} ({ok}) | {detail} |")


if __name__ == "__main__":
    main()
