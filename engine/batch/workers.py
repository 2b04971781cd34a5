"""Worker processes for a batch, with a watchdog.

durable_rules runs in C and holds the GIL: a case that hangs in it can only be stopped by ending its
process, and a crash in it ends the process. So tasks run in forked workers, each compiling the pack once
(its own durable_rules host). The pool runs any kind of task: a worker calls `make()` once after the fork
and answers each task with what the function it returns gives (a delivery's records, an agreement's
records, a pack's test results); `stopped(task, code, message)` gives the answer of a task that was stopped. Each worker takes tasks in order and answers each with its record; the
oldest unanswered task of a worker is the one it is on. A worker that answers nothing for `timeout`
seconds is killed; one that dies is noticed. Either way its current task gets an engine-error record
(`engine_timeout`, `engine_crash`), its other tasks go to a new worker, and the batch goes on. Records
come back in task order, so the output does not depend on the number of workers.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import time
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterator

from .. import messages as M
from ..core.runner import Engine
from ..inputs.delivery import Delivery
from ..inputs.overrides import Override
from .tasks import Encoded, Tasks
from .tasks import encode as encode_record

DEPTH = 16  #: tasks given to a worker ahead of its answers (keeps both cores busy without a backlog)
#: Bytes of tasks a worker may have unread. The parent never blocks sending to a worker that is itself
#: blocked sending an answer (a deadlock the watchdog could not see): a pipe holds 64 KiB, so tasks
#: beyond this budget wait, except the one given to an idle worker, which is reading.
TASK_BYTES = 32 * 1024


PR_SET_PDEATHSIG = 1  #: prctl(2): the signal a process gets when its parent dies


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the process that started it dies (even by kill -9)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent's pipe closing still ends the worker
        pass


#: What a worker sends instead of a record when the evaluation raised: the message is kept for the record.
WORKER_ERROR = "__worker_error__"


Make = Callable[[], Callable[[Any], Any]]  #: run once in each worker: gives the function that answers a task


def _serve(conn: Connection, make: Make, inherited: list[Connection]) -> None:
    """A worker: compile once, then answer each task with its record until told to stop.

    It closes the pipe ends it inherited from the parent (its own and the other workers'), so no worker
    keeps another's pipe open, dies with its parent, and leaves Ctrl-C to the parent.
    """
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for c in inherited:
        try:
            c.close()
        except OSError:
            pass
    if os.getppid() == 1:  # the parent died before we could ask to follow it
        return
    answer = make()
    while True:
        try:
            task = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):  # the parent is gone
            return
        if task is None:
            return
        try:
            record = answer(task)
        except Exception as e:  # noqa: BLE001 - any fault costs this case, with its message, never the batch
            record = {WORKER_ERROR: f"{type(e).__name__}: {e}"}
        try:
            conn.send(record)
        except OSError:  # the parent went while this task ran: nobody to answer
            return


class _Worker:
    def __init__(self, ctx: Any, make: Make, others: list[Connection] = ()) -> None:
        self.conn, child = ctx.Pipe()
        inherited = [self.conn, *others]
        self.process = ctx.Process(target=_serve, args=(child, make, inherited), daemon=True)
        self.process.start()
        child.close()
        self.pending: deque[int] = deque()  # positions of the tasks sent and not yet answered
        self.sizes: deque[int] = deque()    # and their sizes in bytes
        self.since = time.monotonic()
        self.sent = 0  # tasks given to it so far

    def room(self, size: int) -> bool:
        """Whether a task of `size` bytes may be sent now (see TASK_BYTES)."""
        return not self.pending or (len(self.pending) < DEPTH and sum(self.sizes) + size <= TASK_BYTES)

    def send(self, position: int, payload: bytes) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append(position)
        self.sizes.append(len(payload))
        self.sent += 1
        self.conn.send_bytes(payload)

    def answered(self) -> int:
        """The position of the task just answered (the oldest pending)."""
        self.sizes.popleft()
        return self.pending.popleft()

    def stop(self) -> None:
        try:
            self.conn.send_bytes(pickle.dumps(None))
        except OSError:
            pass
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class WorkerPool:
    """Runs tasks in `workers` processes; use as a context manager, pass `run_all` to the batch.

    `WorkerPool.for_delivery` makes the pool of a delivery's tasks (`engine.batch.tasks.Tasks`).
    """

    def __init__(self, make: Make, stopped: Callable[[Any, str, str], Any], workers: int = 2, timeout: float = 30.0,
                 per_worker: int | None = None) -> None:
        self.make = make
        self.stopped, self.n, self.timeout = stopped, max(1, workers), timeout
        #: tasks a worker answers before a fresh one takes its place (durable_rules keeps every ruleset it
        #: registered, and z3 its terms, for the life of a process: a task that builds its own pack grows it)
        self.per_worker = per_worker
        self.ctx = multiprocessing.get_context("fork")
        self.workers: list[_Worker] = []
        self.incidents: list[str] = []  #: one line per stopped worker, for the summary

    @classmethod
    def for_delivery(cls, engine: Engine, delivery: Delivery, overrides: list[Override], workers: int = 2,
                     timeout: float = 30.0, encode: bool = False) -> "WorkerPool":
        """The pool that decides a delivery's tasks; each worker compiles the engine's pack once.

        With `encode`, records come back `Encoded` (their JSON line, and a unit's summary or a huvudman's
        standing), so the process that writes them neither unpickles nor serialises them.
        """
        overrides, pack = list(overrides), engine.pack

        def make() -> Callable[[tuple], Any]:
            run = Tasks(Engine(pack, needed=engine.needed), delivery, overrides).run
            if not encode:
                return run
            return lambda task: encode_record(run(task), pack)

        return cls(make, Tasks(engine, delivery, overrides).stopped, workers, timeout)

    def __enter__(self) -> "WorkerPool":
        _give_back()
        self.workers = []
        for _ in range(self.n):  # each new worker closes the pipe ends of those started before it
            self.workers.append(self._start())
        return self

    def __exit__(self, *exc: Any) -> None:
        for w in self.workers:
            w.stop()
        self.workers = []

    def _start(self) -> _Worker:
        return _Worker(self.ctx, self.make, [w.conn for w in self.workers if not w.conn.closed])

    def run_all(self, tasks: list[tuple]) -> Iterator[dict]:
        """The records of `tasks`, in their order."""
        todo = deque(range(len(tasks)))
        done: dict[int, Any] = {}
        payloads: dict[int, bytes] = {}
        next_out = 0
        while next_out < len(tasks):
            for k, w in enumerate(self.workers):
                if self.per_worker and w.sent >= self.per_worker and not w.pending:  # worn: a fresh worker instead
                    w.stop()
                    self.workers[k] = w = self._start()
                while todo and not (self.per_worker and w.sent >= self.per_worker):
                    i = todo[0]
                    payload = payloads.get(i) or payloads.setdefault(i, pickle.dumps(tasks[i], pickle.HIGHEST_PROTOCOL))
                    if not w.room(len(payload)):
                        break
                    todo.popleft()
                    w.send(i, payloads.pop(i))
            busy = [w for w in self.workers if w.pending]
            ready = wait([w.conn for w in busy], timeout=min(1.0, self.timeout))
            now = time.monotonic()
            for w in busy:
                if w.conn in ready:
                    try:
                        record = w.conn.recv()
                    except (EOFError, OSError):
                        self._replace(w, tasks, todo, done, "engine_crash", self._crash_message(w))
                        continue
                    if isinstance(record, dict) and WORKER_ERROR in record:
                        culprit = w.answered()
                        message = M.text("raised", exception=record[WORKER_ERROR])
                        done[culprit] = self.stopped(tasks[culprit], "engine_crash", message)
                        self.incidents.append(f"{self._name(tasks[culprit], done[culprit])}: engine_crash: {message}")
                    else:
                        done[w.answered()] = record
                    w.since = now
                elif now - w.since > self.timeout:
                    self._replace(w, tasks, todo, done, "engine_timeout",
                                  M.text("engine_timeout", seconds=f"{self.timeout:g}"))
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1

    @staticmethod
    def _name(task: Any, answer: Any) -> str:
        """The task as the summary names it: the record's kind and id (or the task itself)."""
        if isinstance(answer, dict) and "kind" in answer:
            return f"{answer['kind']} {answer['id']}"
        if isinstance(answer, Encoded):
            return f"{answer.kind} {answer.id}"
        return str(getattr(answer, "name", task))

    def map(self, tasks: list) -> list:
        """The answers of `tasks`, in their order."""
        return list(self.run_all(tasks))

    def _crash_message(self, w: _Worker) -> str:
        w.process.join(timeout=2)
        code = w.process.exitcode
        if code is not None and code < 0:
            return M.text("crash_signal", n=-code)
        return M.text("crash_exit", n=code)

    def _replace(self, w: _Worker, tasks: list[tuple], todo: deque, done: dict, code: str, message: str) -> None:
        culprit = w.answered()
        done[culprit] = self.stopped(tasks[culprit], code, message)
        self.incidents.append(f"{self._name(tasks[culprit], done[culprit])}: {code}: {message}")
        todo.extendleft(reversed(w.pending))
        w.kill()
        self.workers[self.workers.index(w)] = self._start()


def _give_back() -> None:
    """Return memory this process freed to the system before forking (glibc keeps it otherwise): each forked
    worker would count those pages, the delivery reader's leftovers most of all, as its own."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        pass


def default_workers() -> int:
    """One worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
