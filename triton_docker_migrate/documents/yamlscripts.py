"""Shell scripts held in string scalars of a YAML document (a ConfigMap's ``data:`` entry, a Tekton
step's ``script:``, an Argo script template's ``source:``), read by the shell machinery of shell.py
at the document's offsets, the way ciworkflow.py reads GitHub ``run:`` and GitLab ``script:``.

A script whose every character stands verbatim in the file (a literal ``|`` block, a plain or quoted
scalar without escapes; CRLF line ends included) is editable through ``yamlquote.YamlShellSyntax``; a
folded or escaped one is read too, but only reported (``report_only``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import evidence
from ..model import ProcessingError, Span
from ..syntax import yamlquote as Q
from ..syntax import yamlsrc as Y
from .ciworkflow import _cut
from . import commands as C
from .shell import _NAMED_BINARY, ShellDoc, crlf_as_lf
from .sites import CommandLine, CommandSite, Region

#: a first line that names a POSIX shell (``#!/bin/sh``, ``#!/usr/bin/env bash``)
SHEBANG = re.compile(r"#![ \t]*\S*?/(?:env[ \t]+(?:-\S+[ \t]+)*)?(?:sh|bash|dash|ash)(?=[ \t\r\n]|$)")
SCRIPT_SUFFIXES = (".sh", ".bash")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")


@dataclass
class Script:
    """One script scalar and what the document knows of where it runs."""

    sc: Y.Scalar
    label: str  #: for messages: ``ConfigMap NAME KEY``, ``script``, ``source``
    triton: bool = False  #: it runs in (or is mounted into) a Triton container
    v1: bool = False  #: that container's image is a V1 server image
    images: tuple[Span, ...] = ()  #: where that image is written
    extra: dict | None = None  #: what its server lines carry (the container's name)
    container: object = None  #: the container that runs it (documents/kubernetes.py's Container)
    configmap: str = ""  #: the ConfigMap that holds it
    #: it runs in the pod of a Triton container (a step beside the server's sidecar): its URLs reach the
    #: server on localhost, a Triton context for its text (not for its commands, which are its own)
    in_triton_pod: bool = False


def names_a_shell(value: str) -> bool:
    return bool(SHEBANG.match(value))


class YamlScripts(ShellDoc):
    """The scripts of one YAML document, read as one shell document over the document's text."""

    kind = "shell"
    label = "script"

    def __init__(self, path: str, text: str, src: Y.YamlSource, scripts: list[Script]) -> None:
        self.src = src
        self.given = scripts
        super().__init__(path, text)

    def _parse(self) -> None:
        self.scripts: list[Script] = []  #: read as shell
        self.report_only_scripts: list[Y.Scalar] = []  #: shell that does not map one-to-one
        for s in self.given:
            self._script(s)

    def _script(self, s: Script) -> None:
        """A script the lexer reads; one it cannot read, or whose characters cannot be mapped to the
        file, is left out (the document reads it as a string, as any other)."""
        sc = s.sc
        offs = sc.offsets
        if offs is None:
            return
        lexed = self._lex(crlf_as_lf(sc.value), offs, sc.start, strict=False)
        if lexed is None:
            return
        t = self.text
        if any(t[o] != c and not (c == "\n" and t.startswith("\r\n", o)) for o, c in zip(offs, sc.value)) \
                or any(not t.startswith("\r\n", o) for o in sc.irregular):
            self.report_only_scripts.append(sc)  # read as the shell reads it, to report
        self.scripts.append(s)
        self.excluded.extend(lexed.comments)
        self._walk(lexed.tokens, Q.YamlShellSyntax(self.src, sc), s.label, None, 0, top=True)
        if sc not in self.report_only_scripts:
            self._heredocs(lexed.tokens, lexed.heredocs, 1)

    def owner(self, offset: int) -> Script | None:
        return next((s for s in self.scripts if s.sc.start <= offset < s.sc.end), None)

    def _reported(self, offset: int) -> bool:
        return any(sc.start <= offset < sc.end for sc in self.report_only_scripts)

    def _has_strong_evidence(self) -> bool:
        text = "\n".join(s.sc.value for s in self.scripts)
        return evidence.strong(_NAMED_BINARY.sub("-", text).encode("utf-8", "replace"))

    # --- sites ---------------------------------------------------------------------------------
    def script_triton(self, s: Script) -> bool:
        """Weak evidence (endpoints, options) counts in a script that runs in a Triton container, holds
        strong evidence itself or runs the server (not because another script of the file does)."""
        own = getattr(self, "_own", None)
        if own is None:
            own = self._own = {id(o) for o in (self.owner(w.start) for cl in self.command_lines()
                                               for w in [cl.binary or next((x for seg in cl.segments
                                                                            for x in seg.words), None)]
                                               if w is not None) if o is not None}
        if s.triton or id(s) in own:
            return True
        strong = getattr(self, "_strong", None)  # read once per script: every command site asks
        if strong is None:
            strong = self._strong = {}
        if id(s) not in strong:
            strong[id(s)] = evidence.strong(_NAMED_BINARY.sub("-", s.sc.value).encode("utf-8", "replace"))
        return strong[id(s)]

    def regions(self) -> list[Region]:
        excluded = sorted((sp.start, sp.end) for sp in self.excluded)
        out: list[Region] = []
        for s in self.scripts:
            out.extend(_cut(s.sc.value, s.sc.offsets, excluded, s.label, s.in_triton_pod or self.script_triton(s)))
        return out + self._heredoc_regions()

    def commands(self) -> list[CommandSite]:
        out = super().commands()
        for site in out:
            s = self.owner(site.words[0].start) if site.words else None
            site.triton = s is not None and self.script_triton(s)
        return out

    def command_lines(self) -> list[CommandLine]:
        if self._lines is not None:
            return self._lines
        out = super().command_lines()
        for cl in out:
            w = cl.binary or next((w for seg in cl.segments for w in seg.words), None)
            s = self.owner(w.start) if w is not None else None
            if s is not None:
                cl.v1 = cl.v1 or s.v1
                cl.images = cl.images or s.images
                cl.extra.update(s.extra or {})
            cl.report_only = w is not None and self._reported(w.start)
        return out

    def _v1_context(self, site) -> bool:
        """Also: the script runs in a container of a V1 image (a ConfigMap's a V1 pod mounts)."""
        s = self.owner(site.words[0].start) if site.words else None
        return (s is not None and s.v1) or super()._v1_context(site)

    def report_only(self) -> list[tuple[int, int, str]]:
        return [(sc.start, sc.end, " (in a folded or escaped YAML script: not changed, edit it by hand)")
                for sc in self.report_only_scripts] + super().report_only()


#: words that may stand before the server word of a command that starts it (with their options)
_WRAPPERS = {"exec", "nohup", "env", "time", "sudo", "gosu", "su-exec", "tini", "dumb-init", "numactl", "taskset",
             "stdbuf", "setsid", "--"}


def runs_server(path: str, text: str, src: Y.YamlSource, sc: Y.Scalar) -> bool:
    """The shell reader finds a server command line in ``sc``: the server word starts a command, after
    variable assignments and wrappers at most (``exec``, ``nohup``, ``env``; not prose such as
    ``started as: trtserver --model-store=...``)."""
    if "trtserver" not in sc.value and "tritonserver" not in sc.value:
        return False
    try:
        doc = YamlScripts(path, text, src, [Script(sc, "")])
    except ProcessingError:
        return False
    binaries = {id(cl.binary) for cl in doc.command_lines() if cl.binary is not None}
    for site in doc.sites:
        k = next((i for i, w in enumerate(site.words) if id(w) in binaries), None)
        if k is not None and all(_ASSIGNMENT.match(w.value) or C.basename(w.value) in _WRAPPERS or
                                 w.value.startswith("-") for w in site.words[:k]):
            return True
    return False
