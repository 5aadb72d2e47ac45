"""Shared fixtures. Integration tests find their broker through the same registry code users use.

The local instances the tests need are started here when they are not running already
(instance 0 with one broker; instance 1 with three brokers, only for tests marked
`three_brokers`) and stopped at the end of the session if this session started them.
When a broker cannot be started or reached the tests fail; they never skip.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest

def pytest_collection_modifyitems(config, items):
    """Every test under tests/integration talks to a real broker: mark it, so that
    `pytest -m "not integration"` runs the rest in seconds on a machine without Java."""
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.integration)


# What a user's environment sets that would change which cluster or settings a test's command uses.
USER_CHOICES = ("KCTL_CONFIG", "KCTL_CONTEXT", "KCTL_BOOTSTRAP", "KCTL_INSTANCE", "KCTL_SASL_PASSWORD")


@pytest.fixture(scope="session", autouse=True)
def private_home(tmp_path_factory):
    """The session runs with an empty HOME and config dir of its own: a user's kctl config file
    (contexts, a current context) must neither change what a test's command does nor what it
    imports (yaml, for one). The local instances stay where `kctl local` keeps them (the state
    and jar cache folders are pinned to the user's real ones), so tests still find their brokers;
    Maven's repository is the user's too."""
    from kctl.services.local.paths import cache_root, state_root

    home = tmp_path_factory.mktemp("home")
    real_m2 = os.path.join(os.path.expanduser("~"), ".m2")
    if os.path.isdir(real_m2):
        os.symlink(real_m2, home / ".m2")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KCTL_STATE_DIR", str(state_root()))
        mp.setenv("XDG_CACHE_HOME", str(cache_root().parent))
        mp.setenv("HOME", str(home))
        mp.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        for name in USER_CHOICES:
            mp.delenv(name, raising=False)
        yield home


SINGLE_INSTANCE = int(os.environ.get("KCTL_TEST_INSTANCE", "0"))
CLUSTER_INSTANCE = int(os.environ.get("KCTL_TEST_CLUSTER_INSTANCE", "1"))


def _ensure_instance(instance: int, brokers: int, request) -> str:
    from kctl.config.registry import load_registry
    from kctl.services import local

    registry = load_registry()
    before = {i.instance: i for i in local.status(registry)}
    was_running = instance in before and before[instance].running
    try:
        result = local.up(registry, instance, brokers=brokers, wait=120)
    except Exception as exc:  # noqa: BLE001 - the message says why, the test session fails
        pytest.fail(f"cannot start local Kafka instance {instance} ({brokers} brokers): {exc}", pytrace=False)
    if not was_running and not os.environ.get("KCTL_TEST_KEEP_BROKERS"):
        request.addfinalizer(lambda: local.down(registry, instance))
    return result.bootstrap


@pytest.fixture(scope="session")
def kafka(request) -> dict:
    """The single-broker instance: {'instance': N, 'bootstrap': 'host:port'}."""
    bootstrap = _ensure_instance(SINGLE_INSTANCE, 1, request)
    return {"instance": SINGLE_INSTANCE, "bootstrap": bootstrap}


@pytest.fixture(scope="session")
def kafka3(request) -> dict:
    """The three-broker instance: {'instance': N, 'bootstrap': 'h:p1,h:p2,h:p3'}."""
    bootstrap = _ensure_instance(CLUSTER_INSTANCE, 3, request)
    return {"instance": CLUSTER_INSTANCE, "bootstrap": bootstrap}


@pytest.fixture
def unique_name(request):
    """A factory of topic/group names unique to this test: unique_name('orders') -> 'orders-test_x-1a2b3c4d'."""

    def make(prefix: str = "t") -> str:
        test = re.sub(r"[^A-Za-z0-9_.-]", "-", request.node.name)[:60]
        return f"{prefix}-{test}-{uuid.uuid4().hex[:8]}"

    return make


@pytest.fixture
def admin(kafka):
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": kafka["bootstrap"]})


def _create_topic(admin, name: str, partitions: int, replication: int, config: dict | None = None) -> None:
    from confluent_kafka.admin import NewTopic

    futures = admin.create_topics([NewTopic(name, partitions, replication, config=config or {})], operation_timeout=30)
    futures[name].result(timeout=30)
    from tests.helpers import wait_until

    def led() -> bool:
        topic = admin.list_topics(topic=name, timeout=10).topics.get(name)
        return topic is not None and topic.error is None and len(topic.partitions) == partitions and all(
            p.leader >= 0 for p in topic.partitions.values())

    # Wait on metadata (not a sleep) until every partition has a leader; 90 s is an upper bound: a
    # loaded 2-core machine can take long to elect.
    wait_until(led, 90, f"topic {name} got leaders", interval=0.05)


@pytest.fixture
def new_topic(admin, unique_name):
    """Factory: new_topic(partitions=1, replication=1, config=None) -> name; deleted at teardown."""
    created: list[str] = []

    def make(partitions: int = 1, replication: int = 1, config: dict | None = None, prefix: str = "t") -> str:
        name = unique_name(prefix)
        _create_topic(admin, name, partitions, replication, config)
        created.append(name)
        return name

    yield make
    if created:
        futures = admin.delete_topics(created, operation_timeout=30)
        for future in futures.values():
            try:
                future.result(timeout=30)
            except Exception:  # noqa: BLE001 - the test may have deleted it already
                pass


@pytest.fixture
def k(kafka):
    """run_kctl against the single-broker instance (`-i N` added)."""
    from tests.helpers import run_kctl

    def run(*args, **kwargs):
        return run_kctl(*args, "-i", str(kafka["instance"]), **kwargs)

    return run
