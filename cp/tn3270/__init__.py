"""The 3270 side of CP: a TN3270 server so users log on with x3270, c3270,
wc3270 or s3270 and get VM/370's screen.

datastream.py   the 3270 data stream (GA23-0059): commands, WCC, orders,
                attributes, AIDs, buffer addresses, inbound parse
buffer.py       a display's character buffer driven by outbound streams,
                answering Read Buffer / Read Modified (device model, tests)
negotiation.py  telnet for TN3270 (RFC 1576): TERMINAL-TYPE, BINARY, EOR
vmscreen.py     VM/370's screen: output area, input area, status area
session.py      one connection as a CP terminal (keys, echo, MORE..., PA1)
server.py       the listening port; non-3270 clients go to line mode

docs/3270.md says how to connect.
"""
