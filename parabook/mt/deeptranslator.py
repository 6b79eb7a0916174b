"""The deep-translator providers: Google, DeepL, Microsoft, MyMemory, LibreTranslate, Baidu.

deep-translator sends one request per text with no timeout, no throttling and no
retries, and raises a different exception per provider. Its classes are wrapped:

- while a session is open, a transport around `requests` adds one deadline over
  each whole answer and a cap on its size (`bounded.py`), the request rate, the
  endpoint override (`--endpoint`, for self-hosted or test servers) and a record of
  each response, so failures are classified the same way for every provider; the
  session's end undoes it;
- glossary terms are put into the Chinese before it is sent (`protect`), and a
  text longer than the provider takes is sent in pieces cut at sentences;
- a batch is translated segment by segment, each handed to the engine as it comes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from parabook.catalog.qa import GlossaryTerm
from parabook.errors import InputError
from parabook.lang.script import HAN
from parabook.mt.provider import (
    LONGEST_WAIT,
    NO_SPACES,
    Batch,
    Draft,
    Failure,
    Settings,
    Usage,
    bad_output,
    clean,
    endpoint_error,
    is_local,
    offline_failure,
    public,
    redacted,
    retry_after,
    secrets,
    unreachable,
)

if TYPE_CHECKING:  # requests is imported when a run starts: every other command is quicker
    import requests

NO_KEY = "-"  # what deep-translator is given for a server that takes no key

SENTENCE = re.compile(r"[^。！？!?…]*(?:[。！？!?…]+[”’」』）)\]]*|$)")
CLAUSE = re.compile(r"[^；;，,、]*(?:[；;，,、]+|$)")


@dataclass(frozen=True)
class DeepTranslator:
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
    url_option: str | None = None
    """The one of `options` that replaces the official address, as `--endpoint` does."""
    chinese: tuple[str, str] = ("zh", "zh")
    """The provider's codes for Simplified and Traditional Chinese."""
    batch_size: int = 20
    """Segments per batch: any number would do, each is sent on its own."""
    batch_chars: int = 0
    edits: bool = False

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
            # deep-translator wants a key even where the server takes none (self-hosted):
            # a placeholder, which `adapt` takes out of the request again.
            return dt.LibreTranslator(source=source, target=target,
                                      api_key=env.get("LIBRE_API_KEY") or NO_KEY,
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
            if params["api_key"] == NO_KEY:
                params = {k: v for k, v in params.items() if k != "api_key"}
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

    def check(self, source_lang: str, lang: str, settings: Settings,
              env: Mapping[str, str]) -> None:
        if settings.model:
            raise InputError(f"--model is for a language model; {self.label} has none to "
                             "choose", fix="leave out --model, or use --provider openai, "
                             "deepseek, qwen or ollama")
        url = env.get(self.url_option) if self.url_option else None
        if url and settings.endpoint:
            # Either may be a leftover; a guess could send the key and the book elsewhere.
            raise InputError(f"--endpoint and {self.url_option} both say where {self.label} "
                             "is", fix=f"leave out --endpoint (and PARABOOK_MT_ENDPOINT), or "
                                   f"unset {self.url_option}")
        problem = endpoint_error(self.url_option, url) if self.url_option and url else None
        if problem:
            raise problem
        self.check_codes(*self.codes(source_lang, lang), source_lang, lang)

    def required_keys(self, settings: Settings, env: Mapping[str, str]) -> tuple[str, ...]:
        """Every key, but none for LibreTranslate on a server of one's own."""
        if self.url_option and (settings.endpoint or env.get(self.url_option)):
            return ()
        return self.keys

    def estimate(self, texts: list[str], batches: int) -> tuple[int, int] | None:
        return None

    def memory_name(self, settings: Settings, env: Mapping[str, str]) -> str:
        """The provider, and the address asked when it is not the official one (without a
        user name and password)."""
        url = settings.endpoint or (env.get(self.url_option) if self.url_option else None)
        return self.name + (f"@{public(url).rstrip('/')}" if url else "")

    def cost(self, text: str, glossary: tuple[GlossaryTerm, ...]) -> int:
        return sum(len(p) for p in self.pieces(text, glossary) if HAN.search(p))

    def pieces(self, text: str, glossary: tuple[GlossaryTerm, ...]) -> list[str]:
        """What is sent for `text`: glossary terms replaced, cut to `max_chars`."""
        return split_text(protect(text, glossary), self.max_chars)

    @contextmanager
    def session(self, settings: Settings, env: Mapping[str, str]) -> Iterator[_Session]:
        transport = Transport(self, settings.endpoint, settings.timeout,
                              settings.rate or self.rate)
        with transport.active():
            yield _Session(self, env, transport)


DEEP_TRANSLATOR: dict[str, DeepTranslator] = {p.name: p for p in (
    DeepTranslator("google", "Google", ("https://translate.google.com",), 4999, 1.0,
                   chinese=("zh-CN", "zh-TW")),
    DeepTranslator("deepl", "DeepL", ("https://api-free.deepl.com", "https://api.deepl.com"),
                   4000, 3.0, keys=("DEEPL_API_KEY",)),
    DeepTranslator("microsoft", "Microsoft",
                   ("https://api.cognitive.microsofttranslator.com",), 10000, 3.0,
                   keys=("MICROSOFT_API_KEY",), options=("MICROSOFT_REGION",),
                   chinese=("zh-hans", "zh-hant")),
    DeepTranslator("mymemory", "MyMemory", ("http://api.mymemory.translated.net",), 499, 1.0,
                   options=("MYMEMORY_EMAIL",), chinese=("zh-CN", "zh-TW")),
    DeepTranslator("libre", "LibreTranslate",
                   ("https://libretranslate.com", "https://libretranslate.de"), 2000, 1.0,
                   keys=("LIBRE_API_KEY",), options=("LIBRE_URL",), url_option="LIBRE_URL",
                   chinese=("zh", "zh")),  # deep-translator has no code for Traditional
    DeepTranslator("baidu", "Baidu", ("https://fanyi-api.baidu.com",), 2000, 1.0,
                   keys=("BAIDU_APPID", "BAIDU_APPKEY"), chinese=("zh", "cht")),
)}


# ---------------------------------------------------------------- transport


class Transport:
    """Every HTTP request deep-translator makes, while active: rewritten to the
    endpoint, throttled, given a timeout, and recorded.

    deep-translator calls `requests.get/post` itself, with fixed URLs and no timeout,
    so the hook is `requests.Session.request`, which both go through.
    """

    def __init__(self, provider: DeepTranslator, endpoint: str | None, timeout: float,
                 rate: float) -> None:
        self.provider = provider
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.timeout = timeout
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.usage = Usage()
        self.url: str | None = None
        """The last address asked."""
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

        from parabook.mt.bounded import Deadline, late, read_body

        original = requests.Session.request
        transport = self

        def request(session, method, url, *args, **kwargs):
            transport._throttle()
            kwargs["timeout"] = transport.timeout  # for each wait; the deadline for them all
            # A redirect would carry the key's header to another host: refuse it.
            kwargs["allow_redirects"] = False
            kwargs["stream"] = True  # read by `read_body`, capped
            transport.usage.requests += 1
            method, kwargs = transport.provider.adapt(method, url, kwargs)
            with Deadline(transport.timeout) as deadline:
                for scheme in ("http://", "https://"):
                    session.mount(scheme, deadline.adapter())
                try:
                    transport.url = transport.rewrite(url)
                    response = original(session, method, transport.url, *args,
                                        **kwargs)
                    read_body(response, deadline)
                except requests.RequestException as exc:
                    error = late(deadline, exc)
                    transport.last_error = error
                    transport.usage.statuses["timeout" if isinstance(error, requests.Timeout)
                                             else "no connection"] += 1
                    raise error from None  # never shown: `classify` says what happened
            transport.last_status = response.status_code
            transport.last_response = response
            transport.usage.statuses[str(response.status_code)] += 1
            return response

        requests.Session.request = request  # type: ignore[method-assign, assignment]
        try:
            yield self
        finally:
            requests.Session.request = original  # type: ignore[method-assign]

    def _throttle(self) -> None:
        now = time.monotonic()
        if now < self._next:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + self.interval

    def retry_after(self) -> float | None:
        """The server's Retry-After in seconds, if it sent one."""
        response = self.last_response  # a Response is falsy for 4xx/5xx: test for None
        return retry_after(response.headers.get("Retry-After") if response is not None
                           else None)

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

Stop = Literal["auth", "quota", "wait", "endpoint"]
BAIDU_CODES: dict[str, Literal["retry"] | Stop] = {
    "52001": "retry", "52002": "retry", "54003": "retry", "52003": "auth", "54001": "auth",
    "54004": "quota", "58000": "auth"}


def classify(exc: Exception, transport: Transport) -> Failure:
    """What a failed request means, from what went over the wire, for any provider."""
    import requests

    from parabook.mt.bounded import TooLarge

    error, status = transport.last_error, transport.last_status
    if isinstance(error, TooLarge):
        return Failure("skip", str(error))
    if isinstance(error, requests.Timeout):
        return Failure("retry", f"no answer within {transport.timeout:g} s")
    if isinstance(error, requests.RequestException):
        why = unreachable(error)
        if why and not (why.startswith("the connection was refused") and _local(transport)):
            return offline_failure(transport.provider.label, transport.url or "", why)
        return Failure("retry", "could not connect")
    wait = transport.retry_after()
    if wait is not None and wait > LONGEST_WAIT:  # whatever the status: never sleep a day
        return stop(transport, "wait", f"HTTP {status}, asked to wait {wait / 60:.0f} minutes")
    code = transport.error_code()
    if code in BAIDU_CODES:
        verdict = BAIDU_CODES[code]
        why = f"error code {code}"
        return Failure("retry", why) if verdict == "retry" else stop(transport, verdict, why)
    if status == 429 or code == "429001":
        return Failure("retry", "HTTP 429, too many requests", wait=wait)
    if status is not None and status >= 500:
        return Failure("retry", f"HTTP {status}", wait=wait)
    if status in (402, 456) or code.startswith("403001"):
        return stop(transport, "quota", f"HTTP {status}")
    if status in (401, 403):
        return stop(transport, "auth", f"HTTP {status}")
    if status is not None and (300 <= status < 400 or status in (404, 405)):
        return stop(transport, "endpoint", f"HTTP {status}")
    if status is not None and status >= 400:
        return Failure("skip", f"HTTP {status}")
    return Failure("skip", f"no usable translation ({type(exc).__name__})")


def _local(transport: Transport) -> bool:
    return transport.url is not None and is_local(transport.url)


def stop(transport: Transport, verdict: Stop, why: str) -> Failure:
    """A failure that ends the run, said for a person."""
    label = transport.provider.label
    if verdict == "auth":
        keys = " and ".join(transport.provider.keys)
        if keys:
            return Failure("stop", f"{label} refused the key ({why})",
                           fix=f"set {keys} to a valid key")
        return Failure("stop", f"{label} refused the request ({why})",
                       fix="wait and run the same command again, or choose another --provider")
    if verdict == "quota":
        return Failure("stop", f"{label} quota exhausted ({why})",
                       fix="run the same command again to resume once the quota renews, or "
                           "choose another --provider")
    if verdict == "wait":
        busy = "is rate-limiting" if transport.last_status == 429 else "is unavailable"
        return Failure("stop", f"{label} {busy} ({why})",
                       fix="run the same command again after that to resume")
    where = redacted(transport.endpoint) if transport.endpoint else "the provider's address"
    return Failure("stop", f"{label} did not answer at {where} ({why}: no such address, or a "
                           "redirect)",
                   fix="check --endpoint (or PARABOOK_MT_ENDPOINT), or leave it out to use "
                       "the provider's own address")


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


def protect(text: str, glossary: Sequence[GlossaryTerm]) -> str:
    """Put each glossary term's translation into the Chinese before sending it: engines
    carry Latin text through, which no provider's glossary feature here does. A term
    without a rendering (a glossary line whose translation is ` | `) stays in Chinese."""
    # Placeholders first, so a term cannot match inside another term's translation.
    for number, term in enumerate(glossary):  # longest first: a longer term wins
        if term.renderings:
            text = text.replace(term.term, f"\x00{number}\x00")
    text = re.sub("\x00(\\d+)\x00", lambda m: f" {glossary[int(m[1])].renderings[0]} ", text)
    return re.sub(r" +", " ", text).strip()


def join_pieces(pieces: list[str], lang: str) -> str:
    glue = "" if lang.split("-")[0] in NO_SPACES else " "
    return glue.join(p.strip() for p in pieces)


# ---------------------------------------------------------------- session


class _Session:
    """A batch, translated segment by segment through deep-translator's classes."""

    def __init__(self, provider: DeepTranslator, env: Mapping[str, str],
                 transport: Transport) -> None:
        self.provider, self.env, self.transport = provider, env, transport
        self.usage = transport.usage
        self.secrets = secrets(provider.keys, env)
        self.translator: Any = None
        # Pieces answered in this run: a segment sent again after a failure in a
        # later piece does not ask twice for the earlier ones.
        self.answered: dict[str, str] = {}

    def translate(self, batch: Batch) -> Iterator[Draft | Failure]:
        codes = self.provider.codes(batch.source_lang, batch.target_lang)
        for segment in batch.segments:
            answers = []
            for piece in self.provider.pieces(segment.text, batch.glossary):
                answer = self._piece(piece, codes, batch.target_lang)
                if isinstance(answer, Failure):
                    yield answer
                    if answer.action == "retry":
                        return  # the engine waits, then sends the rest again
                    break
                answers.append(answer)
            else:
                yield Draft(join_pieces(answers, batch.target_lang))

    def _piece(self, piece: str, codes: tuple[str, str], lang: str) -> str | Failure:
        if not HAN.search(piece):  # all glossary terms, numbers or Latin: nothing to ask
            return piece
        if piece in self.answered:
            return self.answered[piece]
        self.transport.begin()
        try:
            if self.translator is None:  # Microsoft's constructor already asks the server
                self.translator = self.provider.make(*codes, self.env)
            self.usage.chars += len(piece)
            output = self.translator.translate(piece)
        except Exception as exc:  # noqa: BLE001 - each provider raises its own kinds
            return self._failure(exc, codes)
        if self.transport.quota_in_body() or (
                isinstance(output, str) and "MYMEMORY WARNING" in output.upper()):
            return stop(self.transport, "quota", "the answer was a quota warning")
        problem = bad_output(piece, output, lang, self.secrets)
        if problem:
            return Failure("skip", problem)
        self.answered[piece] = clean(output)
        return self.answered[piece]

    def _failure(self, exc: Exception, codes: tuple[str, str]) -> Failure:
        from deep_translator.exceptions import (
            LanguageNotSupportedException,
            NotValidLength,
            NotValidPayload,
        )

        if isinstance(exc, LanguageNotSupportedException):
            raise InputError(f"{self.provider.label} does not know the language codes "
                             f"{codes[0]!r} and {codes[1]!r} (from the book's source_lang "
                             "and --lang)", fix="choose another --provider or --lang") from None
        if isinstance(exc, (NotValidLength, NotValidPayload)):
            return Failure("skip", "the text is longer than the provider takes")
        return classify(exc, self.transport)
