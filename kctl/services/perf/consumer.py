"""`kctl perf consume`: read N records (default: everything up to the end offsets at start) as
fast as possible; records/s, MB/s and the latency of each poll that returned records.
`kctl perf latency`: EndToEndLatency's method: one record in flight, a consumer waiting for it;
the time from send to receipt of each in an HDR histogram."""

from __future__ import annotations

import os
import time
import uuid
from typing import Callable

from kctl.client import ConsumerClient, ProducerClient
from kctl.client.consumer import BULK_DEFAULTS
from kctl.errors import BrokerUnavailable, NotFoundError, UsageError
from kctl.models.perf import PerfInterval, PerfResult
from kctl.services.perf.histogram import Recorder


def run_consume(conf: dict, topic: str, records: int | None = None, group: str | None = None,
                interval_s: float = 5.0, on_interval: Callable[[PerfInterval], None] | None = None,
                timeout: float = 10.0) -> PerfResult:
    if records is not None and records < 1:
        raise UsageError("--records must be at least 1")
    base = {**BULK_DEFAULTS, "fetch.wait.max.ms": 100, **conf, "auto.offset.reset": "earliest",
            "enable.auto.commit": group is not None}
    recorder = Recorder("poll")
    with ConsumerClient(base, group_id=group or f"kctl-perf-{uuid.uuid4().hex[:12]}") as consumer:
        partitions = consumer.topics(timeout, topic).get(topic)
        if not partitions:
            raise NotFoundError(f"topic {topic} does not exist")
        if records is None:
            if group is not None:
                raise UsageError("--group needs --records (a group's start is its committed offsets)")
            marks = [consumer.watermarks(topic, p, timeout) for p in partitions]
            records = sum(high - low for low, high in marks)
            if not records:
                raise UsageError(f"topic {topic} is empty", hint="kctl perf produce fills it")
        if group is not None:
            consumer.subscribe([topic])
        else:
            consumer.assign({(topic, p): consumer.OFFSET_BEGINNING for p in partitions})
        clock = time.perf_counter
        read = size = 0
        started = last = last_data = clock()
        # A group's first fetch waits for the join: Kafka's group.initial.rebalance.delay.ms is 3 s by default.
        idle_limit = timeout + (3.0 if group is not None else 0.0)
        while read < records:
            before = clock()
            batch = consumer.poll(min(10000, records - read), 0.5)
            now = clock()
            if batch:
                batch_bytes = sum(len(r.value or b"") + len(r.key or b"") for r in batch)
                recorder.record(now - before, batch_bytes, len(batch))
                read += len(batch)
                size += batch_bytes
                last_data = now
                idle_limit = timeout
            elif now - last_data > idle_limit:
                raise BrokerUnavailable(f"no record for {idle_limit:g}s after {read} of {records}",
                                        hint="a longer --timeout waits longer for the next record")
            if on_interval and now - last >= interval_s:
                on_interval(recorder.take_interval(now - last))
                last = now
        elapsed = clock() - started
    return PerfResult("consume", topic, read, 0, size, round(elapsed, 3), round(read / elapsed, 1),
                      round(size / 1e6 / elapsed, 3), None, recorder.summary(), {"group": group})


def run_latency(conf: dict, topic: str, records: int = 1000, size: int = 100, acks: str = "all",
                on_interval: Callable[[PerfInterval], None] | None = None, interval_s: float = 5.0,
                timeout: float = 10.0) -> PerfResult:
    if records < 1:
        raise UsageError("--records must be at least 1")
    if not 1 <= size <= 10_000_000:
        raise UsageError("--size must be from 1 to 10000000 bytes")
    recorder = Recorder("end-to-end")
    clock = time.perf_counter
    with ProducerClient(conf, acks=acks, linger_ms=0) as producer, \
            ConsumerClient({**conf, "fetch.wait.max.ms": 1, "fetch.queue.backoff.ms": 1},
                           group_id=f"kctl-perf-{uuid.uuid4().hex[:12]}") as consumer:
        producer.partitions_for(topic, timeout)  # NotFoundError (4) for a missing topic
        consumer.assign({(topic, 0): consumer.watermarks(topic, 0, timeout)[1]})
        consumer.poll(1, 0.2)  # the fetch session starts before the first record is timed
        started = last = clock()
        for i in range(records):
            value = os.urandom(size)
            sent = clock()
            producer.produce(topic, value, partition=0)
            producer.poll(0)
            deadline = sent + timeout
            while True:
                got = consumer.poll(1, 0.1)
                if got:
                    if got[0].value != value:
                        raise UsageError(f"{topic} is written by someone else: perf latency needs a topic of its own")
                    break
                if clock() > deadline:
                    raise BrokerUnavailable(f"record {i + 1} did not arrive within {timeout:g}s (--timeout)")
            now = clock()
            recorder.record(now - sent, size)
            producer.flush(timeout)
            if on_interval and now - last >= interval_s:
                on_interval(recorder.take_interval(now - last))
                last = now
        elapsed = clock() - started
    return PerfResult("latency", topic, records, 0, records * size, round(elapsed, 3), round(records / elapsed, 1),
                      round(records * size / 1e6 / elapsed, 3), None, recorder.summary(),
                      {"size": size, "acks": acks, "partition": 0})
