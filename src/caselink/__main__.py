from caselink.cli import app

app(prog_name="caselink")
