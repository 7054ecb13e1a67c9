"""Canned answers for the account operations: API keys, billing, x402 wallets and the crypto RPC proxy."""

from __future__ import annotations

import base64
import json
from typing import Any

from venice_ext.testing._replies import Reply

__all__ = [
    "api_key",
    "api_key_created",
    "api_key_deleted",
    "api_key_updated",
    "api_keys",
    "billing_balance",
    "billing_usage_analytics",
    "billing_usage_gone",
    "billing_usage_history",
    "billing_usage_history_csv",
    "crypto_rpc_networks",
    "crypto_rpc_result",
    "rate_limit_logs",
    "rate_limits",
    "web3_key_created",
    "web3_token",
    "x402_balance",
    "x402_top_up",
    "x402_transactions",
]

_KEY_ID = "e28f4c1a-6d3b-4a97-b5e2-0c8d7f1a9b34"
_WALLET = "0x7a3Bc91d2E4f5A6b8C0d1E2F3a4B5c6D7e8F9012"


# --- API keys ----------------------------------------------------------------------------


def _key(**overrides: Any) -> dict[str, Any]:
    key: dict[str, Any] = {
        "id": _KEY_ID,
        "description": "CI pipeline",
        "apiKeyType": "INFERENCE",
        "consumptionLimits": {"usd": 25, "diem": None},
        "limitPeriod": "MONTH",
        "modelPrivacy": "ALL",
        "createdAt": "2026-03-14T10:22:05.000Z",
        "expiresAt": None,
        "last6Chars": "q7Xk2P",
        "lastUsedAt": "2026-08-21T09:12:48.000Z",
        "usage": {"trailingSevenDays": {"usd": "3.84", "vcu": "0.00", "diem": "1.20"}},
        "currentPeriodUsage": {"usd": "11.37", "diem": "1.20"},
    }
    key.update(overrides)
    return key


def api_keys() -> Reply:
    admin = _key(
        id="7b1d0e5c-3f2a-4c86-9d41-a6e8b2f0c719",
        description="Admin",
        apiKeyType="ADMIN",
        consumptionLimits={"usd": None, "diem": None},
        limitPeriod="EPOCH",
        createdAt="2025-11-02T08:00:31.000Z",
        last6Chars="Zr9mE4",
        lastUsedAt="2026-08-20T16:40:02.000Z",
        usage={"trailingSevenDays": {"usd": "0.00", "vcu": "0.00", "diem": "0.00"}},
        currentPeriodUsage={"usd": "0.00", "diem": "0.00"},
    )
    return Reply(json={"object": "list", "data": [_key(), admin]})


def api_key() -> Reply:
    return Reply(json={"data": _key()})


def api_key_updated() -> Reply:
    # The PATCH answer is the key record without its usage figures.
    key = _key(description="CI pipeline (nightly)", consumptionLimits={"usd": 50, "diem": None})
    del key["usage"], key["currentPeriodUsage"]
    return Reply(json={"success": True, "data": key})


def _new_key(description: str, key_type: str) -> dict[str, Any]:
    # The secret appears only in this one answer; later listings show just its last six characters.
    return {
        "id": "4c9a2e7f-1b3d-4f58-a6c0-d2e8b5f71a93",
        "apiKey": "VENICE-INFERENCE-KEY-hT3vQ9mZr8LwX2bN5cYk1GdP4sJ7fA0e",
        "description": description,
        "apiKeyType": key_type,
        "consumptionLimit": {"usd": 10, "diem": None},
        "limitPeriod": "MONTH",
        "modelPrivacy": "PRIVATE_ONLY",
        "expiresAt": "2026-11-21T00:00:00.000Z",
    }


def api_key_created() -> Reply:
    return Reply(json={"success": True, "data": _new_key("Staging", "INFERENCE")})


def api_key_deleted() -> Reply:
    return Reply(json={"success": True})


def web3_token() -> Reply:
    # The token the wallet signs to prove ownership; a JWT in the live API.
    token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJub25jZSI6IjhmM2EyYyIsImlhdCI6MTc4NzMwNDYwMH0.c2lnbmF0dXJl"
    return Reply(json={"success": True, "data": {"token": token}})


def web3_key_created() -> Reply:
    return Reply(json={"success": True, "data": _new_key("Web3 API Key", "INFERENCE")})


def rate_limits() -> Reply:
    return Reply(
        json={
            "data": {
                "accessPermitted": True,
                "apiTier": {"id": "paid", "isCharged": True},
                "balances": {"USD": 42.17, "DIEM": 12.5},
                "keyExpiration": None,
                "nextEpochBegins": "2026-08-22T00:00:00.000Z",
                "rateLimits": [
                    {
                        "apiModelId": "zai-org-glm-5-1",
                        "rateLimits": [
                            {"type": "RPM", "amount": 50},
                            {"type": "RPD", "amount": 10000},
                            {"type": "TPM", "amount": 750000},
                        ],
                    },
                    {"apiModelId": "qwen-image", "rateLimits": [{"type": "RPM", "amount": 20}]},
                ],
            }
        }
    )


def rate_limit_logs() -> Reply:
    return Reply(
        json={
            "object": "list",
            "data": [
                {
                    "apiKeyId": _KEY_ID,
                    "modelId": "zai-org-glm-5-1",
                    "rateLimitTier": "paid",
                    "rateLimitType": "RPM",
                    "timestamp": "2026-08-21T09:05:17.402Z",
                }
            ],
        }
    )


# --- billing -----------------------------------------------------------------------------


def billing_balance() -> Reply:
    return Reply(
        json={
            "canConsume": True,
            "consumptionCurrency": "USD",
            "balances": {"usd": 42.17, "diem": 12.5},
            "diemEpochAllocation": 10,
        }
    )


def billing_usage_gone() -> Reply:
    # The endpoint is sunset: its only documented answer is this 410.
    return Reply(
        410,
        json={"error": "This endpoint has been sunset. Use GET /api/v1/billing/usage-history instead."},
        headers={
            "Deprecation": "@1782864000",
            "Link": '</api/v1/billing/usage-history>; rel="successor-version"',
            "Sunset": "Wed, 16 Sep 2026 00:00:00 GMT",
        },
    )


def billing_usage_analytics() -> Reply:
    return Reply(
        json={
            "lookback": "7d",
            "byDate": [
                {"date": "2026-08-20", "USD": 1.92, "DIEM": 0.6},
                {"date": "2026-08-21", "USD": 0.41, "DIEM": 0.0},
            ],
            "byModel": [
                {
                    "modelName": "GLM 5.1",
                    "unitType": "tokens",
                    "modelType": "LLM",
                    "totalUsd": 2.01,
                    "totalDiem": 0.6,
                    "totalUnits": 512000,
                    "breakdown": [
                        {"type": "Input", "usd": 0.62, "diem": 0.2, "units": 402000},
                        {"type": "Output", "usd": 1.39, "diem": 0.4, "units": 110000},
                    ],
                },
                {
                    "modelName": "Qwen Image",
                    "unitType": "images",
                    "modelType": "Image",
                    "totalUsd": 0.32,
                    "totalDiem": 0.0,
                    "totalUnits": 11,
                },
            ],
            # Dates here are epoch milliseconds, one column per model name.
            "byModelDaily": [
                {"date": 1787184000000, "GLM 5.1": 1.62, "Qwen Image": 0.3},
                {"date": 1787270400000, "GLM 5.1": 0.39, "Qwen Image": 0.02},
            ],
            "topModels": ["GLM 5.1", "Qwen Image"],
            "byKey": [
                {
                    "apiKeyId": _KEY_ID,
                    "description": "CI pipeline",
                    "totalUsd": 2.33,
                    "totalDiem": 0.6,
                    "totalUnits": 512011,
                },
            ],
            "byKeyDaily": [
                {"date": 1787184000000, "CI pipeline": 1.92},
                {"date": 1787270400000, "CI pipeline": 0.41},
            ],
            "topKeyNames": ["CI pipeline"],
        }
    )


_NEXT_CURSOR = "AZq7dM2pWx4Lk9Tn0Rb5Vc8Hs3Fg6Jy1"


def billing_usage_history() -> Reply:
    return Reply(
        json={
            "data": [
                {
                    "timestamp": "2026-08-21T09:12:48.731Z",
                    "sku": "zai-org-glm-5-1-llm-output-mtoken",
                    "units": 0.000041,
                    "pricePerUnitUsd": 4.84,
                    "amount": 0.000198,
                    "currency": "USD",
                    "notes": "API Inference",
                    "inferenceDetails": {
                        "requestId": "chatcmpl-9b2e4f7a1c8d4e3fb6a05d7c2e1f8a94",
                        "promptTokens": 24,
                        "completionTokens": 41,
                        "inferenceExecutionTime": 1840,
                    },
                },
                {
                    "timestamp": "2026-08-21T09:20:03.115Z",
                    "sku": "qwen-image-image-unit",
                    "units": 1,
                    "pricePerUnitUsd": 0.03,
                    "amount": 0.03,
                    "currency": "USD",
                    "notes": "API Inference",
                    "inferenceDetails": None,
                },
            ],
            "nextCursor": _NEXT_CURSOR,
        }
    )


def billing_usage_history_csv() -> Reply:
    """What /billing/usage-history sends for `Accept: text/csv`: the cursor moves to a header."""
    rows = [
        "timestamp,sku,units,pricePerUnitUsd,amount,currency,notes,requestId,promptTokens,completionTokens",
        "2026-08-21T09:12:48.731Z,zai-org-glm-5-1-llm-output-mtoken,0.000041,4.84,0.000198,USD,API Inference,"
        "chatcmpl-9b2e4f7a1c8d4e3fb6a05d7c2e1f8a94,24,41",
        "2026-08-21T09:20:03.115Z,qwen-image-image-unit,1,0.03,0.03,USD,API Inference,,,",
    ]
    return Reply(
        body="\n".join(rows) + "\n",
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": "attachment; filename=billing-usage-history-20260821T093000000Z.csv",
            "x-next-cursor": _NEXT_CURSOR,
        },
    )


# --- x402 wallets ------------------------------------------------------------------------


def x402_balance() -> Reply:
    return Reply(
        json={
            "success": True,
            "data": {
                "walletAddress": _WALLET,
                "balanceUsd": 4.23,
                "canConsume": True,
                "minimumTopUpUsd": 5,
                "suggestedTopUpUsd": 20,
                "diemBalanceUsd": 0,
            },
        }
    )


def x402_top_up() -> Reply:
    tx = "0x5f1e8c3a9b2d4f7e6a0c1b3d5e7f9a2c4b6d8e0f1a3c5e7b9d2f4a6c8e0b1d3f"
    # The settlement header is base64 JSON in x402 v2; building it keeps it decodable by tests.
    settlement = {"success": True, "network": "base", "payer": _WALLET, "transaction": tx}
    return Reply(
        json={
            "success": True,
            "data": {"walletAddress": _WALLET, "amountCredited": 20, "newBalance": 24.23, "paymentId": tx},
        },
        headers={"PAYMENT-RESPONSE": base64.b64encode(json.dumps(settlement).encode()).decode()},
    )


def x402_transactions() -> Reply:
    return Reply(
        json={
            "success": True,
            "data": {
                "walletAddress": _WALLET,
                "currentBalance": 24.23,
                "transactions": [
                    {
                        "id": "b3e9f1c7-2a4d-4e8b-9c6f-0d1a5e7b3c29",
                        "amount": 20,
                        "balanceAfter": 24.23,
                        "type": "TOP_UP",
                        "createdAt": "2026-08-21T09:25:40.218Z",
                        "requestId": None,
                        "modelId": None,
                    },
                    {
                        "id": "6f2c8a4e-9d1b-4c7f-a3e5-2b8d0f6c1e74",
                        "amount": -0.000235,
                        "balanceAfter": 4.23,
                        "type": "INFERENCE",
                        "createdAt": "2026-08-21T09:12:48.731Z",
                        "requestId": "chatcmpl-9b2e4f7a1c8d4e3fb6a05d7c2e1f8a94",
                        "modelId": "zai-org-glm-5-1",
                    },
                ],
                "pagination": {"limit": 50, "offset": 0, "hasMore": False},
            },
        }
    )


# --- crypto RPC --------------------------------------------------------------------------


def crypto_rpc_networks() -> Reply:
    return Reply(json={"networks": ["arbitrum-mainnet", "base-mainnet", "ethereum-mainnet", "optimism-mainnet"]})


def crypto_rpc_result() -> Reply:
    # An eth_blockNumber answer, with the billing headers every proxied call carries.
    return Reply(
        json={"jsonrpc": "2.0", "id": 1, "result": "0x1a4f3c2"},
        headers={
            "X-Venice-RPC-Credits": "10",
            "X-Venice-RPC-Cost-USD": "0.00000700",
            "X-Request-ID": "Qm7Tz2Kp9Xc4Vb8Nd1Lr6Hs3Wf0Jg5Ya",
        },
    )
