"""`kctl perf produce|consume|latency`: throughput and HDR latency histograms."""

from kctl.services.perf.consumer import run_consume, run_latency
from kctl.services.perf.producer import ProducePerfOptions, run_produce

__all__ = ["ProducePerfOptions", "run_consume", "run_latency", "run_produce"]
