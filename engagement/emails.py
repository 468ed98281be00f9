"""Composing one recipient's e-mail: their language, tracked links, the open pixel,
the survey link and the resources. Plain text first, with an HTML alternative (the
only part that can carry the open pixel)."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from clinicians.links import link_token
from engagement.choices import ResourceLanguage
from engagement.models import Message, Recipient, Resource, TrackedLink, in_language

_URL = re.compile(r"https?://[^\s<>\"']+")
# Punctuation that ends a sentence rather than an address ("see https://x.ca.").
_TRAILING = ".,;:!?)]}"


@dataclass(frozen=True)
class Part:
    """A run of text, or a web address when `url` is set."""

    text: str
    url: str = ""


def split_links(text: str) -> list[Part]:
    parts: list[Part] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if match.start() > position:
            parts.append(Part(text[position : match.start()]))
        parts.append(Part(url, url))
        position = match.start() + len(url)
    if position < len(text):
        parts.append(Part(text[position:]))
    return parts


def message_urls(message: Message) -> list[str]:
    """Every web address a message's e-mails carry, in order of first appearance:
    both texts, then the resources."""
    urls = [
        part.url
        for body in (message.body_en, message.body_fr)
        for part in split_links(body)
        if part.url
    ]
    urls += [resource.link for resource in message.resources.order_by("title_en", "pk")]
    return list(dict.fromkeys(urls))


def _absolute(name: str, **kwargs) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, kwargs=kwargs)


def survey_url(recipient: Recipient) -> str:
    return _absolute(
        "engagement_survey",
        clinician_id=recipient.clinician_id,
        token=link_token(recipient.link),
    )


def _paragraphs(body: str, tracked) -> list[list[list[Part]]]:
    """Paragraphs (split on blank lines) of lines of parts, addresses made tracked."""
    return [
        [
            [Part(part.text, tracked(part.url)) if part.url else part for part in split_links(line)]
            for line in block.splitlines()
        ]
        for block in re.split(r"\n\s*\n", body.strip())
        if block.strip()
    ]


def compose(
    *,
    message: Message,
    recipient: Recipient,
    links: dict[str, TrackedLink],
    resources: list[Resource],
    connection=None,
) -> EmailMultiAlternatives:
    """The e-mail for `recipient`, in their language. Every address in it, the
    resources' included, goes through its tracked link."""
    language = recipient.language

    def tracked(url: str) -> str:
        return _absolute("engagement_click", token=recipient.token, link_id=links[url].pk)

    body = message.body_in(language).replace("\r\n", "\n")
    text_body = "".join(tracked(part.url) if part.url else part.text for part in split_links(body))
    with translation.override(language):
        context = {
            "subject": message.subject_in(language),
            "oht_name": in_language(language, message.oht.name_en, message.oht.name_fr),
            "language": language,
            "text_body": text_body,
            "paragraphs": _paragraphs(body, tracked),
            "resources": [
                {
                    "title": resource.title_in(language),
                    "url": tracked(resource.link),
                    "other_language": resource.language not in (language, ResourceLanguage.BOTH),
                    "language": resource.get_language_display(),
                }
                for resource in resources
            ],
            "survey_url": survey_url(recipient) if recipient.link_id else "",
            "survey_expires": recipient.link.expires_at if recipient.link_id else None,
            "pixel_url": _absolute("engagement_open", token=recipient.token),
        }
        email = EmailMultiAlternatives(
            subject=context["subject"],
            body=render_to_string("engagement/email/message.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
            connection=connection,
        )
        email.attach_alternative(
            render_to_string("engagement/email/message.html", context), "text/html"
        )
    return email
