"""Cost before sending: `estimate_cost(models, path, body)` from the `/models` pricing."""

from venice_ext.cost._estimate import DEFAULT_OUTPUT_TOKENS, CostEstimate, estimate_cost, estimate_tokens

__all__ = ["DEFAULT_OUTPUT_TOKENS", "CostEstimate", "estimate_cost", "estimate_tokens"]
