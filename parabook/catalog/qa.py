"""Checks a reviewer can trust: review counts and QA findings, each with its PO line.

The glossary is `translations/glossary.<src>-<lang>.tsv`: a header line
`term<TAB>translation<TAB>note`, then one term per line. Alternatives in the
translation column are separated by ` | `; any one of them satisfies the check.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from parabook.errors import InputError
from parabook.model import Segment, Translation, TranslationState

HAN_OR_CJK_PUNCT = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                              r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
NUMBER_WORDS = {
    1: "one first once", 2: "two second twice both", 3: "three third", 4: "four fourth",
    5: "five fifth", 6: "six sixth", 7: "seven seventh", 8: "eight eighth", 9: "nine ninth",
    10: "ten tenth", 11: "eleven eleventh", 12: "twelve twelfth dozen",
    13: "thirteen thirteenth", 14: "fourteen fourteenth", 15: "fifteen fifteenth",
    16: "sixteen sixteenth", 17: "seventeen seventeenth", 18: "eighteen eighteenth",
    19: "nineteen nineteenth", 20: "twenty twentieth", 30: "thirty thirtieth",
    40: "forty fortieth", 50: "fifty fiftieth", 60: "sixty sixtieth", 70: "seventy seventieth",
    80: "eighty eightieth", 90: "ninety ninetieth", 100: "hundred hundredth centenary",
    1000: "thousand thousandth",
}
MONTHS = ("january february march april may june july august september october november "
          "december").split()
PAIRS = {"(": ")", "[": "]", "{": "}", "“": "”", "‘": "’"}
STATE_ORDER: tuple[TranslationState, ...] = ("reviewed", "machine", "stale", "unreviewed",
                                             "missing")


@dataclass(frozen=True)
class GlossaryTerm:
    """One line of the glossary."""

    term: str
    """Source-language term, matched literally in the source text."""
    renderings: tuple[str, ...]
    """Accepted translations; one must occur (case-insensitively) in the translation."""
    note: str
    line: int
    """Line in the glossary file."""


@dataclass(frozen=True)
class Finding:
    """One QA problem in one translation."""

    segment: Segment
    line: int | None
    """Line of the entry in the PO file."""
    check: str
    """Which check fired: numbers, glossary, untranslated, empty, brackets."""
    message: str


def glossary_path(translations_dir: Path, source_lang: str, lang: str) -> Path:
    return translations_dir / f"glossary.{source_lang.split('-')[0]}-{lang}.tsv"


def load_glossary(path: Path) -> list[GlossaryTerm]:
    """Read the TSV glossary; a missing file is an empty glossary."""
    if not path.exists():
        return []
    terms: list[GlossaryTerm] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for number, row in enumerate(rows, start=1):
            if not row or not "".join(row).strip() or row[0].startswith("#"):
                continue
            if number == 1 and [c.strip().lower() for c in row[:2]] == ["term", "translation"]:
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise InputError("a glossary line needs a term and its translation, "
                                 "separated by a tab", path=path, line=number,
                                 fix="write: term<TAB>translation<TAB>note")
            renderings = tuple(r.strip() for r in row[1].split(" | ") if r.strip())
            note = row[2].strip() if len(row) > 2 else ""
            terms.append(GlossaryTerm(row[0].strip(), renderings, note, number))
    # Longest first: a longer term (滁州经开区) explains its shorter part (经开区).
    return sorted(terms, key=lambda t: -len(t.term))


def _numbers(text: str) -> Counter[str]:
    text = unicodedata.normalize("NFKC", text)
    return Counter(n.replace(",", "") for n in NUMBER.findall(text))


def _number_said(number: str, source: str, words: Counter[str]) -> int:
    """How often the translation says `number` in words (nine, ninth, March for 3月)."""
    value = float(number)
    if not value.is_integer():
        return 0
    said = sum(words[w] for w in NUMBER_WORDS.get(int(value), "").split())
    # 7月 is July: a month may be named instead of numbered.
    if 1 <= value <= 12 and re.search(rf"(?<!\d){number}月", source):
        said += words[MONTHS[int(value) - 1]]
    return said


def check_numbers(source: str, target: str) -> list[str]:
    missing = []
    target_numbers = _numbers(target)
    words = Counter(re.findall(r"[a-z]+", target.lower()))
    for number, count in _numbers(source).items():
        if target_numbers[number] + _number_said(number, source, words) < count:
            missing.append(number)
    return [f"number {n} is in the source but not in the translation" for n in missing]


@dataclass(frozen=True)
class GlossaryMiss:
    """A glossary term in the source whose translation is missing from the target."""

    term: str
    """The source-language term."""
    renderings: tuple[str, ...]
    """The accepted translations, none of which the target has."""
    line: int
    """Line of the term in the glossary file."""

    @property
    def message(self) -> str:
        wanted = " or ".join(f"“{r}”" for r in self.renderings)
        return f"glossary: {self.term} should be rendered as {wanted} (glossary line {self.line})"


def glossary_misses(source: str, target: str,
                    glossary: list[GlossaryTerm]) -> list[GlossaryMiss]:
    """The glossary terms of `source` that `target` does not render."""
    out = []
    lowered = target.lower()
    covered = source
    for term in glossary:
        if term.term not in covered:
            continue
        covered = covered.replace(term.term, "\0")  # a longer term already spoke for it
        if not any(r.lower() in lowered for r in term.renderings):
            out.append(GlossaryMiss(term.term, term.renderings, term.line))
    return out


def check_glossary(source: str, target: str, glossary: list[GlossaryTerm]) -> list[str]:
    return [miss.message for miss in glossary_misses(source, target, glossary)]


def check_untranslated(target: str) -> list[str]:
    found = sorted(set(HAN_OR_CJK_PUNCT.findall(target)))
    if not found:
        return []
    return [f"Chinese characters or punctuation left in the translation: {' '.join(found)}"]


def check_brackets(target: str) -> list[str]:
    problems = []
    stack: list[str] = []
    closers = {v: k for k, v in PAIRS.items()}
    for index, char in enumerate(target):
        if char in PAIRS:
            stack.append(char)
        elif char == "’" and index > 0 and target[index - 1].isalpha() and "‘" not in stack:
            continue  # an apostrophe (Party’s), not a closing quote
        elif char in closers:
            if stack and stack[-1] == closers[char]:
                stack.pop()
            else:
                problems.append(f"unbalanced {char}: nothing opens it")
    problems += [f"unbalanced {opener}: it is never closed" for opener in stack]
    if target.count('"') % 2:
        problems.append('unbalanced ": an odd number of straight quotes')
    return problems


def check_translation(source: str, target: str, glossary: list[GlossaryTerm]) -> list[
        tuple[str, str]]:
    """Every QA finding for one translation, as (check, message)."""
    if not target.strip():
        return [("empty", "empty translation")]
    out = [("numbers", m) for m in check_numbers(source, target)]
    out += [("glossary", m) for m in check_glossary(source, target, glossary)]
    out += [("untranslated", m) for m in check_untranslated(target)]
    out += [("brackets", m) for m in check_brackets(target)]
    return out


@dataclass(frozen=True)
class CheckReport:
    """Review counts and QA findings for one book in one language."""

    slug: str
    lang: str
    po: Path
    counts: dict[TranslationState, int]
    unfinished: tuple[tuple[Segment, Translation], ...]
    """Segments whose translation is not reviewed, in reading order."""
    findings: tuple[Finding, ...]

    @property
    def final(self) -> bool:
        return not self.unfinished and not self.findings


def check(slug: str, lang: str, po: Path, translations: dict[Segment, Translation],
          glossary: list[GlossaryTerm]) -> CheckReport:
    counts: Counter[TranslationState] = Counter(t.state for t in translations.values())
    findings: list[Finding] = []
    for segment, translation in translations.items():
        text = translation.text or ""
        for name, message in check_translation(segment.text, text, glossary):
            findings.append(Finding(segment, translation.line, name, message))
    unfinished = tuple((s, t) for s, t in translations.items() if t.state != "reviewed")
    return CheckReport(slug, lang, po, {s: counts[s] for s in STATE_ORDER}, unfinished,
                       tuple(findings))
