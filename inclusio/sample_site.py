"""Serve the bundled sample site (data/sample/site) on 127.0.0.1 for the demo and the tests.

The site comes in two editions. Edition 1 is ``data/sample/site``. Edition 2 is the same site
with the files of ``data/sample/edition2`` served in place of (or beside) edition 1's: a changed
amount, a new CIG and a new page, so that ``inclusio demo`` then ``inclusio demo --edition 2``
shows what ``inclusio changes`` and ``inclusio feed`` report.

Every response carries an ETag made from the file's bytes, and a request's If-None-Match is
answered by that tag alone (as RFC 9110 asks when both validators are sent): a file whose bytes
changed is served whole even when its modification time is older than the client's copy, which
is what happens when one switches back and forth between editions of a checkout.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLE_DIR = Path("data") / "sample"
EDITIONS = (1, 2)


def sample_dir(root: Path | None = None) -> Path:
    """The sample folder: ``data/sample`` of the project folder when there is one, else the one
    bundled beside the package (so a demo into an empty ``INCLUSIO_HOME`` still finds it)."""
    if root is not None and (root / SAMPLE_DIR / "site").is_dir():
        return root / SAMPLE_DIR
    return Path(__file__).resolve().parents[1] / SAMPLE_DIR


def edition_dirs(sample: Path, edition: int = 1) -> list[Path]:
    """The folders serving ``edition``, most specific first."""
    if edition not in EDITIONS:
        raise ValueError(f"the sample site has editions {', '.join(map(str, EDITIONS))}, "
                         f"not {edition}")
    return [sample / "edition2", sample / "site"] if edition == 2 else [sample / "site"]


class _SampleHandler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".p7m": "application/pkcs7-mime",
        ".toml": "text/plain",
    }

    def __init__(self, *args: object, overlays: tuple[str, ...] = (), **kwargs: object) -> None:
        self.overlays = overlays
        self._etag: str | None = None
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def translate_path(self, path: str) -> str:
        """The file of the most specific edition folder that has it."""
        base = super().translate_path(path)
        rel = os.path.relpath(base, self.directory)
        for folder in self.overlays:
            candidate = os.path.join(folder, rel)
            if not rel.startswith("..") and os.path.isfile(candidate):
                return candidate
        return base

    def send_head(self):  # type: ignore[no-untyped-def]
        self._etag = None
        path = self.translate_path(self.path)
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                self._etag = '"' + hashlib.sha256(fh.read()).hexdigest()[:32] + '"'
            wanted = self.headers.get("If-None-Match")
            if wanted is not None:
                if self._etag in (t.strip() for t in wanted.split(",")) or wanted.strip() == "*":
                    self.send_response(304)
                    self.end_headers()
                    return None
                del self.headers["If-Modified-Since"]  # the tag answered: the date must not
        return super().send_head()

    def end_headers(self) -> None:
        if self._etag:
            self.send_header("ETag", self._etag)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve(folder: Path | list[Path], port: int = 0) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (``port`` 0 picks a free one); yield the base URL.

    ``folder`` may be a list of folders, most specific first (see ``edition_dirs``): a path is
    served from the first that holds it.
    """
    folders = [folder] if isinstance(folder, Path) else list(folder)
    for f in folders:
        if not f.is_dir():
            raise FileNotFoundError(f"no sample site at {f}")
    handler = functools.partial(_SampleHandler, directory=str(folders[-1]),
                                overlays=tuple(str(f) for f in folders[:-1]))
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
