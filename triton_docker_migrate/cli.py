"""Command line: flags -> Settings, then the run. No migration logic lives here."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from . import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Migrate Triton V1 (TensorRT Inference Server) deployments to Triton V2.")

FORMATS = ("text", "json", "sarif", "github", "markdown")


def _version(value: bool) -> None:
    if value:
        print(f"triton-docker-migrate {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Migrate Triton V1 (TensorRT Inference Server) deployments to Triton V2."""


def _split(values: Optional[List[str]]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or ():
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def _usage(message: str) -> None:
    print(f"triton-docker-migrate: error: {message}", file=sys.stderr)
    raise typer.Exit(2)


@app.command()
def migrate(
    paths: Optional[List[str]] = typer.Argument(None, help="Files or directories to migrate."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff; write nothing."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 when a file would change."),
    output_format: str = typer.Option("text", "--format", help="text, json, sarif, github or markdown."),
    target_version: Optional[str] = typer.Option(None, "--target-version", help="Target release YY.MM (default 24.10)."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these rules (ids or prefixes)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Leave out these rules."),
    fail_on_review: Optional[bool] = typer.Option(None, "--fail-on-review",
                                                  help="Exit 1 while a warning or error finding remains."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 instead of 1 (never instead of 2)."),
    quiet: bool = typer.Option(False, "--quiet", help="Print only errors and the chosen report."),
    statistics: bool = typer.Option(False, "--statistics", help="Count findings per rule."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help="Globs to skip (replaces the configured list)."),
    extend_exclude: Optional[List[str]] = typer.Option(None, "--extend-exclude", help="More globs to skip."),
    config: Optional[str] = typer.Option(None, "--config", help="Configuration file to use."),
    jobs: int = typer.Option(0, "--jobs", help="Worker processes (0: automatic)."),
) -> None:
    """Migrate the V1 files under PATH... (in place unless --diff or --check)."""
    from .config import ConfigError, load
    from .release import NEWEST_KNOWN, Release, parse_target
    from .settings import Settings, WriteBack

    if not paths:
        _usage("migrate needs at least one PATH (nothing is rewritten by accident)")
    if output_format not in FORMATS:
        _usage(f"--format must be one of {', '.join(FORMATS)}")
    try:
        cfg = load(config)
    except ConfigError as e:
        print(str(e), file=sys.stderr)
        raise typer.Exit(2)
    target_text = target_version or str(cfg.get("target-version", "24.10"))
    try:
        target = parse_target(target_text)
    except ValueError as e:
        _usage(f"--target-version: {e}")
    if Release(NEWEST_KNOWN) < target:
        print(f"triton-docker-migrate: warning: target {target} is newer than the rules know ({NEWEST_KNOWN}); "
              f"release-dependent rules use what they know of {NEWEST_KNOWN}", file=sys.stderr)
    wb = (WriteBack.DIFF_CHECK if diff and check else WriteBack.DIFF if diff else
          WriteBack.CHECK if check else WriteBack.YES)

    def listed(key: str, flag: Optional[List[str]]) -> tuple[str, ...]:
        if flag:
            return _split(flag)
        v = cfg.get(key, [])
        return _split([v] if isinstance(v, str) else list(v))

    pfi = tuple((g, tuple(r)) for g, r in dict(cfg.get("per-file-ignores", {})).items())
    settings = Settings(
        target=target, write_back=wb, output_format=output_format,
        select=listed("select", select), ignore=listed("ignore", ignore),
        fail_on_review=bool(cfg.get("fail-on-review", False)) if fail_on_review is None else fail_on_review,
        exit_zero=exit_zero, quiet=quiet, statistics=statistics,
        exclude=listed("exclude", exclude), extend_exclude=listed("extend-exclude", extend_exclude),
        per_file_ignores=pfi, jobs=jobs,
    )
    from .run import run

    raise typer.Exit(run(list(paths), settings))


@app.command("rules")
def rules_cmd() -> None:
    """List every rule: id, name, severity, fix availability, summary."""
    from .rules.registry import all_rules

    for r in all_rules():
        print(f"{r.id}  {r.name:<40} {r.severity.value:<8} fix:{r.fix.value:<10} {r.summary}")


@app.command()
def explain(rule: str = typer.Argument(..., help="A rule id, e.g. TDM301.")) -> None:
    """Explain one rule."""
    from .rules.registry import REGISTRY, all_rules

    all_rules()
    r = REGISTRY.get(rule.upper())
    if r is None:
        _usage(f"unknown rule {rule!r} (see `triton-docker-migrate rules`)")
    print(f"{r.id} ({r.name}) - {r.family}")
    print(f"severity: {r.severity.value}; fix: {r.fix.value}"
          + (f"; from target {r.min_target}" if r.min_target else ""))
    print()
    print(r.summary)
    print()
    print(r.doc)


def main() -> None:
    app(prog_name="triton-docker-migrate")
