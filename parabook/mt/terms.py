"""Glossary suggestions from a language model, for a person to accept.

`build.py terms SLUG` asks the model for the recurring names and institutional or
political terms of a book that the glossary lacks, keeps those that really occur in
the book and are not in the glossary yet, and writes them to
`translations/<slug>.<lang>.terms.tsv` in the glossary's own format, each with its
count and an example sentence. The glossary itself is never written: a person copies
the lines they accept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from parabook.catalog.qa import glossary_path, load_glossary
from parabook.errors import InputError
from parabook.infra.fsutil import write_atomic
from parabook.mt.llm import LLM_PROVIDERS, Suggestion, suggest_terms
from parabook.mt.provider import Settings, Usage, endpoint_error
from parabook.project import Project
from parabook.source.manuscript import read_book, segments


@dataclass(frozen=True)
class TermsReport:
    path: Path
    """The suggestions file written."""
    glossary: Path
    """The glossary they are for (not written)."""
    suggestions: tuple[Suggestion, ...]
    usage: Usage


def terms_path(project: Project, slug: str, lang: str) -> Path:
    return project.translations / f"{slug}.{lang}.terms.tsv"


def suggest(project: Project, slug: str, lang: str | None, settings: Settings,
            env: Mapping[str, str] | None = None) -> TermsReport:
    """Ask `settings.provider` (a language model) for glossary suggestions; write them."""
    from parabook.mt.engine import _check_keys

    env = os.environ if env is None else env
    provider = LLM_PROVIDERS.get(settings.provider)
    if provider is None:
        raise InputError(f"--provider {settings.provider} cannot suggest terms",
                         fix=f"use a language model: --provider {' or '.join(LLM_PROVIDERS)}")
    problem = endpoint_error("--endpoint", settings.endpoint) if settings.endpoint else None
    if problem:
        raise problem
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    provider.check(manuscript.meta.source_lang, lang, settings, env)
    _check_keys(provider, settings, env)
    glossary = glossary_path(project.translations, manuscript.meta.source_lang, lang)
    known = load_glossary(glossary)
    texts = list(dict.fromkeys(s.text for s in segments(manuscript)))
    found, usage = suggest_terms(provider, settings, env, manuscript.meta.title, texts, known,
                                 lang)
    path = terms_path(project, slug, lang)
    lines = [f"# Suggested glossary entries for {slug} ({lang}), from {provider.label} "
             f"{provider.model(settings)}. Nothing here is used until a person copies a",
             f"# line into {glossary.name}. Columns: term, translation, note.",
             "term\ttranslation\tnote"]
    lines += [f"{s.term}\t{s.rendering}\t{s.count}x, e.g. {' '.join(s.example.split())}"
              for s in found]
    write_atomic(path, "\n".join(lines) + "\n")
    return TermsReport(path, glossary, tuple(found), usage)
