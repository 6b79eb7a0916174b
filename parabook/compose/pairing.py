"""Pair the manuscript with its translations into the document the template renders."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from parabook.diagnostics import Diagnostic
from parabook.errors import InputError, display_path
from parabook.lang import language
from parabook.model import (
    Bilingual,
    Document,
    Figure,
    FigureView,
    Heading,
    Manuscript,
    PhotoView,
    Row,
    Segment,
    SegmentKind,
    TocEntry,
    Translation,
)


def pair(manuscript: Manuscript, lang: str,
         translations: dict[Segment, Translation]) -> Document:
    """Pair each block with its translation into rows, for any layout (what only one
    layout needs comes after: `layouts.plan_layout`); missing text is marked, never copied."""
    by_kind_text = {(s.kind, s.text): t for s, t in translations.items()}

    def bilingual(kind: SegmentKind, text: str) -> Bilingual:
        found = by_kind_text.get((kind, text))
        if found is None or found.text is None:
            return Bilingual(text, None, "missing")
        return Bilingual(text, found.text, found.state)

    meta = manuscript.meta
    warnings: list[Diagnostic] = []
    rows: list[Row] = []
    pending = language(lang).pending_label
    for block in manuscript.blocks:
        if isinstance(block, Heading):
            rows.append(Row("heading", bilingual("heading", block.text),
                            anchor=f"section-{sum(r.anchor != '' for r in rows) + 1}",
                            level=block.level))
        elif isinstance(block, Figure):
            view = FigureView(bilingual("caption", block.caption),
                              _photo(manuscript, block, warnings))
            previous = rows[-1] if rows else None
            # Two half-width figures in a row share one row of the page.
            if (block.width == "half" and previous and previous.kind == "figures"
                    and len(previous.figures) == 1
                    and previous.figures[0].photo.figure.width == "half"):
                rows[-1] = Row("figures", figures=(previous.figures[0], view))
            else:
                rows.append(Row("figures", figures=(view,)))
        else:
            text = bilingual("paragraph", block.text)
            previous = rows[-1] if rows else None
            if previous and previous.kind == "heading":  # the heading travels with it
                rows[-1] = Row("paragraph", text, heading=previous.text,
                               anchor=previous.anchor, level=previous.level)
            else:
                rows.append(Row("paragraph", text))

    states = Counter(t.state for t in translations.values())
    unreviewed = sum(states.values()) - states["reviewed"]
    if unreviewed:
        detail = ", ".join(f"{n} {STATE_NAMES[s]}" for s, n in sorted(states.items())
                           if s != "reviewed")
        warnings.append(Diagnostic(
            None, None, "warning", "translation.unreviewed",
            f"{unreviewed} segment(s) lack a reviewed {lang} translation ({detail}); the "
            f"booklet is marked DRAFT. 'python build.py check {meta.slug}' lists them"))
    cover = None
    if meta.cover_photo:  # named in book.yaml, so its problems are reported there
        cover = _photo(manuscript, Figure("", meta.cover_photo, 0), warnings,
                       manuscript.folder / "book.yaml", meta.cover_photo_line)
    warnings = _summarised(warnings, manuscript,
                           [view.photo for row in rows for view in row.figures], cover)
    return Document(
        meta=meta,
        target_lang=lang,
        title=bilingual("title", meta.title),
        subtitle=bilingual("subtitle", meta.subtitle) if meta.subtitle else None,
        byline=bilingual("byline", meta.byline),
        rows=tuple(rows),
        pending_label=pending,
        draft=bool(unreviewed),
        toc=tuple(TocEntry(r.anchor, title, r.level) for r in rows
                  if r.anchor and (title := r.heading or r.text) is not None),
        date=Bilingual(language(meta.source_lang).date(meta.date),
                       language(lang).date(meta.date)) if meta.date else None,
        cover_photo=cover,
        publisher=bilingual("publisher", meta.publisher) if meta.publisher else None,
        place=bilingual("place", meta.place) if meta.place else None,
        warnings=tuple(warnings),
    )


STATE_NAMES = {"machine": "machine draft(s)", "stale": "with changed source",
               "unreviewed": "not reviewed", "missing": "missing"}


def _photo(manuscript: Manuscript, figure: Figure, warnings: list[Diagnostic],
           named_in: Path | None = None, line: int | None = None) -> PhotoView:
    """The photo of a figure, named at `named_in:line` (default: the manuscript's line)."""
    named_in, line = (named_in, line) if named_in else (manuscript.source_path, figure.line)
    folder = manuscript.folder.resolve()
    written = ("![caption](photos/NN.jpg)" if named_in == manuscript.source_path
               else "cover_photo: photos/NAME.jpg")
    if figure.src.startswith(("/", "\\")) or ":" in figure.src:  # absolute, URL, drive
        raise InputError(f"photo path {figure.src!r} is not a file inside the book folder",
                         path=named_in, line=line,
                         fix=f"put the photo in photos/ and write {written}")
    # resolve() follows symlinks, so a link pointing outside the book is refused too.
    try:
        path = (folder / figure.src).resolve()
        present = path.is_file()
    except (OSError, RuntimeError, ValueError) as exc:  # a loop, a NUL, a name too long
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"photo path {figure.src[:80]!r} cannot be used ({reason})",
                         path=named_in, line=line,
                         fix=f"name the photo simply, e.g. {written}") from None
    if not path.is_relative_to(folder):
        raise InputError(f"photo path {figure.src!r} leads outside the book folder",
                         path=named_in, line=line,
                         fix=f"copy the photo into photos/ (a copy, not a link) and write "
                             f"{written}")
    if not present:
        variant = _variant(path)
        if variant is None:
            several = _variants(path)
            warnings.append(Diagnostic(
                named_in, line, "warning", "photo.missing",
                f"photo {figure.src} is missing; a placeholder frame is printed. " + (
                    f"photos/ has {' and '.join(p.name for p in several)}: keep the one "
                    f"that belongs here, as {path.name}" if several else
                    f"Add the file as {display_path(folder / figure.src)}")))
            return PhotoView(figure.src, None, figure)
        warnings.append(Diagnostic(
            named_in, line, "warning", "photo.other-name",
            f"photo {figure.src} is on disk as {variant.name}; it is used",
            fix=f"rename the file, or write {variant.name} in the path"))
        path = variant
    return PhotoView(figure.src, path, figure)


PHOTO_SUFFIXES = {".jpg": ".jpg", ".jpeg": ".jpg", ".jpe": ".jpg", ".png": ".png",
                  ".tif": ".tif", ".tiff": ".tif", ".webp": ".webp", ".gif": ".gif",
                  ".bmp": ".bmp", ".heic": ".heic"}
"""A photo's file extensions, each mapped to one spelling: `01.jpeg` is `01.jpg`."""


def _spelled(name: str) -> str:
    stem, dot, suffix = name.lower().rpartition(".")
    return stem + PHOTO_SUFFIXES.get(dot + suffix, dot + suffix) if dot else name.lower()


def _variant(path: Path) -> Path | None:
    """The one file beside `path` whose name differs from it only in case or in the
    spelling of its extension (`01.JPG`, `01.jpeg` for `01.jpg`); None if none or several."""
    found = _variants(path)
    return found[0] if len(found) == 1 else None


def _variants(path: Path) -> list[Path]:
    """Every file beside `path` named as it is but for case and extension spelling."""
    try:
        return sorted(p for p in path.parent.iterdir()
                      if _spelled(p.name) == _spelled(path.name) and p.is_file())
    except OSError:
        return []


def _summarised(warnings: list[Diagnostic], manuscript: Manuscript,
                figures: list[PhotoView], cover: PhotoView | None) -> list[Diagnostic]:
    """One line for many missing photos (the sample comes without its photos), and one for
    the photos in `photos/` that no figure uses (a camera's IMG_2034.JPG)."""
    missing = [d for d in warnings
               if d.code == "photo.missing" and d.path == manuscript.source_path]
    out = [d for d in warnings if d not in missing] if len(missing) > 1 else list(warnings)
    if len(missing) > 1:
        names = [v.expected for v in figures if v.source is None]
        shown = ", ".join(names) if len(names) <= 3 else f"{names[0]} … {names[-1]}"
        out.insert(0, Diagnostic(
            manuscript.source_path, None, "warning", "photo.missing",
            f"{len(missing)} photos are missing ({shown}); placeholder frames are printed. "
            f"Add the files to {display_path(manuscript.folder / 'photos')}/ under those "
            "names"))
    photos = manuscript.folder / "photos"
    used = {v.source for v in [*figures, cover] if v is not None and v.source is not None}
    try:
        unused = sorted(p.name for p in photos.iterdir() if p.is_file()
                        and p.suffix.lower() in PHOTO_SUFFIXES and p.resolve() not in used)
    except OSError:
        unused = []
    if unused:
        shown = ", ".join(unused[:5]) + (f" and {len(unused) - 5} more" if len(unused) > 5
                                         else "")
        out.append(Diagnostic(
            photos, None, "warning", "photo.unused",
            f"{len(unused)} photo(s) in it are in no figure: {shown}",
            fix=f"add a figure for each to source.zh.md, e.g. ![caption](photos/{unused[0]}), "
                "or rename it to the name a figure gives ('python build.py photos "
                f"{manuscript.meta.slug}' lists them beside the figures missing one)"))
    return out


def photo_status(manuscript: Manuscript) -> tuple[list[tuple[Figure, list[str]]], list[str]]:
    """The figures still missing a photo, each with the files of nearly its name (the
    build uses the one when there is one), and the files in `photos/` that no figure
    (nor the cover) uses."""
    folder = manuscript.folder.resolve()
    photos = folder / "photos"
    try:
        files = sorted(p for p in photos.iterdir()
                       if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
    except OSError:
        files = []
    used: set[Path] = set()
    missing: list[tuple[Figure, list[str]]] = []
    figures = [b for b in manuscript.blocks if isinstance(b, Figure)]
    if manuscript.meta.cover_photo:
        figures.append(Figure("cover_photo", manuscript.meta.cover_photo, 0))
    for figure in figures:
        try:
            path = (folder / figure.src).resolve()
        except (OSError, RuntimeError, ValueError):
            missing.append((figure, []))
            continue
        if path.is_file():
            used.add(path)
            continue
        variants = _variants(path)
        if len(variants) == 1:
            used.add(variants[0].resolve())
        missing.append((figure, [p.name for p in variants]))
    unused = [p.name for p in files if p.resolve() not in used]
    return missing, unused
