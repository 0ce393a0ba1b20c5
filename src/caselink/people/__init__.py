"""One child, every agency: multi-agency child protection teams and their caseloads
(teams), the joined-up person record (joined), the multi-agency chronology (chronology) and
the holder's s.16LA decision not to share a record (sharing)."""
