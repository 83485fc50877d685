"""crawl/http11.py against a scripted server on 127.0.0.1: each connection gets the raw bytes a
test chooses, so framing (Content-Length, chunked, read to the close), keep-alive, timeouts and
inflation are checked byte for byte, not only through the crawler."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from crawl.http11 import Client, ReadTimeout, RemoteProtocolError
from crawl.netguard import AddressPolicy, AddressRefused

# Each test twice: in a thread, and in a greenlet of a crawl/green.py hub (tests/crawl/conftest.py).
pytestmark = pytest.mark.usefixtures("run_mode")

# An answer: the bytes sent back for one request, or a function given the socket.
Answer = bytes | Callable[[socket.socket], None]


class Scripted:
    """Answers requests in order from ``answers``; counts connections and requests."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = list(answers)
        self.connections = 0
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            buf = b""
            while self.answers:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, buf = buf.split(b"\r\n\r\n", 1)
                self.requests.append(head)
                answer = self.answers.pop(0)
                if callable(answer):
                    answer(conn)
                    return
                conn.sendall(answer)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[[list[Answer]], Scripted]]:
    made: list[Scripted] = []

    def start(answers: list[Answer]) -> Scripted:
        made.append(Scripted(answers))
        return made[-1]

    yield start
    for s in made:
        s.close()


def _client(timeout: float = 5.0, allow_private: bool = True) -> Client:
    return Client(AddressPolicy.from_source(allow_private), timeout=timeout,
                  headers={"User-Agent": "inclusio-test"},
                  ssl_context=ssl.create_default_context)


def _body(client: Client, url: str, **kw: object) -> tuple[int, bytes]:
    with client.get(url, **kw) as resp:  # type: ignore[arg-type]
        return resp.status_code, b"".join(resp.iter_bytes())


def test_content_length_bodies_reuse_one_connection(serve) -> None:
    site = serve([b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                  b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbye"])
    client = _client()
    url = f"http://127.0.0.1:{site.port}"
    assert _body(client, url + "/a") == (200, b"hello")
    assert _body(client, url + "/b?x=1") == (200, b"bye")
    assert site.connections == 1
    assert site.requests[0].startswith(b"GET /a HTTP/1.1\r\n")
    assert site.requests[1].startswith(b"GET /b?x=1 HTTP/1.1\r\n")
    assert b"User-Agent: inclusio-test" in site.requests[0]
    client.close()


def test_chunked_body_with_extension_and_trailer(serve) -> None:
    site = serve([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"4;name=x\r\nWiki\r\n6\r\npedia \r\n0\r\nX-Trailer: 1\r\n\r\n",
                  b"HTTP/1.1 204 No Content\r\n\r\n"])
    client = _client()
    url = f"http://127.0.0.1:{site.port}/"
    assert _body(client, url) == (200, b"Wikipedia ")
    assert _body(client, url) == (204, b"")  # the same connection: the chunked end was found
    assert site.connections == 1


def test_a_body_without_length_runs_to_the_close_and_is_not_reused(serve) -> None:
    def close_after(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
        conn.shutdown(socket.SHUT_WR)

    site = serve([close_after, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
    client = _client()
    url = f"http://127.0.0.1:{site.port}/"
    assert _body(client, url) == (200, b"until the end")
    assert _body(client, url) == (200, b"ok")
    assert site.connections == 2


def test_a_body_cut_short_is_a_protocol_error(serve) -> None:
    def cut(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        conn.shutdown(socket.SHUT_WR)

    site = serve([cut])
    with pytest.raises(RemoteProtocolError, match="received 3 bytes, expected 10"):
        _body(_client(), f"http://127.0.0.1:{site.port}/")


def test_silence_is_a_read_timeout_before_and_during_the_body(serve) -> None:
    def mute(conn: socket.socket) -> None:
        time.sleep(1.0)

    def stall(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        time.sleep(1.0)

    site = serve([mute])
    with pytest.raises(ReadTimeout, match="waiting for the answer"):
        _client(timeout=0.2).get(f"http://127.0.0.1:{site.port}/")
    site = serve([stall])
    with pytest.raises(ReadTimeout, match="reading the body"):
        _body(_client(timeout=0.2), f"http://127.0.0.1:{site.port}/")


def test_gzip_is_inflated_and_a_bomb_comes_out_in_capped_pieces(serve) -> None:
    small = gzip.compress(b"ciao " * 10)
    bomb = gzip.compress(b"\0" * 5_000_000)
    site = serve([b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                  + str(len(small)).encode() + b"\r\n\r\n" + small,
                  b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                  + str(len(bomb)).encode() + b"\r\n\r\n" + bomb])
    client = _client()
    url = f"http://127.0.0.1:{site.port}/"
    assert _body(client, url) == (200, b"ciao " * 10)
    with client.get(url) as resp:
        pieces = resp.iter_bytes(max_inflated=1000)
        first = [next(pieces) for _ in range(3)]
    assert all(0 < len(p) <= 1001 for p in first)


def test_the_request_is_reported_sent_before_the_answer_is_read(serve) -> None:
    seen: list[float] = []
    site = serve([lambda conn: (time.sleep(0.3), conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))])
    with _client().get(f"http://127.0.0.1:{site.port}/",
                       sent=lambda: seen.append(time.monotonic())) as resp:
        answered = time.monotonic()
        assert resp.status_code == 200
    assert len(seen) == 1 and answered - seen[0] >= 0.25  # once, when written, not answered


def test_a_private_address_is_refused_before_any_connection(serve) -> None:
    site = serve([b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"])
    with pytest.raises(AddressRefused):
        _client(allow_private=False).get(f"http://127.0.0.1:{site.port}/")
    time.sleep(0.05)
    assert site.connections == 0


# ---- TLS: a server on 127.0.0.1 with a certificate made for the test ---------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for the address 127.0.0.1, and its key (PEM files)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "inclusio test")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


def _tls_site(tls_files: tuple[str, str], answers: list[bytes], *, speak: bool = True) -> int:
    """A TLS server answering ``answers`` in order on one connection; with ``speak`` False it
    accepts the connection and never starts TLS. Returns its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()

    def serve() -> None:
        conn, _ = sock.accept()
        if not speak:
            time.sleep(1.0)
            conn.close()
            return
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                buf = b""
                for answer in answers:
                    while b"\r\n\r\n" not in buf:
                        buf += tls.recv(65536)
                    buf = buf.split(b"\r\n\r\n", 1)[1]
                    for n in range(0, len(answer), 1000):  # many TLS records
                        tls.sendall(answer[n:n + 1000])
        except (OSError, ssl.SSLError):
            pass
        finally:
            sock.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1]


def _tls_client(cafile: str | None, timeout: float = 5.0) -> Client:
    def context() -> ssl.SSLContext:
        return ssl.create_default_context(cafile=cafile)

    return Client(AddressPolicy.from_source(True), timeout=timeout,
                  headers={"User-Agent": "inclusio-test"}, ssl_context=context)


def test_https_bodies_over_one_verified_connection(tls_files) -> None:
    big = b"x" * 200_000  # read over many TLS records
    port = _tls_site(tls_files, [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(big)).encode() + b"\r\n\r\n" + big])
    client = _tls_client(tls_files[0])
    url = f"https://127.0.0.1:{port}/"
    assert _body(client, url) == (200, b"hello")
    assert _body(client, url + "grande") == (200, big)  # the same connection: one accept
    client.close()


def test_https_with_an_untrusted_certificate_is_a_connect_error(tls_files) -> None:
    from crawl.http11 import ConnectError

    port = _tls_site(tls_files, [b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"])
    with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        _tls_client(None).get(f"https://127.0.0.1:{port}/")


def test_a_server_that_never_starts_tls_is_a_connect_timeout(tls_files) -> None:
    from crawl.http11 import ConnectTimeout

    port = _tls_site(tls_files, [], speak=False)
    with pytest.raises(ConnectTimeout, match="TLS handshake"):
        _tls_client(tls_files[0], timeout=0.2).get(f"https://127.0.0.1:{port}/")


def test_a_pooled_connection_is_reused_above_descriptor_1024(serve) -> None:
    """select() cannot look at a descriptor past 1,024, and a crawl of thousands of hosts has
    such descriptors: the idle check must not take every such connection for dead."""
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("the open-file limit is below 1,200")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        site = serve([b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na",
                      b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"])
        client = _client()
        url = f"http://127.0.0.1:{site.port}/"
        assert _body(client, url) == (200, b"a")
        assert _body(client, url) == (200, b"b")
        assert site.connections == 1
        client.close()
    finally:
        for fd in filler:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
