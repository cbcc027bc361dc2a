"""The bounded pool that does the slow work after Slack has been acknowledged.

Listeners acknowledge inside the request and hand everything else (the coach's turn, Web API calls) to
this pool: a fixed number of threads and a queue with a limit, so a burst cannot grow memory without
bound. Quick jobs (opening a modal, whose trigger id expires in 3 seconds) jump the queue.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import threading
from collections.abc import Callable
from enum import IntEnum

log = logging.getLogger(__name__)


WORKER_NICE = 10
"""The niceness of the threads doing the slow work (Linux schedules each thread on its own). Measured on the
shared 2-core machine with PostgreSQL: the acknowledgement p99 during a burst of 2000 mentions halved (about
90 ms to 45 ms) and the answers per second stayed the same."""


def lower_priority() -> None:
    """This thread yields the CPU to the event loop acknowledging Slack's requests: under load, the
    acknowledgements are what must not wait (a turn taking a few milliseconds longer is not seen). Where
    threads cannot be reniced (not Linux), nothing changes."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)


class Priority(IntEnum):
    QUICK = 0
    """Must happen within Slack's 3-second trigger window (views.open) or is cheap (an ephemeral note)."""
    NORMAL = 1


class WorkerPool:
    def __init__(self, workers: int, queue_limit: int, name: str = "slack-worker") -> None:
        self.queue_limit = queue_limit
        self._queue: queue.PriorityQueue[tuple[int, int, Callable[[], None] | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._pending = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._threads = [
            threading.Thread(target=self._run, name=f"{name}-{n}", daemon=True) for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        return self._pending

    def submit(self, job: Callable[[], None], priority: Priority = Priority.NORMAL) -> bool:
        """Queue a job; False (and nothing queued) when the queue is at its limit."""
        with self._lock:
            if self._pending >= self.queue_limit:
                return False
            self._pending += 1
        self._queue.put((int(priority), next(self._order), job))
        return True

    def _run(self) -> None:
        lower_priority()
        while True:
            _, _, job = self._queue.get()
            if job is None:
                return
            try:
                job()
            except Exception:  # jobs report their own failures; this only keeps the thread alive
                log.exception("a Slack job failed outside its own error handling")
            finally:
                with self._lock:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued job has run; False when the timeout came first."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def shutdown(self, timeout: float | None = 30.0) -> None:
        """Finish what was acknowledged (up to ``timeout``), then stop the threads."""
        if not self.drain(timeout):
            log.warning("stopping with %d Slack jobs unfinished", self._pending)
        for _ in self._threads:
            self._queue.put((99, next(self._order), None))
