"""The reader station: a program on a PC with a contactless (or SAM) reader at an office or service window.

It talks to the platform only over the HTTP API (`client.py`), signing every
request with the station's own Ed25519 key (`protocol.py`), reads identity
documents with the `idcard` library (`reading.py`), and is run as the
`registry-station` console script (`cli.py`). It imports nothing of the
platform's code.
"""
