"""Small, hand-written agency files for tests: every name here is invented."""

from pathlib import Path

AREAS = """code,name,kind,parent_code
F-NM,Northmoor,force_area,
LA-NM-A,Ashby Vale,local_authority,F-NM
F-WD,Westdale,force_area,
LA-WD-B,Brinkley,local_authority,F-WD
"""

POSTCODE_DISTRICTS = """district,local_authority_code,force_area_code
NM1,LA-NM-A,F-NM
WD4,LA-WD-B,F-WD
"""

AGENCIES = """code,name,kind,area_code
POL-NM,Northmoor Police,police_force,F-NM
CSC-NM-A,Ashby Vale Children's Services,local_authority,LA-NM-A
SCH-NM-A1,Ashby Vale Academy,school,LA-NM-A
NHS-NM,Northmoor Health NHS Trust,nhs_trust,F-NM
"""

HEADER = (
    "record_id,source,given_name,family_name,date_of_birth,sex,postcode,address,"
    "nhs_number,phone,email\n"
)

RECORDS = HEADER + (
    'R1,POL-NM,Elizabeth,Marsh,2010-04-03,F,NM1 4QX,"12 Alder Street, Ashby Vale",'
    "9434765919,07700 900123,\n"
    "R2,SCH-NM-A1,Liz,Marsh,2010-03-04,F,NM1 4QX,,,,liz.marsh@example.com\n"
    "R3,NHS-NM,Elisabeth,Marsh,2010-04-03,,NM1 4QX,,9434765919,,\n"
    "R4,POL-NM,Darren,Holt,1988-11-30,M,,,,+447700900456,\n"
)


def write_reference(directory: Path) -> None:
    (directory / "areas.csv").write_text(AREAS)
    (directory / "postcode_districts.csv").write_text(POSTCODE_DISTRICTS)
    (directory / "agencies.csv").write_text(AGENCIES)


def write_records(path: Path, body: str = RECORDS) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def many_records(count: int, prefix: str = "B") -> str:
    """A large valid file, for crash tests and timing."""
    rows = [
        f"{prefix}{i},POL-NM,Given{i % 97},Family{i % 89},"
        f"{1990 + i % 30}-{1 + i % 12:02d}-{1 + i % 28:02d},{'FMX'[i % 3]},NM1 {i % 10}AB,,,,\n"
        for i in range(count)
    ]
    return HEADER + "".join(rows)
