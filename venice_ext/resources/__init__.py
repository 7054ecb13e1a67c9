"""One module per operation family, each built on the narrow requester interface
(`venice_ext._core._requester`), never on the client itself."""
