"""A stand-in for Slack: the Web API the app calls (:mod:`sandbox.slack.web_api`), the
workspace state it changes (:mod:`sandbox.slack.workspace`) and the signed requests Slack
sends the app (:mod:`sandbox.slack.requests`). The suite and the console share them."""

from sandbox.slack.web_api import Call, SlackWebApi
from sandbox.slack.workspace import ResponseTarget, SlackError, Workspace

__all__ = ["Call", "ResponseTarget", "SlackError", "SlackWebApi", "Workspace"]
