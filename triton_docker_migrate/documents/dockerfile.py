"""Dockerfile -> Document.

The project's Dockerfile reader (``syntax/dockerfile.py``, which reads as BuildKit's parser does:
directives, ``# escape=``, heredocs, comments and empty lines inside continuations) gives each
instruction with the document offset of every character of its arguments; this module finds the
build stages, the commands, the server command lines and the ports the rules look at.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import json
import os
import re
from dataclasses import dataclass, field
from typing import Iterator

from .. import facts
from ..model import ProcessingError, Span
from ..syntax import dockerfile as reader
from ..syntax.quoting import DockerShellSyntax, JsonShellSyntax, JsonSyntax, json_array_words
from ..syntax.shellwords import ShellSyntaxError, Word, lex
from . import commands as C
from . import held as H
from .base import Document, used_only_as_image_tag
from .dockerrun import sub_word
from .sites import (BaseImage, BuildSite, CommandLine, CommandSite, ExecSite, Mount, PortEntry, PortList, PortSites, Region,
                    Segment, Topology, files_mounted, files_run)

_BARE_SERVER = re.compile(r"(?<![\w/-])trtserver(?![.\-_A-Za-z0-9])")  # as evidence.STRONG


#: the name a FROM gives its stage, after the image (``AS builder``)
_STAGE_NAME = re.compile(r"[ \t]+[Aa][Ss][ \t]+\S+[ \t]*$")


@dataclass
class Instruction:
    cmd: str  #: upper-case keyword
    start: int  #: document offset of the keyword
    end: int  #: document offset after the instruction's last character (before the newline)
    line: int  #: 1-based line of the keyword
    is_json: bool
    logical: str  #: the arguments after the keyword, continuations joined, comment lines dropped
    offsets: list[int]  #: document offset of each character of ``logical``
    stage: int  #: index of the stage it belongs to (-1 before the first FROM)
    heredoc_bodies: list[Region] = field(default_factory=list)
    value: tuple[str, ...] = ()  #: the official parser's values
    onbuild: bool = False  #: an ONBUILD instruction (``cmd`` is the instruction it adds to derived images)
    args_start: int = 0  #: index in ``logical`` where the arguments after the flags (``--mount=...``) begin


@dataclass
class Stage:
    index: int
    name: str | None
    image: str  #: the base image as written
    image_word: Word | None
    triton: bool  #: based (directly or through stages) on a Triton server image
    v1: bool  #: based on a V1 server image
    sdk: bool  #: a client SDK image
    local_v1: bool = False  #: based on a locally built or third-party image of V1
    root: Span | None = None  #: the image reference the stage is built on, through other stages
    base_image: str = ""  #: that image reference, the file's own variables substituted


#: a pattern in a copy's source (``COPY scripts/*.sh /opt/``)
_GLOB_CHARS = re.compile(r"[*?\[]")
#: a copy's ``--from=`` flag and its value (a stage's name or index, or an image)
_FROM_FLAG = re.compile(r"\s*(?:--[\w-]+(?:=\S*)?\s+)*--from=(?P<v>[^\s\"']+)")
#: a reference to a build argument (``${X}``, ``$X``, ``${X:-d}``, ``${X:+d}``)
_ARG_REF = re.compile(r"\$\{(\w+)(?::?[-+]([^}]*))?\}|\$(\w+)")

#: Dockerfile (real path) -> its text as the run read it, and the build arguments other files of the run give
#: it that make a stage build on a V1 server image (``given_build_arguments``)
_GIVEN: contextvars.ContextVar[dict[str, tuple[str, dict[str, str]]] | None] = contextvars.ContextVar(
    "given_build_arguments", default=None)


@contextlib.contextmanager
def given_build_arguments(given: dict[str, tuple[str, dict[str, str]]]) -> Iterator[None]:
    """Dockerfiles read inside, with the text the run read, are built on the V1 server image that the build
    arguments other files give them name (a compose service's ``build: args:``, ``docker build --build-arg``,
    a Bake target's ``args``): their server lines are V1 lines, whatever the ``ARG`` default names. Their
    migrated text is not (those files' arguments are migrated in the same run)."""
    token = _GIVEN.set(given)
    try:
        yield
    finally:
        _GIVEN.reset(token)


#: commands that copy, link or move a file to another name (``_copied_server``), and the options of
#: ``install`` that take a value
_COPIERS = frozenset({"cp", "ln", "install", "mv"})
_COPIER_VALUED = frozenset({"-m", "-o", "-g", "--mode", "--owner", "--group"})


class DockerfileDoc(Document):
    kind = "dockerfile"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.escape = "\\"
        self.instructions: list[Instruction] = []
        self.stages: list[Stage] = []
        self.global_args: dict[str, str] = {}
        self.global_arg_spans: dict[str, Span] = {}  #: where each global ARG with a default is written
        self.global_arg_names: set[str] = set()  #: the global ARGs, with a default or without (given by the build)
        self._commands: list[CommandSite] | None = None
        self._lines: list[CommandLine] | None = None
        #: document offset -> length of the escape, for each escaped character of an exec-form string
        self._json_escapes: dict[int, int] = {}
        self._regions: list[Region] | None = None
        self._mounts: dict[int, list[Mount]] | None = None  #: see _copies
        self._workdir_at: list[str | None] | None = None  #: see _workdirs
        self._workdir_end: dict[int, str | None] = {}
        self._named: dict[str, Stage] = {}  #: the first stage of each name (lower case)
        self._site_starts: list[int] | None = None  #: first word of each command site, sorted
        self._starts: list[int] | None = None  #: start of each instruction
        self._sorted_sites: list[int] = []
        self._sorted_starts: list[int] = []
        self._defined: dict[str, list[tuple[Instruction, Word | None]]] | None = None  #: see _held
        self._uses: dict[str, int] = {}  #: how many times the text expands each name (see _held)
        self._server_copies: list[tuple[Word, Word, Instruction]] | None = None  #: see _copied_server
        self._parse()

    # --- parsing ----------------------------------------------------------------------------
    def _parse(self) -> None:
        try:
            parsed = reader.parse(self.text)
        except reader.DockerfileSyntaxError as e:
            if e.message == reader.NO_INSTRUCTIONS:
                return  # comments and blank lines only: nothing to migrate (and no evidence)
            raise ProcessingError(f"Dockerfile parse error: {e.message}", e.line) from None
        self.escape = parsed.escape
        for c in parsed.instructions:
            self.instructions.append(self._instruction(c))
        self._stages()

    def _instruction(self, c: reader.Instruction) -> Instruction:
        cmd = c.sub_cmd if c.cmd == "ONBUILD" and c.sub_cmd else c.cmd
        heredocs = [Region(h.content, base=h.body.start, shell=cmd == "RUN", label=f"{cmd} heredoc")
                    for h in c.heredocs]
        # the stage index is set by _stages() once every FROM is known
        return Instruction(cmd, c.start, c.end, c.start_line, c.json, c.logical, c.offsets, -1, heredocs,
                           c.value, c.cmd == "ONBUILD", c.args_start)

    def _stages(self) -> None:
        idx = -1
        named = self._named  # one look-up per FROM
        read = (_GIVEN.get() or {}).get(os.path.realpath(self.path)) if self.path not in ("", "-") else None
        given = read[1] if read is not None and read[0] == self.text else None
        for ins in self.instructions:
            if ins.cmd == "ARG" and idx < 0 and not ins.onbuild:
                for w in self._words(ins):
                    name, eq, val = w.value.partition("=")
                    self.global_arg_names.add(name)
                    if eq:
                        self.global_args[name] = val
                        self.global_arg_spans[name] = w.span
            if ins.cmd != "FROM" or ins.onbuild:
                ins.stage = idx
                continue
            idx += 1
            ins.stage = idx
            words = [w for w in self._words(ins) if not w.value.startswith("--")]
            image_word = words[0] if words else None
            name = words[2].value if len(words) >= 3 and words[1].value.lower() == "as" else None
            image = image_word.value if image_word else ""
            resolved = self.expand(image)
            prev = named.get(resolved.lower())
            if prev is not None:
                triton, v1, sdk, local, root = prev.triton, prev.v1, prev.sdk, prev.local_v1, prev.root
                base_image = prev.base_image
            else:
                info = facts.classify(resolved)
                if given and not info.v1 and "$" in image:
                    # a V1 server image given by another file's build argument: the stage's lines are V1 lines
                    by_given = self.expand(image, given, levels=8)
                    if facts.classify(by_given).v1:
                        resolved, info = by_given, facts.classify(by_given)
                triton, v1, sdk, local = info.triton, info.v1, info.sdk, info.local_v1
                root = image_word.span if image_word is not None else None
                base_image = resolved
            self.stages.append(Stage(idx, name, image, image_word, triton, v1, sdk, local, root, base_image))
            if name:
                named.setdefault(name.lower(), self.stages[-1])

    def expand(self, value: str, args: dict[str, str] | None = None, levels: int = 1) -> str:
        """Substitute global ARG defaults (``${X}``, ``$X``, ``${X:-d}``) as BuildKit would; ``args``: the
        build arguments given, which replace the defaults; ``levels``: how many times, for defaults that
        name other arguments."""
        values = self.global_args if args is None else {**self.global_args, **args}

        def sub(m: re.Match) -> str:
            return values.get(m.group(1) or m.group(3)) or m.group(2) or ""

        for _ in range(levels):
            if "$" not in value:
                break
            value = _ARG_REF.sub(sub, value)
        return value

    def bases_with(self, args: dict[str, str]) -> list[str]:
        """The images the stages are built on (not other stages) when the build is given ``args`` as
        build arguments (``--build-arg``, compose ``build: args:``), which replace the ``ARG`` defaults
        before the first ``FROM``; a default that names another argument is expanded in turn (a few
        levels deep at most)."""
        out = []
        for st in self.stages:
            image = self.expand(st.image, args, levels=8)
            if image.lower() not in self._named or self._named[image.lower()].index >= st.index:
                out.append(image)
        return out

    def _words(self, ins: Instruction) -> list[Word]:
        try:
            toks = lex(ins.logical, ins.offsets).tokens
        except ShellSyntaxError:
            return []
        return [t.word for t in toks if t.word is not None]

    # --- sites ------------------------------------------------------------------------------
    def stage_of(self, ins: Instruction) -> Stage | None:
        return self.stages[ins.stage] if 0 <= ins.stage < len(self.stages) else None

    def is_triton(self, ins: Instruction) -> bool:
        st = self.stage_of(ins)
        return bool(st and st.triton)

    def regions(self) -> list[Region]:
        """(read once: every rule asks)"""
        if self._regions is None:
            self._regions = self._read_regions()
        return self._regions

    def _serving_stages(self) -> set[int]:
        """Stages whose container runs the server (its ``CMD`` or ``ENTRYPOINT``, in the stage or one it is
        built on), whatever image they are built on: a Triton context for the stage's other instructions
        (its ``HEALTHCHECK``), as a Triton base image is."""
        own = set()
        for cl in self.command_lines():
            at = cl.binary or next((w for seg in cl.segments for w in seg.words), None)
            ins = self._instruction_at(at.start) if at is not None else None
            if ins is not None and ins.cmd in ("CMD", "ENTRYPOINT"):
                own.add(ins.stage)
        return {i for i in range(len(self.stages)) if own.intersection(self.stage_chain(i))}

    def _read_regions(self) -> list[Region]:
        out: list[Region] = []
        serving = self._serving_stages()
        for ins in self.instructions:
            # (a file copied into a stage that runs the server says nothing of the image it is built on)
            tri = self.is_triton(ins) or ins.stage in serving and ins.cmd not in ("COPY", "ADD")
            st = self.stage_of(ins)
            # a stage's name (``FROM debian AS tensorrtserver-runtime``) is a name, not an image nor evidence
            named = _STAGE_NAME.search(ins.logical) if ins.cmd == "FROM" else None
            logical = ins.logical if named is None else ins.logical[:named.start()]
            offsets = ins.offsets if named is None else ins.offsets[:named.start()]
            # (and a FROM that names an earlier stage holds no image: ``FROM tensorrtserver-runtime AS final``)
            image = ins.cmd == "FROM" and not (st is not None and st.image_word is not None
                                               and st.root != st.image_word.span)
            out.append(Region(logical, offsets=offsets, triton=tri, unknown_base=bool(st and st.local_v1),
                              shell=ins.cmd in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK") and not ins.is_json,
                              image_context=image, label=ins.cmd))
            for body in ins.heredoc_bodies:
                body.triton = tri
                out.append(body)
        return out

    def _exec_segment(self, ins: Instruction, logical: str, offsets: list[int], label: str) -> Segment | None:
        """Words of a JSON (exec-form) list, with document spans of each string."""
        words = json_array_words(logical, offsets, self._json_escapes)
        if words is None:
            return None
        return Segment(words, JsonSyntax(self.escape), label)

    def _exec_form(self, ins: Instruction) -> Segment | None:
        logical, offsets = ins.logical[ins.args_start:], ins.offsets[ins.args_start:]
        if ins.cmd == "HEALTHCHECK":
            m = re.match(r"((?:--\S+\s+)*)CMD\s+", logical, re.I)
            if not m:
                return None
            logical, offsets = logical[m.end():], offsets[m.end():]
        return self._exec_segment(ins, logical, offsets, ins.cmd)

    def _shell_segments(self, ins: Instruction, skip_prefix: bool) -> list[tuple[list[Word], Segment]]:
        # the command after the instruction's flags (``RUN --mount=type=cache,target=/root/.cache pip ...``)
        # (a copy of a long RUN's offsets only when there are flags to cut off)
        logical, offsets = (ins.logical[ins.args_start:], ins.offsets[ins.args_start:]) if ins.args_start \
            else (ins.logical, ins.offsets)
        if skip_prefix:
            m = re.match(r"((?:--\S+\s+)*)CMD\s+", logical, re.I)
            if not m:
                return []
            logical, offsets = logical[m.end():], offsets[m.end():]
        try:
            lexed = lex(logical, offsets)
        except ShellSyntaxError as e:
            from ..evidence import maybe_v1

            if not maybe_v1(logical.encode("utf-8", "surrogatepass")):
                return []  # Docker builds it as written; no V1 evidence in it, so nothing to change
            raise ProcessingError(f"{ins.cmd}: cannot read the shell command ({e})", ins.line) from None
        syntax = DockerShellSyntax(self.escape)
        out = []
        for sc in C.split(lexed.tokens):
            out.append((sc, Segment(sc, syntax, ins.cmd)))
        return out

    def commands(self) -> list[CommandSite]:
        if self._commands is None:
            self._commands = self._find_commands()
        return self._commands

    def report_only(self) -> list[tuple[int, int, str]]:
        """A stage whose ``CMD``/``ENTRYPOINT`` runs a ``trtserver`` that is a program of its own
        (``commands.own_program``): held whole."""
        held: dict[int, str] = {}
        for site in self.commands():
            why = C.own_program(site.words, site.image) if site.image and site.words else ""
            ins = self._instruction_at(site.words[0].start) if why else None
            if ins is not None and ins.cmd in ("CMD", "ENTRYPOINT"):
                held.setdefault(ins.stage, why)
        out = []
        for idx, why in held.items():
            own = [ins for ins in self.instructions if ins.stage == idx]
            out.append((own[0].start, own[-1].end, f" ({why})"))
        return sorted(out)

    def _find_commands(self) -> list[CommandSite]:
        out: list[CommandSite] = []
        for ins in self.instructions:
            if ins.cmd not in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"):
                continue
            tri = self.is_triton(ins)
            st = self.stage_of(ins)
            image = st.base_image.strip() or None if st is not None else None
            if ins.is_json:
                seg = self._exec_form(ins)
                if seg is not None:
                    out.append(CommandSite(seg.words, seg, tri, self.text, image))
                    out.extend(self._json_script(site) for site in C.nested(seg, self.text, tri))
                continue
            for words, seg in self._shell_segments(ins, ins.cmd == "HEALTHCHECK"):
                out.append(CommandSite(words, seg, tri, self.text, image))
                out.extend(C.nested(seg, self.text, tri))
                ci = C.command_index(words)
                held = self._env_server(words[ci], ins) if ci is not None and words[ci].dynamic else None
                if held is not None:  # ``ENV TRITON_BIN=trtserver``: the binary is renamed where it is set
                    out.append(CommandSite([held], Segment([held], DockerShellSyntax(self.escape), "ENV"), True,
                                           self.text))
            for body in ins.heredoc_bodies:
                if body.shell:
                    try:
                        lexed = lex(body.text, base=body.base)
                    except ShellSyntaxError as e:
                        if _BARE_SERVER.search(body.text):
                            raise ProcessingError(f"{ins.cmd} heredoc: cannot read the shell script ({e})",
                                                  self.position(body.base)[0]) from None
                        continue
                    for sc in C.split(lexed.tokens):
                        seg = Segment(sc, C.SHELL, "RUN heredoc")
                        out.append(CommandSite(sc, seg, tri, self.text))
        self._refuse_hidden_servers(out)
        return out

    def _json_script(self, site: CommandSite) -> CommandSite:
        """A command of a ``sh -c`` script in an exec-form string: its words end after the escape of
        their last character (``\\"``), and edits are written for both layers (shell, then JSON)."""
        for w in site.words:
            n = self._json_escapes.get(w.end - 1)
            if n:
                w.end = w.end - 1 + n
        site.segment = Segment(site.words, JsonShellSyntax(self._json_escapes), site.segment.label)
        return site

    def _refuse_hidden_servers(self, sites: list[CommandSite]) -> None:
        """The V1 server run inside ``$(...)`` or backquotes is beyond these rules: refuse the file
        rather than migrate the rest around it and leave a ``trtserver`` the V2 image lacks. (A
        ``sh -c`` script whose own words merely hold a ``$(...)`` is read as its own commands.)"""
        cont = re.compile(re.escape(self.escape) + r"[ \t]*\r?\n")
        for site in sites:
            for w in site.words:
                raw = cont.sub("", self.text[w.start:w.end])
                if ("$(" in raw or "`" in raw) and any(_substituted(raw, m.start())
                                                       for m in _BARE_SERVER.finditer(raw)):
                    raise ProcessingError("the V1 server runs inside $(...) or backquotes: migrate that command "
                                          "by hand (file not processed)", self.position(w.start)[0])

    def command_lines(self) -> list[CommandLine]:
        """Server command lines: RUN/CMD/ENTRYPOINT commands whose word is the server, and the
        ENTRYPOINT/CMD pair of a stage whose entrypoint is the server binary (found once: every
        check gets the same objects, so their argv transforms are computed once)."""
        if self._lines is None:
            self._lines = self._find_command_lines()
        return self._lines

    def _find_command_lines(self) -> list[CommandLine]:
        out: list[CommandLine] = []
        binaries: set[int] = set()
        by_stage: dict[int, dict[str, Instruction]] = {}
        for ins in self.instructions:
            if ins.cmd in ("ENTRYPOINT", "CMD") and not ins.onbuild:
                by_stage.setdefault(ins.stage, {})[ins.cmd] = ins
        consumed: set[int] = set()
        # ENTRYPOINT ["trtserver"] + CMD ["--model-store=..."]: Docker appends an exec-form CMD to an
        # exec-form ENTRYPOINT (their order in the stage does not matter); a shell-form ENTRYPOINT
        # ignores CMD.
        for stage_idx, pair in by_stage.items():
            ep, cmd = pair.get("ENTRYPOINT"), pair.get("CMD")
            if ep is None or not ep.is_json:
                continue
            ep_sites = self._sites_of(ep)
            seg = ep_sites[0].segment if ep_sites else None
            server = C.server_word(seg.words) if seg is not None else None
            program = None
            if seg is not None and server is None and seg.words:
                program = self._copied_server(seg.words[0], ep)
                server = seg.words[0] if program is not None else None
            if seg is not None and server is None and cmd is not None and cmd.is_json:
                line = self._script_cmd_line(seg, cmd, stage_idx)
                if line is not None:  # ENTRYPOINT ["/entrypoint.sh"] whose ``exec trtserver "$@"`` gets the CMD
                    out.append(line)
                    consumed.add(id(cmd))
                continue
            if seg is None or server is None:
                continue
            segments = [seg]
            if cmd is not None and cmd.is_json:
                cmd_sites = self._sites_of(cmd)
                if cmd_sites:
                    segments.append(cmd_sites[0].segment)
                    consumed.add(id(cmd))
            consumed.add(id(ep))
            cl = self._cl(segments, server, stage_idx, program)
            # the options a container gives the image come after the ENTRYPOINT's, in place of the CMD's: a V1
            # default goes on the ENTRYPOINT (``stop``: before the CMD, which they replace), written so that the
            # options after it still decide (rules/argv.py ``_completed``)
            cl.extra["completed"] = "the options a container gives the image (docker run words, a compose " \
                                    "command, Kubernetes args)"
            if len(segments) > 1:
                cl.extra["completed"] = "the CMD's options (or those a container gives the image in their place)"
                cl.extra["stop"] = frozenset(id(w) for w in segments[1].words)
            out.append(cl)
            binaries.add(id(server))
        for site in self.commands():
            if site.segment.label == "ENV":
                continue  # the value of a variable a command runs (``_env_server``): that command's line
            server = C.server_word(site.words)
            program = None
            if server is None:
                ci = C.command_index(site.words)
                at = self._instruction_at(site.words[ci].start) if ci is not None and site.words[ci].dynamic else None
                program = self._env_server(site.words[ci], at) if at is not None and not at.is_json else None
                if program is None and ci is not None:
                    at = self._instruction_at(site.words[ci].start)
                    program = self._copied_server(site.words[ci], at) if at is not None else None
                server = site.words[ci] if program is not None else None  # type: ignore[index]
            if server is None:
                continue
            if id(server) in binaries:
                continue
            stage_idx = self.stage_index_at(server.start)
            words = site.words[site.words.index(server):]
            ins = self._instruction_at(server.start)
            if ins is not None and not isinstance(site.segment.syntax, JsonSyntax):  # a shell reads it
                # (``$TRITON_BIN`` stays the binary: its value is read as the program, not spliced in)
                lead = [Segment(words[:1], site.segment.syntax, site.segment.label)] if program is not None else []
                segments = lead + H.splice(words[len(lead):], site.segment.syntax, site.segment.label,
                                           lambda w, ins=ins: self._held(w, ins))
            else:
                segments = [Segment(words, site.segment.syntax, site.segment.label)]
            cl = self._cl(segments, server, stage_idx, program)
            entry = by_stage.get(ins.stage, {}).get("ENTRYPOINT") if ins is not None and ins.cmd == "CMD" else None
            if entry is not None and entry.is_json and ins is not None and ins.is_json:
                # an exec-form CMD given to an ENTRYPOINT that is not the server (a script): it may add options
                # after the CMD's (``set -- "$@" --strict-model-config=false``)
                cl.extra["completed"] = "the options its ENTRYPOINT script may add"
            out.append(cl)
        # CMD holding only options for an ENTRYPOINT inherited from a V1 base image
        for ins in self.instructions:
            if ins.cmd != "CMD" or id(ins) in consumed or ins.onbuild:
                continue
            st = self.stage_of(ins)
            if not st or not st.triton or ins.stage in by_stage and "ENTRYPOINT" in by_stage[ins.stage]:
                continue
            sites = self._sites_of(ins)
            if len(sites) == 1 and sites[0].words and sites[0].words[0].value.startswith("--"):
                out.append(CommandLine(self.text, [sites[0].segment], None, st.v1, "CMD", images=self._image_spans(st)))
        return out

    def _script_cmd_line(self, seg: Segment, cmd: Instruction, stage_idx: int) -> CommandLine | None:
        """The exec-form CMD of options given to an exec-form ENTRYPOINT that runs a script of the build context
        (``["/entrypoint.sh"]``, ``["/bin/bash", "/entrypoint.sh"]``) whose one server line runs the server with
        the script's arguments (``exec trtserver "$@"``): the CMD's words are that server's options, read as
        options given to a line written elsewhere (``appended``: the script's line gets V1's defaults, once). The
        file is None when the script shifts or sets its arguments, or runs the server on more than one line."""
        words = seg.words
        sites = self._sites_of(cmd)
        if len(sites) != 1 or not sites[0].words or not sites[0].words[0].value.startswith("--"):
            return None
        from .shell import script_options_line

        mounts = [m for k in sorted(self.stage_chain(stage_idx)) for m in self._copies().get(k, [])]
        script = script_options_line(words, mounts, self._final_workdir(stage_idx))
        if script is None:
            return None
        script, v1, given = script
        st = self.stages[stage_idx] if 0 <= stage_idx < len(self.stages) else None
        # (a script that still runs V1's binary on a V2 image is one the run has yet to write: the image decides)
        v1 = bool(st and (st.v1 or v1 and not st.triton))
        return CommandLine(self.text, [sites[0].segment], None, v1, "CMD",
                           extra={"given_to": given, "script": script}, images=self._image_spans(st), appended=True)

    def _instruction_at(self, off: int) -> Instruction | None:
        if self._starts is None or len(self._starts) != len(self.instructions):
            self._starts = [ins.start for ins in self.instructions]
        k = bisect.bisect_right(self._starts, off) - 1  # instructions follow each other: one can hold it
        return self.instructions[k] if k >= 0 and off <= self.instructions[k].end else None

    def _held(self, w: Word, at: Instruction) -> list[H.Held] | None:
        """``$SERVER_ARGS`` in a shell-form command: the words of the one value an ``ENV`` before it
        gives the variable, in its stage or one it is built on (and, in ``RUN``, an ``ARG`` default of its
        stage, which ``--build-arg`` may replace)."""
        m = H.VAR_REF.match(w.value)
        if not m or w.quote:
            return None
        name = m.group(1) or m.group(2)
        kinds = ("ENV", "ARG") if at.cmd == "RUN" else ("ENV",)
        found = self._defined_as(name)
        # an ENV of a stage the command's stage is built on is in its environment too (an ARG is not)
        stages = self.stage_chain(at.stage) if found and found[0][0].cmd == "ENV" else [at.stage]
        if len(found) != 1 or found[0][0].cmd not in kinds or found[0][0].start > at.start or found[0][1] is None \
                or found[0][0].stage not in stages:
            return None
        if name not in self._uses:
            self._uses[name] = H.uses(self.text, name)
        if self._uses[name] != 1:
            return None
        ins, value = found[0]
        first = value.offsets[0] if value.offsets else value.start
        quoted = self.text[first - 1:first] in ("'", '"') or not self._words(ins)[0].value.count("=")
        got = H.field_words(value, name, quoted, overridable=ins.cmd == "ARG")
        return [got] if got is not None else None

    def _defined_as(self, name: str) -> list[tuple[Instruction, Word | None]]:
        """The ``ENV``/``ARG`` instructions that set ``name``, with the word of each value."""
        if self._defined is None:  # every ENV/ARG definition, by name: once
            self._defined = {}
            for ins in self.instructions:
                if ins.cmd in ("ENV", "ARG") and not ins.onbuild:
                    for key, value in self._definitions(ins):
                        self._defined.setdefault(key, []).append((ins, value))
        return self._defined.get(name, [])

    def _env_server(self, w: Word, at: Instruction) -> Word | None:
        """``CMD $TRITON_BIN --model-store=...`` (shell form) with ``ENV TRITON_BIN=trtserver`` set once before
        it, in its stage or one it is built on: the value word (the server binary)."""
        m = H.VAR_REF.match(w.value)
        if not m:
            return None
        found = self._defined_as(m.group(1) or m.group(2))
        if len(found) != 1 or found[0][0].cmd != "ENV" or found[0][0].start > at.start or found[0][1] is None \
                or found[0][0].stage not in self.stage_chain(at.stage):
            return None
        value = found[0][1]
        return value if not value.dynamic and C.is_server_word(value) else None

    def _copied_server(self, w: Word, at: Instruction) -> Word | None:
        """``CMD ["inference-server", ...]`` after ``RUN cp /opt/tensorrtserver/bin/trtserver
        /usr/local/bin/inference-server`` (``ln -s``, ``install``, ``mv``) in its stage or one it is built on: the
        server word the copy takes (its source), which decides whether the line is V1's."""
        if w.dynamic or w.value.startswith("-"):
            return None
        if self._server_copies is None:
            self._server_copies = self._find_server_copies()
        chain = None
        for src, dest, ins in self._server_copies:
            if ins.start < at.start and (dest.value == w.value or "/" not in w.value
                                         and C.basename(dest.value) == w.value):
                chain = chain if chain is not None else self.stage_chain(at.stage)
                if ins.stage in chain:
                    return src
        return None

    def _find_server_copies(self) -> list[tuple[Word, Word, Instruction]]:
        """(source, destination, RUN) of each copy of the server binary to a name of its own."""
        out = []
        for site in self.commands():
            ci = C.command_index(site.words)
            if ci is None or C.basename(site.words[ci].value) not in _COPIERS:
                continue
            ins = self._instruction_at(site.words[ci].start)
            if ins is None or ins.cmd != "RUN":
                continue
            args, skip = [], False
            for x in site.words[ci + 1:]:
                if skip:
                    skip = False
                elif x.value in _COPIER_VALUED:  # ``install -m 755 SRC DEST``
                    skip = True
                elif not x.value.startswith("-"):
                    args.append(x)
            if len(args) != 2 or any(a.dynamic for a in args):
                continue
            src, dest = args
            name = C.basename(dest.value)
            if C.basename(src.value) in C.SERVER_NAMES and name and name not in C.SERVER_NAMES:
                out.append((src, dest, ins))
        return out

    def _definitions(self, ins: Instruction) -> list[tuple[str, Word | None]]:
        """The variables an ``ENV``/``ARG`` sets and the word of each value (None: no value)."""
        words = self._words(ins)
        if not words:
            return []
        if ins.cmd == "ENV" and "=" not in words[0].value:
            # the legacy form ``ENV NAME value with blanks``: the rest of the line, as written
            rest = words[1:]
            if not rest or any(x.quote or x.dynamic for x in rest):
                return [(words[0].value, None)]
            i = ins.offsets.index(words[0].offsets[-1]) + 1
            while i < len(ins.logical) and ins.logical[i] in " \t":
                i += 1
            text = ins.logical[i:].rstrip()
            offs = ins.offsets[i:i + len(text)]
            return [(words[0].value, Word(offs[0], offs[-1] + 1, text, list(offs), False, "", offs[-1] + 1))]
        out: list[tuple[str, Word | None]] = []
        for x in words:
            key, eq, _ = x.value.partition("=")
            out.append((key, sub_word(x, len(key) + 1) if eq else None))
        return out

    def _cl(self, segments: list[Segment], server: Word, stage_idx: int, program: Word | None = None) -> CommandLine:
        """``program``: the binary a variable ``server`` names (its value)."""
        st = self.stages[stage_idx] if 0 <= stage_idx < len(self.stages) else None
        v1 = C.is_v1_binary((program or server).value) or bool(st and st.v1)
        probed = ""
        ins = self._instruction_at(server.start)
        if not v1 and st is not None and not st.triton and ins is not None and ins.cmd in ("CMD", "ENTRYPOINT") \
                and any(i.cmd == "HEALTHCHECK" and i.stage in self.stage_chain(stage_idx)
                        and "/api/health" in i.logical for i in self.instructions):
            # the 20.06-v1/20.07-v1 images run a binary already called tritonserver (CONTRACT.md)
            v1, probed = True, C.V1_PROBED
        return CommandLine(self.text, segments, server, v1, segments[0].label, images=self._image_spans(st),
                           v1_arguments=probed)

    def _image_spans(self, st: Stage | None) -> tuple[Span, ...]:
        """Where a stage's base image is written: its FROM (through other stages) and the defaults of
        the build arguments in it."""
        if st is None or st.root is None:
            return ()
        spans = [st.root]
        for m in re.finditer(r"\$\{?(\w+)", self.text[st.root.start:st.root.end]):
            if m.group(1) in self.global_arg_spans:
                spans.append(self.global_arg_spans[m.group(1)])
        return tuple(spans)

    def _sites_of(self, ins: Instruction) -> list[CommandSite]:
        """The command sites whose first word lies inside ``ins`` (a bisection: no scan)."""
        sites = self.commands()
        if self._site_starts is None or len(self._site_starts) != len(sites):
            self._site_starts = [s.words[0].start if s.words else -1 for s in sites]
            self._sorted_sites = sorted(range(len(sites)), key=self._site_starts.__getitem__)
            self._sorted_starts = [self._site_starts[k] for k in self._sorted_sites]
        lo = bisect.bisect_left(self._sorted_starts, max(ins.start, 0))
        hi = bisect.bisect_right(self._sorted_starts, ins.end)
        return [sites[k] for k in sorted(self._sorted_sites[lo:hi])]

    def stage_text(self, i: int) -> str:
        """The instructions of build stage ``i``, as read (a stage's own evidence: ``rules/endpoints.py``)."""
        return "\n".join(ins.logical for ins in self.instructions if ins.stage == i)

    def stage_index_at(self, off: int) -> int:
        """Index of the build stage the text at ``off`` belongs to (-1: before the first FROM)."""
        if self._starts is None or len(self._starts) != len(self.instructions):
            self._starts = [ins.start for ins in self.instructions]
        k = bisect.bisect_right(self._starts, off) - 1
        return self.instructions[k].stage if k >= 0 else -1

    #: how a held image's message names the unit ``same_object`` finds
    same_object_name = "the same build stage"

    def same_object(self, a: int, b: int) -> bool:
        """The text at ``b`` runs on the image named at ``a``: ``b`` is in the stage whose ``FROM`` is at ``a``
        (a ``COPY <<EOF`` script, an ``ONBUILD`` instruction of it) or in a stage built on it (``FROM <stage>``);
        ``a`` before the first ``FROM`` (a global ``ARG`` naming the base) reaches every stage."""
        sa, sb = self.stage_index_at(a), self.stage_index_at(b)
        if sb < 0:
            return False
        return sa < 0 or sa in self.stage_chain(sb)

    def base_arguments(self) -> frozenset[str]:
        """The build arguments a ``FROM`` names its image with (``ARG BASE_IMAGE=...`` then ``FROM ${BASE_IMAGE}``):
        their values are image references, whatever they look like."""
        return frozenset(m.group(1) or m.group(3) for st in self.stages for m in _ARG_REF.finditer(st.image))

    def tag_variable(self, name: str) -> tuple[str, Span] | None:
        """The default of build argument ``name`` and its span, when the argument is declared once
        with a default and every use of it is an image tag (so changing it changes nothing else)."""
        got = self._arg_default(name)
        if got is None or not used_only_as_image_tag((ins.logical for ins in self.instructions),
                                                     r"\$\{?" + re.escape(name) + r"\b", r"\$\{?" + re.escape(name) + r"\}?"):
            return None
        return got

    def tag_variable_why(self, name: str) -> str | None:
        """Why build argument ``name``, which an image's tag takes, cannot change with the image (``tag_variable``
        gives None): another instruction uses it too (its line named). None: no such use found."""
        if not self._arg_declarations(name):
            return None
        use = re.compile(r"\$\{?" + re.escape(name) + r"\b")
        for ins in self.instructions:
            if ins.cmd not in ("ARG", "FROM") and use.search(ins.logical):
                return (f"build argument {name} is used at line {self.position(ins.start)[0]} too, so its default "
                        f"cannot change with the image")
        return None

    def _arg_declarations(self, name: str) -> list[Word]:
        """The words of the ``ARG`` instructions (not ``ONBUILD``) that declare build argument ``name``."""
        return [w for ins in self.instructions if ins.cmd == "ARG" and not ins.onbuild for w in self._words(ins)
                if w.value.partition("=")[0] == name]

    def _arg_default(self, name: str) -> tuple[str, Span | None] | None:
        """The default of build argument ``name`` and its span (None: empty), when one ``ARG`` declares it
        with a default written as it reads."""
        decls = self._arg_declarations(name)
        if len(decls) != 1 or "=" not in decls[0].value or decls[0].dynamic:
            return None
        w = decls[0]
        val = w.value.partition("=")[2]
        return val, (w.sub(len(name) + 1, len(w.value)) if val else None)

    def tag_beside(self, at: int) -> tuple[str, str, str, Span, str, str | None] | None:
        """For the default of a build argument written at ``at`` that holds a V1 repository, used only
        as ``FROM ${IMAGE}:${TAG}`` with ``TAG`` a build argument used only as that tag (its default
        given once): (IMAGE, TAG, TAG's default, its span, how they are written, None: the file sets both
        defaults). Both defaults then change together."""
        name = None
        for ins in self.instructions:
            if ins.cmd != "ARG" or ins.onbuild or not (ins.start <= at < ins.end):
                continue
            for w in self._words(ins):
                key, eq, _val = w.value.partition("=")
                if eq and not w.dynamic and w.start <= at < w.end:
                    name = key
        if name is None:
            return None
        use = re.compile(r"\$\{?" + re.escape(name) + r"\b")
        pair = re.compile(r"\$\{" + re.escape(name) + r"\}:\$\{(\w+)\}(?![\w.-])")
        tags = set()
        for ins in self.instructions:
            n = len(use.findall(ins.logical))
            found = pair.findall(ins.logical) if ins.cmd == "FROM" else []
            if n != len(found):
                return None
            tags.update(found)
        if len(tags) != 1 or len(self._arg_declarations(name)) != 1:
            return None
        (tag,) = tags
        got = self._arg_default(tag)
        if got is None or got[1] is None:
            return None
        uses = sum(len(re.findall(r"\$\{?" + re.escape(tag) + r"\b", i.logical)) for i in self.instructions)
        if uses != sum(len(pair.findall(i.logical)) for i in self.instructions if i.cmd == "FROM"):
            return None  # the tag's argument is used elsewhere too: changing it changes more than the image
        return name, tag, got[0], got[1], f"build arguments {name} and {tag}", None

    # --- ports and base images -------------------------------------------------------------------
    def port_sites(self) -> list[PortSites]:
        """The EXPOSE instructions (for every server of the file: an image exposes its ports once)."""
        lists = []
        for ins in self.instructions:
            if ins.cmd != "EXPOSE" or ins.onbuild:
                continue
            words = self._words(ins)
            seg = Segment(words, DockerShellSyntax(self.escape), "EXPOSE")
            cl = CommandLine(self.text, [seg], None, True)
            entries = [PortEntry(w.value.split("/")[0], w.span, lambda w=w, cl=cl, seg=seg: [cl.delete(w, seg)])
                       for w in words]
            lists.append(PortList("expose", "EXPOSE", entries))
        return [PortSites(None, lists)] if lists else []

    def topology(self) -> Topology:
        """The image this file builds and the server lines its last stage runs (CMD/ENTRYPOINT)."""
        last = len(self.stages) - 1
        lines = []
        for cl in self.command_lines():
            words = [w for seg in cl.segments for w in seg.words]
            ins = self._instruction_at(words[0].start) if words else None
            if ins is not None and ins.cmd in ("CMD", "ENTRYPOINT") and not ins.onbuild and ins.stage == last:
                lines.append(cl)
        path = os.path.abspath(self.path) if self.path else ""
        # no server line of its own: a file it COPYs and runs as its command (``CMD ["./start.sh"]``) may hold one
        runs = [] if lines or last < 0 else self.files_run(last, ("ENTRYPOINT", "CMD"))
        out = Topology()
        if not lines and not runs:
            out.builds.append(BuildSite(path, lines))
            return out
        mounts = [m for k in sorted(self.stage_chain(last)) for m in self._copies().get(k, [])]
        holds = [(m.source, m.target, m.base) for m in mounts]
        # a file COPY'd alone into the server's image runs there, whoever runs it (a probe's exec, a docker exec)
        inside = files_mounted(mounts, self.files_run(last), "COPY'd into its image")
        out.builds.append(BuildSite(path, lines, inside=inside, holds=holds, runs=runs))
        if runs:  # its HEALTHCHECK runs in the container of the server that file starts
            chain = self.stage_chain(last)
            for ins in self.instructions:
                if ins.cmd == "HEALTHCHECK" and ins.stage in chain and not ins.onbuild:
                    out.execs.append(ExecSite("build", path, None, None, ins.start, ins.end))
        return out

    def files_run(self, idx: int, order: tuple[str, ...] = ("HEALTHCHECK", "ENTRYPOINT", "CMD", "RUN")
                  ) -> list[tuple[str, str]]:
        """Files of the build context that the image of stage ``idx`` holds (its ``COPY``/``ADD``, and those of
        the stages it is built on: ``mounts``) and runs: a ``HEALTHCHECK``, ``ENTRYPOINT``, ``CMD`` or ``RUN`` of
        those stages names them (``files_run``; ``order``: which of them, the first named first)."""
        chain = self.stage_chain(idx)
        copies = self._copies()
        mounts = [m for k in sorted(chain) for m in copies.get(k, [])]
        if not mounts:
            return []
        workdirs = self._workdirs()
        # a RUN runs in the working folder of its place; the container's commands in the image's last one
        final = self._final_workdir(idx)
        commands = sorted(((ins.logical, f"COPY'd into its image and run by its {ins.cmd}",
                            workdirs[k] if ins.cmd == "RUN" else final)
                           for k, ins in enumerate(self.instructions)
                           if ins.stage in chain and not ins.onbuild and ins.cmd in order),
                          key=lambda c: order.index(c[1].rpartition(" ")[2]))
        return files_run(mounts, commands)

    def health_refs(self, cl: CommandLine) -> list[tuple[str, str, str]]:
        """What holds, apart from this file, the path of a health check of the server its image runs (``cl``, a
        line of its last stage's CMD/ENTRYPOINT; ``CheckSite``): an App Engine flexible ``app.yaml`` of a custom
        runtime in the same folder builds its image from the file named ``Dockerfile`` there, and its
        ``readiness_check``/``liveness_check`` paths ask that server (``KubernetesDoc._app_engine_checks``)."""
        if not self.path or os.path.basename(self.path) != "Dockerfile":
            return []
        runs = getattr(self, "_image_lines", None)
        if runs is None:  # the lines the image runs, read once (a file of many stages is not read again per line)
            runs = self._image_lines = {tuple((w.start, w.end) for seg in line.segments for w in seg.words)
                                        for b in self.topology().builds for line in b.lines}
        key = tuple((w.start, w.end) for seg in cl.segments for w in seg.words)
        return [(os.path.dirname(os.path.realpath(self.path)), "app_engine", "")] if key in runs else []

    def same_structure(self, new: "DockerfileDoc") -> str | None:
        old_cmds = [(i.cmd, i.onbuild) for i in self.instructions]
        new_cmds = [(i.cmd, i.onbuild) for i in new.instructions]
        if old_cmds != new_cmds:
            return f"the instructions changed ({len(old_cmds)} before, {len(new_cmds)} after)"
        if new.escape != self.escape:
            return "the escape directive changed"
        for a, b in zip(self.instructions, new.instructions):
            if a.is_json != b.is_json:
                return f"line {b.line}: {a.cmd} changed between exec (JSON) and shell form"
        return None

    def copied_from(self, at: int) -> Span | None:
        ins = self._instruction_at(at)
        if ins is None or ins.cmd not in ("COPY", "ADD"):
            return None
        m = _FROM_FLAG.match(ins.logical)
        if m is None:
            return None
        value = self.expand(m.group("v"))
        st = self._named.get(value.lower())
        if st is None and value.isdigit() and int(value) < len(self.stages):
            st = self.stages[int(value)]
        if st is not None:
            return st.root if st.index < ins.stage else None
        i, j = m.span("v")  # an image named by the flag itself
        return Span(ins.offsets[i], ins.offsets[j - 1] + 1) if j > i else None

    def base_images(self) -> list[BaseImage]:
        # each stage's instructions and RUN spans, and where the next stage starts, in one pass
        runs: dict[int, list[Span]] = {}
        by_stage: dict[int, list[Instruction]] = {}
        for i in self.instructions:
            by_stage.setdefault(i.stage, []).append(i)
            if i.cmd == "RUN" and not i.onbuild:
                # a RUN's here-documents follow its line: they belong to it
                runs.setdefault(i.stage, []).append(
                    Span(i.start, max([i.end] + [b.base + len(b.text) for b in i.heredoc_bodies])))
        starts = [by_stage[k][0].start if k in by_stage else len(self.text) for k in range(len(self.stages))]
        out = []
        for st in self.stages:
            if st.image_word is None:
                continue
            own = by_stage[st.index]
            nxt = starts[st.index + 1] if st.index + 1 < len(starts) else len(self.text)
            out.append(BaseImage(st.image_word.span, st.v1, st.sdk, runs.get(st.index, []), st.base_image,
                                 Span(own[0].start, nxt)))
        return out


    def mounts(self, line: CommandLine) -> list[Mount] | None:
        """What the image of the line's stage holds from the build context (taken to be the Dockerfile's
        folder): the ``COPY``/``ADD`` of the stage and of the stages it is built on (not ``--from``)."""
        first = next((w for seg in line.segments for w in seg.words), None)
        if first is None:
            return None
        chain = self.stage_chain(self.stage_index_at(first.start))
        copies = self._copies()
        return [m for k in sorted(chain) for m in copies.get(k, [])]

    def stage_chain(self, idx: int) -> list[int]:
        """Stage ``idx`` and the stages it is built on (``FROM <stage name>``), nearest first."""
        chain: list[int] = []
        while 0 <= idx < len(self.stages) and idx not in chain:
            chain.append(idx)
            # the stage it is built on: the first stage of that name, when it comes before it
            parent = self._named.get(self.expand(self.stages[idx].image).lower())
            idx = parent.index if parent is not None and parent.index < idx else -1
        return chain

    def _workdirs(self) -> list[str | None]:
        """The working folder each instruction runs in (read once): the last ``WORKDIR`` before it, in its stage
        or a stage it is built on; a stage built on an image starts in that image's folder, unknown here
        (``IMAGE_WORKDIR``: a path relative to it is compared with others relative to it, never with a folder
        written out). None: not known (a variable the file does not set, a path that leaves the image's folder)."""
        if self._workdir_at is not None:
            return self._workdir_at
        out: list[str | None] = []
        last: dict[int, str | None] = {}  #: each stage's working folder at its end
        cur: str | None = None
        for ins in self.instructions:
            if ins.onbuild:
                pass
            elif ins.cmd == "FROM":
                st = self.stage_of(ins)
                parent = self._named.get(self.expand(st.image).lower()) if st is not None else None
                cur = last.get(parent.index) if parent is not None and parent.index < ins.stage else IMAGE_WORKDIR
            elif ins.cmd == "WORKDIR" and cur is not None:
                value = self.expand(ins.logical[ins.args_start:].strip())
                cur = in_folder(cur, value) if value and "$" not in value else None
            out.append(cur)
            if ins.stage >= 0:
                last[ins.stage] = cur
        self._workdir_at = out
        self._workdir_end = last
        return out

    def _final_workdir(self, idx: int) -> str | None:
        """The working folder of the image of stage ``idx``: where its container's commands run."""
        self._workdirs()
        return self._workdir_end.get(idx)

    def other_files(self) -> list[str]:
        """The files of the build context (absolute paths) that the image this file builds holds, each COPY'd or
        ADDed by its own name (``COPY main.py .``; not a folder's nor a pattern's) into any of its stages, when
        that image is no server's: its last stage runs no server line and every stage is built on an image that
        names no Triton server and that this file names (not a variable). A program of such a file runs in another
        application's container: its ``localhost`` is that container's (``follow.others_inside``)."""
        if not self.stages:
            return []
        for st in self.stages:  # (a build stage's sources make the program the last stage runs: ``go build``)
            image = st.base_image or st.image
            if st.triton or st.v1 or st.local_v1 or not image or "$" in image or facts.TRITON_HOST.search(image):
                return []
        if any(b.lines for b in self.topology().builds):
            return []
        base = os.path.dirname(os.path.abspath(self.path)) if self.path else "."
        out: list[str] = []
        for k in range(len(self.stages)):
            for m in self._copies().get(k, []):
                if _GLOB_CHARS.search(m.source):
                    continue
                src = os.path.normpath(os.path.join(base, m.source))
                if src not in out and os.path.isfile(src):
                    out.append(src)
        return out

    def _copies(self) -> dict[int, list[Mount]]:
        """The ``COPY``/``ADD`` of each stage from the build context (read once); a destination relative to
        the working folder (``WORKDIR /app`` then ``COPY ready.sh .``) is that folder's."""
        import os

        if self._mounts is not None:
            return self._mounts
        base = os.path.dirname(os.path.abspath(self.path)) if self.path else "."
        self._mounts = {}
        workdirs = self._workdirs()
        for k, ins in enumerate(self.instructions):
            if ins.cmd not in ("COPY", "ADD"):
                continue
            if ins.is_json:
                try:
                    values = json.loads(ins.logical)
                except ValueError:
                    continue
                args = [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
            else:
                args = [w.value for w in self._words(ins) if not w.dynamic]
            if any(a.startswith("--from") for a in args):
                continue
            args = [a for a in args if not a.startswith("--")]
            if len(args) < 2:
                continue
            dest = args[-1]
            if not dest.startswith("/"):
                wd = workdirs[k]
                folder = dest.endswith("/") or dest in (".", "..") or dest.endswith(("/.", "/.."))
                dest = in_folder(wd, dest) if wd is not None else None
                if dest is None:
                    continue
                dest = dest.rstrip("/") + "/" if folder else dest
            for src in args[:-1]:
                if "://" in src or "$" in src:
                    continue
                self._mounts.setdefault(ins.stage, []).append(Mount(src, dest, base))
        return self._mounts


#: the working folder a stage built on an image starts in: that image's, which the file does not say (a path
#: written relative to it stays apart from every folder written out)
IMAGE_WORKDIR = "/<image workdir>"


def in_folder(folder: str, path: str) -> str | None:
    """``path`` (absolute, or relative to ``folder``) as an absolute path; None when it leaves the image's own
    unknown folder (``IMAGE_WORKDIR``) upwards."""
    import posixpath

    got = posixpath.normpath(posixpath.join(folder, path))
    if got.startswith("//"):
        got = "/" + got.lstrip("/")
    if _under(folder, IMAGE_WORKDIR) and not path.startswith("/") and not _under(got, IMAGE_WORKDIR):
        return None
    return got


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


def _substituted(raw: str, at: int) -> bool:
    """Is ``raw[at]`` inside a command substitution (``$(...)`` or backquotes) of ``raw``?"""
    stack: list[bool] = []  #: per open parenthesis: does it open a ``$(``
    backquote = False
    quote = ""
    i = 0
    while i < at:
        c = raw[i]
        if c == "\\":
            i += 2
            continue
        if quote == "'":
            quote = "" if c == "'" else quote
        elif c == "'" and quote != '"':
            quote = "'"
        elif c == '"':
            quote = "" if quote == '"' else '"'
        elif c == "`":
            backquote = not backquote
        elif c == "(":
            stack.append(i > 0 and raw[i - 1] == "$")
        elif c == ")" and stack:
            stack.pop()
        i += 1
    return backquote or any(stack)
