"""Network detection at national scale: 1,000,000 persons and 5,000,000 edges.

The graph is generated here, shaped like `caselink synth` data: most cases stand alone (a
victim, a suspect, their own phones, addresses and cars); some suspects offend again in
the same force; organised networks of ~5 cases share an organiser and a phone across two
forces; and every force has busy places (a bus station named in 40% of its cases, venues)
and taxi numbers that would glue everything together if they counted as evidence.

Prints: build, components, Leiden, alert generation and new-report match times; peak RSS;
the largest component with and without hub pruning; and a baseline (plain igraph build
and components of the same edge list) measured in the same run.

    .venv/bin/python bench/network_scale.py [--persons 1000000] [--edges 5000000]
"""

import argparse
import resource
import statistics
import time
from datetime import date

import igraph  # type: ignore[import-untyped]
import numpy as np

from caselink.network.detect import detect, evidence, leiden_everywhere
from caselink.network.graph import (
    EDGE_CODE,
    NODE_CODE,
    SOURCE_CODE,
    EdgeColumns,
    Evidence,
    Graph,
    Node,
    NodeColumns,
)
from caselink.network.match import find
from caselink.network.settings import Thresholds
from caselink.network.sources import Facts
from caselink.network.summary import summarise

FORCES = [f"F{i:02d}" for i in range(43)]
DAY = date(2020, 1, 1).toordinal()


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def generate(persons: int, edges: int, seed: int) -> tuple[NodeColumns, EdgeColumns, int]:
    rng = np.random.default_rng(seed)
    cases = int(persons * 0.45)
    victim = np.arange(cases) * 2  # person index of each case's victim and suspect
    suspect = victim + 1
    # repeat offenders: 5% of suspects were suspects in an earlier case of the same force
    repeat = rng.random(cases) < 0.05
    earlier = np.maximum(np.arange(cases) - len(FORCES) * rng.integers(1, 50, cases), 0)
    suspect[repeat] = suspect[earlier[repeat]]
    force = np.arange(cases) % len(FORCES)
    # organised networks: five cases, one organiser, one phone, two neighbouring forces
    networks = max(1, persons * 3 // 10_000)
    net_cases = rng.choice(cases, size=(networks, 5), replace=False)
    organiser = suspect[net_cases[:, 0]]
    suspect[net_cases[:, 1:]] = organiser[:, None]
    force[net_cases[:, 1:3]] = (force[net_cases[:, :1]] + 1) % len(FORCES)

    n_phone, n_vehicle, n_address = persons * 2, persons // 2, persons * 2
    venues_per_force, decoys_per_force, taxis_per_force = 40, 3, 2
    n_location = len(FORCES) * (venues_per_force + decoys_per_force)
    offsets = np.cumsum([0, cases, persons, n_phone, n_vehicle, n_address])
    o_case, o_person, o_phone, o_vehicle, o_address, o_location = offsets
    # the case each person belongs to (for the edges of their phones and addresses)
    case_of = np.zeros(persons, dtype=np.int64)
    case_of[victim] = np.arange(cases)
    case_of[suspect] = np.arange(cases)
    src, dst, kind, case = [], [], [], []

    def add(a: np.ndarray, b: np.ndarray, k: str, c: np.ndarray) -> None:
        src.append(a)
        dst.append(b)
        kind.append(np.full(len(a), EDGE_CODE[k], dtype=np.int8))
        case.append(c)

    all_cases = np.arange(cases)
    add(o_person + victim, o_case + all_cases, "victim_in", all_cases)
    add(o_person + suspect, o_case + all_cases, "suspect_in", all_cases)
    witnesses = np.arange(cases * 2, persons)
    witness_case = rng.integers(0, cases, len(witnesses))
    add(o_person + witnesses, o_case + witness_case, "named_in", witness_case)
    case_of[witnesses] = witness_case
    everyone = np.arange(persons)
    add(o_person + everyone, o_phone + everyone, "uses_phone", case_of)
    add(o_person + everyone, o_address + everyone, "lives_at", case_of)
    # the network's phone: the organiser's, named in every case of the network
    net_phone = o_phone + organiser
    for j in range(1, 5):
        add(o_case + net_cases[:, j], net_phone, "named_in", net_cases[:, j])
    drivers = suspect[rng.random(cases) < 0.3]
    add(o_person + drivers, o_vehicle + drivers // 2, "drives", case_of[drivers])
    # busy places and venues (locations), taxi firms' numbers (phones), by force
    decoy = rng.random(cases) < 0.4
    where = (
        o_location
        + force[decoy] * (venues_per_force + decoys_per_force)
        + rng.integers(0, decoys_per_force, decoy.sum())
    )
    add(o_person + victim[decoy], where, "seen_at", all_cases[decoy])
    venue = rng.random(cases) < 0.1
    where = (
        o_location
        + force[venue] * (venues_per_force + decoys_per_force)
        + decoys_per_force
        + rng.integers(0, venues_per_force, venue.sum())
    )
    add(o_person + victim[venue], where, "seen_at", all_cases[venue])
    taxi = rng.random(cases) < 0.04
    taxi_phone = o_phone + persons + force[taxi] * taxis_per_force + rng.integers(0, 2, taxi.sum())
    add(o_case + all_cases[taxi], taxi_phone, "named_in", all_cases[taxi])
    # previous addresses and second phones, until the edge budget is met
    so_far = sum(len(a) for a in src)
    extra = max(0, edges - so_far)
    who = rng.integers(0, persons, extra)
    second = rng.random(extra) < 0.5
    target = np.where(second, o_phone + persons + 200 + who, o_address + persons + who)
    add(o_person + who, target, "uses_phone", case_of[who])
    kind[-1][~second] = EDGE_CODE["lives_at"]

    node_count = int(o_location + n_location)
    node_kind = np.zeros(node_count, dtype=np.int8)
    for name, lo, hi in (
        ("case", o_case, o_person),
        ("person", o_person, o_phone),
        ("phone", o_phone, o_vehicle),
        ("vehicle", o_vehicle, o_address),
        ("address", o_address, o_location),
        ("location", o_location, node_count),
    ):
        node_kind[lo:hi] = NODE_CODE[name]
    prefix = ["case:", "record:", "phone:", "vehicle:", "address:", "location:"]
    bounds = [*offsets, node_count]
    node_keys = [
        f"{prefix[i]}{v - bounds[i]}"
        for i in range(6)
        for v in range(int(bounds[i]), int(bounds[i + 1]))
    ]
    forces: list[str | None] = [None] * node_count
    for c in range(cases):
        forces[c] = FORCES[force[c]]
    on = np.zeros(node_count, dtype=np.int32)
    on[:cases] = DAY + rng.integers(0, 3650, cases)
    nodes = NodeColumns(node_keys, node_keys, forces, forces, node_kind, on)
    e_src = np.concatenate(src)
    n_edges = len(e_src)
    columns = EdgeColumns(
        e_src,
        np.concatenate(dst),
        np.concatenate(kind),
        np.where(
            np.concatenate(kind) <= EDGE_CODE["named_in"],
            SOURCE_CODE["case_participants"],
            SOURCE_CODE["case_entities"],
        ),
        np.concatenate(case),
        np.zeros(n_edges, dtype=np.int32),
        np.full(n_edges, -1, dtype=np.int64),
        np.arange(n_edges),
    )
    return nodes, columns, int(organiser[0])


def new_report(graph: Graph, n: int, organiser: int) -> tuple[Facts, str]:
    """A new case in a force far from the organiser's: he is the suspect; his phone too."""
    case_key = f"case:new{n}"
    person = f"record:{organiser}"
    phone = f"phone:{organiser}"
    facts = Facts(
        [Node(case_key, "case", f"NEW/{n}", FORCES[-1]), Node(person, "person", person)],
        [
            Evidence(person, case_key, "suspect_in", 10**9 + n, None, None, "case_participants", n),
            Evidence(person, phone, "uses_phone", 10**9 + n, None, None, "case_entities", n),
        ],
    )
    return facts, case_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    t = Thresholds()

    started = time.perf_counter()
    nodes, columns, organiser = generate(args.persons, args.edges, args.seed)
    print(
        f"generated {len(nodes.keys):,} nodes, {len(columns.src):,} edges in "
        f"{time.perf_counter() - started:.1f} s (not counted)"
    )

    started = time.perf_counter()
    baseline = igraph.Graph(
        n=len(nodes.keys), edges=np.column_stack((columns.src, columns.dst)).tolist()
    )
    baseline_build = time.perf_counter() - started
    started = time.perf_counter()
    plain = baseline.connected_components()
    baseline_components = time.perf_counter() - started
    giant = max(plain.sizes())
    del baseline, plain

    timings: dict[str, float] = {}
    started = time.perf_counter()
    graph = Graph()
    graph.add_columns(nodes, columns)
    graph.igraph()
    timings["build"] = time.perf_counter() - started

    started = time.perf_counter()
    found = detect(graph, t)
    timings["evidence + components (+ Leiden of large ones)"] = time.perf_counter() - started

    started = time.perf_counter()
    communities = leiden_everywhere(graph, t)
    timings["Leiden, whole evidence graph"] = time.perf_counter() - started

    started = time.perf_counter()
    ev = evidence(graph, t)
    summaries = [summarise(graph, f, ev) for f in found]
    alerting = [
        s
        for s in summaries
        if len(s.forces) >= t.alert_forces or len(s.authorities) >= t.alert_authorities
    ]
    timings["alert generation (summaries + rule)"] = time.perf_counter() - started

    match_ms = []
    matched = 0
    for n in range(21):
        facts, case_key = new_report(graph, n, organiser)
        started = time.perf_counter()
        matches = find(graph, facts, case_key, t)
        graph.add(facts.nodes, facts.edges)
        match_ms.append((time.perf_counter() - started) * 1000)
        matched += bool(matches)
    total = sum(timings.values())

    evidence_giant = max(
        graph.igraph()
        .subgraph_edges(np.flatnonzero(ev.linking).tolist(), delete_vertices=False)
        .connected_components()
        .sizes()
    )
    print(f"persons {args.persons:,}; graph {graph.node_count:,} nodes, {graph.edge_count:,} edges")
    for name, seconds in timings.items():
        print(f"  {name:<48} {seconds:8.2f} s")
    print(f"  {'total':<48} {total:8.2f} s   (goal < 120 s)")
    print(
        f"  networks found {len(found):,}; alerting {len(alerting):,}; "
        f"Leiden communities {communities:,}"
    )
    print(
        f"  new report -> alert, median of 21: {statistics.median(match_ms):.2f} ms "
        f"(max {max(match_ms):.2f}); matched {matched}/21   (goal < 200 ms)"
    )
    print(
        f"  largest component: {giant:,} vertices with every edge, "
        f"{evidence_giant:,} on evidence edges (hubs and weak kinds pruned)"
    )
    print(
        f"  baseline, plain igraph build of the same edge list: {baseline_build:.2f} s; "
        f"components {baseline_components:.2f} s"
    )
    print(f"  ratio build / baseline build: {timings['build'] / baseline_build:.2f}")
    print(f"  peak RSS {rss_gib():.2f} GiB   (goal < 8 GiB)")


if __name__ == "__main__":
    main()
