// The plain inputs and outputs between the domain and the chat adapter (bot/wechat/ is the only
// code that imports wechaty). Registry, relay and ledger depend on these types, never on Wechaty.

/** What a message carries, as far as the domain cares. */
export type MessageKind =
  | 'text'
  | 'article' // official-account article card (UrlLink)
  | 'image'
  | 'video'
  | 'file'
  | 'channel_video' // 视频号 share (MessageType.Post)
  | 'mini_program'
  | 'system'
  | 'other';

/** Article data from an official-account push or a forwarded card. */
export interface ArticleCard {
  title: string;
  description: string;
  url: string; // already &amp;-decoded
  thumbnailUrl?: string;
}

/** The file of an image, video or file message, downloaded only when something needs its bytes. */
export interface MessageFile {
  load(): Promise<{ name: string; bytes: Buffer }>;
}

/** A message in a group the bot is in. */
export interface GroupMessage {
  messageId: string;
  /** The puppet's room id (changes on wechat4u re-login). */
  roomId: string;
  topic: string;
  /** The puppet's id of the sender (changes on re-login; never stored in the ledger). */
  senderId: string;
  /** The sender's display name in the room (room alias if set, else nickname). */
  senderName: string;
  senderIsBot: boolean; // an official account / other bot
  self: boolean; // sent by this bot account
  kind: MessageKind;
  text: string;
  /** Text of the quoted message, for quote-replies. */
  quotedText?: string;
  /** Whether the quoted message was sent by this bot. */
  quotedSelf?: boolean;
  article?: ArticleCard[];
  /** Raw puppet payload when the type cannot be parsed by Wechaty (e.g. 视频号). */
  raw?: string;
  /** Image, video and file messages: their file (media posts are keyed by its bytes). */
  file?: MessageFile;
  at: Date;
}

/** A message in private chat with the bot (admin forwards, official-account pushes). */
export interface PrivateMessage {
  messageId: string;
  senderId: string;
  senderName: string;
  /** True for official accounts (公众号) and other non-person talkers. */
  senderIsOfficial: boolean;
  self: boolean;
  kind: MessageKind;
  text: string;
  article?: ArticleCard[];
  /** Raw puppet payload when the type cannot be parsed by Wechaty (e.g. 视频号). */
  raw?: string;
  /** Image, video and file messages: their file (media posts are keyed by its bytes). */
  file?: MessageFile;
  at: Date;
}

export interface RoomInfo {
  roomId: string;
  topic: string;
  memberCount: number;
}

export interface Member {
  id: string;
  name: string;
}

/** What the running puppet can send; the relay chooses a rendering from it. */
export interface SendCapabilities {
  card: boolean; // UrlLink article cards
  file: boolean; // images / videos as files
  forward: boolean; // message.forward()
}

/** Outgoing content for a room or a contact. */
export type Outgoing =
  | { type: 'text'; text: string }
  | { type: 'card'; card: ArticleCard }
  | { type: 'file'; path?: string; url?: string; name: string };

/** How a message is sent: a command reply takes the account's earliest free send slot. */
export interface SendOptions {
  reply?: boolean;
}

/** The adapter's outbound side, as the domain sees it. */
export interface ChatPort {
  readonly accountName: string;
  capabilities(): SendCapabilities;
  /** Sends to a room; throws SendError (with `sent: false` when provably not sent). */
  sayToRoom(roomId: string, out: Outgoing, opts?: SendOptions): Promise<void>;
  sayToContact(contactId: string, out: Outgoing, opts?: SendOptions): Promise<void>;
  /** The room's members (names as shown in the room); fetched when needed, cached by the adapter. */
  roomMembers(roomId: string): Promise<Member[]>;
  /** Topic and member count from the room's payload (no member loading); undefined when unknown. */
  room(roomId: string): Promise<RoomInfo | undefined>;
  /** The rooms of the current session (never those of an earlier login), from their payloads. */
  rooms(): Promise<RoomInfo[]>;
  /** The logged-in account's own contact id in this session (to leave the bot out of member lists). */
  selfId?(): string | undefined;
}

/** A send failure. `sent` is false only when the message provably did not go out. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly opts: {
      sent: false | 'unknown';
      throttled?: boolean;
      badTarget?: boolean;
      /** The server ended the session (wechat4u Ret 1101): the target is fine, the login is gone. */
      loggedOut?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: opts.cause });
    this.name = 'SendError';
  }
}
