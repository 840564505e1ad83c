"""``python -m sandbox console``: the whole product on this machine, on 127.0.0.1 only.

It starts the five CRM emulators with their demo accounts (threads of this process), the
Slack Web API stand-in, the app itself (``python -m bot``: a child process on its embedded
defaults, SQLite and the scheduler in-process, run in the work directory) pointed at both,
and the console that plays Slack and the outreach tool. The console's URL is printed first;
Ctrl-C (or SIGTERM) stops everything. Each start is fresh: the emulators keep their records
in memory, so the app's database is started over too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from sandbox import EMULATORS
from sandbox.console.acts import Acts
from sandbox.console.crms import Crm
from sandbox.console.directory import TEAM_NAME, seed
from sandbox.console.outreach_tool import OutreachTool
from sandbox.console.server import Console
from sandbox.demos import demo_server
from sandbox.kernel import Server
from sandbox.kernel.server import bind, socket_url
from sandbox.salesforce import SalesforceState
from sandbox.slack.web_api import SlackWebApi

__all__ = ["Options", "serve"]

PROJECT = Path(__file__).resolve().parents[2]
READY_SECONDS = 60.0
STOP_SECONDS = 15.0
# What the app process inherits from this one; everything else it reads is set below, so a
# developer's own Slack or database settings cannot leak into the sandbox.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")


@dataclass(frozen=True)
class Options:
    port: int = 3200  # the console; the Slack stand-in takes the next one (0: free ports)
    app_port: int = 3000
    crm_port: int = 3100  # the five emulators, on consecutive ports
    workdir: Path = PROJECT / ".sandbox"
    json: bool = False  # one JSON line once ready, instead of the text for people


class AppProcess:
    """``python -m bot`` with the sandbox's settings, its output in ``workdir/app.log``."""

    def __init__(self, env: dict[str, str], workdir: Path, url: str):
        self.env, self.workdir, self.url = env, workdir, url
        self.log = workdir / "app.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def ready(self) -> None:
        assert self.process is not None
        async with httpx.AsyncClient() as client:
            async with asyncio.timeout(READY_SECONDS):
                while self.process.poll() is None:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(f"{self.url}/readyz")).status_code == 200:
                            return
                    await asyncio.sleep(0.2)
        tail = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the app exited with {self.process.returncode}:\n{tail}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _port(port: int, offset: int) -> int:
    return port + offset if port else 0


def start_emulators(options: Options, app_url: str) -> tuple[list[Server], list[Crm]]:
    servers, crms = [], []
    for offset, name in enumerate(EMULATORS):
        server, state, demo = demo_server(name, _port(options.crm_port, offset))
        if isinstance(state, SalesforceState):
            # The demo's connected app, sending its logins back to this app.
            client_id = demo.settings["SALESFORCE_CLIENT_ID"]
            secret = demo.settings["SALESFORCE_CLIENT_SECRET"]
            state.oauth.add_client(client_id, secret, [f"{app_url}/oauth/salesforce/callback"])
        servers.append(server.start())
        crms.append(Crm(name, demo))
    return servers, crms


def app_settings(
    app_port: int, slack: SlackWebApi, crms: list[Crm], keys: dict[str, str]
) -> dict[str, str]:
    """The app's environment: the sandbox's Slack and CRMs, nothing else changed."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env["PYTHONPATH"] = str(PROJECT)  # this checkout's bot, wherever it runs
    env.update(
        PORT=str(app_port),
        HOST="127.0.0.1",
        PUBLIC_URL=f"http://127.0.0.1:{app_port}",
        SLACK_BOT_TOKEN="xoxb-sandbox-token",
        SLACK_API_URL=slack.base_url,
        SYNC_INTERVAL_SECONDS="1",
        **keys,
    )
    for crm in crms:
        env.update(crm.demo.settings)
    return env


def fresh_workdir(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    for leftover in workdir.glob("bot.db*"):
        leftover.unlink()


def summary(console: str, app: AppProcess, slack: SlackWebApi, crms: list[Crm]) -> list[str]:
    lines = [
        f"  {'app':<14} {app.url}  (python -m bot; log: {app.log})",
        f"  {'Slack Web API':<14} {slack.base_url}  (stand-in)",
    ]
    for crm in crms:
        creds = ", ".join(f"{k}: {v}" for k, v in crm.demo.credentials.items())
        lines.append(f"  {crm.demo.name:<14} {crm.demo.origin}  ({creds})")
    return [*lines, f"Ready: open {console} (Ctrl-C stops everything)"]


@contextlib.asynccontextmanager
async def console_site(console: Console, sock: Any) -> AsyncIterator[None]:
    runner = web.AppRunner(console.app(), access_log=None, shutdown_timeout=1)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield
    finally:
        await runner.cleanup()


async def _stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def serve(options: Options) -> None:
    console_sock = bind(options.port)
    console_url = socket_url(console_sock)
    if not options.json:
        print(f"Console: {console_url}\nStarting the CRM emulators, Slack and the app…", flush=True)
    fresh_workdir(options.workdir)
    app_sock = bind(options.app_port)  # held until the app starts, so the port stays ours
    app_url = socket_url(app_sock)
    keys = {
        "SLACK_SIGNING_SECRET": secrets.token_hex(16),
        "OUTREACH_WEBHOOK_SECRET": secrets.token_hex(16),
    }
    async with contextlib.AsyncExitStack() as stack:
        servers, crms = start_emulators(options, app_url)
        for server in servers:
            stack.callback(server.stop)
        slack = await stack.enter_async_context(
            SlackWebApi(team_name=TEAM_NAME, port=_port(options.port, 1))
        )
        seed(slack.workspace)
        app_port = app_sock.getsockname()[1]
        app = AppProcess(app_settings(app_port, slack, crms, keys), options.workdir, app_url)
        app_sock.close()
        app.start()
        stack.callback(app.stop)
        await app.ready()
        http = await stack.enter_async_context(httpx.AsyncClient())
        acts = Acts(slack, app_url, keys["SLACK_SIGNING_SECRET"], http)
        outreach = OutreachTool(app_url, keys["OUTREACH_WEBHOOK_SECRET"], http)
        console = Console(slack.workspace, acts, outreach, crms, http)
        await stack.enter_async_context(console_site(console, console_sock))
        _announce(options, console_url, app, slack, crms)
        await _stopped()


def _announce(
    options: Options, console: str, app: AppProcess, slack: SlackWebApi, crms: list[Crm]
) -> None:
    if options.json:
        ready = {
            "console": console,
            "app": app.url,
            "app_log": str(app.log),
            "slack": slack.base_url,
            "crms": {crm.kind: crm.to_json() for crm in crms},
        }
        print(json.dumps(ready), flush=True)
    else:
        print("\n".join(summary(console, app, slack, crms)), flush=True)
