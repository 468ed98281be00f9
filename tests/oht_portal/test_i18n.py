"""The shell speaks English and French, and remembers the choice."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_base_page_renders_in_french(client_for, alice):
    client = client_for(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="fr">' in body
    assert "Passer au contenu principal" in body
    assert "Liste d’attente" in body
    assert "Skip to main content" not in body


def test_the_login_page_renders_in_french(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    body = client.get(reverse("account_login")).content.decode()
    assert "Se connecter" in body or "Connexion" in body


def test_the_language_switch_is_remembered(client_for, alice):
    client = client_for(alice)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr">' in client.get(reverse("home")).content.decode()


def untranslated_messages(po_path) -> list[str]:
    """msgids whose msgstr is empty or marked fuzzy (a plain reading of the .po file)."""
    missing = []
    for block in po_path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        msgid = "".join(
            line.split(" ", 1)[1].strip('"') for line in lines if line.startswith("msgid ")
        )
        strings = [line for line in lines if line.startswith("msgstr")]
        continuation = [
            line for line in lines[lines.index(strings[0]) + 1 :] if line.startswith('"')
        ]
        text = "".join(s.split(" ", 1)[1].strip('"') for s in strings) + "".join(
            c.strip('"') for c in continuation
        )
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        if msgid and (not text or fuzzy):
            missing.append(msgid)
    return missing


def test_the_french_catalogue_is_complete():
    """Every message of our own catalogue has a French translation, none fuzzy."""
    po_path = settings.LOCALE_PATHS[0] / "fr" / "LC_MESSAGES" / "django.po"
    assert untranslated_messages(po_path) == []
