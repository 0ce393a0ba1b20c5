"""The ledger's Merkle tree against RFC 9162 §2.1, written out recursively here, and pymerkle."""

from __future__ import annotations

import hashlib
import json
from functools import cache

import pymerkle  # type: ignore[import-untyped]  # test-only cross-check, no stubs
import pytest

from caselink.ledger.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

MAX = 64
ENTRIES = [f"synthetic ledger entry {i}".encode() for i in range(200)]
LEAVES = [leaf_hash(entry) for entry in ENTRIES]


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def flip(data: bytes, position: int = 0) -> bytes:
    """The same bytes with one bit changed at ``position`` (mod length)."""
    i = position % len(data)
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


# --- RFC 9162 §2.1, transcribed as literally as possible over ENTRIES[lo:hi] -----------


def rfc_k(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def rfc_mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]), §2.1.1."""
    n = hi - lo
    if n == 0:
        return sha256(b"")
    if n == 1:
        return sha256(b"\x00" + ENTRIES[lo])
    k = rfc_k(n)
    return sha256(b"\x01" + rfc_mth(lo, lo + k) + rfc_mth(lo + k, hi))


def rfc_path(m: int, lo: int, hi: int) -> list[bytes]:
    """PATH(m, D[lo:hi]), §2.1.3.1, m relative to lo."""
    n = hi - lo
    if n == 1:
        return []
    k = rfc_k(n)
    if m < k:
        return [*rfc_path(m, lo, lo + k), rfc_mth(lo + k, hi)]
    return [*rfc_path(m - k, lo + k, hi), rfc_mth(lo, lo + k)]


def rfc_subproof(m: int, lo: int, hi: int, b: bool) -> list[bytes]:
    """SUBPROOF(m, D[lo:hi], b), §2.1.4.1."""
    n = hi - lo
    if m == n:
        return [] if b else [rfc_mth(lo, hi)]
    k = rfc_k(n)
    if m <= k:
        return [*rfc_subproof(m, lo, lo + k, b), rfc_mth(lo + k, hi)]
    return [*rfc_subproof(m - k, lo + k, hi, False), rfc_mth(lo, lo + k)]


# --- hashing and roots -----------------------------------------------------------------


def test_leaf_and_node_hashes_use_the_rfc_prefixes() -> None:
    assert leaf_hash(b"abc") == sha256(b"\x00abc")
    assert node_hash(b"L" * 32, b"R" * 32) == sha256(b"\x01" + b"L" * 32 + b"R" * 32)
    assert EMPTY_ROOT == sha256(b"") == root([])


def test_small_trees_by_hand() -> None:
    a, b, c, d, e, f, g, h = LEAVES[:8]
    ab, cd, ef, gh = node_hash(a, b), node_hash(c, d), node_hash(e, f), node_hash(g, h)
    abcd = node_hash(ab, cd)
    expected = {
        0: sha256(b""),
        1: a,
        2: ab,
        3: node_hash(ab, c),
        5: node_hash(abcd, e),
        7: node_hash(abcd, node_hash(ef, g)),
        8: node_hash(abcd, node_hash(ef, gh)),
    }
    for size, want in expected.items():
        assert root(LEAVES[:size]) == want, size
        assert rfc_mth(0, size) == want, size


def test_certificate_transparency_reference_vectors() -> None:
    # The leaf inputs and roots of the RFC 6962 test data used by CT implementations.
    inputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
    inputs.append("606162636465666768696a6b6c6d6e6f")
    roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    leaves = [leaf_hash(bytes.fromhex(x)) for x in inputs]
    for size, want in enumerate(roots, start=1):
        assert root(leaves[:size]).hex() == want


def test_root_matches_the_recursive_definition_for_every_size_to_200() -> None:
    for size in range(len(LEAVES) + 1):
        assert root(LEAVES[:size]) == rfc_mth(0, size), size


# --- proofs against the recursive definition -------------------------------------------


def test_inclusion_proofs_are_the_rfc_paths() -> None:
    for size in range(1, MAX + 1):
        for index in range(size):
            assert inclusion_proof(LEAVES[:size], index) == rfc_path(index, 0, size)


def test_consistency_proofs_are_the_rfc_proofs() -> None:
    for new in range(1, MAX + 1):
        for old in range(1, new + 1):
            assert consistency_proof(LEAVES[:new], old) == rfc_subproof(old, 0, new, True)


def test_out_of_range_arguments_raise_value_error() -> None:
    leaves = LEAVES[:5]
    for index in (-1, 5, 6):
        with pytest.raises(ValueError, match="leaf index"):
            inclusion_proof(leaves, index)
    with pytest.raises(ValueError, match="leaf index"):
        inclusion_proof([], 0)
    for old in (-1, 6):
        with pytest.raises(ValueError, match="old tree size"):
            consistency_proof(leaves, old)


# --- inclusion verification ------------------------------------------------------------


def test_every_inclusion_proof_verifies_and_every_tampering_fails() -> None:
    for size in range(1, MAX + 1):
        tree_root = root(LEAVES[:size])
        for index in range(size):
            leaf, proof = LEAVES[index], inclusion_proof(LEAVES[:size], index)
            assert verify_inclusion(leaf, index, size, proof, tree_root)
            assert not verify_inclusion(flip(leaf, index), index, size, proof, tree_root)
            assert not verify_inclusion(leaf, index, size, proof, flip(tree_root, index))
            for j in range(len(proof)):
                bad = [*proof[:j], flip(proof[j], index + j), *proof[j + 1 :]]
                assert not verify_inclusion(leaf, index, size, bad, tree_root)
            for other in range(size + 1):
                if other != index:
                    assert not verify_inclusion(leaf, other, size, proof, tree_root)


def test_inclusion_proof_of_the_wrong_length_fails() -> None:
    size, index = 13, 6
    tree_root = root(LEAVES[:size])
    proof = inclusion_proof(LEAVES[:size], index)
    assert not verify_inclusion(LEAVES[index], index, size, proof[:-1], tree_root)
    assert not verify_inclusion(LEAVES[index], index, size, [*proof, proof[0]], tree_root)
    assert not verify_inclusion(LEAVES[index], index, size, [], tree_root)


def test_inclusion_verifier_fails_instead_of_raising_on_nonsense() -> None:
    leaf, tree_root = LEAVES[0], root(LEAVES[:1])
    assert verify_inclusion(leaf, 0, 1, [], tree_root)
    assert not verify_inclusion(leaf, -1, 1, [], tree_root)
    assert not verify_inclusion(leaf, 1, 1, [], tree_root)
    assert not verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(leaf[:31], 0, 1, [], tree_root[:31])
    assert not verify_inclusion(leaf, 0, 2, [b"short"], root(LEAVES[:2]))


# --- consistency verification ----------------------------------------------------------


def test_every_consistency_proof_verifies_and_every_tampering_fails() -> None:
    roots = [root(LEAVES[:size]) for size in range(MAX + 1)]
    for new in range(1, MAX + 1):
        for old in range(1, new + 1):
            proof = consistency_proof(LEAVES[:new], old)
            assert verify_consistency(old, new, roots[old], roots[new], proof)
            assert not verify_consistency(old, new, flip(roots[old], new), roots[new], proof)
            assert not verify_consistency(old, new, roots[old], flip(roots[new], old), proof)
            for j in range(len(proof)):
                bad = [*proof[:j], flip(proof[j], old + j), *proof[j + 1 :]]
                assert not verify_consistency(old, new, roots[old], roots[new], bad)
            if proof:
                assert not verify_consistency(old, new, roots[old], roots[new], proof[:-1])
            assert not verify_consistency(old, new, roots[old], roots[new], [*proof, roots[0]])


def test_consistency_with_a_rewritten_history_fails() -> None:
    honest_roots = [root(LEAVES[:size]) for size in range(MAX + 1)]
    for new in range(2, MAX + 1):
        for old in range(1, new):
            # Rewrite one entry the old checkpoint already covered, then prove honestly.
            position = (new * 31 + old) % old  # spread over [0, old)
            forged = list(LEAVES[:new])
            forged[position] = leaf_hash(b"rewritten " + ENTRIES[position])
            proof = consistency_proof(forged, old)
            assert verify_consistency(old, new, root(forged[:old]), root(forged), proof)
            assert not verify_consistency(old, new, honest_roots[old], root(forged), proof)


def test_trivial_consistency_cases() -> None:
    r3, r5 = root(LEAVES[:3]), root(LEAVES[:5])
    assert verify_consistency(3, 3, r3, r3, [])
    assert not verify_consistency(3, 3, r3, r5, [])
    assert not verify_consistency(3, 3, r3, r3, [r3])
    assert verify_consistency(0, 5, EMPTY_ROOT, r5, [])
    assert not verify_consistency(0, 5, r3, r5, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, r5, [r5])
    assert not verify_consistency(5, 3, r5, r3, consistency_proof(LEAVES[:5], 3))
    assert not verify_consistency(-1, 5, EMPTY_ROOT, r5, [])
    assert not verify_consistency(3, 5, r3, r5, [])  # 0 < old < new needs a proof
    assert consistency_proof(LEAVES[:5], 0) == []
    assert consistency_proof(LEAVES[:5], 5) == []


# --- independent cross-check with pymerkle ---------------------------------------------


@pytest.fixture(scope="module")
def pm_tree() -> pymerkle.InmemoryTree:
    # pymerkle's defaults are the same scheme: raw-bytes SHA-256, 0x00/0x01 prefixes.
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    assert tree.security and tree.hash_empty() == EMPTY_ROOT
    assert tree.hash_buff(b"x") == leaf_hash(b"x")
    assert tree.hash_pair(b"l", b"r") == sha256(b"\x01lr")
    tree.append_entries(ENTRIES)
    return tree


def test_roots_agree_with_pymerkle_for_every_size_to_200(pm_tree: pymerkle.InmemoryTree) -> None:
    for size in range(len(LEAVES) + 1):
        assert pm_tree.get_root(size) == root(LEAVES[:size]), size


def test_pymerkle_inclusion_proofs_pass_our_verifier(pm_tree: pymerkle.InmemoryTree) -> None:
    for size in range(1, MAX + 1):
        tree_root = root(LEAVES[:size])
        for index in range(size):
            theirs = pm_tree.prove_inclusion(index + 1, size)  # pymerkle counts from one
            # pymerkle's path starts with the leaf itself; the rest is the RFC audit path.
            assert theirs.path[0] == LEAVES[index]
            assert theirs.path[1:] == inclusion_proof(LEAVES[:size], index)
            assert verify_inclusion(LEAVES[index], index, size, theirs.path[1:], tree_root)
            pymerkle.verify_inclusion(LEAVES[index], tree_root, theirs, index + 1, size)


def test_pymerkle_accepts_our_roots_for_consistency(pm_tree: pymerkle.InmemoryTree) -> None:
    # pymerkle's consistency path is shaped differently from RFC 9162's (it splits the
    # other way when the old size equals k), so compare what both vouch for: the roots.
    for new in range(1, MAX + 1):
        for old in range(1, new + 1):
            old_root, new_root = root(LEAVES[:old]), root(LEAVES[:new])
            theirs = pm_tree.prove_consistency(old, new)
            pymerkle.verify_consistency(old_root, new_root, theirs, old, new)
            ours = consistency_proof(LEAVES[:new], old)
            assert verify_consistency(old, new, old_root, new_root, ours)
    with pytest.raises(pymerkle.InvalidProof):
        forged_old = flip(root(LEAVES[:3]))
        pymerkle.verify_consistency(forged_old, root(LEAVES[:9]), pm_tree.prove_consistency(3, 9))


# --- CompactRange ----------------------------------------------------------------------


def test_compact_range_root_after_every_append() -> None:
    compact = CompactRange()
    assert compact.root() == EMPTY_ROOT and compact.size == 0
    for size, leaf in enumerate(LEAVES, start=1):
        compact.append(leaf)
        assert compact.size == size
        assert compact.root() == rfc_mth(0, size), size
        assert len(compact.to_state()["nodes"]) == size.bit_count()


def test_compact_range_state_round_trips_through_json() -> None:
    for size in (0, 1, 7, 64, 129):
        compact = CompactRange(LEAVES[:size])
        restored = CompactRange.from_state(json.loads(json.dumps(compact.to_state())))
        assert restored == compact and restored.root() == compact.root()
        restored.extend(LEAVES[size : size + 5])
        assert restored.root() == root(LEAVES[: size + 5])


def test_compact_range_rejects_malformed_state() -> None:
    good = CompactRange(LEAVES[:5]).to_state()
    with pytest.raises(ValueError, match="has 2 nodes"):
        CompactRange.from_state({"size": 5, "nodes": good["nodes"][:1]})
    with pytest.raises(ValueError, match="non-negative"):
        CompactRange.from_state({"size": -1, "nodes": []})
    with pytest.raises(ValueError, match="32-byte"):
        CompactRange.from_state({"size": 1, "nodes": ["abcd"]})
    with pytest.raises(ValueError):
        CompactRange.from_state({"size": 1, "nodes": ["not hex"]})
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange().append(b"short")


# --- MerkleTree ------------------------------------------------------------------------


def test_merkle_tree_agrees_with_the_pure_functions_at_every_size() -> None:
    bulk, grown = MerkleTree(LEAVES[:MAX]), MerkleTree()
    for leaf in LEAVES[:MAX]:
        grown.append(leaf)
    for tree in (bulk, grown):
        assert tree.size == MAX and tree.leaf(3) == LEAVES[3]
        for new in range(MAX + 1):
            assert tree.root(new) == rfc_mth(0, new)
            for index in range(new):
                assert tree.inclusion_proof(index, new) == rfc_path(index, 0, new)
            for old in range(1, new + 1):
                assert tree.consistency_proof(old, new) == rfc_subproof(old, 0, new, True)


def test_merkle_tree_defaults_to_its_full_size_and_checks_ranges() -> None:
    tree = MerkleTree(LEAVES[:11])
    assert tree.root() == root(LEAVES[:11])
    assert tree.inclusion_proof(4) == inclusion_proof(LEAVES[:11], 4)
    assert tree.consistency_proof(6) == consistency_proof(LEAVES[:11], 6)
    with pytest.raises(ValueError, match="tree size 12"):
        tree.root(12)
    with pytest.raises(ValueError, match="leaf index 8"):
        tree.inclusion_proof(8, 8)
    with pytest.raises(ValueError, match="old tree size 9"):
        tree.consistency_proof(9, 8)
    with pytest.raises(ValueError, match="32 bytes"):
        MerkleTree([b"short"])
