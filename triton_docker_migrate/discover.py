"""Find the candidate files under the given paths.

- Directories are walked with ``os.scandir`` in name order (the same tree gives the same order).
- ``.gitignore`` files are honoured at every level (negations too), with those of the folders
  above a walked path up to the top of its git checkout, and ``.git/info/exclude``; ``.git`` itself
  is never entered. Patterns are parsed by ``pathspec`` (git's own pattern semantics); a folder that
  is ignored is not entered, so, as in git, nothing below it can be re-included.
- ``exclude`` globs use the same syntax; each list is matched against the path relative to the
  folder it belongs to (the current directory for flags, a configuration file's folder for its
  keys; a glob without a ``/`` matches a file or folder name at any depth). Which lists apply to
  a folder is decided per folder (``Excludes``: the configuration nearest to it, CONTRACT.md
  "Configuration"); by default ruff's list of folders (``settings.DEFAULT_EXCLUDES``), and any
  folder holding ``pyvenv.cfg`` (a virtual environment). A named folder is walked even when
  excluded; the lists apply to what is below it.
- A file named on the command line is always a candidate, whatever its name or the ignore rules.
- One rule for symlinks (CONTRACT.md, "Bad input"): a path named on the command line is resolved
  through the file system (symlinks followed, ``..`` after them, never by string) and its real path
  is what is read, written and reported; "the tree" is the set of the named paths' real paths. The
  walk never follows a symlink: one that leaves the tree gets one warning line; one that stays
  inside it is skipped silently (the walk reaches its target by its real path).
- The temporary files of the atomic writer (``.tdm-*.tmp``) are never candidates; with ``stale``
  set, those a killed run left behind are removed as the walk meets them (``atomic.remove_stale``).
- A file reached twice (overlapping paths, a file also named explicitly) is a candidate once.
"""

from __future__ import annotations

import os
import re
import sys
from operator import attrgetter
from typing import Callable, Iterator, NamedTuple

from .atomic import TEMP_PREFIX, is_temp_name, read_regular, remove_stale

SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
_BY_NAME = attrgetter("name")
new_candidate = tuple.__new__  # Candidate(...) without the NamedTuple's Python-level __new__


class Candidate(NamedTuple):
    path: str  #: path to open
    display: str  #: path as reported
    explicit: bool  #: named on the command line


def display_path(path: str, given_absolute: bool) -> str:
    if given_absolute:
        return os.path.abspath(path).replace(os.sep, "/")
    return os.path.normpath(path).replace(os.sep, "/")


def real_named(given: str, cwd: str) -> str:
    """The path to use for a path named on the command line: its real path (symlinks followed,
    ``..`` resolved through the file system), absolute when ``given`` was, else relative to
    ``cwd`` (``../x`` when it lies outside)."""
    real = os.path.realpath(given)
    if os.path.isabs(given):
        return real
    return os.path.relpath(real, cwd)


# --- ignore rules ----------------------------------------------------------------------------
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def _compile(lines: list[str]) -> list[tuple[re.Pattern[str], bool]]:
    """(regex, include) of each pattern of ``lines``, by pathspec's public gitignore reading
    (``GitIgnoreSpec``: git's own semantics). A pattern git itself would not understand is
    ignored, as git does."""
    from pathspec import GitIgnoreSpec

    try:
        specs = GitIgnoreSpec.from_lines(lines).patterns
    except Exception:  # one bad pattern: read them one by one, without it
        specs = []
        for line in lines:
            try:
                specs.extend(GitIgnoreSpec.from_lines([line]).patterns)
            except Exception:
                continue
    return [(p.regex, bool(p.include)) for p in specs if p.include is not None and p.regex is not None]


class IgnoreFile:
    """The patterns of one ``.gitignore`` (or of the exclude globs), relative to ``base`` (an
    absolute folder). ``match`` says True (ignored), False (re-included by ``!``) or None."""

    __slots__ = ("base", "cut", "patterns", "any")

    def __init__(self, base: str, lines: list[str], source: str = "") -> None:
        self.base = base
        self.cut = len(base) + (0 if base.endswith("/") else 1)
        pats = _compile(lines)
        self.patterns = pats
        self.any = re.compile("|".join(f"(?:{_NAMED_GROUP.sub('(?:', rx.pattern)})" for rx, _ in pats)) \
            if pats else None

    def relative(self, abs_prefix: str) -> str:
        """``abs_prefix`` (a folder, ending in ``/``) relative to ``base``; outside ``base``, empty:
        only patterns without a slash (names) can match there, and never a folder above the walk."""
        if abs_prefix.startswith(self.base) and len(abs_prefix) > len(self.base) and \
                (self.base.endswith("/") or abs_prefix[len(self.base)] == "/"):
            return abs_prefix[self.cut:]
        return ""

    def decide(self, rel: str) -> bool | None:
        """The last pattern matching ``rel`` (``dir/`` for a folder) decides."""
        for rx, include in reversed(self.patterns):
            if rx.match(rel):
                return include
        return None

    def match(self, abs_path: str, is_dir: bool) -> bool | None:
        if self.any is None:
            return None
        head, _, name = abs_path.rpartition("/")
        rel = self.relative(head + "/") + name + ("/" if is_dir else "")
        if not self.any.match(rel):
            return None
        return self.decide(rel)

    @classmethod
    def read(cls, path: str, base: str) -> "IgnoreFile | None":
        try:
            text = read_regular(path, 10 << 20)[0].decode("utf-8", "replace")
        except OSError:
            return None
        lines = text.splitlines()
        if not any(line.strip() and not line.startswith("#") for line in lines):
            return None
        return cls(base, lines, path)


def ignored(chain: tuple[IgnoreFile, ...], abs_path: str, is_dir: bool) -> bool:
    """Git's answer for a path: the deepest ignore file with a matching pattern decides."""
    for ig in reversed(chain):
        r = ig.match(abs_path, is_dir)
        if r is not None:
            return r
    return False


def exclude_matcher(globs: tuple[str, ...], cwd: str | None = None) -> IgnoreFile | None:
    globs = tuple(g for g in globs if g.strip())
    if not globs:
        return None
    return IgnoreFile((cwd or os.getcwd()).rstrip("/") or "/", list(globs))


_PLAIN_NAME = re.compile(r"^[^/*?\[\]!#\\\s][^/*?\[\]\\]*?(/?)$")


class FolderRule(NamedTuple):
    """What a walk leaves out of one folder's entries."""

    dirs: frozenset  #: folder names
    names: frozenset  #: file or folder names
    globs: tuple  #: IgnoreFile objects, each relative to its own folder
    venv: bool  #: a folder holding pyvenv.cfg is a virtual environment: left out


NOTHING = FolderRule(frozenset(), frozenset(), (), False)


def folder_rule(lists, venv: bool = False) -> FolderRule:
    """``lists``: (folder the globs are relative to, or None for names at any depth; globs). Plain
    names (``node_modules/``, ``dist``) are set lookups; the rest are gitignore patterns."""
    dirs: set[str] = set()
    names: set[str] = set()
    globs: list[IgnoreFile] = []
    for base, patterns in lists:
        patterns = [p for p in patterns if p.strip()]
        plain = not any(p.startswith("!") for p in patterns)
        rest = []
        for p in patterns:
            m = _PLAIN_NAME.match(p) if plain else None
            if m is not None and p not in (".", ".."):
                (dirs if m.group(1) else names).add(p.rstrip("/"))
            else:
                rest.append(p)
        if rest:
            globs.append(IgnoreFile((base or os.getcwd()).rstrip("/") or "/", rest))
    return FolderRule(frozenset(dirs), frozenset(names), tuple(g for g in globs if g.any is not None), venv)


class Excludes:
    """What the walk leaves out, per folder: from ``settings`` (which resolves the settings of
    each folder from its configuration), or one fixed list of globs (relative to ``cwd``)."""

    def __init__(self, settings=None, globs: tuple[str, ...] = (), cwd: str | None = None) -> None:
        self.settings = settings
        self.fixed: FolderRule | None = None
        if settings is None or settings.resolver is None:
            if settings is not None:
                self.fixed = folder_rule(settings.exclude_lists(), settings.default_excludes)
            else:
                self.fixed = folder_rule([(cwd, tuple(globs))]) if globs else NOTHING
        self._rules: dict = {}

    def at(self, folder: str, names: list[str] | None = None) -> FolderRule:
        """The rule for the entries of ``folder`` (absolute)."""
        if self.fixed is not None:
            return self.fixed
        s = self.settings.for_dir(folder, names)
        rule = self._rules.get(s.config_path, None)
        if rule is None:
            rule = self._rules[s.config_path] = folder_rule(s.exclude_lists(), s.default_excludes)
        return rule


def _repo_top(d: str) -> str | None:
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _ancestor_chain(root_abs: str) -> tuple[IgnoreFile, ...]:
    """Ignore files of the folders above ``root_abs`` up to the top of its checkout."""
    top = _repo_top(root_abs)
    if top is None:
        return ()
    chain: list[IgnoreFile] = []
    info = IgnoreFile.read(os.path.join(top, ".git", "info", "exclude"), top)
    if info is not None:
        chain.append(info)
    dirs = []
    d = os.path.dirname(root_abs)
    while len(d) >= len(top):
        dirs.append(d)
        if d == top:
            break
        d = os.path.dirname(d)
    for d in reversed(dirs):
        ig = IgnoreFile.read(os.path.join(d, ".gitignore"), d)
        if ig is not None:
            chain.append(ig)
    return tuple(chain)


# --- the walk ---------------------------------------------------------------------------------
def _warn(msg: str) -> None:
    from .report.stream import write as emit
    from .report.terminal import name

    emit(sys.stderr, name(msg) + "\n")


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class Discovery:
    """The named files (``files``) and the walked folders (``walkers()``) of a run. Iterating it
    yields every candidate in order; a batch run may instead hand a walker's pending folders
    (``Walker.stack``) to worker processes, each walking its subtree with a ``Walker`` of its own."""

    def __init__(self, paths: list[str], exclude: "tuple[str, ...] | IgnoreFile | Excludes | None" = (),
                 warn: Callable[[str], None] | None = None,
                 on_directory: Callable[[str, list[str]], None] | None = None) -> None:
        self.warn = warn or _warn
        if isinstance(exclude, Excludes):
            self.excl = exclude
        elif isinstance(exclude, IgnoreFile):
            self.excl = Excludes()
            self.excl.fixed = FolderRule(frozenset(), frozenset(), (exclude,), False)
        else:
            self.excl = Excludes(globs=tuple(exclude or ()))
        self.on_directory = on_directory
        cwd = os.getcwd()
        self.roots: list[tuple[str, str, str]] = []  # (path to walk, real, abs)
        self.files: list[Candidate] = []
        self.explicit_keys: set[str] = set()
        #: the real paths of the named paths: a symlink met by the walk that leads outside them
        #: is never followed
        self.tree: tuple[str, ...] = ()
        #: remove the stale temporary files of killed runs modified before this time (None: skip
        #: them without removing anything)
        self.stale: float | None = None
        tree: list[str] = []
        for given in paths:
            absolute = os.path.isabs(given)
            path = real_named(given, cwd)
            real = os.path.realpath(given)
            tree.append(real)
            if os.path.isdir(path):
                self.roots.append((path, real, os.path.abspath(path)))
                continue
            if real in self.explicit_keys:
                continue
            self.explicit_keys.add(real)
            self.files.append(Candidate(path, display_path(path, absolute), True))
        self.tree = tuple(tree)
        real_roots = [r for _, r, _ in self.roots]
        #: overlapping folders were named: every file is checked against all seen so far, so
        #: the walk cannot be split between processes
        self.nested = any(i != j and _within(a, b) for i, a in enumerate(real_roots) for j, b in enumerate(real_roots))
        self.seen: set[str] | None = set() if self.nested else None

    def walkers(self) -> Iterator["Walker"]:
        done: set[str] = set()
        for given, real, abs_root in self.roots:
            if real in done:
                continue
            done.add(real)
            absolute = os.path.isabs(given)
            chain = _ancestor_chain(abs_root)
            if chain and ignored(chain, abs_root, True):
                chain = ()  # named explicitly: walked even though an ignore file above leaves it out
            top = display_path(given, absolute)
            prefix = "" if top == "." else top.rstrip("/") + "/"
            w = Walker(self.excl, self.warn, self.on_directory, self.explicit_keys, self.seen, self.tree, self.stale)
            w.stack.append((prefix, abs_root, real, chain, real))
            yield w

    def __iter__(self) -> Iterator[Candidate]:
        yield from self.files
        for w in self.walkers():
            yield from w


def discover(paths: list[str], exclude: tuple[str, ...] | IgnoreFile | None = (),
             warn: Callable[[str], None] | None = None,
             on_directory: Callable[[str, list[str]], None] | None = None) -> Iterator[Candidate]:
    """Candidates under ``paths`` (see the module docstring). ``on_directory(display_dir, names)``
    is called for each folder walked, with the names of its entries."""
    return iter(Discovery(paths, exclude, warn, on_directory))


#: a folder still to walk: (display prefix ("" or "dir/"), absolute dir, real dir, ignore chain,
#: real path of the walked root)
Pending = tuple[str, str, str, tuple[IgnoreFile, ...], str]


class Walker:
    """Depth-first walk of the folders on ``stack``; ``step()`` lists one folder."""

    def __init__(self, excl: "Excludes | None", warn, on_directory, explicit_keys: set[str],
                 seen: set[str] | None = None, tree: tuple[str, ...] = (), stale: float | None = None) -> None:
        self.excl = excl
        self.warn = warn
        self.on_directory = on_directory
        self.explicit_keys = explicit_keys
        self.seen = seen
        self.tree = tree  #: real paths of the named paths (empty: each walked root alone)
        self.stale = stale
        self.stack: list[Pending] = []

    def __iter__(self) -> Iterator[Candidate]:
        while self.stack:
            yield from self.step()

    def step(self, index: int = -1) -> list[Candidate]:
        """List the next folder (``stack[index]``): its candidate files (in name order) are returned,
        its folders go on the stack."""
        prefix, abs_dir, real_dir, chain, real_root = self.stack.pop(index)
        sep = os.sep
        native = sep == "/"
        open_dir = prefix if prefix else "."
        try:
            with os.scandir(open_dir if native else open_dir.replace("/", sep)) as it:
                entries = list(it)
        except OSError as e:
            self.warn(f"{prefix.rstrip('/') or '.'}: warning: cannot list directory: {e.strerror or e}")
            return []
        entries.sort(key=_BY_NAME)
        abs_prefix = abs_dir.rstrip("/") + "/"
        names = [e.name for e in entries]
        if ".gitignore" in names:
            ig = IgnoreFile.read(abs_prefix + ".gitignore", abs_dir)
            if ig is not None:
                chain = chain + (ig,)
        rule = self.excl.at(abs_dir, names) if self.excl is not None else NOTHING
        if rule.venv and "pyvenv.cfg" in names and real_dir != real_root:
            return []  # a virtual environment (not the named folder itself): left out
        if self.on_directory is not None:
            self.on_directory(prefix.rstrip("/") or ".", names)
        # the folder's path relative to each ignore file's folder, deepest first: one string
        # concatenation and one regex match per entry and ignore file
        checks = [(ig.any, ig, ig.relative(abs_prefix)) for ig in reversed(chain) if ig.any is not None]
        excl_dirs, excl_names = rule.dirs, rule.names
        excl_checks = [(ig.any, ig, ig.relative(abs_prefix)) for ig in rule.globs]
        real_prefix = real_dir.rstrip(sep) + sep
        check_keys = bool(self.explicit_keys) or self.seen is not None
        out: list[Candidate] = []
        subdirs: list[Pending] = []
        for e in entries:
            name = e.name
            if name in SKIP_DIRS or name in excl_names:
                continue
            try:
                # a regular file (not a symlink) in one call: the usual entry
                if e.is_file(follow_symlinks=False):
                    is_dir = False
                    if name.startswith(TEMP_PREFIX) and is_temp_name(name):
                        # the atomic writer's: never input; a killed run's is removed
                        if self.stale is not None:
                            remove_stale(abs_prefix + name, self.stale)
                        continue
                elif e.is_dir(follow_symlinks=False):
                    is_dir = True
                else:
                    if e.is_symlink():
                        target = os.path.realpath(abs_prefix + name)
                        if not any(_within(target, r) for r in (self.tree or (real_root,))):
                            self.warn(f"{prefix}{name}: warning: symlink leaves the tree; not followed")
                    continue  # a symlink, socket, FIFO or device
            except OSError:
                continue
            tail = name + "/" if is_dir else name
            if checks:
                verdict = False
                for anyrx, ig, rel_dir in checks:
                    rel = rel_dir + tail
                    if anyrx.match(rel):
                        r = ig.decide(rel)
                        if r is not None:
                            verdict = r
                            break
                if verdict:
                    continue
            if is_dir and name in excl_dirs:
                continue
            if excl_checks:
                left_out = False
                for anyrx, ig, rel_dir in excl_checks:
                    rel = rel_dir + tail
                    if anyrx.match(rel) and ig.decide(rel):
                        left_out = True
                        break
                if left_out:
                    continue
            if is_dir:
                subdirs.append((prefix + tail, abs_prefix + name, real_prefix + name, chain, real_root))
                continue
            if check_keys:
                key = real_prefix + name
                if key in self.explicit_keys:
                    continue
                if self.seen is not None:
                    if key in self.seen:
                        continue
                    self.seen.add(key)
            display = prefix + name
            out.append(new_candidate(Candidate, (display if native else display.replace("/", sep), display, False)))
        subdirs.reverse()
        self.stack.extend(subdirs)
        return out
