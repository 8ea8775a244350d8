// `ip addr add|del` words that netpath refused or took without ipaddr_modify()'s checks, as iproute2
// 6.1 answers them: valid_lft/preferred_lft (forever or a u32, each once; once the device is known,
// "valid_lft is zero" and "preferred_lft is greater than valid_lft"), anycast ADDR (IFA_ANYCAST,
// which IPv4 takes and keeps nothing of), and the IPv6-only flags home, optimistic, nodad and
// mngtmpaddr (a warning, nothing set); autojoin's multicast test comes after the device lookup and the
// lifetimes (what lifetimes do once taken: test/inet/addr-lifetimes.test.ts). Found by a
// differential hunt, recorded from the kernel (NP_RECORD=1) and checked live; IPv6 is off in the
// namespace, as netpath has none.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from './util/recorded.js';

const FIXTURE = new URL('./fixtures/ip/addr-args.json', import.meta.url);
const SETUP = ['link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02'];
const CASES = [
  'addr add 192.0.2.1/24 dev v0 optimistic', 'addr add 192.0.2.2/24 dev v0 valid_lft abc', 'addr add 192.0.2.3/24 dev v0 valid_lft 5 valid_lft 6',
  'addr add 192.0.2.4/24 dev nosuch valid_lft 0', 'addr add 192.0.2.4/24 dev v0 valid_lft 0', 'addr add 192.0.2.5/24 dev v0 preferred_lft 10',
  'addr add 192.0.2.3/24 dev v0 preferred_lft 200 valid_lft 100', 'addr add 192.0.2.6/24 dev v0 anycast 192.0.2.9 anycast 192.0.2.10',
  'addr add 192.0.2.7/24 dev v0 anycast foo', 'addr add 192.0.2.7/24 dev v0 anycast 192.0.2.99', 'addr add nodad 192.0.2.8/24 dev v0',
  'addr add 192.0.2.10/24 dev v0 home nodad mngtmpaddr', '-4 addr add 192.0.2.11/24 dev v0 valid_lft forever preferred_lft forever',
  'addr add 192.0.2.12/24 dev v0 valid_lft 4294967295', 'addr add 192.0.2.13/24 dev v0 valid_lft -1', 'addr del 192.0.2.11/24 dev v0 valid_lft 0',
  'addr add dev v0 valid_lft 0', '-4 addr add dev v0 preferred_lft 5 valid_lft 4', 'addr add 192.0.2.14/24 dev v0 valid_lft 0x10 preferred_lft 0x20',
  // autojoin is checked after the device and the lifetimes
  'addr add 192.0.2.15/24 dev nosuch autojoin', 'addr add 192.0.2.15/24 dev v0 autojoin valid_lft 0', 'addr add 192.0.2.15/24 dev v0 autojoin',
  'addr show dev v0', '-j addr show dev v0',
];

const why = await netnsWhyNot();

describe('ip addr add: lifetimes, anycast and the IPv6-only flags as iproute2 6.1 takes them', () => {
  ipCases({
    fixture: FIXTURE, netns: 'np-addrargs', setup: SETUP, cases: CASES, why,
    prepare: (ns) => [['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']],
  });
});
