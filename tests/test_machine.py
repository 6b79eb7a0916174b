"""Machine drafts: the real deep-translator classes against a local server that
speaks each provider's wire format (tests/mtserver.py)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import polib
import pytest
import requests

from parabook.catalog.po import draft_hash, entry_state
from parabook.catalog.qa import (
    GlossaryMiss,
    GlossaryTerm,
    check_glossary,
    glossary_misses,
    glossary_path,
    load_glossary,
)
from parabook.infra.lock import po_lock
from parabook.lang.script import CONTROL
from parabook.model import Segment
from parabook.mt.deeptranslator import protect, split_text
from parabook.mt.engine import PROVIDERS, ProviderError, translate_book
from parabook.mt.provider import Batch, Draft, Failure, Settings, Usage, bad_output
from parabook.project import Project
from parabook.source.manuscript import read_book, segments

from .conftest import REPO, SAMPLE
from .mtserver import Server, pseudo

KEYS = {"DEEPL_API_KEY": "deepl-secret-4711:fx", "MICROSOFT_API_KEY": "ms-secret-4712",
        "LIBRE_API_KEY": "libre-secret-4713", "BAIDU_APPID": "2024000",
        "BAIDU_APPKEY": "baidu-secret-4714"}
SERVER_KEYS = {"deepl": KEYS["DEEPL_API_KEY"], "microsoft": KEYS["MICROSOFT_API_KEY"],
               "libre": KEYS["LIBRE_API_KEY"],
               "baidu": f"{KEYS['BAIDU_APPID']}:{KEYS['BAIDU_APPKEY']}"}
FAST = ("--rate", "1000", "--backoff", "0.001", "--timeout", "5")


@pytest.fixture
def server():
    s = Server(keys=dict(SERVER_KEYS))
    yield s
    s.close()


@pytest.fixture
def fresh(project: Path, monkeypatch) -> Path:
    """The sample book with no translation file yet, and every provider's key set."""
    (project / "translations" / f"{SAMPLE}.en.po").unlink()
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    return project


def po_file(root: Path) -> Path:
    return root / "translations" / f"{SAMPLE}.en.po"


def catalog(root: Path) -> polib.POFile:
    return polib.pofile(str(po_file(root)))


def expected_sources(root: Path) -> list[str]:
    """Distinct segment texts that still hold Chinese after glossary protection."""
    book = read_book(root / "book", SAMPLE)
    glossary = load_glossary(glossary_path(root / "translations", "zh", "en"))
    texts = dict.fromkeys(protect(s.text, glossary) for s in segments(book))
    return [t for t in texts if any("\u4e00" <= c <= "\u9fff" for c in t)]


def translate(cli, root: Path, server: Server, *args: str):
    return cli(root, "translate", "--endpoint", server.url, *FAST, *args)


def start_translate(root: Path, server: Server) -> tuple[list[str], dict, subprocess.Popen]:
    """`build.py translate` as its own process (to be interrupted): command, env, process."""
    env = {**os.environ, **KEYS}
    command = [sys.executable, str(REPO / "build.py"), "translate", "--endpoint", server.url,
               *FAST]
    return command, env, subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)


def msgfmt_ok(path: Path) -> None:
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], check=True)


def test_drafts_the_whole_sample_into_a_fresh_po(fresh, server, cli):
    code, out, err = translate(cli, fresh, server)
    assert code == 0, err
    msgfmt_ok(po_file(fresh))
    entries = [e for e in catalog(fresh) if not e.obsolete]
    assert len(entries) == 42
    for entry in entries:
        assert entry.fuzzy and entry.msgstr.strip()
        assert f"machine draft: Google sha256:{draft_hash(entry.msgstr)}" in entry.tcomment
        assert entry_state(entry) == "machine"
        assert not any("\u4e00" <= c <= "\u9fff" for c in entry.msgstr)  # never the source
    # One request per distinct text with Chinese in it; what came back is what was stored.
    sources = expected_sources(fresh)
    assert sorted(server.answered) == sorted(sources)
    stored = {e.msgstr for e in entries}
    assert {pseudo(t) for t in sources} <= stored
    assert "42 of 42 segment(s) drafted with Google" in out
    assert f"{len(sources)} request(s), 0 retries" in out
    total = sum(len(t) for t in sources)
    assert f"42 segment(s) to draft with Google, {total:,} characters to send" in out
    assert f"{total:,} characters sent" in out
    # The glossary went through the request: its renderings are in the drafts.
    subtitle = next(e for e in entries if e.comment == "subtitle")
    assert "Chuzhou Economic and Technological Development Zone" in subtitle.msgstr
    assert "Chengbei New District Office" in subtitle.msgstr
    # `check` counts them as machine drafts, and a final build refuses them.
    code, out, _ = cli(fresh, "check")
    assert "42 segments: 0 reviewed, 42 machine drafts" in out
    code, _, err = cli(fresh, "build", "--final", "--output", "email")
    assert code == 2 and "is a machine draft" in err


def test_a_rerun_is_answered_from_the_translation_memory(fresh, server, cli):
    assert translate(cli, fresh, server)[0] == 0
    sent = len(server.calls)
    assert sent > 0
    po_file(fresh).unlink()  # even a lost PO file is redrafted without asking again
    code, out, _ = translate(cli, fresh, server)
    assert code == 0 and "42 of 42" in out
    assert len(server.calls) == sent
    code, out, _ = translate(cli, fresh, server, "--only", "all-unreviewed", "--dry-run")
    assert code == 0 and "42 segment(s) would be drafted with Google, 0 characters" in out
    code, out, _ = translate(cli, fresh, server, "--only", "all-unreviewed")
    assert code == 0 and len(server.calls) == sent and "0 request(s)" in out


def test_429_then_success(fresh, server, cli):
    server.script = [429, 429]
    code, out, err = translate(cli, fresh, server)
    assert code == 0, err
    assert err.count("HTTP 429, too many requests; retrying") == 2
    assert "2 retries" in out and "429×2" in out
    assert sorted(server.answered) == sorted(expected_sources(fresh))


def test_5xx_until_it_gives_up_keeps_finished_drafts(fresh, server, cli):
    server.script = ["ok"] * 5
    server.default = 503
    code, _out, err = translate(cli, fresh, server, "--retries", "2")
    assert code == 1
    assert "Google kept failing (HTTP 503), 2 retries; 5 of 42 segment(s) drafted and saved" \
        in err
    assert "fix: run the same command again later to resume" in err
    msgfmt_ok(po_file(fresh))
    drafts = [e for e in catalog(fresh) if entry_state(e) == "machine"]
    assert len(drafts) == 5
    assert {e.msgstr for e in drafts} == {pseudo(t) for t in server.answered}
    # The outage ends: the rerun asks only for what is still missing.
    answered = list(server.answered)
    server.default = "ok"
    assert translate(cli, fresh, server)[0] == 0
    assert not set(server.answered[len(answered):]) & set(answered)
    assert sum(entry_state(e) == "machine" for e in catalog(fresh)) == 42


def test_a_stalled_request_times_out_and_is_retried(fresh, server, cli):
    server.script = ["stall"]
    server.stall = 2.0
    code, out, err = cli(fresh, "translate", "--endpoint", server.url, "--rate", "1000",
                         "--backoff", "0.001", "--timeout", "0.5")
    assert code == 0, err
    assert "no answer within 0.5 s; retrying" in err
    assert "timeout×1" in out and "1 retries" in out
    assert sum(entry_state(e) == "machine" for e in catalog(fresh)) == 42


def test_a_bad_key_stops_at_once_and_is_never_shown(fresh, server, cli, monkeypatch):
    monkeypatch.setenv("DEEPL_API_KEY", "wrong-key-0815:fx")
    code, out, err = translate(cli, fresh, server, "--provider", "deepl")
    assert code == 1
    assert "DeepL refused the key (HTTP 403)" in err and "fix: set DEEPL_API_KEY" in err
    assert len(server.calls) == 1  # no retries on a refused key
    cache = fresh / "translations" / ".memory" / "translation-memory.sqlite3"
    for text in (out, err, po_file(fresh).read_text(), cache.read_bytes().decode("latin-1")):
        assert "wrong-key-0815" not in text


def test_keys_stay_out_of_files_and_output(fresh, server, cli):
    for provider in ("deepl", "baidu"):
        code, out, err = translate(cli, fresh, server, "--provider", provider,
                                   "--only", "all-unreviewed")
        assert code == 0, err
    cache = fresh / "translations" / ".memory" / "translation-memory.sqlite3"
    files = [po_file(fresh).read_bytes(), cache.read_bytes()]
    for secret in KEYS.values():
        assert secret not in out + err
        assert not any(secret.encode() in data for data in files)


def test_a_missing_key_is_named_before_any_request(fresh, server, cli, monkeypatch):
    monkeypatch.delenv("BAIDU_APPKEY")
    code, _, err = translate(cli, fresh, server, "--provider", "baidu")
    assert code == 1 and "Baidu needs BAIDU_APPKEY in the environment" in err
    assert server.calls == [] and not po_file(fresh).exists()


def test_echoed_output_is_never_stored(fresh, server, cli):
    server.script = ["echo"]
    code, _out, err = translate(cli, fresh, server)
    assert code == 1
    assert "no draft, the answer repeated the Chinese; the entry stays empty" in err
    assert "1 segment(s) got no draft" in err
    title = next(e for e in catalog(fresh) if e.comment == "title")
    assert title.msgstr == "" and entry_state(title) == "missing"
    assert sum(entry_state(e) == "machine" for e in catalog(fresh)) == 41
    # Retrying later drafts it.
    assert translate(cli, fresh, server)[0] == 0
    assert entry_state(next(e for e in catalog(fresh) if e.comment == "title")) == "machine"


@pytest.mark.parametrize(("sent", "answer", "why"), [
    ("你好世界", None, "the answer was empty"),
    ("你好世界", "  ", "the answer was empty"),
    ("你好，世界。", "你好, 世界.", "the answer repeated the Chinese"),
    ("你好世界", "Hello 你好世界你好世界", "the answer is still mostly Chinese"),
    ("你好世界", "Hello world", None),
])
def test_bad_output(sent, answer, why):
    assert bad_output(sent, answer, "en") == why


def test_split_at_sentences_then_clauses():
    text = "第一句话很短。" + "第二句话，" * 30 + "结束！" + "“第三句。”" + "第四句？"
    pieces = split_text(text, 40)
    assert "".join(pieces) == text
    assert all(len(p) <= 40 for p in pieces)
    assert pieces[0].startswith("第一句话很短。")
    assert not any(p.startswith("”") for p in pieces)  # a closing quote stays with its sentence
    assert split_text("“第一。”“第二。”", 5) == ["“第一。”", "“第二。”"]
    for piece in pieces[:-1]:
        assert piece[-1] in "。！？”，"
    assert split_text("短。", 40) == ["短。"]


def test_a_segment_over_the_limit_is_split_and_joined(fresh, server, cli):
    source = fresh / "book" / SAMPLE / "source.zh.md"
    long = "".join(f"这是第{i}句很长的测试文字，用来检验按句子切分的功能。" for i in range(60))
    assert len(long) > 1500
    source.write_text(source.read_text(encoding="utf-8") + "\n" + long + "\n", encoding="utf-8")
    code, _, err = translate(cli, fresh, server, "--provider", "mymemory")
    assert code == 0, err
    pieces = [c.text for c in server.calls if "这是第" in c.text]
    assert len(pieces) >= 4 and all(len(p) <= 499 for p in pieces)  # MyMemory's limit
    assert all(p.endswith("。") for p in pieces)
    assert "".join(pieces) == long
    entry = next(e for e in catalog(fresh) if e.msgid == long)
    assert entry.msgstr == " ".join(pseudo(p) for p in pieces)
    assert "machine draft: MyMemory" in entry.tcomment


@pytest.mark.parametrize("provider", ["deepl", "microsoft", "mymemory", "libre", "baidu"])
def test_every_provider_through_its_own_wire_format(fresh, server, cli, provider):
    code, out, err = translate(cli, fresh, server, "--provider", provider)
    assert code == 0, err
    assert {c.provider for c in server.calls} == {provider}
    assert sum(entry_state(e) == "machine" for e in catalog(fresh)) == 42
    assert "42 of 42" in out


def test_reviewed_sample_is_never_touched(project, server, cli, monkeypatch):
    before = po_file(project).read_bytes()
    code, out, _ = translate(cli, project, server, "--only", "all-unreviewed")
    assert code == 0 and "0 of 0 segment(s)" in out
    assert server.calls == [] and po_file(project).read_bytes() == before


def _mixed_po(root: Path) -> dict[str, str]:
    """Mark four entries of the reviewed sample: a stale one, an edited machine draft,
    an imported fuzzy one and an untouched machine draft. Return their msgids."""
    cat = catalog(root)
    entries = [e for e in cat if not e.obsolete and "paragraph" in e.comment]
    stale, edited, imported, machine = entries[:4]
    stale.flags.append("fuzzy")
    stale.previous_msgid = stale.msgid[:-3] + "旧文本"
    edited.flags.append("fuzzy")
    edited.tcomment = f"machine draft: Google sha256:{draft_hash('the old draft')}"
    imported.flags.append("fuzzy")
    machine.flags.append("fuzzy")
    machine.tcomment = f"machine draft: DeepL sha256:{draft_hash(machine.msgstr)}"
    hashless = entries[5]  # no hash: nobody can tell it from a person's text
    hashless.flags.append("fuzzy")
    hashless.tcomment = "machine draft: DeepL"
    cat.save(str(po_file(root)))
    return {"stale": stale.msgid, "edited": edited.msgid, "imported": imported.msgid,
            "machine": machine.msgid, "reviewed": entries[4].msgid, "hashless": hashless.msgid}


def _by_msgid(root: Path) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in catalog(root) if not e.obsolete}


def test_only_decides_what_may_be_replaced_and_people_keep_their_text(project, server, cli):
    ids = _mixed_po(project)
    before = _by_msgid(project)
    assert translate(cli, project, server)[0] == 0  # --only missing: nothing is missing
    assert server.calls == []

    assert translate(cli, project, server, "--only", "stale")[0] == 0
    after = _by_msgid(project)
    stale = after[ids["stale"]]
    assert entry_state(stale) == "machine" and stale.previous_msgid is None
    # The reviewer's translation of the old Chinese is kept in the entry.
    note = "".join(stale.tcomment.split())  # polib wraps long comments
    assert "earlierChinese:" + "".join(before[ids["stale"]].previous_msgid.split()) in note
    assert ("earliertranslation,forthatearlierChinese:"
            + "".join(before[ids["stale"]].msgstr.split())) in note
    for kind in ("edited", "imported", "machine", "reviewed"):
        assert after[ids[kind]].msgstr == before[ids[kind]].msgstr, kind

    assert translate(cli, project, server, "--only", "all-unreviewed")[0] == 0
    after = _by_msgid(project)
    assert "machine draft: Google" in after[ids["machine"]].tcomment  # an untouched draft
    for kind in ("edited", "imported", "reviewed", "hashless"):
        assert after[ids[kind]].msgstr == before[ids[kind]].msgstr, kind
        assert after[ids[kind]].tcomment == before[ids[kind]].tcomment, kind
    glossary = load_glossary(glossary_path(project / "translations", "zh", "en"))
    assert [c.text for c in server.calls] == [protect(ids["stale"], glossary),
                                              protect(ids["machine"], glossary)]
    msgfmt_ok(po_file(project))


def test_a_draft_missing_a_glossary_term_says_so(fresh, server, cli):
    server.translate = lambda text: "A plain sentence without the terms."
    assert translate(cli, fresh, server)[0] == 0
    subtitle = next(e for e in catalog(fresh) if e.comment == "subtitle")
    assert ("machine draft check: glossary line 2: missing 滁州经开区"
            in subtitle.tcomment.splitlines())
    assert entry_state(subtitle) == "machine"  # the note does not hide the draft
    assert "glossary: 滁州经开区 should be rendered as" in cli(fresh, "check")[1]
    # A better draft replaces the notes with its own, and keeps a person's comment.
    cat = catalog(fresh)
    next(e for e in cat if e.comment == "subtitle").tcomment += "\nask the author about 2021"
    cat.save(str(po_file(fresh)))
    server.translate = pseudo
    # Else the memory answers the same.
    (fresh / "translations" / ".memory" / "translation-memory.sqlite3").unlink()
    assert translate(cli, fresh, server, "--only", "all-unreviewed")[0] == 0
    subtitle = next(e for e in catalog(fresh) if e.comment == "subtitle")
    lines = subtitle.tcomment.splitlines()
    assert lines[0].startswith("machine draft: Google sha256:") and len(lines) == 2
    assert lines[1] == "ask the author about 2021"


def test_dry_run_sends_and_writes_nothing(fresh, server, cli):
    code, out, _ = translate(cli, fresh, server, "--dry-run", "--provider", "deepl")
    assert code == 0
    assert "42 segment(s) would be drafted with DeepL" in out
    total = sum(len(t) for t in expected_sources(fresh))
    assert f"{total:,} characters would be sent" in out
    assert server.calls == [] and not po_file(fresh).exists()
    assert not (fresh / ".cache").exists()
    assert not (fresh / "translations" / ".memory").exists()


def test_a_second_writer_is_refused(fresh, server, cli):
    with po_lock(po_file(fresh)):
        code, _, err = translate(cli, fresh, server)
        assert code == 75 and "is writing translations" not in err  # path shown in full
        assert "another parabook command (update, translate or import-review)" in err
        code, _, err = cli(fresh, "update")
        assert code == 75
    assert server.calls == []
    assert translate(cli, fresh, server)[0] == 0  # released: the next run goes ahead


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_halfway_then_resumed_without_asking_twice(fresh, server, how):
    server.hang_after = 10
    command, env, proc = start_translate(fresh, server)
    try:
        assert server.hanging.wait(60), "the run never reached the eleventh request"
        time.sleep(0.2)
        proc.send_signal(how)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    first = list(server.answered)
    assert len(first) == 10
    if how == signal.SIGINT:
        assert proc.returncode == 130
        assert "interrupted: the 10 draft(s) finished are saved" in err
    msgfmt_ok(po_file(fresh))
    assert sum(entry_state(e) == "machine" for e in catalog(fresh)) == 10
    assert not list((fresh / "translations").glob(".*.tmp"))

    server.hang_after = None
    server.release()
    done = subprocess.run(command, cwd=fresh, env=env, capture_output=True, text=True, check=False,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    second = server.answered[len(first):]
    assert not set(first) & set(second)  # nothing answered twice
    assert sorted(first + second) == sorted(expected_sources(fresh))
    assert sum(entry_state(e) == "machine" for e in catalog(fresh)) == 42


def test_deepl_gets_the_key_in_a_header_as_its_api_now_requires(fresh, server, cli):
    from deep_translator import DeeplTranslator
    from deep_translator.exceptions import AuthorizationException

    # deep-translator 1.11.4 on its own sends GET ?auth_key=..., which DeepL refuses.
    plain = DeeplTranslator(source="zh", target="en", api_key=KEYS["DEEPL_API_KEY"])
    plain._base_url = server.url + "/v2/"
    with pytest.raises(AuthorizationException):
        plain.translate("你好")
    assert server.calls[-1].status == 403
    # Through `translate` the same class works: POST, key in the Authorization header.
    code, _out, err = translate(cli, fresh, server, "--provider", "deepl")
    assert code == 0, err
    assert all(c.status == 200 for c in server.calls[1:])


def test_a_quota_warning_in_place_of_a_translation_stops_the_run(fresh, server, cli):
    server.script = ["ok"] * 3
    server.default = "ok"
    answers = iter(range(1000))

    def warn_after_three(text):
        return pseudo(text) if next(answers) < 3 else (
            "MYMEMORY WARNING: YOU USED ALL AVAILABLE FREE TRANSLATIONS FOR TODAY.")

    server.translate = warn_after_three
    code, _, err = translate(cli, fresh, server, "--provider", "mymemory")
    assert code == 1
    assert ("MyMemory quota exhausted (the answer was a quota warning); 3 of 42 segment(s) "
            "drafted and saved") in err
    assert "WARNING" not in po_file(fresh).read_text()
    cache = fresh / "translations" / ".memory" / "translation-memory.sqlite3"
    assert b"WARNING" not in cache.read_bytes()


def test_retry_after_is_obeyed_and_a_long_one_stops_the_run(fresh, server, cli):
    server.script = [429]
    server.retry_after = "1"
    code, _, err = translate(cli, fresh, server)
    assert code == 0 and "HTTP 429, too many requests; retrying in 1.0 s" in err
    server.script, server.retry_after = [429], "86400"
    code, _, err = translate(cli, fresh, server, "--only", "all-unreviewed", "--provider",
                             "deepl")
    assert code == 1
    assert "DeepL is rate-limiting (HTTP 429, asked to wait 1440 minutes)" in err
    assert "fix: run the same command again after that to resume" in err


def test_a_server_that_drips_its_answer_is_timed_out(fresh, server, cli):
    server.script = ["drip"]
    started = time.monotonic()
    code, _out, err = cli(fresh, "translate", "--endpoint", server.url, "--rate", "1000",
                         "--backoff", "0.001", "--timeout", "0.5")
    assert code == 0, err
    assert "no answer within 0.5 s; retrying" in err
    assert time.monotonic() - started < 15


def test_a_redirect_or_a_wrong_address_stops_at_once(fresh, server, cli):
    server.script = [307]
    code, _, err = translate(cli, fresh, server)
    assert code == 1 and len(server.calls) == 1
    assert f"Google did not answer at {server.url} (HTTP 307" in err
    assert "fix: check --endpoint" in err
    code, _, err = cli(fresh, "translate", "--endpoint", server.url + "/nowhere", *FAST)
    assert code == 1 and "(HTTP 404: no such address, or a redirect)" in err


def test_an_answer_holding_the_key_is_refused(fresh, server, cli):
    server.translate = lambda text: f"Error: api_key={KEYS['LIBRE_API_KEY']} is over quota"
    code, out, err = translate(cli, fresh, server, "--provider", "libre")
    assert code == 1 and "no draft, the answer contains your API key" in err
    cache = fresh / "translations" / ".memory" / "translation-memory.sqlite3"
    for data in (out + err, po_file(fresh).read_text(), cache.read_bytes().decode("latin-1")):
        assert KEYS["LIBRE_API_KEY"] not in data
    # LibreTranslate gets its key in the form body, never in the URL.
    assert all(c.status == 200 for c in server.calls)


def test_a_broken_translation_memory_is_set_aside(fresh, server, cli):
    cache = fresh / "translations" / ".memory" / "translation-memory.sqlite3"
    cache.parent.mkdir()
    cache.write_bytes(b"this is not a database" * 100)
    code, _, err = translate(cli, fresh, server)
    assert code == 0, err
    assert ("translation memory translations/.memory/translation-memory.sqlite3 cannot be "
            "used") in err or "cannot be used (file is not a database)" in err
    assert sum(entry_state(e) == "machine" for e in catalog(fresh)) == 42


def test_dry_run_counts_what_the_run_sends(project, server, cli):
    source = project / "book" / SAMPLE / "source.zh.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text + "\n新增的一段文字，用来检验。\n", encoding="utf-8")
    code, out, _ = translate(cli, project, server, "--dry-run")
    assert "1 segment(s) would be drafted with Google, 13 characters would be sent" in out
    code, out, err = translate(cli, project, server)
    assert code == 0 and "1 of 1 segment(s) drafted" in out and "13 characters sent" in out
    assert "1/1 segments; 13 chars sent; responses 200×1" in err  # progress off a terminal


@pytest.mark.parametrize(("args", "env", "message"), [
    (("--backoff", "-1"), {}, "--backoff -1.0 is not a usable number"),
    (("--timeout", "nan"), {}, "--timeout nan is not a usable number"),
    (("--provider", "deepl"), {"DEEPL_API_KEY": "abc:fx\r"},
     "DEEPL_API_KEY contains a space or a line break (a copy-paste slip?)"),
    (("--lang", "xx"), {}, "Google has no language 'xx' (for --lang xx)"),
])
def test_bad_options_are_refused_before_anything_is_sent(fresh, server, cli, monkeypatch,
                                                        args, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, _, err = translate(cli, fresh, server, *args)
    assert code in (1, 2) and message in err
    assert server.calls == [] and not po_file(fresh).exists()
    assert "abc:fx" not in err


def test_a_reviewer_saving_during_a_run_keeps_their_edits(fresh, server):
    server.hang_after = 5
    _command, _env, proc = start_translate(fresh, server)
    try:
        assert server.hanging.wait(60)
        # Poedit saves meanwhile: a draft reviewed as is, another rewritten, and an
        # empty entry translated by hand.
        cat = catalog(fresh)
        drafts = [e for e in cat if entry_state(e) == "machine"]
        empty = [e for e in cat if entry_state(e) == "missing"]
        drafts[0].flags.remove("fuzzy")
        drafts[1].msgstr = "A reviewer's own sentence."
        empty[-1].msgstr = "Typed by hand."
        cat.save(str(po_file(fresh)))
        server.hang_after = None
        server.release()
        _out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    after = {e.msgid: e for e in catalog(fresh)}
    assert entry_state(after[drafts[0].msgid]) == "reviewed"
    assert after[drafts[1].msgid].msgstr == "A reviewer's own sentence."
    assert entry_state(after[drafts[1].msgid]) == "unreviewed"
    assert after[empty[-1].msgid].msgstr == "Typed by hand."
    assert "left alone, it changed while drafting" in err
    msgfmt_ok(po_file(fresh))


# ---------------------------------------------------------------- the provider protocol


@dataclass(frozen=True)
class BatchProvider:
    """The shape of a language-model provider: an HTTP client of its own (the standard
    library's), one request per batch carrying the title, the segments' kinds and the
    glossary, and typed failures."""

    url: str
    name: str = "batch"
    label: str = "Batch"
    keys: tuple[str, ...] = ()
    batch_size: int = 16
    batch_chars: int = 0
    edits: bool = False
    seen: list = field(default_factory=list)
    """`requests.Session.request` as each batch found it."""

    def required_keys(self, settings: Settings, env: Mapping[str, str]) -> tuple[str, ...]:
        return self.keys

    def estimate(self, texts: list[str], batches: int) -> tuple[int, int] | None:
        return None

    def check(self, source_lang: str, lang: str, settings: Settings,
              env: Mapping[str, str]) -> None:
        pass

    def memory_name(self, settings: Settings, env: Mapping[str, str]) -> str:
        return f"{self.name}@{self.url}"

    def cost(self, text: str, glossary: tuple[GlossaryTerm, ...]) -> int:
        return len(text)

    @contextmanager
    def session(self, settings: Settings, env: Mapping[str, str]) -> Iterator[BatchSession]:
        yield BatchSession(self, settings.timeout)


class BatchSession:
    def __init__(self, provider: BatchProvider, timeout: float) -> None:
        self.provider, self.timeout = provider, timeout
        self.usage = Usage()

    def translate(self, batch: Batch) -> list[Draft | Failure]:
        self.provider.seen.append(requests.Session.request)
        body = json.dumps({
            "from": batch.source_lang, "to": batch.target_lang, "title": batch.title,
            "segments": [{"text": s.text, "kind": s.kind, "where": s.where}
                         for s in batch.segments],
            "glossary": [[t.term, t.renderings[0]] for t in batch.glossary]})
        url = urlsplit(self.provider.url)
        connection = http.client.HTTPConnection(url.netloc, timeout=self.timeout)
        try:
            connection.request("POST", "/batch", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        self.usage.requests += 1
        self.usage.chars += sum(len(s.text) for s in batch.segments)
        self.usage.statuses[str(response.status)] += 1
        if response.status == 429:
            return [Failure("retry", "HTTP 429")] * len(batch.segments)
        if response.status != 200:
            return [Failure("stop", f"Batch refused the request (HTTP {response.status})",
                            fix="see the server's log")]
        return [Draft(text) for text in json.loads(answer)["translations"]]


def test_a_provider_with_its_own_http_client_needs_no_patch(fresh, server, monkeypatch):
    original = requests.Session.request
    provider = BatchProvider(server.url)
    monkeypatch.setitem(PROVIDERS, provider.name, provider)
    server.script = [429]  # the first batch is retried: a typed failure, no text parsed
    report = translate_book(Project(fresh), SAMPLE, "en",
                            Settings(provider="batch", backoff=0.001, timeout=5))
    assert report.drafted == report.jobs == 42 and report.retries == 1
    assert report.statuses == {"429": 1, "200": report.requests - 1}
    # One request per batch, never more segments than the provider takes.
    assert {c.provider for c in server.calls} == {"batch"}
    assert len(server.batches) == report.requests
    assert all(len(b["segments"]) <= 16 for b in server.batches)
    assert server.batches[0] == server.batches[1]  # the same batch, sent again
    entries = [e for e in catalog(fresh) if not e.obsolete]
    assert sorted(server.answered) == sorted({e.msgid for e in entries})
    # The context went along: the title, each segment's kind and the glossary terms in it.
    title = read_book(fresh / "book", SAMPLE).meta.title
    assert {b["title"] for b in server.batches} == {title}
    first = server.batches[0]
    assert first["segments"][0] == {"text": title, "kind": "title", "where": "title"}
    for sent in server.batches:
        texts = "".join(s["text"] for s in sent["segments"])
        assert all(term in texts for term, _ in sent["glossary"])
    assert ["滁州经开区", "Chuzhou Economic and Technological Development Zone"] in \
        first["glossary"]
    for entry in entries:
        assert entry.fuzzy and entry_state(entry) == "machine"
        assert f"machine draft: Batch sha256:{draft_hash(entry.msgstr)}" in entry.tcomment
    subtitle = next(e for e in entries if e.comment == "subtitle")
    assert "Chuzhou Economic and Technological Development Zone" in subtitle.msgstr
    # requests was never patched: not during a batch, not after.
    assert len(provider.seen) == report.requests
    assert all(seen is original for seen in provider.seen)
    assert requests.Session.request is original
    msgfmt_ok(po_file(fresh))


def test_the_deep_translator_patch_lasts_as_long_as_its_session(server):
    original = requests.Session.request
    batch = Batch("zh-CN", "en", "标题", (Segment("paragraph", "你好世界。", "p 1"),
                                          Segment("paragraph", "滁州经开区", "p 2")),
                  (GlossaryTerm("滁州经开区", ("Chuzhou ETDZ",), "", 2),))
    with pytest.raises(KeyError), \
            PROVIDERS["google"].session(Settings(endpoint=server.url), {}) as session:
        assert requests.Session.request is not original
        assert list(session.translate(batch)) == [Draft(pseudo("你好世界。")),
                                                  Draft("Chuzhou ETDZ")]
        assert session.usage.requests == 1  # a segment of glossary terms asks nobody
        raise KeyError("an error inside the session still ends it")
    assert requests.Session.request is original


def test_glossary_misses_are_data_and_read_as_before():
    glossary = [GlossaryTerm("滁州经开区", ("Chuzhou ETDZ", "Chuzhou Development Zone"), "", 2),
                GlossaryTerm("经开区", ("development zone",), "", 3)]
    misses = glossary_misses("滁州经开区很大", "It is big", glossary)
    assert misses == [GlossaryMiss("滁州经开区", ("Chuzhou ETDZ", "Chuzhou Development Zone"),
                                   2)]
    assert check_glossary("滁州经开区很大", "It is big", glossary) == [misses[0].message]
    assert misses[0].message == ("glossary: 滁州经开区 should be rendered as “Chuzhou ETDZ” "
                                 "or “Chuzhou Development Zone” (glossary line 2)")
    assert glossary_misses("滁州经开区很大", "The Chuzhou ETDZ is big", glossary) == []



# ---------------------------------------------------------------- hardening (issue 21)

MEMORY = Path("translations") / ".memory" / "translation-memory.sqlite3"


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize("disguise", [
    lambda key: key[:4] + "\x01" + key[4:],  # clean() drops the control character
    lambda key: key[:4] + "\u200b" + key[4:],  # a zero-width space
    _fullwidth,  # NFKC brings it back
    str.upper,
])
def test_bad_output_finds_the_key_in_the_text_that_would_be_stored(disguise):
    key = KEYS["LIBRE_API_KEY"]
    answer = f"Error: api_key={disguise(key)} is over quota"
    assert bad_output("你好世界", answer, "en", (key,)) == "the answer contains your API key"
    assert bad_output("你好世界", answer, "en", ()) is None


def _never_stored(root: Path, key: str, *texts: str) -> None:
    stored = [po_file(root).read_text(encoding="utf-8"),
              (root / MEMORY).read_bytes().decode("utf-8", "replace"), *texts]
    for text in stored:
        plain = CONTROL.sub("", unicodedata.normalize("NFKC", text)).replace("\u200b", "")
        assert key.casefold() not in plain.casefold()


@pytest.mark.parametrize("disguise", [
    lambda key: key[:4] + "\x01" + key[4:],
    lambda key: key[:4] + "\u200b" + key[4:],
    _fullwidth,
])
def test_a_disguised_key_is_never_stored(fresh, server, cli, disguise):
    key = KEYS["LIBRE_API_KEY"]
    server.translate = lambda text: f"Error: api_key={disguise(key)} is over quota"
    code, out, err = translate(cli, fresh, server, "--provider", "libre")
    assert code == 1 and "no draft, the answer contains your API key" in err
    _never_stored(fresh, key, out, err)


def test_a_key_split_across_the_pieces_of_a_long_segment_is_never_stored(fresh, server, cli):
    key = KEYS["LIBRE_API_KEY"]
    long = "".join(f"这是第{i}句很长的测试文字，用来检验按句子切分的功能。" for i in range(100))
    source = fresh / "book" / SAMPLE / "source.zh.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n" + long + "\n", encoding="utf-8")
    # Each piece alone holds half of the key; joined without spaces (Japanese) they hold it.
    server.translate = lambda text: (f"{key[:6]}" if text.startswith("这是第0句")
                                     else f"{key[6:]}" if "这是第" in text else pseudo(text))
    code, out, err = translate(cli, fresh, server, "--provider", "libre", "--lang", "ja")
    assert len([c for c in server.calls if "这是第" in c.text]) >= 2
    assert code == 1 and "no draft, the answer contains your API key" in err
    po = fresh / "translations" / f"{SAMPLE}.ja.po"
    for text in (po.read_text(encoding="utf-8"), (fresh / MEMORY).read_bytes().decode("latin-1"),
                 out, err):
        assert key not in text


@pytest.mark.parametrize("how", ["drip-status", "drip-headers"])
def test_a_server_that_drips_its_status_line_or_headers_is_timed_out(fresh, server, cli, how):
    server.script = [how]
    started = time.monotonic()
    code, _out, err = cli(fresh, "translate", "--endpoint", server.url, "--rate", "1000",
                          "--backoff", "0.001", "--timeout", "0.5")
    assert code == 0, err
    assert "no answer within 0.5 s; retrying" in err
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("status", [503, 500, 429])
def test_a_long_retry_after_on_any_status_stops_the_run(fresh, server, status):
    server.script, server.retry_after = [status], "100000"
    slept: list[float] = []
    with pytest.raises(ProviderError) as stop:
        translate_book(Project(fresh), SAMPLE, "en",
                       Settings(endpoint=server.url, backoff=0.001, timeout=5, rate=1000),
                       sleep=slept.append)
    assert slept == [] and len(server.calls) == 1
    assert f"(HTTP {status}, asked to wait 1667 minutes)" in str(stop.value)
    assert "fix: run the same command again after that to resume" in str(stop.value)


@pytest.mark.parametrize("how", ["huge", "bomb"])
def test_an_answer_of_megabytes_is_cut_off_and_skipped(fresh, server, cli, how):
    server.script = [how]
    started = time.monotonic()
    code, _out, err = translate(cli, fresh, server, "--provider", "deepl")
    assert code == 1
    assert "title: no draft, the answer was larger than 4 MB; the entry stays empty" in err
    assert time.monotonic() - started < 20
    assert po_file(fresh).stat().st_size < 100_000
    assert sum(entry_state(e) == "machine" for e in catalog(fresh)) == 41


def test_an_answer_far_longer_than_its_source_is_refused(fresh, server, cli):
    server.translate = lambda text: "Lorem ipsum. " * 400 if text.startswith("躬身") \
        else pseudo(text)
    code, _out, err = translate(cli, fresh, server)
    assert code == 1
    # The source as sent: the title with its glossary terms (初心) already in English.
    assert ("title: no draft, the answer is 5,199 characters long, more than 20 times the "
            "source's 33") in err
    assert "Lorem" not in po_file(fresh).read_text(encoding="utf-8")
    assert sum(entry_state(e) == "machine" for e in catalog(fresh)) == 41


def test_endpoint_and_libre_url_together_are_refused(fresh, server, cli, monkeypatch):
    other = Server(keys=dict(SERVER_KEYS))
    try:
        monkeypatch.setenv("LIBRE_URL", other.url + "/")
        code, _, err = translate(cli, fresh, server, "--provider", "libre")
        assert code == 2
        assert "--endpoint and LIBRE_URL both say where LibreTranslate is" in err
        assert "fix: leave out --endpoint (and PARABOOK_MT_ENDPOINT), or unset LIBRE_URL" in err
        assert server.calls == other.calls == [] and not po_file(fresh).exists()
        # LIBRE_URL alone is where the drafts come from, remembered under its address.
        code, _, err = cli(fresh, "translate", "--provider", "libre", *FAST)
        assert code == 0, err
        assert server.calls == [] and len(other.calls) == len(expected_sources(fresh))
        assert f"libre@{other.url}".encode() in (fresh / MEMORY).read_bytes()
        code, _, err = translate(cli, fresh, server, "--provider", "libre", "--only",
                                 "all-unreviewed", "--dry-run")
        assert code == 2
    finally:
        other.close()


def test_credentials_in_the_endpoint_are_never_stored_or_shown(fresh, server, cli):
    host = urlsplit(server.url).netloc
    endpoint = f"http://reader:pw-s3cret-77@{host}"
    server.script = [307]
    code, out, err = cli(fresh, "translate", "--endpoint", endpoint, *FAST)
    assert code == 1
    assert f"Google did not answer at http://***@{host} (HTTP 307" in err
    code, out2, err2 = cli(fresh, "translate", "--endpoint", endpoint, *FAST)
    assert code == 0, err2
    assert server.authorizations[-1] == "Basic " + base64.b64encode(
        b"reader:pw-s3cret-77").decode()  # still sent, to the server only
    memory = (fresh / MEMORY).read_bytes().decode("latin-1")
    assert f"google@http://{host}" in memory
    for text in (out + err + out2 + err2, memory, po_file(fresh).read_text(encoding="utf-8")):
        assert "pw-s3cret-77" not in text and "reader:" not in text


@pytest.mark.parametrize("endpoint", ["file:///etc/passwd", "not a url", "http://",
                                      "ftp://example.org/", "http://host:99999",
                                      "file://user:pw-s3cret@host/x"])
def test_an_endpoint_that_is_not_an_http_url_is_refused_before_anything_is_sent(
        fresh, server, cli, endpoint):
    code, _, err = cli(fresh, "translate", "--endpoint", endpoint, *FAST)
    assert code == 2, err
    assert "is not a usable http(s) URL" in err and "could not connect" not in err
    assert "fix: give the server's base URL, e.g. --endpoint http://localhost:5000" in err
    assert "pw-s3cret" not in err
    assert not po_file(fresh).exists()


def test_protect_leaves_a_term_without_a_rendering_in_chinese():
    # A glossary line `滁州<TAB> | ` has a translation column, but no rendering in it.
    glossary = [GlossaryTerm("滁州经开区", (), "", 2), GlossaryTerm("经开区", ("ETDZ",), "", 3)]
    assert protect("滁州经开区很大", glossary) == "滁州 ETDZ 很大"


def test_self_hosted_libretranslate_needs_no_key(fresh, monkeypatch, cli):
    """A LibreTranslate of one's own takes no key: none is asked for, none sent (the test
    server refuses any api_key it was not given)."""
    monkeypatch.delenv("LIBRE_API_KEY")
    own = Server()  # knows no libre key
    try:
        code, _, err = cli(fresh, "translate", "--provider", "libre")
        assert code == 1 and "LibreTranslate needs LIBRE_API_KEY" in err and not own.calls
        code, out, err = translate(cli, fresh, own, "--provider", "libre")
        assert code == 0, err
        assert {c.status for c in own.calls} == {200} and "42 of 42" in out
        monkeypatch.setenv("LIBRE_URL", own.url)  # the other way to say where it is
        code, _, err = cli(fresh, "translate", "--provider", "libre", "--only",
                           "all-unreviewed", "--rate", "1000")
        assert code == 0, err
    finally:
        own.close()
