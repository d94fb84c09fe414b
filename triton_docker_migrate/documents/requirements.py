"""Python dependency lists -> Document: each requirement is a ``Requirement`` site with its exact
span and a replacer that writes another requirement in the file's own syntax.

- ``requirements*.txt`` / ``constraints*.txt``: read as pip reads them (``pip/_internal/req/
  req_file.py``): lines split like ``str.splitlines``; a line ending in ``\\`` joined with the next
  one (the backslashes at its ends dropped, a comment line ends the join); a comment from a ``#``
  at the start or after white space to the end; the requirement is the text before the first
  space-separated token that starts with ``-`` (``--hash=...`` and the other per-requirement
  options follow it); a line that starts with an option is an option line (``-r``, ``-c``,
  ``--index-url`` ...), of which ``-e``/``--editable`` names a requirement.
- ``pyproject.toml``: ``[project] dependencies`` and ``optional-dependencies``, ``[dependency-groups]``,
  Poetry's ``[tool.poetry.dependencies]``, ``dev-dependencies`` and ``group.*.dependencies``. The
  structure is ``tomllib``'s; where each string stands comes from ``syntax/tomlspans.py``, and the
  two must agree or nothing is edited. A Poetry requirement written as a version string is replaced by
  a Poetry entry (``name = {version = "...", extras = [...]}``); one written as a table is reported only.
- ``setup.cfg``: ``[options] install_requires`` (``setup_requires``, ``tests_require``) and each key
  of ``[options.extras_require]``, read as setuptools reads them (configparser; one requirement a
  line, or ``;``-separated on one line; ``#`` comment lines and `` #`` comments dropped).
- ``environment*.yml`` (conda): the items of the ``pip:`` list of ``dependencies``, each read as one
  line of a requirements file (the project's YAML reader gives each item's characters).
"""

from __future__ import annotations

import re
import shlex
from array import array
from typing import Callable, Sequence

from ..model import Edit, ProcessingError, Span
from ..syntax import yamlsrc as Y
from ..syntax.inifile import configparser_entries
from ..syntax.tomlspans import (MAX_NESTING, TArray, TomlError, TString, TTable, nesting_depth, scan,
                                string_like)
from ..syntax.yamlquote import is_plain_safe, render
from .base import Document
from .sites import Region, Requirement

_COMMENT_LINE = re.compile(r"(^|\s+)#.*$")  # pip's COMMENT_RE (matched at a line's start)
_COMMENT = re.compile(r"(^|\s+)#")  # where pip's COMMENT_RE.sub starts cutting
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_URLISH = re.compile(r"^(?:[A-Za-z][\w+.-]*://|\.{0,2}/|~|[A-Za-z]:[\\/])"
                     r"|\.(?:whl|zip|tar\.gz|tgz|tar\.bz2|tar)(?:#|$)")
_ARCHIVE_NAME = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._]*?)-(?P<version>\d[^-]*?)(?:-[^/]*)?"
                           r"\.(?:whl|zip|tar\.gz|tgz|tar\.bz2)$")
_EGG = re.compile(r"#(?:.*&)?egg=(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)")
_POETRY_STRING = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?\s*(?P<spec>[^;]*?)"
                            r"\s*(?:;\s*(?P<marker>.+))?$")
_YAML_EXT = (".yml", ".yaml")
_EDITABLE = re.compile(r"(?<!\S)(?:-e|--editable)(?:[ \t]*=[ \t]*|[ \t]+|(?=[^\s=]))"
                       r"(?P<value>(?:\"[^\"]*\"|'[^']*'|[^\s\"'])+)")
#: Poetry's dependency tables: a requirement there is a key
_POETRY_TABLES = (("tool", "poetry", "dependencies"), ("tool", "poetry", "dev-dependencies"),
                  ("tool", "poetry", "group", "*", "dependencies"))


def requirement_name(text: str) -> str:
    """The distribution a requirement names: its PEP 508 name, or for a URL or path the ``#egg=``
    fragment or the name in an archive's file name ("" when it cannot be told)."""
    text = text.strip()
    if _URLISH.search(text.split(";", 1)[0].split(" @ ", 1)[0]) and " @ " not in text.split(";", 1)[0]:
        m = _EGG.search(text)
        if m:
            return m.group("name")
        path = text.split("#", 1)[0].split("?", 1)[0].split(";", 1)[0].rstrip()
        base = path.rstrip("/").rsplit("/", 1)[-1]
        m = _ARCHIVE_NAME.match(base)
        return m.group("name") if m else ""
    m = _NAME.match(text)
    return m.group() if m else ""


# --- requirements files ---------------------------------------------------------------------------

class _Line:
    """A logical line of a requirements file: its pieces, each with the document offset of its first
    character (the characters of a piece follow each other in the document)."""

    def __init__(self) -> None:
        self.pieces: list[tuple[str, int]] = []

    def add(self, text: str, a: int, b: int) -> None:
        self.pieces.append((text[a:b], a))

    @property
    def text(self) -> str:
        return "".join(p for p, _ in self.pieces)

    @property
    def offs(self) -> range | array:
        """The document offset of each character: a range for a line of one piece, whatever its length
        (machine integers otherwise: a list of Python ints took 36 bytes per character)."""
        if len(self.pieces) == 1:
            p, a = self.pieces[0]
            return range(a, a + len(p))
        out = array("q")
        for p, a in self.pieces:
            out.extend(range(a, a + len(p)))
        return out


def _physical_lines(text: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of each line as ``str.splitlines`` splits (``end`` before the line break)."""
    out = []
    pos = start
    for line in text[start:].splitlines(keepends=True):
        content = line.splitlines()[0] if line.splitlines() else ""
        out.append((pos, pos + len(content)))
        pos += len(line)
    return out


def logical_lines(text: str, start: int = 0) -> list[_Line]:
    """pip's ``join_lines``: each logical line with its offsets."""
    out: list[_Line] = []
    cur: _Line | None = None
    for a, b in _physical_lines(text, start):
        line = text[a:b]
        if not line.endswith("\\") or _COMMENT_LINE.match(line):
            piece = _Line()
            if _COMMENT_LINE.match(line):
                piece.pieces.append((" ", a))
            piece.add(text, a, b)
            if cur is not None:
                cur.pieces += piece.pieces
                out.append(cur)
                cur = None
            else:
                out.append(piece)
        else:
            if cur is None:
                cur = _Line()
            la, lb = a, b
            while la < lb and text[la] == "\\":
                la += 1
            while lb > la and text[lb - 1] == "\\":
                lb -= 1
            cur.add(text, la, lb)
    if cur is not None:
        out.append(cur)
    return out


class PipLine:
    """One logical line after pip's comment removal: the requirement it names, if any."""

    def __init__(self, text: str, offs: Sequence[int]) -> None:
        m = _COMMENT.search(text)
        self.comment: Span | None = None
        if m:
            hash_at = m.end() - 1
            self.comment = Span(offs[hash_at], offs[-1] + 1)
            text = text[:m.start()]
        a, b = 0, len(text)
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        self.text, self.offs = text[a:b], offs[a:b]
        self.requirement: tuple[int, int] | None = None  #: (i, j) of the requirement in ``text``
        self.options = ""
        self.editable = False
        tokens = self.text.split(" ")
        k = 0
        pos = 0
        for tok in tokens:
            if tok.startswith("-"):
                break
            pos += len(tok) + 1
            k += 1
        args = " ".join(tokens[:k])
        self.options = " ".join(tokens[k:])
        if args.strip():
            end = len(args.rstrip())
            self.requirement = (0, end)
        else:
            # pip reads an option line with optparse over shlex.split: -e takes the next token
            m = _EDITABLE.search(self.text)
            if m:
                self.editable = True
                self.requirement = (m.start(), m.end())
                try:
                    self.editable_value = shlex.split(m.group("value"))[0]
                except (ValueError, IndexError):
                    self.editable_value = m.group("value")

    @property
    def hashed(self) -> bool:
        """``--hash`` options follow the requirement (pip reads none for an editable)."""
        return not self.editable and bool(re.search(r"(?:^|\s)--hash\b", self.options))

    def span(self, i: int, j: int) -> Span:
        return Span(self.offs[i], self.offs[j - 1] + 1)


def read_pip_lines(text: str, start: int = 0) -> list[PipLine]:
    return [PipLine(line.text, line.offs) for line in logical_lines(text, start)]


# --- the document --------------------------------------------------------------------------------

class RequirementsDoc(Document):
    kind = "requirements"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
        self.flavour = ("pyproject" if name == "pyproject.toml" else "setup.cfg" if name == "setup.cfg"
                        else "conda" if name.endswith(_YAML_EXT) else "pip")
        self._requirements: list[Requirement] = []
        self._regions: list[Region] = []
        self._lists: list[tuple[str, int]] = []  #: (where, how many requirements): for same_structure
        self._shape: object = None
        getattr(self, "_read_" + self.flavour.replace(".", "_"))()

    # --- requirements files -----------------------------------------------------------------
    def _read_pip(self) -> None:
        start = 1 if self.text.startswith("\ufeff") else 0
        count = 0
        for pl in read_pip_lines(self.text, start):
            if pl.text:
                self._regions.append(Region(pl.text, offsets=pl.offs, label="line"))
            if pl.requirement is None:
                continue
            count += 1
            i, j = pl.requirement
            req = pl.text[i:j]
            span = pl.span(i, j)
            value = pl.editable_value if pl.editable else req
            self._requirements.append(Requirement(
                requirement_name(value), req, span, _replace_at(span), hashed=pl.hashed, editable=pl.editable))
        self._lists.append(("the file", count))

    # --- conda ------------------------------------------------------------------------------
    def _read_conda(self) -> None:
        src = Y.load(self.text)
        self._src = src
        for node, sc, _ in Y.string_values(src):
            self._regions.append(Region(sc.value, offsets=sc.offsets, label="value"))
        for d, root in enumerate(src.docs):
            deps = Y.get(root, "dependencies")
            if not isinstance(deps, Y.SequenceNode):
                continue
            for item in deps.value:
                pip = Y.get(item, "pip") if isinstance(item, Y.MappingNode) else None
                if not isinstance(pip, Y.SequenceNode):
                    continue
                count = 0
                for entry in pip.value:
                    if not isinstance(entry, Y.ScalarNode):
                        continue
                    sc = src.scalar(entry)
                    if not sc.is_str or sc.offsets is None:
                        if sc.offsets is None:
                            Y.refuse_unmapped(src, sc)
                        continue
                    pl = PipLine(sc.value, list(sc.offsets))
                    if pl.requirement is None:
                        continue
                    count += 1
                    i, j = pl.requirement
                    value = pl.editable_value if pl.editable else pl.text[i:j]
                    whole = pl.text[i:j] == sc.value
                    self._requirements.append(Requirement(
                        requirement_name(value), pl.text[i:j], pl.span(i, j) if not whole else Span(sc.start, sc.end),
                        _yaml_replacer(sc, pl, i, j), hashed=pl.hashed, editable=pl.editable))
                self._lists.append((f"dependencies pip list of document {d + 1}", count))

    # --- setup.cfg --------------------------------------------------------------------------
    def _read_setup_cfg(self) -> None:
        ini = configparser_entries(self.text)
        if ini.errors:
            raise ProcessingError("setuptools cannot read this line of setup.cfg (configparser: not a section, an "
                                  "option or a continuation)", self.position(ini.errors[0])[0])
        self._shape = [(e.section, e.key.lower()) for e in ini.entries]
        for e in ini.entries:
            if e.value:
                self._regions.append(Region(e.value, offsets=e.offsets, label=e.key))
            key = e.key.lower()
            if not ((e.section == "options" and key in ("install_requires", "setup_requires", "tests_require"))
                    or e.section == "options.extras_require"):
                continue
            if e.value.startswith("file:"):
                continue
            count = 0
            separator = "\n" if "\n" in e.value else ";"
            pos = 0
            for piece in e.value.split(separator):
                a, b = pos, pos + len(piece)
                pos = b + 1
                cut = piece.find(" #")
                if cut >= 0:
                    b = a + cut
                while a < b and e.value[a].isspace():
                    a += 1
                while b > a and e.value[b - 1].isspace():
                    b -= 1
                if a == b or e.value[a] == "#":
                    continue
                count += 1
                text = e.value[a:b]
                span = e.span(a, b)
                self._requirements.append(Requirement(requirement_name(text), text, span, _replace_at(span)))
            self._lists.append((f"[{e.section}] {e.key}", count))

    # --- pyproject.toml ---------------------------------------------------------------------
    def _read_pyproject(self) -> None:
        import tomllib

        depth, where = nesting_depth(self.text)
        if depth > MAX_NESTING:  # the readers nest by recursion: refused before they see it
            raise ProcessingError(f"TOML nested too deeply to read (more than {MAX_NESTING} levels)",
                                  self.position(where)[0])
        try:
            data = tomllib.loads(self.text.lstrip("\ufeff"))
        except tomllib.TOMLDecodeError as e:
            raise ProcessingError(f"cannot read pyproject.toml: {e}") from None
        try:
            spans = scan(self.text)
        except TomlError as e:
            raise ProcessingError(f"cannot locate the values of pyproject.toml: {e}",
                                  self.position(e.offset)[0]) from None
        self._shape = _toml_shape(data, _POETRY_TABLES)
        self._line_regions(spans.comments)
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        lists: list[tuple[tuple[str, ...], object]] = [(("project", "dependencies"), project.get("dependencies"))]
        for extra, reqs in (project.get("optional-dependencies") or {}).items():
            lists.append((("project", "optional-dependencies", extra), reqs))
        for group, reqs in (data.get("dependency-groups") or {}).items():
            lists.append((("dependency-groups", group), reqs))
        for path, reqs in lists:
            if isinstance(reqs, list):
                self._toml_list(spans, path, reqs)
        poetry = ((data.get("tool") or {}).get("poetry") or {}) if isinstance(data.get("tool"), dict) else {}
        tables = [t for t in _POETRY_TABLES if "*" not in t]
        tables += [("tool", "poetry", "group", g, "dependencies") for g in (poetry.get("group") or {})]
        for path in tables:
            node = data
            for k in path:
                node = node.get(k) if isinstance(node, dict) else None
            if isinstance(node, dict):
                self._poetry(spans, path, node)

    def _line_regions(self, comments: list[Span]) -> None:
        """The text outside comments, line by line."""
        cut = {c.start: c.end for c in comments}
        pos = 1 if self.text.startswith("\ufeff") else 0
        for line in self.text[pos:].splitlines(keepends=True):
            end = pos + len(line.rstrip("\r\n"))
            stop = next((s for s in range(pos, end) if s in cut), end)
            if self.text[pos:stop].strip():
                self._regions.append(Region(self.text[pos:stop], base=pos, label="line"))
            pos += len(line)

    def _toml_list(self, spans, path: tuple[str, ...], reqs: list) -> None:
        pair = spans.get(path)
        where = ".".join(path)
        if pair is None or not isinstance(pair.value, TArray):
            raise ProcessingError(f"cannot locate {where} in the text of pyproject.toml")
        items = pair.value.items
        if len(items) != len(reqs):
            raise ProcessingError(f"{where}: the text and the TOML reader disagree")
        count = 0
        for item, req in zip(items, reqs):
            if not isinstance(req, str):
                continue  # {include-group = ...}
            if not isinstance(item, TString) or item.value != req:
                raise ProcessingError(f"{where}: the text and the TOML reader disagree",
                                      self.position(getattr(item, "span", pair.value.span).start)[0])
            count += 1
            self._requirements.append(Requirement(requirement_name(req), req, item.span, _toml_replacer(item)))
        self._lists.append((where, count))

    def _poetry(self, spans, path: tuple[str, ...], deps: dict) -> None:
        count = 0
        for name, spec in deps.items():
            if name.lower() == "python":
                continue
            pair = spans.get(path + (name,))
            if pair is None:
                raise ProcessingError(f"cannot locate {'.'.join(path + (name,))} in the text of pyproject.toml")
            count += 1
            span = Span(pair.key_span.start, getattr(pair.value, "span").end)
            text = self.text[span.start:span.end]
            replacer = None
            if isinstance(spec, str) and isinstance(pair.value, TString) and pair.value.value == spec \
                    and pair.key_span.start == pair.start and len(pair.path) == len(path) + 1 \
                    and "." not in self.text[pair.key_span.start:pair.key_span.end].strip("\"'"):
                replacer = _poetry_replacer(span)
            elif not isinstance(pair.value, (TString, TTable)):
                continue
            self._requirements.append(Requirement(name, text, span, replacer))
        self._lists.append((".".join(path), count))

    # --- sites ------------------------------------------------------------------------------
    def requirements(self) -> list[Requirement]:
        return list(self._requirements)

    def regions(self) -> list[Region]:
        return self._regions

    def same_structure(self, new: "RequirementsDoc") -> str | None:
        if self._lists != new._lists:
            return "the requirement lists changed"
        if self._shape != new._shape:
            return "the structure of the file changed"
        if self.flavour == "conda":
            return Y.same_structure(self._src, new._src, frozenset())
        return None


# --- replacers ------------------------------------------------------------------------------------

def _replace_at(span: Span) -> Callable[[str], Edit]:
    return lambda requirement: Edit(span, requirement)


def _toml_replacer(item: TString) -> Callable[[str], Edit]:
    return lambda requirement: Edit(item.span, string_like(requirement, item))


def _yaml_replacer(sc, pl: PipLine, i: int, j: int) -> Callable[[str], Edit]:
    def replace(requirement: str) -> Edit:
        if pl.text[i:j] == sc.value:
            return Edit(Span(sc.start, sc.end), render(requirement, sc.quote, sc.flow))
        new_value = sc.value.replace(pl.text[i:j], requirement, 1)
        if sc.quote == "" and sc.is_clean() and is_plain_safe(new_value, sc.flow):
            return Edit(pl.span(i, j), requirement)
        return Edit(Span(sc.start, sc.end), render(new_value, sc.quote, sc.flow))
    return replace


def _poetry_replacer(span: Span) -> Callable[[str], Edit]:
    """A Poetry entry for a PEP 508 requirement (``name[extras]==v; marker``)."""

    def replace(requirement: str) -> Edit:
        m = _POETRY_STRING.match(requirement.strip())
        if not m:
            raise ValueError(f"not a requirement Poetry can hold: {requirement!r}")
        spec = m.group("spec").replace(" ", "")
        version = spec[2:] if spec.startswith("==") and "," not in spec else (spec or "*")
        fields = [f"version = {string_like(version, TString('', span, chr(34)))}"]
        extras = [x.strip() for x in (m.group("extras") or "[]")[1:-1].split(",") if x.strip()]
        if extras:
            fields.append("extras = [" + ", ".join(string_like(x, TString('', span, chr(34))) for x in extras) + "]")
        if m.group("marker"):
            fields.append(f"markers = {string_like(m.group('marker'), TString('', span, chr(34)))}")
        value = fields[0].split(" = ", 1)[1] if len(fields) == 1 else "{" + ", ".join(fields) + "}"
        return Edit(span, f"{m.group('name')} = {value}")

    return replace


def _toml_shape(node, free: tuple[tuple[str, ...], ...], path: tuple[str, ...] = ()) -> object:
    """Keys and list lengths of a TOML document (the values themselves may change); the tables at
    the paths ``free`` matches keep only their size (a Poetry requirement is renamed there, and a
    version string may become a table)."""
    if isinstance(node, dict):
        if any(len(f) == len(path) and all(a == "*" or a == b for a, b in zip(f, path)) for f in free):
            return len(node)
        return {k: _toml_shape(v, free, path + (k,)) for k, v in node.items()}
    if isinstance(node, list):
        return [_toml_shape(v, free, path) for v in node]
    return type(node).__name__
