// fib4_rule_compare() compares a request's whole dsfield with the rule's (inet_dscp_to_dsfield), ECN
// bits included, so `ip rule add dsfield 0x02` is never a duplicate of a rule without a dsfield or
// with 0x00: rule_exists() finds nothing and fib4_rule_configure() refuses the ECN bits. netpath
// masked the ECN bits off before comparing, and answered EEXIST. Found by the routing differential
// (NPDIFF_BASE=300460000, seed 300460026), recorded from the kernel and checked live.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/rule-dsfield-ecn.json', import.meta.url);
const SETUP = ['rule add pref 50 table main', 'rule add pref 60 dsfield 0x04 table 10'];
const CASES = [
  'rule add dsfield 0x02 priority 50 table main', 'rule add dsfield 0x01 priority 50 table main',
  'rule add dsfield 0x06 priority 60 table 10', 'rule add dsfield 0x04 priority 60 table 10',
  'rule add dsfield 0x05 priority 70 table 10',
  'rule del dsfield 0x06 priority 60', 'rule del dsfield 0x02 priority 50', 'rule show',
];

const why = await netnsWhyNot();

describe('ip rule add: a dsfield with ECN bits is compared whole, so it is refused, not a duplicate', () => {
  ipCases({ fixture: FIXTURE, netns: 'np-ruleecn', setup: SETUP, cases: CASES, why });
});
