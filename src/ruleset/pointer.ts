// JSON pointers (RFC 6901) name the offending field in every validation issue; the CLI shows
// them in the dotted form users write in their heads (`rules[3].dport`).

/** Appends segments to a pointer, escaping `~` and `/` inside them. */
export function pointerJoin(base: string, ...segments: Array<string | number>): string {
  let out = base;
  for (const s of segments) out += '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

/** The unescaped segments of a pointer (`""` is the whole document: no segments). */
export function pointerSegments(ptr: string): string[] {
  if (ptr === '') return [];
  return ptr.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `/rules/3/dport` -> `rules[3].dport`; `/sets/my-feed/4` -> `sets["my-feed"][4]`.
 * Array indexes become `[n]`, names that are not identifiers are quoted.
 */
export function pointerToDotted(ptr: string): string {
  let out = '';
  for (const s of pointerSegments(ptr)) {
    if (/^(0|[1-9][0-9]*)$/.test(s)) out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

// Top-level keys in the order the contract lists them (and rulesets are usually written).
const TOP_LEVEL_ORDER = ['default', 'ndp', 'non_ip', 'sets', 'rules'];

/** Orders pointers as the document reads: segment by segment, indexes numerically. */
export function comparePointers(a: string, b: string): number {
  const sa = pointerSegments(a);
  const sb = pointerSegments(b);
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    if (sa[i] === sb[i]) continue;
    if (i === 0) {
      const oa = TOP_LEVEL_ORDER.indexOf(sa[0]);
      const ob = TOP_LEVEL_ORDER.indexOf(sb[0]);
      if (oa !== -1 && ob !== -1) return oa - ob;
    }
    const na = /^[0-9]+$/.test(sa[i]) ? Number(sa[i]) : NaN;
    const nb = /^[0-9]+$/.test(sb[i]) ? Number(sb[i]) : NaN;
    if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
    return sa[i] < sb[i] ? -1 : 1;
  }
  return sa.length - sb.length;
}
