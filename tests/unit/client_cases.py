"""Bad calls of the Python API (kctl.client), run by tests/unit/test_client_bad_inputs.py in a child
process: several of them aborted or crashed the interpreter inside confluent-kafka (an empty
group id: an assertion; a topic or header name that is not UTF-8: a segmentation fault), which
would take pytest down with them.

`python -m tests.unit.client_cases` runs every case and prints one JSON line per case as it ends:
{"case": id, "error": class name, "usage": is a UsageError, "kctl": is a KctlError} ("error" is
null when the call returned). No broker is needed: nothing listens on 127.0.0.1:1, and no case
gets as far as the network.
"""

from __future__ import annotations

import json
import os
import sys

NOWHERE = "127.0.0.1:1"
SURROGATE = "a\udcff"  # how a command-line argument of raw bytes arrives


def consumer(**kwargs):
    from kctl.client import ConsumerClient

    return ConsumerClient(bootstrap=NOWHERE, **kwargs)


def producer(**kwargs):
    from kctl.client import ProducerClient

    return ProducerClient(bootstrap=NOWHERE, **kwargs)


def admin():
    from kctl.client import AdminClient

    return AdminClient(bootstrap=NOWHERE, timeout=0.5)


def txn(transactional_id="kctl-cases"):
    from kctl.client import TransactionClient

    return TransactionClient(transactional_id, bootstrap=NOWHERE)


def rec(*args, **kwargs):
    from kctl.client import ProducerRecord

    return ProducerRecord(*args, **kwargs)


def closed(make):
    client = make()
    client.close() if hasattr(client, "list_topics") else client.close(0.5)
    return client


def _with(make, call):
    """call(client) on a fresh client, which is closed afterwards whatever happened."""
    def run():
        client = make()
        try:
            return call(client)
        finally:
            try:
                client.close() if hasattr(client, "list_topics") else client.close(0.5)  # nothing is delivered
            except Exception:  # noqa: BLE001 - a bad close() argument is the case itself
                pass
    return run


def _closed_then(make, call):
    return lambda: call(closed(make))


GROUP = {"group_id": "kctl-cases"}
C = lambda **kw: consumer(**{**GROUP, **kw})  # noqa: E731

# (id, expected: "usage" | "closed" | "kctl" | "ok", the call)
CASES = [
    # -- ConsumerClient(...) --
    ("consumer group_id empty", "usage", lambda: consumer(group_id="")),
    ("consumer group_id blank", "usage", lambda: consumer(group_id=" ")),
    ("consumer group_id tab newline", "usage", lambda: consumer(group_id="\t\n")),
    ("consumer group_id starts with NUL", "usage", lambda: consumer(group_id="\x00a")),
    ("consumer group_id not UTF-8", "usage", lambda: consumer(group_id=SURROGATE)),
    ("consumer group_id an int", "usage", lambda: consumer(group_id=5)),
    ("consumer conf group.id empty", "usage",
     lambda: consumer(conf={"group.id": ""})),
    ("consumer conf group.id None", "usage", lambda: consumer(conf={"group.id": None})),
    ("consumer option group_id blank via conf", "usage", lambda: consumer(conf={"group.id": "\r"})),
    ("consumer client_id not UTF-8", "kctl", lambda: consumer(client_id=SURROGATE)),
    ("consumer unknown property", "kctl", lambda: consumer(no_such_property=1)),
    ("consumer instance not a number", "usage", lambda: __import__("kctl.client", fromlist=["x"]).ConsumerClient(instance="x")),
    ("consumer conf not a dict", "usage", lambda: __import__("kctl.client", fromlist=["x"]).ConsumerClient(conf="x")),
    ("consumer bootstrap not a string", "usage", lambda: __import__("kctl.client", fromlist=["x"]).ConsumerClient(bootstrap=5)),
    # -- ConsumerClient methods --
    ("subscribe no topics", "usage", _with(C, lambda c: c.subscribe([]))),
    ("subscribe a bare string", "usage", _with(C, lambda c: c.subscribe("orders"))),
    ("subscribe empty name", "usage", _with(C, lambda c: c.subscribe([""]))),
    ("subscribe name not UTF-8", "usage", _with(C, lambda c: c.subscribe([SURROGATE]))),
    ("subscribe None name", "usage", _with(C, lambda c: c.subscribe([None]))),
    ("subscribe NUL in name", "usage", _with(C, lambda c: c.subscribe(["a\x00b"]))),
    ("subscribe bad regex", "kctl", _with(C, lambda c: c.subscribe(["^("]))),
    ("subscribe on_assign not callable", "usage", _with(C, lambda c: c.subscribe(["t"], on_assign=5))),
    ("assign negative partition", "usage", _with(C, lambda c: c.assign({("t", -1): 0}))),
    ("assign offset not a number", "usage", _with(C, lambda c: c.assign({("t", 0): "x"}))),
    ("assign topic not UTF-8", "usage", _with(C, lambda c: c.assign([(SURROGATE, 0, 0)]))),
    ("assign a string", "usage", _with(C, lambda c: c.assign("orders"))),
    ("assign partition too large", "usage", _with(C, lambda c: c.assign({("t", 2**40): 0}))),
    ("seek partition too large", "usage", _with(C, lambda c: c.seek("t", 2**40, 0))),
    ("seek offset too large", "usage", _with(C, lambda c: c.seek("t", 0, 2**70))),
    ("pause bad partitions", "usage", _with(C, lambda c: c.pause([("t",)]))),
    ("poll max_records 0", "usage", _with(C, lambda c: c.poll(max_records=0))),
    ("poll max_records a string", "usage", _with(C, lambda c: c.poll(max_records="5"))),
    ("poll negative timeout", "usage", _with(C, lambda c: c.poll(timeout=-1))),  # librdkafka: wait forever
    ("poll nan timeout", "usage", _with(C, lambda c: c.poll(timeout=float("nan")))),
    ("poll None timeout", "usage", _with(C, lambda c: c.poll(timeout=None))),
    ("poll_items negative timeout", "usage", _with(C, lambda c: c.poll_items(timeout=-1))),
    ("poll_batch too many", "usage", _with(C, lambda c: c.poll_batch(max_records=10**7))),
    ("poll zero timeout", "ok", _with(C, lambda c: c.poll(timeout=0))),
    ("commit without a group", "usage", _with(consumer, lambda c: c.commit())),
    ("async commit without a group", "usage", _with(consumer, lambda c: c.commit(asynchronous=True))),
    ("commit negative timeout", "usage", _with(C, lambda c: c.commit(timeout=-1))),
    ("store_offsets bad shape", "usage", _with(C, lambda c: c.store_offsets([("t", 0)]))),
    ("committed negative timeout", "usage", _with(C, lambda c: c.committed([("t", 0)], timeout=-1))),
    ("watermarks empty topic", "usage", _with(C, lambda c: c.watermarks("", 0))),
    ("offsets_for_times negative time", "usage", _with(C, lambda c: c.offsets_for_times("t", [0], -5))),
    ("offsets_for_times partitions a string", "usage", _with(C, lambda c: c.offsets_for_times("t", "0", 1))),
    ("topics topic not UTF-8", "usage", _with(C, lambda c: c.topics(topic=SURROGATE))),
    ("close timeout a string", "usage", _with(C, lambda c: c.close("x"))),
    # -- a closed ConsumerClient --
    ("closed consumer poll", "closed", _closed_then(C, lambda c: c.poll(timeout=0))),
    ("closed consumer poll_batch", "closed", _closed_then(C, lambda c: c.poll_batch(1, 0))),
    ("closed consumer subscribe", "closed", _closed_then(C, lambda c: c.subscribe(["t"]))),
    ("closed consumer assign", "closed", _closed_then(C, lambda c: c.assign({("t", 0): 0}))),
    ("closed consumer commit", "closed", _closed_then(C, lambda c: c.commit())),
    ("closed consumer committed", "closed", _closed_then(C, lambda c: c.committed([("t", 0)]))),
    ("closed consumer assignment", "closed", _closed_then(C, lambda c: c.assignment())),
    ("closed consumer watermarks", "closed", _closed_then(C, lambda c: c.watermarks("t", 0))),
    ("closed consumer group_metadata", "closed", _closed_then(C, lambda c: c.group_metadata())),
    ("closed consumer close again", "ok", _closed_then(C, lambda c: c.close())),
    # -- ProducerClient(...) and its methods --
    ("producer unknown option", "usage", lambda: producer(no_such_option=1)),
    ("producer on_delivery_error not callable", "usage", lambda: producer(on_delivery_error=5)),
    ("producer partitioner without partition()", "usage", lambda: producer(partitioner=5)),
    ("producer client.id not UTF-8", "kctl", lambda: producer(conf={"client.id": SURROGATE})),
    ("producer property name not UTF-8", "kctl", lambda: producer(conf={SURROGATE: "1"})),
    ("send not a record", "usage", _with(producer, lambda p: p.send("hello"))),
    ("send empty topic", "usage", _with(producer, lambda p: p.send(rec("", "v", partition=0)))),
    ("send None topic", "usage", _with(producer, lambda p: p.send(rec(None, "v", partition=0)))),
    ("send topic not UTF-8", "usage", _with(producer, lambda p: p.send(rec(SURROGATE, "v", partition=0)))),
    ("send header name not UTF-8", "usage",
     _with(producer, lambda p: p.send(rec("t", "v", partition=0, headers={SURROGATE: b"v"})))),
    ("send header value an int", "usage",
     _with(producer, lambda p: p.send(rec("t", "v", partition=0, headers=[("n", 5)])))),
    ("send header not a pair", "usage", _with(producer, lambda p: p.send(rec("t", "v", partition=0, headers=[("n",)])))),
    ("send header name an int", "usage", _with(producer, lambda p: p.send(rec("t", "v", partition=0, headers=[(1, b"")])))),
    ("send negative partition", "usage", _with(producer, lambda p: p.send(rec("t", "v", partition=-5)))),
    ("send partition too large", "usage", _with(producer, lambda p: p.send(rec("t", "v", partition=2**40)))),
    ("send value not UTF-8", "usage", _with(producer, lambda p: p.send(rec("t", SURROGATE, partition=0)))),
    ("send on_delivery not callable", "usage", _with(producer, lambda p: p.send(rec("t", "v", partition=0), 5))),
    ("produce value an int", "kctl", _with(producer, lambda p: p.produce("t", 5, partition=0))),
    ("produce header name not UTF-8", "usage",
     _with(producer, lambda p: p.produce("t", b"v", partition=0, headers=[(SURROGATE, b"")]))),
    ("produce_values a value an int", "kctl", _with(producer, lambda p: p.produce_values("t", [5], partition=0))),
    ("produce_values header name not UTF-8", "usage",
     _with(producer, lambda p: p.produce_values("t", [b"a"], partition=0, headers=[(SURROGATE, b"")]))),
    ("producer poll negative timeout", "usage", _with(producer, lambda p: p.poll(-1))),
    ("producer flush infinite timeout", "usage", _with(producer, lambda p: p.flush(float("inf")))),
    ("partitions_for empty topic", "usage", _with(producer, lambda p: p.partitions_for(""))),
    # -- a closed ProducerClient --
    ("closed producer send", "closed", _closed_then(producer, lambda p: p.send(rec("t", "v", partition=0)))),
    ("closed producer produce", "closed", _closed_then(producer, lambda p: p.produce("t", b"v", partition=0))),
    ("closed producer produce_values", "closed", _closed_then(producer, lambda p: p.produce_values("t", [b"v"]))),
    ("closed producer flush", "closed", _closed_then(producer, lambda p: p.flush(1))),
    ("closed producer poll", "closed", _closed_then(producer, lambda p: p.poll(0))),
    ("closed producer pending", "closed", _closed_then(producer, lambda p: p.pending())),
    ("closed producer close again", "ok", _closed_then(producer, lambda p: p.close())),
    # -- TransactionClient --
    ("transaction id empty", "usage", lambda: txn("")),
    ("transaction id None", "usage", lambda: txn(None)),
    ("transaction init negative timeout", "usage", _with(txn, lambda t: t.init(timeout=-1))),
    ("send_offsets negative partition", "usage", _with(txn, lambda t: t.send_offsets(None, {("t", -1): 0}))),
    ("send_offsets keys not pairs", "usage", _with(txn, lambda t: t.send_offsets(None, {"t": 0}))),
    ("closed transaction begin", "closed", _closed_then(txn, lambda t: t.begin())),
    ("closed transaction init", "closed", _closed_then(txn, lambda t: t.init(1))),
    ("closed transaction send", "closed", _closed_then(txn, lambda t: t.send(rec("t", "v", partition=0)))),
    ("closed transaction commit", "closed", _closed_then(txn, lambda t: t.commit(1))),
    ("closed transaction abort", "closed", _closed_then(txn, lambda t: t.abort(1))),
    ("closed transaction close again", "ok", _closed_then(txn, lambda t: t.close())),
    # -- AdminClient --
    ("admin negative default timeout", "usage",
     lambda: __import__("kctl.client", fromlist=["x"]).AdminClient(bootstrap=NOWHERE, timeout=-1)),
    ("admin create_topics a bare string", "usage", _with(admin, lambda a: a.create_topics("orders"))),
    ("admin create_topics empty name", "usage", _with(admin, lambda a: a.create_topics([""]))),
    ("admin describe_topics NUL in name", "usage", _with(admin, lambda a: a.describe_topics(["a\x00b"]))),
    ("admin list_topics negative timeout", "usage", _with(admin, lambda a: a.list_topics(timeout=-1))),
    ("admin list_topics timeout a string", "usage", _with(admin, lambda a: a.list_topics(timeout="x"))),
    ("admin property value not UTF-8", "kctl",
     lambda: __import__("kctl.client", fromlist=["AdminClient"]).AdminClient(bootstrap=NOWHERE, conf={"client.id": SURROGATE})),
    ("closed admin list_topics", "closed", _closed_then(admin, lambda a: a.list_topics())),
    ("closed admin describe_cluster", "closed", _closed_then(admin, lambda a: a.describe_cluster())),
    ("closed admin create_topics", "closed", _closed_then(admin, lambda a: a.create_topics(["t"]))),
    ("closed admin describe_scram_users", "closed", _closed_then(admin, lambda a: a.describe_scram_users())),
    ("closed admin list_groups", "closed", _closed_then(admin, lambda a: a.list_groups())),
    ("closed admin close again", "ok", _closed_then(admin, lambda a: a.close())),
]


def outcome(call) -> dict:
    from kctl.errors import KctlError, UsageError

    try:
        result = call()
    except BaseException as exc:  # noqa: BLE001 - what the call raised is the answer
        return {"error": type(exc).__name__, "message": str(exc)[:200], "usage": isinstance(exc, UsageError),
                "closed": type(exc).__name__ == "ClientClosed", "kctl": isinstance(exc, KctlError)}
    if hasattr(result, "close"):
        result.close()
    return {"error": None}


def main(names: list[str]) -> None:
    for case, _expected, call in CASES:
        if names and case not in names:
            continue
        print(json.dumps({"case": case, "started": True}), flush=True)
        print(json.dumps({"case": case, **outcome(call)}), flush=True)
    sys.stdout.flush()
    os._exit(0)  # no destructors of half-made library clients at exit


if __name__ == "__main__":
    main(sys.argv[1:])
