"""Odd inputs found by the acceptance audit: each is one `kctl: error:` line with a documented
exit code, never an internal error. No broker: every case must fail before kctl connects (the
bootstrap is unreachable, so reaching the cluster would show as exit 6 instead)."""

import os
import subprocess
import sys

import pytest

from tests.helpers import run_kctl

NO_BROKER = ("-b", "127.0.0.1:1", "--timeout", "1")
HUGE = "99999999999999999999"


def _one_error_line(result, code: int) -> str:
    assert result.code == code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error: "), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("args", [
    ["topics", "create", "t", "--partitions", "99999999999"],
    ["topics", "create", "t", "-r", "40000"],
    ["topics", "add-partitions", "t", "--to", "99999999999"],
    ["topics", "delete-records", "t", "--before", f"0:{HUGE}"],
    ["e2e", "run", "--partitions", "99999999999"],
    ["e2e", "run", "--replication-factor", "20000"],
    ["consume", "t", "--from", HUGE],
    ["consume", "t", "--from", f"@{HUGE}"],
    ["consume", "t", "--from", "@-99999999999999999999d"],
    ["consume", "t", "--until", HUGE],
    ["groups", "delete-offsets", "g", "--topic", f"t:{HUGE}"],
    ["groups", "reset-offsets", "g", "--topic", f"t:{HUGE}", "--to-earliest"],
], ids=lambda a: " ".join(a))
def test_numbers_beyond_kafkas_limits_are_usage_errors(args):
    _one_error_line(run_kctl(*args, *NO_BROKER), 2)


@pytest.mark.parametrize("args", [
    ["topics", "describe", "t", ""],
    ["topics", "alter-config", "", "--set", "retention.ms=1"],
    ["groups", "describe", ""],
    ["groups", "reset-offsets", "", "--topic", "t", "--to-earliest"],
    ["groups", "delete-offsets", "", "--topic", "t"],
    ["consume", "t", "--group", ""],
    ["e2e", "run", "--topic", ""],
    ["e2e", "run", "--group", ""],
    ["topics", "alter-config", "t", "--delete", ""],  # (found by the CLI fuzzer: exit 1, ValueError)
    ["configs", "alter", "topic", "t", "--unset", ""],
], ids=lambda a: " ".join(a) or "empty")
def test_empty_names_are_usage_errors(args):
    assert "must not be empty" in _one_error_line(run_kctl(*args, *NO_BROKER), 2)


@pytest.mark.parametrize("args", [
    ["topics", "list", "--timeout", "nan"],
    ["topics", "list", "--timeout", "inf"],
    ["produce", "t", "--value", "x", "--delivery-timeout", "nan", "--timeout", "1"],
    ["consume", "t", "--idle-timeout", "-1", "--timeout", "1"],
    ["consume", "t", "--idle-timeout", "nan", "--timeout", "1"],
], ids=lambda a: " ".join(a))
def test_non_finite_or_negative_durations_are_usage_errors(args):
    _one_error_line(run_kctl(*args, "-b", "127.0.0.1:1"), 2)


def test_produce_from_a_directory_is_a_usage_error(tmp_path):
    assert "is a directory" in _one_error_line(run_kctl("produce", "t", "--file", str(tmp_path), *NO_BROKER), 2)


def test_a_multi_line_library_message_is_printed_on_one_line():
    # librdkafka's range errors end in a newline inside the message text.
    line = _one_error_line(run_kctl("topics", "list", "-X", "queue.buffering.max.ms=-1", *NO_BROKER), 3)
    assert "outside allowed range" in line
    assert "KafkaError{" not in line


@pytest.mark.parametrize("how", ["--command-config", "--registry", "KCTL_CONFIG", "password-file"])
def test_binary_configuration_files_are_config_errors(tmp_path, how):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x00\xff\xfe not text")
    if how == "KCTL_CONFIG":
        result = run_kctl("topics", "list", *NO_BROKER, env={"KCTL_CONFIG": str(binary)})
    elif how == "password-file":
        props = tmp_path / "client.properties"
        props.write_text(f"sasl.password=${{file:{binary}}}\n")
        result = run_kctl("topics", "list", "--command-config", str(props), *NO_BROKER)
    elif how == "--registry":  # (with -b the registry is never read)
        result = run_kctl("topics", "list", how, str(binary), "--timeout", "1")
    else:
        result = run_kctl("topics", "list", how, str(binary), *NO_BROKER)
    _one_error_line(result, 3)


@pytest.mark.parametrize("content, says", [(b"\xff\xfe not text\n", "not UTF-8 text"), (None, "not a regular file")])
def test_an_unreadable_new_password_file_is_a_config_error(tmp_path, content, says):
    # (found by the CLI fuzzer: a binary file was exit 1, UnicodeDecodeError)
    path = tmp_path / "password"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    line = _one_error_line(run_kctl("users", "create", "alice", "--password-file", str(path), *NO_BROKER), 3)
    assert says in line


@pytest.mark.parametrize("args", [["--version"], ["config", "view", "-o", "json"]])
def test_a_reader_that_is_already_gone_ends_quietly_with_0(args, tmp_path):
    """`kctl ... | true`: typer turns the BrokenPipeError into exit 1 unless kctl catches it."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "KCTL_CONFIG": str(tmp_path / "none.yaml")}
    proc = subprocess.Popen([sys.executable, "-m", "kctl", *args], stdout=write_end, stderr=subprocess.PIPE, env=env)
    os.close(write_end)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err == b""


@pytest.mark.parametrize("args", [["up", "--wait", "-1"], ["down", "--grace", "-1"], ["logs", "-n", "-1"]],
                         ids=lambda a: " ".join(a))
def test_negative_local_durations_and_counts_are_usage_errors(args, tmp_path):
    # a private state folder: nothing here may touch the shared instances
    result = run_kctl("local", *args, "-i", "3", env={"KCTL_STATE_DIR": str(tmp_path)})
    _one_error_line(result, 2)


def test_local_logs_of_a_broker_the_instance_does_not_have_is_not_found(tmp_path):
    (tmp_path / "instances" / "3").mkdir(parents=True)
    (tmp_path / "instances" / "3" / "instance.json").write_text('{"brokers": 1}')
    result = run_kctl("local", "logs", "-i", "3", "--broker", "5", env={"KCTL_STATE_DIR": str(tmp_path)})
    assert "has no broker 5" in _one_error_line(result, 4)


def test_local_logs_n_0_shows_no_lines(tmp_path):
    from kctl.services.local import log_tail

    log = tmp_path / "server.log"
    log.write_text("one\ntwo\n")
    assert log_tail(log, 0) == [] and log_tail(log, 1) == ["two"]
