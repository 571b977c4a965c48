"""Delta commands on several tables at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

# How many tables' Delta commands a job runs at once: normalize's writes, deletion's MERGEs and VACUUMs.
TABLES_AT_ONCE = 8

Item = TypeVar("Item")
R = TypeVar("R")


def side_by_side(action: Callable[[Item], R], items: Iterable[Item], *, at_most: int) -> list[R]:
    """`action` on every item, `at_most` at a time, results in order; the first error is raised after all finish.

    For Delta commands on different tables: each is a few small Spark jobs whose time is mostly fixed
    driver-side work (log replay, planning, commit), so they overlap well even on two cores.
    """
    items = list(items)
    if at_most <= 1 or len(items) <= 1:
        return [action(item) for item in items]
    with ThreadPoolExecutor(min(at_most, len(items))) as pool:
        return list(pool.map(action, items))
