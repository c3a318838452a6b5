"""Cross-cutting HTTP: sessions, auth, CSRF, errors, templates, OpenAPI. Knows no domain."""
