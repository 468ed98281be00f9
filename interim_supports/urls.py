"""Staff pages of the interim supports directory (mounted at /supports/)."""

from interim_supports.views import directory, exchange, patient, printing, public, review

app_name = "interim_supports"

urlpatterns = (
    directory.urlpatterns
    + review.urlpatterns
    + patient.urlpatterns
    + printing.urlpatterns
    + public.urlpatterns
    + exchange.exchange_urlpatterns
)
