"""Emulators of the CRM APIs the bot syncs into, for tests and local demos.

Not part of the product: the wheel ships ``bot`` only, and nothing in ``bot`` imports this.
Each module holds one vendor's shapes and rules (``ashby``, ``salesforce``, ``crelate``,
``pcrecruiter``, ``recruiterflow``) on the shared :mod:`sandbox.kernel`; each offers
``create_app(state)`` and ``demo(origin)``. ``python -m sandbox serve <name>|all`` serves them.
"""

EMULATORS = ("ashby", "salesforce", "crelate", "pcrecruiter", "recruiterflow")
