"""gala_spider: the topology service (port 11115), built from gala_gopher records on Kafka."""
