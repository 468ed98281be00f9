"""The matching job. It carries the run's id only: no patient data sits in the broker."""

from celery import shared_task

from attachment.matching import run


# Not retried automatically: a failure is recorded on the run, which staff start again.
@shared_task(acks_late=True)
def matching_run_execute(run_id: int) -> str:
    return run.matching_run_execute(run_id)
