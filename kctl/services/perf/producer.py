"""`kctl perf produce`: ProducerPerformance's method (send as fast as allowed, or paced to a
target rate like its ThroughputThrottler), with the send-to-acknowledgement latency of every
record in an HDR histogram."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

from kctl.client import ProducerClient
from kctl.decode import read_regular_file
from kctl.errors import UsageError
from kctl.models.perf import PerfInterval, PerfResult
from kctl.services.perf.histogram import Recorder


@dataclass(frozen=True)
class ProducePerfOptions:
    topic: str
    records: int = 100_000
    record_size: int = 100
    payload_file: str | None = None
    throughput: float | None = None  # records/s; None: as fast as possible
    acks: str = "all"
    compression: str | None = None
    linger_ms: float | None = None
    batch_size: int | None = None
    interval_s: float = 5.0

    def validated(self) -> "ProducePerfOptions":
        if self.records < 1:
            raise UsageError("--records must be at least 1")
        if self.record_size < 0 or self.record_size > 100_000_000:
            raise UsageError("--record-size must be from 0 to 100000000 bytes")
        if self.acks not in ("all", "-1", "0", "1"):
            raise UsageError("--acks must be all, -1, 0 or 1")
        return self


def payloads(opts: ProducePerfOptions) -> list[bytes]:
    """Random bytes of record_size (one payload reused, as ProducerPerformance does), or the
    file's non-empty lines (records cycle through them)."""
    if opts.payload_file is None:
        return [os.urandom(opts.record_size)]
    # a regular file of bounded size: /dev/zero was read until the kernel killed kctl, a FIFO blocked it
    # (a missing input file is a usage error, exit 2, as for produce --file)
    data = read_regular_file(opts.payload_file, f"--payload-file {opts.payload_file}", limit=1 << 30)
    lines = [line.rstrip(b"\r") for line in data.split(b"\n") if line.strip()]
    if not lines:
        raise UsageError(f"--payload-file {opts.payload_file} has no non-empty line")
    return lines


def run_produce(conf: dict, opts: ProducePerfOptions, on_interval: Callable[[PerfInterval], None] | None = None,
                timeout: float = 10.0) -> PerfResult:
    opts = opts.validated()
    values = payloads(opts)
    recorder = Recorder("send-to-ack")
    state = {"acked": 0, "failed": 0, "bytes": 0}

    options = {"acks": opts.acks}
    for name in ("compression", "linger_ms", "batch_size"):
        if getattr(opts, name) is not None:
            options[name] = getattr(opts, name)
    with ProducerClient(conf, **options) as producer:
        producer.partitions_for(opts.topic, timeout)  # NotFoundError (4) before the clock starts
        clock = time.perf_counter

        def make_report(sent_at: float, size: int):
            def report(error, _metadata):
                if error is None:
                    recorder.record(clock() - sent_at, size)
                    state["acked"] += 1
                    state["bytes"] += size
                else:
                    state["failed"] += 1
            return report

        started = last = clock()
        rate = opts.throughput
        for i in range(opts.records):
            value = values[i % len(values)]
            producer.produce(opts.topic, value, on_delivery=make_report(clock(), len(value)))
            producer.poll(0)
            now = clock()
            if rate is not None:
                ahead = (i + 1) / rate - (now - started)
                while ahead > 0:  # serve acknowledgements while waiting for the next slot
                    producer.poll(min(ahead, 0.05))
                    now = clock()
                    ahead = (i + 1) / rate - (now - started)
            if on_interval and now - last >= opts.interval_s:
                on_interval(recorder.take_interval(now - last))
                last = now
        pending = producer.flush(max(timeout, producer.delivery_timeout))
        elapsed = clock() - started
    state["failed"] += pending
    mb = state["bytes"] / 1e6
    return PerfResult("produce", opts.topic, state["acked"], state["failed"], state["bytes"], round(elapsed, 3),
                      round(state["acked"] / elapsed, 1), round(mb / elapsed, 3), opts.throughput,
                      recorder.summary(), {"acks": opts.acks, "record_size": opts.record_size,
                                           "compression": opts.compression, "linger_ms": opts.linger_ms,
                                           "batch_size": opts.batch_size, "payload_file": opts.payload_file})
