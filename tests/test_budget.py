"""A source's budget: its deadline and its count limits, from the settings."""
import pytest

from reader import config
from reader.budget import Budget, BudgetError, Deadline


def test_budget_from_settings():
    budget = Budget.start("https://news.example/feed", {"SOURCE_SECONDS": 30.0, "FEED_MAX_ENTRIES": 5,
                                                        "FEED_MAX_ENTRIES_READ": 50})
    assert (budget.seconds, budget.limit("feed entries"), budget.limit("feed entries read")) == (30.0, 5, 50)
    assert 29 < budget.deadline.remaining() <= 30


def test_budget_defaults_are_the_settings_defaults():
    budget = Budget.start("https://news.example/feed")
    assert budget.seconds == config.default("SOURCE_SECONDS")
    assert budget.limit("feed entries") == config.default("FEED_MAX_ENTRIES")


def test_a_spent_budget_names_its_limit():
    budget = Budget("https://news.example/a", seconds=0)
    with pytest.raises(BudgetError) as info:
        budget.check_time()
    assert (info.value.url, info.value.reason) == ("https://news.example/a",
                                                   "ran out of time (0s for one source)")


def test_a_count_over_its_limit_fails():
    budget = Budget("https://news.example/a", seconds=10, limits={"elements": 1000})
    budget.check_count("elements", 1000)
    with pytest.raises(BudgetError, match=r"too many elements \(1,001; at most 1,000\)"):
        budget.check_count("elements", 1001)


def test_the_earlier_deadline_wins():
    soon, late = Deadline.after(1, "soon"), Deadline.after(60, "late")
    assert soon.earlier(late) is soon and late.earlier(soon) is soon and late.earlier(None) is late


def test_a_budget_within_an_earlier_deadline_takes_it():
    job = Deadline.after(5, "the job ran out of time")
    budget = Budget.start("https://news.example/a", within=job)
    assert budget.deadline is job and budget.seconds == config.default("SOURCE_SECONDS")
    assert Budget.start("https://news.example/a", within=Deadline.after(10_000, "late")).deadline.reason \
        == "ran out of time (120s for one source)"
