"""Admins use the Django admin: every model of the portal's apps is registered, and
each changelist opens for a site admin."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.conftest import make_clinician, make_location

PORTAL_APPS = [
    "oht_portal",
    "attachment",
    "clinicians",
    "engagement",
    "interim_supports",
    "reporting",
]

pytestmark = pytest.mark.django_db


def portal_models():
    return [model for label in PORTAL_APPS for model in apps.get_app_config(label).get_models()]


@pytest.mark.parametrize("model", portal_models(), ids=lambda m: m._meta.label)
def test_it_registers_every_model(model):
    assert admin.site.is_registered(model), f"{model._meta.label} is not in the admin"


@pytest.mark.parametrize("model", portal_models(), ids=lambda m: m._meta.label)
def test_it_opens_every_changelist_for_a_site_admin(model, client_for, root, oht_a):
    make_location(oht_a, make_clinician("30001"))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client_for(root).get(url).status_code == 200
