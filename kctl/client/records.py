"""The record types of the client API (defined in kctl.models.records, where kctl.kafka's adapters
can build them too)."""

from kctl.models.records import ConsumerEvent, ConsumerRecord, ProducerRecord, RecordMetadata, TopicPartitionOffset

__all__ = ["ConsumerEvent", "ConsumerRecord", "ProducerRecord", "RecordMetadata", "TopicPartitionOffset"]
