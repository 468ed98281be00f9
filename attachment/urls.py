from attachment.views import matching, outreach, patient, referrals, waitlist

app_name = "attachment"

urlpatterns = (
    waitlist.urlpatterns
    + patient.urlpatterns
    + outreach.urlpatterns
    + matching.urlpatterns
    + referrals.urlpatterns
)
