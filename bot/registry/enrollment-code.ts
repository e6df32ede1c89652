// Enrollment codes: shown once, stored as a hash, typed by staff into a WeChat group.
import crypto from 'node:crypto';

// No 0/O, 1/I/L: codes are read off paper and typed on phones.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A new random code such as "K7QX-M4PA" (about 40 bits). */
export function newEnrollmentCode(): string {
  const bytes = crypto.randomBytes(8);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** Normalises what people type: full-width characters, spaces, dashes, lower case. */
export function normalizeCode(input: string): string {
  return input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-_—–·.]/g, '');
}

/** The stored form of a code. */
export function hashCode(code: string): string {
  return crypto.createHash('sha256').update(`enroll:${normalizeCode(code)}`).digest('hex');
}
