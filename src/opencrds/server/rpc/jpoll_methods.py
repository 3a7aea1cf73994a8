"""JSON-RPC methods of the jpoll channels (filled in by their owner)."""
