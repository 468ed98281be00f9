from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from oht_portal import views

# The admin signs in through allauth (and its TOTP step), never with a bare password.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "OHT Attachment Portal"
# Under /api/ a 404 answers in the API's JSON error shape.
handler404 = "oht_portal.views.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("ohts/<str:code>/", views.oht_profile, name="oht_profile"),
    path("audit/", views.audit_log, name="audit_log"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<str:token_key>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path(
        "account/api-tokens/connectors/<int:user_id>/",
        views.connector_api_tokens,
        name="connector_api_tokens",
    ),
    path(
        "account/api-tokens/connectors/<int:user_id>/<str:token_key>/revoke/",
        views.connector_api_token_revoke,
        name="connector_api_token_revoke",
    ),
    path(
        "audit/alerts/<int:pk>/close/", views.api_read_alert_close_view, name="api_read_alert_close"
    ),
    path("patients/", include("attachment.urls")),
    path("clinicians/", include("clinicians.urls")),
    path("engagement/", include("engagement.urls")),
    path("supports/", include("interim_supports.urls")),
    path("reporting/", include("reporting.urls")),
    # No sign-in: a clinician's signed link, and engagement tracking (opens, clicks).
    path("c/", include("clinicians.public_urls")),
    path("e/", include("engagement.public_urls")),
    # No sign-in: an OHT's published list of interim supports (no patient data).
    path("public/", include("interim_supports.public_urls")),
    path("imports/", include("oht_portal.imports.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("oht_portal.api.urls")),
]
