"""Network detection: a graph of persons, phones, vehicles, addresses, locations and cases;
the networks in it that span cases, forces and local authorities, raised as alerts, each
explained by the paths and source records that connect its cases."""
