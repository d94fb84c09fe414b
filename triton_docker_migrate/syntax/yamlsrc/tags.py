"""Implicit tags of plain YAML scalars, as ruamel.yaml's YAML 1.2 resolver (or its YAML 1.1 one in a
document that opens with ``%YAML 1.1``) gives them: ``yes`` and ``on`` are strings, ``true`` a bool,
``0o17`` an integer, ``20.10`` a float."""

from __future__ import annotations

import re

STR = "tag:yaml.org,2002:str"
MERGE = "tag:yaml.org,2002:merge"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
_INT_OR_STR = {STR, "tag:yaml.org,2002:int"}



_IMPLICIT = [
    ([(1, 2)], "tag:yaml.org,2002:bool",
     """^(?:true|True|TRUE|false|False|FALSE)$""",
     "tTfF"),
    ([(1, 1)], "tag:yaml.org,2002:bool",
     """^(?:y|Y|yes|Yes|YES|n|N|no|No|NO
        |true|True|TRUE|false|False|FALSE
        |on|On|ON|off|Off|OFF)$""",
     "yYnNtTfFoO"),
    ([(1, 2)], "tag:yaml.org,2002:float",
     """^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""",
     "-+0123456789."),
    ([(1, 1)], "tag:yaml.org,2002:float",
     """^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*  # sexagesimal float
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""",
     "-+0123456789."),
    ([(1, 2)], "tag:yaml.org,2002:int",
     """^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
     "-+0123456789"),
    ([(1, 1)], "tag:yaml.org,2002:int",
     """^(?:[-+]?0b[0-1_]+
        |[-+]?0?[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+
        |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",  # sexagesimal int
     "-+0123456789"),
    ([(1, 2), (1, 1)], "tag:yaml.org,2002:merge",
     """^(?:<<)$""",
     "<"),
    ([(1, 2), (1, 1)], "tag:yaml.org,2002:null",
     """^(?: ~
        |null|Null|NULL
        | )$""",
     ["~", "n", "N", ""]),
    ([(1, 2), (1, 1)], "tag:yaml.org,2002:timestamp",
     """^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \\t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?
        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
     "0123456789"),
    ([(1, 2), (1, 1)], "tag:yaml.org,2002:value",
     """^(?:=)$""",
     "="),
]


def _resolvers(version: tuple[int, int]) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """First character of a plain scalar -> the (tag, regex) pairs to try, in order."""
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for versions, tag, regex, first in _IMPLICIT:
        if version in versions:
            rx = re.compile(regex, re.X)
            for ch in first:
                table.setdefault(ch, []).append((tag, rx))
    return table


_RESOLVE_12 = _resolvers((1, 2))
_RESOLVE_11: dict[str, list[tuple[str, re.Pattern[str]]]] = {}  # built for the first ``%YAML 1.1`` document


def _table(version: tuple[int, int] | None) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    if version != (1, 1):
        return _RESOLVE_12
    if not _RESOLVE_11:
        _RESOLVE_11.update(_resolvers((1, 1)))
    return _RESOLVE_11


def resolve(value: str, version: tuple[int, int] | None = None) -> str:
    """The tag of a plain, untagged scalar (YAML 1.2 unless ``version`` is (1, 1))."""
    for tag, rx in _table(version).get(value[:1], ()):
        if rx.match(value):
            return tag
    return STR
