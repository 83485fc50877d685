"""Content-addressed store of every fetched body: each distinct byte string kept once, by sha256.

Files are written to a temporary name in the target folder, made durable, and only then renamed
into place, so a crash never leaves a truncated body under a valid name; a body already present
is not written again, which makes re-fetching idempotent. :meth:`RawStore.put` returns only once
the body is on disk, so a fetch-log line written after it never names a body a crash could lose.

Durability is a group commit (:class:`_GroupSync`): rather than one ``fsync`` per body (about
0.45 ms of kernel time each, a sixth of a national crawl's CPU), the threads storing bodies at
the same moment share one ``syncfs`` of the store's file system: the first to need it issues it
for everything written so far, and the others wait for it (or for the next one). Where
``syncfs`` is not available (not Linux), each body is ``fsync``ed as before.

``open_raw_store`` gives this local store for a path and :class:`ObjectRawStore` for an fsspec
URL (object storage shared by workers on several machines: docstore/objects.py), the same
interface either way.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
from pathlib import Path

from docstore.objects import ObjectFolder, is_url

from . import green

try:
    import ctypes

    _LIBC = ctypes.CDLL(None, use_errno=True)  # a CDLL call releases the GIL while it runs
    _SYNCFS = _LIBC.syncfs
    _SYNCFS.argtypes = [ctypes.c_int]
except (ImportError, OSError, AttributeError):  # not Linux (or no glibc syncfs)
    _SYNCFS = None

_SHA256 = re.compile(r"[0-9a-f]{64}")
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_MADE: set[str] = set()  # folders this process made or found, so each is made once
_PUTS = itertools.count()  # numbers the temporary names of this process's writes


def is_sha256(value: object) -> bool:
    """True for a lowercase sha256 hex digest, the only name a stored body is ever given."""
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


class _GroupSync:
    """One ``syncfs`` for every body written before it, shared by the threads that wait on it.

    Each writer takes a ticket after its write; a sync started after ticket ``n`` was taken
    covers every write up to ``n``. The first writer that finds no sync running starts one for
    all tickets taken so far; the rest wait until a finished sync covers theirs."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._waiters = green.Waiters(self._cond)  # threads, or a crawl's greenlets
        self._taken = 0  # tickets handed out (writes done)
        self._synced = 0  # every ticket up to this one is durable
        self._running = False

    def wait(self, folder: str) -> None:
        """Return once everything this thread wrote under ``folder`` is durable."""
        with self._cond:
            self._taken += 1
            mine = self._taken
            while self._synced < mine:
                if self._running:
                    self._waiters.wait()
                    continue
                self._running = True
                upto = self._taken
                self._cond.release()
                try:
                    green.offload(self._syncfs, folder)
                finally:
                    self._cond.acquire()
                    self._running = False
                    self._waiters.notify_all()
                self._synced = max(self._synced, upto)

    @staticmethod
    def _syncfs(folder: str) -> None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if _SYNCFS(fd) != 0:  # type: ignore[misc]
                err = ctypes.get_errno()
                raise OSError(err, f"syncfs of {folder} failed: {os.strerror(err)}")
        finally:
            os.close(fd)


_GROUPS: dict[int, _GroupSync] = {}  # one per file system (st_dev), shared by the process
_GROUPS_LOCK = threading.Lock()


def _group(device: int) -> _GroupSync:
    group = _GROUPS.get(device)
    if group is None:
        with _GROUPS_LOCK:
            group = _GROUPS.setdefault(device, _GroupSync())
    return group


class RawStore:
    """Bytes under ``root/ab/cd/<sha256>``, where ``ab`` and ``cd`` are the hash's first bytes."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._root = os.fspath(self.root)

    def path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        try:
            return self.path(sha256).is_file()
        except ValueError:
            return False

    def get(self, sha256: str) -> bytes:
        path = self.path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(f"no body {sha256} in the raw store {self.root}") from None

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its sha256, once it is durable.

        A crawl writes thousands of small bodies, so the path costs a few system calls: one
        stat, the folders made once per process, a temporary name made from the hash, and a
        share of one group ``syncfs`` (see the module's docstring) before the rename."""
        sha = hashlib.sha256(data).hexdigest()
        folder = f"{self._root}/{sha[:2]}/{sha[2:4]}"  # strings: pathlib costs more than I/O
        target = f"{folder}/{sha}"
        try:
            if os.stat(target).st_size == len(data):
                return sha
        except FileNotFoundError:
            pass
        if folder not in _MADE:
            try:
                os.mkdir(folder)
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            except FileExistsError:
                pass
            _MADE.add(folder)
        # Unique per process and call (two threads or greenlets may store the same new body at
        # once); O_EXCL still refuses a name that exists, e.g. left by a killed run of this pid.
        tmp = f"{folder}/.tmp-{sha[:16]}-{os.getpid()}-{next(_PUTS)}.part"
        try:
            fd = os.open(tmp, _NEW_FILE, 0o644)
        except FileExistsError:
            os.unlink(tmp)
            fd = os.open(tmp, _NEW_FILE, 0o644)
        except FileNotFoundError:  # the folder was removed since this process made it
            os.makedirs(folder, exist_ok=True)
            fd = os.open(tmp, _NEW_FILE, 0o644)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                if _SYNCFS is None:
                    os.fsync(fd)
                    group = None
                else:
                    group = _group(os.fstat(fd).st_dev)
            finally:
                os.close(fd)
            if group is not None:
                group.wait(folder)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        return sha

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and self.has(sha256)

    def read_listing(self, name: str) -> bytes | None:
        """A small record of the listing cache (crawl/listings.py), or None."""
        try:
            return (self.root / "_listings" / name).read_bytes()
        except OSError:
            return None

    def write_listing(self, name: str, data: bytes) -> None:
        """Replace a listing record whole (written under a temporary name, then renamed); a
        national crawl writes two per site, so the folder is made once per process."""
        folder = self.root / "_listings"
        if str(folder) not in _MADE:
            folder.mkdir(parents=True, exist_ok=True)
            _MADE.add(str(folder))
        tmp = folder / f".tmp-{os.getpid()}-{next(_PUTS)}"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, folder / name)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


class ObjectRawStore:
    """The raw store under an fsspec URL: ``URL/ab/cd/<sha256>``, each body one whole object,
    written once (a body already there is not sent again)."""

    def __init__(self, url: str) -> None:
        self.root = url.rstrip("/")
        self.objects = ObjectFolder(self.root)

    @staticmethod
    def _key(sha256: str) -> str:
        if not is_sha256(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def has(self, sha256: str) -> bool:
        try:
            return self.objects.exists(self._key(sha256))
        except ValueError:
            return False

    def get(self, sha256: str) -> bytes:
        data = self.objects.read(self._key(sha256))
        if data is None:
            raise KeyError(f"no body {sha256} in the raw store {self.root}")
        return data

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        key = self._key(sha)
        if self.objects.size(key) != len(data):  # absent, or cut by a writer of old
            self.objects.write(key, data, sync=True)
        return sha

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and self.has(sha256)

    def read_listing(self, name: str) -> bytes | None:
        try:
            return self.objects.read(f"_listings/{name}")
        except OSError:
            return None

    def write_listing(self, name: str, data: bytes) -> None:
        self.objects.write(f"_listings/{name}", data)


def open_raw_store(location: Path | str) -> RawStore | ObjectRawStore:
    """The raw store at a folder path, or under an fsspec URL."""
    return ObjectRawStore(location) if is_url(location) else RawStore(location)


BodyStore = RawStore | ObjectRawStore  # what the crawler and the stages accept
