// The fake web-WeChat (tests/helpers/wechat4u-fake.ts) as an HTTP server in a process of its own, for a
// bench that measures the bot's process (login-scale.ts). (Files starting with "_" are not benches.)
//
// In the bot's process the fake distorted what was measured: its world (hundreds of MB for 500 rooms
// of 500) and its garbage were subtracted by estimate, V8 sized the bot's heap limits after the
// fake's heap, and its answers bypassed axios's HTTP path (bytes, decoding, parsing). Over HTTP the bot's
// process does exactly what it does against wx.qq.com, minus TLS.
//
//   npx tsx tests/bench/_wechat-server.ts 500x500     # prints "listening <port>"
//
// A request for https://<host>/<path> arrives as http://127.0.0.1:<port>/<host>/<path>. Controls for
// the bench, under /__bench/ (ids are those of the first session; the fake maps them):
//   POST /__bench/room-text {room, member, text}   a member's text in a room
//   GET  /__bench/sends?room=<id>                   how many messages the bot sent to that room
//   POST /__bench/relogin                           the server ends the session (every id changes)
//   GET  /__bench/state                             {epoch, rssMb}
import http from 'node:http';
import { bigWorld, installWebWechatFake } from '../helpers/wechat4u-fake.ts';

const [rooms, members] = (process.argv[2] ?? '').split('x').map(Number);
if (!rooms || !members) {
  process.stderr.write('usage: _wechat-server.ts <rooms>x<members>\n');
  process.exit(2);
}
const fake = installWebWechatFake(bigWorld(rooms, members), { syncHoldMs: 1000 });

type FakeResponse = { data: unknown; status: number; headers: Record<string, unknown> };

async function control(path: string, url: URL, body: string): Promise<unknown> {
  if (path === 'room-text') {
    const { room, member, text } = JSON.parse(body) as { room: string; member: string; text: string };
    return { msgId: fake.roomText(room, member, text) };
  }
  if (path === 'sends') {
    const to = fake.id(url.searchParams.get('room') ?? '');
    return { count: fake.sends.filter((s) => s.to === to).length };
  }
  if (path === 'relogin') {
    fake.relogin();
    return {};
  }
  if (path === 'state') return { epoch: fake.epoch(), rssMb: Math.round(process.memoryUsage().rss / 1048576) };
  throw new Error(`no control ${path}`);
}

const server = http.createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/__bench/')) {
      const out = await control(url.pathname.slice('/__bench/'.length), url, body.toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out ?? {}));
      return;
    }
    const text = body.toString('utf8');
    const config = { url: `https:/${req.url}`, method: (req.method ?? 'GET').toLowerCase(), data: text.startsWith('{') ? text : body, headers: req.headers };
    let r: FakeResponse;
    try {
      r = (await fake.serve(config)) as FakeResponse;
    } catch (err) {
      // the fake answers the login page's redirect as axios does: an error carrying the response
      const response = (err as { response?: FakeResponse }).response;
      if (!response) throw err;
      r = response;
    }
    res.writeHead(r.status, r.headers as http.OutgoingHttpHeaders);
    res.end(Buffer.isBuffer(r.data) ? r.data : typeof r.data === 'string' ? r.data : JSON.stringify(r.data));
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
