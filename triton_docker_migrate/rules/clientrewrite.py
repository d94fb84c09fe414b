"""V1 Python client programs rewritten for tritonclient (the unsafe fixes of TDM603, applied with
``--unsafe-fixes``): per program, a native rewrite when every V1 use has an exact V2 form here,
else the client adapter (one module implementing the V1 surface on tritonclient, the program's
imports pointed at it), else nothing (each use stays a warning with its V2 replacement).

One program, one choice: the native rewrite and the adapter never share objects (a V2 client is
not a V1 context), so a program is either entirely rewritten or entirely on the adapter. Every
finding of a rewritten program carries the whole rewrite as one group fix: suppressing any of them
leaves the program as it is.

Native forms (rules/tables.py, docs/clients.md): imports; ``ProtocolType.HTTP``/``GRPC`` -> the
module ``tritonclient.http``/``grpc``; ``ProtocolType.from_str(s)`` -> the module chosen by
``s.lower()``; ``ServerHealthContext(url, protocol)`` with ``is_ready()``/``is_live()`` ->
``InferenceServerClient(url)`` with ``is_server_ready()``/``is_server_live()``;
``x = InferContext(url, protocol, model, version)`` -> an ``InferenceServerClient`` and the model's
``max_batch_size`` read from its configuration (V1's context read it when created), and each
``x.run({...}, {...}, batch_size)`` statement with literal dicts -> ``InferInput`` /
``InferRequestedOutput`` / ``infer()`` with V1's inputs (one array per batch entry) and results (one
list entry per batch entry; CLASS as ``(index, value, label)`` tuples rebuilt from V2's
``"value:index:label"`` strings); ``InferenceServerException`` from ``tritonclient.utils``; the
model configuration messages from ``tritonclient.grpc.model_config_pb2``.
"""

from __future__ import annotations

import ctypes
import hashlib
import re

from ..model import Edit, Finding, Fix, NewFile, Severity, Span
from ..release import Release
from ..syntax.lines import line_end
from . import tables as T

API = "tensorrtserver.api"
RAW = "InferContext.ResultFormat.RAW"
CLASS = "InferContext.ResultFormat.CLASS"
_NOT_SET = object()


class Bail(Exception):
    """No native rewrite: why (said in no finding; the adapter is the way then)."""


# --- the whole program ---------------------------------------------------------------------------

def plan(doc, ctx, rule, uses, default_findings) -> list[Finding] | None:
    """The findings of a V1 client program with their unsafe fixes; None when it is not rewritten
    (the caller's findings stand, ``default_findings`` gets a note why)."""
    prog = doc.client_program()
    if prog is None:
        return None
    target: Release = ctx.target
    if not target.at_least(T.CLIENT_PACKAGE_FROM):
        return _note(default_findings, f"targets before {T.CLIENT_PACKAGE_FROM} have no tritonclient")
    try:
        return Native(doc, prog, uses, rule, default_findings).findings()
    except Bail:
        pass
    why = _adapter_refusal(uses, prog)
    if why:
        return _note(default_findings, why)
    if ctx.adapter is None:
        return _note(default_findings, "a run on standard input writes no client adapter (migrate the file on disk)")
    place = ctx.adapter()
    if place.state == "foreign":
        return _note(default_findings, f"{place.display} is in the way of the client adapter (a file this tool did "
                                       f"not write): remove it, or name another place with --client-adapter PATH")
    if place.state == "other-version":
        return _note(default_findings, f"{place.display} is the client adapter of triton-docker-migrate "
                                       f"{place.found}: delete it to have this version write its own, or name "
                                       f"another place with --client-adapter PATH")
    return Adapter(doc, prog, uses, rule, place, default_findings).findings()


def _note(findings: list[Finding], why: str) -> None:
    for f in findings:
        if f.message.startswith("imports"):
            f.message += f"; --unsafe-fixes does not rewrite this program: {why}"
    return None


def _adapter_refusal(uses, prog) -> str:
    """Why the adapter cannot run this program ("" it can)."""
    for imp in prog.imports:
        for module, name, local in imp.names:
            full = f"{module}.{name}" if name and f"{module}.{name}" in T.CLIENT_MODULE_MAP else module
            if full == "tensorrtserver.cuda_shared_memory" or name == "cuda_shared_memory":
                return ("CUDA shared memory has no exact V2 form here: V2 registers a CUDA region by its raw IPC "
                        "handle and device (client.register_cuda_shared_memory(name, "
                        "tritonclient.utils.cuda_shared_memory.get_raw_handle(handle), device_id, byte_size))")
            if full not in T.CLIENT_MODULE_MAP:
                return f"{full if not name or name == '*' else module + '.' + name} has no counterpart this tool writes"
            if not name and local == module.split(".")[0]:
                return f"`import {module}` binds the name {local}, which the adapter does not replace"
            if name and name != "*" and full == API and not _surface(name):
                return f"{name} is neither rewritten natively nor implemented by the client adapter"
    for u in uses:
        if u.kind == "import" or u.module == "tensorrtserver.api.model_config_pb2":
            continue
        name = u.name if u.module == API else f"{u.module.rpartition('.')[2]}.{u.name}"
        if u.module not in T.CLIENT_MODULE_MAP or not _surface(name):
            return f"{name} is neither rewritten natively nor implemented by the client adapter"
    return ""


def _surface(name: str) -> bool:
    """Is ``name`` (or what it belongs to, for a submodule's messages and enum values) in the adapter?"""
    if name in T.ADAPTER_SURFACE:
        return True
    head, _, _ = name.partition(".")
    if head in ("api_pb2", "grpc_service_pb2", "server_status_pb2", "request_status_pb2"):
        parts = name.split(".")
        return ".".join(parts[:2]) in T.ADAPTER_SURFACE
    parts = name.split(".")
    # a field or method of a message the adapter builds (InferRequestHeader.Output, ...)
    return len(parts) > 1 and parts[0] in ("InferRequestHeader", "InferResponseHeader", "ServerStatus",
                                           "SharedMemoryStatus", "ModelRepositoryIndex")


def _group(doc, kind: str) -> str:
    return f"{kind}:{hashlib.blake2b(doc.path.encode('utf-8', 'surrogatepass'), digest_size=6).hexdigest()}"


def _one_line(code: str) -> str:
    """Code lines as one line for a suggestion ("; " between statements)."""
    lines = [x.strip() for x in code.splitlines() if x.strip()]
    out = ""
    for line in lines:
        out += line if not out or out.endswith(": ") else "; " + line
        if line.endswith(":"):
            out += " "
    return out


# --- the adapter ---------------------------------------------------------------------------------

class Adapter:
    def __init__(self, doc, prog, uses, rule, place, default_findings=()) -> None:
        self.doc, self.prog, self.uses, self.rule, self.place = doc, prog, uses, rule, place
        #: the findings without a rewrite, by span: what V2 has instead of each use (kept in the message)
        self.plain = {f.span: f.message for f in default_findings}

    def findings(self) -> list[Finding]:
        text = self.doc.text
        edits: list[Edit] = []
        new_imports: dict[int, str] = {}
        for imp in self.prog.imports:
            for span, module in imp.modules:
                target = T.CLIENT_MODULE_MAP[module][0].format(adapter=self.place.module)
                edits.append(Edit(span, target))
            new_imports[imp.span.start] = text[imp.span.start:imp.span.end]
        extra = _star_imports(self.prog, adapter=True)
        star = next((imp for imp in self.prog.imports if any(n == "*" for _, n, _ in imp.names)), None)
        if extra and star is not None and star.own_lines:
            nl = star.newline or "\n"
            at = line_end(text, star.span.end, cr="break")  # a trailing comment included
            edits.append(Edit(Span(at, at), "".join(nl + star.indent + line for line in extra)))
        creates = () if self.place.state == "ours" else (NewFile(self.place.path, self.place.display, _adapter_text()),)
        where = (f"{self.place.display}, which that run writes" if creates else f"{self.place.display}, already there")
        found: list[Finding] = []
        shown = [u for u in self.uses if u.kind == "import" or _reviewed(u)]
        fix = Fix.unsafe_of(f"Run the V1 client code on the client adapter {self.place.module}", edits, creates,
                            _group(self.doc, "adapter"), len(shown))
        importable = "" if self.place.beside else (f"; make {self.place.display.rpartition('/')[0] or '.'} "
                                                   f"importable by the program (PYTHONPATH)")
        for u in shown:
            if u.kind == "import":
                old = text[_import_of(self.prog, u).span.start:_import_of(self.prog, u).span.end]
                new = _rewritten(text, _import_of(self.prog, u).span, edits)
                head = self.plain.get(u.span) or \
                    f"imports the V1 client library ({u.module}{'.' + u.name if u.name and u.name != '*' else ''})"
                msg = (f"{head}; with --unsafe-fixes the program runs on the client adapter {self.place.module} "
                       f"({where}), which implements the V1 API it uses on tritonclient{importable}")
                sugg = new if new != old else None
            else:
                note = T.ADAPTER_NOTES.get(u.name, "")
                head = self.plain.get(u.span) or f"V1 client {u.name}"
                msg = (f"{head}; with --unsafe-fixes it runs on the client adapter {self.place.module}"
                       + (f": {note}" if note else ""))
                sugg = f"{self.place.module}.{u.name}"
            found.append(self.rule.finding(u.span, msg, fix=fix, suggestion=sugg))
        return found


def _reviewed(use) -> bool:
    row = T.client_row(use.module, use.name)
    return row is not None and row.review


def _import_of(prog, use):
    for imp in prog.imports:
        if imp.span.start <= use.span.start < imp.span.end:
            return imp
    raise Bail("import not found")


def _rewritten(text: str, span: Span, edits: list[Edit]) -> str:
    out, pos = [], span.start
    for e in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        if span.start <= e.span.start and e.span.end <= span.end:
            out += [text[pos:e.span.start], e.content]
            pos = e.span.end
    out.append(text[pos:span.end])
    return "".join(out)


def _adapter_text() -> str:
    from ..clientadapter import text

    return text()


def _star_imports(prog, adapter: bool) -> list[str]:
    """Imports for the names a V1 star import bound that the program reads without importing."""
    lines = []
    for name in sorted(prog.free_names):
        line = T.V1_STAR_MODULES.get(name)
        if line is None and not name.startswith("_") and hasattr(ctypes, name):
            line = f"from ctypes import {name}"
        if line is None:
            continue
        if adapter and name in _ADAPTER_EXPORTS:
            continue
        lines.append(line)
    return list(dict.fromkeys(lines))


#: names the adapter module binds as V1's module did (its star import gives them)
_ADAPTER_EXPORTS = frozenset({"sys", "np", "struct", "threading", "partial", "IntEnum", "range", "os", "time",
                              "queue", "types"})


# --- the native rewrite --------------------------------------------------------------------------

class Native:
    """A program whose every V1 use has an exact V2 form here; Bail otherwise."""

    def __init__(self, doc, prog, uses, rule, default_findings=()) -> None:
        self.doc, self.prog, self.uses, self.rule = doc, prog, uses, rule
        #: the findings without a rewrite, by span: what V2 has instead of each import (kept in the message)
        self.plain = {f.span: f.message for f in default_findings}
        self.text = doc.text
        self.calls = {c.use.span: c for c in prog.calls}
        self.atomic: list[tuple[Span, str]] = []  # small edits an outer rewrite may take into its text
        self.outer: list[tuple[Span, str]] = []
        self.sites: list[tuple[object, Span, str, str]] = []  # (use, edited span, new text, message)
        self.modules: set[str] = set()  # tritonclient modules the new code names
        self.need_dtype = False
        self.need_exception = False
        self.taken: set[str] = set(prog.names)
        self.contexts: dict[str, dict] = {}  # InferContext variable -> what its rewrite knows
        self.covered: list[Span] = []

    # the plan
    def findings(self) -> list[Finding]:
        calls = self.prog.calls
        for c in sorted(calls, key=lambda c: c.span.end - c.span.start):
            name = c.use.name
            if name == "ProtocolType.from_str":
                self.from_str(c)
        for u in self.uses:
            if u.kind in ("attribute", "name") and u.name in T.PROTOCOL_MODULES:
                mod = T.PROTOCOL_MODULES[u.name]
                self.modules.add(mod)
                self.atomic.append((u.span, mod))
                self.sites.append((u, u.span, mod, f"V1 client {u.name}: with --unsafe-fixes the rewrite uses the "
                                                      f"module {mod} (V2 clients take no protocol)"))
        for c in calls:
            if c.use.name == "ServerHealthContext":
                self.health(c)
            elif c.use.name == "InferContext":
                self.infer_context(c)
        for c in calls:
            if c.use.name in ("ServerHealthContext.is_ready", "ServerHealthContext.is_live",
                              "ServerHealthContext.close", "InferContext.close"):
                self.method(c)
            elif c.use.name == "InferContext.run":
                self.run(c)
        for u in self.uses:
            self.check_covered(u)
        imports = self.imports()
        edits = self.edits(imports)
        shown = [s for s in self.sites]
        fix = Fix.unsafe_of("Rewrite the V1 client code for tritonclient", edits, (), _group(self.doc, "native"),
                            len(shown))
        return [self.rule.finding(u.span, msg, fix=fix, suggestion=_one_line(new)) for u, _, new, msg in shown]

    def edits(self, imports: list[tuple[Span, str]]) -> list[Edit]:
        outer = self.outer + imports
        out = [Edit(s, t) for s, t in outer]
        for span, new in self.atomic:
            if not any(o.start <= span.start and span.end <= o.end for o, _ in outer):
                out.append(Edit(span, new))
        spans = sorted((e.span for e in out), key=lambda s: (s.start, s.end))
        for a, b in zip(spans, spans[1:]):
            if a.overlaps(b):
                raise Bail("edits overlap")
        return out

    def sub(self, span: Span) -> str:
        """The text of ``span`` with the small rewrites inside it."""
        return _rewritten(self.text, span, [Edit(s, t) for s, t in self.atomic])

    def check_covered(self, u) -> None:
        if u.kind == "import":
            return
        if any(s.start <= u.span.start and u.span.end <= s.end for s in self.covered):
            return
        if any(u is site[0] for site in self.sites):
            return
        if u.name == "InferenceServerException" and u.kind == "name":
            self.need_exception = True
            return
        if u.name == "InferenceServerException.message" and u.kind == "call":
            self.need_exception = True
            return
        raise Bail(f"{u.name} has no native form")

    def fresh(self, base: str) -> str:
        name, k = base, 2
        while name in self.taken:
            name, k = f"{base}_{k}", k + 1
        self.taken.add(name)
        return name

    # constructs
    def from_str(self, c) -> None:
        args = _bind(c, T.V1_SIGNATURES["ProtocolType.from_str"])
        value = args.get("value", _NOT_SET)
        if value is _NOT_SET:
            raise Bail("from_str without its argument")
        self.modules.update(("tritonclient.http", "tritonclient.grpc"))
        new = f'{{"http": tritonclient.http, "grpc": tritonclient.grpc}}[({self.sub(value.span)}).lower()]'
        if value.kind in ("name", "attribute", "const"):
            new = f'{{"http": tritonclient.http, "grpc": tritonclient.grpc}}[{self.sub(value.span)}.lower()]'
        self.atomic.append((c.span, new))
        self.sites.append((c.use, c.span, new, "V1 client ProtocolType.from_str: with --unsafe-fixes the rewrite "
                                                "chooses the client module (tritonclient.http or tritonclient.grpc) "
                                                "from the string; an unknown protocol raises KeyError instead of V1's "
                                                "Exception"))

    def protocol(self, expr) -> tuple[str, str]:
        """(the code of the client module a protocol argument stands for, its module when known)."""
        if expr.v1 in T.PROTOCOL_MODULES:
            return T.PROTOCOL_MODULES[expr.v1], T.PROTOCOL_MODULES[expr.v1]
        if expr.v1 == "ProtocolType.from_str":
            return self.sub(expr.span), ""
        if expr.kind == "name" and expr.bound_v1 in T.PROTOCOL_MODULES:
            return expr.text, T.PROTOCOL_MODULES[expr.bound_v1]
        if expr.kind == "name" and expr.bound_v1 == "ProtocolType.from_str":
            return expr.text, ""
        raise Bail("the protocol is not known to be a ProtocolType")

    def client(self, c, args) -> tuple[str, str, str]:
        """The V2 client a V1 context's constructor makes: (code, protocol code, known module)."""
        for k, _ in c.keywords:
            if k == "":
                raise Bail("**kwargs")
        if any(a.kind == "starred" for a in c.args):
            raise Bail("*args")
        if "url" not in args or "protocol" not in args:
            raise Bail("url or protocol missing")
        headers = args.get("http_headers")
        if headers is not None and not (headers.kind == "const" and headers.value is None) \
                and not (headers.kind in ("list", "tuple") and not headers.items):
            raise Bail("http_headers")
        proto, module = self.protocol(args["protocol"])
        verbose = args.get("verbose")
        tail = f", verbose={self.sub(verbose.span)}" if verbose is not None else ""
        return f"{proto}.InferenceServerClient({self.sub(args['url'].span)}{tail})", proto, module

    def health(self, c) -> None:
        args = _bind(c, T.V1_SIGNATURES["ServerHealthContext"])
        new, _, _ = self.client(c, args)
        st = c.statement
        if st is not None and st.target:
            self.instance(st.target, c, ("ServerHealthContext.is_ready", "ServerHealthContext.is_live",
                                          "ServerHealthContext.close"))
        elif not any(m.use.name.startswith("ServerHealthContext.") and m.span.start == c.span.start
                     for m in self.prog.calls):
            raise Bail("a health context used other than by its methods")
        self.outer.append((c.span, new))
        self.covered.append(c.span)
        self.sites.append((c.use, c.span, new, "V1 client ServerHealthContext: with --unsafe-fixes the rewrite makes "
                                                "it tritonclient's InferenceServerClient (health is is_server_ready()/"
                                                "is_server_live())"))

    def instance(self, name: str, c, methods: tuple[str, ...]) -> None:
        """``name`` holds the context ``c`` makes, and nothing else reads it but these methods."""
        cls, start, only = self.prog.instances.get(name, ("", -1, False))
        if start != c.span.start or not only:
            raise Bail(f"{name} is bound more than once")
        uses = [m for m in self.prog.calls if m.receiver == name and m.use.name in methods]
        if self.prog.loads.get(name, 0) != len(uses):
            raise Bail(f"{name} is used other than by its methods")

    def method(self, c) -> None:
        new = T.NATIVE_METHODS[c.use.name]
        span = Span(c.use.span.end - len(c.use.name.rpartition(".")[2]), c.use.span.end)
        if new != c.use.name.rpartition(".")[2]:
            self.atomic.append((span, new))
        self.sites.append((c.use, span, new, f"V1 client {c.use.name}(): V2 has {new}() (with --unsafe-fixes the "
                                              f"rewrite calls it)"))

    def infer_context(self, c) -> None:
        args = _bind(c, T.V1_SIGNATURES["InferContext"])
        st = c.statement
        if st is None or not st.target or not st.own_lines:
            raise Bail("an InferContext not assigned to a name on a line of its own")
        for key, default in (("correlation_id", 0), ("streaming", False)):
            v = args.get(key)
            if v is not None and not (v.kind == "const" and v.value == default):
                raise Bail(f"{key} is set")
        model = args.get("model_name")
        if model is None or not (model.kind == "const" and isinstance(model.value, str) or model.kind == "name"
                                 and model.bound and isinstance(model.value, str)):
            raise Bail("the model name is not a constant")
        version = args.get("model_version")
        ver = ""
        if version is not None:
            if not (version.kind == "const" or version.kind == "name" and version.bound):
                raise Bail("the model version is not a constant")
            if version.value is not None:
                if not isinstance(version.value, int) or isinstance(version.value, bool):
                    raise Bail("the model version is not a number")
                ver = "" if version.value < 0 else str(version.value)
        new, proto, module = self.client(c, args)
        self.instance(st.target, c, ("InferContext.run", "InferContext.close"))
        x = st.target
        batch = self.fresh(f"{x}_max_batch_size")
        vtext = f', "{ver}"' if ver else ""
        config = f"{x}.get_model_config({self.sub(model.span)}{vtext})"
        if module == "tritonclient.http":
            query = f'{config}.get("max_batch_size", 0)'
        elif module == "tritonclient.grpc":
            query = f"{config}.config.max_batch_size"
        elif args["protocol"].kind == "name":
            self.modules.add("tritonclient.grpc")
            query = (f'({config}.config.max_batch_size if {proto} is tritonclient.grpc '
                     f'else {config}.get("max_batch_size", 0))')
        else:
            raise Bail("the protocol is chosen inline")
        if module:
            self.modules.add(module)
        nl = st.newline or "\n"
        added = f"{nl}{st.indent}{batch} = {query}"
        self.outer.append((c.span, new))
        self.outer.append((Span(st.line_end, st.line_end), added))
        self.covered.append(c.span)
        self.contexts[x] = {"proto": proto, "model": self.sub(model.span), "version": ver, "batch": batch}
        self.sites.append((c.use, c.span, f"{new}{added}",
                           "V1 client InferContext: with --unsafe-fixes the rewrite makes it tritonclient's "
                           "InferenceServerClient and reads the model's max_batch_size from its configuration, as "
                           "V1's context did when created"))

    def run(self, c) -> None:
        info = self.contexts.get(c.receiver)
        if info is None:
            raise Bail("run() of a context that is not rewritten")
        st = c.statement
        if st is None or not st.own_lines:
            raise Bail("run() is not a statement of its own")
        args = _bind(c, T.V1_SIGNATURES["InferContext.run"])
        for key in ("flags", "corr_id", "priority", "timeout_us"):
            v = args.get(key)
            if v is not None and not (v.kind == "const" and v.value == 0):
                raise Bail(f"{key} is set")
        inputs, outputs = args.get("inputs"), args.get("outputs")
        if inputs is None or outputs is None or inputs.kind != "dict" or outputs.kind != "dict" or not outputs.items:
            raise Bail("inputs and outputs are not literal dicts")
        np = self.prog.numpy or "numpy"
        if not self.prog.numpy and "numpy" in self.prog.names:
            raise Bail("the name numpy is taken")
        self.need_dtype = True
        x, proto, b = c.receiver, info["proto"], info["batch"]
        target = st.target or self.fresh(f"{x}_result")
        name, value = self.fresh(f"{target}_name"), self.fresh(f"{target}_value")
        pairs = ", ".join(f"({self.sub(k.span)}, {self.sub(v.span)})" for k, v in inputs.items)
        requested, convert = [], []
        for k, fmt in outputs.items:
            if k.kind not in ("const", "name"):
                raise Bail("an output name that is computed")
            key = self.sub(k.span)
            one = f"{target}.as_numpy({key})"
            if fmt.v1 == RAW:
                requested.append(f"{proto}.InferRequestedOutput({key})")
                convert.append(f"{key}: list({one}) if {b} else [{one}]")
            elif fmt.kind == "tuple" and len(fmt.items) == 2 and fmt.items[0].v1 == CLASS:
                count = self.sub(fmt.items[1].span)
                requested.append(f"{proto}.InferRequestedOutput({key}, class_count={count})")
                convert.append(f'{key}: [[(int(i), float({np}.float32(v)), l[0].decode() if l else "") '
                               f'for v, i, *l in (c.split(b":", 2) for c in e)] for e in ({one} if {b} else [{one}])]')
            else:
                raise Bail("an output format other than RAW or (CLASS, k)")
        ind = st.indent
        step = _indent_unit(self.text, ind)
        nl = st.newline or "\n"
        version = f', model_version="{info["version"]}"' if info["version"] else ""
        lines = [
            f"{target} = []",
            f"for {name}, {value} in ({pairs},):",
            f"{step}{value} = {np}.stack({value}) if {b} else {value}[0]",
            f"{step}{target}.append({proto}.InferInput({name}, list({value}.shape), "
            f"np_to_triton_dtype({value}.dtype)))",
            f"{step}{target}[-1].set_data_from_numpy({value})",
            f"{target} = {x}.infer({info['model']}, {target}{version}, outputs=[{', '.join(requested)}])",
        ]
        if st.target:
            lines.append(f"{target} = {{{', '.join(convert)}}}")
        code = (nl + ind).join(lines)
        self.outer.append((st.span, code))
        self.covered.append(st.span)
        self.sites.append((c.use, c.span, code,
                           "V1 client InferContext.run: with --unsafe-fixes the rewrite builds InferInput/"
                           "InferRequestedOutput and calls infer(), keeping V1's inputs (one array per batch entry) "
                           "and results (one list entry per batch entry; CLASS as (index, value, label) tuples, from "
                           "the six decimals V2 sends)"))

    # imports
    def imports(self) -> list[tuple[Span, str]]:
        lines = _star_imports(self.prog, adapter=False) if any(
            n == "*" for imp in self.prog.imports for _, n, _ in imp.names) else []
        for mod in sorted(self.modules):
            lines.append(f"import {mod}")
        if self.need_exception:
            lines.append("from tritonclient.utils import InferenceServerException")
        if self.need_dtype:
            lines.append("from tritonclient.utils import np_to_triton_dtype")
            if not self.prog.numpy:
                lines.append("import numpy")
        out: list[tuple[Span, str]] = []
        placed = False
        for imp in self.prog.imports:
            if not imp.only_v1 or not imp.own_lines:
                raise Bail("an import statement that also imports other modules, or shares its line")
            mapped = []
            api = False
            for module, name, local in imp.names:
                if module == API and name in ("", "*") or module == API and name and \
                        f"{API}.{name}" not in T.CLIENT_MODULE_MAP:
                    api = True
                    continue
                full = f"{module}.{name}" if name and f"{module}.{name}" in T.CLIENT_MODULE_MAP else module
                native = T.CLIENT_MODULE_MAP.get(full, (None, None))[1]
                if native is None:
                    raise Bail(f"{full} has no native form")
                if full == module:
                    if not name:
                        if local == module.split(".")[0]:
                            raise Bail(f"import {module} without an alias")
                        mapped.append(f"import {native} as {local}")
                    else:
                        mapped.append(f"from {native} import {name}" + (f" as {local}" if local != name else ""))
                else:
                    pkg, _, leaf = native.rpartition(".")
                    mapped.append(f"from {pkg} import {leaf}" + (f" as {local}" if local != leaf else ""))
            if api and not placed:
                mapped = lines + mapped
                placed = True
            if not mapped:
                if not imp.top_level:
                    raise Bail("an import in a block")
                a = imp.span.start - len(imp.indent)
                end = line_end(self.text, imp.span.end, cr="break")
                out.append((Span(a, end + len(imp.newline)), ""))
                continue
            out.append((imp.span, (imp.newline or "\n").join(
                ([mapped[0]] + [imp.indent + m for m in mapped[1:]]))))
        if not placed and lines:
            raise Bail("no V1 import to put the new imports in")
        by_span = dict(out)
        for u in self.uses:
            if u.kind != "import":
                continue
            imp = _import_of(self.prog, u)
            what = u.module + ("." + u.name if u.name and u.name != "*" else "")
            head = self.plain.get(u.span) or f"imports the V1 client library ({what})"
            self.sites.append((u, imp.span, by_span.get(imp.span, ""),
                               f"{head}; with --unsafe-fixes the program is rewritten for tritonclient and imports "
                               f"it instead"))
        return out


def _indent_unit(text: str, indent: str) -> str:
    """One level of indentation as the file writes it: a tab where the statement's own indentation or
    the file's first indented line starts with one, else four spaces."""
    if indent:
        return "\t" if indent.startswith("\t") else "    "
    m = re.search(r"^([ \t]+)\S", text, re.M)
    return "\t" if m and m.group(1).startswith("\t") else "    "


def _bind(c, params: tuple[str, ...]) -> dict:
    """Arguments by V1 parameter name."""
    out = {}
    for p, a in zip(params, c.args):
        out[p] = a
    if len(c.args) > len(params):
        raise Bail("too many arguments")
    for k, v in c.keywords:
        if k not in params or k in out:
            raise Bail(f"argument {k}")
        out[k] = v
    return out


def is_native(findings: list[Finding]) -> bool:
    return any(f.fix is not None and f.fix.group.startswith("native:") for f in findings)


__all__ = ["plan", "is_native", "Severity"]
