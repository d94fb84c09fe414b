"""What the checks of one document share: the target, the one argv transform of each server command
line (computed once, used by every check that needs it), and what the command lines taught the checks
that follow (the removed health port, TensorFlow, whether a V1 server was migrated)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..release import Release

if TYPE_CHECKING:
    from ..documents.base import Document
    from ..documents.sites import CommandLine
    from .argv import ArgvResult


@dataclass
class Context:
    doc: "Document"
    target: Release
    health_ports: dict[str, str] = field(default_factory=dict)  #: removed health port -> HTTP port
    uses_tensorflow: bool = False
    v1_server: bool = False  #: a V1 server command line or image was migrated
    v1_image: bool = False  #: the file names a V1 image (its other paths are the V1 image's)
    v1_source_build: bool = False  #: the file builds V1 itself (its /opt/tensorrtserver paths are its own)
    found: list = field(default_factory=list)  #: the findings of the checks run so far
    #: what the other files of the run hold that reaches this file's servers, or that this file reaches
    #: (``rules/follow.py``; None: the file is checked alone)
    links: object = None
    #: () -> clientadapter.Place of this file's client adapter; None: no adapter may be written
    adapter: object = None
    _argv: dict[tuple, "ArgvResult"] = field(default_factory=dict)
    _topology: object = None
    _other_hosts: object = None  #: ``rules/endpoints.other_hosts``, read once
    _triton_hosts: object = None  #: the names it finds the file gives a Triton container (read with it)
    #: the document's list of command lines that ``server_lines`` last read, and what it made of it
    _lines: tuple = (None, None)

    def transform(self, cl: "CommandLine") -> "ArgvResult":
        """The argv transform of ``cl`` (once per command line). A document may build its command lines
        anew on each call: they are known by where their words are written, never by ``id()`` (the id
        of a line built and dropped before is another line's later)."""
        key = (cl.binary.start if cl.binary is not None else -1,
               tuple((w.start, w.end) for seg in cl.segments for w in seg.words))
        got = self._argv.get(key)
        if got is None:
            from .argv import transform

            got = self._argv[key] = transform(cl, self.target, getattr(self.doc, "held", None))
        return got

    def topology(self):
        """The document's topology (``Document.topology``), read once."""
        if self._topology is None:
            self._topology = self.doc.topology()
        return self._topology

    def server_lines(self) -> list[tuple["CommandLine", "ArgvResult"]]:
        """Each server command line of the document with its transform (the pairs made again only when
        the document gives another list of lines: most keep theirs, and many checks ask)."""
        lines = self.doc.command_lines()
        if self._lines[0] is not lines or len(self._lines[1]) != len(lines):
            self._lines = (lines, [(cl, self.transform(cl)) for cl in lines])
        return list(self._lines[1])
