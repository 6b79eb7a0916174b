"""Saved web pages (.html with its `_files/` folder, WeChat articles), read with lxml.

Nothing is ever fetched: an image that is not a local file becomes a figure waiting for
its photo, and the report names its address.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree, html  # type: ignore[import-untyped]

from parabook.errors import InputError
from parabook.source.readers import Photo, Unit, image_suffix

BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "figcaption",
          "div", "section", "article", "ul", "ol", "table", "tr", "td", "th", "figure",
          "header", "footer", "main", "dd", "dt", "dl", "center"}
SKIP = {"script", "style", "noscript", "template", "iframe", "svg", "button", "nav", "form",
        "select", "textarea", "head", "title", "meta", "link"}
_CENTRE = re.compile(r"text-align\s*:\s*center", re.I)


def read_html(data: bytes, path: Path) -> list[Unit]:
    """The title, then each block of text and each image of the article's body."""
    try:
        root = html.document_fromstring(_decode(data, path))
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"cannot read this web page ({exc})", path=path,
                         fix="save the page again from the browser as 'Web page, complete'"
                         ) from None
    units: list[Unit] = []
    body = _article(root)
    # The article's own heading; a page-wide <h1> is often the site's name, so the
    # page's og:title comes before it.
    heading = root.xpath("//*[@id='activity-name']") or body.xpath(".//h1")
    title = _text(heading[0]) if heading else ""
    if not title:
        meta = root.xpath("//meta[@property='og:title']/@content")
        title = re.sub(r"\s+", " ", str(meta[0])).strip() if meta else ""
    if not title:
        heading = root.xpath("//h1")
        title = _text(heading[0]) if heading else ""
    if not title:
        found = root.find(".//title")
        # "标题 - 网站名", "标题_网站名": the page's name without its site's
        title = re.split(r"\s+[-|｜—]+\s+|_", _text(found))[0] if found is not None else ""
    if title:
        units.append(Unit(0, title, role="title"))
    # A saved WeChat article names its account and date above the body.
    for query, key in (("//*[@id='js_name']", "来源"), ("//*[@id='publish_time']", "发布时间")):
        found = root.xpath(query)
        if found and _text(found[0]):
            units.append(Unit(0, f"{key}：{_text(found[0])}"))
    walker = _Walker(path, units, skip=heading[0] if heading else None)
    walker.walk(body)
    walker.flush()
    return units


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def _decode(data: bytes, path: Path) -> str:
    """The page's text: its BOM, else its declared charset, else UTF-8, else GB18030
    (lxml alone takes an undeclared page for Latin-1 and garbles every Chinese line)."""
    declared = _CHARSET.search(data[:8192])
    names = ["utf-8-sig"] if data.startswith(b"\xef\xbb\xbf") else []
    if declared:
        name = declared.group(1).decode("ascii", "replace").lower()
        names.append("gb18030" if name in ("gb2312", "gbk", "x-gbk") else name)
    names += ["utf-8", "gb18030"]
    for name in names:
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        # lxml refuses a str that still declares its encoding.
        return re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    raise InputError("the page's text is neither UTF-8 nor GB18030", path=path,
                     fix="save the page again from the browser, as UTF-8 if it asks")


def _article(root):
    """WeChat's #js_content, else <article> or <main>, else the densest block of text."""
    for query in ("//*[@id='js_content']", "//article", "//main"):
        found = root.xpath(query)
        if found:
            return found[0]
    body = root.find("body")
    body = body if body is not None else root
    best, best_score = body, 0
    for element in body.iter("div", "section", "td"):
        direct = sum(len(_text(child)) for child in element if child.tag == "p")
        if direct > best_score:
            best, best_score = element, direct
    total = len(_text(body))
    # A page with its text in one block: that block, unless it holds too little of it.
    return best if best_score > total * 0.5 else body


def _text(element) -> str:
    parts = [t for t in element.itertext() if t]
    return re.sub(r"\s+", " ", "".join(parts)).strip()


class _Walker:
    """Collects text runs into paragraph units, cut at block boundaries, `<br>` and images."""

    def __init__(self, path: Path, units: list[Unit], skip) -> None:
        self.path, self.units, self.skip = path, units, skip
        self.buffer: list[str] = []
        self.number = 0
        self.level: int | None = None
        self.role = ""
        self.centred = False
        self.consumed: list = []

    def flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.buffer)).strip()
        self.buffer = []
        if text:
            self.number += 1
            self.units.append(Unit(self.number, text, level=self.level, role=self.role,
                                   centred=self.centred))

    def walk(self, element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in SKIP or element is self.skip or element in self.consumed:
            self.buffer.append(element.tail or "")  # comments and skipped parts keep their tail
            return
        if tag == "img":
            self.flush()
            self.number += 1
            self.units.append(Unit(self.number, photo=self._photo(element)))
        elif tag == "br":
            self.flush()
        elif tag in BLOCKS:
            self.flush()
            saved = self.level, self.role, self.centred
            if re.fullmatch(r"h[1-6]", tag):
                self.level = min(max(int(tag[1]), 2), 4)
            if tag == "figcaption":
                self.role = "caption"
            if _CENTRE.search(element.get("style", "")) or element.get("align") == "center" \
                    or tag == "center":
                self.centred = True
            self.buffer.append(element.text or "")
            for child in element:
                self.walk(child)
            self.flush()
            self.level, self.role, self.centred = saved
        else:
            self.buffer.append(element.text or "")
            for child in element:
                self.walk(child)
        self.buffer.append(element.tail or "")

    def _photo(self, img) -> Photo:
        """The first of src, data-src that is a local file; else the address."""
        caption = ""
        figure = next((a for a in img.iterancestors("figure")), None)
        if figure is not None:
            found = figure.find(".//figcaption")
            caption = _text(found) if found is not None else ""
            if found is not None:
                self.consumed.append(found)  # read here, not again as text
        addresses = [a.strip() for a in (img.get("src"), img.get("data-src")) if a and a.strip()]
        for address in addresses:
            if address.startswith("data:image/") and ";base64," in address:
                try:
                    data = base64.b64decode(address.split(",", 1)[1], validate=False)
                except ValueError:
                    continue
                return Photo("inline image", data, image_suffix(data, ".png"), caption)
            parts = urlsplit(address)
            if parts.scheme in ("", "file") and not parts.netloc:
                local = (self.path.parent / unquote(parts.path)).resolve()
                if local.is_file():
                    data = local.read_bytes()
                    return Photo(address, data, image_suffix(data, local.suffix), caption)
        return Photo(addresses[-1] if addresses else "(no address)", None, ".jpg", caption)
