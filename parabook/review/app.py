"""The review app's web server: Starlette, served by uvicorn on 127.0.0.1.

Access: the address printed carries a random token; any request without it gets 403.
A request that changes something must also send the token in the `X-Review-Token`
header (which a page of another site cannot set) and, when the browser says where it
comes from (`Origin`, `Sec-Fetch-Site`), come from this app's own page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from parabook import service
from parabook.errors import BookError, InputError
from parabook.project import Project
from parabook.review.labels import UI_LANGS, labels
from parabook.review.preview import Previewer
from parabook.review.view import Checker, Row, counts, parse_key, row, waivers_enabled

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {"app.js": "text/javascript", "app.css": "text/css"}
HEADER = "X-Review-Token"
SAVE_ACTIONS = ("save", "approve")


class Review:
    """One book in one language under review: what every request needs."""

    def __init__(self, project: Project, slug: str, lang: str, token: str) -> None:
        self.project, self.slug, self.lang, self.token = project, slug, lang, token
        self.checker = Checker(project, slug, lang)
        self.previewer = Previewer(project, slug, lang)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(project.templates / "review"),
            autoescape=True, undefined=jinja2.StrictUndefined)
        self.templates.filters["asdicts"] = lambda items: [dataclasses.asdict(i) for i in items]

    def rows(self) -> list[Row]:
        entries = service.review_entries(self.project, self.slug, self.lang)
        return [row(self.checker, n, e) for n, e in enumerate(entries)]

    def entry(self, key: str) -> tuple[int, service.ReviewEntry, dict[str, int]]:
        """The segment's place in the list, its entry, and every state's count: without
        the QA of all the others, which takes seconds."""
        entries = service.review_entries(self.project, self.slug, self.lang)
        place = parse_key(key)
        found = next(((n, e) for n, e in enumerate(entries) if e.segment.place == place),
                     None)
        if found is None:
            raise _Refused(404, "no such segment: reload the page")
        return (*found, counts(entries))

    def row(self, key: str) -> tuple[Row, dict[str, int]]:
        """The segment's row, with its QA, and every state's count."""
        index, entry, counted = self.entry(key)
        return row(self.checker, index, entry), counted


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _guard(review: Review, request: Request, changes: bool) -> None:
    """403 without the token; for a change, also without the header or from elsewhere."""
    given = request.headers.get(HEADER) if changes else (
        request.query_params.get("token") or request.headers.get(HEADER))
    if not given or not secrets.compare_digest(given, review.token):
        raise _Refused(403, "forbidden: open the address with the token that "
                            "`build.py review` printed")
    if changes:
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        site = request.headers.get("sec-fetch-site")
        if (origin is not None and origin != own) or site not in (None, "same-origin", "none"):
            raise _Refused(403, "forbidden: a change must come from the review page itself")


def _json(value: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(value, status_code=status)


def create_app(review: Review) -> Starlette:
    def answer(handler: Callable[..., Response], *args: Any) -> Response:
        """The handler's response, or the error as JSON with its status."""
        try:
            return handler(*args)
        except _Refused as refused:
            return JSONResponse({"error": str(refused)}, status_code=refused.status)
        except service.EntryConflict as conflict:
            return JSONResponse({"error": str(conflict), "conflict": True,
                                 "theirs": _theirs(review, conflict)}, status_code=409)
        except BookError as error:
            return JSONResponse({"error": str(error)}, status_code=400)

    def endpoint(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """A page or image: the token, then the handler (in a worker thread)."""
        def guarded(request: Request) -> Response:
            def run() -> Response:
                _guard(review, request, False)
                return handler(request)
            return answer(run)
        return guarded

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            raise _Refused(400, "the request is not JSON") from None
        if not isinstance(data, dict):
            raise _Refused(400, "the request is not a JSON object")
        return data

    def key_of(data: dict[str, Any]) -> str:
        key = data.get("key")
        if not isinstance(key, str) or parse_key(key) is None:
            raise _Refused(400, "no segment named")
        return key

    def text_of(data: dict[str, Any], name: str = "text") -> str:
        value = data.get(name)
        if not isinstance(value, str):
            raise _Refused(400, f"no {name} given")
        return value

    @endpoint
    def page(request: Request) -> Response:
        ui = request.query_params.get("ui", "en")
        ui = ui if ui in UI_LANGS else "en"
        rows = review.rows()
        html = review.templates.get_template("page.html.j2").render(
            rows=rows, counts=counts(rows), total=len(rows), slug=review.slug,
            lang=review.lang, token=review.token, ui=ui, other=UI_LANGS[ui == "en"],
            t=labels(ui), waivers=waivers_enabled())
        return HTMLResponse(html, headers={"Cache-Control": "no-store",
                                           "Referrer-Policy": "no-referrer",
                                           "X-Frame-Options": "DENY"})

    @endpoint
    def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_TYPES:
            raise _Refused(404, "not found")
        return Response((STATIC / name).read_bytes(), media_type=STATIC_TYPES[name])

    @endpoint
    def preview(request: Request) -> Response:
        _, current, _ = review.entry(request.query_params.get("key", ""))
        try:
            image = review.previewer.image(current.segment.place, current.segment.text,
                                           current.translation.text or "",
                                           exact=request.query_params.get("exact") == "1")
        except RuntimeError as exc:
            raise _Refused(503, str(exc)) from None
        shown = "-".join(str(n) for n in image.pages if n is not None)
        return Response(image.png, media_type="image/png", headers={
            "Cache-Control": "no-store", "X-Preview-Exact": "1" if image.exact else "0",
            "X-Preview-Pages": shown})

    @endpoint
    def entry(request: Request) -> Response:
        found, counted = review.row(request.query_params.get("key", ""))
        return _json({"row": dataclasses.asdict(found), "counts": counted})

    async def qa_check(request: Request) -> Response:
        return await _run_async(request, True, _qa)

    def _qa(data: dict[str, Any]) -> Response:
        key = key_of(data)
        _, entry, _ = review.entry(key)
        source, text = entry.segment.text, text_of(data)
        place = parse_key(key)
        assert place is not None
        return _json({"terms": [dataclasses.asdict(t) for t in
                                review.checker.terms(source, text)],
                      "findings": [dataclasses.asdict(f) for f in
                                   review.checker.findings(place, source, text)]})

    async def save(request: Request) -> Response:
        return await _run_async(request, True, _save)

    def _save(data: dict[str, Any]) -> Response:
        key = key_of(data)
        place = parse_key(key)
        assert place is not None
        action = data.get("action")
        if action not in SAVE_ACTIONS:
            raise _Refused(400, "action must be save or approve")
        service.save_reviewed(review.project, review.slug, review.lang, place,
                              text_of(data), reviewed=action == "approve",
                              version=text_of(data, "version"))
        review.previewer.changed(place)
        saved, counted = review.row(key)
        return _json({"row": dataclasses.asdict(saved), "counts": counted,
                      "generation": review.previewer.generation})

    async def waive(request: Request) -> Response:
        return await _run_async(request, True, _waive)

    def _waive(data: dict[str, Any]) -> Response:
        if not waivers_enabled():
            raise _Refused(501, labels("en")["waivers_off"])
        key = key_of(data)
        place = parse_key(key)
        assert place is not None
        reason = text_of(data, "reason").strip()
        if not reason:
            raise _Refused(400, "give a reason for accepting the finding")
        waive = vars(service)["waive"]  # issue 20's; `waivers_enabled` checked it is there
        waive(review.project, review.slug, review.lang, place, text_of(data, "check"), reason)
        review.previewer.changed(place)
        saved, counted = review.row(key)
        return _json({"row": dataclasses.asdict(saved), "counts": counted})

    async def _run_async(request: Request, changes: bool,
                         handler: Callable[[dict[str, Any]], Response]) -> Response:
        """A change: the token in its header and the origin, its JSON, then the handler
        in a worker thread (it writes files and may build)."""
        try:
            _guard(review, request, changes)
            data = await body(request)
        except _Refused as refused:
            return JSONResponse({"error": str(refused)}, status_code=refused.status)
        return await run_in_threadpool(answer, handler, data)

    routes = [Route("/", page), Route("/static/{name}", static),
              Route("/preview.png", preview), Route("/api/entry", entry),
              Route("/api/qa", qa_check, methods=["POST"]),
              Route("/api/save", save, methods=["POST"]),
              Route("/api/waive", waive, methods=["POST"])]
    return Starlette(routes=routes)


def _theirs(review: Review, conflict: service.EntryConflict) -> dict[str, Any]:
    theirs = row(review.checker, 0, conflict.theirs)
    return dataclasses.asdict(theirs)


def open_socket(host: str, port: int) -> socket.socket:
    """A listening socket on `host`:`port` (0: a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host} port {port}: {exc.strerror or exc}",
                         fix="leave out --port for a free one, or give --host 127.0.0.1"
                         ) from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(project: Project, slug: str, lang: str, *, host: str = "127.0.0.1", port: int = 0,
          open_browser: bool = False, say: Callable[[str], None] = print) -> int:
    """Serve the review page until Ctrl-C; every save is on disk when it answers."""
    import uvicorn

    review = Review(project, slug, lang, secrets.token_urlsafe(24))
    sock = open_socket(host, port)
    bound = sock.getsockname()[1]
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    url = f"http://{shown}:{bound}/?token={review.token}"
    if host not in ("127.0.0.1", "localhost", "::1"):
        say(f"warning: listening on {host}: anyone on the network who has the address "
            "below (with its token) can change the translations; stop it (Ctrl-C) when the "
            "review is done")
    say(f"reviewing {slug} ({lang}): open {url}")
    say("saves are written to the PO file at once; Ctrl-C stops the server")
    review.previewer.changed()  # build the preview now, while the page is being read
    if open_browser:
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    server = uvicorn.Server(uvicorn.Config(create_app(review), log_level="warning",
                                           lifespan="off", access_log=False))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn stops, then passes Ctrl-C on
        server.run(sockets=[sock])
    say("stopped; every save is in the PO file")
    return 0
