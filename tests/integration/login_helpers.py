"""A private registry, state folder and kctl config for the login test modules (test_oauth.py,
test_mtls.py): brokers on 31092 (instance 0) and 31192 (instance 1), the OIDC issuer of instance 0
on 31080; nothing of the packaged registry's instances is touched. Every command runs as its own
process so that librdkafka's log lines are captured too: none may hold a secret or a token."""

from __future__ import annotations

import time

import yaml

from tests.helpers import run_kctl_process

PORTS = {
    "kafka": {"host": "127.0.0.1", "broker_port": 31092, "controller_port": 32892, "instance_increment": 100,
              "max_instances": 4, "broker_stride": 3},
    "kafka_ui": {"ui_port": 31070}, "temporal": {"frontend_port": 31071, "ui_port": 31072},
    "schema_registry": {"port": 31073, "management_port": 31074}, "oidc": {"port": 31080},
}


# Kafka release -> (oauth instance, mtls instance)
VERSIONS = {"4.1.1": (0, 1), "3.9.2": (2, 3)}


def private_env(root) -> dict:
    (root / "registry.yaml").write_text(yaml.safe_dump(PORTS))
    return {"KCTL_STATE_DIR": str(root / "state"), "KCTL_CONFIG": str(root / "config.yaml"),
            "KCTL_REGISTRY": str(root / "registry.yaml")}


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
