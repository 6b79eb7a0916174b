"""Turn a Chinese article (plain text, Word document or saved web page) into a book folder.

A reader per format (`parabook.source.readers`) gives lines or paragraphs and photos;
the rules here find title, subtitle, byline, editorial lines, headings with their levels,
figures with captions, and rejoin broken paragraphs, whatever the format. Every decision
is reported with its line (or paragraph) for a person to check.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from parabook.errors import InputError
from parabook.infra.fsutil import read_input
from parabook.lang.script import HAN
from parabook.model import Block, Figure, Heading, Paragraph
from parabook.source.config import OPTIONS, dump_meta
from parabook.source.manuscript import (
    SOURCE_NAME,
    read_blocks,
    refuse_control_characters,
    write_markdown,
)
from parabook.source.punctuation import to_full_width
from parabook.source.readers import WHERE, Photo, Unit, sniff
from parabook.source.readers.text import decode, read_text
from parabook.source.swap import finish_swap, retired_prefix

__all__ = ["ImportReport", "Imported", "decode", "import_article", "parse_article"]

SENTENCE_END = "。！？…；!?."
CLOSERS = "”’』」）》\"')"
HEADING_MAX = 24  # longest line (in characters) still taken for a plain heading
NUMBERED_MAX = 50  # a numbered heading may be longer: its number says what it is
CAPTION_MAX = 40  # the sample's longest caption has 29 characters
CAPTION_SURE = 30  # a longer caption is reported as a doubt
BYLINE_MAX = 12
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
"""A book folder name; always `fullmatch`ed (`$` would let a trailing newline in)."""

_HAN_NUMBER = "一二三四五六七八九十百零〇两"
NUMBERED = (  # rank 0 is the outermost; the ranks an article uses become ##, ###, ####
    re.compile(rf"第[{_HAN_NUMBER}\d]+(?:部分|章|篇|节|单元)"),
    re.compile(rf"[{_HAN_NUMBER}]+[、，．.]"),
    re.compile(rf"[（(][{_HAN_NUMBER}]+[）)]"),
    re.compile(r"\d{1,2}(?:[、．]|\.(?!\d))"),
    re.compile(r"[（(]\d{1,2}[）)]|[①-⑳]"),
)
_KEYS = ("责任编辑", "发布时间", "发布日期", "原标题", "通讯员", "来源", "作者", "编辑", "审核",
         "校对", "记者", "摄影", "日期", "时间", "出处", "监制", "终审", "初审", "复审")
_KEY_RE = re.compile(rf"(?:^|(?<=[\s|｜丨/]))({'|'.join(_KEYS)})\s*[:：]?\s*")
_BRACKETS = re.compile(r"^[（(【\[]\s*(.*?)\s*[）)】\]]$")
_DATE = re.compile(r"((?:19|20)\d\d)\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass
class ImportReport:
    """What the importer decided, in the order a person would check it."""

    decisions: list[tuple[int, str]] = field(default_factory=list)
    """(line or paragraph, what was decided), reported in order."""
    punctuation: dict[int, Counter] = field(default_factory=dict)
    """Per line: how often each full-width mark replaced a half-width one."""
    unsure: list[str] = field(default_factory=list)
    joined: int = 0
    where: str = "line"
    """What the numbers count: `line` (text) or `paragraph` (Word, HTML)."""

    def lines(self) -> list[str]:
        out = ["Decisions:"] + [f"  {self.where} {n}: {d}" for n, d in sorted(self.decisions)]
        total = sum(sum(c.values()) for c in self.punctuation.values())
        out.append(f"Half-width punctuation made full-width ({total} marks):")
        for number, counts in sorted(self.punctuation.items()):
            marks = ", ".join(f"{new} x{n}" for new, n in counts.items())
            out.append(f"  {self.where} {number}: {marks}")
        out.append(f"Unsure ({len(self.unsure)}):")
        out += [f"  {u}" for u in self.unsure] or ["  nothing"]
        return out

    def doubt(self, number: int, text: str) -> None:
        """An uncertain decision: marked in its place and listed at the end."""
        self.decisions.append((number, f"UNSURE: {text}"))
        self.unsure.append(f"{self.where} {number}: {text}")


@dataclass(frozen=True)
class Imported:
    """The parsed article, ready to be written as a book folder."""

    meta: dict
    blocks: tuple[Block, ...]
    original: str
    report: ImportReport
    photos: dict[str, Photo] = field(default_factory=dict)
    """Figure path -> its photo as the article brought it (Word, HTML)."""


def _ends_sentence(text: str) -> bool:
    """True when the text ends a sentence, looking through closing quotes."""
    stripped = text.rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_END


def _heading_like(text: str) -> bool:
    return len(text) <= HEADING_MAX and not _ends_sentence(text)


def _caption_like(text: str) -> bool:
    """Short, and not the end of a sentence nor broken off in the middle of one."""
    return len(text) <= CAPTION_MAX and text.rstrip(CLOSERS)[-1:] not in tuple("。！？，、；：,;:")


def numbered_rank(text: str) -> int | None:
    """The rank of a numbered heading (`一、` 0 … `（1）` 4); None for anything else.
    A numbered line that ends a sentence or runs long is a list item, not a heading."""
    if len(text) > NUMBERED_MAX or _ends_sentence(text):
        return None
    for rank, pattern in enumerate(NUMBERED):
        found = pattern.match(text)
        if found and len(text) > found.end():
            return rank
    return None


def editorial(text: str) -> list[tuple[str, str]] | None:
    """`来源：X 发布时间：Y` -> [(来源, X), (发布时间, Y)]; `（完）` -> [(完, "")];
    None for a line of the article."""
    if len(text) > 80:
        return None
    inner = _BRACKETS.match(text)
    body = inner.group(1) if inner else text
    if inner and body in ("完", "全文完", "END", "end"):
        return [("完", text)]
    if re.fullmatch(r"[-—\s]*END[-—\s]*", body):
        return [("完", text)]
    keys = list(_KEY_RE.finditer(body))
    if not keys or keys[0].start() != 0:
        return None
    # A key must be followed by a colon, except 记者 and 通讯员 in brackets: （记者 张三）.
    if not re.match(r"\S+\s*[:：]", body) and not (inner and keys[0].group(1) in ("记者",
                                                                                 "通讯员")):
        return None
    out = []
    for key, following in zip(keys, [*keys[1:], None], strict=True):
        value = body[key.end():following.start() if following else len(body)]
        out.append((key.group(1), value.strip(" |｜丨/，,;；")))
    return out


def parse_article(text: str, path: Path) -> Imported:
    """Read a plain-text article (see `parse_units`)."""
    refuse_control_characters(text.replace("\r\n", "\n"), path,
                              "delete it, or export the article again as plain text")
    return parse_units(read_text(text), path, text, "text")


def parse_units(units: list[Unit], path: Path, original: str, kind: str) -> Imported:
    """Recognise title, subtitle, byline, editorial lines, headings, figures; rejoin broken
    paragraphs. The same rules for every format."""
    report = ImportReport(where=WHERE.get(kind, "line"))
    texts = [u for u in units if u.text and not u.photo]
    if not texts:
        raise InputError("the file has no text", path=path, fix="give the article's text file")
    meta: dict[str, Any] = {}
    header_texts: list[tuple[int, str]] = []
    units = list(units)

    def take_editorial(unit: Unit) -> bool:
        fields = editorial(unit.text)
        if fields is None:
            return False
        header_texts.append((unit.number, unit.text))
        said = [_editorial_decision(key, value, meta) for key, value in fields]
        report.decisions.extend((unit.number, line) for line in said)
        # A separator such as 丨 stripped from a value is still Han: name the whole line.
        if Counter(HAN.findall(unit.text)) - Counter(HAN.findall("".join(said))):
            report.decisions.append((unit.number, f"dropped editorial line {unit.text!r}"))
        return True

    # The title: as the markup says, else the first line that is not an editorial one.
    first = next((u for u in units if u.role == "title"), None) or next(
        (u for u in texts if editorial(u.text) is None), texts[0])
    units.remove(first)
    title = first
    report.decisions.append((title.number, f"title {title.text!r}"))
    header_texts.append((title.number, title.text))
    subtitle: Unit | None = None
    byline: Unit | None = None
    lead: list[Unit] = []  # a banner photo above the header comes before the body
    while units:
        unit = units[0]
        if unit.photo:
            lead.append(units.pop(0))
        elif take_editorial(unit):
            units.pop(0)
        elif unit.text == title.text:  # a page's <title> and its first line
            units.pop(0)
            report.decisions.append((unit.number, f"dropped {unit.text!r}: it repeats the title"))
        elif subtitle is None and byline is None and (
                unit.role == "subtitle" or unit.text.startswith(("——", "--", "—"))):
            subtitle = units.pop(0)
            header_texts.append((unit.number, unit.text))
            report.decisions.append((unit.number, f"subtitle {unit.text!r}"))
        elif "byline" not in meta and len(unit.text) <= BYLINE_MAX and not _ends_sentence(
                unit.text) and numbered_rank(unit.text) is None and unit.level is None:
            byline = units.pop(0)
            meta["byline"] = unit.text  # an editorial 作者 line after it is dropped
            header_texts.append((unit.number, unit.text))
            report.decisions.append((unit.number, f"byline {unit.text!r}"))
        else:
            break
    units = lead + units
    if subtitle is None:
        report.unsure.append("no subtitle line starting with —— after the title")
    if byline is None and "byline" not in meta:
        report.unsure.append("no short byline line after the title; set byline in book.yaml")

    blocks: list[Block] = []
    ranks: dict[int, int] = {}  # index in blocks -> rank of its numbered heading
    photos: dict[int, Photo] = {}  # index in blocks -> the figure's photo
    pending: Unit | None = None

    def figure(unit: Unit, caption: str, number: int) -> None:
        assert unit.photo is not None
        if not caption:
            caption = f"图{sum(isinstance(b, Figure) for b in blocks) + 1}"
            report.doubt(unit.number, f"photo {unit.photo.where} has no caption under it; "
                                      f"captioned {caption!r}: write its caption")
        photos[len(blocks)] = unit.photo
        blocks.append(Figure(caption, "", number))

    for unit in units:
        previous = blocks[-1] if blocks else None
        if unit.photo:
            if pending:
                figure(pending, "", pending.number)
            pending = unit
            if unit.photo.caption:
                figure(unit, unit.photo.caption, unit.number)
                pending = None
            continue
        if take_editorial(unit):
            continue
        rank = numbered_rank(unit.text)
        if pending:
            pending_unit, pending = pending, None
            if (unit.role == "caption" or _caption_like(unit.text)) and rank is None \
                    and unit.level is None:
                figure(pending_unit, unit.text, unit.number)
                continue
            figure(pending_unit, "", pending_unit.number)
            previous = blocks[-1]
        if rank is not None:
            ranks[len(blocks)] = rank
            blocks.append(Heading(unit.text, unit.number))
        elif unit.level is not None:
            blocks.append(Heading(unit.text, unit.number, unit.level))
        elif unit.blanks_before >= 2 and _caption_like(unit.text):
            blocks.append(Figure(unit.text, "", unit.number))
            if len(unit.text) > CAPTION_SURE:
                report.doubt(unit.number, "taken as a photo caption (after extra blank "
                                          "lines), but it is long for one")
        elif (isinstance(previous, Paragraph) and not _ends_sentence(previous.text)
              and len(previous.text) > HEADING_MAX and not _heading_like(unit.text)):
            blocks[-1] = Paragraph(previous.text + unit.text, previous.line)
            report.joined += 1
            report.decisions.append((unit.number, (
                f"joined to the paragraph of {report.where} {previous.line} "
                f"(it broke mid-sentence after …{previous.text[-8:]})")))
        elif _heading_like(unit.text) and unit.blanks_before < 2:
            if isinstance(previous, Paragraph) and not _ends_sentence(previous.text):
                report.doubt(unit.number, "taken as a heading, but the paragraph before it "
                                          f"({report.where} {previous.line}) ends without "
                                          "punctuation: was it broken?")
            blocks.append(Heading(unit.text, unit.number))
        else:
            if unit.blanks_before >= 2:
                report.doubt(unit.number, "extra blank lines before it, as where a photo "
                                          "was, but it reads as a paragraph, not a caption: "
                                          "if a photo belongs here, add a figure")
            if isinstance(previous, Paragraph) and not _ends_sentence(previous.text):
                report.doubt(previous.line, "paragraph ends without punctuation but was not "
                                            "joined to the next")
            blocks.append(Paragraph(unit.text, unit.number))
    if pending:
        figure(pending, "", pending.number)
    if blocks and isinstance(blocks[-1], Paragraph) and not _ends_sentence(blocks[-1].text):
        report.doubt(blocks[-1].line, "last paragraph ends without punctuation")

    levels = {rank: min(2 + n, 4) for n, rank in enumerate(sorted(set(ranks.values())))}
    blocks = [Heading(b.text, b.line, levels[ranks[i]]) if isinstance(b, Heading) and i in ranks
              else b for i, b in enumerate(blocks)]
    blocks, figure_photos = _number_photos(blocks, photos)
    for block in blocks:
        if isinstance(block, Heading):
            kind_of = "section heading" if block.level == 2 else f"level-{block.level} heading"
            report.decisions.append((block.line, f"{kind_of} {block.text!r}"))
        elif isinstance(block, Figure):
            photo = figure_photos.get(block.src)
            state = ("photo still missing" if photo is None else
                     f"photo from {photo.where}" if photo.data is not None else
                     f"photo {photo.where} not fetched: add it yourself")
            report.decisions.append((block.line, f"figure {block.src} ({state}), "
                                                 f"caption {block.caption!r}"))

    fixed_meta: dict[str, Any] = {
        "title": _fix_punctuation(title.text, title.number, report),
        "subtitle": _fix_punctuation(subtitle.text if subtitle else "",
                                     subtitle.number if subtitle else 0, report),
        "byline": _fix_punctuation(meta.pop("byline", ""), byline.number if byline else 0,
                                   report),
    }
    fixed_blocks = tuple(_fix_block(block, report) for block in blocks)
    fixed_meta["date"] = meta.pop("date", "") or _find_date(header_texts, report)
    fixed_meta.update(source_lang="zh-CN", target_langs=["en"], page_size="A5",
                      layout="parallel")
    fixed_meta.update(meta)
    return Imported(fixed_meta, fixed_blocks, original, report, figure_photos)


def _editorial_decision(key: str, value: str, meta: dict[str, Any]) -> str:
    """Put one editorial field in the metadata; say where it went."""
    if key == "完":
        return f"dropped the end mark {value}"
    date = _DATE.search(value)
    if key in ("发布时间", "发布日期", "日期", "时间") and (date or _YEAR.search(value)):
        found = (f"{date[1]}-{int(date[2]):02d}-{int(date[3]):02d}" if date
                 else _YEAR.search(value).group(0))  # type: ignore[union-attr]
        if "date" not in meta:
            meta["date"] = found
            return f"editorial line {key}：{value} -> book.yaml date {found}"
    target = {"来源": "source", "出处": "source", "责任编辑": "editor", "编辑": "editor",
              "作者": "byline", "记者": "byline"}.get(key)
    if target and value and target not in meta:
        meta[target] = value
        return f"editorial line {key}：{value} -> book.yaml {target}"
    return f"dropped editorial line {key}{'：' + value if value else ''}"


def _find_date(header: list[tuple[int, str]], report: ImportReport) -> str:
    """A full date in the header or editorial lines, else a year (subtitle first)."""
    for number, text in header:
        found = _DATE.search(text)
        if found:
            date = f"{found[1]}-{int(found[2]):02d}-{int(found[3]):02d}"
            report.decisions.append((number, f"date {date}"))
            return date
    for number, text in header[1:] + header[:1]:  # the subtitle's year before the title's
        found = _YEAR.search(text)
        if found:
            report.decisions.append((number, f"date {found.group(0)} (the year only)"))
            return found.group(0)
    report.unsure.append("no year found for the date; set date in book.yaml")
    return ""


def _number_photos(blocks: list[Block], photos: dict[int, Photo]
                   ) -> tuple[list[Block], dict[str, Photo]]:
    out: list[Block] = []
    by_src: dict[str, Photo] = {}
    count = 0
    for index, block in enumerate(blocks):
        if isinstance(block, Figure):
            count += 1
            photo = photos.get(index)
            suffix = photo.suffix if photo is not None and photo.data is not None else ".jpg"
            block = Figure(block.caption, f"photos/{count:02d}{suffix}", block.line)
            if photo is not None:
                by_src[block.src] = photo
        out.append(block)
    return out, by_src


def _fix_punctuation(text: str, line: int, report: ImportReport) -> str:
    fixed, changes = to_full_width(text)
    if changes:
        counts = report.punctuation.setdefault(line, Counter())
        counts.update(change.new for change in changes)
    return fixed


def _fix_block(block: Block, report: ImportReport) -> Block:
    where = block.line
    if isinstance(block, Figure):
        return Figure(_fix_punctuation(block.caption, where, report), block.src, block.line)
    if isinstance(block, Heading):
        return Heading(_fix_punctuation(block.text, where, report), block.line, block.level)
    return Paragraph(_fix_punctuation(block.text, where, report), block.line)


def read_article(source: Path, encoding: str | None = None) -> Imported:
    """Read any supported file, the format judged by its content."""
    try:
        data = read_input(source, "article")
    except FileNotFoundError:
        raise InputError("file not found", path=source, fix="check the path") from None
    kind = sniff(data, source)
    if kind in ("doc", "pdf"):
        raise InputError(f"this is a {'PDF' if kind == 'pdf' else 'Word 97-2003 (.doc)'} file, "
                         "which cannot be imported", path=source,
                         fix="open it in Word or LibreOffice and save it as .docx" if kind == "doc"
                         else "ask for the Word document, or copy the text into a .txt file")
    if kind == "zip":
        raise InputError("this is a zip archive but not a Word document", path=source,
                         fix="give the .docx, .html or .txt file of the article")
    if kind == "docx":
        from parabook.source.readers.docx import read_docx
        units = read_docx(data, source)
        return parse_units(units, source, "", kind)
    if kind == "html":
        from parabook.source.readers.html import read_html
        units = read_html(data, source)
        for unit in units:
            refuse_control_characters(unit.text, source, "delete it from the page")
        return parse_units(units, source, "", kind)
    return parse_article(decode(data, source, encoding), source)


FOLDER_MODE, FILE_MODE = 0o755, 0o644


def import_article(source: Path, books_dir: Path, slug: str, *, force: bool = False,
                   encoding: str | None = None) -> tuple[Path, ImportReport]:
    """Write `books_dir/slug/` from an article file; all or nothing.

    With `force`, an existing book keeps every key of its book.yaml, and its photos:
    a figure whose caption the old text had keeps that figure's photo, and no photo
    file is ever replaced.
    """
    if not SLUG_RE.fullmatch(slug):
        raise InputError(f"book name {slug!r} is not a valid folder name",
                         fix="use lower-case letters, digits and dashes, e.g. chuzhou-2021")
    imported = read_article(source, encoding)
    target = books_dir / slug
    finish_swap(books_dir, slug)
    if target.exists() and not force:
        raise InputError(f"book {slug!r} already exists", path=target,
                         fix="choose another --book name, or add --force to replace its "
                             "text (its photos/ folder is kept)")
    report = imported.report
    meta = dict(imported.meta)
    blocks = imported.blocks
    photos = dict(imported.photos)
    if target.exists():
        meta = _keep_user_meta(target / "book.yaml", meta, report)
        blocks, photos = _keep_photos(target, blocks, photos, report)

    markdown = write_markdown(blocks)
    _check_round_trip(markdown, blocks, source)
    books_dir.mkdir(parents=True, exist_ok=True)
    # The staging folder never holds the old photos, so removing it can't lose them.
    staging = _new_folder(books_dir, f".{slug}.")
    try:
        _write(staging / "book.yaml", dump_meta(meta).encode("utf-8"))
        _write(staging / SOURCE_NAME, markdown.encode("utf-8"))
        if imported.original:
            _write(staging / "original.zh.txt", imported.original.encode("utf-8"))
        else:  # Word and HTML: the file as it came
            _write(staging / f"original{source.suffix.lower() or '.bin'}", source.read_bytes())
        new_photos = staging / "new-photos"
        new_photos.mkdir()
        new_photos.chmod(FOLDER_MODE)  # mkdir's mode is cut by the umask
        for src, photo in photos.items():
            if photo.data is not None:
                _write(new_photos / Path(src).name, photo.data)
        if not target.exists():
            os.replace(new_photos, staging / "photos")
            os.replace(staging, target)
            return target, report
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
            (target / "photos").chmod(FOLDER_MODE)
        for new in sorted((target / "new-photos").iterdir()):
            if not (target / "photos" / new.name).exists():  # never replace a photo
                os.replace(new, target / "photos" / new.name)
        shutil.rmtree(target / "new-photos")
        shutil.rmtree(retired)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target, report


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(FILE_MODE)


def _keep_user_meta(path: Path, meta: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    """The new metadata with every key the old book.yaml sets kept as it was."""
    try:
        old = yaml.safe_load(path.read_text(encoding="utf-8-sig")) if path.exists() else {}
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read the book.yaml to keep its settings ({exc})", path=path,
                         fix="correct it, or move it away to import without it") from None
    if not isinstance(old, dict):
        old = {}
    kept = []
    for key in OPTIONS:  # in the documented order
        value = old.get(key)
        if value is not None:
            if key == "date" and not isinstance(value, str):
                value = str(value)
            if meta.get(key) != value:
                kept.append(key)
            meta[key] = value
    if kept:
        report.unsure.append(f"kept from the old book.yaml: {', '.join(kept)} (the article "
                             "says otherwise; delete a key there and import again to take "
                             "the article's)")
    return meta


def _keep_photos(target: Path, blocks: tuple[Block, ...], photos: dict[str, Photo],
                 report: ImportReport) -> tuple[tuple[Block, ...], dict[str, Photo]]:
    """Give each figure the photo its caption had in the old text; never reuse a name
    that a photo in photos/ already has for another figure."""
    folder = target / "photos"
    on_disk = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    try:
        old_blocks = read_blocks((target / SOURCE_NAME).read_text(encoding="utf-8-sig"),
                                 target / SOURCE_NAME)
    except (InputError, OSError, UnicodeDecodeError):
        old_blocks = ()
        if on_disk:
            report.unsure.append("the old source.zh.md could not be read: photos are matched "
                                 "by number, check each")
    by_caption: dict[str, list[Figure]] = {}
    for block in old_blocks:
        if isinstance(block, Figure):
            by_caption.setdefault(_caption_key(block.caption), []).append(block)
    reserved = {f.src for figures in by_caption.values() for f in figures}
    taken = {name.lower() for name in on_disk}
    out: list[Block] = []
    new_photos: dict[str, Photo] = {}
    matched = 0
    for block in blocks:
        if not isinstance(block, Figure):
            out.append(block)
            continue
        photo = photos.get(block.src)
        olds = by_caption.get(_caption_key(block.caption))
        if olds:
            old = olds.pop(0)  # the same caption twice: the old figures in their order
            matched += 1
            src = old.src
            if (photo is not None and photo.data is not None and not (target / src).exists()
                    and Path(src).suffix.lower() != photo.suffix):
                src = str(Path(src).with_suffix(photo.suffix))  # the old name did not fit
            report.decisions.append((block.line, f"figure keeps {src}, the photo of its "
                                                 "caption before (and its options)"))
            figure = Figure(block.caption, src, block.line, old.width, old.crop, old.focus)
        else:
            src = block.src
            stem, suffix = Path(src).stem, Path(src).suffix
            number = int(stem) if stem.isdigit() else 1
            while Path(src).name.lower() in taken or src in reserved:
                number += 1
                src = f"photos/{number:02d}{suffix}"
            if src != block.src:
                report.decisions.append((block.line, f"figure named {src}: {block.src} "
                                                     "is another figure's photo"))
            figure = Figure(block.caption, src, block.line)
        taken.add(Path(src).name.lower())
        if photo is not None and not (target / src).exists():
            new_photos[src] = photo
        out.append(figure)
    if on_disk:
        report.unsure.append(f"kept the {len(on_disk)} photo(s) already in photos/; "
                             f"{matched} figure(s) matched by caption: check the rest with "
                             f"'python build.py photos {target.name}'")
    return tuple(out), new_photos


def _caption_key(caption: str) -> str:
    return re.sub(r"\s+", "", to_full_width(caption)[0])


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new empty folder `parent/prefix…`, mode 0755 (mkdtemp's 0700 would stay on the
    book folder it becomes)."""
    while True:
        folder = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            folder.mkdir()
            folder.chmod(FOLDER_MODE)
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
