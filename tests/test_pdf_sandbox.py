"""The renderer fetches only local files from allowed folders, and builds reproducibly."""

from __future__ import annotations

import http.server
import logging
import os
import re
import threading
import time
from pathlib import Path

import pytest

from parabook.catalog.po import read_catalog, save_catalog
from parabook.render.pdf import write_pdf

from . import pdftools
from .conftest import SAMPLE, copy_project


class CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        CountingHandler.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_only_files_under_allowed_folders_are_fetched(tmp_path, caplog):
    server = http.server.HTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    allowed = tmp_path / "book"
    allowed.mkdir()
    (allowed / "ok.css").write_text("p { margin: 0 }")
    outside = tmp_path / "outside.txt"
    outside.write_text("SECRET-OUTSIDE-TEXT")
    html = f"""<html><head>
      <link rel=stylesheet href="ok.css">
      <link rel=stylesheet href="http://127.0.0.1:{port}/a.css">
      <link rel=stylesheet href="file://{outside}">
      <link rel=stylesheet href="../outside.txt">
      </head><body><p>正文</p>
      <img src="https://127.0.0.1:{port}/b.png"><img src="file:///etc/hostname">
      <object data="file://{outside}"></object>
      <iframe src="http://localhost:{port}/c.html"></iframe></body></html>"""
    try:
        out = tmp_path / "out.pdf"
        assert write_pdf(html, out, base_dir=allowed, allowed=[allowed]) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert CountingHandler.hits == []
    refused = [r.getMessage() for r in caplog.records if r.name == "parabook.render.pdf"]
    assert len(refused) == 6, refused
    assert not any("ok.css" in r for r in refused)
    text = pdftools.text(out)
    assert "正文" in text and "SECRET" not in text
    assert pdftools.run("pdfimages", "-list", str(out)).count("\n") == 2


def test_output_is_readable_like_any_saved_file(project, cli):
    previous = os.umask(0o022)
    try:
        assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    finally:
        os.umask(previous)
    mode = (project / "dist" / f"{SAMPLE}.email.pdf").stat().st_mode & 0o777
    assert mode == 0o644, oct(mode)


def test_two_builds_are_byte_identical(project, cli, tmp_path, monkeypatch):
    """Two builds in a row, and a build in another clone, at another time, in another
    time zone, with SOURCE_DATE_EPOCH set: the same bytes. The only date in the PDF is
    book.yaml's; nothing takes the clock."""
    pdf = project / "dist" / f"{SAMPLE}.email.pdf"
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    first = pdf.read_bytes()
    pdf.unlink()
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    assert pdf.read_bytes() == first

    clone = copy_project(tmp_path / "elsewhere" / "clone")
    for path in clone.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000), follow_symlinks=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        assert cli(clone, "build", SAMPLE, "--output", "email")[0] == 0
    finally:
        monkeypatch.undo()
        time.tzset()
    assert (clone / "dist" / f"{SAMPLE}.email.pdf").read_bytes() == first
    info = pdftools.info(pdf)
    assert info["CreationDate"].endswith("2021 UTC") and "ModDate" not in info, info

    # Without a date in book.yaml there is no date in the PDF at all.
    meta = project / "book" / SAMPLE / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("date: '2021'\n", ""),
                    encoding="utf-8")
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    info = pdftools.info(pdf)
    assert "CreationDate" not in info and "ModDate" not in info, info
    assert "Date" not in pdftools.run("pdfinfo", "-meta", str(pdf))  # nor in the XMP


# ------------------------------------------------------------------ every way in

def pdf_contents(pdf) -> bytes:
    """The file, every stream decompressed, and the text as poppler extracts it."""
    import pymupdf

    parts = [pdf.read_bytes(), pdftools.text(pdf).encode("utf-8")]
    with pymupdf.open(pdf) as document:
        for xref in range(1, document.xref_length()):
            if document.xref_is_stream(xref):
                parts.append(document.xref_stream(xref) or b"")
            parts.append(document.xref_object(xref).encode("utf-8", "replace"))
    return b"\n".join(parts)


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 that counts every request it gets."""
    CountingHandler.hits = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    assert CountingHandler.hits == [], "the server was asked for something"


@pytest.fixture
def secret(tmp_path):
    """A file outside every allowed folder, with text that must never reach a PDF."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text("PARABOOK-SECRET-4d1f7e", encoding="utf-8")
    return path


def test_every_way_html_and_css_can_reach_out_is_refused(tmp_path, caplog, server, secret):
    """The fetcher itself, given the worst HTML: nothing outside the allowed folders."""
    allowed = tmp_path / "book"
    allowed.mkdir()
    (allowed / "link.png").symlink_to(secret)
    (allowed / "link.css").symlink_to(secret)
    (allowed / "ok.css").write_text(
        f'@import url("http://{server}/from-css.css"); @import "file://{secret}";\n'
        f"p {{ background: url(file://{secret}) }}\n"
        f'h1 {{ background-image: url("http://{server}/from-css.png") }}\n', encoding="utf-8")
    http_, etc = f"http://{server}", "file:///etc/hostname"
    html = f"""<html><head>
      <link rel=stylesheet href="ok.css">
      <link rel=stylesheet href="{http_}/link.css">
      <link rel=stylesheet href="link.css">
      <link rel=stylesheet href="{etc}">
      <link rel=attachment href="{http_}/attachment.bin">
      <style>
        @import url("{http_}/import.css");
        @import "file://{secret}";
        @font-face {{ font-family: X; src: url({http_}/font.woff) }}
        body {{ background: url({http_}/body.png); font-family: X, serif }}
        ul {{ list-style-image: url({etc}) }}
        h2::before {{ content: url(file://{secret}) }}
      </style></head><body>
      <h1>正文 title</h1><h2>x</h2><p style="background-image: url('{http_}/inline.png')">段落</p>
      <ul><li>一</li></ul>
      <img src="{http_}/img.png"><img src="https://{server}/img.png">
      <img src="{etc}"><img src="file://localhost/etc/hostname">
      <img src="../../../../../../../../etc/hostname"><img src="%2e%2e/outside/secret.txt">
      <img src="link.png"><img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'
        xmlns:xlink='http://www.w3.org/1999/xlink'%3E%3Cimage xlink:href='{http_}/svg.png'
        width='9' height='9'/%3E%3C/svg%3E">
      <svg width="20" height="20"><image href="{http_}/inline-svg.png" width="9" height="9"/>
        </svg>
      <object data="{http_}/object.html"></object><embed src="{etc}">
      <iframe src="{http_}/frame.html"></iframe><video poster="{http_}/poster.png"></video>
      <a rel=attachment href="file://{secret}">attached</a>
      <input type=image src="{http_}/input.png">
      </body></html>"""
    out = tmp_path / "out.pdf"
    with caplog.at_level(logging.WARNING, logger="parabook.render.pdf"):
        assert write_pdf(html, out, base_dir=allowed, allowed=[allowed]) == 1
    refused = [r.getMessage() for r in caplog.records if r.name == "parabook.render.pdf"]
    assert all(m.startswith("refused to fetch ") and m.endswith(
        "(outside the book, templates and styles)") for m in refused), refused
    assert not any("ok.css" in m for m in refused)
    # Each of these was asked for, and refused (iframe, video and input WeasyPrint
    # never fetches; the server's count of zero covers them).
    for url in [f"{http_}/link.css", f"{http_}/import.css", f"{http_}/from-css.css",
                f"{http_}/from-css.png", f"{http_}/font.woff", f"{http_}/body.png",
                f"{http_}/inline.png", f"{http_}/img.png", f"https://{server}/img.png",
                f"{http_}/inline-svg.png", f"{http_}/object.html", f"{http_}/attachment.bin",
                etc, "file://localhost/etc/hostname", f"file://{secret}",
                (allowed / "link.png").as_uri(), (allowed / "link.css").as_uri(),
                f"{allowed.as_uri()}/%2e%2e/outside/secret.txt", "data:image/svg+xml,"]:
        assert any(m.startswith(f"refused to fetch {url}") for m in refused), url
    contents = pdf_contents(out)
    assert secret.read_bytes() not in contents
    hostname = Path("/etc/hostname")
    if hostname.is_file() and len(hostname.read_text().strip()) >= 4:
        assert hostname.read_text().strip() not in pdftools.text(out)
    assert "正文" in pdftools.text(out)
    assert pdftools.run("pdfimages", "-list", str(out)).count("\n") == 2  # no image at all


def hostile(http_: str, secret: Path, where: str) -> str:
    """Markup that would fetch something, were it ever taken for markup."""
    return (f'<script>fetch("{http_}/{where}-script")</script><img src="{http_}/{where}.png">'
            f'<link rel="stylesheet" href="file:///etc/hostname">'
            f"<style>@import url({http_}/{where}.css);</style> url(file://{secret}) "
            f"file://{secret} {http_}/{where}")


def test_a_hostile_book_and_translation_fetch_nothing(project, cli, caplog, server, secret,
                                                      monkeypatch):
    """Markup, links and URLs everywhere a manuscript or translation can put text:
    all of it printed as text, nothing fetched, nothing read from outside."""
    monkeypatch.chdir(project)
    http_ = f"http://{server}"
    book = project / "book" / SAMPLE
    (book / "photos" / "svg.jpg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{http_}/svg-photo.png" '
        f'width="9" height="9"/><image href="file://{secret}"/></svg>', encoding="utf-8")
    (book / "source.zh.md").write_text(
        f"第一段{hostile(http_, secret, 'paragraph')}。\n\n"
        f"[链接]({http_}/md-link) 与 <{http_}/autolink> 与 [本地](file://{secret}) 与 "
        f"[引用][ref]。\n\n[ref]: {http_}/reference\n\n"
        f"## 标题{hostile(http_, secret, 'heading')}\n\n"
        f"![说明{hostile(http_, secret, 'caption')}](photos/01.jpg)\n\n"
        f"![一张 SVG](photos/svg.jpg)\n", encoding="utf-8")
    meta = book / "book.yaml"
    text = meta.read_text(encoding="utf-8")
    for key in ("title", "byline", "publisher", "place"):
        text = re.sub(f"^{key}: (.*)$", lambda m, key=key: f"{key}: '{m[1]}"
                      + hostile(http_, secret, key).replace("'", "''") + "'", text,
                      flags=re.M)
    text = text.replace("translation_note: ", "translation_note: "
                        + hostile(http_, secret, "note").replace(": ", " "), 1)
    meta.write_text(text, encoding="utf-8")
    assert cli(project, "update", SAMPLE)[0] == 0
    catalog = read_catalog(project / "translations" / f"{SAMPLE}.en.po")
    for number, entry in enumerate(e for e in catalog if not e.obsolete):
        entry.msgstr, entry.flags = f"English {number} " + hostile(http_, secret, "po"), []
    save_catalog(catalog, project / "translations" / f"{SAMPLE}.en.po")

    with caplog.at_level(logging.WARNING):
        code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    pdf = project / "dist" / f"{SAMPLE}.email.pdf"
    # WeasyPrint was never even asked for any of it: it was all text.
    assert [r.getMessage() for r in caplog.records if r.name == "parabook.render.pdf"] == []
    assert "book/chuzhou-2021/source.zh.md:11: photo book/chuzhou-2021/photos/svg.jpg is " \
           "not an image file" in err
    assert pdftools.run("pdfimages", "-list", str(pdf)).count("\n") == 2  # no image at all
    assert secret.read_bytes() not in pdf_contents(pdf)
    # Page by page, then each column on its own (pdftotext interleaves the columns' lines).
    source, target, _ = pdftools.columns(pdf)
    squashed = "\n".join([pdftools.squash(pdftools.text(pdf)), source, pdftools.squash(
        "".join(w.text for w in target)).replace("\u2010", "")])
    for where in ("paragraph", "heading", "caption", "title", "byline", "publisher", "place",
                  "po"):
        assert pdftools.squash(f'<script>fetch("{http_}/{where}-script")</script>') \
            in squashed, where
    assert pdftools.squash(f"{http_}/autolink") in squashed


def _symlinks(book: Path, secret: Path) -> None:
    (book / "photos" / "link.jpg").symlink_to(secret)
    (book / "photos" / "etc").symlink_to("/etc")


REFUSED_PHOTOS = [
    ("http://{server}/photo.jpg", "is not a file inside the book folder"),
    ("https://{server}/photo.jpg", "is not a file inside the book folder"),
    ("//{server}/photo.jpg", "is not a file inside the book folder"),
    ("file:///etc/hostname", "is not a file inside the book folder"),
    ("file://{secret}", "is not a file inside the book folder"),
    ("/etc/hostname", "is not a file inside the book folder"),
    ("../../../../../../../../etc/hostname", "leads outside the book folder"),
    ("photos/../../../../../../../../etc/hostname", "leads outside the book folder"),
    ("photos/link.jpg", "leads outside the book folder"),
    ("photos/etc/hostname", "leads outside the book folder"),
]


@pytest.mark.parametrize(("src", "problem"), REFUSED_PHOTOS)
def test_a_photo_path_out_of_the_book_is_refused(project, cli, server, secret, monkeypatch,
                                                src, problem):
    monkeypatch.chdir(project)
    book = project / "book" / SAMPLE
    _symlinks(book, secret)
    src = src.format(server=server, secret=secret)
    (book / "source.zh.md").write_text(f"段落。\n\n![说明]({src})\n", encoding="utf-8")
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 2
    assert err.startswith(f"error: book/chuzhou-2021/source.zh.md:3: photo path {src!r} "
                          f"{problem}\n  fix: "), err
    assert not (project / "dist").exists()


@pytest.mark.parametrize(("src", "message"), [
    ("http://{server}/cover.jpg", "book.yaml:14: cover_photo 'http://{server}/cover.jpg' is not "
                                  "a file inside the book folder"),
    ("file://{secret}", "book.yaml:14: cover_photo 'file://{secret}' is not a file inside the "
                        "book folder"),
    ("/etc/hostname", "book.yaml:14: cover_photo '/etc/hostname' is not a file inside the book "
                      "folder"),
    ("../../etc/hostname", "book.yaml:14: cover_photo '../../etc/hostname' is not a file "
                           "inside the book folder"),
    ("photos/link.jpg", "book.yaml:14: photo path 'photos/link.jpg' leads outside the book "
                        "folder"),
])
def test_a_cover_photo_out_of_the_book_is_refused(project, cli, server, secret, monkeypatch,
                                                  src, message):
    monkeypatch.chdir(project)
    book = project / "book" / SAMPLE
    _symlinks(book, secret)
    src = src.format(server=server, secret=secret)
    meta = book / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + f"cover_photo: {src}\n",
                    encoding="utf-8")
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 2
    assert err.startswith("error: book/chuzhou-2021/"
                          + message.format(server=server, secret=secret)), err
    assert "fix: " in err
    assert not (project / "dist").exists()
