"""The call log, ids, the clock and gates every emulator state has."""

from __future__ import annotations

import asyncio

from sandbox.kernel import ManualClock, fingerprint
from tests.sandbox.kernel.toy import KEY, ToyState


async def test_the_call_log_records_each_call_without_secrets(client, toy: ToyState) -> None:
    toy.clock.advance(5)  # type: ignore[attr-defined]
    await client.post("/notes", json={"text": "hi"}, params={"key": "s3cret", "page": "2"})
    await client.get("/notes", headers={"X-Key": "wrong"})
    first, second = toy.log
    assert (first.route, first.method, first.path, first.status) == (
        "notes.add",
        "POST",
        "/notes",
        200,
    )
    assert first.credential == fingerprint(KEY) and KEY not in str(first.to_json())
    assert first.query == {"key": "•••", "page": "2"}
    assert first.body == {"text": "hi"} and first.at == 1_800_000_005.0 and first.seconds >= 0
    assert (second.status, second.error) == (401, "unauthorised")
    assert toy.calls == {"notes.add": 1, "notes.list": 1}
    assert toy.log.where("notes.list", status=401) == [second]
    toy.reset_calls()
    assert not toy.log and not toy.calls


def test_ids_repeat_with_a_seed_and_count_from_a_start() -> None:
    one, two = ToyState(seed=5), ToyState(seed=5)
    assert [one.ids.uuid() for _ in range(3)] == [two.ids.uuid() for _ in range(3)]
    assert one.ids.token(8) == two.ids.token(8) and len(one.ids.token(8)) == 16
    assert ToyState().ids.uuid() != ToyState().ids.uuid()
    counted = ToyState(first_id=1001)
    assert [counted.ids.number() for _ in range(3)] == [1001, 1002, 1003]


def test_a_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(100.0)
    assert clock.time() == 100.0 and clock.now().timestamp() == 100.0
    clock.advance(2.5)
    assert clock.time() == 102.5


async def test_a_gate_holds_a_route_open_until_set(client, toy: ToyState) -> None:
    gate = toy.gates["notes.add"] = asyncio.Event()
    pending = asyncio.create_task(client.post("/notes", json={"text": "later"}))
    await asyncio.sleep(0.05)
    assert not pending.done() and toy.notes == {}
    gate.set()
    assert (await pending).status_code == 200
