"""The one V1 -> V2 server command-line transformer, shared by every file kind.

Input: a CommandLine (words with spans, in whatever syntax the document uses). Output: findings
whose fixes edit the original text, and facts the documents need for follow-through (the removed
health port, the HTTP port, whether TensorFlow options were used).

The option logic follows the facts sheet (shared/triton-v1-v2.md, "Server options" and "Model
control"), checked against the 2.51.0 server: getopt_long abbreviations are resolved against the V1
table and written out in full, removed options are dropped with their value, and the model-control
default V1 relied on (poll every 15 s) is kept explicitly.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from ..documents.sites import CommandLine, Segment, merge_deletes
from ..model import Edit, Finding, Fix, Severity, Span
from ..release import Release
from ..syntax.lines import line_end
from ..syntax.shellwords import Word
from . import tables as T
from .registry import FixAvailability as F
from .registry import Rule, check, rule

I, W = Severity.INFO, Severity.WARNING

# --- the rules of the option rows (tables.py), one each ---------------------------------------------
for _row in T.RENAMED_OPTIONS:
    rule(_row.id, _row.name, I, F.ALWAYS, _row.summary, _row.doc)
for _row in T.REMOVED_OPTIONS:
    rule(_row.id, _row.name, Severity(_row.severity), F(_row.fix), _row.summary, _row.doc,
         min_target=_row.removed_from if _row.removed_from != "20.06" else None)
for _row in T.BACKEND_OPTIONS:
    rule(_row.id, _row.name, I, F.ALWAYS, _row.summary, _row.doc, min_target=_row.renamed_from)

MODEL_CONTROL_DEFAULT = rule(
    "TDM310", "model-control-default", I, F.ALWAYS, "V1 polled the model repository by default",
    "A V1 command line without model-control options polled the repository every 15 s; V2's default is "
    "`--model-control-mode=none`, which silently stops picking up new models. The tool adds "
    "`--model-control-mode=poll` after the last option (before `\"$@\"`-style runtime arguments: a mode they set "
    "comes after it and wins, as V2 takes the last mode it is given, and a `--repository-poll-secs=0` there stops "
    "the polling, as V1's did). Only V1 lines get it; not one whose runtime arguments expand a name that the same file writes, everywhere it "
    "gives it a value, with a model-control option (an unquoted `$SERVER_ARGS` that the shell splits, set to a "
    "value holding `--allow-poll-model-repository=false` in a shape no reader splits into words): that value sets the mode, and "
    "a warning says to migrate it there. A line whose only model-control setting is added by an append "
    "that may stand in a branch a run does not take (`if poll: args.append(...)`, `ARGS+=(...)` in an `if`) "
    "polled on the other runs: the default goes before that append (V2 takes the last mode it is given, "
    "checked on the 2.51.0 server), or, where new options can only go after it, a warning says to write it "
    "there. Options a kustomize patch gives the container of a migrated V1 server (JSON 6902 or strategic merge, "
    "inline in a Kustomization or in a patch file) are migrated in the patch by the same rules, without these "
    "defaults (the server's own line has them) - unless the patch replaces the whole list (`command` or `args`) "
    "the defaults were written in: then they are written in the patch's list too. A patch that gives such a "
    "server a mode of its own (`--model-control-mode=explicit|none`, or V1's `--allow-poll-model-repository`/"
    "`--allow-model-control`, migrated there) is a warning on the patch: V2 takes the last mode it is given, so "
    "its setting wins only if kustomize puts it after the default (remove the default when every overlay sets a "
    "mode). A patch's `--repository-poll-secs` needs nothing: with the default, 2.51.0 polls at that period, and "
    "with 0 it never polls, as V1 did. Source: S1, S2.")
ALLOW_POLL = rule(
    "TDM311", "allow-poll-model-repository-option", I, F.SOMETIMES, "--allow-poll-model-repository removed",
    "`=true` (with polling secs > 0) becomes `--model-control-mode=poll`; `=false` is V2's default and "
    "is dropped. A value known only at run time is reported for review.")
ALLOW_MODEL_CONTROL = rule(
    "TDM312", "allow-model-control-option", I, F.SOMETIMES, "--allow-model-control removed",
    "`=true` becomes `--model-control-mode=explicit`. V1 refused it while polling was on (the default): "
    "such a line could never have started, reported as an error after the fix. `=false` is dropped.")
IGNORED_LOAD_MODEL = rule(
    "TDM313", "ignored-load-model", W, F.ALWAYS, "--load-model that V1 ignored",
    "`--load-model` worked in V1 only in explicit mode and was ignored otherwise; V2 refuses to start "
    "with it unless `--model-control-mode=explicit`. Dropped (all models still load, as in V1): check "
    "whether explicit mode was meant.")
STRICT_DEFAULT = rule(
    "TDM314", "strict-model-config-default", I, F.ALWAYS, "--strict-model-config default changed (22.07)",
    "V1 defaulted to strict model configuration; from 22.07 V2 auto-completes configurations, and for a "
    "model with `max_batch_size` > 1 and no scheduler it turns on dynamic batching (model configuration "
    "docs of 2.51.0, \"Default Max Batch Size and Dynamic Batcher\"), which a V1 deployment would notice. A V1 "
    "line that gave no `--strict-model-config` gets `--disable-auto-complete-config` after its last option "
    "(from 22.07; remove it to opt in to auto-complete). Where options given after the line's own complete it - "
    "runtime arguments (`\"$@\"`), a Dockerfile's exec-form ENTRYPOINT that is the server (its CMD, or the options a "
    "container gives the image in its place: `docker run` words, a compose `command`, Kubernetes `args`; the defaults "
    "go on the ENTRYPOINT, before the CMD those replace), an exec-form CMD given to an ENTRYPOINT script that may add "
    "its own - the default is written `--strict-model-config=true` instead: 2.51.0 lets "
    "`--disable-auto-complete-config` win over a `--strict-model-config=false` in either order, but reads "
    "`--strict-model-config` as its last value, so a setting given after the default still decides, as in V1.",
    min_target="22.07")
ABBREVIATED = rule(
    "TDM315", "abbreviated-option", I, F.ALWAYS, "An abbreviated option is written out in full",
    "getopt accepts unambiguous prefixes (`--model-repo=`). V2 has more options, so a prefix unique in "
    "V1 can be ambiguous in V2 (2.51.0 refuses `--model-c=`): the tool writes the full name.")
RUNTIME_ARGS = rule(
    "TDM316", "runtime-arguments", W, F.NEVER, "Options added at run time",
    "The command line ends in `\"$@\"`, `$ARGS` or similar: the tool cannot see those options. Check "
    "that they hold no V1-only option and no model-control setting. A shell script whose one server line ends in "
    "`\"$@\"` and that a Dockerfile or compose file in its folder or above runs as a container's entrypoint "
    "(`ENTRYPOINT [\"/entrypoint.sh\"]`, `[\"/bin/bash\", \"/entrypoint.sh\"]`; `entrypoint: /entrypoint.sh` with the "
    "script bind-mounted) with options of its own (an exec-form `CMD`, a `command:`) gets no warning: that file "
    "migrates those options as the server's (without the V1 defaults, which the script's line gets), as it does "
    "for an `ENTRYPOINT` that is the server itself. A file sourced by a script of the run that "
    "runs the V1 server the script holds in a variable (`$SERVER $SERVER_ARGS` in `run_server`, with "
    "`SERVER=/opt/tensorrtserver/bin/trtserver` in the script) is told too: that line gets none of the "
    "command-line changes (V1's defaults: `--model-control-mode=poll`, `--disable-auto-complete-config`).")
UNKNOWN_OPTION = rule(
    "TDM317", "unknown-v1-option", W, F.NEVER, "An option V1 did not have",
    "The option is not in the V1 option table: check it against `tritonserver --help`.")
V1_REFUSED = rule(
    "TDM318", "v1-could-not-start", Severity.ERROR, F.NEVER, "A V1 line that V1 itself refused",
    "V1 parsed its options with getopt_long and exited on an option without its value, and on a boolean "
    "that is not `true`, `false`, `1` or `0` (any case; `ParseBoolOption` in V1's `main.cc`): such a line "
    "never started a server, so whatever it was meant to do is unknown. The tool leaves the option for a "
    "person to decide.")
OWN_RELEASE = rule(
    "TDM320", "v2-line-own-release", I, F.NEVER, "A V2 line judged against its own image's release",
    "A `tritonserver` line that runs on a V2 image written with its release (`tritonserver:20.07-py3`, "
    "`tritonserver:25.04-py3`) stays on that image: the migration moves V1 images only. Its options are "
    "judged against that release, not the target: the TensorFlow options that 20.06 and 20.07 still took "
    "under their V1 names (`--tf-gpu-memory-fraction`, `--tf-allow-soft-placement`, `--tf-add-vgpu`; renamed "
    "or removed in 2.2.0 = 20.08) and a `--grpc-infer-thread-count` of 2-128 on 25.04 or later (2.57.0) are "
    "left as they are, since the server the line starts takes them. When the target would change such an "
    "option, this note says what to change when the image moves to the target (an image newer than the target "
    "is not moved back: no note). An option that the image's own release refuses is still migrated "
    "(TDM302-TDM309). The TensorFlow checks (TDM701, TDM702) judge such a line by its image too. A V1 line (its "
    "image moves to the target) and a "
    "line whose image the file does not show are judged against the target. Source: facts sheet, "
    "\"Server options\" and \"Later V2 changes\" (S5: `src/servers/main.cc` at v2.0.0, v2.1.0, v2.2.0, v2.57.0).",
    note=True)
#: V1's strict default written where options given after it may set it (``_add_strict``): V2 reads the last value
STRICT_TRUE = "--strict-model-config=true"
#: V1's boolean options: ``ParseBoolOption`` took true/false/1/0 in any case, nothing else
V1_BOOLEANS = frozenset({
    "exit-on-error", "strict-model-config", "strict-readiness", "allow-http", "allow-grpc", "allow-metrics",
    "allow-gpu-metrics", "allow-poll-model-repository", "allow-model-control", "tf-allow-soft-placement",
    "allow-profiling", "log-info", "log-warning", "log-error"})
_V1_BOOL_VALUES = frozenset({"true", "false", "1", "0"})


def _rule(rule_id: str) -> Rule:
    from .registry import REGISTRY

    return REGISTRY[rule_id]

_TRUE = {"true", "1", "on", "yes"}
_FALSE = {"false", "0", "off", "no"}


@dataclass
class Option:
    name: str  #: the full option name it resolves to (without ``--``)
    typed: str  #: the name as written (may be an abbreviation)
    word: Word
    seg: Segment
    value: str | None = None  #: None when missing
    value_word: Word | None = None  #: the separate value word (``--opt value``)
    value_seg: Segment | None = None

    @property
    def eq(self) -> bool:
        return self.value_word is None

    @property
    def dynamic(self) -> bool:
        if self.value_word is not None:
            return self.value_word.dynamic
        return self.value is not None and ("$" in self.value or "`" in self.value)

    @property
    def span(self) -> Span:
        # a value held by a variable is written elsewhere (maybe before the option): the option alone
        v = self.value_word
        end = v.end if v is not None and v.end >= self.word.end else self.word.end
        return Span(self.word.start, end)

    def bool_value(self) -> bool | None:
        if self.value is None or self.dynamic:
            return None
        v = self.value.strip().lower()
        return True if v in _TRUE else False if v in _FALSE else None


@dataclass
class ArgvResult:
    findings: list[Finding] = field(default_factory=list)
    health_port: str | None = None  #: the removed --http-health-port value
    #: where the removed --http-health-port value is written when it is an expression the file does not set to
    #: a literal (``${HEALTH_PORT:-8005}``, ``{{ .Values.healthPort }}``): a port written the same way is it
    health_expr: Span | None = None
    http_port: str = "8000"
    #: where --http-port's value is written when it is an expression the file does not set to a literal
    #: (``${NOMAD_PORT_http}``): ``http_port`` is then V2's default, not what the server listens on
    http_expr: Span | None = None
    grpc_port: str = "8001"
    uses_tensorflow: bool = False
    runtime_args: bool = False  #: the line holds "$@"/$ARGS-style words
    release: Release | None = None  #: the release the line's options were judged against (``line_release``)
    mode: str | None = None  #: resulting model-control mode, when known


def resolve(typed: str, table: tuple[str, ...]) -> str | None:
    """getopt_long: an exact name, or a prefix of exactly one option."""
    if typed in table:
        return typed
    hits = [o for o in table if o.startswith(typed)]
    return hits[0] if len(hits) == 1 else None


@functools.lru_cache(maxsize=4096)  # a pure function of the word, asked for each option of each line
def resolve_v1(typed: str) -> str | None:
    """What V1 read ``--typed`` as: an option name, or a prefix that named one option in the V1
    releases where it was unique (``--allow-p`` was --allow-poll-model-repository in 19.10-20.02,
    ambiguous beside --allow-profiling in 19.05-19.09)."""
    got = {resolve(typed, table) for table in T.V1_OPTIONS_BY_RELEASE.values()} - {None}
    return got.pop() if len(got) == 1 else None


def parse_options(cl: CommandLine) -> tuple[list[Option], list[Word], list[Word]]:
    """Options of the line, its whole-expansion words (``"$@"``), and unknown option words."""
    table = T.V1_OPTIONS if cl.v1 else T.V2_OPTIONS
    opts: list[Option] = []
    dynamic: list[Word] = []
    unknown: list[Word] = []
    args = cl.args()
    k = 0
    while k < len(args):
        w, seg = args[k]
        k += 1
        v = w.value
        if v == "--":
            break
        if w.is_whole_expansion:
            dynamic.append(w)
            continue
        if not v.startswith("--") or len(v) < 3:
            continue
        typed, eq, value = v[2:].partition("=")
        name = resolve_v1(typed) if cl.v1 else resolve(typed, table)
        if name is None and not cl.v1:
            name = resolve_v1(typed)
        if name is None and cl.v1 and typed in T.V2_OPTIONS:
            name = typed  # a V2 option written out in full: the line is migrated already, in part
        if name is None:
            unknown.append(w)
            # in V1 every long option but --help took a value (V1 main.cc): the next word is its value
            if cl.v1 and not eq and k < len(args) and not args[k][0].value.startswith("-"):
                k += 1
            continue
        opt = Option(name, typed, w, seg, value if eq else None)
        if not eq and name not in T.NO_ARGUMENT and k < len(args):
            opt.value_word, opt.value_seg = args[k]
            opt.value = opt.value_word.value
            k += 1
        opts.append(opt)
    return opts, dynamic, unknown


#: what a removed option's message says of its fix, and what it says when that fix is not applied
_DROPPED, _NOT_DROPPED = "; dropped", "; not dropped (remove it by hand)"


class _Builder:
    """Collects findings for one line; every fix is expressed as edits of the original text."""

    def __init__(self, cl: CommandLine, target: Release) -> None:
        self.cl = cl
        self.target = target
        self.out = ArgvResult()
        self.deleted: list[tuple[tuple[Edit, ...], list[tuple[Word, Segment]]]] = []
        self.gone: set[int] = set()  #: ids of the words deleted so far
        self.starts_server = True  #: False for ``trtserver --help``-style lines: nothing is added

    def finding(self, rule: Rule | str, span: Span, message: str, severity: str | Severity,
                edits: list[Edit] | None = None, title: str = "", suggestion: str | None = None) -> None:
        fix = Fix.of(title or message, *edits) if edits else None
        r = rule if isinstance(rule, Rule) else _rule(rule)
        f = r.finding(span, message, severity, fix, suggestion)
        if fix is not None and _DROPPED in message:  # a drop the file refuses (code writes it, it is held)
            f.unfixed = (_DROPPED, _NOT_DROPPED)
        self.out.findings.append(f)

    def delete(self, opt: Option) -> list[Edit]:
        words = [(opt.word, opt.seg)]
        if opt.value_word is not None and opt.value_seg is not None:
            words.append((opt.value_word, opt.value_seg))
        edits = merge_deletes([self.cl.delete(w, s) for w, s in words])
        self.deleted.append((tuple(edits), words))
        self.gone.update(id(w) for w, _ in words)
        return edits

    def settle_deletes(self) -> None:
        """Redo every deletion knowing all the words this line loses: neighbours deleted one by
        one would share a separator (overlapping edits) or leave one too many (``[, "x"]``)."""
        if not self.deleted:
            return
        self.cl.deleting = frozenset(self.gone)
        owner = {id(e): g for g, (provisional, _) in enumerate(self.deleted) for e in provisional}
        try:
            for f in self.out.findings:
                if f.fix is None:
                    continue
                edits: list[Edit] = []
                groups: dict[int, None] = {}
                for e in f.fix.edits:
                    g = owner.get(id(e))
                    if g is None:
                        edits.append(e)
                    else:
                        groups[g] = None
                if not groups:
                    continue
                for g in groups:
                    edits += merge_deletes([self.cl.delete(w, s) for w, s in self.deleted[g][1]])
                f.fix = Fix.of(f.fix.title, *edits)
        finally:
            self.cl.deleting = frozenset()

    def rename(self, opt: Option, new_name: str) -> Edit:
        return self.cl.replace_value(opt.word, opt.seg, 2, 2 + len(opt.typed), new_name)

    def set_option(self, opt: Option, name: str, value: str) -> list[Edit]:
        """Turn ``opt`` (either form) into ``--name=value`` / ``--name value`` in place."""
        if opt.value_word is None:
            return [self.cl.replace_value(opt.word, opt.seg, 0, len(opt.word.value), f"--{name}={value}")]
        assert opt.value_seg is not None
        return [
            self.rename(opt, name),
            self.cl.replace_value(opt.value_word, opt.value_seg, 0, len(opt.value_word.value), value),
        ]


def line_release(cl: CommandLine, target: Release) -> Release:
    """The release ``cl``'s options are judged against: the target for a V1 line (its image moves to the
    target) and for a line whose image the file does not show; for a line on a V2 ``tritonserver`` image
    written with its release, that release - the migration never moves a V2 image, so the line keeps
    starting that release's server."""
    if cl.v1 or not cl.images:
        return target
    from ..facts import v2_release

    found = {v2_release(cl.text[sp.start:sp.end]) for sp in cl.images} - {None}
    if len(found) != 1:
        return target
    return Release(found.pop())


_OCP = re.compile(r"\$\{\{([A-Za-z_]\w*)\}\}")  # an OpenShift parameter as YAML: ``${{HEALTH_PORT}}``
_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)


def health_text(expr: str) -> str:
    """A port expression as compared with another one (a Go template action's blanks and trim marks aside:
    ``{{- .Values.healthPort }}`` is ``{{ .Values.healthPort }}``)."""
    expr = _OCP.sub(r"${\1}", expr.strip().strip("\"'"))
    return _ACTION.sub(lambda m: "{{ " + " ".join(m.group(1).split()) + " }}", expr)


#: a variable with a default port (``${HEALTH_PORT:-8005}``)
_DEFAULT = re.compile(r"\$\{[A-Za-z_]\w*:?-(\d{1,5})\}")


def health_keys(doc, res: ArgvResult) -> list[str]:
    """How the files may write the removed health port of a line: its number, and the expression its value
    is written as (a port written the same way is it: ``${HEALTH_PORT:-8005}``, ``{{ .Values.healthPort }}``)."""
    out = [res.health_port] if res.health_port else []
    if res.health_expr is not None:
        expr = health_text(doc.text[res.health_expr.start:res.health_expr.end])
        if expr and expr not in out:
            out.append(expr)
    return out


def _value_span(o: Option) -> Span | None:
    """Where the value of ``o`` is written in the document (None: not in one run of it)."""
    w = o.value_word
    i = 0 if w is not None else o.word.value.find("=") + 1
    w = w if w is not None else o.word
    if i <= 0 and w is o.word or i >= len(w.value):
        return None
    offs = w.offsets[i:]
    if offs[-1] - offs[0] != len(offs) - 1:
        return None
    return Span(offs[0], offs[-1] + 1)


def _accepted(row: T.RemovedOption, o: Option, release: Release) -> bool | None:
    """Whether ``release`` takes the removed option ``o`` as given (None: its value is known only at run time)."""
    if release < Release(row.removed_from):
        return True
    if not (row.back_from and release.at_least(row.back_from)):
        return False
    lo, hi = row.valid_range or (0, 1 << 31)
    try:
        return lo <= int(o.value or "") <= hi
    except ValueError:
        return None if o.dynamic else False


def _own_release(b: "_Builder", o: Option, release: Release, change: str) -> None:
    """The note on an option that ``release`` (the line's own V2 image, which stays) takes and the target
    would change: left as it is, with the change to make when the image moves to the target. (An image newer
    than the target gets none: it is not moved back.)"""
    if b.target < release:
        return
    b.finding(OWN_RELEASE, o.span, f"--{o.name}: kept, as this line's image ({release}, a V2 image older than the "
              f"target {b.target}, which the migration does not move) takes it; when the image moves to "
              f"{b.target}: {change}", "info")


def transform(cl: CommandLine, target: Release, held=None) -> ArgvResult:
    """Findings (with fixes) that turn the V1 command line ``cl`` into a V2 one for ``target``. ``held``: the
    document's ``held`` (a value of variables the file sets once to a literal is that literal), for the ports."""
    b = _Builder(cl, target)
    opts, dynamic, unknown = parse_options(cl)
    dynamic += cl.extra.get("runtime_words", ())  # (the program that runs the line adds arguments: ``xargs``)
    res = b.out
    res.runtime_args = bool(dynamic)
    rel = res.release = line_release(cl, target)
    handled: set[int] = set()

    def last(name: str) -> Option | None:
        found = [o for o in opts if o.name == name]
        return found[-1] if found else None

    def port(o: Option) -> str | None:
        """The port ``o`` gives: its value, or the literal its variables are set to once in the file."""
        if not o.value or not o.dynamic:
            return o.value or None
        got = held(o.value) if held is not None else None
        return got if got is not None and got.isdigit() else None

    for o in opts:
        if o.name == "http-port" and port(o):
            res.http_port = port(o)  # type: ignore[assignment]
        elif o.name == "http-port" and o.dynamic:
            res.http_expr = _value_span(o)
        if o.name == "grpc-port" and port(o):
            res.grpc_port = port(o)  # type: ignore[assignment]
        if o.name in T.TF_OPTIONS:
            res.uses_tensorflow = True

    # removed options
    for row in T.REMOVED_OPTIONS:
        for o in (x for x in opts if x.name == row.option):
            handled.add(id(o))
            ok = _accepted(row, o, rel)
            if ok and rel != target and (there := _accepted(row, o, target)) is not True:
                _own_release(b, o, rel, f"{row.why}: remove it" if there is False else
                             f"check the value set at run time ({row.why})")
            if ok:
                continue
            if row.back_from and rel.at_least(row.back_from):
                lo, hi = row.valid_range or (0, 1 << 31)
                if ok is None:
                    b.finding(row.id, o.span, f"--{row.option} takes {lo}-{hi} from {row.back_from}: check "
                              f"the value set at run time", "warning")
                    continue
                which = "the target" if rel == target else f"the image of this line ({rel})"
                b.finding(row.id, o.span, f"--{row.option}={o.value} is outside {lo}-{hi}, which {which} refuses; "
                          f"dropped", "warning", b.delete(o), f"Remove --{row.option}")
                continue
            if row.option == "http-health-port":
                res.health_port = port(o)
                if o.dynamic:
                    res.health_expr = _value_span(o)
                    d = _DEFAULT.fullmatch(o.value or "") if res.health_port is None else None
                    if d is not None:  # ``${HEALTH_PORT:-8005}``: the port it was written for
                        res.health_port = d.group(1)
            sev = row.severity
            msg = row.why + "; dropped"
            if row.option == "api-version" and (o.value or "").strip() == "1":
                sev, msg = "warning", msg + " (the line served the V1 protocol: its clients must move to V2)"
            elif row.option == "http-health-port":
                shown = o.value if not o.dynamic or port(o) is None else f"{o.value} ({port(o)})"
                msg += f", so health checks on port {shown} must use the HTTP port ({res.http_port})"
            b.finding(row.id, o.span, msg, sev, b.delete(o), f"Remove --{row.option}")

    # TensorFlow options renamed to --backend-config
    for brow in T.BACKEND_OPTIONS:
        for o in (x for x in opts if x.name == brow.option):
            handled.add(id(o))
            prefix = f"{brow.backend},{brow.setting}="
            if rel < Release(brow.renamed_from):
                if o.value is not None and target.at_least(brow.renamed_from):
                    _own_release(b, o, rel, f"renamed in 2.2.0 (20.08) to --backend-config={prefix}<value>")
                continue
            if o.value is None:
                continue  # no value: V1 refused the line (TDM318)
            if o.value_word is None:
                edits = [b.cl.replace_value(o.word, o.seg, 0, len(o.typed) + 3, f"--backend-config={prefix}")]
            else:
                assert o.value_seg is not None
                edits = [b.rename(o, "backend-config"),
                         b.cl.replace_value(o.value_word, o.value_seg, 0, 0, prefix)]
            b.finding(brow.id, o.span, f"--{brow.option} was renamed in 2.2.0 (20.08): "
                      f"--backend-config={prefix}<value>", "info", edits, f"Use --backend-config={prefix}")

    # --model-store -> --model-repository (V1 lines only: V2 still accepts it)
    for rrow in T.RENAMED_OPTIONS:
        for o in (x for x in opts if x.name == rrow.option):
            handled.add(id(o))
            if cl.v1:
                b.finding(rrow.id, o.span, f"{rrow.note}: renamed", "info", [b.rename(o, rrow.new)],
                          f"Use --{rrow.new}")

    b.starts_server = not _asks_usage(opts, unknown)
    _model_control(b, opts, handled, dynamic)

    # abbreviations of options that stay
    for o in opts:
        # on a V2 line, only an abbreviation V2 refuses or reads otherwise (``--model-c``)
        if id(o) not in handled and o.typed != o.name and (cl.v1 or resolve(o.typed, T.V2_OPTIONS) != o.name):
            b.finding(ABBREVIATED, Span(o.word.start, o.word.end),
                      f"--{o.typed} abbreviates --{o.name}: written out in full (a prefix unique in V1 "
                      f"can be ambiguous in V2)", "info", [b.rename(o, o.name)], f"Use --{o.name}")

    if cl.v1:
        _refused_by_v1(b, opts)
        for w in unknown:
            b.finding(UNKNOWN_OPTION, w.span, f"{w.value.partition('=')[0]} is not a V1 server option: check it "
                      f"against `tritonserver --help`", "warning")
        if target.at_least(T.STRICT_DEFAULT_FALSE) and last("strict-model-config") is None \
                and last("disable-auto-complete-config") is None and not cl.appended:
            if not _value_missing(opts) and b.starts_server:
                _add_strict(b, opts, dynamic)
        built = getattr(cl, "built", None)
        given = last("strict-model-config")
        if given is not None and built is not None and getattr(built, "strict_default", False) \
                and target.at_least(T.STRICT_DEFAULT_FALSE):
            # options given to an image whose ENTRYPOINT line the migration gave --disable-auto-complete-config
            b.finding(STRICT_DEFAULT, given.span, f"{given.word.value}: the image's ENTRYPOINT ({built.dockerfile}) "
                      f"now holds --disable-auto-complete-config (V1's default, written out), and V2 ignores "
                      f"--strict-model-config beside it, in either order: remove --disable-auto-complete-config "
                      f"there if this opts in to auto-complete", "warning")
    for seg in cl.segments:
        if getattr(seg.syntax, "overridable", False) and seg.words:
            name = seg.syntax.variable
            res.findings.append(RUNTIME_ARGS.finding(
                Span(seg.words[0].start, seg.words[-1].end), f"these options are only {name}'s default: they are "
                f"migrated here, but {name} may be set from outside (the environment, a caller, a variables file) instead: "
                f"check that what it is given holds no V1-only option"))
    if dynamic:
        res.findings.append(RUNTIME_ARGS.finding(
            dynamic[0].span, f"{', '.join(dict.fromkeys(w.value for w in dynamic))}: options are added at run "
            f"time here: check that they hold no V1-only option (V2 refuses to start with one) and no "
            f"model-control setting"))
    b.settle_deletes()
    return res


def _asks_usage(opts: list[Option], unknown: list[Word]) -> bool:
    """``trtserver --help`` (or ``--version``, which neither server has: getopt exits on it) prints
    and exits: the line starts no server, so no model-control or auto-complete option is added."""
    return any(o.name == "help" for o in opts) or any(w.value.partition("=")[0] == "--version" for w in unknown)


def _value_missing(opts: list[Option]) -> bool:
    """An option at the end of the line without its value: a word added after it would become its
    value (getopt_long takes the next word, whatever it is), so nothing is added to such a line."""
    return any(o.value is None and o.name not in T.NO_ARGUMENT for o in opts)


def _refused_by_v1(b: _Builder, opts: list[Option]) -> None:
    """Options V1 itself refused to start with: a missing value, a boolean it could not read."""
    for o in opts:
        if o.value is None and o.name not in T.NO_ARGUMENT and o.name in T.V1_OPTIONS:
            b.finding(V1_REFUSED, o.span, f"--{o.typed} has no value: V1 exited on it, so this line never started "
                      f"a server; give it the value that was meant (or remove it)", "error")
        elif o.name in V1_BOOLEANS and not o.dynamic and o.value is not None \
                and o.value.strip().lower() not in _V1_BOOL_VALUES:
            b.finding(V1_REFUSED, o.span, f"--{o.typed}={o.value}: V1 read booleans as true, false, 1 or 0 and "
                      f"exited on anything else, so this line never started a server; write what was meant",
                      "error", suggestion=f"--{o.name}=true|false")


def _line_span(cl: CommandLine) -> Span:
    words = [w for seg in cl.segments for w in seg.words]
    return Span(words[0].start, words[-1].end) if words else Span(0, 0)


def _model_control(b: _Builder, opts: list[Option], handled: set[int], dynamic: list[Word]) -> None:
    cl, res = b.cl, b.out
    add_poll = False

    def all_named(name: str) -> list[Option]:
        return [o for o in opts if o.name == name]

    modes, amcs, polls = all_named("model-control-mode"), all_named("allow-model-control"), all_named(
        "allow-poll-model-repository")
    secs = all_named("repository-poll-secs")
    loads = all_named("load-model")
    for o in amcs + polls:  # kept modes are not: an abbreviated one is written out in full below
        handled.add(id(o))
    if cl.appended and not (modes or amcs or polls):
        # options a patch gives a server line written elsewhere: that line's mode (its default written there)
        given = cl.extra.get("given_to")
        res.mode = transform(given, b.target).mode if given is not None else cl.extra.get("mode")
        if res.mode is not None and res.mode != "explicit":
            for o in loads:
                handled.add(id(o))
                b.finding(IGNORED_LOAD_MODEL, o.span, f"--load-model only works with --model-control-mode=explicit, and "
                          f"the server runs in mode {res.mode}: V1 ignored it and V2 refuses to start with it; dropped "
                          f"(all models load, as in V1)", "warning", b.delete(o), "Remove --load-model")
        return
    mode_opt = modes[-1] if modes else None
    amc = amcs[-1] if amcs else None
    apoll = polls[-1] if polls else None
    secs_v: int | None = 15
    secs_known = True
    if secs:
        try:
            secs_v = int(secs[-1].value or "")
        except ValueError:
            secs_known = False

    def drop_all(group: list[Option], rule: Rule, msg: str, sev: str = "info") -> None:
        for o in group:
            b.finding(rule, o.span, msg, sev, b.delete(o), f"Remove --{o.name}")

    if mode_opt is not None:
        res.mode = None if mode_opt.dynamic else (mode_opt.value or "").lower()
        drop_all(amcs, ALLOW_MODEL_CONTROL, "--allow-model-control was removed in V2 (and --model-control-mode "
                 "already decides); dropped")
        drop_all(polls, ALLOW_POLL, "--allow-poll-model-repository was removed in V2 (and "
                 "--model-control-mode already decides); dropped")
    else:
        amc_v = amc.bool_value() if amc else False
        poll_v = apoll.bool_value() if apoll else True
        if (amc and amc_v is None) or (apoll and poll_v is None):
            for o in (x for x in (amc, apoll) if x is not None):
                b.finding(ALLOW_POLL if o is apoll else ALLOW_MODEL_CONTROL, o.span,
                          f"--{o.name} was removed in V2 and its value is only known at run time: "
                          f"replace it with --model-control-mode", "warning",
                          suggestion="--model-control-mode=poll|explicit|none")
            return
        if amc_v:
            res.mode = "explicit"
            assert amc is not None
            msg = "--allow-model-control=true is --model-control-mode=explicit in V2"
            sev = "info"
            if poll_v is not False:
                msg += ("; V1 refused to start with model control and repository polling both on "
                        "(polling is on by default), so this line could never have run as written")
                sev = "error"
            b.finding(ALLOW_MODEL_CONTROL, amc.span, msg, sev, b.set_option(amc, "model-control-mode", "explicit"),
                      "Use --model-control-mode=explicit")
            drop_all(amcs[:-1], ALLOW_MODEL_CONTROL, "--allow-model-control was removed in V2; dropped")
            drop_all(polls, ALLOW_POLL, "--allow-poll-model-repository was removed in V2; dropped")
        else:
            poll = bool(poll_v) and (not secs_known or (secs_v or 0) > 0)
            drop_all(amcs, ALLOW_MODEL_CONTROL, "--allow-model-control=false was removed in V2 (its default); dropped")
            if poll:
                res.mode = "poll"
                if apoll is not None:
                    b.finding(ALLOW_POLL, apoll.span, "--allow-poll-model-repository=true is "
                              "--model-control-mode=poll in V2", "info",
                              b.set_option(apoll, "model-control-mode", "poll"), "Use --model-control-mode=poll")
                    drop_all(polls[:-1], ALLOW_POLL, "--allow-poll-model-repository was removed in V2; dropped")
                elif cl.v1:
                    add_poll = True
                else:
                    res.mode = "none"  # a V2 line relying on V2's default
            else:
                res.mode = "none"
                if apoll is not None:
                    # written out, though it is V2's default: the line then means the same whatever image
                    # runs it (a V1 image left by a tag the tool cannot map reads a bare line as V1's,
                    # which polled)
                    how = "=false" if poll_v is False else " with --repository-poll-secs=0 (no polling)"
                    b.finding(ALLOW_POLL, apoll.span, f"--allow-poll-model-repository{how} is "
                              "--model-control-mode=none in V2 (its default, written out)", "info",
                              b.set_option(apoll, "model-control-mode", "none"), "Use --model-control-mode=none")
                    drop_all(polls[:-1], ALLOW_POLL, "--allow-poll-model-repository was removed in V2; dropped")
    if cl.v1 and res.mode is not None and res.mode != "explicit":
        for o in loads:
            handled.add(id(o))
            b.finding(IGNORED_LOAD_MODEL, o.span, "--load-model only works with --model-control-mode=explicit: V1 "
                      "ignored it here and V2 refuses to start with it; dropped (all models load, as in V1)",
                      "warning", b.delete(o), "Remove --load-model")
    if add_poll and not _value_missing(opts) and b.starts_server and not cl.appended:
        _add_poll(b, opts, dynamic)  # last: the new option goes after the last option that stays
    elif cl.v1 and (modes or amcs or polls) and not secs and b.starts_server and not _value_missing(opts) \
            and not cl.appended:
        _poll_where_unset(b, opts, modes + amcs + polls)


def _poll_where_unset(b: _Builder, opts: list[Option], settings: list[Option]) -> None:
    """A V1 line whose model-control settings are all added by appends that may stand in a branch a run
    does not take (``if poll: ARGS += [...]``): on the other runs V1 polled, V2 would not. The default goes
    before them (V2 takes the last mode it is given, so the setting still decides where it is added); when
    the place for new options comes after them, a warning says where to write it."""
    seg_of = {id(w): seg for w, seg in b.cl.args()}
    if not all(id(o.word) in seg_of and seg_of[id(o.word)].syntax.conditional for o in settings):
        return
    order = {id(w): k for k, (w, _seg) in enumerate(b.cl.args())}
    eq_style = sum(1 for o in opts if o.eq) >= sum(1 for o in opts if not o.eq)
    values = ["--model-control-mode=poll"] if eq_style else ["--model-control-mode", "poll"]
    edit, anchor = _insertion(b, opts, values, frozenset(id(o.word) for o in settings))
    msg = ("V1 polled the model repository every 15 s by default; this line sets a mode only in an append that "
           "may stand in a branch a run does not take, so on the other runs V2 would not poll")
    where = b.cl.binary.span if b.cl.binary is not None else settings[0].span
    first = min(order[id(o.word)] for o in settings)

    def place(w: Word) -> float:
        """Where new words after ``w`` stand in the line's words (after an expansion: after what it holds)."""
        if id(w) in order:
            return order[id(w)]
        if w is b.cl.binary:
            return -1
        held = [order[id(x)] for x, seg in b.cl.args() if seg.expansion is w]
        return max(held) + 0.5 if held else len(order)

    if edit is not None and anchor is not None and place(anchor) < first:
        b.finding(MODEL_CONTROL_DEFAULT, where, msg + ": --model-control-mode=poll before it keeps V1's default "
                  "(V2 takes the last mode it is given)", "info", [edit], "Add --model-control-mode=poll")
    else:
        b.finding(MODEL_CONTROL_DEFAULT, where, msg + ": add --model-control-mode=poll before the append (V2 takes "
                  "the last mode it is given)", "warning", suggestion="--model-control-mode=poll")


#: what a value that names only the program (``binary: trtserver``, CommandLine.extra["program_only"]) says of
#: an option the migration adds: it goes where the launcher's options are, not after the program's name
_ELSEWHERE = ("; this value names only the program: add {0} where the options the program is given are written "
              "(not here, where it would be taken for part of the program's name)")


#: the same for the first item of a list that cannot be read whole (CommandLine.extra["unread"]: the item read last)
_UNREAD = ("; but the list this item starts cannot be read whole ({1} is no plain string), so its other options "
           "are not known: judge the setting from the whole list, and if it does not set it, add {0} as an item of "
           "its own after the last option (not in this item, where it would be taken for part of the program's name)")


def _add_elsewhere(b: _Builder, rule: Rule, msg: str, option: str) -> bool:
    if not b.cl.extra.get("program_only") or b.cl.binary is None:
        return False
    unread = b.cl.extra.get("unread")
    b.finding(rule, b.cl.binary.span, msg + (_UNREAD.format(option, unread) if unread else _ELSEWHERE.format(option)),
              "warning")
    return True


def _completed(b: _Builder, dynamic: list[Word]) -> str:
    """What gives the line options after those it writes (a V1 default added here comes before them), or "":
    the options added at run time (``"$@"``), or those the line is completed with elsewhere
    (``CommandLine.extra["completed"]``: a Dockerfile's exec-form ENTRYPOINT server line, whose CMD the options a
    container gives the image replace - ``extra["stop"]``: the defaults go before it -, a CMD given to a script)."""
    if dynamic:
        return "the options added at run time"
    return b.cl.extra.get("completed", "")


def _add_poll(b: _Builder, opts: list[Option], dynamic: list[Word]) -> None:
    msg = ("V1 polled the model repository every 15 s by default; V2's default is none: "
           "--model-control-mode=poll keeps the V1 behaviour")
    if _add_elsewhere(b, MODEL_CONTROL_DEFAULT, msg, "--model-control-mode=poll"):
        return
    eq_style = sum(1 for o in opts if o.eq) >= sum(1 for o in opts if not o.eq)
    values = ["--model-control-mode=poll"] if eq_style else ["--model-control-mode", "poll"]
    held = _held_mode(b.cl, dynamic)
    if held is not None:
        word, option = held
        where = b.cl.binary.span if b.cl.binary is not None else word.span
        b.finding(MODEL_CONTROL_DEFAULT, where, f"{msg}; but {word.value}, added at run time, looks to hold {option} "
                  f"where this file gives it a value: that sets the mode, so no default is added (migrate the mode "
                  f"where the value is written: --model-control-mode=poll|none|explicit)", "warning",
                  suggestion="--model-control-mode=poll|none|explicit")
        return
    edit, anchor = _insertion(b, opts, values, b.cl.extra.get("stop", frozenset()))
    if edit is None:
        _add_by_hand(b, MODEL_CONTROL_DEFAULT, msg, anchor, values)
        return
    later = _completed(b, dynamic)
    if later:
        # V2 takes the last mode it is given, and with --repository-poll-secs=0 it never polls (2.51.0): the
        # settings given after the default still decide, as in V1
        msg += (f"; {later} come after it: a mode they set wins (V2 takes the last one), and a "
                f"--repository-poll-secs=0 there stops the polling, as in V1")
    where = b.cl.binary.span if b.cl.binary is not None else anchor.span
    b.finding(MODEL_CONTROL_DEFAULT, where, msg, "info", [edit], "Add --model-control-mode=poll")


#: the name a runtime-argument word expands: ``$X``, ``${X}``, ``$(X)`` (make, the kubelet), ``${{ env.X }}``,
#: ``${local.x}``/``${var.x}`` (HCL), ``{{ x | join(' ') }}`` (a template)
_EXPANDED_NAME = re.compile(r"^\$\{\{\s*env\.(\w+)\s*\}\}|^\$[{(]?(?:local\.|var\.)?([A-Za-z_]\w*)|^\{\{-?\s*\.?([A-Za-z_][\w.]*)")
#: an option that sets the model-control mode, V1's or V2's
_MODE_OPTION = re.compile(r"--(?:allow-poll-model-repository|allow-model-control|model-control-mode|repository-poll-secs)\b")


def _held_mode(cl: CommandLine, dynamic: list[Word]) -> tuple[Word, str] | None:
    """A runtime-argument word of ``cl`` that the shell splits into words (unquoted ``$SERVER_ARGS``), whose name
    every other place of the same file writes with an option that sets the model-control mode, in a shape no reader
    splits into the line's options: that word and the option. Each place is looked at with the rest of its line,
    its continuation lines, and the next line when nothing follows the name on its own. A name written once
    without such an option (a value of another branch) keeps the default: there V1 polled. A word that is one
    argument whatever it holds (a list item such as Kubernetes' ``$(SERVER_ARGS)``, a quoted ``"$ARGS"``) is no
    options at all for V1: the default stays."""
    own = _line_spans(cl)
    split = {id(w) for seg in cl.segments if seg.syntax.name == "shell" for w in seg.words if not w.quote}
    for w in dynamic:
        if id(w) not in split:
            continue  # one argument whatever it holds (a list item, ``"$ARGS"``): its options are no options of V1's
        m = _EXPANDED_NAME.match(w.value)
        if m is None:
            continue
        option = _places(cl.text, next(g for g in m.groups() if g).rsplit(".", 1)[-1]).held([w.span, *own])
        if option is not None:
            return w, option
    return None


class _Places:
    """Where a name is written in a text (``starts``, in order) and the option that sets the model-control mode
    written with each place (``options``, None where there is none), read once per text and name: a file that runs
    the server on many lines asks the same of each (``_held_mode``)."""

    def __init__(self, text: str, name: str) -> None:
        self.starts: list[int] = []
        self.options: list[str | None] = []
        for ref in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text):
            end = line_end(text, ref.end(), continued=True)
            if not text[ref.end():end].strip(" \t\r:=\"'") and end < len(text):
                end = line_end(text, end + 1)
            option = _MODE_OPTION.search(text, ref.end(), end)
            self.starts.append(ref.start())
            self.options.append(option.group() if option is not None else None)
        self.without = self.options.count(None)  #: the places without such an option

    def held(self, own: list[Span]) -> str | None:
        """The option of the first place outside ``own`` (the spans of a line's own words) when every place
        outside them has one, else None."""
        inside = {i for s in own
                  for i in range(bisect.bisect_left(self.starts, s.start), bisect.bisect_left(self.starts, s.end))}
        if len(inside) == len(self.starts) or self.without > sum(1 for i in inside if self.options[i] is None):
            return None
        return self.options[next(i for i in range(len(self.starts)) if i not in inside)]


#: the places of each name in the last text asked about: the server lines of one file ask about its text
_LAST: tuple[str, dict[str, _Places]] = ("", {})


def _places(text: str, name: str) -> _Places:
    global _LAST
    last, by_name = _LAST
    if last is not text:
        by_name = {}
        _LAST = (text, by_name)
    if name not in by_name:
        by_name[name] = _Places(text, name)
    return by_name[name]


def _line_spans(cl: CommandLine) -> list[Span]:
    """The spans of the words the line itself holds (its own options are read as options)."""
    return [w.span for seg in cl.segments for w in seg.words]


def _add_strict(b: _Builder, opts: list[Option], dynamic: list[Word]) -> None:
    """V1 refused model configurations it could not read as they were; from 22.07 V2 completes them
    (and turns on dynamic batching for models with max_batch_size > 1 and no scheduler)."""
    msg = ("V1 defaulted to --strict-model-config=true; from 22.07 the server auto-completes model configurations "
           "and turns on dynamic batching for models with max_batch_size > 1 and no scheduler: "
           "--disable-auto-complete-config keeps V1's behaviour (remove it to opt in to auto-complete)")
    if _add_elsewhere(b, STRICT_DEFAULT, msg, "--disable-auto-complete-config"):
        return
    later = _completed(b, dynamic)
    values, title = ["--disable-auto-complete-config"], "Add --disable-auto-complete-config"
    if later:
        # V2 lets --disable-auto-complete-config win over a --strict-model-config=false in either order, but
        # reads --strict-model-config as its last value (2.51.0): written so, V1's default leaves the options
        # given after it the last word, as V1 did
        eq_style = sum(1 for o in opts if o.eq) >= sum(1 for o in opts if not o.eq)
        values = [STRICT_TRUE] if eq_style else ["--strict-model-config", "true"]
        title = f"Add {STRICT_TRUE}"
        msg = ("V1 defaulted to --strict-model-config=true; from 22.07 the server auto-completes model configurations "
               "and turns on dynamic batching for models with max_batch_size > 1 and no scheduler: "
               f"{STRICT_TRUE} keeps V1's behaviour and lets {later}, which come after it, still decide (V2 would "
               "let --disable-auto-complete-config win over a --strict-model-config=false given there)")
    edit, anchor = _insertion(b, opts, values, b.cl.extra.get("stop", frozenset()))
    if edit is None:
        _add_by_hand(b, STRICT_DEFAULT, msg, anchor, values)
        return
    where = b.cl.binary.span if b.cl.binary is not None else anchor.span
    b.finding(STRICT_DEFAULT, where, msg, "info", [edit], title)


def _add_by_hand(b: _Builder, rule: Rule, msg: str, anchor: Word | None, values: list[str]) -> None:
    """``_insertion`` found the line but no place its own text holds for new options (a Python expression
    writes the program, or what follows it): a warning that says what to add."""
    if anchor is None:
        return
    where = b.cl.binary.span if b.cl.binary is not None else anchor.span
    added = " ".join(values)
    b.finding(rule, where, f"{msg}; but the place new options go is not written as itself inside one string of "
              f"this line (an expression or an escape writes what comes before it), so no edit adds them there: add "
              f"{added} by hand", "warning", suggestion=added)


def _insertion(b: _Builder, opts: list[Option], values: list[str],
               stop: frozenset[int] = frozenset()) -> tuple[Edit | None, Word | None]:
    """An edit that adds ``values`` after the last option of the line and its value (whatever the
    value is: ``$DIR`` is a value here), before any runtime-argument expansion and before a ``--`` that
    ends the options; ``stop``: ids of words
    the new ones must come before (the options after them do not count)."""
    cl = b.cl
    option_of = {id(o.value_word): o.word for o in opts if o.value_word is not None}
    anchor: Word | None = cl.binary
    anchor_seg: Segment | None = cl.segments[0] if cl.segments else None
    before: dict[int, tuple[Word | None, Segment | None]] = {}  #: per anchor word: the anchor it replaced
    kept_before: dict[int, bool] = {}  #: per segment: a word kept so far (the binary counts)
    for w, seg in cl.args():
        if w.is_whole_expansion and id(w) not in option_of or id(w) in stop:
            break
        if w.value == "--" and id(w) not in option_of:
            break  # getopt stops at "--": a word after it is an argument, which V2 refuses
        if not seg.syntax.takes_after(w):
            # written in a variable's value that cannot take more words (unquoted): new options go
            # after the expansion in the line (CONTRACT.md: after the last option and its value);
            # after a part of a line that a Python expression writes (``"... --model-store=" +
            # path``): before it, inside the literal
            if seg.expansion is not None and seg.outer is not None and seg.outer.takes_after(seg.expansion):
                anchor, anchor_seg = seg.expansion, Segment([seg.expansion], seg.outer, seg.label)
            elif anchor is not None and option_of.get(id(w)) is anchor:
                # never between an option and its value: before that option
                anchor, anchor_seg = before.get(id(anchor), (cl.binary, anchor_seg))
            continue
        if id(seg) not in kept_before:
            kept_before[id(seg)] = cl.binary is not None and any(x is cl.binary for x in seg.words)
        # not a deleted word with nothing kept before it in its list (its deletion takes the
        # separator after it): the new option would open the list with a stray separator
        if id(w) not in b.gone or kept_before[id(seg)]:
            before[id(w)] = (anchor, anchor_seg)
            anchor, anchor_seg = w, seg
        if id(w) not in b.gone:
            kept_before[id(seg)] = True
    if anchor is not None and any(o.word is anchor and o.value_word is not None and id(o.value_word) in stop
                                  for o in opts):
        anchor, anchor_seg = before.get(id(anchor), (cl.binary, anchor_seg))  # its value comes after: before it
    if anchor is None or anchor_seg is None:
        return None, None
    if anchor is cl.binary:
        anchor_seg = next(s for s in cl.segments if any(x is anchor for x in s.words))
    if anchor_seg.syntax.holds_insertions and not anchor_seg.syntax.takes_after(anchor):
        # not even after the program: a Python expression writes it (``SERVER + " --model-store=/m"``);
        # the caller says what to add by hand
        return None, anchor
    return cl.insert_after(anchor, anchor_seg, values), anchor


_VAR_COMMAND = re.compile(r"^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))$")


@check(order=11)
def check_sourced_server(doc, ctx) -> list[Finding]:
    """A shell file that V1 scripts of the run source, on the line that runs the variable they hold the V1 server
    in (``$SERVER $SERVER_ARGS`` in ``run_server``; ``endpoints.sourced_by``): no command line this tool reads,
    so none of the changes a V1 server line gets - said here, where the server starts."""
    from .endpoints import sourced_by
    import os

    by = sourced_by(doc)
    if not by:
        return []
    scripts: dict[tuple[str, int], list[str]] = {}
    for script, name, line in by:
        if name:
            here = os.path.dirname(os.path.abspath(doc.path))
            scripts.setdefault((name, line), []).append(os.path.relpath(os.path.abspath(script), here))
    out: list[Finding] = []
    for site in getattr(doc, "sites", ()):
        ci = site.index
        if ci is None:
            continue
        w = site.words[ci]
        m = _VAR_COMMAND.match(w.value)
        got = scripts.get((m.group(1) or m.group(2), doc.position(w.start)[0])) if m else None
        if not got:
            continue
        name = m.group(1) or m.group(2)
        given = [x.value for x in site.words[ci + 1:] if "$" in x.value]
        got = list(dict.fromkeys(got))
        out.append(RUNTIME_ARGS.finding(
            w.span, f"${name} runs the V1 server, as {', '.join(got)} set{'s' if len(got) == 1 else ''} it before "
            f"sourcing this file: this line is no command line the tool migrates, so the V2 server it starts gets none of "
            f"the changes: add --model-control-mode=poll (V1 polled the model repository by default) and "
            f"--disable-auto-complete-config (V1's strict model configuration) here"
            + (f", and check that {', '.join(dict.fromkeys(given))} holds no V1-only option (V2 refuses to start "
               f"with one)" if given else "")))
    return out


@check(order=10)
def check_command_lines(doc, ctx) -> list[Finding]:
    """Every server command line: its transform's findings; what it teaches the later checks (the
    removed health port, TensorFlow options, a V1 server) is kept in the context. Lines the document
    only reports (``report_only``) teach nothing: their fixes are not applied."""
    out: list[Finding] = []
    given = _given_by_cmd(doc, ctx)
    for cl, res in ctx.server_lines():
        if given is not None and cl is given:
            # its "$@" is the CMD that the Dockerfile migrates as this server's options, as a server ENTRYPOINT's
            # CMD is (the options a container gives the image in their place are not known there either)
            word = [w for w, _seg in cl.args()][-1]
            out.extend(f for f in res.findings if f.rule != RUNTIME_ARGS.id or f.span != word.span)
        else:
            out.extend(res.findings)
        if cl.report_only:
            continue
        if cl.v1:
            ctx.v1_server = True
        for key in health_keys(doc, res):
            ctx.health_ports[key] = res.http_port
        if res.uses_tensorflow:
            ctx.uses_tensorflow = True
    return out


def _given_by_cmd(doc, ctx) -> CommandLine | None:
    """The server line of a shell script whose one server line ends in ``"$@"`` (``shell.arguments_line``), when a
    Dockerfile or compose file in its folder or the folders above it (``images.runner_files``) runs the script as
    a container's entrypoint with options of its own (an exec-form ``CMD``, a ``command:`` list), which that file
    migrates as this server's (``shell.script_options_line``)."""
    import os

    from .. import kinds
    from ..atomic import read_regular
    from ..documents.shell import arguments_line
    from ..model import ProcessingError
    from ..pipeline import MAX_BYTES
    from .images import runner_files

    if doc.kind != "shell" or not doc.path or doc.path == "-":
        return None
    line = arguments_line([cl for cl, _res in ctx.server_lines()], doc.text)
    if line is None:
        return None
    script = os.path.realpath(doc.path)
    for path, kind in runner_files(script, ("dockerfile", "compose")):
        try:
            text = read_regular(path, MAX_BYTES)[0].decode("utf-8")
            other = kinds.BY_NAME[kind].build(path, text)
            lines = other.command_lines()
        except (OSError, UnicodeDecodeError, ProcessingError):
            continue
        if any(cl.extra.get("script") and os.path.realpath(cl.extra["script"]) == script for cl in lines):
            return line
    return None
