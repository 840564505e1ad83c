"""Signed Slack requests for tests: the builders of :mod:`sandbox.slack.requests`, which the
console sends too (so what the suite proves is what the console does)."""

from sandbox.slack.requests import *  # noqa: F403
from sandbox.slack.requests import __all__ as __all__
