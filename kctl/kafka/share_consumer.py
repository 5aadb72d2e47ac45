"""One confluent ShareConsumer (KIP-932, preview in confluent-kafka 2.16) in explicit
acknowledgement mode: kctl decides per record whether it is accepted, released or rejected, and
every method raises KctlErrors only."""

from __future__ import annotations

import logging

from kctl import log
from kctl.kafka.clients import ClientErrors, library_conf, lost_interrupt, new_client, to_kctl_error
from kctl.kafka.consumer import _refused, to_event, to_record
from kctl.kafka.lib import confluent
from kctl.models.records import ShareRecord
from kctl.parsing import check_group_id

ACK_TYPES = ("accept", "release", "reject")


class KafkaShareConsumer:
    def __init__(self, conf: dict):
        ck = confluent()
        conf = dict(conf)
        if not log.librdkafka_logger().isEnabledFor(logging.INFO):
            # Below INFO: also hides librdkafka's "share consumer is in Preview" warning line.
            conf.setdefault("log_level", 2)
        conf["share.acknowledgement.mode"] = "explicit"
        check_group_id(conf["group.id"], "share group")
        self.errors = ClientErrors()
        self._consumer = new_client(ck.ShareConsumer, library_conf(conf, self.errors), refused=_refused)
        self._types = {"accept": ck.AcknowledgeType.ACCEPT, "release": ck.AcknowledgeType.RELEASE,
                       "reject": ck.AcknowledgeType.REJECT}

    def auth_failure(self):
        return self.errors.auth_failure()

    def subscribe(self, topics: list[str]) -> None:
        try:
            self._consumer.subscribe(list(topics))
        except Exception as exc:  # noqa: BLE001 - KafkaException, ValueError: one KctlError
            raise to_kctl_error(exc, "subscribe") from None

    def poll(self, timeout: float) -> list:
        """ShareRecords (each with its message, to acknowledge) and ConsumerEvents for errors."""
        try:
            messages = self._consumer.poll(timeout)
        except SystemError as exc:
            raise lost_interrupt(exc) from None
        except Exception as exc:  # noqa: BLE001
            raise to_kctl_error(exc, "share poll") from None
        out = []
        for m in messages:
            if m.error() is not None:
                out.append(to_event(m))
                continue
            r = to_record(m)
            out.append(ShareRecord(r.topic, r.partition, r.offset, r.timestamp_ms, r.key, r.value, r.headers,
                                   r.timestamp_type, delivery_count=m.delivery_count(), message=m))
        return out

    def acknowledge(self, record: ShareRecord, ack: str) -> None:
        """Local only: sent with the next poll or commit. A record whose acquisition lock expired
        is no longer in flight (IllegalStateException): logged, the broker redelivers it."""
        try:
            self._consumer.acknowledge(record.message, self._types[ack])
        except Exception as exc:  # noqa: BLE001
            log.event("share_ack_failed", logging.WARNING, topic=record.topic, partition=record.partition,
                      offset=record.offset, error=str(exc))

    def commit(self, timeout: float) -> dict:
        """Send the pending acknowledgements and wait for the broker; {(topic, partition): error text}
        of the partitions it refused."""
        try:
            result = self._consumer.commit_sync(max(0.001, timeout))
        except SystemError as exc:
            raise lost_interrupt(exc) from None
        except Exception as exc:  # noqa: BLE001
            raise to_kctl_error(exc, "acknowledge") from None
        return {(tp.topic, tp.partition): str(error) for tp, error in (result or {}).items() if error is not None}

    def close(self) -> None:
        """Commit what is pending and leave the share group. Can block (about socket.timeout.ms):
        callers run it through kctl.deadline.run_bounded."""
        try:
            self._consumer.close()
        except SystemError as exc:
            raise lost_interrupt(exc) from None
        except RuntimeError:
            pass
        except Exception as exc:  # noqa: BLE001
            raise to_kctl_error(exc, "close") from None
