#!/usr/bin/env python3
"""Runs one tun file session (test/tun/cases.ts FileCase, JSON on stdin) on a
real /dev/net/tun inside a throwaway namespace and prints the results as JSON:
one entry per op. Standard library only; needs root."""
import errno
import fcntl
import json
import os
import socket
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000
NAME = 'tun0'


def ip(*args):
    subprocess.run(['ip', *args], check=True, capture_output=True)


def stats():
    out = subprocess.run(['ip', '-j', '-s', 'link', 'show', NAME], check=True, capture_output=True, text=True).stdout
    s = json.loads(out)[0]['stats64']
    return [s['rx']['packets'], s['rx']['bytes'], s['rx']['dropped'], s['tx']['packets'], s['tx']['bytes'], s['tx']['dropped']]


def main():
    case = json.load(sys.stdin)
    # no IPv6: router solicitations would land on the ring
    for k in ('all', 'default'):
        subprocess.run(['sysctl', '-qw', f'net.ipv6.conf.{k}.disable_ipv6=1'], check=True)
    flags = (IFF_TAP if case['mode'] == 'tap' else IFF_TUN) | (0 if case['pi'] else IFF_NO_PI)
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH22x', NAME.encode(), flags))
    if case['address']:
        ip('addr', 'add', '192.0.2.1/24', 'dev', NAME)
    out = []
    sock = None
    for op in case['ops']:
        if 'write' in op:
            try:
                out.append(os.write(fd, bytes.fromhex(op['write'])))
            except OSError as e:
                out.append(errno.errorcode[e.errno])
        elif 'up' in op:
            ip('link', 'set', NAME, 'up' if op['up'] else 'down')
            out.append(None)
        elif 'txqueuelen' in op:
            ip('link', 'set', NAME, 'txqueuelen', str(op['txqueuelen']))
            out.append(None)
        elif 'send' in op:
            if sock is None:
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind(('192.0.2.1', 5000))
            for i in range(op['send']):
                sock.sendto(bytes([i]), ('192.0.2.9', 9))
            out.append(None)
        elif 'read' in op:
            got = []
            while True:
                try:
                    got.append(len(os.read(fd, 65536)))
                except BlockingIOError:
                    break
            out.append(got)
        elif 'readSize' in op:
            try:
                b = os.read(fd, op['readSize'])
                out.append([len(b), b[:4].hex()])
            except OSError as e:
                out.append(errno.errorcode[e.errno])
        elif 'stats' in op:
            out.append(stats())
    print(json.dumps(out))


main()
