"""``python -m bot [all|web|worker|migrate|generate-key|rotate-keys]`` (default: all)."""

from __future__ import annotations

import argparse
import asyncio

from cryptography.fernet import Fernet

from bot.ops.logs import configure_logging
from bot.settings import Settings

ROLES = ("all", "web", "worker", "migrate", "generate-key", "rotate-keys")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot", description="CRM Sync Bot")
    parser.add_argument(
        "role",
        nargs="?",
        default="all",
        choices=ROLES,
        help=(
            "all: HTTP and background jobs in one process (default); web: HTTP; "
            "worker: background jobs; migrate: apply database migrations and exit"
        ),
    )
    args = parser.parse_args(argv)
    configure_logging()
    if args.role == "generate-key":
        print(Fernet.generate_key().decode())
        return
    settings = Settings()
    if args.role == "migrate":
        from bot.storage.db import upgrade_to_head

        asyncio.run(upgrade_to_head(settings.database_url))
        print("database is up to date")
        return
    if args.role == "rotate-keys":
        from bot.storage.rotate import rotate_all

        print(
            f"re-encrypted {asyncio.run(rotate_all(settings))} stored secrets under the primary key"
        )
        return
    from bot.serve import serve

    asyncio.run(serve(settings, args.role))


if __name__ == "__main__":
    main()
