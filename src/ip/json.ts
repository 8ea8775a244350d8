// iproute2's JSON output (lib/json_writer.c): compact without -p; with -p
// objects put one member per line indented by 4 spaces per level, while
// arrays stay on the line they open ("[ {", "} ]", "[ "a","b" ]", "[ ]").
export type Json = null | boolean | number | string | JsonNumber | Json[] | { [k: string]: Json | undefined };

/** A number printed with a fixed format (print_float's "%.2f" for timers) */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** jsonw_puts(): only these seven are escaped; any other byte goes out as it is (a control byte too) */
export function jsonString(s: string): string {
  let o = '"';
  for (const ch of s) {
    if (ch === '"') o += '\\"';
    else if (ch === '\\') o += '\\\\';
    else if (ch === '\n') o += '\\n';
    else if (ch === '\t') o += '\\t';
    else if (ch === '\r') o += '\\r';
    else if (ch === '\b') o += '\\b';
    else if (ch === '\f') o += '\\f';
    else o += ch;
  }
  return o + '"';
}

export function toJson(v: Json, pretty: boolean): string {
  return write(v, pretty, 0);
}

function write(v: Json | undefined, pretty: boolean, depth: number): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (v instanceof JsonNumber) return v.text;
  if (typeof v === 'string') return jsonString(v);
  if (Array.isArray(v)) {
    const items = v.map((x) => write(x, pretty, depth + 1));
    if (!pretty) return '[' + items.join(',') + ']';
    return items.length ? '[ ' + items.join(',') + ' ]' : '[ ]';
  }
  const keys = Object.keys(v).filter((k) => v[k] !== undefined);
  const inner = depth + 1;
  const members = keys.map((k) => {
    const val = write(v[k], pretty, inner);
    return pretty ? '\n' + '    '.repeat(inner) + jsonString(k) + ': ' + val : jsonString(k) + ':' + val;
  });
  if (!pretty) return '{' + members.join(',') + '}';
  if (!members.length) return '{}';
  return '{' + members.join(',') + '\n' + '    '.repeat(depth) + '}';
}
