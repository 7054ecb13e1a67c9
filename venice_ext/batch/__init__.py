"""Many requests at once, within the key's rate limits: `client.batch(...)` and its parts."""

from venice_ext.batch._files import FileBatchSummary, arun_file, run_file
from venice_ext.batch._gate import RateGate
from venice_ext.batch._requests import BatchRequest, parse_request
from venice_ext.batch._results import BatchResult
from venice_ext.batch._runner import aiter_batch, arun_batch, iter_batch, run_batch

__all__ = [
    "BatchRequest",
    "BatchResult",
    "FileBatchSummary",
    "RateGate",
    "aiter_batch",
    "arun_batch",
    "arun_file",
    "iter_batch",
    "parse_request",
    "run_batch",
    "run_file",
]
