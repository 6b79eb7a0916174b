"""Checks a reviewer can trust: review counts and QA findings, each with its PO line.

The shared glossary is `translations/glossary.<src>-<lang>.tsv`; a book may add its own,
`book/<slug>/glossary.<src>-<lang>.tsv`, whose terms take precedence over the shared
ones. Each is a header line `term<TAB>translation<TAB>note`, then one term per line.
Alternatives in the translation column are separated by ` | `; any one of them
satisfies the check. A finding names the glossary its term came from.

Each finding has a stable check code (`CHECKS`); a reviewer may accept one with a
reason (`waivers`), and a book may turn the house-style checks off in book.yaml
(`skip_checks: [style.spelling]`).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from parabook.catalog import numbers, waivers
from parabook.errors import InputError, display_path, not_utf8
from parabook.infra.fsutil import read_input
from parabook.lang import language
from parabook.lang.script import HAN_OR_CJK_PUNCTUATION
from parabook.model import Segment, Translation, TranslationState

GLOSSARY_LIMIT = 8 * 2**20
"""Bytes: a glossary of 100,000 terms is about 5 MB."""
BRACKETS = {"(": ")", "[": "]", "{": "}"}
APOSTROPHE = "’"
CHECKS = {
    "empty": "the translation is empty",
    "numbers": "a number of the source is not in the translation",
    "numbers.more-than": "余 or 多 (more than) is not rendered",
    "glossary": "a glossary term is not rendered as the glossary says",
    "untranslated": "Chinese characters or punctuation left in the translation",
    "brackets": "brackets or quotation marks do not pair up",
    "style.straight-quotes": "straight quotes or apostrophes where the language has curly ones",
    "style.double-space": "two spaces in a row",
    "style.final-stop": "the source ends a sentence and the translation does not",
    "style.spelling": "US and UK spellings mixed within one book",
}
"""Every check code, with what it means; codes are stable (waivers name them)."""
SWITCHABLE = tuple(c for c in CHECKS if c.startswith("style."))
"""The house-style checks a book may turn off in book.yaml's `skip_checks`."""
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
    path: Path | None = None
    """The glossary file it came from."""


@dataclass(frozen=True)
class Finding:
    """One QA problem in one translation."""

    segment: Segment
    line: int | None
    """Line of the entry in the PO file."""
    check: str
    """Which check fired: a code of `CHECKS`."""
    message: str
    waived: str | None = None
    """The reviewer's reason for accepting it (`waivers`); None: it stands."""


def glossary_path(translations_dir: Path, source_lang: str, lang: str) -> Path:
    return translations_dir / f"glossary.{source_lang.split('-')[0]}-{lang}.tsv"


def book_glossary_path(book_dir: Path, source_lang: str, lang: str) -> Path:
    return book_dir / f"glossary.{source_lang.split('-')[0]}-{lang}.tsv"


def glossary_files(translations_dir: Path, book_dir: Path, source_lang: str,
                   lang: str) -> tuple[Path, Path]:
    """(the book's own, the shared) glossary paths, whether they exist or not."""
    return (book_glossary_path(book_dir, source_lang, lang),
            glossary_path(translations_dir, source_lang, lang))


def glossary_for(translations_dir: Path, book_dir: Path, source_lang: str,
                 lang: str) -> list[GlossaryTerm]:
    """The glossary a book's QA and machine drafts use: its own over the shared one."""
    own, shared = glossary_files(translations_dir, book_dir, source_lang, lang)
    return load_glossaries(shared, own)


def load_glossaries(shared: Path, own: Path) -> list[GlossaryTerm]:
    """The shared glossary with the book's own over it: a term in both is the book's."""
    mine = load_glossary(own)
    taken = {t.term for t in mine}
    terms = mine + [t for t in load_glossary(shared) if t.term not in taken]
    return sorted(terms, key=lambda t: -len(t.term))


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
            terms.append(GlossaryTerm(row[0].strip(), renderings, note, number, path))
    except csv.Error as exc:  # a field over csv's size limit
        raise InputError(f"this glossary line cannot be read: {exc}", path=path,
                         line=rows.line_num, fix="write: term<TAB>translation<TAB>note") from None
    # Longest first: a longer term (滁州经开区) explains its shorter part (经开区).
    return sorted(terms, key=lambda t: -len(t.term))


@dataclass(frozen=True)
class GlossaryMiss:
    """A glossary term in the source whose translation is missing from the target."""

    term: str
    """The source-language term."""
    renderings: tuple[str, ...]
    """The accepted translations, none of which the target has."""
    line: int
    """Line of the term in the glossary file."""
    path: Path | None = None

    @property
    def message(self) -> str:
        wanted = " or ".join(f"“{r}”" for r in self.renderings)
        where = f"{display_path(self.path)}:{self.line}" if self.path else \
            f"glossary line {self.line}"
        return f"glossary: {self.term} should be rendered as {wanted} ({where})"


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
            out.append(GlossaryMiss(term.term, term.renderings, term.line, term.path))
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


SPELLINGS = {  # US: UK
    "organize": "organise", "organized": "organised", "organization": "organisation",
    "organizations": "organisations", "center": "centre", "centers": "centres",
    "behavior": "behaviour", "honor": "honour", "honored": "honoured", "color": "colour",
    "labor": "labour", "neighbor": "neighbour", "neighborhood": "neighbourhood",
    "defense": "defence", "fulfill": "fulfil", "fulfillment": "fulfilment",
    "mobilize": "mobilise", "mobilization": "mobilisation", "realize": "realise",
    "recognize": "recognise", "modernize": "modernise", "civilization": "civilisation",
    "civilized": "civilised", "urbanization": "urbanisation", "program": "programme",
    "publicize": "publicise", "publicizing": "publicising", "centralized": "centralised",
    "traveled": "travelled", "favor": "favour", "favorable": "favourable",
    "harbor": "harbour", "license": "licence", "catalog": "catalogue",
    "emphasize": "emphasise", "prioritize": "prioritise", "utilize": "utilise",
}
UK_TO_US = {uk: us for us, uk in SPELLINGS.items()}
QUOTE_STRAIGHT = re.compile(r"[\"']")
ENDS_SENTENCE = "。！？!?…"


def spellings(text: str) -> Counter[str]:
    """How many US and UK spellings `text` has: Counter({"US": 3, "UK": 1})."""
    found: Counter[str] = Counter()
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in SPELLINGS:
            found["US"] += 1
        elif word in UK_TO_US:
            found["UK"] += 1
    return found


def check_style(source: str, target: str, lang: str = "en",
                book_spelling: str | None = None) -> list[tuple[str, str]]:
    """House style: curly quotes, single spaces, the final stop, one spelling.
    `book_spelling` is the book's majority (US or UK); None: not checked."""
    out = []
    quotes = language(lang).quotes
    straight = sorted(set(QUOTE_STRAIGHT.findall(target)))
    if straight and quotes.primary[0] not in "\"'":
        out.append(("style.straight-quotes",
                    f"straight {' and '.join(straight)} in the translation: write "
                    f"{quotes.primary[0]}…{quotes.primary[1]} and ’"))
    if "  " in target:
        out.append(("style.double-space", "two spaces in a row in the translation"))
    stripped_source = source.rstrip().rstrip("”’」』)）")
    stripped_target = target.rstrip().rstrip("”’\"')»«“„")
    if (stripped_source and stripped_source[-1] in ENDS_SENTENCE and stripped_target
            and stripped_target[-1] not in ".!?…:;"):
        out.append(("style.final-stop", "the source ends with a full stop and the "
                                        "translation does not"))
    if book_spelling and lang.startswith("en"):
        other = "UK" if book_spelling == "US" else "US"
        table = SPELLINGS if other == "US" else UK_TO_US
        words = sorted({w for w in re.findall(r"[a-z]+", target.lower()) if w in table})
        if words:
            out.append(("style.spelling",
                        f"{other} spelling in a book spelled {book_spelling}: "
                        + ", ".join(f"{w} ({table[w]})" for w in words)))
    return out


def check_translation(source: str, target: str, glossary: list[GlossaryTerm],
                      lang: str = "en", *, skip: tuple[str, ...] = (),
                      book_spelling: str | None = None) -> list[tuple[str, str]]:
    """Every QA finding for one translation into `lang`, as (check, message), leaving
    out the checks in `skip`."""
    if not target.strip():
        return [("empty", "empty translation")]
    out = numbers.check_numbers(source, target, lang)
    out += [("glossary", m) for m in check_glossary(source, target, glossary)]
    out += [("untranslated", m) for m in check_untranslated(target)]
    out += [("brackets", m) for m in check_brackets(target, lang)]
    out += check_style(source, target, lang, book_spelling)
    return [(c, m) for c, m in out if c not in skip]


def book_spelling(texts: list[str]) -> str | None:
    """US or UK: the spelling most of the book's translations use; None: neither."""
    found: Counter[str] = Counter()
    for text in texts:
        found += spellings(text)
    if not found:
        return None
    return "UK" if found["UK"] > found["US"] else "US"


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
    """Every finding, accepted ones too (`Finding.waived`)."""
    glossaries: tuple[Path, ...] = ()
    """The glossary files that were read: the book's own first."""
    previous: dict[Segment, str] = field(default_factory=dict)
    """A stale segment's Chinese as it was when translated (the PO's `#| msgid`)."""

    @property
    def open(self) -> tuple[Finding, ...]:
        """The findings no reviewer accepted."""
        return tuple(f for f in self.findings if f.waived is None)

    @property
    def accepted(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.waived is not None)

    @property
    def final(self) -> bool:
        """Ready: every entry reviewed and no finding unwaived. The one definition that
        `check --final` and `build --final` share."""
        return not self.unfinished and not self.open


def entry_findings(segment: Segment, translation: Translation, text: str,
                   tcomment: str | None, glossary: list[GlossaryTerm], lang: str, *,
                   skip: tuple[str, ...] = (),
                   spelling: str | None = None) -> tuple[Finding, ...]:
    """The findings of one entry for `text`, each waived where its comment accepts it."""
    return tuple(
        Finding(segment, translation.line, name, message,
                waivers.reason(tcomment, name, segment.text, text))
        for name, message in check_translation(segment.text, text, glossary, lang,
                                               skip=skip, book_spelling=spelling))


def check(slug: str, lang: str, po: Path, translations: dict[Segment, Translation],
          glossary: list[GlossaryTerm], comments: dict[Segment, str] | None = None, *,
          skip: tuple[str, ...] = (), glossaries: tuple[Path, ...] = (),
          previous: dict[Segment, str] | None = None) -> CheckReport:
    """`comments`: each entry's translator comment, where waivers are kept."""
    comments = comments or {}
    counts: Counter[TranslationState] = Counter(t.state for t in translations.values())
    spelling = book_spelling([t.text or "" for t in translations.values()])
    findings: list[Finding] = []
    for segment, translation in translations.items():
        findings += entry_findings(segment, translation, translation.text or "",
                                   comments.get(segment), glossary, lang, skip=skip,
                                   spelling=spelling)
    unfinished = tuple((s, t) for s, t in translations.items() if t.state != "reviewed")
    return CheckReport(slug, lang, po, {s: counts[s] for s in STATE_ORDER}, unfinished,
                       tuple(findings), glossaries, previous or {})
