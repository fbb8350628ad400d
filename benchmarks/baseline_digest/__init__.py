"""The digest ranking as it was at revision 272c221 (counting feeds, not people), frozen so that
benchmarks/bench_digest_quality.py can measure it beside the current one in the same run. Not used by feedhub."""
