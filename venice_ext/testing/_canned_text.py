"""Canned answers for the text operations: chat, responses, embeddings, augment and characters."""

from __future__ import annotations

from venice_ext.testing._replies import Reply

__all__ = [
    "character",
    "character_reviews",
    "characters",
    "chat_completion",
    "embedding",
    "response",
    "text_parser",
    "text_parser_text",
    "web_scrape",
    "web_search",
]

# 2026-08-21T09:30:00Z: one instant for every answer, so related answers agree with each other.
_NOW = 1787304600


def chat_completion() -> Reply:
    # A reasoning model, so the answer shows reasoning_content and reasoning token counts;
    # the cost follows zai-org-glm-5-1's per-million prices in the models listing.
    return Reply(
        json={
            "id": "chatcmpl-9b2e4f7a1c8d4e3fb6a05d7c2e1f8a94",
            "object": "chat.completion",
            "created": _NOW,
            "model": "zai-org-glm-5-1",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "stop_reason": None,
                    "logprobs": None,
                    "message": {
                        "role": "assistant",
                        "content": "The capital of France is Paris.",
                        "reasoning_content": "The user asks for a well-known fact: France's capital.",
                        "tool_calls": [],
                    },
                }
            ],
            "usage": {
                "prompt_tokens": 24,
                "completion_tokens": 41,
                "total_tokens": 65,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 18},
            },
            "cost": {"usd": 0.0002354, "diem": 0.0002354},
            "prompt_logprobs": None,
            "venice_parameters": {
                "enable_e2ee": False,
                "enable_web_search": "off",
                "enable_web_citations": False,
                "enable_web_scraping": False,
                "include_venice_system_prompt": True,
                "include_search_results_in_stream": False,
                "return_search_results_as_documents": False,
                "strip_thinking_response": False,
                "disable_thinking": False,
            },
        }
    )


def response() -> Reply:
    return Reply(
        json={
            "id": "resp_6c1d8e4a2f9b4b07a3e5c8d1f0b2a7e6",
            "object": "response",
            "created_at": _NOW,
            "model": "venice-uncensored-1-2",
            "status": "completed",
            "output": [
                {
                    "type": "message",
                    "id": "msg_3a7f0c9e5d2b4e18",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "Paris is the capital of France.", "annotations": []}],
                }
            ],
            "usage": {
                "input_tokens": 19,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 8,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 27,
            },
        }
    )


def embedding() -> Reply:
    # Real BGE-M3 vectors have 1024 dimensions; eight keep fixtures readable and still exercise floats.
    vector = [0.0123, -0.0457, 0.0831, 0.0024, -0.0619, 0.0375, -0.0092, 0.0518]
    return Reply(
        json={
            "object": "list",
            "model": "text-embedding-bge-m3",
            "data": [{"object": "embedding", "index": 0, "embedding": vector}],
            "usage": {"prompt_tokens": 9, "total_tokens": 9},
        }
    )


_PARSED_DOCUMENT = "Quarterly report\n\nRevenue grew 12% over the previous quarter, led by API usage."


def text_parser() -> Reply:
    return Reply(json={"text": _PARSED_DOCUMENT, "tokens": 19})


def text_parser_text() -> Reply:
    """What /augment/text-parser sends with `response_format: text`."""
    return Reply(body=_PARSED_DOCUMENT)


def web_scrape() -> Reply:
    return Reply(
        json={
            "url": "https://example.com/blog/private-ai",
            "content": "# Private AI\n\nInference without logging: prompts never leave the GPU's memory.\n",
            "format": "markdown",
        }
    )


def web_search() -> Reply:
    return Reply(
        json={
            "query": "venice ai private inference",
            "results": [
                {
                    "title": "Private inference, explained",
                    "url": "https://example.com/blog/private-inference",
                    "content": "Private inference keeps prompts out of logs and off disk.",
                    "date": "2026-08-14",
                },
                {
                    "title": "Choosing an uncensored model",
                    "url": "https://example.org/guides/uncensored-models",
                    "content": "Uncensored models apply minimal content filtering.",
                    "date": "2026-07-30",
                },
            ],
        }
    )


def _character_data() -> dict[str, object]:
    return {
        "id": "3f0a9c2e-6b1d-4e7a-8c5f-2d9b7e1a4c60",
        "slug": "captain-mara-voss",
        "name": "Captain Mara Voss",
        "description": "Smuggler captain of the freighter Kestrel: sharp-tongued, loyal, always owed money.",
        "author": "kestrel_writes",
        "adult": False,
        "featured": True,
        "webEnabled": True,
        "modelId": "venice-uncensored-1-2",
        "tags": ["sci-fi", "adventure", "roleplay"],
        "shareUrl": "https://venice.ai/c/captain-mara-voss",
        "photoUrl": "https://venice.ai/api/characters/captain-mara-voss/photo.webp",
        "createdAt": "2025-03-02T17:41:09.312Z",
        "updatedAt": "2026-08-02T11:05:44.870Z",
        "stats": {"averageRating": 4.6, "imports": 18240, "ratingCount": 312, "ratingSum": 1435, "userRating": None},
    }


def characters() -> Reply:
    return Reply(json={"object": "list", "data": [_character_data()]})


def character() -> Reply:
    return Reply(json={"object": "character", "data": _character_data()})


def character_reviews() -> Reply:
    # The pagination headers mirror the body, as Venice sends both.
    return Reply(
        json={
            "object": "list",
            "data": [
                {
                    "id": "c81f2a6d-0e4b-4d3a-9f57-1b8e6c2d9a04",
                    "characterId": "3f0a9c2e-6b1d-4e7a-8c5f-2d9b7e1a4c60",
                    "username": "nightowl",
                    "userAvatarUrl": None,
                    "rating": 5,
                    "message": "Banter is great and she remembers the whole heist plan.",
                    "locale": "en",
                    "isOwner": False,
                    "createdAt": "2026-08-10T21:14:03.551Z",
                },
                {
                    "id": "5e7d3b91-4a2c-4f68-b0e3-7c1a9d8f2e55",
                    "characterId": "3f0a9c2e-6b1d-4e7a-8c5f-2d9b7e1a4c60",
                    "username": "mira",
                    "userAvatarUrl": "https://venice.ai/api/users/mira/avatar.webp",
                    "rating": 4,
                    "message": None,
                    "locale": None,
                    "isOwner": False,
                    "createdAt": "2026-07-28T08:02:47.019Z",
                },
            ],
            "pagination": {"page": 1, "pageSize": 20, "total": 2, "totalPages": 1},
            "summary": {"averageRating": 4.5, "totalReviews": 2},
        },
        headers={
            "x-pagination-limit": "20",
            "x-pagination-page": "1",
            "x-pagination-total": "2",
            "x-pagination-total-pages": "1",
        },
    )
