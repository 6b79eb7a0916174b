"""What the review page shows of each segment: plain data for the templates and the JSON
answers. Review state and text come from `service.review_entries`, findings from
`service.findings` (with its waivers) or, before that exists, from `catalog.qa`."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from parabook import service
from parabook.catalog import qa
from parabook.model import Place
from parabook.project import Project
from parabook.source.manuscript import read_book


def place_key(place: Place) -> str:
    """A place as one string for the page (`paragraph|2|3|`), read back by `parse_key`."""
    return f"{place.kind}|{place.section}|{place.number}|{place.photo}"


def parse_key(key: str) -> Place | None:
    parts = key.split("|", 3)
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    kind, section, number, photo = parts
    if kind not in ("title", "subtitle", "byline", "heading", "paragraph", "caption",
                    "publisher", "place"):
        return None
    return Place(kind, int(section), int(number), photo)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Chunk:
    """A run of a character diff: `same`, `gone` (only in the old Chinese) or `new`."""

    kind: str
    text: str


def char_diff(old: str, new: str) -> tuple[Chunk, ...]:
    """The old and new Chinese, character by character."""
    out: list[Chunk] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out.append(Chunk("same", old[a0:a1]))
            continue
        if a1 > a0:
            out.append(Chunk("gone", old[a0:a1]))
        if b1 > b0:
            out.append(Chunk("new", new[b0:b1]))
    return tuple(out)


@dataclass(frozen=True)
class Term:
    """A glossary term that occurs in the segment's Chinese."""

    term: str
    renderings: tuple[str, ...]
    missing: bool
    """No accepted rendering is in the translation."""


@dataclass(frozen=True)
class FindingView:
    check: str
    message: str
    waived: str | None
    """The reason it was accepted, or None."""


@dataclass(frozen=True)
class Row:
    """One segment on the review page."""

    key: str
    index: int
    kind: str
    where: str
    where_zh: str
    """`where` for the Chinese interface."""
    source: str
    text: str
    state: str
    provider: str | None
    version: str
    diff: tuple[Chunk, ...]
    terms: tuple[Term, ...]
    findings: tuple[FindingView, ...]


class Checker:
    """The glossary and QA checks of one book and language, loaded once."""

    def __init__(self, project: Project, slug: str, lang: str) -> None:
        self.project, self.slug, self.lang = project, slug, lang
        meta = read_book(project.books, slug).meta
        self.glossary = qa.load_glossary(qa.glossary_path(project.translations,
                                                          meta.source_lang, lang))

    def terms(self, source: str, text: str) -> tuple[Term, ...]:
        missed = {m.term for m in qa.glossary_misses(source, text, self.glossary)}
        covered, out = source, []
        for term in self.glossary:  # longest first, as the check reads them
            if term.term in covered:
                covered = covered.replace(term.term, "\0")
                out.append(Term(term.term, term.renderings, term.term in missed))
        return tuple(out)

    def findings(self, place: Place, source: str, text: str) -> tuple[FindingView, ...]:
        if hasattr(service, "findings"):  # issue 20: the findings with their waivers
            found = service.findings(self.project, self.slug, self.lang, place, text)
            return tuple(FindingView(f.check, f.message, f.waived) for f in found)
        return tuple(FindingView(check, message, None) for check, message
                     in qa.check_translation(source, text, self.glossary, self.lang))


def waivers_enabled() -> bool:
    return hasattr(service, "waive")


def row(checker: Checker, index: int, entry: service.ReviewEntry) -> Row:
    segment, translation = entry.segment, entry.translation
    text = translation.text or ""
    return Row(place_key(segment.place), index, segment.kind, segment.where,
               segment.place.describe_in("zh"), segment.text, text, translation.state,
               entry.provider, entry.version,
               char_diff(entry.previous, segment.text) if entry.previous else (),
               checker.terms(segment.text, text),
               checker.findings(segment.place, segment.text, text))


def counts(rows: Sequence[Row | service.ReviewEntry]) -> dict[str, int]:
    """How many segments are in each state."""
    out: dict[str, int] = dict.fromkeys(qa.STATE_ORDER, 0)
    for r in rows:
        out[r.state if isinstance(r, Row) else r.translation.state] += 1
    return out
