"""Loading agency data (CSV) into the store: validated in full, all-or-nothing, re-runnable."""

from caselink.loading.directory import load_directory
from caselink.loading.loader import LoadResult, load_file
from caselink.loading.problems import LoadRejected, Problem

__all__ = ["LoadRejected", "LoadResult", "Problem", "load_directory", "load_file"]
