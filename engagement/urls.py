"""Placeholder until the engagement pages land (helper replaces this file)."""

from django.urls import path
from django.views.generic import RedirectView

app_name = "engagement"

urlpatterns = [path("", RedirectView.as_view(url="/"), name="message_list")]
