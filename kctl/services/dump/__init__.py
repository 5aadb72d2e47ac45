"""`kctl topics dump` / `kctl topics restore`: a topic to compressed JSON Lines and a manifest, and back."""

from kctl.services.dump.dumper import dump
from kctl.services.dump.files import COMPRESSIONS
from kctl.services.dump.restorer import read_manifest, restore, verify

__all__ = ["COMPRESSIONS", "dump", "read_manifest", "restore", "verify"]
