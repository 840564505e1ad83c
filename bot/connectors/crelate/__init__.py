"""Crelate (api3) connector and its emulator."""
