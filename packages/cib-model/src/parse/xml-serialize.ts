/** The serializer of the order-preserving XML tree (`xml-tree.ts`). */
import type { XmlElement, XmlNode } from './xml-tree.js';

const TEXT_SPECIAL = /[&<>\r]/;

function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  // '\r' as a reference: a literal one would come back as '\n' (line-end normalization).
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escapeAttr(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x26: out += '&amp;'; break;
      case 0x3c: out += '&lt;'; break;
      case 0x3e: out += '&gt;'; break;
      case 0x22: out += '&quot;'; break;
      default:
        if (ch < 0x20 || ch === 0x7f) out += `&#${ch};`;
        else out += s[i];
    }
  }
  return out;
}

/** Serializes a tree. Text and comments are written as they were parsed; empty elements are self-closed. */
export function serializeXml(root: XmlElement): string {
  const parts: string[] = [];
  const walk = (n: XmlNode): void => {
    if (n.kind === 'text') { parts.push(escapeText(n.text)); return; }
    if (n.kind === 'comment') { parts.push(`<!--${n.text}-->`); return; }
    parts.push(`<${n.name}`);
    for (const [k, v] of Object.entries(n.attrs)) parts.push(` ${k}="${escapeAttr(v)}"`);
    if (n.children.length === 0) { parts.push('/>'); return; }
    parts.push('>');
    for (const c of n.children) walk(c);
    parts.push(`</${n.name}>`);
  };
  walk(root);
  return parts.join('');
}
