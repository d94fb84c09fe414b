"""Command line: flags -> Settings, then the run. No migration logic lives here.

argparse, not a heavier framework: start-up time is part of the contract (``--help`` and a CI run
over a big tree both pay it), and everything else is imported only by the command that needs it."""

from __future__ import annotations

import argparse
import sys

from . import __version__

PROG = "triton-docker-migrate"
FORMATS = ("text", "json", "sarif", "github", "markdown")
DESCRIPTION = "Migrate Triton V1 (TensorRT Inference Server) deployments to Triton V2."


def _usage(message: str) -> int:
    _err(f"{PROG}: error: {message}")
    return 2


def _err(line: str) -> None:
    from .report.terminal import emit

    emit(sys.stderr, line + "\n")


def _out(text: str) -> None:
    from .report.terminal import emit

    emit(sys.stdout, text)


def _split(values) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or ():
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="Print the version and exit.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    m = sub.add_parser("migrate", help="Migrate the V1 files under PATH... (in place unless --diff or --check).",
                       description="Migrate the V1 files under PATH... (in place unless --diff or --check).")
    m.add_argument("paths", nargs="*", metavar="PATH", help="Files or directories to migrate.")
    m.add_argument("--diff", action="store_true", help="Print a unified diff; write nothing.")
    m.add_argument("--check", action="store_true", help="Write nothing; exit 1 when a file would change.")
    m.add_argument("--format", dest="output_format", default="text", metavar="FORMAT",
                   help=f"{', '.join(FORMATS[:-1])} or {FORMATS[-1]} (default text).")
    m.add_argument("--target-version", metavar="YY.MM", help="Target release (default 24.10).")
    m.add_argument("--select", action="append", metavar="RULES", help="Only these rules (ids or prefixes, comma-separated).")
    m.add_argument("--ignore", action="append", metavar="RULES", help="Leave out these rules.")
    m.add_argument("--fail-on-review", action="store_true", default=None,
                   help="Exit 1 while a warning or error finding remains.")
    m.add_argument("--exit-zero", action="store_true", help="Exit 0 instead of 1 (never instead of 2).")
    m.add_argument("--quiet", "-q", action="store_true", help="Print only errors and the chosen report.")
    m.add_argument("--statistics", action="store_true", help="Count findings per rule.")
    m.add_argument("--exclude", action="append", metavar="GLOBS",
                   help="Globs to skip, .gitignore syntax (replaces the configured list).")
    m.add_argument("--extend-exclude", action="append", metavar="GLOBS", help="More globs to skip.")
    m.add_argument("--config", metavar="FILE", help="Configuration file to use.")
    m.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                   help="Worker processes for big trees (default: one per CPU; 1: no pool).")

    r = sub.add_parser("rules", help="List every rule: id, name, severity, fix availability, summary.",
                       description="List every rule: id, name, severity, fix availability, summary.")
    r.add_argument("--format", dest="output_format", default="text", metavar="FORMAT",
                   help="text (a table) or json (an array of every rule; default text).")
    e = sub.add_parser("explain", help="Explain one rule.", description="Explain one rule.")
    e.add_argument("rule", metavar="RULE", help="A rule id, e.g. TDM301.")
    return p


def migrate(a: argparse.Namespace) -> int:
    import re

    from .config import ConfigError, load
    from .release import NEWEST_KNOWN, Release, parse_target
    from .rules.registry import known
    from .settings import Settings, WriteBack

    if not a.paths:
        return _usage("migrate needs at least one PATH (nothing is rewritten by accident)")
    if a.output_format not in FORMATS:
        return _usage(f"--format must be one of {', '.join(FORMATS)}")
    if a.jobs < 0:
        return _usage("--jobs must be 0 (automatic) or more")
    for flag, values in (("--select", a.select), ("--ignore", a.ignore)):
        for r in _split(values):
            if not re.fullmatch(r"ALL|TDM\d{0,3}", r):
                return _usage(f"{flag}: {r!r} is not a rule id or prefix (e.g. TDM301, TDM3, ALL)")
            if not known(r):
                return _usage(f"{flag}: {r!r} names no rule (see `{PROG} rules`)")
    jobs = a.jobs
    if jobs:
        from .batch.schedule import cpu_count

        most = 4 * cpu_count()
        if jobs > most:
            _err(f"{PROG}: warning: --jobs {jobs} is more than 4 per CPU ({cpu_count()} CPUs); using {most}")
            jobs = most
    if a.target_version is not None and not a.target_version.strip():
        return _usage("--target-version: empty (expected YY.MM, e.g. 24.10)")
    try:
        cfg = load(a.config)
    except ConfigError as e:
        _err(str(e))
        return 2
    target_text = a.target_version if a.target_version is not None else str(cfg.get("target-version", "24.10"))
    try:
        target = parse_target(target_text)
    except ValueError as e:
        return _usage(f"--target-version: {e}")
    if Release(NEWEST_KNOWN) < target:
        _err(f"{PROG}: warning: target {target} is newer than the rules know ({NEWEST_KNOWN}); "
             f"release-dependent rules use what they know of {NEWEST_KNOWN}")
    wb = (WriteBack.DIFF_CHECK if a.diff and a.check else WriteBack.DIFF if a.diff else
          WriteBack.CHECK if a.check else WriteBack.YES)

    def listed(key: str, flag) -> tuple[str, ...]:
        if flag:
            return _split(flag)
        v = cfg.get(key, [])
        return _split([v] if isinstance(v, str) else list(v))

    pfi = tuple((g, _split([r] if isinstance(r, str) else list(r)))
                for g, r in dict(cfg.get("per-file-ignores", {})).items())
    settings = Settings(
        target=target, write_back=wb, output_format=a.output_format,
        select=listed("select", a.select), ignore=listed("ignore", a.ignore),
        fail_on_review=bool(cfg.get("fail-on-review", False)) if a.fail_on_review is None else a.fail_on_review,
        exit_zero=a.exit_zero, quiet=a.quiet, statistics=a.statistics,
        exclude=listed("exclude", a.exclude), extend_exclude=listed("extend-exclude", a.extend_exclude),
        per_file_ignores=pfi, jobs=jobs,
    )
    from .batch.run import run

    return run(list(a.paths), settings)


def rules_cmd(output_format: str = "text") -> int:
    from .rules.docs import doc_link
    from .rules.registry import all_rules

    if output_format not in ("text", "json"):
        return _usage("rules --format must be text or json")
    if output_format == "json":
        import json

        _out(json.dumps([{
            "id": r.id, "name": r.name, "family": r.family, "severity": r.severity.value, "fix": r.fix.value,
            "summary": r.summary, "min_target": r.min_target, "max_target": r.max_target,
            "docs": doc_link(r),
        } for r in all_rules()], indent=2, ensure_ascii=False) + "\n")
        return 0
    _out("".join(f"{r.id}  {r.name:<40} {r.severity.value:<8} fix:{r.fix.value:<10} {r.summary}\n"
                 for r in all_rules()))
    return 0


def explain(rule: str) -> int:
    from .rules.registry import REGISTRY, all_rules

    all_rules()
    r = REGISTRY.get(rule.upper())
    if r is None:
        return _usage(f"unknown rule {rule!r} (see `{PROG} rules`)")
    _out(f"{r.id} ({r.name}) - {r.family}\n"
         f"severity: {r.severity.value}; fix: {r.fix.value}" + (f"; from target {r.min_target}" if r.min_target else "")
         + f"\n\n{r.summary}\n\n{r.doc}\n")
    return 0


def main(argv: list[str] | None = None) -> None:
    from . import signals

    with signals.handled():
        try:
            code = _main(argv)  # run() turns a signal during the run into exit 130/143 itself
        except KeyboardInterrupt as e:  # before the run (arguments, imports, configuration): nothing written
            _err(signals.message(e))
            code = signals.exit_code(e)
        except BrokenPipeError:  # argparse's --help or --version into a closed pipe
            from .report.terminal import silence

            silence(sys.stdout)
            code = 0
        except MemoryError:  # outside any one file (a file's own is its TDM001 error)
            code = None
        if code is None:  # the exception and what its frames held are released here
            _err(f"{PROG}: error: out of memory; files already written are complete, the others untouched")
            code = 2
        if code in (130, 143):
            import os

            signals.ignore()  # a second signal must not print a traceback
            # Under `python -m`, CPython ends a process by re-raising SIGINT (exit status -2, not 130)
            # when a KeyboardInterrupt once surfaced in string-exec'd code (dataclass and namedtuple
            # creation during imports), even though it was caught here. Nothing is left to finalize
            # (writes are atomic, the pool is shut down): leave with the code directly.
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(code)
    sys.exit(code)


def _main(argv: list[str] | None) -> int:
    p = _parser()
    a = p.parse_args(argv)
    if a.command is None:
        p.print_help(sys.stderr)
        return 2
    if a.command == "migrate":
        return migrate(a)
    if a.command == "rules":
        return rules_cmd(a.output_format)
    return explain(a.rule)
