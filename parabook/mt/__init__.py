"""Machine drafts: an engine that plans and saves, and providers that translate."""
