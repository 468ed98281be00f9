"""Pages of engagement, one module per area; each exports `urlpatterns`."""
