"""The "Exists in <CRM>" alert (PRODUCT.md rule 7, every help page's deduplication): a contact
already in the CRM is flagged before anything syncs; Keep syncing links it to that record (no
second record), Skip contact leaves it out for good."""

from __future__ import annotations

import pytest

from tests.scenarios.matrix.profiles import crms
from tests.scenarios.matrix.recruiter import ALERTS, Recruiter, added, emailed
from tests.support.fake_slack import Call


async def alert_about(me: Recruiter, email: str) -> Call:
    await me.send(added(email))
    await me.settle()
    [alert] = me.sent(f"Exists in {me.profile.crm}")
    assert email.lower() in alert.args["text"] and "Sequence seq-1" in alert.args["text"]
    return alert


@pytest.mark.parametrize("crm", crms())
async def test_exists_alert_keep(crm: str, me: Recruiter) -> None:
    existing = me.crm.seed_person("bob@acme.com", "Bob", "Existing")
    answers = {"Options": ["dedup", "activity"], "Alert channel": ALERTS}
    if me.profile.jobs:
        job = me.crm.seed_job("Staff Engineer")
        answers["Default job"] = "Staff Engineer"
    await me.connect()
    await me.settings(answers)

    alert = await alert_about(me, "Bob@Acme.com")
    assert alert.args["channel"] == ALERTS and existing in str(alert.args["blocks"])
    assert me.crm.jobs_of(existing) == []  # nothing synced before the decision
    await me.user.click(alert.args["blocks"], "Keep syncing", channel_id=ALERTS)
    await me.settle()

    assert me.records("bob@acme.com") == [existing]
    if me.profile.jobs:
        assert me.crm.jobs_of(existing) == [job]
    assert "kept syncing" in me.slack.calls_to("response_url")[-1].args["text"]


async def skip_the_alert_about(me: Recruiter, email: str) -> str:
    """Connect (deduplication is on by default; no alert channel: a DM), get the alert about
    ``email`` and press Skip contact; what ``/crm status <email>`` then says."""
    await me.connect()
    alert = await alert_about(me, email)
    dm = alert.args["channel"]
    assert dm.startswith("D")
    await me.user.click(alert.args["blocks"], "Skip contact", channel_id=dm)
    await me.send(emailed("replied", email))
    await me.settle()
    return await me.status(email)


@pytest.mark.parametrize("crm", crms())
async def test_exists_alert_skip(crm: str, me: Recruiter) -> None:
    existing = me.crm.seed_person("bob@acme.com", "Bob", "Existing")
    status = await skip_the_alert_about(me, "bob@acme.com")
    assert me.records("bob@acme.com") == [existing]
    assert me.crm.activities_of(existing) == []
    assert "Status: skipped after the duplicate warning" in status


@pytest.mark.parametrize("crm", ["ashby"])  # the same words for every CRM
@pytest.mark.xfail(
    strict=True,
    reason="/crm status <email> shows the skip reason's mention escaped ('Skipped by "
    "&lt;@U0001&gt;'), so Slack prints the raw text instead of naming who skipped: "
    "bot/views/status.py timeline_message escapes the reason that bot/services/dedup.py writes "
    "with a <@user> mention",
)
async def test_status_names_who_skipped(crm: str, me: Recruiter) -> None:
    me.crm.seed_person("bob@acme.com", "Bob", "Existing")
    assert "Skipped by <@U0001>" in await skip_the_alert_about(me, "bob@acme.com")
