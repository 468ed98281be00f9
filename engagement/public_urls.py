"""Placeholder until engagement tracking lands (helper replaces this file)."""

urlpatterns = []
