"""Stage 2, the translations: PO files, their review states, XLIFF exchange, and QA."""
