// The encoding of a CSV file a person hands us. Excel on Chinese Windows saves "CSV" as GBK
// (GB18030), "CSV UTF-8" with a BOM, and "Unicode text" as UTF-16: read UTF-8 and UTF-16 as they are,
// GB18030 when the detector is sure of it, and refuse anything else with the fix instead of guessing.
import chardet from 'chardet';
import iconv from 'iconv-lite';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';

export interface DecodedText {
  text: string;
  /** 'UTF-8', 'UTF-16LE', 'UTF-16BE' or 'GB18030'. */
  encoding: string;
}


/** Decodes the bytes of a text file, or throws a UserError that says how to save it as UTF-8. */
export function decodeTextFile(bytes: Buffer, file: string): DecodedText {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { text: iconv.decode(bytes.subarray(2), 'utf16le'), encoding: 'UTF-16LE' };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { text: iconv.decode(bytes.subarray(2), 'utf16be'), encoding: 'UTF-16BE' };
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text: text.replace(/^\uFEFF/, ''), encoding: 'UTF-8' };
  } catch {
    // not UTF-8: find out what it is
  }
  const best = chardet.analyse(bytes)[0];
  if (best?.name === 'GB18030' && best.confidence >= 50) {
    const text = iconv.decode(bytes, 'gb18030');
    if (!text.includes('\uFFFD')) return { text, encoding: 'GB18030' };
  }
  const guess = best ? t('org.csv_encoding_guess', { name: best.name }) : '';
  throw new UserError('org.csv_encoding', { file, guess }, t('org.csv_encoding', { file, guess }));
}
