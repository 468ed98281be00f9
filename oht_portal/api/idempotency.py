"""Idempotency keys for the API's creating calls, so a client may retry safely.

A caller sends `Idempotency-Key: <any unique string up to 100 characters>` with a
POST that creates something. The first call creates it (201); the same key sent again
by the same person with the same target and body returns what the first call created
(200) and creates nothing; the same key with another target or body is the caller's
bug (422 `idempotency_key_reused`); while the first call is still running, a second
one gets a 409 `idempotency_key_in_use`.

Referrals keep their key in their own row (`attachment.referrals`), unique in the
database. The other creating calls keep it here, in the cache (Redis in deployment,
shared by every worker), for a day: only the key's hash, a hash of the request and the
created row's pk are kept — never the body, which can hold health information. A replay
reads the row again through the view's scoped, audited read."""

import hashlib
import json
from collections.abc import Callable

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException

KEY_HEADER = "Idempotency-Key"
KEY_MAX = 100
REPLAY_SECONDS = 24 * 3600
# How long a call may hold its key before a retry is let through as a new call.
PENDING_SECONDS = 120

IDEMPOTENCY_KEY = OpenApiParameter(
    KEY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string up to 100 characters. Sent again with the same body, "
    "the first call's result is returned (200) and nothing is created twice; sent with "
    "another target or body, 422 `idempotency_key_reused`; while the first call still "
    "runs, 409 `idempotency_key_in_use`.",
)


class IdempotencyKeyInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_invalid"
    default_detail = _("The Idempotency-Key header is longer than 100 characters.")


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _("This idempotency key was used for another request.")


class IdempotencyKeyInUse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_use"
    default_detail = _("A request with this idempotency key is still running. Retry later.")


def idempotency_key(request) -> str | None:
    """The request's key, or None when it sent none."""
    key = request.headers.get(KEY_HEADER, "").strip()
    if not key:
        return None
    if len(key) > KEY_MAX:
        raise IdempotencyKeyInvalid
    return key


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def create_once(request, *, scope: str, target, payload: dict, create: Callable, replay: Callable):
    """`(obj, True)` from `create()`, or `(replay(pk), False)` when this person already
    made this call with this key. `scope` and `target` name the call (for example
    "verifications" and the patient's pk); `payload` is the validated body."""
    key = idempotency_key(request)
    if key is None:
        return create(), True
    slot = f"api-idempotency:{request.user.pk}:{_digest(key)}"
    fingerprint = _digest([scope, target, payload])
    if not cache.add(slot, {"request": fingerprint, "pk": None}, PENDING_SECONDS):
        earlier = cache.get(slot)
        if earlier is None:  # expired between the two calls: treat it as in use, retry
            raise IdempotencyKeyInUse
        if earlier["request"] != fingerprint:
            raise IdempotencyKeyReused
        if earlier["pk"] is None:
            raise IdempotencyKeyInUse
        try:
            return replay(earlier["pk"]), False
        except ObjectDoesNotExist:
            raise Http404 from None
    try:
        created = create()
    except BaseException:
        cache.delete(slot)
        raise
    # The services commit their own transaction (the API runs no request-wide one), so
    # the row exists for good once create() has returned.
    cache.set(slot, {"request": fingerprint, "pk": created.pk}, REPLAY_SECONDS)
    return created, True
