"""Mandatory reporting: intake, routing, receipts, acknowledgement clocks, escalation.

A report is written once and never changed: everything that happens to it afterwards
(acknowledgement, a request for information, a case, a closure) is a new row beside it.
"""
