"""Operating the app: liveness, readiness and Prometheus metrics."""
