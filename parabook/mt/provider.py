"""What a machine translation provider is to the engine: a small protocol.

The engine (`engine.py`) decides what to translate and keeps what comes back;
a provider only translates. It gets a `Batch` (segments in reading order, with
their kind and place, the book's title and the glossary terms that occur) and
answers each segment with a `Draft` or a typed `Failure`, so the engine never
reads a provider's text to know what happened. How a provider reaches its
service is its own business: deep-translator's classes through a scoped patch of
`requests` (`deeptranslator.py`), or an HTTP client of its own, one request per
batch, as a language model's chat API wants.
"""

from __future__ import annotations

import email.utils
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from parabook.catalog.qa import GlossaryTerm
from parabook.errors import InputError
from parabook.lang.script import CONTROL, HAN
from parabook.model import Segment

Only = Literal["missing", "stale", "all-unreviewed"]
NO_SPACES = ("zh", "ja", "ko", "th", "lo", "km", "my")  # targets written without word spaces
LONGEST_WAIT = 120.0  # seconds; a server asking for more is asked again another day
# An answer longer than this many times its source, plus a little for a word or two, is
# not a translation (a page of HTML, an error report, a server sending megabytes).
GROWTH, GROWTH_SLACK = 20, 100


@dataclass(frozen=True)
class Settings:
    """How to run: `translate`'s options."""

    provider: str = "google"
    """The `--provider` name."""
    only: Only = "missing"
    """Which entries may be written (see `engine.WRITABLE`)."""
    endpoint: str | None = None
    """A base URL replacing the provider's own (self-hosted, proxy or test server)."""
    timeout: float = 20.0
    """Seconds to wait for a whole answer."""
    rate: float | None = None
    """Requests per second; None is the provider's default."""
    retries: int = 5
    """Retries after a retryable failure before the run stops."""
    backoff: float = 1.0
    """Seconds before the first retry; doubled each time, with jitter."""
    dry_run: bool = False
    """Plan and count only: send and write nothing."""
    model: str | None = None
    """A language model's name (`--model`); None is the preset's default."""


@dataclass(frozen=True)
class Batch:
    """Segments to translate together, with what a translator would want to know."""

    source_lang: str
    """The book's language as `book.yaml` gives it, e.g. `zh-CN`."""
    target_lang: str
    """The language to translate into, e.g. `en`."""
    title: str
    """The book's title, in the source language: what the text is about."""
    segments: tuple[Segment, ...]
    """In reading order, no two with the same text; each with its kind and place."""
    glossary: tuple[GlossaryTerm, ...]
    """The glossary terms that occur in `segments`, longest first."""
    context: tuple[Segment, ...] = ()
    """Not to translate, to read: the headings of the batch's sections and the
    paragraphs just before and after it."""
    earlier: tuple[Earlier | None, ...] = ()
    """For a provider that `edits`: per segment, the reviewed translation of its earlier
    Chinese, to be changed only where the Chinese changed; empty or None: translate."""


@dataclass(frozen=True)
class Earlier:
    """A person's translation whose Chinese has since changed."""

    source: str
    """The Chinese it translated."""
    translation: str
    """The person's translation of it."""


@dataclass(frozen=True)
class Draft:
    """A translation of one segment, as the provider gave it."""

    text: str
    """The draft; the engine checks it (not empty, not the Chinese) before keeping it."""


@dataclass(frozen=True)
class Failure:
    """Why one segment got no draft, and what the engine should do about it."""

    action: Literal["retry", "skip", "stop"]
    """retry: later, after a wait (429, 5xx, timeout); skip: leave this segment empty
    and go on; stop: end the run (key, quota, address), keeping what is saved."""
    why: str
    """Safe to show, never a server's or an exception's text (which may hold a key).
    For retry and skip a short reason (`HTTP 503`); for stop the whole problem,
    naming the provider (`DeepL refused the key (HTTP 403)`)."""
    fix: str = ""
    """For stop: what the person can do."""
    wait: float | None = None
    """For retry: the seconds the server asked to wait, if it did (asked for more than
    `LONGEST_WAIT`, a provider stops instead)."""


@dataclass
class Usage:
    """What a session sent so far, for the report and the progress bar."""

    requests: int = 0
    """HTTP requests made, retries included."""
    chars: int = 0
    """Characters sent, retries included."""
    statuses: Counter[str] = field(default_factory=Counter)
    """How each request ended: an HTTP status, `timeout` or `no connection`."""
    tokens_in: int = 0
    """Prompt tokens a language model counted (0 for other providers)."""
    tokens_out: int = 0
    """Answer tokens a language model counted."""


class Session(Protocol):
    """A provider, connected for one run."""

    usage: Usage

    def translate(self, batch: Batch) -> Iterable[Draft | Failure]:
        """One result per segment, in order. A generator hands each over as it is ready
        and the engine saves it at once. It may end early after a retryable failure,
        so as not to press a struggling server: segments left without a result are
        sent again, after the wait."""
        ...


class Provider(Protocol):
    """One translation service."""

    @property
    def name(self) -> str:
        """The `--provider` value."""
        ...

    @property
    def label(self) -> str:
        """Shown to people and written in `machine draft: LABEL` comments (no spaces)."""
        ...

    @property
    def keys(self) -> tuple[str, ...]:
        """Environment variables that must be set; their values are never shown or stored."""
        ...

    @property
    def batch_size(self) -> int:
        """The most segments one batch carries."""
        ...

    @property
    def batch_chars(self) -> int:
        """The most characters of source one batch carries (0: no limit)."""
        ...

    @property
    def edits(self) -> bool:
        """Whether it turns a reviewed translation of changed Chinese into a minimal edit
        (`Batch.earlier`) rather than translating afresh."""
        ...

    def required_keys(self, settings: Settings, env: Mapping[str, str]) -> tuple[str, ...]:
        """The `keys` this run cannot do without (none for a self-hosted endpoint)."""
        ...

    def estimate(self, texts: list[str], batches: int) -> tuple[int, int] | None:
        """Tokens in and out sending `texts` in `batches` takes, roughly; None when the
        service does not count tokens."""
        ...

    def check(self, source_lang: str, lang: str, settings: Settings,
              env: Mapping[str, str]) -> None:
        """Refuse, with an `InputError`, a language or option that cannot work: called
        before anything is sent or written, in a dry run too."""
        ...

    def memory_name(self, settings: Settings, env: Mapping[str, str]) -> str:
        """The name drafts are remembered under: drafts from another endpoint (a test
        server) or another model are never reused for this one."""
        ...

    def cost(self, text: str, glossary: tuple[GlossaryTerm, ...]) -> int:
        """Characters sending `text` takes; 0 when it is answered without a request."""
        ...

    def session(self, settings: Settings,
                env: Mapping[str, str]) -> AbstractContextManager[Session]:
        """Connect for one run; whatever the connection changes is undone on exit."""
        ...


def unreachable(exc: BaseException) -> str | None:
    """What in `exc`'s chain cannot be transient, said for a person, or None: a name that
    does not resolve, a refused connection, a certificate that does not verify. A retry
    would wait half a minute for the same answer."""
    import errno
    import socket
    import ssl

    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        error = todo.pop()
        if not isinstance(error, BaseException) or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, socket.gaierror):
            return "the name does not resolve (offline, or no such host)"
        if isinstance(error, ConnectionRefusedError):
            return "the connection was refused (no server listening there)"
        if isinstance(error, ssl.SSLCertVerificationError):
            return "its certificate does not verify"
        if isinstance(error, OSError) and error.errno in (errno.ENETUNREACH,
                                                          errno.EHOSTUNREACH):
            return "the network is unreachable (offline?)"
        # requests and urllib3 keep the cause in `reason` or in args, httpx in __cause__
        todo += [error.__cause__, error.__context__, getattr(error, "reason", None),
                 *error.args]
        text = str(error)  # urllib3 sometimes keeps only the words
        if "Name or service not known" in text or "Temporary failure in name resolution" \
                in text or "nodename nor servname" in text:
            return "the name does not resolve (offline, or no such host)"
        if "Connection refused" in text:
            return "the connection was refused (no server listening there)"
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return "its certificate does not verify"
    return None


def is_local(url: str) -> bool:
    """Whether `url` is on this machine or the local network: a server of one's own, which
    needs no key (a hosted API always does)."""
    import ipaddress

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".lan", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a bare name (a container, a machine on the LAN)
    return address.is_loopback or address.is_private or address.is_link_local


def offline_failure(label: str, url: str, why: str) -> Failure:
    """Stop at once: `url`'s host cannot be reached, and waiting will not change that."""
    host = urlsplit(url).hostname or redacted(url)
    return Failure("stop", f"{label} cannot be reached at {host}: {why}",
                   fix="check the network, or give a server you can reach with --endpoint "
                       "(e.g. a local one: --provider ollama), or translate by hand in the "
                       "PO file or the review app")


def secrets(keys: tuple[str, ...], env: Mapping[str, str]) -> tuple[str, ...]:
    """The values of `keys` long enough to look real: what must never be shown or stored
    (a region or an e-mail address is not a secret)."""
    return tuple(env[k] for k in keys if len(env.get(k) or "") >= 4)


def retry_after(value: str | None) -> float | None:
    """An HTTP Retry-After header in seconds (a number or an HTTP date), if there is one."""
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
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _plain(text: str) -> str:
    """Letters and digits only: an echo may come back with other punctuation."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def clean(output: str) -> str:
    """The text of an answer as it is stored."""
    return CONTROL.sub("", output).strip()


def _folded(text: str) -> str:
    """`text` as a reader may see it: NFKC, no zero-width or other format characters, no case."""
    return "".join(c for c in unicodedata.normalize("NFKC", text)
                   if unicodedata.category(c) != "Cf").casefold()


def bad_output(sent: str, output: object, lang: str, secrets: tuple[str, ...] = ()) -> str | None:
    """Why an answer to `sent` cannot be a draft, or None when it can."""
    if not isinstance(output, str) or not clean(output):
        return "the answer was empty"
    stored = clean(output)  # the checks are on what would be written
    if any(_folded(secret) in _folded(stored) for secret in secrets):
        return "the answer contains your API key"
    if len(stored) > GROWTH * len(sent) + GROWTH_SLACK:
        return (f"the answer is {len(stored):,} characters long, more than {GROWTH} times the "
                f"source's {len(sent):,}")
    if HAN.search(sent) and _plain(output) == _plain(sent):
        return "the answer repeated the Chinese"
    if lang.split("-")[0] not in NO_SPACES:
        letters = [c for c in output if c.isalpha()]
        if letters and sum(1 for c in letters if HAN.match(c)) > 0.3 * len(letters):
            return "the answer is still mostly Chinese"
    return None


def endpoint_error(option: str, url: str) -> InputError | None:
    """Why `url` (from `option`) cannot be a server's base address, or None when it can:
    said before anything is sent, instead of a failed connection later."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and \
            parts.port != 0 and not any(c.isspace() for c in url)
    except ValueError:  # a port that is not a number, or out of range
        usable = False
    if usable:
        return None
    example = f"{option} http://localhost:5000" if option.startswith("--") else \
        f"{option}=http://localhost:5000/"
    return InputError(f"{option} {redacted(url)!r} is not a usable http(s) URL",
                      fix=f"give the server's base URL, e.g. {example}")


def _without_userinfo(url: str, replacement: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all: keep nothing before an @
        return replacement + url.rpartition("@")[2] if "@" in url else url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=replacement + parts.netloc.rpartition("@")[2]))


def redacted(url: str) -> str:
    """`url` safe to show: a user name and password in it become `***`."""
    return _without_userinfo(url, "***@")


def public(url: str) -> str:
    """`url` without a user name and password: what may be stored."""
    return _without_userinfo(url, "")
