// `ip` commands in a test box that must succeed: a failure throws with the command and its stderr.
import type { Box } from '../../src/box.js';

export function must(box: Box, ...cmds: string[]): void {
  for (const c of cmds) {
    const r = box.ip(c);
    if (r.status !== 0) throw new Error(`ip ${c}: ${r.stderr}`);
  }
}
