"""kafka-python's first import from several threads at once fails (its package imports itself in
cycles: importlib's _DeadlockError or a partially initialised kafka.admin; `kctl doctor` exited 1
that way when its checks started). kctl.kafka.kafka_python.load_library, called in the thread that
starts them, makes those imports safe. Each case is a fresh interpreter: the import happens once."""

from __future__ import annotations

import subprocess
import sys

CONCURRENT_IMPORTS = """
import sys, threading
{load}
barrier = threading.Barrier(3)
errors = []

def first_use(statement):
    barrier.wait()
    try:
        exec(statement, {{}})
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=first_use, args=(s,)) for s in (
    "from kafka.admin import KafkaAdminClient", "from kafka import TopicPartition", "from kafka.errors import for_code")]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors[0] if errors else "ok")
"""


def _runs(load: str, times: int) -> list[str]:
    code = CONCURRENT_IMPORTS.format(load=load)
    return [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.strip()
            for _ in range(times)]


def test_threads_use_kafka_python_safely_after_load_library():
    # without the load_library call, 20 of 20 such runs failed here
    assert _runs("from kctl.kafka.kafka_python import load_library; load_library()", 6) == ["ok"] * 6

