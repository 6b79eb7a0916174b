"""Stage 4, rendering: the document to HTML (Jinja2), the HTML to PDF (WeasyPrint)."""
