"""Machine drafts through deep-translator, made safe for a PO file full of people's work.

deep-translator sends one request per text with no timeout, no throttling and no
retries, and raises a different exception per provider. This stage wraps its classes:

- a transport around `requests` adds the timeout, the request rate, the endpoint
  override (`--endpoint`, for self-hosted or test servers) and a record of each
  response, so failures are classified the same way for every provider;
- each draft is checked (not empty, not the Chinese echoed back), saved to the PO
  at once and atomically, and kept in a translation memory, so an interrupted run
  loses nothing and a rerun sends nothing twice;
- only missing, stale or untouched machine entries are written: never a reviewed
  entry, never a draft a person has edited.
"""

from __future__ import annotations

import email.utils
import math
import os
import random
import re
import sqlite3
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import polib

from parabook.errors import BookError, InputError, display_path
from parabook.infra.lock import po_lock
from parabook.source.manuscript import CONTROL, read_book, segments
from parabook.catalog.qa import GlossaryTerm, check_glossary, glossary_path, load_glossary
from parabook.catalog.po import (
    MACHINE_RE,
    Key,
    entry_finder,
    entry_state,
    find_entry,
    keys,
    machine_comment,
    machine_provider,
    po_path,
    read_catalog,
    save_catalog,
    update_catalog,
)

if TYPE_CHECKING:  # requests is imported when a run starts: every other command is quicker
    import requests

Only = Literal["missing", "stale", "all-unreviewed"]
# What each --only may overwrite. Never "reviewed", never "unreviewed" (a person's text).
WRITABLE: dict[str, frozenset[str]] = {
    "missing": frozenset({"missing"}),
    "stale": frozenset({"missing", "stale"}),
    "all-unreviewed": frozenset({"missing", "stale", "machine"}),
}
CHECK_NOTE = "machine draft check: "
EARLIER_SOURCE = "earlier Chinese: "
EARLIER_NOTE = "earlier translation, for that earlier Chinese: "
NO_SPACES = ("zh", "ja", "ko", "th", "lo", "km", "my")  # targets written without word spaces
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
SENTENCE = re.compile(r"[^。！？!?…]*(?:[。！？!?…]+[”’」』）)\]]*|$)")
CLAUSE = re.compile(r"[^；;，,、]*(?:[；;，,、]+|$)")


class ProviderError(BookError):
    """The provider stopped the run (key, quota, outage); what is done is saved."""

    exit_code = 1


# ---------------------------------------------------------------- providers


@dataclass(frozen=True)
class Provider:
    """How to reach one deep-translator provider, and its limits."""

    name: str
    """The `--provider` value."""
    label: str
    """Shown to people and written in `machine draft: LABEL` comments (no spaces)."""
    hosts: tuple[str, ...]
    """Official URL prefixes; `--endpoint` replaces them."""
    max_chars: int
    """Longest text one request may carry; longer segments are split at sentences."""
    rate: float
    """Default requests per second."""
    keys: tuple[str, ...] = ()
    """Environment variables that must be set (their values are secrets)."""
    options: tuple[str, ...] = ()
    """Environment variables that may be set."""
    chinese: tuple[str, str] = ("zh", "zh")
    """The provider's codes for Simplified and Traditional Chinese."""

    def make(self, source: str, target: str, env: Mapping[str, str]) -> Any:
        """A deep-translator instance; constructing one may already send a request."""
        import deep_translator as dt

        if self.name == "google":
            return dt.GoogleTranslator(source=source, target=target)
        if self.name == "deepl":
            key = env["DEEPL_API_KEY"]
            # DeepL's free keys end in ":fx" and live on a separate host.
            return dt.DeeplTranslator(source=source, target=target, api_key=key,
                                      use_free_api=key.endswith(":fx"))
        if self.name == "microsoft":
            return dt.MicrosoftTranslator(source=source, target=target,
                                          api_key=env["MICROSOFT_API_KEY"],
                                          region=env.get("MICROSOFT_REGION") or None)
        if self.name == "mymemory":
            return dt.MyMemoryTranslator(source=source, target=target,
                                         email=env.get("MYMEMORY_EMAIL") or None)
        if self.name == "libre":
            return dt.LibreTranslator(source=source, target=target,
                                      api_key=env["LIBRE_API_KEY"],
                                      custom_url=env.get("LIBRE_URL") or None)
        if self.name == "baidu":
            return dt.BaiduTranslator(source=source, target=target,
                                      appid=env["BAIDU_APPID"], appkey=env["BAIDU_APPKEY"])
        raise AssertionError(self.name)

    def adapt(self, method: str, url: str, kwargs: dict) -> tuple[str, dict]:
        """Bring deep-translator's request up to the provider's current API.

        DeepL has refused `auth_key` in the query string since January 2026; its
        API takes POST with the key in an `Authorization` header, and the
        response is unchanged. (Kept out of the URL, the key also cannot leak
        into an error message.)"""
        params = kwargs.get("params")
        if self.name == "libre" and isinstance(params, dict) and "api_key" in params:
            # LibreTranslate takes a form body; a key in the URL ends up in server logs.
            return method, {**kwargs, "params": None, "data": params}
        if self.name == "deepl" and isinstance(params, dict) and "auth_key" in params:
            params = dict(params)
            key = params.pop("auth_key")
            kwargs = {**kwargs, "params": None, "data": params,
                      "headers": {**(kwargs.get("headers") or {}),
                                  "Authorization": f"DeepL-Auth-Key {key}"}}
            method = "POST"
        return method, kwargs

    def check_codes(self, source: str, target: str, source_lang: str, lang: str) -> None:
        """Refuse a language the provider does not have, before anything is written
        (Microsoft's list is online: it is checked by the first request)."""
        from deep_translator import constants

        table = {"google": constants.GOOGLE_LANGUAGES_TO_CODES,
                 "deepl": constants.DEEPL_LANGUAGE_TO_CODE,
                 "mymemory": constants.MY_MEMORY_LANGUAGES_TO_CODES,
                 "libre": constants.LIBRE_LANGUAGES_TO_CODES,
                 "baidu": constants.BAIDU_LANGUAGE_TO_CODE}.get(self.name)
        if table is None:
            return
        for code, told in ((source, f"source_lang {source_lang!r}"), (target, f"--lang {lang}")):
            if code not in table.values():
                raise InputError(f"{self.label} has no language {code!r} (for {told})",
                                 fix="choose another --provider, or a language it has")

    def codes(self, source_lang: str, lang: str) -> tuple[str, str]:
        """The provider's codes for the book's Chinese and the target language."""
        traditional = source_lang.lower() in ("zh-tw", "zh-hk", "zh-mo", "zh-hant")
        source = self.chinese[1 if traditional else 0]
        primary = lang.split("-")[0].lower()
        if self.name == "google":
            target = lang if lang in ("zh-CN", "zh-TW") else primary
        elif self.name == "mymemory":  # MyMemory wants a region: en -> en-GB
            from deep_translator.constants import MY_MEMORY_LANGUAGES_TO_CODES as codes

            target = next((c for c in codes.values() if c.lower() == lang.lower()), None) or \
                next((c for c in codes.values() if c.split("-")[0] == primary), primary)
        else:
            target = primary
        return source, target


PROVIDERS: dict[str, Provider] = {p.name: p for p in (
    Provider("google", "Google", ("https://translate.google.com",), 4999, 1.0,
             chinese=("zh-CN", "zh-TW")),
    Provider("deepl", "DeepL", ("https://api-free.deepl.com", "https://api.deepl.com"),
             4000, 3.0, keys=("DEEPL_API_KEY",)),
    Provider("microsoft", "Microsoft", ("https://api.cognitive.microsofttranslator.com",),
             10000, 3.0, keys=("MICROSOFT_API_KEY",), options=("MICROSOFT_REGION",),
             chinese=("zh-hans", "zh-hant")),
    Provider("mymemory", "MyMemory", ("http://api.mymemory.translated.net",), 499, 1.0,
             options=("MYMEMORY_EMAIL",), chinese=("zh-CN", "zh-TW")),
    Provider("libre", "LibreTranslate", ("https://libretranslate.com", "https://libretranslate.de"),
             2000, 1.0, keys=("LIBRE_API_KEY",), options=("LIBRE_URL",),
             chinese=("zh", "zh")),  # deep-translator has no code for Traditional
    Provider("baidu", "Baidu", ("https://fanyi-api.baidu.com",), 2000, 1.0,
             keys=("BAIDU_APPID", "BAIDU_APPKEY"), chinese=("zh", "cht")),
)}


# ---------------------------------------------------------------- transport


class Transport:
    """Every HTTP request deep-translator makes, while active: rewritten to the
    endpoint, throttled, given a timeout, and recorded.

    deep-translator calls `requests.get/post` itself, with fixed URLs and no timeout,
    so the hook is `requests.Session.request`, which both go through.
    """

    def __init__(self, provider: Provider, endpoint: str | None, timeout: float,
                 rate: float) -> None:
        self.provider = provider
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.timeout = timeout
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.requests = 0
        self.statuses: Counter[str] = Counter()
        self._next = 0.0
        self.begin()

    def begin(self) -> None:
        """Forget the last attempt, before a new one."""
        self.last_status: int | None = None
        self.last_error: Exception | None = None
        self.last_response: requests.Response | None = None

    def rewrite(self, url: str) -> str:
        if self.endpoint:
            for host in self.provider.hosts:
                if url.startswith(host):
                    return self.endpoint + url[len(host):]
        return url

    @contextmanager
    def active(self) -> Iterator[Transport]:
        import requests

        original = requests.Session.request
        transport = self

        def request(session, method, url, *args, **kwargs):
            transport._throttle()
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = transport.timeout
            # A redirect would carry the key's header to another host: refuse it.
            kwargs["allow_redirects"] = False
            kwargs["stream"] = True  # read below, against a deadline for the whole answer
            transport.requests += 1
            method, kwargs = transport.provider.adapt(method, url, kwargs)
            try:
                response = original(session, method, transport.rewrite(url), *args, **kwargs)
                transport._read(response)
            except requests.RequestException as exc:
                transport.last_error = exc
                transport.statuses["timeout" if isinstance(exc, requests.Timeout)
                                   else "no connection"] += 1
                raise
            transport.last_status = response.status_code
            transport.last_response = response
            transport.statuses[str(response.status_code)] += 1
            return response

        requests.Session.request = request
        try:
            yield self
        finally:
            requests.Session.request = original

    def _read(self, response: requests.Response) -> None:
        """Read the body, giving up when the whole answer takes longer than the timeout:
        requests' own timeout is per read, so a server sending a byte at a time
        would hold the run forever."""
        import requests

        deadline = time.monotonic() + self.timeout
        chunks = []
        try:
            while True:
                # read1: whatever has arrived, so a slow answer is noticed as it comes
                chunk = response.raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise requests.Timeout("the answer took too long")
        except requests.RequestException:
            raise
        except (OSError, ValueError) as exc:  # urllib3's read errors, as requests wraps them
            raise requests.ConnectionError(str(exc)) from None
        finally:
            response.close()
        response._content = b"".join(chunks)  # as if read by requests itself
        response._content_consumed = True

    def _throttle(self) -> None:
        now = time.monotonic()
        if now < self._next:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + self.interval

    def retry_after(self) -> float | None:
        """The server's Retry-After in seconds (a number or an HTTP date), if it sent one."""
        response = self.last_response  # a Response is falsy for 4xx/5xx: test for None
        value = response.headers.get("Retry-After") if response is not None else None
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())

    def body(self) -> object:
        """The last answer's JSON, or None."""
        try:
            return self.last_response.json() if self.last_response is not None else None
        except ValueError:
            return None

    def quota_in_body(self) -> bool:
        """MyMemory answers 200 and puts its quota warning where the translation goes."""
        body = self.body()
        return isinstance(body, dict) and (
            body.get("quotaFinished") is True
            or str(body.get("responseStatus", "200")) in ("403", "429"))

    def error_code(self) -> str:
        """An error code inside a 200 JSON body (Baidu, Microsoft)."""
        body = self.body()
        if isinstance(body, dict):
            error = body.get("error")
            code = error.get("code") if isinstance(error, dict) else body.get("error_code")
            return str(code or "")
        return ""


# ---------------------------------------------------------------- failures

Verdict = Literal["retry", "auth", "quota", "wait", "endpoint", "refused", "bad"]
LONGEST_WAIT = 120.0  # seconds; a server asking for more is asked again another day


@dataclass(frozen=True)
class Failure:
    verdict: Verdict
    why: str
    """Short and safe to show: never an exception's text, which may hold a key."""
    wait: float | None = None


BAIDU_CODES: dict[str, Verdict] = {"52001": "retry", "52002": "retry", "54003": "retry",
                                   "52003": "auth", "54001": "auth", "54004": "quota",
                                   "58000": "auth"}


def classify(exc: Exception, transport: Transport) -> Failure:
    """What a failed request means, from what went over the wire, for any provider."""
    import requests

    error, status = transport.last_error, transport.last_status
    if isinstance(error, requests.Timeout):
        return Failure("retry", f"no answer within {transport.timeout:g} s")
    if isinstance(error, requests.RequestException):
        return Failure("retry", "could not connect")
    code = transport.error_code()
    if code in BAIDU_CODES:
        return Failure(BAIDU_CODES[code], f"error code {code}")
    if status == 429 or code == "429001":
        wait = transport.retry_after()
        if wait is not None and wait > LONGEST_WAIT:
            return Failure("wait", f"HTTP 429, asked to wait {wait / 60:.0f} minutes", wait)
        return Failure("retry", "HTTP 429, too many requests", wait)
    if status is not None and status >= 500:
        return Failure("retry", f"HTTP {status}", transport.retry_after())
    if status in (402, 456) or code.startswith("403001"):
        return Failure("quota", f"HTTP {status}")
    if status in (401, 403):
        return Failure("auth", f"HTTP {status}")
    if status is not None and (300 <= status < 400 or status in (404, 405)):
        return Failure("endpoint", f"HTTP {status}")
    if status is not None and status >= 400:
        return Failure("refused", f"HTTP {status}")
    return Failure("bad", f"no usable translation ({type(exc).__name__})")


# ---------------------------------------------------------------- text


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut after sentences (。！？), else after
    clauses (；，、), else anywhere; joined back they are `text`."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for sentence in filter(None, SENTENCE.findall(text)):
        if len(sentence) <= limit:
            pieces.append(sentence)
            continue
        for clause in filter(None, CLAUSE.findall(sentence)):
            pieces += [clause[i:i + limit] for i in range(0, len(clause), limit)]
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(piece) <= limit:
            chunks[-1] += piece
        else:
            chunks.append(piece)
    return chunks


def protect(text: str, glossary: list[GlossaryTerm]) -> str:
    """Put each glossary term's translation into the Chinese before sending it: engines
    carry Latin text through, which no provider's glossary feature here does."""
    # Placeholders first, so a term cannot match inside another term's translation.
    for number, term in enumerate(glossary):  # longest first: a longer term wins
        text = text.replace(term.term, f"\x00{number}\x00")
    text = re.sub("\x00(\\d+)\x00", lambda m: f" {glossary[int(m[1])].renderings[0]} ", text)
    return re.sub(r" +", " ", text).strip()


def _plain(text: str) -> str:
    """Letters and digits only: an echo may come back with other punctuation."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def clean(output: str) -> str:
    return CONTROL.sub("", output).strip()


def bad_output(sent: str, output: object, lang: str, secrets: tuple[str, ...] = ()) -> str | None:
    """Why a provider's answer cannot be a draft, or None when it can."""
    if not isinstance(output, str) or not clean(output):
        return "the answer was empty"
    if any(secret in output for secret in secrets):
        return "the answer contains your API key"
    if _plain(output) == _plain(sent):
        return "the answer repeated the Chinese"
    if lang.split("-")[0] not in NO_SPACES:
        letters = [c for c in output if c.isalpha()]
        if letters and sum(1 for c in letters if HAN.match(c)) > 0.3 * len(letters):
            return "the answer is still mostly Chinese"
    return None


def join_pieces(pieces: list[str], lang: str) -> str:
    glue = "" if lang.split("-")[0] in NO_SPACES else " "
    return glue.join(p.strip() for p in pieces)


# ---------------------------------------------------------------- memory


class Memory:
    """Translation memory: (provider, source language, target language, text) -> draft.

    SQLite commits each answer atomically, so a crash keeps every answer received.
    It is a cache: when the file is damaged or cannot be written, the run goes on
    without it (the PO file is what matters) and `problem` says why.
    """

    SCHEMA = ("CREATE TABLE IF NOT EXISTS memory (provider TEXT, source TEXT, target TEXT, "
              "text TEXT, draft TEXT, PRIMARY KEY (provider, source, target, text))")

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.problem: str | None = None
        try:
            if read_only:  # a dry run writes nothing, not even an empty memory
                self.db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True) \
                    if path.exists() else self._blank()
                self.db.execute("SELECT count(*) FROM memory").fetchone()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, timeout=30)
                with self.db:
                    self.db.execute(self.SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            self._give_up(exc)

    def _blank(self) -> sqlite3.Connection:
        db = sqlite3.connect(":memory:")
        db.execute(self.SCHEMA)
        return db

    def _give_up(self, exc: Exception) -> None:
        self.problem = (f"the translation memory {display_path(self.path)} cannot be used "
                        f"({exc}); going on without it. Delete the file to start a new one")
        self.db = self._blank()

    def get(self, provider: str, source: str, target: str, text: str) -> str | None:
        try:
            row = self.db.execute("SELECT draft FROM memory WHERE provider=? AND source=? AND "
                                  "target=? AND text=?",
                                  (provider, source, target, text)).fetchone()
        except sqlite3.Error as exc:
            self._give_up(exc)
            return None
        return row[0] if row else None

    def put(self, provider: str, source: str, target: str, text: str, draft: str) -> None:
        try:
            with self.db:
                self.db.execute("INSERT OR REPLACE INTO memory VALUES (?, ?, ?, ?, ?)",
                                (provider, source, target, text, draft))
        except sqlite3.Error as exc:
            self._give_up(exc)
            self.put(provider, source, target, text, draft)

    def close(self) -> None:
        self.db.close()


# ---------------------------------------------------------------- the run


@dataclass(frozen=True)
class Settings:
    """How to run: `translate`'s options."""

    provider: str = "google"
    only: Only = "missing"
    endpoint: str | None = None
    timeout: float = 20.0
    rate: float | None = None
    """Requests per second; None is the provider's default."""
    retries: int = 5
    backoff: float = 1.0
    """Seconds before the first retry; doubled each time, with jitter."""
    dry_run: bool = False


@dataclass(frozen=True)
class Job:
    key: Key
    source: str
    where: str
    state: str


@dataclass
class Report:
    """What a `translate` run did (or, with --dry-run, would do)."""

    po: Path
    provider: Provider
    jobs: int = 0
    """Segments to draft."""
    chars: int = 0
    """Characters to send (or sent): text not already in the translation memory."""
    remembered: int = 0
    """Segments that need no request: in the translation memory, or all glossary terms."""
    drafted: int = 0
    skipped: list[str] = field(default_factory=list)
    """Segments left empty, each with the reason."""
    glossary_misses: int = 0
    retries: int = 0
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    created: bool = False
    """The PO file did not exist and was created."""


class Progress(Protocol):
    def start(self, report: Report) -> None: ...
    def advance(self, report: Report) -> None: ...
    def say(self, message: str) -> None: ...


class _Quiet:
    def start(self, report: Report) -> None:
        pass

    def advance(self, report: Report) -> None:
        pass

    def say(self, message: str) -> None:
        pass


def translate_book(project: Any, slug: str, lang: str | None, settings: Settings,
                   progress: Progress | None = None, env: Mapping[str, str] | None = None,
                   sleep: Callable[[float], None] = time.sleep) -> Report:
    """Draft the book's untranslated segments into `translations/<slug>.<lang>.po`."""
    progress = progress or _Quiet()
    env = os.environ if env is None else env
    _check_settings(settings)
    provider = PROVIDERS[settings.provider]
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    po = po_path(project.translations, slug, lang)
    if not settings.dry_run:
        _check_keys(provider, env)
    source, target = provider.codes(manuscript.meta.source_lang, lang)
    provider.check_codes(source, target, manuscript.meta.source_lang, lang)
    glossary = load_glossary(glossary_path(project.translations,
                                           manuscript.meta.source_lang, lang))
    segs = segments(manuscript)
    report = Report(po, provider)
    # Drafts from a test server or proxy are never reused against the provider itself.
    name = provider.name + (f"@{settings.endpoint.rstrip('/')}" if settings.endpoint else "")
    memory = Memory(project.cache / "translation-memory.sqlite3", read_only=settings.dry_run)
    if memory.problem:
        progress.say(memory.problem)
    with closing(memory):
        if settings.dry_run:  # plan against the file `update` would make, write nothing
            merged = update_catalog(po, segs, slug, lang, save=False).catalog
            _plan(report, merged, segs, settings, glossary, memory, (name, source, target))
            return report
        with po_lock(po):
            report.created = update_catalog(po, segs, slug, lang).created
            jobs = _plan(report, read_catalog(po), segs, settings, glossary, memory,
                         (name, source, target))
            _Run(po, provider, settings, report, progress, memory, glossary, lang,
                 (name, source, target), env, sleep).go(jobs)
    return report


def _check_settings(settings: Settings) -> None:
    numbers = {"--timeout": settings.timeout, "--backoff": settings.backoff,
               "--rate": settings.rate if settings.rate is not None else 1.0}
    for option, value in numbers.items():
        if not math.isfinite(value) or value < 0 or (value == 0 and option != "--backoff"):
            raise InputError(f"{option} {value} is not a usable number",
                             fix="e.g. --timeout 20 --rate 1 --backoff 1 (seconds, per "
                                 "second, seconds)")
    if settings.retries < 0:
        raise InputError(f"--retries {settings.retries} is below 0", fix="e.g. --retries 5")


def _check_keys(provider: Provider, env: Mapping[str, str]) -> None:
    missing = [k for k in provider.keys if not env.get(k)]
    if missing:
        raise ProviderError(f"{provider.label} needs {' and '.join(missing)} in the "
                            "environment", fix=f"export {missing[0]}=... (see README, "
                            "Machine drafts), or choose another --provider")
    for key in provider.keys:
        if env[key] != env[key].strip() or any(c.isspace() for c in env[key]):
            raise ProviderError(f"{key} contains a space or a line break (a copy-paste "
                                "slip?); the value is not shown", fix=f"set {key} again "
                                "without it")


def _plan(report: Report, catalog: polib.POFile | None, segs: list, settings: Settings,
          glossary: list[GlossaryTerm], memory: Memory,
          names: tuple[str, str, str]) -> list[Job]:
    """The segments `settings.only` lets us write, counted into `report`."""
    writable = WRITABLE[settings.only]
    seen: set[Key] = set()
    jobs = []
    find = entry_finder(catalog) if catalog is not None else (lambda key: None)
    for key, segment in zip(keys(segs), segs, strict=True):
        if key in seen:
            continue
        seen.add(key)
        entry = find(key)
        if entry is not None and entry.msgid_plural:
            continue  # plural forms are a person's job; a draft would lose one of them
        state = entry_state(entry)
        if state in writable:
            jobs.append(Job(key, segment.text, segment.where, state))
    report.jobs = len(jobs)
    for job in jobs:
        pieces = split_text(protect(job.source, glossary), report.provider.max_chars)
        unsent = [p for p in pieces if HAN.search(p) and memory.get(*names, p) is None]
        report.chars += sum(len(p) for p in unsent)
        report.remembered += not unsent
    return jobs


class _Run:
    def __init__(self, po: Path, provider: Provider, settings: Settings, report: Report,
                 progress: Progress, memory: Memory, glossary: list[GlossaryTerm],
                 lang: str, names: tuple[str, str, str], env: Mapping[str, str],
                 sleep: Callable[[float], None]) -> None:
        self.po, self.provider, self.settings, self.report = po, provider, settings, report
        self.progress, self.memory, self.glossary, self.lang = progress, memory, glossary, lang
        self.names, self.env, self.sleep = names, env, sleep
        # Only keys are secret (not a region or an e-mail), and only real-looking ones.
        self.secrets = tuple(env[k] for k in provider.keys if len(env.get(k) or "") >= 4)
        self.transport = Transport(provider, settings.endpoint, settings.timeout,
                                   settings.rate or provider.rate)
        self.translator: Any = None
        self.catalog: polib.POFile | None = None
        self.stamp: tuple[int, int, int] | None = None
        self.started = 0.0

    def go(self, jobs: list[Job]) -> None:
        self.started = time.perf_counter()
        self.progress.start(self.report)  # says what is to be sent...
        self.report.chars = 0  # ...and from here on it counts what was
        try:
            with self.transport.active():
                for job in jobs:
                    self._one(job)
                    self._tally()
                    self.progress.advance(self.report)
        finally:
            self._tally()

    def _tally(self) -> None:
        self.report.requests = self.transport.requests
        self.report.statuses = Counter(self.transport.statuses)
        self.report.seconds = time.perf_counter() - self.started

    def _one(self, job: Job) -> None:
        pieces = split_text(protect(job.source, self.glossary), self.provider.max_chars)
        answers = []
        for piece in pieces:
            answer = self._piece(piece, job)
            if answer is None:
                return
            answers.append(answer)
        draft = join_pieces(answers, self.lang)
        misses = check_glossary(job.source, draft, self.glossary)
        if self._store(job, draft, misses):
            self.report.drafted += 1
            self.report.glossary_misses += len(misses)

    def _piece(self, piece: str, job: Job) -> str | None:
        if not HAN.search(piece):  # all glossary terms, numbers or Latin: nothing to ask
            return piece
        remembered = self.memory.get(*self.names, piece)
        if remembered is not None:
            return remembered
        _name, source, target = self.names
        for attempt in range(self.settings.retries + 1):
            self.transport.begin()
            try:
                if self.translator is None:  # Microsoft's constructor already asks the server
                    self.translator = self.provider.make(source, target, self.env)
                self.report.chars += len(piece)
                output = self.translator.translate(piece)
            except Exception as exc:  # noqa: BLE001 - each provider raises its own kinds
                failure = self._failure(exc)
            else:
                failure = self._check_answer(piece, output)
                if failure is None:
                    self.memory.put(*self.names, piece, clean(output))
                    return clean(output)
            if failure.verdict != "retry":
                return self._give_up_on(job, failure)
            if attempt == self.settings.retries:
                raise self._stop(f"{self.provider.label} kept failing ({failure.why}), "
                                 f"{self.settings.retries} retries", fix="run the same command "
                                 "again later to resume")
            self.report.retries += 1
            delay = self.settings.backoff * 2 ** attempt * random.uniform(0.5, 1.0)
            if failure.wait is not None:
                delay = max(delay, failure.wait)
            self.progress.say(f"{failure.why}; retrying in {delay:.1f} s")
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _check_answer(self, piece: str, output: object) -> Failure | None:
        if self.transport.quota_in_body() or (
                isinstance(output, str) and "MYMEMORY WARNING" in output.upper()):
            return Failure("quota", "the answer was a quota warning")
        problem = bad_output(piece, output, self.lang, self.secrets)
        return Failure("bad", problem) if problem else None

    def _failure(self, exc: Exception) -> Failure:
        from deep_translator.exceptions import (
            LanguageNotSupportedException,
            NotValidLength,
            NotValidPayload,
        )

        if isinstance(exc, LanguageNotSupportedException):
            raise InputError(f"{self.provider.label} does not know the language codes "
                             f"{self.names[1]!r} and {self.names[2]!r} (from the book's "
                             "source_lang and --lang)",
                             fix="choose another --provider or --lang") from None
        if isinstance(exc, (NotValidLength, NotValidPayload)):
            return Failure("refused", "the text is longer than the provider takes")
        return classify(exc, self.transport)

    def _give_up_on(self, job: Job, failure: Failure) -> None:
        label = self.provider.label
        if failure.verdict == "auth":
            what = " and ".join(self.provider.keys)
            if what:
                raise self._stop(f"{label} refused the key ({failure.why})",
                                 fix=f"set {what} to a valid key")
            raise self._stop(f"{label} refused the request ({failure.why})",
                             fix="wait and run the same command again, or choose another "
                                 "--provider")
        if failure.verdict == "quota":
            raise self._stop(f"{label} quota exhausted ({failure.why})",
                             fix="run the same command again to resume once the quota "
                                 "renews, or choose another --provider")
        if failure.verdict == "wait":
            raise self._stop(f"{label} is rate-limiting ({failure.why})",
                             fix="run the same command again after that to resume")
        if failure.verdict == "endpoint":
            where = self.settings.endpoint or "the provider's address"
            raise self._stop(f"{label} did not answer at {where} ({failure.why}: no such "
                             "address, or a redirect)",
                             fix="check --endpoint (or PARABOOK_MT_ENDPOINT), or leave it "
                                 "out to use the provider's own address")
        message = f"{job.where}: no draft, {failure.why}; the entry stays empty"
        self.report.skipped.append(message)
        self.progress.say(message)
        return None

    def _stop(self, problem: str, fix: str) -> ProviderError:
        done, total = self.report.drafted, self.report.jobs
        return ProviderError(self._redact(f"{problem}; {done} of {total} segment(s) drafted "
                                          "and saved"), path=self.po, fix=fix)

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    # The PO is re-read when it changed on disk since our last write (a reviewer
    # saving in Poedit meanwhile), so their edit is merged, not overwritten.
    def _stat(self) -> tuple[int, int, int]:
        stat = self.po.stat()
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _current(self) -> polib.POFile:
        stamp = self._stat()
        if self.catalog is None or stamp != self.stamp:
            self.catalog = read_catalog(self.po)
            self.stamp = stamp
        return self.catalog

    def _store(self, job: Job, draft: str, misses: list[str]) -> bool:
        for _attempt in range(3):
            catalog = self._current()
            entry = find_entry(catalog, job.key)
            state = entry_state(entry)
            if entry is None or entry.msgid_plural or state not in WRITABLE[self.settings.only]:
                self.progress.say(f"{job.where}: left alone, it changed while drafting "
                                  f"(now {state})")
                return False
            _fill(entry, state, draft, self.provider.label, misses)
            if self._stat() != self.stamp:  # saved by someone in the meantime: merge again
                self.catalog = None
                continue
            save_catalog(catalog, self.po)
            self.stamp = self._stat()
            return True
        self.progress.say(f"{job.where}: left alone, the file keeps changing; run again")
        return False


def _fill(entry: polib.POEntry, state: str, draft: str, label: str, misses: list[str]) -> None:
    """Put a draft into an entry, keeping every word a person wrote in its comments."""
    notes = [line for line in (entry.tcomment or "").splitlines()
             if not MACHINE_RE.match(line) and not line.startswith(CHECK_NOTE)]
    if state == "stale" and machine_provider(entry) is None and entry.msgstr.strip():
        # A person's work is never dropped: their translation, and what it translated.
        notes += [EARLIER_SOURCE + (entry.previous_msgid or ""), EARLIER_NOTE + entry.msgstr]
    entry.previous_msgid = entry.previous_msgctxt = None
    entry.msgstr = draft
    if "fuzzy" not in entry.flags:
        entry.flags.append("fuzzy")
    entry.tcomment = "\n".join([machine_comment(label, draft)] + [_short(m) for m in misses]
                               + notes)


def _short(message: str) -> str:
    """A check note that fits one PO comment line: polib wraps longer ones, and a
    wrapped note could not be told from a person's comment when it is replaced."""
    found = re.match(r"glossary: (\S+) should be rendered as .*\(glossary line (\d+)\)$",
                     message)
    if not found:
        return (CHECK_NOTE + message)[:76]
    start = f"{CHECK_NOTE}glossary line {found[2]}: missing "
    return start + found[1][:76 - len(start)]


def describe(report: Report, *, dry_run: bool = False) -> str:
    """One line: where the drafts go and what is (or, in a dry run, would be) sent."""
    draft, send = ("would be drafted", "would be sent") if dry_run else ("to draft", "to send")
    return (f"{display_path(report.po)}: {report.jobs} segment(s) {draft} with "
            f"{report.provider.label}, {report.chars:,} characters {send} "
            f"({report.remembered} segment(s) need none: in the translation memory or all "
            "glossary terms)")
