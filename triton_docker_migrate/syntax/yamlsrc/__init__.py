"""YAML with exact spans: libyaml's events composed into nodes (``nodes``), scalars decoded with the
offset of every character (``scalars``), implicit tags (``tags``) and the helpers that read the tree
(``tree``). The document readers import this package as one name."""

from .nodes import ALIAS_LIMIT, MAX_DEPTH, YamlSource, load, reads_as_str
from .nodetypes import MappingNode, Node, ScalarNode, SequenceNode
from .scalars import Scalar, decode
from .tags import MAP, MERGE, SEQ, STR, resolve
from .tree import (children, env_name_nodes, get, has_any, is_null, items, key_of, mark_keys, merge_sources,
                   node_end, reachable, refuse_unmapped, same_structure, string_values, walk)

__all__ = [
    "MappingNode", "Node", "ScalarNode", "SequenceNode", "ALIAS_LIMIT", "MAX_DEPTH", "YamlSource", "load",
    "Scalar", "decode", "MAP", "MERGE", "SEQ", "STR", "reads_as_str", "resolve", "children", "env_name_nodes",
    "get", "has_any", "is_null", "items", "key_of", "mark_keys", "merge_sources", "node_end", "reachable",
    "refuse_unmapped", "same_structure", "string_values", "walk",
]
