"""The campaign task. It carries the campaign's id only: no patient, address or message
ever sits in the broker."""

from celery import shared_task
from django.db import OperationalError

from attachment.models import OutreachCampaign
from attachment.outreach.campaigns import campaign_launch


# Retrying is safe: a launch never sends again what an earlier run recorded. Only the
# database being unreachable is worth retrying; a send that fails is recorded as failed.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def campaign_launch_task(campaign_id: int) -> dict:
    campaign = OutreachCampaign.objects.select_related("oht", "created_by").get(pk=campaign_id)
    return campaign_launch(campaign=campaign, actor=campaign.created_by)
