"""What an operator sees of a running process: Prometheus metrics on their own port
(:mod:`.exposition`, the families in :mod:`service.metrics`), JSON log lines with the request
they belong to (:mod:`.logs`), and OpenTelemetry tracing of GraphQL requests, off by default
(:mod:`.tracing`). docs/observability.md describes them; deploy/README.md what to alert on."""
