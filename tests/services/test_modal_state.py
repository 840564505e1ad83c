"""A modal's state across its steps: inline when it fits private_metadata, else stored."""

from __future__ import annotations

from bot.app import Runtime
from bot.services.modal_state import PRIVATE_METADATA, forget_state, load_state, pack_state

LONG = "N" * 400


async def test_large_state_is_stored_and_found_by_key(runtime: Runtime) -> None:
    small = {"rt": "Candidate", "n": 2}
    inline = await pack_state(runtime, "T0001", small)
    assert await load_state(runtime, "T0001", inline) == small

    big = {"rows": [LONG] * 20}
    key = await pack_state(runtime, "T0001", big)
    assert len(key) < PRIVATE_METADATA
    assert await load_state(runtime, "T0001", key) == big
    assert await load_state(runtime, "T0002", key) == {}  # another workspace's key
    assert await load_state(runtime, "T0001", "not json") == {}

    await forget_state(runtime, "T0001", key)
    assert await load_state(runtime, "T0001", key) == {}
