"""Stage 1, the source: `book.yaml` and `source.zh.md` read into a `Manuscript`; importers."""
