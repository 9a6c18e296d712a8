"""Standard Webhooks signing: the spec's own test vector, secrets, verification with a
tolerance, and agreement with the reference implementation (the ``standardwebhooks`` package,
written by the spec's authors, independent of ours)."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kizuna.integrations.webhooks.envelope import envelope_body
from kizuna.integrations.webhooks.signing import (
    InvalidSignature,
    secret_generate,
    secret_key,
    signature,
    signed_headers,
    verify,
)

# The example of the Standard Webhooks specification (and of its reference libraries' tests).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_it_signs_the_specs_example_exactly() -> None:
    assert (
        signature(secret=SPEC_SECRET, msg_id=SPEC_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_BODY)
        == SPEC_SIGNATURE
    )


def test_a_generated_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = secret_generate(), secret_generate()
    assert first != second
    assert first.startswith("whsec_") and len(first) == 6 + 44
    assert len(secret_key(first)) == 32


@pytest.mark.parametrize("bad", ["whsec_", "whsec_not base64!", ""])
def test_a_secret_that_is_not_base64_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        secret_key(bad)


def test_the_reference_implementation_accepts_what_we_sign() -> None:
    # given a Japanese event body signed now with a new secret
    secret = secret_generate()
    now = int(dt.datetime.now(dt.UTC).timestamp())
    body = envelope_body(
        event_type="health.grade_changed",
        occurred_at=dt.datetime(2026, 11, 30, 1, 2, 3, 999, tzinfo=dt.UTC),
        data={"account": {"id": 7, "name": "株式会社サンプル"}, "from": "B", "to": "C"},
    )
    headers = signed_headers(secret=secret, msg_id="evt_1", timestamp=now, body=body)
    # when the reference library verifies it
    parsed = Webhook(secret).verify(body, headers)
    # then it accepts it and reads the envelope back
    assert parsed == {
        "type": "health.grade_changed",
        "timestamp": "2026-11-30T01:02:03Z",
        "data": {"account": {"id": 7, "name": "株式会社サンプル"}, "from": "B", "to": "C"},
    }
    # and a body changed by one byte is refused by it
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b'"C"', b'"D"'), headers)


def test_our_verifier_accepts_the_reference_signature_and_rotating_secrets() -> None:
    # given a signature made by the reference library, listed after a stale one
    secret = secret_generate()
    stamp = dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC)
    reference = Webhook(secret).sign("evt_2", stamp, '{"a":1}')
    headers = {
        "Webhook-Id": "evt_2",
        "Webhook-Timestamp": str(int(stamp.timestamp())),
        "Webhook-Signature": "v1,AAAA " + reference,
    }
    # when we verify it 299 s later, then it passes; 301 s later it is too old
    verify(secret=secret, headers=headers, body=b'{"a":1}', now=int(stamp.timestamp()) + 299)
    with pytest.raises(InvalidSignature, match="too old"):
        verify(secret=secret, headers=headers, body=b'{"a":1}', now=int(stamp.timestamp()) + 301)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing"),
        ({"webhook-id": "x", "webhook-timestamp": "-5", "webhook-signature": "v1,x"}, "whole"),
        ({"webhook-id": "x", "webhook-timestamp": "1e9", "webhook-signature": "v1,x"}, "whole"),
        ({"webhook-id": "x", "webhook-timestamp": "100", "webhook-signature": "v1,x"}, "match"),
    ],
)
def test_our_verifier_refuses_bad_headers(headers: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidSignature, match=message):
        verify(secret=SPEC_SECRET, headers=headers, body=b"{}", now=100)


def test_another_secret_does_not_verify() -> None:
    body = b"{}"
    headers = signed_headers(secret=secret_generate(), msg_id="m", timestamp=5, body=body)
    with pytest.raises(InvalidSignature):
        verify(secret=secret_generate(), headers=headers, body=body, now=5)


def test_the_envelope_needs_an_aware_time_and_keeps_japanese_readable() -> None:
    with pytest.raises(ValueError):
        envelope_body(event_type="x", occurred_at=dt.datetime(2026, 1, 1), data={})
    body = envelope_body(
        event_type="coverage.lost",
        occurred_at=dt.datetime(
            9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=9))
        ),
        data={"名前": "絆"},
    )
    expected = '{"type":"coverage.lost","timestamp":"9999-12-31T14:59:59Z","data":{"名前":"絆"}}'
    assert body == expected.encode("utf-8")
