"""Placeholder until the self-service pages land (helper replaces this file)."""

from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    path(
        "<int:clinician_id>/<str:token>/",
        RedirectView.as_view(url="/"),
        name="clinician_link",
    )
]
