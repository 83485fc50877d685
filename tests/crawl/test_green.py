"""crawl/green.py: greenlets of one thread that wait on sockets, timers, conditions shared with
threads, and calls offloaded to threads, without blocking one another."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from pathlib import Path

import pytest

from crawl import green
from crawl.rawstore import RawStore


def test_map_bounded_keeps_order_and_runs_at_most_workers_at_once() -> None:
    running = 0
    most = 0

    def one(n: int) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        green.sleep(0.001 * (n % 3))
        running -= 1
        return n * n

    assert green.map_bounded(one, list(range(40)), 7) == [n * n for n in range(40)]
    assert most == 7


def test_a_failing_call_does_not_stop_the_others_and_is_raised_at_the_end() -> None:
    done: list[int] = []

    def one(n: int) -> int:
        if n == 2:
            raise ValueError("source 2 broke")
        green.sleep(0.001)
        done.append(n)
        return n

    with pytest.raises(ValueError, match="source 2 broke"):
        green.map_bounded(one, list(range(6)), 2)
    assert sorted(done) == [0, 1, 3, 4, 5]


def test_sleepers_wake_in_the_order_of_their_deadlines_not_of_their_start() -> None:
    woke: list[str] = []

    def nap(name: str, seconds: float) -> None:
        green.sleep(seconds)
        woke.append(name)

    green.map_bounded(lambda a: nap(*a), [("long", 0.15), ("short", 0.01), ("mid", 0.05)], 3)
    assert woke == ["short", "mid", "long"]


def test_a_thread_wakes_a_greenlet_waiting_on_a_shared_condition() -> None:
    cond = threading.Condition(threading.Lock())
    waiters = green.Waiters(cond)
    state = {"ready": False}
    seen_by: list[str] = []

    def wait_for_thread() -> None:
        with cond:
            while not state["ready"]:
                waiters.wait(5.0)
        seen_by.append("greenlet")

    def other() -> None:  # another greenlet runs while the first waits
        seen_by.append("other")

    def set_later() -> None:
        time.sleep(0.05)
        with cond:
            state["ready"] = True
            waiters.notify_all()

    threading.Thread(target=set_later).start()
    green.map_bounded(lambda f: f(), [wait_for_thread, other], 2)
    assert seen_by == ["other", "greenlet"]


def test_a_wait_with_a_timeout_returns_when_nobody_notifies() -> None:
    cond = threading.Condition(threading.Lock())
    waiters = green.Waiters(cond)

    def wait() -> None:
        with cond:
            waiters.wait(0.02)
        assert waiters.green == []  # a timed-out waiter leaves the list

    green.run(wait)


def test_offload_runs_in_a_thread_while_the_hub_goes_on() -> None:
    here = threading.get_ident()
    order: list[str] = []

    def blocking() -> int:
        time.sleep(0.1)  # a blocking call: would stop every greenlet if run in the hub
        order.append("offloaded")
        return threading.get_ident()

    def offloader() -> None:
        assert green.offload(blocking) != here

    def meanwhile() -> None:
        green.sleep(0.01)
        order.append("meanwhile")

    green.map_bounded(lambda f: f(), [offloader, meanwhile], 2)
    assert order == ["meanwhile", "offloaded"]


def test_wait_io_times_out_on_a_silent_socket_and_wakes_on_data() -> None:
    a, b = socket.socketpair()
    a.setblocking(False)

    def go() -> bytes:
        assert green.wait_io(a, False, 0.02) is False
        threading.Timer(0.02, lambda: b.sendall(b"hi")).start()
        assert green.wait_io(a, False, 5.0) is True
        return a.recv(10)

    try:
        assert green.run(go) == b"hi"
    finally:
        a.close()
        b.close()


def test_outside_a_hub_everything_is_plain_blocking_code() -> None:
    assert green.hub() is None
    green.sleep(0.001)
    assert green.offload(threading.get_ident) == threading.get_ident()
    with pytest.raises(RuntimeError, match="outside a hub"):
        green.wait_io(socket.socket(), False, 0.01)


def test_raw_store_writes_from_many_greenlets_are_all_durable_and_named_once(
        tmp_path: Path) -> None:
    """Bodies stored at once by greenlets share group syncs, the same new body stored by two
    at once lands once, and no temporary file is left."""
    store = RawStore(tmp_path / "raw")
    bodies = [f"corpo {n % 25}".encode() for n in range(100)]
    shas = green.map_bounded(store.put, bodies, 50)
    assert shas == [hashlib.sha256(b).hexdigest() for b in bodies]
    assert all(store.get(s) == b for s, b in zip(shas, bodies, strict=True))
    files = [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]
    assert len(files) == 25 and not [p for p in files if p.name.startswith(".tmp-")]


def test_an_interrupt_in_one_greenlet_stops_the_whole_loop_at_once() -> None:
    """Ctrl-C lands in whichever greenlet runs; it must end the crawl, not only that source."""
    finished: list[int] = []

    def one(n: int) -> None:
        green.sleep(0.01 * n)
        if n == 1:
            raise KeyboardInterrupt
        green.sleep(0.5)
        finished.append(n)

    with pytest.raises(KeyboardInterrupt):
        green.map_bounded(one, list(range(5)), 5)
    assert finished == [] and green.hub() is None
