// A fake of the web-WeChat HTTP endpoints, installed as the adapter of the axios module that
// wechat4u uses, so the REAL wechaty-puppet-wechat4u runs offline: login, init, contacts,
// synccheck/sync with queued raw messages (as WeChat sends them), and recorded sends.
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);
const axios = createRequire(requireHere.resolve('wechat4u'))('axios') as {
  defaults: { adapter?: unknown };
  AxiosError: new (message: string, code: string, config: unknown, request: unknown, response: unknown) => Error;
};

export interface RawContact {
  UserName: string;
  NickName: string;
  VerifyFlag?: number;
  ContactFlag?: number;
  DisplayName?: string;
  MemberList?: RawContact[];
  MemberCount?: number;
  EncryChatRoomId?: string;
}

export interface RawMessage {
  MsgId: string;
  FromUserName: string;
  ToUserName: string;
  MsgType: number;
  Content: string;
  CreateTime: number;
  AppMsgType?: number;
  Url?: string;
  FileName?: string;
  [k: string]: unknown;
}

export interface SentMessage {
  to: string;
  content: string;
  type: number;
  endpoint: string;
  /** When the server received it (epoch ms). */
  at: number;
}

export const BOT: RawContact = { UserName: '@bot0000000000000000000000000000001', NickName: '反诈宣传转发助手' };

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface FakeOptions {
  /** Unknown members' details are served at most this many per `memberWindowMs` (real server: 40 per 2 s). */
  membersPerWindow?: number;
  memberWindowMs?: number;
  /**
   * How long a synccheck with nothing to report is held (default 30 ms). The real server holds it for
   * about 25 s; a bench over real HTTP uses a longer hold so that the polling does not count as work.
   */
  syncHoldMs?: number;
}

/**
 * Installs the fake; returns controls. Call restore() when done.
 *
 * Unkind like the real server: every login gives every room and contact (the bot too) a new id,
 * while the client keeps the objects of earlier sessions; a send to an id of an earlier session
 * (or an unknown one) is refused with Ret 1204; the contact list names rooms without members
 * (MemberCount 0) so the client must fetch each room; unknown members' details come slowly.
 * Ids given to the controls are the ids of the first session; they are mapped to the current ones.
 */
export function installWebWechatFake(contacts: RawContact[], opts: FakeOptions = {}) {
  const queue: RawMessage[] = [];
  const sends: SentMessage[] = [];
  const refused: (SentMessage & { ret: number })[] = [];
  const requests: string[] = [];
  /** How many contacts each webwxbatchgetcontact asked for. */
  const batches: number[] = [];
  const uploads: number[] = [];
  let nextRet: number[] = [];
  /** Bytes of inbound images and videos by MsgId, served by webwxgetmsgimg / webwxgetvideo. */
  const media = new Map<string, { data: Buffer; type: string }>();
  const downloads: { path: string; msgId: string; range?: string }[] = [];
  let mediaDelayMs = 0;
  let seq = 100000;
  let epoch = 0;
  let expired = false; // the server ended the session; the next full login starts a new epoch
  const sid = () => `sid${epoch}`;
  let holdScan: Promise<void> | undefined;
  let releaseScan: (() => void) | undefined;
  const logins: number[] = [];
  const scanHeld = () => holdScan !== undefined;
  const perWindow = opts.membersPerWindow ?? 40;
  const windowMs = opts.memberWindowMs ?? 2000;
  let memberBudgetAt = 0; // when the next batch of member details may be served
  const base = [BOT, ...contacts];
  const byOrig = new Map<string, RawContact>();
  const memberOrig = new Map<string, RawContact>();
  for (const c of base) {
    byOrig.set(c.UserName, c);
    for (const m of c.MemberList ?? []) if (!byOrig.has(m.UserName)) memberOrig.set(m.UserName, m);
  }
  /** The id of `orig` (an id of the first session) in the current session. */
  const cur = (orig: string, e = epoch) => (e === 0 || orig === 'filehelper' ? orig : `${orig}e${e}`);
  const origOf = new Map<string, string>(); // current id → first-session id
  const index = () => {
    origOf.clear();
    for (const id of [...byOrig.keys(), ...memberOrig.keys()]) origOf.set(cur(id), id);
  };
  index();
  const isRoom = (id: string) => id.startsWith('@@');
  const view = (c: RawContact, withMembers: boolean): RawContact => {
    const v: RawContact = { ...c, UserName: cur(c.UserName) };
    if (isRoom(c.UserName)) {
      v.MemberCount = withMembers ? (c.MemberList?.length ?? 0) : 0;
      v.MemberList = withMembers ? (c.MemberList ?? []).map((m) => ({ ...m, UserName: cur(m.UserName) })) : [];
    } else delete v.MemberList;
    return v;
  };
  const ok = { BaseResponse: { Ret: 0, ErrMsg: '' } };
  const syncKey = () => ({ Count: 1, List: [{ Key: 1, Val: seq }] });

  async function adapter(config: { url: string; method?: string; data?: unknown; params?: Record<string, unknown>; headers?: unknown }) {
    const url = new URL(config.url);
    const path = url.pathname;
    requests.push(path);
    const body = typeof config.data === 'string' && config.data.startsWith('{') ? JSON.parse(config.data) : config.data;
    // A JSON answer goes out as text, as the real server sends it: axios parses it in the client, so
    // the client's objects and strings are its own (sharing the fake's strings hid about 30 MB of the
    // bot's heap, and the parsing's garbage, at 500 rooms of 500 members in tests/bench/login-scale.ts).
    const respond = (data: unknown, status = 200, headers: Record<string, unknown> = {}) => ({
      data: data !== null && typeof data === 'object' && !Buffer.isBuffer(data) ? JSON.stringify(data) : data,
      status, statusText: String(status), headers, config, request: {},
    });
    if (path.endsWith('/jslogin')) return respond('window.QRLogin.code = 200; window.QRLogin.uuid = "fakeuuid==";');
    if (path.endsWith('/mmwebwx-bin/login')) {
      const waiting = holdScan;
      if (waiting) {
        // Nobody has scanned yet: the real server long-polls, then answers 408.
        await Promise.race([waiting, new Promise((r) => setTimeout(r, 500))]);
        if (scanHeld()) return respond('window.code=408;');
      }
      return respond('window.code=200;\nwindow.redirect_uri="https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=T&uuid=fakeuuid==&lang=zh_CN&scan=1";');
    }
    if (path.endsWith('/webwxnewloginpage')) {
      if (expired) {
        expired = false;
        epoch++;
        index();
      }
      const response = respond(
        `<error><ret>0</ret><message></message><skey>@crypt_skey</skey><wxsid>${sid()}</wxsid><wxuin>123456</wxuin><pass_ticket>pt1</pass_ticket><isgrayscale>1</isgrayscale></error>`,
        301,
        { 'set-cookie': ['webwx_data_ticket=dt1; Domain=.qq.com; Path=/'] },
      );
      throw new axios.AxiosError('Request failed with status code 301', 'ERR_BAD_RESPONSE', config, {}, response);
    }
    // A request of an ended session (wechat4u then logs in again, with a new QR code).
    const sessionOver = () => expired || (body as { BaseRequest?: { Sid?: string } })?.BaseRequest?.Sid !== sid();
    if (path.endsWith('/webwxinit')) {
      if (sessionOver()) return respond({ BaseResponse: { Ret: 1101, ErrMsg: '' } });
      logins.push(Date.now());
      return respond({ ...ok, SKey: '@crypt_skey', SyncKey: syncKey(), User: { ...view(BOT, false), Uin: 123456 }, ContactList: [], Count: 0 });
    }
    if (path.endsWith('/webwxlogout')) return respond(ok);
    if (path.endsWith('/webwxstatusnotify') || path.endsWith('/webwxstatreport')) return respond(ok);
    if (path.endsWith('/webwxgetcontact')) {
      // Saved rooms come without members (MemberCount 0): the client fetches each one.
      const list = base.map((c) => view(c, false));
      return respond({ ...ok, MemberList: list, MemberCount: list.length, Seq: 0 });
    }
    if (path.endsWith('/webwxbatchgetcontact')) {
      const wanted = ((body as { List?: { UserName: string }[] })?.List ?? []).map((c) => c.UserName);
      batches.push(wanted.length);
      const found: RawContact[] = [];
      let memberDetails = 0;
      for (const id of wanted) {
        const orig = origOf.get(id);
        if (!orig) continue; // an id of an earlier session: unknown to the server
        const c = byOrig.get(orig);
        if (c) {
          found.push(view(c, true));
          if (!isRoom(orig)) memberDetails++;
        } else {
          found.push(view(memberOrig.get(orig)!, false));
          memberDetails++;
        }
      }
      // Details of people are served slowly (perWindow per windowMs), rooms at once.
      if (memberDetails) {
        const now = Date.now();
        const wait = Math.max(0, memberBudgetAt - now);
        memberBudgetAt = Math.max(now, memberBudgetAt) + Math.ceil(memberDetails / perWindow) * windowMs;
        if (wait) await new Promise((r) => setTimeout(r, wait));
      }
      return respond({ ...ok, ContactList: found, Count: found.length });
    }
    if (path.endsWith('/synccheck')) {
      for (let held = 0; queue.length === 0 && !expired && held < (opts.syncHoldMs ?? 30); held += 30) await new Promise((r) => setTimeout(r, 30));
      // (the real server answers a string that wechat4u does not recognise: it re-inits, then sees 1101)
      if (expired) return respond('window.synccheck={retcode:"1101",selector:"0"}');
      return respond(`window.synccheck={retcode:"0",selector:"${queue.length ? 2 : 0}"}`);
    }
    if (path.endsWith('/webwxsync')) {
      if (sessionOver()) return respond({ BaseResponse: { Ret: 1101, ErrMsg: '' } });
      const batch = queue.splice(0);
      seq++;
      return respond({ ...ok, AddMsgCount: batch.length, AddMsgList: batch, ModContactCount: 0, ModContactList: [], DelContactCount: 0, DelContactList: [], SyncKey: syncKey(), SyncCheckKey: syncKey(), SKey: '' });
    }
    if (path.endsWith('/webwxuploadmedia')) {
      uploads.push(Buffer.isBuffer(config.data) ? config.data.length : 0);
      return respond({ ...ok, MediaId: `@media${uploads.length}`, StartPos: 0, CDNThumbImgHeight: 0, CDNThumbImgWidth: 0 });
    }
    if (/webwxsend(msg|appmsg|msgimg|videomsg|emoticon)$/.test(path)) {
      const msg = (body as { Msg: { ToUserName: string; Content?: string; Type: number; MediaId?: string } }).Msg;
      const rec: SentMessage = { to: msg.ToUserName, content: msg.Content ?? msg.MediaId ?? '', type: msg.Type, endpoint: path.split('/').pop()!, at: Date.now() };
      // An id of an earlier session, or one the server never gave: refused.
      const ret = nextRet.shift() ?? (sessionOver() ? 1101 : msg.ToUserName === 'filehelper' || origOf.has(msg.ToUserName) ? 0 : 1204);
      if (ret !== 0) {
        refused.push({ ...rec, ret });
        return respond({ BaseResponse: { Ret: ret, ErrMsg: '' } });
      }
      sends.push(rec);
      return respond({ ...ok, MsgID: String(++seq), LocalID: String(seq) });
    }
    if (/webwxget(msgimg|video)$/.test(path)) {
      // Like WeChat: a message id this session does not know (or an old one) gets an empty body
      // with status 200, a video is only served with a Range header, and big files take time.
      const id = String(config.params?.MsgID ?? url.searchParams.get('MsgID') ?? '');
      const range = (config.headers as Record<string, string> | undefined)?.Range;
      downloads.push({ path: path.split('/').pop()!, msgId: id, range });
      if (mediaDelayMs) await new Promise((r) => setTimeout(r, mediaDelayMs));
      const m = media.get(id);
      if (path.endsWith('video') && !range) return respond(Buffer.alloc(0), 416, { 'content-type': 'text/plain' });
      if (!m || (path.endsWith('video') ? !m.type.startsWith('video/') : !m.type.startsWith('image/'))) return respond(Buffer.alloc(0), 200, { 'content-type': 'text/plain' });
      return respond(m.data, path.endsWith('video') ? 206 : 200, { 'content-type': m.type, 'content-length': String(m.data.length) });
    }
    if (/webwxget(headimg|icon)$/.test(path)) return respond('');
    return respond({ ...ok });
  }

  const previous = axios.defaults.adapter;
  axios.defaults.adapter = adapter;
  let msgId = 5_000_000_000;
  const now = () => Math.floor(Date.now() / 1000) + 1;
  /** Maps an id of the first session to the current one (other ids unchanged). */
  const id = (anyId: string) => (byOrig.has(anyId) || memberOrig.has(anyId) ? cur(anyId) : anyId);

  function push(m: Omit<RawMessage, 'MsgId' | 'CreateTime' | 'ToUserName'> & Partial<RawMessage>): string {
    const raw: RawMessage = { MsgId: String(++msgId), CreateTime: now(), ToUserName: id(BOT.UserName), AppMsgType: 0, Url: '', FileName: '', Status: 3, ImgStatus: 1, ...m } as RawMessage;
    raw.FromUserName = id(raw.FromUserName);
    queue.push(raw);
    return raw.MsgId;
  }

  return {
    sends,
    /** Sends the server refused (with their Ret). */
    refused,
    requests,
    batches,
    uploads,
    /** Times of the logins (webwxinit) so far. */
    logins,
    /** The current session's id of a contact or room (given by its first-session id). */
    id,
    /** The current session's number (0: the first login; a re-login counts once logged in again). */
    epoch: () => epoch,
    /** Makes the next sends fail with these Ret codes (e.g. 1205: too fast). */
    failNextSends: (...rets: number[]) => void (nextRet = rets),
    /**
     * The server ends the session (the next synccheck says 1101); the client logs in again and
     * every id changes. With `hold`, the new login waits for scan().
     */
    relogin: (o: { hold?: boolean } = {}) => {
      expired = true;
      if (o.hold) holdScan = new Promise<void>((r) => (releaseScan = r));
    },
    /** The QR code is scanned (after relogin({ hold: true })). */
    scan: () => {
      holdScan = undefined;
      releaseScan?.();
    },
    /** Queues a raw message for the next sync. */
    push,
    /** A text from a member in a room, as WeChat sends it ("@member:<br/>text"). */
    roomText: (roomId: string, memberId: string, text: string) =>
      push({ FromUserName: roomId, MsgType: 1, Content: `${id(memberId)}:<br/>${escapeHtml(text).replace(/\n/g, '<br/>')}` }),
    /** A photo from a member in a room (MsgType 3), its bytes served by webwxgetmsgimg. */
    roomImage: (roomId: string, memberId: string, data: Buffer, type = 'image/jpeg') => {
      const msgId = push({
        FromUserName: roomId, MsgType: 3,
        Content: `${id(memberId)}:<br/>${escapeHtml(`<?xml version="1.0"?>\n<msg><img aeskey="a1" encryver="1" cdnthumbaeskey="a1" cdnthumburl="3057" cdnthumblength="3000" cdnthumbheight="120" cdnthumbwidth="90" cdnmidheight="0" cdnmidwidth="0" cdnhdheight="0" cdnhdwidth="0" cdnmidimgurl="3057" length="${data.length}" md5="m" /></msg>`).replace(/\n/g, '<br/>')}`,
      });
      media.set(msgId, { data, type });
      return msgId;
    },
    /** A video from a member in a room (MsgType 43), its bytes served by webwxgetvideo. */
    roomVideo: (roomId: string, memberId: string, data: Buffer, seconds = 12) => {
      const msgId = push({
        FromUserName: roomId, MsgType: 43, PlayLength: seconds,
        Content: `${id(memberId)}:<br/>${escapeHtml(`<?xml version="1.0"?>\n<msg><videomsg aeskey="v1" cdnthumbaeskey="v1" cdnvideourl="3057" cdnthumburl="3057" length="${data.length}" playlength="${seconds}" cdnthumblength="5000" cdnthumbwidth="90" cdnthumbheight="160" fromusername="${id(memberId)}" md5="m" newmd5="n" isplaceholder="0" /></msg>`).replace(/\n/g, '<br/>')}`,
      });
      media.set(msgId, { data, type: 'video/mp4' });
      return msgId;
    },
    /** Forgets a message's bytes (WeChat expired it): later downloads get an empty body. */
    expireMedia: (msgId: string) => void media.delete(msgId),
    /** Slows every media download (big files on a slow line). */
    slowMedia: (ms: number) => void (mediaDelayMs = ms),
    downloads,
    /** Answers one request of the client (what the installed axios adapter does): for a server over HTTP. */
    serve: adapter,
    restore: () => {
      axios.defaults.adapter = previous;
    },
  };
}

export type WebWechatFake = ReturnType<typeof installWebWechatFake>;

/**
 * A world of `rooms` rooms of `members` members each (the bot included), all with distinct
 * members, plus the given extra contacts. Room i has the topic `topic(i)`.
 */
export function bigWorld(rooms: number, members: number, topic = (i: number) => `测试学校${i}班家长群`): RawContact[] {
  const out: RawContact[] = [];
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  for (let i = 0; i < rooms; i++) {
    const list: RawContact[] = [{ UserName: BOT.UserName, NickName: BOT.NickName, DisplayName: '' }];
    // The fields the real server gives each member of a room's MemberList (webwxbatchgetcontact).
    for (let j = 1; j < members; j++) {
      list.push({
        Uin: 0, UserName: `@m${hex(i, 4)}${hex(j, 4)}${'0'.repeat(56)}`, NickName: `家长${i}-${j}`, AttrStatus: 2147584103,
        PYInitial: '', PYQuanPin: '', RemarkPYInitial: '', RemarkPYQuanPin: '', MemberStatus: 0, DisplayName: '', KeyWord: '',
      } as RawContact);
    }
    out.push({ UserName: `@@r${hex(i, 6)}${'0'.repeat(32)}`, NickName: topic(i), MemberCount: list.length, MemberList: list, ContactFlag: 3 });
  }
  return out;
}

/** The escaped app-message XML of an official-account push with several articles. */
export function rawArticlePush(account: string, articles: { title: string; url: string; digest?: string }[]): string {
  const items = articles
    .map((a) => `<item><itemshowtype>0</itemshowtype><title><![CDATA[${a.title}]]></title><url><![CDATA[${a.url.replace(/&/g, '&amp;')}]]></url><shorturl><![CDATA[]]></shorturl><pub_time>1763863200</pub_time><cover><![CDATA[https://mmbiz.qpic.cn/x/0?wx_fmt=jpeg]]></cover><digest><![CDATA[${a.digest ?? ''}]]></digest></item>`)
    .join('');
  const f = articles[0];
  const xml = `<msg><appmsg appid="" sdkver="0"><title><![CDATA[${f.title}]]></title><des><![CDATA[${f.digest ?? ''}]]></des><action></action><type>5</type><showtype>1</showtype><content></content><contentattr>0</contentattr><url><![CDATA[${f.url.replace(/&/g, '&amp;')}]]></url><lowurl></lowurl><appattach><totallen>0</totallen><attachid></attachid><fileext></fileext></appattach><extinfo></extinfo><mmreader><category type="20" count="${articles.length}"><name><![CDATA[${account}]]></name><topnew><cover><![CDATA[]]></cover><width>0</width><height>0</height><digest><![CDATA[]]></digest></topnew>${items}</category><publisher><username><![CDATA[gh_a1b2c3d4e5f6]]></username><nickname><![CDATA[${account}]]></nickname></publisher><template_header></template_header><template_detail></template_detail><forbid_forward>0</forbid_forward></mmreader><thumburl><![CDATA[]]></thumburl></appmsg><fromusername><![CDATA[gh_a1b2c3d4e5f6]]></fromusername><appinfo><version>0</version><appname><![CDATA[]]></appname><isforceupdate>1</isforceupdate></appinfo></msg>`;
  return escapeHtml(xml);
}

/** The escaped XML of a 视频号 share (AppMsgType 51). */
export function rawChannelShare(nickname: string, objectId: string, desc: string): string {
  const xml = `<msg><appmsg appid="" sdkver="0"><title>当前微信版本不支持展示该内容，请升级至最新版本。</title><des></des><type>51</type><url>https://support.weixin.qq.com/update/</url><finderFeed><objectId>${objectId}</objectId><objectNonceId>1234_0_0_0_0_0</objectNonceId><feedType>4</feedType><nickname>${nickname}</nickname><username>v2_abc@finder</username><avatar><![CDATA[https://wx.qlogo.cn/a.jpg]]></avatar><desc>${desc}</desc><mediaCount>1</mediaCount><localId>0</localId><authIconType>1</authIconType><authIconUrl><![CDATA[]]></authIconUrl><mediaList><media><mediaType>4</mediaType><url><![CDATA[https://finder.video.qq.com/x]]></url><thumbUrl><![CDATA[https://finder.video.qq.com/t]]></thumbUrl><width>1080</width><height>1920</height><videoPlayDuration>45</videoPlayDuration></media></mediaList></finderFeed></appmsg><fromusername>wxid_x</fromusername></msg>`;
  return escapeHtml(xml);
}
