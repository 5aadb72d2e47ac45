"""Apache Kafka request schemas (JSON, from kafka-clients) that kafka-python does not ship;
kctl.kafka.consumer_group_describe builds its messages from them."""
