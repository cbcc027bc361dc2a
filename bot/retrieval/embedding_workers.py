"""The default embedding model in worker processes, for large writes (a big file, a folder of files).

Threads share one GIL, and it is the embedding's bottleneck, not the cores: the USE forward pass releases
the GIL inside numpy's calls only, and needs it back between them, every fraction of a millisecond. Chroma
holds the GIL for the whole of a write (a `collection.upsert` of 512 pieces: 0.4-1 s), and jieba, pure
Python, holds it while it tokenises: the embedding threads sat blocked for 2-5 ms per chunk on top of
7.5 ms of work. In worker processes they never wait for this process, and this one keeps its GIL.

A worker is `python -m bot.retrieval.embedding_workers`: it reads batches of texts (pickled) on stdin and
answers each with its vectors (pickled float32 rows, or an error message) on stdout, in order. It maps
the same cached weights (bot/retrieval/embeddings.py) with the same BLAS threads and encodes the same
batches a thread would, so the vectors are the same, bit for bit. It ends when its stdin closes, which
is also what happens when this process dies, however it dies.

A worker's start costs about half a second of CPU (Python, numpy, sentencepiece, mapping the weights):
worth it from PROCESS_FROM pieces in a write session, not for a card sync or a one-page note.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

from bot.retrieval.embeddings import USEMultilingualEmbeddings, embed_array

log = logging.getLogger(__name__)

PROCESS_FROM = 1000
# Pipes large enough for a few batches each way (a batch is about 100 KB out, 128 KB back): while this
# process's GIL is held (a Chroma write), a worker still finds its next batch waiting and can hand back
# its last one, instead of stalling on a full 64 KB pipe.
PIPE_BYTES = 1 << 20


class WorkerStopped(RuntimeError):
    """An embedding worker ended or failed before answering a batch."""


class _Worker:
    """One worker process, its queue of batches to send, and the futures of the batches it holds."""

    def __init__(self, embeddings: USEMultilingualEmbeddings) -> None:
        package_root = str(Path(__file__).resolve().parents[2])  # where `bot` is, however it was found
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
        }
        cache = str(embeddings.cache_dir) if embeddings.cache_dir is not None else ""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.retrieval.embedding_workers", str(embeddings.threads), cache],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError, AttributeError):  # Linux only; capped by pipe-max-size
                fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[union-attr]
        self.pending: deque[Future[Any]] = deque()
        self.stopped: str | None = None
        self.lock = threading.Lock()
        self.outbox: queue.SimpleQueue[list[str] | None] = queue.SimpleQueue()
        # Sending and receiving on threads of their own: a batch is larger than a pipe's buffer, and the
        # worker reads the next one only once it has answered the last.
        threading.Thread(target=self._send, daemon=True, name="embed-send").start()
        threading.Thread(target=self._receive, daemon=True, name="embed-receive").start()

    def submit(self, texts: list[str]) -> Future[Any]:
        future: Future[Any] = Future()
        with self.lock:
            if self.stopped is not None:  # no one is left to answer it
                future.set_exception(WorkerStopped(self.stopped))
                return future
            self.pending.append(future)
        self.outbox.put(texts)
        return future

    def _send(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            while (texts := self.outbox.get()) is not None:
                pickle.dump(texts, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the worker is gone: _receive fails what it held
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _receive(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                ok, payload = pickle.load(stdout)
                with self.lock:
                    future = self.pending.popleft()
                if ok:
                    future.set_result(payload)
                else:
                    future.set_exception(WorkerStopped(payload))
        except (EOFError, OSError, pickle.UnpicklingError):
            with self.lock:
                self.stopped = f"embedding worker {self.process.pid} ended"
                stranded, self.pending = list(self.pending), deque()
            for future in stranded:
                future.set_exception(WorkerStopped(self.stopped))

    @property
    def load(self) -> int:
        return len(self.pending)

    def close(self) -> None:
        self.outbox.put(None)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class EmbeddingWorkers:
    """`count` worker processes embedding batches of texts with the default model."""

    def __init__(self, embeddings: USEMultilingualEmbeddings, count: int) -> None:
        self._workers = [_Worker(embeddings) for _ in range(count)]

    def submit(self, texts: list[str]) -> Future[Any]:
        """Future float32 rows, one a text; the batch goes to the worker with the fewest waiting."""
        return min(self._workers, key=lambda worker: (worker.stopped is not None, worker.load)).submit(texts)

    def close(self) -> None:
        for worker in self._workers:
            worker.close()


def start_workers(embeddings: Any, count: int) -> EmbeddingWorkers | None:
    """Workers for the default model, or None (another langchain `Embeddings` may hold clients or keys
    not to be copied into a process; or a process cannot be started here): then threads embed."""
    if type(embeddings) is not USEMultilingualEmbeddings or count < 2:
        return None
    try:
        return EmbeddingWorkers(embeddings, count)
    except OSError as failure:
        log.warning("embedding in threads: cannot start worker processes (%s)", failure)
        return None


# ---------- the worker process ----------
def _serve(threads: int, cache_dir: Path | None, inbox: IO[bytes], outbox: IO[bytes]) -> None:
    from bot.retrieval.blas import use_blas_threads

    use_blas_threads(threads)
    embeddings = USEMultilingualEmbeddings(threads=threads, cache_dir=cache_dir)
    while True:
        try:
            texts = pickle.load(inbox)
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, embed_array(embeddings, texts))
        except Exception as failure:  # the parent raises it where the batch is awaited
            answer = (False, f"{failure.__class__.__name__}: {failure}")
        pickle.dump(answer, outbox, protocol=pickle.HIGHEST_PROTOCOL)
        outbox.flush()


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it closes our stdin
    threads, cache = int(argv[0]), argv[1] if len(argv) > 1 else ""
    # The answers go to the original stdout; anything a library prints goes to stderr instead.
    outbox = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        _serve(threads, Path(cache) if cache else None, sys.stdin.buffer, outbox)
    except BrokenPipeError:  # the parent is gone
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
