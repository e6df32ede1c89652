// Text from WeChat is whatever a member typed or a nickname holds. PostgreSQL refuses NUL in text
// (22021) and other control characters only hide what a name really is, so the adapter cleans every
// string it hands to the domain: names, topics, message text.

// C0 controls except tab, line feed and carriage return; DEL.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** The text without NUL and other control characters (tab and line breaks kept). */
export function cleanText(s: string): string;
export function cleanText(s: string | undefined): string | undefined;
export function cleanText(s: string | undefined): string | undefined {
  return s === undefined ? s : s.replace(CONTROL, '');
}
