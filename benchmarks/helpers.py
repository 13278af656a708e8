"""Shared benchmark helpers: timing a block, interleaving clients, a one-connection runner.

``interleave`` is the comparison every side-by-side benchmark here makes: the clients
take turns in short blocks for many rounds, and each (client, operation) gets the median
of its blocks' wall and process-CPU microseconds per operation, so drift on the shared
machine hits every client alike (PITFALLS.md: treat differences under ~10% as ties).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from chanuka_db.sql import Executor

Op = Callable[[], Any]
Clients = Mapping[str, Mapping[str, Op]]


def measure(op: Op, n: int) -> tuple[float, float]:
    """Wall and process-CPU microseconds per operation over ``n`` operations."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        op()
    return (
        (time.perf_counter() - wall) / n * 1e6,
        (time.process_time() - cpu) / n * 1e6,
    )


@attrs.frozen
class Interleaved:
    """Medians of an interleaved run, keyed by (client, operation), in µs per operation."""

    wall: dict[tuple[str, str], float]
    cpu: dict[tuple[str, str], float]
    rounds: int
    block: int

    def cells(self, clients: Sequence[str], operation: str, width: int = 24) -> str:
        """``wall (cpu)`` for each client, ``-`` where a client lacks the operation."""
        return "".join(
            f"{self.wall[n, operation]:>{width - 10}.1f} ({self.cpu[n, operation]:>6.1f})"
            if (n, operation) in self.wall
            else f"{'-':>{width}}"
            for n in clients
        )

    def table(self, clients: Sequence[str], operations: Sequence[str]) -> list[str]:
        """A header and one line per operation: each client's wall (cpu) µs per operation."""
        lines = [f"{'operation':<10}" + "".join(f"{name:>24}" for name in clients)]
        lines += [f"{op:<10}{self.cells(clients, op)}" for op in operations]
        return lines

    def as_json(self) -> dict[str, Any]:
        """Wall and CPU medians as ``{"client operation": µs}`` maps."""
        return {
            "rounds": self.rounds,
            "block": self.block,
            "wall_us": {f"{c} {o}": round(v, 2) for (c, o), v in self.wall.items()},
            "cpu_us": {f"{c} {o}": round(v, 2) for (c, o), v in self.cpu.items()},
        }


def interleave(
    clients: Clients,
    operations: Sequence[str],
    *,
    rounds: int,
    block: int,
    block_of: Callable[[str], int] | None = None,
) -> Interleaved:
    """Alternate the clients that have each operation in blocks; medians per client.

    ``block_of(operation)`` gives a smaller block for slow operations; each client first
    runs a quarter block unmeasured (prepared statements, pool filled).
    """
    wall: dict[tuple[str, str], float] = {}
    cpu: dict[tuple[str, str], float] = {}
    for operation in operations:
        size = max(block_of(operation) if block_of else block, 1)
        names = [name for name in clients if operation in clients[name]]
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        for name in names:
            measure(clients[name][operation], max(size // 4, 1))
        for _ in range(rounds):
            for name in names:
                samples[name].append(measure(clients[name][operation], size))
        for name in names:
            wall[name, operation] = statistics.median(s[0] for s in samples[name])
            cpu[name, operation] = statistics.median(s[1] for s in samples[name])
    return Interleaved(wall, cpu, rounds, block)


class ExecutorRunner:
    """A repository runner on one executor: the repository's own cost, without a pool.

    Reads run on the executor's (autocommit) connection as they come; ``atomic`` is a
    transaction on it.
    """

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    def reading(self) -> contextlib.AbstractContextManager[Executor]:
        return contextlib.nullcontext(self.executor)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Executor]:
        with self.executor.conn.transaction():
            yield self.executor


class Cycle:
    """Cycles 1..n so every call does the same work on another row."""

    def __init__(self, n: int) -> None:
        self.n, self.i = n, 0

    def next(self) -> int:
        self.i = self.i % self.n + 1
        return self.i
