"""Staff pages of the clinician directory, one module per area; each exports
`urlpatterns`. Anyone with a role in an OHT reads its directory; DIRECTORY_EDIT_ROLES
change it, always through `clinicians.services`."""
