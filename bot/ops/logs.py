"""Log configuration of the processes."""

from __future__ import annotations

import asyncio
import logging

__all__ = ["configure_logging"]

# One line per scheduler tick, Alembic plugin or polled job is noise, not information.
QUIET = ("apscheduler", "alembic.runtime.plugins")


class _ExpectedCancellation(logging.Filter):
    """A job cancelled because its worker is stopping is retried elsewhere: worth a line, not
    a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            record.exc_info = None
            record.exc_text = None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_ExpectedCancellation())
