// The one thing that differs from `npm start`: the puppet. wechaty-puppet-mock, extended with what
// the simulated world needs and wechat4u really does: article cards pushed by official accounts,
// server refusals (Ret 1205 throttled, Ret 1204 bad target) raised the way wechat4u raises them,
// no sending of article cards, and a record of every send.
import assert from 'node:assert';
import type { FileBoxInterface } from 'file-box';
import * as PUPPET from 'wechaty-puppet';
import { PuppetMock, mock } from 'wechaty-puppet-mock';

export type Refusal = { ret: 1205 | 1204; reason: string };

export interface SendRecord {
  roomId?: string;
  contactId?: string;
  text?: string;
  file?: string;
  at: Date;
}

export interface DemoPuppetHooks {
  /** Asked before every send: a refusal makes the send throw like wechat4u does. */
  refuse(conversationId: string): Refusal | undefined;
  /** Told after every send that went out. */
  sent(rec: SendRecord): void;
}

/** wechat4u surfaces a server refusal as an AssertionError from `assert.equal(Ret, 0, res)`. */
function wechat4uRefusal(r: Refusal, tips: string): Error {
  const res = { data: { BaseResponse: { Ret: r.ret, ErrMsg: r.reason } } };
  try {
    assert.equal(r.ret, 0, res as never);
  } catch (err) {
    (err as Error & { tips?: string }).tips = tips;
    return err as Error;
  }
  return new Error('unreachable');
}

export class DemoPuppet extends PuppetMock {
  readonly urlPayloads = new Map<string, PUPPET.payloads.UrlLink>();

  constructor(
    mocker: mock.Mocker,
    private readonly hooks: DemoPuppetHooks,
  ) {
    super({ mocker });
  }

  override async messageUrl(messageId: string): Promise<PUPPET.payloads.UrlLink> {
    const p = this.urlPayloads.get(messageId);
    if (p) return p;
    return super.messageUrl(messageId);
  }

  // Wechaty answers a room-member "dirty" event with Contact.find(<room id>); the mock throws for
  // that id where wechat4u returns an empty contact. Answer like wechat4u so the log stays clean.
  override async contactRawPayload(id: string): Promise<PUPPET.payloads.Contact> {
    if (id.endsWith('@chatroom') && !this.mocker.cacheContactPayload.has(id)) {
      return { id, name: '', type: PUPPET.types.Contact.Unknown, gender: PUPPET.types.ContactGender.Unknown, avatar: '', phone: [] } as PUPPET.payloads.Contact;
    }
    return super.contactRawPayload(id);
  }

  override async messageSendText(conversationId: string, text: string): Promise<void> {
    const r = this.hooks.refuse(conversationId);
    if (r) throw wechat4uRefusal(r, '发送文本信息失败');
    await super.messageSendText(conversationId, text);
    this.hooks.sent({ ...this.target(conversationId), text, at: new Date() });
  }

  override async messageSendFile(conversationId: string, file: FileBoxInterface): Promise<void> {
    const r = this.hooks.refuse(conversationId);
    if (r) throw wechat4uRefusal(r, '发送文件失败');
    await super.messageSendFile(conversationId, file);
    this.hooks.sent({ ...this.target(conversationId), file: file.name, at: new Date() });
  }

  // Like wechat4u: article cards, mini programs and 视频号 posts cannot be sent.
  override async messageSendUrl(): Promise<void> {
    throw new Error('Unsupported API: messageSendUrl (the demo puppet behaves like wechat4u)');
  }

  override async messageSendMiniProgram(): Promise<void> {
    throw new Error('Unsupported API: messageSendMiniProgram (the demo puppet behaves like wechat4u)');
  }

  private target(id: string): { roomId?: string; contactId?: string } {
    return id.includes('@') ? { roomId: id } : { contactId: id };
  }
}

export { PUPPET };
