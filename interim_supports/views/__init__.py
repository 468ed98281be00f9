"""Pages of the interim supports directory, one module per area; each exports
`urlpatterns` (the exchange module exports `exchange_urlpatterns`, the public page
`public_urlpatterns`). Anyone with a role in an OHT reads its supports and the
province-wide ones; DIRECTORY_EDIT_ROLES change their OHT's, always through
`interim_supports.services`. Sharing a list with a patient needs PATIENT_DATA_ROLES and
reaches the patient only through `attachment.selectors.patient_get`."""
