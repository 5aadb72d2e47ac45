"""A private registry, state folder and kctl config for the login test modules (test_oauth.py,
test_mtls.py): the registry LOGIN of tests/instances.py, its instances split between the two modules;
nothing of the packaged registry's instances is touched. Every command runs as its own process so
that librdkafka's log lines are captured too: none may hold a secret or a token."""

from __future__ import annotations

import time

from tests.helpers import run_kctl_process
from tests.instances import private, write_registry

# Kafka release -> (oauth instance, mtls instance)
VERSIONS = {version: (oauth, mtls) for version, oauth, mtls in
            zip(("4.1.1", "3.9.2"), private("test_oauth").instances, private("test_mtls").instances)}


def private_env(root) -> dict:
    return {"KCTL_STATE_DIR": str(root / "state"), "KCTL_CONFIG": str(root / "config.yaml"),
            "KCTL_REGISTRY": str(write_registry("test_oauth", root))}


class Kctl:
    """kctl in a process with the private environment; every result kept for the secret check."""

    def __init__(self, env: dict):
        self.env, self.captured = env, []

    def __call__(self, *args, env=None, timeout=90, input=None):
        started = time.monotonic()
        result = run_kctl_process(*args, env={**self.env, **(env or {})}, timeout=timeout, input=input)
        result.seconds = time.monotonic() - started
        self.captured.append(result)
        return result

    def leaks(self, secrets: list[str]) -> list:
        """Captured results showing a secret, or anything that looks like a JWT (eyJ...)."""
        return [r for r in self.captured for text in (r.stdout, r.stderr)
                if "eyJ" in text or any(s and s in text for s in secrets)]


def one_error_line(result) -> bool:
    return result.stderr.count("kctl: error:") == 1 and "Traceback" not in result.stderr
