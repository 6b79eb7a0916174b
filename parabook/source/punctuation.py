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


def _quotes(text: str) -> dict[int, str]:
    """ASCII quotes decided as pairs: `"样板间"` and `他说"好"` take “”, `'…'` takes ‘’
    only around Chinese, so `He said "yes".` and `don't` stay as they are."""
    decided: dict[int, str] = {}
    for mark, (opening, closing) in (('"', "“”"), ("'", "‘’")):
        at = [i for i, char in enumerate(text) if char == mark]
        for start, end in zip(at[::2], at[1::2], strict=False):
            inside = text[start + 1:end]
            around = _chinese_context(text, start) or _chinese_context(text, end)
            english = " " in inside.strip()  # a quotation in English keeps its quotes
            if has_han(inside) or (mark == '"' and around and not english):
                decided[start], decided[end] = opening, closing
    return decided


def _full_stop(text: str, index: int) -> bool:
    """A Latin `.` right after Chinese, ending its sentence (not `3.5`, `www.x`, `...`)."""
    left = text[index - 1] if index else ""
    right = text[index + 1] if index + 1 < len(text) else ""
    if (right and right in ".0123456789") or left == ".":
        return False
    behind = text[:index].rstrip("”’」』）)\"'")
    return bool(behind) and is_cjk(behind[-1], "zh") and (right == "" or not right.isalnum()
                                                           or is_cjk(right, "zh"))


def to_full_width(text: str) -> tuple[str, list[Change]]:
    """Replace `, ; : ! ? ( )` when a neighbour is Chinese; keep `1,600`, `a:b`.

    Brackets and quotes are decided as pairs; a Latin `.` ending a Chinese sentence
    becomes `。`. Spaces next to a replaced mark are dropped, since full-width marks
    carry their own space.
    """
    out: list[str] = []
    changes: list[Change] = []
    pairs = _brackets(text)
    quotes = _quotes(text)
    for index, char in enumerate(text):
        new = None
        if char in FULL_WIDTH and pairs.get(index, _chinese_context(text, index)):
            new = FULL_WIDTH[char]
        elif index in quotes:
            new = quotes[index]
        elif char == "." and _full_stop(text, index):
            new = "。"
        if new is not None:
            if new not in "“‘":  # an opening quote keeps the space before it
                while out and out[-1] == " ":
                    out.pop()
            out.append(new)
            changes.append(Change(index, char, new))
            continue
        if char == " " and out and out[-1] in FULL_WIDTH_MARKS:
            continue
        out.append(char)
    return "".join(out), changes


FULL_WIDTH_MARKS = frozenset(FULL_WIDTH.values()) | {"。", "”", "’"}
