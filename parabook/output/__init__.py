"""Stage 5, outputs: photos prepared per PDF, the email fonts cut, the handout imposed."""
