"""Placeholder until the supports pages land (helper replaces this file)."""

from django.urls import path
from django.views.generic import RedirectView

app_name = "interim_supports"

urlpatterns = [path("", RedirectView.as_view(url="/"), name="support_list")]
