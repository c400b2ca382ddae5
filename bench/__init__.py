"""Benchmarks: `python -m bench.run [--quick]` measures each figure beside its ceiling or peer."""
