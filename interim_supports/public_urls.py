"""Placeholder until the public supports page lands (helper replaces this file)."""

urlpatterns = []
