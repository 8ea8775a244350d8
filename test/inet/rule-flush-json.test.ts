// `ip -j rule flush` prints an empty JSON array: iprule_list_flush_or_save() opens the JSON
// object for a flush as for a listing (new_json_obj ... delete_json_obj), and the flush prints
// no rule into it: `[]`, `[ ]` with -p; nothing without -j. netpath printed nothing. Found by a
// differential hunt, recorded from the kernel (NP_RECORD=1) and checked live.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/rule-flush-json.json', import.meta.url);
const SETUP = [
  'rule add from 192.0.2.0/24 lookup 100 pref 100', 'rule add lookup 109 protocol static',
  'rule add to 198.51.100.0/24 lookup 110 pref 300',
];
const CASES = [
  '-j rule flush table 109', 'rule show', '-j -p rule flush table 110', '-j rule show', 'rule flush table 100', '-j -s rule flush',
  '-j rule show', '-j rule flush',
];

const why = await netnsWhyNot();

describe('ip -j rule flush: an empty JSON array', () => {
  ipCases({ fixture: FIXTURE, netns: 'np-ruleflush', setup: SETUP, cases: CASES, why });
});
