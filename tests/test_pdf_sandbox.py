"""The renderer fetches only local files from allowed folders, and builds reproducibly."""

from __future__ import annotations

import http.server
import os
import threading

from parabook.pdf import write_pdf

from . import pdftools
from .conftest import SAMPLE


class CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        CountingHandler.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_only_files_under_allowed_folders_are_fetched(tmp_path, caplog):
    server = http.server.HTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    allowed = tmp_path / "book"
    allowed.mkdir()
    (allowed / "ok.css").write_text("p { margin: 0 }")
    outside = tmp_path / "outside.txt"
    outside.write_text("SECRET-OUTSIDE-TEXT")
    html = f"""<html><head>
      <link rel=stylesheet href="ok.css">
      <link rel=stylesheet href="http://127.0.0.1:{port}/a.css">
      <link rel=stylesheet href="file://{outside}">
      <link rel=stylesheet href="../outside.txt">
      </head><body><p>正文</p>
      <img src="https://127.0.0.1:{port}/b.png"><img src="file:///etc/hostname">
      <object data="file://{outside}"></object>
      <iframe src="http://localhost:{port}/c.html"></iframe></body></html>"""
    try:
        out = tmp_path / "out.pdf"
        assert write_pdf(html, out, base_dir=allowed, allowed=[allowed]) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert CountingHandler.hits == []
    refused = [r.getMessage() for r in caplog.records if r.name == "parabook.pdf"]
    assert len(refused) == 6, refused
    assert not any("ok.css" in r for r in refused)
    text = pdftools.text(out)
    assert "正文" in text and "SECRET" not in text
    assert pdftools.run("pdfimages", "-list", str(out)).count("\n") == 2


def test_output_is_readable_like_any_saved_file(project, cli):
    previous = os.umask(0o022)
    try:
        assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    finally:
        os.umask(previous)
    mode = (project / "dist" / f"{SAMPLE}.email.pdf").stat().st_mode & 0o777
    assert mode == 0o644, oct(mode)


def test_two_builds_are_byte_identical(project, cli):
    pdf = project / "dist" / f"{SAMPLE}.email.pdf"
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    first = pdf.read_bytes()
    pdf.unlink()
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    assert pdf.read_bytes() == first
