"""``make bench`` (``python -m bench``): every benchmark the project has, one table each.

A benchmark answers one question a user asks, against the app as it runs, and compares with a
yardstick measured in the same run (this machine's speed varies too much for fixed numbers).
To add one, write ``bench/<name>.py`` with ``async def run(...) -> str`` returning its table,
and list it in ``BENCHMARKS``. docs/benchmarks.md keeps the figures and how they were taken.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench import ingest


@dataclass(frozen=True)
class Benchmark:
    name: str
    question: str
    run: Callable[[argparse.Namespace], Awaitable[str]] | None
    not_yet: str = ""  # why a planned benchmark has no run yet


BENCHMARKS = [
    Benchmark(
        "ingest",
        "How many outreach events per second are stored, with one and with four posters?",
        lambda args: ingest.run(args.db_kinds, args.batches, args.repeat),
    ),
    Benchmark(
        "sync",
        "How many contacts per minute reach each CRM, against the CRM's own rate limit?",
        None,
        "planned (issue 12); meanwhile: .venv/bin/python -m bench.sync_throughput",
    ),
    Benchmark(
        "slack",
        "How long do /crm commands and modals take to answer, against Slack's 3 s limit?",
        None,
        "planned (issue 12)",
    ),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--batches", type=int, default=10, help="ingest: batches per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; median shown")
    args = parser.parse_args(argv)
    args.db_kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for bench in BENCHMARKS:
        if args.names and bench.name not in args.names:
            continue
        print(f"## {bench.name}: {bench.question}\n")
        if bench.run is None:
            print(f"Not measured yet: {bench.not_yet}\n")
            continue
        print(asyncio.run(bench.run(args)) + "\n")


if __name__ == "__main__":
    main()
