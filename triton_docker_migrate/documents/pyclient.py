"""What a rewrite of V1 client code needs from a Python file, read while its tree is there: each call
of the V1 API with its arguments as written (and what names among them are bound to), the statement
a call is the whole value of, the V1 import statements with the spans of their module names, and
the names the file binds and reads. ``python.py`` calls ``read_program`` once it has found uses of
the V1 library; nothing here decides anything."""

from __future__ import annotations

import ast
import builtins
import io
import tokenize
from collections import Counter

from ..model import Span
from .sites import ClientCall, ClientImport, ClientProgram, PyExpr, PyStatement

_V1_ROOT = "tensorrtserver"
_BUILTINS = frozenset(dir(builtins))
_KINDS = {ast.Constant: "const", ast.Name: "name", ast.Attribute: "attribute", ast.Call: "call", ast.Dict: "dict",
          ast.Tuple: "tuple", ast.List: "list", ast.Starred: "starred"}


def read_program(doc, reader) -> ClientProgram:
    tree = doc.tree
    values: dict[int, tuple[ast.stmt, str]] = {}  # value node -> (statement, target)
    names: set[str] = set()
    bound: set[str] = set()
    loads: Counter = Counter()
    numpy = ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[id(node.value)] = (node, node.targets[0].id)
        elif isinstance(node, ast.Expr):
            values[id(node.value)] = (node, "")
        if isinstance(node, ast.Name):
            names.add(node.id)
            if isinstance(node.ctx, ast.Load):
                loads[node.id] += 1
            else:
                bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            local = node.asname or node.name.split(".")[0]
            if local != "*":
                names.add(local)
                bound.add(local)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                if a.name == "numpy":
                    numpy = a.asname or "numpy"
    r = _Reader(doc, reader, values)
    calls = tuple(r.call(use, node) for use, node in reader.calls)
    imports = tuple(i for i in (r.imports(node) for node in doc._imports) if i is not None)
    instances = {}
    for (scope_id, name), (cls, call) in reader.constructors.items():
        only = len(doc._assigned.get((scope_id, name), [])) == 1
        instances[name] = (cls, doc._span(call)[0], only and name not in instances)
    return ClientProgram(calls, imports, frozenset(names), frozenset(loads.keys() - bound - _BUILTINS), dict(loads),
                         numpy, instances, _first_import(doc, tree))


def _constant(node) -> tuple[bool, object]:
    """(True, value) for a constant, also a negative number; (False, None) otherwise."""
    if isinstance(node, ast.Constant):
        return True, node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
        return True, -node.operand.value
    return False, None


def _first_import(doc, tree: ast.Module) -> int:
    """The start of the first statement after the module docstring and ``from __future__`` imports."""
    body = tree.body
    k = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        k = 1
    while k < len(body) and isinstance(body[k], ast.ImportFrom) and body[k].module == "__future__":
        k += 1
    if k < len(body):
        return doc._span(body[k])[0]
    return len(doc.text)


class _Reader:
    def __init__(self, doc, reader, values) -> None:
        self.doc = doc
        self.reader = reader
        self.values = values

    def expr(self, node: ast.AST) -> PyExpr:
        a, b = self.doc._span(node)
        text = self.doc.text[a:b]
        kind = _KINDS.get(type(node), "other")
        value = node.value if isinstance(node, ast.Constant) else None
        v1 = ""
        bound = False
        bound_v1 = ""
        items: tuple = ()
        if isinstance(node, (ast.Name, ast.Attribute)):
            r = self.reader.resolve(node)
            if r is not None and r[0] == "tensorrtserver.api":
                v1 = r[1]
        elif isinstance(node, ast.Call):
            r = self.reader.resolve(node.func)
            if r is not None and r[0] == "tensorrtserver.api":
                v1 = r[1]
        if isinstance(node, ast.Name):
            held, _ = self.doc.value_of(node)
            known, constant = _constant(held)
            if known:
                bound, value = True, constant
            elif held is not None:
                target = held.func if isinstance(held, ast.Call) else held
                if isinstance(target, (ast.Name, ast.Attribute)):
                    r = self.reader.resolve(target)
                    if r is not None and r[0] == "tensorrtserver.api":
                        bound_v1 = r[1]
        if isinstance(node, ast.Dict):
            if all(k is not None for k in node.keys):
                items = tuple((self.expr(k), self.expr(v)) for k, v in zip(node.keys, node.values))  # type: ignore[arg-type]
            else:
                kind = "other"  # ``{**d}``
        elif isinstance(node, (ast.Tuple, ast.List)):
            items = tuple(self.expr(e) for e in node.elts)
        elif isinstance(node, ast.UnaryOp):
            known, constant = _constant(node)
            if known:
                kind, value = "const", constant
        return PyExpr(Span(a, b), text, kind, value, bound, v1, items, bound_v1)

    def call(self, use, node: ast.Call) -> ClientCall:
        a, b = self.doc._span(node)
        args = tuple(self.expr(x) for x in node.args)
        keywords = tuple((k.arg or "", self.expr(k.value)) for k in node.keywords)
        receiver = ""
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            receiver = f.value.id
        found = self.values.get(id(node))
        statement = self.statement(found[0], found[1]) if found is not None else None
        return ClientCall(use, Span(a, b), args, keywords, receiver, statement)

    def statement(self, stmt: ast.stmt, target: str) -> PyStatement:
        text = self.doc.text
        a, b = self.doc._span(stmt)
        line_start = max(text.rfind("\n", 0, a), text.rfind("\r", 0, a)) + 1
        indent = text[line_start:a]
        end = b
        while end < len(text) and text[end] in " \t\f":
            end += 1
        if end < len(text) and text[end] == "#":
            while end < len(text) and text[end] not in "\r\n":
                end += 1
        newline = "\r\n" if text.startswith("\r\n", end) else text[end] if end < len(text) and text[end] in "\r\n" else ""
        own = indent.strip() == "" and (newline != "" or end == len(text))
        scope = self.doc._scope_of(stmt)
        where = "module" if isinstance(scope, ast.Module) else \
            "function" if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) else "other"
        return PyStatement(Span(a, b), indent, target, own, newline, end, where)

    def imports(self, node: ast.AST) -> ClientImport | None:
        text = self.doc.text
        a, b = self.doc._span(node)
        modules: list[tuple[Span, str]] = []
        names: list[tuple[str, str, str]] = []
        v1 = 0
        if isinstance(node, ast.Import):
            for al in node.names:
                if al.name != _V1_ROOT and not al.name.startswith(_V1_ROOT + "."):
                    continue
                v1 += 1
                s, _ = self.doc._span(al)
                modules.append((Span(s, s + len(al.name)), al.name))
                names.append((al.name, "", al.asname or al.name.split(".")[0]))
            total = len(node.names)
            if text[modules[0][0].start:modules[0][0].end] != modules[0][1] if modules else False:
                return None  # written with spaces or continuations inside the name
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level or (mod != _V1_ROOT and not mod.startswith(_V1_ROOT + ".")):
                return None
            span = self._module_span(a, b, mod)
            if span is None:
                return None
            modules.append((span, mod))
            for al in node.names:
                names.append((mod, al.name, al.asname or al.name))
            v1 = total = len(node.names)
        else:
            return None
        if not v1:
            return None
        st = self.statement(node, "")  # type: ignore[arg-type]
        top = node in self.doc.tree.body if self.doc.tree is not None else False
        return ClientImport(Span(a, b), st.indent, st.own_lines, st.newline, tuple(modules), tuple(names),
                            v1 == total, top)

    def _module_span(self, a: int, b: int, module: str) -> Span | None:
        """The dotted module name after ``from`` (written without spaces or comments inside it)."""
        src = self.doc.text[a:b]
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(src).readline))
        except (tokenize.TokenError, SyntaxError):
            return None
        lines = src.splitlines(keepends=True)
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))
        for k, t in enumerate(tokens):
            if t.type == tokenize.NAME and t.string == "from":
                first = tokens[k + 1]
                s = starts[first.start[0] - 1] + first.start[1]
                if src.startswith(module, s):
                    return Span(a + s, a + s + len(module))
                return None
        return None
