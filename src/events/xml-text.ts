/**
 * Text for an XML attribute value or element content (XML 1.0 §2.4, §3.3.3): the five
 * markup characters escaped, and characters XML 1.0 cannot carry at all (C0 controls but
 * tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) dropped, so no name from the wire or the
 * tenant's data can change the document's structure.
 */
export function xmlText(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) continue;
    switch (ch) {
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '"':
        out += '&quot;';
        break;
      case "'":
        out += '&apos;';
        break;
      default:
        out += ch;
    }
  }
  return out;
}
