"""How a document is arranged on the page: one strategy per `layout` in `book.yaml`."""
