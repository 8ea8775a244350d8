#!/usr/bin/env python3
"""The real kernel's side of the attach test, run inside the namespace that holds
the host TUN device: three ICMP echo requests to the box (a raw socket, as ping
sends them) and one UDP datagram to a closed port of the box. Prints JSON:
{"echo": [seq answered ...], "udp": "ECONNREFUSED" | "timeout" | "data"}."""
import json
import socket
import struct
import sys
import time

dst = sys.argv[1]


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


answered = []
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
icmp.settimeout(2)
for seq in (1, 2, 3):
    body = b'netpath'
    hdr = struct.pack('!BBHHH', 8, 0, 0, 0x4242, seq)
    pkt = struct.pack('!BBHHH', 8, 0, csum(hdr + body), 0x4242, seq) + body
    icmp.sendto(pkt, (dst, 0))
    deadline = time.time() + 2
    while time.time() < deadline:
        try:
            data, addr = icmp.recvfrom(2048)
        except socket.timeout:
            break
        ihl = (data[0] & 15) * 4
        t, _, _, ident, s = struct.unpack('!BBHHH', data[ihl:ihl + 8])
        if addr[0] == dst and t == 0 and ident == 0x4242 and s == seq and data[ihl + 8:] == body:
            answered.append(seq)
            break

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(2)
u.connect((dst, 9))
u.send(b'hello')
try:
    u.recv(100)
    udp = 'data'
except ConnectionRefusedError:
    udp = 'ECONNREFUSED'
except socket.timeout:
    udp = 'timeout'
print(json.dumps({'echo': answered, 'udp': udp}))
