from attachment.views import outreach, patient, waitlist

app_name = "attachment"

urlpatterns = waitlist.urlpatterns + patient.urlpatterns + outreach.urlpatterns
