"""The Celery app. Without REDIS_URL tasks run eagerly in-process (laptop default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oht_portal.settings")

app = Celery("oht_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
