"""kctl.kafka.wire: framing, and one connection carrying several requests, against a local socket
that answers like a broker (in order) or closes the connection (as Kafka does for a version it
does not serve)."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from kctl.deadline import Deadline
from kctl.kafka import wire


def _serve(answer_each: bool):
    """A listening socket on 127.0.0.1 that reads two framed requests and answers each with its own
    payload reversed (answer_each), or closes the connection after the first."""
    server = socket.create_server(("127.0.0.1", 0))

    def run():
        conn, _ = server.accept()
        with conn, server:
            stream = conn.makefile("rb")
            for _ in range(2):
                (size,) = struct.unpack(">i", stream.read(4))
                payload = stream.read(size)
                if not answer_each:
                    return
                conn.sendall(struct.pack(">i", size) + payload[::-1])

    threading.Thread(target=run, daemon=True).start()
    return server.getsockname()


def test_frame_has_the_size_the_header_and_the_body():
    framed = wire.frame(32, 1, b"BODY", correlation_id=9, client_id="c")
    assert framed == struct.pack(">ihhi", 2 + 2 + 4 + 3 + 4, 32, 1, 9) + wire.string("c") + b"BODY"
    assert wire.read_string(wire.string("tö") + b"x", 0) == ("tö", 5)
    assert wire.read_string(struct.pack(">h", -1), 0) == (None, 2)


def test_several_requests_on_one_connection_are_answered_in_order():
    host, port = _serve(answer_each=True)
    first, second = wire.frame(1, 0, b"one", 1), wire.frame(1, 0, b"two", 2)
    answers = wire.exchange_many(host, port, [first, second], Deadline.after(5))
    assert answers == [first[4:][::-1], second[4:][::-1]]


def test_a_closed_connection_is_an_oserror():
    host, port = _serve(answer_each=False)
    with pytest.raises(OSError):
        wire.exchange(host, port, wire.frame(1, 0, b"x"), Deadline.after(5))
