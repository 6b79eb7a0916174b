"""Checks a reviewer can trust: review counts and QA findings, each with its PO line.

The glossary is `translations/glossary.<src>-<lang>.tsv`: a header line
`term<TAB>translation<TAB>note`, then one term per line. Alternatives in the
translation column are separated by ` | `; any one of them satisfies the check.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from parabook.catalog import numbers
from parabook.errors import InputError, not_utf8
from parabook.infra.fsutil import read_input
from parabook.lang import language
from parabook.lang.script import HAN_OR_CJK_PUNCTUATION
from parabook.model import Segment, Translation, TranslationState

GLOSSARY_LIMIT = 8 * 2**20
"""Bytes: a glossary of 100,000 terms is about 5 MB."""
BRACKETS = {"(": ")", "[": "]", "{": "}"}
APOSTROPHE = "’"
SOURCE_LANG = "zh"  # how the manuscript writes numbers: 1,600 and 200万
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
    try:
        data = read_input(path, "glossary", limit=GLOSSARY_LIMIT)
    except FileNotFoundError:
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, data, exc) from None
    terms: list[GlossaryTerm] = []
    rows = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
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
    except csv.Error as exc:  # a field over csv's size limit
        raise InputError(f"this glossary line cannot be read: {exc}", path=path,
                         line=rows.line_num, fix="write: term<TAB>translation<TAB>note") from None
    # Longest first: a longer term (滁州经开区) explains its shorter part (经开区).
    return sorted(terms, key=lambda t: -len(t.term))


def check_numbers(source: str, target: str, lang: str = "en") -> list[str]:
    """The numbers findings' messages (`numbers.check_numbers`)."""
    return [message for _, message in numbers.check_numbers(source, target, lang)]


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
    found = sorted(set(HAN_OR_CJK_PUNCTUATION.findall(target)))
    if not found:
        return []
    return [f"Chinese characters or punctuation left in the translation: {' '.join(found)}"]


def check_brackets(target: str, lang: str = "en") -> list[str]:
    """Brackets and the language's quotation marks („…“ in German) open and close in pairs."""
    problems = []
    stack: list[str] = []
    pairs = BRACKETS | language(lang).quotes.pairs
    closers = {v: k for k, v in pairs.items()}
    for index, char in enumerate(target):
        if char in pairs:
            stack.append(char)
        elif (char == APOSTROPHE and index > 0 and target[index - 1].isalpha()
              and closers.get(char) not in stack):
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


def check_translation(source: str, target: str, glossary: list[GlossaryTerm],
                      lang: str = "en") -> list[tuple[str, str]]:
    """Every QA finding for one translation into `lang`, as (check, message)."""
    if not target.strip():
        return [("empty", "empty translation")]
    out = numbers.check_numbers(source, target, lang)
    out += [("glossary", m) for m in check_glossary(source, target, glossary)]
    out += [("untranslated", m) for m in check_untranslated(target)]
    out += [("brackets", m) for m in check_brackets(target, lang)]
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
        for name, message in check_translation(segment.text, text, glossary, lang):
            findings.append(Finding(segment, translation.line, name, message))
    unfinished = tuple((s, t) for s, t in translations.items() if t.state != "reviewed")
    return CheckReport(slug, lang, po, {s: counts[s] for s in STATE_ORDER}, unfinished,
                       tuple(findings))
