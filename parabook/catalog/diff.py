"""A character diff of two versions of a Chinese segment, for a person to read."""

from __future__ import annotations

from difflib import SequenceMatcher

CONTEXT = 6
"""Unchanged characters shown on each side of a change."""


def char_diff(old: str, new: str) -> str:
    """`old` changed into `new`, marked inline: 扔在马路[+上]！ and 村“两[-会→+委]”换届;
    long unchanged stretches are cut to … ."""
    parts = []
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            same = old[i1:i2]
            first, last = index == 0, index == len(opcodes) - 1
            if first and not last:
                parts.append(("…" + same[-CONTEXT:]) if len(same) > CONTEXT else same)
            elif last and not first:
                parts.append((same[:CONTEXT] + "…") if len(same) > CONTEXT else same)
            elif len(same) > 2 * CONTEXT:
                parts.append(same[:CONTEXT] + "…" + same[-CONTEXT:])
            else:
                parts.append(same)
        elif tag == "delete":
            parts.append(f"[-{old[i1:i2]}]")
        elif tag == "insert":
            parts.append(f"[+{new[j1:j2]}]")
        else:
            parts.append(f"[-{old[i1:i2]}→+{new[j1:j2]}]")
    return "".join(parts)
