"""`kctl schemas` and the Schema Registry settings of produce/consume."""
