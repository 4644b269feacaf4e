"""Webhooks for department systems (issue 9, part 5): a department client subscribes a URL to the
platform's events within its scope; the gateway delivers them signed per the Standard Webhooks
spec, retries with back-off, logs every attempt and replays on request (see README, "Webhooks")."""
