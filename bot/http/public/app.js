// 教育局看板: plain JavaScript, no build step. Every piece of data goes into the page through
// textContent (never innerHTML), except the QR code SVG that the server renders itself.
'use strict';

const TOKEN_KEY = 'antifraud.token';
const state = { me: null, timer: null };
const $ = (sel) => document.querySelector(sel);

/** Creates an element: h('td', { class: 'x' }, 'text', child…). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function status(text, isError) {
  const s = $('#status');
  s.textContent = text || '';
  s.className = isError ? 'status error' : 'status';
}

class ApiFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, opts = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { ...opts, headers: { ...(opts.headers || {}), authorization: `Bearer ${token}` } });
  if (res.status === 401) {
    signOut('令牌无效或已撤销，请重新登录。');
    throw new ApiFailure(401, 'unauthorized');
  }
  if (!res.ok) {
    let message = `请求失败（${res.status}）`;
    try {
      message = (await res.json()).error.message;
    } catch {
      /* keep the generic text */
    }
    throw new ApiFailure(res.status, message);
  }
  return opts.raw ? res : res.json();
}

/** Downloads an export through fetch (the token travels in a header, never in the URL). */
async function download(path) {
  status('正在生成文件…');
  const res = await api(path, { raw: true });
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '')?.[1] || 'export';
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  status(`已下载 ${name}`);
}

const ROLE_ZH = { bureau: '市教育局', county: '县区教育局', school: '学校' };
const STATUS_ZH = { active: '正常', paused: '已暂停', left: '已退出', ambiguous: '待确认', pending: '待发送', sending: '发送中', sent: '已发送', failed: '失败', unknown: '结果不明', skipped: '已跳过' };
const KIND_ZH = { article: '文章', text: '文字', image: '图片', video: '视频', channel_video: '视频号', mini_program: '小程序', file: '文件', letter: '一封信', attestation: '安装确认', case: '案例', work: '工作群', parent: '家长群', source: '来源群' };
const REPORT_ZH = { monthly: '月报', half_year: '半年报', annual: '年报' };
const LOGIN_ZH = { starting: '启动中', logged_out: '未登录', waiting_scan: '等待扫码', logged_in: '在线', error: '出错' };

const fmtPct = (p) => (p === null || p === undefined ? '—' : `${p}%`);
// The bureau's time zone comes from the API (/api/me), the one place that knows it.
const fmtTime = (t) => (t ? new Date(t).toLocaleString('zh-CN', { timeZone: state.me?.timeZone, hour12: false }) : '—');

function bar(pct, below) {
  const w = pct === null || pct === undefined ? 0 : Math.max(0, Math.min(100, pct));
  const fill = h('span', {});
  fill.style.width = `${w}%`; // CSSOM, not a style attribute: the CSP forbids inline styles
  return h('div', { class: `bar${below ? ' below' : ''}`, title: fmtPct(pct) }, fill, h('em', {}, fmtPct(pct)));
}

function table(headers, rows, opts = {}) {
  return h('div', { class: 'table-wrap' }, h('table', { class: opts.class || '' }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, opts.empty || '暂无数据')))));
}

function pager(data, go) {
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  return h('div', { class: 'pager' },
    h('button', { type: 'button', disabled: data.page <= 1, onclick: () => go(data.page - 1) }, '上一页'),
    h('span', {}, `第 ${data.page} / ${pages} 页，共 ${data.total} 条`),
    h('button', { type: 'button', disabled: data.page >= pages, onclick: () => go(data.page + 1) }, '下一页'));
}

/**
 * Pages of a cursor-paged list (groups, a post's deliveries): 首页 / 上一页 / 下一页 follow the API's
 * `prev` and `next` cursors. `at` (the first row's number) lives only in the address, for the label.
 * `names` renames the hash parameters when a view has two paged lists.
 */
function cursorPager(data, params, path, names = { after: 'after', before: 'before', at: 'at' }) {
  const at = data.prev ? Math.max(1, Number(params.get(names.at)) || 1) : 1;
  const end = at + data.items.length - 1;
  const go = (way, cursor, nextAt) => {
    const p = new URLSearchParams(params);
    for (const k of Object.values(names)) p.delete(k);
    if (way) {
      p.set(names[way], cursor);
      p.set(names.at, nextAt);
    }
    location.hash = `${path}?${p}`;
  };
  return h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'secondary', disabled: !data.prev, onclick: () => go() }, '首页'),
    h('button', { type: 'button', disabled: !data.prev, onclick: () => go('before', data.prev, Math.max(1, at - data.pageSize)) }, '上一页'),
    h('span', {}, data.items.length ? `第 ${at}–${end} 条，共 ${data.total} 条` : `共 ${data.total} 条`),
    h('button', { type: 'button', disabled: !data.next, onclick: () => go('after', data.next, end + 1) }, '下一页'));
}

function parseHash() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || '') };
}

/**
 * Groups whose member count was unknown at send and staff present are counted apart from the
 * families (bot/ledger/coverage.ts): the percentage is over groups of known size only.
 */
function apartNote(t) {
  const parts = [];
  if (t.groupsUnknownSize) parts.push(`${t.groupsUnknownSize} 个群发送时人数不明（其中 ${t.confirmedUnknownSize} 人确认），不计入覆盖率`);
  if (t.staff) parts.push(`另有教职工 ${t.staff} 人在群内，不计入家长人数`);
  return parts.length ? h('p', { class: 'muted apart' }, parts.join('；'), '。') : null;
}

function unknownCell(r) {
  if (!r.groupsUnknownSize) return '';
  return h('span', { class: 'tag warn', title: `其中 ${r.confirmedUnknownSize} 人确认` }, r.groupsUnknownSize);
}

// ---- views ---------------------------------------------------------------------------------

async function viewPosts(main, params) {
  const q = new URLSearchParams({ page: params.get('page') || '1', pageSize: '20' });
  for (const k of ['from', 'to', 'source']) if (params.get(k)) q.set(k, params.get(k));
  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const p = new URLSearchParams();
    for (const [k, v] of f) if (v) p.set(k, String(v));
    location.hash = `#/posts?${p}`;
  } },
  h('label', {}, '从', h('input', { type: 'date', name: 'from', value: params.get('from') || '' })),
  h('label', {}, '到', h('input', { type: 'date', name: 'to', value: params.get('to') || '' })),
  h('label', {}, '来源', h('input', { type: 'search', name: 'source', value: params.get('source') || '', placeholder: '如 国家反诈中心' })),
  h('button', { type: 'submit' }, '筛选'));
  const data = await api(`/api/posts?${q}`);
  const rows = data.items.map((p) => h('tr', { class: 'clickable', 'data-code': p.code, onclick: () => { location.hash = `#/post/${p.code}`; } },
    h('td', {}, h('a', { href: `#/post/${p.code}`, class: 'code' }, p.code)),
    h('td', { class: 'title' }, p.title, p.urgent ? h('span', { class: 'tag warn' }, '紧急') : null),
    h('td', {}, p.source.name),
    h('td', {}, KIND_ZH[p.kind] || p.kind),
    h('td', {}, fmtTime(p.capturedAt)),
    h('td', { class: 'num' }, p.coverage.groups),
    h('td', { class: 'barcell' }, bar(p.coverage.pct, p.coverage.pct !== null && p.coverage.pct < 100)),
    h('td', { class: 'num' }, p.coverage.failed + p.coverage.unknown ? h('span', { class: 'tag bad' }, p.coverage.failed + p.coverage.unknown) : '0')));
  main.append(h('section', { class: 'card' }, h('h2', {}, '转发文章'), form,
    table(['编号', '标题', '来源', '类型', '采集时间', '群数', '确认覆盖率', '失败/不明'], rows, { class: 'posts', empty: '没有符合条件的文章' }),
    pager(data, (n) => { params.set('page', n); location.hash = `#/posts?${params}`; })));
}

async function viewPost(main, code, params) {
  const me = state.me;
  const county = params.get('county');
  const school = params.get('school');
  const by = school || me.role === 'school' ? 'group' : county || me.role === 'county' ? 'school' : 'county';
  const q = new URLSearchParams({ by });
  if (county) q.set('county', county);
  if (school) q.set('school', school);
  const dq = new URLSearchParams({ status: 'failed,unknown', pageSize: '100' });
  if (county) dq.set('county', county);
  if (school) dq.set('school', school);
  if (params.get('dAfter')) dq.set('after', params.get('dAfter'));
  if (params.get('dBefore')) dq.set('before', params.get('dBefore'));
  const [cov, dels] = await Promise.all([
    api(`/api/posts/${encodeURIComponent(code)}/coverage?${q}`),
    api(`/api/posts/${encodeURIComponent(code)}/deliveries?${dq}`),
  ]);
  const crumbs = [h('a', { href: `#/post/${code}` }, me.role === 'bureau' ? '全市' : me.unit.name)];
  if (county && params.get('countyName')) crumbs.push(' › ', h('a', { href: `#/post/${code}?county=${county}&countyName=${encodeURIComponent(params.get('countyName'))}` }, params.get('countyName')));
  if (school && params.get('schoolName')) crumbs.push(' › ', h('span', {}, params.get('schoolName')));
  const drill = (r) => {
    const p = new URLSearchParams(params);
    if (by === 'county') {
      if (r.id === null) return null;
      return `#/post/${code}?${new URLSearchParams({ county: r.id, countyName: r.name })}`;
    }
    if (by === 'school') {
      p.set('school', r.id);
      p.set('schoolName', r.name);
      return `#/post/${code}?${p}`;
    }
    return null;
  };
  const levelZh = { county: '县区', school: '单位', group: '群' }[by];
  const rows = cov.rows.map((r) => {
    const href = drill(r);
    return h('tr', { class: `${r.below ? 'below' : ''}${href ? ' clickable' : ''}`, 'data-name': r.name, onclick: href ? () => { location.hash = href; } : null },
      h('td', {}, href ? h('a', { href }, r.name) : r.name, by === 'group' && r.className ? h('small', {}, ` ${r.className}`) : null, by === 'group' ? h('small', { class: 'muted' }, ` · ${r.unitName}`) : null),
      h('td', { class: 'num' }, by === 'group' ? '' : r.groups),
      h('td', { class: 'num' }, r.members),
      h('td', { class: 'num' }, r.confirmed),
      h('td', { class: 'barcell' }, bar(r.pct, r.below)),
      h('td', { class: 'num unknown-size' }, unknownCell(r)),
      h('td', { class: 'num staff' }, r.staff || ''),
      h('td', {}, r.below ? h('span', { class: 'tag bad' }, '未达标') : h('span', { class: 'tag ok' }, '达标')));
  });
  const exportQ = new URLSearchParams(q);
  const scopeQ = new URLSearchParams();
  if (county) scopeQ.set('county', county);
  if (school) scopeQ.set('school', school);
  const delRows = dels.items.map((d) => h('tr', {},
    h('td', {}, h('span', { class: `tag ${d.status === 'failed' ? 'bad' : 'warn'}` }, STATUS_ZH[d.status])),
    h('td', {}, d.group.topic), h('td', {}, d.group.unit.name), h('td', {}, d.account), h('td', {}, d.error || ''), h('td', {}, fmtTime(d.dueAt))));
  main.append(
    h('section', { class: 'card' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/posts' }, '文章'), ' › ', cov.post.code),
      h('h2', {}, cov.post.title),
      h('p', { class: 'muted' }, `${cov.post.source.name} · ${KIND_ZH[cov.post.kind] || cov.post.kind} · ${fmtTime(cov.post.capturedAt)}`),
      h('div', { class: 'totals' },
        h('div', {}, h('b', {}, cov.totals.groups), '个群'),
        h('div', {}, h('b', {}, cov.totals.members), '人送达'),
        h('div', {}, h('b', {}, cov.totals.confirmed), '人确认'),
        h('div', { class: 'wide' }, bar(cov.totals.pct, cov.totals.pct !== null && cov.totals.pct < cov.target))),
      apartNote(cov.totals),
      h('p', { class: 'crumbs' }, '范围：', crumbs),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'dl-xlsx', onclick: () => download(`/api/posts/${code}/coverage/export?${exportQ}&format=xlsx`).catch(fail) }, '下载 Excel'),
        h('button', { type: 'button', class: 'secondary', onclick: () => download(`/api/posts/${code}/coverage/export?${exportQ}&format=csv`).catch(fail) }, '下载 CSV')),
      table([levelZh, '群数', '送达人数', '已确认', '覆盖率', '人数不明的群', '教职工', `目标 ${cov.target}%`], rows, { class: 'coverage', empty: '此范围内还没有发送记录' }),
      cov.rowsTotal > cov.rows.length ? pager({ page: cov.page, pageSize: cov.pageSize, total: cov.rowsTotal }, (n) => { params.set('page', n); location.hash = `#/post/${code}?${params}`; }) : null,
      cov.below.length ? h('p', { class: 'warn-text' }, `未达标：${cov.below.map((r) => r.name).join('、')}`) : null),
    h('section', { class: 'card' }, h('h3', {}, `发送失败或结果不明（${(dels.counts.failed || 0) + (dels.counts.unknown || 0)}）`),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'dl-deliveries', onclick: () => download(`/api/posts/${code}/deliveries/export?${scopeQ}&format=xlsx`).catch(fail) }, '下载未送达清单 Excel'),
        h('button', { type: 'button', class: 'secondary', onclick: () => download(`/api/posts/${code}/deliveries/export?${scopeQ}&format=csv`).catch(fail) }, 'CSV'),
        h('span', { class: 'muted' }, ` 失败、结果不明和跳过的群，附原因（跳过 ${dels.counts.skipped || 0}）`)),
      table(['状态', '群', '单位', '机器人', '原因', '计划时间'], delRows, { class: 'deliveries', empty: '没有失败或结果不明的发送' }),
      dels.next || dels.prev ? cursorPager(dels, params, `#/post/${code}`, { after: 'dAfter', before: 'dBefore', at: 'dAt' }) : null));
}

/** ECharts (from npm, served by this server at /vendor/echarts.min.js), loaded on first use. */
let echartsLoading = null;
function loadEcharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  echartsLoading ??= new Promise((resolve, reject) => {
    const s = h('script', { src: '/vendor/echarts.min.js' });
    s.addEventListener('load', () => resolve(window.echarts));
    s.addEventListener('error', () => { echartsLoading = null; reject(new Error('图表组件加载失败，请刷新页面重试。')); });
    document.head.append(s);
  });
  return echartsLoading;
}

const LEVEL_ZH = { county: '县区', school: '单位', group: '群' };
/** How many sub-unit lines are switched on at first (the worst ones); the legend shows the rest. */
const LINES_ON = 5;

/** A chart in `el`, resized with the window and disposed when the view is replaced. */
function chart(echarts, el, option) {
  const c = echarts.init(el, null, { renderer: 'canvas' });
  c.setOption(option);
  const onResize = () => {
    if (el.isConnected) return c.resize();
    window.removeEventListener('resize', onResize); // the view was replaced
    c.dispose();
  };
  window.addEventListener('resize', onResize);
  return c;
}

async function viewTrends(main, params) {
  const me = state.me;
  const by = params.get('by') === 'post' ? 'post' : 'day';
  const q = new URLSearchParams({ by });
  for (const k of ['from', 'to', 'county', 'school']) if (params.get(k)) q.set(k, params.get(k));
  const [data, echarts] = await Promise.all([api(`/api/coverage/timeline?${q}`), loadEcharts()]);
  const scopeName = params.get('name') || (me.role === 'bureau' ? '全市' : me.unit.name);
  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(e.target)) if (v) p.set(k, String(v));
    for (const k of ['county', 'school', 'name']) if (params.get(k)) p.set(k, params.get(k));
    location.hash = `#/trends?${p}`;
  } },
  h('label', {}, '横轴', h('select', { name: 'by' }, h('option', { value: 'day', selected: by === 'day' }, '按天'), h('option', { value: 'post', selected: by === 'post' }, '按文章'))),
  h('label', {}, '从', h('input', { type: 'date', name: 'from', value: params.get('from') || '' })),
  h('label', {}, '到', h('input', { type: 'date', name: 'to', value: params.get('to') || '' })),
  h('button', { type: 'submit' }, '查看'));
  const levelZh = LEVEL_ZH[data.level];
  const drill = (s) => {
    if (s.id === null || data.level === 'group') return null;
    const p = new URLSearchParams({ by, name: s.name });
    for (const k of ['from', 'to']) if (params.get(k)) p.set(k, params.get(k));
    if (params.get('county')) p.set('county', params.get('county'));
    p.set(data.level === 'county' ? 'county' : 'school', s.id);
    return `#/trends?${p}`;
  };
  const lineEl = h('div', { id: 'chart-line', class: 'chart', 'data-points': data.points.length });
  const barEl = h('div', { id: 'chart-bars', class: 'chart bars', 'data-units': data.series.length });
  const rows = data.series.map((s) => {
    const href = drill(s);
    return h('tr', { class: `${s.below ? 'below' : ''}${href ? ' clickable' : ''}`, 'data-name': s.name, onclick: href ? () => { location.hash = href; } : null },
      h('td', {}, href ? h('a', { href }, s.name) : s.name),
      h('td', { class: 'num' }, s.total.deliveries), h('td', { class: 'num' }, s.total.members), h('td', { class: 'num' }, s.total.confirmed),
      h('td', { class: 'barcell' }, bar(s.total.pct, s.below)),
      h('td', { class: 'num unknown-size' }, unknownCell(s.total)), h('td', { class: 'num staff' }, s.total.staff || ''));
  });
  main.append(h('section', { class: 'card' },
    h('p', { class: 'crumbs' }, h('a', { href: `#/trends?by=${by}` }, me.role === 'bureau' ? '全市' : me.unit.name), params.get('name') ? [' › ', params.get('name')] : null),
    h('h2', {}, `${scopeName}：覆盖率变化`),
    h('p', { class: 'muted' }, `${by === 'day' ? '按采集日期（每天采集的文章合计）' : '按文章'}，${fmtDay(data.window.from)} 至 ${fmtDay(new Date(new Date(data.window.to).getTime() - 1))}；粗线为${scopeName}合计，细线为各${levelZh}（默认只显示最低的 ${LINES_ON} 个，点图例切换）。`),
    form,
    data.points.length ? lineEl : h('p', { class: 'muted empty-chart' }, '这段时间内没有发送记录。'),
    apartNote(data.total.total)),
  h('section', { class: 'card' },
    h('h3', {}, `各${levelZh}覆盖率（整段时间，目标 ${data.target}%）`),
    data.series.length ? barEl : null,
    table([levelZh, '群次', '送达人次', '确认人次', '覆盖率', '人数不明的群', '教职工'], rows, { class: 'trend-units', empty: '这段时间内没有发送记录' })));
  // Charts are drawn once the view is in the page (a detached element has no size): route() calls this.
  return () => drawTrends(echarts, data, { by, scopeName, lineEl, barEl, drill });
}

function drawTrends(echarts, data, { by, scopeName, lineEl, barEl, drill }) {
  if (!data.points.length) return;
  const x = data.points.map((p) => (by === 'day' ? p.key.slice(5) : p.key));
  const pctOf = (v) => (v ? v.pct : null);
  const on = new Set(data.series.slice(0, LINES_ON).map((s) => s.name));
  chart(echarts, lineEl, {
    animation: false,
    tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
    legend: { type: 'scroll', top: 0, selected: Object.fromEntries(data.series.map((s) => [s.name, on.has(s.name)])) },
    grid: { left: 44, right: 16, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: x, name: by === 'day' ? '日期' : '文章', nameLocation: 'middle', nameGap: 26 },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: [
      { name: `${scopeName}合计`, type: 'line', data: data.total.values.map(pctOf), connectNulls: true, lineStyle: { width: 4 }, symbolSize: 7, z: 3,
        markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: '#c8322c' }, label: { position: 'insideEndTop', formatter: `目标 ${data.target}%` }, data: [{ yAxis: data.target }] } },
      ...data.series.map((s) => ({ name: s.name, type: 'line', data: s.values, connectNulls: true, lineStyle: { width: 1.5 }, symbolSize: 4 })),
    ],
  });
  const worst = data.series.slice(0, 40); // worst first; the table lists every unit
  barEl.style.height = `${Math.max(160, worst.length * 26 + 60)}px`;
  const bars = chart(echarts, barEl, {
    animation: false,
    tooltip: { trigger: 'item', renderMode: 'richText', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
    grid: { left: 8, right: 40, top: 10, bottom: 24, containLabel: true },
    xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', inverse: true, data: worst.map((s) => s.name) },
    series: [{
      name: '覆盖率', type: 'bar', barMaxWidth: 18, label: { show: true, position: 'right', formatter: (p) => (p.value === null ? '—' : `${p.value}%`) },
      data: worst.map((s) => ({ value: s.total.pct, itemStyle: { color: s.below ? '#c8322c' : '#1f8a4c' } })),
      markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: '#c8322c' }, label: { show: false }, data: [{ xAxis: data.target }] },
    }],
  });
  bars.on('click', (e) => {
    const href = drill(worst[e.dataIndex]);
    if (href) location.hash = href;
  });
}

const fmtDay = (t) => new Date(t).toLocaleDateString('zh-CN', { timeZone: state.me?.timeZone });

async function viewGroups(main, params) {
  const q = new URLSearchParams({ pageSize: '50' });
  for (const k of ['status', 'q', 'after', 'before']) if (params.get(k)) q.set(k, params.get(k));
  const data = await api(`/api/groups?${q}`);
  const search = params.get('q') ? `&q=${encodeURIComponent(params.get('q'))}` : '';
  const chips = h('div', { class: 'chips' }, h('a', { href: `#/groups?${search.slice(1)}`, class: params.get('status') ? '' : 'on' }, '全部'),
    Object.entries(data.counts).map(([s, n]) => h('a', { href: `#/groups?status=${s}${search}`, class: params.get('status') === s ? 'on' : '' }, `${STATUS_ZH[s] || s} ${n}`)));
  const form = h('form', { class: 'filters search', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (params.get('status')) p.set('status', params.get('status'));
    const text = String(new FormData(e.target).get('q') || '').trim();
    if (text) p.set('q', text);
    location.hash = `#/groups?${p}`;
  } },
  h('label', {}, '群名或班级', h('input', { type: 'search', name: 'q', value: params.get('q') || '', placeholder: '如 三班、钦南', maxlength: '100' })),
  h('button', { type: 'submit' }, '搜索'));
  const rows = data.items.map((g) => h('tr', { class: g.status === 'active' ? '' : 'below' },
    h('td', {}, g.topic, g.className ? h('small', {}, ` ${g.className}`) : null),
    h('td', {}, KIND_ZH[g.kind] || g.kind), h('td', {}, g.unit.name),
    h('td', {}, h('span', { class: `tag ${g.status === 'active' ? 'ok' : 'warn'}` }, STATUS_ZH[g.status] || g.status), g.statusReason ? h('small', {}, ` ${g.statusReason}`) : null),
    h('td', { class: 'num' }, g.memberCount), h('td', {}, g.autoForward ? '自动' : '手动'), h('td', {}, g.account),
    state.me.role === 'school' ? h('td', {}, g.registeredBy || '') : null));
  const headers = ['群', '类型', '单位', '状态', '人数', '转发', '机器人'];
  if (state.me.role === 'school') headers.push('登记人');
  main.append(h('section', { class: 'card' }, h('h2', {}, '已登记的群'), chips, form,
    table(headers, rows, { class: 'groups', empty: params.get('q') ? '没有符合的群' : '还没有登记的群' }),
    cursorPager(data, params, '#/groups')));
}

async function viewAccounts(main) {
  const data = await api('/api/accounts');
  const cards = data.items.map((a) => h('div', { class: `account ${a.loginState}`, 'data-name': a.name },
    h('h3', {}, a.name, ' ', h('span', { class: `tag ${a.loginState === 'logged_in' ? 'ok' : a.loginState === 'waiting_scan' ? 'warn' : 'bad'}` }, LOGIN_ZH[a.loginState] || a.loginState)),
    h('p', { class: 'muted' }, `${a.loginName ? `微信：${a.loginName} · ` : ''}今日已发 ${a.sentToday} · 心跳 ${fmtTime(a.heartbeatAt)}`),
    a.throttle.throttled ? h('p', { class: 'warn-text' }, `因发送过快暂停至 ${fmtTime(a.throttle.until)}（第 ${a.throttle.level} 级）`) : h('p', {}, '发送正常'),
    a.qr ? qrBlock(a.qr) : null));
  main.append(h('section', { class: 'card' }, h('h2', {}, '机器人账号'), h('p', { class: 'muted' }, '每 5 秒自动刷新。'), h('div', { class: 'accounts' }, cards.length ? cards : h('p', {}, '还没有机器人账号'))));
  state.timer = setTimeout(() => route(), 5000);
}

function qrBlock(qr) {
  const box = h('div', { class: 'qr' });
  // The SVG is generated by the server from the login URL (qrcode package), not taken from input.
  box.innerHTML = qr.svg;
  return h('div', {}, h('p', {}, '请用该机器人账号的微信扫码登录：'), box);
}

async function viewReports(main, params) {
  const q = new URLSearchParams({ page: params.get('page') || '1', pageSize: '50' });
  const data = await api(`/api/reports?${q}`);
  const rows = data.items.map((r) => h('tr', { 'data-id': r.id },
    h('td', {}, r.period), h('td', {}, REPORT_ZH[r.kind] || r.kind), h('td', {}, r.unit.name), h('td', { class: 'barcell' }, bar(r.pct, r.pct !== null && r.pct < 100)),
    h('td', {}, fmtTime(r.generatedAt)),
    h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => download(`/api/reports/${r.id}/export?format=xlsx`).catch(fail) }, 'Excel'), ' ',
      h('button', { type: 'button', class: 'small secondary', onclick: () => download(`/api/reports/${r.id}/export?format=csv`).catch(fail) }, 'CSV'), ' ',
      h('button', { type: 'button', class: 'small', 'data-docx': r.id, onclick: () => download(`/api/reports/${r.id}/docx`).catch(fail) }, '工作小结 Word'))));
  main.append(h('section', { class: 'card' }, h('h2', {}, '报告'),
    h('p', { class: 'muted' }, '月报在每月 23 日生成（25 日前上报），半年报 6 月 18 日（20 日前），年报 12 月 18 日（20 日前）。'),
    table(['期间', '类型', '单位', '覆盖率', '生成时间', '下载'], rows, { empty: '还没有报告' }),
    pager(data, (n) => { params.set('page', n); location.hash = `#/reports?${params}`; })));
}

/** A picture fetched with the token (never in the URL) and shown from a blob URL. */
function thumb(m) {
  const img = h('img', { alt: '活动照片', class: 'thumb', loading: 'lazy' });
  api(m.url, { raw: true }).then((r) => r.blob()).then((b) => { img.src = URL.createObjectURL(b); }).catch(() => img.remove());
  return img;
}

async function viewActivities(main, params) {
  const q = new URLSearchParams({ page: params.get('page') || '1', pageSize: '20' });
  if (params.get('month')) q.set('month', params.get('month'));
  const data = await api(`/api/activities?${q}`);
  const form = h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); location.hash = `#/activities?month=${new FormData(e.target).get('month')}`; } },
    h('label', {}, '月份', h('input', { name: 'month', type: 'month', value: data.month })), h('button', { type: 'submit' }, '查看'));
  const items = data.items.map((a) => h('article', { class: 'activity', 'data-id': a.id },
    h('h3', {}, a.caption),
    h('p', { class: 'muted' }, `${a.unit.name} · ${fmtTime(a.at)} · 照片 ${a.media.filter((m) => m.kind === 'image').length} 张、视频 ${a.media.filter((m) => m.kind === 'video').length} 个`),
    h('div', { class: 'thumbs' }, a.media.map((m) => (m.kind === 'image' ? thumb(m)
      : h('button', { type: 'button', class: 'small secondary', onclick: () => download(m.url).catch(fail) }, `视频 ${(m.bytes / 1048576).toFixed(1)} MB`))))));
  main.append(h('section', { class: 'card' }, h('h2', {}, '活动材料'),
    h('p', { class: 'muted' }, '各单位在工作群发送活动照片、视频后回复“#活动 主题”即归档于此，并编入工作小结。'),
    form, items.length ? items : h('p', { class: 'muted' }, '这个月还没有活动材料'),
    pager(data, (n) => { params.set('page', n); location.hash = `#/activities?${params}`; })));
}

async function viewFigures(main) {
  const data = await api('/api/figures');
  const msg = h('p', { class: 'status', role: 'status' });
  const form = h('form', { class: 'filters', onsubmit: async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    try {
      await api('/api/figures', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ period: String(f.get('period')).trim(), cases: Number(f.get('cases')), lossesYuan: Number(f.get('lossesYuan')) }) });
      await route();
      status('已保存');
    } catch (err) {
      msg.textContent = err.message;
      msg.className = 'status error';
    }
  } },
  h('label', {}, '期间', h('input', { name: 'period', required: true, placeholder: '2026-11 / 2026-H1 / 2026' })),
  h('label', {}, '案件数', h('input', { name: 'cases', type: 'number', min: '0', step: '1', required: true })),
  h('label', {}, '损失（元）', h('input', { name: 'lossesYuan', type: 'number', min: '0', step: '0.01', required: true })),
  h('button', { type: 'submit' }, '保存'));
  const rows = data.items.map((f) => h('tr', {}, h('td', {}, f.period), h('td', {}, f.unit.name), h('td', { class: 'num' }, f.cases), h('td', { class: 'num' }, f.lossesYuan.toFixed(2)), h('td', {}, fmtTime(f.at))));
  main.append(h('section', { class: 'card' }, h('h2', {}, `${state.me.unit.name} 的案件与损失`), form, msg, table(['期间', '单位', '案件数', '损失（元）', '填报时间'], rows, { empty: '还没有填报' })));
}

// ---- shell ---------------------------------------------------------------------------------

function fail(err) {
  if (err instanceof ApiFailure && err.status === 401) return;
  status(err.message || String(err), true);
}

async function route() {
  clearTimeout(state.timer);
  if (!state.me) return;
  const { parts, params } = parseHash();
  const view = parts[0] || 'posts';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('on', a.dataset.view === (view === 'post' ? 'posts' : view));
  const main = $('#main');
  const fresh = h('div', { class: 'view', 'data-view': view });
  status('加载中…');
  let mounted = null; // what a view draws once it is in the page
  try {
    if (view === 'post' && parts[1]) await viewPost(fresh, parts[1], params);
    else if (view === 'groups') await viewGroups(fresh, params);
    else if (view === 'trends') mounted = await viewTrends(fresh, params);
    else if (view === 'accounts') await viewAccounts(fresh);
    else if (view === 'reports') await viewReports(fresh, params);
    else if (view === 'figures') await viewFigures(fresh);
    else if (view === 'activities') await viewActivities(fresh, params);
    else await viewPosts(fresh, params);
    main.replaceChildren(fresh);
    mounted?.();
    status('');
  } catch (err) {
    fail(err);
  }
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.me = null;
  $('#main').replaceChildren();
  $('#nav').hidden = true;
  $('#who').hidden = true;
  $('#signin').hidden = false;
  $('#signin-error').textContent = message || '';
}

async function signIn() {
  try {
    state.me = await api('/api/me');
  } catch (err) {
    if (!(err instanceof ApiFailure && err.status === 401)) $('#signin-error').textContent = err.message;
    return;
  }
  $('#signin').hidden = true;
  $('#who').hidden = false;
  $('#who-name').textContent = `${state.me.unit.name}（${ROLE_ZH[state.me.role]}）`;
  for (const a of document.querySelectorAll('#nav a[data-roles]')) a.hidden = !a.dataset.roles.split(',').includes(state.me.role);
  $('#nav').hidden = false;
  route();
}

document.addEventListener('DOMContentLoaded', () => {
  $('#signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('#token').value.trim());
    $('#token').value = '';
    signIn();
  });
  $('#signout').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', route);
  if (sessionStorage.getItem(TOKEN_KEY)) signIn();
  else signOut();
});
