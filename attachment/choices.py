"""Choices of the HCC waitlist, spelled as the `hcc_waitlist` extract spells them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HCCStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ATTACHED = "attached", _("Attached")
    CLOSED = "closed", _("Closed")


class PreferredContact(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    TEXT = "text", _("Text message")
    MAIL = "mail", _("Mail")


class OutreachState(models.TextChoices):
    """Where step 1 (outreach) stands for a patient."""

    NOT_STARTED = "not_started", _("Not contacted yet")
    CONTACTED = "contacted", _("Contacted, no reply yet")
    REPLIED = "replied", _("Replied")
    REACHED = "reached", _("Reached by phone")
    UNREACHABLE = "unreachable", _("Unreachable")


class VerificationResult(models.TextChoices):
    """The outcome of verifying that a patient still needs a clinician."""

    STILL_NEEDS_CARE = "still_needs_care", _("Still needs a clinician")
    FOUND_CLINICIAN = "found_clinician", _("Found a clinician on their own")
    MOVED = "moved", _("Moved out of the OHT")
    DECLINED = "declined", _("Declined")
    DECEASED = "deceased", _("Deceased")
    UNREACHABLE = "unreachable", _("Unreachable after repeated attempts")


class VerificationState(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified yet")
    STILL_NEEDS_CARE = VerificationResult.STILL_NEEDS_CARE.value, _("Still needs a clinician")
    FOUND_CLINICIAN = VerificationResult.FOUND_CLINICIAN.value, _("Found a clinician")
    MOVED = VerificationResult.MOVED.value, _("Moved out of the OHT")
    DECLINED = VerificationResult.DECLINED.value, _("Declined")
    DECEASED = VerificationResult.DECEASED.value, _("Deceased")
    UNREACHABLE = VerificationResult.UNREACHABLE.value, _("Unreachable")


class NextStep(models.TextChoices):
    """What the OHT does next for a patient; follows from outreach and verification."""

    OUTREACH = "outreach", _("Send the outreach letter and messages")
    FOLLOW_UP = "follow_up", _("Wait for a reply, then follow up")
    CALL = "call", _("Call the patient")
    VERIFY = "verify", _("Record the verification result")
    MATCH = "match", _("Ready to match with a clinician")
    CLOSE = "close", _("Close: no longer needs matching")


class Channel(models.TextChoices):
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    TEXT = "text", _("Text message")
    PHONE = "phone", _("Phone call")


class AttemptStatus(models.TextChoices):
    """The status of one outreach attempt. Messages are queued then sent or failed;
    calls end with what happened; a reply can come back on any channel."""

    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped: no contact details for this channel")
    REPLIED = "replied", _("Patient replied")
    REACHED = "reached", _("Reached")
    VOICEMAIL = "voicemail", _("Left a voicemail")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class Source(models.TextChoices):
    PORTAL = "portal", _("Portal page")
    API = "api", _("API")
    CAMPAIGN = "campaign", _("Outreach campaign")


class ReferralStatus(models.TextChoices):
    """A referral's lifecycle. `referred` holds a slot while the practice answers;
    `accepted`, `intake_booked` and `attached` have used one."""

    REFERRED = "referred", _("Referred, awaiting the practice")
    ACCEPTED = "accepted", _("Accepted by the practice")
    DECLINED = "declined", _("Declined by the practice")
    INTAKE_BOOKED = "intake_booked", _("Intake booked")
    ATTACHED = "attached", _("Attached")
    CLOSED = "closed", _("Closed")


# A patient has at most one referral in these states (a database constraint).
OPEN_REFERRAL_STATUSES = (
    ReferralStatus.REFERRED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.INTAKE_BOOKED,
)
# Referrals counted against a declaration once the practice said yes.
ACCEPTED_REFERRAL_STATUSES = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.INTAKE_BOOKED,
    ReferralStatus.ATTACHED,
)


class DeclineReason(models.TextChoices):
    """Why a practice said no: recorded to detect cherry-picking."""

    NO_CAPACITY = "no_capacity", _("No capacity after all")
    OUTSIDE_SCOPE = "outside_scope", _("Needs are outside the practice's scope")
    COMPLEXITY = "complexity", _("Too complex for the practice")
    LANGUAGE = "language", _("Language cannot be served")
    DISTANCE = "distance", _("Lives too far")
    OTHER = "other", _("Other")


class ClosedReason(models.TextChoices):
    PATIENT_DECLINED = "patient_declined", _("Patient declined")
    UNREACHABLE = "unreachable", _("Patient unreachable")
    NO_SHOW = "no_show", _("Patient did not come")
    OTHER = "other", _("Other")


class MatchingRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed: referred")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded by a newer run")
