"""``python -m sandbox console``: the whole product with a Slack-like console (see
:mod:`sandbox.console.stack`). ``python -m sandbox serve <emulator>|all``: emulators alone on
127.0.0.1.

Each prints the bot settings that reach it and its demo credentials. ``all`` serves every
emulator on consecutive ports from ``--port``. Flags shape every served emulator:
``--latency``/``--jitter`` (seconds), ``--rate``/``--burst`` (a token bucket per credential),
``--faults 429=0.1,500=0.05,timeout=0.05,lost=0.02`` (random trouble, ``--seed`` to repeat
it). ``--json`` prints one JSON line per emulator instead (what ``kernel.spawn`` reads).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sandbox import EMULATORS
from sandbox.demos import demo_server
from sandbox.kernel import Latency, RateLimit, Server, State

__all__ = ["main", "parse_faults"]

FAULT_NAMES = {
    "429": "rate_limited",
    "500": "server_error",
    "timeout": "timeout",
    "drop": "dropped",
    "lost": "lost",
}


def parse_faults(text: str) -> dict[str, float]:
    """``429=0.1,500=0.05,timeout=0.05,drop=0.01,lost=0.02`` → ``Faults.chaos`` arguments."""
    rates = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        if name not in FAULT_NAMES:
            raise argparse.ArgumentTypeError(
                f"unknown fault {name!r} (use {', '.join(FAULT_NAMES)})"
            )
        rates[FAULT_NAMES[name]] = float(value)
    return rates


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve emulators on 127.0.0.1")
    serve.add_argument("name", choices=[*EMULATORS, "all"])
    serve.add_argument("--port", type=int, default=3100, help="first port (0: any free one)")
    serve.add_argument("--latency", type=float, default=0.0, help="seconds added to each call")
    serve.add_argument("--jitter", type=float, default=0.0, help="up to this many more seconds")
    serve.add_argument("--rate", type=float, default=None, help="calls per second per credential")
    serve.add_argument("--burst", type=int, default=None, help="bucket size (default: rate)")
    serve.add_argument("--faults", type=parse_faults, default={}, help="e.g. 429=0.1,500=0.05")
    serve.add_argument("--seed", type=int, default=None, help="repeatable jitter and faults")
    serve.add_argument("--json", action="store_true", help="one JSON line per emulator")
    console = commands.add_parser(
        "console", help="the app, the emulators, a Slack stand-in and a console to try it in"
    )
    console.add_argument("--port", type=int, default=3200, help="the console (0: a free one)")
    console.add_argument("--app-port", type=int, default=3000, help="the app (0: a free one)")
    console.add_argument("--crm-port", type=int, default=3100, help="first emulator (0: free)")
    console.add_argument("--workdir", type=Path, default=None, help="the app's files (.sandbox)")
    console.add_argument("--json", action="store_true", help="one JSON line once ready")
    return parser


def configure(state: State, args: argparse.Namespace) -> None:
    if args.seed is not None:
        state.rng.seed(args.seed)
    state.latency = Latency(args.latency, args.jitter)
    if args.rate:
        state.limits.limit = RateLimit(args.rate, args.burst or max(1, math.ceil(args.rate)))
    if args.faults:
        state.faults.chaos(**args.faults)


def _start(name: str, port: int, args: argparse.Namespace) -> Server:
    server, state, demo = demo_server(name, port)
    configure(state, args)
    server.start()
    print(json.dumps(demo.to_json()) if args.json else "\n".join(demo.lines()), flush=True)
    return server


def _console(args: argparse.Namespace) -> None:
    from sandbox.console.stack import Options, serve

    options = Options(args.port, args.app_port, args.crm_port, json=args.json)
    if args.workdir is not None:
        options = replace(options, workdir=args.workdir.resolve())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options))


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "console":
        _console(args)
        return
    names = EMULATORS if args.name == "all" else (args.name,)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    servers = []
    try:
        for offset, name in enumerate(names):
            servers.append(_start(name, args.port + offset if args.port else 0, args))
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.stop()
