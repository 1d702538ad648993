"""The bottom layer: wire shapes (schemas, rich message payloads), config, errors, the tracker and
the domain. It imports nothing else of the project."""
