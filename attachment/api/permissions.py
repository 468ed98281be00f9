"""Who may call the API's patient-level endpoints at all."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings

from oht_portal.scoping import may_see_patients


class MaySeePatients(BasePermission):
    """Holds a patient-data role (OHT staff, care connector) in some OHT, or is a site
    admin; PCN and privacy leads get a 403. Which OHTs' patients the person sees is then
    decided by scoping (another OHT's record is a 404)."""

    message = _("Your role does not give access to patient data.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and may_see_patients(user))


# The project's default permissions (signed in, token scope) and then this one: a view
# that names its own permissions must not drop the defaults.
PATIENT_PERMISSIONS = [*api_settings.DEFAULT_PERMISSION_CLASSES, MaySeePatients]
