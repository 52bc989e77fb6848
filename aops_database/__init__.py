"""The data center: the only code that touches MySQL, Elasticsearch and Prometheus."""
