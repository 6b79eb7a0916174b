"""Saved web pages: the article's body, its local photos, entities decoded before the
punctuation, and nothing ever fetched."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parabook.errors import BookError
from parabook.source.importer import import_article, read_article

from .importgen import copy_page, han_lost, imported_text, photo

pytestmark = pytest.mark.unit


class Counting(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        Counting.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        self.wfile.write(b"\xff\xd8\xff fetched")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), Counting)
    Counting.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def page(folder: Path, body: str, name: str = "page.html") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>标题</title>"
                    f"</head><body>{body}</body></html>", encoding="utf-8")
    return path


def test_remote_images_are_never_fetched_and_named_in_the_report(tmp_path, server):
    source = page(tmp_path / "in", f"""<article><h1>活动纪实</h1><p>正文第一段。</p>
        <p><img src="{server}/photo.jpg"></p><p style="text-align:center">活动现场</p>
        <p><img data-src="{server}/wechat.jpg"></p><p>正文第二段。</p></article>""")
    folder, report = import_article(source, tmp_path / "book", "remote")
    assert Counting.requests == []
    lines = "\n".join(report.lines())
    assert f"figure photos/01.jpg (photo {server}/photo.jpg not fetched" in lines
    assert f"photo {server}/wechat.jpg has no caption under it" in lines
    assert list((folder / "photos").iterdir()) == []
    assert "![活动现场](photos/01.jpg)" in (folder / "source.zh.md").read_text(encoding="utf-8")


def test_entities_are_decoded_before_the_punctuation(tmp_path):
    source = page(tmp_path / "in", """<h1>&quot;样板间&quot;变&ldquo;幸福家&rdquo;</h1>
        <p>居民说:&quot;好&quot;&amp;&quot;满意&quot;.</p><p>A &lt;b&gt; tag&#12290;</p>""")
    folder, _ = import_article(source, tmp_path / "book", "entities")
    text = (folder / "source.zh.md").read_text(encoding="utf-8")
    yaml_text = (folder / "book.yaml").read_text(encoding="utf-8")
    assert "title: “样板间”变“幸福家”" in yaml_text
    assert "居民说：“好”\\&“满意”。" in text
    assert "A \\<b\\> tag。" in text
    assert "&quot" not in text + yaml_text and "；" not in text


def test_a_web_page_is_known_by_its_content_and_its_chrome_is_left_out(tmp_path):
    source = page(tmp_path / "in", """<div id="nav"><a href="/">首页</a><a>新闻中心</a></div>
        <script>document.write("脚本")</script><style>p{}</style>
        <div class="content"><p>第一段正文，讲述了活动的经过和意义。</p>
        <p>第二段正文，介绍了参加活动的人数和反响。</p><p>第三段正文。</p></div>
        <div id="foot">版权所有</div>""", name="saved.txt")
    folder, report = import_article(source, tmp_path / "book", "sniffed")
    text = (folder / "source.zh.md").read_text(encoding="utf-8")
    assert report.where == "paragraph"
    assert text.startswith("第一段正文") and "第三段正文。" in text
    for chrome in ("首页", "脚本", "版权所有", "<"):
        assert chrome not in text


def test_saved_page_photos_come_from_its_files_folder(tmp_path):
    source, made = copy_page("h01-news.html", tmp_path / "in")
    folder, _ = import_article(source, tmp_path / "book", "news")
    assert (folder / "photos" / "01.jpg").read_bytes() == made["h01_files/street.jpg"]
    assert (folder / "original.html").read_bytes() == source.read_bytes()


def test_a_figcaption_and_a_local_image_with_an_odd_name(tmp_path):
    folder_in = tmp_path / "in"
    data = photo(folder_in / "图片 1.PNG", 7, "png")
    source = page(folder_in, """<article><h1>题目</h1><p>正文一段。</p><figure>
        <img src="%E5%9B%BE%E7%89%87%201.PNG"><figcaption>居民在新建的广场上跳舞</figcaption>
        </figure><p>正文又一段。</p></article>""")
    folder, _ = import_article(source, tmp_path / "book", "odd")
    assert (folder / "photos" / "01.png").read_bytes() == data
    text = (folder / "source.zh.md").read_text(encoding="utf-8")
    assert "![居民在新建的广场上跳舞](photos/01.png)" in text
    assert text.count("居民在新建的广场上跳舞") == 1


HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40)
TAGS = st.sampled_from(["p", "div", "section", "span", "h2", "h3", "li", "strong", "figure",
                        "figcaption", "center"])
PIECE = st.one_of(
    st.text(HAN, min_size=1, max_size=30),
    st.sampled_from(["&quot;", "&amp;", "&nbsp;", "&lt;", "<br>", "<img src='x.jpg'>",
                     "<img data-src='https://example.invalid/a.jpg'>", "。", ",", '"', "一、",
                     "（完）", "来源：", "<script>var a='丢';</script>"]),
)


@st.composite
def pages(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(TAGS)
        parts.append(f"<{tag}>{''.join(draw(st.lists(PIECE, max_size=5)))}</{tag}>")
    return "<html><body><article>" + "".join(parts) + "</article></body></html>"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
# A GBK page that does not say so is guessed (UTF-8 first), so it is not generated here.
@given(pages(), st.sampled_from(["utf-8", "gbk-declared", "utf-8-declared"]))
def test_any_page_imports_or_is_refused_clearly_and_keeps_every_han_character(tmp_path, text,
                                                                               encoding):
    source = tmp_path / "page.html"
    if encoding.endswith("-declared"):
        encoding = encoding.removesuffix("-declared")
        text = text.replace("<html>", f"<html><head><meta charset='{encoding}'></head>")
    source.write_bytes(text.encode(encoding))
    visible = re.sub(r"<script>.*?</script>", "", text)
    try:
        imported = read_article(source)
    except BookError as error:
        assert error.path == source and error.fix
        assert not re.search(r"[\u4e00-\u9fff]", visible)
        return
    assert not han_lost(imported, visible)
    assert "丢" not in imported_text(imported)[0] or "丢" in visible


def test_without_a_heading_the_title_is_the_pages_name_without_its_sites(tmp_path):
    source = tmp_path / "page.html"
    source.write_text("<html><head><meta charset='utf-8'><title>新区举办招聘会 - 滁州新闻网"
                      "</title></head><body><div><p>招聘会现场人头攒动。</p></div></body></html>",
                      encoding="utf-8")
    folder, _ = import_article(source, tmp_path / "book", "titled")
    assert "title: 新区举办招聘会\n" in (folder / "book.yaml").read_text(encoding="utf-8")


def test_the_title_is_the_articles_not_the_sites_heading(tmp_path):
    source = page(tmp_path / "in", """<header><h1>滁州新闻网</h1></header>
        <div class="main"><div class="text"><p>来源：滁州日报</p><p>正文第一段，写得比较长一些。</p>
        <p>正文第二段，也写得比较长一些。</p></div></div>""")
    source.write_text(source.read_text(encoding="utf-8").replace(
        "<title>标题</title>", "<meta property='og:title' content='新区 举办招聘会'>"),
        encoding="utf-8")
    folder, _ = import_article(source, tmp_path / "book", "site")
    assert "title: 新区 举办招聘会\n" in (folder / "book.yaml").read_text(encoding="utf-8")
    assert (folder / "source.zh.md").read_text(encoding="utf-8").startswith("正文第一段")
