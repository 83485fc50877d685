"""A small blocking HTTP/1.1 client for the crawler: GET only, keep-alive per host, nothing else.

Why not httpx: a national crawl makes tens of thousands of small requests, and httpx (its
request and response models, h11's validation, httpcore's pool and trace) cost about 0.8 ms of
CPU per request, a third of the crawler's. A crawler's GET needs little of that: one request
line and a few headers out, a status line, headers and a body (Content-Length, chunked or up to
the close) back, gzip/deflate inflated. This module does just that on plain sockets, at a
fraction of the cost. In a thread the sockets block (with the timeout); inside a hub of
crawl/green.py they are non-blocking, and a read or write that would block lets the hub run
the other crawls.

What it keeps from the httpx setup it replaces:

- connections go only to addresses the source's :class:`AddressPolicy` accepted (the name is
  resolved and checked here, and the socket connects to the checked address);
- TLS with certificate and host name verification (the caller's SSL context);
- one idle connection pool per client, keyed by scheme, host and port; a pooled connection
  the server has closed meanwhile (or idle for long) is noticed before reuse and not used;
- cookies (the standard library's jar, consulted only when a site has set one);
- the error names callers print (``ConnectError``, ``ReadTimeout``...), as httpx named them.

The body is read by the caller chunk by chunk (:meth:`Response.iter_bytes`), inflated with a
cap on the inflated size so a gzip bomb cannot fill memory.
"""

from __future__ import annotations

import errno
import http.cookiejar
import os
import select
import socket
import ssl
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

from . import green
from .netguard import AddressPolicy

_poll = getattr(select, "poll", None)
CHUNK = 65536
MAX_LINE = 65536  # status line, header line or chunk-size line
MAX_HEADERS = 200
# A pooled connection idle longer than this is closed rather than reused: servers close idle
# keep-alive connections after a few seconds (Apache: 5), and a request sent on one the server
# is closing fails.
IDLE_SECONDS = 4.0
_SAFE = "/%?[]@!$&'()*+,;=:~-._"  # kept as they are in a request target


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """A socket's errors while reading an answer, as the transport errors the fetcher knows."""
    try:
        yield
    except TimeoutError:
        raise ReadTimeout(f"timed out {what}") from None
    except TransportError:
        raise
    except OSError as exc:
        raise ReadError(str(exc) or type(exc).__name__) from None


class HTTPError(Exception):
    """Base of this client's errors; the class names are the ones callers print."""


class TransportError(HTTPError, OSError):
    pass


class ConnectError(TransportError):
    pass


class ReadError(TransportError):
    pass


class WriteError(TransportError):
    pass


class RemoteProtocolError(TransportError):
    pass


class TimeoutException(TransportError):
    pass


class ConnectTimeout(TimeoutException):
    pass


class ReadTimeout(TimeoutException):
    pass


class WriteTimeout(TimeoutException):
    pass


class InvalidURL(HTTPError, ValueError):
    pass


class Headers:
    """Response headers: names case-insensitive, a repeated header's values joined with ", "
    by :meth:`get` (as httpx did) and listed one by one by :meth:`get_list`."""

    __slots__ = ("_map", "raw")

    def __init__(self, raw: list[tuple[str, str]] | dict[str, str] | None = None) -> None:
        pairs = list(raw.items()) if isinstance(raw, dict) else list(raw or [])
        self.raw = pairs
        joined: dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            joined[key] = value if key not in joined else f"{joined[key]}, {value}"
        self._map = joined

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._map.get(name.lower(), default)

    def get_list(self, name: str) -> list[str]:
        key = name.lower()
        return [v for n, v in self.raw if n.lower() == key]

    def __getitem__(self, name: str) -> str:
        return self._map[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._map

    def items(self) -> list[tuple[str, str]]:
        return list(self._map.items())

    def __repr__(self) -> str:
        return f"Headers({self.raw!r})"


class _Conn:
    """A connection and what was read from it ahead. Blocking with a timeout in a thread;
    non-blocking inside a crawl/green.py hub, where a read that would block lets the other
    greenlets run until the socket is readable."""

    __slots__ = ("buf", "green", "idle_since", "pos", "sock", "timeout")

    def __init__(self, sock: socket.socket, timeout: float, green_mode: bool) -> None:
        self.sock = sock
        self.timeout = timeout
        self.green = green_mode
        sock.settimeout(0.0 if green_mode else timeout)
        self.buf = b""
        self.pos = 0
        self.idle_since = 0.0

    def close(self) -> None:
        self.sock.close()

    def dead(self) -> bool:
        """A pooled connection is dead when its server closed it (readable at EOF) or sent
        something unasked."""
        if time.monotonic() - self.idle_since > IDLE_SECONDS or self.pos < len(self.buf):
            return True
        try:
            if _poll is None:  # select() only knows descriptors below 1,024
                readable, _, _ = select.select([self.sock], [], [], 0)
                return bool(readable)
            probe = _poll()  # any descriptor: a crawl of thousands of hosts has thousands
            probe.register(self.sock, select.POLLIN)
            return bool(probe.poll(0))
        except (OSError, ValueError):
            return True

    def use_in(self, green_mode: bool) -> None:
        """Switch the socket between a thread's blocking reads and a hub's."""
        if green_mode != self.green:
            self.green = green_mode
            self.sock.settimeout(0.0 if green_mode else self.timeout)

    def _wait(self, write: bool) -> None:
        if not green.wait_io(self.sock, write, self.timeout):
            raise TimeoutError("timed out")

    def recv(self, size: int) -> bytes:
        if not self.green:
            return self.sock.recv(size)
        while True:
            try:
                return self.sock.recv(size)
            except (BlockingIOError, ssl.SSLWantReadError):
                self._wait(False)
            except ssl.SSLWantWriteError:
                self._wait(True)

    def sendall(self, data: bytes) -> None:
        if not self.green:
            self.sock.sendall(data)
            return
        view = memoryview(data)
        while view:
            try:
                view = view[self.sock.send(view):]
            except (BlockingIOError, ssl.SSLWantWriteError):
                self._wait(True)
            except ssl.SSLWantReadError:
                self._wait(False)

    def readline(self, limit: int) -> bytes:
        """Up to and including the next newline, at most ``limit`` bytes; less at EOF."""
        while True:
            buf, pos = self.buf, self.pos
            end = buf.find(b"\n", pos, pos + limit)
            if end >= 0:
                self.pos = end + 1
                return buf[pos:end + 1]
            if len(buf) - pos >= limit:
                self.pos = pos + limit
                return buf[pos:pos + limit]
            data = self.recv(CHUNK)
            if not data:
                self.buf, self.pos = b"", 0
                return buf[pos:]
            self.buf, self.pos = buf[pos:] + data, 0

    def read1(self, size: int) -> bytes:
        """Up to ``size`` bytes: what was read ahead, else one read of the socket."""
        buf, pos = self.buf, self.pos
        if pos < len(buf):
            self.pos = min(len(buf), pos + size)
            if self.pos == len(buf):
                self.buf, self.pos = b"", 0
            return buf[pos:pos + size]
        return self.recv(size)


class Response:
    """One answer; read its body with :meth:`iter_bytes`, then :meth:`close` it (the
    connection goes back to the pool only when the whole body was read)."""

    def __init__(self, client: Client, key: tuple[str, str, int], conn: _Conn, status: int,
                 reason: str, headers: Headers, keep_alive: bool, url: str) -> None:
        self._client = client
        self._key = key
        self._conn: _Conn | None = conn
        self.status_code = status
        self.reason_phrase = reason
        self.headers = headers
        self.url = url
        self._keep_alive = keep_alive
        self._done = False
        self._length: int | None = None
        self._chunked = False
        te = headers.get("transfer-encoding")
        if status in (204, 304) or 100 <= status < 200:
            self._length = 0
        elif te is not None and "chunked" in te.lower():
            self._chunked = True
        else:
            cl = headers.get("content-length")
            if cl is not None:
                try:
                    self._length = int(cl.split(",")[0].strip())
                except ValueError:
                    raise RemoteProtocolError(f"invalid Content-Length {cl!r}") from None
                if self._length < 0:
                    raise RemoteProtocolError(f"invalid Content-Length {cl!r}")
            else:
                self._keep_alive = False  # the body runs until the server closes
        if self._length == 0:
            self._done = True

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        conn = self._conn
        if conn is None:
            return
        if not self._done and self._keep_alive and self._length is not None and \
                self._length <= CHUNK:
            try:  # a small unread body (a redirect's, an error page): read, keep the connection
                for _ in self._raw():
                    pass
            except (HTTPError, OSError):
                pass
        self._conn = None
        if self._done and self._keep_alive:
            self._client._release(self._key, conn)
        else:
            conn.close()

    def _raw(self) -> Iterator[bytes]:
        """The body as sent (before Content-Encoding is undone)."""
        if self._done:
            return
        conn = self._conn
        assert conn is not None
        read = conn.read1
        with _reading("reading the body"):
            if self._chunked:
                yield from self._chunks(conn)
            elif self._length is not None:
                left = self._length
                while left:
                    data = read(min(left, CHUNK))
                    if not data:
                        raise RemoteProtocolError(
                            "peer closed connection without sending complete message body: "
                            f"received {self._length - left} bytes, expected {self._length}")
                    left -= len(data)
                    yield data
            else:
                while True:
                    data = read(CHUNK)
                    if not data:
                        break
                    yield data
        self._done = True

    def _chunks(self, conn: _Conn) -> Iterator[bytes]:
        file = conn
        while True:
            line = file.readline(MAX_LINE)
            if not line:
                raise RemoteProtocolError("peer closed connection without sending complete "
                                          "message body: incomplete chunked read")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise RemoteProtocolError(f"invalid chunk size line {line[:40]!r}") from None
            if size == 0:
                while True:  # trailers, up to the blank line
                    trailer = file.readline(MAX_LINE)
                    if not trailer or trailer in (b"\r\n", b"\n"):
                        return
            left = size
            while left:
                data = file.read1(min(left, CHUNK))
                if not data:
                    raise RemoteProtocolError("peer closed connection without sending "
                                              "complete message body: incomplete chunked read")
                left -= len(data)
                yield data
            file.readline(MAX_LINE)  # the CRLF after the chunk

    def iter_bytes(self, max_inflated: int | None = None) -> Iterator[bytes]:
        """The body with gzip/deflate undone; at most ``max_inflated + 1`` inflated bytes are
        produced per input chunk, so a caller counting sizes stops a bomb early."""
        encoding = (self.headers.get("content-encoding") or "").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            decoder = None  # zlib-wrapped or raw: decided on the first bytes
        else:
            yield from self._raw()
            return
        cap = 0 if max_inflated is None else max_inflated + 1
        try:
            for data in self._raw():
                if decoder is None:
                    try:
                        decoder = zlib.decompressobj()
                        out = decoder.decompress(data, cap)
                    except zlib.error:
                        decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                        out = decoder.decompress(data, cap)
                else:
                    out = decoder.decompress(data, cap)
                if out:
                    yield out
                while decoder.unconsumed_tail:
                    out = decoder.decompress(decoder.unconsumed_tail, cap)
                    if not out:
                        break
                    yield out
            if decoder is not None:
                tail = decoder.flush()
                if tail:
                    yield tail
        except zlib.error as exc:
            raise DecodingError(f"cannot inflate the {encoding} body: {exc}") from None


class DecodingError(HTTPError):
    pass


class _CookieAnswer:
    """What http.cookiejar needs to read Set-Cookie headers from an answer."""

    def __init__(self, headers: Headers) -> None:
        self._headers = headers

    def info(self) -> _CookieAnswer:
        return self

    def get_all(self, name: str, default: list[str] | None = None) -> list[str] | None:
        return self._headers.get_list(name) or default


class Client:
    """Keep-alive connections per (scheme, host, port), opened only to checked addresses."""

    def __init__(self, policy: AddressPolicy, *, timeout: float, headers: dict[str, str],
                 ssl_context: Callable[[], ssl.SSLContext]) -> None:
        self.policy = policy
        self.timeout = timeout
        self._base = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._ssl_context = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}
        self._lock = threading.Lock()
        self.cookies = http.cookiejar.CookieJar()
        self._closed = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def _release(self, key: tuple[str, str, int], conn: _Conn) -> None:
        conn.idle_since = time.monotonic()
        with self._lock:
            if not self._closed:
                self._idle.setdefault(key, []).append(conn)
                return
        conn.close()

    def _pooled(self, key: tuple[str, str, int]) -> _Conn | None:
        while True:
            with self._lock:
                conns = self._idle.get(key)
                conn = conns.pop() if conns else None
            if conn is None:
                return None
            if not conn.dead():
                return conn
            conn.close()

    def _connect(self, scheme: str, host: str, port: int) -> _Conn:
        addresses = self.policy.resolve(host, port)  # AddressRefused / ResolveError go up
        in_hub = green.hub() is not None
        last: Exception | None = None
        for address in addresses:
            try:
                sock = (_connect_green if in_hub else socket.create_connection)(
                    (address, port), timeout=self.timeout)
            except TimeoutError:
                last = ConnectTimeout(f"timed out connecting to {host}:{port}")
                continue
            except OSError as exc:
                last = ConnectError(str(exc) or type(exc).__name__)
                continue
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if scheme == "https":
                    tls = self._ssl_context().wrap_socket(sock, server_hostname=host,
                                                          do_handshake_on_connect=not in_hub)
                    sock = tls
                    if in_hub:
                        _handshake_green(tls, self.timeout)
            except TimeoutError:
                sock.close()
                raise ConnectTimeout(f"timed out in the TLS handshake with {host}") from None
            except OSError as exc:  # certificate refused, handshake failed
                sock.close()
                raise ConnectError(str(exc) or type(exc).__name__) from None
            return _Conn(sock, self.timeout, in_hub)
        raise last or ConnectError(f"no address for {host}")

    def get(self, url: str, headers: dict[str, str] | None = None,
            sent: Callable[[], None] | None = None) -> Response:
        """Send a GET for ``url`` and read the answer's head; ``sent`` is called once the
        request is written (the moment politeness delays count from)."""
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            host = parts.hostname or ""
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise InvalidURL(str(exc)) from None
        if scheme not in ("http", "https") or not host:
            raise InvalidURL(f"cannot fetch {url!r}")
        if not host.isascii():
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError as exc:
                raise InvalidURL(f"invalid host name {host!r}: {exc}") from None
        target = quote(parts.path or "/", safe=_SAFE)
        if parts.query:
            target += "?" + quote(parts.query, safe=_SAFE)
        shown = f"[{host}]" if ":" in host else host
        if parts.port and parts.port != (443 if scheme == "https" else 80):
            shown += f":{parts.port}"
        lines = [f"GET {target} HTTP/1.1\r\nHost: {shown}\r\n", self._base]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}\r\n")
        if len(self.cookies):
            req = urllib.request.Request(url)
            self.cookies.add_cookie_header(req)
            cookie = req.get_header("Cookie") or req.unredirected_hdrs.get("Cookie")
            if cookie:
                lines.append(f"Cookie: {cookie}\r\n")
        lines.append("\r\n")
        try:
            request = "".join(lines).encode("latin-1")
        except UnicodeEncodeError as exc:
            raise InvalidURL(f"a request header is not latin-1: {exc}") from None
        key = (scheme, host, port)
        conn = self._pooled(key) or self._connect(scheme, host, port)
        conn.use_in(green.hub() is not None)
        try:
            response = self._exchange(conn, key, request, sent, url)
        except BaseException:
            # Not sent again here, even on a pooled connection the server had just closed:
            # a second request now could follow the first closer than the host's delay; the
            # caller's retry goes through the host's gate.
            conn.close()
            raise
        if "set-cookie" in response.headers:
            self.cookies.extract_cookies(_CookieAnswer(response.headers),  # type: ignore[arg-type]
                                         urllib.request.Request(url))
        return response

    def _exchange(self, conn: _Conn, key: tuple[str, str, int], request: bytes,
                  sent: Callable[[], None] | None, url: str) -> Response:
        try:
            conn.sendall(request)
        except TimeoutError:
            raise WriteTimeout("timed out sending the request") from None
        except OSError as exc:
            raise WriteError(str(exc) or type(exc).__name__) from None
        if sent is not None:
            sent()
        file = conn
        with _reading("waiting for the answer"):
            while True:  # 1xx answers come before the real one
                line = file.readline(MAX_LINE + 1)
                if not line:
                    raise RemoteProtocolError("server disconnected without sending a response")
                if len(line) > MAX_LINE or not line.endswith(b"\n"):
                    raise RemoteProtocolError("status line too long or cut")
                version, status, reason = _status_line(line)
                raw: list[tuple[str, str]] = []
                while True:
                    hline = file.readline(MAX_LINE + 1)
                    if not hline:
                        raise RemoteProtocolError("server disconnected in the headers")
                    if hline in (b"\r\n", b"\n"):
                        break
                    if len(hline) > MAX_LINE or len(raw) >= MAX_HEADERS:
                        raise RemoteProtocolError("response headers too long")
                    name, sep, value = hline.decode("latin-1").partition(":")
                    if not sep or not name or name != name.strip():
                        raise RemoteProtocolError(f"malformed header line {hline[:60]!r}")
                    raw.append((name, value.strip()))
                if status >= 200 or status == 101:
                    break
        headers = Headers(raw)
        connection = (headers.get("connection") or "").lower()
        keep = "close" not in connection and (version == "HTTP/1.1" or
                                              "keep-alive" in connection)
        return Response(self, key, conn, status, reason, headers, keep, url)


def _status_line(line: bytes) -> tuple[str, int, str]:
    text = line.decode("latin-1").rstrip("\r\n")
    parts = text.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit() or \
            len(parts[1]) != 3:
        raise RemoteProtocolError(f"malformed status line {text[:60]!r}")
    return parts[0], int(parts[1]), parts[2].strip() if len(parts) > 2 else ""


def _connect_green(address: tuple[str, int], timeout: float) -> socket.socket:
    """``socket.create_connection`` to an address (not a name) for a greenlet: the connect
    waits in the hub, not in the thread."""
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        err = sock.connect_ex(address)
        if err in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            if not green.wait_io(sock, True, timeout):
                raise TimeoutError("timed out")
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise OSError(err, os.strerror(err))
    except BaseException:
        sock.close()
        raise
    return sock


def _handshake_green(sock: ssl.SSLSocket, timeout: float) -> None:
    while True:
        try:
            sock.do_handshake()
            return
        except ssl.SSLWantReadError:
            ready = green.wait_io(sock, False, timeout)
        except ssl.SSLWantWriteError:
            ready = green.wait_io(sock, True, timeout)
        if not ready:
            raise TimeoutError("timed out")
