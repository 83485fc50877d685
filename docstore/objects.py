"""Whole objects under an fsspec URL: where the raw store, docstore and staging live when
workers on other machines share them through object storage (``s3://``, ``gs://``) or a
shared folder named by URL (``file:///shared/inclusio``).

A plain path never comes here: the local stores keep their own code (a crawl writes thousands
of bodies, a few system calls each). Every write is one whole object: on an object store a
PUT appears complete or not at all; on a local or mounted filesystem reached by ``file://``
the object is written beside its name and renamed into place, as the local stores do.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from typing import Any

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def is_url(location: object) -> bool:
    """True for ``scheme://...`` (a store reached through fsspec), False for a plain path."""
    return isinstance(location, str) and _SCHEME.match(location) is not None


class StoreUnavailable(RuntimeError):
    """The store URL cannot be used: unknown protocol, its package missing, or unreachable."""


def _open_fs(url: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError as exc:  # a dependency of the project: only a broken install lacks it
        raise StoreUnavailable(f"fsspec is not installed, so {url} cannot be used") from exc
    protocol = _SCHEME.match(url).group(1).lower()  # type: ignore[union-attr]
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise StoreUnavailable(
            f"the store {url} needs a package that is not installed ({str(exc).strip()[:200]})"
        ) from exc
    except ValueError as exc:
        known = ", ".join(sorted(p for p in fsspec.available_protocols() if len(p) > 1)[:12])
        raise StoreUnavailable(
            f"unknown storage protocol {protocol!r} in {url} (fsspec knows {known}, ...)"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - a filesystem's own constructor failing
        raise StoreUnavailable(f"cannot open the store {url} ({type(exc).__name__}: "
                               f"{str(exc).strip()[:200]})") from exc
    return fs, path.rstrip("/")


class ObjectFolder:
    """Objects under one URL prefix, addressed by relative keys (``ab/cd/<sha>``)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.fs, self.base = _open_fs(self.url)
        # A local filesystem (file://, a mount) writes through a temporary name + rename.
        self.local = "file" in _protocols(self.fs)
        self._made: set[str] = set()

    def child(self, name: str) -> ObjectFolder:
        return ObjectFolder(f"{self.url}/{name}")

    def key_path(self, key: str) -> str:
        return f"{self.base}/{key}" if key else self.base

    def read(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is none."""
        try:
            return self.fs.cat_file(self.key_path(key))
        except FileNotFoundError:
            return None

    def size(self, key: str) -> int | None:
        """The object's size in bytes, or None when there is none (one HEAD on S3)."""
        try:
            return int(self.fs.size(self.key_path(key)))
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self.key_path(key)))

    def write(self, key: str, data: bytes, sync: bool = False) -> None:
        """Store ``data`` as one whole object (see the module's docstring). ``sync``: on a
        local filesystem, flush it to the disk before it gets its name (as the local raw
        store does for bodies; an object store's PUT is durable when it returns)."""
        path = self.key_path(key)
        if not self.local:
            self.fs.pipe_file(path, data)
            return
        folder = path.rsplit("/", 1)[0]
        if folder not in self._made:
            self.fs.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        tmp = f"{folder}/.tmp-{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
        try:
            self.fs.pipe_file(tmp, data)
            if sync:
                _fsync(tmp)
            self.fs.mv(tmp, path)
        except BaseException:
            try:
                self.fs.rm_file(tmp)
            except (FileNotFoundError, OSError):
                pass
            raise

    def names(self, prefix: str = "") -> list[str]:
        """Names directly under ``prefix`` (objects and folders), sorted; [] when none."""
        try:
            entries = self.fs.ls(self.key_path(prefix), detail=False)
        except FileNotFoundError:
            return []
        return sorted(str(e).rstrip("/").rsplit("/", 1)[-1] for e in entries)

    def remove(self, prefix: str) -> None:
        """Remove everything under ``prefix`` (nothing when it is absent)."""
        try:
            self.fs.rm(self.key_path(prefix), recursive=True)
        except FileNotFoundError:
            pass

    def check(self) -> None:
        """Fail (StoreUnavailable, one line) when the store cannot be listed or written."""
        probe = f".probe-{uuid.uuid4().hex}"
        try:
            self.write(probe, b"inclusio")
            if self.read(probe) != b"inclusio":
                raise OSError("an object written could not be read back")
            self.fs.rm_file(self.key_path(probe))
        except StoreUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - any backend's error, said in one line
            text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise StoreUnavailable(f"cannot write to the store {self.url} "
                                   f"({type(exc).__name__}: {text})") from exc


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _protocols(fs: Any) -> tuple[str, ...]:
    proto = fs.protocol
    return (proto,) if isinstance(proto, str) else tuple(proto)
