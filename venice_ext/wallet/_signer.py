"""Who signs for a wallet: the `WalletSigner` protocol, and `PrivateKeySigner` on eth-account.

Any object with an `address` and the two signing methods plugs in (a key service, a
hardware wallet); it is called once per request, so it must be quick or cache nothing
that goes stale. The private key of a `PrivateKeySigner` stays inside it: no repr, log,
error or pickle carries it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, runtime_checkable

from venice_ext.errors import ConfigurationError, WalletNotInstalledError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

__all__ = ["BASE_NETWORK", "DEFAULT_KEY_ENV", "PrivateKeySigner", "WalletSigner", "network_of"]

BASE_NETWORK = "eip155:8453"
DEFAULT_KEY_ENV = "VENICE_WALLET_KEY"
_HEX_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


@runtime_checkable
class WalletSigner(Protocol):
    """An EVM wallet: its checksummed address, EIP-191 and EIP-712 signatures as 0x-hex."""

    @property
    def address(self) -> str: ...

    def sign_message(self, message: str) -> str:
        """The EIP-191 (personal_sign) signature of `message`."""
        ...

    def sign_typed_data(self, typed_data: Mapping[str, Any]) -> str:
        """The EIP-712 signature of a full typed-data message (types, primaryType, domain, message)."""
        ...


def network_of(signer: WalletSigner) -> str:
    """The CAIP-2 network a signer pays on: its `network` attribute, else Base."""
    network = getattr(signer, "network", None)
    return network if isinstance(network, str) and network else BASE_NETWORK


def _eth_account() -> Any:
    try:
        import eth_account
    except ImportError as exc:
        raise WalletNotInstalledError(
            "wallet signing needs the `wallet` extra: pip install 'venice-client[wallet]'"
        ) from exc
    return eth_account


def _hex(signature: Any) -> str:
    text = signature.hex() if not isinstance(signature, str) else signature
    return text if text.startswith("0x") else "0x" + text


class PrivateKeySigner:
    """Signs with a local secp256k1 private key (eth-account). Build it from hex, an
    environment variable or a file; the key is never shown, logged or pickled."""

    __slots__ = ("__account",)

    def __init__(self, private_key: str) -> None:
        key = private_key.strip() if isinstance(private_key, str) else None
        if key is None or not _HEX_KEY.match(key):
            # The value itself is never echoed: it may be a real key with a typo.
            raise ConfigurationError("the wallet key must be a 32-byte private key in hex (64 hex digits, 0x optional)")
        try:
            account: LocalAccount = _eth_account().Account.from_key(key)
        except ValueError:
            raise ConfigurationError("the wallet key is not a valid secp256k1 private key") from None
        self.__account = account

    @classmethod
    def from_env(cls, name: str = DEFAULT_KEY_ENV) -> PrivateKeySigner:
        value = os.environ.get(name)
        if not value or not value.strip():
            raise ConfigurationError(f"no wallet key: the environment variable {name} is not set")
        return cls(value)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PrivateKeySigner:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read the wallet key file {os.fspath(path)!r}: {exc.strerror}") from None
        return cls(text)

    @property
    def address(self) -> str:
        return str(self.__account.address)

    def sign_message(self, message: str) -> str:
        encode_defunct = _eth_account().messages.encode_defunct
        return _hex(self.__account.sign_message(encode_defunct(text=message)).signature)

    def sign_typed_data(self, typed_data: Mapping[str, Any]) -> str:
        return _hex(self.__account.sign_typed_data(full_message=dict(typed_data)).signature)

    def __repr__(self) -> str:
        return f"PrivateKeySigner(address={self.address!r})"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a PrivateKeySigner holds a private key and is never pickled or copied")
