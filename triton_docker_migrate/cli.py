"""Command line: flags -> Settings, then the run. No migration logic lives here.

argparse, not a heavier framework: start-up time is part of the contract (``--help`` and a CI run
over a big tree both pay it), and everything else is imported only by the command that needs it."""

from __future__ import annotations

import argparse
import sys

from . import __version__

PROG = "triton-docker-migrate"
#: every format ``--format`` accepts (each has a renderer under report/; a test checks it)
FORMATS = ("text", "json", "sarif", "github", "markdown")
DESCRIPTION = "Migrate Triton V1 (TensorRT Inference Server) deployments to Triton V2."
#: what each format can carry beside its findings: a flag asking for something a format has no
#: place for is a usage error, never dropped (CONTRACT.md: stdout carries only the chosen format)
NO_DIFF = {"sarif": "SARIF has no place for a unified diff (with --check, each fix is in the log's `fixes`)",
           "github": "workflow commands have no place for a unified diff"}
NO_STATISTICS = {"github": "workflow commands have no place for a table",
                 "markdown": "the pull-request body has no statistics table"}
SHOW_FORMATS = ("text", "json")


def _usage(message: str) -> int:
    _err(f"{PROG}: error: {message}")
    return 2


def _err(line: str) -> None:
    from .report.stream import write as emit

    emit(sys.stderr, line + "\n")


def _out(text: str) -> None:
    from .report.stream import write as emit

    emit(sys.stdout, text)


def _split(values) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or ():
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    p = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="Print the version and exit.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    m = sub.add_parser("migrate", help="Migrate the V1 files under PATH... (in place unless --diff or --check).",
                       description="Migrate the V1 files under PATH... (in place unless --diff or --check). "
                                   "PATH '-' reads standard input and writes the result to standard output.")
    m.add_argument("paths", nargs="*", metavar="PATH", help="Files or directories to migrate ('-': standard input).")
    m.add_argument("--diff", action="store_true", help="Print a unified diff; write nothing.")
    m.add_argument("--check", action="store_true", help="Write nothing; exit 1 when a file would change.")
    m.add_argument("--format", dest="output_format", default="text", metavar="FORMAT",
                   help=f"{', '.join(FORMATS[:-1])} or {FORMATS[-1]} (default text).")
    m.add_argument("--target-version", metavar="YY.MM", help="Target release (default 24.10).")
    m.add_argument("--select", action="append", metavar="RULES", help="Only these rules (ids or prefixes, comma-separated).")
    m.add_argument("--ignore", action="append", metavar="RULES", help="Leave out these rules.")
    m.add_argument("--fail-on-review", action="store_true", default=None,
                   help="Exit 1 while a warning or error finding remains (--failure-threshold warning).")
    m.add_argument("--failure-threshold", metavar="LEVEL",
                   help="Exit 1 while a finding of LEVEL or above remains: warning or error.")
    m.add_argument("--exit-zero", action="store_true", help="Exit 0 instead of 1 (never instead of 2).")
    m.add_argument("--quiet", "-q", action="store_true", help="Print only errors and the chosen report.")
    m.add_argument("--statistics", action="store_true",
                   help="Count findings per rule (text: a table after the findings; json, sarif: summary.rules).")
    m.add_argument("--exclude", action="append", metavar="GLOBS",
                   help="Globs to skip, .gitignore syntax (replaces the configured and the default list).")
    m.add_argument("--extend-exclude", action="append", metavar="GLOBS", help="More globs to skip.")
    m.add_argument("--config", metavar="FILE", help="Configuration file for every file (no search).")
    m.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                   help="Worker processes for big trees (default: one per CPU; 1: no pool).")
    m.add_argument("--unsafe-fixes", action="store_true",
                   help="Also apply fixes that can change behaviour: V1 client code rewritten for tritonclient "
                        "(natively where exact, else through a client adapter module the run writes).")
    m.add_argument("--client-adapter", metavar="PATH",
                   help="Where the client adapter module goes: a folder or a NAME.py file (default: "
                        "triton_v1_compat.py beside each program). An existing file is never overwritten.")
    m.add_argument("--stdin-filename", metavar="PATH",
                   help="With PATH '-': the name standard input is processed as (its kind, its configuration).")
    m.add_argument("--show-files", action="store_true",
                   help="List the files a run would read, with their kind; process nothing.")
    m.add_argument("--show-settings", action="store_true",
                   help="Print the settings that apply to the one PATH; process nothing.")
    m.add_argument("--side-by-side", action="store_true",
                   help="Keep V1 compose services, Kubernetes objects and Helm values entries as they are "
                        "(marked keep-v1) and add their migrated V2 copies beside them.")
    m.add_argument("--side-by-side-suffix", metavar="SUFFIX",
                   help="With --side-by-side: what the copy's name adds to the original's (default -v2).")
    m.add_argument("--side-by-side-port-offset", type=int, metavar="N",
                   help="With --side-by-side: how much higher the copy's host ports are (default 100).")
    m.add_argument("--retire-v1", action="store_true",
                   help="Remove the V1 blocks an earlier --side-by-side run kept (keep-v1 markers).")

    r = sub.add_parser("rules", help="List every rule: id, name, severity, fix availability, summary.",
                       description="List every rule: id, name, severity, fix availability, summary.")
    r.add_argument("--format", dest="output_format", default="text", metavar="FORMAT",
                   help="text (a table) or json (an array of every rule; default text).")
    e = sub.add_parser("explain", help="Explain one rule.", description="Explain one rule.")
    e.add_argument("rule", metavar="RULE", help="A rule id, e.g. TDM301.")
    return p, {"migrate": m, "rules": r, "explain": e}


def _conflicts(a: argparse.Namespace) -> str | None:
    """The first combination of flags that cannot be honoured, as a usage error message."""
    fmt = a.output_format
    stdin = a.stdin_filename is not None or "-" in a.paths
    if stdin and [p for p in a.paths if p != "-"]:
        return ("'-' (standard input) is the only PATH of its run" if "-" in a.paths else
                "--stdin-filename names the standard input: give PATH '-' alone (or no PATH)")
    if a.show_files and a.show_settings:
        return "--show-files and --show-settings are separate questions: ask one"
    if a.side_by_side and a.retire_v1:
        return "--retire-v1 retires what an earlier --side-by-side run kept: use it in a later run without --side-by-side"
    if stdin and (a.side_by_side or a.retire_v1):
        return f"{'--side-by-side' if a.side_by_side else '--retire-v1'} works on files, not on standard input"
    show = "--show-files" if a.show_files else "--show-settings" if a.show_settings else None
    if show:
        for flag, given in (("--diff", a.diff), ("--check", a.check), ("--statistics", a.statistics),
                            ("standard input", stdin)):
            if given:
                return f"{show} processes no file: {flag} cannot be honoured with it"
        if fmt not in SHOW_FORMATS:
            return f"{show} prints text or json, not {fmt}"
        if a.show_settings and len(a.paths) != 1:
            return "--show-settings needs exactly one PATH (the file or folder whose settings to show)"
        return None
    if (a.diff) and fmt in NO_DIFF:
        return f"--diff cannot be honoured with --format {fmt}: {NO_DIFF[fmt]}"
    if a.statistics and fmt in NO_STATISTICS:
        return f"--statistics cannot be honoured with --format {fmt}: {NO_STATISTICS[fmt]}"
    if a.failure_threshold == "error" and a.fail_on_review:
        return "--fail-on-review is --failure-threshold warning; it contradicts --failure-threshold error"
    return None


def migrate(a: argparse.Namespace, argv: list[str]) -> int:
    import os
    import re
    from dataclasses import replace

    from .config import ConfigError, Resolver, side_by_side_offset_problem, side_by_side_suffix_problem
    from .release import NEWEST_KNOWN, Release, parse_target
    from .rules.registry import known
    from .settings import Settings, WriteBack

    if not a.paths and a.stdin_filename is None:
        return _usage("migrate needs at least one PATH (nothing is rewritten by accident)")
    if a.output_format not in FORMATS:
        return _usage(f"--format must be one of {', '.join(FORMATS)}")
    if a.jobs < 0:
        return _usage("--jobs must be 0 (automatic) or more")
    if a.client_adapter is not None:
        from .clientadapter import check_setting

        problem = check_setting(a.client_adapter)
        if problem:
            return _usage(f"--client-adapter: {problem}")
    if a.failure_threshold is not None and a.failure_threshold not in ("warning", "error"):
        return _usage(f"--failure-threshold must be warning or error, not {a.failure_threshold!r}")
    conflict = _conflicts(a)
    if conflict:
        return _usage(conflict)
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
    flags: dict = {}
    if a.target_version is not None:
        try:
            flags["target"] = parse_target(a.target_version)
        except ValueError as e:
            return _usage(f"--target-version: {e}")
    for key, value in (("select", a.select), ("ignore", a.ignore), ("exclude", a.exclude),
                       ("extend_exclude", a.extend_exclude)):
        if value:
            flags[key] = _split(value)
    if a.fail_on_review is not None or a.failure_threshold is not None:
        flags["fail_on_review"] = bool(a.fail_on_review)
        flags["failure_threshold"] = a.failure_threshold
    if a.side_by_side_suffix is not None:
        problem = side_by_side_suffix_problem(a.side_by_side_suffix)
        if problem:
            return _usage(f"--side-by-side-suffix: {problem}")
        flags["side_by_side_suffix"] = a.side_by_side_suffix
    if a.side_by_side_port_offset is not None:
        problem = side_by_side_offset_problem(a.side_by_side_port_offset)
        if problem:
            return _usage(f"--side-by-side-port-offset: {problem}")
        flags["side_by_side_port_offset"] = a.side_by_side_port_offset
    try:
        resolver = Resolver(flags, a.config)
    except ConfigError as e:
        _err(str(e))
        return 2
    wb = (WriteBack.DIFF_CHECK if a.diff and a.check else WriteBack.DIFF if a.diff else
          WriteBack.CHECK if a.check else WriteBack.YES)
    stdin = a.stdin_filename is not None or "-" in a.paths
    base = Settings(write_back=wb, output_format=a.output_format, exit_zero=a.exit_zero, quiet=a.quiet,
                    statistics=a.statistics, jobs=jobs, stdin_filename=a.stdin_filename if stdin else None,
                    unsafe_fixes=a.unsafe_fixes, client_adapter=a.client_adapter, side_by_side=a.side_by_side,
                    retire_v1=a.retire_v1, resolver=resolver)
    # the run's own settings (the target a report names): those of the named paths when they
    # share one configuration, else those of the current directory
    named = [a.stdin_filename or "-"] if stdin else list(a.paths)
    folders = [os.path.abspath(p) if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)) for p in named]
    per_path = [resolver.settings_for_dir(base, f) for f in folders]
    run_s = per_path[0] if len({s.config_path for s in per_path}) == 1 else resolver.settings_for_dir(base, os.getcwd())
    errors = resolver.take_errors()
    if errors:
        for e in errors:
            _err(str(e))
        return 2
    if Release(NEWEST_KNOWN) < run_s.target:
        _err(f"{PROG}: warning: target {run_s.target} is newer than the rules know ({NEWEST_KNOWN}); "
             f"release-dependent rules use what they know of {NEWEST_KNOWN}")
    settings = replace(run_s, resolver=resolver)
    if a.show_files:
        from .batch.show import show_files

        return show_files(list(a.paths), settings)
    if a.show_settings:
        from .batch.show import show_settings

        return show_settings(a.paths[0], settings)
    command = fix_command(argv)
    if stdin:
        from .batch.stdin import run_stdin

        return run_stdin(a.stdin_filename, settings, command)
    from .batch.run import run

    return run(list(a.paths), settings, command)


def fix_command(argv: list[str]) -> str:
    """The command that applies the fixes a --check or --diff run reports: the same one, without the
    flags that write nothing or shape the report."""
    import shlex

    drop = {"--diff", "--check", "--exit-zero", "--quiet", "-q", "--statistics", "--fail-on-review"}
    drop_with_value = {"--format", "--failure-threshold"}
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        if word in drop:
            continue
        if word in drop_with_value:
            skip = True
            continue
        if any(word.startswith(f + "=") for f in drop_with_value):
            continue
        out.append(word)
    return shlex.join([PROG, "migrate", *out])


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
            sys.stdout.flush()
        except KeyboardInterrupt as e:  # before the run (arguments, imports, configuration): nothing written
            _err(signals.message(e))
            code = signals.exit_code(e)
        except BrokenPipeError:  # `--help | head`, or a report printed into a pipe that closed: as asked
            from .report.stream import silence

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
    p, subs = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    a, extra = p.parse_known_args(argv)
    if extra:
        # an unknown flag of a command: that command's usage, not the top-level one
        (subs.get(a.command) or p).error(f"unrecognized arguments: {' '.join(extra)}")
    if a.command is None:
        p.print_help(sys.stderr)
        return 2
    if a.command == "migrate":
        return migrate(a, argv[argv.index("migrate") + 1:])
    if a.command == "rules":
        return rules_cmd(a.output_format)
    return explain(a.rule)
