"""Several HTTP serve processes on one port: each a full replica of the app (its own coach, worker pool and
Web API client), all bound to the same address with ``SO_REUSEPORT`` so the kernel spreads connections
across them. One Python process is held to about one core by the GIL; replicas use every core.

They need nothing from each other: they already share the database, where the handled-event claims make a
redelivery reaching another replica answered once (as with replicas behind a load balancer). The parent
only starts them, forwards SIGTERM/SIGINT, and waits; a replica that dies is reported and stops the rest,
so the service exits non-zero rather than running on short-handed without anyone knowing.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any

log = logging.getLogger(__name__)

LISTEN_BACKLOG = 2048
STOP_TIMEOUT = 90.0
"""Seconds a replica gets to finish its acknowledged work after SIGTERM before it is killed."""
PARENT_CHECK_SECONDS = 1.0

ReplicaMain = Callable[[int, Event], int]
"""What each replica runs: ``(index, ready) -> exit code``; it sets ``ready`` once it takes requests."""


class ReplicaFailed(RuntimeError):
    pass


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` that other processes may bind too (``SO_REUSEPORT``)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def _replica_entry(main: ReplicaMain, index: int, ready: Event, parent: int) -> None:
    # Its own process group: a terminal's Ctrl-C reaches the parent only, which forwards one SIGTERM,
    # instead of every replica getting SIGINT and then SIGTERM on top (uvicorn's "force exit").
    os.setpgid(0, 0)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    raise SystemExit(main(index, ready))


def _exit_with_parent(parent: int) -> None:
    """A replica whose parent is gone (killed outright) stops too, rather than hold the port forever."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    log.warning("the parent serve process is gone: stopping")
    os.kill(os.getpid(), signal.SIGTERM)


class Replicas:
    """Starts ``count`` replicas of ``main`` and supervises them until they stop."""

    def __init__(self, count: int, main: ReplicaMain) -> None:
        self.count = count
        self.main = main
        # spawn, not fork: each replica builds its coach from scratch, with no threads or open connections
        # copied from the parent.
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess] = []
        self._ready: list[Event] = []  # kept: a replica unpickles its event after the parent made it
        self._stopping = False
        self._signalled = False
        self._told: set[int] = set()

    def run(self) -> int:
        """Until SIGTERM/SIGINT or a replica's death; the exit code for the service."""
        handled = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in handled}
        try:
            # The first replica alone: it migrates the database and brings the index snapshot up to date,
            # which the others then only read. It answers /healthz as soon as it is ready.
            if not self._start(0) or self._stopping:
                return self._finish()
            for index in range(1, self.count):
                self._start_async(index)
            self._supervise()
            return self._finish()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # ---------- starting ----------
    def _spawn(self, index: int) -> tuple[BaseProcess, Event]:
        ready = self._context.Event()
        process = self._context.Process(
            target=_replica_entry,
            args=(self.main, index, ready, os.getpid()),
            name=f"kam-serve-{index}",
        )
        process.start()
        self._processes.append(process)
        self._ready.append(ready)
        log.info("serve process %d started (pid %s)", index, process.pid)
        return process, ready

    def _start(self, index: int) -> bool:
        """Start one replica and wait until it takes requests; False when it died first."""
        process, ready = self._spawn(index)
        while not ready.wait(0.2):
            if not process.is_alive() or self._stopping:
                return process.is_alive()
        return True

    def _start_async(self, index: int) -> None:
        self._spawn(index)

    # ---------- running ----------
    def _supervise(self) -> None:
        while not self._stopping:
            alive = [p for p in self._processes if p.exitcode is None]
            if len(alive) < len(self._processes):
                break
            wait([p.sentinel for p in alive], timeout=1.0)
        if not self._stopping:
            dead = [p for p in self._processes if p.exitcode is not None]
            for process in dead:
                log.error(
                    "serve process %s (pid %s) exited with code %s: stopping the others",
                    process.name,
                    process.pid,
                    process.exitcode,
                )
            self._stop_all()

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if not self._signalled:
            log.info("stop requested (%s): stopping the serve processes", signal.Signals(signum).name)
        self._signalled = True
        self._stop_all()

    def _stop_all(self) -> None:
        """SIGTERM to every replica, once: a second one would cut short the drain of acknowledged work."""
        self._stopping = True
        for process in self._processes:
            if process.exitcode is None and process.pid is not None and process.pid not in self._told:
                self._told.add(process.pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)

    def _finish(self) -> int:
        """Wait for every replica; 0 when each stopped cleanly on request, else 1 (or the first one's code
        when it could not start: a setting's error is the user's to fix, as with one process)."""
        self._stop_all()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.exitcode is None:
                log.error("serve process %s did not stop in %.0f s: killed", process.name, STOP_TIMEOUT)
                process.kill()
                process.join(10)
        codes = [p.exitcode for p in self._processes]
        if len(codes) == 1 and codes[0] and not self._signalled:
            return int(codes[0])
        # A replica stopped while still loading dies of the SIGTERM itself: stopped on request all the same.
        # One that was serving stops cleanly (0) once its acknowledged work is done.
        clean = [
            code == 0 or (code == -signal.SIGTERM and not ready.is_set())
            for code, ready in zip(codes, self._ready, strict=True)
        ]
        return 0 if self._signalled and all(clean) else 1
