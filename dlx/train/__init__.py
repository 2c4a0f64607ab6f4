"""Training: the loop, callbacks and metrics."""
