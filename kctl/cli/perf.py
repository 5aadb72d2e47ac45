"""`kctl perf`: produce, consume and end-to-end latency tests with HDR latency histograms."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from kctl.cli.clicklib import ParameterSource
from kctl.cli.complete import complete_topics
from kctl.cli.context import app_context, no_empty_names, positive_number
from kctl.cli.options import Duration
from kctl.errors import PartialFailure, UsageError
from kctl.render import render
from kctl.render.moving import interval_line, percentile_plot

app = typer.Typer(help="Measure a cluster: throughput and latency percentiles (HDR histograms).", no_args_is_help=True)

TOPIC = typer.Argument(..., help="The topic to test.", autocompletion=complete_topics, callback=no_empty_names)
INTERVAL = typer.Option(5.0, "--interval", click_type=Duration(minimum=0.1, maximum=86400),
                        help="Time between the progress lines on stderr (5s, 1m; bare seconds).")


def _one_of(value, allowed):
    """A choice checked by kctl (as produce's): librdkafka's refusal was a configuration error (exit 3)."""
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
    return value


PLOT = typer.Option(False, "--plot", help="Draw the latency percentile curve (stderr).")


def _show(obj, result, plot: bool) -> None:
    render(result, obj.output)
    if plot:
        sys.stderr.write("\n".join(percentile_plot(result.latency)) + "\n")
    if result.failed:
        raise PartialFailure(f"{result.failed} records were not acknowledged")


def _interval(test: str, obj):
    def show(interval) -> None:
        if obj.quiet:  # -q: progress lines are silenced, the result is not
            return
        sys.stderr.write(interval_line(test, interval) + "\n")
        sys.stderr.flush()

    return show


@app.command()
def produce(
    ctx: typer.Context,
    topic: str = TOPIC,
    records: int = typer.Option(100_000, "--records", "-n", metavar="N", min=1, max=2**53, help="Records to send."),
    record_size: int = typer.Option(100, "--record-size", "-s", metavar="B", min=0, max=100_000_000,
                                    help="Bytes of each (random) record; not with --payload-file."),
    payload_file: Optional[str] = typer.Option(None, "--payload-file", metavar="FILE",
                                               help="Send these lines (cycled) instead of random bytes."),
    throughput: Optional[float] = typer.Option(None, "--throughput", metavar="N", callback=positive_number,
                                               help="Target records per second (default: as fast as possible)."),
    acks: str = typer.Option("all", "--acks", metavar="all|1|0", help="Acknowledgements to wait for.",
                             callback=lambda v: _one_of(v, ("all", "1", "0"))),
    compression: Optional[str] = typer.Option(None, "--compression", "-z", metavar="CODEC",
                                              help="none, gzip, snappy, lz4 or zstd.",
                                              callback=lambda v: _one_of(v, ("none", "gzip", "snappy", "lz4", "zstd"))),
    linger_ms: Optional[float] = typer.Option(None, "--linger-ms", click_type=Duration("ms", minimum=0, maximum=900_000),
                                              help="linger.ms (ms, or 1s)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", metavar="B", min=1, max=2**31 - 1, help="batch.size in bytes."),
    interval: float = INTERVAL,
    plot: bool = PLOT,
):
    """Send records and report records/s, MB/s and send-to-ack latency percentiles (ProducerPerformance).

    Example: kctl perf produce bench -n 1000000 -s 100 --throughput 50000 -o json
    """
    from kctl.services.perf import ProducePerfOptions, run_produce  # not on perf --help's path

    obj = app_context(ctx)
    if payload_file is not None and ctx.get_parameter_source("record_size") is not ParameterSource.DEFAULT:
        # as ProducerPerformance: the file's lines are the records, at their own sizes
        raise UsageError("--record-size and --payload-file: use one (the file's lines are the records)")
    opts = ProducePerfOptions(topic, records, record_size, payload_file, throughput, acks, compression, linger_ms,
                              batch_size, interval)
    _show(obj, run_produce(obj.client_conf(), opts, _interval("produce", obj), obj.timeout), plot)


@app.command()
def consume(
    ctx: typer.Context,
    topic: str = TOPIC,
    records: Optional[int] = typer.Option(None, "--records", "-n", metavar="N", min=1, max=2**53,
                                          help="Records to read (default: all, up to the end offsets at start)."),
    group: Optional[str] = typer.Option(None, "--group", "-g", help="Join this group (default: assign every partition).",
                                        callback=no_empty_names),
    interval: float = INTERVAL,
    plot: bool = PLOT,
):
    """Read records as fast as possible: records/s, MB/s and poll latency percentiles.

    Example: kctl perf consume bench -n 1000000
    """
    from kctl.services.perf import run_consume  # not on perf --help's path

    obj = app_context(ctx)
    _show(obj, run_consume(obj.client_conf(), topic, records, group, interval, _interval("consume", obj), obj.timeout), plot)


@app.command()
def latency(
    ctx: typer.Context,
    topic: str = TOPIC,
    records: int = typer.Option(1000, "--records", "-n", metavar="N", min=1, max=2**53, help="Round trips."),
    size: int = typer.Option(100, "--record-size", "-s", "--size", metavar="B", min=1, max=10_000_000, help="Bytes of each record."),
    acks: str = typer.Option("all", "--acks", metavar="all|1|0", help="Acknowledgements to wait for.",
                             callback=lambda v: _one_of(v, ("all", "1", "0"))),
    interval: float = INTERVAL,
    plot: bool = PLOT,
):
    """End-to-end latency (EndToEndLatency): one record in flight, a waiting consumer, percentiles.

    Example: kctl perf latency bench-latency -n 5000 --plot
    """
    from kctl.services.perf import run_latency  # not on perf --help's path

    obj = app_context(ctx)
    _show(obj, run_latency(obj.client_conf(), topic, records, size, acks, _interval("latency", obj), interval,
                           obj.timeout), plot)
