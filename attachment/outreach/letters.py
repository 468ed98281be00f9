"""The outreach messages, in the patient's language. Every body is a per-language
template written in full (letter_en / letter_fr, ...) rather than a translated string:
a letter must read as one text, and a French patient must get French whatever state the
UI catalogue is in. No clinical detail goes into any of them."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from attachment.models import Patient
from oht_portal.models import OHT

TEMPLATES = "attachment/outreach"
LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class ReplyContact:
    """Who the patient answers: the OHT's named point of contact."""

    name: str
    email: str


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def message_language(contact: dict) -> str:
    """French for a patient whose preferred language is French, English otherwise."""
    return "fr" if contact.get("preferred_language", "").lower().startswith("fr") else "en"


def reply_contact(oht: OHT) -> ReplyContact | None:
    """The OHT profile's primary contact, else the custodian's contact e-mail; None when
    the profile names neither (a campaign cannot be run without someone to reply to)."""
    person = oht.primary_contact
    if person is not None and person.is_active and person.email:
        return ReplyContact(name=person.get_full_name(), email=person.email)
    if oht.custodian_contact_email:
        return ReplyContact(name=oht.custodian_name, email=oht.custodian_contact_email)
    return None


def address_lines(patient: Patient, contact: dict) -> list[str]:
    """The mailing address the OHT recorded, else all HCC gives us: the postal code."""
    lines = [f"{patient.given_name} {patient.family_name}"]
    mailing = [line.strip() for line in contact.get("mailing_address", "").splitlines()]
    if any(mailing):
        lines.extend(line for line in mailing if line)
    else:
        code = contact.get("postal_code", "")
        lines.append(f"{code[:3]} {code[3:]}".strip())
    return lines


def _context(patient: Patient, contact: dict, language: str) -> dict:
    oht = patient.oht
    oht_name = (oht.name_fr or oht.name_en) if language == "fr" else oht.name_en
    return {
        "patient": patient,
        "oht_name": oht_name,
        "reply": reply_contact(oht),
        "reference": patient.hcc_id,
        "today": timezone.localdate(),
        "address_lines": address_lines(patient, contact),
        "language": language,
    }


def _render(name: str, patient: Patient, contact: dict) -> str:
    language = message_language(contact)
    # The override makes dates and number formats follow the letter, not the viewer.
    with translation.override(language):
        return render_to_string(
            f"{TEMPLATES}/{name}_{language}.{'html' if name == 'letter' else 'txt'}",
            _context(patient, contact, language),
        )


def render_letter(patient: Patient, contact: dict) -> str:
    """One letter as an HTML fragment (an <article>), ready for the letters page."""
    return _render("letter", patient, contact)


def render_email(patient: Patient, contact: dict) -> Email:
    subject = " ".join(_render("email_subject", patient, contact).split())
    return Email(subject=subject, body=_render("email", patient, contact).strip() + "\n")


def render_sms(patient: Patient, contact: dict) -> str:
    """A short text with no name: whoever holds the phone may read it."""
    return " ".join(_render("sms", patient, contact).split())
