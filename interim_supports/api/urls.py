"""Placeholder until the supports API lands (helper replaces this file)."""

urlpatterns = []
