#!/usr/bin/env python3
"""A care connector's four workflows against the OHT Attachment Portal API.

Standard library only (urllib), so it runs with any Python 3.9+ and nothing
installed. Against the demo (`make demo`), first make a token: sign in as
connector@demo.example.org / demo-portal-2025, open "API tokens" in the header, choose
the scope "Read and write" and a number of days, "Create a token", and copy the token
shown (once):

    python examples/connector_client.py --token TOKEN                  # all four
    python examples/connector_client.py --token TOKEN verify capacity  # some of them

or put the token in OHT_PORTAL_TOKEN. The workflows, each a few calls (see
docs/api.md for the same calls with curl):

  verify    the next patient on your verify worklist (or the first unverified one,
            by priority): read their record, record "still needs a clinician";
  capacity  practice locations with places left in that patient's FSA;
  confirm   the best open proposal of a matching run: confirm it (a referral);
  refer     refer the verified patient to a location with places (with an
            Idempotency-Key, so a retry never refers twice), then move the referral
            on as the practice answers: accepted, then intake booked (with If-Match,
            so a stale copy is refused with 412 instead of overwriting).

Every workflow writes to the portal (audited, as any use of patient data is). A 409
(no places left, an open referral already, a move the lifecycle does not allow) is
reported and the next workflow goes on. A 429 is waited out (Retry-After).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

WORKFLOWS = ("verify", "capacity", "confirm", "refer")


class ApiError(Exception):
    """A 4xx or 5xx answer, with the portal's error body."""

    def __init__(self, status: int, body):
        self.status = status
        self.body = body
        super().__init__(f"HTTP {status}: {json.dumps(body, ensure_ascii=False)}")

    @property
    def code(self) -> str:
        return self.body.get("code", "") if isinstance(self.body, dict) else ""


class Portal:
    """The API over urllib: a token, JSON in and out, ETags, and 429 waited out."""

    def __init__(
        self,
        base_url: str,
        token: str,
        language: str = "en",
        retries: int = 3,
        verbose: bool = False,
    ):
        if urllib.parse.urlsplit(base_url).scheme not in {"http", "https"}:
            raise ValueError("The base URL must start with http:// or https://")
        self.base = base_url.rstrip("/") + "/api/v1"
        self.token = token
        self.language = language
        self.retries = retries
        self.verbose = verbose

    def call(self, method: str, path: str, *, params=None, body=None, headers=None):
        """Returns (data, response headers). Raises ApiError on 4xx/5xx."""
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        sent = {
            "Authorization": f"Token {self.token}",
            "Accept": "application/json",
            "Accept-Language": self.language,
            **(headers or {}),
        }
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        for attempt in range(self.retries + 1):
            if self.verbose:
                shown = [name for name in ("If-Match", "Idempotency-Key") if name in sent]
                print(f"  > {method} {url}" + (f" ({', '.join(shown)})" if shown else ""))
            request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
                url, data=data, headers=sent, method=method
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    raw = response.read()
                    if self.verbose:
                        etag = response.headers.get("ETag")
                        print(f"  < {response.status}" + (f" ETag {etag}" if etag else ""))
                    return (json.loads(raw) if raw else None), response.headers
            except urllib.error.HTTPError as error:
                if self.verbose:
                    print(f"  < {error.code}")
                raw = error.read()
                try:
                    payload = json.loads(raw) if raw else {}
                except ValueError:
                    payload = {"message": raw.decode(errors="replace")[:200]}
                if error.code == 429 and attempt < self.retries:
                    wait = int(error.headers.get("Retry-After") or 1)
                    print(f"  (throttled: waiting {wait} s as Retry-After asks)")
                    time.sleep(wait)
                    continue
                raise ApiError(error.code, payload) from None
        raise AssertionError("unreachable")

    def get(self, path: str, **params):
        return self.call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body=None, **headers):
        return self.call("POST", path, body=body if body is not None else {}, headers=headers)


def if_match(headers) -> dict:
    """The If-Match header for a write, from the ETag of the last read (if any)."""
    etag = headers.get("ETag") if headers is not None else None
    return {"If-Match": etag} if etag else {}


def in_a_week() -> str:
    now = datetime.now(timezone.utc)  # noqa: UP017 - datetime.UTC needs Python 3.11
    return (now + timedelta(days=7)).date().isoformat()


def first(page) -> dict | None:
    results = page.get("results", []) if isinstance(page, dict) else []
    return results[0] if results else None


# --- The workflows ------------------------------------------------------------------------


def verify(portal: Portal, state: dict) -> None:
    """Verify a patient: the next one on the verify worklist, else the first unverified."""
    # Patients who replied or were reached come first; then anyone unverified, by priority.
    page, _headers = portal.get("/patients/", worklist="verify", limit=1)
    patient = first(page)
    if patient is None:
        page, _headers = portal.get("/patients/", verification_state="unverified", limit=1)
        patient = first(page)
    if patient is None:
        print("  nobody left to verify in your OHTs")
        return
    detail, headers = portal.get(f"/patients/{patient['id']}/")
    contact = detail.get("contact") or {}
    print(
        f"  patient {detail['id']} ({detail['oht']}, FSA {detail['fsa']}, priority "
        f"{detail['priority']['score']:g}); call them at the contact the OHT uses "
        f"({contact.get('preferred_contact') or 'any'})"
    )
    # If-Match: refused (412) if someone changed the patient since we read it.
    result, _headers = portal.post(
        f"/patients/{patient['id']}/verifications/",
        {"result": "still_needs_care"},
        **if_match(headers),
        **{"Idempotency-Key": str(uuid.uuid4())},
    )
    print(f"  recorded verification {result['id']}: {result['result']} at {result['recorded_at']}")
    after, _headers = portal.get(f"/patients/{patient['id']}/")
    print(f"  the patient's next step is now: {after['next_step']}")
    state["patient"] = after


def capacity(portal: Portal, state: dict) -> None:
    """Find capacity: locations with places left where the patient lives."""
    patient = state.get("patient")
    params = {"limit": 5}
    if patient:
        params["fsa"] = patient["fsa"]
    page, _headers = portal.get("/locations/capacity-report/", **params)
    locations = page.get("results", [])
    if not locations and patient:
        print(f"  no open places in FSA {patient['fsa']}; looking across your OHTs")
        page, _headers = portal.get("/locations/capacity-report/", limit=5)
        locations = page.get("results", [])
    for location in locations:
        print(
            f"  location {location['id']}: {location.get('practice_name', '')}, "
            f"{location['capacity']['remaining']} place(s) left"
        )
    if not locations:
        print("  no practice location in your OHTs has places left")
    if patient:
        same_oht = [loc for loc in locations if loc.get("oht") == patient["oht"]]
        state["locations"] = same_oht or locations
    else:
        state["locations"] = locations


def confirm(portal: Portal, state: dict) -> None:
    """Confirm a proposal of a matching run: it becomes a referral."""
    page, _headers = portal.get("/proposals/", status="proposed", limit=1)
    proposal = first(page)
    if proposal is None:
        print("  no open proposal (OHT staff start a matching run on the Matching page)")
        return
    distance = proposal.get("distance_km")
    print(
        f"  proposal {proposal['id']}: patient {proposal['patient']} to location "
        f"{proposal['location']}" + (f", {distance} km" if distance is not None else "")
    )
    _detail, headers = portal.get(f"/proposals/{proposal['id']}/")
    referral, _headers = portal.post(
        f"/proposals/{proposal['id']}/confirm/",
        **if_match(headers),
        **{"Idempotency-Key": str(uuid.uuid4())},
    )
    print(f"  confirmed: referral {referral['id']} is {referral['status']}")


def refer(portal: Portal, state: dict) -> None:
    """Refer the verified patient, then move the referral on as the practice answers."""
    patient, locations = state.get("patient"), state.get("locations") or []
    if not patient or not locations:
        print("  needs a verified patient and a location with places (run verify, capacity)")
        return
    key = str(uuid.uuid4())  # keep it with your own record: a retry sends the same key
    body = {"patient": patient["id"], "location": locations[0]["id"]}
    try:
        referral, _headers = portal.post("/referrals/", body, **{"Idempotency-Key": key})
    except ApiError as error:
        if error.code != "open_referral_exists":
            raise
        # One open referral per patient: follow the one that is already under way.
        page, _headers = portal.get("/referrals/", patient=patient["id"], ordering="-referred_at")
        referral = next(
            (row for row in page["results"] if row["status"] in {"referred", "accepted"}), None
        )
        if referral is None:
            print("  the patient's open referral is past the practice's answer already")
            return
        print(f"  the patient already has referral {referral['id']} ({referral['status']})")
    else:
        where, status = referral["location"], referral["status"]
        print(f"  referral {referral['id']} to location {where}: {status}")
        again, _headers = portal.post("/referrals/", body, **{"Idempotency-Key": key})
        print(f"  the same call again (a retry) returns the same referral: {again['id']}")

    current, headers = portal.get(f"/referrals/{referral['id']}/")
    moves = [{"to": "intake_booked", "intake_on": in_a_week()}]
    if current["status"] == "referred":
        moves.insert(0, {"to": "accepted"})
    for move in moves:
        # Each answer carries the referral's new ETag, for the next move.
        path = f"/referrals/{referral['id']}/transition/"
        current, headers = portal.post(path, move, **if_match(headers))
        print(f"  moved to {current['status']}")
    if current.get("intake_on"):
        print(f"  intake on {current['intake_on']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workflows", nargs="*", metavar="WORKFLOW", help=", ".join(WORKFLOWS))
    parser.add_argument(
        "--base-url", default=os.environ.get("OHT_PORTAL_URL", "http://127.0.0.1:8000")
    )
    parser.add_argument("--token", default=os.environ.get("OHT_PORTAL_TOKEN", ""))
    parser.add_argument("--language", default="en", choices=["en", "fr"])
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show each HTTP call and its answer"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.workflows) - set(WORKFLOWS))
    if unknown:
        parser.error(f"unknown workflow {', '.join(unknown)}; choose from {', '.join(WORKFLOWS)}")
    if not args.token:
        parser.error("give --token (or OHT_PORTAL_TOKEN): make one on the portal's API tokens page")
    portal = Portal(args.base_url, args.token, args.language, verbose=args.verbose)
    try:
        ohts, _headers = portal.get("/ohts/")
    except ApiError as error:
        what = "refused the token" if error.status in {401, 403} else "answered with an error"
        print(f"The portal {what}: {error}", file=sys.stderr)
        return 2
    except urllib.error.URLError as error:
        print(f"Cannot reach {args.base_url}: {error.reason}", file=sys.stderr)
        return 2
    codes = ", ".join(oht["code"] for oht in ohts.get("results", []))
    print(f"Signed in; your OHTs: {codes or 'none'}")
    state: dict = {}
    failed = False
    for name in args.workflows or WORKFLOWS:
        print(f"\n{name}: {globals()[name].__doc__.splitlines()[0]}")
        try:
            globals()[name](portal, state)
        except ApiError as error:
            print(f"  refused: {error}")
            failed = failed or error.status != 409
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
