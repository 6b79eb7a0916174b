"""The review app in a real browser: Playwright driving Debian's chromium against
`build.py review` running on the tiny book (one server for the module)."""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest

from parabook import service
from parabook.project import Project

from .conftest import REPO, SAMPLE, make_tiny
from .reviewbook import GLOSSARY_MISS, Server, entry, po_of, prepare

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
DOCS = REPO / "docs"

# Pinned in the test extra; CI must have the browser, so a missing one fails, not skips.
from playwright import sync_api  # noqa: E402

if not CHROMIUM.exists():
    pytest.fail("needs Debian's chromium: run `sh scripts/setup-system.sh` as root "
                "(or: apt-get install chromium)", pytrace=False)


@pytest.fixture(scope="module")
def book(tmp_path_factory, camera_jpeg_file, tiny_cache) -> Path:
    return prepare(make_tiny(tmp_path_factory.mktemp("review"), camera_jpeg_file, tiny_cache))


@pytest.fixture(scope="module")
def server(book) -> Iterator[Server]:
    running = Server(book)
    yield running
    assert running.stop() == 0, running.lines


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=LAPTOP)
    opened = context.new_page()
    opened.goto(server.url)
    yield opened
    context.close()


def row(page, where: str):
    return page.locator("li.seg", has=page.locator(".place", has_text=re.compile(
        f"^{re.escape(where)}$")))


def test_open_and_filter_to_machine_drafts(page):
    sync_api.expect(page.locator("#progress-text")).to_contain_text("reviewed")
    sync_api.expect(page.locator("#preview-status")).to_have_text("", timeout=60_000)
    row(page, "section 1, paragraph 1").locator("textarea").focus()  # a spread of the body
    sync_api.expect(page.locator("#preview-pages")).to_contain_text("-")
    sync_api.expect(page.locator("#preview")).to_have_attribute("data-exact", "1")
    page.screenshot(path=str(DOCS / "review-main.png"))
    machine = int(page.locator("#count-machine").inner_text())
    assert machine >= 1
    page.click(".filters button[data-filter=machine]")
    visible = page.locator("li.seg:visible")
    sync_api.expect(visible).to_have_count(machine)
    for state in visible.evaluate_all("rows => rows.map(r => r.dataset.state)"):
        assert state == "machine"
    assert "(google)" in row(page, "title").locator(".state").inner_text()
    page.screenshot(path=str(DOCS / "review-machine-drafts.png"))
    page.click(".filters button[data-filter=all]")
    sync_api.expect(page.locator("li.seg:visible")).to_have_count(page.locator("li.seg").count())


def test_edit_and_approve_writes_the_po(page, book):
    seg = row(page, "opening, paragraph 1")
    assert seg.get_attribute("data-state") == "machine"
    text = entry(book, "opening, paragraph 1").msgstr.replace("Roads", "Streets", 1)
    seg.locator("textarea").fill(text)
    seg.locator("button.approve").click()
    sync_api.expect(seg).to_have_attribute("data-state", "reviewed")
    on_disk = entry(book, "opening, paragraph 1")
    assert on_disk.msgstr == text
    assert "fuzzy" not in on_disk.flags and "machine draft" not in (on_disk.tcomment or "")
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po_of(book))], check=True)
    done = sum(e.translation.state == "reviewed"
               for e in service.review_entries(Project(book), SAMPLE, "en"))
    sync_api.expect(page.locator("#progress-text")).to_have_text(
        f"{done} of {page.locator('li.seg').count()} reviewed")


def _shown(page) -> str:
    """What the preview image shows: its pixels, read back in the page."""
    return page.evaluate("""() => { const img = document.getElementById("preview");
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        canvas.getContext("2d").drawImage(img, 0, 0); return canvas.toDataURL(); }""")


def test_the_preview_image_changes_after_a_save(page):
    """The spread laid out alone comes first after a save, then the whole booklet's."""
    preview = page.locator("#preview")
    seg = row(page, "section 1, paragraph 1")
    seg.locator("textarea").focus()
    sync_api.expect(preview).to_have_attribute("data-exact", "1", timeout=60_000)
    sync_api.expect(page.locator("#preview-pages")).to_contain_text("-")
    before = _shown(page)
    area = seg.locator("textarea")
    area.fill(area.input_value() + " Added in the browser.")
    with page.expect_response(lambda r: "preview.png" in r.url and "exact=0" in r.url
                              and r.status == 200) as quick:
        seg.locator("button.save").click()
    assert quick.value.headers["x-preview-exact"] == "0"
    sync_api.expect(seg).to_have_attribute("data-state", "unreviewed")  # Save: still a draft
    sync_api.expect(preview).to_have_attribute("data-exact", "1", timeout=60_000)
    sync_api.expect(page.locator("#preview-status")).to_have_text("")
    assert _shown(page) != before


def test_a_stale_segment_shows_its_diff(page):
    seg = row(page, "section 1 heading")
    assert seg.get_attribute("data-state") == "stale"
    diff = seg.locator(".diff")
    sync_api.expect(diff.locator("ins")).to_have_text("新")
    sync_api.expect(diff).to_contain_text("党建引领")


def test_a_glossary_miss_is_highlighted_and_follows_the_typing(page):
    seg = row(page, GLOSSARY_MISS)
    missing = seg.locator(".term.missing")
    sync_api.expect(missing).to_contain_text("党工委")
    sync_api.expect(missing).to_contain_text("Party Working Committee")
    sync_api.expect(seg.locator(".finding[data-check=glossary]")).to_have_count(1)
    area = seg.locator("textarea")
    area.fill(area.input_value().replace("Party committee", "Party Working Committee"))
    sync_api.expect(seg.locator(".term.missing")).to_have_count(0)
    sync_api.expect(seg.locator(".finding[data-check=glossary]")).to_have_count(0)
    area.press("End")
    area.type(" 滁州")
    sync_api.expect(seg.locator(".finding[data-check=untranslated]")).to_have_count(1)
    seg.locator("button.revert").click()
    sync_api.expect(seg.locator(".term.missing")).to_have_count(1)


def test_an_accepted_glossary_finding_lets_check_final_pass(browser, tiny_project):
    root = tiny_project  # reviewed throughout, but for one glossary miss
    catalog = polib.pofile(str(po_of(root)))
    for item in catalog:
        if item.comment == GLOSSARY_MISS:
            item.msgstr = item.msgstr.replace("Party Working Committee", "Party committee")
    catalog.save()
    assert not service.check(Project(root), SAMPLE, "en").final
    own = Server(root)
    try:
        context = browser.new_context(viewport=LAPTOP)
        page = context.new_page()
        page.goto(own.url)
        finding = row(page, GLOSSARY_MISS).locator(".finding[data-check=glossary]")
        finding.locator("input.reason").fill("the office's own name for it")
        finding.locator("button.accept").click()
        sync_api.expect(finding).to_have_class(re.compile("waived"))
        context.close()
    finally:
        own.stop()
    assert service.check(Project(root), SAMPLE, "en").final


def test_a_save_is_refused_when_the_po_changed_on_disk(page, book):
    seg = row(page, "caption of photos/01.jpg")
    catalog = polib.pofile(str(po_of(book)))
    for item in catalog:
        if item.comment == "caption of photos/01.jpg":
            item.msgstr = "Changed in Poedit"
    catalog.save()  # as Poedit would: no lock, no word to the app
    seg.locator("textarea").fill("Mine, typed in the browser")
    seg.locator("button.approve").click()
    box = seg.locator(".conflict")
    sync_api.expect(box).to_be_visible()
    sync_api.expect(box.locator(".theirs")).to_have_text("Changed in Poedit")
    sync_api.expect(box.locator(".yours")).to_have_text("Mine, typed in the browser")
    assert entry(book, "caption of photos/01.jpg").msgstr == "Changed in Poedit"
    page.screenshot(path=str(DOCS / "review-conflict.png"))
    box.locator("button.keep-mine").click()
    sync_api.expect(seg).to_have_attribute("data-state", "reviewed")
    assert entry(book, "caption of photos/01.jpg").msgstr == "Mine, typed in the browser"


def test_403_without_the_token_and_a_cross_site_post_refused(page, server, book):
    assert page.goto(server.base).status == 403
    assert page.goto(server.base + "?token=not-it").status == 403
    # Another site's page posts a form to the app, with the token even.
    form = (f'<form method="post" action="{server.base}api/save?token={server.token}" '
            'enctype="text/plain"><input name=\'{"key":"place|0|0|","text":"x","action":'
            '"approve","version":"\' value=\'"}\'></form>'
            "<script>document.forms[0].submit()</script>")
    evil = _Site(form)
    before = po_of(book).read_bytes()
    try:
        with page.expect_response(lambda r: "api/save" in r.url) as answer:
            page.goto(evil.url)
        assert answer.value.status == 403
        # And its script, which cannot read the token from the app's page, tries fetch.
        page.goto(evil.url + "?nothing")
        refused = page.evaluate("""async (url) => {
            try { const r = await fetch(url, {method: "POST", body: "{}",
                    headers: {"X-Review-Token": "guess"}}); return r.status; }
            catch (e) { return "blocked"; }}""", server.base + "api/save")
        assert refused in (403, "blocked")
    finally:
        evil.stop()
    assert po_of(book).read_bytes() == before


def test_two_tabs_editing_different_segments_keep_both(browser, server, book):
    context = browser.new_context(viewport=LAPTOP)
    one, two = context.new_page(), context.new_page()
    one.goto(server.url)
    two.goto(server.url)
    row(one, "colophon: publisher").locator("textarea").fill("Chengbei Office (tab one)")
    row(two, "colophon: place").locator("textarea").fill("Chuzhou, Anhui (tab two)")
    row(one, "colophon: publisher").locator("button.approve").click()
    sync_api.expect(row(one, "colophon: publisher").locator(".status")).to_have_text("approved")
    row(two, "colophon: place").locator("button.approve").click()
    sync_api.expect(row(two, "colophon: place").locator(".status")).to_have_text("approved")
    context.close()
    assert entry(book, "colophon: publisher").msgstr == "Chengbei Office (tab one)"
    assert entry(book, "colophon: place").msgstr == "Chuzhou, Anhui (tab two)"


def test_ctrl_enter_approves_and_moves_to_the_next_unreviewed(page, book):
    title = row(page, "title")
    title.locator("textarea").focus()
    page.keyboard.press("Control+Enter")
    sync_api.expect(title).to_have_attribute("data-state", "reviewed")
    assert "fuzzy" not in entry(book, "title").flags
    nxt = page.evaluate("document.activeElement.closest('li.seg').querySelector('.place')"
                        ".textContent")
    assert nxt == "subtitle"
    page.keyboard.press("Control+Enter")
    sync_api.expect(row(page, "subtitle")).to_have_attribute("data-state", "reviewed")


def test_the_chinese_interface_and_the_tablet_width(page, browser, server):
    page.click("#ui-switch")
    page.wait_for_url(re.compile(r"ui=zh"))
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    sync_api.expect(page.locator("li.seg button.approve").first).to_have_text("通过")
    sync_api.expect(page.locator("#progress-text")).to_contain_text("已审校")
    sync_api.expect(page.locator(".filters button[data-filter=machine]")).to_contain_text(
        "机器初稿")
    page.screenshot(path=str(DOCS / "review-zh.png"))
    tablet = browser.new_context(viewport=TABLET, has_touch=True)
    small = tablet.new_page()
    small.goto(server.url + "&ui=zh")
    panel = small.locator("#preview-panel").bounding_box()
    first = small.locator("li.seg").first.bounding_box()
    assert panel["y"] < first["y"]  # upright tablet: the page above the list
    assert small.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    small.screenshot(path=str(DOCS / "review-tablet.png"))
    tablet.close()


def test_host_0000_warns_and_still_needs_the_token(book):
    other = Server(book, "--host", "0.0.0.0")
    try:
        assert any(line.startswith("warning: listening on 0.0.0.0") for line in other.lines)
        port = re.search(r":(\d+)/", other.url)[1]
        local = f"http://127.0.0.1:{port}/"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(local, timeout=30)
        assert refused.value.code == 403
        refused.value.close()
        with urllib.request.urlopen(f"{local}?token={other.token}", timeout=30) as answer:
            assert answer.status == 200
    finally:
        assert other.stop() == 0


class _Site:
    """Another web site on 127.0.0.1 (another origin), serving one page."""

    def __init__(self, html: str) -> None:
        body = html.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()



def test_a_reviewer_takes_the_book_from_drafts_to_a_final_build_in_the_browser(page, book):
    """The issue's "done when", on the module's book (drafts, an unreviewed edit, changed
    Chinese, a glossary miss): approve each segment with Ctrl+Enter, accept each
    finding with a reason, and `build --final` succeeds. The PO is put back after, for
    the other tests of the module."""
    project = Project(book)
    before = po_of(book).read_bytes()
    try:
        assert not service.check(project, SAMPLE, "en").final
        open_rows = page.locator("li.seg:not([data-state=reviewed])")
        assert open_rows.count() >= 3
        for _ in range(page.locator("li.seg").count()):
            if not open_rows.count():
                break
            key = open_rows.first.get_attribute("data-key")
            current = page.locator(f'li.seg[data-key="{key}"]')
            current.locator("textarea").focus()
            page.keyboard.press("Control+Enter")
            sync_api.expect(current).to_have_attribute("data-state", "reviewed",
                                                       timeout=30_000)
        sync_api.expect(open_rows).to_have_count(0)
        total = page.locator("li.seg").count()
        sync_api.expect(page.locator("#progress-text")).to_have_text(
            f"{total} of {total} reviewed")
        findings = page.locator(".finding:not(.waived)")
        assert findings.count() >= 1  # the glossary miss, at least
        for _ in range(findings.count()):
            left = findings.count()
            if not left:
                break
            finding = findings.first
            finding.locator("input.reason").fill("the office's own wording")
            finding.locator("button.accept").click()
            # A waiver accepts its check for the entry: one or more findings go.
            sync_api.expect(findings).not_to_have_count(left, timeout=30_000)
        sync_api.expect(findings).to_have_count(0)
        assert service.check(project, SAMPLE, "en").final
        built = service.build(project, SAMPLE, "en", final=True, outputs=("email",))
        assert built.outputs[0].path.is_file()
    finally:
        po_of(book).write_bytes(before)
