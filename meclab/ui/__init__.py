"""The dashboard: a page served by meclab itself, reading only the public APIs."""
