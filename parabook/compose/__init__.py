"""Stage 3, composing: the manuscript and its translations paired into a `Document`."""
