"""parabook: build printable bilingual (Chinese + translation) booklets."""

__version__ = "0.1.0"
