"""Helm chart values files (plain YAML) -> Document.

Values have no fixed schema: an image is one string (``image: repo:tag``) or a mapping whose
``repository`` and ``tag`` are separate keys; server options stand in ``args``/``extraArgs``/
``command`` lists wherever the chart put them. The file is Triton when its values (never its
comments) hold strong evidence or a Triton image; only then do options alone make a server line
and weak evidence (``/api/health`` probes) count.
"""

from __future__ import annotations

import posixpath
import re

from .. import evidence
from ..rules import argv
from ..documents.sites import CommandLine, Segment
from ..model import Edit, Finding, Fix, Severity, Span
from ..rules import env, images
from ..rules.endpoints import health_port_message
from ..rules import tables as T
from . import commands as C
from ..syntax import yamlsrc as Y
from . import yamlsites as S
from ..syntax import yamlquote as Q
from ..documents.base import Document
from ..documents.sites import CommandSite, Region
from ..rules.context import Context
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode, SequenceNode

ARGV_KEYS = ("command", "args", "extraArgs")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
EDITABLE = frozenset({"command", "args", "extraArgs", "ports"})
RETYPABLE = frozenset({"port", "targetPort"})
_OPTION_NAMES = frozenset(T.V1_OPTIONS) | frozenset(T.V2_OPTIONS)
_K8S_VAR = re.compile(r"(?<!\$)(?:\$\$)*\$\(\w+\)")


class ImageKeys:
    """A ``repository``/``tag`` pair of one mapping."""

    def __init__(self, repo: ScalarNode, tag: ScalarNode | None, digest: ScalarNode | None = None) -> None:
        self.repo, self.tag, self.digest = repo, tag, digest


class HelmValuesDoc(Document):
    kind = "helm-values"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.src = Y.load(text)
        self._segments: dict[int, Segment | None] = {}
        self._lines: list[CommandLine] | None = None
        self.split_images = self._find_split_images()
        self.v1 = False
        self.triton = False
        self._classify()

    # --- structure ----------------------------------------------------------------------------
    def _mappings(self):
        return (n for n in self.src.nodes() if isinstance(n, MappingNode))

    def _find_split_images(self) -> list[ImageKeys]:
        out = []
        for m in self._mappings():
            repo = Y.get(m, "repository")
            if not isinstance(repo, ScalarNode) or not isinstance(repo.value, str):
                continue
            last = posixpath.basename(repo.value.strip())
            if last not in ("tensorrtserver", "tritonserver"):
                continue
            tag = Y.get(m, "tag")
            digest = Y.get(m, "digest")
            digest = digest if isinstance(digest, ScalarNode) and isinstance(digest.value, str) and \
                digest.value.strip() else None
            out.append(ImageKeys(repo, tag if isinstance(tag, ScalarNode) else None, digest))
        return out

    def _split_info(self, ik: ImageKeys) -> images.ImageInfo:
        tag = str(ik.tag.value) if ik.tag is not None and str(ik.tag.value) else None
        return images.classify(ik.repo.value.strip() + (f":{tag}" if tag else ""))

    def _classify(self) -> None:
        keys, parent_key = Y.keys_and_parents(self.src)
        for ik in self.split_images:
            info = self._split_info(ik)
            self.triton = self.triton or info.triton
            self.v1 = self.v1 or (info.v1 and not info.sdk)
        for node in self.src.nodes():
            if not isinstance(node, ScalarNode) or id(node) in keys or not isinstance(node.value, str):
                continue
            if (parent_key.get(id(node)) or "").lower().endswith("image"):
                info = images.classify(node.value)
                self.triton = self.triton or info.triton
                self.v1 = self.v1 or (info.v1 and not info.sdk)
            if evidence.strong(node.value.encode("utf-8", "surrogatepass")):
                self.triton = True
        for seg in self._argv_segments():
            if seg is not None and C.server_word(seg.words) is not None:
                self.triton = True
                self.v1 = self.v1 or C.is_v1_binary(C.server_word(seg.words).value)  # type: ignore[union-attr]

    def segment(self, node: Node) -> Segment | None:
        if id(node) not in self._segments:
            self._segments[id(node)] = S.segment(self.src, node, "args", dynamic_re=_K8S_VAR) \
                if isinstance(node, SequenceNode) else None
        return self._segments[id(node)]

    def _argv_groups(self) -> list[tuple[Segment | None, Segment | None, Segment | None]]:
        """(command, args, extraArgs) of each mapping that has any of them as a list of strings."""
        out = []
        for m in self._mappings():
            group = tuple(self.segment(n) if n is not None else None
                          for n in (Y.get(m, "command"), Y.get(m, "args"), Y.get(m, "extraArgs")))
            if any(s is not None for s in group):
                out.append(group)
        return out

    def _argv_segments(self) -> list[Segment | None]:
        return [s for group in self._argv_groups() for s in group]

    def _split_nodes(self) -> set[int]:
        out: set[int] = set()
        for ik in self.split_images:
            if ik.tag is not None and self._split_info(ik).triton:
                out |= {id(ik.repo), id(ik.tag)}
        return out

    # --- sites --------------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        skip = self._split_nodes() | set(self._env_name_nodes())
        out: list[Region] = []
        for node, sc, key in Y.string_values(self.src, skip):
            is_image = key in ("image", "repository") and not sc.value.strip().startswith("--")
            out.append(Region(sc.value, offsets=sc.offsets, triton=self.triton, shell=key in ARGV_KEYS,
                              image_context=is_image, label=key))
        return out

    def _env_name_nodes(self) -> dict[int, ScalarNode]:
        return Y.env_name_nodes(self._mappings(), ("env", "extraEnv"))

    def commands(self) -> list[CommandSite]:
        sites: list[CommandSite] = []
        for entry, cmd, extra in self._argv_groups():
            present = [s for s in (entry, cmd, extra) if s is not None]
            sites += [CommandSite(s.words, s, self.triton, self.text) for s in present]
            sites += S.nested_sites(self.src, [entry, cmd], self.text, self.triton)
            sites += S.nested_sites(self.src, [extra], self.text, self.triton)
        return S.unique_sites(sites)

    def command_lines(self) -> list[CommandLine]:
        """Server lines of ``command``/``args``; ``extraArgs`` continues the line of its mapping (the
        chart's template appends it), or stands alone when that mapping shows no line."""
        if self._lines is None:
            found: dict[tuple, CommandLine] = {}
            if self.triton:
                for entry, cmd, extra in self._argv_groups():
                    lines = self._lines_of(entry, cmd)
                    last = (cmd or entry).words[-1] if (cmd or entry) is not None else None  # type: ignore[union-attr]
                    if extra is not None:
                        tails = [cl for cl in lines if cl.segments[-1].words and cl.segments[-1].words[-1] is last]
                        for cl in tails:
                            lines[lines.index(cl)] = CommandLine(cl.text, cl.segments + [extra], cl.binary,
                                                                       cl.v1, cl.label, dict(cl.extra))
                        if not tails:
                            lines += self._lines_of(None, extra)
                    for cl in lines:
                        found.setdefault(tuple(id(w) for seg in cl.segments for w in seg.words), cl)
            self._lines = list(found.values())
        return self._lines

    def _lines_of(self, entry: Segment | None, cmd: Segment | None) -> list[CommandLine]:
        if entry is None and cmd is None:
            return []
        if entry is None and cmd is not None and C.server_word(cmd.words) is None and not self._options_only(cmd):
            return []
        return S.server_lines(self.src, entry, cmd, self.v1, {})

    @staticmethod
    def _options_only(seg: Segment) -> bool:
        """Every option word names a server option (a list of some other program's flags is not Triton's)."""
        names = [w.value[2:].split("=", 1)[0] for w in seg.words if w.value.startswith("--")]
        return bool(names) and seg.words[0].value.startswith("--") and all(n in _OPTION_NAMES for n in names)

    # --- split images ---------------------------------------------------------------------------
    def kind_findings(self, ctx: Context, target: object) -> list[Finding]:
        out: list[Finding] = []
        for ik in self.split_images:
            f = self._split_finding(ik, target)
            if f is not None:
                out.append(f)
        for node in self._env_name_nodes().values():
            sc = self.src.scalar(node)
            f = env.defined_here(str(node.value), Span(sc.start, sc.end))
            if f is not None:
                out.append(f)
        return out

    def _split_finding(self, ik: ImageKeys, target) -> Finding | None:
        if ik.tag is None:
            return None  # the repository is an image-context region: reported there
        info = self._split_info(ik)
        if not info.triton or not info.v1:
            return None
        rsc, tsc = self.src.scalar(ik.repo), self.src.scalar(ik.tag)
        repo = rsc.value.strip()
        tag = str(ik.tag.value)
        span = Span(rsc.start, rsc.end)
        name = posixpath.basename(repo)
        nt = images.new_tag(tag, target) if tsc.is_str else None
        if nt is None:
            return Finding("TDM104", Span(tsc.start, tsc.end),
                           f"{repo}:{tag}: tag {tag!r} is not a release tag; the V2 image is tritonserver:"
                           f"{target}-py3 (or a variant such as -py3-sdk, -py3-min)", Severity.WARNING,
                           suggestion=f"{target}-py3")
        edits = []
        if name != "tritonserver":
            i = rsc.value.rindex(name)
            if rsc.offsets is None or not rsc.is_clean(i, i + len(name)):
                return None
            edits.append(Edit(Span(rsc.offsets[i], rsc.offsets[i + len(name) - 1] + 1), "tritonserver"))
        edits.append(Edit(Span(tsc.start, tsc.end), _render_tag(nt, tsc)))
        sdk = "clientsdk" in tag
        what = "client SDK image" if sdk else "server image"
        msg = f"V1 {what} {name}:{tag} -> tritonserver:{nt} (repository and tag keys)"
        sev = Severity.INFO
        if ik.digest is not None:
            dsc = self.src.scalar(ik.digest)
            edits.append(Edit(Span(dsc.start, dsc.end), dsc.quote * 2 if dsc.quote else '""'))
            msg += " (the digest key pinned the V1 image and was emptied: pin the new image again)"
            sev = Severity.WARNING
        return Finding("TDM102" if sdk else "TDM101", span, msg, sev,
                       Fix.of(f"Use tritonserver:{nt}", *edits))

    # --- follow-through -----------------------------------------------------------------------
    def follow_through(self, ctx: Context, target: object) -> list[Finding]:
        """Probe ports, ports lists and ``*health*`` keys holding a removed ``--http-health-port``."""
        out: list[Finding] = []
        done: set[str] = set()
        for cl in self.command_lines():
            res = argv.transform(cl, target)  # type: ignore[arg-type]
            if not res.health_port or res.health_port in done:
                continue
            done.add(res.health_port)
            out.extend(self._health_port(res.health_port, res.http_port))
        return out

    def _health_port(self, health: str, http: str) -> list[Finding]:
        out: list[Finding] = []
        msg = health_port_message(health, http)
        probe_ports: set[int] = set()
        names: dict[str, set[str]] = {health: set(), http: set()}
        for m in self._mappings():
            for key, seq in Y.items(m):
                if _is_ports(key) and isinstance(seq, SequenceNode):
                    for item in seq.value:
                        name = Y.get(item, "name")
                        if _port_of(item) in names and isinstance(name, ScalarNode):
                            names[_port_of(item)].add(str(name.value))  # type: ignore[index]
        # a name used for both ports, or the HTTP port under several names, leaves the probe to a person
        kept: set[str] = set()  #: names a probe still uses after the migration
        http_name = next(iter(names[http])) if len(names[http]) == 1 and not names[http] & names[health] else None
        for m in self._mappings():
            for probe in PROBES:
                for handler in ("httpGet", "tcpSocket"):
                    port = Y.get(Y.get(Y.get(m, probe), handler), "port")
                    if not isinstance(port, ScalarNode):
                        continue
                    value = str(port.value)
                    if value != health and value not in names[health]:
                        continue
                    probe_ports.add(id(port))
                    sc = self.src.scalar(port)
                    span = Span(sc.start, sc.end)
                    if value == health:
                        new = http
                    elif http_name is not None:
                        new = http_name
                    else:
                        kept.add(value)
                        out.append(Finding("TDM406", span, f"{probe} used port {value} ({health}): {msg}; the "
                                           f"HTTP port has no single name in this file",
                                           Severity.WARNING, suggestion=str(http)))
                        continue
                    out.append(Finding("TDM406", span, f"{probe} used port {value}"
                                       f"{'' if value == health else f' ({health})'}, the V1 health port "
                                       f"(--http-health-port); V2 serves health on the HTTP port {http}", Severity.INFO,
                                       Fix.of(f"Probe port {new}", Edit(span, _render_like(new, sc)))))
        for m in self._mappings():
            for key, seq in Y.items(m):
                if not _is_ports(key) or not isinstance(seq, SequenceNode):
                    continue
                hits = [item for item in seq.value if _targets(item) & ({health} | names[health])]
                for item in hits:
                    span = Span(item.start_mark.index, Y.node_end(self.src, item))
                    name = Y.get(item, "name")
                    if len(hits) < len(seq.value) and not (isinstance(name, ScalarNode) and str(name.value) in kept):
                        out.append(Finding("TDM406", span, f"{msg}; removed from the ports list", Severity.WARNING,
                                           Fix.of(f"Remove port {health}", Q.delete_item(self.src, seq, item))))
                    else:
                        out.append(Finding("TDM406", span, f"{msg}: publish the HTTP port instead",
                                           Severity.WARNING, suggestion=str(http)))
        for m in self._mappings():
            for key, v in Y.items(m):
                k = Y.key_of(key) or ""
                if "health" in k.lower() and isinstance(v, ScalarNode) and str(v.value) == health \
                        and id(v) not in probe_ports:
                    sc = self.src.scalar(v)
                    out.append(Finding("TDM406", Span(sc.start, sc.end),
                                       f"{k}: {msg}; check what the chart's templates do with this value",
                                       Severity.WARNING, suggestion=str(http)))
        return out

    # --- verification -------------------------------------------------------------------------
    def same_structure(self, new: "HelmValuesDoc") -> str | None:
        ports = frozenset(Y.key_of(k) or "" for m in self._mappings() for k, _v in Y.items(m) if _is_ports(k))
        return Y.same_structure(self.src, new.src, EDITABLE | ports, RETYPABLE)


def _port_of(item: Node) -> str | None:
    """The port number an entry of a ports list publishes (a container's, or a Service's own)."""
    for key in ("containerPort", "port"):
        v = Y.get(item, key)
        if isinstance(v, ScalarNode):
            return str(v.value)
    return None


def _targets(item: Node) -> set[str]:
    return {str(v.value) for v in (Y.get(item, k) for k in ("containerPort", "port", "targetPort"))
            if isinstance(v, ScalarNode)}


def _is_ports(key: Node) -> bool:
    return (Y.key_of(key) or "").lower().endswith("ports")


def _render_tag(value: str, sc: Y.Scalar) -> str:
    """The new tag written like the old one: its quotes kept, and quoted when plain would not read
    as a string (``20.10``)."""
    if sc.quote:
        return Q.render(value, sc.quote, sc.flow)
    if Q.is_plain_safe(value, sc.flow) and Y.reads_as_str(value):
        return value
    return Q.double_quoted(value)


def _render_like(value: str, sc: Y.Scalar) -> str:
    if sc.quote and not value.isdigit():
        return f"{sc.quote}{value}{sc.quote}"
    return value


def server_argv(doc: HelmValuesDoc) -> list[list[str]]:
    out = []
    for cl in doc.command_lines():
        binary = cl.binary.value if cl.binary is not None else "tritonserver"
        out.append([binary] + [w.value.replace("$$", "$") for w, _ in cl.args() if not w.is_whole_expansion])
    return out


def build(path: str, text: str) -> Document:
    return HelmValuesDoc(path, text)
