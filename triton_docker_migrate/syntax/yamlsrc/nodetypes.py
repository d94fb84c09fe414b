"""The composed nodes: PyYAML's node classes (the same attributes, so the readers look alike) with slots."""

from __future__ import annotations


class Node:
    """A composed node: PyYAML's node classes with slots - a node with its ``__dict__`` took about
    350 bytes, most of a large YAML file's memory; with slots, 90. Where it is written:
    ``start_index`` and ``end_index``, code-point indexes into the text (PyYAML's nodes keep two
    ``Mark`` objects instead, each with its dictionary: 70 bytes per node more, the largest part of a
    large YAML file's memory after the nodes themselves)."""

    __slots__ = ("tag", "value", "start_index", "end_index", "anchor", "in_flow", "is_key", "parent_key")

    def __init__(self, tag: str, value, start_index: int, end_index: int) -> None:
        self.tag, self.value, self.start_index, self.end_index = tag, value, start_index, end_index
        self.anchor = None
        self.in_flow = False
        #: set by ``tree.keys_and_parents``: the node is a mapping key, and the key its value (or list
        #: item) stands under (None: none); in slots, not in dictionaries by id (a large file's memory)
        self.is_key = False
        self.parent_key: str | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(tag={self.tag!r}, value={self.value!r})"


class ScalarNode(Node):
    #: ``decoded``: the node's ``Scalar``, once its source has decoded it (``YamlSource.scalar``: a
    #: node belongs to one source; in a slot, where a dictionary by id took 60 bytes a scalar more)
    __slots__ = ("style", "decoded")
    id = "scalar"

    def __init__(self, tag: str, value, start_index: int = 0, end_index: int = 0, style=None) -> None:
        # (Node's attributes set here, not by calling its __init__: one call less for each node of a file)
        self.tag, self.value, self.start_index, self.end_index, self.style = tag, value, start_index, end_index, style
        self.anchor = self.parent_key = self.decoded = None
        self.in_flow = self.is_key = False


class CollectionNode(Node):
    __slots__ = ("flow_style",)

    def __init__(self, tag: str, value, start_index: int = 0, end_index: int = 0, flow_style=None) -> None:
        self.tag, self.value, self.start_index, self.end_index = tag, value, start_index, end_index
        self.flow_style = flow_style
        self.anchor = self.parent_key = None
        self.in_flow = self.is_key = False


class SequenceNode(CollectionNode):
    __slots__ = ()
    id = "sequence"


class MappingNode(CollectionNode):
    __slots__ = ()
    id = "mapping"
