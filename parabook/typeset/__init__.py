"""Setting text: fonts, widths, line breaks, Chinese justification; WeasyPrint's internals."""
