"""Evaluation: labelled sets, metrics, the eval runner, benchmarks."""
