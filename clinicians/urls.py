"""Placeholder until the directory pages land (helper replaces this file)."""

from django.urls import path
from django.views.generic import RedirectView

app_name = "clinicians"

urlpatterns = [path("", RedirectView.as_view(url="/"), name="location_list")]
