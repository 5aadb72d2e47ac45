"""The CLI fuzzer (bench/fuzzlib.py): command lines drawn over kctl's whole command tree, each run
as `python3 -m kctl -i 0 --timeout 2 ...` against instance 0, must keep the exit-code and error
contract (a documented code other than 1, one `kctl: error:` line, no traceback, no signal, no
hang, done within --timeout + 5 s). `bench/fuzz --minutes N` runs the same for longer."""

from __future__ import annotations

import random
import re
import time

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from bench import fuzzlib

TREE = fuzzlib.Tree.load()
BUDGET_S = 60  # of running lines; bench/fuzz runs the same for minutes


class DataPicker(fuzzlib.Picker):
    def __init__(self, data):
        self.data = data

    def choice(self, items):
        return self.data.draw(st.sampled_from(list(items)))

    def chance(self, percent: int) -> bool:
        return self.data.draw(st.integers(0, 99)) < percent


@pytest.fixture(scope="module")
def world(kafka, tmp_path_factory):
    assert kafka["instance"] == 0  # the fuzzer's lines say -i 0 themselves
    world = fuzzlib.make_world(tmp_path_factory.mktemp("fuzz"))
    world.ensure_made()
    world.started = time.monotonic()
    yield world
    assert world.clean_up() == []


def test_every_command_and_parameter_is_fuzzed_or_excluded_with_a_reason():
    paths = {c.path for c in TREE.commands}
    assert {"produce", "consume", "topics delete", "groups reset-offsets", "txn run", "config set-context"} <= paths
    assert set(fuzzlib.EXCLUDED_COMMANDS) <= paths  # no stale exclusion
    by_path = {c.path: {p.name for p in c.params} for c in TREE.commands}
    by_path[""] = {p.name for p in TREE.global_params}
    for path, name in fuzzlib.EXCLUDED_OPTIONS:
        assert name in by_path[path], (path, name)
    pools = fuzzlib.Pools("kctl-fuzz-x", fuzzlib.REPO_ROOT, ("kctl-fuzz-x-t1", "kctl-fuzz-x-t2"), ("kctl-fuzz-x-g1",))
    for command in [*TREE.fuzzed, fuzzlib.Command("", TREE.global_params)]:
        for param in command.params:
            if param.flag or param.count:
                continue
            assert pools.values(param.role, param), (command.path, param)
            assert pools.valid(param.role, param), (command.path, param)


def test_no_value_can_reach_another_instance_or_service():
    pools = fuzzlib.Pools("kctl-fuzz-x", fuzzlib.REPO_ROOT, ("kctl-fuzz-x-t1", "kctl-fuzz-x-t2"), ("kctl-fuzz-x-g1",))
    param = fuzzlib.Param("p", "--p", "x")
    assert not {str(n) for n in range(1, 10)} & set(pools.values("instance", param))
    for address in pools.values("address", param):  # port 1 (nothing listens) or none that can exist
        assert set(re.findall(r":(\d+)", address)) <= {"1", "99999"}, address
    # every line targets instance 0 and nothing else
    line = fuzzlib.build_line(TREE, pools, fuzzlib.RandomPicker(random.Random(0)))
    assert line[:4] == ["-i", "0", "--timeout", str(fuzzlib.TIMEOUT_S)]


@settings(max_examples=120, deadline=None, derandomize=True, database=None, print_blob=False,
          phases=(Phase.explicit, Phase.generate),  # no shrinking: every run of a line is a process
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_every_command_line_keeps_the_exit_and_error_contract(world, data):
    line = fuzzlib.build_line(TREE, world.pools, DataPicker(data))
    if time.monotonic() - world.started > BUDGET_S:
        return  # the suite's budget is spent (a loaded machine runs fewer of the same lines)
    note(fuzzlib.Outcome(line, 0, "", "", 0).shell)
    outcome = fuzzlib.run_line(line, world.env, world.cwd)
    problems = fuzzlib.broken(outcome)
    assert not problems, fuzzlib.describe(outcome, problems)
