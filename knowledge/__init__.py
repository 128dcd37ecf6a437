"""Policy knowledge base: data, normalisation and fuzzy matching."""
