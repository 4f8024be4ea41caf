"""The proving ground's benchmarks (``python -m bench``); see bench/README.md."""
