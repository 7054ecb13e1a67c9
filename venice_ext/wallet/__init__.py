"""Wallet access with no API key: Sign-In-With-X on every request and prepaid x402 top-ups.

    from venice_ext import AsyncVenice, AutoTopUp, PrivateKeySigner, Wallet

    wallet = Wallet(PrivateKeySigner.from_env(), auto_top_up=AutoTopUp(below_usd=1, amount_usd=5, cap_usd=20))
    async with AsyncVenice(wallet=wallet) as client:
        await client.x402.top_up(5, max_usd=10)
        await client.chat.completions.create(model=..., messages=[...])

EVM (Base) only. Solana is not offered: its x402 payment is a partially signed SPL
transfer built on a recent blockhash, which needs a Solana RPC node and more Solana
libraries than sign-in alone. Signing is eth-account's (the `wallet` extra).
"""

from venice_ext.wallet._payment import PAYMENT_HEADER
from venice_ext.wallet._policy import AutoTopUp, next_top_up
from venice_ext.wallet._requirements import PaymentOption, PaymentRequirements, choose_option, parse_requirements
from venice_ext.wallet._signer import BASE_NETWORK, PrivateKeySigner, WalletSigner
from venice_ext.wallet._siwx import SIGN_IN_HEADER
from venice_ext.wallet._wallet import TopUpResult, Wallet, wallet_from

__all__ = [
    "BASE_NETWORK",
    "PAYMENT_HEADER",
    "SIGN_IN_HEADER",
    "AutoTopUp",
    "PaymentOption",
    "PaymentRequirements",
    "PrivateKeySigner",
    "TopUpResult",
    "Wallet",
    "WalletSigner",
    "choose_option",
    "next_top_up",
    "parse_requirements",
    "wallet_from",
]
