"""The stores under ``s3://``, against a real moto S3 server process on 127.0.0.1.

Skipped, saying so, when s3fs or moto is not installed (both are in the dev extra). The
server is found through ``AWS_ENDPOINT_URL``, as an S3-compatible store (MinIO, Ceph) is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("s3fs", reason="s3fs is not installed (dev extra): no s3:// store to test")
pytest.importorskip("moto", reason="moto is not installed (dev extra): no local S3 server")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "flows"))

from test_staging import PAGES  # noqa: E402

from crawl.rawstore import ObjectRawStore, open_raw_store  # noqa: E402
from flows import stages, staging  # noqa: E402

BIN = Path(sys.executable).parent
AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
       "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    proc = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"),  # noqa: SIM115
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"moto server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


@pytest.fixture
def bucket(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    import s3fs

    for key, value in {**AWS, "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(key, value)
    name = f"inclusio-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem.clear_instance_cache()
    s3fs.S3FileSystem(endpoint_url=endpoint).mkdir(name)
    s3fs.S3FileSystem.clear_instance_cache()
    return name


def test_stores_round_trip_through_s3(bucket: str, tmp_path: Path) -> None:
    url = f"s3://{bucket}/inclusio"
    raw = open_raw_store(f"{url}/raw")
    assert isinstance(raw, ObjectRawStore)
    sha = raw.put(b"%PDF-1.4 determina")
    assert raw.put(b"%PDF-1.4 determina") == sha and raw.get(sha) == b"%PDF-1.4 determina"
    assert raw.has(sha) and not raw.has("0" * 64)
    raw.write_listing("x.json", b"{}")
    assert raw.read_listing("x.json") == b"{}"

    ws = stages.Workspace.at(tmp_path, store=url)
    items = [{"sha256": ws.raw.put(body), "url": f"http://127.0.0.1/p{n}.html",
              "content_type": "text/html", "source_id": "s"} for n, body in enumerate(PAGES)]
    parsed = stages.parse_batch(ws, items)
    shas = [p["sha256"] for p in parsed if not p["error"]]
    assert len(shas) == len(PAGES)
    assert sorted(ws.docs.parsed_shas()) == sorted(shas)
    assert all(not r.get("error") for r in stages.extract_batch(ws, shas))
    assert staging.write_batch(ws, "r", 0, shas) == len(shas)
    assert staging.staged_batches(ws, "r") == ["batch-00000000"]
    assert staging.load_run(ws, "r") == set(shas)
    staging.clear_run(ws, "r")
    assert staging.staged_batches(ws, "r") == []
    assert not (tmp_path / "data" / "parsed").exists()  # nothing of the docstore is local


def test_a_missing_bucket_stops_the_run_in_one_line(endpoint: str, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nid = "s"\nentity = "E"\n'
                       'start_urls = ["http://127.0.0.1:9/"]\n')
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **AWS,
           "AWS_ENDPOINT_URL": endpoint}
    proc = subprocess.run([str(BIN / "inclusio"), "--home", str(tmp_path), "--store",
                           "s3://no-such-bucket-here/inclusio", "run", str(sources)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("inclusio run: --store: cannot write to the store "
                               "s3://no-such-bucket-here/inclusio ("), lines[0]
