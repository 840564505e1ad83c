"""Views built from huge inputs stay within Slack's Block Kit limits (and the schema)."""

from __future__ import annotations

from bot.connectors.base import FieldSpec
from bot.services.team import CloneResult, CloneSkip
from bot.sync.mapping import MappingRow
from bot.views.alerts import ExistsAlert, exists_alert
from bot.views.blocks import actions, button, option, section
from bot.views.help import help_message
from bot.views.limits import (
    BLOCKS_PER_MESSAGE,
    BLOCKS_PER_VIEW,
    cap_blocks,
    option_page,
    paged_blocks,
)
from bot.views.mapping import MAX_ROWS, MappingForm, mapping_modal
from bot.views.settings import SettingsForm, settings_modal
from bot.views.team import clone_result_modal
from tests.support.blockkit import assert_valid_message, assert_valid_view

LONG = "N" * 400


def test_mapping_modal_with_500_long_fields_and_too_many_rows() -> None:
    fields = tuple(FieldSpec(f"f{i}", f"{LONG} {i}", "string") for i in range(500))
    rows = tuple(MappingRow("custom", LONG, f"f{i}") for i in range(MAX_ROWS + 10))
    form = MappingForm("Ashby" * 20, ("Candidate",), "Candidate", fields, rows, version=3)
    view = mapping_modal(form, "x" * 100)
    assert_valid_view(view)
    assert len(view["blocks"]) <= BLOCKS_PER_VIEW
    selects = [
        b["element"] for b in view["blocks"] if b.get("block_id", "").startswith("map_field")
    ]
    assert len(selects) == MAX_ROWS
    assert {s["type"] for s in selects} == {"external_select"}  # 500 > 100 options


def test_mapping_modal_with_few_fields_uses_a_static_select_and_record_type_picker() -> None:
    fields = tuple(FieldSpec(f"f{i}", f"Field {i}", "string") for i in range(80))
    form = MappingForm("Salesforce", ("Lead", "Contact"), "Contact", fields, (), None)
    view = mapping_modal(form)
    assert_valid_view(view)
    assert view["blocks"][0]["element"]["initial_option"]["value"] == "Contact"


def test_settings_modal_and_alert_with_400_character_names() -> None:
    form = SettingsForm(
        crm=LONG,
        sync_mode="on_add",
        record_types=(LONG[:60], "Contact"),
        sync_as="Contact",
        dedup_enabled=True,
        activity_enabled=False,
        default_job_id="job-1",
        default_job_name=LONG,
        alert_channel_id="C1",
        supports_jobs=True,
    )
    assert_valid_view(settings_modal(form, "C1"))
    alert = ExistsAlert(1, LONG, f"{LONG}@acme.com", LONG, LONG, LONG, "https://x.test/" + LONG)
    text, blocks = exists_alert(alert)
    assert_valid_message(blocks, text)


def test_clone_result_with_300_skipped_teammates_is_capped_with_a_count() -> None:
    result = CloneResult(
        crm="Ashby",
        copied=[f"U{i:05d}" for i in range(300)],
        skipped=[(f"W{i:05d}", CloneSkip.NOT_CONNECTED, None) for i in range(300)],
    )
    view = clone_result_modal(result)
    assert_valid_view(view)
    assert len(view["blocks"]) == BLOCKS_PER_VIEW
    assert "more skipped" in view["blocks"][-1]["elements"][0]["text"]


def test_300_sequences_page_through_messages_and_views() -> None:
    items = [
        [
            section(f"*{LONG} {i}*: 12 synced, 3 pending"),
            actions(f"seq_{i}", button("Resync", "seq_resync", str(i))),
        ]
        for i in range(300)
    ]
    seen: set[str] = set()
    for limit, validate in (
        (BLOCKS_PER_MESSAGE, lambda b: assert_valid_message(b, "Sequences")),
        (BLOCKS_PER_VIEW, lambda b: assert_valid_view({"type": "modal", **_modal(b)})),
    ):
        page, pages_seen = 0, 0
        while True:
            blocks = paged_blocks(items, page, limit=limit, nav_action="seq_page", noun="sequences")
            assert len(blocks) <= limit
            validate(blocks)
            seen |= {b.get("block_id", "") for b in blocks} - {""}
            pages_seen += 1
            nav = blocks[-1]["elements"]
            nxt = [e for e in nav if e["action_id"] == "seq_page_next"]
            if not nxt:
                break
            page = int(nxt[0]["value"])
        assert pages_seen > 1
    assert len(seen - {"seq_page_pages"}) == 300


def _modal(blocks: list) -> dict:
    return {
        "title": {"type": "plain_text", "text": "Sequences"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }


def test_500_jobs_page_into_selects_of_100() -> None:
    jobs = [option(f"{LONG} {i}", f"job-{i}") for i in range(500)]
    pages = []
    page, more = 0, True
    while more:
        options, more = option_page(jobs, page)
        pages.append(options)
        page += 1
    assert [len(p) for p in pages] == [100] * 5
    select = {"type": "static_select", "action_id": "job", "options": pages[4]}
    assert_valid_message([{"type": "section", "text": section("x")["text"], "accessory": select}])


def test_cap_blocks_keeps_short_lists_and_help_is_valid() -> None:
    assert cap_blocks([section("a")], 50) == [section("a")]
    assert len(cap_blocks([section("a")] * 60, 50)) == 50
    text, blocks = help_message(["Ashby"] * 200, LONG * 10)
    assert_valid_message(blocks, text)
