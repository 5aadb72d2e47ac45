"""Shared pieces of the benchmarks: run a child process and measure it, summarise runs,
compute ratios to kctl, print a table, write JSON, and a few Kafka helpers.

Speed is only ever compared within one run of a benchmark (same machine, same broker,
same moment): the figures that matter are the ratios, not the absolute numbers.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"


@functools.cache
def kafka_libs() -> Path:
    """The jars `kctl local up` runs the broker from, so the Apache tools match the broker
    (looked up on first use: importing benchlib must not start Maven)."""
    if os.environ.get("KCTL_KAFKA_LIBS"):
        return Path(os.environ["KCTL_KAFKA_LIBS"]).expanduser()
    from kctl.services import local
    return local.kafka_libs()


TOOLS_LOG4J = Path(__file__).resolve().parent / "tools-log4j2.properties"

# What Kafka's bin/kafka-run-class.sh gives every tool (KAFKA_JVM_PERFORMANCE_OPTS), so the
# Apache tools run as they would from the distribution's shell scripts.
JVM_PERFORMANCE_OPTS = [
    "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true",
]

GNU_TIME = "/usr/bin/time"


# ---------------------------------------------------------------- commands under test

def java_tool(main_class: str, *args: str, heap: str = "256M") -> list[str]:
    """The command line bin/kafka-*.sh would run (the console tools' scripts set -Xmx512M,
    kafka-topics.sh keeps kafka-run-class's 256M)."""
    return [
        "java", f"-Xmx{heap}", *JVM_PERFORMANCE_OPTS,
        f"-Dlog4j2.configurationFile={TOOLS_LOG4J}",
        "-cp", f"{kafka_libs()}/*", main_class, *args,
    ]


@dataclass(frozen=True)
class Kctl:
    """How to run the kctl under test: a command prefix, and the checkout it runs from."""

    argv: tuple[str, ...]
    root: Path | None  # cwd and first PYTHONPATH entry; None = leave both alone

    @classmethod
    def parse(cls, command: str | None, root: str | None) -> "Kctl":
        argv = tuple(shlex.split(command)) if command else (sys.executable, "-m", "kctl")
        if root is None and command is None:
            root = str(REPO_ROOT)  # default: the checkout this benchmark lives in
        return cls(argv, Path(root).resolve() if root else None)

    def __call__(self, *args: str) -> list[str]:
        return [*self.argv, *args]

    def prepare(self) -> None:
        """Compile the checkout's kctl to bytecode first, as `pip install` does for users.

        Where PYTHONDONTWRITEBYTECODE is set (as on these machines) an uncompiled checkout
        would recompile every module on every run and measure the compiler, not kctl.
        """
        if self.root and (self.root / "kctl").is_dir():
            import compileall

            compileall.compile_dir(str(self.root / "kctl"), quiet=1)

    @property
    def cwd(self) -> str | None:
        return str(self.root) if self.root else None

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.root:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.root), env.get("PYTHONPATH")]))
        return env

    def describe(self) -> str:
        where = f" (in {self.root})" if self.root else ""
        return shlex.join(self.argv) + where


# ---------------------------------------------------------------- running and measuring

@dataclass
class RunResult:
    argv: list[str]
    returncode: int
    wall_s: float
    cpu_s: float | None = None
    peak_rss_kb: int | None = None
    stderr_tail: str = ""
    error: str | None = None  # set when the run failed or its output did not check out

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.error is None


def run_once(
    argv: list[str],
    *,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
    stdin_path: str | None = None,
    stdout_path: str | None = None,
    timeout: float = 600.0,
) -> RunResult:
    """Run argv once; wall time from spawn to exit, CPU and peak RSS of the child.

    RSS and CPU come from GNU time wrapped around the child: os.wait4's ru_maxrss would
    report the (much larger) forking Python parent for short-lived children.
    """
    with tempfile.TemporaryDirectory(prefix="kctl-bench-") as tmp:
        usage_file = os.path.join(tmp, "usage")
        stderr_file = os.path.join(tmp, "stderr")
        # Without GNU time (Debian package `time`) the run is still timed, with no CPU/RSS figures.
        wrapped = [GNU_TIME, "-q", "-f", "%M %U %S", "-o", usage_file, *argv] if os.path.exists(GNU_TIME) else argv
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        try:
            with open(stderr_file, "wb") as stderr:
                start = time.perf_counter()
                proc = subprocess.Popen(wrapped, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr)
                killer = threading.Timer(timeout, proc.kill)
                killer.start()
                try:
                    returncode = proc.wait()
                finally:
                    killer.cancel()
                wall = time.perf_counter() - start
        finally:
            for f in (stdin, stdout):
                if hasattr(f, "close"):
                    f.close()
        result = RunResult(list(argv), returncode, wall, stderr_tail=_tail(stderr_file))
        rss, cpu = _parse_gnu_time(usage_file)
        result.peak_rss_kb, result.cpu_s = rss, cpu
        if returncode != 0:
            result.error = f"exit {returncode}" + (" (killed after timeout)" if wall >= timeout else "")
        return result


def _tail(path: str, limit: int = 600) -> str:
    with open(path, "rb") as f:
        data = f.read()
    return data[-limit:].decode(errors="replace").strip()


def _parse_gnu_time(path: str) -> tuple[int | None, float | None]:
    try:
        with open(path) as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
        rss, user, sys_ = lines[-1].split()
        return int(rss), float(user) + float(sys_)
    except (OSError, ValueError, IndexError):
        return None, None


def count_lines(path: str, chunk: int = 1 << 20) -> tuple[int, int]:
    """(newlines, bytes) in a file, read in chunks."""
    lines = size = 0
    with open(path, "rb") as f:
        while block := f.read(chunk):
            lines += block.count(b"\n")
            size += len(block)
    return lines, size


# ---------------------------------------------------------------- summarising

def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def ratio(kctl_value: float | None, other_value: float | None) -> float | None:
    """kctl's figure divided by another tool's figure (None when either is missing or zero)."""
    if not kctl_value or not other_value:
        return None
    return kctl_value / other_value


@dataclass
class Case:
    """One command measured several times; `group` names the set of peers it is compared with."""

    name: str
    group: str
    argv: list[str]
    is_kctl: bool = False
    settings: dict = field(default_factory=dict)
    runs: list[RunResult] = field(default_factory=list)

    @property
    def good(self) -> list[RunResult]:
        return [r for r in self.runs if r.ok]

    @property
    def failures(self) -> list[str]:
        return [r.error or f"exit {r.returncode}" for r in self.runs if not r.ok]

    def median_of(self, attr: str) -> float | None:
        return median([getattr(r, attr) for r in self.good if getattr(r, attr) is not None])

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "group": self.group,
            "argv": self.argv,
            "settings": self.settings,
            "runs": [asdict(r) for r in self.runs],
        }


def kctl_case(cases: list[Case], group: str) -> Case | None:
    return next((c for c in cases if c.group == group and c.is_kctl), None)


# ---------------------------------------------------------------- output

def fmt(value, spec: str = ",.0f", missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def format_table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A plain aligned text table; columns whose index is in `right` are right-aligned."""
    right = right or set()
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]

    def line(cells):
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths)):
            out.append(str(cell).rjust(width) if i in right else str(cell).ljust(width))
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def write_results(name: str, payload: dict, directory: Path = RESULTS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = directory / f"{name}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def environment() -> dict:
    """What a reader of the JSON needs to compare runs: machine and tool versions."""
    def out(argv):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            return (p.stdout + p.stderr).strip().splitlines()[0:4]
        except OSError as e:
            return [str(e)]

    return {
        "time": _dt.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "python": sys.version.split()[0],
        "kcat": out(["kcat", "-V"])[3:4],
        "java": out(["java", "-version"])[:1],
        "kafka_libs": str(kafka_libs()),
    }


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the cluster under test

@dataclass
class Cluster:
    """Where a benchmark runs and how each tool logs in there: PLAINTEXT on a bootstrap, or
    (`--security scram`) the SASL_SSL listener of a local instance started with
    `kctl local up -i N --security scram`, which every tool then uses (kctl through the
    instance's context, kcat and the harness with the same librdkafka properties, the Apache
    tools with the same settings in Java's names)."""

    bootstrap: str
    kcat: list[str] = field(default_factory=lambda: ["kcat"])  # the command that runs kcat
    context: str | None = None
    properties: dict[str, str] = field(default_factory=dict)  # librdkafka's, bootstrap excepted
    files: Path | None = None  # where the login files of kcat and the Apache tools are written

    @classmethod
    def scram(cls, instance: int, kctl: "Kctl", files: Path, kcat: list[str]) -> "Cluster":
        context = f"local-{instance}-scram"
        up = subprocess.run([*kctl("local", "up", "-i", str(instance), "--security", "scram")],
                            env=kctl.env, cwd=kctl.cwd, capture_output=True, text=True, timeout=300)
        if up.returncode:
            raise SystemExit(f"kctl local up -i {instance} --security scram: {up.stderr.strip()}")
        view = subprocess.run([*kctl("--context", context, "-o", "json", "config", "view")],
                              env=kctl.env, cwd=kctl.cwd, capture_output=True, text=True, timeout=60)
        props = json.loads(view.stdout)["properties"]
        for key, value in props.items():  # the password is a ${file:...} reference
            if value.startswith("${file:") and value.endswith("}"):
                props[key] = Path(value[len("${file:"):-1]).read_text().strip()
        bootstrap = props.pop("bootstrap.servers")
        props["sasl.mechanisms"] = props.pop("sasl.mechanism")  # kcat's librdkafka 2.0 knows both names
        return cls(bootstrap, kcat, context, props, files)

    @property
    def secured(self) -> bool:
        return bool(self.properties)

    def kctl_target(self) -> list[str]:
        return ["--context", self.context] if self.context else ["-b", self.bootstrap]

    def kcat_target(self) -> list[str]:
        """-b and, on a secured cluster, -F with the login (a file: no password on a command line)."""
        if not self.secured:
            return ["-b", self.bootstrap]
        path = self.files / "kcat.conf"
        if not path.exists():
            path.write_text("".join(f"{k}={v}\n" for k, v in self.properties.items()))
            path.chmod(0o600)
        return ["-b", self.bootstrap, "-F", str(path)]

    def java_config(self) -> str | None:
        """A client properties file for the Apache tools, or None on PLAINTEXT."""
        if not self.secured:
            return None
        path = self.files / "java-client.properties"
        if not path.exists():
            user, password = self.properties["sasl.username"], self.properties["sasl.password"]
            path.write_text(
                f"security.protocol={self.properties['security.protocol']}\n"
                f"sasl.mechanism={self.properties['sasl.mechanisms']}\n"
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="{user}" password="{password}";\n'
                "ssl.truststore.type=PEM\n"
                f"ssl.truststore.location={self.properties['ssl.ca.location']}\n")
            path.chmod(0o600)
        return str(path)

    def describe(self) -> str:
        if not self.secured:
            return f"{self.bootstrap} (PLAINTEXT)"
        return f"{self.bootstrap} ({self.properties['security.protocol']}, {self.properties['sasl.mechanisms']})"


def add_cluster_options(p) -> None:
    p.add_argument("--bootstrap", default="127.0.0.1:9092", help="PLAINTEXT broker (default: instance 0)")
    p.add_argument("--security", choices=("plaintext", "scram"), default="plaintext",
                   help="scram: every tool on the SASL_SSL (SCRAM-SHA-512) listener of local instance --instance, "
                        "started with `kctl local up -i N --security scram` if it is not up")
    p.add_argument("--instance", type=int, default=9, help="the local instance of --security scram (default 9)")
    p.add_argument("--kcat-librdkafka", choices=("system", "kctl"),
                   help="the librdkafka kcat runs on: the system's (Debian 12: 2.0.2) or the one in kctl's "
                        "confluent-kafka wheel (LD_PRELOAD); default: kctl's with --security scram, since "
                        "librdkafka before 2.6.1 fails SCRAM on Kafka 4 brokers (confluentinc/librdkafka#4895)")


def open_cluster(a, kctl: "Kctl", files: Path) -> Cluster:
    """The cluster of add_cluster_options' arguments; the harness's own clients log in there too."""
    kcat = kcat_command(a.kcat_librdkafka or ("kctl" if a.security == "scram" else "system"))
    cluster = Cluster.scram(a.instance, kctl, files, kcat) if a.security == "scram" else Cluster(a.bootstrap, kcat)
    _LOGINS[cluster.bootstrap] = dict(cluster.properties)
    return cluster


def kcat_command(librdkafka: str) -> list[str]:
    if librdkafka == "system":
        return ["kcat"]
    import confluent_kafka

    libs = sorted((Path(confluent_kafka.__file__).parent.parent / "confluent_kafka.libs").glob("librdkafka-*.so*"))
    if not libs:
        raise SystemExit("--kcat-librdkafka kctl: no librdkafka in confluent-kafka's wheel (confluent_kafka.libs)")
    return ["env", f"LD_PRELOAD={libs[0]}", "kcat"]


# ---------------------------------------------------------------- Kafka (the harness's own client)

_ADMINS: dict = {}
_LOGINS: dict[str, dict[str, str]] = {}  # bootstrap -> login properties (open_cluster)


def admin(bootstrap: str):
    """One AdminClient per broker for the whole run (a dropped client fails its pending futures)."""
    from confluent_kafka.admin import AdminClient

    if bootstrap not in _ADMINS:
        _ADMINS[bootstrap] = AdminClient({"bootstrap.servers": bootstrap, **_LOGINS.get(bootstrap, {})})
    return _ADMINS[bootstrap]


def create_topic(bootstrap: str, name: str, partitions: int, timeout: float = 30.0) -> None:
    """Create a topic and wait until every partition has a leader."""
    from confluent_kafka.admin import NewTopic

    client = admin(bootstrap)
    for future in client.create_topics([NewTopic(name, partitions, 1)]).values():
        future.result(timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        topic = client.list_topics(name, timeout=5).topics.get(name)
        if topic and not topic.error and len(topic.partitions) == partitions and all(
            p.leader >= 0 for p in topic.partitions.values()
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(f"topic {name} has no leaders after {timeout}s")


def delete_topics(bootstrap: str, names: list[str]) -> None:
    if not names:
        return
    for future in admin(bootstrap).delete_topics(names).values():
        try:
            future.result(30)
        except Exception as e:  # noqa: BLE001 - already gone: nothing to clean up
            progress(f"warning: deleting a bench topic: {e}")


def message_count(bootstrap: str, topic: str, timeout: float = 30.0) -> int:
    """Sum of the partitions' high watermarks: how many messages a fresh topic holds."""
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import OffsetSpec

    client = admin(bootstrap)
    meta = client.list_topics(topic, timeout=timeout).topics[topic]
    request = {TopicPartition(topic, p): OffsetSpec.latest() for p in meta.partitions}
    total = 0
    for future in client.list_offsets(request, request_timeout=timeout).values():
        total += future.result(timeout).offset
    return total
