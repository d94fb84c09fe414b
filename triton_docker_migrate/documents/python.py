"""Python files -> Document.

The file is read with ``ast`` (never imported or executed). CPython gives positions as 1-based lines
(CR, LF and CRLF each end a line) and UTF-8 byte columns; they are turned into the document's
code-point offsets once, here (``_Positions``), and every string literal is read back from its
source with the offset of each character of its value (``syntax/pyliterals.py``), checked against
the value ``ast`` gives it.

What the rules get:
- command lines started from Python: argv lists and command strings passed to ``subprocess``
  (``run``, ``call``, ``check_call``, ``check_output``, ``Popen``; a string with ``shell=True``),
  ``os.system``/``os.popen``, ``os.exec*``/``os.spawn*``/``os.posix_spawn*``,
  ``asyncio.create_subprocess_exec/shell``, ``shlex.split("...")`` and ``"...".split()``; the
  ``command``/``args``/``arguments`` lists of container specs (Kubeflow ``ContainerOp``, the
  Kubernetes client's ``V1Container``, dicts with those keys) with their ``image``, and the
  Docker SDK's ``containers.run(image, command)``. A list of string literals is a command whose words
  are the literals; a non-literal item (a variable, ``*args``, a call) is a word known only at run
  time; a list assigned once to a name is followed to where the name is passed, with what
  ``+= [...]``/``.extend([...])`` add. A string run by a shell is shell text, read by the shell
  machinery of shell.py (``docker run``, ``sh -c``, ``exec`` ...). Lists and strings assigned to a
  name that start with a server binary and options are command lines too (a launcher elsewhere).
- regions: string literals (comments are not, and neither are docstrings nor any other string that
  stands alone as a statement), split where a character is not written as itself.
- the requirements of ``setup(install_requires=[...], extras_require={...})`` in ``setup.py``.
- uses of the V1 client library: imports of ``tensorrtserver`` modules and names, and the calls,
  attributes and names that resolve to them (also methods called on a V1 context object kept in a
  variable or ``self.x``, and on a V1 exception caught with ``except ... as e``).
"""

from __future__ import annotations

import ast
import bisect
import hashlib
import os
import re
import warnings
from array import array
from typing import Iterator, Sequence

from .. import evidence, facts
from ..model import Edit, ProcessingError, Span
from ..syntax.pyliterals import (BRACES, PERCENT, TAIL, Literal, PyConcatShellSyntax, PyJsonSyntax, PyListSyntax, PyShellSyntax, PyWord,
                                 concat_shell_words, concatenation_word, escape_in, expression_word, json_words, literal_word,
                                 py_literal,
                                 read_literal, shell_words_of, with_placeholders)
from ..syntax.quoting import Syntax
from ..syntax.shellwords import Word
from . import commands as C
from .dockerrun import DockerRun
from .shell import _BARE_BINARY, _NAMED_BINARY, _RUNNERS, ShellDoc
from .sites import (ClientProgram, ClientUse, CommandLine, CommandSite, EnvUrl, ForwardSite, GetSite, PortEntry, PortList,
                    PortSites, ProbePort, Region,
                    Requirement, Segment, Topology)

LIST = PyListSyntax()
_KEEP_PARENT = frozenset({ast.Name, ast.Attribute})
#: calls that declare a route of the program's own web application (``PythonDoc._routes``)
_ROUTE_METHODS = frozenset({"add_api_route", "add_url_rule", "add_route", "add_api_websocket_route"})


def _string_arguments(call: ast.Call) -> list[int]:
    """The ids of the string constants a call is given (positional or by keyword)."""
    return [id(a) for a in list(call.args) + [k.value for k in call.keywords]
            if type(a) is ast.Constant and isinstance(a.value, str)]


_KEEP_SCOPE = frozenset({ast.Name, ast.Attribute, ast.Assign, ast.AnnAssign, ast.ExceptHandler, ast.FunctionDef,
                         ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})
#: the nodes that bind names (see ``_bindings``)
_BINDING_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.comprehension,
                            ast.withitem, ast.NamedExpr, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                            ast.ExceptHandler, ast.Expr})
_CONTEXTS = frozenset({ast.Load, ast.Store, ast.Del})
_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_SCOPE_TYPES = frozenset(_SCOPES)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
#: callables that take an argv list (or a program string) as ``args``
_ARGV_CALLS = {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
               "subprocess.Popen"}
#: callables that run a string with a shell
#: placeholders filled by position (``%s``, ``{}``), which no option may be removed with
_POSITIONAL = {PERCENT: re.compile(r"%(?!%|\()"), BRACES: re.compile(r"(?<!\{)\{\}"), TAIL: re.compile(r"(?!)")}


def _field_end(text: str, at: int) -> int | None:
    """After the ``}`` that closes the f-string field whose code starts at ``at`` (brackets and strings in
    the code skipped); None when not found."""
    depth, i, n = 0, at, len(text)
    quote = ""
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "}":
            if depth == 0:
                return i + 1
            depth -= 1
        i += 1
    return None


def _drops_a_placeholder(value: str, positional: re.Pattern) -> bool:
    """A V1-only option (which the migration removes or rewrites) holds a positional placeholder, as
    ``--api-version=%d`` or ``--api-version {}``."""
    words = value.split()
    for i, w in enumerate(words):
        if not positional.search(w):
            continue
        opt = w.split("=", 1)[0] if w.startswith("--") else words[i - 1] if i and words[i - 1].startswith("--") else ""
        name = opt[2:]
        if name and any(o.startswith(name) for o in facts.V1_ONLY_OPTIONS):
            return True
    return False


#: pexpect's launchers: a command string split into words (no shell), or a program and an args list
_PEXPECT = frozenset({"pexpect.spawn", "pexpect.spawnu", "pexpect.run", "pexpect.runu", "pexpect.pty_spawn.spawn",
                      "pexpect.popen_spawn.PopenSpawn"})
_SHELL_CALLS = {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                "asyncio.create_subprocess_shell"}
#: os.exec*v* / spawn*v* / posix_spawn*: the index of the program path; the argv list follows it
_EXEC_V = {"os.execv": 0, "os.execve": 0, "os.execvp": 0, "os.execvpe": 0, "os.spawnv": 1, "os.spawnve": 1,
           "os.spawnvp": 1, "os.spawnvpe": 1, "os.posix_spawn": 0, "os.posix_spawnp": 0}
#: os.exec*l* / spawn*l*: the index of the program path; arg0, arg1 ... follow (an environment last
#: for the ``e`` forms)
_EXEC_L = {"os.execl": 0, "os.execle": 0, "os.execlp": 0, "os.execlpe": 0, "os.spawnl": 1, "os.spawnle": 1,
           "os.spawnlp": 1, "os.spawnlpe": 1}
#: a container's entrypoint and arguments as keywords or keys (the Kubernetes client's V1Container, a KFP
#: ContainerOp, Airflow's KubernetesPodOperator ``cmds``/``arguments``, a manifest written as a dict)
_SPEC_KEYS = ("command", "cmds", "args", "arguments")
_SERVER = set(C.SERVER_NAMES)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_V1_ROOT = "tensorrtserver"
#: the largest Python source read (characters): its ast stays well under 1 GiB
MAX_CHARS = 2 * 1024 * 1024


#: a URL to a host named for the inference server (``http://triton-svc:8000``)
_SERVER_URL = re.compile(r"https?://[\w.-]*(?:" + facts.TRITON_HOST.pattern.removeprefix("(?i)") + r")[\w.-]*", re.I)
#: a string that is a V1 endpoint's path (with what follows it)
_V1_PATH_ALONE = re.compile(r"/api/(?:health|status|infer|modelcontrol|sharedmemorycontrol|repository|profile)(?![\w-])")

#: an HTTP operator, sensor or hook (Airflow's ``HttpSensor``, ``SimpleHttpOperator``, ``HttpOperator``, ``HttpHook``)
_HTTP_CALLEE = re.compile(r"\w*Http\w*(?:Operator|Sensor|Hook)(?:Async)?")


def _http_call(call: ast.Call) -> bool:
    """``call`` builds an HTTP operator, sensor or hook, or runs a hook built in place (``HttpHook(...).run``)."""
    f = call.func
    if type(f) is ast.Attribute and f.attr.startswith("run") and type(f.value) is ast.Call:
        f = f.value.func
    name = f.id if type(f) is ast.Name else f.attr if type(f) is ast.Attribute else ""
    return _HTTP_CALLEE.fullmatch(name) is not None


#: what reads a variable of the environment, with a default
_ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "environ.get", "getenv"})


class _Positions:
    """Document offsets of ast positions: 1-based lines as Python counts them (CR, LF and CRLF end a
    line) and UTF-8 byte columns."""

    def __init__(self, src: str, base: int) -> None:
        self.src = src
        self.base = base
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", src)]
        self._cols: dict[int, Sequence[int] | None] = {}

    def offset(self, lineno: int, col: int) -> int:
        k = min(max(lineno, 1), len(self.starts)) - 1
        s = self.starts[k]
        if col <= 0:
            return self.base + s
        table = self._cols.get(k, False)
        if table is False:
            e = self.starts[k + 1] if k + 1 < len(self.starts) else len(self.src)
            line = self.src[s:e]
            table = None
            if not line.isascii():
                # UTF-8 byte column -> code point column, 8 bytes an entry
                table = array("q")
                for n, ch in enumerate(line):
                    table.extend([n] * len(ch.encode("utf-8", "surrogatepass")) if ord(ch) > 0x7F else (n,))
                table.append(len(line))
            self._cols[k] = table
        if table is None:
            return self.base + s + col
        return self.base + s + table[min(col, len(table) - 1)]


class PythonDoc(ShellDoc):
    kind = "python"
    label = "python"

    def __init__(self, path: str, text: str) -> None:
        self.tree: ast.Module | None = None
        # kept for the nodes that need them only: a file may hold millions of nodes
        self._parent: dict[int, ast.AST] = {}  #: names and attributes -> their parent
        self._scope: dict[int, ast.AST] = {}  #: names, bindings, scopes -> the scope around them
        self._statement_strings: set[int] = set()  #: strings that stand alone as statements
        self._imports: list[ast.AST] = []
        self._assigned: dict[tuple[int, str], list[ast.AST | None]] = {}  #: (scope, name) -> values (None: unknown)
        self._mutations: dict[tuple[int, str], list[ast.AST]] = {}  #: (scope, name) -> what changes the list
        #: string constants formatted with % or .format(): their placeholders are values known at run time
        self._formats: dict[int, re.Pattern] = {}
        #: strings added to a name (``TRITON_URL + "/api/health/ready"``): the name, as written
        self._concat_host: dict[int, str] = {}
        #: the arguments of strings formatted with % or .format() (positional, keywords)
        self._format_args: dict[int, tuple[list, list]] = {}
        self._positional: list[tuple[int, int]] = []  #: spans of those with positional placeholders
        self._aliases: dict[str, str] = {}  #: local name -> what it imports (``sp`` -> ``subprocess``)
        self._calls: list[ast.Call] = []
        #: the strings that declare a route the program serves itself (``_index``): the arguments of a function's
        #: decorators (``@app.get("/api/health/ready")``, ``@app.route(...)``) and of ``add_api_route``,
        #: ``add_url_rule``, ``add_route``. A web application beside the server has its own ``/api/...`` paths
        self._routes: set[int] = set()
        #: the ``endpoint=`` strings of an HTTP operator, sensor or hook (Airflow's ``HttpSensor(endpoint=
        #: "api/health/ready")``) written without their leading slash: a path joined to the connection's base URL
        self._http_endpoints: set[int] = set()
        self._dicts: list[ast.Dict] = []
        self._strings: list[ast.AST] = []  #: string literal nodes outside statements of their own
        self._server_lists: list[ast.AST] = []  #: list and tuple displays whose first item names a server
        self._statements: list[ast.stmt] = []
        self._literals: dict[int, Literal | None] = {}
        self._by_start: list[tuple[int, int, Literal]] = []  #: read literals by start offset
        self._shell_nodes: set[int] = set()  #: literals read as shell text
        #: edits of shell text built by concatenation that would not stay inside one string (``can_write``)
        self._refused_edits: set[Edit] = set()
        #: where the items of command lists hold code, not a string literal (a name, a call, the operands of a
        #: ``+``, an f-string's prefix): an edit over one would change the code around the strings (``can_write``)
        self._code_items: list[tuple[int, int]] = []
        self._code_sorted = False
        self._code_what: list[tuple[int, int, str]] = []  #: each of those, with what it is (``unwritable_for``)
        self._fields: list[tuple[int, int]] | None = None  #: where f-strings' replacement fields are (``can_write``)
        self._field_code: list[int] = []  #: where the code of each f-string field starts (read while parsing)
        self._image_nodes: set[int] = set()  #: literals that name a container image
        self._used: set[int] = set()  #: lists and strings already read as a command
        self._closed: set[int] = set()  #: groups (lists) a new word must not be added to
        self._extra_sites: list[CommandSite] = []
        self._probes: list[ProbePort] = []
        #: the container ports the file names (name -> port; None: two containers give the name other ports)
        self._port_names: dict[str, str | None] = {}
        #: the ``ports`` lists of container dicts (reported, never edited), with the span of their container's dict
        self._port_lists: list[tuple[Span, PortList]] = []
        self._editable: set[int] = set()  #: other constants the rules may change (probe ports)
        self._group = 0
        self._group_syntax: dict[int, PyListSyntax] = {}
        self._uses: list[ClientUse] | None = None
        self._program: ClientProgram | None = None
        self._regions: list[Region] | None = None
        self._requirements: list[Requirement] | None = None
        self._statement_spans: list[tuple[int, int]] = []
        self._digest = b""
        #: statements that add one string literal to a list (``cmd.append("--x")``), which an edit may
        #: delete whole: where each stands (see ``_droppable_key``); the digest leaves them out
        self._droppables: list[tuple] = []
        self._droppable_at: dict[int, tuple[int, int, bool]] = {}  #: id(stmt) -> (block, index, block all such)
        self._mutation_stmt: dict[int, ast.stmt] = {}  #: id(call) of ``x.append(...)`` -> its statement
        self._block_of: dict[int, int] = {}  #: id(statement) -> id(the list of statements it stands in)
        #: ids of the changes of a list (``+=``, ``.append(...)``) written inside a branch or a loop of
        #: their scope, not in its own statements: a run may not take them
        self._conditional: set[int] = set()
        #: ``.append``/``.insert`` statements an edit asked to delete: (syntax, whether it may)
        self._delete_requests: list["_AppendSyntax"] = []
        #: a Tiltfile's port forwards and local HTTP probes (read before the tree is let go: ``topology``)
        self._tilt: tuple[list[ForwardSite], list[GetSite]] = ([], [])
        self._env_urls: list[EnvUrl] = []  #: URLs built from values of the environment (read before the tree goes)
        super().__init__(path, text)
        self._settle()

    def _settle(self) -> None:
        """Keep what the rules and the verify step read (sites, regions, requirements, statement
        spans, a digest of the tree's shape) and let the tree go: a syntax tree takes some 90 bytes
        a byte of source, and the verify step builds a second document beside this one."""
        if self.tree is None:
            return
        self._string_regions()
        self.requirements()
        self.client_uses()
        self._tilt = self._tilt_sites()
        self._env_urls = self._read_env_urls()
        self._statement_spans = sorted(self._span(n) for n in self._statements)
        self.tree = None
        for name in ("_calls", "_dicts", "_strings", "_statements", "_imports", "_server_lists"):
            setattr(self, name, [])
        for name in ("_parent", "_scope", "_assigned", "_mutations", "_literals", "_droppable_at", "_mutation_stmt",
                     "_block_of", "_concat_host", "_format_args"):
            setattr(self, name, {})
        self._by_start = []
        self._statement_strings = set()
        self._routes = set()
        self._http_endpoints = set()
        self._editable = set()
        self._conditional = set()
        self._pos._cols.clear()

    # --- parsing ----------------------------------------------------------------------------
    def _parse(self) -> None:
        if len(self.text) > MAX_CHARS:
            # ast takes about 160 bytes of memory per byte of source (a 10 MiB module: 1.6 GB): a
            # larger file is refused like any file that cannot be processed (CONTRACT.md "Bad input")
            raise ProcessingError(f"Python source larger than {MAX_CHARS >> 20} MiB: not read (its syntax tree "
                                  f"would not fit in memory); migrate it by hand")
        base = 1 if self.text.startswith("\ufeff") else 0
        src = self.text[base:]
        self._pos = _Positions(src, base)
        try:
            with warnings.catch_warnings():
                # invalid escapes and the like are the file's business: nothing on stderr
                warnings.simplefilter("ignore")
                tree = ast.parse(src, filename=self.path or "<python>")
        except SyntaxError as e:
            line = self.position(self._pos.offset(e.lineno or 1, 0))[0] if e.lineno else None
            raise ProcessingError(f"cannot read the Python file: {e.msg}", line) from None
        except (ValueError, RecursionError, MemoryError) as e:
            what = "too deeply nested" if isinstance(e, (RecursionError, MemoryError)) else str(e)
            raise ProcessingError(f"cannot read the Python file: {what}") from None
        self.tree = tree
        self._index(tree)
        self._server_constants()
        self._launchers()
        self._plumbum()
        self._assigned_commands()
        self._other_server_commands()
        self._json_commands()

    def _index(self, tree: ast.Module) -> None:
        """One walk (preorder): parents and scopes where needed, what is bound in each scope, imports,
        calls, string literals, and the digest of the tree's shape (see ``_shape_digest``)."""
        AST, Constant, List, Tuple, JoinedStr = ast.AST, ast.Constant, ast.List, ast.Tuple, ast.JoinedStr
        stack: list[tuple[ast.AST, ast.AST, ast.AST | None]] = [(tree, tree, None)]
        in_fstring: set[int] = set()
        skip: set[int] = set()  #: string items of lists and the text of f-strings: left out of the digest
        nodigest: set[int] = set()  #: the nodes of droppable statements (``_droppable``): left out too
        h = hashlib.blake2b(digest_size=32)
        parts: list[str] = []
        flushed = 0
        strings = (str, bytes)
        while stack:
            node, scope, parent = stack.pop()
            t = type(node)
            if t is ast.FunctionDef or t is ast.AsyncFunctionDef:
                for d in node.decorator_list:  # type: ignore[attr-defined]
                    if type(d) is ast.Call:
                        self._routes.update(_string_arguments(d))
            elif t is ast.Call and type(node.func) is ast.Attribute and node.func.attr in _ROUTE_METHODS:  # type: ignore[attr-defined]
                self._routes.update(_string_arguments(node))  # type: ignore[arg-type]
            if t is ast.Call and _http_call(node):  # type: ignore[arg-type]
                self._http_endpoints.update(
                    id(k.value) for k in node.keywords  # type: ignore[attr-defined]
                    if k.arg == "endpoint" and type(k.value) is Constant and isinstance(k.value.value, str)
                    and not k.value.value.startswith("/"))
            if t is Constant:
                value = node.value  # type: ignore[attr-defined]
                if isinstance(value, strings):
                    if id(node) not in in_fstring and id(node) not in self._statement_strings:
                        self._strings.append(node)
                    if id(node) not in skip:
                        parts.append("S")
                elif id(node) not in skip:
                    parts.append("S" if id(node) in self._editable else repr(value))
                continue
            if t in _KEEP_PARENT:
                self._parent[id(node)] = parent  # type: ignore[assignment]
            if t in _KEEP_SCOPE:
                self._scope[id(node)] = scope
            inner = node if t in _SCOPE_TYPES else scope
            fields = [t.__name__]
            children: list[ast.AST] = []
            for f in node._fields:
                v = getattr(node, f, None)
                if isinstance(v, list):
                    if v and not isinstance(v[0], AST) and v[0] is not None:
                        fields.append(repr(v))
                        continue
                    if None in v:  # a dict's keys with ``**x`` among them: where each None stands
                        fields.append("".join("-" if x is None else "k" for x in v))
                        children.extend(x for x in v if x is not None)
                        continue
                    children.extend(v)
                    drop: list | tuple = ()
                    if v and isinstance(v[0], ast.stmt):
                        for x in v:
                            self._block_of[id(x)] = id(v)
                        drop = _droppables_of(v)
                    if drop:
                        # deleting one of these is an edit of a command line: the digest holds where
                        # each stands (its block, the statements before it), ``same_structure`` that
                        # the new file's are the old file's less some
                        here = flushed + len(parts)
                        every = len(drop) == len(v)
                        for k, x in drop:
                            kept_before = k - sum(1 for j, _ in drop if j < k)
                            self._droppables.append((here, f, kept_before) + _droppable_key(x))
                            self._droppable_at[id(x)] = (id(v), k, every)
                            for n in ast.walk(x):
                                if not isinstance(n, ast.expr_context):  # Load() is one shared node
                                    (skip if type(n) is Constant else nodigest).add(id(n))
                    fields.append(str(len(v) - len(drop)))
                elif isinstance(v, AST):
                    children.append(v)
                    fields.append("*")
                else:
                    fields.append(repr(v))
            if t is List or t is Tuple:
                first = node.elts[0] if node.elts else None  # type: ignore[attr-defined]
                if type(first) is Constant and isinstance(first.value, str) and C.basename(first.value) in _SERVER:
                    self._server_lists.append(node)
                gone = [e for e in node.elts if type(e) is Constant and isinstance(e.value, strings)]  # type: ignore[attr-defined]
                # (an item that code writes and that only computes a value may be removed whole: ``can_write``)
                code = [e for e in node.elts if type(e) is not Constant and pure_node(e)]  # type: ignore[attr-defined]
                for e in code:
                    for n in ast.walk(e):
                        if not isinstance(n, ast.expr_context):
                            (skip if type(n) is Constant else nodigest).add(id(n))
                if gone or code:
                    skip.update(map(id, gone))
                    fields[1] = str(len(node.elts) - len(gone) - len(code))  # type: ignore[attr-defined]
            elif t is JoinedStr:
                in_fstring.update(id(v) for v in ast.walk(node) if v is not node)
                # where its replacement fields' code is written (``can_write``)
                self._field_code += [self._pos.offset(v.value.lineno, v.value.col_offset)  # type: ignore[attr-defined]
                                     for v in node.values if type(v) is ast.FormattedValue]  # type: ignore[attr-defined]
                if id(node) not in in_fstring and id(node) not in self._statement_strings:
                    self._strings.append(node)
                gone = [v for v in node.values if type(v) is Constant]  # type: ignore[attr-defined]
                skip.update(map(id, gone))
                # (a field whose code only computes a value may go with the word it stands in: ``can_write``)
                code = [v for v in node.values if type(v) is ast.FormattedValue and pure_node(v)]  # type: ignore[attr-defined]
                for v in code:
                    for n in ast.walk(v):
                        if not isinstance(n, ast.expr_context):
                            (skip if type(n) is Constant else nodigest).add(id(n))
                fields[1] = str(len(node.values) - len(gone) - len(code))  # type: ignore[attr-defined]
            elif t is ast.Expr:
                if self._is_str(node.value):  # type: ignore[attr-defined]
                    self._statement_strings.add(id(node.value))  # type: ignore[attr-defined]
            elif t is ast.Call:
                if _takes_words(node.func):  # type: ignore[attr-defined]
                    # the words of a command given one an argument (asyncio.create_subprocess_exec,
                    # os.execl*): an option added or dropped is a string argument more or less, as in a list
                    gone = [a for a in node.args if type(a) is Constant and isinstance(a.value, strings)]  # type: ignore[attr-defined]
                    skip.update(map(id, gone))
                    fields[2] = str(len(node.args) - len(gone))  # type: ignore[attr-defined]
                self._calls.append(node)  # type: ignore[arg-type]
                self._mark_probe_call(node)  # type: ignore[arg-type]
                f = node.func  # type: ignore[attr-defined]
                if type(f) is ast.Attribute and f.attr == "format" and type(f.value) is Constant \
                        and isinstance(f.value.value, str):
                    self._formats[id(f.value)] = BRACES  # "trtserver --model-store={}".format(path)
                    self._format_args[id(f.value)] = (node.args, node.keywords)  # type: ignore[attr-defined]
            elif t is ast.BinOp:
                if type(node.op) is ast.Mod and type(node.left) is Constant \
                        and isinstance(node.left.value, str):  # type: ignore[attr-defined]
                    self._formats[id(node.left)] = PERCENT  # "trtserver --model-store=%s" % path
                    right = node.right  # type: ignore[attr-defined]
                    self._format_args[id(node.left)] = (right.elts if type(right) is Tuple else [right], [])  # type: ignore[attr-defined]
                elif type(node.op) is ast.Add and type(node.left) is Constant and isinstance(
                        node.left.value, str) and node.left.value[-1:].isspace() \
                        and not (type(node.right) is Constant):  # type: ignore[attr-defined]
                    self._formats[id(node.left)] = TAIL  # "trtserver " + args
                if type(node.op) is ast.Add and self._is_str(node.right):  # type: ignore[attr-defined]
                    # TRITON_URL + "/api/infer/" + model: the string's URL starts with what the name holds
                    left = node.left  # type: ignore[attr-defined]
                    while type(left) is ast.BinOp and type(left.op) is ast.Add:
                        left = left.right
                    if type(left) in (ast.Name, ast.Attribute):
                        a, b = self._span(left)
                        self._concat_host[id(node.right)] = self.text[a:b]  # type: ignore[attr-defined]
            elif t is ast.Dict:
                self._dicts.append(node)  # type: ignore[arg-type]
                self._mark_probe_dict(node)  # type: ignore[arg-type]
            elif t is ast.Import:
                for a in node.names:  # type: ignore[attr-defined]
                    if a.asname:
                        self._aliases[a.asname] = a.name
                    else:
                        head = a.name.split(".")[0]
                        self._aliases.setdefault(head, head)
                    self._bind(scope, a.asname or a.name.split(".")[0], None)
                self._imports.append(node)
            elif t is ast.ImportFrom:
                for a in node.names:  # type: ignore[attr-defined]
                    if a.name != "*" and node.module and not node.level:  # type: ignore[attr-defined]
                        self._aliases[a.asname or a.name] = f"{node.module}.{a.name}"  # type: ignore[attr-defined]
                        self._bind(scope, a.asname or a.name, None)
                self._imports.append(node)
            if isinstance(node, ast.stmt):
                self._statements.append(node)
            if t in _BINDING_TYPES:
                self._bindings(node, scope)
            if id(node) not in nodigest and not (t in _CONTEXTS and id(parent) in nodigest):
                parts.append(" ".join(fields))
            if len(parts) > 4096:
                h.update("\n".join(parts).encode("utf-8", "surrogatepass"))
                flushed += len(parts)
                parts.clear()
            for child in reversed(children):
                stack.append((child, inner, node))
        h.update("\n".join(parts).encode("utf-8", "surrogatepass"))
        self._digest = h.digest()
        self._strings.sort(key=lambda n: (n.lineno, n.col_offset))
        self._calls.sort(key=lambda n: (n.lineno, n.col_offset))
        self._dicts.sort(key=lambda n: (n.lineno, n.col_offset))

    def _mark_probe_call(self, call: ast.Call) -> None:
        """The port of a Kubernetes client probe action: an edit may change it (TDM406)."""
        f = call.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name.endswith(("HTTPGetAction", "TCPSocketAction")):
            for k in call.keywords:
                if k.arg == "port" and isinstance(k.value, ast.Constant):
                    self._editable.add(id(k.value))

    def _mark_probe_dict(self, d: ast.Dict) -> None:
        for k, v in zip(d.keys, d.values):
            if isinstance(k, ast.Constant) and k.value in ("httpGet", "tcpSocket") and isinstance(v, ast.Dict):
                for k2, v2 in zip(v.keys, v.values):
                    if isinstance(k2, ast.Constant) and k2.value == "port" and isinstance(v2, ast.Constant):
                        self._editable.add(id(v2))

    def _is_statement_string(self, node: ast.AST) -> bool:
        """A string that stands alone as a statement: a docstring, or a string used as a comment."""
        return id(node) in self._statement_strings

    def _bind(self, scope: ast.AST, name: str, value: ast.AST | None) -> None:
        self._assigned.setdefault((id(scope), name), []).append(value)

    def _bindings(self, node: ast.AST, scope: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    self._bind(scope, t.id, node.value)
                elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                    # ``args[1:] = [...]``, ``CONFIG["args"] = [...]``: what it holds is changed
                    self._mutations.setdefault((id(scope), t.value.id), []).append(node)
                else:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                            self._bind(scope, n.id, None)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            self._bind(scope, node.target.id, node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if isinstance(node.op, ast.Add):
                self._mutations.setdefault((id(scope), node.target.id), []).append(node)
                self._note_branch(node, node, scope)
            else:
                self._bind(scope, node.target.id, None)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            for n in ast.walk(node.target):
                if isinstance(n, ast.Name):
                    self._bind(scope, n.id, None)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            for n in ast.walk(node.optional_vars):
                if isinstance(n, ast.Name):
                    self._bind(scope, n.id, None)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            self._bind(scope, node.target.id, None)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._bind(scope, node.name, None)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self._bind(scope, node.name, None)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            f = node.value.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and \
                    f.attr in ("append", "extend", "insert", "remove", "pop", "clear", "reverse", "sort"):
                self._mutations.setdefault((id(scope), f.value.id), []).append(node.value)
                self._mutation_stmt[id(node.value)] = node
                self._note_branch(node, node.value, scope)

    def _note_branch(self, stmt: ast.stmt, change: ast.AST, scope: ast.AST) -> None:
        """``change`` (in ``stmt``) is conditional unless ``stmt`` is one of its scope's own statements."""
        if self._block_of.get(id(stmt)) != id(getattr(scope, "body", None)):
            self._conditional.add(id(change))

    # --- positions and literals -------------------------------------------------------------
    def _span(self, node: ast.AST) -> tuple[int, int]:
        start = self._pos.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self._pos.offset(node.end_lineno or node.lineno, node.end_col_offset or 0)  # type: ignore[attr-defined]
        return start, max(start, end)

    def literal(self, node: ast.AST) -> Literal | None:
        """The literal of a string node (a ``str``/``bytes`` constant or an f-string), read from its
        source; None when it is not one or cannot be read back exactly."""
        key = id(node)
        if key in self._literals:
            return self._literals[key]
        lit = self._read(node)
        if lit is not None:
            if self._by_start and self._by_start[-1][0] > lit.start:
                bisect.insort(self._by_start, (lit.start, lit.end, lit), key=lambda x: x[0])
            else:
                self._by_start.append((lit.start, lit.end, lit))
        self._literals[key] = lit
        return lit

    def _read(self, node: ast.AST) -> Literal | None:
        lit = None
        value: object = None
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            value = node.value
        elif isinstance(node, ast.JoinedStr):
            value = [v.value if isinstance(v, ast.Constant) else None for v in node.values]
        if value is not None:
            a, b = self._span(node)
            lit = read_literal(self.text, a, b, value)
            style = self._formats.get(id(node))
            if lit is not None and style is not None:
                if _drops_a_placeholder(lit.value, _POSITIONAL[style]):
                    # an option dropped with its placeholder would shift every value after it
                    self._positional.append((lit.start, lit.end))
                lit = with_placeholders(lit, style)
        return lit

    def _literal_at(self, offset: int) -> Literal | None:
        k = bisect.bisect_right(self._by_start, offset, key=lambda x: x[0]) - 1
        if k >= 0 and self._by_start[k][0] <= offset < self._by_start[k][1]:
            return self._by_start[k][2]
        return None

    @staticmethod
    def _is_str(node: ast.AST | None) -> bool:
        return isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))

    # --- names ------------------------------------------------------------------------------
    def _scope_of(self, node: ast.AST) -> ast.AST:
        return self._scope.get(id(node), self.tree)  # type: ignore[return-value]

    def _scopes_of(self, node: ast.AST) -> Iterator[ast.AST]:
        """The scopes a name used at ``node`` is looked up in: its own, the functions around it, the
        module (class bodies only for the class's own statements)."""
        s: ast.AST | None = self._scope_of(node)
        first = True
        while s is not None:
            if first or not isinstance(s, ast.ClassDef):
                yield s
            first = False
            if isinstance(s, ast.Module):
                return
            s = self._scope_of(s)

    def value_of(self, name: ast.Name) -> tuple[ast.AST | None, list[ast.AST]]:
        """What ``name`` holds where it is used, when it is assigned exactly once in the scope that
        defines it (and the list changes made to it there); (None, []) otherwise."""
        if name.id == "__doc__" and self.tree is not None and self.tree.body:
            first = self.tree.body[0]
            if isinstance(first, ast.Expr) and self._is_str(first.value):
                return first.value, []
        for s in self._scopes_of(name):
            values = self._assigned.get((id(s), name.id))
            if values is None:
                if (id(s), name.id) in self._mutations:
                    return None, []
                continue
            if len(values) == 1 and values[0] is not None:
                return values[0], self._mutations.get((id(s), name.id), [])
            return None, []
        return None, []

    def qualname(self, func: ast.AST) -> str | None:
        """``subprocess.run`` for ``sp.run`` after ``import subprocess as sp``, ``Popen`` after
        ``from subprocess import Popen``; None for anything but names and attributes."""
        parts: list[str] = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            return None
        head = self._aliases.get(func.id, func.id)
        return ".".join([head] + parts[::-1])

    # --- words --------------------------------------------------------------------------------
    def _new_group(self) -> int:
        self._group += 1
        return self._group

    def _items(self, nodes: Sequence[ast.AST], closed: bool = False, display: bool = False) -> list[PyWord]:
        """The words of the items of one list, tuple or argument list (one group, one syntax);
        ``display``: the items of a list or tuple display (their own parentheses are part of them)."""
        g = self._new_group()
        if closed:
            self._closed.add(g)
        words = [self._item(n, g, display) for n in nodes]
        if words and isinstance(nodes[0], (ast.Name, ast.Subscript)):
            words[0] = self._constant_word(nodes[0], words[0].start, words[0].end, g) or words[0]
        syntax = self._group_syntax[g] = PyListSyntax([(w.start, w.end) for w in words])
        # a program that a name or a call names (``os.execv(BIN, ...)``): its word may stand where the string is
        # assigned, and is no item of a list: nothing is added after it
        syntax.closed = closed
        syntax.refused = self._refused_edits
        for prev, w in zip(words, words[1:]):
            v = prev.value
            if not prev.dynamic and v.startswith("--") and "=" not in v and len(v) > 2 and v[2:] not in facts.NO_ARGUMENT:
                w.is_value = True
        return words

    def _item(self, node: ast.AST, group: int, display: bool = False) -> PyWord:
        w = self._bare_item(node, group)
        if display:
            # ``[("--model-store="\n  "/m")]``: the item's parentheses are part of it
            w.start, w.end = _parenthesized(self.text, w.start, w.end)
        return w

    def _bare_item(self, node: ast.AST, group: int) -> PyWord:
        if self._is_str(node):
            lit = self.literal(node)
            if lit is not None:
                self._used.add(id(node))
                if isinstance(node, ast.JoinedStr):
                    # an f-string: rewritten inside its text only (its prefix and fields are code)
                    self._code_item(lit.start, lit.start + 1, "an f-string")
                return literal_word(lit, group)
        formatted = self._formatted_option(node, group)
        if formatted is not None:
            return formatted
        a, b = self._span(node)
        parts = self._concatenation(node)
        if parts is not None:
            for part in parts:
                if not isinstance(part, Literal):
                    self._code_item(*part, "joined with '+' to its strings")
            return concatenation_word(self.text, a, b, parts, group)
        self._code_item(a, b, "")
        w = expression_word(self.text, a, b, group)
        if isinstance(node, ast.Attribute) and self.qualname(node) == "sys.executable":
            w.value, w.dynamic = "python", False  # the interpreter: python -m pip install ...
            w.offsets = w.offsets[:len(w.value)]
        return w

    def _formatted_option(self, node: ast.AST, group: int) -> PyWord | None:
        """``"--http-health-port=%d" % port``, ``"--http-health-port={}".format(port)``: an option whose one value
        is formatted into the end of its string, read as ``"--http-health-port=" + port`` is (the option as written,
        its value code), so that the option is known: renamed in its string, or removed with its item."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            fmt, args, tail = node.left, [node.right], _PERCENT_TAIL
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
                and not node.keywords:
            fmt, args, tail = node.func.value, node.args, _FORMAT_TAIL
        else:
            return None
        if not (isinstance(fmt, ast.Constant) and isinstance(fmt.value, str)) or len(args) != 1 \
                or isinstance(args[0], (ast.Tuple, ast.Dict, ast.Starred)):
            return None
        lit = self.literal(fmt)
        m = tail.match(lit.value) if lit is not None and len(lit.pieces) == 1 else None
        if m is None or any(i < m.end(1) for i in lit.inexact):  # (a placeholder reads as inexact)
            return None
        k = m.end(1)
        prefix = Literal(lit.start, lit.end, lit.value[:k], lit.offsets[:k], lit.ends[:k], frozenset(), lit.pieces,
                         lit.is_bytes, [], [i for i in lit.breaks if i < k])
        a, b = self._span(args[0])
        self._code_item(a, b, "formatted into its string")
        s, e = self._span(node)
        return concatenation_word(self.text, s, e, [prefix, (a, b)], group)

    def _code_item(self, a: int, b: int, what: str) -> None:
        self._code_items.append((a, b))
        self._code_what.append((a, b, what))
        self._code_sorted = False

    def _constant_word(self, node: ast.Name | ast.Subscript, a: int, b: int, group: int) -> PyWord | None:
        """``[TRTSERVER, ...]`` with ``TRTSERVER = "/opt/tensorrtserver/bin/trtserver"`` assigned once:
        the first item (the program) reads as the string it holds (so the line is known for a
        server's; other items stay known only at run time: they are never deleted). The word stands
        where the name is (items are deleted and added around it there); its characters are the
        string's, so an edit inside its value is made where the string is assigned."""
        if isinstance(node, ast.Subscript):
            value, changes = self._item_of(node), []
        else:
            value, changes = self.value_of(node)
        value = self._environment_default(value)
        if value is None or changes or not self._is_str(value):
            return None
        lit = self.literal(value)
        if lit is None or lit.dynamic or not lit.value:
            return None
        return PyWord(a, b, lit.value, list(lit.offsets), False, "", b, inexact=lit.inexact, literal=None,
                      whole=True, group=group, open_end=False)

    def _concatenation(self, node: ast.AST) -> list | None:
        """``"--model-store=" + path``: its parts (literals, and (start, end) of the other operands),
        when a literal starts or ends it; None otherwise."""
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
            return None
        operands: list[ast.AST] = []
        stack: list[ast.AST] = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add) and len(operands) < 64:
                stack.extend((n.right, n.left))
            else:
                operands.append(n)
        if not (self._is_str(operands[0]) or self._is_str(operands[-1])):
            return None
        parts: list = []
        for n in operands:
            lit = self.literal(n) if self._is_str(n) else None
            parts.append(lit if lit is not None else self._span(n))
        return parts

    def _argv(self, node: ast.AST, depth: int = 0) -> list[PyWord]:
        """The words of an argv expression: list and tuple displays, ``+`` of them, a name assigned
        one (with what ``+=``/``.extend`` add), ``shlex.split("...")`` and ``"...".split()``; any
        other expression is one word known only at run time."""
        if depth > 8:
            return self._items([node])
        if isinstance(node, (ast.List, ast.Tuple)):
            self._used.add(id(node))
            if not any(self._spliced(e) for e in node.elts):
                return self._items(node.elts, display=True)
            # ``["trtserver", *ARGS]`` with ``ARGS = [...]`` assigned once: its items are words of the line,
            # where they are written (as ``[...] + ARGS`` reads them); each run of other items is a list
            words, run = [], []
            for e in node.elts:
                if self._spliced(e):
                    words += self._items(run, display=True) if run else []
                    run = []
                    words += self._argv(e.value, depth + 1)  # type: ignore[attr-defined]
                else:
                    run.append(e)
            return words + (self._items(run, display=True) if run else [])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._argv(node.left, depth + 1) + self._argv(node.right, depth + 1)
        if isinstance(node, ast.Call) and not node.keywords and not any(isinstance(a, ast.Starred) for a in node.args):
            # ``list(ARGS)``, ``tuple(ARGS)``: the same items; ``itertools.chain(a, b)``: one after the other
            name = self.qualname(node.func)
            if name in ("list", "tuple") and len(node.args) == 1 or name == "itertools.chain" and node.args:
                return [w for a in node.args for w in self._argv(a, depth + 1)]
        if isinstance(node, ast.Subscript):
            item = self._item_of(node)
            if item is not None:
                return self._argv(item, depth + 1)
        if isinstance(node, ast.Name):
            value, changes = self.value_of(node)
            if value is not None and (isinstance(value, (ast.List, ast.Tuple, ast.BinOp)) or self._splits(value)
                                      or self._copies(value)):
                return self._changed_argv(value, changes, depth)
        split = self._splits(node)
        if split is not None:
            lit, shlex_split = split
            self._used.add(id(node))
            held = node.args[0] if isinstance(node, ast.Call) and node.args else None
            if isinstance(held, ast.Name):  # the string a name holds is read here, not on its own
                self._used.add(id(self.value_of(held)[0]))
            return self._split_words(lit, argv=True, closed=False) if shlex_split else self._whitespace_words(lit)
        return self._items([node])

    def _changed_argv(self, value: ast.AST, changes: list[ast.AST], depth: int) -> list[PyWord]:
        """The words of a list assigned once (``value``) and of what ``changes`` add to it, in the
        order they are written: ``+= [...]``, ``.extend(...)``, ``.append(x)``, ``.insert(N, "--a=b")``.
        Whatever else changes it (``.remove``, ``.pop``, ...) is a word known only at run time."""
        words = self._argv(value, depth + 1)
        # the items of the list, one word each, while that is known (``insert`` needs the index)
        counted = isinstance(value, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in value.elts)
        for ch in sorted(changes, key=lambda n: (n.lineno, n.col_offset)):
            at = None
            f = ch.func if isinstance(ch, ast.Call) else None
            method = f.attr if isinstance(f, ast.Attribute) else ""
            if isinstance(ch, ast.AugAssign):
                added = self._argv(ch.value, depth + 1)
                counted = counted and _display(ch.value)
            elif method == "extend" and len(ch.args) == 1 and not ch.keywords:  # type: ignore[attr-defined]
                added = self._argv(ch.args[0], depth + 1)  # type: ignore[attr-defined]
                counted = counted and _display(ch.args[0])  # type: ignore[attr-defined]
            elif method == "append" and len(ch.args) == 1 and not ch.keywords \
                    and not isinstance(ch.args[0], ast.Starred):  # type: ignore[attr-defined]
                added = self._added_item(ch, ch.args[0])  # type: ignore[attr-defined]
            elif method == "insert" and counted and self._insertable(ch, len(words)):
                at = ch.args[0].value  # type: ignore[attr-defined]
                added = self._added_item(ch, ch.args[1])  # type: ignore[attr-defined]
            else:
                added = self._items([ch])
                counted = False
            # what += or .extend adds may stand in a branch a run does not take (``if
            # verbose: args += [...]``): new options never go there (CONTRACT.md)
            for w in added:
                syntax = self._group_syntax.get(w.group)
                if syntax is not None:
                    syntax.holds_insertions = False
                    syntax.conditional = id(ch) in self._conditional
            if at is not None:
                words[at:at] = added
            else:
                words += added
        # an option without ``=`` and the item after it, from another list or call: its value
        for prev, w in zip(words, words[1:]):
            v = prev.value
            if w.group != prev.group and not prev.dynamic and v.startswith("--") and "=" not in v and len(v) > 2 \
                    and v[2:] not in facts.NO_ARGUMENT:
                w.is_value = True
        return words

    def _insertable(self, call: ast.Call, count: int) -> bool:
        """``cmd.insert(N, "--name=value")``: a known place among ``count`` items (never the program's),
        and a word that needs no neighbour (an option with its value, or one that takes none)."""
        if len(call.args) != 2 or call.keywords:
            return False
        n, item = call.args
        if not (isinstance(n, ast.Constant) and type(n.value) is int and 1 <= n.value <= count):
            return False
        if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
            return False
        v = item.value
        return v.startswith("--") and ("=" in v or v[2:] in facts.NO_ARGUMENT)

    def _added_item(self, call: ast.Call, item: ast.AST) -> list[PyWord]:
        """The word ``cmd.append(item)`` adds, written where it stands; deleting it deletes the
        statement (``_AppendSyntax``)."""
        words = self._items([item])
        stmt = self._mutation_stmt.get(id(call))
        if stmt is None:
            return words
        a, b = self._span(stmt)
        t = self.text
        line_start = max(t.rfind("\n", 0, a), t.rfind("\r", 0, a)) + 1
        after = _REST_OF_LINE.match(t, b)
        before = t[max(0, line_start - 2):line_start].rstrip("\r\n")
        alone = not t[line_start:a].strip() and after is not None and not before.endswith("\\")
        where = self._droppable_at.get(id(stmt))
        # deleted whole only when it stands alone on its lines and its block keeps a statement that
        # no edit deletes; else a finding that would delete it is reported (``report_only``)
        safe = alone and where is not None and not where[2]
        end = after.end() if after is not None else b
        g = words[0].group
        self._group_syntax[g] = _AppendSyntax(self._group_syntax[g].items, (line_start, end) if safe else (a, b),
                                              safe, where[:2] if where is not None else (id(stmt), 0),
                                              self._delete_requests)
        return words

    def _copies(self, node: ast.AST) -> bool:
        """``list(X)``, ``tuple(X)``, ``itertools.chain(...)``: read as the items they copy."""
        return isinstance(node, ast.Call) and not node.keywords and self.qualname(node.func) in (
            "list", "tuple", "itertools.chain") and bool(node.args)

    def _item_of(self, node: ast.Subscript) -> ast.AST | None:
        """``CONFIG["args"]`` with ``CONFIG = {"args": [...], ...}`` assigned once and never changed:
        the value written under that key (once)."""
        if not (isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str)):
            return None
        value, changes = self.value_of(node.value)
        if not isinstance(value, ast.Dict) or changes:
            return None
        hits = [v for k, v in zip(value.keys, value.values)
                if k is None or isinstance(k, ast.Constant) and k.value == node.slice.value]
        return hits[0] if len(hits) == 1 and value.keys[value.values.index(hits[0])] is not None else None

    def _spliced(self, node: ast.AST) -> bool:
        """``*NAME`` of a list display whose name holds an argv the reader can read (``_argv``)."""
        if not (isinstance(node, ast.Starred) and isinstance(node.value, ast.Name)):
            return False
        value, _changes = self.value_of(node.value)
        return value is not None and (isinstance(value, (ast.List, ast.Tuple, ast.BinOp)) or self._splits(value) is not None)

    def _splits(self, node: ast.AST) -> tuple[Literal, bool] | None:
        """``shlex.split("...")`` -> (literal, True); ``"...".split()`` -> (literal, False)."""
        if not isinstance(node, ast.Call):
            return None
        arg = node.args[0] if len(node.args) == 1 else None
        if arg is not None:
            # ``shlex.split(os.environ.get("SERVER_CMD", "trtserver ..."))``: its default
            arg = self._environment_default(arg)
        if isinstance(arg, ast.Name) and not node.keywords:
            # ``shlex.split(SERVER_CMD)`` with the string assigned once
            value, changes = self.value_of(arg)
            arg = value if value is not None and not changes and self._is_str(value) else arg
        if self.qualname(node.func) == "shlex.split" and arg is not None and self._is_str(arg):
            lit = self.literal(arg)
            # an f-string's placeholders are split with the text at run time, as a shell splits an
            # unquoted expansion: read as one (a "...".split() of one is not: its words may be anything)
            return (lit, True) if lit is not None else None
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "split" and not node.args and not node.keywords \
                and self._is_str(f.value):
            lit = self.literal(f.value)
            return (lit, False) if lit is not None and not lit.dynamic else None
        return None

    def _split_words(self, lit: Literal, argv: bool, closed: bool) -> list[PyWord]:
        """The words of a string split like a shell splits a line (``argv``: up to the first operator,
        as ``shlex.split`` and the Docker SDK read a command)."""
        lexed = self._lex(lit.value, lit.offsets, 0)
        if lexed is None:
            return []
        tokens = lexed.tokens
        if argv:
            tokens = [t for t in tokens if t.kind != "newline"]
            cut = next((i for i, t in enumerate(tokens) if t.kind != "word"), len(tokens))
            tokens = tokens[:cut]
        g = self._new_group()
        if closed:
            self._closed.add(g)
        self._shell_nodes.add(id(lit))
        words = [t.word for t in tokens if t.word is not None]
        for w in words:
            w.group = g  # type: ignore[attr-defined]
        return words  # type: ignore[return-value]

    def _whitespace_words(self, lit: Literal) -> list[PyWord]:
        g = self._new_group()
        self._shell_nodes.add(id(lit))
        out = []
        for m in re.finditer(r"\S+", lit.value):
            i, j = m.start(), m.end()
            out.append(PyWord(lit.offsets[i], lit.ends[j - 1], m.group(0), lit.offsets[i:j], False, "",
                              lit.ends[j - 1], inexact=frozenset(k - i for k in range(i, j) if k in lit.inexact),
                              literal=lit, whole=False, group=g))
        return out

    # --- launchers ----------------------------------------------------------------------------
    def _launchers(self) -> None:
        for call in self._calls:
            name = self.qualname(call.func) or ""
            label = name or "call"
            args = call.args
            kw = {k.arg: k.value for k in call.keywords if k.arg}
            if name in _ARGV_CALLS:
                target = args[0] if args else kw.get("args")
                if target is None:
                    continue
                shell = kw.get("shell")
                if isinstance(shell, ast.Constant) and shell.value is True:
                    self._shell_argument(target, label)
                else:
                    self._argv_argument(target, label)
            elif name in _SHELL_CALLS:
                target = args[0] if args else kw.get("cmd") or kw.get("command")
                if target is not None:
                    self._shell_argument(target, label)
            elif name == "asyncio.create_subprocess_exec":
                if args and not any(isinstance(a, ast.Starred) for a in args[:1]):
                    self._command_words(self._items(args), label)
            elif name in _EXEC_V:
                k = _EXEC_V[name]
                if len(args) > k + 1:
                    self._exec(args[k], self._argv(args[k + 1]), label)
            elif name in _EXEC_L:
                k = _EXEC_L[name]
                rest = args[k + 1:-1] if name.endswith("e") else args[k + 1:]
                if len(args) > k and rest:
                    self._exec(args[k], self._items(rest), label)
            elif name == "shlex.split" or self._splits(call) is not None:
                continue  # read where it is passed, or below as a value assigned to a name
            elif isinstance(call.func, ast.Call) and self.qualname(call.func.func) == "sh.Command":
                # sh.Command(program)(arg, ...): the program, then the words given the call
                program = call.func.args[0] if call.func.args else None
                if program is not None and args and not any(isinstance(a, ast.Starred) for a in args):
                    self._command_words(self._items([self._resolved(program)], closed=True) + self._items(args),
                                        "sh.Command")
            elif name in _PEXPECT:
                self._pexpect(call, name)
            elif isinstance(call.func, ast.Attribute) and call.func.attr in ("run", "create") and \
                    isinstance(call.func.value, ast.Attribute) and call.func.value.attr == "containers":
                image = args[0] if args else kw.get("image")
                command = args[1] if len(args) > 1 else kw.get("command")
                self._spec(image, kw.get("entrypoint"), command, "container", docker_sdk=True)
            elif name.endswith("DockerOperator"):
                # Airflow's DockerOperator hands its command to the Docker SDK: a string is split as words
                self._spec(kw.get("image"), kw.get("entrypoint"), kw.get("command"), "container", docker_sdk=True)
            elif name.endswith(("HTTPGetAction", "TCPSocketAction")) and "port" in kw:
                self._probe(name.rsplit(".", 1)[-1], kw["port"])
            elif name.endswith(("ContainerPort", "ContainerPortArgs")) and "container_port" in kw:
                self._port_name(kw.get("name"), kw["container_port"])  # the Kubernetes client's, Pulumi's typed args
            elif any(k in kw for k in _SPEC_KEYS):
                command = kw.get("command") or kw.get("cmds")
                rest = kw.get("args") or kw.get("arguments")
                self._spec(kw.get("image"), command, rest, "container")
        for d in self._dicts:
            keys = {k.value: v for k, v in zip(d.keys, d.values) if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            for key in ("httpGet", "tcpSocket"):
                action = keys.get(key)
                if isinstance(action, ast.Dict):
                    port = next((v for k, v in zip(action.keys, action.values)
                                 if isinstance(k, ast.Constant) and k.value == "port"), None)
                    if port is not None:
                        self._probe(key, port)
            if ("containerPort" in keys or "container_port" in keys) and "name" in keys:
                self._port_name(keys["name"], keys.get("containerPort") or keys.get("container_port"))
            if isinstance(keys.get("ports"), ast.List) and ("image" in keys or "name" in keys):
                self._port_list(keys.get("name"), keys["ports"], Span(*self._span(d)))
            if any(k in keys for k in _SPEC_KEYS) and (keys.get("image") is not None or "name" in keys):
                self._spec(keys.get("image"), keys.get("command"), keys.get("args") or keys.get("arguments"),
                           "container")

    def _plumbum(self) -> None:
        """``local["program"]["--opt", ...]`` (plumbum): the program, then the words bound to it."""
        for node in ast.walk(self.tree):
            if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Subscript)):
                continue
            inner = node.value
            if self.qualname(inner.value) not in ("plumbum.local", "plumbum.machines.local"):
                continue
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if any(isinstance(x, ast.Starred) for x in items):
                continue
            program = self._items([self._resolved(inner.slice)], closed=True)
            # one word alone is no tuple: a word added to it would change the code around the strings
            self._command_words(program + self._items(items, closed=not isinstance(node.slice, ast.Tuple)),
                                "plumbum")

    def _pexpect(self, call: ast.Call, name: str) -> None:
        """``pexpect.spawn("program --opt ...")``: a command line split as a shell splits words (no shell
        runs it); with an ``args`` list, the program and those words."""
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        target = call.args[0] if call.args else kw.get("command") or kw.get("cmd")
        rest = call.args[1] if len(call.args) > 1 else kw.get("args")
        if target is None:
            return
        if rest is not None:
            words = self._argv(rest)
            if words:
                self._command_words(self._items([self._resolved(target)], closed=True) + words, name)
            return
        got = self._held_string(target)
        if got is not None:
            self._command_words(self._split_words(got[1], argv=True, closed=False), name)

    def _probe(self, what: str, port: ast.AST) -> None:
        """The port of a probe's HTTP GET or TCP socket action (Kubernetes client objects, dicts)."""
        if isinstance(port, ast.Constant) and isinstance(port.value, int) and not isinstance(port.value, bool):
            a, b = self._span(port)
            if self.text[a:b] == str(port.value):
                self._probes.append(ProbePort(what, str(port.value), Span(a, b)))
        elif self._is_str(port):
            lit = self.literal(port)
            if lit is not None and lit.exact and len(lit.pieces) == 1 and not lit.is_bytes and \
                    lit.pieces[0].prefix in ("", "u"):
                self._probes.append(ProbePort(what, lit.value, Span(lit.start, lit.end), lit.quote))

    @staticmethod
    def _int_port(node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return str(node.value)
        return None

    def _port_name(self, name: ast.AST | None, port: ast.AST | None) -> None:
        """A container port's name (``{"containerPort": 8005, "name": "health"}``, ``V1ContainerPort(container_port=
        8005, name="health")``): a probe that names it asks that port."""
        number = self._int_port(port)
        if number is None or not (isinstance(name, ast.Constant) and isinstance(name.value, str)) or not name.value:
            return
        if self._port_names.setdefault(name.value, number) != number:
            self._port_names[name.value] = None  # another container's port of the same name: not known

    def _port_list(self, name: ast.AST | None, ports: ast.List, container: Span) -> None:
        """A container dict's ``ports`` list of dicts with a literal ``containerPort``: its entries are reported (an
        entry removed would change the code's shape, which the verification keeps: never edited)."""
        entries = []
        for item in ports.elts:
            if not isinstance(item, ast.Dict):
                return
            keys = {k.value: v for k, v in zip(item.keys, item.values)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            number = self._int_port(keys.get("containerPort"))
            if number is None:
                return
            pname = keys.get("name")
            a, b = self._span(item)
            entries.append(PortEntry(number, Span(a, b), None, name=pname.value if isinstance(pname, ast.Constant)
                                     and isinstance(pname.value, str) else None))
        label = name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else "?"
        if entries:
            self._port_lists.append((container, PortList("kubernetes", f"container {label} ports", entries,
                                                         "containerPort", edited=False)))

    def port_sites(self) -> list[PortSites]:
        out = super().port_sites()
        # the lists of the containers that run a server line (another container's ports are its own)
        starts = [w.start for cl in self.command_lines() for w in [cl.binary or next(
            (w for seg in cl.segments for w in seg.words), None)] if w is not None] if self._port_lists else []
        lists = [pl for sp, pl in self._port_lists if any(sp.start <= x < sp.end for x in starts)]
        if self._probes or lists:
            names = {n: p for n, p in self._port_names.items() if p is not None}
            out.append(PortSites(None, lists, list(self._probes), names, style="kubernetes"))
        return out

    def _environment_default(self, value: ast.AST | None) -> ast.AST | None:
        """``os.environ.get("TRITON_BIN", "trtserver")``, ``os.getenv(..., "trtserver")``, ``os.environ.get(...)
        or "trtserver"``: the default, what runs unless the environment names another value; else ``value``."""
        if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) == 2 \
                and isinstance(value.values[0], ast.Call) and self.qualname(value.values[0].func) in _ENV_GETTERS:
            return value.values[1]
        if isinstance(value, ast.Call) and self.qualname(value.func) in _ENV_GETTERS:
            default = value.args[1] if len(value.args) == 2 else next(
                (k.value for k in value.keywords if k.arg == "default"), None)
            if default is not None:
                return default
        return value

    def _resolved(self, node: ast.AST) -> ast.AST:
        """What a name holds (assigned once, never changed; a value of the environment with a default: the
        default); a string formatted with ``%`` or ``.format()`` is that string (its placeholders read as
        values known at run time)."""
        if isinstance(node, ast.Name):
            value, changes = self.value_of(node)
            if value is not None and not changes:
                node = self._environment_default(value)
        if isinstance(node, ast.BinOp) and id(node.left) in self._formats:
            return node.left
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            first = node.left  # ``"trtserver " + args + " --log-verbose=1"``: its first part
            while isinstance(first, ast.BinOp) and isinstance(first.op, ast.Add) and id(first.left) not in self._formats:
                first = first.left
            if isinstance(first, ast.BinOp) and self._formats.get(id(first.left)) is TAIL:
                return first.left
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and id(node.func.value) in self._formats:
            return node.func.value
        return node

    def _held_string(self, node: ast.AST) -> tuple[ast.AST, Literal] | None:
        """The string literal ``node`` is or holds (``_resolved``), marked as read; None for anything else."""
        node = self._resolved(node)
        lit = self.literal(node) if self._is_str(node) else None
        if lit is None:
            return None
        self._used.add(id(node))
        return node, lit

    def _shell_argument(self, node: ast.AST, label: str) -> None:
        """A string (or the first item of a list) run by a shell."""
        node = self._resolved(node)
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            self._used.add(id(node))
            node = node.elts[0]
        got = self._held_string(node)
        if got is None:
            return
        node, lit = got
        self._shell_nodes.add(id(node))
        self._sub_script(lit.value, lit.offsets, PyShellSyntax(lit), label, None, 0)

    def _argv_argument(self, node: ast.AST, label: str) -> None:
        resolved = self._resolved(node)
        if self._is_str(resolved):
            # a program named by a string, run without a shell: a command of one word, renamed where
            # it must be; no server line (no argument can be added, and a V1 server without
            # --model-store never started)
            if self._held_string(resolved) is None:
                return
            (w,) = self._items([resolved], closed=True)
            self._extra_sites.append(CommandSite([w], Segment([w], LIST, label), False, self.text))
            return
        words = self._argv(node)
        if words:
            self._command_words(words, label)

    def _exec(self, path: ast.AST, argv: list[PyWord], label: str) -> None:
        """``os.execvp(path, [arg0, ...])``: the program is ``path``; ``arg0`` is only the name it
        sees. The command line is the argv list when ``arg0`` names the same program (or a server),
        else ``path`` with ``argv[1:]``; the other word is a command site of its own (renamed too)."""
        program = self._items([self._resolved(path)], closed=True)[0]
        # a literal, or a name that holds one (``argv = [TRTSERVER, ...]``; ``os.execv(argv[0], argv)``)
        first = argv[0] if argv and not argv[0].dynamic else None
        if first is not None and (C.basename(first.value) in _SERVER or C.basename(first.value) == C.basename(program.value)):
            self._extra_sites.append(CommandSite([program], Segment([program], LIST, label), False, self.text))
            self._command_words(argv, label)
            return
        if first is not None:
            self._extra_sites.append(CommandSite([first], Segment([first], LIST, label), False, self.text))
        self._command_words([program] + argv[1:], label)

    def _spec(self, image: ast.AST | None, command: ast.AST | None, args: ast.AST | None, label: str,
              docker_sdk: bool = False) -> None:
        """A container: its image, and its command (entrypoint) and args lists."""
        words: list[PyWord] = []
        for node in (command, args):
            if node is None:
                continue
            node = self._resolved(node)
            if self._is_str(node):
                lit = self.literal(node)
                if lit is None or not docker_sdk:
                    continue
                self._used.add(id(node))
                words += self._split_words(lit, argv=True, closed=False)
            elif isinstance(node, (ast.List, ast.Tuple, ast.BinOp, ast.Name)):
                words += self._argv(node)
        if not words:
            return
        dr = DockerRun([])
        if image is not None:
            node = self._resolved(image)
            if self._is_str(node) and self.literal(node) is not None:
                self._image_nodes.add(id(node))
                dr.image = self._items([node])[0]
        dr.after = list(words)
        self._container(dr, self._syntax_for(words), 0)

    def _command_words(self, words: list[PyWord], label: str) -> None:
        if words:
            self._command(list(words), self._syntax_for(words), label, None, 0)  # type: ignore[arg-type]

    def _syntax_for(self, words: Sequence[Word]) -> Syntax:
        """Items of a list, or words of shell text inside one literal (``shlex.split("...")``)."""
        w = words[0] if words else None
        if isinstance(w, PyWord) and w.shell is not None:
            return w.shell
        if isinstance(w, PyWord) and not w.whole and w.literal is not None:
            return PyShellSyntax(w.literal)
        if isinstance(w, PyWord):
            return self._group_syntax.get(w.group, LIST)
        return LIST

    def _server_constants(self) -> None:
        """A name assigned once in the whole file, to a string that is the server binary alone (``BIN =
        "trtserver"``): an f-string's ``{BIN}`` that starts a command runs it, as ``$BIN`` does in a shell
        script (``ShellDoc._server_variable``)."""
        count: dict[str, int] = {}
        for (_scope, name), values in self._assigned.items():
            count[name] = count.get(name, 0) + len(values)
        for (_scope, name), values in self._assigned.items():
            value = values[0] if count[name] == 1 else None
            if value is None or not self._is_str(value) or isinstance(value, ast.JoinedStr):
                continue
            lit = self.literal(value)
            if lit is not None and lit.value.strip() and C.basename(lit.value.strip()) in _SERVER \
                    and lit.value == lit.value.strip():
                self.variables.setdefault(name, []).append(self._items([value])[0])

    def _assigned_commands(self) -> None:
        """Lists and strings assigned to a name, never seen passed to a launcher, that start with a
        program worth reading (a server binary followed by options, docker, pip ...)."""
        for (scope, name), values in list(self._assigned.items()):
            for value in values:
                if value is None or id(value) in self._used:
                    continue
                if isinstance(value, (ast.List, ast.Tuple)) and value.elts and self._built_server_list(value, scope, name):
                    # ``cmd = [TRTSERVER]`` then ``cmd.append("--model-store=...")`` in a function that returns it
                    changes = self._mutations.get((scope, name), [])
                    self._command_words(self._changed_argv(value, changes, 0), f"variable {name}")
                elif isinstance(value, (ast.List, ast.Tuple)) and value.elts and self._is_str(value.elts[0]):
                    lit = self.literal(value.elts[0])
                    if lit is None or not self._worth_reading([x for x in value.elts if self._is_str(x)]):
                        continue
                    self._command_words(self._argv(value), f"variable {name}")
                elif self._is_str(value):
                    lit = self.literal(value)
                    if lit is None or not self._worth_reading_text(lit):
                        continue
                    self._used.add(id(value))
                    self._shell_nodes.add(id(value))
                    self._sub_script(lit.value, lit.offsets, PyShellSyntax(lit), f"variable {name}", None, 0)

    def _built_server_list(self, value: ast.List | ast.Tuple, scope: int, name: str) -> bool:
        """A list that starts with the server binary, written or held by a name (``[TRTSERVER]`` with
        ``TRTSERVER = "/opt/.../trtserver"`` set once), and that gets an option where it is written or from
        the ``+=``/``.append``/``.extend``/``.insert`` made to it."""
        head = self._resolved(value.elts[0])
        lit = self._read(head) if self._is_str(head) else None
        if lit is None or C.basename(lit.value) not in _SERVER:
            return False
        added = list(value.elts[1:]) + list(self._mutations.get((scope, name), []))
        return any(type(n) is ast.Constant and isinstance(n.value, str) and n.value.startswith("-")
                   for a in added for n in ast.walk(a))

    def _other_server_commands(self) -> None:
        """An argv list that starts with the server and its options, which no launcher above takes and
        no name holds (passed to a function of the program's own, ``runner.start(["trtserver", ...])``):
        a command line like the others - where it runs is the program's business. (A string is not:
        ``print("trtserver --model-store is gone")`` is a message.)"""
        # ``["trtserver"] + self.DEFAULTS + list(extra)``: the list begins a sum of lists, its options come after it
        heads: dict[int, ast.BinOp] = {}
        if self.tree is not None and any(id(n) not in self._used for n in self._server_lists):
            for b in ast.walk(self.tree):  # (outer sums first)
                if isinstance(b, ast.BinOp) and isinstance(b.op, ast.Add):
                    left = b.left
                    while isinstance(left, ast.BinOp) and isinstance(left.op, ast.Add):
                        left = left.left
                    heads.setdefault(id(left), b)
        for node in self._server_lists:
            if id(node) in self._used:
                continue
            if self._worth_reading(list(node.elts)):  # type: ignore[attr-defined]
                self._command_words(self._argv(node), "list")
            elif id(node) in heads and id(heads[id(node)]) not in self._used:
                self._command_words(self._argv(heads[id(node)]), "list")

    def _json_commands(self) -> None:
        """A string that holds a JSON argv of the server (``spec['args'] = '["trtserver", "--model-store=/m"]'``,
        an f-string too), which no reader above took: its strings are a command line, migrated where they are
        written (a container spec built as text runs them as its command)."""
        for node in self._strings:
            if id(node) in self._used or id(node) in self._shell_nodes:
                continue
            lit = self.literal(node)
            if lit is None or not lit.value.lstrip().startswith("[") or not _BARE_BINARY.search(lit.value):
                continue
            g = self._new_group()
            words = json_words(lit, g)
            if not words or C.basename(words[0].value) not in _SERVER or len(words) < 2 \
                    or not any(w.value.startswith("-") for w in words[1:]):
                continue
            self._used.add(id(node))
            self._group_syntax[g] = PyJsonSyntax(lit, [(w.start, w.end) for w in words])
            self._command_words(words, "JSON list")

    def _worth_reading(self, items: list[ast.AST]) -> bool:
        head = self._read(items[0]) if items else None
        first = C.basename(head.value) if head is not None else ""
        if len(items) < 2 or first not in _RUNNERS:
            return False
        if first in _SERVER:
            return any(lit is not None and lit.value.startswith("-") for lit in map(self._read, items[1:]))
        return True

    def _worth_reading_text(self, lit: Literal) -> bool:
        if not any(name in lit.value for name in _RUNNERS):
            return False
        words = [m.group(0) for m in re.finditer(r"[^\s;&|()<>]+", lit.value)]
        if len(words) < 2:
            return False
        i = C.command_index([Word(0, 0, w) for w in words])
        if i is None or i + 1 >= len(words):
            return False
        first = C.basename(words[i])
        if first in _SERVER:
            return any(w.startswith("-") for w in words[i + 1:])
        return first in _RUNNERS

    # --- the shell machinery over Python literals ---------------------------------------------
    def _lex(self, text: str, offsets: Sequence[int] | None, base: int, strict: bool = False):
        lexed = super()._lex(text, offsets, base, strict)
        if lexed is None or not offsets:
            return lexed
        lit = self._literal_at(offsets[0])
        if lit is None or offsets[-1] >= lit.end:
            concat = self._concat_syntax(offsets)
            if concat is not None:
                tokens = [t for t in lexed.tokens if t.word is not None]
                for t, w in zip(tokens, concat_shell_words(concat, [t.word for t in tokens])):
                    t.word = w
            return lexed
        words = [t.word for t in lexed.tokens if t.word is not None]
        for t, w in zip([t for t in lexed.tokens if t.word is not None], shell_words_of(lit, words)):
            t.word = w
        return lexed

    def _concat_syntax(self, offsets: Sequence[int]) -> PyConcatShellSyntax | None:
        """Shell text whose characters (``offsets``) more than one part of a Python expression writes
        (``"trtserver --model-store=" + path``): the syntax of its words, over the literals among those
        parts; None when no literal writes any of it."""
        lits: dict[int, Literal] = {}
        last = None
        for o in offsets:
            if last is not None and last.start <= o < last.end:
                continue
            last = self._literal_at(o)
            if last is not None:
                lits.setdefault(id(last), last)
        return PyConcatShellSyntax(list(lits.values()), self._refused_edits) if lits else None

    def _sub_script(self, value: str, offsets: Sequence[int], syntax: Syntax, label: str,
                    docker: DockerRun | None, depth: int) -> None:
        lit = self._literal_at(offsets[0]) if offsets else None
        if lit is not None and offsets[-1] >= lit.end:
            lit = None
        if lit is None and offsets and not isinstance(syntax, (PyShellSyntax, PyConcatShellSyntax)):
            concat = self._concat_syntax(offsets)
            if concat is not None:
                syntax = concat
                self._shell_nodes.update(id(x) for x in concat.lits)
        if lit is not None and not (isinstance(syntax, PyShellSyntax) and syntax.lit is lit):
            syntax = PyShellSyntax(lit)
            self._shell_nodes.add(id(lit))
        super()._sub_script(value, offsets, syntax, label, docker, depth)

    def _segments(self, words: list[Word], syntax: Syntax, label: str) -> list[Segment]:
        """One segment per list the words come from (an entrypoint list and an args list, an argv
        list and the list ``+=`` adds)."""
        out: list[Segment] = []
        last = None
        for w in words:
            g = getattr(w, "group", 0)
            if out and g == last:
                out[-1].words.append(w)
            else:
                out.append(Segment([w], self._syntax_for([w]) if isinstance(w, PyWord) else syntax, label))
            last = g
        return out or [Segment([], syntax, label)]

    def command_lines(self) -> list[CommandLine]:
        if self._lines is None:
            lines = super().command_lines()
            for cl in lines:
                # a program string without a shell (or the path of os.exec*) cannot take another
                # argument: a line whose literal words are all such is read, never edited
                lits = [w for seg in cl.segments for w in seg.words if getattr(w, "literal", None) is not None]
                if lits and all(getattr(w, "group", 0) in self._closed for w in lits):
                    cl.report_only = True
        return self._lines or []

    def commands(self) -> list[CommandSite]:
        return super().commands() + self._extra_sites

    #: what a finding whose change ``can_write`` refuses says
    unwritable = (" (Python code builds this command line - a '+' of strings or an f-string's field - and the change "
                  "would not stay inside its strings: make it by hand)")
    unwritable_shown = False  #: the line it would write is no Python

    def can_write(self, edit: Edit) -> bool:
        """Not an edit that would leave the strings: one of shell text built with ``+``, or one that would
        remove or rewrite an f-string's replacement field (``f"... --http-health-port={port+2}"``: the
        option goes, its field is code)."""
        if edit in self._refused_edits:
            return False
        if self._removes_whole(edit):
            return True
        if self._code_items:
            # not over an item of a command list that code writes (``str(port)`` after ``"--http-health-port"``,
            # ``"--x=" + v``, an f-string): only string literals may change
            if not self._code_sorted:
                merged: list[tuple[int, int]] = []
                for s, e in sorted(self._code_items):
                    if merged and s < merged[-1][1]:
                        merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
                    else:
                        merged.append((s, e))
                self._code_items[:] = merged
                self._code_sorted = True
            a, b = edit.span.start, edit.span.end
            k = bisect.bisect_left(self._code_items, (max(a, b - 1) + 1,)) - 1  # the last one that starts before
            if k >= 0 and a < self._code_items[k][1] and (a < b or self._code_items[k][0] < a):
                return False
        fields = self._field_spans()
        i = bisect.bisect_left(fields, (edit.span.end,))  # the last field that starts before the edit ends
        if i == 0 or fields[i - 1][1] <= edit.span.start:
            return True
        # (an edit that takes the whole string with it - a list item, an append statement - starts before its
        # opening quote: code removed whole, which the readers of such items judge)
        before = self.text[edit.span.start:fields[i - 1][0]]
        return '"' in before or "'" in before

    def _removes_whole(self, edit: Edit) -> bool:
        """A deletion that takes code with it whole: every item of a command list that code writes and every
        f-string field that it touches lies inside it (``, "--http-health-port", str(port)``, ``,
        f"--http-health-port={port}"``, `` --http-health-port={port}`` inside an f-string: the reader removes whole
        items and words), and that code has no effect but its value (``_pure``). What it removes then goes as a
        string item does."""
        if edit.content or edit.span.start >= edit.span.end:
            return False
        a, b = edit.span.start, edit.span.end
        touched = False
        for s, t, what in self._code_what:
            if s < b and a < t:
                if not (a <= s and t <= b) or what != "an f-string" and not _pure(self.text[s:t]):
                    return False
                touched = True
        for s, t in self._field_spans():
            if s < b and a < t:
                if not (a <= s and t <= b) or not _pure_field(self.text[s:t]):
                    return False
                touched = True
        return touched

    def unwritable_for(self, edits: Sequence[Edit]) -> str:
        """What stops ``edits``: the code of a command list's item they would rewrite or remove, when one does."""
        left = {r.span for r in self._delete_requests if not r.safe}
        if any(e.content == "pass" and (e.span.start, e.span.end) in left for e in edits):
            return _APPEND_LEFT  # a statement ``cmd.append(...)`` (see ``_AppendSyntax``)
        for e in edits:
            a, b = e.span.start, e.span.end
            for s, t, what in self._code_what:
                if s < b and a < t or s < a < t:
                    if what == "an f-string":
                        code = "an f-string of this command line, whose prefix and fields are Python code"
                    else:
                        src = " ".join(self.text[s:t].split())
                        src = src if len(src) <= 60 else src[:57] + "..."
                        code = f"`{src}`, Python code{' ' + what if what else ''}, not a string literal"
                    return f" (the change would rewrite or remove {code}: make it by hand)"
        return self.unwritable

    def _field_spans(self) -> list[tuple[int, int]]:
        """Where the file's f-strings write the code of their replacement fields (``{port+2}``: from its
        ``{`` to its ``}``), sorted and disjoint (a field inside another's is the outer one's)."""
        if self._fields is None:
            self._fields = []
            for at in sorted(self._field_code):
                a = self.text.rfind("{", 0, at)
                b = _field_end(self.text, at)
                if a < 0 or b is None:
                    continue
                if self._fields and a < self._fields[-1][1]:
                    self._fields[-1] = (self._fields[-1][0], max(b, self._fields[-1][1]))
                else:
                    self._fields.append((a, b))
        return self._fields

    def report_only(self) -> list[tuple[int, int, str]]:
        out = super().report_only()
        self.command_lines()
        out += [(a, b, " (a string formatted with positional placeholders: an option removed with its placeholder "
                       "would shift the values after it; edit it by hand, or name the placeholders)")
                for a, b in self._positional]
        out += self._refused_deletes()
        for cl in self.command_lines():
            if cl.report_only:
                words = [w for seg in cl.segments for w in seg.words]
                out.append((min(w.start for w in words), max(w.end for w in words),
                            " (a program named by one string, run without a shell: no argument can be added; "
                            "pass a list)"))
        return out

    def _refused_deletes(self) -> list[tuple[int, int, str]]:
        """Statements ``cmd.append("--x")`` an edit asked to delete that cannot go on their own (not
        alone on their line, or their block would be left empty): the findings there keep the
        statement, with what to do. An option and its value in neighbouring statements go together."""
        seen: dict[int, _AppendSyntax] = {}
        for r in self._delete_requests:
            seen.setdefault(id(r), r)
        requests = list(seen.values())
        at = {r.where: r for r in requests}
        out = []
        for r in requests:
            if r.safe:
                continue
            block, k = r.where
            a, b = r.span
            j = k - 1
            while (block, j) in at:
                a = min(a, at[(block, j)].span[0])
                j -= 1
            j = k + 1
            while (block, j) in at:
                b = max(b, at[(block, j)].span[1])
                j += 1
            out.append((a, b, _APPEND_LEFT))
        return out

    # --- regions --------------------------------------------------------------------------------
    def _string_regions(self) -> list[Region]:
        if self._regions is not None:
            return self._regions
        out: list[Region] = []
        cut = sorted((s.start, s.end) for s in self.excluded)
        for node in self._strings:
            if id(node) in self._routes:
                continue  # the program's own route (``@app.get("/api/health/ready")``): served, never asked
            # read again, not kept, unless a command already holds it (memory: a file may hold
            # millions of strings)
            lit = self._literals[id(node)] if id(node) in self._literals else self._read(node)
            if lit is None:
                continue
            shell = id(node) in self._shell_nodes or id(lit) in self._shell_nodes
            image = id(node) in self._image_nodes
            fields = {b: a for a, b in lit.fields}  # an f-string's replacement fields, by where they end
            added_to = self._concat_host.get(id(node))
            filled = self._filled_by(node, lit)
            for i, j in lit.runs():
                a = lit.offsets[i]
                k = fields.get(i)
                placeholder = filled.get(i) or self.text[lit.offsets[k]:a] if k is not None \
                    else added_to if i == 0 else None
                for x, y in _subtract(a, lit.offsets[j - 1] + 1, cut):
                    out.append(Region(lit.value[i + x - a:i + y - a], base=x, shell=shell, image_context=image,
                                      label="string", placeholder=placeholder if x == a else None))
            if id(node) in self._http_endpoints and out and out[-1].base == lit.offsets[0] \
                    and _V1_PATH_ALONE.match("/" + out[-1].text):
                # ``endpoint="api/health/ready"``: the path ``/api/health/ready`` of the connection's server; its
                # slash, not written, stands where the path starts (an edit keeps the style: ``endpoint_path``)
                r = out[-1]
                out[-1] = Region("/" + r.text, offsets=[r.base, *range(r.base, r.base + len(r.text))],
                                 label="endpoint")
        self._regions = out
        return out

    def _filled_by(self, node: ast.AST, lit: Literal) -> dict[int, str]:
        """A string formatted with % or .format(): the argument that fills each placeholder, as an
        f-string field would be written (``{TRITON_HOST}``), by where the placeholder ends in the value;
        only arguments that are names or fields (``"http://%s/api/status" % (TRITON_HOST,)``)."""
        given = self._format_args.get(id(node))
        if given is None:
            return {}
        args, keywords = given
        by_name = {kw.arg: kw.value for kw in keywords if kw.arg}
        out: dict[int, str] = {}
        auto = 0
        for a, b in lit.fields:
            written = self.text[lit.offsets[a]:lit.ends[b - 1]]
            arg = None
            if written.startswith("{"):
                name = re.split(r"[.\[!:]", written.strip("{}"), maxsplit=1)[0]
                if not name:
                    arg, auto = (args[auto] if auto < len(args) else None), auto + 1
                elif name.isdigit():
                    arg = args[int(name)] if int(name) < len(args) else None
                else:
                    arg = by_name.get(name)
            elif written.startswith("%") and not written.startswith("%("):
                arg, auto = (args[auto] if auto < len(args) else None), auto + 1
            if type(arg) in (ast.Name, ast.Attribute):
                x, y = self._span(arg)
                out[b] = "{" + self.text[x:y] + "}"
        return out

    def regions(self) -> list[Region]:
        out = self._string_regions()
        # code that calls the server by a URL to a host named for it (a locust user's ``host =
        # "http://triton:8000"``): its strings that are V1 paths alone are requests to that server (not
        # one added to a name or formatted after a field: its host is what that says, judged as a URL)
        calls = not self.triton and any(_SERVER_URL.search(r.text) for r in out if "//" in r.text)
        for r in out:
            r.triton = self.triton or calls and r.placeholder is None and _V1_PATH_ALONE.match(r.text) is not None
        return out

    def _has_strong_evidence(self) -> bool:
        if any(u.kind == "import" for u in self.client_uses()):
            return True
        if not evidence.strong(self.text.encode("utf-8", "surrogatepass")):
            return False
        text = "\n".join(r.text for r in self._string_regions())
        return evidence.strong(_NAMED_BINARY.sub("-", text).encode("utf-8", "surrogatepass"))

    # --- who reaches whom (the follow-through of a run) -----------------------------------------
    def topology(self) -> Topology:
        """As a script's (``docker run``, ``kubectl port-forward`` in its commands), and a Tiltfile's own:
        ``k8s_resource('triton', port_forwards=8000)`` forwards a host port to the workload of that name
        (``'9000:8000'``, ``port_forward(9000, 8000)``, a list of them; a resource renamed by ``new_name`` is
        still that workload under its new name), and ``http_get_action(port=8000,
        path='/api/health/ready')`` (a ``local_resource``'s readiness probe) asks ``localhost`` on that port."""
        out = super().topology()
        out.forwards += self._tilt[0]
        out.gets += self._tilt[1]
        return out

    # --- URLs built from the environment ------------------------------------------------------------
    def env_urls(self) -> list[EnvUrl]:
        """URLs whose host (or whole base) the program reads from its environment, with a V1 path written as
        itself: ``f"http://{HOST}:{PORT}/api/health/ready"``, ``"http://%s:%d%s" % (HOST, PORT, READY)``,
        ``BASE + "/api/health/live"`` - each name assigned once (``os.environ.get("X", default)``,
        ``os.getenv("X")``, ``os.environ["X"]``, maybe under ``int()``/``str()``; a string constant)."""
        return self._env_urls

    def _read_env_urls(self) -> list[EnvUrl]:
        if self.tree is None or "environ" not in self.text and "getenv" not in self.text:
            return []
        lefts: set[int] = set()
        candidates: list[ast.AST] = []
        for node in ast.walk(self.tree):
            t = type(node)
            if t is ast.BinOp and type(node.op) is ast.Add:  # type: ignore[attr-defined]
                lefts.add(id(node.left))  # type: ignore[attr-defined]
                candidates.append(node)
            elif t is ast.BinOp and id(node.left) in self._format_args or t is ast.JoinedStr \
                    or t is ast.Call and type(node.func) is ast.Attribute and id(node.func.value) in self._format_args:  # type: ignore[attr-defined]
                candidates.append(node)
        out: list[EnvUrl] = []
        for node in candidates:
            if id(node) in lefts:
                continue
            parts = self._url_parts(node, 0)
            if not any(p[0] == "env" for p in parts):
                continue
            text, offs, envs = "", [], []
            for p in parts:
                if p[0] == "text":
                    text += p[1]
                    offs += list(p[2])
                else:
                    marker = f"\x01{len(envs)}\x02" if p[0] == "env" else "\x03"
                    if p[0] == "env":
                        envs.append(p)
                    text += marker
                    offs += [None] * len(marker)
            m = _ENV_URL.match(text)
            if m is None or any(o is None for o in offs[m.start("path"):m.end("path")]):
                continue
            host = envs[int(m.group("host"))]
            port, port_var = m.group("port"), None
            if m.group("pvar") is not None:
                port, port_var = envs[int(m.group("pvar"))][2], envs[int(m.group("pvar"))][1]
            elif m.group("pother") is not None or port is None and m.group("colon"):
                port = None
            base = not m.group("colon") and not m.group("scheme")
            if not base and port is None and not m.group("colon"):
                port = "443" if m.group("scheme") == "https://" else "80"
            out.append(EnvUrl(host[1], port, port_var, m.group("path"), offs[m.start("path")], base))  # type: ignore[arg-type]
        return out

    def _url_parts(self, node: ast.AST, depth: int) -> list[tuple]:
        """``node`` as the parts of a string built at run time: ("text", value, document offsets), ("env",
        variable, default or None) for a value of the environment, ("other",) for anything else."""
        if depth > 4:
            return [("other",)]
        t = type(node)
        if t is ast.Constant and isinstance(node.value, str):  # type: ignore[attr-defined]
            lit = self.literal(node)
            return [("text", lit.value, lit.offsets)] if lit is not None and not lit.inexact else [("other",)]
        if t is ast.Constant and type(node.value) is int:  # type: ignore[attr-defined]
            return [("text", str(node.value), [None] * len(str(node.value)))]  # type: ignore[attr-defined]
        if t is ast.BinOp and type(node.op) is ast.Add:  # type: ignore[attr-defined]
            return self._url_parts(node.left, depth + 1) + self._url_parts(node.right, depth + 1)  # type: ignore[attr-defined]
        if t is ast.BinOp and id(node.left) in self._format_args:  # type: ignore[attr-defined]
            return self._formatted(node.left, depth)  # type: ignore[attr-defined]
        if t is ast.Call and type(node.func) is ast.Attribute and id(node.func.value) in self._format_args:  # type: ignore[attr-defined]
            return self._formatted(node.func.value, depth)  # type: ignore[attr-defined]
        if t is ast.JoinedStr:
            lit = self.literal(node)
            values = [v for v in node.values if type(v) is ast.FormattedValue]  # type: ignore[attr-defined]
            if lit is None or len(values) != len(lit.fields):
                return [("other",)]
            return self._filled(lit, [v.value for v in values], depth)  # type: ignore[attr-defined]
        if t is ast.Name:
            value, changes = self.value_of(node)  # type: ignore[arg-type]
            return self._url_parts(value, depth + 1) if value is not None and not changes else [("other",)]
        if t is ast.Call and type(node.func) is ast.Name and node.func.id in ("int", "str") \
                and len(node.args) == 1 and not node.keywords:  # type: ignore[attr-defined]
            return self._url_parts(node.args[0], depth + 1)  # type: ignore[attr-defined]
        env = self._environment_read(node)
        return [("env", *env)] if env is not None else [("other",)]

    def _environment_read(self, node: ast.AST) -> tuple[str, str | None] | None:
        """(variable, default) of ``os.environ.get("X", default)``, ``os.getenv("X")``, ``os.environ["X"]``."""
        if type(node) is ast.Call and self.qualname(node.func) in _ENV_GETTERS and node.args \
                and type(node.args[0]) is ast.Constant and isinstance(node.args[0].value, str):  # type: ignore[attr-defined]
            default = node.args[1] if len(node.args) > 1 else None  # type: ignore[attr-defined]
            if type(default) is ast.Constant and isinstance(default.value, (str, int)):
                return node.args[0].value, str(default.value)  # type: ignore[attr-defined]
            return node.args[0].value, None  # type: ignore[attr-defined]
        if type(node) is ast.Subscript and self.qualname(node.value) in ("os.environ", "environ") \
                and type(node.slice) is ast.Constant and isinstance(node.slice.value, str):  # type: ignore[attr-defined]
            return node.slice.value, None  # type: ignore[attr-defined]
        return None

    def _formatted(self, node: ast.AST, depth: int) -> list[tuple]:
        """A string constant formatted with % or .format() by positional arguments."""
        lit = self.literal(node)
        args, keywords = self._format_args[id(node)]
        if lit is None or keywords:
            return [("other",)]
        filled = with_placeholders(lit, self._formats.get(id(node), PERCENT))
        if any(self.text[filled.offsets[a]:filled.offsets[a] + 2] == "%(" for a, _b in filled.fields):
            return [("other",)]
        return self._filled(filled, list(args[:len(filled.fields)]) + [None] * (len(filled.fields) - len(args)), depth)

    def _filled(self, lit: Literal, values: list, depth: int) -> list[tuple]:
        """The parts of ``lit`` with its fields filled by ``values`` (in order)."""
        out: list[tuple] = []

        def text(i: int, j: int) -> None:  # the characters written as themselves (not a field's wrapping)
            keep = [k for k in range(i, j) if k not in lit.inexact]
            if keep:
                out.append(("text", "".join(lit.value[k] for k in keep), [lit.offsets[k] for k in keep]))

        i = 0
        for (a, b), v in zip(lit.fields, values):
            text(i, a)
            out += self._url_parts(v, depth + 1) if v is not None else [("other",)]
            i = b
        text(i, len(lit.value))
        return out

    def _tilt_sites(self) -> tuple[list[ForwardSite], list[GetSite]]:
        forwards: list[ForwardSite] = []
        gets: list[GetSite] = []
        renamed = self._tilt_renames()
        for call in self._calls:
            name = (self.qualname(call.func) or "").rsplit(".", 1)[-1]
            kw = {k.arg: k.value for k in call.keywords if k.arg}
            if name == "k8s_resource":
                workload = self._plain(call.args[0] if call.args else kw.get("workload"))
                seen: set[str] = set()
                while workload in renamed and workload not in seen:  # a resource renamed by ``new_name``
                    seen.add(workload)
                    workload = renamed[workload]
                fwd = kw.get("port_forwards")
                items = fwd.elts if isinstance(fwd, (ast.List, ast.Tuple)) else [fwd] if fwd is not None else []
                ports = [p for p in (self._tilt_forward(it) for it in items) if p is not None]
                if workload and ports:
                    forwards.append(ForwardSite("", workload, None, ports))
            elif name == "http_get_action":
                port, path = self._plain(kw.get("port")), kw.get("path")
                lit = self.literal(path) if isinstance(path, ast.Constant) else None
                if port and port.isdigit() and lit is not None and not lit.dynamic and not lit.is_bytes and lit.value:
                    host = self._plain(kw.get("host")) or "localhost"
                    gets.append(GetSite(host, port, Region(lit.value, offsets=list(lit.offsets), label="path")))
        return forwards, gets

    def _tilt_renames(self) -> dict[str, str]:
        """A Tiltfile's resources renamed by ``k8s_resource('triton', new_name='inference')`` (or ``workload=``):
        new name -> the name it replaced (the later calls configure the resource by its new name)."""
        out: dict[str, str] = {}
        for call in self._calls:
            if (self.qualname(call.func) or "").rsplit(".", 1)[-1] != "k8s_resource":
                continue
            kw = {k.arg: k.value for k in call.keywords if k.arg}
            old = self._plain(call.args[0] if call.args else kw.get("workload"))
            new = self._plain(call.args[1] if len(call.args) > 1 else kw.get("new_name"))
            if old and new and new != old:
                out.setdefault(new, old)
        return out

    def _plain(self, node: ast.AST | None) -> str | None:
        """A constant's value as text (a string or a whole number), or None."""
        node = self._resolved(node) if node is not None else None
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)) and not isinstance(node.value, bool):
            return str(node.value)
        return None

    def _tilt_forward(self, node: ast.AST) -> tuple[str, str] | None:
        """(host port, container port) of one of a Tilt resource's ``port_forwards``."""
        if isinstance(node, ast.Call) and (self.qualname(node.func) or "").rsplit(".", 1)[-1] == "port_forward":
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            local = self._plain(node.args[0] if node.args else kw.get("local_port"))
            remote = self._plain(node.args[1] if len(node.args) > 1 else kw.get("container_port")) or local
            return (local, remote) if local and remote and local.isdigit() and remote.isdigit() else None
        value = self._plain(node)
        m = re.fullmatch(r"(\d{1,5})(?::(\d{1,5}))?", value or "")
        return (m.group(1), m.group(2) or m.group(1)) if m else None

    # --- requirements ---------------------------------------------------------------------------
    def requirements(self) -> list[Requirement]:
        if self._requirements is None:
            self._requirements = self._read_requirements()
        return self._requirements

    def _read_requirements(self) -> list[Requirement]:
        if os.path.basename(self.path.replace("\\", "/")) != "setup.py":
            return []
        out: list[Requirement] = []
        for call in self._calls:
            name = self.qualname(call.func) or ""
            if name.rsplit(".", 1)[-1] != "setup":
                continue
            for k in call.keywords:
                if k.arg == "install_requires":
                    out += self._requirement_items(k.value)
                elif k.arg == "extras_require":
                    value = self._resolved(k.value)
                    if isinstance(value, ast.Dict):
                        for v in value.values:
                            out += self._requirement_items(v)
        return out

    def _requirement_items(self, node: ast.AST, depth: int = 0) -> list[Requirement]:
        """The requirements a value of ``install_requires`` holds: the items of a list, of a sum of lists
        (``reqs + [...]``), and of a list a name holds with what ``.append``/``.extend``/``+=`` add to it; an
        f-string's value is a requirement known in part (reported, not rewritten)."""
        if depth > 8:
            return []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._requirement_items(node.left, depth + 1) + self._requirement_items(node.right, depth + 1)
        items: list[ast.AST] = []
        if isinstance(node, ast.Name):
            value, changes = self.value_of(node)
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("list", "tuple") \
                    and not value.args and not value.keywords:
                value = ast.List(elts=[])  # ``reqs = list()``: an empty list, filled by what is added to it
            if value is not None and isinstance(value, (ast.List, ast.Tuple)):
                out = self._requirement_items(value, depth + 1)
                for ch in changes:
                    f = ch.func if isinstance(ch, ast.Call) else None
                    method = f.attr if isinstance(f, ast.Attribute) else ""
                    if isinstance(ch, ast.AugAssign):
                        out += self._requirement_items(ch.value, depth + 1)
                    elif method in ("append", "insert") and ch.args:  # type: ignore[attr-defined]
                        out += self._requirement_items(ast.List(elts=[ch.args[-1]]), depth + 1)  # type: ignore[attr-defined]
                    elif method == "extend" and len(ch.args) == 1:  # type: ignore[attr-defined]
                        out += self._requirement_items(ch.args[0], depth + 1)  # type: ignore[attr-defined]
                return out
        node = self._resolved(node)
        items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
        out = []
        for item in items:
            lit = self.literal(item) if isinstance(item, (ast.Constant, ast.JoinedStr)) else None
            if lit is None or lit.is_bytes or "\n" in lit.value:
                continue
            m = _REQUIREMENT_NAME.match(lit.value)
            if not m:
                continue
            piece = lit.pieces[0]
            if lit.exact and len(lit.pieces) == 1:
                span = Span(piece.body_start, piece.body_end)
            else:
                span = Span(lit.start, lit.end)
            out.append(Requirement(m.group(1), lit.value, span, None if lit.dynamic else _replacer(lit, span)))
        return out

    # --- V1 client code -------------------------------------------------------------------------
    def client_uses(self) -> list[ClientUse]:
        if self._uses is None:
            if self.tree is None:
                self._uses = []
            else:
                reader = _ClientReader(self)
                self._uses = reader.read()
                if self._uses:
                    from .pyclient import read_program

                    self._program = read_program(self, reader)
        return self._uses

    def client_program(self) -> ClientProgram | None:
        self.client_uses()
        return self._program

    # --- structure ----------------------------------------------------------------------------
    def same_structure(self, new: "PythonDoc") -> str | None:
        if self._digest != new._digest:
            return "the Python code changed outside its string literals"
        # the statements that add one string to a list: the old file's, less the ones deleted
        old = iter(self._droppables)
        if not all(any(k == o for o in old) for k in new._droppables):
            return "the Python code changed outside its string literals (a statement that adds to a list)"
        return None

    def same_structure_outside(self, new: "PythonDoc", edits: list[Edit]) -> str | None:
        """After client code was rewritten (``edits``): every statement that no edit touches is still
        there, where the edits moved it, and parses to the same tree."""
        spans = sorted((e.span for e in edits), key=lambda s: (s.start, s.end))
        old = _statements(self.text)
        fresh = {a: dump for a, _, dump, _ in _statements(new.text, flat=True)}

        def moved(a: int) -> int:
            return a + sum(len(e.content) - (e.span.end - e.span.start) for e in edits if e.span.end <= a)

        todo = list(old)
        while todo:
            a, b, dump, children = todo.pop()
            if any(Span(a, b).overlaps(s) or (s.start < b and a < s.end) for s in spans):
                todo.extend(children)
                continue
            if fresh.get(moved(a)) != dump:
                line = self.position(a)[0]
                return f"the Python code changed outside the rewritten client code (line {line})"
        return None

    #: how a held image's message names the unit ``same_object`` finds
    same_object_name = "the same object"

    def same_object(self, a: int, b: int) -> bool:
        """The code at ``a`` and at ``b`` builds one object: both stand in one statement (a dict display, a
        call), or in statements that assign to the same name or to its items (``spec = {...}``,
        ``spec["image"] = ...``, ``spec["args"] = ...``)."""
        sa, sb = self.construct_start(a), self.construct_start(b)
        if sa is None or sb is None:
            return False
        if sa == sb:
            return True
        ma, mb = _ASSIGNED_NAME.match(self.text, sa), _ASSIGNED_NAME.match(self.text, sb)
        return ma is not None and mb is not None and ma.group(1) == mb.group(1)

    def construct_start(self, offset: int) -> int | None:
        """The start of the innermost statement holding ``offset`` (suppression comments go above it)."""
        best = None
        for a, b in self._statement_spans:
            if a > offset:
                break
            if a <= offset < max(b, a + 1):
                best = a
        return best


#: what code removed whole may be: names, their attributes and items, constants, operators, calls of these
#: conversions and a string's ``format`` (``str(port)``, ``f"{port + 2}"``): nothing that acts when it is evaluated
_PURE_NODES = (ast.Expression, ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.BinOp, ast.UnaryOp,
               ast.JoinedStr, ast.FormattedValue, ast.Slice, ast.expr_context, ast.operator, ast.unaryop)
_PURE_CALLS = frozenset({"str", "int", "float", "repr", "format"})


def _pure(code: str) -> bool:
    """``code`` (a Python expression) only computes a value (``pure_node``)."""
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return False
    return pure_node(tree)


def pure_node(tree: ast.AST) -> bool:
    """The expression ``tree`` only computes a value: ``_PURE_NODES``, and calls of ``_PURE_CALLS`` (code
    that the reader may remove whole from a command list or an f-string, and the digest leaves out)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if not (isinstance(f, ast.Name) and f.id in _PURE_CALLS and not node.keywords
                    or isinstance(f, ast.Attribute) and f.attr == "format" and isinstance(f.value, ast.Constant)
                    and isinstance(f.value.value, str)):  # "--http-health-port={}".format(port)
                return False
        elif not isinstance(node, _PURE_NODES):
            return False
    return True


def _pure_field(field: str) -> bool:
    """An f-string's replacement field (``{port}``, ``{port!s:>5}``, from its ``{`` to its ``}``) whose code is
    ``_pure`` (its conversion and format spec are text)."""
    body = field[1:-1] if field.startswith("{") and field.endswith("}") else field
    m = re.match(r"(?s)(.*?)(?:![rsa])?(?::[^{}]*)?$", body)
    code = m.group(1) if m else body
    return "{" not in body and _pure(code.rstrip("= "))


#: an option whose one value a ``%`` or a ``str.format`` writes at the end of its string: the option as written
#: (a placeholder may read as an expansion: ``${%d}``; ``{}`` of a string that ``format`` is called on as ``${_}``)
_PERCENT_TAIL = re.compile(r"^(--[A-Za-z][\w-]*=)(?:%[sdir]|\$\{%[sdir]\})$")
_FORMAT_TAIL = re.compile(r"^(--[A-Za-z][\w-]*=)(?:\{0?(?:![rsa])?(?::[^{}]*)?\}|\$\{_\})$")

#: a statement that assigns to a name or to an item of it: the name
_ASSIGNED_NAME = re.compile(r"([A-Za-z_][\w.]*)[ \t]*(?:\[|(?::[^=\n]*)?=(?!=))")

#: the callables that take a command's words one an argument (the last attribute of their name): a
#: call of a call is ``sh.Command(program)(arg, ...)``
_WORD_CALLS = frozenset({"create_subprocess_exec", *(n.rsplit(".", 1)[-1] for n in ("os.execl", "os.execle", "os.execlp",
                         "os.execlpe", "os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnlpe"))})


def _takes_words(func: ast.AST) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr in _WORD_CALLS
    if isinstance(func, ast.Name):
        return func.id in _WORD_CALLS
    return isinstance(func, ast.Call)


_LIST_ADDS = frozenset({"append", "insert"})
#: what may follow a statement deleted with its line: blanks, a comment, the line break
_REST_OF_LINE = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r|\Z)")


def _display(node: ast.AST) -> bool:
    """A list or tuple display without ``*`` items: one word per item."""
    return isinstance(node, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in node.elts)


#: a URL built from values of the environment (``\x01k\x02``: the k-th such value, ``\x03``: another value)
_ENV_URL = re.compile(r"(?P<scheme>https?://)?\x01(?P<host>\d+)\x02(?:(?P<colon>:)(?:(?P<port>\d{1,5})"
                      r"|\x01(?P<pvar>\d+)\x02|(?P<pother>\x03)))?(?P<path>/api/[\w/.-]*)")


#: what a finding that would delete a statement ``cmd.append(...)`` it must leave says
_APPEND_LEFT = (" (it is written in a statement that adds it to the list, which cannot be deleted on its own here: it "
                "shares its line, its block would be left empty, or it adds no string literal; remove it by hand, "
                "with the block if nothing else is left)")


class _AppendSyntax(PyListSyntax):
    """The one item of ``cmd.append("--x")`` (or ``cmd.insert(N, "--x")``): an option the migration
    adds never goes there (it may stand in a branch a run does not take), and deleting the item
    deletes the statement with its line - only when it stands alone on its line(s) and its block
    keeps another statement. Otherwise the statement is left as it is, and the finding that would
    delete it is reported with what to do (``PythonDoc.report_only``), as pyupgrade bails when unsure."""

    holds_insertions = False

    def __init__(self, items, span: tuple[int, int], safe: bool, where: tuple[int, int],
                 requests: list) -> None:
        super().__init__(items)
        self.span = span  #: the statement with its line (safe), or the statement alone
        self.safe = safe
        self.where = where  #: (its block, its index there)
        self.requests = requests

    def delete_word(self, text: str, word: Word) -> Edit | None:
        self.requests.append(self)
        if self.safe:
            return Edit.delete(*self.span)
        # never applied (the finding is reported, see ``PythonDoc.report_only``): what the
        # suggestion shows
        return Edit(Span(*self.span), "pass")


def _droppable(x: ast.AST) -> bool:
    """``NAME.append("...")`` or ``NAME.insert(N, "...")`` standing as a statement: the one kind of
    statement a migration may delete (an option written there that V2 no longer has)."""
    if type(x) is not ast.Expr:
        return False
    c = x.value  # type: ignore[attr-defined]
    if type(c) is not ast.Call or c.keywords:
        return False
    f = c.func
    if type(f) is not ast.Attribute or type(f.value) is not ast.Name or f.attr not in _LIST_ADDS:
        return False
    a = c.args
    if f.attr == "append":
        ok = len(a) == 1
    else:
        ok = len(a) == 2 and type(a[0]) is ast.Constant and type(a[0].value) is int
    return ok and type(a[-1]) is ast.Constant and isinstance(a[-1].value, str)


def _droppables_of(block: list) -> list[tuple[int, ast.stmt]]:
    return [(k, x) for k, x in enumerate(block) if type(x) is ast.Expr and _droppable(x)]


def _droppable_key(x: ast.Expr) -> tuple:
    """What a droppable statement is, but for the string it adds: the list's name, the method, and
    where ``insert`` puts it."""
    c = x.value
    f = c.func  # type: ignore[attr-defined]
    return (f.value.id, f.attr) + ((c.args[0].value,) if f.attr == "insert" else ())  # type: ignore[attr-defined]


def _statements(text: str, flat: bool = False) -> list:
    """The statements of ``text`` (already known to parse) as (start, end, tree dump, children): the
    top-level ones with their nested statements as children, or (``flat``) every statement."""
    base = 1 if text.startswith("\ufeff") else 0
    pos = _Positions(text[base:], base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text[base:])

    def span(n: ast.AST) -> tuple[int, int]:
        a = pos.offset(n.lineno, n.col_offset)  # type: ignore[attr-defined]
        return a, max(a, pos.offset(n.end_lineno or n.lineno, n.end_col_offset or 0))  # type: ignore[attr-defined]

    def inner(n: ast.AST) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for child in ast.iter_child_nodes(n):
            if isinstance(child, ast.stmt):
                out.append(child)
            elif isinstance(child, (ast.excepthandler, ast.match_case)):
                out.extend(inner(child))
        return out

    def one(n: ast.stmt) -> tuple:
        a, b = span(n)
        return a, b, ast.dump(n), [one(c) for c in inner(n)]

    if flat:
        return [(span(n) + (ast.dump(n), [])) for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    return [one(n) for n in tree.body]


def _parenthesized(text: str, a: int, b: int) -> tuple[int, int]:
    """``text[a:b]`` with the pairs of parentheses written right around it."""
    while True:
        i = a - 1
        while i >= 0 and text[i] in " \t\r\n\f":
            i -= 1
        j = b
        while j < len(text):
            if text[j] in " \t\r\n\f":
                j += 1
            elif text[j] == "#":
                while j < len(text) and text[j] not in "\r\n":
                    j += 1
            elif text.startswith("\\\n", j) or text.startswith("\\\r", j):
                j += 2
            else:
                break
        if i < 0 or j >= len(text) or text[i] != "(" or text[j] != ")":
            return a, b
        a, b = i, j + 1


def _replacer(lit: Literal, span: Span):
    def replace(requirement: str) -> Edit:
        if span.end - span.start != lit.end - lit.start:
            raw = escape_in(requirement, lit.pieces[0])
            if raw is not None:
                return Edit(span, raw)
        return Edit(Span(lit.start, lit.end), py_literal(requirement, lit.quote))
    return replace


def _subtract(a: int, b: int, cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[a, b)`` less the spans of ``cut`` (sorted)."""
    out = []
    k = bisect.bisect_left(cut, (a, a)) - 1
    k = max(k, 0)
    pos = a
    while k < len(cut) and cut[k][0] < b:
        x, y = cut[k]
        if y > pos and x < b:
            if x > pos:
                out.append((pos, x))
            pos = max(pos, y)
        k += 1
    if pos < b:
        out.append((pos, b))
    return out


def _is_str_constant(n: ast.AST) -> bool:
    return isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes))


class _ClientReader:
    """Uses of the V1 client library in one file."""

    def __init__(self, doc: PythonDoc) -> None:
        self.doc = doc
        self.names: dict[str, tuple[str, str]] = {}  #: local name -> (V1 module, name inside it; "" a module)
        self.instances: dict[tuple[int, str], str | None] = {}  #: (scope, ``x`` or ``self.x``) -> V1 class
        self.out: list[ClientUse] = []
        self.calls: list[tuple[ClientUse, ast.Call]] = []  #: each call of the API with its node
        #: ``x = V1Class(...)``: (scope, x) -> (V1 class, the call node)
        self.constructors: dict[tuple[int, str], tuple[str, ast.Call]] = {}

    def read(self) -> list[ClientUse]:
        doc = self.doc
        assert doc.tree is not None
        for node in doc._imports:
            if isinstance(node, ast.Import):
                self._import(node)
            elif isinstance(node, ast.ImportFrom):
                self._import_from(node)
        if not self.names:
            return self.out
        nodes = list(ast.walk(doc.tree))
        for node in nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                self._instance(node)
            elif isinstance(node, ast.ExceptHandler) and node.name and node.type is not None:
                r = self.resolve(node.type)
                if r == ("tensorrtserver.api", "InferenceServerException"):
                    self._keep(doc._scope_of(node), node.name, "InferenceServerException")
        for node in nodes:
            if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
                parent = doc._parent.get(id(node))
                if isinstance(parent, ast.Attribute) and parent.value is node:
                    continue  # part of a longer chain: read there
                self._use(node, parent)
        self.out.sort(key=lambda u: (u.span.start, u.span.end))
        return self.out

    def _add(self, module: str, name: str, span: Span, kind: str) -> None:
        self.out.append(ClientUse(module, name, span, kind, self.doc.text[span.start:span.end]))

    def _import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.name != _V1_ROOT and not a.name.startswith(_V1_ROOT + "."):
                continue
            self._add(a.name, "", Span(*self.doc._span(a)), "import")
            if a.asname:
                self.names[a.asname] = (a.name, "")
            else:
                self.names[_V1_ROOT] = (_V1_ROOT, "")

    def _import_from(self, node: ast.ImportFrom) -> None:
        mod = node.module or ""
        if node.level or (mod != _V1_ROOT and not mod.startswith(_V1_ROOT + ".")):
            return
        for k, a in enumerate(node.names):
            span = Span(*self.doc._span(a))
            if k == 0 and a.lineno != node.lineno:
                # ``from tensorrtserver.api import (`` with the names on the lines below: the first one's
                # finding starts at the statement, where the V1 module is written
                span = Span(self.doc._span(node)[0], span.end)
            if a.name == "*":
                self._add(mod, "*", span, "import")
                if mod == "tensorrtserver.api":
                    for n in facts.V1_CLIENT_API:
                        self.names.setdefault(n, (mod, n))
                continue
            sub = f"{mod}.{a.name}"
            if sub in facts.V1_CLIENT_MODULES:
                self._add(sub, "", span, "import")
                self.names[a.asname or a.name] = (sub, "")
            else:
                self._add(mod, a.name, span, "import")
                self.names[a.asname or a.name] = (mod, a.name)

    def _instance(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        cls = None
        if isinstance(value, ast.Call):
            r = self.resolve(value.func)
            if r is not None and r[0] == "tensorrtserver.api" and r[1] in facts.V1_CLIENT_CLASSES:
                cls = r[1]
        scope = self.doc._scope_of(node)
        for t in targets:
            key = self._target(t, scope)
            if key is not None:
                self._keep(key[0], key[1], cls)
                if cls is not None and isinstance(t, ast.Name) and len(targets) == 1:
                    self.constructors[(id(key[0]), key[1])] = (cls, value)  # type: ignore[assignment]

    def _target(self, t: ast.AST, scope: ast.AST) -> tuple[ast.AST, str] | None:
        if isinstance(t, ast.Name):
            return scope, t.id
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
            owner = self._class_of(scope)
            return (owner, f"self.{t.attr}") if owner is not None else None
        return None

    def _class_of(self, scope: ast.AST) -> ast.AST | None:
        s: ast.AST | None = scope
        while s is not None and not isinstance(s, ast.ClassDef):
            if isinstance(s, ast.Module):
                return None
            s = self.doc._scope_of(s)
        return s

    def _keep(self, scope: ast.AST, key: str, cls: str | None) -> None:
        k = (id(scope), key)
        if k in self.instances and self.instances[k] != cls:
            self.instances[k] = None  # bound to different things: unknown
        else:
            self.instances[k] = cls

    def _instance_of(self, node: ast.AST, key: str) -> str | None:
        if key.startswith("self."):
            owner = self._class_of(self.doc._scope_of(node))
            return self.instances.get((id(owner), key)) if owner is not None else None
        for s in self.doc._scopes_of(node):
            if (id(s), key) in self.instances:
                return self.instances[(id(s), key)]
            if (id(s), key) in self.doc._assigned:
                return None
        return None

    def resolve(self, node: ast.AST) -> tuple[str, str] | None:
        """(V1 module, name inside it) of a name, attribute chain or call result."""
        attrs: list[str] = []
        n = node
        while isinstance(n, ast.Attribute):
            attrs.append(n.attr)
            n = n.value
        attrs.reverse()
        base: tuple[str, str] | None = None
        if isinstance(n, ast.Name):
            if n.id == "self" and attrs:
                cls = self._instance_of(node, f"self.{attrs[0]}")
                if cls is not None:
                    base, attrs = ("tensorrtserver.api", cls), attrs[1:]
            else:
                base = self.names.get(n.id)
                if base is None and attrs:  # an object alone (``f(ctx)``) is no use of the API
                    cls = self._instance_of(node, n.id)
                    if cls is not None:
                        base = ("tensorrtserver.api", cls)
        elif isinstance(n, ast.Call) and attrs:
            r = self.resolve(n.func)
            if r is not None and r[0] == "tensorrtserver.api" and r[1] in facts.V1_CLIENT_CLASSES:
                base = r
        if base is None:
            return None
        module, name = base
        for a in attrs:
            if not name and f"{module}.{a}" in facts.V1_CLIENT_MODULES:
                module = f"{module}.{a}"
            else:
                name = f"{name}.{a}" if name else a
        return module, name

    def _use(self, node: ast.AST, parent: ast.AST | None) -> None:
        r = self.resolve(node)
        if r is None or not r[1]:
            return
        a, b = self.doc._span(node)
        if isinstance(node, ast.Attribute) and not isinstance(node.value, (ast.Name, ast.Attribute)):
            a = b - len(node.attr)  # ``ServerHealthContext(url).is_ready``: the method's name
        kind = "call" if isinstance(parent, ast.Call) and parent.func is node else \
            "attribute" if isinstance(node, ast.Attribute) else "name"
        self._add(r[0], r[1], Span(a, b), kind)
        if kind == "call":
            self.calls.append((self.out[-1], parent))  # type: ignore[arg-type]
