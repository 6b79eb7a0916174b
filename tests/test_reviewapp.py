"""The review app without a browser: its service functions, the page and its security,
served for real on 127.0.0.1 (uvicorn in a thread) from the tiny book."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path

import pytest
import uvicorn
from PIL import Image

from parabook import service
from parabook.catalog.po import read_catalog
from parabook.infra.lock import po_lock
from parabook.model import Place
from parabook.project import Project
from parabook.review.app import HEADER, Review, create_app, open_socket
from parabook.review.view import char_diff, parse_key, place_key

from .conftest import SAMPLE
from .reviewbook import GLOSSARY_MISS, NEW_HEADING, OLD_HEADING, entry, po_of, prepare

pytestmark = pytest.mark.integration


@pytest.fixture
def book(tiny_project: Path) -> Path:
    return prepare(tiny_project)


def entries(root: Path) -> dict[str, service.ReviewEntry]:
    return {e.segment.where: e for e in service.review_entries(Project(root), SAMPLE, "en")}


def msgfmt_check(po: Path) -> None:
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], check=True)


def test_review_entries_give_state_provider_old_chinese_in_reading_order(book):
    found = service.review_entries(Project(book), SAMPLE, "en")
    wheres = [e.segment.where for e in found]
    assert wheres[:3] == ["title", "subtitle", "byline"]
    by = {e.segment.where: e for e in found}
    assert (by["title"].translation.state, by["title"].provider) == ("machine", "google")
    assert by["subtitle"].provider == "deepl"
    assert by["byline"].translation.state == "unreviewed" and by["byline"].provider is None
    heading = by["section 1 heading"]
    assert heading.translation.state == "stale"
    assert (heading.previous, heading.segment.text) == (OLD_HEADING, NEW_HEADING)
    assert by[GLOSSARY_MISS].translation.state == "reviewed"
    assert len({e.version for e in found}) == len(found)


def test_approve_clears_fuzzy_and_the_machine_comment_and_passes_msgfmt(book):
    title = entries(book)["title"]
    saved = service.save_reviewed(Project(book), SAMPLE, "en", title.segment.place,
                                  "Our Original Aspiration", reviewed=True,
                                  version=title.version)
    assert saved.translation.state == "reviewed"
    on_disk = entry(book, "title")
    assert on_disk.msgstr == "Our Original Aspiration"
    assert "fuzzy" not in on_disk.flags
    assert "machine draft" not in (on_disk.tcomment or "")
    msgfmt_check(po_of(book))


def test_save_keeps_an_entry_unreviewed_and_approving_stale_drops_the_old_chinese(book):
    project = Project(book)
    found = entries(book)
    byline = service.save_reviewed(project, SAMPLE, "en", found["byline"].segment.place,
                                   "Liu Jinxin and a colleague", reviewed=False,
                                   version=found["byline"].version)
    assert byline.translation.state == "unreviewed"
    heading = found["section 1 heading"]
    done = service.save_reviewed(project, SAMPLE, "en", heading.segment.place,
                                 "Party Building Ignites a New Engine", reviewed=True,
                                 version=heading.version)
    assert done.translation.state == "reviewed" and done.previous is None
    assert entry(book, "section 1 heading").previous_msgid is None


def test_a_save_is_refused_when_the_entry_changed_on_disk(book):
    caption = entries(book)["caption of photos/01.jpg"]
    catalog = read_catalog(po_of(book))
    for item in catalog:
        if item.comment == "caption of photos/01.jpg":
            item.msgstr = "Changed in Poedit"
    catalog.save(str(po_of(book)))  # as another tool would, without our lock
    before = po_of(book).read_bytes()
    with pytest.raises(service.EntryConflict) as refused:
        service.save_reviewed(Project(book), SAMPLE, "en", caption.segment.place,
                              "Mine", reviewed=True, version=caption.version)
    assert refused.value.theirs.translation.text == "Changed in Poedit"
    assert "since this page was loaded" in str(refused.value)
    assert po_of(book).read_bytes() == before
    # The other entries' versions still hold: a save elsewhere goes through.
    other = entries(book)["byline"]
    service.save_reviewed(Project(book), SAMPLE, "en", other.segment.place, "Liu Jinxin",
                          reviewed=True, version=other.version)


def test_a_save_waits_for_a_lock_held_briefly(book):
    byline = entries(book)["byline"]
    held = threading.Event()

    def hold() -> None:
        with po_lock(po_of(book)):
            held.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    service.save_reviewed(Project(book), SAMPLE, "en", byline.segment.place, "Liu Jinxin",
                          reviewed=True, version=byline.version)
    holder.join()
    assert time.monotonic() - started >= 0.5
    assert "fuzzy" not in entry(book, "byline").flags


def test_place_keys_read_back_and_char_diff_marks_the_change(book):
    for found in entries(book).values():
        assert parse_key(place_key(found.segment.place)) == found.segment.place
    assert parse_key("script|1|1|") is None and parse_key("paragraph|x|1|") is None
    chunks = char_diff(OLD_HEADING, NEW_HEADING)
    assert [(c.kind, c.text) for c in chunks if c.kind != "same"] == [("new", "新")]
    assert "".join(c.text for c in chunks if c.kind != "gone") == NEW_HEADING


class Served:
    """The app on a free port of 127.0.0.1, in a thread of this process."""

    def __init__(self, root: Path) -> None:
        self.review = Review(Project(root), SAMPLE, "en", "secret-token-for-tests")
        sock = self.sock = open_socket("127.0.0.1", 0)
        self.base = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        self.server = uvicorn.Server(uvicorn.Config(create_app(self.review), log_level="error",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]},
                                       daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request(path)

    def request(self, path: str, data: dict | bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        body = json.dumps(data).encode() if isinstance(data, dict) else data
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {},
                                         method="POST" if body is not None else "GET")
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            with error:  # it holds the connection open
                return error.code, error.read()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()  # uvicorn leaves a socket it was given open


@pytest.fixture
def served(book):
    running = Served(book)
    yield running
    running.stop()


def test_every_request_without_the_token_is_forbidden(served):
    token = served.review.token
    for path in ("", "?token=wrong", "static/app.js", "preview.png?key=title|0|0|",
                 "api/entry?key=title|0|0|"):
        assert served.get(path)[0] == 403, path
    status, page = served.get(f"?token={token}")
    assert status == 200 and b"opening, paragraph 1" in page
    assert served.get(f"static/app.js?token={token}")[0] == 200
    assert served.get(f"static/../app.py?token={token}")[0] in (403, 404)


def test_changes_need_the_header_and_the_own_origin(served, book):
    token = served.review.token
    title = entries(book)["title"]
    save = {"key": place_key(title.segment.place), "text": "Hacked", "action": "approve",
            "version": title.version}
    before = po_of(book).read_bytes()
    # A form of another site can send the token in the address or the body, not a header.
    assert served.request(f"api/save?token={token}", save)[0] == 403
    assert served.request("api/save", save, {HEADER: token,
                                             "Origin": "http://evil.example"})[0] == 403
    assert served.request("api/save", save, {HEADER: token,
                                             "Sec-Fetch-Site": "cross-site"})[0] == 403
    assert po_of(book).read_bytes() == before
    status, answer = served.request("api/save", save, {
        HEADER: token, "Origin": served.base.rstrip("/"), "Sec-Fetch-Site": "same-origin"})
    assert status == 200, answer
    assert json.loads(answer)["row"]["state"] == "reviewed"
    assert entry(book, "title").msgstr == "Hacked"


def test_the_page_escapes_what_the_translation_says(served, book):
    title = entries(book)["title"]
    token = served.review.token
    status, _ = served.request("api/save", {
        "key": place_key(title.segment.place), "text": "<script>alert(1)</script> & co",
        "action": "save", "version": title.version}, {HEADER: token})
    assert status == 200
    page = served.get(f"?token={token}")[1].decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_qa_answers_for_the_text_typed_and_a_conflict_answers_409_with_theirs(served, book):
    token = served.review.token
    found = entries(book)
    key = place_key(found[GLOSSARY_MISS].segment.place)
    status, answer = served.request("api/qa", {"key": key, "text": "Party committee 滁州"},
                                    {HEADER: token})
    data = json.loads(answer)
    assert status == 200
    assert any(t["term"] == "党工委" and t["missing"] for t in data["terms"])
    assert {f["check"] for f in data["findings"]} >= {"glossary", "untranslated"}
    data = json.loads(served.request("api/qa", {"key": key, "text": "Party Working Committee"},
                                     {HEADER: token})[1])
    assert not any(t["missing"] for t in data["terms"] if t["term"] == "党工委")

    byline = found["byline"]
    save = {"key": place_key(byline.segment.place), "text": "Mine", "action": "save",
            "version": "0" * 16}
    status, answer = served.request("api/save", save, {HEADER: token})
    data = json.loads(answer)
    assert status == 409 and data["conflict"] and data["theirs"]["text"] == "Liu Jinxin"
    assert entry(book, "byline").msgstr == "Liu Jinxin"


def test_the_preview_outlines_the_segment_on_its_page(served, book):
    token = served.review.token
    caption = entries(book)["caption of photos/01.jpg"]
    status, png = served.get(f"preview.png?token={token}&key="
                             + urllib.request.quote(place_key(caption.segment.place)))
    assert status == 200
    image = Image.open(BytesIO(png)).convert("RGB")
    pixels = image.tobytes()
    red = sum(1 for i in range(0, len(pixels), 3)
              if pixels[i] > 200 and pixels[i + 1] < 80 and pixels[i + 2] < 80)
    assert red > 200  # the outline: the booklet itself prints nothing that red


def _preview(served: Served, key: str, exact: bool = False) -> tuple[bytes, str, str]:
    """The preview's PNG, whether it is exact (`1`) and the pages it shows."""
    url = (f"{served.base}preview.png?token={served.review.token}&key="
           + urllib.request.quote(key) + ("&exact=1" if exact else ""))
    with urllib.request.urlopen(url, timeout=120) as answer:
        return (answer.read(), answer.headers["X-Preview-Exact"],
                answer.headers["X-Preview-Pages"])


def test_after_a_save_the_spread_laid_out_alone_comes_first_then_the_whole_booklet(
        served, book):
    found = entries(book)[GLOSSARY_MISS]
    key = place_key(found.segment.place)
    before, exact, pages = _preview(served, key)
    assert exact == "1"  # nothing saved yet: the whole booklet's pages
    left, right = map(int, pages.split("-"))
    assert left % 2 == 0 and right == left + 1  # a spread: even page left, odd right
    image = Image.open(BytesIO(before))
    assert image.width > image.height
    status, _ = served.request("api/save", {
        "key": key, "text": found.translation.text + " A sentence the reviewer added.",
        "action": "save", "version": found.version}, {HEADER: served.review.token})
    assert status == 200
    quick, exact, shown = _preview(served, key)
    assert (exact, shown) == ("0", pages) and quick != before
    red = Image.open(BytesIO(quick)).convert("RGB").getcolors(1 << 20)
    assert sum(n for n, (r, g, b) in red if r > 200 and g < 80 and b < 80) > 200
    whole, exact, shown = _preview(served, key, exact=True)
    assert (exact, shown) == ("1", pages) and whole != before
    assert _preview(served, key)[1] == "1"  # until the next save: the whole booklet's


def test_the_chinese_interface_names_the_places_in_chinese(served):
    places = {Place("paragraph", 0, 2): "开头 第2段", Place("paragraph", 3, 1): "第3节 第1段",
              Place("heading", 2): "第2节标题", Place("caption", photo="photos/01.jpg"):
              "图注：photos/01.jpg", Place("title"): "标题", Place("byline"): "署名",
              Place("publisher"): "封底：出版单位"}
    for place, chinese in places.items():
        assert place.describe_in("zh") == chinese
        assert place.describe_in("en") == place.describe()
    token = served.review.token
    status, page = served.get(f"?token={token}&ui=zh")
    text = page.decode()
    assert status == 200
    for chinese in ("开头 第1段", "第1节标题", "第1节 第1段", "图注：photos/01.jpg", "副标题"):
        assert f'<span class="place">{chinese}</span>' in text, chinese
    assert '<span class="place">opening, paragraph 1</span>' not in text
    assert '<span class="place">opening, paragraph 1</span>' in served.get(
        f"?token={token}")[1].decode()
