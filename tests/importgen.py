"""Word documents and saved web pages with photos, made for the import tests from the
articles written in tests/import_corpus/."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import yaml
from PIL import Image

CORPUS = Path(__file__).parent / "import_corpus"


def photo(path: Path, shade: int, kind: str = "jpg") -> bytes:
    """A small photo of one colour; each shade gives other bytes."""
    image = Image.new("RGB", (64, 48), (shade % 256, 90, 255 - shade % 256))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG" if kind == "png" else "JPEG")
    return path.read_bytes()


def make_docx(spec: Path, target: Path) -> list[bytes]:
    """The Word document the spec lists; returns its photos' bytes in order."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    document = docx.Document()
    photos: list[bytes] = []
    for item in yaml.safe_load(spec.read_text(encoding="utf-8")):
        if isinstance(item, dict):
            kind = item["image"]
            path = target.parent / f"made-{len(photos) + 1}.{kind}"
            photos.append(photo(path, 40 * (len(photos) + 1), kind))
            document.add_picture(str(path), width=Cm(4))
            path.unlink()
            continue
        style, text, *centre = item
        assert centre in ([], ["center"]), f"{spec.name}: quote {text!r}, it holds a comma"
        paragraph = document.add_paragraph(text, style=style)
        if centre:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.save(str(target))
    return photos


def html_photos(page: Path) -> dict[str, bytes]:
    """The local photos the saved page refers to, made beside it (not the one it is
    meant to miss)."""
    made = {}
    names = {"h01-news.html": ["h01_files/street.jpg"],
             "h02-wechat.html": ["h02_files/640.jpeg"],
             "h03-plain-page.html": ["images/reading.png"]}[page.name]
    for number, name in enumerate(names, 1):
        made[name] = photo(page.parent / name, 60 * number, "png" if name.endswith("png")
                           else "jpg")
    return made


def copy_page(name: str, folder: Path) -> tuple[Path, dict[str, bytes]]:
    page = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / name, page)
    return page, html_photos(page)


def imported_text(imported) -> tuple[str, str]:
    """What an imported article kept (its book.yaml values, blocks and captions) and
    what its report says was dropped (editorial lines)."""
    from parabook.model import Figure

    kept = [str(v) for v in imported.meta.values()]
    kept += [b.caption if isinstance(b, Figure) else b.text for b in imported.blocks]
    dropped = [line for line in imported.report.lines()
               if "dropped" in line or "editorial" in line]
    return "".join(kept), "".join(dropped)


def han_lost(imported, text: str) -> Counter:
    """The Han characters of `text` neither kept nor reported dropped by the import."""
    def han(chars: str) -> Counter:
        return Counter(c for c in chars if "\u4e00" <= c <= "\u9fff")
    return han(text) - han("".join(imported_text(imported)))
