"""A translation server on 127.0.0.1 that speaks the providers' wire formats.

The real deep-translator classes talk to it through `translate --endpoint`, and
a provider with its own client can send it a whole batch as JSON (`/batch`), or
speak the OpenAI chat-completions API (`/v1/chat/completions`) as a language model
would, answering JSON keyed by segment id. It
answers with a deterministic pseudo-translation (Han characters become Latin
tokens, Latin text such as protected glossary terms passes through), and can be
told to misbehave: HTTP errors, stalls, echoes, drips, oversized or gzip-bomb
answers, or hanging until released.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PUNCTUATION = {"。": ". ", "，": ", ", "、": ", ", "；": "; ", "：": ": ", "！": "! ",
               "？": "? ", "“": '"', "”": '"', "（": " (", "）": ") ", "《": '"', "》": '"',
               "…": "...", "—": "-"}
HAN = re.compile(r"[\u3400-\u9fff]+")


def pseudo(text: str) -> str:
    """The server's 'translation': each run of Han characters becomes a Latin token."""
    def token(match: re.Match) -> str:
        return " w" + hashlib.sha1(match.group(0).encode()).hexdigest()[:6] + " "

    out = HAN.sub(token, text)
    for zh, en in PUNCTUATION.items():
        out = out.replace(zh, en)
    return re.sub(r"\s+", " ", out).strip()


@dataclass
class Call:
    provider: str
    text: str
    status: int


@dataclass
class Server:
    """Scripted behaviour: `script` is consumed one request at a time (an int is an
    HTTP status to answer with, "stall" sleeps past the client's timeout, "echo"
    returns the input, "drip", "drip-status" and "drip-headers" send the body, the
    status line or a header a byte at a time, "huge" answers 5 MB and "bomb" 24 MB
    gzipped into a few KB); afterwards every request gets `default`."""

    script: list = field(default_factory=list)
    default: object = "ok"
    keys: dict[str, str] = field(default_factory=dict)
    """Provider -> the key it accepts."""
    stall: float = 3.0
    retry_after: str = "0"
    """The Retry-After header sent with every scripted HTTP error."""
    hang_after: int | None = None
    """Answer this many requests, then hold every later one until `release()`."""
    translate: Callable[[str], str] = pseudo
    calls: list[Call] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    """Texts that got a translation back, in order."""
    batches: list[dict] = field(default_factory=list)
    """Every request to `/batch`, as sent."""
    authorizations: list[str] = field(default_factory=list)
    """The Authorization header of every request that had one."""
    chats: list[dict] = field(default_factory=list)
    """Every chat-completions request's user message, parsed (segments, glossary, context)."""
    bodies: list[dict] = field(default_factory=list)
    """Every chat-completions request body as sent (model, messages...)."""
    glossary: dict[str, str] = field(default_factory=dict)
    """Term -> rendering the chat route insists on: a request whose segments hold a term
    without it in the request's glossary is answered 400 and noted in `violations`."""
    violations: list[str] = field(default_factory=list)
    max_segments: int | None = None
    """More segments than this in one chat request: a context-length error."""
    terms: list[tuple[str, str]] = field(default_factory=list)
    """What a term-suggestion request is answered with (those occurring in its text)."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.hanging = threading.Event()
        handler = type("Handler", (_Handler,), {"server_state": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _next(self) -> object:
        with self._lock:
            if self.hang_after is not None and len(self.answered) >= self.hang_after:
                return "hang"
            return self.script.pop(0) if self.script else self.default


class _Handler(BaseHTTPRequestHandler):
    server_state: Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        state = self.server_state
        if self.headers.get("Authorization"):
            state.authorizations.append(self.headers["Authorization"])
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        form = ({k: v[-1] for k, v in parse_qs(body.decode()).items()}
                if "form-urlencoded" in (self.headers.get("Content-Type") or "") else {})
        path = ("/translate-microsoft" if url.path == "/translate" and "api-version" in params
                else url.path)
        route = ROUTES.get(path)
        if route is None:
            return self._send(404, "text/plain", b"no such endpoint")
        provider, reader, writer = route
        if provider == "batch":
            return self._batch(json.loads(body))
        if provider == "chat":
            return self._chat(json.loads(body))
        if provider == "microsoft-languages":
            return self._send(200, "application/json", json.dumps({"translation": {
                "en": {"name": "English"}, "zh-Hans": {"name": "Chinese Simplified"},
                "zh-Hant": {"name": "Chinese Traditional"}}}).encode())
        if provider == "deepl" and (self.command != "POST" or "auth_key" in params
                                    or "auth_key" in form):
            # DeepL's API since January 2026: POST only, key in the Authorization header.
            state.calls.append(Call(provider, params.get("text") or form.get("text", ""), 403))
            return self._send(403, "application/json", json.dumps({"message": LEGACY}).encode())
        text, key_ok = reader({**params, **form}, body, self.headers, state.keys.get(provider))
        if not key_ok:
            state.calls.append(Call(provider, text, BAD_KEY[provider][0]))
            status, answer = BAD_KEY[provider]
            return self._send(status, "application/json", json.dumps(answer).encode())
        action = state._next()
        status = action if isinstance(action, int) else {"hang": 0}.get(action, 200)
        state.calls.append(Call(provider, text, status))
        if action == "hang":
            state.hanging.set()
            state._release.wait(30)
            return self._send(503, "text/plain", b"released")
        if action == "stall":
            time.sleep(state.stall)
            return self._send(503, "text/plain", b"late")
        if action in DRIPS:  # a byte at a time: each read is quick, the answer never ends
            return self._drip(DRIPS[action])
        if action in ("huge", "bomb"):
            return self._huge(writer, text, gzipped=action == "bomb")
        if isinstance(action, int):
            return self._send(action, "application/json", json.dumps(
                {"message": "scripted failure"}).encode())
        answer = text if action == "echo" else state.translate(text)
        if action != "echo":
            state.answered.append(text)
        kind, payload = writer(answer, text)
        self._send(200, kind, payload)

    def _batch(self, request: dict) -> None:
        """A language model's shape: the segments, the title and the glossary terms in one
        request, the translations in one answer (glossary renderings used as given)."""
        state = self.server_state
        texts = [segment["text"] for segment in request["segments"]]
        action = state._next()
        status = action if isinstance(action, int) else 200
        state.calls.append(Call("batch", "\n".join(texts), status))
        state.batches.append(request)
        if isinstance(action, int):
            return self._send(action, "application/json", json.dumps(
                {"message": "scripted failure"}).encode())
        answers = []
        for text in texts:
            for term, rendering in request["glossary"]:  # longest first
                text = text.replace(term, f" {rendering} ")
            answers.append(state.translate(text))
        state.answered += texts
        self._send(200, "application/json", json.dumps({"translations": answers}).encode())

    def _chat(self, request: dict) -> None:
        """A language model behind the OpenAI chat API: translates the user message's
        segments (glossary renderings used as sent, a reviewed translation edited only in
        its changed numbers) and answers `{"translations": {id: text}}`, unless scripted to
        misbehave: "missing-extra", "prose", "length", "context", "refusal", "chinese", or
        one of the `DRIPS`."""
        state = self.server_state
        user = json.loads(request["messages"][-1]["content"])
        state.bodies.append(request)
        state.chats.append(user)
        if "known" in user:  # a term-suggestion request
            text = "\n".join(user["text"])
            found = [{"term": t, "rendering": r} for t, r in state.terms if t in text]
            return self._completion(json.dumps({"terms": found}, ensure_ascii=False))
        segments = user["segments"]
        action = state._next()
        status = action if isinstance(action, int) else 200
        state.calls.append(Call("chat", "\n".join(s["text"] for s in segments), status))
        if isinstance(action, int):
            return self._send(action, "application/json", json.dumps(
                {"error": {"message": "scripted failure", "code": None}}).encode())
        if action in DRIPS:
            return self._drip(DRIPS[action])
        if action == "hang":
            state.hanging.set()
            state._release.wait(30)
            return self._send(503, "text/plain", b"released")
        sent = {g["term"]: g["rendering"] for g in user["glossary"]}
        for term, rendering in state.glossary.items():
            if any(term in s["text"] for s in segments) and sent.get(term) != rendering:
                state.violations.append(term)
                return self._send(400, "application/json", json.dumps(
                    {"error": {"message": f"glossary term {term} not sent"}}).encode())
        if action == "context" or (state.max_segments is not None
                                   and len(segments) > state.max_segments):
            return self._send(400, "application/json", json.dumps({"error": {
                "message": "This model's maximum context length is 8192 tokens. However, "
                           "your messages resulted in 9100 tokens.",
                "type": "invalid_request_error", "code": "context_length_exceeded"}}).encode())
        if action == "refusal":
            return self._completion(None, refusal="I'm sorry, I can't help with that.")
        answers = {}
        for segment in segments:
            if "reviewed_translation" in segment:
                answers[segment["id"]] = edit_numbers(
                    segment["earlier_source"], segment["text"], segment["reviewed_translation"])
                continue
            text = segment["text"]
            for term in sorted(sent, key=len, reverse=True):
                text = text.replace(term, f" {sent[term]} ")
            answers[segment["id"]] = state.translate(text)
        state.answered += [s["text"] for s in segments]
        if action == "missing-extra":
            answers.pop(segments[0]["id"])
            answers["s999"] = "An answer to a segment nobody sent."
        if action == "chinese":
            first = segments[0]
            answers[first["id"]] += " " + first["text"][:6]
        content = json.dumps({"translations": answers}, ensure_ascii=False)
        if action == "prose":
            content = f"Here are the translations:\n{content}\nI hope this helps!"
        if action == "length":
            return self._completion(content[:len(content) // 2], finish="length")
        self._completion(content)

    def _completion(self, content: str | None, *, finish: str = "stop",
                    refusal: str | None = None) -> None:
        request = self.server_state.bodies[-1]
        prompt = sum(len(m["content"]) for m in request["messages"])
        answer = {"id": "chatcmpl-test", "object": "chat.completion",
                  "model": request.get("model"),
                  "choices": [{"index": 0, "finish_reason": finish, "message": {
                      "role": "assistant", "content": content, "refusal": refusal}}],
                  "usage": {"prompt_tokens": prompt // 2,
                            "completion_tokens": len(content or "") // 4}}
        self._send(200, "application/json", json.dumps(answer).encode())

    def _drip(self, head: bytes) -> None:
        """`head`, then 400 spaces, one every 0.05 s (20 s in all)."""
        try:
            self.wfile.write(head)
            for _ in range(400):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _huge(self, writer, text: str, *, gzipped: bool) -> None:
        """A translation of 5 MB, or of 24 MB sent gzipped (about 24 KB on the wire)."""
        kind, payload = writer("FILL", text)
        start, end = payload.split(b"FILL")
        fill = b"a" * 2**20
        if not gzipped:
            return self._send(200, kind, start + fill * 5 + end)
        squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip format
        body = squeeze.compress(start) + b"".join(squeeze.compress(fill) for _ in range(24))
        body += squeeze.compress(end) + squeeze.flush()
        self._send(200, kind, body, {"Content-Encoding": "gzip"})

    def _send(self, status: int, kind: str, payload: bytes,
              headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if status >= 300:
                self.send_header("Retry-After", self.server_state.retry_after)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass


def _google_in(params, body, headers, key):
    return params.get("q", ""), True


def _google_out(answer, text):
    # translate.google.com/m: the translation sits in <div class="result-container">.
    from html import escape

    page = (f'<html><body><div class="result-container">{escape(answer)}</div>'
            "</body></html>")
    return "text/html; charset=utf-8", page.encode()


LEGACY = ("Legacy authentication method 'query parameter' is no longer supported. Please "
          "update to header-based authentication.")


def _deepl_in(params, body, headers, key):
    return params.get("text", ""), headers.get("Authorization") == f"DeepL-Auth-Key {key}"


def _deepl_out(answer, text):
    return "application/json", json.dumps(
        {"translations": [{"detected_source_language": "ZH", "text": answer}]}).encode()


def _microsoft_in(params, body, headers, key):
    texts = json.loads(body or b"[]")
    return (texts[0]["text"] if texts else ""), headers.get("Ocp-Apim-Subscription-Key") == key


def _microsoft_out(answer, text):
    return "application/json", json.dumps(
        [{"translations": [{"text": answer, "to": "en"}]}]).encode()


def _mymemory_in(params, body, headers, key):
    return params.get("q", ""), True


def _mymemory_out(answer, text):
    return "application/json", json.dumps(
        {"responseData": {"translatedText": answer}, "responseStatus": 200,
         "matches": []}).encode()


def _libre_in(params, body, headers, key):
    return params.get("q", ""), params.get("api_key") == key


def _libre_out(answer, text):
    return "application/json", json.dumps({"translatedText": answer}).encode()


def _baidu_in(params, body, headers, key):
    appid, _, appkey = (key or ":").partition(":")
    sign = hashlib.md5((appid + params.get("q", "") + params.get("salt", "") + appkey)
                       .encode()).hexdigest()
    return params.get("q", ""), params.get("appid") == appid and params.get("sign") == sign


def _baidu_out(answer, text):
    return "application/json", json.dumps(
        {"from": "zh", "to": "en", "trans_result": [{"src": text, "dst": answer}]}).encode()


# What each drip sends at once; then it goes on a byte at a time.
DRIPS = {
    "drip": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 400\r\n\r\n",
    "drip-status": b"HTTP/1.1 200",
    "drip-headers": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow:",
}

# What each provider answers to a wrong key.
BAD_KEY = {
    "deepl": (403, {"message": "Wrong endpoint or authentication key"}),
    "microsoft": (401, {"error": {"code": 401000, "message": "invalid subscription key"}}),
    "libre": (403, {"error": "Invalid API key"}),
    "baidu": (200, {"error_code": "54001", "error_msg": "Invalid Sign"}),
}

ROUTES = {
    "/m": ("google", _google_in, _google_out),
    "/v2/translate": ("deepl", _deepl_in, _deepl_out),
    "/translate": ("libre", _libre_in, _libre_out),
    "/get": ("mymemory", _mymemory_in, _mymemory_out),
    "/api/trans/vip/translate": ("baidu", _baidu_in, _baidu_out),
    "/translate-microsoft": ("microsoft", _microsoft_in, _microsoft_out),
    "/languages": ("microsoft-languages", None, None),
    "/batch": ("batch", None, None),
    "/v1/chat/completions": ("chat", None, None),
    "/chat/completions": ("chat", None, None),
}


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def edit_numbers(earlier: str, now: str, translation: str) -> str:
    """A minimal edit: each number that changed between the two Chinese texts changed in
    the translation, nothing else."""
    for old, new in zip(NUMBER.findall(earlier), NUMBER.findall(now), strict=False):
        if old != new:
            translation = re.sub(rf"(?<![\d.]){re.escape(old)}(?![\d.])", new, translation,
                                 count=1)
    return translation
