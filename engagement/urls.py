from engagement.views import library, messaging

app_name = "engagement"

urlpatterns = messaging.urlpatterns + library.urlpatterns
