from nnlab.cli import app

app()
