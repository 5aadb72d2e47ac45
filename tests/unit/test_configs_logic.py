"""configs alter waits until a describe shows the change (a broker applies it when it replays the
metadata log, so the first describe after AlterConfigs can show the old value)."""

from kctl.deadline import Deadline
from kctl.models import Outcome
from kctl.models.admin import ConfigEntry
from kctl.services import configs

KEY = "log.cleaner.backoff.ms"


class _Admin:
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0

    def describe_resource_configs(self, resources, deadline):
        self.calls += 1
        entries = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return {resources[0]: Outcome(tuple(entries))}


OLD = [ConfigEntry(KEY, "15000", "default", is_default=True)]
NEW = [ConfigEntry(KEY, "16000", "broker")]


def test_alter_waits_until_the_broker_shows_the_new_value():
    admin = _Admin([OLD, OLD, NEW])
    configs._wait_applied(admin, ("broker", "1"), "broker", {KEY: "16000"}, [], Deadline.after(5))
    assert admin.calls == 3


def test_a_delete_is_applied_when_the_key_is_no_longer_from_that_source():
    admin = _Admin([NEW, OLD])
    configs._wait_applied(admin, ("broker", "1"), "broker", {}, [KEY], Deadline.after(5))
    assert admin.calls == 2


def test_a_change_never_shown_ends_the_wait_at_the_deadline_without_failing():
    admin = _Admin([OLD])
    deadline = Deadline.after(0.8)
    configs._wait_applied(admin, ("broker", "1"), "broker", {KEY: "16000"}, [], deadline)
    assert admin.calls >= 2 and deadline.remaining() <= 0.5


def test_a_value_shown_in_another_spelling_counts_and_the_wait_is_capped(monkeypatch):
    policy = [ConfigEntry("cleanup.policy", "compact,delete", "topic")]
    admin = _Admin([policy])
    configs._wait_applied(admin, ("topic", "t"), "topic", {"cleanup.policy": "compact, delete"}, [], Deadline.after(5))
    assert admin.calls == 1
    monkeypatch.setattr(configs, "APPLY_WAIT_S", 0.7)
    never = Deadline.after(60)
    configs._wait_applied(_Admin([OLD]), ("broker", "1"), "broker", {KEY: "16000"}, [], never)
    assert never.remaining() > 58
