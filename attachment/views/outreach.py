"""Outreach campaigns: step 1 of the provincial process, run on a filtered set."""

urlpatterns: list = []
