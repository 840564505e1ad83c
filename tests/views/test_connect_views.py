from bot.views.connect import connected_modal
from tests.support.blockkit import assert_valid_view


def test_connected_modal_mentions_jobs_only_for_crms_with_jobs() -> None:
    with_jobs = connected_modal("Ashby", "Sync bot")
    without = connected_modal("Salesforce", "sync@acme.test", has_jobs=False)
    for view in (with_jobs, without):
        assert_valid_view(view)
    assert "default job" in str(with_jobs)
    assert "default job" not in str(without)
