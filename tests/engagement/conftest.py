"""Clinicians of two OHTs for engagement tests: in OHT A a French-speaking clinician
(two locations), an English-speaking one and a French-speaking one without e-mail; in
OHT B a French-speaking clinician who must never be reached from OHT A."""

import pytest

from engagement.choices import MessageKind, QuestionKind
from engagement.models import Message, Question
from tests.conftest import make_clinician, make_location


@pytest.fixture
def french_doc(oht_a):
    doc = make_clinician(
        "30001",
        given_name="Josée",
        family_name="Gagnon",
        languages="fr;en",
        correspondence_language="fr",
    )
    make_location(oht_a, doc, fsa="M4C")
    make_location(oht_a, doc, fsa="M4E")
    return doc


@pytest.fixture
def english_doc(oht_a):
    doc = make_clinician("30002", given_name="Ann", family_name="Smith")
    make_location(oht_a, doc)
    return doc


@pytest.fixture
def unreachable_doc(oht_a):
    doc = make_clinician("30003", family_name="Roy", email="", languages="fr")
    make_location(oht_a, doc)
    return doc


@pytest.fixture
def outsider_doc(oht_b):
    doc = make_clinician("30004", languages="fr", correspondence_language="fr")
    make_location(oht_b, doc)
    return doc


@pytest.fixture
def directory(french_doc, english_doc, unreachable_doc, outsider_doc):
    return {
        "french": french_doc,
        "english": english_doc,
        "unreachable": unreachable_doc,
        "outsider": outsider_doc,
    }


def make_message(oht, actor, *, kind=MessageKind.BULLETIN, segment_query="", **fields):
    defaults = {
        "subject_en": "Capacity update",
        "subject_fr": "Mise à jour de la capacité",
        "body_en": "Hello. Read the guide at https://example.org/guide.\n\nThank you.",
        "body_fr": "Bonjour. Lisez le guide : https://example.org/guide-fr.\n\nMerci.",
    }
    defaults.update(fields)
    return Message.objects.create(
        oht=oht, kind=kind, segment_query=segment_query, created_by=actor, **defaults
    )


def add_question(message, kind, position, **fields):
    defaults = {"text_en": f"Question {position}", "text_fr": f"Question {position} (fr)"}
    if kind == QuestionKind.CHOICE:
        defaults |= {"choices_en": "Yes\nNo\nMaybe", "choices_fr": "Oui\nNon\nPeut-être"}
    defaults.update(fields)
    return Question.objects.create(message=message, kind=kind, position=position, **defaults)
