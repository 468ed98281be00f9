"""Matching: optimal, explained proposals of waiting patients to open capacity."""
