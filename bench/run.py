"""Batch benchmark (not a test; never run in CI). On two tree shapes (``bench/make_tree.py``: ``mono``,
a source monorepo, and ``deploy``, a deployment-heavy one), from one run it prints:

1. ``migrate --check`` wall time on a 20,000-file tree / ``grep -rlE 'tensorrtserver|trtserver' .``
   wall time on the same tree (target on the mono shape: <= 2.0; on the deploy shape: no slower
   than the tool as it is today);
2. the same ``migrate --check`` on 200,000 files / on 20,000 files, mono shape only (target <= 10.5:
   linear);
3. peak RSS of the largest single process of the 200,000-file run, worker processes included
   (target <= 120 MiB) - ``wait4``'s ``ru_maxrss`` is the maximum over the process and every
   descendant it reaped, and the pool's workers are reaped by the run;
4. ``triton-docker-migrate --help`` wall time (target <= 150 ms).

With ``--ablation`` it first times, in the same run and on both shapes, the tool with and without
each of its speed-ups (``bench/variant.py`` replaces them in the installed tool):

- ``no-c``: textscan's Python reference instead of the C extension;
- ``futures``: ``concurrent.futures.ProcessPoolExecutor`` (fork) instead of ``pool.py``;
- ``plain``: both removed together;

and gives each piece its verdict: keep it only if it saves at least 5 % of the wall time on BOTH
shapes - by the medians and by the median of the per-cycle ratios (the table says when single
rounds fall on different sides of the line: a noisy machine; measure again). The targets are then measured in the configuration the verdict implies, beside today's.

Method: variants alternate run by run (A B C D E, then B C D E A, ...: each takes each place in
turn), after one warm-up run of each (page cache warm, as in CI after checkout); figures are
medians, with min and max; the whole comparison is repeated ``--rounds`` times. CPU seconds are
user + system of the run and every process it reaped (its workers). grep and the tool alternate
likewise.

The tool runs installed (not editable) in a virtual environment under ``--dir``, as users install it;
``--install current`` runs the console script beside this interpreter instead.

    python bench/run.py [--dir /tmp/tdm-bench] [--small 20000] [--large 200000] [--repeat 9]
                        [--install venv] [--ablation] [--rounds 2] [--variant full]
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

TARGETS = {"grep_ratio": 2.0, "scale": 10.5, "rss_mib": 120.0, "help_ms": 150.0, "vs_today": 1.0}
#: the rule: a piece stays only if it saves at least this share of the wall time on every shape
KEEP_IF_SAVES = 0.05
SHAPES = ("mono", "deploy")
#: the ablation's variants (bench/variant.py) and the piece each one removes
VARIANTS = ("full", "no-c", "futures", "plain")
PIECES = {"no-c": "C extension (_speedups)", "futures": "own pool (pool.py)",
          "plain": "both together"}

TOOL: list[str] = []
PYTHON: list[str] = []  # the interpreter of the installed tool
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANT_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "variant.py")


def install(base: str, how: str) -> tuple[list[str], list[str]]:
    """(the command that runs the tool, its interpreter). ``venv``: the checkout installed (not
    editable) into a virtual environment of this interpreter, as users install it - without the
    import hook of an editable install or whatever ``.pth`` files this interpreter's site-packages
    holds (both run at every start). ``current``: the console script beside this interpreter."""
    if how == "current":
        exe = os.path.join(os.path.dirname(sys.executable), "triton-docker-migrate")
        return ([exe] if os.path.exists(exe) else [sys.executable, "-m", "triton_docker_migrate"]), [sys.executable]
    venv = os.path.join(base, "venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", REPO], check=True)
    # the checkout as it is now (dependencies stay)
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", REPO], check=True)
    return [os.path.join(venv, "bin", "triton-docker-migrate")], [py]


def tool_cmd(variant: str, args: list[str]) -> list[str]:
    """``full`` runs the console script as users do, unless ``like_for_like`` runs every variant
    through bench/variant.py (the same start-up for each)."""
    if variant == "full" and not LIKE_FOR_LIKE:
        return TOOL + args
    return PYTHON + [VARIANT_PY, variant] + args


LIKE_FOR_LIKE = False
ENV = dict(os.environ)


def timed(cmd: list[str], cwd: str) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds - user + system, reaped children included -, exit code,
    ru_maxrss KiB of the largest process of the tree)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, p.returncode, ru.ru_maxrss


def tree(base: str, n: int, shape: str) -> str:
    name = f"tree-{n}" if shape == "mono" else f"tree-{shape}-{n}"
    root = os.path.join(base, name)
    stamp = root + ".done"
    if not os.path.exists(stamp):
        shutil.rmtree(root, ignore_errors=True)
        t = time.perf_counter()
        m = make_tree(root, n, seed=1, shape=shape)
        extra = f", {m['dockerfiles']} Dockerfiles, {m['yaml']} YAML" if shape == "deploy" else ""
        print(f"  generated {shape} {m['files']} files ({len(m['v1'])} V1, {len(m['ignored_v1'])} V1 in ignored "
              f"trees{extra}) in {time.perf_counter() - t:.1f}s", flush=True)
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


def alternate(cmds: dict[str, list[str]], cwd: str, runs: int, expect: dict[str, int] | None = None) -> dict:
    """Run each command ``runs`` times, rotating their order run by run, after one warm-up each:
    {name: [(wall, cpu, maxrss KiB), ...]} and, per name, the wall ratios to the first command of
    the same cycle under ``name + '/'``."""
    names = list(cmds)
    for n in names:
        timed(cmds[n], cwd)
    out: dict = {n: [] for n in names}
    for i in range(runs):
        k = i % len(names)
        cycle = {}
        for n in names[k:] + names[:k]:
            wall, cpu, code, rss = timed(cmds[n], cwd)
            want = (expect or {}).get(n)
            assert want is None or code == want, f"{' '.join(cmds[n])} exited {code}"
            out[n].append((wall, cpu, rss))
            cycle[n] = wall
        for n in names[1:]:
            out.setdefault(n + "/", []).append(cycle[n] / cycle[names[0]])
    return out


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def spread(xs: list[float], fmt: str = "{:.3f}") -> str:
    return f"{fmt.format(med(xs))} ({fmt.format(min(xs))}-{fmt.format(max(xs))})"


def ablation(trees: dict[str, str], runs: int, rounds: int, jobs: str) -> dict:
    """Print the ablation table; return {variant: {shape: (share of the wall time saved by the piece,
    by the medians; the same by the median of the paired ratios; by the medians of each round)}}."""
    global LIKE_FOR_LIKE
    LIKE_FOR_LIKE = True  # every variant through bench/variant.py
    args = ["migrate", "--check", "--jobs", jobs, "."]
    cmds = {v: tool_cmd(v, args) for v in VARIANTS}
    data: dict[str, dict[str, list]] = {s: {} for s in trees}
    per_round: dict[str, dict[str, list[float]]] = {s: {v: [] for v in VARIANTS[1:]} for s in trees}
    for r in range(rounds):
        for shape, root in trees.items():
            t = time.perf_counter()
            got = alternate(cmds, root, runs, {v: 1 for v in VARIANTS})
            for k, v in got.items():
                data[shape].setdefault(k, []).extend(v)
            base = med([w for w, _, _ in got["full"]])
            for v in VARIANTS[1:]:
                per_round[shape][v].append(1 - base / med([w for w, _, _ in got[v]]))
            print(f"  round {r + 1}, {shape}: {runs} runs of each of {len(VARIANTS)} variants in "
                  f"{time.perf_counter() - t:.0f}s; load {os.getloadavg()[0]:.2f}", flush=True)
    LIKE_FOR_LIKE = False
    saved: dict[str, dict[str, tuple[float, float, list[float]]]] = {v: {} for v in VARIANTS[1:]}
    for shape in trees:
        d = data[shape]
        walls = {v: [w for w, _, _ in d[v]] for v in VARIANTS}
        cpus = {v: [c for _, c, _ in d[v]] for v in VARIANTS}
        print(f"\n### {shape} shape, {len(walls['full'])} runs of each variant ({rounds} rounds)\n")
        print("| variant (piece removed) | wall s, median (min-max) | CPU s, median (min-max) | wall saved by "
              "the piece: medians | paired: median of full/variant per cycle (min-max) | saved, paired | "
              "saved, per round (medians) | CPU saved by the piece |")
        print("|---|---|---|---|---|---|---|---|")
        print(f"| full (everything in) | {spread(walls['full'])} | {spread(cpus['full'])} | | | | | |")
        for v in VARIANTS[1:]:
            s = 1 - med(walls["full"]) / med(walls[v])
            paired = [1 / x for x in d[v + "/"]]
            sp = 1 - med(paired)
            saved[v][shape] = (s, sp, per_round[shape][v])
            rounds_s = ", ".join(f"{x * 100:+.1f} %" for x in per_round[shape][v])
            cpu_s = 1 - med(cpus["full"]) / med(cpus[v])
            print(f"| {v} ({PIECES[v]}) | {spread(walls[v])} | {spread(cpus[v])} | {s * 100:+.1f} % | "
                  f"{spread(paired)} | {sp * 100:+.1f} % | {rounds_s} | {cpu_s * 100:+.1f} % |")
    print("\n### verdict: keep a piece only if it saves >= 5 % of the wall time on both shapes, by the medians "
          "and by the paired ratios\n")
    print("| piece | " + " | ".join(f"saved, {s}: medians / paired" for s in trees) + " | verdict | rounds |")
    print("|---|" + "---|" * len(trees) + "---|---|")
    for v in VARIANTS[1:]:
        keep = _shown(saved[v])
        word = ("keep" if keep else "remove") if v != "plain" else ("together: worth it" if keep else
                                                                    "together: not worth it")
        split = any((r >= KEEP_IF_SAVES) != keep for _, _, rs in saved[v].values() for r in rs)
        print(f"| {PIECES[v]} | " + " | ".join(f"{a * 100:+.1f} % / {b * 100:+.1f} %" for a, b, _ in saved[v].values())
              + f" | {word} | {'disagree: noisy, measure again' if split else 'agree'} |")
    return saved


def _shown(by_shape: dict[str, tuple[float, float, list[float]]]) -> bool:
    return all(min(a, b) >= KEEP_IF_SAVES for a, b, _ in by_shape.values())


def verdict_variant(saved: dict) -> str:
    removed = [v for v in ("no-c", "futures") if not _shown(saved[v])]
    return "full" if not removed else "plain" if len(removed) == 3 else "+".join(removed)


def targets(a, trees: dict[str, str], large: str, variant: str) -> None:
    """The four targets, for ``variant`` (and, beside it, today's tool when they differ)."""
    args = ["migrate", "--check", "--jobs", a.jobs, "."]
    grep = ["grep", "-rlE", "tensorrtserver|trtserver", "."]
    names = [variant] + (["full"] if variant != "full" else [])
    label = {n: ("today (full)" if n == "full" else n) for n in names}
    rows = []
    small: dict[str, dict[str, list]] = {}
    for shape, root in trees.items():
        cmds = {"grep": grep} | {n: tool_cmd(n, args) for n in names}
        small[shape] = alternate(cmds, root, a.repeat, {n: 1 for n in names})
        g = small[shape]["grep"]
        for n in names:
            t = small[shape][n]
            ratio = med([w for w, _, _ in t]) / med([w for w, _, _ in g])
            detail = (f"wall {spread([w for w, _, _ in t])} s / grep {spread([w for w, _, _ in g])} s; CPU "
                      f"{med([c for _, c, _ in t]):.3f} s / {med([c for _, c, _ in g]):.3f} s")
            target = TARGETS["grep_ratio"] if shape == "mono" else None
            rows.append((f"{label[n]}: `migrate --check`, {shape}, {a.small} files / grep", ratio, target, detail))
        if variant != "full":
            vw = [w for w, _, _ in small[shape][variant]]
            fw = [w for w, _, _ in small[shape]["full"]]
            rows.append((f"{variant} / today: `migrate --check`, {shape}, {a.small} files (medians)",
                         med(vw) / med(fw), TARGETS["vs_today"] if shape == "deploy" else None, ""))
    big = alternate({n: tool_cmd(n, args) for n in names}, large, max(3, a.repeat // 2), {n: 1 for n in names})
    for n in names if "mono" in small else ():
        lw = med([w for w, _, _ in big[n]])
        sw = med([w for w, _, _ in small["mono"][n]])
        rows.append((f"{label[n]}: `migrate --check`, mono, {a.large} / {a.small} files", lw / sw, TARGETS["scale"],
                     f"wall {lw:.3f} s / {sw:.3f} s; CPU {med([c for _, c, _ in big[n]]):.3f} s"))
        rows.append((f"{label[n]}: peak RSS, largest process, {a.large} files (MiB)",
                     max(r for _, _, r in big[n]) / 1024, TARGETS["rss_mib"], ""))
    # --help never reaches the pool or textscan: the console script in every configuration
    helps = [timed(TOOL + ["--help"], a.dir)[0] for _ in range(max(9, a.repeat))]
    rows.append(("`triton-docker-migrate --help` (ms)", med(helps) * 1000, TARGETS["help_ms"],
                 f"min {min(helps) * 1000:.0f}, max {max(helps) * 1000:.0f}"))
    print("\n| figure | value | target | detail |")
    print("|---|---|---|---|")
    for name, value, target, detail in rows:
        t = "-" if target is None else f"<= {target} ({'ok' if value <= target else 'MISSED'})"
        print(f"| {name} | {value:.2f} | {t} | {detail} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.path.join("/tmp", "tdm-bench"))
    ap.add_argument("--small", type=int, default=20000)
    ap.add_argument("--large", type=int, default=200000)
    ap.add_argument("--repeat", type=int, default=9, help="runs of each command (after a warm-up run)")
    ap.add_argument("--jobs", default="0", help="--jobs for the tool (0: automatic)")
    ap.add_argument("--install", choices=("venv", "current"), default="venv",
                    help="run the checkout installed into a virtual environment (default), or the console "
                         "script beside this interpreter")
    ap.add_argument("--shapes", default=",".join(SHAPES), help="tree shapes, comma-separated (mono, deploy)")
    ap.add_argument("--ablation", action="store_true",
                    help="time the tool with and without each speed-up first; the targets then use the "
                         "configuration the verdict implies")
    ap.add_argument("--rounds", type=int, default=2, help="--ablation: how many times the whole comparison runs")
    ap.add_argument("--variant", default="full",
                    help="the configuration the targets are measured in (bench/variant.py; default: the tool "
                         "as it is)")
    ap.add_argument("--no-targets", action="store_true", help="only the ablation")
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
    TOOL[:], PYTHON[:] = install(a.dir, a.install)
    shapes = [s.strip() for s in a.shapes.split(",") if s.strip()]
    print(f"machine: {machine()}")
    print(f"tool: {' '.join(TOOL + ['migrate', '--check', '--jobs', a.jobs, '.'])}")
    trees = {s: tree(a.dir, a.small, s) for s in shapes}
    variant = a.variant
    if a.ablation:
        print(f"\n## Ablation ({a.repeat} runs of each variant per round, {a.rounds} rounds)")
        variant = verdict_variant(ablation(trees, a.repeat, a.rounds, a.jobs))
        print(f"\nconfiguration the verdict implies: {variant}")
    if a.no_targets:
        return
    large = tree(a.dir, a.large, "mono")
    print(f"\n## Targets ({variant}{', beside today' if variant != 'full' else ''})")
    targets(a, trees, large, variant)


if __name__ == "__main__":
    main()
