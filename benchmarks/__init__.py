"""Benchmarks: speed and bandwidth measured here, never in timed tests."""
