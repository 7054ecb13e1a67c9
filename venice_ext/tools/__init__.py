"""Tools for the model: JSON schemas from Python signatures, argument checks, the
bounded tool-call loop, and structured output."""
