"""Half-width punctuation inside Chinese text becomes its full-width form."""

from __future__ import annotations

from dataclasses import dataclass

from parabook.lang.script import has_han, is_cjk
from parabook.lang.zh import FULL_WIDTH


@dataclass(frozen=True)
class Change:
    """One replaced character."""

    offset: int
    old: str
    new: str


def _neighbour(text: str, index: int, step: int) -> str:
    index += step
    while 0 <= index < len(text) and text[index] == " ":
        index += step
    return text[index] if 0 <= index < len(text) else ""


def _chinese_context(text: str, index: int) -> bool:
    left, right = _neighbour(text, index, -1), _neighbour(text, index, 1)
    return bool((left and is_cjk(left, "zh")) or (right and is_cjk(right, "zh")))


def _brackets(text: str) -> dict[int, bool]:
    """Decide `(` and `)` as pairs, so `(1)加强` and `人数(2021)` stay balanced."""
    decided: dict[int, bool] = {}
    stack: list[int] = []
    for index, char in enumerate(text):
        if char == "(":
            stack.append(index)
        elif char == ")" and stack:
            start = stack.pop()
            chinese = (_chinese_context(text, start) or _chinese_context(text, index)
                       or has_han(text[start:index]))
            decided[start] = decided[index] = chinese
    return decided


def to_full_width(text: str) -> tuple[str, list[Change]]:
    """Replace `, ; : ! ? ( )` when a neighbour is Chinese; keep `1,600`, `a:b`.

    Brackets are decided as pairs. Spaces next to a replaced mark are dropped,
    since full-width marks carry their own space.
    """
    out: list[str] = []
    changes: list[Change] = []
    pairs = _brackets(text)
    for index, char in enumerate(text):
        if char in FULL_WIDTH and pairs.get(index, _chinese_context(text, index)):
                while out and out[-1] == " ":
                    out.pop()
                out.append(FULL_WIDTH[char])
                changes.append(Change(index, char, FULL_WIDTH[char]))
                continue
        if char == " " and out and out[-1] in FULL_WIDTH.values():
            continue
        out.append(char)
    return "".join(out), changes
