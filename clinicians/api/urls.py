"""Placeholder until the directory API lands (helper replaces this file)."""

urlpatterns = []
