// Member identity in the ledger: a keyed hash of the stable group id and the member's name in that
// group. Raw WeChat ids and nicknames never enter the ledger (see DESIGN.md "Identity and privacy").
import crypto from 'node:crypto';

/** HMAC-SHA256(secret, "<groupId>\0<name>") as 32 hex characters. */
export function memberKey(secret: string, groupId: number, memberName: string): string {
  return crypto
    .createHmac('sha256', secret)
    .update(`${groupId}\u0000${memberName.normalize('NFKC').trim()}`)
    .digest('hex')
    .slice(0, 32);
}
