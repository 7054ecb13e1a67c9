"""The fake server's default answer for every operation of the Venice spec.

`CANNED` maps (METHOD, spec path template) to the answer a healthy Venice account would get:
realistic ids, model names from the live catalogue, prices and timestamps that agree with one
another (the chat completion's cost matches its model's price, the billing ledger lists that
completion). Each answer parses into the generated client's typed model for its operation.

`ALTERNATES` holds the other success forms an operation can take, keyed by media type, for a
server honouring `Accept` or a request flag (`response_format: text`, `return_binary: true`) or
for a job that is still running.
"""

from __future__ import annotations

import copy
import dataclasses

from venice_ext.testing import _canned_account as account
from venice_ext.testing import _canned_media as media
from venice_ext.testing import _canned_models as catalogue
from venice_ext.testing import _canned_text as text
from venice_ext.testing._replies import Reply

__all__ = ["ALTERNATES", "CANNED", "canned_reply"]

CANNED: dict[tuple[str, str], Reply] = {
    # api_keys
    ("GET", "/api_keys"): account.api_keys(),
    ("POST", "/api_keys"): account.api_key_created(),
    ("PATCH", "/api_keys"): account.api_key_updated(),
    ("DELETE", "/api_keys"): account.api_key_deleted(),
    ("GET", "/api_keys/{id}"): account.api_key(),
    ("GET", "/api_keys/generate_web3_key"): account.web3_token(),
    ("POST", "/api_keys/generate_web3_key"): account.web3_key_created(),
    ("GET", "/api_keys/rate_limits"): account.rate_limits(),
    ("GET", "/api_keys/rate_limits/log"): account.rate_limit_logs(),
    # audio
    ("POST", "/audio/speech"): media.speech(),
    ("POST", "/audio/transcriptions"): media.transcription(),
    ("POST", "/audio/voices"): media.cloned_voice(),
    ("POST", "/audio/queue"): media.audio_queue(),
    ("POST", "/audio/quote"): media.audio_quote(),
    ("POST", "/audio/retrieve"): media.audio_retrieve(),
    ("POST", "/audio/complete"): media.audio_complete(),
    # augment
    ("POST", "/augment/text-parser"): text.text_parser(),
    ("POST", "/augment/scrape"): text.web_scrape(),
    ("POST", "/augment/search"): text.web_search(),
    # billing
    ("GET", "/billing/balance"): account.billing_balance(),
    ("GET", "/billing/usage"): account.billing_usage_gone(),
    ("GET", "/billing/usage-analytics"): account.billing_usage_analytics(),
    ("GET", "/billing/usage-history"): account.billing_usage_history(),
    # characters
    ("GET", "/characters"): text.characters(),
    ("GET", "/characters/{slug}"): text.character(),
    ("GET", "/characters/{slug}/reviews"): text.character_reviews(),
    # chat and responses
    ("POST", "/chat/completions"): text.chat_completion(),
    ("POST", "/responses"): text.response(),
    # crypto_rpc
    ("GET", "/crypto/rpc/networks"): account.crypto_rpc_networks(),
    ("POST", "/crypto/rpc/{network}"): account.crypto_rpc_result(),
    # embeddings
    ("POST", "/embeddings"): text.embedding(),
    # image
    ("POST", "/image/generate"): media.image_generate(),
    ("POST", "/images/generations"): media.simple_image_generate(),
    ("GET", "/image/styles"): media.image_styles(),
    ("POST", "/image/edit"): media.image_edit(),
    ("POST", "/image/multi-edit"): media.image_bytes(),
    ("POST", "/image/upscale"): media.image_bytes(),
    ("POST", "/image/background-remove"): media.image_bytes(),
    # models
    ("GET", "/models"): catalogue.models(),
    ("GET", "/models/traits"): catalogue.model_traits(),
    ("GET", "/models/compatibility_mapping"): catalogue.compatibility_mapping(),
    # video
    ("POST", "/video/queue"): media.video_queue(),
    ("POST", "/video/quote"): media.video_quote(),
    ("POST", "/video/retrieve"): media.video_retrieve(),
    ("POST", "/video/complete"): media.video_complete(),
    ("POST", "/video/transcriptions"): media.video_transcription(),
    # x402
    ("GET", "/x402/balance/{walletAddress}"): account.x402_balance(),
    ("GET", "/x402/transactions/{walletAddress}"): account.x402_transactions(),
    ("POST", "/x402/top-up"): account.x402_top_up(),
}

ALTERNATES: dict[tuple[str, str], dict[str, Reply]] = {
    ("POST", "/audio/transcriptions"): {"text/plain": media.transcription_text()},
    ("POST", "/audio/retrieve"): {"application/json": media.audio_retrieve_processing()},
    ("POST", "/augment/text-parser"): {"text/plain": text.text_parser_text()},
    ("GET", "/billing/usage-history"): {"text/csv": account.billing_usage_history_csv()},
    ("POST", "/image/generate"): {"image/png": media.image_generate_binary()},
    ("POST", "/video/retrieve"): {"application/json": media.video_retrieve_processing()},
    ("POST", "/video/transcriptions"): {"text/plain": media.video_transcription_text()},
}


def canned_reply(method: str, path_template: str) -> Reply | None:
    """The default answer for an operation, or None for one the spec does not have.

    The JSON is a fresh copy each call, so a test that edits the answer it got cannot change
    what the next test receives.
    """
    reply = CANNED.get((method.upper(), path_template))
    if reply is None or reply.json is None:
        return reply
    return dataclasses.replace(reply, json=copy.deepcopy(reply.json), headers=dict(reply.headers))
