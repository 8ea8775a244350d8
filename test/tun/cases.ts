// The scenarios the tun oracle runs on Linux (record.ts) and on the box
// (oracle.test.ts): `ip tuntap`/`ip link` command sequences, and file
// sessions (writes, reads, sends routed to the device, counters).

/** One `ip` invocation per entry; the recorded stdout, stderr and status must match byte for byte. */
export const IP_STEPS: string[] = [
  'tuntap add tun0 mode tun',
  'tuntap add tap0 mode tap',
  'link set tap0 address 02:00:00:00:00:01',
  'tuntap add mode tun',
  'tuntap add mode tap',
  'link set tap1 address 02:00:00:00:00:02',
  'tuntap add tun5 mode tun pi multi_queue',
  'tuntap add tun6 mode tun one_queue vnet_hdr',
  'tuntap add p1 mode tun multi_queue vnet_hdr one_queue pi',
  'tuntap',
  'tuntap show',
  'tuntap list',
  '-j tuntap show',
  '-j -p tuntap show',
  'link show',
  '-d link show tun0',
  '-d link show tap0',
  '-d link show tun5',
  '-s link show tun0',
  '-j link show tun0',
  '-j -d link show tun0',
  'tuntap add tun0 mode tun',
  'tuntap add tun0 mode tap',
  'tuntap add tun9',
  'tuntap add tun9 mode foo',
  'tuntap add tun11 mode tun mode tap',
  'tuntap add dev tun12 mode tun name tun13',
  'tuntap add tun12 tun13 mode tun',
  'tuntap foo',
  'tuntap add mode',
  'tuntap add tun0123456789abcdef mode tun',
  'tuntap help',
  'link add t1 type tun',
  'tuntap del tun0',
  'tuntap del tun0 mode tun',
  'tuntap del tap0 mode tun',
  'tuntap del tap0 mode tap',
  'tuntap del tun5 mode tun',
  'tuntap del nosuch mode tun',
  'tuntap del p1 mode tun pi multi_queue',
  'link set tun5 up',
  'link set tun6 up',
  'link set tap1 up',
  'link show',
  'addr add 192.0.2.1/24 dev tun6',
  '-4 addr show dev tun6',
  'route show',
  'tuntap show',
  'link del tun6',
  'tuntap',
];

export type FileOp =
  | { write: string } // hex; the result is write()'s return value or the errno name
  | { send: number } // UDP datagrams of 1 byte from 192.0.2.1:5000 to 192.0.2.9:9, routed to the device
  | { read: true } // read until the ring is empty: the lengths of the packets read
  | { readSize: number } // one read() with a buffer of that size: [length, the first 4 bytes in hex] or the errno name
  | { txqueuelen: number }
  | { up: boolean }
  | { stats: true }; // [rx packets, rx bytes, rx dropped, tx packets, tx bytes, tx dropped]

export interface FileCase {
  name: string;
  mode: 'tun' | 'tap';
  pi: boolean;
  /** 192.0.2.1/24 on the device */
  address: boolean;
  ops: FileOp[];
}

const IP4_HDR = '4500001c00000000401100000a0000010a000002'; // to nobody: no route, dropped by IP
const ip4 = IP4_HDR + '0000000000000000';

export const FILE_CASES: FileCase[] = [
  {
    name: 'tun without pi: down, then up', mode: 'tun', pi: false, address: false,
    ops: [
      { write: ip4 }, { write: '' }, { write: '70616263' }, { stats: true },
      { up: true }, { write: '' }, { write: '70616263' }, { write: '45' }, { write: ip4 }, { stats: true },
    ],
  },
  {
    name: 'tun with pi', mode: 'tun', pi: true, address: false,
    ops: [
      { up: true }, { write: '' }, { write: '000008' }, { write: '00000800' }, { write: '00001234' + ip4 },
      { write: '00000800' + ip4 }, { write: '00000800' + '70616263' }, { stats: true },
    ],
  },
  {
    name: 'tap', mode: 'tap', pi: false, address: false,
    ops: [{ write: '00'.repeat(13) }, { stats: true }, { up: true }, { write: '00'.repeat(13) }, { write: '020000000001020000000007080045' }, { stats: true }],
  },
  {
    name: 'tun ring overflow', mode: 'tun', pi: false, address: true,
    ops: [{ up: true }, { txqueuelen: 3 }, { send: 6 }, { stats: true }, { read: true }, { stats: true }, { send: 2 }, { read: true }, { stats: true }],
  },
  {
    name: 'tun with pi: what is read', mode: 'tun', pi: true, address: true,
    ops: [{ up: true }, { send: 2 }, { read: true }, { stats: true }],
  },
  {
    name: 'tun with pi: short reads', mode: 'tun', pi: true, address: true,
    ops: [{ up: true }, { send: 3 }, { readSize: 3 }, { readSize: 10 }, { readSize: 0 }, { read: true }, { stats: true }],
  },
];
