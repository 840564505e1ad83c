"""The emulator kernel: what every CRM emulator shares.

* :class:`State` — the base of each emulator's state: ``ids`` (:class:`Ids`), ``clock``
  (:class:`Clock`, or :class:`ManualClock` in tests), the call ``log`` (:class:`CallLog`,
  counted per route by ``calls``), ``faults`` (:class:`Faults`, one model: status, hang,
  drop, committed-but-lost; counted or probabilistic), ``latency`` (:class:`Latency`) and
  ``limits`` (a token bucket per credential, :class:`RateLimit`).
* :class:`Routes` and :class:`Api` — one route declaration style and the vendor's rules;
  :func:`build_app` turns them into an ASGI app with the admin routes ``/_sandbox/...``.
* :class:`Transport` (in-process, keeps client timeouts), :class:`Server` (a real server on
  loopback in a thread), :func:`spawn` (one in a subprocess) and :class:`Remote` (its admin
  routes from another process).
"""

from sandbox.kernel.app import Api, ConnectionDropped, Endpoint, Routes, build_app, fingerprint
from sandbox.kernel.calls import Call, CallLog
from sandbox.kernel.clock import Clock, ManualClock
from sandbox.kernel.demo import Demo
from sandbox.kernel.faults import Fault, Faults
from sandbox.kernel.ids import Ids
from sandbox.kernel.limits import Latency, RateLimit, RateLimiter
from sandbox.kernel.server import Remote, Server, Spawned, spawn
from sandbox.kernel.state import State
from sandbox.kernel.transport import Transport

__all__ = [
    "Api",
    "Call",
    "CallLog",
    "Clock",
    "ConnectionDropped",
    "Demo",
    "Endpoint",
    "Fault",
    "Faults",
    "Ids",
    "Latency",
    "ManualClock",
    "RateLimit",
    "RateLimiter",
    "Remote",
    "Routes",
    "Server",
    "Spawned",
    "State",
    "Transport",
    "build_app",
    "fingerprint",
    "spawn",
]
