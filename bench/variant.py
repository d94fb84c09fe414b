"""Run the installed tool as its console script does, with some of its speed-ups switched off: for
``bench/run.py --ablation`` only (the tool itself has no such switch a user could set).

    python bench/variant.py VARIANT migrate --check .

VARIANT is ``full`` (the tool as installed) or switches joined by ``+``:

- ``no-scout``: ``run.SCOUT_FILES = 0`` (no scout worker forked before the handlers are imported);
- ``no-c``: ``textscan.read_files = textscan.read_files_py`` (the Python reference instead of the C
  extension ``_speedups``; the extension's module is still imported, which costs well under 1 ms);
- ``futures``: ``run.POOL = "futures"`` (``concurrent.futures.ProcessPoolExecutor``, fork context,
  instead of ``pool.py``: same tasks, same scout unless ``no-scout``);
- ``plain``: all three.

The settings are module attributes read when a run starts, and the workers are forked from this
process, so they see them too. (A process that has loaded BuildKit's Go parser spawns fresh workers
instead; the benchmark's runs never do.)
"""

import sys

SWITCHES = ("no-scout", "no-c", "futures")


def apply(variant: str) -> None:
    wanted = set(SWITCHES) if variant == "plain" else set() if variant == "full" else set(variant.split("+"))
    unknown = wanted - set(SWITCHES)
    if unknown:
        sys.exit(f"variant.py: unknown switch {', '.join(sorted(unknown))} (known: full, plain, {', '.join(SWITCHES)})")
    from triton_docker_migrate import run, textscan

    if "no-scout" in wanted:
        run.SCOUT_FILES = 0
    if "no-c" in wanted:
        textscan.read_files = textscan.read_files_py
    if "futures" in wanted:
        run.POOL = "futures"


if __name__ == "__main__":
    apply(sys.argv.pop(1))
    from triton_docker_migrate.cli import main

    sys.argv[0] = "triton-docker-migrate"
    sys.exit(main())
