import iconv from 'iconv-lite';

/**
 * Decodes a response body. Precedence follows browsers and feed readers: a byte-order mark,
 * then the HTTP Content-Type charset, then the XML prolog or an HTML <meta>, then UTF-8.
 */
export function decodeBody(
  bytes: Buffer,
  contentType: string | undefined,
): { text: string; charset: string } {
  const charset =
    sniffBom(bytes) ?? charsetFromContentType(contentType) ?? charsetFromMarkup(bytes) ?? 'utf-8';
  const usable = iconv.encodingExists(charset) ? charset : 'utf-8';
  return { text: iconv.decode(bytes, usable), charset: usable };
}

function sniffBom(b: Buffer): string | undefined {
  if (b.length >= 4 && b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return 'utf-32be';
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return 'utf-32le';
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  // UTF-32 without a BOM: "<" encoded as 00 00 00 3C or 3C 00 00 00 (before the UTF-16 checks,
  // which the little-endian form would otherwise half-match).
  if (b.length >= 4 && b[0] === 0x00 && b[1] === 0x00 && b[2] === 0x00 && b[3] === 0x3c) return 'utf-32be';
  if (b.length >= 4 && b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x00 && b[3] === 0x00) return 'utf-32le';
  // UTF-16 without a BOM: "<?" encoded as 00 3C 00 3F or 3C 00 3F 00.
  if (b.length >= 4 && b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return 'utf-16be';
  if (b.length >= 4 && b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return 'utf-16le';
  return undefined;
}

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  const match = contentType && /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType);
  return match ? normalise(match[1]!) : undefined;
}

function charsetFromMarkup(bytes: Buffer): string | undefined {
  // The declaration is ASCII in every encoding we can read without a BOM.
  const head = bytes.subarray(0, 2048).toString('latin1');
  const xml = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  if (xml) return normalise(xml[1]!);
  const meta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head);
  return meta ? normalise(meta[1]!) : undefined;
}

function normalise(label: string): string {
  const lower = label.toLowerCase();
  // Per the WHATWG Encoding standard, ISO-8859-1 and ASCII labels mean windows-1252 on the web.
  if (lower === 'iso-8859-1' || lower === 'latin1' || lower === 'us-ascii' || lower === 'ascii')
    return 'windows-1252';
  return lower;
}
