"""kctl: a command-line Kafka operations tool."""

__version__ = "0.1.0"

# The name on PyPI: `kctl` there is another project (a Rancher tool), so the command is kctl and
# the distribution kctl-kafka. Every install hint names it through install_hint.
DISTRIBUTION = "kctl-kafka"


def install_hint(extra: str) -> str:
    """The pip command that installs an optional part of kctl: install_hint("ui")."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"
