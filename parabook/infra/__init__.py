"""Plumbing every stage may use: atomic writes, locks, the cache folder, forked work."""
