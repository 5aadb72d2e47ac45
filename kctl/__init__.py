"""kctl: a command-line Kafka operations tool."""

__version__ = "0.1.0"
