"""How many threads numpy's BLAS may use, set explicitly (OpenBLAS defaults to one per core).

A question is a few small matrix products: one thread answers it fastest, and on a shared machine more
threads than free cores made p95 latency ten times worse. Ingest embeds in batches big enough to share
between cores, and asks for them while it does (bot/retrieval/writer.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def use_blas_threads(count: int) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=count, user_api="blas")


@contextlib.contextmanager
def blas_threads(count: int) -> Iterator[None]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=count, user_api="blas"):
        yield
