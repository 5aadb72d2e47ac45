"""The few pieces kctl's own requests share (kctl.kafka.logdirs_wire, configs_wire, offsets_wire):
Kafka's non-flexible request framing, its strings, and one request/answer on a plain TCP connection.

kctl speaks the protocol itself only where a library costs more than the request (see those
modules) and only on a PLAINTEXT listener; any other setup, and any failure, goes to the library.
"""

from __future__ import annotations

import socket
import struct

from kctl.deadline import Deadline

# A PLAINTEXT broker that is up accepts in milliseconds; one that never answers (an address
# advertised but not reachable from here) must leave the library time to ask another broker.
CONNECT_TIMEOUT_S = 2.0


def usable(conf: dict) -> bool:
    """True when the connection to the brokers is plain TCP (no TLS, no SASL)."""
    protocol = str(conf.get("security.protocol", "plaintext")).lower()
    return protocol == "plaintext" and not any(key.startswith(("sasl.", "ssl.", "kctl.oauthbearer.")) for key in conf)


def string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">h", len(data)) + data


def read_string(data: bytes, pos: int) -> tuple[str | None, int]:
    """(the string at pos, the position after it); None for a null string."""
    (length,) = struct.unpack_from(">h", data, pos)
    pos += 2
    if length < 0:
        return None, pos
    return data[pos:pos + length].decode("utf-8", "replace"), pos + length


def frame(api_key: int, api_version: int, body: bytes, correlation_id: int = 1, client_id: str = "kctl") -> bytes:
    """A request with its size prefix and a v1 request header."""
    payload = struct.pack(">hhi", api_key, api_version, correlation_id) + string(client_id) + body
    return struct.pack(">i", len(payload)) + payload


def exchange(host: str, port: int, request: bytes, deadline: Deadline) -> bytes:
    """Send one framed request on a new connection; the answer without its size prefix.
    OSError when the broker cannot be reached, closes the connection (as Kafka does for a version
    it does not serve) or does not answer within the deadline."""
    return exchange_many(host, port, [request], deadline)[0]


def exchange_many(host: str, port: int, requests: list[bytes], deadline: Deadline) -> list[bytes]:
    """Send the framed requests one after the other on a new connection, then read their answers
    (a broker answers the requests of a connection in order); see exchange."""
    with socket.create_connection((host, port), timeout=min(deadline.remaining(0.1), CONNECT_TIMEOUT_S)) as sock:
        sock.settimeout(deadline.remaining(0.1))
        sock.sendall(b"".join(requests))
        answers = []
        for _ in requests:
            (size,) = struct.unpack(">i", _recv(sock, 4))
            answers.append(_recv(sock, size))
        return answers


def _recv(sock, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise OSError("the broker closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
