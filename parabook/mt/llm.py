"""Machine drafts from a language model, through any OpenAI-compatible chat API.

DeepSeek, Qwen (DashScope's compatible mode), OpenAI, Ollama, vLLM and llama.cpp all
speak `POST {base}/chat/completions`. One request carries a batch of segments with
what a translator would read around them (the title, the headings, the paragraphs
before and after), the glossary terms that occur and the house style; the answer is
one JSON object keyed by segment id, checked id by id. Whatever is wrong with an
answer (an id missing, extra or empty, prose around the JSON, a refusal, Chinese
left in, an answer cut off) sends its segments again in smaller batches; a batch
too long for the model's context is halved.

The client is an `httpx.Client` of the session's own: nothing process-wide is
patched, redirects are not followed (they would carry the key elsewhere), and an
answer is read under a size cap and a deadline.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import socket
import threading
import time
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from parabook.catalog.qa import GlossaryTerm
from parabook.errors import InputError
from parabook.lang.script import HAN
from parabook.model import Segment
from parabook.mt.provider import (
    LONGEST_WAIT,
    NO_SPACES,
    Batch,
    Draft,
    Earlier,
    Failure,
    Settings,
    Usage,
    bad_output,
    clean,
    is_local,
    offline_failure,
    public,
    redacted,
    retry_after,
    secrets,
    unreachable,
)

PROMPT_VERSION = 1
"""Raised whenever the prompt changes: drafts from another prompt are not reused."""
SLOWER = 6
"""A model writes a whole batch before it answers: it gets `--timeout` times this."""
MAX_ANSWER = 4 * 2**20
"""Bytes of an answer read at most (a batch's JSON is a few KB)."""
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
         "pt": "Portuguese", "ru": "Russian", "ja": "Japanese", "ko": "Korean",
         "ar": "Arabic", "nl": "Dutch", "pl": "Polish", "tr": "Turkish", "vi": "Vietnamese"}
REFUSAL = re.compile(r"^\s*(?:I'?m sorry|I am sorry|sorry,|I (?:can ?not|can't|won't|am unable|"
                     r"'m unable)|as an AI)", re.I)
CONTEXT_WORDS = ("context_length", "context length", "maximum context", "too many tokens",
                 "reduce the length", "prompt is too long", "input is too long")


@dataclass(frozen=True)
class Preset:
    """A known chat-completions service: its address, key and a model to start with."""

    name: str
    label: str
    url: str
    key: str
    """The environment variable holding the key (not needed for a local address)."""
    model: str


PRESETS = (
    Preset("openai", "OpenAI", "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4o-mini"),
    Preset("deepseek", "DeepSeek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY",
           "deepseek-chat"),
    Preset("qwen", "Qwen", "https://dashscope.aliyuncs.com/compatible-mode/v1",
           "DASHSCOPE_API_KEY", "qwen-plus"),
    Preset("ollama", "Ollama", "http://127.0.0.1:11434/v1", "OLLAMA_API_KEY", "qwen2.5:7b"),
)


def house_style(lang: str) -> list[str]:
    """The rules every draft follows, as the prompt states them."""
    english = lang.split("-")[0] == "en"
    return [
        *(["US spelling."] if english else []),
        "Party and government bodies, titles and slogans in their official renderings "
        "(e.g. the Communist Party of China, the CPC Central Committee, the State Council).",
        "Captions in sentence case; headings as headings.",
        "Every number carried over exactly: digits, dates, percentages, units, amounts.",
        "万 and 亿 converted: 3.5万 is 35,000, 12亿元 is 1.2 billion yuan.",
        "No explanations, notes or Chinese added; at most a short gloss at a term's first "
        "use.",
    ]


def system_prompt(target: str, lang: str) -> str:
    rules = "\n".join(f"- {rule}" for rule in house_style(lang))
    return (
        f"You translate a Chinese booklet into {target} for print, segment by segment.\n"
        f"House style:\n{rules}\n"
        "- Use each glossary term's rendering exactly as given (`also`: a form the note "
        "allows, e.g. after the first mention).\n"
        "- `context` is there to be understood, not translated.\n"
        "- A segment with `reviewed_translation` was translated by a person when its "
        "Chinese was `earlier_source`; the Chinese is now `text`. Return that translation "
        "changed only where the change from `earlier_source` to `text` requires, every "
        "other word as it is.\n"
        'Answer with one JSON object and nothing else: {"translations": {"<id>": '
        '"<translation>", ...}}, with exactly the ids of `segments`.')


TERMS_PROMPT = (
    "You help a translator build a glossary for a Chinese booklet. From the text, list the "
    "names (people, places, organisations) and the institutional or political terms that "
    "recur or need one fixed rendering, and that are not in `known`. Give each its "
    "official or usual {target} rendering. Answer with one JSON object and nothing else: "
    '{{"terms": [{{"term": "<Chinese, exactly as in the text>", "rendering": "<{target}>"}}, '
    "...]}}.")


@dataclass(frozen=True)
class LLM:
    """A chat-completions provider, named after its preset."""

    preset: Preset
    batch_size: int = 12
    """Segments per request: enough context, an answer that fits the output limit."""
    batch_chars: int = 2400
    """Chinese characters per request, about as many tokens in, and 1.5 times out."""
    rate: float = 2.0
    """Default requests per second."""
    edits: bool = True

    @property
    def name(self) -> str:
        return self.preset.name

    @property
    def label(self) -> str:
        return self.preset.label

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.preset.key,)

    def url(self, settings: Settings) -> str:
        """The base URL asked: `--endpoint` wins over the preset's."""
        return (settings.endpoint or self.preset.url).rstrip("/")

    def model(self, settings: Settings) -> str:
        return settings.model or self.preset.model

    def required_keys(self, settings: Settings, env: Mapping[str, str]) -> tuple[str, ...]:
        """The key, unless the address is on this machine or network (Ollama, vLLM)."""
        return () if is_local(self.url(settings)) else self.keys

    def check(self, source_lang: str, lang: str, settings: Settings,
              env: Mapping[str, str]) -> None:
        model = self.model(settings)
        if not model.strip() or any(c.isspace() or not c.isprintable() for c in model):
            raise InputError(f"--model {model!r} is not a model name",
                             fix=f"e.g. --model {self.preset.model}")
        key = env.get(self.preset.key) or ""
        if not (key.isascii() and key.isprintable()):  # an HTTP header cannot carry it
            raise InputError(f"{self.preset.key} holds a character an API key does not have "
                             "(a copy-paste slip?); the value is not shown",
                             fix=f"set {self.preset.key} again, copied from the provider's "
                                 "page")

    def memory_name(self, settings: Settings, env: Mapping[str, str]) -> str:
        """Endpoint, model and prompt version: another of any of them asks again."""
        return (f"{self.name}@{public(self.url(settings))}#{self.model(settings)}"
                f"#prompt{PROMPT_VERSION}")

    def cost(self, text: str, glossary: tuple[GlossaryTerm, ...]) -> int:
        return len(text)

    def estimate(self, texts: list[str], batches: int) -> tuple[int, int] | None:
        """About a token per Chinese character in, and per batch the prompt (English, four
        characters a token) and the context and glossary (about 900); out, 1.3 tokens per
        Chinese character (the sample's reviewed English: 17,662 characters, 2,642 words
        for 3,390 Chinese characters) and a few for each id and its quotes."""
        chars = sum(len(t) for t in texts)
        overhead = len(system_prompt("English", "en")) // 4 + 900
        return chars + batches * overhead, math.ceil(chars * 1.3) + 8 * len(texts)

    @contextmanager
    def session(self, settings: Settings, env: Mapping[str, str]) -> Iterator[Chat]:
        chat = Chat(self, settings, env)
        try:
            yield chat
        finally:
            chat.client.close()


LLM_PROVIDERS: dict[str, LLM] = {p.name: LLM(p) for p in PRESETS}


@dataclass
class Answer:
    """What a model said."""

    content: str
    finish: str
    refusal: str


class Chat:
    """One run's connection to a chat-completions endpoint."""

    def __init__(self, provider: LLM, settings: Settings, env: Mapping[str, str]) -> None:
        import httpx

        self.provider, self.settings = provider, settings
        self.url, self.model = provider.url(settings), provider.model(settings)
        self.usage = Usage()
        self.secrets = secrets(provider.keys, env)
        key = env.get(provider.preset.key) or ""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.timeout = settings.timeout * SLOWER
        self.backend = _Backend()
        self.client = httpx.Client(
            base_url=self.url + "/", headers=headers, follow_redirects=False,
            timeout=httpx.Timeout(self.timeout, connect=settings.timeout),
            transport=_transport(self.backend))
        self.interval = 1.0 / (settings.rate or provider.rate)
        self._next = 0.0

    # ------------------------------------------------------------ the wire

    def ask(self, system: str, user: object) -> Answer | Failure | str:
        """One chat request: the answer, a failure, or "context" for a request too long
        for the model."""
        import httpx

        now = time.monotonic()
        if now < self._next:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + self.interval
        body = {"model": self.model, "temperature": 0,
                "response_format": {"type": "json_object"},
                "messages": [{"role": "system", "content": system},
                             {"role": "user", "content": json.dumps(user, ensure_ascii=False)}]}
        self.usage.requests += 1
        deadline = self.backend.deadline = _Deadline(self.timeout)
        try:
            with self.client.stream("POST", "chat/completions", json=body) as response:
                data = bytearray()
                for chunk in response.iter_bytes():  # decoded: a gzip bomb is capped too
                    data += chunk
                    if len(data) > MAX_ANSWER:
                        self.usage.statuses[str(response.status_code)] += 1
                        return Failure("skip", f"the answer is over {MAX_ANSWER >> 20} MB")
                deadline.finish()  # before the connection is closed and its number reused
            if deadline.expired:
                raise httpx.ReadTimeout("the answer took too long")
        except httpx.HTTPError as exc:
            if deadline.expired or isinstance(exc, httpx.TimeoutException):
                self.usage.statuses["timeout"] += 1
                return Failure("retry", f"no answer within {self.timeout:g} s")
            self.usage.statuses["no connection"] += 1
            why = unreachable(exc)
            if why and not (why.startswith("the connection was refused") and is_local(self.url)):
                return offline_failure(self.provider.label, self.url, why)
            return Failure("retry", "could not connect")
        finally:
            deadline.finish()
        status = response.status_code
        self.usage.statuses[str(status)] += 1
        try:
            parsed: Any = json.loads(bytes(data))
        except ValueError:
            parsed = None
        if status != 200:
            return self._refused(status, response.headers.get("Retry-After"), parsed,
                                 bytes(data))
        return self._answer(parsed)

    def _refused(self, status: int, after: str | None, parsed: Any,
                 data: bytes) -> Failure | str:
        label, wait = self.provider.label, retry_after(after)
        if wait is not None and wait > LONGEST_WAIT:
            return Failure("stop", f"{label} asked to wait {wait / 60:.0f} minutes (HTTP "
                                   f"{status})", fix="run the same command again after that "
                                                     "to resume")
        error = parsed.get("error") if isinstance(parsed, dict) else None
        code = str(error.get("code") or "") if isinstance(error, dict) else ""
        text = data[:4000].decode("utf-8", "replace").lower()
        if status in (400, 413, 422) and any(w in text for w in CONTEXT_WORDS):
            return "context"
        if status == 429 and code != "insufficient_quota":
            return Failure("retry", "HTTP 429, too many requests", wait=wait)
        if status >= 500:
            return Failure("retry", f"HTTP {status}", wait=wait)
        if status in (402, 429):
            return Failure("stop", f"{label} quota exhausted (HTTP {status})",
                           fix="run the same command again to resume once it renews, or "
                               "choose another --provider or --endpoint")
        if status in (401, 403):
            return Failure("stop", f"{label} refused the key (HTTP {status})",
                           fix=f"set {self.provider.preset.key} to a valid key for "
                               f"{redacted(self.url)}")
        where = f"{label} at {redacted(self.url)}"
        if status in (404, 405) or 300 <= status < 400:
            return Failure("stop", f"{where} has no chat-completions API for model "
                                   f"{self.model!r} (HTTP {status})",
                           fix="check --endpoint (the base URL, usually ending in /v1) and "
                               "--model")
        return Failure("stop", f"{where} refused the request (HTTP {status})",
                       fix=f"check --model {self.model!r} and --endpoint; the server's log "
                           "says why")

    def _answer(self, parsed: Any) -> Answer | Failure:
        try:
            choice = parsed["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError):
            return Failure("stop", f"{self.provider.label} at {redacted(self.url)} did not "
                                   "answer as a chat-completions API does",
                           fix="check --endpoint: the base URL, usually ending in /v1")
        usage = parsed.get("usage") if isinstance(parsed, dict) else None
        if isinstance(usage, dict):
            self.usage.tokens_in += int(usage.get("prompt_tokens") or 0)
            self.usage.tokens_out += int(usage.get("completion_tokens") or 0)
        content = message.get("content") if isinstance(message, dict) else None
        refusal = message.get("refusal") if isinstance(message, dict) else None
        return Answer(content if isinstance(content, str) else "",
                      str(choice.get("finish_reason") or ""),
                      refusal if isinstance(refusal, str) else "")

    # ------------------------------------------------------------ translation

    def translate(self, batch: Batch) -> Iterator[Draft | Failure]:
        yield from self._solve(batch, list(range(len(batch.segments))))

    def _solve(self, batch: Batch, todo: list[int]) -> Generator[Draft | Failure, None, bool]:
        """Results for `todo` in order; what a bad answer left undone is asked again in
        smaller batches. Returns False when the session yielded a retry or a stop."""
        answer = self._request(batch, todo)
        if isinstance(answer, Failure):
            yield answer  # for the first of `todo`: after a retry the engine asks the rest
            return answer.action == "skip"
        results = answer
        runs: list[list[int]] = []
        for i in todo:  # runs of segments that got no good draft
            if isinstance(results.get(i), Draft):
                runs.append([i])
            elif runs and not isinstance(results.get(runs[-1][0]), Draft):
                runs[-1].append(i)
            else:
                runs.append([i])
        for run in runs:
            first = results.get(run[0])
            if isinstance(first, Draft):
                yield first
                continue
            if len(todo) == 1:
                yield Failure("skip", str(first))
                continue
            parts = [run[:len(run) // 2], run[len(run) // 2:]] if len(run) > 1 else [run]
            for part in parts:
                if not (yield from self._solve(batch, part)):
                    return False
        return True

    def _request(self, batch: Batch, todo: list[int]) -> dict[int, Draft | str] | Failure:
        """Drafts (or why not) for `todo`, from one request; a Failure for all of them."""
        ids = {f"s{i + 1}": i for i in todo}
        answer = self.ask(system_prompt(NAMES.get(batch.target_lang.split("-")[0],
                                                  batch.target_lang), batch.target_lang),
                          self._payload(batch, todo))
        self.usage.chars += sum(len(batch.segments[i].text) for i in todo)
        if answer == "context":
            if len(todo) == 1:
                return Failure("skip", "the segment is too long for the model's context")
            return dict.fromkeys(todo, "the batch was too long for the model's context")
        if isinstance(answer, Failure):
            if answer.action == "skip" and len(todo) > 1:  # try them in smaller batches
                return dict.fromkeys(todo, answer.why)
            return answer
        assert isinstance(answer, Answer)
        problem, translations = self._read(answer, set(ids))
        if problem:
            return dict.fromkeys(todo, problem)
        results: dict[int, Draft | str] = {}
        for key, i in ids.items():
            results[i] = self._check(batch, i, translations.get(key))
        return results

    def _read(self, answer: Answer, ids: set[str]) -> tuple[str, dict[str, object]]:
        """The translations in an answer, or why it has none to trust."""
        if answer.refusal or (REFUSAL.match(answer.content) and "{" not in answer.content):
            return "the model refused", {}
        if answer.finish == "length":
            return "the answer was cut off (finish_reason length)", {}
        text = answer.content.strip()
        fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.S)
        text = fenced.group(1) if fenced else text
        if not (text.startswith("{") and text.endswith("}")):
            return "the answer was not only JSON (prose around it)", {}
        try:
            parsed = json.loads(text)
        except ValueError:
            return "the answer was not valid JSON", {}
        translations = parsed.get("translations", parsed) if isinstance(parsed, dict) else None
        if not isinstance(translations, dict):
            return "the answer had no translations keyed by id", {}
        if set(translations) - ids:
            # An id nobody asked for: the answers may have slipped one place.
            return "the answer had ids that were not asked for", {}
        return "", translations

    def _check(self, batch: Batch, i: int, text: object) -> Draft | str:
        segment = batch.segments[i]
        if not isinstance(text, str) or not text.strip():
            return "no translation for its id"
        if REFUSAL.match(text):
            return "the model refused"
        problem = bad_output(segment.text, text, batch.target_lang, self.secrets)
        if problem:
            return problem
        if batch.target_lang.split("-")[0] not in NO_SPACES:
            kept = HAN.sub("", "".join(t.term for t in batch.glossary if not t.renderings))
            left = [c for c in text if HAN.match(c) and c not in kept]
            if left:
                return "Chinese was left in the draft"
        return Draft(clean(text))

    def _payload(self, batch: Batch, todo: list[int]) -> dict[str, object]:
        sent = [batch.segments[i] for i in todo]
        glossary = [{"term": t.term, "rendering": t.renderings[0]}
                    | ({"also": " | ".join(t.renderings[1:])} if t.renderings[1:] else {})
                    | ({"note": t.note} if t.note else {})
                    for t in batch.glossary
                    if t.renderings and any(t.term in s.text or _in_earlier(batch, i, t.term)
                                            for i, s in zip(todo, sent, strict=True))]
        segments: list[dict[str, str]] = []
        for i, segment in zip(todo, sent, strict=True):
            item = {"id": f"s{i + 1}", "kind": segment.kind, "text": segment.text}
            earlier = batch.earlier[i] if i < len(batch.earlier) else None
            if earlier is not None:
                item |= {"earlier_source": earlier.source,
                         "reviewed_translation": earlier.translation}
            segments.append(item)
        context = [{"kind": s.kind, "text": s.text} for s in _around(batch, todo)]
        return {"book_title": batch.title, "from": batch.source_lang, "to": batch.target_lang,
                "glossary": glossary, "context": context, "segments": segments}


def _in_earlier(batch: Batch, i: int, term: str) -> bool:
    earlier: Earlier | None = batch.earlier[i] if i < len(batch.earlier) else None
    return earlier is not None and term in earlier.source


def _around(batch: Batch, todo: list[int]) -> list[Segment]:
    """The batch's context, and for a smaller batch the batch's other segments nearby."""
    near = {todo[0] - 1, todo[-1] + 1}
    return [*batch.context, *(batch.segments[i] for i in sorted(near)
                              if 0 <= i < len(batch.segments))]


# ---------------------------------------------------------------- term suggestions


@dataclass(frozen=True)
class Suggestion:
    term: str
    rendering: str
    count: int
    """How often it occurs in the book."""
    example: str
    """The first sentence of the book it occurs in."""


def suggest_terms(provider: LLM, settings: Settings, env: Mapping[str, str], title: str,
                  texts: list[str], known: list[GlossaryTerm], lang: str,
                  sleep: Any = time.sleep) -> tuple[list[Suggestion], Usage]:
    """Glossary entries a model proposes for `texts` (the book's segments), checked
    against the book: each occurs in it and is not yet in the glossary."""
    from parabook.mt.engine import ProviderError

    target = NAMES.get(lang.split("-")[0], lang)
    chunks: list[list[str]] = [[]]
    for text in texts:
        if chunks[-1] and sum(map(len, chunks[-1])) + len(text) > provider.batch_chars * 2:
            chunks.append([])
        chunks[-1].append(text)
    found: dict[str, str] = {}
    book = "\n".join(texts)
    with provider.session(settings, env) as chat:
        for chunk in chunks:
            user = {"book_title": title, "known": [t.term for t in known], "text": chunk}
            for attempt in range(settings.retries + 1):
                answer = chat.ask(TERMS_PROMPT.format(target=target), user)
                if not isinstance(answer, Failure) or answer.action != "retry":
                    break
                sleep(answer.wait if answer.wait is not None else
                      settings.backoff * 2 ** attempt)
            if isinstance(answer, Failure) and answer.action != "skip":
                raise ProviderError(answer.why, fix=answer.fix or "run the command again later")
            if not isinstance(answer, Answer):
                continue
            for term, rendering in _terms(answer):
                if term in book and not any(term in k.term or k.term == term for k in known) \
                        and not HAN.search(rendering):
                    found.setdefault(term, rendering)
    suggestions = [Suggestion(term, rendering, book.count(term), _example(texts, term))
                   for term, rendering in found.items()]
    return sorted(suggestions, key=lambda s: (-s.count, s.term)), chat.usage


def _terms(answer: Answer) -> list[tuple[str, str]]:
    text = answer.content.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.S)
    try:
        parsed = json.loads(fenced.group(1) if fenced else text)
    except ValueError:
        return []
    items = parsed.get("terms") if isinstance(parsed, dict) else None
    return [(str(item["term"]).strip(), str(item["rendering"]).strip())
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict) and isinstance(item.get("term"), str)
            and isinstance(item.get("rendering"), str) and item["term"].strip()
            and item["rendering"].strip() and "\t" not in item["term"] + item["rendering"]
            and "\n" not in item["term"] + item["rendering"]]


def _example(texts: list[str], term: str) -> str:
    for text in texts:
        if term in text:
            for sentence in re.findall(r"[^。！？]*[。！？]?", text):
                if term in sentence:
                    return sentence.strip()[:120]
    return ""


# ---------------------------------------------------------------- one deadline per request


class _Deadline:
    """One time limit over a whole exchange: httpx's timeouts are per read, so a server
    sending its status line, headers or body a byte at a time never trips them. When it
    passes, the sockets of the request are shut down, which ends whatever read waits."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._done = False
        self._fds: list[int] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, fd: int) -> None:
        with self._lock:
            if not self._done:
                self._fds.append(fd)

    def finish(self) -> None:
        with self._lock:
            self._done = True
            self._fds.clear()
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for fd in self._fds:
                # by number: TLS wraps the socket into another object on the same fd
                sock = socket.socket(fileno=fd)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.detach()  # the connection stays httpx's to close


class _Backend:
    """httpcore's network backend, handing each new socket to the current deadline."""

    def __init__(self) -> None:
        import httpcore

        self.plain = httpcore.SyncBackend()
        self.deadline: _Deadline | None = None

    def connect_tcp(self, *args: Any, **kwargs: Any) -> Any:
        stream = self.plain.connect_tcp(*args, **kwargs)
        if self.deadline is not None:
            self.deadline.watch(stream.get_extra_info("socket").fileno())
        return stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self.plain, name)


def _transport(backend: _Backend) -> Any:
    """httpx's own transport on `backend`, a new connection per request (so each is
    watched by its request's deadline; a batch takes seconds, a handshake milliseconds).
    httpx takes no backend: it is set on its pool (httpx is pinned)."""
    import httpx

    transport = httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
    transport._pool._network_backend = backend  # type: ignore[assignment]
    return transport
