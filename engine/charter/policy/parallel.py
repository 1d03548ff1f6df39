"""Share a long list of independent judgements between processes.

A full check judges every entity on its own: the list is cut into one contiguous chunk per
processor, the process forks, each child judges its chunk and sends the results back through
a pipe, and the parent judges the first chunk meanwhile. The results come back in the order a
single process gives them. A child that fails in any way has its chunk judged again in the
parent, which then raises the real error (or gets the real result): nothing is lost and no
error is hidden. Where `fork` does not exist, another thread is running, or the list is short,
one process does it all.

`CHARTER_WORKERS` sets the number of processes (1: never fork).

While the list is judged, Python's cyclic garbage collector is paused: judging builds many
small values and no reference cycles, and each full collection would walk the whole loaded
inventory again (at 10,000 versions, a sixth of a full check's time). Values are still freed
as soon as nothing refers to them. After a list long enough to be shared out (a full check
of a large inventory), what is alive is moved out of its sight (`gc.freeze`): the inventory
and the results outlive the check, and each later collection (sorting, reporting) would walk
them all again for nothing; a cycle among them is never collected, which costs memory only
until the process ends. A short list (the history judges many) freezes nothing.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import math
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from charter.errors import CharterError

WORKERS_ENV = "CHARTER_WORKERS"
# Below this many items per process, forking costs more than it saves.
MIN_PER_WORKER = 2000

Item = TypeVar("Item")
Result = TypeVar("Result")

# What a child sends back instead of its results, and how the parent makes them again from
# it and the chunk it gave: a compact form costs the child less to pickle and the parent less
# to unpickle (a full check's results are millions of small tuples, mostly alike).
Pack = Callable[[Sequence[Item], list[Result]], Any]
Unpack = Callable[[Sequence[Item], Any], list[Result]]


@dataclass(frozen=True)
class Transfer(Generic[Item, Result]):
    """How results cross from a child to the parent: `pack` in the child, `unpack` in the
    parent, which must give exactly the results the child judged."""

    pack: Pack[Item, Result]
    unpack: Unpack[Item, Result]


def workers() -> int:
    configured = _configured()
    if configured is not None:
        return configured
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _configured() -> int | None:
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if not configured:
        return None
    if not configured.isdigit() or int(configured) < 1:
        raise CharterError.at(f"{WORKERS_ENV} must be a whole number of processes, 1 or "
                              f"more, not {configured!r}")
    return int(configured)


def in_parallel(judge: Callable[[Sequence[Item]], list[Result]], items: Sequence[Item],
                per_worker: int | None = None,
                transfer: Transfer[Item, Result] | None = None) -> list[Result]:
    """`judge(items)`, computed in up to `workers()` processes; `transfer` sends a child's
    results back in a compact form."""
    # a list long enough to share is a full check of a large inventory (a one-off): what it
    # loaded is frozen after; a short one (one of the history's many revisions) is not
    least = MIN_PER_WORKER if per_worker is None else per_worker
    with collector_paused(freeze=len(items) >= 2 * max(least, 1)):
        return _shared(judge, items, per_worker, transfer)


@contextlib.contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """The cyclic garbage collector off for the block, and as it was afterwards; with
    `freeze`, what is alive at its end is no longer walked by the collector."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if freeze:
                gc.freeze()  # the inventory and the results stay: not walked again
            gc.enable()


def _shared(judge: Callable[[Sequence[Item]], list[Result]], items: Sequence[Item],
            per_worker: int | None, transfer: Transfer[Item, Result] | None = None
            ) -> list[Result]:
    least = MIN_PER_WORKER if per_worker is None else per_worker
    if len(items) < 2 * max(least, 1):
        _configured()  # a bad setting is refused however short the list
        return judge(items)
    count = min(workers(), len(items) // max(least, 1))
    # A thread running at the fork could hold a lock the child then waits on for ever.
    if count < 2 or not hasattr(os, "fork") or not _alone():
        return judge(items)
    bounds = _bounds(len(items), count)
    chunks = [items[bounds[i]:bounds[i + 1]] for i in range(count)]
    children: list[tuple[int, int, Sequence[Item]]] = []
    try:
        for chunk in chunks[1:]:
            children.append((*_start(judge, chunk, transfer), chunk))
        results = judge(chunks[0])
        for pid, pipe, chunk in children:
            results += _collect(pid, pipe, judge, chunk, transfer)
        children.clear()
    finally:
        for pid, pipe, _ in children:  # the parent failed: stop and reap what is left
            _abandon(pid, pipe)
    return results


# How much more than an equal share the parent judges. A child's results reach the parent
# only after the child has written them (at 100,000 versions, about 3 % of judging its chunk
# for the evaluation, 6 % for the parse), and the parent reads them only once its own chunk
# is judged: with equal shares the parent would wait for that writing, idle. (Reading them
# comes after either way.)
PARENT_EXTRA = 0.04


def _bounds(length: int, count: int) -> list[int]:
    """Where each of `count` contiguous chunks of `length` items starts, then the end: the
    first (the parent's) `PARENT_EXTRA` larger than an equal share, the others equal, none
    empty (`count` is at most `length`)."""
    first = min(length - count + 1, math.ceil(length / count * (1 + PARENT_EXTRA)))
    rest = length - first
    return [0, *(first + rest * i // (count - 1) for i in range(count))]


def _alone(wait: float = 0.2) -> bool:
    """No other thread is running. One that is ending is waited for a moment: git's reader
    writes its requests from a thread, which may not have ended yet when every answer has
    been read (and then the whole list would be judged in one process)."""
    deadline = time.monotonic() + wait
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            with contextlib.suppress(RuntimeError, AssertionError):  # e.g. a foreign thread
                thread.join(max(0.0, deadline - time.monotonic()))
    return threading.active_count() == 1


def _start(judge: Callable[[Sequence[Item]], list[Result]], chunk: Sequence[Item],
           transfer: Transfer[Item, Result] | None = None) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: judge, send, and leave without running the parent's exit code
        status = 1
        try:
            os.close(read)
            judged = judge(chunk)
            sent = judged if transfer is None else transfer.pack(chunk, judged)
            tag, data = encoded(sent)
            with os.fdopen(write, "wb") as out:
                out.write(tag)
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return pid, read


def _collect(pid: int, pipe: int, judge: Callable[[Sequence[Item]], list[Result]],
             chunk: Sequence[Item], transfer: Transfer[Item, Result] | None = None
             ) -> list[Result]:
    with os.fdopen(pipe, "rb") as source:
        data = source.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        try:
            # our own child's bytes, written above: nothing from outside this process
            received = decoded(data)
            if transfer is not None:
                return transfer.unpack(chunk, received)
            results: list[Result] = received
            return results
        except Exception:
            pass
    return judge(chunk)


# How a child's results are written: plain values (dicts, lists, tuples, strings, numbers, as
# a parse gives them) by `marshal`, which writes and reads them several times faster than
# pickle (a full check's parses are tens of megabytes); anything else by pickle.
_MARSHAL, _PICKLE = b"m", b"p"


def encoded(value: Any) -> tuple[bytes, bytes]:
    """The bytes a child sends for `value`, after the one-byte tag that says how.

    marshal refuses every type it does not know exactly (a subclass of tuple or str
    included), so what it writes reads back as equal values of the same types, in the same
    order; what it refuses goes whole to pickle."""
    try:
        return _MARSHAL, marshal.dumps(value)
    except ValueError:  # an object marshal does not write (a named tuple, a finding)
        return _PICKLE, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def decoded(data: bytes) -> Any:
    """The value `encoded` wrote: its tag, then its bytes."""
    body = memoryview(data)[1:]
    if data[:1] == _MARSHAL:
        return marshal.loads(body)
    if data[:1] == _PICKLE:
        return pickle.loads(body)
    raise ValueError("results in an unknown form")


def _abandon(pid: int, pipe: int) -> None:
    with contextlib.suppress(OSError):
        os.close(pipe)
    with contextlib.suppress(ChildProcessError, ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
