"""docker-compose files -> Document.

Services are Triton when their image is a server image or their command runs the server. Every
edit is a span of the original text found through the composed YAML nodes (yamlsrc), so comments,
quoting, indentation, CRLF and document markers stay as written. A value shared through an anchor
is edited once, where it is written; findings there name the services that use it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .. import facts
from ..intervals import Intervals
from ..model import ProcessingError, Span
from . import commands as C
from ..syntax import yamlsrc as Y
from . import held as H
from . import yamlblocks as B
from . import yamlsites as S
from .dockerrun import publish_ports
from ..syntax import yamlquote as Q
from ..documents.base import Document
from .sites import (without_shell_comments, Block, BuildArgument, BuildSite, CommandLine, CommandSite, ComposeServiceSite, Mount, PortEntry,
                    PortList, PortSites, Region, Segment, Topology, files_mounted, files_run)
from ..syntax.shellwords import Word
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode, SequenceNode

#: ``$$NAME`` / ``$${NAME}`` as a whole word: compose passes ``$NAME`` on to the shell
_SHELL_VAR = re.compile(r"^\$\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$")
_VAR = re.compile(r"\$\{(\w+)(?::?[-?+]([^}]*))?\}|\$(\w+)")
#: sequences whose length an edit may change (the structure check allows it)
EDITABLE_SEQUENCES = frozenset({"command", "entrypoint", "ports", "expose", "test", "args"})


@dataclass
class Service:
    name: str
    node: MappingNode
    image: str = ""  #: as resolved (``${X:-default}`` -> default)
    triton: bool = False
    v1: bool = False
    entrypoint: Node | None = None
    command: Node | None = None
    image_node: Node | None = None
    v1_arguments: str = ""  #: a V1 server only by its arguments (see ``CommandLine.v1_arguments``)
    #: its options alone go to an image the run builds from a V1 server's Dockerfile (``commands.BuiltServer``)
    built: object = None
    #: why its ``trtserver`` is a program of its own (``commands.own_program``): held, never edited
    own: str = ""
    #: the image comes through ``extends: {file: ...}``: (that compose file, its service that writes the image,
    #: where ``extends`` is written here)
    extended: tuple["ComposeDoc", "Service", Span] | None = None


def _other_program(s: Service) -> bool:
    """``s`` runs an image known not to be the server: pulled by a name that is not Triton's, not built here."""
    if s.triton or s.v1 or s.v1_arguments or s.built is not None or s.extended is not None \
            or Y.get(s.node, "build") is not None:
        return False
    return facts.other_image(s.image)


#: compose files being read for an ``extends: {file: ...}`` (a cycle of files is not followed)
_EXTENDED_READING: set[str] = set()


def expand(value: str) -> str:
    """Compose interpolation with defaults; unset variables stand for a placeholder name."""
    return _VAR.sub(lambda m: m.group(2) if m.group(2) is not None else "var", value.replace("$$", "$"))


class ComposeDoc(Document):
    _regions: list[Region] | None = None
    kind = "compose"
    variable_syntax = "compose"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.src = Y.load(text)
        self.src.dollar_escape = True  # compose's interpolation / the kubelet: $$ is $
        self.services: list[Service] = []
        self._segments: dict[tuple[int, str], Segment | None] = {}
        self._lines: list[tuple[CommandLine, list[Service]]] | None = None
        self._sites: list[CommandSite] | None = None
        self._anchor_users: list[tuple[Node, list[str]]] | None = None
        self._users: dict[int, Service | list[Service]] | None = None  #: id(node) -> the service(s) owning it
        self._anchor_spans: Intervals | None = None  #: see note
        self._blocks: list[Block] | None = None
        self._unit_blocks: list[tuple[Block, Service, Node]] | None = None
        self._read_services()
        self._regions: list[Region] | None = None  #: read once, after the document is known
        self._owners: dict[int, object] | None = None  #: see _owner_of

    # --- structure ----------------------------------------------------------------------------
    @staticmethod
    def _service_map(root: Node | None) -> Node | None:
        """The mapping of a document's services: ``services:``, or - the legacy format of Compose 1
        (no ``version``, no ``services``) - the root itself when every entry of it is a mapping."""
        services = Y.get(root, "services")
        if services is not None or not isinstance(root, MappingNode) or Y.get(root, "version") is not None:
            return services
        entries = list(Y.items(root))
        return root if entries and all(isinstance(v, MappingNode) for _k, v in entries) else None

    def _read_services(self) -> None:
        for root in self.src.docs:
            for k, v in Y.items(self._service_map(root)):
                if isinstance(v, MappingNode) and Y.key_of(k) is not None:
                    self.services.append(Service(str(Y.key_of(k)), v))
        by_name = {s.name: s for s in self.services}
        for s in self.services:
            chain = self._extends_chain(s, by_name)
            for attr in ("image", "entrypoint", "command"):
                node = next((Y.get(x.node, attr) for x in chain if Y.get(x.node, attr) is not None), None)
                if attr == "image":
                    if isinstance(node, ScalarNode):
                        s.image = expand(str(node.value))
                        s.image_node = node
                else:
                    setattr(s, attr, None if Y.is_null(node) else node)
            info = facts.classify(s.image) if s.image else facts.ImageInfo()
            s.v1 = info.v1 and not info.sdk
            s.triton = info.triton and not info.sdk
            if s.image_node is None:
                s.triton, s.v1 = self._extended_in_file(chain[-1], s.triton, s.v1)
                s.extended = chain[-1].extended
        for s in self.services:
            v2_image = bool(s.image) and facts.classify(s.image).triton and not s.v1
            test = Y.get(Y.get(s.node, "healthcheck"), "test")
            v1_check = test is not None and "/api/health" in self.text[test.start_index:Y.node_end(self.src, test)]
            for site in self._service_sites(s):
                server = C.server_word(site.words)
                if server is not None:
                    s.triton = True
                    s.v1 = s.v1 or C.is_v1_binary(server.value)
                    s.own = s.own or C.own_program(site.words, s.image)
            if not s.triton and s.entrypoint is None:
                # options alone, one only the V1 server had: an image built on V1 (its entrypoint the server)
                cmd = self.segment(s.command, "command")
                words = cmd.words if cmd is not None else []
                s.v1_arguments = C.v1_arguments(words, v1_check)
                s.triton = s.v1 = bool(s.v1_arguments)
                # options alone for the ENTRYPOINT of an image the run builds from a V1 server's Dockerfile
                built = _built(s, os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd())
                s.built = C.built_server(s.image, words, _dockerfile(built) if built is not None else "")
                if s.built is not None and s.built.why is None:
                    s.triton = s.v1 = True
            elif s.triton and not s.v1 and not v2_image and v1_check:
                # the 20.06-v1/20.07-v1 images run a binary already called tritonserver (CONTRACT.md)
                s.v1, s.v1_arguments = True, C.V1_PROBED

    def _extended_in_file(self, last: Service, triton: bool, v1: bool) -> tuple[bool, bool]:
        """(triton, v1) of a service that takes its image from ``extends: {file: ..., service: ...}``:
        those of the service it names in that other compose file (read here, as compose reads it)."""
        ext = Y.get(last.node, "extends")
        file, name = (Y.get(ext, "file"), Y.get(ext, "service")) if isinstance(ext, MappingNode) else (None, None)
        if not isinstance(file, ScalarNode) or not isinstance(name, ScalarNode) or not self.path or self.path == "-":
            return triton, v1
        path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(self.path)), expand(str(file.value))))
        if path in _EXTENDED_READING or len(_EXTENDED_READING) >= 8:
            return triton, v1  # a cycle of files, or a chain too long to follow
        from ..atomic import read_regular  # never a FIFO, socket or device

        _EXTENDED_READING.add(path)
        try:
            base = ComposeDoc(path, read_regular(path, 1 << 20)[0].decode("utf-8"))
        except (OSError, UnicodeDecodeError, ProcessingError):
            return triton, v1
        finally:
            _EXTENDED_READING.discard(path)
        found = next((b for b in base.services if b.name == str(name.value)), None)
        if found is None:
            return triton, v1
        if found.image_node is not None:
            last.extended = (base, found, Span(ext.start_index, Y.node_end(self.src, ext)))
        elif found.extended is not None:  # that service extends one of a third file
            last.extended = (*found.extended[:2], Span(ext.start_index, Y.node_end(self.src, ext)))
        return found.triton, found.v1

    def _names_itself(self, file: Node | None) -> bool:
        """``extends: {file: ...}`` names this very file (a service of the same file, as if no ``file`` were given)."""
        if not isinstance(file, ScalarNode) or not self.path or self.path == "-":
            return False
        here = os.path.abspath(self.path)
        return os.path.normpath(os.path.join(os.path.dirname(here), expand(str(file.value)))) == os.path.normpath(here)

    def _extends_chain(self, s: Service, by_name: dict[str, Service]) -> list[Service]:
        chain = [s]
        while len(chain) < 20:
            ext = Y.get(chain[-1].node, "extends")
            if isinstance(ext, MappingNode) and (Y.get(ext, "file") is None or self._names_itself(Y.get(ext, "file"))):
                ext = Y.get(ext, "service")
            base = by_name.get(str(ext.value)) if isinstance(ext, ScalarNode) else None
            if base is None or base in chain:
                break
            chain.append(base)
        return chain

    def users(self, node: Node) -> list[Service]:
        """The services that own ``node``: whose definition reaches it (an index built once: no scan per
        node; no set of the nodes each service reaches is kept beside it)."""
        if self._users is None:
            # the one service that owns a node, or a list when several do (most nodes have one: a
            # list each took most of a large file's index)
            users: dict[int, Service | list[Service]] = {}
            for s in self.services:
                for n in map(id, Y.walk(s.node, set())):
                    got = users.get(n)
                    if got is None:
                        users[n] = s
                    elif isinstance(got, list):
                        got.append(s)
                    else:
                        users[n] = [got, s]
            self._users = users
        got = self._users.get(id(node))
        return [] if got is None else list(got) if isinstance(got, list) else [got]

    def _triton_names(self) -> list[str]:
        names = []
        for s in self.services:
            if s.triton:
                names.append(s.name)
                for key in ("container_name", "hostname"):
                    v = Y.get(s.node, key)
                    if isinstance(v, ScalarNode) and v.value:
                        names.append(str(v.value))
                names += self.link_aliases().get(s.name, [])
        return names

    def _in_server_network(self) -> set[str]:
        """The services that join a Triton service's network (``network_mode: "service:trt"``, or
        ``container:`` its container name): their ``localhost`` is the server's, a Triton context as the pod of
        a sidecar is (CONTRACT.md)."""
        names = set(self._triton_names())
        out: set[str] = set()
        for s in self.services:
            mode = Y.get(s.node, "network_mode")
            if not s.triton and isinstance(mode, ScalarNode) and isinstance(mode.value, str):
                kind, _, target = expand(mode.value).strip().partition(":")
                if kind in ("service", "container") and target.strip() in names:
                    out.add(s.name)
        return out

    def link_aliases(self) -> dict[str, list[str]]:
        """Service -> the names other services reach it by through their ``links`` (``SERVICE:ALIAS`` and
        ``SERVICE``): a linking container resolves the alias to the linked service's container. Read once."""
        if getattr(self, "_link_aliases", None) is not None:
            return self._link_aliases
        out: dict[str, list[str]] = {}
        self._link_aliases = out
        for s in self.services:
            seq = Y.get(s.node, "links")
            for item in seq.value if isinstance(seq, SequenceNode) else ():
                if isinstance(item, ScalarNode) and item.value:
                    target, _, alias = str(item.value).strip().partition(":")
                    if target and alias and alias != target and alias not in out.setdefault(target, []):
                        out[target].append(alias)
        return out

    # --- regions ------------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        """(read once: every rule asks)"""
        if self._regions is None:
            self._regions = self._read_regions()
        return self._regions

    def _read_regions(self) -> list[Region]:
        env_items = self._env_list_items()
        names = self._triton_names()
        shared = self._in_server_network()
        host = re.compile(r"(?<![\w.-])(?:" + "|".join(map(re.escape, names)) + r")(?::\d+)?/api/") if names else None
        out: list[Region] = []
        for node, sc, key in Y.string_values(self.src):
            got = _string_value(node, sc, env_items)
            if got is None:
                continue
            text, offsets = got
            users = self.users(node)
            triton = any(s.triton or s.name in shared for s in users) or bool(host and host.search(text))
            r = Region(text, offsets=offsets, triton=triton, shell=key in ("command", "entrypoint", "test"),
                       image_context=key == "image", label=key,
                       other_program=not triton and bool(users) and all(map(_other_program, users)))
            out += without_shell_comments(r) if r.shell else [r]
        return out

    def _env_list_items(self) -> set[int]:
        out: set[int] = set()
        for s in self.services:
            for node in (Y.get(s.node, "environment"), Y.get(Y.get(s.node, "build"), "args")):
                if isinstance(node, SequenceNode):
                    out.update(id(i) for i in node.value)
        return out

    # --- commands -----------------------------------------------------------------------------
    def segment(self, node: Node | None, label: str) -> Segment | None:
        """Words of ``command:``/``entrypoint:`` (a string split like compose, or a list), cached so
        that every site and line shares the same words."""
        if node is None:
            return None
        key = (id(node), label)
        if key not in self._segments:
            self._segments[key] = S.segment(self.src, node, label)
        return self._segments[key]

    def _argv_segments(self, s: Service) -> list[tuple[Segment, str]]:
        out = []
        for node, label in ((s.entrypoint, "entrypoint"), (s.command, "command")):
            seg = self.segment(node, label)
            if seg is not None:
                out.append((seg, label))
        return out

    def _service_sites(self, s: Service) -> list[CommandSite]:
        out: list[CommandSite] = []
        segs = [seg for seg, _ in self._argv_segments(s)]
        for seg in segs:
            out.append(CommandSite(seg.words, seg, s.triton, self.text, s.image or None))
        out.extend(S.nested_sites(self.src, segs, self.text, s.triton))
        test = Y.get(Y.get(s.node, "healthcheck"), "test")
        for seg in self._test_segments(test):
            out.append(CommandSite(seg.words, seg, s.triton, self.text))
            out.extend(S.nested_sites(self.src, [seg], self.text, s.triton))
        return out

    def _test_segments(self, test: Node | None) -> list[Segment]:
        """``healthcheck.test``: ``[CMD, ...]`` runs the words, ``[CMD-SHELL, "..."]`` and a string run
        a shell."""
        shell_node = None
        if isinstance(test, SequenceNode) and test.value and isinstance(test.value[0], ScalarNode):
            head = test.value[0].value
            if head == "CMD":
                seg = self.segment(test, "healthcheck")
                if seg is None or len(seg.words) < 2:
                    return []
                return [Segment(seg.words[1:], seg.syntax, "healthcheck")]
            if head == "CMD-SHELL" and len(test.value) > 1:
                shell_node = test.value[1]
        elif isinstance(test, ScalarNode):
            shell_node = test
        if not isinstance(shell_node, ScalarNode):
            return []
        sc = self.src.scalar(shell_node)
        if not sc.is_str:
            return []
        if sc.offsets is None:
            Y.refuse_unmapped(self.src, sc)
            return []
        return [Segment(ws, Q.YamlShellSyntax(self.src, sc), "healthcheck")
                for ws in S.split_words(self.src, sc, argv=False)]

    def commands(self) -> list[CommandSite]:
        if self._sites is None:
            seen: set[tuple[int, ...]] = set()
            self._sites = []
            for s in self.services:
                for site in self._service_sites(s):
                    key = tuple(id(w) for w in site.words)
                    if key not in seen:
                        seen.add(key)
                        self._sites.append(site)
        return self._sites

    def command_lines(self) -> list[CommandLine]:
        return [cl for cl, _ in self._server_lines()]

    def _server_lines(self) -> list[tuple[CommandLine, list[Service]]]:
        if self._lines is not None:
            return self._lines
        found: dict[tuple, tuple[CommandLine, list[Service]]] = {}
        for s in self.services:
            if not s.triton:
                continue
            for cl in self._lines_of(s):
                key = tuple(id(w) for seg in cl.segments for w in seg.words)
                if key in found:
                    prev, users = found[key]
                    users.append(s)
                    prev.v1 = prev.v1 or cl.v1
                else:
                    found[key] = (cl, [s])
        self._lines = list(found.values())
        if B.may_keep(self.src):
            B.mark_kept([cl for cl, _ in self._lines], [b.span for b, _, _ in self._units() if b.kept])
        return self._lines

    def _lines_of(self, s: Service) -> list[CommandLine]:
        lines = S.server_lines(self.src, self.segment(s.entrypoint, "entrypoint"), self.segment(s.command, "command"),
                               s.v1, {"service": s.name}, lambda w: self._held(w, s))
        if not lines:
            lines = self._script_options(s)
        if isinstance(s.image_node, ScalarNode):
            sc = self.src.scalar(s.image_node)
            for cl in lines:
                cl.images = (Span(sc.start, sc.end),)
        elif s.extended is not None:  # the image is written in the file ``extends`` names
            for cl in lines:
                cl.extra["extended_image"] = s.extended
        built = _built(s, os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd())
        build = Y.get(s.node, "build")
        for cl in lines:
            cl.v1_arguments = s.v1_arguments
            cl.built = s.built if s.built is not None and s.built.why is None else None
            if built is not None and build is not None:
                # the image the service runs is built here: what it is built on is what the line runs on
                target = Y.get(build, "target") if isinstance(build, MappingNode) else None
                cl.extra["build"] = (_dockerfile(built), Span(build.start_index, Y.node_end(self.src, build)),
                                     str(target.value) if isinstance(target, ScalarNode) and target.value else "")
        return lines

    def _script_options(self, s: Service) -> list[CommandLine]:
        """``entrypoint: /entrypoint.sh`` with ``command: [--model-store=...]``, the script bind-mounted from the
        host, whose one server line ends in ``"$@"`` (``shell.script_options_line``): the command's words are that
        server's options, given to a line written elsewhere (``appended``: the script's line gets V1's defaults)."""
        from .shell import script_options_line

        entry, cmd = self.segment(s.entrypoint, "entrypoint"), self.segment(s.command, "command")
        if entry is None or cmd is None or not cmd.words or not cmd.words[0].value.startswith("--"):
            return []
        got = script_options_line(entry.words, self._binds(s))
        if got is None:
            return []
        script, v1, given = got
        return [CommandLine(self.text, [cmd], None, s.v1 or v1 and not s.triton, "command",
                            {"service": s.name, "given_to": given, "script": script}, appended=True)]

    def maybe_server_lines(self) -> list[CommandLine]:
        out = []
        for s in self.services:
            cmd = self.segment(s.command, "command") if not s.triton and s.built is not None and s.built.why else None
            if cmd is not None:
                cl = CommandLine(self.text, [cmd], None, True, cmd.label, {"service": s.name}, built=s.built)
                if isinstance(s.image_node, ScalarNode):
                    sc = self.src.scalar(s.image_node)
                    cl.images = (Span(sc.start, sc.end),)
                out.append(cl)
        return out

    def _held(self, w: Word, s: Service) -> list[H.Held] | None:
        """``$$SERVER_ARGS`` in a service's ``sh -c`` script (``$$``: compose leaves the expansion to
        the shell): the words of the value the service's ``environment`` gives it, when no other service gets
        that variable (a value merged in from an anchor, ``<<: *env``, is edited where the anchor writes it)."""
        m = _SHELL_VAR.match(w.value)
        if not m or w.quote:
            return None
        name = m.group(1) or m.group(2)
        given = [(svc, v) for svc in self.services for n, v in S.env_values(self.src, Y.get(svc.node, "environment"))
                 if n == name]
        if len(given) != 1 or given[0][0] is not s or given[0][1] is None or H.uses(self.text, name) != 1:
            return None
        got = H.field_words(given[0][1], name, quoted=True)
        return [got] if got is not None else None

    # --- ports -----------------------------------------------------------------------------------
    def port_sites(self) -> list[PortSites]:
        """``ports:``/``expose:`` of the services that run each server line."""
        out = []
        for cl, users in self._server_lines():
            lists = []
            for s in users:
                for key in ("ports", "expose"):
                    seq = Y.get(s.node, key)
                    if isinstance(seq, SequenceNode):
                        lists.append(PortList("compose", key, [self._port_entry(seq, item) for item in seq.value]))
            out.append(PortSites([cl], lists))
        return out

    def _port_entry(self, seq: SequenceNode, item: Node) -> PortEntry:
        return PortEntry(_container_port(self.src, item), Span(item.start_index, Y.node_end(self.src, item)),
                         lambda: [Q.delete_item(self.src, seq, item)])

    # --- who reaches whom (the follow-through of a run) -----------------------------------------
    def topology(self) -> Topology:
        """Every service: the names it is reached by, its build and ``extends``, its published ports, the
        server lines it runs and its strings."""
        base = os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()
        lines_of: dict[int, list[CommandLine]] = {}  # each service's lines and strings, in one pass
        for cl, users in self._server_lines():
            for sid in dict.fromkeys(id(u) for u in users):
                lines_of.setdefault(sid, []).append(cl)
        env_items = self._env_list_items()
        strings_of: dict[int, list[tuple]] = {}
        for node, sc, key in Y.string_values(self.src):
            for u in self.users(node):
                strings_of.setdefault(id(u), []).append((node, sc, key))
        out = Topology()
        link_aliases = self.link_aliases()
        for s in self.services:
            hosts = [s.name]
            for key in ("container_name", "hostname"):
                v = Y.get(s.node, key)
                if isinstance(v, ScalarNode) and v.value:
                    hosts.append(str(v.value))
            for _net, conf in Y.items(Y.get(s.node, "networks")):
                aliases = Y.get(conf, "aliases")
                hosts += [str(a.value) for a in (aliases.value if isinstance(aliases, SequenceNode) else [])
                          if isinstance(a, ScalarNode)]
            hosts += [a for a in link_aliases.get(s.name, ()) if a not in hosts]
            built = _built(s, base)
            ext = Y.get(s.node, "extends")
            extends = None
            if isinstance(ext, MappingNode) and isinstance(Y.get(ext, "file"), ScalarNode) \
                    and isinstance(Y.get(ext, "service"), ScalarNode):
                extends = (os.path.normpath(os.path.join(base, str(Y.get(ext, "file").value))),  # type: ignore[union-attr]
                           str(Y.get(ext, "service").value))  # type: ignore[union-attr]
            lists = []
            for key in ("ports", "expose"):
                seq = Y.get(s.node, key)
                if isinstance(seq, SequenceNode):
                    entries = []
                    for item in seq.value:
                        e = self._port_entry(seq, item)
                        e.host = _host_port(item) if key == "ports" else None
                        entries.append(e)
                    lists.append(PortList("compose", key, entries))
            regions = []
            for node, sc, key in strings_of.get(id(s), []):
                got = _string_value(node, sc, env_items)
                if got is None:
                    continue
                text, offsets = got
                regions.append(Region(text, offsets=offsets, shell=key in ("command", "entrypoint", "test"), label=key))
            site = ComposeServiceSite(s.name, base, hosts, s.image, built, extends, lists, lines_of.get(id(s), []),
                                      regions, s.command is not None or s.entrypoint is not None)
            name = Y.get(s.node, "container_name")
            site.container = str(name.value) if isinstance(name, ScalarNode) and name.value else ""
            site.names = [site.container] if site.container else self._generated_names(s.name, base)
            runs = {"test": "its healthcheck", "command": "its command", "entrypoint": "its entrypoint"}
            mounts = self._binds(s) + self._configs(s)
            site.inside = files_run(mounts, [(r.text, f"bind-mounted into the service {s.name} and run by "
                                              f"{runs[r.label]}") for r in regions if r.label in runs])
            # a file mounted alone (``./wait.sh:/wait.sh``, a ``configs:`` entry) runs in the container, whoever runs it
            site.inside = files_mounted(mounts, site.inside, f"mounted into the container of the service {s.name}")
            cmd = self.segment(s.command, "command") if s.entrypoint is None else None
            site.options = cmd is not None and bool(cmd.words) and cmd.words[0].value.startswith("--")
            site.env = [(name, value, self.position(node.start_index)[0])
                        for node, name, value in _env_values(Y.get(s.node, "environment"))]
            site.env_files = [path for _value, _span, path in self._env_file_paths(s)]
            out.compose.append(site)
            if built is not None and s.image:  # ``image:`` beside ``build:``: the name the image is built with
                at = s.image_node.start_index if s.image_node is not None else s.node.start_index
                out.builds.append(BuildSite(_dockerfile(built), [],
                                            [s.image], self.position(at)[0]))
        return out

    def _generated_names(self, service: str, folder: str) -> list[str]:
        """The names Compose gives the first container of ``service`` when it has no ``container_name``:
        ``<project>-<service>-1`` (Compose 1: ``<project>_<service>_1``), the project named by the file's
        top-level ``name`` or else by its folder, in lower case without other characters than
        ``[a-z0-9_-]``; none when the file names it by a variable, set at run time."""
        written = next((Y.get(root, "name") for root in self.src.docs if isinstance(root, MappingNode)
                        and Y.get(root, "name") is not None), None)
        project = str(written.value) if isinstance(written, ScalarNode) else os.path.basename(folder)
        if "$" in project:
            return []
        project = re.sub(r"[^a-z0-9_-]", "", project.lower())
        v2 = project.lstrip("_-")
        out = [f"{v2}-{service}-1"] if v2 else []
        if project and written is None:  # Compose 1 read no ``name``
            out.append(f"{project}_{service}_1")
        return out

    # --- environment --------------------------------------------------------------------------
    def env_definitions(self) -> list[tuple[str, Span]]:
        out = []
        seen: set[int] = set()
        for s in self.services:
            for name_node, name, span in _env_names(self.src, Y.get(s.node, "environment")):
                if id(name_node) not in seen:
                    seen.add(id(name_node))
                    out.append((name, span))
        return out

    def build_arguments(self) -> list[BuildArgument]:
        """``build: {context: ..., args: {NAME: value}}`` (or ``args: [NAME=value]``) of each service."""
        base = os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()
        out = []
        for s in self.services:
            args = Y.get(Y.get(s.node, "build"), "args")
            built = _built(s, base) if args is not None else None
            if built is None:
                continue
            out += S.build_arguments(self.src, args, _dockerfile(built))
        return out

    def tag_variable_why(self, name: str) -> str | None:
        """Why the variable ``name`` that an image's tag takes cannot change with the image, beyond its value being
        set outside the file (``.env``, the environment): another key of the file uses it too (its line named)."""
        images = [(s.image_node.start_index, Y.node_end(self.src, s.image_node)) for s in self.services
                  if s.image_node is not None]
        for m in re.finditer(r"\$\{?" + re.escape(name) + r"\b", self.text):
            if not any(a <= m.start() < b for a, b in images):
                return f"{name} is used at line {self.position(m.start())[0]} too"
        return None

    def interpolated_images(self) -> list[tuple[str, Span, bool, str]]:
        """``image: ${TRITON_IMAGE}`` (or ``$TRITON_IMAGE``, or with a default, which the ``.env`` file
        beside the compose file overrides, as compose reads it)."""
        if not self.path:
            return []
        env = os.path.join(os.path.dirname(os.path.abspath(self.path)), ".env")
        out = []
        for s in self.services:
            if not isinstance(s.image_node, ScalarNode) or "$" not in str(s.image_node.value):
                continue
            sc = self.src.scalar(s.image_node)
            v1_line = any(cl.v1 for cl in self._lines_of(s))
            for m in _VAR.finditer(str(s.image_node.value)):
                out.append((m.group(1) or m.group(3), Span(sc.start, sc.end), v1_line, env))
        return out

    def interpolated_health_paths(self) -> list[tuple[str, Span, str]]:
        """The variables a Triton service's ``healthcheck.test`` expands (``http://localhost:8000${READY_PATH}``),
        which the ``.env`` beside the file may set: (variable, where it is written, the environment file)."""
        if not self.path:
            return []
        env = os.path.join(os.path.dirname(os.path.abspath(self.path)), ".env")
        out = []
        for s in self.services:
            test = Y.get(Y.get(s.node, "healthcheck"), "test")
            if not s.triton or test is None:
                continue
            for node in Y.walk(test, set()):
                if isinstance(node, ScalarNode) and "$" in str(node.value):
                    sc = self.src.scalar(node)
                    out += [(m.group(1) or m.group(3), Span(sc.start, sc.end), env)
                            for m in _VAR.finditer(str(node.value))]
        return out

    def env_files(self) -> list[tuple[str, Span, str]]:
        out = []
        seen: set[tuple] = set()
        for s in self.services:
            if s.triton:
                out += [f for f in self._env_file_paths(s) if (f[1].start, f[1].end) not in seen]
                seen.update((f[1].start, f[1].end) for f in out)
        return out

    def _env_file_paths(self, s) -> list[tuple[str, Span, str]]:
        """(as written, where, absolute path) of each file the service's ``env_file`` names."""
        base = os.path.dirname(os.path.abspath(self.path)) if self.path else "."
        node = Y.get(s.node, "env_file")
        out = []
        for e in node.value if isinstance(node, SequenceNode) else [node] if node is not None else []:
            path_node = Y.get(e, "path") if isinstance(e, MappingNode) else e
            if isinstance(path_node, ScalarNode) and path_node.value:
                sc = self.src.scalar(path_node)
                out.append((str(path_node.value), Span(sc.start, sc.end), os.path.join(base, str(path_node.value))))
        return out

    def note(self, span: Span) -> str:
        """Values shared through anchors name the services that use them."""
        anchors = self._anchors()
        if not anchors:
            return ""
        if self._anchor_spans is None:  # where each shared value is written (indexed once: a finding asks)
            self._anchor_spans = Intervals((n.start_index, Y.node_end(self.src, n), (n, u)) for n, u in anchors)
        inner = [self._anchor_spans.items[k] for k in self._anchor_spans.holding(span.start, span.end)]
        if not inner:
            return ""
        _start, _end, (node, users) = min(inner, key=lambda t: t[1] - t[0])
        return f" (shared through &{node.anchor} by service{'s' if len(users) > 1 else ''} {', '.join(users)})"

    def _anchors(self) -> list[tuple[Node, list[str]]]:
        if self._anchor_users is None:
            self._anchor_users = []
            seen: set[int] = set()
            for _, node in self.src.aliases:
                if node.anchor is None or id(node) in seen:
                    continue
                seen.add(id(node))
                users = [s.name for s in self.users(node)]
                if users:
                    self._anchor_users.append((node, users))
        return self._anchor_users

    # --- side by side -----------------------------------------------------------------------------
    def _units(self) -> list[tuple[Block, Service, Node]]:
        """Each service as a unit of lines (names, spans, keep-v1 markers), before any analysis."""
        if self._unit_blocks is None:
            self._unit_blocks = []
            by_node = {}
            for x in self.services:
                by_node.setdefault(id(x.node), x)
            for d, root in enumerate(self.src.docs):
                services = self._service_map(root)
                for k, v in Y.items(services):
                    s = by_node.get(id(v))
                    if s is not None and isinstance(k, ScalarNode):
                        b = B.block(self.src, s.name, "service", k.start_index, v, (d, "services", s.name))
                        if services is root:
                            b.refusal = "a Compose 1 file (its services at the top level) has no place for a copy"
                        self._unit_blocks.append((b, s, v))
        return self._unit_blocks

    def report_only(self) -> list[tuple[int, int, str]]:
        """A service whose ``trtserver`` is a program of its own (``commands.own_program``): held whole."""
        return [(s.node.start_index, Y.node_end(self.src, s.node), f" ({s.own})") for s in self.services if s.own]

    def blocks(self) -> list[Block]:
        """Each service, V1 when it runs a V1 server or image; the values of other services that
        name it as a URL host route to it."""
        if self._blocks is not None:
            return self._blocks
        v1_lines = {id(s) for cl, users in self._server_lines() if cl.v1 for s in users}
        out: list[Block] = []
        for b, s, v in self._units():
            b.v1 = s.v1 or id(s) in v1_lines
            b.hosts = tuple(dict.fromkeys([s.name, *service_hosts(v)]))
            b.shared = B.shared_spans(self.src, v, b.span)
            out.append(b)
        for b in out:
            b.routes = B.routes(self.src, list(b.hosts), [b.span])
        self._blocks = out
        return out

    # --- mounts and GPUs ------------------------------------------------------------------------
    def _owner_of(self, line: CommandLine):
        """What ``line`` is the server line of (found through an index of the lines, built once)."""
        if self._owners is None:
            self._owners = S.owners(self._server_lines())
        return self._owners.get(id(line))

    def mounts(self, line: CommandLine) -> list[Mount] | None:
        """The bind mounts of the services that run ``line`` (short ``./src:/dst[:ro]`` and long
        ``type: bind`` syntax); a relative source is relative to this file's folder."""
        users = self._owner_of(line)
        if users is None:
            return None
        return [m for s in users for m in self._binds(s)]

    def _binds(self, s) -> list[Mount]:
        """The bind mounts of the service ``s``."""
        base = os.path.dirname(os.path.abspath(self.path)) if self.path else "."
        out: list[Mount] = []
        vols = Y.get(s.node, "volumes")
        for item in vols.value if isinstance(vols, SequenceNode) else []:
            if isinstance(item, ScalarNode):
                parts = str(item.value).split(":")
                if len(parts) >= 2 and parts[0].startswith((".", "/", "~")):
                    out.append(Mount(parts[0], parts[1], base))
            elif isinstance(item, MappingNode):
                kind, src, dst = (Y.get(item, k) for k in ("type", "source", "target"))
                if isinstance(kind, ScalarNode) and kind.value == "bind" and isinstance(src, ScalarNode) \
                        and isinstance(dst, ScalarNode):
                    out.append(Mount(str(src.value), str(dst.value), base))
        return [m for m in out if "$" not in m.source and not m.source.startswith("~")]

    def _configs(self, s) -> list[Mount]:
        """The ``configs:`` of the service ``s`` that a top-level ``configs:`` entry reads from a file
        (``file: ./wait.sh``), each at its ``target`` (by default ``/<its name>``)."""
        base = os.path.dirname(os.path.abspath(self.path)) if self.path else "."
        files: dict[str, str] = {}
        for root in self.src.docs:
            for k, v in Y.items(Y.get(root, "configs") if isinstance(root, MappingNode) else None):
                f = Y.get(v, "file")
                if Y.key_of(k) is not None and isinstance(f, ScalarNode) and isinstance(f.value, str):
                    files[str(Y.key_of(k))] = f.value
        out: list[Mount] = []
        refs = Y.get(s.node, "configs")
        for item in refs.value if isinstance(refs, SequenceNode) and files else []:
            if isinstance(item, ScalarNode):
                name, target = str(item.value), f"/{item.value}"
            elif isinstance(item, MappingNode) and isinstance(Y.get(item, "source"), ScalarNode):
                name = str(Y.get(item, "source").value)  # type: ignore[union-attr]
                t = Y.get(item, "target")
                target = str(t.value) if isinstance(t, ScalarNode) and t.value else f"/{name}"
            else:
                continue
            if name in files:
                out.append(Mount(files[name], target, base))
        return [m for m in out if "$" not in m.source and "$" not in m.target and not m.source.startswith("~")]

    def gpu_requests(self) -> list[tuple[str, Span]]:
        """``runtime: nvidia``, ``gpus:`` and ``deploy.resources.reservations.devices`` of Triton services."""
        out: list[tuple[str, Span]] = []
        for s in self.services:
            if not s.triton:
                continue
            for key, what in (("runtime", "runtime: nvidia"), ("gpus", "gpus")):
                for k, v in Y.items(s.node):
                    if Y.key_of(k) == key and (key != "runtime" or getattr(v, "value", None) == "nvidia"):
                        out.append((what, Span(k.start_index, Y.node_end(self.src, v))))
            res = Y.get(Y.get(Y.get(s.node, "deploy"), "resources"), "reservations")
            for k, v in Y.items(res):
                if Y.key_of(k) == "devices":
                    out.append(("deploy.resources.reservations.devices", Span(k.start_index, k.end_index)))
        return out

    # --- verification -------------------------------------------------------------------------
    def same_structure(self, new: "ComposeDoc") -> str | None:
        return Y.same_structure(self.src, new.src, EDITABLE_SEQUENCES, lists=S.line_words(self.command_lines()))


# --- helpers ------------------------------------------------------------------------------------

def _built(s: Service, base: str) -> tuple[str, str] | None:
    """The build context (absolute) and Dockerfile (as written, "" for the default) of a service that builds its image."""
    build = Y.get(s.node, "build")
    if isinstance(build, ScalarNode) and build.value:
        return os.path.normpath(os.path.join(base, expand(str(build.value)))), ""
    if isinstance(build, MappingNode):
        ctx, dockerfile = Y.get(build, "context"), Y.get(build, "dockerfile")
        context = expand(str(ctx.value)) if isinstance(ctx, ScalarNode) and ctx.value else "."
        return (os.path.normpath(os.path.join(base, context)),
                expand(str(dockerfile.value)) if isinstance(dockerfile, ScalarNode) and dockerfile.value else "")
    return None


def named_files(path: str, text: str) -> list[str]:
    """The files (absolute, normalised) the compose file at ``path`` reads as compose files too: those its services
    ``extends: {file: ...}`` and those it ``include``s (a path, a list of paths, or ``path:`` entries)."""
    try:
        src = Y.load(text)
    except (ProcessingError, ValueError, RecursionError):
        return []
    base = os.path.dirname(os.path.abspath(path))
    values: list[Node | None] = []
    for root in src.docs:
        for _k, v in Y.items(ComposeDoc._service_map(root)):
            ext = Y.get(v, "extends")
            values.append(Y.get(ext, "file") if isinstance(ext, MappingNode) else None)
        include = Y.get(root, "include") if isinstance(root, MappingNode) else None
        for item in include.value if isinstance(include, SequenceNode) else ():
            entry = Y.get(item, "path") if isinstance(item, MappingNode) else item
            values += entry.value if isinstance(entry, SequenceNode) else [entry]
    return list(dict.fromkeys(os.path.normpath(os.path.join(base, expand(str(v.value))))
                              for v in values if isinstance(v, ScalarNode) and v.value))


def _dockerfile(built: tuple[str, str]) -> str:
    """The Dockerfile a service's build reads (``_built``), normalised."""
    return os.path.normpath(os.path.join(built[0], built[1] or "Dockerfile"))


def _env_names(src: Y.YamlSource, env: Node | None):
    if isinstance(env, MappingNode):
        for k, _v in env.value:
            if isinstance(k, ScalarNode):
                sc = src.scalar(k)
                yield k, str(k.value), Span(sc.start, sc.end)
    elif isinstance(env, SequenceNode):
        for item in env.value:
            if isinstance(item, ScalarNode):
                sc = src.scalar(item)
                name = str(item.value).partition("=")[0]
                if sc.offsets is not None and name and sc.is_clean(0, len(name)):
                    yield item, name, Span(sc.offsets[0], sc.offsets[len(name) - 1] + 1)


def _env_values(env: Node | None):
    """(node, name, value) of each variable an ``environment`` sets to a plain value (no interpolation)."""
    if isinstance(env, MappingNode):
        items = [(k, str(k.value), v.value) for k, v in env.value
                 if isinstance(k, ScalarNode) and isinstance(v, ScalarNode) and isinstance(v.value, str)]
    elif isinstance(env, SequenceNode):
        items = [(item, *str(item.value).partition("=")[::2]) for item in env.value
                 if isinstance(item, ScalarNode) and "=" in str(item.value)]
    else:
        return
    for node, name, value in items:
        value = str(value).strip()
        if name and value and "$" not in value:
            yield node, name, value


def service_hosts(node: Node) -> list[str]:
    """The names a service is reached by besides its own: container_name, hostname, network aliases."""
    out = []
    for key in ("container_name", "hostname"):
        v = Y.get(node, key)
        if isinstance(v, ScalarNode) and v.value:
            out.append(str(v.value))
    for _, net in Y.items(Y.get(node, "networks")):
        aliases = Y.get(net, "aliases")
        if isinstance(aliases, SequenceNode):
            out += [str(a.value) for a in aliases.value if isinstance(a, ScalarNode) and a.value]
    return out


def _host_port(item: Node) -> str | None:
    """The host port a ``ports`` item publishes on (None: an ephemeral one, or not known)."""
    if isinstance(item, MappingNode):
        p = Y.get(item, "published")
        return str(p.value) if isinstance(p, ScalarNode) and not Y.is_null(p) else None
    if not isinstance(item, ScalarNode):
        return None
    got = publish_ports(str(item.value))
    return got[0] if got is not None else None


def _container_port(src: Y.YamlSource, item: Node) -> str | None:
    if isinstance(item, MappingNode):
        t = Y.get(item, "target")
        return str(t.value) if isinstance(t, ScalarNode) else None
    if not isinstance(item, ScalarNode):
        return None
    value = str(item.value).partition("/")[0]
    return value[_outside_braces(value).rfind(":") + 1:] or None


def _outside_braces(value: str) -> str:
    """``value`` with what its ``${...}`` hold blanked out (a ``:`` of ``${PORT:-8005}`` splits nothing)."""
    out, depth = [], 0
    for ch in value:
        depth += ch == "{"
        out.append(ch if depth == 0 else " ")
        depth -= ch == "}" and depth > 0
    return "".join(out)


def server_argv(doc: ComposeDoc) -> list[list[str]]:
    """The argv (binary and options) of each Triton service's server command line, decoded; words
    that expand to runtime arguments (``${EXTRA_ARGS}``) are left out, ``$$`` is compose's ``$``."""
    out = []
    for cl in doc.command_lines():
        if cl.report_only:
            continue  # a V1 line kept beside its V2 copy (keep-v1)
        binary = C.argv0(cl)
        words = [w.value for w, _ in cl.args() if not w.is_whole_expansion]
        out.append([v.replace("$$", "$") for v in [binary, *words]])
    return out


def _string_value(node, sc, env_items: set[int]) -> tuple[str, object] | None:
    """The text of a string scalar and its offsets; for an ``environment:`` list item ``NAME=value``
    the value alone (None: an item without ``=``, which only names a variable)."""
    text, offsets = sc.value, sc.offsets
    if id(node) in env_items:
        name, eq, _ = text.partition("=")
        if not eq:
            return None
        text, offsets = text[len(name) + 1:], offsets[len(name) + 1:]
    return text, offsets
