"""Waivers: a reviewer accepts one QA finding, with a reason, in the PO entry itself.

The form, one translator-comment line per accepted check (Poedit shows it as the
entry's comment; `service.waive` writes it):

    # qa-accept: numbers 3f9c2a1b7d04: 十多 is rounded on purpose in this quotation

`numbers` is the finding's check code (`qa.CHECKS`); the fingerprint is the first 12
hex digits of the SHA-256 of the check, the Chinese and the translation, so a waiver
stops applying as soon as either text changes; the reason follows the colon. A long
reason may be wrapped onto the next comment lines, as PO writers (polib, at 79 columns)
do; it is read back whole.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from parabook.catalog.po import WRAP

PREFIX = "qa-accept:"
WAIVER_RE = re.compile(r"^qa-accept:\s*(?P<check>[a-z][a-z.-]*)\s+(?P<fp>[0-9a-f]{12})"
                       r"\s*:\s*(?P<reason>.*\S)\s*$")


@dataclass(frozen=True)
class Waiver:
    check: str
    fingerprint: str
    reason: str


def fingerprint(check: str, source: str, translation: str) -> str:
    data = "\0".join((check, source, translation)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:12]


def _logical_lines(tcomment: str | None) -> list[str]:
    """The comment's lines, a waiver's wrapped reason joined back to it: the PO writer
    wraps comment lines at WRAP columns, so a long reason comes back as several lines.
    A line continues a waiver exactly when the writer would have wrapped there: its first
    word did not fit on the line before."""
    out: list[str] = []
    waiver = False
    for line in (tcomment or "").split("\n"):
        words = line.split()
        wrapped = (waiver and words and out
                   and len("# " + out[-1].rsplit("\n", 1)[-1]) + 1 + len(words[0]) > WRAP
                   and not line.lstrip().startswith(PREFIX))
        if wrapped:
            out[-1] += "\n" + line
        else:
            out.append(line)
            waiver = line.lstrip().startswith(PREFIX)
    return out


def _joined(line: str) -> str:
    """A logical line as one line: the writer breaks after a hyphen too (long-\nstanding)."""
    return " ".join(re.sub(r"(?<=[^\W\d_]-)\n", "", line).split())


def parse(tcomment: str | None) -> list[Waiver]:
    """The waivers among an entry's translator-comment lines."""
    out = []
    for line in _logical_lines(tcomment):
        found = WAIVER_RE.match(_joined(line))
        if found:
            out.append(Waiver(found["check"], found["fp"], found["reason"]))
    return out


def reason(tcomment: str | None, check: str, source: str, translation: str) -> str | None:
    """The reason a finding of `check` is accepted for these texts; None: it is not."""
    wanted = fingerprint(check, source, translation)
    return next((w.reason for w in parse(tcomment)
                 if w.check == check and w.fingerprint == wanted), None)


def add(tcomment: str | None, check: str, source: str, translation: str,
        why: str) -> str:
    """`tcomment` with a waiver for `check` on these texts; an older waiver of the same
    check (for texts since changed) is replaced."""
    why = " ".join(why.split())
    lines = [line for line in _logical_lines(tcomment)
             if line and not ((found := WAIVER_RE.match(_joined(line)))
                              and found["check"] == check)]
    lines.append(f"{PREFIX} {check} {fingerprint(check, source, translation)}: {why}")
    return "\n".join(lines)
