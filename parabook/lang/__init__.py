"""Language data, one place per language."""
