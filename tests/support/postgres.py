"""A throwaway PostgreSQL server for the suite, on loopback, gone when the session ends.

``TEST_DATABASE_URL`` (a postgresql:// URL to a server we may create databases on) wins;
otherwise the server binaries (``pg_config --bindir`` or Debian's /usr/lib/postgresql) start a
private cluster in a temp dir. PostgreSQL refuses to run as root, so as root the cluster
belongs to the ``postgres`` system user and is driven through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

__all__ = ["PostgresUnavailable", "postgres_server", "server_bindir"]

ROLE = "bot"


class PostgresUnavailable(RuntimeError):
    """No server to test against; the message says how to get one."""


def server_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        bindir = Path(out.stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a libpq URL (``postgresql://...``) to a server database we may create DBs on."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    bindir = server_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found: apt-get install -y postgresql "
            "(.ci/run does this in CI) or set TEST_DATABASE_URL"
        )
    root = Path(tempfile.mkdtemp(prefix="crm-sync-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()

    def run(*args: str) -> None:
        command = _as_owner([str(bindir / args[0]), *args[1:]])
        subprocess.run(command, check=True, capture_output=True, text=True)

    try:
        run("initdb", "-D", str(data), "-U", ROLE, "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
        try:
            yield f"postgresql://{ROLE}@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (optionally from ``template``); returns its libpq URL."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{clause}')
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"
