import hashlib
import hmac

from bot.web.outreach import verify_signature

SECRET = "whsec"
BODY = b'{"id":"evt_1"}'


def sign(ts: str, body: bytes = BODY) -> str:
    return "v1=" + hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


def test_authentic_request_passes() -> None:
    assert verify_signature(SECRET, "1000", sign("1000"), BODY, now=1000) is None


def test_stale_tampered_and_missing_are_refused() -> None:
    assert "5 minutes" in verify_signature(SECRET, "1000", sign("1000"), BODY, now=1000 + 301)
    assert "does not match" in verify_signature(SECRET, "1000", sign("1000"), BODY + b" ", now=1000)
    assert "does not match" in verify_signature(SECRET, "1001", sign("1000"), BODY, now=1000)
    assert "missing" in verify_signature(SECRET, None, None, BODY, now=1000)
    assert "unix timestamp" in verify_signature(SECRET, "soon", sign("soon"), BODY, now=1000)
