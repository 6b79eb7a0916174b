"""Machine drafts, made safe for a PO file full of people's work.

A provider (`provider.py`) translates; this engine decides what to ask for and
keeps what comes back:

- only missing, stale or untouched machine entries are written: never a reviewed
  entry, never a draft a person has edited;
- each draft is checked (not empty, not the Chinese echoed back), saved to the PO
  at once and atomically, merged with what a reviewer saved meanwhile, and kept in
  a translation memory, so an interrupted run loses nothing and a rerun sends
  nothing twice;
- a provider's failures come typed: retried after a growing wait, the segment left
  empty, or the run stopped with everything done saved.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polib

from parabook.catalog.po import (
    MACHINE_RE,
    Key,
    entry_finder,
    entry_state,
    find_entry,
    keys,
    machine_comment,
    machine_provider,
    read_catalog,
    save_catalog,
    update_catalog,
)
from parabook.catalog.qa import (
    GlossaryMiss,
    GlossaryTerm,
    glossary_for,
    glossary_misses,
)
from parabook.errors import BookError, InputError, display_path
from parabook.infra.lock import po_lock
from parabook.model import Segment
from parabook.mt.deeptranslator import DEEP_TRANSLATOR
from parabook.mt.llm import LLM_PROVIDERS
from parabook.mt.memory import Memory
from parabook.mt.provider import (
    Batch,
    Draft,
    Earlier,
    Failure,
    Provider,
    Session,
    Settings,
    Usage,
    bad_output,
    clean,
    endpoint_error,
    secrets,
)
from parabook.project import Project
from parabook.source.manuscript import read_book, segments

__all__ = ["PROVIDERS", "WRITABLE", "ProviderError", "Report", "Settings", "describe",
           "translate_book"]

# Every `--provider`; a new provider is one more entry.
PROVIDERS: dict[str, Provider] = {**DEEP_TRANSLATOR, **LLM_PROVIDERS}
# What each --only may overwrite. Never "reviewed", never "unreviewed" (a person's text).
WRITABLE: dict[str, frozenset[str]] = {
    "missing": frozenset({"missing"}),
    "stale": frozenset({"missing", "stale"}),
    "all-unreviewed": frozenset({"missing", "stale", "machine"}),
}
CHECK_NOTE = "machine draft check: "
EARLIER_SOURCE = "earlier Chinese: "
EARLIER_NOTE = "earlier translation, for that earlier Chinese: "
# One comment line (polib wraps longer ones): a minimal edit, not a fresh draft.
DERIVED_NOTE = "machine edit of the reviewed translation below, for the changed Chinese"


class ProviderError(BookError):
    """The provider stopped the run (key, quota, outage); what is done is saved."""

    exit_code = 1


@dataclass(frozen=True)
class Job:
    """One entry to draft."""

    key: Key
    """The entry's (msgctxt, msgid)."""
    segment: Segment
    """The segment it translates."""
    state: str
    """Its state when planned: missing, stale or machine."""
    glossary: tuple[GlossaryTerm, ...]
    """The glossary terms that occur in it, longest first."""
    memo: str
    """What its draft is remembered under: the text, and the renderings of its
    glossary terms (a changed glossary asks again)."""
    index: int = 0
    """Its segment's place in the book's segments, for the context of its batch."""
    earlier: Earlier | None = None
    """A stale entry's reviewed translation, when the provider edits rather than redrafts."""


@dataclass
class Report:
    """What a `translate` run did (or, with --dry-run, would do)."""

    po: Path
    provider: Provider
    jobs: int = 0
    """Segments to draft."""
    chars: int = 0
    """Characters to send (or sent): text not already in the translation memory."""
    remembered: int = 0
    """Segments that need no request: in the translation memory, or all glossary terms."""
    drafted: int = 0
    skipped: list[str] = field(default_factory=list)
    """Segments left empty, each with the reason."""
    glossary_misses: int = 0
    retries: int = 0
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    tokens: tuple[int, int] | None = None
    """Tokens in and out: estimated when planned, as the service counted them after a
    run; None for a provider that does not count tokens."""
    created: bool = False
    """The PO file did not exist and was created."""


class Progress(Protocol):
    def start(self, report: Report) -> None: ...
    def advance(self, report: Report) -> None: ...
    def say(self, message: str) -> None: ...


class _Quiet:
    def start(self, report: Report) -> None:
        pass

    def advance(self, report: Report) -> None:
        pass

    def say(self, message: str) -> None:
        pass


@dataclass(frozen=True)
class _Book:
    """What every batch of one run shares."""

    source_lang: str
    """The book's language, from `book.yaml`."""
    lang: str
    """The language drafted into."""
    title: str
    """The book's title, in the source language."""
    glossary: list[GlossaryTerm]
    """The whole glossary, longest term first."""
    names: tuple[str, str, str]
    """The translation memory's key before the text: provider, source and target language."""


def translate_book(project: Project, slug: str, lang: str | None, settings: Settings,
                   progress: Progress | None = None, env: Mapping[str, str] | None = None,
                   sleep: Callable[[float], None] = time.sleep) -> Report:
    """Draft the book's untranslated segments into `translations/<slug>.<lang>.po`."""
    progress = progress or _Quiet()
    env = os.environ if env is None else env
    _check_settings(settings)
    provider = PROVIDERS[settings.provider]
    manuscript = read_book(project.books, slug)
    meta = manuscript.meta
    lang = lang or meta.target_langs[0]
    po = project.po(slug, lang)
    if not settings.dry_run:
        _check_keys(provider, settings, env)
    provider.check(meta.source_lang, lang, settings, env)
    book = _Book(meta.source_lang, lang, meta.title,
                 glossary_for(project.translations, manuscript.folder, meta.source_lang, lang),
                 (provider.memory_name(settings, env), meta.source_lang, lang))
    segs = segments(manuscript)
    report = Report(po, provider)
    memory = Memory(project.translation_memory(), read_only=settings.dry_run)
    if memory.problem:
        progress.say(memory.problem)
    with closing(memory):
        if settings.dry_run:  # plan against the file `update` would make, write nothing
            merged = update_catalog(po, segs, slug, lang, save=False).catalog
            _plan(report, merged, segs, settings, book, memory)
            return report
        with po_lock(po):
            report.created = update_catalog(po, segs, slug, lang).created
            jobs = _plan(report, read_catalog(po), segs, settings, book, memory)
            _Run(po, provider, settings, report, progress, memory, book, env, sleep,
                 segs).go(jobs)
    return report


def _check_settings(settings: Settings) -> None:
    numbers = {"--timeout": settings.timeout, "--backoff": settings.backoff,
               "--rate": settings.rate if settings.rate is not None else 1.0}
    for option, value in numbers.items():
        if not math.isfinite(value) or value < 0 or (value == 0 and option != "--backoff"):
            raise InputError(f"{option} {value} is not a usable number",
                             fix="e.g. --timeout 20 --rate 1 --backoff 1 (seconds, per "
                                 "second, seconds)")
    if settings.retries < 0:
        raise InputError(f"--retries {settings.retries} is below 0", fix="e.g. --retries 5")
    problem = endpoint_error("--endpoint", settings.endpoint) if settings.endpoint else None
    if problem:
        raise problem


def _check_keys(provider: Provider, settings: Settings, env: Mapping[str, str]) -> None:
    missing = [k for k in provider.required_keys(settings, env) if not env.get(k)]
    if missing:
        raise ProviderError(f"{provider.label} needs {' and '.join(missing)} in the "
                            "environment", fix=f"export {missing[0]}=... (see README, "
                            "Machine drafts), or choose another --provider")
    for key in (k for k in provider.keys if env.get(k)):
        if env[key] != env[key].strip() or any(c.isspace() for c in env[key]):
            raise ProviderError(f"{key} contains a space or a line break (a copy-paste "
                                "slip?); the value is not shown", fix=f"set {key} again "
                                "without it")


def _plan(report: Report, catalog: polib.POFile | None, segs: list[Segment],
          settings: Settings, book: _Book, memory: Memory) -> list[Job]:
    """The segments `settings.only` lets us write, counted into `report`."""
    writable = WRITABLE[settings.only]
    seen: set[Key] = set()
    jobs = []
    find = entry_finder(catalog) if catalog is not None else (lambda key: None)
    for index, (key, segment) in enumerate(zip(keys(segs), segs, strict=True)):
        if key in seen:
            continue
        seen.add(key)
        entry = find(key)
        if entry is not None and entry.msgid_plural:
            continue  # plural forms are a person's job; a draft would lose one of them
        state = entry_state(entry)
        if state in writable:
            terms = tuple(t for t in book.glossary if t.term in segment.text)
            memo = "\n".join([segment.text] + [f"{t.term}\t{' | '.join(t.renderings)}"
                                               for t in terms])
            earlier = None
            if state == "stale" and report.provider.edits and entry is not None and \
                    machine_provider(entry) is None and entry.previous_msgid:
                earlier = Earlier(entry.previous_msgid, entry.msgstr)
                # Another reviewed text (or earlier Chinese) asks again.
                memo += f"\n\x00edit\n{earlier.source}\n{earlier.translation}"
            jobs.append(Job(key, segment, state, terms, memo, index, earlier))
    report.jobs = len(jobs)
    sent = []
    for job in jobs:
        cost = 0 if memory.get(*book.names, job.memo) is not None else \
            report.provider.cost(job.segment.text, job.glossary)
        report.chars += cost
        report.remembered += not cost
        if cost:
            sent.append(job.segment.text + (job.earlier.source + job.earlier.translation
                                            if job.earlier else ""))
    report.tokens = report.provider.estimate(sent, len(_batches(report.provider, [
        job for job in jobs if memory.get(*book.names, job.memo) is None])))
    return jobs


def _batches(provider: Provider, jobs: list[Job]) -> list[list[Job]]:
    """`jobs` in reading order, cut into batches of the provider's size."""
    batches: list[list[Job]] = []
    chars = 0
    for job in jobs:
        size = len(job.segment.text)
        if not batches or len(batches[-1]) >= max(1, provider.batch_size) or (
                provider.batch_chars and chars + size > provider.batch_chars):
            batches.append([])
            chars = 0
        batches[-1].append(job)
        chars += size
    return batches


class _Run:
    """One run: batches of jobs to the provider's session, each draft saved as it comes."""

    def __init__(self, po: Path, provider: Provider, settings: Settings, report: Report,
                 progress: Progress, memory: Memory, book: _Book, env: Mapping[str, str],
                 sleep: Callable[[float], None], segs: list[Segment]) -> None:
        self.po, self.provider, self.settings, self.report = po, provider, settings, report
        self.progress, self.memory, self.book, self.env = progress, memory, book, env
        self.sleep, self.segs = sleep, segs
        self.secrets = secrets(provider.keys, env)
        self.usage = Usage()
        self.catalog: polib.POFile | None = None
        self.stamp: tuple[int, int, int] | None = None
        self.started = 0.0

    def go(self, jobs: list[Job]) -> None:
        self.started = time.perf_counter()
        self.progress.start(self.report)  # says what is to be sent...
        self.report.chars = 0  # ...and from here on it counts what was
        try:
            with self.provider.session(self.settings, self.env) as session:
                self.usage = session.usage
                for batch in _batches(self.provider, jobs):
                    self._batch(session, batch)
        finally:
            self._tally()

    def _tally(self) -> None:
        self.report.chars = self.usage.chars
        self.report.requests = self.usage.requests
        self.report.statuses = Counter(self.usage.statuses)
        self.report.seconds = time.perf_counter() - self.started
        if self.report.tokens is not None:
            self.report.tokens = (self.usage.tokens_in, self.usage.tokens_out)

    def _batch(self, session: Session, jobs: list[Job]) -> None:
        """Draft `jobs`: from the memory where it can, else through the provider, sending
        each text once and what failed again until it is done or the run stops."""
        waiting: dict[str, list[Job]] = {}
        for job in jobs:
            remembered = self.memory.get(*self.book.names, job.memo)
            if remembered is None:
                waiting.setdefault(job.memo, []).append(job)
            else:
                self._keep(job, remembered)
        failures = 0
        while waiting:
            asked = [group[0] for group in waiting.values()]
            batch = Batch(self.book.source_lang, self.book.lang, self.book.title,
                          tuple(job.segment for job in asked),
                          tuple(t for t in self.book.glossary
                                if any(t in job.glossary for job in asked)),
                          self._context(asked), tuple(job.earlier for job in asked))
            retry: Failure | None = None
            progressed = False
            # A provider may stop early (a retryable failure): the rest are asked again.
            for job, result in zip(asked, session.translate(batch), strict=False):
                if isinstance(result, Draft):
                    problem = bad_output(job.segment.text, result.text, self.book.lang,
                                         self.secrets)
                    result = Failure("skip", problem) if problem else Draft(clean(result.text))
                if isinstance(result, Draft):
                    self.memory.put(*self.book.names, job.memo, result.text)
                    for each in waiting.pop(job.memo):
                        self._keep(each, result.text)
                elif result.action == "skip":
                    for each in waiting.pop(job.memo):
                        self._skip(each, result.why)
                elif result.action == "stop":
                    raise self._stop(result.why, result.fix)
                else:
                    retry = result
                    continue
                progressed = True
            if waiting:
                failures = 1 if progressed else failures + 1
                self._wait(retry or Failure("retry", "some segments got no answer"), failures)

    def _context(self, asked: list[Job]) -> tuple[Segment, ...]:
        """What a translator would read around `asked`: the headings of their sections, and
        the segment just before and just after them, in reading order."""
        inside = {job.index for job in asked}
        sections = {job.segment.place.section for job in asked}
        around = {min(inside) - 1, max(inside) + 1}
        return tuple(s for i, s in enumerate(self.segs) if i not in inside and (
            (s.kind == "heading" and s.place.section in sections)
            or (i in around and s.kind != "heading")))

    def _wait(self, failure: Failure, failures: int) -> None:
        """Back off before sending again, or stop after `--retries` failures in a row."""
        if failures > self.settings.retries:
            raise self._stop(f"{self.provider.label} kept failing ({failure.why}), "
                             f"{self.settings.retries} retries",
                             fix="run the same command again later to resume")
        self.report.retries += 1
        delay = self.settings.backoff * 2 ** (failures - 1) * random.uniform(0.5, 1.0)
        if failure.wait is not None:
            delay = max(delay, failure.wait)
        self.progress.say(f"{failure.why}; retrying in {delay:.1f} s")
        self.sleep(delay)

    def _keep(self, job: Job, draft: str) -> None:
        misses = glossary_misses(job.segment.text, draft, self.book.glossary)
        if self._store(job, draft, misses):
            self.report.drafted += 1
            self.report.glossary_misses += len(misses)
        self._advance()

    def _skip(self, job: Job, why: str) -> None:
        message = f"{job.segment.where}: no draft, {why}; the entry stays empty"
        self.report.skipped.append(message)
        self.progress.say(message)
        self._advance()

    def _advance(self) -> None:
        self._tally()
        self.progress.advance(self.report)

    def _stop(self, problem: str, fix: str) -> ProviderError:
        done, total = self.report.drafted, self.report.jobs
        message = f"{problem}; {done} of {total} segment(s) drafted and saved"
        for secret in self.secrets:
            message = message.replace(secret, "***")
        return ProviderError(message, path=self.po, fix=fix)

    # The PO is re-read when it changed on disk since our last write (a reviewer
    # saving in Poedit meanwhile), so their edit is merged, not overwritten.
    def _stat(self) -> tuple[int, int, int]:
        stat = self.po.stat()
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _current(self) -> polib.POFile:
        stamp = self._stat()
        if self.catalog is None or stamp != self.stamp:
            self.catalog = read_catalog(self.po)
            self.stamp = stamp
        return self.catalog

    def _store(self, job: Job, draft: str, misses: list[GlossaryMiss]) -> bool:
        for _attempt in range(3):
            catalog = self._current()
            entry = find_entry(catalog, job.key)
            state = entry_state(entry)
            if entry is None or entry.msgid_plural or state not in WRITABLE[self.settings.only]:
                self.progress.say(f"{job.segment.where}: left alone, it changed while drafting "
                                  f"(now {state})")
                return False
            _fill(entry, state, draft, self.provider.label, misses, derived=job.earlier is not None
                  and entry.msgstr == job.earlier.translation)
            if self._stat() != self.stamp:  # saved by someone in the meantime: merge again
                self.catalog = None
                continue
            save_catalog(catalog, self.po)  # merged with a save that landed meanwhile
            self.stamp = self._stat()
            if find_entry(catalog, job.key) is not entry:  # theirs won the merge
                self.progress.say(f"{job.segment.where}: left alone, a reviewer saved it "
                                  "while it was stored")
                return False
            return True
        self.progress.say(f"{job.segment.where}: left alone, the file keeps changing; run again")
        return False


def _fill(entry: polib.POEntry, state: str, draft: str, label: str,
          misses: list[GlossaryMiss], *, derived: bool = False) -> None:
    """Put a draft into an entry, keeping every word a person wrote in its comments;
    `derived`: the draft is a minimal edit of the person's translation in the entry."""
    notes = [line for line in (entry.tcomment or "").splitlines()
             if not MACHINE_RE.match(line) and not line.startswith(CHECK_NOTE)
             and line != DERIVED_NOTE]
    if state == "stale" and machine_provider(entry) is None and entry.msgstr.strip():
        # A person's work is never dropped: their translation, and what it translated.
        notes += [EARLIER_SOURCE + (entry.previous_msgid or ""), EARLIER_NOTE + entry.msgstr]
    entry.previous_msgid = entry.previous_msgctxt = None
    entry.msgstr = draft
    if "fuzzy" not in entry.flags:
        entry.flags.append("fuzzy")
    entry.tcomment = "\n".join([machine_comment(label, draft)] + [DERIVED_NOTE] * derived
                               + [_note(m) for m in misses] + notes)


def _note(miss: GlossaryMiss) -> str:
    """A check note that fits one PO comment line: polib wraps longer ones, and a
    wrapped note could not be told from a person's comment when it is replaced."""
    start = f"{CHECK_NOTE}glossary line {miss.line}: missing "
    return start + miss.term[:76 - len(start)]


def describe(report: Report, *, dry_run: bool = False) -> str:
    """One line: where the drafts go and what is (or, in a dry run, would be) sent."""
    draft, send = ("would be drafted", "would be sent") if dry_run else ("to draft", "to send")
    tokens = (f" (about {report.tokens[0]:,} tokens in, {report.tokens[1]:,} out)"
              if report.tokens is not None else "")
    return (f"{display_path(report.po)}: {report.jobs} segment(s) {draft} with "
            f"{report.provider.label}, {report.chars:,} characters {send}{tokens} "
            f"({report.remembered} segment(s) need none: in the translation memory or all "
            "glossary terms)")
