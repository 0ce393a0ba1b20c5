"""One child, every agency: multi-agency child protection teams and their caseloads
(teams), the joined-up person record (joined), the multi-agency chronology (chronology),
the holder's s.16LA decision not to share a record (sharing), the NHS number as the
consistent identifier (nhs) and person search (keys, query, search)."""
