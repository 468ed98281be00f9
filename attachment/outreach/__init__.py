"""Outreach campaigns: step 1 of the provincial process (letter, e-mail and text to every
waitlisted patient of a filtered set), with pluggable senders and printable letters."""
