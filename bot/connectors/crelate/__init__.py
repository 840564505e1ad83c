"""Crelate (api3) connector; its emulator is ``sandbox.crelate``."""
