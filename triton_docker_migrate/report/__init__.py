"""Report formatters: one module per output format. Each takes the run's results and returns the
text for stdout."""
