"""Turn a plain-text Chinese article export into a manuscript folder.

The export puts one paragraph per line with a blank line between, a photo's
caption after extra blank lines (where the photo was), and sometimes breaks a
paragraph in two mid-sentence. Every decision is reported for a person to check.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from parabook.errors import InputError
from parabook.infra.fsutil import read_input
from parabook.lang.script import IDEOGRAPHIC_SPACE
from parabook.lang.zh import FULL_WIDTH
from parabook.model import Block, Figure, Heading, Paragraph
from parabook.source.config import dump_meta
from parabook.source.manuscript import (
    SOURCE_NAME,
    read_blocks,
    refuse_control_characters,
    write_markdown,
)
from parabook.source.punctuation import to_full_width
from parabook.source.swap import finish_swap, retired_prefix

SENTENCE_END = "。！？…；!?."
CLOSERS = "”’』」）》\"')"
HEADING_MAX = 24  # longest line (in characters) still taken for a heading
BYLINE_MAX = 12
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
"""A book folder name; always `fullmatch`ed (`$` would let a trailing newline in)."""


@dataclass(frozen=True)
class Line:
    """A non-blank line of the export."""

    number: int
    text: str
    blanks_before: int


@dataclass
class ImportReport:
    """What the importer decided, in the order a person would check it."""

    decisions: list[tuple[int, str]] = field(default_factory=list)
    """(line, what was decided), reported in line order."""
    punctuation: dict[int, Counter] = field(default_factory=dict)
    """Per line: how often each half-width mark became full-width."""
    unsure: list[str] = field(default_factory=list)
    joined: int = 0

    def lines(self) -> list[str]:
        out = ["Decisions:"] + [f"  line {n}: {d}" for n, d in sorted(self.decisions)]
        total = sum(sum(c.values()) for c in self.punctuation.values())
        out.append(f"Half-width punctuation made full-width ({total} marks):")
        for number, counts in sorted(self.punctuation.items()):
            marks = ", ".join(f"{FULL_WIDTH[old]} x{n}" for old, n in counts.items())
            out.append(f"  line {number}: {marks}")
        out.append(f"Unsure ({len(self.unsure)}):")
        out += [f"  {u}" for u in self.unsure] or ["  nothing"]
        return out


@dataclass(frozen=True)
class Imported:
    """The parsed article, ready to be written as a book folder."""

    meta: dict
    blocks: tuple[Block, ...]
    original: str
    report: ImportReport


def decode(data: bytes, path: Path, encoding: str | None) -> str:
    """UTF-8 (with or without BOM) by default; other encodings only when asked."""
    if encoding:
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except (UnicodeError, LookupError) as exc:
            raise InputError(f"cannot decode as {encoding}: {exc}", path=path,
                             fix="check the --encoding value") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        hint = "convert it to UTF-8"
        try:
            data.decode("gb18030")
            hint = ("it looks like GBK/GB18030: re-run with --encoding gb18030, "
                    f"or convert it first: iconv -f GB18030 -t UTF-8 {path} > out.txt")
        except UnicodeDecodeError:
            pass
        raise InputError(f"not UTF-8 (byte 0x{data[exc.start]:02x} cannot be decoded)",
                         path=path, line=line, fix=hint) from None


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    blanks = 0
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        stripped = raw.strip().replace(IDEOGRAPHIC_SPACE, " ").strip()
        if not stripped:
            blanks += 1
            continue
        lines.append(Line(number, stripped, blanks))
        blanks = 0
    return lines


def _ends_sentence(text: str) -> bool:
    """True when the text ends a sentence, looking through closing quotes."""
    stripped = text.rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_END


def _heading_like(text: str) -> bool:
    return len(text) <= HEADING_MAX and not _ends_sentence(text)


def parse_article(text: str, path: Path) -> Imported:
    """Recognise title, subtitle, byline, headings, captions; rejoin broken paragraphs."""
    report = ImportReport()
    refuse_control_characters(text.replace("\r\n", "\n"), path,
                              "delete it, or export the article again as plain text")
    lines = split_lines(text)
    if not lines:
        raise InputError("the file has no text", path=path, fix="give the article's text file")

    title = lines.pop(0)
    report.decisions.append((title.number, f"title {title.text!r}"))
    subtitle, subtitle_line = "", 0
    if lines and lines[0].text.startswith(("——", "--", "—")):
        sub = lines.pop(0)
        subtitle, subtitle_line = sub.text, sub.number
        report.decisions.append((sub.number, f"subtitle {subtitle!r}"))
    else:
        report.unsure.append("no subtitle line starting with —— after the title")
    byline, byline_line = "", 0
    if lines and len(lines[0].text) <= BYLINE_MAX and not _ends_sentence(lines[0].text):
        by = lines.pop(0)
        byline, byline_line = by.text, by.number
        report.decisions.append((by.number, f"byline {byline!r}"))
    else:
        report.unsure.append("no short byline line after the title; set byline in book.yaml")

    blocks: list[Block] = []
    for line in lines:
        previous = blocks[-1] if blocks else None
        if line.blanks_before >= 2:
            blocks.append(Figure(line.text, "", line.number))
            if len(line.text) > 60 or line.text[-1] in "。！？":
                report.unsure.append(f"line {line.number}: taken as a photo caption "
                                     "(after extra blank lines), but it reads like a sentence")
        elif (isinstance(previous, Paragraph) and not _ends_sentence(previous.text)
              and len(previous.text) > HEADING_MAX and not _heading_like(line.text)):
            blocks[-1] = Paragraph(previous.text + line.text, previous.line)
            report.joined += 1
            report.decisions.append((line.number, (
                f"joined to the paragraph of line {previous.line} "
                f"(it broke mid-sentence after …{previous.text[-8:]})")))
        elif _heading_like(line.text):
            if isinstance(previous, Paragraph) and not _ends_sentence(previous.text):
                report.unsure.append(
                    f"line {line.number}: taken as a heading, but the paragraph before it "
                    f"(line {previous.line}) ends without punctuation: was it broken?")
            blocks.append(Heading(line.text, line.number))
        else:
            if isinstance(previous, Paragraph) and not _ends_sentence(previous.text):
                report.unsure.append(f"line {previous.line}: paragraph ends without "
                                     "punctuation but was not joined to the next")
            blocks.append(Paragraph(line.text, line.number))
    if blocks and isinstance(blocks[-1], Paragraph) and not _ends_sentence(blocks[-1].text):
        report.unsure.append(f"line {blocks[-1].line}: last paragraph ends without punctuation")

    blocks = _number_photos(blocks)
    for block in blocks:
        if isinstance(block, Heading):
            report.decisions.append((block.line, f"section heading {block.text!r}"))
        elif isinstance(block, Figure):
            report.decisions.append((block.line, f"figure {block.src} "
                                     f"(photo still missing), caption {block.caption!r}"))

    fixed_meta: dict[str, object] = {
        "title": _fix_punctuation(title.text, title.number, report),
        "subtitle": _fix_punctuation(subtitle, subtitle_line, report),
        "byline": _fix_punctuation(byline, byline_line, report),
    }
    fixed_blocks = tuple(_fix_block(block, report) for block in blocks)
    year = re.search(r"(19|20)\d\d", subtitle or title.text)
    fixed_meta["date"] = year.group(0) if year else ""
    if not year:
        report.unsure.append("no year found for the date; set date in book.yaml")
    fixed_meta.update(source_lang="zh-CN", target_langs=["en"], page_size="A5",
                      layout="parallel")
    return Imported(fixed_meta, fixed_blocks, text, report)


def _number_photos(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    count = 0
    for block in blocks:
        if isinstance(block, Figure):
            count += 1
            block = Figure(block.caption, f"photos/{count:02d}.jpg", block.line)
        out.append(block)
    return out


def _fix_punctuation(text: str, line: int, report: ImportReport) -> str:
    fixed, changes = to_full_width(text)
    if changes:
        counts = report.punctuation.setdefault(line, Counter())
        counts.update(change.old for change in changes)
    return fixed


def _fix_block(block: Block, report: ImportReport) -> Block:
    where = block.line
    if isinstance(block, Figure):
        return Figure(_fix_punctuation(block.caption, where, report), block.src, block.line)
    if isinstance(block, Heading):
        return Heading(_fix_punctuation(block.text, where, report), block.line)
    return Paragraph(_fix_punctuation(block.text, where, report), block.line)


def import_article(source: Path, books_dir: Path, slug: str, *, force: bool = False,
                   encoding: str | None = None) -> tuple[Path, ImportReport]:
    """Write `books_dir/slug/` from a text file; all or nothing."""
    if not SLUG_RE.fullmatch(slug):
        raise InputError(f"book name {slug!r} is not a valid folder name",
                         fix="use lower-case letters, digits and dashes, e.g. chuzhou-2021")
    try:
        data = read_input(source, "article")
    except FileNotFoundError:
        raise InputError("file not found", path=source, fix="check the path") from None
    imported = parse_article(decode(data, source, encoding), source)
    target = books_dir / slug
    finish_swap(books_dir, slug)
    if target.exists() and not force:
        raise InputError(f"book {slug!r} already exists", path=target,
                         fix="choose another --book name, or add --force to replace its "
                             "text (its photos/ folder is kept)")

    markdown = write_markdown(imported.blocks)
    _check_round_trip(markdown, imported.blocks, source)
    old_photos = sorted(p.name for p in (target / "photos").glob("*") if p.is_file())
    if old_photos:
        imported.report.unsure.append(
            f"kept the {len(old_photos)} photo(s) already in photos/; check that each still "
            "matches its figure's caption")

    books_dir.mkdir(parents=True, exist_ok=True)
    # The staging folder never holds the old photos, so removing it can't lose them.
    staging = _new_folder(books_dir, f".{slug}.")
    try:
        (staging / "book.yaml").write_text(dump_meta(imported.meta), encoding="utf-8")
        (staging / SOURCE_NAME).write_text(markdown, encoding="utf-8")
        (staging / "original.zh.txt").write_text(imported.original, encoding="utf-8")
        if not target.exists():
            (staging / "photos").mkdir()
            os.replace(staging, target)
            return target, imported.report
        retired = _new_folder(books_dir, retired_prefix(slug))
        os.replace(target, retired / slug)
        try:
            os.replace(staging, target)
        except BaseException:
            os.replace(retired / slug, target)
            raise
        # Until this rename the photos sit in the retired copy, never deleted.
        if (retired / slug / "photos").is_dir():
            os.replace(retired / slug / "photos", target / "photos")
        else:
            (target / "photos").mkdir()
        shutil.rmtree(retired)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target, imported.report


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new empty folder `parent/prefix…`. Unlike mkdtemp's (mode 0700) its mode
    follows the umask, as for any saved folder: it becomes the book folder."""
    while True:
        folder = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue


def _check_round_trip(markdown: str, blocks: tuple[Block, ...], source: Path) -> None:
    """Prove the Markdown reads back as exactly what was imported, before writing it."""
    reread = read_blocks(markdown, source)
    for wrote, read in zip(blocks, reread, strict=False):
        if _strip_line(wrote) != _strip_line(read):
            raise InputError("this line cannot be written as Markdown unchanged",
                             path=source, line=wrote.line,
                             fix="please report it; meanwhile simplify its punctuation")
    if len(reread) != len(blocks):
        raise InputError("the text cannot be written as Markdown unchanged", path=source,
                         fix="please report it with the file")


def _strip_line(block: Block) -> tuple:
    if isinstance(block, Figure):
        return ("figure", block.caption, block.src)
    return (type(block).__name__, block.text)
