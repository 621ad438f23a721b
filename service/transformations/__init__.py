"""Transformations (a new batch made from input batches) and the trace graph over them."""
