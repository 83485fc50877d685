"""Serve the bundled sample site (data/sample/site) on 127.0.0.1 for the demo and the tests."""

from __future__ import annotations

import errno
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLE_DIR = Path("data") / "sample"


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".p7m": "application/pkcs7-mime",
        ".toml": "text/plain",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve(folder: Path, port: int = 0) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (``port`` 0 picks a free one); yield the base URL."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no sample site at {folder}")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE or port == 0:
            raise
        # Another program holds the usual port: any free port serves the demo as well.
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def localised_sources(template: Path, base_url: str, out: Path) -> Path:
    """Write a copy of the sample sources file pointing at ``base_url`` instead of port 8765."""
    text = template.read_text(encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text.replace("http://127.0.0.1:8765/", base_url), encoding="utf-8")
    return out
