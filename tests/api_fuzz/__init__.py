"""Schemathesis against the served OpenAPI schema of a live gunicorn (`run.py`)."""
