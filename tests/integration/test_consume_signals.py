"""Ctrl-C and SIGTERM on `kctl consume`: commit what was written, leave the group, exit 130/143,
whenever the signal comes and however busy the machine is."""

from __future__ import annotations

import multiprocessing
import random
import signal
import subprocess

import pytest

from tests.helpers import wait_until
from tests.integration.consume_helpers import committed, group_name, kctl_popen, produce


def _written(lines) -> dict:
    written: dict = {}
    for line in lines:
        partition, offset = map(int, line.split())
        written[partition] = max(written.get(partition, -1), offset + 1)
    return written


def _members(admin, group: str) -> list:
    return admin.describe_consumer_groups([group])[group].result(timeout=30).members


def test_sigterm_commits_what_was_written_leaves_the_group_and_exits_143(kafka, new_topic, admin):
    topic = new_topic(partitions=2)
    produce(kafka["bootstrap"], topic, [{"value": f"r{i}".encode(), "partition": i % 2} for i in range(50)])
    group = group_name("term")
    proc = kctl_popen("consume", topic, "--group", group, "-f", "%p %o", "-b", kafka["bootstrap"])
    lines = [proc.stdout.readline() for _ in range(50)]
    proc.send_signal(signal.SIGTERM)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert rest == b"" and b"Traceback" not in err
    assert committed(kafka["bootstrap"], group, topic, 2) == _written(lines)
    # It left the group (no ghost member for session.timeout.ms), so offsets can be reset at once.
    assert _members(admin, group) == []
    from tests.helpers import run_kctl

    reset = run_kctl("groups", "reset-offsets", group, "--topic", topic, "--to-earliest", "--execute",
                     "-b", kafka["bootstrap"])
    assert reset.code == 0, reset
    assert committed(kafka["bootstrap"], group, topic, 2) == {0: 0, 1: 0}


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_works_when_sigint_was_inherited_ignored(kafka, new_topic):
    """A background job of a non-interactive shell (`cmd &` in a script, some CI runners and the
    test runs started that way) starts with SIGINT ignored; kctl consume then ignored `kill -INT`
    for good (a full test run once timed out on the Ctrl-C test this way)."""
    topic = new_topic(partitions=2)
    produce(kafka["bootstrap"], topic, [{"value": f"r{i}".encode(), "partition": i % 2} for i in range(20)])
    group = group_name("ign")
    proc = kctl_popen("consume", topic, "--group", group, "-f", "%p %o", "-b", kafka["bootstrap"],
                      preexec_fn=_ignore_sigint)
    lines = [proc.stdout.readline() for _ in range(20)]
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert committed(kafka["bootstrap"], group, topic, 2) == _written(lines)


def _spin(stop):
    while not stop.is_set():
        pass


@pytest.fixture
def busy_machine():
    """Keep every CPU busy while the test runs (the hang showed only under load)."""
    stop = multiprocessing.Event()
    burners = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(2)]
    for burner in burners:
        burner.start()
    yield
    stop.set()
    for burner in burners:
        burner.join(timeout=10)
        if burner.is_alive():
            burner.kill()


def _kctl_started(err: bytes) -> bool:
    """False when Python reports the interrupt from before kctl's main() was entered (a traceback,
    or 'Fatal Python error: init_import_site' when it came while the site module loaded)."""
    if b"KeyboardInterrupt" not in err:
        return True
    if b"init_import_site" in err:  # site.py's own main() is on that traceback: not kctl's
        return False
    return any(frame in err for frame in (b", in run\n", b", in main\n", b", in _main\n"))


def test_signals_at_random_moments_always_end_the_consume(kafka, new_topic, admin, busy_machine):
    """SIGINT or SIGTERM at any moment (start-up, metadata, group join, reading, idle): kctl ends,
    with 130/143 and no traceback, and never commits past what it wrote. A signal that arrives
    before kctl's main() runs ends the process Python's default way."""
    topic = new_topic(partitions=3)
    produce(kafka["bootstrap"], topic, [{"value": f"r{i}".encode(), "partition": i % 3} for i in range(300)])
    rng = random.Random()
    for attempt in range(12):
        sig = (signal.SIGINT, signal.SIGTERM)[attempt % 2]
        group = group_name("rnd")
        proc = kctl_popen("consume", topic, "--group", group, "-f", "%p %o", "-b", kafka["bootstrap"],
                          "-X", "session.timeout.ms=6000")
        try:
            proc.communicate(timeout=rng.uniform(0.05, 2.5))
        except subprocess.TimeoutExpired:
            pass
        proc.send_signal(sig)
        # A hang detector, not a timing assertion: a consume that ignores the signal never ends.
        out, err = proc.communicate(timeout=20)
        if not _kctl_started(err) or (proc.returncode in (-2, -15) and out == err == b""):
            # The signal came while the interpreter was still starting (site, runpy, compiling
            # kctl/__main__.py): the default action (SIGTERM: killed, nothing said) or Python's own
            # KeyboardInterrupt, before any kctl code could run.
            assert proc.returncode in (1, -2, -15) and out == b"", (attempt, proc.returncode, err)
            continue
        expected = {signal.SIGINT: 130, signal.SIGTERM: 143}[sig]
        assert proc.returncode == expected, (attempt, sig, proc.returncode, err)
        assert b"Traceback" not in err, err
        written = _written(out.splitlines()) if out else {}
        offsets = committed(kafka["bootstrap"], group, topic, 3)
        for partition, offset in offsets.items():
            assert offset <= written.get(partition, 0) or offset < 0, (attempt, offsets, written)


@pytest.mark.parametrize("sig, code, commit", [(signal.SIGINT, 130, "sync"), (signal.SIGTERM, 143, "sync"),
                                               (signal.SIGTERM, 143, "after-write")])
def test_a_signal_while_the_reader_is_not_reading_commits_exactly_the_lines_written(kafka, new_topic, sig, code,
                                                                                    commit):
    """The pipe is full and kctl waits to write: the signal ends that write; exactly the complete
    lines that went into the pipe are committed (a line cut by the signal is not)."""
    topic = new_topic(partitions=1)
    total = 5000
    produce(kafka["bootstrap"], topic, [{"value": b"%06d" % i + b"y" * 94} for i in range(total)])
    group = group_name("full")
    proc = kctl_popen("consume", topic, "--group", group, "--commit", commit, "-X", "auto.commit.interval.ms=100",
                      "-b", kafka["bootstrap"])
    try:
        # Read a while (chunks are written and committed), then stop reading: the pipe fills up.
        first = b"".join(proc.stdout.readline() for _ in range(1500))
        wait_until(lambda: committed(kafka["bootstrap"], group, topic, 1)[0] > 0, 90, "a first commit", interval=0.05)
        proc.send_signal(sig)
        out = first + proc.stdout.read()  # (communicate() would skip what readline() buffered)
        err = proc.stderr.read()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert b"Traceback" not in err
    complete = out.split(b"\n")[:-1]
    assert complete == [b"%06d" % i + b"y" * 94 for i in range(len(complete))]
    assert 0 < len(complete) < total
    assert committed(kafka["bootstrap"], group, topic, 1) == {0: len(complete)}


@pytest.fixture
def black_hole():
    """A port that accepts connections and never answers (a broker that hangs)."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}", accepted
    stop.set()
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_the_consume_while_the_cluster_does_not_answer(black_hole, sig, code):
    """With a 60 s --timeout, the metadata look-up would wait a minute: the signal ends it at once."""
    import time

    bootstrap, accepted = black_hole
    proc = kctl_popen("consume", "t", "--group", group_name("hole"), "-b", bootstrap, "--timeout", "60")
    wait_until(lambda: accepted, 90, "kctl to connect", interval=0.05)
    proc.send_signal(sig)
    started = time.monotonic()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert b"Traceback" not in err
    # Far below the 60 s the look-up would have waited (not a measure of the machine's speed).
    assert time.monotonic() - started < 20


def test_sigterm_on_produce_is_handled_like_ctrl_c_and_exits_143(kafka, new_topic):
    """SIGTERM is handled in kctl.__main__ for every command: produce takes its Ctrl-C path
    (what was read is flushed and acknowledged) and exits 143."""
    from confluent_kafka import TopicPartition

    topic = new_topic(partitions=1)
    proc = kctl_popen("produce", topic, "-b", kafka["bootstrap"], stdin=subprocess.PIPE)
    proc.stdin.write(b"".join(b"line %d\n" % i for i in range(100)))
    proc.stdin.flush()  # stdin stays open: produce waits for more

    def delivered() -> int:
        from confluent_kafka import Consumer

        consumer = Consumer({"bootstrap.servers": kafka["bootstrap"], "group.id": group_name("wm")})
        try:
            return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
        finally:
            consumer.close()

    wait_until(lambda: delivered() == 100, 90, "100 records produced", interval=0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert b"Traceback" not in err
    assert delivered() == 100
