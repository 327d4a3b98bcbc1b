"""The label tier: read an order list the way a person does when no selector matches.

Last in its fields' fallback lists. A card is found by what every layout keeps, the order
id (as text, or in the order's details link): the largest element that holds one order id
and no other. A value is found by the label beside it ("Order placed", 合計), in the same
text, in the next sibling, or in the row below the label's row. Every step is bounded, so
its work grows with the page, not with the square of its labels or ids.
"""

from __future__ import annotations

from collections.abc import Iterator

from selectolax.lexbor import LexborNode

from cancelwatch.scraper.read.regex import Match, Pattern
from cancelwatch.scraper.read.text import normalise

_MANY = ""
"""The mark of an element that holds two or more distinct order ids."""
_CLIMB = 4
"""Levels a label climbs to find its value: text, element, row, column."""
_SIBLINGS = 8
"""Empty siblings skipped at each level before giving up."""
_TRIES = 20
"""Label occurrences tried in one scope: a page of 20,000 bare labels stays linear."""
_VALUE_CHARS = 200
_LINE_CHARS = 120
"""A status line is short; a longer text is a title or a paragraph, not one."""


def cards(
    root: LexborNode, id_pattern: Pattern, link_pattern: Pattern, id_chars: int = 0
) -> list[LexborNode]:
    """The elements, in page order, that each hold exactly one distinct order id, as large
    as they can be without holding a second: one per order that has such an element. A
    text shorter than `id_chars` holds no id."""
    anchors = list(_anchors(root, id_pattern, link_pattern, id_chars))
    marks: dict[int, str] = {}
    for node, order_id in anchors:
        _mark(node, order_id, marks, root)
    tops: dict[int, LexborNode] = {}
    for node, order_id in anchors:
        top = _top(node, order_id, marks, root)
        if top is not None:
            tops.setdefault(top.mem_id, top)
    return list(tops.values())


def _anchors(
    root: LexborNode, id_pattern: Pattern, link_pattern: Pattern, id_chars: int
) -> Iterator[tuple[LexborNode, str]]:
    """(element, order id) for each text that names one id and each details link; a text
    naming two ids marks its element as holding both."""
    for node in root.traverse(include_text=True):
        if node.tag == "-text":
            text = node.text_content or ""
            if len(text) < id_chars:
                continue
            parent = node.parent
            ids = {_group(m) for m in id_pattern.finditer(text)}
            if parent is not None:
                yield from ((parent, i) for i in sorted(ids))
        elif node.tag == "a":
            found = link_pattern.search(node.attributes.get("href") or "")
            if found:
                yield node, _group(found)


def _group(match: Match) -> str:
    value = match.group(1) if match.re.groups else match.group(0)
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")


def _mark(node: LexborNode, order_id: str, marks: dict[int, str], root: LexborNode) -> None:
    """Mark `node` and its ancestors as holding `order_id`. A mark changes at most twice
    (none, one id, many), and the walk stops where nothing changes: linear in the page."""
    current: LexborNode | None = node
    while current is not None:
        mark = marks.get(current.mem_id)
        if mark in (order_id, _MANY):
            return
        marks[current.mem_id] = order_id if mark is None else _MANY
        if current.mem_id == root.mem_id:
            return
        current = current.parent


def _top(
    node: LexborNode, order_id: str, marks: dict[int, str], root: LexborNode
) -> LexborNode | None:
    if marks.get(node.mem_id) != order_id:
        return None
    top = node
    while top.mem_id != root.mem_id:
        parent = top.parent
        if parent is None or marks.get(parent.mem_id) != order_id:
            break
        top = parent
    return top


def values(
    root: LexborNode, labels: tuple[str, ...], stops: frozenset[str], accept: Pattern | None
) -> list[str]:
    """The value beside the first of `labels` (casefolded, normalised) that has one, and
    that `accept` finds (its group 1, when it has one).

    A text that is itself a label (of any field) is no value: "Total" above "Ship to" gives
    nothing, not "Ship to"."""
    tries = 0
    for node in root.traverse(include_text=True):
        if node.tag != "-text":
            continue
        text = normalise(node.text_content or "")
        label = _label_at(text.casefold(), labels)
        if label is None:
            continue
        rest = _clean(text[len(label) :])
        value = _accepted((rest or _beside(node, root))[:_VALUE_CHARS], stops, accept)
        if value:
            return [value]
        tries += 1
        if tries >= _TRIES:
            break
    return []


def _accepted(value: str, stops: frozenset[str], accept: Pattern | None) -> str:
    if not value or value.casefold().rstrip(":： ") in stops:
        return ""
    if accept is None:
        return value
    found = accept.search(value)
    return _group(found).strip() if found else ""


def _label_at(text: str, labels: tuple[str, ...]) -> str | None:
    """The label `text` starts with, when what follows it is not more of a word."""
    for label in labels:
        if text.startswith(label):
            after = text[len(label) : len(label) + 1]
            if not after or not after.isalpha() or not label[-1:].isalpha():
                return label
    return None


def _clean(text: str) -> str:
    return text.strip().lstrip(":：").strip()


def _beside(node: LexborNode, root: LexborNode) -> str:
    """The first text after `node` at its own level, or its parent's, up to the row's
    parent (the label row above the value row)."""
    current = node
    for _ in range(_CLIMB):
        sibling = current.next
        for _ in range(_SIBLINGS):
            if sibling is None:
                break
            text = _clean(normalise(_text(sibling)))
            if text:
                return text
            sibling = sibling.next
        if current.mem_id == root.mem_id or current.parent is None:
            break
        current = current.parent
    return ""


def _text(node: LexborNode) -> str:
    if node.tag == "-text":
        return node.text_content or ""
    if node.tag is None or node.tag.startswith("-"):
        return ""
    return node.text(separator=" ", strip=True)


def lines(root: LexborNode, stops: frozenset[str]) -> list[str]:
    """The short texts of `root` a person would read as a status line ("Delivered March
    3"): each text outside links (item titles and buttons are links), normalised, that is
    not a label (casefolded `stops`: "Ordered on" is a label, not the status "Ordered")."""
    linked = {
        text.mem_id
        for link in root.css("a")
        for text in link.traverse(include_text=True)
        if text.tag == "-text"
    }
    labels = tuple(stops)
    found = []
    for node in root.traverse(include_text=True):
        if node.tag != "-text" or node.mem_id in linked:
            continue
        raw = node.text_content or ""
        if not raw or raw.isspace():
            continue  # most texts of a page: the indentation between its elements
        text = normalise(raw)
        if len(text) <= _LINE_CHARS and not text.casefold().startswith(labels):
            found.append(text)
    return found
