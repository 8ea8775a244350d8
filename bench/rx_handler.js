// The cost of an rx_handler written in TypeScript: 1024 frames sent on a veth
// end, received on the peer, through (a) no handler, (b) a host handler that
// returns 'consumed', (c) the kernel's own macvlan handler (passthru).
// The host handler runs once per batch: the difference (b) - (a) is what the
// batch and the JS calls cost per frame.
import { Bench } from 'tinybench';
import { Box } from '../dist/index.js';

const N = 1024;

async function setup(kind) {
  const box = await Box.create();
  box.ip('link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1');
  box.ip('link set v0 up');
  box.ip('link set v1 up');
  if (kind === 'host') box.link('v1').setRxHandler(() => 'consumed');
  if (kind === 'macvlan') { box.ip('link add mv0 link v1 type macvlan mode passthru'); box.ip('link set mv0 up'); }
  const frames = Array.from({ length: N }, (_, i) => {
    const f = new Uint8Array(64);
    f.set([2, 0, 0, 0, 0, 0xa1, 2, 0, 0, 0, 0, 0xa0, 0x88, 0xb5]);
    f[14] = i & 255;
    return f;
  });
  const sock = box.packet('v0');
  return () => { sock.send(frames); box.run({ ns: 1000 }); };
}

export async function benchRxHandler() {
  const bench = new Bench({ time: 1500, warmupTime: 200 });
  bench.add('veth, no rx_handler', await setup('none'));
  bench.add('veth, host rx_handler (consumed)', await setup('host'));
  bench.add('veth, macvlan passthru (kernel handler)', await setup('macvlan'));
  await bench.run();
  return bench.tasks.map((t) => ({
    task: t.name, 'frames/s': Math.round(N / (t.result.latency.mean / 1000)).toLocaleString('en'),
    'ns/frame': (t.result.latency.mean * 1e6 / N).toFixed(0),
  }));
}
