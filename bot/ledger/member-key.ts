// Member identity in the ledger: a keyed hash of the stable group id and the member's name in that
// group. Raw WeChat ids and nicknames never enter the ledger (see DESIGN.md "Identity and privacy").
// A group's owner key (who registered it) is derived in its own HMAC context: were it the owner's
// member key, chat_group.registered_by (the name beside it) would name that member's confirmations.
import crypto from 'node:crypto';

function keyed(secret: string, groupId: number, name: string): string {
  return crypto
    .createHmac('sha256', secret)
    .update(`${groupId}\u0000${name.normalize('NFKC').trim()}`)
    .digest('hex')
    .slice(0, 32);
}

/** HMAC-SHA256(secret, "<groupId>\0<name>") as 32 hex characters. */
export function memberKey(secret: string, groupId: number, memberName: string): string {
  return keyed(secret, groupId, memberName);
}

/** The HMAC context of owner keys; changing it orphans every owner key (never change it). */
export const OWNER_CONTEXT = 'antifraud-relay owner key v1';
const ownerSecrets = new Map<string, string>();

/**
 * The owner key of a group: the same keyed hash under a key of its own, HMAC(secret, OWNER_CONTEXT),
 * so it never equals (or can be computed from) any member key without the secret.
 */
export function ownerKey(secret: string, groupId: number, ownerName: string): string {
  let sub = ownerSecrets.get(secret);
  if (!sub) {
    sub = crypto.createHmac('sha256', secret).update(OWNER_CONTEXT).digest('hex');
    ownerSecrets.set(secret, sub);
  }
  return keyed(sub, groupId, ownerName);
}
