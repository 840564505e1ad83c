import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from bot.storage.crypto import DecryptionError, SecretBox, key_id

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@given(st.text())
def test_round_trip_any_text(secret: str) -> None:
    box = SecretBox([NEW])
    assert box.decrypt(box.encrypt(secret)) == secret


def test_stored_form_names_the_key_and_hides_the_secret() -> None:
    stored = SecretBox([NEW]).encrypt("sk-live-123")
    version, kid, _token = stored.split(":", 2)
    assert (version, kid) == ("v1", key_id(NEW))
    assert "sk-live-123" not in stored


def test_rotation_reads_old_values_and_rewrites_under_the_primary() -> None:
    stored = SecretBox([OLD]).encrypt_json({"api_key": "k"})
    box = SecretBox([NEW, OLD])
    assert box.needs_rotation(stored)
    rotated = box.rotate(stored)
    assert not box.needs_rotation(rotated)
    assert SecretBox([NEW]).decrypt_json(rotated) == {"api_key": "k"}


def test_unknown_key_is_a_clear_error() -> None:
    stored = SecretBox([OLD]).encrypt("x")
    with pytest.raises(DecryptionError, match="cannot be decrypted"):
        SecretBox([NEW]).decrypt(stored)


def test_repr_and_bad_keys_reveal_nothing() -> None:
    assert NEW not in repr(SecretBox([NEW]))
    with pytest.raises(ValueError, match="not a valid Fernet key"):
        SecretBox(["not-a-key"])
