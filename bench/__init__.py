"""Benchmarks: each writes its figures to bench/results/ (see bench/README.md). Not part of the test suite."""
