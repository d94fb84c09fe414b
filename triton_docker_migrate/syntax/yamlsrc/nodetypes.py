"""The composed nodes: PyYAML's node classes (the same attributes, so the readers look alike) with slots."""

from __future__ import annotations


class Node:
    """A composed node: PyYAML's node classes (the same attributes) with slots - a node with its
    ``__dict__`` took about 350 bytes, most of a large YAML file's memory; with slots, 90."""

    __slots__ = ("tag", "value", "start_mark", "end_mark", "anchor", "in_flow")

    def __init__(self, tag: str, value, start_mark, end_mark) -> None:
        self.tag, self.value, self.start_mark, self.end_mark = tag, value, start_mark, end_mark
        self.anchor = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(tag={self.tag!r}, value={self.value!r})"


class ScalarNode(Node):
    __slots__ = ("style",)
    id = "scalar"

    def __init__(self, tag: str, value, start_mark=None, end_mark=None, style=None) -> None:
        Node.__init__(self, tag, value, start_mark, end_mark)
        self.style = style


class CollectionNode(Node):
    __slots__ = ("flow_style",)

    def __init__(self, tag: str, value, start_mark=None, end_mark=None, flow_style=None) -> None:
        Node.__init__(self, tag, value, start_mark, end_mark)
        self.flow_style = flow_style


class SequenceNode(CollectionNode):
    __slots__ = ()
    id = "sequence"


class MappingNode(CollectionNode):
    __slots__ = ()
    id = "mapping"
