"""Pages of the waitlist workspace, one module per area; each exports `urlpatterns`."""
