// What the kernel did, case by case, over the recorded fixtures: the table in
// README.md. `npx tsx test/pktdiff/summary.ts [dir]`
//
// An outcome is the list of frames that came out, each as its kind (fwd, fwd
// frag, ICMP type/code, TCP RST, ARP request/reply) and where: "in" = the
// ingress port, "out" = another port.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameKind } from './compare.js';
import { CONF_USE, dutFacts } from './coverage.js';
import { parsePktFixture, pktFixtureName } from './record.js';

/** Cases whose note starts with a sub-kind worth its own row. */
const SUBKINDS = new Set(['martian-source', 'broadcast', 'multicast', 'ip-options', 'arp-request', 'total-length-short', 'fragment-incomplete', 'foreign-dst-mac', 'policy-fwmark',
  'localnet', 'source-route', 'proxy-arp', 'arp-dut', 'garp', 'errors-inbound', 'redirect']);
/** The knobs (generator 3) whose state each of its cases' rows shows: per-device conf of the ingress port, or net.ipv4 ones. */
const KNOBS: Record<string, string[]> = {
  'localnet': ['route_localnet'], 'source-route': ['accept_source_route'], 'bc-forward': ['bc_forwarding'], 'proxy-arp': ['proxy_arp'],
  'arp-dut': ['arp_ignore', 'arp_filter'], 'garp': ['arp_accept', 'drop_gratuitous_arp'], 'arp-announce': ['arp_announce'],
  'errors-inbound': ['rp_filter', 'icmp_errors_use_inbound_ifaddr'], 'icmp-burst': ['icmp_ratemask', 'icmp_ratelimit'],
  'redirect': ['send_redirects', 'shared_media'],
};

export function summarize(dir: string): Map<string, Map<string, number>> {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { seeds: number[] };
  const table = new Map<string, Map<string, number>>();
  for (const seed of index.seeds) {
    const f = parsePktFixture(readFileSync(join(dir, pktFixtureName(seed)), 'utf8'));
    const fwdOn = f.steps.some((s) => 'sysctl' in s && s.sysctl[0] === 'net.ipv4.ip_forward' && s.sysctl[1] === '1');
    const facts = dutFacts(f);
    f.frames.forEach((fr, i) => {
      let row = fr.case;
      // a note that starts with an address names no sub-kind
      if (SUBKINDS.has(fr.case) && fr.note && !/^\d/.test(fr.note)) row += ` / ${fr.note.split(/[:,]/)[0]}`;
      const knobs = KNOBS[fr.case]?.map((k) => `${k} ${CONF_USE[k] ? facts.conf(fr.port, k) : facts.ipv4(k)}`);
      if (knobs) row += ` [${knobs.join(', ')}]`;
      if (!fwdOn) row += ' (ip_forward 0)';
      const outcome = f.kernel[i].out.map((o) => `${frameKind(fr.hex, o)}@${o.port === fr.port ? 'in' : 'out'}`);
      const key = outcome.length ? [...new Set(outcome)].map((k) => `${outcome.filter((x) => x === k).length > 1 ? `${outcome.filter((x) => x === k).length}x ` : ''}${k}`).join(', ') : 'nothing';
      const m = table.get(row) ?? new Map<string, number>();
      table.set(row, m);
      m.set(key, (m.get(key) ?? 0) + 1);
    });
  }
  return table;
}

if (process.argv[1] && /summary\.ts$/.test(process.argv[1])) {
  const t = summarize(process.argv[2] ?? join('test', 'fixtures', 'packets'));
  console.log('| case | n | kernel outcomes (count) |\n|---|---|---|');
  for (const [row, m] of [...t].sort((a, b) => a[0].localeCompare(b[0]))) {
    const n = [...m.values()].reduce((a, b) => a + b, 0);
    console.log(`| ${row} | ${n} | ${[...m].sort((a, b) => b[1] - a[1]).map(([k, c]) => `${k} (${c})`).join('; ')} |`);
  }
}
