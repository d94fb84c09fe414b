"""Label selectors (a Service's ``selector``, a policy's ``podSelector``): which labelled items a
selector picks, and which selectors pick an item - found through an index of label pairs, so that a
file of many Services and pods is not read Service x pod."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
S = TypeVar("S")


def _pairs(selector) -> list[tuple]:
    return list(selector.items() if isinstance(selector, dict) else selector or ())


def _matches(labels: dict, pairs: list[tuple]) -> bool:
    return all(labels.get(k) == v for k, v in pairs)


class Labelled(Generic[T]):
    """Items with labels (pods, containers), by each of their label pairs."""

    def __init__(self, items: Iterable[T], labels: Callable[[T], dict]) -> None:
        self._labels = labels
        self._by_pair: dict[tuple, list[T]] = {}
        for it in items:
            for pair in labels(it).items():
                self._by_pair.setdefault(pair, []).append(it)

    def picked(self, selector) -> list[T]:
        """The items, in their order, whose labels hold every pair of ``selector`` (a dict or a list of
        pairs); none for an empty selector."""
        pairs = _pairs(selector)
        if not pairs:
            return []
        fewest = min((self._by_pair.get(p, ()) for p in pairs), key=len)
        return [it for it in fewest if _matches(self._labels(it), pairs)]


class Selectors(Generic[S]):
    """Selectors (Services), each filed under one of its pairs; an empty selector picks nothing."""

    def __init__(self, entries: Iterable[S], selector: Callable[[S], object]) -> None:
        self._by_pair: dict[tuple, list[tuple[int, S, list[tuple]]]] = {}
        for i, e in enumerate(entries):
            pairs = _pairs(selector(e))
            if pairs:
                self._by_pair.setdefault(min(pairs), []).append((i, e, pairs))

    def picking(self, labels: dict) -> list[S]:
        """The selectors, in their order, whose every pair ``labels`` holds."""
        found = [(i, e) for pair in labels.items() for i, e, pairs in self._by_pair.get(pair, ())
                 if _matches(labels, pairs)]
        return [e for _, e in sorted(found, key=lambda ie: ie[0])]
