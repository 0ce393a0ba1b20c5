"""Accountability ledger: hash-chained entries, Merkle tree, signed checkpoints, proofs."""
