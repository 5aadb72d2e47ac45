"""The only package that imports confluent_kafka (and kafka-python where confluent lacks an API)."""
